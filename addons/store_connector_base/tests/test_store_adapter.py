"""The platform interface's defaults: clear refusals, and the webhook helpers platform addons use."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PlatformFeatureMissing, WebhookRejected
from odoo.addons.store_connector_base.models import store_adapter as store_adapter_module


class StoreAdapterCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = cls.env["connector.store"].create({"name": "Adapter Store", "platform": "test"})
        cls.adapter = cls.env["store.adapter"]
        cls.Credential = cls.env["integration.credential"]

    def assertFeatureMissing(self, call, feature):
        with self.assertRaises(PlatformFeatureMissing) as caught:
            call()
        message = str(caught.exception)
        self.assertIn("Test Platform", message, "the message names the platform")
        self.assertIn(f'"{feature}"', message, "the message names the feature")
        self.assertIn("Adapter Store", message, "the message names the store")

    # ------------------------------------------------------------------ defaults refuse clearly
    def test_base_defaults_name_platform_and_feature(self):
        store, adapter = self.store, self.adapter
        delivery = self.env["store.webhook.delivery"].create(
            {"store_id": store.id, "kind": "orders", "topic": "orders/create", "event_id": "d1"})
        calls = {
            "Test Connection": lambda: adapter._test_connection(store),
            "Import Orders": lambda: adapter._import_orders(store),
            "Update Order Status": lambda: adapter._update_order_status(store, "1", "completed"),
            "Push Fulfillment": lambda: adapter._push_fulfillment(store, "1", {}),
            "Export Products": lambda: adapter._export_products(store, []),
            "Import Products": lambda: adapter._import_products(store),
            "Update Inventory": lambda: adapter._update_inventory(store, []),
            "Register Webhooks": lambda: adapter._register_webhooks(store),
            "Process Webhook orders/create": lambda: adapter._process_webhook(store, delivery),
        }
        for feature, call in calls.items():
            with self.subTest(feature=feature):
                self.assertFeatureMissing(call, feature)

    def test_store_buttons_say_what_the_platform_lacks(self):
        # The test platform's addon does not implement webhook registration. (Full Sync is generic:
        # it queues the base's pipelines, see test_order_pull.)
        self.assertFeatureMissing(self.store.action_register_webhooks, "Register Webhooks")
        with patch.object(type(self.store), "_get_adapter", lambda store: store.env["store.adapter"]):
            self.assertFeatureMissing(self.store.action_test_connection, "Test Connection")

    def test_webhook_defaults(self):
        self.assertEqual(tuple(self.adapter._webhook_kinds(self.store)), const.BASE_WEBHOOK_KINDS)
        self.assertFalse(self.adapter._webhook_is_ping(self.store, "orders", {}, b"webhook_id=1"),
                         "by default every delivery must be signed")
        with self.assertRaises(WebhookRejected) as caught:
            self.adapter._verify_webhook(self.store, "orders", {}, b"{}")
        self.assertEqual(caught.exception.status, 401)
        with self.assertRaises(WebhookRejected) as caught:
            self.adapter._parse_webhook(self.store, "orders", {}, b"{}")
        self.assertEqual(caught.exception.status, 400)

    # ------------------------------------------------------------------ signature helpers
    def test_hmac_equals(self):
        equals = self.adapter._hmac_equals
        self.assertTrue(equals("c2lnbmF0dXJl", "c2lnbmF0dXJl"))
        self.assertTrue(equals(b"c2lnbmF0dXJl", "c2lnbmF0dXJl"), "str and bytes compare by content")
        self.assertTrue(equals("\u00e9t\u00e9", "\u00e9t\u00e9".encode()), "non-ASCII text compares as UTF-8")
        self.assertFalse(equals("c2lnbmF0dXJl", "c2lnbmF0dXJm"), "last character differs")
        self.assertFalse(equals("c2lnbmF0dXJl", "c2lnbmF0dXJ"), "a prefix is not a match")
        self.assertFalse(equals("c2lnbmF0dXJl", "C2LNBMF0DXJL"), "case matters")
        for empty in (None, "", b""):
            with self.subTest(empty=empty):
                self.assertFalse(equals(empty, empty), "an empty signature never matches")
                self.assertFalse(equals("c2lnbmF0dXJl", empty))
                self.assertFalse(equals(empty, "c2lnbmF0dXJl"))

    def test_hmac_equals_compares_in_constant_time(self):
        with patch.object(store_adapter_module.hmac, "compare_digest",
                          wraps=store_adapter_module.hmac.compare_digest) as compare:
            self.assertFalse(self.adapter._hmac_equals("abc", "abd"))
            self.assertTrue(self.adapter._hmac_equals("abc", b"abc"))
        self.assertEqual(compare.call_args_list[0].args, (b"abc", b"abd"))
        self.assertEqual(compare.call_count, 2)

    def test_webhook_secrets_current_then_unexpired_previous(self):
        self.assertEqual(self.adapter._webhook_secrets(self.store), [])
        self.Credential._set_value(self.store, "webhook_secret", "new-secret")
        self.assertEqual(self.adapter._webhook_secrets(self.store), ["new-secret"])
        previous = self.Credential._set_value(self.store, "webhook_secret_previous", "old-secret",
                                              expires_at=fields.Datetime.now() + timedelta(hours=1))
        self.assertEqual(self.adapter._webhook_secrets(self.store), ["new-secret", "old-secret"])
        previous.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.assertEqual(self.adapter._webhook_secrets(self.store), ["new-secret"])

    def test_signature_valid_with_any_secret_and_checks_them_all(self):
        self.Credential._set_value(self.store, "webhook_secret", "new-secret")
        self.Credential._set_value(self.store, "webhook_secret_previous", "old-secret")
        computed = []

        def compute(secret):
            computed.append(secret)
            return f"sig:{secret}"

        valid = self.adapter._webhook_signature_valid
        self.assertTrue(valid(self.store, "sig:new-secret", compute))
        self.assertEqual(computed, ["new-secret", "old-secret"],
                         "a match on the first secret does not skip the others (timing)")
        self.assertTrue(valid(self.store, "sig:old-secret", compute))
        self.assertFalse(valid(self.store, "sig:other-secret", compute))
        self.assertFalse(valid(self.store, "", compute))
        self.assertFalse(valid(self.store, None, compute))

    def test_signature_invalid_without_any_secret(self):
        self.assertFalse(self.adapter._webhook_signature_valid(self.store, "sig:", lambda secret: "sig:"))
