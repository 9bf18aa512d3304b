"""Hostile input at WooCommerce's routes (issue #12, fault 8): the keys callback (unsigned: its
single-use state authorizes it) and the store's webhook route (signed with the store's secret, so
that the body reaches WooCommerce's parser). Each is refused with a 4xx, never a 500, and nothing is
stored."""

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.store_connector_base.tests.common_hostile import MALFORMED_BODIES, deep_json

from .. import const
from ..models.store_adapter_webhooks import signature
from .common import WEBHOOK_SECRET, create_woocommerce_store

QUIET = ("odoo.http", "odoo.store_connector.base.controllers.main",
         "odoo.store_connector.base.models.ir_http",
         "odoo.store_connector.woocommerce.controllers.main")


@tagged("post_install", "-at_install")
class TestWooCommerceHostileInput(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env)

    def _post(self, path, body, headers=None):
        return self.opener.post(self.base_url() + path, data=body, timeout=60,
                                headers={"Content-Type": "application/json", **(headers or {})})

    def _credentials(self):
        return self.env["integration.credential"].search([("store_id", "=", self.store.id)]).mapped(
            lambda credential: (credential.key, credential.write_date))

    def assertNothingStored(self, what):
        self.assertFalse(self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)]), what)
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]), what)

    @mute_logger(*QUIET)
    def test_malformed_bodies_at_the_keys_callback_are_400(self):
        before = self._credentials()
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                response = self._post(f"{const.KEYS_CALLBACK_ROUTE}/{self.store.id}", body)
                # The callback takes 16 KB at most: the longest bodies are refused for their size.
                self.assertIn(response.status_code, (400, 413), f"{name}: {response.text[:300]}")
        # Nested too deep for Python's parser, within the callback's size limit.
        response = self._post(f"{const.KEYS_CALLBACK_ROUTE}/{self.store.id}", deep_json(5000))
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertEqual(self._credentials(), before, "no key may be saved")
        self.assertNothingStored("keys callback")

    @mute_logger(*QUIET)
    def test_signed_malformed_deliveries_are_400(self):
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                response = self._post(f"/api/v1/stores/{self.store.code}/webhooks/orders", body, headers={
                    const.WEBHOOK_TOPIC_HEADER: "order.updated",
                    const.WEBHOOK_SIGNATURE_HEADER: signature(WEBHOOK_SECRET, body),
                    const.WEBHOOK_DELIVERY_ID_HEADER: "77",
                })
                self.assertEqual(response.status_code, 400, f"{name}: {response.text[:300]}")
                self.assertNothingStored(name)
