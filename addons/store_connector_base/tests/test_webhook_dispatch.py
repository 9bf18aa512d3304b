"""Webhook topic dispatch and batch results in the base (issue #9): the adapter declares a topic
table (`_webhook_topic_handlers`); the base dispatches, answers unknown topics, imports the
deliveries of order topics in one batch and maps the batch's results back to each delivery."""

import json
from unittest.mock import patch

from odoo.tools import mute_logger

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError
from odoo.addons.store_connector_base.services.webhook_dispatch import WebhookHandler
from odoo.addons.store_connector_test_platform.models.store_adapter import UNHANDLED_TOPIC, StoreAdapterTest

from .common import run_queue
from .common_orders import OrderPipelineCase

RUNNER_LOGGER = "odoo.store_connector.base.models.sync_job"


class TestWebhookDispatch(OrderPipelineCase):
    def _delivery(self, event_id, body, kind="orders", topic="orders/create"):
        Delivery = self.env["store.webhook.delivery"].sudo()
        return Delivery.browse(Delivery._insert_delivery(
            self.store, kind, topic, event_id, {}, json.dumps(body), operation=f"webhook.{kind}",
            method_name="_job_process"))

    def _result(self, delivery):
        return json.loads(delivery.job_id.result)

    def test_unknown_topic_is_ignored_with_a_reason_never_lost(self):
        delivery = self._delivery("unknown-1", {"id": 1}, kind="products", topic=UNHANDLED_TOPIC)
        self.assertEqual(run_queue(self.env, self.store), 1)
        self.assertEqual(delivery.job_id.state, "done")
        result = self._result(delivery)
        self.assertEqual(result["ignored"], UNHANDLED_TOPIC)
        self.assertIn("does not act on this topic", result["reason"])
        self.assertIn("Test Platform", result["reason"])
        self.assertTrue(delivery.exists(), "the delivery stays stored")
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "webhook")
        self.assertIn(UNHANDLED_TOPIC, log[:1].message)
        self.assertIn("unknown-1", log[:1].message)

    def test_a_platform_without_a_table_lacks_the_feature(self):
        delivery = self._delivery("no-table", {"id": 1})
        # On the registry's class: the test platform's fault probe overrides the method too.
        with patch.object(type(self.env["store.adapter.test"]), "_webhook_topic_handlers", create=True,
                          new=lambda adapter, store: {}), mute_logger(RUNNER_LOGGER):
            run_queue(self.env, self.store)
        self.assertEqual(delivery.job_id.state, "failed")
        self.assertIn('does not support "Process Webhook orders/create"', delivery.job_id.last_error)

    def test_order_deliveries_import_in_one_batch_each_with_its_result(self):
        first = self._delivery("o-1", {"order": self.make_order("2001")})
        second = self._delivery("o-2", {"order": self.make_order("2002")}, topic="orders/paid")
        recorded = self._delivery("r-1", {"note": "no order"}, topic="orders/updated")
        calls = []
        original = type(self.adapter)._webhook_import_orders

        def spy(adapter, store, deliveries):
            calls.append(sorted(deliveries.ids))
            return original(adapter, store, deliveries)

        with patch.object(type(self.adapter), "_webhook_import_orders", spy):
            self.assertEqual(run_queue(self.env, self.store), 3)
        self.assertEqual(calls, [sorted((first | second).ids)], "one call of the importer for both orders")
        for delivery, order_id in ((first, "2001"), (second, "2002")):
            sale = self.sale_of(order_id)
            self.assertTrue(sale)
            self.assertEqual(delivery.job_id.state, "done")
            self.assertEqual(self._result(delivery), {"created": [sale.id], "updated": [], "ignored": []})
        self.assertEqual(self._result(recorded)["processed"], "r-1")

        # The same orders again (not newer) and a newer one: ignored, updated.
        again = self._delivery("o-1-again", {"order": self.make_order("2001")})
        newer = self._delivery("o-2-newer", {"order": self.make_order("2002", updated=self.later(5))},
                               topic="orders/updated")
        self.assertEqual(run_queue(self.env, self.store), 2)
        self.assertEqual(self._result(again), {"created": [], "updated": [], "ignored": ["2001"]})
        self.assertEqual(self._result(newer),
                         {"created": [], "updated": [self.sale_of("2002").id], "ignored": []})

    def test_a_failed_order_undoes_the_batch_each_delivery_then_records_its_own_outcome(self):
        good = self._delivery("g-1", {"order": self.make_order("3001")})
        bad_order = self.make_order("3002")
        del bad_order["currency"]
        bad = self._delivery("b-1", {"order": bad_order})
        batches = []
        original = type(self.adapter)._process_webhook_batch

        def spy(adapter, store, deliveries):
            try:
                return original(adapter, store, deliveries)
            except PermanentJobError as exc:
                batches.append(str(exc))
                raise

        with patch.object(type(self.adapter), "_process_webhook_batch", spy), mute_logger(RUNNER_LOGGER):
            self.assertEqual(run_queue(self.env, self.store), 2)
        self.assertEqual(len(batches), 1)
        self.assertIn(f"{bad.id}: ", batches[0], "the batch's error names the failed delivery")
        self.assertIn("currency", batches[0])
        self.assertEqual(good.job_id.state, "done")
        self.assertEqual(self._result(good)["created"], self.sale_of("3001").ids)
        self.assertEqual((bad.job_id.state, bad.job_id.error_kind), ("failed", "permanent"))
        self.assertIn("currency", bad.job_id.last_error)
        self.assertFalse(self.sale_of("3002"))

    def test_batch_outcomes_map_to_deliveries(self):
        """A batch handler's outcomes: a result is done, an exception fails the batch (every
        delivery then runs alone, where the exception is raised as classified), no entry runs alone."""
        deliveries = self._delivery("m-1", {"n": 1}, kind="products", topic="things/batch") \
            | self._delivery("m-2", {"n": 2}, kind="products", topic="things/batch") \
            | self._delivery("m-3", {"n": 3}, kind="products", topic="things/batch")
        one, two, three = deliveries
        outcomes = {one.id: {"done": 1}, two.id: None}

        def table(adapter, store):
            return {"things/batch": WebhookHandler("_things", batch=True)}

        def things(adapter, store, batch):
            return {key: value for key, value in outcomes.items() if key in batch.ids}

        adapter = self.adapter
        with patch.object(StoreAdapterTest, "_webhook_topic_handlers", table, create=True), \
                patch.object(StoreAdapterTest, "_things", things, create=True):
            self.assertEqual(adapter._process_webhook_batch(self.store, deliveries),
                             {one.id: {"done": 1}, two.id: None}, "a delivery without outcome is left out")
            self.assertEqual(adapter._process_webhook(self.store, one), {"done": 1})
            with self.assertRaises(PermanentJobError) as caught:
                adapter._process_webhook(self.store, three)
            self.assertIn("no outcome", str(caught.exception))
            outcomes[three.id] = RetryableJobError("platform busy", retry_after=30)
            with self.assertRaises(PermanentJobError) as caught:
                adapter._process_webhook_batch(self.store, deliveries)
            self.assertIn(f"{three.id}: platform busy", str(caught.exception))
            with self.assertRaises(RetryableJobError) as alone:
                adapter._process_webhook(self.store, three)
            self.assertEqual(alone.exception.retry_after, 30, "alone, the error keeps its class")
