"""Issue #13, the screens in a real browser: Odoo tours (static/tests/tours/, in headless Chromium)
walk the main flows as a merchant does, on the test platform (in-memory, no network), as a Store
Connector Manager who is not the administrator. Each test prepares what its tour needs, runs the
tour, then checks in the database what the clicks did.

Odoo looks for Chromium on the PATH (scripts/lib.sh installs Debian's `chromium` package); without
it the tests are skipped, which scripts/test counts as a failure.
"""

import json
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests import new_test_user, tagged
from odoo.tests.common import HttpCase, get_db_name

from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    sign,
)

from .common import API_KEY, WEBHOOK_SECRET
from .common_orders import OrderPipelineCase
from .http_servers import RecordingServer

MERCHANT_GROUPS = ",".join([
    "base.group_user",
    "store_connector_base.group_store_connector_manager",
    "sales_team.group_sale_salesman_all_leads",
    "stock.group_stock_user",
])
STORE_LIST = "/odoo/action-store_connector_base.connector_store_action"
JOB_LIST = "/odoo/action-store_connector_base.sync_job_action"
DELIVERY_LIST = "/odoo/action-store_connector_base.store_webhook_delivery_action"
DASHBOARD = "/odoo/action-store_connector_base.connector_store_action_dashboard"
# The bundles the backend page loads in a tour (web.webclient_bootstrap, web.conditional_assets_tests).
TOUR_BUNDLES = (("web.assets_web", True, True), ("web.assets_web_print", True, False),
                ("web.assets_tests", False, True), ("web.__assets_tests_call__", False, True))
# An order line whose SKU Odoo does not know: its import fails until the product is created.
UNKNOWN_SKU_LINE = {"id": "l1", "sku": "NEW-LAMP", "name": "Lamp", "quantity": 1, "unit_price": "30.00"}


@tagged("post_install", "-at_install")
class TestMerchantTours(HttpCase, OrderPipelineCase):
    """`cls.store` ("Tour Test Shop", set up, with credentials), `cls.merchant` (a Store Connector
    Manager with the sales and inventory rights a merchant has; password = login)."""

    @classmethod
    def setUpClass(cls):
        cls.pregenerate_tour_bundles()
        super().setUpClass()
        cls.store.write({"name": "Tour Test Shop", "stock_baseline": "odoo",
                         "setup_completed_on": datetime(2026, 5, 1)})
        Credential = cls.env["integration.credential"]
        Credential._set_value(cls.store, "api_key", API_KEY)
        Credential._set_value(cls.store, "webhook_secret", WEBHOOK_SECRET)
        cls.merchant = new_test_user(cls.env, "tour_merchant", name="Tour Merchant", groups=MERCHANT_GROUPS)

    @classmethod
    def pregenerate_tour_bundles(cls):
        """Build the backend's asset bundles once, committed, as Odoo's own test runner does before
        its browser tests (`_pregenerate_assets_bundles`, which pytest-odoo does not call): built
        inside a test, they are rolled back with it and every tour builds them again (seconds of
        minifying each). They are rebuilt only when the addons' files change."""
        with Registry(get_db_name()).cursor() as cr:
            qweb = api.Environment(cr, SUPERUSER_ID, {})["ir.qweb"]
            for bundle, css, js in TOUR_BUNDLES:
                assets = qweb._get_asset_bundle(bundle, css=css, js=js)
                if css:
                    assets.css()
                if js:
                    assets.js()

    def tour(self, url, name):
        # A whole tour takes a few seconds; the margin is for a loaded CI machine (Odoo's default: 60 s).
        self.start_tour(url, name, login=self.merchant.login, timeout=180)
        # What the browser's requests wrote, read again.
        self.env.invalidate_all()

    def failed_order_delivery(self, order_id, event_id):
        """A signed orders/create delivery through the real intake whose import failed (an unknown
        SKU); :returns: the store.webhook.delivery."""
        order = self.make_order(order_id, lines=[UNKNOWN_SKU_LINE])
        raw = json.dumps({"order": order}).encode()
        headers = {SIGNATURE_HEADER: sign(WEBHOOK_SECRET, raw), EVENT_HEADER: event_id,
                   TOPIC_HEADER: "orders/create", "Content-Type": "application/json"}
        Delivery = self.env["store.webhook.delivery"]
        self.assertEqual(Delivery._receive(self.store, "orders", headers, raw), (200, "queued"))
        self.run_jobs()
        delivery = Delivery.search([("store_id", "=", self.store.id), ("event_id", "=", event_id)])
        self.assertEqual(delivery.job_id.state, "failed")
        return delivery

    def create_the_missing_product(self):
        """What the failed job's advice says to do."""
        return self.env["product.product"].create(
            {"name": "Lamp", "default_code": "NEW-LAMP", "type": "consu"})

    # ------------------------------------------------------------------ the tours
    def test_set_up_a_new_store_from_the_store_list(self):
        self.tour(STORE_LIST, "store_connector_setup_tour")
        store = self.env["connector.store"].search([("name", "=", "Tour Shop")])
        self.addCleanup(self.adapter._test_reset, store)
        self.assertEqual(len(store), 1)
        self.assertEqual((store.platform, store.company_id, store.create_uid),
                         ("test", self.company, self.merchant))
        self.assertEqual(store._get_credential("api_key"), "tour-api-key-5e7c1a90",
                         "the key typed in the assistant's line")
        self.assertTrue(store._setup_connection_tested())
        self.assertTrue(store._setup_full_sync_run())
        self.assertEqual(store.stock_baseline, "odoo")
        self.assertEqual(store.setup_state, "done")
        self.assertTrue(store.setup_completed_on)

    def test_test_mode_holds_back_a_write_and_shows_its_request(self):
        platform = RecordingServer()
        self.store.shop_url = platform.start()
        self.addCleanup(platform.stop)
        job = self.env["sync.job"]._enqueue(self.store, "test.api_call", "_job_test_api_call",
                                            payload={"method": "DELETE", "path": "/webhooks/12"})
        self.tour(STORE_LIST, "store_connector_test_mode_tour")
        self.assertTrue(self.store.test_mode, "switched on in the browser")
        self.assertEqual(job.state, "done")
        self.assertEqual(job.test_request_method, "DELETE")
        self.assertEqual(platform.requests, [], "nothing reached the platform")

    def test_full_sync_progress_on_the_store_form(self):
        self.store.auto_sync_customers = True
        recent = fields.Datetime.now() - timedelta(days=2)
        self.adapter._test_set_orders(self.store, [self.make_order("R-FS-1", updated=recent),
                                                   self.make_order("R-FS-2", updated=recent)])
        self.adapter._test_set_products(
            self.store, [{"title": f"Poster {i}", "sku": f"TOUR-FS-{i}"} for i in range(5)])
        self.adapter._test_set_customers(self.store, [
            {"id": f"C{i}", "email": f"c{i}@example.com", "name": f"Customer {i}"} for i in range(3)])
        self.tour(STORE_LIST, "store_connector_full_sync_tour")
        run = self.store.full_sync_run_id
        self.assertEqual(run.state, "done")
        self.assertEqual(run.summary, "5 products, 3 customers, 2 orders imported.")

    def test_a_failed_job_reads_in_sentences_and_retry_works(self):
        delivery = self.failed_order_delivery("R-LAMP-1", "evt-tour-failed")
        self.create_the_missing_product()
        self.tour(JOB_LIST, "store_connector_failed_job_tour")
        job = delivery.job_id
        self.assertEqual(job.state, "done", job.last_error)
        self.assertTrue(self.sale_of("R-LAMP-1"), "the retried job imported the order")

    def test_replay_a_delivery(self):
        delivery = self.failed_order_delivery("R-LAMP-2", "evt-tour-replay")
        self.create_the_missing_product()
        self.tour(DELIVERY_LIST, "store_connector_replay_tour")
        replay = delivery.replay_ids
        self.assertEqual(len(replay), 1)
        self.assertEqual(replay.create_uid, self.merchant)
        self.assertEqual(replay.job_id.state, "pending", "queued for the runner")
        self.assertEqual(delivery.job_id.state, "failed", "the delivery's own job is left as it was")

    def test_recover_an_order_by_its_number(self):
        self.adapter._test_set_orders(self.store, [self.make_order("R-TOUR-6"), self.make_order("R-TOUR-7")])
        self.tour(STORE_LIST, "store_connector_recover_order_tour")
        self.assertTrue(self.sale_of("R-TOUR-7"))
        self.assertFalse(self.sale_of("R-TOUR-6"), "only the order asked for")

    def test_the_dashboard_leads_to_the_failed_jobs(self):
        self.failed_order_delivery("R-LAMP-3", "evt-tour-dashboard")
        self.tour(DASHBOARD, "store_connector_dashboard_tour")
