"""The OAuth install, attacked as the real callers make it: a manager's browser lured to a link of
another site, the signed parameters of an install hit or a callback replayed by whoever saw them,
a callback opened in another browser or too late, and a manager of another company setting up a
store of the same shop over RPC."""

import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.store_connector_base import const as base_const
from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .. import const
from .common import ShopifySimulatorMixin

INSTALL_ROUTE = "/store_connector_shopify/oauth/install"
CALLBACK_ROUTE = "/store_connector_shopify/oauth/callback"


@tagged("post_install", "-at_install")
class TestShopifyOAuthInstallAttacks(ShopifySimulatorMixin, RpcAttackCase):
    """`store` (company A, the simulator's shop and app) next to the attack harness' users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shopify()
        cls.store.shopify_auth_method = "oauth"
        # Not installed yet: any access token found later was issued by an install.
        cls.env["integration.credential"].search(
            [("store_id", "=", cls.store.id), ("key", "=", const.CRED_ACCESS_TOKEN)]).unlink()

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())

    # ------------------------------------------------------------------ helpers
    def _state(self):
        self.env.invalidate_all()
        return self.store.sudo().oauth_state

    def _access_token(self):
        self.env.invalidate_all()
        return self.store.sudo()._get_credential(const.CRED_ACCESS_TOKEN, required=False)

    def _click_install(self, user=None):
        """`user` (manager_a) presses "Install with OAuth" in the web client: the action's URL,
        which must be Shopify's authorize page (the browser goes there next)."""
        action = self.call_kw(user or self.manager_a, "connector.store", "action_oauth_install",
                              [self.store.id])
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(self.sim_url + const.SHOPIFY_AUTHORIZE_PATH), action["url"])
        return action["url"]

    def _approve(self, authorize_url):
        """The merchant approves on (simulated) Shopify: the signed callback URL it redirects to."""
        approved = requests.get(authorize_url, allow_redirects=False, timeout=10)
        self.assertEqual(approved.status_code, 302, approved.text[:200])
        callback = approved.headers["Location"]
        self.assertTrue(callback.startswith(self.base_url() + CALLBACK_ROUTE), callback)
        return callback

    def _finish_in_the_managers_browser(self, callback):
        done = self.url_open(callback, allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text[:300])
        self.assertTrue(self._access_token())
        self.assertFalse(self._state())

    # ------------------------------------------------------------------ cross-site request forgery
    def test_cross_site_link_to_the_old_start_route_changes_nothing(self):
        authorize_url = self._click_install()
        state = self._state()
        # Another site makes the manager's browser (logged in to Odoo) open the old start route.
        lured = self.url_open(f"/store_connector_shopify/oauth/start/{self.store.id}", allow_redirects=False)
        self.assertEqual(self._state(), state, "a cross-site GET replaced the install in progress")
        self.assertNotIn(const.SHOPIFY_AUTHORIZE_PATH, lured.headers.get("Location", ""))
        self.assertEqual(lured.status_code, 404)
        # The manager's own install goes on.
        self._finish_in_the_managers_browser(self._approve(authorize_url))

    # ------------------------------------------------------------------ browser binding
    def test_callback_in_another_browser_is_refused(self):
        callback = self._approve(self._click_install())
        # Whoever holds the signed callback URL (valid HMAC, the store's shop, the right state)
        # opens it without the nonce cookie of the browser that started the install, then with a
        # cookie of their own.
        cookie = base_const.OAUTH_NONCE_COOKIE.format(store_id=self.store.id)
        for cookies in ({}, {cookie: "nonce-of-another-browser"}):
            with self.subTest(cookies=cookies):
                stranger = requests.get(callback, cookies=cookies, allow_redirects=False, timeout=10)
                self.assertEqual(stranger.status_code, 403, stranger.text[:300])
                self.assertIn("browser", stranger.text)
                self.assertFalse(self._access_token())
        # Refusing the stranger did not spend the state: the manager's browser finishes.
        self._finish_in_the_managers_browser(callback)

    def test_callback_after_the_state_expired_is_refused(self):
        authorize_url = self._click_install()
        later = datetime.now() + timedelta(seconds=base_const.OAUTH_STATE_TTL + 60)
        with freeze_time(later, tick=True):
            # Approved on Shopify eleven minutes later: a callback Shopify signed just now.
            callback = self._approve(authorize_url)
            late = self.url_open(callback, allow_redirects=False)
        self.assertEqual(late.status_code, 400, late.text[:300])
        self.assertIn("expired", late.text)
        self.assertFalse(self._access_token())

    def test_state_is_single_use(self):
        callback = self._approve(self._click_install())
        self._finish_in_the_managers_browser(callback)
        again = self.url_open(callback, allow_redirects=False)
        self.assertEqual(again.status_code, 400)

    # ------------------------------------------------------------------ install hit replay
    def test_replayed_install_hit_does_not_replace_the_install_in_progress(self):
        authorize_url = self._click_install()
        state = self._state()
        # An install hit Shopify signed (seen in a log, a proxy, a browser history) replayed by a
        # stranger while the manager's install is in progress.
        hit = self.sim.install_params()
        replay = requests.get(f"{self.base_url()}{INSTALL_ROUTE}?{urlencode(hit)}", allow_redirects=False,
                              timeout=10)
        self.assertEqual(self._state(), state, "an install hit replaced the install in progress")
        self.assertEqual(replay.status_code, 409, replay.text[:300])
        self._finish_in_the_managers_browser(self._approve(authorize_url))

    def test_install_hit_replayed_after_the_timestamp_window_is_refused(self):
        # Signed by Shopify ten minutes ago: within ShopifyAPI's day, outside Shopify's own window.
        stale = self.sim.install_params(timestamp=int(time.time()) - 600)
        response = requests.get(f"{self.base_url()}{INSTALL_ROUTE}?{urlencode(stale)}",
                                allow_redirects=False, timeout=10)
        self.assertEqual(response.status_code, 401, response.text[:300])
        self.assertFalse(self._state())
        self.assertNotIn("Set-Cookie", response.headers)

    def test_callback_query_replayed_as_an_install_hit_is_refused(self):
        callback = self._approve(self._click_install())
        self._finish_in_the_managers_browser(callback)
        # The callback's query is signed with the same secret: replayed at the install route.
        query = urlsplit(callback).query
        response = requests.get(f"{self.base_url()}{INSTALL_ROUTE}?{query}", allow_redirects=False,
                                timeout=10)
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertFalse(self._state())

    # ------------------------------------------------------------------ another company
    def test_another_companys_store_of_the_same_shop_does_not_capture_the_install(self):
        # Company B's manager names company A's shop on a store of B's own app, sorted first.
        rogue_id = self.rpc(self.manager_b, "connector.store", "create", {
            "name": "AAA Rogue Shop", "platform": "shopify", "sequence": 0,
            "company_id": self.company_b.id, "shopify_shop_domain": self.sim.shop,
            "shopify_auth_method": "oauth", "shopify_client_id": "rogue-client-id",
        })
        rogue = self.env["connector.store"].browse(rogue_id)
        self.env["integration.credential"]._set_value(rogue, "client_secret", "rogue-app-secret-51c2")
        self.assertEqual(self.env["connector.store"].search(
            [("shopify_shop_domain", "=", self.sim.shop)], limit=1), rogue)

        # Shopify's hit for company A's app still starts company A's install.
        response = self.url_open(f"{INSTALL_ROUTE}?{urlencode(self.sim.install_params())}",
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:200])
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        self.assertEqual(query["client_id"], [self.sim.client_id])
        self.assertEqual(query["state"], [self._state()])
        self.assertFalse(rogue.sudo().oauth_state)

        # A hit no store's app signed is refused.
        params = self.sim.install_params()
        params["hmac"] = "0" * 64
        response = self.url_open(f"{INSTALL_ROUTE}?{urlencode(params)}", allow_redirects=False)
        self.assertEqual(response.status_code, 401)
