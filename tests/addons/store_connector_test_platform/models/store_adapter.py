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
# The test platform's API allowance, as a platform client declares it: a bucket of
# `API_BUCKET_CAPACITY` calls refilling at `API_BUCKET_RESTORE_RATE` a second, and a daily quota per
# store id in `API_DAILY_QUOTAS` ({store id: calls a day}) whose day turns at midnight in
# `API_QUOTA_TIMEZONE` (eBay's time zone, to show the hook).
API_BUCKET_CAPACITY = 40
API_BUCKET_RESTORE_RATE = 2
API_DAILY_QUOTAS = {}
API_QUOTA_TIMEZONE = "America/Los_Angeles"
# The calls `_test_api_call` made, per store id.
API_CALLS = {}


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
    def _rate_limit_daily_quota(self, store):
        return API_DAILY_QUOTAS.get(store.id)

    @api.model
    def _rate_limit_quota_timezone(self, store):
        return API_QUOTA_TIMEZONE

    @api.model
    def _test_api_call(self, store):
        """One (pretend) API call, paced as a platform client paces its requests: it takes a unit
        from the store's limiter shared by every worker (`_get_rate_limiter`) first, and raises
        the limiter's throttled RetryableJobError when the daily quota is used up."""
        limiter = self._get_rate_limiter(store, API_BUCKET_CAPACITY, API_BUCKET_RESTORE_RATE)
        limiter.acquire(1, max_wait=5)
        API_CALLS[store.id] = API_CALLS.get(store.id, 0) + 1

    @api.model
    def _test_connection(self, store):
        store._get_credential("api_key")
        return {"shop": store.name}

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
