"""Issue #13, test mode (second round): a write met outside the queue, in a sync API request, by a store
in test mode answers 409 "test_mode" in sentences (not a 500), rolls back what the request did and
records the request on the store; the buttons that write to the platform all go through the queue,
whose jobs record what they would have sent: each says so in test mode."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from odoo.addons.store_connector_test_platform.models.rest_client import RestClient

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestTestModeInTheSyncApi(SyncApiFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    def test_a_write_in_a_request_is_recorded_and_answered_409(self):
        self.store.write({"test_mode": True, "shop_url": "https://shop.example.com"})
        store_model = type(self.env["connector.store"])

        def pull_that_writes(store, *args, **kwargs):
            # Something done before the write, rolled back with the request.
            store.env["store.activity.log"].sudo().create(
                {"store_id": store.id, "operation": "orders.pull", "status": "info", "message": "before"})
            RestClient(store).request_json("PUT", "/orders/1", json={"status": "processing"})
            return 200, {}

        with patch.object(store_model, "_api_pull_orders", pull_that_writes):
            response = self.opener.post(
                f"{self.base_url()}/api/v1/stores/{self.store.code}/sync/orders",
                headers={"Authorization": f"Bearer {self.key}"}, timeout=60)
        self.assertEqual(response.status_code, 409, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], "test_mode")
        self.assertIn("Test mode: PUT /api/orders/1 was not sent to Test Platform", error["message"])
        self.assertIn("Switch the store's Test Mode off to send it.", error["message"])
        [held] = self.store.test_request_ids
        self.assertEqual((held.method, held.operation), ("PUT", "PUT /api/orders/1"))
        self.assertEqual(json.loads(held.body), {"status": "processing"})
        self.assertFalse(held.job_id)
        self.assertFalse(self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("message", "=", "before")]), "the request's work rolled back")
