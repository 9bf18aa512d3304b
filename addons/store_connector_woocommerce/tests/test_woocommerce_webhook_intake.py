"""WooCommerce webhook intake over Odoo's real HTTP server: the ping, signatures on the raw body,
the event identity (X-WC-Webhook-Delivery-ID is not unique per event), the source shop, bodies
that do not fit their topic, and the delivery a job acts on when they come out of order."""

import json
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.tests.common import run_queue

from ..models.store_adapter_webhooks import signature, wp_specialchars_decode
from .common import WEBHOOK_SECRET, create_woocommerce_store

DATA = Path(__file__).parent / "data"
SHOP_URL = "https://shop.example.com"
ORDER_BODY = (DATA / "order_727.json").read_bytes()


def order_body(order_id=727, modified="2026-11-20T09:05:09", status="processing"):
    """An order.updated body (WordPress's JSON, slashes escaped) for `order_id`."""
    payload = json.loads(ORDER_BODY)
    payload.update(id=order_id, date_modified_gmt=modified, status=status)
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


@tagged("post_install", "-at_install")
class TestWooCommerceWebhookIntake(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url=SHOP_URL)
        cls.Delivery = cls.env["store.webhook.delivery"]

    def setUp(self):
        super().setUp()
        # The topic table is filled by the sync modules; here a recording handler stands for them.
        self.handled = []
        adapter_class = type(self.env["store.adapter.woocommerce"])

        def handlers(adapter, store):
            topics = ("order.created", "order.updated", "order.deleted", "product.updated")
            return dict.fromkeys(topics, "_woocommerce_test_handler")

        def handler(adapter, store, delivery, payload):
            self.handled.append((delivery.topic, payload))
            return {"handled": payload.get("id")}

        for name, function in (("_webhook_topic_handlers", handlers), ("_woocommerce_test_handler", handler)):
            patcher = patch.object(adapter_class, name, function, create=True)
            patcher.start()
            self.addCleanup(patcher.stop)

    # ------------------------------------------------------------------ helpers
    def post(self, body, topic="order.updated", kind="orders", secret=WEBHOOK_SECRET, sig=None,
             delivery_id="9c1f3e", source=SHOP_URL + "/", webhook_id="41", store=None, headers=None):
        """POST `body` as WooCommerce delivers it: its X-WC-Webhook-* headers, signed with `secret`."""
        sent = {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.4.1 Hookshot (WordPress/6.7)",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": topic.split(".")[0],
            "X-WC-Webhook-Event": topic.split(".")[-1],
            "X-WC-Webhook-ID": webhook_id,
            "X-WC-Webhook-Delivery-ID": delivery_id,
        }
        if source is not None:
            sent["X-WC-Webhook-Source"] = source
        if sig is not None or secret is not None:
            sent["X-WC-Webhook-Signature"] = sig if sig is not None else signature(secret, body)
        sent.update(headers or {})
        return self.url_open((store or self.store)._webhook_url(kind), data=body, headers=sent)

    def deliveries(self):
        return self.Delivery.search([("store_id", "=", self.store.id)])

    def jobs(self):
        return self.env["sync.job"].search([("store_id", "=", self.store.id)])

    def assert_nothing_stored(self):
        self.assertFalse(self.deliveries())
        self.assertFalse(self.jobs())

    # ------------------------------------------------------------------ ping
    def test_ping_gets_exactly_200_and_is_not_stored(self):
        response = self.url_open(self.store._webhook_url("orders"), data=b"webhook_id=41", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "WooCommerce/9.4.1 Hookshot (WordPress/6.7)"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ignored"})
        self.assert_nothing_stored()

    def test_ping_lookalikes_must_be_signed(self):
        # A ping body with WooCommerce's delivery headers, or anything more than the ping: signed or refused.
        response = self.post(b"webhook_id=41", secret=None)
        self.assertEqual(response.status_code, 401)
        response = self.url_open(self.store._webhook_url("orders"), data=b"webhook_id=41&x=1")
        self.assertEqual(response.status_code, 401)
        self.assert_nothing_stored()

    # ------------------------------------------------------------------ signatures
    def test_signed_delivery_is_stored_on_its_raw_bytes_and_queued(self):
        self.assertIn(b"\\/", ORDER_BODY, "WordPress escapes slashes: the signature covers them as sent")
        response = self.post(ORDER_BODY)
        self.assertEqual((response.status_code, response.json()), (200, {"status": "queued"}))
        delivery = self.deliveries()
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.topic, "order.updated")
        self.assertEqual(delivery.kind, "orders")
        self.assertEqual(delivery.sudo().body.encode(), ORDER_BODY)
        stored = {name.lower() for name in delivery.sudo().headers}
        self.assertNotIn("x-wc-webhook-signature", stored)
        self.assertIn("x-wc-webhook-delivery-id", stored)
        self.assertEqual(delivery.job_id.identity_key, "webhook:order:727")
        run_queue(self.env, self.store)
        self.assertEqual(delivery.job_id.state, "done")
        self.assertEqual([(topic, payload["id"]) for topic, payload in self.handled],
                         [("order.updated", 727)])

    def test_unsigned_and_bad_signature_are_refused_and_nothing_stored(self):
        self.assertEqual(self.post(ORDER_BODY, secret=None).status_code, 401)
        self.assertEqual(self.post(ORDER_BODY, secret="not-the-secret").status_code, 401)
        self.assertEqual(self.post(ORDER_BODY, sig="").status_code, 401)
        # Signed over the re-serialised JSON (slashes unescaped), not the bytes sent.
        reserialised = json.dumps(json.loads(ORDER_BODY), separators=(",", ":")).encode()
        self.assertEqual(self.post(ORDER_BODY, sig=signature(WEBHOOK_SECRET, reserialised)).status_code, 401)
        self.assert_nothing_stored()

    def test_previous_secret_still_verifies(self):
        Credential = self.env["integration.credential"]
        Credential._set_value(self.store, "webhook_secret_previous", WEBHOOK_SECRET)
        Credential._set_value(self.store, "webhook_secret", "a-new-secret-after-rotation")
        self.assertEqual(self.post(ORDER_BODY).status_code, 200)
        self.assertEqual(self.post(order_body(728), secret="a-new-secret-after-rotation").status_code, 200)
        self.assertEqual(len(self.deliveries()), 2)

    def test_secret_is_html_entity_decoded_as_woocommerce_signs(self):
        self.assertEqual(wp_specialchars_decode("a&amp;b&#039;c&quot;&lt;&gt;&amp;amp;"), "a&b'c\"<>&amp;")
        self.env["integration.credential"]._set_value(self.store, "webhook_secret", "s3cr&amp;t")
        self.assertEqual(signature("s3cr&amp;t", ORDER_BODY), signature("s3cr&t", ORDER_BODY))
        self.assertEqual(self.post(ORDER_BODY, secret="s3cr&t").status_code, 200)

    # ------------------------------------------------------------------ requests refused
    def test_unknown_store_malformed_json_and_not_an_object(self):
        response = self.url_open("/api/v1/stores/no-such-store/webhooks/orders", data=ORDER_BODY, headers={
            "X-WC-Webhook-Signature": signature(WEBHOOK_SECRET, ORDER_BODY),
            "X-WC-Webhook-Topic": "order.updated"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.post(b'{"id": 727,').status_code, 400)
        self.assertEqual(self.post(b"[727]").status_code, 400)
        self.assertEqual(self.post(b'{"status": "processing"}').status_code, 400, "no order id")
        self.assert_nothing_stored()

    def test_wrong_or_missing_source_is_refused(self):
        self.assertEqual(self.post(ORDER_BODY, source="https://other-shop.example.com/").status_code, 401)
        self.assertEqual(self.post(ORDER_BODY, source=None).status_code, 401)
        self.assert_nothing_stored()
        # The home URL as WordPress reports it (trailing slash, any case) is the store's.
        self.assertEqual(self.post(ORDER_BODY, source="https://SHOP.example.com").status_code, 200)

    def test_body_must_fit_its_topic(self):
        # An order's signed body posted again as its deletion, or a deletion's body as an update.
        self.assertEqual(self.post(ORDER_BODY, topic="order.deleted").status_code, 400)
        self.assertEqual(self.post(b'{"id":727}', topic="order.updated").status_code, 400)
        # An order's body as a product's, at the products address.
        self.assertEqual(self.post(ORDER_BODY, topic="product.updated", kind="products").status_code, 400)
        # A topic posted to another resource's address.
        self.assertEqual(self.post(ORDER_BODY, kind="products").status_code, 400)
        self.assertEqual(self.post(ORDER_BODY, topic="").status_code, 400)
        self.assert_nothing_stored()
        self.assertEqual(self.post(b'{"id":727}', topic="order.deleted").status_code, 200)

    def test_custom_action_topics_are_acknowledged_and_dropped(self):
        response = self.post(b'{"action":"woocommerce_x","arg":1}', topic="action.woocommerce_x")
        self.assertEqual((response.status_code, response.json()), (200, {"status": "ignored"}))
        self.assert_nothing_stored()

    def test_core_topic_without_handler_is_stored_and_ignored(self):
        coupon = b'{"id":5,"code":"summer","discount_type":"percent","amount":"10.00",' \
                 b'"date_modified_gmt":"2026-11-20T09:00:00"}'
        response = self.post(coupon, topic="coupon.updated", kind="coupons")
        self.assertEqual((response.status_code, response.json()), (200, {"status": "queued"}))
        run_queue(self.env, self.store)
        job = self.deliveries().job_id
        self.assertEqual(job.state, "done")
        self.assertIn("ignored", job.result)
        self.assertIn("coupon.updated", job.result)
        self.assertFalse(self.handled)

    # ------------------------------------------------------------------ event identity
    def test_same_delivery_id_different_bodies_are_two_deliveries(self):
        # Two changes of one order in the same second: WooCommerce gives both the same delivery id.
        first = order_body(modified="2026-11-20T09:05:09", status="processing")
        second = order_body(modified="2026-11-20T09:05:09", status="completed")
        self.assertEqual(self.post(first, delivery_id="same-second").json(), {"status": "queued"})
        self.assertEqual(self.post(second, delivery_id="same-second").json(), {"status": "queued"})
        # And two orders in the same second.
        self.assertEqual(self.post(order_body(728), delivery_id="same-second").json(), {"status": "queued"})
        self.assertEqual(len(self.deliveries()), 3)

    def test_same_body_twice_is_one_delivery(self):
        self.assertEqual(self.post(ORDER_BODY, delivery_id="d-1").json(), {"status": "queued"})
        # Sent again later (another delivery id), or by a second webhook of ours with the same topic.
        self.assertEqual(self.post(ORDER_BODY, delivery_id="d-2").json(), {"status": "duplicate"})
        self.assertEqual(self.post(ORDER_BODY, delivery_id="d-3", webhook_id="42").json(),
                         {"status": "duplicate"})
        self.assertEqual(len(self.deliveries()), 1)
        self.assertEqual(len(self.jobs()), 1)
        run_queue(self.env, self.store)
        self.assertEqual(len(self.handled), 1, "processed once")

    def test_deletions_are_told_apart_by_their_delivery_id(self):
        # Deleted, restored, deleted again: the same {"id": n} body, another delivery (another second).
        self.assertEqual(self.post(b'{"id":727}', topic="order.deleted", delivery_id="del-1").json(),
                         {"status": "queued"})
        self.assertEqual(self.post(b'{"id":727}', topic="order.deleted", delivery_id="del-1").json(),
                         {"status": "duplicate"})
        self.assertEqual(self.post(b'{"id":727}', topic="order.deleted", delivery_id="del-2").json(),
                         {"status": "queued"})
        self.assertEqual(len(self.deliveries()), 2)

    def test_reordered_deliveries_the_job_acts_on_the_newest(self):
        newer = order_body(modified="2026-11-20T09:30:00", status="completed")
        older = order_body(modified="2026-11-20T09:10:00", status="processing")
        self.post(newer, delivery_id="late-1")
        self.post(older, delivery_id="late-2")  # sent first, arrived last
        deliveries = self.deliveries()
        self.assertEqual(len(deliveries), 2)
        self.assertEqual(len(deliveries.job_id), 1, "one job for the order")
        run_queue(self.env, self.store)
        self.assertEqual([payload["status"] for _topic, payload in self.handled], ["completed"])
        self.assertEqual(deliveries.job_id.state, "done")

    def test_a_deletion_received_after_the_updates_wins(self):
        self.post(order_body(modified="2026-11-20T09:30:00"), delivery_id="u-1")
        self.post(b'{"id":727}', topic="order.deleted", delivery_id="x-1")
        self.post(order_body(modified="2026-11-20T09:10:00"), delivery_id="u-2")
        deliveries = self.deliveries()
        acted_on = deliveries.sudo()._acted_on()
        self.assertEqual(acted_on.topic, "order.deleted")
