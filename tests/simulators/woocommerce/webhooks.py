"""Webhooks: subscriptions made over the API, deliveries signed as WooCommerce signs them.

Source: woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php and
wc-webhook-functions.php (wc_webhook_process_delivery):

* An event queues an asynchronous delivery (Action Scheduler) per active webhook of its topic;
  while one for the same (webhook, resource id) is still pending no second one is queued, and the
  body is built when the delivery RUNS (`build_payload` in `deliver`): it carries the resource's
  state at delivery time, through the REST API v3 (`*.deleted`: only `{"id": n}`).
* Body: wp_json_encode (compact, `\\/`, `\\uXXXX`); headers X-WC-Webhook-Source (home URL + "/"),
  -Topic, -Resource, -Event, -Signature (base64 HMAC-SHA256 of the raw body keyed with the
  secret, HTML entities decoded), -ID, -Delivery-ID (wp_hash(webhook id . time()): the same for
  two deliveries of one webhook in the same second); User-Agent "WooCommerce/<v> Hookshot
  (WordPress/<v>)"; redirects not followed; 60 s timeout.
* Success is 200..302 (`>= 200 && < 303`): failure_count back to 0. Otherwise `failed_delivery`:
  when failure_count is already > 5 the webhook is set `disabled` (count stays 6), else the count
  goes up: the 7th consecutive failure disables it (the docs say "after 5"). No retries.
* The ping (`deliver_ping`, on creation through the REST API): POST of the form body
  `webhook_id=<id>`, Hookshot user agent, no X-WC-* header, no signature.
"""

import base64
import collections
import hashlib
import hmac
import html
import http.client
import logging
import random
import threading
import urllib.parse

from .util import RestError, wp_json

_logger = logging.getLogger(__name__)
TIMEOUT = 60.0
MAX_PENDING = 10_000
MAX_FAILURES = 5  # woocommerce_max_webhook_delivery_failures
TOPIC_HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": [
        "woocommerce_update_order",
        "woocommerce_order_refunded",
        "woocommerce_delete_order_refund",
    ],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
}
STATUSES = ("active", "paused", "disabled")


def sign(secret, body):
    """X-WC-Webhook-Signature of a raw body (WC_Webhook::generate_signature)."""
    key = html.unescape(secret or "").encode()
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


class Delivery:
    __slots__ = ("webhook_id", "topic", "resource_id", "duplicate", "queued_at")

    def __init__(self, webhook_id, topic, resource_id, duplicate=False, queued_at=0.0):
        self.webhook_id = webhook_id
        self.topic = topic
        self.resource_id = resource_id
        self.duplicate = duplicate
        self.queued_at = queued_at


class WebhookManager:
    """Subscriptions (the store's `webhooks`), the delivery queue and its log."""

    def __init__(self, sim, seed=0, duplicate_rate=0.0, reorder=False):
        self.sim = sim
        self.rng = random.Random(seed)
        self.duplicate_rate = duplicate_rate
        self.reorder = reorder
        self.pending = []
        self.log = collections.deque(maxlen=10_000)
        self.pings = collections.deque(maxlen=1_000)
        self.pings_due = []
        self.events = collections.deque(maxlen=10_000)
        self.coalesced = 0
        self.lost = 0
        self._lose_next = 0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self.salt = "sim-wp-salt"

    # ------------------------------------------------------------------ subscriptions

    def create(self, data):
        store = self.sim.store
        topic = str(data.get("topic") or "")
        if topic not in TOPIC_HOOKS and not topic.startswith("action."):
            raise RestError(400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is invalid.")
        url = str(data.get("delivery_url") or "")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise RestError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): delivery_url",
                params={"delivery_url": "Invalid URL."},
            )
        status = data.get("status") or "active"
        if status not in STATUSES:
            raise RestError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): status",
                params={"status": "status is not one of active, paused and disabled."},
            )
        now = store.now()
        resource, _, event = topic.partition(".")
        webhook = {
            "id": next(store.webhook_ids),
            "name": str(data.get("name") or f"Webhook created on {now:%b %d, %Y @ %I:%M %p}"),
            "status": status,
            "topic": topic,
            "resource": resource,
            "event": event,
            "hooks": list(TOPIC_HOOKS.get(topic, [event])),
            "delivery_url": url,
            "secret": str(data.get("secret") or ""),
            "api_version": 3,
            "failure_count": 0,
            "pending_delivery": True,
            "user_id": 1,
            "date_created": now,
            "date_modified": now,
        }
        if not webhook["secret"]:
            webhook["secret"] = "sim-" + hashlib.sha1(f"{webhook['id']}{now}".encode()).hexdigest()[:20]  # noqa: S324
        store.webhooks[webhook["id"]] = webhook
        with self._lock:
            self.pings_due.append(webhook["id"])  # sent once the API call has released the store lock
        return webhook

    def update(self, webhook, data):
        if "topic" in data:
            topic = str(data["topic"])
            if topic not in TOPIC_HOOKS and not topic.startswith("action."):
                raise RestError(400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is invalid.")
            webhook["topic"] = topic
            webhook["resource"], _, webhook["event"] = topic.partition(".")
            webhook["hooks"] = list(TOPIC_HOOKS.get(topic, [webhook["event"]]))
        if "status" in data:
            status = data["status"]
            webhook["status"] = status if status in STATUSES else "disabled"  # WC_Webhook::set_status
        for field in ("name", "delivery_url", "secret"):
            if field in data and data[field] is not None:
                webhook[field] = str(data[field])
        webhook["date_modified"] = self.sim.store.now()

    def delete(self, webhook):
        self.sim.store.webhooks.pop(webhook["id"], None)
        with self._lock:
            self.pending = [d for d in self.pending if d.webhook_id != webhook["id"]]

    # ------------------------------------------------------------------ events

    def emit(self, topic, resource_id):
        """`topic` happened to `resource_id`: queue a delivery per active webhook of the topic,
        unless one for the same webhook and resource is still pending."""
        store = self.sim.store
        self.events.append({"topic": topic, "resource_id": resource_id, "at": self.sim.clock.time()})
        queued = 0
        for webhook in list(store.webhooks.values()):
            if webhook["topic"] != topic or webhook["status"] != "active":
                continue
            with self._lock:
                if any(
                    d.webhook_id == webhook["id"] and d.resource_id == resource_id and not d.duplicate
                    for d in self.pending
                ):
                    self.coalesced += 1
                    continue
                if self._lose_next > 0:
                    self._lose_next -= 1
                    self.lost += 1
                    continue
                if len(self.pending) >= MAX_PENDING:
                    self.pending.pop(0)
                self.pending.append(
                    Delivery(webhook["id"], topic, resource_id, queued_at=self.sim.clock.time())
                )
                if self.duplicate_rate and self.rng.random() < self.duplicate_rate:
                    self.pending.append(
                        Delivery(
                            webhook["id"], topic, resource_id, duplicate=True, queued_at=self.sim.clock.time()
                        )
                    )
                queued += 1
        if queued:
            self._wake.set()
        return queued

    def lose_next(self, count):
        with self._lock:
            self._lose_next += int(count)

    # ------------------------------------------------------------------ delivery

    def delivery_id(self, webhook_id, timestamp):
        """wp_hash($id . strtotime('now')): HMAC-MD5 with the site's salt, per second."""
        return hmac.new(self.salt.encode(), f"{webhook_id}{int(timestamp)}".encode(), hashlib.md5).hexdigest()

    def user_agent(self):
        return f"WooCommerce/{self.sim.wc_version} Hookshot (WordPress/{self.sim.wp_version})"

    def build_payload(self, webhook, resource_id):
        """WC_Webhook::build_payload: the REST v3 representation now, or {"id"} for *.deleted."""
        if webhook["event"] == "deleted":
            return {"id": resource_id}
        store = self.sim.store
        with store.lock:
            if webhook["resource"] == "order":
                record = store.orders.get(resource_id)
                return (
                    store.render_order(record)
                    if record
                    else _not_found("woocommerce_rest_shop_order_invalid_id")
                )
            if webhook["resource"] == "product":
                record = store.products.get(resource_id)
                return (
                    store.render_product(record)
                    if record
                    else _not_found("woocommerce_rest_product_invalid_id")
                )
            if webhook["resource"] == "customer":
                record = store.customers.get(resource_id)
                return store.render_customer(record) if record else _not_found("woocommerce_rest_invalid_id")
        return {"action": webhook["hooks"][0] if webhook["hooks"] else "", "arg": resource_id}

    def flush(self):
        """Deliver every pending delivery now (synchronously); returns one result dict each."""
        results = []
        with self._flush_lock:
            with self._lock:
                due, self.pending = self.pending, []
            if self.reorder:
                self.rng.shuffle(due)
            for delivery in due:
                result = self._deliver(delivery)
                if result is not None:
                    results.append(result)
        return results

    def _deliver(self, delivery):
        store = self.sim.store
        webhook = store.webhooks.get(delivery.webhook_id)
        if webhook is None or webhook["status"] != "active":
            return None
        body = wp_json(self.build_payload(webhook, delivery.resource_id))
        now = self.sim.clock.time()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": self.user_agent(),
            "X-WC-Webhook-Source": self.sim.base_url + "/",
            "X-WC-Webhook-Topic": webhook["topic"],
            "X-WC-Webhook-Resource": webhook["resource"],
            "X-WC-Webhook-Event": webhook["event"],
            "X-WC-Webhook-Signature": sign(webhook["secret"], body),
            "X-WC-Webhook-ID": str(webhook["id"]),
            "X-WC-Webhook-Delivery-ID": self.delivery_id(webhook["id"], now),
        }
        status, error = _post(webhook["delivery_url"], body, headers)
        ok = status is not None and 200 <= status < 303
        with store.lock:
            if ok:
                webhook["failure_count"] = 0
            elif webhook["failure_count"] > MAX_FAILURES:
                webhook["status"] = "disabled"
            else:
                webhook["failure_count"] += 1
        result = {
            "webhook_id": webhook["id"],
            "topic": webhook["topic"],
            "resource_id": delivery.resource_id,
            "url": webhook["delivery_url"],
            "status": status,
            "error": error,
            "ok": ok,
            "duplicate": delivery.duplicate,
            "headers": headers,
            "body": body,
            "failure_count": webhook["failure_count"],
            "webhook_status": webhook["status"],
        }
        self.log.append(result)
        return result

    def run_pings(self):
        """Send the pings of the webhooks created since the last call."""
        with self._lock:
            due, self.pings_due = self.pings_due, []
        for webhook_id in due:
            webhook = self.sim.store.webhooks.get(webhook_id)
            if webhook is not None:
                self.ping(webhook)

    def ping(self, webhook):
        """WC_Webhook::deliver_ping: form body webhook_id=<id>, no X-WC-* headers; the answer is
        recorded (pending_delivery cleared on exactly 200) but does not undo the creation."""
        body = f"webhook_id={webhook['id']}".encode()
        headers = {"User-Agent": self.user_agent(), "Content-Type": "application/x-www-form-urlencoded"}
        if not self.sim.ping_on_create:
            return None
        status, error = _post(webhook["delivery_url"], body, headers)
        if status == 200:
            webhook["pending_delivery"] = False
        result = {
            "webhook_id": webhook["id"],
            "url": webhook["delivery_url"],
            "status": status,
            "error": error,
            "ok": status == 200,
            "headers": headers,
            "body": body,
        }
        self.pings.append(result)
        return result

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
                    self.flush()
                except Exception:  # noqa: BLE001 - a delivery bug must not kill the demo's thread
                    _logger.exception("webhook background delivery failed")

        self._thread = threading.Thread(target=loop, name="woocommerce-sim-webhooks", daemon=True)
        self._thread.start()

    def stop_background(self):
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=TIMEOUT + 2)
        self._thread = None


def _not_found(code):
    return {"code": code, "message": "Invalid ID.", "data": {"status": 404}}


def _post(url, body, headers):
    """POST with http.client (header names kept as WooCommerce writes them; no redirect followed)."""
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = None
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        response.read(65536)
        return response.status, None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, repr(exc)
    finally:
        if connection is not None:
            connection.close()
