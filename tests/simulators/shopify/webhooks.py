"""Webhook deliveries: signing, headers, at-least-once with duplicates, reordering and retries.

shopify.dev/docs/apps/build/webhooks/delivery-structure: POST of the JSON payload with X-Shopify-Topic,
-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body keyed with the app's client secret), -Shop-Domain,
-API-Version, -Webhook-Id (one per delivery, identical on retries), -Triggered-At (when the event
happened; retries keep it, shopify.dev/changelog/updates-to-webhook-retry-mechanism), -Event-Id (one
per event, identical across subscriptions and redeliveries) and, for a subscription that has one,
-Name. Shopify may also deliver an event more than once under new webhook ids (its "Ignore duplicate
webhooks" guide: the same X-Shopify-Event-Id on more than one webhook is a duplicate):
`redelivery_rate` and `redeliver()` do that. A delivery
fails on a non-2xx answer, a connection error or no answer within 5 s; it is retried 8 times over about
4 hours with exponential backoff, with its original payload and headers, and a subscription made
through the API is removed when a delivery has exhausted its retries.
"""

import base64
import collections
import hashlib
import hmac
import http.client
import json
import logging
import random
import threading
import urllib.parse
import uuid
from datetime import UTC, datetime

from .state import WEBHOOK_TOPICS

_logger = logging.getLogger(__name__)
RETRY_DELAYS = (60, 120, 240, 480, 960, 1920, 3840, 7680)  # 8 retries, ~4.25 h in all
TIMEOUT = 5.0
MAX_PENDING = 10_000
COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")


def sign(secret, body):
    """X-Shopify-Hmac-Sha256 value of a raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Delivery:
    __slots__ = (
        "webhook_id",
        "event_id",
        "topic",
        "uri",
        "body",
        "api_version",
        "triggered_at",
        "attempts",
        "due",
        "subscription_id",
        "duplicate",
        "name",
    )

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)

    def as_dict(self):
        return {slot: getattr(self, slot) for slot in self.__slots__}


def _include(payload, fields):
    if not fields:
        return payload
    out = {}
    for name in fields:
        head, _, rest = name.partition(".")
        if head not in payload:
            continue
        value = payload[head]
        if rest and isinstance(value, list):
            out[head] = [{rest: v.get(rest)} for v in value if isinstance(v, dict)]
        elif rest and isinstance(value, dict):
            out.setdefault(head, {})[rest] = value.get(rest)
        else:
            out[head] = value
    return out


class WebhookManager:
    """Queue of pending deliveries; `flush()` delivers them synchronously (or a background thread does)."""

    def __init__(self, sim, seed=0, duplicate_rate=0.0, reorder=False, remove_failing_subscriptions=True,
                 redelivery_rate=0.0):
        self.sim = sim
        self.rng = random.Random(seed)
        # duplicate: the same delivery twice (same webhook id); redelivery: the same event again
        # under a new webhook id (same event id, Triggered-At and body).
        self.duplicate_rate = duplicate_rate
        self.redelivery_rate = redelivery_rate
        self.reorder = reorder
        self.remove_failing_subscriptions = remove_failing_subscriptions
        self.pending = []
        self.log = collections.deque(maxlen=10_000)
        self.dropped = 0
        self.events = collections.deque(maxlen=10_000)
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None

    # ------------------------------------------------------------------ events

    def emit(self, topic, payload, uri=None, api_version=None):
        """An event happened: queue one delivery per subscription to `topic` (or to `uri`)."""
        store = self.sim.store
        event_id = str(uuid.uuid4())
        # UTC with fractional seconds and Z; Shopify's exact precision is not documented [?]
        triggered_at = datetime.fromtimestamp(self.sim.clock.time(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.events.append(
            {"topic": topic, "event_id": event_id, "triggered_at": triggered_at, "payload": payload}
        )
        targets = []
        if uri is not None:
            targets.append((None, uri, api_version or self.sim.webhook_api_version, [], None))
        else:
            for sub in list(store.webhook_subscriptions.values()):
                if WEBHOOK_TOPICS.get(sub.topic) == topic:
                    targets.append((sub.id, sub.uri, sub.api_version, sub.include_fields, sub.name))
        for sub_id, target, version, include, name in targets:
            if not target.lower().startswith(("http://", "https://")):
                continue  # pubsub:// and EventBridge ARNs are accepted but not delivered here
            body = json.dumps(_include(payload, include), separators=(",", ":"), ensure_ascii=False).encode()
            delivery = Delivery(
                webhook_id=str(uuid.uuid4()),
                event_id=event_id,
                topic=topic,
                uri=target,
                body=body,
                api_version=version,
                triggered_at=triggered_at,
                attempts=0,
                due=self.sim.clock.time(),
                subscription_id=sub_id,
                duplicate=False,
                name=name,
            )
            self._queue(delivery)
            if self.duplicate_rate and self.rng.random() < self.duplicate_rate:
                twin = Delivery(**{**delivery.as_dict(), "duplicate": True})
                self._queue(twin)
            if self.redelivery_rate and self.rng.random() < self.redelivery_rate:
                self._queue(self._redelivery(delivery))
        self._wake.set()
        return event_id

    def _redelivery(self, delivery):
        """The same event sent again as a new delivery: a new webhook id, everything else kept."""
        return Delivery(**{**delivery.as_dict(), "webhook_id": str(uuid.uuid4()), "attempts": 0,
                           "due": self.sim.clock.time(), "duplicate": True})

    def redeliver(self, event_id):
        """Send an event already delivered once more, under new webhook ids (one per subscription
        it went to), as Shopify occasionally does. :returns: the number of deliveries queued."""
        with self._lock:
            firsts = {entry["webhook_id"]: entry for entry in self.log
                      if entry["event_id"] == event_id and entry["attempt"] == 1}
        for entry in firsts.values():
            headers = entry["headers"]
            self._queue(Delivery(
                webhook_id=str(uuid.uuid4()), event_id=event_id, topic=entry["topic"], uri=entry["uri"],
                body=entry["body"], api_version=headers.get("X-Shopify-API-Version"),
                triggered_at=headers["X-Shopify-Triggered-At"], attempts=0, due=self.sim.clock.time(),
                subscription_id=None, duplicate=True, name=headers.get("X-Shopify-Name"),
            ))
        self._wake.set()
        return len(firsts)

    def _queue(self, delivery):
        with self._lock:
            if len(self.pending) >= MAX_PENDING:
                self.pending.pop(0)
                self.dropped += 1
            self.pending.append(delivery)

    # ------------------------------------------------------------------ delivery

    def headers(self, delivery):
        """The headers of one attempt: a retry carries the first attempt's ids and Triggered-At."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": sign(self.sim.webhook_signing_secret(), delivery.body),
            "X-Shopify-Shop-Domain": self.sim.shop,
            "X-Shopify-API-Version": delivery.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }
        if delivery.name:
            headers["X-Shopify-Name"] = delivery.name
        return headers

    def _post(self, delivery, headers):
        """POST with http.client so header names keep Shopify's exact casing (urllib would rewrite them)."""
        parts = urllib.parse.urlsplit(delivery.uri)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = None
        try:
            connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
            connection.request(
                "POST",
                path,
                body=delivery.body,
                headers={**headers, "Content-Length": str(len(delivery.body))},
            )
            response = connection.getresponse()
            response.read(65536)
            return response.status, None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return None, repr(exc)
        finally:
            if connection is not None:
                connection.close()

    def flush(self, force=False, max_rounds=1):
        """Deliver what is due now (all pending if `force`). Returns one result dict per attempt.

        A failed delivery is rescheduled per the retry schedule (move the simulator clock forward, or
        flush with force=True, to retry). `max_rounds` > 1 keeps flushing while something is due.
        """
        results = []
        with self._flush_lock:
            for _round in range(max_rounds):
                now = self.sim.clock.time()
                with self._lock:
                    due = [d for d in self.pending if force or d.due <= now]
                    self.pending = [d for d in self.pending if not (force or d.due <= now)]
                if not due:
                    break
                if self.reorder:
                    self.rng.shuffle(due)
                for delivery in due:
                    results.append(self._attempt(delivery))
        return results

    def _attempt(self, delivery):
        headers = self.headers(delivery)
        delivery.attempts += 1
        status, error = self._post(delivery, headers)
        ok = status is not None and 200 <= status < 300
        result = {
            "topic": delivery.topic,
            "uri": delivery.uri,
            "status": status,
            "error": error,
            "ok": ok,
            "attempt": delivery.attempts,
            "webhook_id": delivery.webhook_id,
            "event_id": delivery.event_id,
            "duplicate": delivery.duplicate,
            "headers": headers,
            "body": delivery.body,
        }
        self.log.append(result)
        if not ok:
            retry = delivery.attempts - 1
            if retry < len(RETRY_DELAYS):
                delivery.due = self.sim.clock.time() + RETRY_DELAYS[retry]
                self._queue(delivery)
            else:
                result["gave_up"] = True
                self._give_up(delivery)
        return result

    def _give_up(self, delivery):
        store = self.sim.store
        if not self.remove_failing_subscriptions or delivery.subscription_id is None:
            return
        with store.lock:
            sub = store.webhook_subscriptions.get(delivery.subscription_id)
            if sub is not None and sub.via_api:
                del store.webhook_subscriptions[sub.id]
                _logger.info("removed webhook subscription %s after failed retries", sub.id)

    # ------------------------------------------------------------------ background mode

    def start_background(self, interval=0.05):
        if self._thread is not None:
            return
        self._stop.clear()

        def loop():
            while not self._stop.is_set():
                self._wake.wait(interval)
                self._wake.clear()
                try:
                    with self.sim.store.lock:
                        self.sim.bulk.tick()
                    self.flush()
                except Exception:  # noqa: BLE001 - a delivery bug must not kill the demo's background thread
                    _logger.exception("webhook background delivery failed")

        self._thread = threading.Thread(target=loop, name="shopify-sim-webhooks", daemon=True)
        self._thread.start()

    def stop_background(self):
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=TIMEOUT + 2)
        self._thread = None
