"""The base's sync API on a Shopify store (issue #10): webhooks registered by topic and orders
pulled by financial status, against the simulator through Odoo's real HTTP server."""

import json

from odoo.tests import new_test_user, tagged

from odoo.addons.store_connector_base.services.sync_api import API_KEY_SCOPE

from .common import ShopifySimulatorHttpCase
from .test_shopify_orders import ShopifyOrdersMixin


@tagged("post_install", "-at_install")
class TestShopifySyncApi(ShopifyOrdersMixin, ShopifySimulatorHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()
        cls.manager = new_test_user(cls.env, "sc_shopify_api_manager",
                                    groups="base.group_user,store_connector_base.group_store_connector_manager,"
                                           "sales_team.group_sale_salesman_all_leads")
        cls.key = cls.env["res.users.apikeys"].with_user(cls.manager).sudo()._generate(
            API_KEY_SCOPE, "Shopify sync API test", None)

    def _post(self, tail, body=None):
        return self.opener.post(
            f"{self.base_url()}/api/v1/stores/{self.store.code}/{tail}",
            data=json.dumps(body) if body is not None else None, timeout=60,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})

    def test_register_some_topics_then_all(self):
        response = self._post("webhooks", {"topics": ["orders/create", "app/uninstalled"]})
        self.assertEqual(response.status_code, 200, response.text)
        registered = response.json()["data"]["registered"]
        self.assertEqual({hook["topic"] for hook in registered}, {"orders/create", "app/uninstalled"})
        self.assertEqual(len(self.sim.store.webhook_subscriptions), 2, "only the topics asked for")
        response = self._post("webhooks", {"topics": ["orders/paid_twice"]})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("orders/create", response.json()["error"]["details"]["allowed"])
        response = self._post("webhooks")
        self.assertEqual(response.status_code, 200, response.text)
        topics = self.store._get_adapter()._webhook_registration_topics(self.store)
        self.assertEqual(len(self.sim.store.webhook_subscriptions), len(topics))
        self.assertEqual(len(response.json()["data"]["webhooks"]), len(topics))

    def test_pull_by_financial_status(self):
        paid = self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email="paid@example.com",
                                  financial_status="PAID", webhooks=False)
        pending = self.sim.add_order([{"sku": "OC-1", "quantity": 1}], email="pending@example.com",
                                     financial_status="PENDING", webhooks=False)
        response = self._post("sync/orders", {"status": ["pending"], "limit": 10})
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()["data"]
        self.assertEqual((data["total_orders"], data["created"], data["failed"]), (1, 1, 0), data)
        self.assertTrue(self.binding(pending).order_id)
        self.assertFalse(self.binding(paid))
        response = self._post("sync/orders", {"status": "fulfilled"})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["error"]["code"], "invalid_status")
