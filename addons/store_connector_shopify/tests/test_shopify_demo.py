"""The README demo (scripts/demo) sets its store up with tests/demo/setup_demo.py: run that setup
against a simulator seeded like the demo's, twice (the demo is idempotent)."""

from types import SimpleNamespace
from unittest.mock import patch

from odoo.tests import tagged

from tests.demo.setup_demo import DEMO_DISABLED_CRONS, DEMO_STORE_NAME, demo_store, setup_demo, summary
from tests.simulators.shopify.seed import DEMO_STOCK

from .common import ShopifySimulatorCase


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

    def test_demo_shop_starts_with_stock_and_the_setup_leaves_it(self):
        # Stock per variant at both of the shop's locations, uneven as a real shop's.
        active_skus = [sku for sku in DEMO_STOCK if sku not in ("BEANIE-GREY", "POSTER-OLD")]
        for sku, (at_shop, in_backroom) in DEMO_STOCK.items():
            with self.subTest(sku=sku):
                backroom = self.sim.inventory(sku=sku, location="Backroom", name="on_hand")
                self.assertEqual(backroom, in_backroom)
                shop_on_hand = self.sim.inventory(sku=sku, location="Shop location", name="on_hand")
                self.assertIsNotNone(shop_on_hand)
                self.assertLessEqual(shop_on_hand, at_shop, "fulfilled orders took some")
        for sku in active_skus:
            with self.subTest(sku=sku):
                self.assertGreater(self.sim.inventory(sku=sku, location="Shop location"), 0,
                                   "every product on sale can be sold from the shop")
        self.assertGreater(len({DEMO_STOCK[sku] for sku in active_skus}), len(active_skus) // 2,
                           "quantities differ from variant to variant")
        # The committed quantities of the open orders are the shop's, as Shopify keeps them.
        self.assertEqual(self.sim.inventory(sku="TEE-BLA-M", location="Shop location", name="committed"), 2)
        before = self.sim.inventory_snapshot()
        self._setup()
        self.assertEqual(self.sim.inventory_snapshot(), before, "setting the demo up changes no stock")

    def test_demo_database_reaches_no_online_service(self):
        company = self.env.company
        company.write({"stock_move_sms_validation": True, "iap_enrich_auto_done": False})
        crons = [self.env.ref(xmlid) for xmlid in DEMO_DISABLED_CRONS]
        for cron in crons:
            cron.active = True
        admin = self.env.ref("base.user_admin")
        admin.notification_type = "email"
        self._setup()
        # Validating a delivery neither offers nor sends an SMS through Odoo's IAP service.
        self.assertFalse(company.stock_move_sms_validation)
        order = self.env["store.order.binding"].search([
            ("store_id", "=", demo_store(self.env, self.sim.shop).id), ("order_id.state", "=", "sale"),
            ("order_id.partner_id.phone", "!=", False),
        ], limit=1).order_id
        picking = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")[:1]
        self.assertTrue(picking, "a confirmed order of a customer with a phone number has a delivery")


        def offers_sms():
            # stock_sms never offers it in tests: check as outside them.
            with patch("threading.current_thread", return_value=SimpleNamespace(testing=False)), \
                    patch.object(type(self.env.registry), "in_test_mode", return_value=False):
                return bool(picking._check_warn_sms())

        self.assertFalse(offers_sms(), "validating the delivery offers no SMS")
        company.stock_move_sms_validation = True
        self.assertTrue(offers_sms(), "it would, with the company's default setting")
        company.stock_move_sms_validation = False
        # No enrichment of the company from IAP at the administrator's login, no online crons.
        # (the web client asks for the enrichment while the company's flag is not set)
        self.assertTrue(company.iap_enrich_auto_done)
        self.assertFalse(any(cron.active for cron in crons))
        self.assertEqual(admin.notification_type, "inbox", "the store's notices stay in Odoo's inbox")
