"""The README demo with the WooCommerce choice (`scripts/demo woocommerce`) sets its store up with
tests/demo/setup_demo.py's `setup_woocommerce_demo`: run it against a simulator seeded like the demo's,
through Odoo's real HTTP server (the webhooks' pings and deliveries reach the intake), twice (the demo
is idempotent), then let the simulator place an order as the demo's does and see it arrive."""

from odoo.tests import tagged
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters
from odoo.addons.store_connector_base.tests.common import run_queue

from tests.demo.setup_demo import (
    DEMO_DISABLED_CRONS,
    WOOCOMMERCE_DEMO_STORE_NAME,
    setup_woocommerce_demo,
    summary,
    woocommerce_demo_store,
)
from tests.simulators.woocommerce import WooCommerceSimulator
from tests.simulators.woocommerce.seed import demo_live_order


@tagged("post_install", "-at_install")
class TestWooCommerceDemoSetup(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        reset_limiters()
        self.addCleanup(reset_limiters)
        # As the demo's simulator: seeded, its deliveries sent when the test flushes them.
        self.sim = WooCommerceSimulator(seed="demo", webhook_mode="manual")
        self.sim_url = self.sim.start()
        self.addCleanup(self.sim.stop)
        self.seed = self.sim.seed_summary

    def _setup(self):
        result = setup_woocommerce_demo(self.env, self.sim_url, self.sim.consumer_key,
                                        self.sim.consumer_secret, base_url=self.base_url())
        # As the end of the script's transaction would: the deliveries are received by other requests.
        self.env.flush_all()
        return result

    def _stock(self):
        with self.sim.store.lock:
            skus = [p["sku"] for p in self.sim.store.products.values() if p["sku"]]
        return {sku: self.sim.stock(sku) for sku in skus}

    def test_demo_setup_brings_the_shop_into_odoo_and_is_idempotent(self):
        for xmlid in DEMO_DISABLED_CRONS:
            self.env.ref(xmlid).active = True
        stock_before = self._stock()
        # The seed's product without SKU is named in the import's messages, in the user's language
        # (no "no translation language detected" warning with its stack in the demo's output).
        with self.assertNoLogs("odoo.tools.translate", "WARNING"):
            result = self._setup()
        store = result["store"]
        self.assertTrue(result["created"])
        self.assertTrue(result["full_sync"])
        self.assertEqual(store.name, WOOCOMMERCE_DEMO_STORE_NAME)
        self.assertEqual(store.platform, "woocommerce")
        self.assertEqual(store.shop_url, self.sim_url)
        self.assertTrue(store.warehouse_id)
        self.assertFalse(any(self.env.ref(xmlid).active for xmlid in DEMO_DISABLED_CRONS))
        self.assertEqual(self.env["ir.config_parameter"].get_param("web.base.url"), self.base_url())
        # Webhooks: one active webhook per handled topic on the simulator, at the demo's Odoo address,
        # signed with the secret Register Webhooks made; each ping was answered 200.
        hooks = self.sim.webhooks_list()
        self.assertTrue(hooks)
        self.assertEqual(len(hooks), result["webhooks"])
        self.assertTrue({"order.created", "order.updated"} <= {hook["topic"] for hook in hooks})
        secret = store._get_credential("webhook_secret")
        for hook in hooks:
            self.assertEqual(hook["status"], "active")
            self.assertTrue(hook["delivery_url"].startswith(f"{self.base_url()}/api/v1/stores/{store.code}/"),
                            hook["delivery_url"])
            self.assertEqual(hook["secret"], secret)
        self.assertEqual([ping["status"] for ping in self.sim.webhook_pings], [200] * len(hooks))
        # Full Sync: every job done; products and variations bound by SKU, the customers, the orders.
        jobs = self.env["sync.job"].search([("store_id", "=", store.id)])
        self.assertTrue(jobs)
        self.assertFalse(jobs.filtered(lambda j: j.state != "done"), jobs.mapped("last_error"))
        bindings = self.env["store.product.binding"].search([("store_id", "=", store.id)])
        skus = set(bindings.mapped("product_id.default_code"))
        self.assertTrue({"woo-beanie", "woo-belt", "woo-hoodie-blue-logo", "woo-hoodie-red"} <= skus, skus)
        orders = self.env["store.order.binding"].search([("store_id", "=", store.id)])
        self.assertEqual(len(orders), len(self.seed["orders"]))
        sales = orders.order_id
        self.assertEqual(len(sales), len(self.seed["orders"]))
        self.assertTrue(all(name.startswith("WC-") for name in sales.mapped("client_order_ref")),
                        sales.mapped("client_order_ref"))
        # Paid orders are confirmed (Sales > Orders), the cancelled ones are cancelled.
        states = sales.mapped("state")
        self.assertIn("sale", states)
        self.assertIn("cancel", states)
        for email in ("ann.smith@example.com", "guest@example.com"):  # a customer, a guest
            self.assertTrue(self.env["res.partner"].search([("email", "=", email)]), email)
        # No stock left Odoo: the stock baseline is the merchant's choice.
        self.assertEqual(store.stock_baseline, "none")
        self.assertEqual(self._stock(), stock_before, "setting the demo up changes no stock")
        counts = summary(self.env, store)
        self.assertEqual(counts["orders"], len(self.seed["orders"]))
        self.assertEqual(counts["failed_jobs"], 0)

        # A second run (scripts/demo started again) reuses the store and imports nothing twice.
        again = self._setup()
        self.assertFalse(again["created"])
        self.assertFalse(again["full_sync"])
        self.assertEqual(again["store"], store)
        self.assertEqual(woocommerce_demo_store(self.env), store)
        self.assertEqual(len(self.sim.webhooks_list()), len(hooks))
        self.assertEqual(summary(self.env, store), counts)

    def test_an_order_placed_on_the_demo_shop_arrives_by_webhook(self):
        store = self._setup()["store"]
        self.sim.flush_webhooks()  # nothing of the seed: the set-up's own changes only
        # What the simulator's --order-every does: a guest order placed pending, then paid.
        order = demo_live_order(self.sim, 0)
        results = self.sim.flush_webhooks()
        self.assertTrue(results)
        self.assertTrue(all(result["status"] == 200 for result in results), results)
        self.assertIn("order.created", {result["topic"] for result in results})
        run_queue(self.env, store)
        binding = self.env["store.order.binding"].search(
            [("store_id", "=", store.id), ("external_id", "=", str(order["id"]))])
        self.assertTrue(binding, "the order came in by webhook")
        self.assertEqual(binding.order_id.state, "sale", "a paid order is a confirmed sale order")
        self.assertEqual(binding.order_id.partner_id.email, "live0@example.com")
        self.assertEqual(binding.order_id.amount_total, float(order["total"]))
