"""Connect with eBay: the base's standard grant with eBay's rules (RuName as redirect_uri, scopes
space-separated, Basic App ID:Cert ID, refresh with the scopes), the scopes recorded, the warning a
month before the refresh token ends and the pause when eBay answers invalid_grant."""

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import StoreAuthError
from odoo.addons.store_connector_base.services import rate_limiter

from .. import const
from .common import APP_ID, CERT_ID, RUNAME, create_ebay_store, registry_test_mode
from .fake_ebay import FakeEbay

TOKEN = "/identity/v1/oauth2/token"


class TestEbayOAuth(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.ebay = FakeEbay(self)
        self.store = create_ebay_store(self.env, api_url=self.ebay.base)
        registry_test_mode(self)

    def test_authorize_url_names_the_runame_scopes_and_state(self):
        adapter = self.store._get_adapter()
        url = adapter._oauth_authorize_url(self.store, "state-123")
        parts = urlsplit(url)
        self.assertEqual(f"{parts.scheme}://{parts.netloc}{parts.path}", self.ebay.base + "/oauth2/authorize")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.assertEqual(query["client_id"], APP_ID)
        self.assertEqual(query["redirect_uri"], RUNAME)
        self.assertEqual(query["response_type"], "code")
        self.assertEqual(query["state"], "state-123")
        self.assertEqual(query["prompt"], "login")
        self.assertEqual(query["scope"].split(" "), list(const.USER_SCOPES))
        self.assertIn("%20", parts.query, "scopes separated by encoded spaces")
        self.store.ebay_api_url = False
        self.assertTrue(adapter._oauth_authorize_url(self.store, "s").startswith(
            "https://auth.sandbox.ebay.com/oauth2/authorize?"))

    def test_install_refused_until_the_keyset_and_runame_are_entered(self):
        store = create_ebay_store(self.env, name="New eBay", runame=None, cert_id=None)
        with self.assertRaises(UserError) as caught:
            store._get_adapter()._oauth_check_install(store)
        self.assertIn("Cert ID, RuName", str(caught.exception))

    def test_code_exchange_sends_the_runame_and_records_the_scopes(self):
        self.ebay.on("POST", TOKEN, (200, {
            "access_token": "v^1.1#user", "expires_in": 7200, "refresh_token": "v^1.1#refresh",
            "refresh_token_expires_in": 47304000, "token_type": "User Access Token"}))
        self.store._oauth_exchange_code("v^1.1#code")
        request = self.ebay.requests_to(TOKEN)[0]
        self.assertEqual(self.ebay.form(request), {
            "grant_type": "authorization_code", "code": "v^1.1#code", "redirect_uri": RUNAME})
        self.assertEqual(request["headers"]["authorization"],
                         "Basic " + base64.b64encode(f"{APP_ID}:{CERT_ID}".encode()).decode())
        self.assertEqual(self.store._get_credential("access_token"), "v^1.1#user")
        self.assertEqual(self.store._get_credential("refresh_token"), "v^1.1#refresh")
        self.assertEqual(self.store.ebay_granted_scopes.split(), list(const.USER_SCOPES))

    def test_refresh_keeps_the_refresh_token_and_sends_the_scopes(self):
        self.ebay.on("POST", TOKEN, (200, {"access_token": "v^1.1#second", "expires_in": 7200,
                                          "token_type": "User Access Token"}))
        token = self.store._oauth_access_token(force_refresh=True)
        self.assertEqual(token, "v^1.1#second")
        form = self.ebay.form(self.ebay.requests_to(TOKEN)[0])
        self.assertEqual(form["grant_type"], "refresh_token")
        self.assertEqual(form["scope"].split(" "), list(const.USER_SCOPES))
        self.assertTrue(self.store._get_credential("refresh_token"), "eBay does not rotate it: kept")

    def test_invalid_grant_pauses_the_store_with_ebays_reason(self):
        self.ebay.on("POST", TOKEN, (400, {
            "error": "invalid_grant",
            "error_description": "the provided authorization refresh token is invalid or was issued to "
                                 "another client"}))
        with self.assertRaises(StoreAuthError):
            self.store._oauth_access_token(force_refresh=True)
        access = self.store._oauth_credential("access_token")
        access.expires_at = fields.Datetime.now() + timedelta(minutes=5)
        self.env["connector.store"]._cron_oauth_refresh_tokens()
        self.store.invalidate_recordset()
        self.assertTrue(self.store.paused)
        self.assertIn("refresh token is invalid", self.store.paused_reason)

    def test_refresh_token_expiry_warned_a_month_ahead(self):
        refresh = self.store._oauth_credential("refresh_token")
        refresh.expires_at = fields.Datetime.now() + timedelta(days=40)
        self.assertFalse(self.env["connector.store"]._oauth_warn_refresh_expiry() & self.store)
        refresh.expires_at = fields.Datetime.now() + timedelta(days=29)
        self.assertTrue(self.env["connector.store"]._oauth_warn_refresh_expiry() & self.store)
        self.assertIn("ends on", self.store.message_ids[0].body)
