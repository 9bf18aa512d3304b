import base64
import hashlib
import hmac
import json

from odoo import api, models

from odoo.addons.store_connector_base.exceptions import WebhookRejected

SIGNATURE_HEADER = "X-Test-Signature"
EVENT_HEADER = "X-Test-Event-Id"
TOPIC_HEADER = "X-Test-Topic"


def sign(secret, raw_body):
    """The test platform's signature: base64 HMAC-SHA256 of the raw body (as Shopify and WooCommerce)."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


class StoreAdapterTest(models.AbstractModel):
    """A minimal platform that signs webhooks like Shopify and WooCommerce do."""

    _name = "store.adapter.test"
    _inherit = "store.adapter"
    _description = "Test Platform Adapter"

    @api.model
    def test_connection(self, store):
        store._get_credential("api_key")
        return {"shop": store.name}

    @api.model
    def verify_webhook(self, store, kind, headers, raw_body):
        secret = store.sudo()._get_credential("webhook_secret", required=False)
        received = headers.get(SIGNATURE_HEADER)
        if not secret or not self._hmac_equals(sign(secret, raw_body), received):
            raise WebhookRejected(401, "invalid signature")

    @api.model
    def parse_webhook(self, store, kind, headers, raw_body):
        try:
            payload = json.loads(raw_body)
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "body is not a JSON object")
        return {
            "event_id": headers.get(EVENT_HEADER) or payload.get("id"),
            "topic": headers.get(TOPIC_HEADER) or kind,
            "payload": payload,
        }

    @api.model
    def process_webhook(self, store, delivery):
        return {"processed": delivery.event_id}
