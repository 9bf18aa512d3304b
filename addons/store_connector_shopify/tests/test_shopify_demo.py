"""The README demo (scripts/demo) sets its store up with tests/demo/setup_demo.py: run that setup
against a simulator seeded like the demo's, twice (the demo is idempotent)."""

import importlib

from odoo.tests import tagged

from .common import ShopifySimulatorCase

# tests/demo/setup_demo.py, importable once .common has put tests/ on sys.path.
_demo = importlib.import_module("demo.setup_demo")
DEMO_STORE_NAME, demo_store, setup_demo, summary = (
    _demo.DEMO_STORE_NAME, _demo.demo_store, _demo.setup_demo, _demo.summary
)


@tagged("post_install", "-at_install")
class TestShopifyDemoSetup(ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seed = cls.sim.seed("demo")

    def _setup(self):
        return setup_demo(
            self.env, self.sim_url, self.sim.access_token, self.sim.client_secret, shop=self.sim.shop,
            client_id=self.sim.client_id, base_url="http://127.0.0.1:8069",
        )

    def test_demo_setup_brings_the_shop_into_odoo_and_is_idempotent(self):
        result = self._setup()
        store = result["store"]
        self.assertTrue(result["created"])
        self.assertTrue(result["full_sync"])
        self.assertEqual(store.name, DEMO_STORE_NAME)
        self.assertEqual(store.shop_url, self.sim_url)
        self.assertFalse(self.env.ref("mail.ir_cron_module_update_notification").active)
        self.assertEqual(self.env["ir.config_parameter"].get_param("web.base.url"), "http://127.0.0.1:8069")
        # Webhooks: one subscription per handled topic, on the simulator, to the demo's Odoo address.
        subscriptions = list(self.sim.store.webhook_subscriptions.values())
        self.assertTrue(subscriptions)
        self.assertEqual(len(subscriptions), result["webhooks"])
        self.assertTrue(all(s.uri.startswith(f"http://127.0.0.1:8069/api/v1/stores/{store.code}/webhooks/")
                            for s in subscriptions))
        self.assertIn("ORDERS_CREATE", {s.topic for s in subscriptions})
        # Locations: both of the shop's, the primary one mapped to the warehouse's stock.
        self.assertEqual(set(store.shopify_location_ids.mapped("name")), {"Shop location", "Backroom"})
        self.assertEqual(store.shopify_location_id.name, "Shop location")
        self.assertTrue(store.shopify_location_id.location_id)
        # Full Sync: products bound by SKU, customers, and the orders with their sale orders.
        jobs = self.env["sync.job"].search([("store_id", "=", store.id)])
        self.assertFalse(jobs.filtered(lambda j: j.state != "done"), jobs.mapped("last_error"))
        bindings = self.env["store.product.binding"].search([("store_id", "=", store.id)])
        skus = set(bindings.mapped("product_id.default_code"))
        self.assertTrue({"TEE-BLA-M", "MUG-ENAMEL", "TOTE-NATURAL", "GIFT-25"} <= skus, skus)
        orders = self.env["store.order.binding"].search([("store_id", "=", store.id)])
        self.assertEqual(len(orders), self.seed["orders"])
        self.assertEqual(len(orders.order_id), self.seed["orders"])
        # Paid orders are confirmed (Sales > Orders), the pending one stays a quotation, the
        # cancelled one is cancelled.
        states = orders.order_id.mapped("state")
        self.assertIn("sale", states)
        self.assertIn("cancel", states)
        self.assertEqual(store.shopify_location_id.location_id, store.warehouse_id.lot_stock_id)
        for email in ("ada@example.com", "alan@example.com"):
            self.assertTrue(self.env["res.partner"].search([("email", "=", email)]), email)
        counts = summary(self.env, store)
        self.assertEqual(counts["orders"], self.seed["orders"])
        self.assertEqual(counts["failed_jobs"], 0)

        # A second run (scripts/demo started again) reuses the store and imports nothing twice.
        again = self._setup()
        self.assertFalse(again["created"])
        self.assertFalse(again["full_sync"])
        self.assertEqual(again["store"], store)
        self.assertEqual(demo_store(self.env, self.sim.shop), store)
        self.assertEqual(len(self.sim.store.webhook_subscriptions), len(subscriptions))
        self.assertEqual(summary(self.env, store), counts)
