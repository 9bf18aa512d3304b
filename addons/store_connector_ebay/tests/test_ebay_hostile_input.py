"""Hostile input at eBay's routes (issue #12, fault 8): the platform endpoint reads a message to find
its store before the signature is checked, so a stranger's body reaches eBay's parser there. Each is
refused with a 4xx, never a 500, and nothing is stored."""

import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.store_connector_base.tests.common_hostile import MALFORMED_BODIES, deep_json

from .common import create_ebay_store
from .notification_common import message

PLATFORM_ENDPOINT = "/store_connector/webhook/ebay"
QUIET = ("odoo.http", "odoo.store_connector.base.controllers.main",
         "odoo.store_connector.base.models.ir_http")


@tagged("post_install", "-at_install")
class TestEbayHostileInput(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_ebay_store(cls.env)

    def _post(self, path, body, headers=None):
        return self.opener.post(self.base_url() + path, data=body, timeout=60,
                                headers={"Content-Type": "application/json", **(headers or {})})

    def assertRefused(self, response, statuses, what):
        self.assertIn(response.status_code, statuses, f"{what}: {response.text[:300]}")
        self.assertFalse(self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)]), what)
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]), what)

    @mute_logger(*QUIET)
    def test_malformed_messages_at_the_platform_endpoint_are_400(self):
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                self.assertRefused(self._post(PLATFORM_ENDPOINT, body), (400,), name)

    @mute_logger(*QUIET)
    def test_a_message_nested_too_deep_is_400(self):
        body = message("ORDER_CONFIRMATION", {"orderId": "12-34", "x": json.loads("[]")})
        deep = body[:-2] + b',"deep":' + deep_json() + b"}}"
        for path in (PLATFORM_ENDPOINT, f"/api/v1/stores/{self.store.code}/webhooks/orders"):
            with self.subTest(path=path):
                self.assertRefused(self._post(path, deep), (400, 412), path)

    @mute_logger(*QUIET)
    def test_unsigned_messages_are_refused(self):
        body = message("ORDER_CONFIRMATION", {"orderId": "12-34"})
        for path in (PLATFORM_ENDPOINT, f"/api/v1/stores/{self.store.code}/webhooks/orders"):
            with self.subTest(path=path):
                self.assertRefused(self._post(path, body), (412,), path)
