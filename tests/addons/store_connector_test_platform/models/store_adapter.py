import base64
import hashlib
import hmac
import json
import re

from odoo import _, api, models

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PermanentJobError, WebhookRejected
from odoo.addons.store_connector_base.services.webhook_dispatch import WebhookHandler

from .paid_orders import with_transactions

SIGNATURE_HEADER = "X-Test-Signature"
EVENT_HEADER = "X-Test-Event-Id"
TOPIC_HEADER = "X-Test-Topic"
# A kind only this platform has, to prove that platforms can add intake kinds.
EXTRA_WEBHOOK_KINDS = ("customers",)
# The platform's handshake, as WooCommerce does it: an unsigned form post of the subscription id.
PING_BODY = re.compile(rb"webhook_id=[0-9]{1,20}")
SUPPORTED_FEATURES = frozenset(const.PLATFORM_FEATURES) - {"register_webhooks"}
# What `_register_webhooks` subscribes to: {topic: intake kind}. The adapter implements it, but does
# not declare "register_webhooks" (the base's tests check that a platform lacking it is refused):
# tests of registration declare the feature while they run. Subscriptions live in
# WEBHOOK_SUBSCRIPTIONS ({store id: {topic: {"id", "address"}}}), as the platform would keep them.
REGISTERED_TOPICS = {"orders/create": "orders", "orders/updated": "orders", "orders/cancelled": "orders",
                     "products/update": "products", "customers/create": "customers"}
WEBHOOK_SUBSCRIPTIONS = {}
# The statuses the test platform's order pull filters on (the normalized order's "status").
ORDER_PULL_STATUSES = ["pending", "processing", "completed", "cancelled"]
# The topics the platform sends (a delivery without X-Test-Topic has its kind for topic). Order
# topics go to the base's batch order import; the others are recorded as received.
ORDER_TOPICS = ("orders", "orders/create", "orders/updated", "orders/paid", "orders/cancelled")
RECORDED_TOPICS = ("products", "products/update", "inventory", "refunds", "customers", "customers/create",
                   "things/update")
# The platform endpoint (/store_connector/webhook/test): the store a delivery is for is named by
# the shop header (the store's code, as a platform names the seller's account); the challenge is
# eBay's: sha256(challenge code + verification token + endpoint), the token an app setting (here
# a System Parameter: the test platform has no app record).
SHOP_HEADER = "X-Test-Shop"
CHALLENGE_PARAM = "challenge_code"
VERIFICATION_TOKEN_PARAM = "store_connector_test_platform.verification_token"
# What no handler acts on, for the tests of unknown topics: acknowledged, ignored with a reason.
UNHANDLED_TOPIC = "shop/update"
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
# A new test store's order-reference prefix (`_default_order_prefix`): "TS-N1001".
DEFAULT_ORDER_PREFIX = "TS-"


def sign(secret, raw_body):
    """The test platform's signature: base64 HMAC-SHA256 of the raw body (as Shopify and WooCommerce)."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


class StoreAdapterTest(models.AbstractModel):
    """A minimal platform that signs webhooks like Shopify and WooCommerce do.

    Webhooks: body signed in X-Test-Signature with the `webhook_secret` credential (or, after a
    rotation, `webhook_secret_previous`), event id in X-Test-Event-Id (else the body's "id"), topic in
    X-Test-Topic. A JSON body {"ignore": true} is acknowledged and dropped; processing a body with
    {"fail": "<message>"} fails permanently; an "orders" delivery whose body is {"order": {...}}
    carries a normalized order, handed to the base's batch order import
    (`_webhook_import_orders`) as a platform addon does after translating its own payload in
    `_webhook_normalized_order` (the deliveries of one order share a job: identity key
    ``order:<id>``). Processing dispatches on the topic table (`_webhook_topic_handlers`); other
    deliveries are recorded: their job's result repeats them. An "inventory" delivery {"sku",
    "quantity"} repeating the quantity Odoo last published for the SKU is the echo of our export.
    An unsigned form post ``webhook_id=<digits>`` is a ping.

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
    def _credential_keys(self, store):
        """What the test platform reads: its API key (Test Connection, jobs), its OAuth app (the
        client id, an identifier shown in clear: "secret": False, and the client secret; the base's
        default `_oauth_client_id` and `_oauth_check_install` read these credentials) and the
        secrets that sign its webhooks (the current one and, after a rotation, the previous one).
        The tokens the OAuth install saves (access_token, refresh_token) are not declared: nobody
        types them."""
        return [
            {"key": "api_key", "label": _("API Key"), "required": True,
             "help": _("Generated in the test platform's settings, under API access.")},
            {"key": const.CRED_OAUTH_CLIENT_ID, "label": _("App Client ID"), "secret": False,
             "help": _("For Install with OAuth: the app's client id, in the platform's developer settings.")},
            {"key": const.CRED_OAUTH_CLIENT_SECRET, "label": _("App Client Secret"),
             "help": _("For Install with OAuth: the app's client secret, next to its client id.")},
            {"key": "webhook_secret", "label": _("Webhook Secret"),
             "help": _("Signs the webhooks the platform sends (X-Test-Signature).")},
            {"key": "webhook_secret_previous", "label": _("Previous Webhook Secret"),
             "help": _("After a rotation: the former secret, valid until the expiry you set.")},
        ]

    @api.model
    def _rate_limit_daily_quota(self, store, api=None):
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
    def _default_order_prefix(self, store):
        """Test stores put "TS-" before the platform's order number, as a platform addon sets its
        own (WooCommerce: "WC-")."""
        return DEFAULT_ORDER_PREFIX

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
    def _webhook_registration_topics(self, store):
        return list(REGISTERED_TOPICS)

    @api.model
    def _register_webhooks(self, store, topics=None):
        """One subscription per topic of REGISTERED_TOPICS (or of `topics`), created when missing,
        repaired when its address changed; recorded in store.webhook. Idempotent."""
        subscriptions = WEBHOOK_SUBSCRIPTIONS.setdefault(store.id, {})
        Webhook = self.env["store.webhook"].sudo()
        records = Webhook.browse()
        for topic, kind in REGISTERED_TOPICS.items():
            if topics is not None and topic not in topics:
                continue
            address = store._webhook_url(kind)
            subscription = subscriptions.get(topic)
            if not subscription or subscription["address"] != address:
                subscription = subscriptions[topic] = {"id": f"W{len(subscriptions) + 1}-{topic}",
                                                       "address": address}
            vals = {"kind": kind, "external_id": subscription["id"], "address": address, "status": "active",
                    "last_error": False}
            record = Webhook.search([("store_id", "=", store.id), ("topic", "=", topic)], limit=1)
            if record:
                record.write(vals)
            else:
                record = Webhook.create({"store_id": store.id, "topic": topic, **vals})
            records |= record
        return records

    @api.model
    def _order_pull_statuses(self, store):
        return list(ORDER_PULL_STATUSES)

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
        """An "inventory" delivery {"sku" or "inventory_item_id", "quantity"} saying the quantity
        Odoo last published for that variant (the binding's), as a platform reports our own stock
        update back.

        A platform that names the variant by an id of its own (Shopify's inventory item, the
        "inventory_item_id" this platform's export answers) finds the binding with
        `_find_by_external_ids(..., data_key=...)`: one lookup in the GIN-indexed external data,
        cheap enough for the intake's request."""
        payload = parsed.get("payload") or {}
        if kind != "inventory" or not isinstance(payload.get("quantity"), int):
            return False
        Binding = self.env["store.product.binding"].sudo()
        if payload.get("inventory_item_id"):
            item = str(payload["inventory_item_id"])
            found = Binding._find_by_external_ids(store, [item], data_key="inventory_item_id")
            binding = found.get(item, Binding)
        elif payload.get("sku"):
            binding = Binding.search([("store_id", "=", store.id), ("sku", "=", str(payload["sku"]))])
        else:
            return False
        binding = binding[:1]
        return bool(binding.inventory_synced_at) and binding.inventory_quantity == payload["quantity"]

    # ------------------------------------------------------------------ webhooks: processing
    @api.model
    def _webhook_topic_handlers(self, store):
        """Order topics: `_test_webhook_orders` (a batch handler); the others: `_test_webhook_record`."""
        handlers = super()._webhook_topic_handlers(store)
        handlers.update({topic: WebhookHandler("_test_webhook_orders", batch=True) for topic in ORDER_TOPICS})
        handlers.update({topic: "_test_webhook_record" for topic in RECORDED_TOPICS})
        handlers["customers/redact"] = "_test_webhook_customers_redact"
        return handlers

    @api.model
    def _test_webhook_customers_redact(self, store, delivery, payload):
        """customers/redact {"customer": <platform customer id>}: the base's redaction of the
        partners bound to that customer (`connector.store._redact_customer_data`)."""
        customer = str(payload.get("customer") or "")
        bindings = self.env["store.customer.binding"].sudo().search(
            [("store_id", "=", store.id), ("external_id", "=", customer)]) if customer else None
        partners = bindings.partner_id if bindings else self.env["res.partner"]
        return {"topic": delivery.topic, **store._redact_customer_data(partners, delivery.topic)}

    # ------------------------------------------------------------------ webhooks: platform endpoint
    @api.model
    def _webhook_challenge_response(self, params, endpoint):
        """eBay's challenge: {"challengeResponse": hex(sha256(code + verification token + endpoint))}."""
        code = params.get(CHALLENGE_PARAM) or ""
        token = self.env["ir.config_parameter"].sudo().get_param(VERIFICATION_TOKEN_PARAM) or ""
        if not token:
            return None
        if not code or len(code) > 256:
            raise WebhookRejected(400, "no challenge code")
        return {"challengeResponse": hashlib.sha256((code + token + endpoint).encode()).hexdigest()}

    @api.model
    def _webhook_resolve_store(self, platform, headers, raw_body):
        """The store whose code the shop header names; the kind is the topic's resource
        (``customers/redact`` -> ``customers``)."""
        shop = (headers.get(SHOP_HEADER) or "").strip()
        if not shop:
            raise WebhookRejected(400, f"no {SHOP_HEADER} header")
        store = self.env["connector.store"].sudo().with_context(active_test=False).search(
            [("platform", "=", platform), ("code", "=", shop[:64])], limit=1)
        kind = (headers.get(TOPIC_HEADER) or "").split("/", 1)[0] or "orders"
        return store, kind

    @api.model
    def _test_webhook_record(self, store, delivery, payload):
        """Record a delivery: the job's result repeats it; {"fail": message} fails it."""
        if payload.get("fail"):
            raise PermanentJobError(payload["fail"])
        return {"processed": delivery.event_id, "topic": delivery.topic, "payload": payload}

    @api.model
    def _test_webhook_orders(self, store, deliveries):
        """Deliveries of order topics: those carrying an order ({"order": {...}} posted as "orders")
        go through the base's batch order import; the queue's tests post other bodies there too,
        which are recorded (`_test_webhook_record`; a failure is the delivery's outcome)."""
        def carries_order(delivery):
            payload = delivery._payload()
            order = payload.get("order")
            return delivery.kind == "orders" and not payload.get("fail") and isinstance(order, dict)

        orders = deliveries.filtered(carries_order)
        outcomes = self._webhook_import_orders(store, orders) if orders else {}
        for delivery in deliveries - orders:
            try:
                outcomes[delivery.id] = self._test_webhook_record(store, delivery, delivery._payload())
            except PermanentJobError as exc:
                outcomes[delivery.id] = exc
        return outcomes

    @api.model
    def _webhook_normalized_order(self, store, delivery, payload):
        """The body {"order": {...}} carries a normalized order already (a paid one gets its
        transaction: store_adapter_orders.with_transactions)."""
        order = payload.get("order")
        if not isinstance(order, dict):
            raise PermanentJobError("The body carries no order.")
        return with_transactions(order)
