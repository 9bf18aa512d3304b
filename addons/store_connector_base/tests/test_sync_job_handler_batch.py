"""Batchable job handlers: consecutive due jobs of one store and handler run in one call."""

import json
from unittest.mock import patch

from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger

from odoo.addons.store_connector_test_platform.models.store_adapter import StoreAdapterTest

from .common import run_queue

RUNNER_LOGGER = "odoo.store_connector.base.models.sync_job"


class TestJobHandlerBatch(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = cls.env["connector.store"].create({"name": "Batch Store", "platform": "test"})
        cls.Delivery = cls.env["store.webhook.delivery"].sudo()

    def _deliveries(self, payloads):
        ids = [
            self.Delivery._insert_delivery(self.store, "things", "things/update", f"ev-{i}", {},
                                           json.dumps(payload), operation="webhook.things",
                                           method_name="_job_process")
            for i, payload in enumerate(payloads)
        ]
        return self.Delivery.browse(ids)

    def _run(self, deliveries, batch):
        calls = []

        def _process_webhook_batch(adapter, store, batch_deliveries):
            calls.append(batch_deliveries.ids)
            return batch(batch_deliveries)

        with patch.object(StoreAdapterTest, "_process_webhook_batch", _process_webhook_batch, create=True), \
                mute_logger(RUNNER_LOGGER):
            ran = run_queue(self.env, self.store)
        self.assertEqual(ran, len(deliveries))
        return calls

    def test_batch_completes_some_the_others_run_alone(self):
        deliveries = self._deliveries([{"n": 1}, {"fail": "boom"}, {"n": 3}])
        calls = self._run(deliveries, lambda batch: {
            d.id: {"batched": d.id} for d in batch if not d._payload().get("fail")
        })
        self.assertEqual(calls, [deliveries.ids])
        good, bad, third = deliveries
        for delivery in (good, third):
            self.assertEqual(delivery.job_id.state, "done")
            self.assertEqual(json.loads(delivery.job_id.result), {"batched": delivery.id})
        self.assertEqual((bad.job_id.state, bad.job_id.error_kind, bad.job_id.last_error),
                         ("failed", "permanent", "boom"))

    def test_batch_that_raises_runs_every_job_alone(self):
        deliveries = self._deliveries([{"n": 1}, {"fail": "boom"}, {"n": 3}])

        def explode(batch):
            self.env.cr.execute("UPDATE connector_store SET name = 'changed by batch' WHERE id = %s",
                                [self.store.id])
            raise ValueError("batch bug")

        calls = self._run(deliveries, explode)
        self.assertEqual(len(calls), 1)
        self.store.invalidate_recordset()
        self.assertEqual(self.store.name, "Batch Store", "nothing of the failed batch is kept")
        good, bad, third = deliveries
        for delivery in (good, third):
            self.assertEqual(delivery.job_id.state, "done")
            self.assertEqual(json.loads(delivery.job_id.result)["processed"], delivery.event_id)
        self.assertEqual((bad.job_id.state, bad.job_id.last_error), ("failed", "boom"))

    def test_handler_that_is_not_batchable_runs_alone(self):
        deliveries = self._deliveries([{"n": 1}, {"n": 2}])
        with patch.object(type(self.Delivery), "_job_batch_handlers", {}):
            calls = self._run(deliveries, lambda batch: {d.id: "batched" for d in batch})
        self.assertEqual(calls, [])
        for delivery in deliveries:
            self.assertEqual(delivery.job_id.state, "done")
            self.assertEqual(json.loads(delivery.job_id.result)["processed"], delivery.event_id)

    def test_single_due_job_runs_alone(self):
        deliveries = self._deliveries([{"n": 1}])
        calls = self._run(deliveries, lambda batch: {d.id: "batched" for d in batch})
        self.assertEqual(calls, [])
        self.assertEqual(deliveries.job_id.state, "done")
