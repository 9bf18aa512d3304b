import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

from odoo.tests import tagged

from .common import SIM_CLIENT_SECRET, ShopifySimulatorHttpCase


def sign(body, secret=SIM_CLIENT_SECRET):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def product_payload(product_id):
    """A products/update body as Shopify sends it (the fields the intake checks)."""
    return {"id": product_id, "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
            "title": f"Product {product_id}", "variants": []}


@tagged("post_install", "-at_install")
class TestShopifyWebhooks(ShopifySimulatorHttpCase):
    # every webhook the simulator sends arrives twice (same X-Shopify-Webhook-Id and Event-Id)
    sim_kwargs = {"duplicate_rate": 1.0}

    def _post(self, kind, topic, payload, secret=SIM_CLIENT_SECRET, webhook_id=None, signature=None,
              shop=None, event_id=None):
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature if signature is not None else sign(body, secret),
            "X-Shopify-Shop-Domain": shop if shop is not None else self.sim.shop,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        return self.url_open(self.store._webhook_url(kind), data=body, headers=headers)

    def _deliveries(self, topic=None):
        domain = [("store_id", "=", self.store.id)] + ([("topic", "=", topic)] if topic else [])
        return self.env["store.webhook.delivery"].search(domain)

    def test_register_webhooks_idempotent_and_repairs(self):
        webhooks = self.store._get_adapter()._register_webhooks(self.store)
        topics = set(webhooks.mapped("topic"))
        self.assertIn("orders/create", topics)
        self.assertIn("app/uninstalled", topics)
        subs = self.sim.store.webhook_subscriptions
        self.assertEqual(len(subs), len(webhooks))
        first_ids = set(webhooks.mapped("external_id"))
        for webhook in webhooks:
            self.assertEqual(webhook.address, self.store._webhook_url(webhook.kind))
        # again: nothing new
        again = self.store._get_adapter()._register_webhooks(self.store)
        self.assertEqual(set(again.mapped("external_id")), first_ids)
        self.assertEqual(len(self.sim.store.webhook_subscriptions), len(webhooks))
        # the store code changed: every subscription is replaced by one with the right address
        self.store.code = "renamed-store-code"
        repaired = self.store._get_adapter()._register_webhooks(self.store)
        self.assertEqual(len(self.sim.store.webhook_subscriptions), len(webhooks))
        self.assertFalse(set(repaired.mapped("external_id")) & first_ids)
        self.assertTrue(all("renamed-store-code" in w.address for w in repaired))
        action = self.store.action_register_webhooks()
        self.assertEqual(action["params"]["type"], "success")

    def test_signed_accepted_bad_hmac_refused_duplicate_once(self):
        payload = product_payload(1)
        response = self._post("products", "products/update", payload, webhook_id="wh-1", event_id="ev-1")
        self.assertEqual(response.status_code, 200, response.text)
        # Shopify's retry: the same webhook id and event id
        response = self._post("products", "products/update", payload, webhook_id="wh-1", event_id="ev-1")
        self.assertEqual((response.status_code, response.json()), (200, {"status": "duplicate"}))
        # the same event redelivered under a new webhook id: still a duplicate (X-Shopify-Event-Id)
        response = self._post("products", "products/update", payload, webhook_id="wh-2", event_id="ev-1")
        self.assertEqual((response.status_code, response.json()), (200, {"status": "duplicate"}))
        self.assertEqual(len(self._deliveries("products/update")), 1)
        self.assertEqual(len(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                          ("operation", "=", "webhook.products")])), 1)
        # both Shopify ids are kept: the event id dedupes, the webhook id stays in the headers
        delivery = self._deliveries("products/update")
        self.assertEqual(delivery.event_id, "ev-1")
        self.assertEqual(delivery.headers.get("X-Shopify-Webhook-Id"), "wh-1")
        response = self._post("products", "products/update", payload, secret="wrong-secret")
        self.assertEqual(response.status_code, 401)
        response = self._post("products", "products/update", payload, signature="")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(len(self._deliveries("products/update")), 1)
        # a topic we do not handle: acknowledged, not stored
        response = self._post("products", "locations/create", {"id": 5})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self._deliveries("locations/create"))

    def test_other_shop_domain_refused(self):
        """A delivery signed with the app's secret but for another shop (the same app installed
        there) is refused, as is one that does not name its shop."""
        payload = product_payload(7)
        response = self._post("products", "products/update", payload, shop="another-shop.myshopify.com")
        self.assertEqual(response.status_code, 401)
        response = self._post("products", "products/update", payload, shop="")
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self._deliveries("products/update"))
        response = self._post("products", "products/update", payload, shop=self.sim.shop.upper())
        self.assertEqual(response.status_code, 200, "domains compare case-insensitively")

    def test_previous_secret_accepted_after_rotation(self):
        self.env["integration.credential"]._set_value(self.store, "client_secret_previous", SIM_CLIENT_SECRET)
        self.env["integration.credential"]._set_value(self.store, "client_secret", "the-new-client-secret")
        response = self._post("products", "products/update", product_payload(2))
        self.assertEqual(response.status_code, 200)
        response = self._post("products", "products/update", product_payload(3),
                              secret="the-new-client-secret")
        self.assertEqual(response.status_code, 200)

    def _reinstall(self):
        """The simulator is the class's: undo an uninstall and drop what it still had to send."""
        self.sim.reinstall()
        self.sim.webhooks.pending.clear()

    def test_uninstall_through_the_simulator(self):
        self.store._get_adapter()._register_webhooks(self.store)
        self.sim.uninstall()
        self.addCleanup(self._reinstall)
        results = self.sim.flush_webhooks()
        self.assertGreaterEqual(len(results), 2)  # sent twice, stored and processed once
        delivery = self._deliveries("app/uninstalled")
        self.assertEqual(len(delivery), 1)
        self.run_queue()
        self.store.invalidate_recordset()
        self.assertFalse(self.store.active)
        self.assertTrue(self.store.log_ids.filtered(lambda log: "uninstalled" in (log.message or "")))
        self.assertIn("uninstalled", self.store.message_ids[:1].body)

    def test_customers_redact(self):
        customer = self.sim.add_customer(email="ann@example.com", first_name="Ann", last_name="Smith")
        legacy_id = customer["legacy_id"] if isinstance(customer, dict) else customer
        ann = self._customer_partner(f"gid://shopify/Customer/{legacy_id}", "ann")
        other = self._customer_partner("gid://shopify/Customer/999999", "bob")
        self.sim.trigger_compliance("customers/redact", customer=customer["id"] if isinstance(customer, dict)
                                    else customer, uri=self.store._webhook_url("compliance"))
        self.sim.flush_webhooks()
        self.assertEqual(len(self._deliveries("customers/redact")), 1)
        self.run_queue()
        self.assertFalse(ann.email)
        self.assertFalse(ann.street)
        self.assertIn("Redacted", ann.name)
        self.assertEqual(other.email, "bob@example.com")
        self.assertTrue(self.store.log_ids.filtered(lambda log: log.operation == "webhook.compliance"))

    def test_shop_redact_keeps_invoiced_partners(self):
        kept = self._customer_partner("gid://shopify/Customer/11", "kept")
        gone = self._customer_partner("gid://shopify/Customer/12", "gone")
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": kept.id,
            "invoice_line_ids": [(0, 0, {"name": "Item", "quantity": 1, "price_unit": 10})],
        })
        invoice.action_post()
        # Shopify asks 48 hours after the uninstall; the redaction waits for Shopify to confirm it
        self.sim.uninstall()
        self.addCleanup(self._reinstall)
        response = self._post("compliance", "shop/redact", {"shop_id": 1, "shop_domain": self.sim.shop})
        self.assertEqual(response.status_code, 200)
        self.run_queue()
        self.assertEqual(kept.email, "kept@example.com")
        self.assertFalse(gone.email)
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "webhook.compliance")
        self.assertIn(str(kept.id), log[:1].message)

    def test_data_request_logged(self):
        partner = self._customer_partner("gid://shopify/Customer/21", "dora")
        response = self._post("compliance", "customers/data_request",
                              {"shop_id": 1, "shop_domain": self.sim.shop, "customer": {"id": 21},
                               "orders_requested": [], "data_request": {"id": 7}})
        self.assertEqual(response.status_code, 200)
        self.run_queue()
        self.assertEqual(partner.email, "dora@example.com")
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "webhook.compliance")
        self.assertIn("data request 7", log[:1].message)
