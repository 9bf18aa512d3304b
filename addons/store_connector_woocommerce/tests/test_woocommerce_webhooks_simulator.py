"""Webhooks end to end against the WooCommerce simulator, through Odoo's real HTTP server: Register
Webhooks (create with the ping, idempotent, a disabled webhook and a wrong secret repaired), signed
deliveries, same-second delivery ids, duplicates, and the health check seeing WooCommerce disable
a webhook."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.woocommerce import WooCommerceSimulator
from tests.simulators.woocommerce.util import wp_json

from .common import create_woocommerce_store

HANDLED = ("order.created", "order.updated", "order.deleted", "product.updated")


@tagged("post_install", "-at_install")
class TestWooCommerceWebhooksSimulator(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.sim = WooCommerceSimulator(seed="none")
        self.store = create_woocommerce_store(
            self.env, shop_url=self.sim.start(), consumer_key=self.sim.consumer_key,
            consumer_secret=self.sim.consumer_secret, webhook_secret=None)
        self.addCleanup(self.sim.stop)
        self.sim.add_product("Mug", sku="MUG", regular_price="9.90", stock_quantity=50, emit=False)
        # The topic table is filled by the sync modules; a recording handler stands for them here.
        self.handled = []
        adapter_class = type(self.env["store.adapter.woocommerce"])

        def handler(adapter, store, delivery, payload):
            self.handled.append((delivery.topic, payload.get("id"), payload.get("status")))
            return {"handled": payload.get("id")}

        def handlers(adapter, store):
            return dict.fromkeys(HANDLED, "_woocommerce_test_hook")

        for name, function in (("_webhook_topic_handlers", handlers), ("_woocommerce_test_hook", handler)):
            patcher = patch.object(adapter_class, name, function, create=True)
            patcher.start()
            self.addCleanup(patcher.stop)

    def register(self):
        self.sim.reset_requests()
        action = self.store.action_register_webhooks()
        # As the end of the button's request would: the deliveries are received by other requests.
        self.env.flush_all()
        return action

    def writes(self):
        return [(request["method"], request["path"]) for request in self.sim.requests
                if request["method"] != "GET"]

    def deliveries(self):
        return self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])

    def test_register_creates_pinged_active_webhooks_then_changes_nothing(self):
        self.register()
        hooks = {hook["topic"]: hook for hook in self.sim.webhooks_list()}
        self.assertEqual(sorted(hooks), sorted(HANDLED))
        secret = self.store._get_credential("webhook_secret")
        for topic, hook in hooks.items():
            kind = "orders" if topic.startswith("order.") else "products"
            self.assertEqual(hook["delivery_url"], self.store._webhook_url(kind))
            self.assertEqual(hook["status"], "active")
            self.assertEqual(hook["secret"], secret)
        pings = self.sim.webhook_pings
        self.assertEqual(len(pings), len(HANDLED))
        self.assertTrue(all(ping["status"] == 200 for ping in pings), pings)
        self.assertFalse(self.deliveries(), "pings are not stored")
        self.assertEqual(sorted(self.store.webhook_ids.mapped("topic")), sorted(HANDLED))
        self.register()
        self.assertEqual(self.writes(), [], "the second run only reads")

    def test_signed_deliveries_same_second_and_duplicates(self):
        self.register()
        self.sim.duplicate_rate = 1.0  # every delivery is sent twice
        # The shop's clock held within one second, however slow the machine sends the deliveries.
        second_start = int(self.sim.clock.time()) + 0.5
        with patch.object(self.sim.clock, "time", lambda: second_start):
            first = self.sim.add_order([{"sku": "MUG", "quantity": 1}], status="processing")
            second = self.sim.add_order([{"sku": "MUG", "quantity": 2}], status="processing")
            results = self.sim.flush_webhooks()
        self.assertTrue(all(result["ok"] for result in results), results)
        created = [result for result in results if result["topic"] == "order.created"]
        delivery_ids = {result["headers"]["X-WC-Webhook-Delivery-ID"] for result in created}
        self.assertEqual(len(delivery_ids), 1, "two orders in one second share WooCommerce's delivery id")
        stored = self.deliveries().filtered(lambda delivery: delivery.topic == "order.created")
        self.assertEqual(len(stored), 2, "two events, two deliveries; their copies dropped")
        run_queue(self.env, self.store)
        handled = sorted(order_id for topic, order_id, _status in self.handled if topic == "order.created")
        self.assertEqual(handled, sorted([first["id"], second["id"]]))

    def test_reordered_updates_act_on_the_newest(self):
        """Two Action Scheduler runners: the delivery built first (order processing) is slow and
        arrives after the one built later (order completed)."""
        self.register()
        order = self.sim.add_order([{"sku": "MUG", "quantity": 1}], status="processing", emit=False)
        hook = next(hook for hook in self.sim.webhooks_list() if hook["topic"] == "order.updated")
        slow_body = wp_json(self.sim.webhooks.build_payload(self.sim.webhook(hook["id"]), order["id"]))
        slow_headers = {
            "Content-Type": "application/json", "X-WC-Webhook-Source": self.sim.base_url + "/",
            "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-ID": str(hook["id"]),
            "X-WC-Webhook-Delivery-ID": "slow-runner",
            "X-WC-Webhook-Signature": self.sim.sign_webhook(hook["secret"], slow_body)}
        self.sim.advance(5)
        self.sim.update_order(order["id"], status="completed")
        self.assertTrue(all(result["ok"] for result in self.sim.flush_webhooks()))
        late = self.url_open(hook["delivery_url"], data=slow_body, headers=slow_headers)
        self.assertEqual(late.json(), {"status": "queued"})
        updates = self.deliveries().filtered(lambda delivery: delivery.topic == "order.updated")
        self.assertEqual(len(updates), 2)
        self.assertEqual(len(updates.job_id), 1, "one job for the order")
        run_queue(self.env, self.store)
        self.assertEqual([entry for entry in self.handled if entry[0] == "order.updated"],
                         [("order.updated", order["id"], "completed")])

    def test_disabled_webhook_with_a_wrong_secret_is_seen_and_repaired(self):
        self.register()
        hook = next(hook for hook in self.sim.webhooks_list() if hook["topic"] == "order.updated")
        with self.sim.store.lock:
            self.sim.store.webhooks[hook["id"]]["secret"] = "changed-in-the-wordpress-admin"
        order = self.sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending", emit=False)
        for number in range(7):
            self.sim.update_order(order["id"], customer_note=f"note {number}")
            results = self.sim.flush_webhooks()
            self.assertEqual([result["status"] for result in results], [401])
            self.sim.advance(2)
        self.assertEqual(self.sim.webhook(hook["id"])["status"], "disabled", "the 7th failure disables it")
        self.assertFalse(self.deliveries(), "refused deliveries are not stored")
        # The scheduled pull's cron checks the webhooks (due: never checked since Register an hour ago).
        self.store.webhook_ids.sudo().write({"checked_at": fields.Datetime.now() - timedelta(hours=2)})
        self.env["connector.store"]._cron_pull_orders()
        run_queue(self.env, self.store)
        webhook = self.store.webhook_ids.filtered(lambda record: record.topic == "order.updated")
        self.assertEqual(webhook.status, "disabled")
        self.assertIn("disabled it after repeated failed deliveries", webhook.last_error)
        self.assertEqual(self.store.webhook_problem_count, 1)
        log = self.env["store.activity.log"].search([("store_id", "=", self.store.id),
                                                     ("operation", "=", "webhooks.health")])
        self.assertIn("order.updated", log.message)
        # Register Webhooks re-activates it with the store's secret: deliveries pass again.
        self.register()
        self.assertEqual(self.writes(), [("PUT", f"/wp-json/wc/v3/webhooks/{hook['id']}")])
        self.assertEqual(self.sim.webhook(hook["id"])["status"], "active")
        self.assertEqual(self.sim.webhook(hook["id"])["secret"], self.store._get_credential("webhook_secret"))
        self.assertEqual(webhook.status, "active")
        self.sim.update_order(order["id"], status="processing")
        results = self.sim.flush_webhooks()
        self.assertIn("order.updated", [result["topic"] for result in results])
        self.assertTrue(all(result["status"] == 200 for result in results), results)
        self.assertIn("order.updated", self.deliveries().mapped("topic"))
