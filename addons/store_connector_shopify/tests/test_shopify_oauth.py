from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests

from odoo import fields
from odoo.tests import tagged

from ..controllers.main import shopify_params_valid
from .common import SIM_CLIENT_SECRET, ShopifySimulatorHttpCase


@tagged("post_install", "-at_install")
class TestShopifyOAuth(ShopifySimulatorHttpCase):

    def setUp(self):
        super().setUp()
        self.oauth_store = self.create_shopify_store(name="OAuth Shop", token=None,
                                                     shopify_auth_method="oauth")
        self.env.ref("base.user_admin").groups_id |= self.env.ref(
            "store_connector_base.group_store_connector_manager")
        self.authenticate("admin", "admin")

    def _install(self):
        """Start in Odoo, approve on the simulator, come back to Odoo's callback: the real hops."""
        start = self.url_open(f"/store_connector_shopify/oauth/start/{self.oauth_store.id}",
                              allow_redirects=False)
        self.assertEqual(start.status_code, 302)
        authorize_url = start.headers["Location"]
        query = parse_qs(urlsplit(authorize_url).query)
        self.assertTrue(authorize_url.startswith(self.sim_url + "/admin/oauth/authorize"))
        self.assertEqual(query["client_id"], [self.sim.client_id])
        self.assertIn("write_products", query["scope"][0])
        self.assertTrue(query["state"][0])
        approved = requests.get(authorize_url, allow_redirects=False, timeout=10)
        self.assertEqual(approved.status_code, 302)
        return approved.headers["Location"]

    def _credential(self, key):
        return self.env["integration.credential"].search(
            [("store_id", "=", self.oauth_store.id), ("key", "=", key)])

    def test_install_end_to_end_and_refresh(self):
        callback = self._install()
        self.assertTrue(callback.startswith(self.base_url() + "/store_connector_shopify/oauth/callback"))
        done = self.url_open(callback, allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text)
        self.env.invalidate_all()
        token = self.oauth_store._get_credential("access_token")
        refresh = self.oauth_store._get_credential("refresh_token")
        self.assertTrue(token.startswith("shpat_"))
        self.assertTrue(refresh.startswith("shprt_"))
        self.assertTrue(self._credential("access_token").expires_at)  # expiring offline token
        self.assertIn("write_products", self.oauth_store.shopify_granted_scopes)
        self.assertFalse(self.oauth_store.shopify_oauth_state)  # the state is single use
        client = self.oauth_store._shopify_client()
        self.assertTrue(client.query("{ shop { name } }")["shop"]["name"])

        # About to lapse: refreshed before the call, with a rotated refresh token.
        self._credential("access_token").expires_at = fields.Datetime.now() + timedelta(seconds=60)
        self.assertTrue(self.oauth_store._shopify_client().query("{ shop { name } }")["shop"]["name"])
        new_token = self.oauth_store._get_credential("access_token")
        self.assertNotEqual(new_token, token)
        self.assertNotEqual(self.oauth_store._get_credential("refresh_token"), refresh)

        # Lapsed on Shopify's side while Odoo still trusted it: the 401 is answered by one refresh.
        self.sim.advance(4000)
        self.assertTrue(self.oauth_store._shopify_client().query("{ shop { name } }")["shop"]["name"])
        self.assertNotEqual(self.oauth_store._get_credential("access_token"), new_token)

        # Reusing the callback (code and state already used) is refused.
        again = self.url_open(callback, allow_redirects=False)
        self.assertEqual(again.status_code, 400)

    def test_cron_refreshes_tokens_lapsing_within_15_minutes(self):
        done = self.url_open(self._install(), allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text)
        self.env.invalidate_all()
        token = self.oauth_store._get_credential("access_token")
        Store = self.env["connector.store"]
        # An hour left: nothing to do.
        self.assertFalse(Store._cron_shopify_refresh_tokens() & self.oauth_store)
        self.assertEqual(self.oauth_store._get_credential("access_token"), token)
        # Ten minutes left: refreshed now, before it lapses, with its expiry moved on.
        soon = fields.Datetime.now() + timedelta(minutes=10)
        self._credential("access_token").expires_at = soon
        self.oauth_store.shopify_token_expires_at = soon
        self.assertEqual(Store._cron_shopify_refresh_tokens() & self.oauth_store, self.oauth_store)
        self.env.invalidate_all()
        self.assertNotEqual(self.oauth_store._get_credential("access_token"), token)
        self.assertGreater(self.oauth_store.shopify_token_expires_at,
                           fields.Datetime.now() + timedelta(minutes=50))
        self.assertTrue(self.oauth_store._shopify_client().query("{ shop { name } }")["shop"]["name"])
        # A refused refresh (revoked on Shopify) is logged on the store; the cron goes on.
        self.oauth_store.shopify_token_expires_at = soon
        self.env["integration.credential"]._set_value(self.oauth_store, "refresh_token", "shprt_revoked")
        self.assertFalse(Store._cron_shopify_refresh_tokens() & self.oauth_store)
        self.assertTrue(self.oauth_store.log_ids.filtered(
            lambda log: log.operation == "auth" and log.status == "failed"))
        cron = self.env.ref("store_connector_shopify.ir_cron_shopify_refresh_tokens")
        self.assertEqual((cron.interval_number, cron.interval_type), (10, "minutes"))

    def test_bad_hmac_refused(self):
        callback = self._install()
        tampered = callback.replace("shop=", "x=1&shop=")
        response = self.url_open(tampered, allow_redirects=False)
        self.assertEqual(response.status_code, 401)
        self.env.invalidate_all()
        self.assertFalse(self._credential("access_token"))

    def test_state_mismatch_refused(self):
        callback = self._install()
        parts = urlsplit(callback)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        params["state"] = "forged-state"
        params["hmac"] = self.sim.oauth.sign(params)  # even correctly signed
        response = self.url_open(parts.path + "?" + "&".join(f"{k}={v}" for k, v in params.items()),
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.env.invalidate_all()
        self.assertFalse(self._credential("access_token"))

    def test_install_hit_is_checked(self):
        params = self.sim.install_params()
        response = self.url_open("/store_connector_shopify/oauth/install?" + "&".join(
            f"{k}={v}" for k, v in params.items()), allow_redirects=False)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/oauth/authorize", response.headers["Location"])
        params["hmac"] = "0" * 64
        response = self.url_open("/store_connector_shopify/oauth/install?" + "&".join(
            f"{k}={v}" for k, v in params.items()), allow_redirects=False)
        self.assertEqual(response.status_code, 401)

    def test_hmac_helper(self):
        params = self.sim.install_params()
        self.assertTrue(shopify_params_valid(SIM_CLIENT_SECRET, params))
        self.assertFalse(shopify_params_valid("another-secret", params))
        self.assertFalse(shopify_params_valid(SIM_CLIENT_SECRET, {**params, "timestamp": "1000"}))
