"""A WooCommerce store created through the base's sync API (POST /api/v1/stores): its keys stored
encrypted and never echoed, its query-string option accepted (issue #10)."""

import json

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.store_connector_base.services.sync_api import API_KEY_SCOPE

from .common import CONSUMER_KEY, CONSUMER_SECRET


@tagged("post_install", "-at_install")
class TestWooCommerceSyncApi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        manager = new_test_user(cls.env, "sc_woo_api_manager",
                                groups="base.group_user,store_connector_base.group_store_connector_manager")
        cls.key = cls.env["res.users.apikeys"].with_user(manager).sudo()._generate(
            API_KEY_SCOPE, "WooCommerce sync API test", None)

    def _create(self, body):
        return self.opener.post(self.base_url() + "/api/v1/stores", data=json.dumps(body), timeout=30,
                                headers={"Authorization": f"Bearer {self.key}",
                                         "Content-Type": "application/json"})

    def test_create_a_woocommerce_store_with_its_keys(self):
        response = self._create({
            "name": "Woo via API", "platform": "woocommerce", "shop_url": "https://woo.example.com",
            "credentials": {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET},
            "options": {"woocommerce_query_string_auth": True, "order_prefix": "WC-"},
        })
        self.assertEqual(response.status_code, 201, response.text)
        self.assertNotIn(CONSUMER_SECRET, response.text)
        self.assertNotIn(CONSUMER_KEY, response.text)
        data = response.json()["data"]
        self.assertEqual(data["credentials"]["set"], ["consumer_key", "consumer_secret"])
        store = self.env["connector.store"].browse(data["id"])
        self.assertEqual((store.platform, store.woocommerce_query_string_auth, store.order_prefix),
                         ("woocommerce", True, "WC-"))
        self.assertEqual(store.sudo()._get_credential("consumer_secret"), CONSUMER_SECRET)

    def test_unknown_woocommerce_key_is_refused(self):
        response = self._create({"name": "Woo via API", "platform": "woocommerce",
                                 "credentials": {"access_token": "secret-token-value"}})
        self.assertEqual(response.status_code, 422, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], "unknown_credential")
        self.assertIn("consumer_secret", error["details"]["allowed"])
        self.assertNotIn("secret-token-value", response.text)
        self.assertFalse(self.env["connector.store"].search([("name", "=", "Woo via API")]))
