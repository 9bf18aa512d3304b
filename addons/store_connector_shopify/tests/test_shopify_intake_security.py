"""Shopify deliveries after the first round of issue #7: a stock level posted again inside the
freshness window, and the compliance requests Shopify sends once the app is uninstalled (the store
archived). Through the real intake route, with the simulator sending what Shopify sends."""

import json
import uuid

from odoo.tests import tagged

from ..models.shopify_order_mapper import gid
from .common import ShopifySimulatorHttpCase
from .test_shopify_products import ShopifyCatalogMixin


@tagged("post_install", "-at_install")
class TestShopifyIntakeAfterUninstall(ShopifyCatalogMixin, ShopifySimulatorHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def setUp(self):
        super().setUp()
        self.store._get_adapter()._register_webhooks(self.store)
        # Tests uninstall the app on the simulator (shared by the class): put it back.
        self.addCleanup(self.sim.reinstall)
        self.addCleanup(lambda: self.sim.webhooks.pending.clear())

    def _flush(self):
        """Deliver what the simulator has pending; every delivery must be accepted."""
        results = self.sim.flush_webhooks()
        for result in results:
            self.assertEqual(result["status"], 200, result)
        return results

    def _deliveries(self, topic):
        return self.env["store.webhook.delivery"].search(
            [("store_id", "=", self.store.id), ("topic", "=", topic)])

    def _customer(self, external_id, name):
        partner = self.env["res.partner"].create({"name": name, "email": f"{name}@example.com",
                                                  "phone": "+1 555 0100", "street": "1 Main St"})
        self.env["store.customer.binding"].create({"store_id": self.store.id, "partner_id": partner.id,
                                                   "external_id": external_id})
        return partner

    def _repost(self, kind, delivery, signature):
        """A stored delivery's body and its signature, posted again under a new webhook id (what
        whoever saw a delivery on its way can do while it is fresh)."""
        headers = {key: value for key, value in delivery.headers.items()
                   if key.lower() not in ("content-length", "host")}
        headers.update({"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                        "Content-Type": "application/json"})
        return self.url_open(self.store._webhook_url(kind), data=delivery.body.encode(), headers=headers)

    # ------------------------------------------------------------------ point 4
    def test_stock_level_posted_again_is_not_applied_twice(self):
        sku = "REPLAY-LEVEL-1"
        self.sim.add_product("Replay Level", variants=[{"sku": sku, "price": "1.00"}])
        product = self.env["product.product"].create({"name": "Replay Level", "default_code": sku,
                                                      "is_storable": True})
        binding = self.store._publish_products(product)
        shop_product = self.sim.product(sku)
        shop_variant = next(v for v in shop_product["variants"] if v["sku"] == sku)
        binding.write({"external_product_id": shop_product["id"], "external_variant_id": shop_variant["id"],
                       "external_data": {"inventory_item_id": shop_variant["inventory_item_id"]},
                       "sync_state": "synced"})
        self.env["sync.job"].search([("store_id", "=", self.store.id)]).unlink()
        self.store.shopify_location_id = self.env["shopify.location"].create({
            "store_id": self.store.id, "name": "Primary",
            "shopify_gid": gid("Location", self.sim._location_id(None)),
        })
        self.store.shopify_import_inventory = True
        stock = self.warehouse.lot_stock_id

        def on_hand():
            product.invalidate_recordset()
            return product.with_context(location=stock.id).qty_available

        # The merchant counts 12 on Shopify: applied in Odoo.
        self.sim.set_inventory(sku, 12)
        [sent] = [r for r in self._flush() if r["topic"] == "inventory_levels/update"]
        signature = sent["headers"]["X-Shopify-Hmac-Sha256"]
        self.run_queue()
        self.assertEqual(on_hand(), 12)
        first = self._deliveries("inventory_levels/update")
        # Then 7 are sold in Odoo; Odoo publishes 5 (Shopify echoes it back: ignored).
        self.env["stock.quant"]._update_available_quantity(product, stock, -7)
        self.store._enqueue_inventory_sync()
        self.run_queue()
        self.assertEqual(self.sim.inventory(sku), 5)
        self._flush()
        self.run_queue()
        self.assertEqual(on_hand(), 5)
        # The first delivery posted again, fresh enough to pass the intake, under a new webhook
        # id: the same X-Shopify-Event-Id, a duplicate, neither stored nor applied again (Odoo
        # would go back to 12).
        response = self._repost("inventory", first, signature)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "duplicate")
        self.run_queue()
        def replays():
            others = self._deliveries("inventory_levels/update") - first
            return others.filtered(lambda d: d.body == first.body)

        self.assertFalse(replays())
        self.assertEqual(on_hand(), 5)
        # Its event id changed as well: stored, but the job sees the same event (updated_at).
        headers = dict(first.headers, **{"X-Shopify-Event-Id": str(uuid.uuid4())})
        first.sudo().headers = headers
        response = self._repost("inventory", first, signature)
        self.assertEqual(response.json()["status"], "queued")
        self.run_queue()
        replay = replays()
        self.assertEqual(len(replay), 1)
        self.assertEqual(replay.job_id.state, "done")
        self.assertIn("same event", json.loads(replay.job_id.result)["ignored"])
        self.assertEqual(on_hand(), 5)

    # ------------------------------------------------------------------ point 5
    def test_uninstall_then_shop_redact_anonymises_the_customers(self):
        customer = self.sim.add_customer(email="buyer@example.com", first_name="Buy", last_name="Er",
                                         webhooks=False)
        buyer = self._customer(customer["id"], "buyer")
        other = self._customer("gid://shopify/Customer/7002", "other")
        compliance_uri = self.store._webhook_url("compliance")
        # The merchant removes the app: app/uninstalled, confirmed with the API, archives the store.
        self.sim.uninstall()
        self._flush()
        self.run_queue()
        self.store.invalidate_recordset()
        self.assertFalse(self.store.active)
        # Anything else for the archived store is not found, as for no store.
        response = self.url_open(self.store._webhook_url("orders"), data=b"{}",
                                 headers={"Content-Type": "application/json",
                                          "X-Shopify-Topic": "orders/create"})
        self.assertEqual(response.status_code, 404, response.text)
        # A customer asks to be forgotten, then 48 hours after the uninstall Shopify asks to erase
        # the shop's customers: both reach the archived store and are acted on.
        self.sim.trigger_compliance("customers/redact", customer=customer["id"], uri=compliance_uri)
        self._flush()
        self.run_queue()
        self.assertFalse(buyer.email, "customers/redact acted on for the archived store")
        self.assertEqual(other.email, "other@example.com", "only that customer")
        self.sim.trigger_compliance("shop/redact", uri=compliance_uri)
        self._flush()
        self.run_queue()
        jobs = (self._deliveries("customers/redact") | self._deliveries("shop/redact")).job_id
        self.assertEqual(jobs.mapped("state"), ["done", "done"], jobs.mapped("last_error"))
        self.assertFalse(other.email)
        self.assertTrue(other.name.startswith("Redacted"), other.name)
        self.store.invalidate_recordset()
        self.assertFalse(self.store.active, "still archived")
        log = "\n".join(self.store.log_ids.mapped("message"))
        self.assertIn("shop/redact: anonymised", log)
