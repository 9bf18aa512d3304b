"""Sync API keys (issue #7, point 11): the sync API takes only Odoo API keys of its own scope, made
from the user's preferences or from a store, and such a key opens nothing else (no XML-RPC, no
JSON-RPC); Odoo's global ("rpc") keys, which open the whole external API, are refused by it."""

import json
import xmlrpc.client
from datetime import datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.store_connector_base.services.sync_api import API_KEY_SCOPE

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestSyncApiKeys(SyncApiFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    # ------------------------------------------------------------------ helpers
    def _orders(self, key, store=None):
        return self.opener.get(f"{self.base_url()}/api/v1/stores/{(store or self.store).code}/orders",
                               headers={"Authorization": f"Bearer {key}"}, timeout=30)

    def _jsonrpc(self, route, params):
        response = self.url_open(route, data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                                                          "params": params}),
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.json()

    def _call_kw(self, model, method, *args, **kwargs):
        """`model.method` through /web/dataset/call_kw in the current browser session."""
        body = self._jsonrpc("/web/dataset/call_kw", {"model": model, "method": method,
                                                      "args": list(args), "kwargs": kwargs})
        if "error" in body:
            raise AssertionError(body["error"]["data"]["name"] + ": " + body["error"]["data"]["message"])
        return body["result"]

    def _call_kw_error(self, model, method, *args, **kwargs):
        body = self._jsonrpc("/web/dataset/call_kw", {"model": model, "method": method,
                                                      "args": list(args), "kwargs": kwargs})
        self.assertIn("error", body, f"{model}.{method} was accepted")
        return body["error"]["data"]["name"].rsplit(".", 1)[-1]

    def _make_key_as(self, user, context=None, **values):
        """Generate a sync API key the way a person does: in a browser session, the wizard, the
        password asked again (Odoo's identity check), then the key shown once.

        :returns: the key, as the final dialog shows it.
        """
        self.authenticate(user.login, user.login)
        context = context or {}
        defaults = self._call_kw("store.sync.api.key.wizard", "default_get", ["name", "duration"],
                                 context=context)
        # web_save, as the web client saves the dialog.
        wizard_id = self._call_kw("store.sync.api.key.wizard", "web_save", [], {**defaults, **values},
                                  specification={}, context=context)[0]["id"]
        action = self._call_kw("store.sync.api.key.wizard", "action_make_key", [wizard_id], context=context)
        if action.get("res_model") == "res.users.identitycheck":
            check_id = action["res_id"]
            self._call_kw("res.users.identitycheck", "write", [check_id], {"password": user.login})
            action = self._call_kw("res.users.identitycheck", "run_check", [check_id])
        self.assertEqual(action["res_model"], "res.users.apikeys.show")
        key = action["context"]["default_key"]
        self.assertTrue(key)
        return key

    def _rpc_key(self, user, scope=None):
        return self.env["res.users.apikeys"].with_user(user).sudo()._generate(scope, "rpc key", None)

    # ------------------------------------------------------------------ the sync API refuses other keys
    def test_rpc_key_is_refused_with_a_message_naming_the_sync_key(self):
        """A global key (scope NULL, what Preferences > New API Key makes) opens all of XML-RPC:
        the sync API used to accept it."""
        for scope in (None, "rpc"):
            with self.subTest(scope=scope):
                response = self._orders(self._rpc_key(self.api_user, scope))
                self.assertEqual(response.status_code, 401, response.text)
                error = response.json()["error"]
                self.assertEqual(error["code"], "wrong_key_scope")
                self.assertIn("sync API key", error["message"])
                self.assertIn("New Sync API Key", error["message"])
                self.assertIn("Bearer", response.headers["WWW-Authenticate"])
        # ... and it queues nothing.
        response = self.opener.post(f"{self.base_url()}/api/v1/stores/{self.store.code}/sync/products",
                                    headers={"Authorization": f"Bearer {self._rpc_key(self.api_user)}"},
                                    timeout=30)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]))

    def test_key_of_another_scope_is_refused(self):
        response = self._orders(self._rpc_key(self.api_user, "odoo.plugin.outlook"))
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json()["error"]["code"], "wrong_key_scope")

    def test_expired_or_archived_users_sync_key_is_refused(self):
        Keys = self.env["res.users.apikeys"].with_user(self.api_user).sudo()
        expired = Keys._generate(API_KEY_SCOPE, "expired", datetime.now() - timedelta(minutes=1))
        self.assertEqual(self._orders(expired).json()["error"]["code"], "invalid_api_key")
        self.assertEqual(self._orders(self.key).status_code, 200)
        self.api_user.active = False
        self.assertEqual(self._orders(self.key).json()["error"]["code"], "invalid_api_key")

    # ------------------------------------------------------------------ a sync key opens nothing else
    def test_sync_key_from_preferences_opens_the_sync_api_and_not_rpc(self):
        key = self._make_key_as(self.api_user, name="ERP bridge", duration="30")
        stored = self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.api_user.id),
                                                              ("name", "=", "ERP bridge")])
        self.assertEqual(stored.scope, API_KEY_SCOPE)
        self.assertTrue(stored.expiration_date)
        self.assertEqual(self._orders(key).status_code, 200)

        db, login = self.env.cr.dbname, self.api_user.login
        # XML-RPC: neither a login nor a call.
        common = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/common")
        self.assertFalse(common.authenticate(db, login, key, {}))
        models = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/object")
        with self.assertRaises(xmlrpc.client.Fault) as refused:
            models.execute_kw(db, self.api_user.id, key, "res.partner", "search_read", [[]], {"limit": 1})
        self.assertIn("Access Denied", refused.exception.faultString)
        # JSON-RPC (the same external API over /jsonrpc).
        body = self._jsonrpc("/jsonrpc", {"service": "object", "method": "execute_kw", "args": [
            db, self.api_user.id, key, "res.partner", "search_read", [[]], {"limit": 1}]})
        self.assertIn("AccessDenied", body["error"]["data"]["name"])
        body = self._jsonrpc("/jsonrpc", {"service": "common", "method": "login", "args": [db, login, key]})
        self.assertFalse(body.get("result"))
        # The global key of the same user does open XML-RPC: the refusals above are the scope's.
        rpc_key = self._rpc_key(self.api_user)
        self.assertEqual(common.authenticate(db, login, rpc_key, {}), self.api_user.id)

    def test_sync_key_from_the_store(self):
        self.authenticate(self.api_user.login, self.api_user.login)
        action = self._call_kw("connector.store", "action_new_sync_api_key", [self.store.id])
        self.assertEqual(action["res_model"], "store.sync.api.key.wizard")
        key = self._make_key_as(self.api_user, context=action["context"])
        stored = self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.api_user.id),
                                                              ("scope", "=", API_KEY_SCOPE)])
        self.assertIn(self.store.name, " ".join(stored.mapped("name")))
        self.assertEqual(self._orders(key).status_code, 200)

    def test_generated_key_names_its_use_once(self):
        """The key dialog says what the key opens; it is shown once (never stored in clear)."""
        key = self._make_key_as(self.api_user, name="shown once")
        self.env.cr.execute("SELECT key FROM res_users_apikeys WHERE name = %s", ["shown once"])
        (stored,) = self.env.cr.fetchone()
        self.assertNotEqual(stored, key)
        view = self.env.ref("store_connector_base.res_users_apikeys_show_view_form_sync")
        self.assertIn("sync API", view.arch)
        self.assertNotIn("full access", view.arch)

    def test_the_inherited_make_key_makes_a_sync_key_too(self):
        """The wizard copies Odoo's, whose make_key makes a global key: not on this one."""
        self.authenticate(self.api_user.login, self.api_user.login)
        wizard_id = self._call_kw("store.sync.api.key.wizard", "web_save", [], {"name": "via make_key",
                                                                              "duration": "1"},
                                  specification={})[0]["id"]
        action = self._call_kw("store.sync.api.key.wizard", "make_key", [wizard_id])
        self.assertEqual(action["res_model"], "res.users.identitycheck", "the password is asked again")
        check_id = action["res_id"]
        self._call_kw("res.users.identitycheck", "write", [check_id], {"password": self.api_user.login})
        key = self._call_kw("res.users.identitycheck", "run_check", [check_id])["context"]["default_key"]
        stored = self.env["res.users.apikeys"].sudo().search([("name", "=", "via make_key")])
        self.assertEqual(stored.scope, API_KEY_SCOPE)
        self.assertEqual(self._orders(key).status_code, 200)

    # ------------------------------------------------------------------ who may make one
    def test_only_store_connector_users_make_sync_keys(self):
        portal = new_test_user(self.env, "sc_api_portal", groups="base.group_portal")
        for user in (self.no_rights_user, portal):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                error = self._call_kw_error("store.sync.api.key.wizard", "web_save", [],
                                            {"name": "x", "duration": "1"}, specification={})
                self.assertEqual(error, "AccessError")
        self.assertFalse(self.env["res.users.apikeys"].sudo().search([("name", "=", "x")]))

    def test_the_preferences_offer_the_sync_key_to_store_connector_users(self):
        self.authenticate(self.api_user.login, self.api_user.login)
        action = self._call_kw("res.users", "action_store_connector_sync_api_key", [self.api_user.id])
        self.assertEqual((action["res_model"], action["target"]), ("store.sync.api.key.wizard", "new"))
        arch = self._call_kw("res.users", "get_views", [[self.env.ref("base.view_users_form_simple_modif").id,
                                                         "form"]])["views"]["form"]["arch"]
        self.assertIn("New Sync API Key", arch)
        self.authenticate(self.no_rights_user.login, self.no_rights_user.login)
        arch = self._call_kw("res.users", "get_views", [[self.env.ref("base.view_users_form_simple_modif").id,
                                                         "form"]])["views"]["form"]["arch"]
        self.assertNotIn("New Sync API Key", arch)
