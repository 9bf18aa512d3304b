"""WooCommerce webhooks: the intake (ping, signature, topic and event identity, body checks, which
delivery a job acts on), Register Webhooks and the health check. What a delivery's job does is the
topic table `_webhook_topic_handlers`, which the files of each sync extend (orders, products,
stock and customers); this file subscribes to exactly the WooCommerce topics that table handles.

Facts (platform notes 2.3 and 2.7; WooCommerce's class-wc-webhook.php, the REST webhooks
controllers):

* A delivery carries ``X-WC-Webhook-Source`` (the shop's home URL), ``-Topic``, ``-Resource``,
  ``-Event``, ``-Signature`` (base64 HMAC-SHA256 of the raw body with the webhook's secret,
  HTML-entity-decoded), ``-ID`` (the webhook) and ``-Delivery-ID``; its body is the REST v3
  representation of the resource, built when it is sent, or ``{"id": n}`` for ``*.deleted``.
* The ping, when a webhook is created or activated, is the form ``webhook_id=<id>``, unsigned and
  without any X-WC header; anything but a 200 shows the merchant an error.
* No timestamp header and **no retries**: a failed delivery is lost (the scheduled order pull is
  the backstop), and after more than 5 failures in a row WooCommerce disables the webhook (the
  health check says so on the store; Register Webhooks re-activates it).
* ``X-WC-Webhook-Delivery-ID`` is a hash of the webhook id and the current second: two events of
  one webhook in the same second share it, and a redelivery later gets another one.
* The webhook's secret is write-only (never in an answer), and its API version is the endpoint's:
  one created through ``/wp-json/wc/v3/webhooks`` delivers v3 bodies (``wp_api_v3``,
  WC_REST_Webhooks_Controller::get_default_api_version); the API takes no ``api_version`` field.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import StoreConnectorError, WebhookRejected

from .. import const

PING_RE = re.compile(const.WEBHOOK_PING_RE.encode())
TOPIC_RE = re.compile(r"(?P<resource>{})\.(?P<event>{})".format(
    "|".join(const.WEBHOOK_RESOURCE_KINDS), "|".join(const.WEBHOOK_EVENTS)))
# wp_specialchars_decode($secret, ENT_QUOTES): what WooCommerce signs with.
_WP_ENTITIES = {
    "&#039;": "'", "&#39;": "'", "&#x27;": "'", "&quot;": '"', "&#034;": '"', "&#34;": '"', "&#x22;": '"',
    "&lt;": "<", "&#060;": "<", "&#60;": "<", "&gt;": ">", "&#062;": ">", "&#62;": ">",
    "&amp;": "&", "&#038;": "&", "&#38;": "&", "&#x26;": "&",
}
_WP_ENTITY_RE = re.compile("|".join(re.escape(entity) for entity in _WP_ENTITIES), re.IGNORECASE)


def wp_specialchars_decode(text):
    """WordPress's wp_specialchars_decode(text, ENT_QUOTES), one pass (as PHP's strtr)."""
    return _WP_ENTITY_RE.sub(lambda match: _WP_ENTITIES[match.group(0).lower()], text)


def signature(secret, raw_body):
    """X-WC-Webhook-Signature of `raw_body` (bytes) under `secret`, as WooCommerce computes it."""
    key = wp_specialchars_decode(secret).encode()
    return base64.b64encode(hmac.new(key, raw_body, hashlib.sha256).digest()).decode()


def _resource_id(value):
    """A WooCommerce resource id (a positive integer, or its digits) as str, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return str(int(value))
    return None


def _shop_address(url):
    """A shop URL reduced to what names the shop: host (and port) and path, lower-case, no
    trailing slash; the scheme is left out (a shop behind a proxy may report http)."""
    parts = urlsplit((url or "").strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/').lower()}"


def _modified_at(payload):
    """The resource's date_modified_gmt as an aware datetime, or None."""
    stamp = payload.get("date_modified_gmt") if isinstance(payload, dict) else None
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StoreAdapterWooCommerceWebhooks(models.AbstractModel):
    """WooCommerce's webhook intake, Register Webhooks and health check (see the module docstring)."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"register_webhooks"}

    # ---------------------------------------------------------------- intake
    @api.model
    def _webhook_kinds(self, store):
        """One intake address per WooCommerce resource: orders, products, customers, coupons."""
        return tuple(dict.fromkeys((*super()._webhook_kinds(store), *const.WEBHOOK_RESOURCE_KINDS.values())))

    @api.model
    def _webhook_is_ping(self, store, kind, headers, raw_body):
        """The body is exactly ``webhook_id=<digits>`` and the request carries no X-WC-Webhook
        header: WooCommerce's ping, which must be answered exactly 200 (nothing to act on)."""
        if any(name.lower().startswith(const.WEBHOOK_HEADER_PREFIX) for name in headers.keys()):
            return False
        return bool(PING_RE.fullmatch(raw_body or b""))

    @api.model
    def _verify_webhook(self, store, kind, headers, raw_body):
        """X-WC-Webhook-Signature = base64(HMAC-SHA256(secret, raw body)), compared in constant time
        with the signature under each of the store's secrets (current and previous)."""
        received = (headers.get(const.WEBHOOK_SIGNATURE_HEADER) or "").strip()
        if not self._webhook_signature_valid(store, received, lambda secret: signature(secret, raw_body)):
            raise WebhookRejected(401, f"invalid {const.WEBHOOK_SIGNATURE_HEADER}")

    @api.model
    def _webhook_signature_headers(self, store):
        return (*super()._webhook_signature_headers(store), const.WEBHOOK_SIGNATURE_HEADER)

    @api.model
    def _webhook_timestamp(self, store, kind, headers):
        """None: WooCommerce sends no timestamp with a delivery (nor retries one), so there is no
        freshness window to check. An old body posted again is a duplicate while its event id is
        kept (the deliveries' retention); after that its job acts on it as on any delivery, and
        the pipelines ignore a resource older than what they already hold."""
        return None

    @api.model
    def _parse_webhook(self, store, kind, headers, raw_body):
        """Topic from X-WC-Webhook-Topic (its resource must be the address's kind), the resource id
        from the body, the event id from `_woocommerce_event_id`, and the identity key
        ``<resource>:<id>`` (the deliveries of one order share a job, which acts on the newest:
        `_webhook_latest_delivery`). Topics that are no core resource's (``action.<hook>``) are
        acknowledged and dropped; a core topic without a handler is stored, and its job says it
        was ignored."""
        topic = (headers.get(const.WEBHOOK_TOPIC_HEADER) or "").strip().lower()
        if not topic:
            raise WebhookRejected(400, f"no {const.WEBHOOK_TOPIC_HEADER} header")
        match = TOPIC_RE.fullmatch(topic)
        if not match:
            return {"ignore": True}
        resource = match["resource"]
        if const.WEBHOOK_RESOURCE_KINDS[resource] != kind:
            raise WebhookRejected(400, f"topic {topic} is not delivered to the {kind} address")
        try:
            payload = json.loads(raw_body)
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "body is not a JSON object")
        resource_id = _resource_id(payload.get("id"))
        if resource_id is None:
            raise WebhookRejected(400, f"the body of {topic} has no {resource} id")
        return {
            "event_id": self._woocommerce_event_id(topic, resource_id, headers, raw_body, payload),
            "topic": topic,
            "payload": payload,
            "operation": f"webhook.{kind}",
            "priority": 5,
            "identity_key": f"{resource}:{resource_id}",
        }

    @api.model
    def _woocommerce_event_id(self, topic, resource_id, headers, raw_body, payload):
        """The duplicate key of a delivery: topic, resource id and a digest of the raw body, plus,
        for a body without a modification time (``*.deleted``: ``{"id": n}``), the delivery id.

        Why not X-WC-Webhook-Delivery-ID alone: WooCommerce makes it from the webhook id and the
        current second, so two different events of one webhook in the same second share it (the
        second would be dropped as a duplicate), while the same event sent again later gets a new
        one. Why not date_modified_gmt: it has one-second resolution too, so two changes of an
        order within a second would share it although their bodies differ. The body itself is what
        the event says: the same body again (a redelivery, the same event through a duplicate
        webhook, a replay) is one delivery, processed once; any difference is another delivery.
        A deletion's body is the same every time the resource is deleted (deleted, restored,
        deleted again): its delivery id keeps two deletions apart (they cannot happen within the
        same second), at the price of a redelivery of one deletion running twice, which changes
        nothing the second time.

        :returns: str (at most about 130 characters).
        """
        parts = [topic, resource_id, hashlib.sha256(raw_body or b"").hexdigest()[:40]]
        if _modified_at(payload) is None:
            parts.append((headers.get(const.WEBHOOK_DELIVERY_ID_HEADER) or "").strip()[:64])
        return ":".join(parts)

    @api.model
    def _webhook_check_payload(self, store, kind, headers, parsed):
        """X-WC-Webhook-Source must name the store's shop (401 otherwise: another shop signing with
        the same secret), and the body must be its topic's: ``{"id": n}`` exactly for
        ``*.deleted``, else a representation of the topic's resource (const.WEBHOOK_RESOURCE_KEYS),
        so that a signed body of one topic cannot be posted again as another (an order's body as a
        deletion)."""
        source = (headers.get(const.WEBHOOK_SOURCE_HEADER) or "").strip()
        if not source or _shop_address(source) != _shop_address(store.shop_url):
            raise WebhookRejected(401, f"{const.WEBHOOK_SOURCE_HEADER} does not name this store's shop")
        topic = parsed["topic"]
        payload = parsed["payload"]
        resource, event = topic.split(".", 1)
        if event == "deleted":
            if set(payload) != {"id"}:
                raise WebhookRejected(400, f'the body of {topic} is not {{"id": n}}')
        else:
            missing = [key for key in const.WEBHOOK_RESOURCE_KEYS[resource] if key not in payload]
            if missing:
                raise WebhookRejected(400, f"the body does not fit topic {topic}: no {', '.join(missing)}")
        return super()._webhook_check_payload(store, kind, headers, parsed)

    @api.model
    def _webhook_latest_delivery(self, store, deliveries):
        """The delivery a job of one resource's deliveries acts on: WooCommerce sends out of order
        (Action Scheduler), so the body with the latest date_modified_gmt, the last received among
        equals; but a deletion received after it wins (its body has no time to compare: a
        deletion comes after the changes it ends)."""
        dated = [(moment, delivery.id, delivery) for delivery in deliveries
                 for moment in [_modified_at(delivery._payload())] if moment is not None]
        if not dated:
            return deliveries.sorted("id")[-1:]
        newest = max(dated, key=lambda item: (item[0], item[1]))[2]
        later_deletions = deliveries.filtered(
            lambda delivery: delivery.id > newest.id and _modified_at(delivery._payload()) is None)
        return later_deletions.sorted("id")[-1:] or newest

    # ---------------------------------------------------------------- registration
    @api.model
    def _woocommerce_webhook_topics(self, store):
        """The WooCommerce topics Register Webhooks subscribes to: those `_webhook_topic_handlers`
        handles. :returns: {topic: intake kind}, sorted by topic."""
        topics = {}
        for topic in sorted(self._webhook_topic_handlers(store)):
            match = TOPIC_RE.fullmatch(topic)
            if match:
                topics[topic] = const.WEBHOOK_RESOURCE_KINDS[match["resource"]]
        return topics

    @api.model
    def _woocommerce_webhook_secret(self, store):
        """The store's webhook secret; generated (and saved as the `webhook_secret` credential) when
        it has none. Never shown: WooCommerce only receives it."""
        secret = store.sudo()._get_credential(const.CRED_WEBHOOK_SECRET, required=False)
        if not secret:
            secret = secrets.token_urlsafe(32)
            self.env["integration.credential"].sudo()._set_value(store, const.CRED_WEBHOOK_SECRET, secret)
        return secret

    @api.model
    def _woocommerce_our_webhooks(self, store, webhooks):
        """Of WooCommerce's webhooks, the store's: those its registry names, and those delivering to
        its intake addresses (``<Odoo>/api/v1/stores/<code>/webhooks/``). Other webhooks, made by
        the merchant, other apps or another Odoo connected to the same shop, are never touched."""
        registry = self.env["store.webhook"].sudo().search([("store_id", "=", store.id)])
        known = set(registry.mapped("external_id"))
        prefix = store._webhook_url("")
        return [hook for hook in webhooks
                if str(hook.get("id")) in known or str(hook.get("delivery_url") or "").startswith(prefix)]

    @api.model
    def _register_webhooks(self, store, topics=None):
        """Create or repair, idempotently, one active webhook per handled topic
        (`_woocommerce_webhook_topics`) delivering to the store's intake address of its kind and
        signing with the store's secret (generated when it has none).

        WooCommerce's webhooks are listed (every page); the store's (`_woocommerce_our_webhooks`)
        are matched by topic, the one already delivering to the right address first. A kept one
        whose address or status is wrong (paused, or disabled by WooCommerce after failed
        deliveries), or that may not sign with the current secret (the registry's fingerprint
        differs: the secret is write-only; it is sent again with every re-activation too), is fixed
        with one PUT; duplicates and the store's
        webhooks of topics no longer handled are deleted; missing ones are created (WooCommerce
        pings the address, which answers 200). Each is recorded in store.webhook.

        :param topics: None for all of them; or some of `_webhook_registration_topics` (the sync
            API): only those are created or repaired, the store's other webhooks are left as they are.
        :returns: the store.webhook records.
        :raises UserError: the connector handles no WooCommerce topic, or WooCommerce refused a
            call (its words, and what to do).
        """
        handled = self._woocommerce_webhook_topics(store)
        subset = topics is not None
        topics = {topic: kind for topic, kind in handled.items() if not subset or topic in topics}
        if not topics:
            raise UserError(_(
                "The WooCommerce connector of store %(store)s acts on no webhook topic yet: there is nothing "
                "to register. Install the WooCommerce sync modules, then click Register Webhooks again.",
                store=store.name))
        try:
            return self._woocommerce_register(store, topics, subset=subset)
        except StoreConnectorError as exc:
            raise UserError(_(
                "WooCommerce refused to set up the webhooks of store %(store)s: %(error)s Check that the "
                "store's keys have Read/Write permissions and belong to an administrator, then click "
                "Register Webhooks again.", store=store.name, error=str(exc))) from None

    @api.model
    def _woocommerce_register(self, store, topics, subset=False):
        """`_register_webhooks`' work, once the topics are known (errors are the client's); with
        `subset`, the webhooks of other topics are left alone."""
        client = store._woocommerce_client()
        secret = self._woocommerce_webhook_secret(store)
        Webhook = self.env["store.webhook"].sudo()
        fingerprint = Webhook._secret_fingerprint(secret)
        registry = {hook.topic: hook for hook in Webhook.search([("store_id", "=", store.id)])}
        ours = self._woocommerce_our_webhooks(store, list(client.iter_pages("/webhooks")))
        now = fields.Datetime.now()
        records = Webhook.browse()
        for topic, kind in topics.items():
            url = store._webhook_url(kind)
            record = registry.get(topic)
            candidates = [hook for hook in ours if hook.get("topic") == topic]
            # The one to keep: already at the right address and active, then the registry's, then any.
            candidates.sort(key=lambda hook: (
                hook.get("delivery_url") != url, hook.get("status") != "active",
                str(hook.get("id")) != (record.external_id if record else None), hook.get("id") or 0))
            keep = candidates[0] if candidates else None
            for duplicate in candidates[1:]:
                client.request("DELETE", f"/webhooks/{int(duplicate['id'])}", params={"force": "true"})
            if keep is None:
                keep = client.request_json("POST", "/webhooks", json={
                    "name": self._woocommerce_webhook_name(store, topic), "topic": topic,
                    "delivery_url": url, "secret": secret, "status": "active"})
            else:
                changes = {}
                if keep.get("delivery_url") != url:
                    changes["delivery_url"] = url
                if keep.get("status") != "active":
                    changes["status"] = "active"
                # The secret is write-only: sent again when the registry does not know this webhook
                # signs with the current one, and with every re-activation (a webhook whose
                # deliveries Odoo refused for their signature was disabled for that).
                if changes.get("status") or not record or record.external_id != str(keep.get("id")) or (
                        record.secret_fingerprint != fingerprint):
                    changes["secret"] = secret
                if changes:
                    keep = client.request_json("PUT", f"/webhooks/{int(keep['id'])}", json=changes)
            status = keep.get("status") if keep.get("status") in const.WEBHOOK_STATUSES else "error"
            vals = {"kind": kind, "external_id": str(keep["id"]), "address": keep.get("delivery_url") or url,
                    "status": status, "checked_at": now, "secret_fingerprint": fingerprint,
                    "last_error": False if status == "active" else _(
                        "WooCommerce did not activate this webhook (status %(status)s).", status=status)}
            if record:
                record.write(vals)
            else:
                record = Webhook.create({"store_id": store.id, "topic": topic, **vals})
            records |= record
        if subset:
            return records
        # The store's webhooks of topics the connector no longer handles only deliver what is ignored.
        for hook in ours:
            if hook.get("topic") not in topics:
                client.request("DELETE", f"/webhooks/{int(hook['id'])}", params={"force": "true"})
        (Webhook.search([("store_id", "=", store.id)]) - records).unlink()
        return records

    @api.model
    def _webhook_registration_topics(self, store):
        return tuple(self._woocommerce_webhook_topics(store))

    @api.model
    def _woocommerce_webhook_name(self, store, topic):
        """The name WooCommerce shows in Settings > Advanced > Webhooks."""
        return f"Odoo {store.name}: {topic}"[:200]

    # ---------------------------------------------------------------- health
    @api.model
    def _webhook_health_interval(self, store):
        """WooCommerce disables a webhook after repeated failed deliveries, and tells nobody."""
        return timedelta(minutes=const.WEBHOOK_HEALTH_INTERVAL_MINUTES)

    @api.model
    def _check_webhook_health(self, store):
        """The store's webhooks as WooCommerce lists them now (``GET /webhooks``, every page)."""
        listed = list(store._woocommerce_client().iter_pages("/webhooks"))
        ours = self._woocommerce_our_webhooks(store, listed)
        reasons = {
            "disabled": _("WooCommerce disabled it after repeated failed deliveries."),
            "paused": _("Someone paused it in WooCommerce > Settings > Advanced > Webhooks."),
        }
        return [{"external_id": str(hook.get("id")), "topic": hook.get("topic"), "status": hook.get("status"),
                 "address": hook.get("delivery_url"), "reason": reasons.get(hook.get("status"))}
                for hook in ours]
