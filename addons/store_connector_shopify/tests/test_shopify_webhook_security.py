"""Attacks on the Shopify webhook intake, through the real route (issue #7, point 3).

A stored delivery's body is signed by Shopify, but neither the topic nor the shop domain header
nor X-Shopify-Triggered-At is: whoever holds a body and its signature can post it again under a
new X-Shopify-Webhook-Id, any topic and any time. These tests make those posts as an attacker
would, and the genuine events next to them.
"""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_shopify import const
from odoo.addons.store_connector_shopify.models.store_adapter import _shape_problem

from .common import SIM_CLIENT_SECRET, ShopifySimulatorHttpCase


def sign(body, secret=SIM_CLIENT_SECRET):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def triggered_at(delta=timedelta()):
    """X-Shopify-Triggered-At as Shopify writes it (UTC, fractional seconds, Z)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@tagged("post_install", "-at_install")
class TestShopifyWebhookSecurity(ShopifySimulatorHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim.add_product("Replay Tee", variants=[{"sku": "RPL-1", "price": "10.00", "inventory": 20}])

    def setUp(self):
        super().setUp()
        self.store._get_adapter()._register_webhooks(self.store)
        # Some tests uninstall the app on the simulator (shared by the class): put it back.
        self.addCleanup(self.sim.reinstall)
        self.addCleanup(lambda: self.sim.webhooks.pending.clear())

    # ------------------------------------------------------------------ helpers
    def _post(self, kind, topic, body, signature=None, webhook_id=None, when=None, shop=None,
              extra=None):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature if signature is not None else sign(body),
            "X-Shopify-Shop-Domain": shop if shop is not None else self.sim.shop,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": when if when is not None else triggered_at(),
            **(extra or {}),
        }
        headers = {key: value for key, value in headers.items() if value is not False}
        return self.url_open(self.store._webhook_url(kind), data=body, headers=headers)

    def _deliveries(self, topic=None):
        domain = [("store_id", "=", self.store.id)] + ([("topic", "=", topic)] if topic else [])
        return self.env["store.webhook.delivery"].search(domain)

    def _stored_order_delivery(self):
        """An order placed on the simulator, delivered to Odoo: the stored delivery and the
        signature that came with it (what an attacker who read the delivery held)."""
        self.sim.add_order([{"sku": "RPL-1", "quantity": 1}], email="replay@example.com")
        results = self.sim.flush_webhooks()
        sent = next(r for r in results if r["topic"] == "orders/create")
        self.assertEqual(sent["status"], 200, sent)
        delivery = self._deliveries("orders/create")
        self.assertEqual(len(delivery), 1)
        return delivery, sent["headers"]["X-Shopify-Hmac-Sha256"]

    def _log_messages(self):
        return "\n".join(self.store.with_context(active_test=False).log_ids.mapped("message") or [])

    # ------------------------------------------------------------------ replay, topic confusion
    def test_stored_order_replayed_as_uninstall_refused(self):
        """A stored orders/create body and its signature, posted again under a new webhook id as
        app/uninstalled: refused, nothing stored, the store stays active."""
        delivery, signature = self._stored_order_delivery()
        body = delivery.body.encode()
        before = self._deliveries()
        response = self._post("app", "app/uninstalled", body, signature=signature)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self._deliveries(), before, "nothing stored")
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("operation", "=", "webhook.app")]))
        self.run_queue()
        self.store.invalidate_recordset()
        self.assertTrue(self.store.active)
        # the same body under its own topic but another webhook id is a duplicate of the event,
        # which the order pipeline ignores (not newer than what it imported); it is no attack
        response = self._post("orders", "orders/updated", body, signature=signature)
        self.assertEqual(response.status_code, 200, response.text)

    def test_stored_order_replayed_as_customers_redact_refused(self):
        delivery, signature = self._stored_order_delivery()
        partner = self._customer_partner("gid://shopify/Customer/424242", "victim")
        before = self._deliveries()
        response = self._post("compliance", "customers/redact", delivery.body.encode(), signature=signature)
        self.assertEqual(response.status_code, 400, response.text)
        response = self._post("compliance", "shop/redact", delivery.body.encode(), signature=signature)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self._deliveries(), before)
        self.run_queue()
        self.assertEqual(partner.email, "victim@example.com")

    def test_compliance_bodies_do_not_swap_topics(self):
        """A genuine customers/data_request body (it names the shop) re-posted as customers/redact,
        and a customers/redact body as shop/redact: the shapes differ, both refused."""
        shop = {"shop_id": self.sim.store.shop_id, "shop_domain": self.sim.shop}
        data_request = {**shop, "customer": {"id": 31, "email": "c@example.com", "phone": None},
                        "orders_requested": [], "data_request": {"id": 9}}
        redact = {**shop, "customer": {"id": 31, "email": "c@example.com", "phone": None},
                  "orders_to_redact": []}
        self.assertEqual(self._post("compliance", "customers/redact", data_request).status_code, 400)
        self.assertEqual(self._post("compliance", "shop/redact", redact).status_code, 400)
        self.assertEqual(self._post("app", "app/uninstalled", redact).status_code, 400)
        self.assertFalse(self._deliveries())
        # each under its own topic is accepted
        self.assertEqual(self._post("compliance", "customers/data_request", data_request).status_code, 200)
        self.assertEqual(self._post("compliance", "customers/redact", redact).status_code, 200)

    def test_product_body_replayed_as_product_delete_refused(self):
        product = {"id": 77, "admin_graphql_api_id": "gid://shopify/Product/77", "title": "Tee",
                   "variants": [], "updated_at": "2026-11-01T10:00:00+00:00"}
        self.assertEqual(self._post("products", "products/delete", product).status_code, 400)
        self.assertEqual(self._post("products", "products/update", product).status_code, 200)
        self.assertEqual(self._post("products", "products/delete", {"id": 77}).status_code, 200)

    def test_body_of_another_shop_refused(self):
        """The app's secret signs the webhooks of every shop that installed it: a body naming
        another shop, posted with this store's shop domain header, is refused (401)."""
        other = {"id": 99, "name": "Other", "domain": "other-shop.example.com",
                 "myshopify_domain": "other-shop.myshopify.com"}
        self.assertEqual(self._post("app", "app/uninstalled", other).status_code, 401)
        redact = {"shop_id": 99, "shop_domain": "other-shop.myshopify.com"}
        self.assertEqual(self._post("compliance", "shop/redact", redact).status_code, 401)
        self.assertFalse(self._deliveries())
        # once Test Connection has recorded the shop's id, the id must match too
        self.store._get_adapter()._test_connection(self.store)
        self.assertEqual(self.store.shopify_shop_id, str(self.sim.store.shop_id))
        wrong_id = {"shop_id": 99, "shop_domain": self.sim.shop}
        self.assertEqual(self._post("compliance", "shop/redact", wrong_id).status_code, 401)
        self.assertFalse(self._deliveries())

    # ------------------------------------------------------------------ timestamps
    def test_stale_and_future_deliveries_refused(self):
        product = {"id": 5, "admin_graphql_api_id": "gid://shopify/Product/5", "title": "Tee",
                   "variants": []}
        # older than Shopify's retry window (8 retries over 4 hours): not stored; answered 2xx,
        # since Shopify would retry the same stale delivery and then drop the subscription
        response = self._post("products", "products/update", product, when=triggered_at(-timedelta(hours=6)))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "stale")
        # ahead of our clock by more than the allowed skew
        response = self._post("products", "products/update", product, when=triggered_at(timedelta(hours=1)))
        self.assertEqual(response.status_code, 400, response.text)
        # without the header (Shopify always sends it), or unreadable
        for when in (False, "yesterday", "2026-11-05 12:00:00"):
            response = self._post("products", "products/update", product, when=when)
            self.assertEqual(response.status_code, 400, when)
        self.assertFalse(self._deliveries())
        # within the window, and a few seconds ahead (clock skew): accepted
        response = self._post("products", "products/update", product, when=triggered_at(-timedelta(hours=3)))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "queued")
        response = self._post("products", "products/update", product,
                              when=triggered_at(timedelta(seconds=30)))
        self.assertEqual(response.json()["status"], "queued")
        self.assertEqual(len(self._deliveries()), 2)

    def test_stale_uninstall_replay_does_nothing(self):
        shop_payload = {"id": self.sim.store.shop_id, "name": "Shop", "domain": self.sim.shop,
                        "myshopify_domain": self.sim.shop}
        self.sim.uninstall()  # even when the app really is gone, an old delivery is not acted on
        response = self._post("app", "app/uninstalled", shop_payload, when=triggered_at(-timedelta(days=2)))
        self.assertEqual(response.json()["status"], "stale")
        self.assertFalse(self._deliveries())
        self.run_queue()
        self.store.invalidate_recordset()
        self.assertTrue(self.store.active)

    # ------------------------------------------------------------------ destructive events confirmed
    def test_uninstall_confirmed_by_the_api_deactivates(self):
        self.sim.uninstall()  # the simulator revokes the app's tokens, as Shopify does
        self.sim.flush_webhooks()
        self.assertEqual(len(self._deliveries("app/uninstalled")), 1)
        self.run_queue()
        self.store.invalidate_recordset()
        self.assertFalse(self.store.active)
        self.assertIn("uninstalled", self._log_messages())

    def test_uninstall_contradicted_by_the_api_ignored(self):
        """A well-formed, signed app/uninstalled for this shop while the app is still installed
        (its token still works): recorded as ignored, the store untouched."""
        shop_payload = {"id": self.sim.store.shop_id, "name": "Shop", "domain": self.sim.shop,
                        "myshopify_domain": self.sim.shop}
        response = self._post("app", "app/uninstalled", shop_payload)
        self.assertEqual(response.status_code, 200, response.text)
        self.run_queue()
        self.store.invalidate_recordset()
        self.assertTrue(self.store.active)
        self.assertTrue(all(w.status == "active" for w in self.store.webhook_ids))
        job = self._deliveries("app/uninstalled").job_id
        self.assertEqual(job.state, "done")
        self.assertIn("ignored", self._log_messages())
        self.assertIn("still installed", self._log_messages())

    def test_shop_redact_contradicted_then_confirmed(self):
        partner = self._customer_partner("gid://shopify/Customer/51", "shopper")
        body = {"shop_id": self.sim.store.shop_id, "shop_domain": self.sim.shop}
        self.assertEqual(self._post("compliance", "shop/redact", body).status_code, 200)
        self.run_queue()
        self.assertEqual(partner.email, "shopper@example.com", "the app is installed: nothing redacted")
        self.assertIn("shop/redact", self._log_messages())
        self.assertIn("ignored", self._log_messages())
        # Shopify sends shop/redact 48 hours after the uninstall: the token is refused by then
        self.sim.uninstall()
        self.assertEqual(self._post("compliance", "shop/redact", body).status_code, 200)
        self.run_queue()
        self.assertFalse(partner.email)

    # ------------------------------------------------------------------ what is kept
    def test_signature_header_not_stored(self):
        delivery, _signature = self._stored_order_delivery()
        stored = {key.lower() for key in delivery.headers}
        self.assertNotIn("x-shopify-hmac-sha256", stored)
        self.assertIn("x-shopify-webhook-id", stored)
        self.assertIn("x-shopify-triggered-at", stored)
        self.assertIn("x-shopify-event-id", stored)


@tagged("post_install", "-at_install")
class TestShopifyWebhookShapes(TransactionCase):
    """The payload shapes the intake checks, on the REST payloads the fixtures hold (recorded from
    the simulator's webhooks, which follow Shopify's webhook reference)."""

    # fixture file -> the topic it was sent under (products/create is read as products/update)
    FIXTURES = {
        "webhook_orders_create.json": "orders/create",
        "webhook_orders_updated.json": "orders/updated",
        "webhook_orders_paid.json": "orders/paid",
        "webhook_orders_cancelled.json": "orders/cancelled",
        "webhook_refunds_create.json": "refunds/create",
        "webhook_products_create.json": "products/update",
        "webhook_inventory_levels_update.json": "inventory_levels/update",
    }
    SHOP = {"id": 68000000001, "name": "Shop", "domain": "shop.example.com",
            "myshopify_domain": "shop.myshopify.com"}
    COMPLIANCE = {
        "customers/data_request": {"shop_id": 1, "shop_domain": "shop.myshopify.com",
                                   "customer": {"id": 1}, "orders_requested": [1],
                                   "data_request": {"id": 2}},
        "customers/redact": {"shop_id": 1, "shop_domain": "shop.myshopify.com",
                             "customer": {"id": 1}, "orders_to_redact": [1]},
        "shop/redact": {"shop_id": 1, "shop_domain": "shop.myshopify.com"},
    }

    def _payloads(self):
        data = Path(__file__).parent / "data"
        payloads = {topic: json.loads((data / name).read_text()) for name, topic in self.FIXTURES.items()}
        payloads["app/uninstalled"] = self.SHOP
        payloads["products/delete"] = {"id": 8100000000001}
        payloads["bulk_operations/finish"] = {
            "admin_graphql_api_id": "gid://shopify/BulkOperation/1", "completed_at": None,
            "created_at": "2026-11-24T04:32:13+00:00", "error_code": None, "status": "completed",
            "type": "query",
        }
        return {**payloads, **self.COMPLIANCE}

    def test_every_handled_topic_has_a_shape(self):
        adapter = self.env["store.adapter.shopify"]
        shapes = adapter._shopify_webhook_shapes()
        handled = (set(adapter._webhook_topic_handlers(self.env["connector.store"]))
                   | set(const.SHOPIFY_WEBHOOK_TOPICS) | set(const.SHOPIFY_COMPLIANCE_TOPICS))
        self.assertFalse(handled - set(shapes), "topics the intake would refuse")

    def test_each_payload_fits_its_topic_and_no_other(self):
        """The confusion matrix: every handled topic's payload passes its own shape and fails the
        shape of every topic that acts on something else (the order topics share one shape)."""
        shapes = self.env["store.adapter.shopify"]._shopify_webhook_shapes()
        payloads = self._payloads()
        for topic, payload in payloads.items():
            self.assertIsNone(_shape_problem(payload, shapes[topic]), topic)
            for other, shape in shapes.items():
                if shape is shapes[topic] or shape == shapes[topic]:
                    continue
                with self.subTest(body=topic, posted_as=other):
                    self.assertIsNotNone(_shape_problem(payload, shape))

    def test_json_types_are_strict(self):
        shape = const.SHOPIFY_WEBHOOK_SHAPES["app/uninstalled"]
        self.assertIsNotNone(_shape_problem({**self.SHOP, "id": True}, shape), "a bool is not an id")
        self.assertIsNotNone(_shape_problem({**self.SHOP, "id": "68000000001"}, shape))
        self.assertIsNotNone(_shape_problem({**self.SHOP, "myshopify_domain": " "}, shape))
        level = const.SHOPIFY_WEBHOOK_SHAPES["inventory_levels/update"]
        payload = self._payloads()["inventory_levels/update"]
        self.assertIsNone(_shape_problem({**payload, "available": None}, level), "untracked: null")
