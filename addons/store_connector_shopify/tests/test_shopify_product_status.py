"""Shopify product statuses through the import paths (product import pages, Full Sync's bulk import,
products/update webhooks), and a price changed in Odoo reaching the shop."""

from odoo.tests import tagged

from .common import ShopifySimulatorCase

EXPECTED = {"ST-LIVE": "active", "ST-DRAFT": "unpublished", "ST-GONE": "archived"}
PRODUCT_UPDATE = """
mutation Status($product: ProductUpdateInput!) {
  productUpdate(product: $product) { product { id status } userErrors { field message } }
}"""


@tagged("post_install", "-at_install")
class TestShopifyProductStatus(ShopifySimulatorCase):
    store_vals = {"allow_products_sync": True, "allow_orders_pull": True}

    def binding(self, sku):
        return self.env["store.product.binding"].search([("store_id", "=", self.store.id), ("sku", "=", sku)])

    def pending_exports(self):
        return self.env["sync.job"].search([
            ("store_id", "=", self.store.id), ("state", "=", "pending"),
            ("operation", "=", "products.export"),
        ])

    def add_products(self):
        self.sim.add_product("Live Lamp", variants=[{"sku": "ST-LIVE", "price": "30.00"}])
        self.sim.add_product("Draft Lamp", status="DRAFT", variants=[{"sku": "ST-DRAFT", "price": "31.00"}])
        self.sim.add_product("Old Lamp", status="ARCHIVED", variants=[{"sku": "ST-GONE", "price": "32.00"}])

    def statuses(self):
        return {sku: self.binding(sku).platform_status for sku in ("ST-LIVE", "ST-DRAFT", "ST-GONE")}

    def test_product_import_pages_keep_shopify_statuses(self):
        self.add_products()
        self.store._enqueue_product_import()
        self.run_queue()
        self.assertEqual(self.statuses(), EXPECTED)
        self.assertEqual(self.binding("ST-GONE").sync_state, "disabled")

    def test_full_sync_bulk_import_keeps_shopify_statuses(self):
        self.add_products()
        self.store._get_adapter()._full_sync(self.store)
        self.run_queue()
        self.sim.complete_bulk_operations()
        adapter = self.store._get_adapter()
        for event in self.sim.events:
            if event["topic"] == "bulk_operations/finish":
                adapter._shopify_webhook_bulk_finish(self.store, None, event["payload"])
        self.run_queue()
        self.assertEqual(self.statuses(), EXPECTED)

    def test_products_update_webhook_takes_a_status_changed_on_shopify(self):
        shopify = self.sim.add_product("Hook Lamp", variants=[{"sku": "ST-HOOK", "price": "30.00"}])
        adapter = self.env["store.adapter.shopify"]
        adapter._shopify_webhook_product(self.store, None, {"id": shopify["legacy_id"]})
        binding = self.binding("ST-HOOK")
        self.assertEqual(binding.platform_status, "active")
        answer = self.client().query(
            PRODUCT_UPDATE, {"product": {"id": shopify["id"], "status": "ARCHIVED"}}
        )
        self.assertEqual(answer["productUpdate"]["product"]["status"], "ARCHIVED")
        adapter._shopify_webhook_product(self.store, None, {"id": shopify["legacy_id"]})
        self.assertEqual((binding.platform_status, binding.sync_state), ("archived", "disabled"))
        self.assertFalse(binding.product_id.published_store_ids)
        # Archived on Shopify: a price change in Odoo does not send it back to life.
        binding.product_id.lst_price = 99
        self.assertFalse(self.pending_exports())

    def test_price_change_in_odoo_reaches_shopify(self):
        mug = self.env["product.product"].create(
            {"name": "Status Mug", "default_code": "ST-MUG", "list_price": 8}
        )
        self.store._publish_products(mug)
        self.run_queue()
        self.assertEqual(float(self.sim.product("ST-MUG")["variants"][0]["price"]), 8.0)
        mug.product_tmpl_id.list_price = 9.5
        self.run_queue()
        self.assertEqual(float(self.sim.product("ST-MUG")["variants"][0]["price"]), 9.5)
        self.assertEqual(mug.store_binding_ids.sync_state, "synced")
        # Shopify's products/update for our own export imports nothing new and queues nothing back.
        shopify_id = mug.store_binding_ids.external_product_id
        legacy = mug.store_binding_ids.external_data["product_legacy_id"]
        self.store._get_adapter()._shopify_webhook_product(self.store, None, {"id": int(legacy)})
        self.assertEqual(mug.store_binding_ids.external_product_id, shopify_id)
        self.assertFalse(self.pending_exports())
