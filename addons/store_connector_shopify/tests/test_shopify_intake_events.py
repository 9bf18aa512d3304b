"""Shopify webhook intake of issue #8: duplicates by event id, the deliveries of one order in one job,
echoes of our own exports recognised at intake, and a webhook-only store not paused by the pull.

The simulator's real deliveries (payload, headers, signature) are handed to the real intake
(`store.webhook.delivery._receive`) without an HTTP hop, except where the route itself is the point.
"""

import importlib.util
import json
from pathlib import Path

from odoo.tests import tagged

from .common import ShopifySimulatorCase, ShopifySimulatorHttpCase
from .test_shopify_orders import ShopifyOrdersMixin
from .test_shopify_products import ShopifyCatalogMixin

# Subscriptions the simulator queues deliveries for; `deliver` hands them to the intake itself.
NOWHERE = "http://127.0.0.1:9/not-delivered"


class IntakeMixin:
    def subscribe(self, *topics):
        for topic in topics:
            self.sim.subscribe(topic, NOWHERE)
        self.addCleanup(self.sim.store.webhook_subscriptions.clear)
        self.addCleanup(self.sim.webhooks.pending.clear)

    def deliver(self):
        """Hand every pending simulator delivery to the intake, as Shopify would post it.
        :returns: [(topic, intake answer)]."""
        answers = []
        Delivery = self.env["store.webhook.delivery"].sudo()
        pending, self.sim.webhooks.pending[:] = list(self.sim.webhooks.pending), []
        for delivery in pending:
            headers = self.sim.webhooks.headers(delivery)
            kind = self.kind_of(delivery.topic)
            _status, message = Delivery._receive(self.store, kind, headers, delivery.body)
            answers.append((delivery.topic, message))
        return answers

    @staticmethod
    def kind_of(topic):
        return {"products": "products", "inventory_levels": "inventory"}.get(topic.split("/")[0], "orders")

    def deliveries(self, topic):
        return self.env["store.webhook.delivery"].search(
            [("store_id", "=", self.store.id), ("topic", "=", topic)])


@tagged("post_install", "-at_install")
class TestShopifyRefundRedelivered(ShopifyOrdersMixin, ShopifySimulatorHttpCase):
    """Over the real route: the simulator posts to Odoo's HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def test_refund_redelivered_under_a_new_webhook_id_makes_one_note_and_one_activity(self):
        self.store.refund_policy = "activity"  # the refund as an activity (credit notes: the base's tests)
        self.store._get_adapter()._register_webhooks(self.store)
        order = self.sim.add_order([{"sku": "OS-1", "quantity": 1}, {"sku": "OC-1", "quantity": 2}],
                                   email="refund-twice@example.com")
        self.sim.flush_webhooks()
        self.run_queue()
        sale = self.binding(order).order_id
        self.assertTrue(sale)
        self.sim.advance(60)
        self.sim.refund_order(order["id"], lines=[("OC-1", 1)], note="damaged")
        first = [r for r in self.sim.flush_webhooks() if r["topic"] == "refunds/create"]
        self.assertEqual(len(first), 1)
        # Shopify sends the refund event again, as a new delivery: same event id, new webhook id.
        self.assertEqual(self.sim.redeliver_webhook(first[0]["event_id"]), 1)
        again = self.sim.flush_webhooks()
        self.assertEqual(len(again), 1)
        self.assertNotEqual(again[0]["webhook_id"], first[0]["webhook_id"])
        self.assertEqual(again[0]["status"], 200)
        self.run_queue()

        refunds = self.env["store.webhook.delivery"].search(
            [("store_id", "=", self.store.id), ("topic", "=", "refunds/create")])
        self.assertEqual(len(refunds), 1, "the redelivery is recognised by its X-Shopify-Event-Id")
        self.assertEqual(refunds.event_id, first[0]["event_id"])
        activities = sale.activity_ids.filtered(lambda a: "Shopify refund" in (a.summary or ""))
        self.assertEqual(len(activities), 1)
        notes = sale.message_ids.filtered(lambda m: "Shopify refund" in (m.body or ""))
        self.assertEqual(len(notes), 1)


@tagged("post_install", "-at_install")
class TestShopifyOrderDeliveriesOneJob(IntakeMixin, ShopifyOrdersMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()
        cls.sim.add_product("Phantom", variants=[{"sku": "PHANTOM-1", "price": "5.00", "inventory": 5}])

    def test_deliveries_of_a_failing_order_make_one_failed_job_that_can_be_retried(self):
        self.subscribe("orders/create", "orders/paid", "orders/updated")
        order = self.sim.add_order([{"sku": "PHANTOM-1", "quantity": 1}], email="phantom@example.com")
        self.sim.advance(60)
        self.sim.update_order(order["id"], note="Please gift wrap")
        answers = self.deliver()
        self.assertGreaterEqual(len(answers), 3, answers)
        self.assertEqual({message for _topic, message in answers}, {"queued"})
        deliveries = self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])
        job = deliveries.job_id
        self.assertEqual(len(job), 1, "one job for the order's deliveries")
        self.assertEqual(job.identity_key, f"webhook:order:{order['legacy_id']}")
        self.assertEqual(sorted(job.res_ids), sorted(deliveries.ids))

        self.run_queue()
        self.assertEqual(job.state, "failed")
        self.assertIn("PHANTOM-1", job.last_error)
        failed = self.env["sync.job"].search([("store_id", "=", self.store.id), ("state", "=", "failed")])
        self.assertEqual(failed, job, "one failed job, not one per delivery")

        # The product is made in Odoo; the retry imports the order from its newest delivery.
        self.env["product.product"].create({"name": "Phantom", "default_code": "PHANTOM-1"})
        job.action_retry()
        self.run_queue()
        self.assertEqual(job.state, "done", job.last_error)
        sale = self.binding(order).order_id
        self.assertTrue(sale)
        result = json.loads(job.result)
        self.assertEqual(len(result["covered_deliveries"]), len(deliveries) - 1)
        newest = self.env["store.webhook.delivery"].browse(result["delivery"])
        # orders/paid wins over the bodies: acting on it reads the order anew, as it is now.
        self.assertEqual(newest.topic, "orders/paid", "a money topic reads the order anew")
        self.assertEqual(self.binding(order).last_payload["note"], "Please gift wrap")

    def test_latest_delivery_is_the_latest_update_whatever_the_arrival_order(self):
        self.subscribe("orders/create", "orders/updated")
        order = self.sim.add_order([{"sku": "PHANTOM-1", "quantity": 1}], email="late-order@example.com")
        self.sim.advance(60)
        self.sim.update_order(order["id"], note="newest")
        self.sim.webhooks.pending.reverse()  # the newest first
        self.deliver()
        deliveries = self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(deliveries), 2)
        self.assertEqual(len(deliveries.job_id), 1)
        latest = self.env["store.adapter.shopify"]._webhook_latest_delivery(self.store, deliveries)
        self.assertEqual(latest._payload()["note"], "newest")
        self.assertEqual(latest, deliveries.sorted("id")[0], "it arrived first")


@tagged("post_install", "-at_install")
class TestShopifyEchoes(IntakeMixin, ShopifyCatalogMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def product(self, sku):
        """A product of its own per test: the simulator lives as long as the class."""
        return self.env["product.product"].create(
            {"name": f"Echo {sku}", "default_code": sku, "is_storable": True, "list_price": 10.0})

    def test_stock_published_by_odoo_comes_back_as_an_echo_not_stored(self):
        self.subscribe("inventory_levels/update", "products/update", "products/create")
        red = self.product("ECHO-STOCK")
        self.store._publish_products(red)
        self.run_queue()
        self.deliver()  # the product's own webhooks, tested below
        self.env["stock.quant"]._update_available_quantity(red, self.warehouse.lot_stock_id, 6)
        self.store._enqueue_inventory_sync()
        self.run_queue()
        self.assertEqual(self.sim.inventory("ECHO-STOCK"), 6)
        answers = self.deliver()
        inventory = [message for topic, message in answers if topic == "inventory_levels/update"]
        self.assertTrue(inventory)
        self.assertEqual(set(inventory), {"echo"}, "our own publication is recognised at intake")
        self.assertFalse(self.deliveries("inventory_levels/update"), "and not stored")

        # A person changes the quantity on Shopify: stored and queued.
        self.sim.set_inventory("ECHO-STOCK", 4)
        self.assertEqual(self.deliver(), [("inventory_levels/update", "queued")])
        # Back to what Odoo published there: nothing for Odoo to change, as the job would find.
        self.sim.set_inventory("ECHO-STOCK", 6)
        self.assertEqual(self.deliver(), [("inventory_levels/update", "echo")])

    def test_product_exported_by_odoo_comes_back_as_an_echo_not_stored(self):
        self.subscribe("products/update", "products/create")
        product = self.product("ECHO-PRODUCT")
        bindings = self.store._publish_products(product)
        self.run_queue()
        self.assertTrue(bindings[0].external_product_id)
        self.deliver()  # the creation: products/create, not subscribed by the connector
        # Export again (a price change): Shopify answers with products/update.
        product.list_price = 25.0
        self.store._enqueue_product_sync(bindings, "products.export")
        self.run_queue()
        answers = self.deliver()
        self.assertEqual(answers, [("products/update", "echo")])
        self.assertFalse(self.deliveries("products/update"))

        # A person renames the product on Shopify, in the same second: not an echo.
        product_gid = bindings[0].external_product_id
        self.client().query(
            "mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { product { id } "
            "userErrors { field message } } }",
            {"p": {"id": product_gid, "title": "Renamed on Shopify"}},
        )
        self.assertEqual(self.deliver(), [("products/update", "queued")])
        # A later change that leaves title, status and variants alone is still not taken for an
        # echo: its update time is not the one of our export.
        self.sim.advance(5)
        self.client().query(
            "mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { product { id } "
            "userErrors { field message } } }",
            {"p": {"id": product_gid, "title": "Echo ECHO-PRODUCT"}},
        )
        self.assertEqual(self.deliver(), [("products/update", "queued")])


@tagged("post_install", "-at_install")
class TestShopifyWebhookOnlyStore(IntakeMixin, ShopifyOrdersMixin, ShopifySimulatorCase):
    """A store with the app's client secret (webhooks are signed with it) but no Admin API token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()
        cls.store = cls.create_shopify_store(name="Webhooks Only", token=None, auto_sync_orders=True)

    def test_scheduled_pull_does_not_pause_the_store_and_webhooks_go_on(self):
        self.assertTrue(self.store.allow_orders_pull)
        self.env["connector.store"]._cron_pull_orders()
        self.assertFalse(self.store.paused)
        jobs = self.env["sync.job"].search([("store_id", "=", self.store.id)])
        self.assertFalse(jobs, "no pull is queued that could only fail")
        lines = self.env["store.activity.log"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(lines), 1)
        self.assertIn("Admin API access token", lines.message)
        self.assertIn("not paused", lines.message)
        # The next runs say nothing more.
        self.env["connector.store"]._cron_pull_orders()
        self.assertEqual(self.env["store.activity.log"].search_count([("store_id", "=", self.store.id)]), 1)

        # An order webhook is received and imported.
        self.subscribe("orders/create")
        order = self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email="hook-only@example.com")
        self.assertEqual(self.deliver(), [("orders/create", "queued")])
        self.run_queue()
        self.assertTrue(self.binding(order).order_id, "webhooks go on")

        # A pull asked by hand fails, saying what is missing, and pauses nothing.
        job = self.store._enqueue_order_pull()
        self.run_queue()
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.error_kind, "permanent")
        self.assertIn("access_token", job.last_error)
        self.assertFalse(self.store.paused, "a missing credential is not a refused one")


@tagged("post_install", "-at_install")
class TestShopifyEventIdMigration(ShopifySimulatorCase):
    """The upgrade keys the deliveries stored before on their X-Shopify-Event-Id."""

    def test_stored_deliveries_take_their_event_id(self):
        migration = (Path(__file__).resolve().parents[1] / "migrations" / "18.0.0.2.1"
                     / "post-event_id_dedupe.py")
        spec = importlib.util.spec_from_file_location("shopify_event_id_migration", migration)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        Delivery = self.env["store.webhook.delivery"].sudo()
        vals = {"store_id": self.store.id, "kind": "orders", "topic": "orders/updated", "body": "{}"}
        first = Delivery.create(dict(vals, event_id="wh-1", headers={"X-Shopify-Event-Id": "ev-1"}))
        redelivered = Delivery.create(dict(vals, event_id="wh-2", headers={"X-Shopify-Event-Id": "ev-1"}))
        without = Delivery.create(dict(vals, event_id="wh-3", headers={}))
        self.env.flush_all()
        module.migrate(self.env.cr, "18.0.0.2.0")
        Delivery.invalidate_model(["event_id"])
        self.assertEqual((first.event_id, redelivered.event_id, without.event_id), ("ev-1", "wh-2", "wh-3"))
