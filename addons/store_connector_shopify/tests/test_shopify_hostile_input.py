"""Hostile input at a Shopify store's webhook route (issue #12, fault 8): bodies signed with the
app's secret, so that they reach Shopify's parser, and a delivery signed for another app. Each is
refused with a 4xx, never a 500, and nothing is stored."""

import base64
import hashlib
import hmac
import json
import uuid
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.store_connector_base.tests.common_hostile import MALFORMED_BODIES, deep_json

from .common import SIM_CLIENT_SECRET, ShopifySimulatorHttpCase

QUIET = ("odoo.http", "odoo.store_connector.base.controllers.main",
         "odoo.store_connector.base.models.ir_http")


def sign(body, secret=SIM_CLIENT_SECRET):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@tagged("post_install", "-at_install")
class TestShopifyHostileInput(ShopifySimulatorHttpCase):
    def _post(self, body, secret=SIM_CLIENT_SECRET, topic="orders/create"):
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, secret),
            "X-Shopify-Shop-Domain": self.sim.shop,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        }
        path = urlsplit(self.store._webhook_url("orders")).path
        return self.opener.post(self.base_url() + path, data=body, headers=headers, timeout=60)

    def assertRefused(self, response, status, what):
        self.assertEqual(response.status_code, status, f"{what}: {response.text[:300]}")
        self.assertFalse(self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)]), what)
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]), what)

    @mute_logger(*QUIET)
    def test_signed_malformed_bodies_are_400(self):
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                self.assertRefused(self._post(body), 400, name)
        self.assertRefused(self._post(deep_json()), 400, "valid JSON nested too deep")

    @mute_logger(*QUIET)
    def test_another_apps_signature_is_401(self):
        body = json.dumps({"id": 450789469, "name": "#1001"}).encode()
        self.assertRefused(self._post(body, secret="shpss_another_app_secret"), 401, "another app")
