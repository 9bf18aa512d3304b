"""Issue #8 on Shopify: the shop's quantities read in bulk (`_read_inventory`, for the stock baseline
and the drift check) and the optional stock import of inventory_levels/update written into Odoo's
stock through the base's one method (lots kept, the store's publish basis respected)."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from ..models.shopify_order_mapper import gid, legacy_id
from .common import ShopifySimulatorCase


@tagged("post_install", "-at_install")
class TestShopifyStockBaseline(ShopifySimulatorCase):
    store_vals = {"auto_sync_products": False, "auto_sync_inventory": False}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.store.warehouse_id = cls.warehouse
        cls.adapter = cls.env["store.adapter.shopify"]

    def bind(self, prefix, count=1, tracking="none", tracked=True):
        """`count` variants made on Shopify and bound in Odoo (SKUs <prefix>-<n>)."""
        self.sim.add_product(
            f"Product {prefix}",
            variants=[{"sku": f"{prefix}-{i}", "price": "1.00", "options": {"N": str(i)}, "tracked": tracked}
                      for i in range(count)],
        )
        products = self.env["product.product"].create([
            {"name": f"{prefix} {i}", "default_code": f"{prefix}-{i}", "is_storable": True,
             "tracking": tracking}
            for i in range(count)
        ])
        bindings = self.store._publish_products(products)
        for binding in bindings:
            product = self.sim.product(binding.sku)
            variant = next(v for v in product["variants"] if v["sku"] == binding.sku)
            binding.write({
                "external_product_id": product["id"],
                "external_variant_id": variant["id"],
                "external_data": {"inventory_item_id": variant["inventory_item_id"]},
                "sync_state": "synced",
            })
        return products

    def pin_primary_location(self):
        primary = gid("Location", self.sim._location_id(None))
        self.store.shopify_location_id = self.env["shopify.location"].create(
            {"store_id": self.store.id, "name": "Primary", "shopify_gid": primary})
        return primary

    def on_hand(self, product, location=None):
        return product.with_context(location=(location or self.stock).id).qty_available

    def level_payload(self, product, available, updated_at, location_gid):
        return {
            "inventory_item_id": int(legacy_id(product.store_binding_ids.external_data["inventory_item_id"])),
            "location_id": int(legacy_id(location_gid)),
            "available": available,
            "updated_at": updated_at,
        }

    # ------------------------------------------------------------------ _read_inventory
    def test_read_inventory_at_the_default_location_in_bulk(self):
        primary = self.pin_primary_location()
        products = self.bind("READ", count=120)
        self.sim.set_inventory("READ-0", 7, location=primary)
        self.sim.set_inventory("READ-1", 4, location=primary, name="on_hand")
        untracked = self.bind("LOOSE", tracked=False)
        unexported = self.env["product.product"].create(
            {"name": "Not on Shopify", "default_code": "NOPE-1", "is_storable": True})
        self.store._publish_products(unexported)
        self.sim.reset_calls()
        bindings = (products | untracked | unexported).store_binding_ids
        entries = self.adapter._read_inventory(self.store, bindings)
        reads = [c for c in self.sim.calls if c.get("operation_name") == "ConnectorInventoryRead"]
        self.assertEqual(len(reads), 2, "121 inventory items read 100 at a time")
        by_sku = {entry["sku"]: entry for entry in entries}
        self.assertEqual(len(entries), 120, "untracked and unexported variants are left out")
        self.assertEqual(by_sku["READ-0"],
                         {"sku": "READ-0", "available": 7, "on_hand": 7, "location_id": False})
        self.assertEqual((by_sku["READ-1"]["available"], by_sku["READ-1"]["on_hand"]), (4, 4))
        self.assertEqual((by_sku["READ-9"]["available"], by_sku["READ-9"]["on_hand"]), (0, 0))

    def test_read_inventory_per_mapped_location(self):
        [product] = self.bind("MAPPED")
        shelf = self.env["stock.location"].create(
            {"name": "Shelf S", "usage": "internal", "location_id": self.warehouse.view_location_id.id})
        depot = self.sim.add_location("Depot S")
        main = gid("Location", self.sim._location_id(None))
        Location = self.env["shopify.location"]
        Location.create({"store_id": self.store.id, "name": "Main", "shopify_gid": main,
                         "location_id": self.stock.id})
        Location.create({"store_id": self.store.id, "name": "Depot S", "shopify_gid": depot["id"],
                         "location_id": shelf.id})
        self.sim.set_inventory("MAPPED-0", 5, location=main)
        self.sim.set_inventory("MAPPED-0", 3, location=depot["id"])
        entries = self.adapter._read_inventory(self.store, product.store_binding_ids)
        self.assertEqual(
            sorted((e["location_id"], e["available"]) for e in entries),
            sorted([(self.stock.id, 5), (shelf.id, 3)]),
        )

    def test_baseline_import_from_shopify(self):
        primary = self.pin_primary_location()
        [product] = self.bind("BASE")
        self.sim.set_inventory("BASE-0", 11, location=primary)
        self.store.stock_baseline = "none"
        action = self.store.action_choose_stock_baseline()
        wizard = self.env["store.stock.baseline.wizard"].browse(action["res_id"])
        [line] = wizard.line_ids
        self.assertEqual((line.sku, line.platform_available, line.platform_on_hand, line.odoo_on_hand),
                         ("BASE-0", 11, 11, 0.0))
        wizard.action_import_platform()
        self.assertEqual(self.on_hand(product), 11)
        self.assertEqual(self.store.stock_baseline, "platform")

    # ------------------------------------------------------------------ inventory_levels/update
    def test_stock_import_keeps_lots_and_refuses_what_needs_a_new_lot(self):
        primary = self.pin_primary_location()
        [product] = self.bind("LOT", tracking="lot")
        Lot = self.env["stock.lot"]
        lot_a = Lot.create({"name": "LOT-A", "product_id": product.id})
        lot_b = Lot.create({"name": "LOT-B", "product_id": product.id})
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(product, self.stock, 4, lot_id=lot_a)
        Quant._update_available_quantity(product, self.stock, 2, lot_id=lot_b)
        self.store.shopify_import_inventory = True
        result = self.adapter._shopify_webhook_inventory_level(
            self.store, None, self.level_payload(product, 5, "2026-11-24T10:00:00-00:00", primary))
        self.assertEqual((result["change"], result["quantity"]), (-1, 5))
        quants = Quant.search([("product_id", "=", product.id), ("location_id", "=", self.stock.id)])
        self.assertFalse(quants.filtered(lambda q: not q.lot_id and q.quantity), "no lot-less quant")
        self.assertEqual(sum(quants.mapped("quantity")), 5)
        # More on Shopify than Odoo has, with two lots to choose from: refused, nothing written.
        with self.assertRaises(PermanentJobError) as caught:
            self.adapter._shopify_webhook_inventory_level(
                self.store, None, self.level_payload(product, 9, "2026-11-24T11:00:00-00:00", primary))
        self.assertIn("SKU LOT-0", caught.exception.args[0])
        self.assertIn("lots", caught.exception.args[0])
        self.assertEqual(self.on_hand(product), 5)

    def test_stock_import_follows_the_store_publish_basis(self):
        primary = self.pin_primary_location()
        [product] = self.bind("BASIS")
        self.env["stock.quant"]._update_available_quantity(product, self.stock, 10)
        self.store.shopify_import_inventory = True
        Store = type(self.env["connector.store"])

        basis_quantities = Store._inventory_basis_quantities

        def keeps_four_back(store, products, locations, basis):
            # A basis that keeps 4 units back (e.g. demand of confirmed orders): Odoo publishes 6.
            counted = basis_quantities(store, products, locations, basis)
            return {pid: qty - 4 if basis != "on_hand" else qty for pid, qty in counted.items()}

        with patch.object(Store, "_inventory_basis_quantities", keeps_four_back):
            result = self.adapter._shopify_webhook_inventory_level(
                self.store, None, self.level_payload(product, 8, "2026-11-24T10:00:00-00:00", primary))
        self.assertEqual(result["change"], 2, "Shopify's 8 minus the 6 Odoo would publish")
        self.assertEqual(self.on_hand(product), 12)
