"""Webhook intake: the deliveries of one order share one job; echoes of our own exports are not stored;
one failed job per identity key."""

import json

from odoo import fields
from odoo.tests.common import HttpCase, TransactionCase
from odoo.tools import SQL

from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    sign,
)

from .common import run_queue

SECRET = "whsec-coalescing-0123456789"


def _make_store(env, name):
    store = env["connector.store"].create({"name": name, "platform": "test"})
    env["integration.credential"]._set_value(store, "webhook_secret", SECRET)
    return store


class WebhookCoalescingCase(HttpCase):
    """Over Odoo's real HTTP server, as test_webhook_intake."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = _make_store(cls.env, "Coalescing Store")
        cls.Delivery = cls.env["store.webhook.delivery"]
        cls.Job = cls.env["sync.job"]

    def _post(self, body, event_id, kind="orders", topic=None):
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(SECRET, raw),
                   EVENT_HEADER: event_id}
        if topic:
            headers[TOPIC_HEADER] = topic
        url = f"/api/v1/stores/{self.store.code}/webhooks/{kind}"
        response = self.url_open(url, data=raw, headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["status"]

    def _jobs(self):
        return self.Job.search([("store_id", "=", self.store.id)])

    def _deliveries(self):
        return self.Delivery.search([("store_id", "=", self.store.id)])

    # ------------------------------------------------------------------ one order, one job
    def test_deliveries_of_one_failing_order_make_one_failed_job(self):
        for number, topic in enumerate(("orders/create", "orders/paid", "orders/updated"), start=1):
            body = {"order": {"id": "O-1"}, "fail": f"Unknown SKU in delivery {number}."}
            self.assertEqual(self._post(body, f"evt-{number}", topic=topic), "queued")
        job = self._jobs()
        self.assertEqual(len(job), 1, "the deliveries of one order share one job")
        deliveries = self._deliveries()
        self.assertEqual(len(deliveries), 3, "every delivery is kept")
        self.assertEqual(deliveries.job_id, job)
        self.assertEqual(sorted(job.res_ids), sorted(deliveries.ids))
        self.assertEqual(job.identity_key, "webhook:order:O-1")

        self.assertEqual(run_queue(self.env, self.store), 1)
        self.assertEqual(job.state, "failed")
        self.assertIn("delivery 3", job.last_error, "the job acts on the newest delivery")

        # Another event of the order: the failed job runs again with it, rather than a second one.
        body = {"order": {"id": "O-1"}, "fail": "Still unknown in delivery 4."}
        self.assertEqual(self._post(body, "evt-4", topic="orders/updated"), "queued")
        self.assertEqual(self._jobs(), job)
        self.assertEqual((job.state, job.retry_count), ("pending", 0))
        self.assertEqual(len(job.res_ids), 4)
        run_queue(self.env, self.store)
        self.assertEqual(self._jobs(), job, "one failed job for the order, not one per delivery")
        self.assertEqual(job.state, "failed")
        self.assertIn("delivery 4", job.last_error)
        self.assertEqual(len(self._deliveries()), 4, "the failed job keeps its deliveries")

        # Retry keeps the deliveries and acts on the newest again.
        job.action_retry()
        self.assertEqual(job.state, "pending")
        self.assertEqual(len(job.res_ids), 4)

    def test_other_orders_and_other_kinds_keep_their_own_jobs(self):
        self._post({"order": {"id": "O-2"}, "fail": "x"}, "evt-a")
        self._post({"order": {"id": "O-3"}, "fail": "x"}, "evt-b")
        self._post({"id": 99}, "evt-c", kind="products")
        self._post({"id": 100}, "evt-d", kind="products")
        jobs = self._jobs()
        self.assertEqual(len(jobs), 4)
        self.assertEqual(sorted(jobs.mapped("identity_key"), key=str),
                         sorted(["webhook:order:O-2", "webhook:order:O-3", False, False], key=str))

    def test_a_running_job_of_the_order_is_not_merged_into(self):
        self._post({"order": {"id": "O-5"}, "fail": "x"}, "evt-r1")
        first = self._jobs()
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET state = 'processing' WHERE id = %s", [first.id])
        first.invalidate_recordset()
        self.assertEqual(self._post({"order": {"id": "O-5"}, "fail": "y"}, "evt-r2"), "queued")
        second = self._jobs() - first
        self.assertEqual(len(second), 1, "a new job: the running one has already read its deliveries")
        self.assertEqual(second.identity_key, "webhook:order:O-5")
        self.assertEqual(first.res_ids, [self._deliveries().sorted("id")[0].id])

    def test_duplicate_of_a_keyed_delivery_is_still_a_duplicate(self):
        body = {"order": {"id": "O-6"}, "fail": "x"}
        self.assertEqual(self._post(body, "evt-dup"), "queued")
        self.assertEqual(self._post(body, "evt-dup"), "duplicate")
        self.assertEqual(len(self._deliveries()), 1)
        self.assertEqual(self._jobs().res_ids, self._deliveries().ids)

    # ------------------------------------------------------------------ echoes
    def test_echo_of_our_stock_update_is_answered_and_not_stored(self):
        product = self.env["product.product"].create({"name": "Echo Mug", "default_code": "ECHO-1"})
        binding = self.env["store.product.binding"].create(
            {"store_id": self.store.id, "product_id": product.id})
        binding.sudo().write({"inventory_quantity": 7, "inventory_synced_at": fields.Datetime.now()})

        self.assertEqual(self._post({"sku": "ECHO-1", "quantity": 7}, "inv-1", kind="inventory"), "echo")
        self.assertFalse(self._deliveries(), "an echo is not stored")
        self.assertFalse(self._jobs(), "nor queued")

        # A change made on the platform is not an echo.
        self.assertEqual(self._post({"sku": "ECHO-1", "quantity": 5}, "inv-2", kind="inventory"), "queued")
        self.assertEqual(len(self._deliveries()), 1)
        # Nor is a quantity Odoo never published.
        binding.sudo().write({"inventory_synced_at": False})
        self.assertEqual(self._post({"sku": "ECHO-1", "quantity": 7}, "inv-3", kind="inventory"), "queued")

    def test_echo_named_by_the_platform_inventory_item_is_found_in_external_data(self):
        """The platform names the variant by its own id (kept in external_data, no column)."""
        product = self.env["product.product"].create({"name": "Item Mug", "default_code": "ECHO-2"})
        binding = self.env["store.product.binding"].create(
            {"store_id": self.store.id, "product_id": product.id})
        binding.sudo().write(dict(
            binding._external_ids_values({"inventory_item_id": 9042}, binding.external_data),
            inventory_quantity=7, inventory_synced_at=fields.Datetime.now(),
        ))
        # An item another store published is not this store's.
        other = _make_store(self.env, "Other Echo Store")
        other_binding = self.env["store.product.binding"].create(
            {"store_id": other.id, "product_id": product.id})
        other_binding.sudo().write({"external_data": {"inventory_item_id": "9043"}, "inventory_quantity": 5,
                                    "inventory_synced_at": fields.Datetime.now()})

        self.assertEqual(self._post({"inventory_item_id": 9042, "quantity": 7}, "item-1", kind="inventory"),
                         "echo")
        self.assertFalse(self._deliveries(), "an echo is not stored")
        self.assertEqual(self._post({"inventory_item_id": 9042, "quantity": 6}, "item-2", kind="inventory"),
                         "queued")
        self.assertEqual(self._post({"inventory_item_id": 9043, "quantity": 5}, "item-3", kind="inventory"),
                         "queued", "another store's item is unknown here")


    def test_a_retried_job_superseded_by_a_newer_one_hands_its_deliveries_over(self):
        """A job of an order's deliveries goes back to the queue (released, retried) while a newer
        delivery of the order queued a new job: the older job is superseded, and its deliveries go
        to the new job, which then acts on the newest of all. Dropped, an older event that arrived
        last would win."""
        for number in (1, 2):
            self._post({"order": {"id": "O-7"}, "fail": f"Unknown SKU in delivery {number}."},
                       f"handover-{number}", topic="orders/updated")
        first = self._jobs()
        self.assertEqual(len(first), 1)
        self.env.cr.execute("UPDATE sync_job SET state = 'processing', worker = 'gone' WHERE id = %s",
                            [first.id])
        first.invalidate_recordset()
        self._post({"order": {"id": "O-7"}, "fail": "Unknown SKU in delivery 3."}, "handover-3",
                   topic="orders/updated")
        second = self._jobs() - first
        self.assertEqual(len(second), 1, "the running job takes no new delivery: a new job is queued")

        states = self.Job._sql_reopen(first.ids, SQL("worker = NULL"))
        self.assertEqual(states, {first.id: "cancelled"})
        deliveries = self._deliveries()
        self.assertEqual(len(deliveries), 3)
        self.assertEqual(sorted(second.res_ids), sorted(deliveries.ids), "no delivery is dropped")
        self.assertEqual(deliveries.job_id, second, "each delivery names the job that acts on it")
        self.assertIn(str(second.id), first.result)

        # The heir runs on the newest of the three (for this platform, the last received).
        self.assertEqual(run_queue(self.env, self.store), 1)
        self.assertEqual(second.state, "failed")
        self.assertIn("delivery 3", second.last_error)

    def test_an_older_failed_job_hands_its_deliveries_to_the_newest_failed_one(self):
        for number in (1, 2):
            body = {"order": {"id": "O-8"}, "fail": f"Unknown SKU in delivery {number}."}
            self._post(body, f"failed-{number}", topic="orders/updated")
        first = self._jobs()
        # A second failed job of the key (as when the first was claimed when the next delivery came).
        second = first.copy({"res_ids": [], "state": "failed", "identity_key": first.identity_key})
        self.env.cr.execute("UPDATE store_webhook_delivery SET job_id = %s WHERE id = %s",
                            [second.id, max(first.res_ids)])
        self.env.cr.execute("UPDATE sync_job SET res_ids = %s, state = 'failed' WHERE id = %s",
                            [json.dumps([max(first.res_ids)]), second.id])
        self.env.cr.execute("UPDATE sync_job SET state = 'failed' WHERE id = %s", [first.id])
        (first | second).invalidate_recordset()
        self.assertEqual(second._supersede_failed(), first.ids)
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(sorted(second.res_ids), sorted(self._deliveries().ids))
        self.assertEqual(self._deliveries().job_id, second)


class FailedJobSupersedingCase(TransactionCase):
    """One failed job per store and identity key (sync.job._supersede_failed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = cls.env["connector.store"].create({"name": "Superseding Store", "platform": "test"})

    def _enqueue(self, key, message):
        return self.env["sync.job"]._enqueue(
            self.store, "orders.import.order", "_job_scripted",
            payload={"raise": "permanent", "message": message}, identity_key=key)

    def test_a_later_failure_of_a_key_cancels_the_older_failed_job(self):
        first = self._enqueue("orders.import.order:77", "first")
        other = self._enqueue("orders.import.order:78", "other order")
        run_queue(self.env, self.store)
        self.assertEqual((first.state, other.state), ("failed", "failed"))
        # The next pull queues the order again (the failed job is not pending: no merge) and it fails.
        second = self._enqueue("orders.import.order:77", "second")
        self.assertNotEqual(second, first)
        run_queue(self.env, self.store)
        self.assertEqual(second.state, "failed")
        self.assertEqual(first.state, "cancelled", "one failed job per key: the older one is superseded")
        self.assertIn(str(second.id), first.result)
        self.assertEqual(other.state, "failed", "another key is left alone")
        # The superseded one can still be retried.
        first.action_retry()
        self.assertEqual(first.state, "pending")
