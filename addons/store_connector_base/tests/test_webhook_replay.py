"""Issue #13, Replay: a stored webhook delivery processed again by a new job, recorded as a replay;
and Recover an Order: a platform order read again by its number and imported as it is now.

On the test platform (the in-memory adapter); each platform addon tests its own lookup against its
simulator."""

import json
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    sign,
)

from .common_orders import T0, OrderPipelineCase

SECRET = "whsec-replay-5c1d9e3f7a"
MANAGER = "store_connector_base.group_store_connector_manager"
USER = "store_connector_base.group_store_connector_user"


class ReplayCase(OrderPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["integration.credential"]._set_value(cls.store, "webhook_secret", SECRET)
        cls.manager = new_test_user(cls.env, "replay_manager", groups=f"base.group_user,{MANAGER}")
        cls.user = new_test_user(cls.env, "replay_user", groups=f"base.group_user,{USER}")
        cls.Delivery = cls.env["store.webhook.delivery"]

    def receive(self, order, event_id, topic="orders/updated"):
        """A signed order delivery through the real intake; returns the stored delivery."""
        raw = json.dumps({"order": order}).encode()
        headers = {SIGNATURE_HEADER: sign(SECRET, raw), EVENT_HEADER: event_id, TOPIC_HEADER: topic,
                   "Content-Type": "application/json"}
        status, message = self.Delivery._receive(self.store, "orders", headers, raw)
        self.assertEqual((status, message), (200, "queued"))
        return self.Delivery.search([("store_id", "=", self.store.id), ("event_id", "=", event_id)])

    def replay(self, delivery, user=None):
        return delivery.with_user(user or self.manager).action_replay()


class TestWebhookReplay(ReplayCase):
    def test_a_failed_import_gets_a_second_chance(self):
        order = self.make_order("R-1", lines=[{"id": "l1", "sku": "NEW-LAMP", "name": "Lamp", "quantity": 1,
                                               "unit_price": "30.00"}])
        delivery = self.receive(order, "evt-r1", topic="orders/create")
        self.run_jobs()
        self.assertEqual(delivery.job_id.state, "failed")
        self.assertIn("NEW-LAMP", delivery.job_id.last_error)
        # The merchant creates the missing product, then replays the delivery.
        self.env["product.product"].create({"name": "Lamp", "default_code": "NEW-LAMP", "type": "consu"})
        action = self.replay(delivery)
        self.assertEqual(action["params"]["type"], "success")
        replay = delivery.replay_ids
        self.assertEqual(len(replay), 1)
        self.assertEqual(replay.create_uid, self.manager, "who replayed it")
        self.assertTrue(replay.create_date, "when")
        job = replay.job_id
        self.assertNotEqual(job, delivery.job_id, "a new job")
        self.assertEqual((job.model_name, job.res_ids, job.method_name),
                         ("store.webhook.delivery", delivery.ids, "_job_replay"), "over the same delivery")
        self.assertEqual(job.replay_ids, replay, "the job shows what it replays")
        self.run_jobs()
        self.assertEqual(job.state, "done", job.last_error)
        sale = self.sale_of("R-1")
        self.assertTrue(sale, "the replay imported the order")
        self.assertEqual(json.loads(job.result)["created"], sale.ids)
        self.assertEqual(delivery.job_id.state, "failed", "the delivery's own job is left as it was")
        self.assertEqual(delivery.replay_count, 1)

    def test_a_replay_of_an_old_event_does_not_roll_the_order_back(self):
        created = self.receive(self.make_order("R-2", status="pending"), "evt-r2a", topic="orders/create")
        self.run_jobs()
        later = self.make_order("R-2", status="completed", updated=T0 + timedelta(hours=2))
        self.receive(later, "evt-r2b")
        self.run_jobs()
        binding = self.binding_of("R-2")
        self.assertEqual(binding.platform_status, "completed")
        self.replay(created)
        job = created.replay_ids.job_id
        self.run_jobs()
        self.assertEqual(job.state, "done", job.last_error)
        self.env.invalidate_all()
        self.assertEqual(binding.platform_status, "completed", "the order keeps its newer state")
        self.assertEqual(binding.platform_updated_at, T0 + timedelta(hours=2))
        result = json.loads(job.result)
        self.assertEqual(result["ignored"], ["R-2"])
        self.assertIn("not rolled back", result["replay_note"])
        self.assertIn("Recover an Order", result["replay_note"])

    def test_two_clicks_queue_one_replay_and_a_pending_delivery_is_not_replayed(self):
        delivery = self.receive(self.make_order("R-3"), "evt-r3")
        with self.assertRaisesRegex(UserError, "still waiting to be processed"):
            self.replay(delivery)
        self.run_jobs()
        self.replay(delivery)
        with self.assertRaisesRegex(UserError, "already queued"):
            self.replay(delivery)
        self.assertEqual(len(delivery.replay_ids), 1)

    def test_replaying_for_an_archived_or_paused_store_says_so(self):
        delivery = self.receive(self.make_order("R-4"), "evt-r4")
        self.run_jobs()
        self.store.paused = True
        action = self.replay(delivery)
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("paused", action["params"]["message"])
        self.run_jobs()
        self.assertEqual(delivery.replay_ids.job_state, "pending", "it waits for the store to be resumed")
        delivery.replay_ids.job_id.action_cancel()
        self.store.write({"paused": False, "active": False})
        with self.assertRaisesRegex(UserError, "archived"):
            self.replay(delivery)

    def test_only_managers_replay(self):
        delivery = self.receive(self.make_order("R-5"), "evt-r5")
        self.run_jobs()
        with self.assertRaises(AccessError):
            self.replay(delivery, user=self.user)
        self.assertFalse(delivery.replay_ids)
        # The replay record is the server's: not even a manager writes one.
        with self.assertRaises(AccessError):
            self.env["store.webhook.replay"].with_user(self.manager).create(
                {"store_id": self.store.id, "delivery_id": delivery.id})


class TestRecoverOrder(ReplayCase):
    def recover(self, number, user=None):
        wizard = self.env["store.order.recover.wizard"].with_user(user or self.user).create(
            {"store_id": self.store.id, "order_number": number})
        return wizard.action_recover()

    def test_a_missing_order_is_read_by_its_number_and_imported(self):
        self.adapter._test_set_orders(self.store, [self.make_order("R-10"), self.make_order("R-11")])
        action = self.store.with_user(self.user).action_recover_order()
        self.assertEqual(action["res_model"], "store.order.recover.wizard")
        notification = self.recover(" NR-11 ")
        sale = self.sale_of("R-11")
        self.assertTrue(sale)
        self.assertFalse(self.sale_of("R-10"), "only the order asked for")
        self.assertEqual(notification["params"]["type"], "success")
        self.assertEqual(notification["params"]["links"],
                         [{"label": sale.name, "url": f"/odoo/sale.order/{sale.id}"}])
        self.assertIn("was imported as %s", notification["params"]["message"])
        self.assertIn(("fetch_order_by_number", "NR-11"), self.adapter._test_calls(self.store))
        job = self.jobs("orders.recover")
        self.assertEqual(job.state, "done")

    def test_an_order_odoo_holds_is_imported_again_even_at_the_same_update(self):
        order = self.make_order("R-12")
        self.import_orders([order])
        sale = self.sale_of("R-12")
        # The same update again is ignored by a pull...
        self.assertEqual(self.import_orders([order])["ignored"], ["R-12"])
        # ...but the merchant asked: it is imported again.
        self.adapter._test_set_orders(self.store, [order])
        notification = self.recover("NR-12")
        self.assertEqual(notification["params"]["type"], "success")
        self.assertIn("read again and %s brought up to date", notification["params"]["message"])
        job = self.jobs("orders.recover")
        self.assertEqual(json.loads(job.result)["updated"], sale.ids)
        self.assertEqual(self.binding_of("R-12").platform_updated_at, T0)

    def test_an_unknown_number_is_a_clear_error_and_queues_nothing(self):
        self.adapter._test_set_orders(self.store, [self.make_order("R-13")])
        with self.assertRaisesRegex(UserError, "has no order 4242 in store Test Shop. Check the number"):
            self.recover("4242")
        with self.assertRaisesRegex(UserError, "Enter the order's number"):
            self.store.with_user(self.user)._recover_order("  ")
        self.assertFalse(self.jobs("orders.recover"))

    def test_an_order_that_cannot_be_imported_says_why_and_links_the_job(self):
        lines = [{"id": "l1", "sku": "NOPE", "name": "Nope", "quantity": 1, "unit_price": "5.00"}]
        self.adapter._test_set_orders(self.store, [self.make_order("R-14", lines=lines)])
        notification = self.recover("NR-14")
        job = self.jobs("orders.recover")
        self.assertEqual(job.state, "failed")
        self.assertEqual(notification["params"]["type"], "danger")
        self.assertIn("NOPE", notification["params"]["message"])
        self.assertEqual(notification["params"]["links"][0]["url"], f"/odoo/sync.job/{job.id}")

    def test_a_store_that_may_not_pull_orders_refuses(self):
        self.adapter._test_set_orders(self.store, [self.make_order("R-15")])
        self.store.allow_orders_pull = False
        with self.assertRaises(UserError):
            self.recover("NR-15")
        self.assertFalse(self.sale_of("R-15"))
