import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from odoo import fields
from odoo.tests import tagged

from odoo.addons.store_connector_base import const as base_const

from .. import const
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

    def _click_install(self):
        """Press "Install with OAuth" as the web client does (call_kw in the admin's browser
        session): the HTTP answer and the action."""
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": "connector.store", "method": "action_oauth_install",
                       "args": [self.oauth_store.ids], "kwargs": {}},
        }), headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertNotIn("error", body)
        return response, body["result"]

    def _approve(self, authorize_url):
        """The merchant approves on the simulator: the callback URL it redirects the browser to."""
        query = parse_qs(urlsplit(authorize_url).query)
        self.assertTrue(authorize_url.startswith(self.sim_url + "/admin/oauth/authorize"))
        self.assertEqual(query["client_id"], [self.sim.client_id])
        self.assertIn("write_products", query["scope"][0])
        self.assertEqual(query["redirect_uri"], [self.base_url() + const.SHOPIFY_OAUTH_CALLBACK_ROUTE])
        self.assertTrue(query["state"][0])
        approved = requests.get(authorize_url, allow_redirects=False, timeout=10)
        self.assertEqual(approved.status_code, 302)
        return approved.headers["Location"]

    def _install(self):
        """Start in Odoo, approve on the simulator, come back to Odoo's callback: the real hops."""
        __, action = self._click_install()
        self.assertEqual((action["type"], action["target"]), ("ir.actions.act_url", "self"))
        return self._approve(action["url"])

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
        self.assertFalse(self.oauth_store.oauth_state)  # the state is single use
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
        self.addCleanup(self.sim.advance, -4000)  # the class's simulator signs at our time again
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
        self.assertFalse(Store._cron_oauth_refresh_tokens() & self.oauth_store)
        self.assertEqual(self.oauth_store._get_credential("access_token"), token)
        # Ten minutes left: refreshed now, before it lapses, with its expiry moved on.
        soon = fields.Datetime.now() + timedelta(minutes=10)
        self._credential("access_token").expires_at = soon
        self.assertEqual(self.oauth_store.oauth_token_expires_at, soon)
        self.assertEqual(Store._cron_oauth_refresh_tokens() & self.oauth_store, self.oauth_store)
        self.env.invalidate_all()
        self.assertNotEqual(self.oauth_store._get_credential("access_token"), token)
        self.assertGreater(self.oauth_store.oauth_token_expires_at,
                           fields.Datetime.now() + timedelta(minutes=50))
        self.assertTrue(self.oauth_store._shopify_client().query("{ shop { name } }")["shop"]["name"])
        # A refused refresh (revoked on Shopify) is logged on the store; the cron goes on.
        self._credential("access_token").expires_at = soon
        self.env["integration.credential"]._set_value(self.oauth_store, "refresh_token", "shprt_revoked")
        self.assertFalse(Store._cron_oauth_refresh_tokens() & self.oauth_store)
        self.assertTrue(self.oauth_store.log_ids.filtered(
            lambda log: log.operation == "auth" and log.status == "failed"))
        cron = self.env.ref("store_connector_base.ir_cron_oauth_refresh_tokens")
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

    def test_nonce_cookie(self):
        response, action = self._click_install()
        cookie = response.headers["Set-Cookie"]
        name = base_const.OAUTH_NONCE_COOKIE.format(store_id=self.oauth_store.id)
        self.assertTrue(cookie.startswith(name + "="), cookie)
        for attribute in ("HttpOnly", "SameSite=Lax", "Max-Age=600",
                          "Path=" + const.SHOPIFY_OAUTH_CALLBACK_ROUTE):
            self.assertIn(attribute, cookie)
        self.assertNotIn("Secure", cookie)  # served over http here: a Secure cookie would not come back
        self.env.invalidate_all()
        store = self.oauth_store.sudo()
        nonce = self.opener.cookies.get(name, path=const.SHOPIFY_OAUTH_CALLBACK_ROUTE)
        self.assertTrue(nonce)
        self.assertNotIn(nonce, (store.oauth_nonce_hash, store.oauth_state))  # a hash kept
        self.assertIn(f"state={store.oauth_state}", action["url"])
        self.assertAlmostEqual(store.oauth_state_expires_at, fields.Datetime.now() + timedelta(minutes=10),
                               delta=timedelta(minutes=1))
        # Odoo served over https: the cookie is Secure.
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://odoo.example.com")
        response, action = self._click_install()
        self.assertIn("Secure", response.headers["Set-Cookie"])
        self.assertIn(urlencode({"redirect_uri": "https://odoo.example.com/store_connector_shopify"}),
                      action["url"])

    def test_install_from_shopify(self):
        """The merchant opens the app in Shopify: the signed hit starts the install in that browser,
        which finishes it."""
        params = self.sim.install_params()
        response = self.url_open("/store_connector_shopify/oauth/install?" + urlencode(params),
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 302)
        self.assertIn("HttpOnly", response.headers["Set-Cookie"])
        done = self.url_open(self._approve(response.headers["Location"]), allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text)
        self.env.invalidate_all()
        self.assertTrue(self.oauth_store._get_credential("access_token").startswith("shpat_"))
        params["hmac"] = "0" * 64
        response = self.url_open("/store_connector_shopify/oauth/install?" + urlencode(params),
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 401)

    def test_the_button_replaces_an_open_authorization(self):
        """An authorization someone opened with a replayed install hit does not block the manager."""
        stranger = requests.get(self.base_url() + "/store_connector_shopify/oauth/install?"
                                + urlencode(self.sim.install_params()), allow_redirects=False, timeout=10)
        self.assertEqual(stranger.status_code, 302)
        done = self.url_open(self._install(), allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text)

    def test_hmac_helper(self):
        params = self.sim.install_params()
        self.assertTrue(shopify_params_valid(SIM_CLIENT_SECRET, params))
        self.assertFalse(shopify_params_valid("another-secret", params))
        self.assertFalse(shopify_params_valid(SIM_CLIENT_SECRET, {**params, "timestamp": "1000"}))
        # Outside Shopify's 90-second window, either way, though signed and under ShopifyAPI's day.
        for offset in (-600, 600):
            signed = self.sim.install_params(timestamp=int(time.time()) + offset)
            self.assertFalse(shopify_params_valid(SIM_CLIENT_SECRET, signed))
