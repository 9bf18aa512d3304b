"""Connect with WooCommerce (wc-auth/v1): the manager's button, the key callback through Odoo's real
HTTP server, forged and replayed callbacks, and the button's attacks over RPC."""

import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from odoo import fields

from odoo.addons.store_connector_base.tests.common import create_test_store
from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .common import CONSUMER_KEY, CONSUMER_SECRET, create_woocommerce_store

NEW_KEY = "ck_" + "a1b2c3d4e5" * 4
NEW_SECRET = "cs_" + "f6e5d4c3b2" * 4


class ConnectCase(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.woo_a = create_woocommerce_store(
            cls.env, "Woo Shop A", shop_url="https://shop-a.example.com", company=cls.company_a
        )
        cls.woo_b = create_woocommerce_store(
            cls.env, "Woo Shop B", shop_url="https://shop-b.example.com", company=cls.company_b
        )

    def keys(self, state, **values):
        return {
            "key_id": 7,
            "user_id": state,
            "consumer_key": NEW_KEY,
            "consumer_secret": NEW_SECRET,
            "key_permissions": "read_write",
            **values,
        }

    def post_keys(self, store_id, body):
        """POST as WooCommerce's server does (WC_Auth::post_consumer_data): JSON, no cookie, no session."""
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        self.opener.cookies.clear()
        response = self.url_open(
            f"/store_connector/woocommerce/keys/{store_id}",
            data=raw,
            headers={"Content-Type": "application/json;charset=UTF-8"},
        )
        self.env.invalidate_all()
        return response

    def credentials(self, store):
        store = store.sudo()
        return store._get_credential("consumer_key"), store._get_credential("consumer_secret")

    def auth_logs(self, store, status):
        return store.log_ids.filtered(lambda log: log.operation == "auth" and log.status == status)


class TestConnectWithWooCommerce(ConnectCase):
    def test_the_managers_button_opens_the_shops_approval_page(self):
        action = self.call_kw(
            self.manager_a, "connector.store", "action_woocommerce_connect", [self.woo_a.id]
        )

        self.assertEqual((action["type"], action["target"]), ("ir.actions.act_url", "self"))
        url = urlsplit(action["url"])
        self.assertEqual(
            f"{url.scheme}://{url.netloc}{url.path}", "https://shop-a.example.com/wc-auth/v1/authorize"
        )
        query = dict(parse_qsl(url.query))
        self.env.invalidate_all()
        base = self.woo_a.get_base_url()
        self.assertEqual(
            query,
            {
                "app_name": "Odoo Store Connector (Woo Shop A)",
                "scope": "read_write",
                "user_id": self.woo_a.sudo().oauth_state,
                "return_url": f"{base}/odoo/action-store_connector_base.connector_store_action/"
                              f"{self.woo_a.id}",
                "callback_url": f"{base}/store_connector/woocommerce/keys/{self.woo_a.id}",
            },
        )
        self.assertIn("Connect with WooCommerce started by", self.auth_logs(self.woo_a, "info").message)

    def test_the_keys_woocommerce_posts_become_the_stores_credentials(self):
        self.woo_a._pause_for_auth("the platform refused the key")
        state, _nonce = self.woo_a._oauth_new_state()

        response = self.post_keys(self.woo_a.id, self.keys(state))

        self.assertEqual((response.status_code, response.json()), (200, {"status": "saved"}))
        self.assertEqual(self.credentials(self.woo_a), (NEW_KEY, NEW_SECRET))
        self.assertEqual(
            (self.woo_a.woocommerce_key_permissions, self.woo_a.woocommerce_key_ending),
            ("read_write", NEW_KEY[-7:]),
        )
        self.assertFalse(self.woo_a.paused, "new keys resume the store")
        self.assertFalse(self.woo_a.sudo().oauth_state, "the state is spent")
        log = self.auth_logs(self.woo_a, "done")[:1]  # the newest; the store's resume is logged before
        self.assertIn(f"a Read/Write key (ending in {NEW_KEY[-7:]}) was generated and saved", log.message)
        self.assertNotIn(NEW_SECRET, log.message)

        replay = self.post_keys(self.woo_a.id, self.keys(state, consumer_key="ck_" + "0" * 40))
        self.assertEqual(replay.status_code, 400, "a state is good once")
        self.assertIn("Unknown or already used authorization", replay.json()["status"])
        self.assertEqual(self.credentials(self.woo_a), (NEW_KEY, NEW_SECRET))

    def test_forged_callbacks_save_nothing(self):
        state, _nonce = self.woo_a._oauth_new_state()
        test_store = create_test_store(self.env, "Other Platform Shop")
        test_state, _nonce = test_store._oauth_new_state()
        forged = {
            "no state": (self.woo_a.id, {"consumer_key": NEW_KEY, "consumer_secret": NEW_SECRET}),
            "unknown state": (self.woo_a.id, self.keys("not-a-state-we-made")),
            "state not a string": (self.woo_a.id, self.keys(12345)),
            "not JSON": (self.woo_a.id, "key_id=7&user_id=" + state),
            "a list": (self.woo_a.id, [self.keys(state)]),
            "no such store": (999999999, self.keys(state)),
            "a store of another platform": (test_store.id, self.keys(test_state)),
            "another platform's state": (self.woo_a.id, self.keys(test_state)),
        }
        for what, (store_id, body) in forged.items():
            with self.subTest(what):
                response = self.post_keys(store_id, body)
                self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))
        self.assertTrue(self.woo_a._oauth_in_progress(), "forgeries do not spend the real state")
        self.assertTrue(test_store._oauth_in_progress())

        too_large = self.post_keys(self.woo_a.id, self.keys(state, key_id="9" * 20000))
        self.assertEqual(too_large.status_code, 413)
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))

    def test_the_state_of_another_store_is_refused(self):
        state_b, _nonce = self.woo_b._oauth_new_state()

        response = self.post_keys(self.woo_a.id, self.keys(state_b))

        self.assertEqual(response.status_code, 400)
        self.assertIn("started for another store", response.json()["status"])
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))
        self.assertEqual(self.credentials(self.woo_b), (CONSUMER_KEY, CONSUMER_SECRET))
        self.assertTrue(self.woo_b._oauth_in_progress(), "store B can still finish its own connection")

    def test_a_lapsed_state_is_refused_and_spent(self):
        state, _nonce = self.woo_a._oauth_new_state()
        self.woo_a.sudo().oauth_state_expires_at = fields.Datetime.now() - timedelta(seconds=1)

        response = self.post_keys(self.woo_a.id, self.keys(state))

        self.assertEqual(response.status_code, 400)
        self.assertIn("expired", response.json()["status"])
        self.assertFalse(self.woo_a.sudo().oauth_state)
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))

    def test_a_key_without_write_access_is_refused_with_a_clear_message(self):
        state, _nonce = self.woo_a._oauth_new_state()

        response = self.post_keys(self.woo_a.id, self.keys(state, key_permissions="read"))

        self.assertEqual(
            response.status_code, 403, "WooCommerce deletes a key whose callback is not answered 200"
        )
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))
        self.assertFalse(self.woo_a.woocommerce_key_permissions)
        self.assertIn(
            "WooCommerce generated a key with Read permissions for store Woo Shop A, and the connector "
            "needs Read/Write",
            self.auth_logs(self.woo_a, "failed").message,
        )

    def test_keys_that_are_not_keys_are_refused(self):
        state, _nonce = self.woo_a._oauth_new_state()

        response = self.post_keys(self.woo_a.id, self.keys(state, consumer_secret="hello world"))

        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))
        self.assertIn(
            "WooCommerce sent no valid consumer key and secret", self.auth_logs(self.woo_a, "failed").message
        )

    def test_a_woocommerce_state_is_refused_at_the_base_oauth_callback(self):
        state, _nonce = self.woo_a._oauth_new_state()
        response = self.url_open(f"/store_connector/oauth/callback?state={state}&code=stolen")
        self.assertEqual(response.status_code, 400)
        self.env.invalidate_all()
        self.assertTrue(self.woo_a._oauth_in_progress(), "only the key route takes a WooCommerce state")
        self.assertEqual(self.post_keys(self.woo_a.id, self.keys(state)).status_code, 200)


class TestConnectAttacks(ConnectCase):
    def test_only_a_manager_of_the_stores_company_connects_it(self):
        for user in (self.manager_b, self.user_a, self.internal_a, self.portal_a, self.user_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "connector.store", "action_woocommerce_connect", [self.woo_a.id])
        self.env.invalidate_all()
        self.assertFalse(self.woo_a.sudo().oauth_state, "no authorization opened by an outsider")
        self.assertFalse(self.auth_logs(self.woo_a, "info"))

    def test_the_key_intake_is_not_callable_over_rpc(self):
        state, _nonce = self.woo_a._oauth_new_state()
        self.assertRpcRefused(
            self.manager_a, "connector.store", "_woocommerce_receive_keys", self.woo_a.id, self.keys(state)
        )
        self.env.invalidate_all()
        self.assertEqual(self.credentials(self.woo_a), (CONSUMER_KEY, CONSUMER_SECRET))

    def test_a_manager_may_not_forge_the_connected_key_fields_of_another_company(self):
        self.assertRpcRefused(
            self.manager_b,
            "connector.store",
            "write",
            [self.woo_a.id],
            {"woocommerce_key_permissions": "read_write"},
        )
        self.assertRpcRefused(
            self.user_a, "connector.store", "read", [self.woo_a.id], ["woocommerce_key_ending"]
        )
