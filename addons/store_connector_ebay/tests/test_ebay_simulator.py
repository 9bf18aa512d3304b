"""The foundation against the eBay simulator (tests/simulators/ebay), through Odoo's real HTTP server:
Connect with eBay (consent, RuName, callback, code exchange), Test Connection, the refresh of a lapsed
token, a revoked grant pausing the store, the app token minted once, Trading through ebaysdk, and eBay's
own quota answer (429) throttling instead of failing. Every request is checked against eBay's
published contracts by the simulator."""

import json
from urllib.parse import parse_qs, urlsplit

import requests

from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.exceptions import RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services import rate_limiter

from tests.simulators.ebay import EbaySimulator

from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store

MANAGER = "store_connector_base.group_store_connector_manager"


class EbaySimulatorCase(HttpCase):
    def setUp(self):
        super().setUp()
        self.env = self.env(context=dict(self.env.context, tracking_disable=True))
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                                 access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.store = create_ebay_store(self.env, api_url=self.sim.base_url)

    def tearDown(self):
        self.assertEqual(self.sim.take_schema_violations(), [], "eBay's contract refuses what we sent")
        super().tearDown()


class TestEbayConnectWithSimulator(EbaySimulatorCase):
    def test_connect_with_ebay_end_to_end(self):
        store = create_ebay_store(self.env, name="New eBay", api_url=self.sim.base_url, access_token=None,
                                  refresh_token=None)
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.sim.set_runame_url(store._oauth_callback_url())
        self.assertEqual(store.ebay_oauth_redirect_url, self.base_url() + "/store_connector/oauth/callback")
        self.env.ref("base.user_admin").groups_id |= self.env.ref(MANAGER)
        self.authenticate("admin", "admin")
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": "connector.store", "method": "action_oauth_install",
                       "args": [store.ids], "kwargs": {}},
        }), headers={"Content-Type": "application/json"})
        authorize_url = response.json()["result"]["url"]
        self.assertTrue(authorize_url.startswith(self.sim.base_url + "/oauth2/authorize?"))
        # The seller signs in and agrees on eBay's page, which sends the browser to the RuName's URL.
        consent = requests.get(authorize_url, allow_redirects=False, timeout=10)
        self.assertEqual(consent.status_code, 302, consent.text)
        callback = consent.headers["Location"]
        self.assertTrue(callback.startswith(store._oauth_callback_url() + "?"))
        self.assertIn("code", parse_qs(urlsplit(callback).query))
        done = self.url_open(callback, allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text)
        self.env.invalidate_all()
        token = store._get_credential("access_token")
        self.assertTrue(token and token != USER_TOKEN)
        self.assertTrue(store._get_credential("refresh_token"))
        self.assertIn("sell.fulfillment", store.ebay_granted_scopes)
        # The new token works.
        answer = store._ebay_client().request_json("GET", "/sell/account/v1/privilege", api="account")
        self.assertIn("sellerRegistrationCompleted", answer)

    def test_test_connection(self):
        for kind in ("fulfillment", "payment", "return"):
            self.sim.add_policy(kind, f"Default {kind}")
        self.sim.add_location("WH-1")
        self.store.ebay_granted_scopes = " ".join(
            scope for scope in self.store._get_adapter()._oauth_scopes(self.store))
        result = self.store.action_test_connection()
        self.assertEqual(result["params"]["type"], "success", result["params"])
        facts = self.store._get_adapter()._test_connection(self.store)
        self.assertTrue(facts["Seller"].startswith("sim_seller (feedback score"), facts["Seller"])
        self.assertEqual(facts["Business policies"], "on")
        self.assertEqual(facts["To fix"], "nothing, the store is ready.")
        self.assertTrue(self.store.ebay_fulfillment_policy_id)
        self.assertTrue(self.store.ebay_payment_policy_id)
        self.assertTrue(self.store.ebay_return_policy_id)
        self.assertEqual(self.store.ebay_merchant_location_key, "WH-1")
        self.assertFalse([call for call in self.sim.requests if call["method"] not in ("GET",)
                          and call["path"] != "/ws/api.dll"], "Test Connection writes nothing on eBay")

    def test_lapsed_token_refreshed_once_then_revoked_grant_pauses(self):
        self.sim.expire_access_tokens()
        client = self.store._ebay_client()
        client.request_json("GET", "/sell/account/v1/privilege", api="account")
        self.assertEqual(self.sim.token_refreshes, 1)
        self.sim.revoke_user_token()
        with self.assertRaises(StoreAuthError):
            self.store._ebay_client().request_json("GET", "/sell/account/v1/privilege", api="account")

    def test_app_token_minted_once_for_taxonomy(self):
        client = self.store._ebay_client()
        for _call in range(3):
            answer = client.request_json("GET", "/commerce/taxonomy/v1/get_default_category_tree_id",
                                         api="taxonomy", params={"marketplace_id": "EBAY_US"}, app=True)
        self.assertIn("categoryTreeId", answer)
        grants = [call for call in self.sim.token_calls if call["grant_type"] == "client_credentials"]
        self.assertEqual(len(grants), 1)
        taxonomy = [call for call in self.sim.requests if call["api"] == "taxonomy"]
        self.assertEqual({call["auth"] for call in taxonomy}, {"app"})

    def test_trading_through_ebaysdk_and_the_core(self):
        item_id = self.sim.add_legacy_listing("MUG-1", "Blue mug", "9.90", 5)
        trading = self.store._ebay_trading()
        item = trading.execute("GetItem", {"ItemID": item_id})["Item"]
        self.assertEqual(item["SKU"], "MUG-1")
        reply = trading.execute("ReviseInventoryStatus",
                                {"InventoryStatus": [{"ItemID": item_id, "Quantity": 3}]},
                                list_nodes=["InventoryStatus"])
        self.assertIn(reply["Ack"], ("Success", "Warning"))
        self.assertEqual(self.sim.legacy_listings[item_id]["quantity"], 3)

    def test_ebays_own_quota_answer_throttles(self):
        self.sim.set_quota("inventory", 1)
        client = self.store._ebay_client()
        client.request_json("GET", "/sell/inventory/v1/location", api="inventory")
        with self.assertRaises(RetryableJobError) as caught:
            client.request_json("GET", "/sell/inventory/v1/location", api="inventory")
        self.assertTrue(caught.exception.throttled)
        # eBay's 429 names no delay; its limits are daily: the API waits a quarter of an hour (or until
        # eBay's midnight, when sooner), not the core's few seconds.
        self.assertGreater(caught.exception.retry_after, 0)
        self.assertLessEqual(caught.exception.retry_after, 900)
        self.assertTrue(caught.exception.retry_after > 60 or self._minutes_to_pacific_midnight() <= 1)

    @staticmethod
    def _minutes_to_pacific_midnight():
        from datetime import datetime, timedelta
        from zoneinfo import ZoneInfo

        now = datetime.now(ZoneInfo("America/Los_Angeles"))
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - now).total_seconds() / 60
