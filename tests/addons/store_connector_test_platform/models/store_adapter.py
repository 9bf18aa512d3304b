import base64
import hashlib
import hmac
import json
import re

from odoo import api, models

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PermanentJobError, WebhookRejected

SIGNATURE_HEADER = "X-Test-Signature"
EVENT_HEADER = "X-Test-Event-Id"
TOPIC_HEADER = "X-Test-Topic"
# A kind only this platform has, to prove that platforms can add intake kinds.
EXTRA_WEBHOOK_KINDS = ("customers",)
# The platform's handshake, as WooCommerce does it: an unsigned form post of the subscription id.
PING_BODY = re.compile(rb"webhook_id=[0-9]{1,20}")
SUPPORTED_FEATURES = frozenset(const.PLATFORM_FEATURES) - {"register_webhooks"}


def sign(secret, raw_body):
    """The test platform's signature: base64 HMAC-SHA256 of the raw body (as Shopify and WooCommerce)."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


class StoreAdapterTest(models.AbstractModel):
    """A minimal platform that signs webhooks like Shopify and WooCommerce do.

    Webhooks: body signed in X-Test-Signature with the `webhook_secret` credential (or, after a
    rotation, `webhook_secret_previous`), event id in X-Test-Event-Id (else the body's "id"), topic in
    X-Test-Topic. A JSON body {"ignore": true} is acknowledged and dropped; processing a body with
    {"fail": "<message>"} fails permanently; an "orders" delivery whose body is {"order": {...}}
    carries a normalized order, handed to the order pipeline as a platform addon does after
    translating its own payload (the deliveries of one order share a job: identity key
    ``order:<id>``). An "inventory" delivery {"sku", "quantity"} repeating the quantity Odoo last
    published for the SKU is the echo of our export. An unsigned form post ``webhook_id=<digits>``
    is a ping.

    API calls go through the platform's REST client on the base's client core (models/rest_client.py,
    `connector.store._test_platform_client()`): Test Connection asks ``GET /system_status`` of a
    store that has a shop URL.
    """

    _name = "store.adapter.test"
    _inherit = "store.adapter"
    _description = "Test Platform Adapter"

    @api.model
    def _supported_features(self, store):
        """Everything but webhook registration, which this platform does not implement (the base's
        tests check that its button is refused)."""
        return set(SUPPORTED_FEATURES)

    @api.model
    def _test_connection(self, store):
        """Ask the platform's API for its status through the store's REST client; a store without
        a shop URL has no server to ask (most of the suite's stores): only its key is checked.

        :raises StoreConnectorError: the client's errors (the base reports them as a failed test).
        """
        if not store.shop_url:
            store._get_credential("api_key")
            return {"shop": store.name}
        status = store._test_platform_client().request_json("GET", "/system_status") or {}
        return {"shop": status.get("name") or store.name, "version": status.get("version") or ""}

    @api.model
    def _webhook_kinds(self, store):
        return tuple(super()._webhook_kinds(store)) + EXTRA_WEBHOOK_KINDS

    @api.model
    def _webhook_is_ping(self, store, kind, headers, raw_body):
        return (
            (headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded")
            and not headers.get(SIGNATURE_HEADER)
            and PING_BODY.fullmatch(raw_body) is not None
        )

    @api.model
    def _verify_webhook(self, store, kind, headers, raw_body):
        received = headers.get(SIGNATURE_HEADER)
        if not self._webhook_signature_valid(store, received, lambda secret: sign(secret, raw_body)):
            raise WebhookRejected(401, "invalid signature")

    @api.model
    def _parse_webhook(self, store, kind, headers, raw_body):
        try:
            payload = json.loads(raw_body)
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "body is not a JSON object")
        if payload.get("ignore"):
            return {"ignore": True}
        parsed = {
            "event_id": headers.get(EVENT_HEADER) or payload.get("id"),
            "topic": headers.get(TOPIC_HEADER) or kind,
            "payload": payload,
        }
        order = payload.get("order")
        if kind == "orders" and isinstance(order, dict) and order.get("id"):
            parsed["identity_key"] = f"order:{order['id']}"
        return parsed

    @api.model
    def _webhook_is_echo(self, store, kind, topic, headers, parsed):
        """An "inventory" delivery {"sku", "quantity"} saying the quantity Odoo last published for
        that SKU (the binding's), as a platform reports our own stock update back."""
        payload = parsed.get("payload") or {}
        if kind != "inventory" or not isinstance(payload.get("quantity"), int) or not payload.get("sku"):
            return False
        binding = self.env["store.product.binding"].sudo().search(
            [("store_id", "=", store.id), ("sku", "=", str(payload["sku"]))], limit=1)
        return bool(binding.inventory_synced_at) and binding.inventory_quantity == payload["quantity"]

    @api.model
    def _process_webhook(self, store, delivery):
        payload = delivery._payload()
        if payload.get("fail"):
            raise PermanentJobError(payload["fail"])
        if delivery.kind == "orders" and isinstance(payload.get("order"), dict):
            return store._import_order(payload["order"])
        return {"processed": delivery.event_id, "topic": delivery.topic, "payload": payload}
