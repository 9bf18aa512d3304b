"""The README demo with the eBay choice (`scripts/demo ebay`) sets its store up with
tests/demo/setup_demo.py's `setup_ebay_demo`: run it against a simulator seeded like the demo's, whose
RuName sends the seller back to this Odoo's callback, through Odoo's real HTTP server: Connect with eBay
through the consent page, Test Connection filling the policies and the location, the Full Sync binding
the listings and importing the orders; twice (the demo is idempotent); then the simulator places an
order as the demo's does, and the scheduled pull, or a notification once Register Webhooks subscribed,
brings it in. Every request is checked against eBay's published contracts by the simulator."""

import time

from odoo.tests import tagged
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base import const as base_const
from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters
from odoo.addons.store_connector_base.tests.common import run_queue

from tests.demo.setup_demo import (
    DEMO_DISABLED_CRONS,
    EBAY_DEMO_PULL_MINUTES,
    EBAY_DEMO_STORE_NAME,
    ebay_demo_store,
    setup_ebay_demo,
    summary,
)
from tests.simulators.ebay import EbaySimulator
from tests.simulators.ebay.seed import demo_live_order


@tagged("post_install", "-at_install")
class TestEbayDemoSetup(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))

    def setUp(self):
        super().setUp()
        reset_limiters()
        self.addCleanup(reset_limiters)
        # As the demo's simulator: seeded, its RuName's auth accepted URL this Odoo's callback.
        self.sim = EbaySimulator(seed="demo")
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.addCleanup(self.sim.assert_contract_kept)
        self.sim.set_runame_url(self.base_url() + base_const.OAUTH_CALLBACK_ROUTE)
        self.seed = self.sim.seed_summary

    def _setup(self):
        result = setup_ebay_demo(
            self.env, self.sim.base_url, self.sim.app_id, self.sim.cert_id, self.sim.dev_id, self.sim.runame,
            policies=self.seed["policies"], base_url=self.base_url())
        self.env.flush_all()
        return result

    def test_demo_setup_connects_binds_the_listings_imports_the_orders_and_is_idempotent(self):
        for xmlid in DEMO_DISABLED_CRONS:
            self.env.ref(xmlid).active = True
        # Test Connection's quota line is written in the user's language, not with a warning and its
        # stack in the demo's output.
        with self.assertNoLogs("odoo.tools.translate", "WARNING"):
            result = self._setup()
        store = result["store"]
        self.assertTrue(result["created"])
        self.assertTrue(result["full_sync"])
        self.assertEqual(store.name, EBAY_DEMO_STORE_NAME)
        self.assertEqual((store.platform, store.ebay_marketplace_id), ("ebay", "EBAY_US"))
        self.assertFalse(any(self.env.ref(xmlid).active for xmlid in DEMO_DISABLED_CRONS))
        pull = self.env.ref("store_connector_base.ir_cron_pull_orders")
        self.assertEqual((pull.interval_number, pull.interval_type), (EBAY_DEMO_PULL_MINUTES, "minutes"))
        # Connected as a merchant connects: the consent page, then the code exchanged for the seller's
        # tokens (a new pair, not the simulator's built-in ones), every seller scope granted.
        codes = [call for call in self.sim.token_calls if call["grant_type"] == "authorization_code"]
        self.assertEqual([call["status"] for call in codes], [200])
        token = store._get_credential("access_token")
        self.assertTrue(token)
        self.assertNotEqual(token, self.sim.access_token)
        self.assertTrue(store._get_credential("refresh_token"))
        self.assertFalse(store.paused)
        self.assertIn("sell.fulfillment", store.ebay_granted_scopes)
        # Test Connection: the seller, the policies and the location of the demo account.
        facts = result["connection"]
        self.assertTrue(facts["Seller"].startswith("sim_seller"), facts["Seller"])
        self.assertEqual(facts["To fix"], "nothing, the store is ready.")
        policies = self.seed["policies"]
        self.assertEqual(store.ebay_fulfillment_policy_id, policies["fulfillment"])
        self.assertEqual(store.ebay_payment_policy_id, policies["payment"])
        self.assertEqual(store.ebay_return_policy_id, policies["return"])
        self.assertEqual(store.ebay_merchant_location_key, "WH-1")
        # Full Sync: every job done; the listings bound by SKU (Inventory API items with their
        # offers and listing ids, the T-shirt group's variants, the legacy lamp through Trading).
        jobs = self.env["sync.job"].search([("store_id", "=", store.id)])
        self.assertTrue(jobs)
        self.assertFalse(jobs.filtered(lambda j: j.state != "done"), jobs.mapped("last_error"))
        bindings = self.env["store.product.binding"].search([("store_id", "=", store.id)])
        by_sku = {binding.sku: binding for binding in bindings}
        listed = {"MUG-BLUE", "PHONE-X100", "TEE-S", "TEE-M", "TEE-L", "OLD-LAMP"}
        self.assertTrue(listed <= set(by_sku), by_sku)
        mug = by_sku["MUG-BLUE"]._external_ids()
        self.assertEqual(mug.get("listing_id"), self.sim.listing("MUG-BLUE")["listingId"], mug)
        self.assertEqual(by_sku["OLD-LAMP"]._external_ids().get("ebay_listing_api"), "trading")
        # The orders of the last 90 days, as sale orders; the paid ones confirmed.
        orders = self.env["store.order.binding"].search([("store_id", "=", store.id)])
        self.assertEqual(set(orders.mapped("external_id")), set(self.seed["orders"]))
        self.assertEqual(len(orders.order_id), len(self.seed["orders"]))
        self.assertEqual(set(orders.order_id.mapped("state")), {"sale"})
        # The lamp's order names its legacy listing only (no SKU): matched through the lamp's binding.
        lamp_order = orders.filtered(lambda binding: binding.external_id == self.seed["orders"][3]).order_id
        self.assertIn(by_sku["OLD-LAMP"].product_id, lamp_order.order_line.product_id)
        counts = summary(self.env, store)
        self.assertEqual(counts["orders"], len(self.seed["orders"]))
        self.assertEqual(counts["failed_jobs"], 0)
        # No stock left Odoo: the stock baseline is the merchant's choice.
        self.assertEqual(store.stock_baseline, "none")
        self.assertFalse([call for call in self.sim.requests if "bulk_update_price_quantity" in call["path"]])

        # A second run (scripts/demo started again) reuses the store, connects again, imports nothing twice.
        again = self._setup()
        self.assertFalse(again["created"])
        self.assertFalse(again["full_sync"])
        self.assertEqual(again["store"], store)
        self.assertEqual(ebay_demo_store(self.env), store)
        self.assertEqual(summary(self.env, store), counts)

    def test_an_order_placed_while_the_demo_runs_arrives_by_the_pull_then_by_notification(self):
        store = self._setup()["store"]
        # What the simulator's --order-every does; the scheduled pull reads it.
        order = demo_live_order(self.sim, 0)
        self.assertIn(order["lineItems"][0]["sku"], {"MUG-BLUE", "TEE-M"})
        # The pull reads up to the whole second before it runs: let that second pass.
        time.sleep(1.1)
        queued = self.env["connector.store"]._cron_pull_orders()
        self.assertTrue(queued.filtered(lambda job: job.store_id == store))
        run_queue(self.env, store)
        binding = self.env["store.order.binding"].search(
            [("store_id", "=", store.id), ("external_id", "=", order["orderId"])])
        self.assertTrue(binding, "the order came in by the scheduled pull")
        self.assertEqual(binding.order_id.state, "sale", "a paid order is a confirmed sale order")
        # Register Webhooks (Odoo serving HTTP answers eBay's challenge): the next order is notified.
        store.action_register_webhooks()
        self.env.flush_all()
        topics = {subscription["topicId"] for subscription in self.sim.notification.subscriptions.values()}
        self.assertIn("ORDER_CONFIRMATION", topics)
        order = demo_live_order(self.sim, 1)
        deliveries = [d for d in self.sim.notification.deliveries if d["topic"] == "ORDER_CONFIRMATION"]
        self.assertEqual([d["status"] for d in deliveries], [200] * len(deliveries))
        self.assertTrue(deliveries)
        run_queue(self.env, store)
        binding = self.env["store.order.binding"].search(
            [("store_id", "=", store.id), ("external_id", "=", order["orderId"])])
        self.assertTrue(binding, "the order came in by notification")
