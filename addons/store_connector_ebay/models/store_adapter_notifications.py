"""eBay notifications: the Marketplace Account Deletion endpoint and the Notification API.

Everything eBay pushes arrives at the base's platform endpoint, ``/store_connector/webhook/ebay``
(one address for every eBay store of the database, see connector_store_notifications.py):

* ``GET ?challenge_code=X``: eBay checks the address (`_webhook_challenge_response`).
* ``POST``: a message ``{"metadata": {"topic", "schemaVersion", "deprecated"}, "notification":
  {"notificationId", "eventDate", "publishDate", "publishAttemptCount", "data"}}`` signed in
  ``X-EBAY-SIGNATURE`` (ECDSA-SHA1 with eBay's key of that kid, fetched from the Notification API
  with an application token and cached: ebay_notification.py). The store is read from the message
  (`_webhook_resolve_store`), then the base's intake verifies (412 for a bad signature, nothing
  stored), keeps one delivery per ``notificationId`` and queues its job; eBay is answered at once.

Topics and what their jobs do:

* ``MARKETPLACE_ACCOUNT_DELETION`` (eBay sends every eBay user's deletion to every application; data
  ``username``, ``userId``, ``eiasToken``): the customers bound to that user in any eBay store of
  the database are anonymised by the base's redaction (`connector.store._redact_customer_data`),
  which keeps what a legal record needs and logs what it did.
* ``AUTHORIZATION_REVOCATION`` (data ``username``, ``userId``, ``eiasToken``, ``revokeReason``,
  ``revocationDate``): the seller's store is paused with the reason.
* The order topics (``ORDER_CONFIRMATION``, ``ITEM_MARKED_SHIPPED``: data names the ``orderId``):
  the base's order handler `_webhook_import_orders`, whose `_webhook_normalized_order` (the order
  sync of this addon) reads the order from the Fulfillment API.

Register Webhooks creates or repairs the Notification API destination (the endpoint and the
verification token) and one enabled subscription per topic above but the deletion, which eBay takes
from the developer portal; the health check reads the subscriptions back.
"""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
    StoreConnectorError,
    WebhookRejected,
)
from odoo.addons.store_connector_base.services.logs import get_logger

from .. import const
from ..ebay_notification import (
    CHALLENGE_CODE_MAX_LENGTH,
    PUBLIC_KEYS,
    SignatureError,
    challenge_response,
    load_public_key,
    parse_signature_header,
    signature_valid,
)

_logger = get_logger(__name__)

NOTIFICATION_PATH = "/commerce/notification/v1"
NOTIFICATION_QUOTA = "notification"
SIGNATURE_HEADER = "X-EBAY-SIGNATURE"
CHALLENGE_PARAM = "challenge_code"
TOPIC_ACCOUNT_DELETION = "MARKETPLACE_ACCOUNT_DELETION"
TOPIC_AUTHORIZATION_REVOCATION = "AUTHORIZATION_REVOCATION"
# Seller topics that say an order changed; their data names it (orderId).
ORDER_TOPICS = const.ORDER_NOTIFICATION_TOPICS
# Intake kind and job operation of each topic (the kinds are the ones this file adds, plus orders).
TOPIC_KINDS = {
    TOPIC_ACCOUNT_DELETION: "compliance",
    TOPIC_AUTHORIZATION_REVOCATION: "app",
    **{topic: "orders" for topic in ORDER_TOPICS},
}
TOPIC_OPERATIONS = {"compliance": "webhook.compliance", "app": "webhook.app", "orders": "orders.pull"}
# The account deletion is subscribed in the developer portal (it is mandatory before a keyset
# works); Register Webhooks subscribes the others.
REGISTERED_TOPICS = (TOPIC_AUTHORIZATION_REVOCATION, *ORDER_TOPICS)
DESTINATION_NAME = "Odoo Store Connector"
# How often the order pull's cron asks eBay about the subscriptions: eBay marks a destination down
# after failed deliveries and stops sending.
HEALTH_INTERVAL = timedelta(hours=6)
# What identifies an eBay user in a message's data.
USER_KEYS = ("userId", "username", "eiasToken")
# What may name the seller of an order topic, in its data or its metadata: eBay's user keys, and the
# seller keys of the Fulfillment order (``sellerId``). Which of them eBay's order topics carry is not
# documented where we could read it [?]: any of them naming a store's seller routes the message.
SELLER_KEYS = ("sellerId", "sellerUserName", "sellerUsername", *USER_KEYS)


def _envelope(raw_body):
    """The message's (topic, notification dict, data dict). :raises WebhookRejected(400)."""
    try:
        message = json.loads(raw_body or b"null")
    except ValueError:
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(message, dict):
        raise WebhookRejected(400, "body is not a JSON object")
    metadata = message.get("metadata")
    notification = message.get("notification")
    if not isinstance(metadata, dict) or not isinstance(notification, dict):
        raise WebhookRejected(400, "body is not an eBay notification (metadata, notification)")
    topic = metadata.get("topic")
    if not isinstance(topic, str) or not topic:
        raise WebhookRejected(400, "the notification names no topic")
    data = notification.get("data")
    return topic, notification, data if isinstance(data, dict) else {}


def _user_ids(data, keys=USER_KEYS):
    """The ids naming an eBay user in a message's data (user id, username, EIAS token)."""
    return {
        str(data[key]).strip()
        for key in keys
        if isinstance(data.get(key), str | int) and str(data[key]).strip()
    }


def _seller_ids(raw_body):
    """The ids that may name the seller of a message: SELLER_KEYS in its data and its metadata."""
    message = json.loads(raw_body)
    metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
    data = (message.get("notification") or {}).get("data")
    return _user_ids(data if isinstance(data, dict) else {}, SELLER_KEYS) | _user_ids(metadata, SELLER_KEYS)


class StoreAdapterEbayNotifications(models.AbstractModel):
    """eBay's account deletion endpoint and Notification API (see the module docstring)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"register_webhooks"}

    # ---------------------------------------------------------------- the platform endpoint
    @api.model
    def _webhook_challenge_response(self, params, endpoint):
        """``{"challengeResponse": hex(sha256(code + verification token + endpoint))}`` with the
        endpoint and token of the eBay stores (`_ebay_challenge_store`), the endpoint as the store
        says it was registered, not as this request reached Odoo."""
        store = self._ebay_challenge_store()
        if not store:
            return None
        code = params.get(CHALLENGE_PARAM) or ""
        if not code or len(code) > CHALLENGE_CODE_MAX_LENGTH:
            raise WebhookRejected(400, "no challenge code")
        return {
            "challengeResponse": challenge_response(
                code, store.ebay_verification_token, store.ebay_notification_endpoint
            )
        }

    @api.model
    def _ebay_challenge_store(self):
        """The eBay store whose endpoint and token answer a challenge (empty: none has a token).

        The challenge names no keyset: every eBay store of the database shares the endpoint and,
        unless a manager changed one, the token. Where stores registered different addresses
        (several host names), the one this request came to picks them; among stores that still
        disagree, the newest store's pair answers (the one being set up) and the log says so.
        """
        stores = (
            self.env["connector.store"]
            .sudo()
            .search(
                [
                    ("platform", "=", "ebay"),
                    ("ebay_verification_token", "!=", False),
                    ("ebay_notification_endpoint", "!=", False),
                ],
                order="id desc",
            )
        )
        pairs = {(store.ebay_verification_token, store.ebay_notification_endpoint) for store in stores}
        if len(pairs) > 1:
            requested = self._ebay_requested_address()
            same_address = stores.filtered(
                lambda store: requested and _address(store.ebay_notification_endpoint) == requested
            )
            stores = same_address or stores
            pairs = {(store.ebay_verification_token, store.ebay_notification_endpoint) for store in stores}
            if len(pairs) > 1:
                _logger.warning(
                    "eBay challenge: eBay stores %s registered different tokens for one endpoint; answering "
                    "with store %s's (the newest)",
                    stores.ids,
                    stores[:1].id,
                )
        return stores[:1]

    @api.model
    def _ebay_requested_address(self):
        """Host and path this request reached (no scheme: a proxy may end TLS), or None."""
        from odoo.http import request  # noqa: PLC0415 - only inside a request

        try:
            return _address(request.httprequest.base_url)
        except RuntimeError:
            return None

    @api.model
    def _webhook_resolve_store(self, platform, headers, raw_body):
        """The store a message is for, from its body (read only; the intake checks the signature
        next, with that store's keyset):

        * an account deletion goes to the endpoint's store (`_ebay_endpoint_store`): its job looks
          in every eBay store;
        * an authorization revocation to the store of the seller it names;
        * an order topic to the store holding the order, else to the store of the seller it names
          (`_ebay_store_of_order`).

        A message for no store here (another seller of the same keyset, a topic not handled, a
        seller with no store, or two stores it could be for) is acknowledged (200) and nothing is
        kept, with a warning in the log; but only once its signature is verified, as every other
        message: a forged body gets 412 and learns nothing of the stores. eBay retries any other
        answer, e-mails alerts, and at last marks the endpoint down, which would stop the
        notifications of every eBay store of this database.
        """
        topic, _notification, data = _envelope(raw_body)
        kind = TOPIC_KINDS.get(topic)
        if kind is None:
            self._ebay_acknowledge_unrouted(headers, raw_body, f"eBay topic {topic} is not handled")
        if topic == TOPIC_ACCOUNT_DELETION:
            store = self._ebay_endpoint_store()
        elif topic == TOPIC_AUTHORIZATION_REVOCATION:
            store = self._ebay_store_of_seller(data)
        else:
            store, reason = self._ebay_store_of_order(data, _seller_ids(raw_body))
            if not store:
                self._ebay_acknowledge_unrouted(headers, raw_body, f"eBay {topic}: {reason}")
        if not store:
            self._ebay_acknowledge_unrouted(
                headers, raw_body, f"eBay {topic} names no store of this database"
            )
        return store, kind

    @api.model
    def _ebay_acknowledge_unrouted(self, headers, raw_body, reason):
        """Acknowledge a message meant for no store here, once its signature is verified (with the
        keyset of an eBay store of this database: eBay's public keys are the same for every
        application). Nothing is stored.

        :raises WebhookRejected: 200 (acknowledged, not kept), or the signature's refusal (412,
            503); 200 at once when this database has no eBay store to verify with.
        """
        store = self._ebay_endpoint_store() or self._ebay_stores(active_only=False)[:1]
        if store:
            self._verify_webhook(store, None, headers, raw_body)
            _logger.warning("eBay notification acknowledged and not kept: %s", reason)
        raise WebhookRejected(200, reason)

    @api.model
    def _ebay_stores(self, active_only=True):
        """The eBay stores, oldest first (sudo; archived ones too unless `active_only`)."""
        Store = self.env["connector.store"].sudo()
        if not active_only:
            Store = Store.with_context(active_test=False)
        return Store.search([("platform", "=", "ebay")], order="id")

    @api.model
    def _ebay_endpoint_store(self):
        """The store that receives the deliveries meant for the endpoint as a whole (account
        deletions): the oldest active eBay store with a token, else the oldest archived one (an
        archived store still receives them, `_webhook_archived_store_topics`)."""
        stores = self._ebay_stores(active_only=False).filtered("ebay_verification_token")
        return (stores.filtered("active") or stores)[:1]

    @api.model
    def _ebay_store_seller_ids(self, store):
        """The ids eBay may name the store's seller by in a notification's data (``username``,
        ``userId``, ``eiasToken``): what Connect with eBay and Test Connection recorded of the seller
        (`_ebay_record_seller`). :returns: set of str (empty: the seller was never read)."""
        store = store.sudo()
        return {
            value.strip()
            for value in (store.ebay_seller_username, store.ebay_seller_eias_token)
            if value and value.strip()
        }

    @api.model
    def _ebay_record_seller(self, store, user):
        """Record who the store's seller is from Trading GetUser's ``User``: its ``UserID`` (the
        username, or the immutable user id eBay gives some developers instead since 2025-09-26)
        and ``EIASToken`` (immutable across username changes). A notification naming the seller by
        either finds the store. Nothing is written when eBay named nobody or nothing changed."""
        username = str(user.get("UserID") or "").strip()
        eias_token = str(user.get("EIASToken") or "").strip()
        if not username and not eias_token:
            return
        store = store.sudo()
        values = {}
        if username and store.ebay_seller_username != username:
            values["ebay_seller_username"] = username
        if eias_token and store.ebay_seller_eias_token != eias_token:
            values["ebay_seller_eias_token"] = eias_token
        if values:
            store.write(values)

    @api.model
    def _oauth_tokens_saved(self, store, tokens, grant_type):
        """After Connect with eBay, read who granted access (Trading GetUser, one call): the seller
        may have signed in with another account than before, and a revocation names the seller.
        A failure only leaves the seller unrecorded (Test Connection reads it again)."""
        result = super()._oauth_tokens_saved(store, tokens, grant_type)
        if grant_type == "authorization_code":
            try:
                user = (store._ebay_trading().execute("GetUser", {}) or {}).get("User") or {}
            except StoreConnectorError as exc:
                _logger.info(
                    "eBay store %s: the seller could not be read after connecting: %s", store.id, exc
                )
            else:
                self._ebay_record_seller(store, user)
        return result

    @api.model
    def _ebay_store_of_seller(self, data):
        """The active eBay store whose seller the data names (`_ebay_seller_store`), or an empty
        recordset."""
        named = _user_ids(data)
        if not named:
            return self.env["connector.store"]
        return self._ebay_seller_store(self._ebay_stores().filtered(
            lambda store: named & self._ebay_store_seller_ids(store)))

    @api.model
    def _ebay_seller_store(self, stores):
        """The store of one seller that receives the seller's notifications, among `stores` (the
        active stores of that seller, oldest first): a seller may have two stores here, a test shop
        and the live one. The oldest store not in test mode takes them (a store in test mode
        imports orders too, but the live shop's orders belong to the live store), else the oldest;
        the log says so when several could. :returns: one store, or an empty recordset."""
        chosen = (stores.filtered(lambda store: not store.test_mode) or stores)[:1]
        if len(stores) > 1:
            _logger.warning(
                "eBay notification: eBay stores %s have the same seller; store %s receives it (the oldest "
                "store not in test mode)",
                stores.ids,
                chosen.id,
            )
        return chosen

    @api.model
    def _ebay_store_of_order(self, data, named):
        """The store of an order topic and, when there is none, why.

        1. The store holding the order (its later topics, e.g. ITEM_MARKED_SHIPPED).
        2. The store of the seller the message names (`named`: `_seller_ids`), matched against what
           Connect with eBay and Test Connection recorded of each store's seller
           (`_ebay_store_seller_ids`); the same seller on several stores: `_ebay_seller_store`.
        3. A message naming only sellers that no store has is for nobody here, unless a store's
           seller was never recorded: then the only such store takes it.
        4. A message naming nobody goes to the only active eBay store, or to the one
           `_ebay_seller_store` picks when every store is the same seller's; else it could be for
           any of them and is not kept (the log says so).

        eBay's ORDER_CONFIRMATION contract (asyncapi order_confirmation.yaml) sends one message per
        line item naming the ``orderId`` the seller then reads; which keys name the seller is not
        documented where we could read it [?] (SELLER_KEYS).

        :returns: (store or empty recordset, reason for the log when empty).
        """
        order_id = str(data.get("orderId") or "").strip()
        if order_id:
            binding = (
                self.env["store.order.binding"]
                .sudo()
                .with_context(active_test=False)
                .search([("external_id", "=", order_id), ("store_id.platform", "=", "ebay")], limit=1)
            )
            if binding:
                return binding.store_id, None
        stores = self._ebay_stores()
        if named:
            sellers = stores.filtered(lambda store: named & self._ebay_store_seller_ids(store))
            if sellers:
                return self._ebay_seller_store(sellers), None
            stores = stores.filtered(lambda store: not self._ebay_store_seller_ids(store))
            if not stores:
                return stores, f"the seller {', '.join(sorted(named))} has no eBay store in this database"
        if len(stores) == 1:
            return stores, None
        if not named and len({frozenset(self._ebay_store_seller_ids(store)) for store in stores}) == 1 and (
            self._ebay_store_seller_ids(stores[:1])
        ):
            return self._ebay_seller_store(stores), None  # every store is the same seller's
        if not stores:
            return stores, "this database has no active eBay store"
        return stores.browse(), (
            f"eBay stores {stores.ids} could all receive it and it names no seller recorded on one of "
            "them: run Test Connection on each eBay store to record its seller"
        )

    # ---------------------------------------------------------------- intake
    @api.model
    def _webhook_kinds(self, store):
        return tuple(dict.fromkeys((*super()._webhook_kinds(store), *TOPIC_KINDS.values())))

    @api.model
    def _webhook_archived_store_topics(self, store):
        """An archived eBay store still takes account deletions (the law's, and eBay's)."""
        return {**super()._webhook_archived_store_topics(store), "compliance": (TOPIC_ACCOUNT_DELETION,)}

    @api.model
    def _webhook_signature_headers(self, store):
        return (*super()._webhook_signature_headers(store), SIGNATURE_HEADER)

    @api.model
    def _verify_webhook(self, store, kind, headers, raw_body):
        """X-EBAY-SIGNATURE: ECDSA-SHA1 over the body with eBay's public key of its kid.

        :raises WebhookRejected(412): missing, malformed or wrong signature, or a kid eBay does not
            know (eBay's SDK answers 412 too); 503 when the key cannot be fetched now (eBay retries).
        """
        try:
            signature = parse_signature_header(headers.get(SIGNATURE_HEADER))
        except SignatureError as exc:
            raise WebhookRejected(412, str(exc)) from None
        public_key = self._ebay_public_key(store, signature["kid"])
        if not signature_valid(public_key, signature["signature"], raw_body):
            raise WebhookRejected(412, "X-EBAY-SIGNATURE does not match the body")

    @api.model
    def _ebay_public_key(self, store, kid):
        """eBay's public key `kid`, from the cache or the Notification API (application token).

        :raises WebhookRejected(412): eBay does not know the kid or sent an unusable key; (503):
            eBay could not be asked now.
        """
        client = store._ebay_client()
        scope = client._base_url()
        key = PUBLIC_KEYS.get(scope, kid)
        if key is not None:
            return key
        try:
            answer = client.request_json(
                "GET", f"{NOTIFICATION_PATH}/public_key/{kid}", api=NOTIFICATION_QUOTA, app=True
            )
        except RetryableJobError as exc:
            raise WebhookRejected(503, f"eBay's public key {kid} could not be fetched: {exc}") from None
        except StoreConnectorError as exc:
            raise WebhookRejected(412, f"eBay has no public key {kid}: {exc}") from None
        try:
            key = load_public_key(answer)
        except SignatureError as exc:
            raise WebhookRejected(412, f"eBay's public key {kid}: {exc}") from None
        PUBLIC_KEYS.put(scope, kid, key)
        return key

    @api.model
    def _parse_webhook(self, store, kind, headers, raw_body):
        """The event id is eBay's notificationId (the same on every retry); an order's messages
        share a job (``order:<orderId>``); deletions and revocations go first."""
        topic, notification, data = _envelope(raw_body)
        if TOPIC_KINDS.get(topic) != kind:
            raise WebhookRejected(400, f"eBay topic {topic} is not delivered as {kind}")
        event_id = notification.get("notificationId")
        if not isinstance(event_id, str | int) or not str(event_id).strip():
            raise WebhookRejected(400, "the notification has no notificationId")
        order_id = str(data.get("orderId") or "").strip() if kind == "orders" else ""
        return {
            "event_id": str(event_id).strip()[:255],
            "topic": topic,
            "payload": json.loads(raw_body),
            "operation": TOPIC_OPERATIONS[kind],
            "priority": 1 if kind in ("compliance", "app") else 5,
            "identity_key": f"order:{order_id}" if order_id else None,
        }

    @api.model
    def _webhook_check_payload(self, store, kind, headers, parsed):
        """A deletion or revocation names a user; an order topic names its order."""
        data = parsed["payload"]["notification"].get("data")
        data = data if isinstance(data, dict) else {}
        if kind in ("compliance", "app") and not _user_ids(data):
            raise WebhookRejected(400, f"eBay {parsed['topic']} names no user")
        if kind == "orders" and not str(data.get("orderId") or "").strip():
            raise WebhookRejected(400, f"eBay {parsed['topic']} names no order")
        return super()._webhook_check_payload(store, kind, headers, parsed)

    # ---------------------------------------------------------------- processing
    @api.model
    def _webhook_topic_handlers(self, store):
        handlers = super()._webhook_topic_handlers(store)
        handlers[TOPIC_ACCOUNT_DELETION] = "_ebay_webhook_account_deletion"
        handlers[TOPIC_AUTHORIZATION_REVOCATION] = "_ebay_webhook_authorization_revocation"
        return handlers  # the order topics: store_adapter_orders

    @api.model
    def _ebay_webhook_account_deletion(self, store, delivery, payload):
        """An eBay user's account is deleted: the base's redaction of the customers bound to that
        user (user id, username or EIAS token) in every eBay store of this database, whichever
        store received the message (eBay sends it once per application, for all its sellers).

        :returns: {"user": username or id, "stores": {store id: redaction result}}.
        """
        data = (payload.get("notification") or {}).get("data") or {}
        names = sorted(_user_ids(data))
        if not names:
            raise PermanentJobError(
                _("This account deletion names no eBay user: there is nothing to anonymise.")
            )
        stores = self._ebay_stores(active_only=False)
        bindings = (
            self.env["store.customer.binding"]
            .sudo()
            .search([("store_id", "in", stores.ids), ("external_id", "in", names)])
        )
        request = f"{TOPIC_ACCOUNT_DELETION} {delivery.event_id}"
        results = {}
        for bound_store in bindings.store_id.sorted("id"):
            partners = bindings.filtered(lambda binding, s=bound_store: binding.store_id == s).partner_id
            results[bound_store.id] = bound_store._redact_customer_data(partners, request)
        if not results:
            # Logged where the merchant looks: eBay sends every user's deletion, most name nobody here.
            results[store.id] = store._redact_customer_data(self.env["res.partner"], request)
        return {"user": data.get("username") or data.get("userId") or names[0], "stores": results}

    @api.model
    def _ebay_webhook_authorization_revocation(self, store, delivery, payload):
        """The seller revoked the connector's access on eBay: the store is paused with the reason
        until it is connected again."""
        data = (payload.get("notification") or {}).get("data") or {}
        # Built before the translated sentence: Odoo's string extractor cannot read f-strings inside _().
        reason = f", {data['revokeReason']}" if data.get("revokeReason") else ""
        store._pause_for_auth(
            _(
                "The eBay seller %(seller)s revoked this connector's access on eBay "
                "(%(when)s%(reason)s). Connect the store with eBay again to resume it.",
                seller=data.get("username") or data.get("userId") or "",
                when=data.get("revocationDate") or delivery.event_id,
                reason=reason,
            )
        )
        return {"paused": store.id}

    # ---------------------------------------------------------------- registration
    @api.model
    def _webhook_registration_topics(self, store):
        return REGISTERED_TOPICS

    @api.model
    def _register_webhooks(self, store, topics=None):
        """Create or repair the Notification API destination (the store's endpoint and verification
        token, enabled) and an enabled subscription to it per topic of REGISTERED_TOPICS (or
        `topics`), with the topic's current schema version; recorded in store.webhook. Idempotent.

        :raises UserError: eBay refused a call (its words, and what to do).
        """
        topics = [topic for topic in REGISTERED_TOPICS if topics is None or topic in topics]
        try:
            return self._ebay_register(store, topics)
        except StoreAuthError as exc:
            # A new application token and a refreshed seller token were refused too (ebay_client.py):
            # the seller's authorization is gone (revoked, expired) or the keyset is wrong.
            raise UserError(
                _(
                    "eBay refused the credentials of store %(store)s while setting up its notifications: "
                    "%(error)s Click Connect with eBay to connect the seller account again (or correct the "
                    "App ID and Cert ID when eBay names them), then click Register Webhooks again.",
                    store=store.name,
                    error=_sentence(str(exc)),
                )
            ) from None
        except StoreConnectorError as exc:
            raise UserError(
                _(
                    "eBay refused to set up the notifications of store %(store)s: %(error)s Check that "
                    "the store is connected with eBay (the notification scope is asked for when "
                    "connecting) and that eBay answers the endpoint's challenge, then click Register "
                    "Webhooks again.",
                    store=store.name,
                    error=_sentence(str(exc)),
                )
            ) from None

    @api.model
    def _ebay_register(self, store, topics):
        client = store._ebay_client()
        destination_id = self._ebay_ensure_destination(store, client)
        Webhook = self.env["store.webhook"].sudo()
        registry = {hook.topic: hook for hook in Webhook.search([("store_id", "=", store.id)])}
        now = fields.Datetime.now()
        records = Webhook.browse()
        for topic in topics:
            details = (
                client.request_json(
                    "GET", f"{NOTIFICATION_PATH}/topic/{topic}", api=NOTIFICATION_QUOTA, app=True
                )
                or {}
            )
            app = details.get("scope") == "APPLICATION"
            payload = {
                "format": "JSON",
                "schemaVersion": self._ebay_schema_version(details),
                "deliveryProtocol": "HTTPS",
            }
            subscription = self._ebay_find_subscription(client, topic, app)
            if subscription is None:
                client.request_json(
                    "POST",
                    f"{NOTIFICATION_PATH}/subscription",
                    api=NOTIFICATION_QUOTA,
                    app=app,
                    json={
                        "topicId": topic,
                        "status": "ENABLED",
                        "destinationId": destination_id,
                        "payload": payload,
                    },
                )
                subscription = self._ebay_find_subscription(client, topic, app)
                if subscription is None:
                    raise PermanentJobError(
                        _("eBay did not list the subscription to %(topic)s it just created.", topic=topic)
                    )
            elif (
                subscription.get("status") != "ENABLED"
                or subscription.get("destinationId") != destination_id
                or (subscription.get("payload") or {}).get("schemaVersion") != payload["schemaVersion"]
            ):
                client.request_json(
                    "PUT",
                    f"{NOTIFICATION_PATH}/subscription/{subscription['subscriptionId']}",
                    api=NOTIFICATION_QUOTA,
                    app=app,
                    json={"status": "ENABLED", "destinationId": destination_id, "payload": payload},
                )
                subscription = dict(subscription, status="ENABLED", destinationId=destination_id)
            vals = {
                "kind": TOPIC_KINDS[topic],
                "external_id": str(subscription["subscriptionId"]),
                "address": store.ebay_notification_endpoint,
                "checked_at": now,
                **self._ebay_subscription_state(subscription),
            }
            record = registry.get(topic)
            if record:
                record.write(vals)
            else:
                record = Webhook.create({"store_id": store.id, "topic": topic, **vals})
            records |= record
        return records

    @api.model
    def _ebay_schema_version(self, details):
        """The newest schema version eBay does not call deprecated (getTopic's supportedPayloads)."""
        versions = [
            payload.get("schemaVersion")
            for payload in details.get("supportedPayloads") or ()
            if payload.get("schemaVersion") and not payload.get("deprecated")
        ]
        return max(versions, key=_version_key) if versions else "1.0"

    @api.model
    def _ebay_ensure_destination(self, store, client):
        """The id of the enabled destination delivering to the store's endpoint with its token:
        found among the application's destinations (every page), repaired (a disabled one, eBay's
        MARKED_DOWN one, another token), or created. Destinations are the application's: an
        application token."""
        endpoint = store.ebay_notification_endpoint
        token = store.ebay_verification_token
        if not endpoint or not token:
            raise UserError(
                _(
                    "Store %(store)s has no eBay notification endpoint or verification token: save the "
                    "store again to have them set.",
                    store=store.name,
                )
            )
        wanted = {
            "name": DESTINATION_NAME,
            "status": "ENABLED",
            "deliveryConfig": {"endpoint": endpoint, "verificationToken": token},
        }
        found = self._ebay_find_destination(client, endpoint)
        if found is None:
            client.request_json(
                "POST", f"{NOTIFICATION_PATH}/destination", api=NOTIFICATION_QUOTA, app=True, json=wanted
            )
            found = self._ebay_find_destination(client, endpoint)
            if found is None:
                raise PermanentJobError(_("eBay did not list the notification destination it just created."))
        elif (
            found.get("status") != "ENABLED"
            or (found.get("deliveryConfig") or {}).get("verificationToken") != token
        ):
            client.request_json(
                "PUT",
                f"{NOTIFICATION_PATH}/destination/{found['destinationId']}",
                api=NOTIFICATION_QUOTA,
                app=True,
                json=wanted,
            )
        destination_id = str(found["destinationId"])
        if store.ebay_notification_destination_id != destination_id:
            store.sudo().ebay_notification_destination_id = destination_id
        return destination_id

    @api.model
    def _ebay_pages(self, client, path, key, app):
        """Every item of a Notification API collection (limit 100, then its `next` links)."""
        params = {"limit": 100}
        while True:
            page = client.request_json("GET", path, api=NOTIFICATION_QUOTA, app=app, params=params) or {}
            yield from page.get(key) or ()
            following = parse_qs(urlsplit(page.get("next") or "").query).get("continuation_token")
            if not following:
                return
            params = {"limit": 100, "continuation_token": following[0]}

    @api.model
    def _ebay_find_destination(self, client, endpoint):
        for destination in self._ebay_pages(client, f"{NOTIFICATION_PATH}/destination", "destinations", True):
            if (destination.get("deliveryConfig") or {}).get("endpoint") == endpoint:
                return destination
        return None

    @api.model
    def _ebay_find_subscription(self, client, topic, app):
        for subscription in self._ebay_pages(
            client, f"{NOTIFICATION_PATH}/subscription", "subscriptions", app
        ):
            if subscription.get("topicId") == topic:
                return subscription
        return None

    @api.model
    def _ebay_subscription_state(self, subscription):
        """store.webhook status and last_error of a subscription as eBay lists it."""
        if subscription.get("status") == "ENABLED":
            return {"status": "active", "last_error": False}
        return {
            "status": "disabled",
            "last_error": _(
                "eBay lists this subscription as %(status)s: click Register Webhooks to enable it again.",
                status=subscription.get("status") or _("unknown"),
            ),
        }

    # ---------------------------------------------------------------- health
    @api.model
    def _webhook_health_interval(self, store):
        """eBay stops delivering to a destination it marked down, and to a disabled subscription."""
        return HEALTH_INTERVAL

    @api.model
    def _check_webhook_health(self, store):
        """The store's subscriptions as eBay lists them now; all of them "disabled" when eBay marked
        the destination down (it delivers nothing there)."""
        client = store._ebay_client()
        registry = self.env["store.webhook"].sudo().search([("store_id", "=", store.id)])
        known = {hook.external_id: hook for hook in registry}
        destination = self._ebay_find_destination(client, store.ebay_notification_endpoint) or {}
        down = destination.get("status") not in (None, "ENABLED")
        report = []
        seen = set()
        for app in (False, True):
            for subscription in self._ebay_pages(
                client, f"{NOTIFICATION_PATH}/subscription", "subscriptions", app
            ):
                subscription_id = str(subscription.get("subscriptionId"))
                if subscription_id not in known or subscription_id in seen:
                    continue
                seen.add(subscription_id)
                state = self._ebay_subscription_state(subscription)
                reason = state["last_error"] or None
                if down:
                    state["status"] = "disabled"
                    reason = _(
                        "eBay marked the notification endpoint %(status)s after failed deliveries: click "
                        "Register Webhooks once Odoo is reachable again.",
                        status=destination.get("status"),
                    )
                report.append(
                    {
                        "external_id": subscription_id,
                        "topic": subscription.get("topicId"),
                        "status": state["status"],
                        "address": store.ebay_notification_endpoint,
                        "reason": reason,
                    }
                )
        return report


def _sentence(text):
    """`text` ending with a full stop, so that the sentence quoting it reads right."""
    text = (text or "").strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _address(url):
    """A URL reduced to host (and port) and path, lower-case, no trailing slash."""
    parts = urlsplit((url or "").strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/').lower()}" or None


def _version_key(version):
    return tuple(int(part) if part.isdigit() else 0 for part in str(version).split("."))
