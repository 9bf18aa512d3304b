"""A platform's own ids of a product binding live in its external data (no column per platform):
found with store.binding.mixin._find_by_external_ids(..., data_key=...) through a GIN index, and
moved there from the old columns by the 18.0.1.3.0 migration."""

import importlib.util
from pathlib import Path
from unittest.mock import patch

from odoo.tools import SQL
from odoo.tools.sql import column_exists

from .common_products import ProductSyncCase

MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.1.3.0" / "post-binding_platform_ids.py"


def _load_migration():
    spec = importlib.util.spec_from_file_location("binding_platform_ids_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestBindingExternalData(ProductSyncCase):
    def _bind(self, store, product, external_ids):
        binding = store._publish_products(product)
        binding.write(binding._external_ids_values(external_ids, binding.external_data))
        return binding

    def test_platform_ids_have_no_column(self):
        Binding = self.env["store.product.binding"]
        for fname in ("external_inventory_item_id", "external_listing_id", "external_offer_id"):
            self.assertNotIn(fname, Binding._fields)
            self.assertFalse(column_exists(self.env.cr, Binding._table, fname))

    def test_form_shows_the_platform_data_as_lines_and_listing_fields_only_where_declared(self):
        """Odoo's form has no widget for a Json field: the platform's ids are shown as readable
        lines; the Listing Fields group shows only for a platform that declares some."""
        product = self.env["product.product"].create({"name": "Lines", "default_code": "LINES-1"})
        binding = self._bind(self.store, product, {"inventory_item_id": "I-77", "listing_id": 1234})
        self.assertEqual(binding.external_data_text, "inventory_item_id: I-77\nlisting_id: 1234")
        arch = binding.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="external_data_text"', arch)
        self.assertTrue(binding.has_listing_fields, "the test platform declares a condition")
        with patch.object(type(self.env["store.adapter.test"]), "_listing_fields", lambda *a: []):
            self.store.invalidate_recordset(["listing_field_definition"])
            binding.invalidate_recordset(["has_listing_fields"])
            self.assertFalse(binding.has_listing_fields)

    def test_find_by_a_key_of_external_data(self):
        find = self.env["store.product.binding"]._find_by_external_ids
        red = self._bind(self.store, self.red, {"inventory_item_id": 501, "listing_id": "L-1"})
        blue = self._bind(self.store, self.blue, {"inventory_item_id": "502"})
        # The same platform id in another store is that store's binding, never this one's.
        other = self._bind(self.other_store, self.mug, {"inventory_item_id": "503"})

        found = find(
            self.store, [501, "502", "503", "404", None, ""], data_key="inventory_item_id")
        self.assertEqual(found, {"501": red, "502": blue}, "numbers compared as text; unknown ids absent")
        self.assertEqual(find(self.other_store, ["503"], data_key="inventory_item_id"), {"503": other})
        # One id, and another key of the data.
        self.assertEqual(find(self.store, ["L-1"], data_key="listing_id"), {"L-1": red})
        # An id under another key is not found under this one.
        self.assertEqual(find(self.store, ["L-1"], data_key="inventory_item_id"), {})
        self.assertEqual(find(self.store, [], data_key="inventory_item_id"), {})
        # Columns are looked up as before.
        red.sudo().external_variant_id = "V-9"
        self.assertEqual(find(self.store, ["V-9"], "external_variant_id"), {"V-9": red})

    def test_external_data_has_a_gin_index_for_containment(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'store_product_binding' AND indexname = %s",
            ["store_product_binding_external_data_idx"],
        )
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("USING gin (external_data jsonb_path_ops)", definition)
        self.assertIn("WITH (fastupdate=off)", definition, "no pending list for the intake's lookups to scan")
        # The lookup's condition is one the index answers (a bitmap scan once sequential scans are
        # the costlier way, as they are for a real catalogue).
        self._bind(self.store, self.red, {"inventory_item_id": "601"})
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("SET LOCAL enable_indexscan = off")
        self.env.cr.execute(SQL(
            "EXPLAIN SELECT id FROM store_product_binding WHERE external_data @> ANY(%s::jsonb[])",
            ['{"inventory_item_id": "601"}', '{"inventory_item_id": "602"}'],
        ))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("RESET enable_seqscan")
        self.env.cr.execute("RESET enable_indexscan")
        self.assertIn("store_product_binding_external_data_idx", plan)

    def test_migration_moves_the_platform_columns_into_external_data(self):
        cr = self.env.cr
        red = self._bind(self.store, self.red, {"handle": "red", "inventory_item_id": "old"})
        blue = self._bind(self.store, self.blue, {})
        mug = self._bind(self.store, self.mug, {})
        self.env.flush_all()
        # The table as 18.0.1.2.0 left it (rolled back with the test).
        for column in ("external_inventory_item_id", "external_listing_id", "external_offer_id"):
            cr.execute(SQL("ALTER TABLE store_product_binding ADD COLUMN %s varchar", SQL.identifier(column)))
        cr.execute(
            """UPDATE store_product_binding
                  SET external_inventory_item_id = 'gid://shopify/InventoryItem/1',
                      external_listing_id = '', external_offer_id = NULL WHERE id = %s""", [red.id])
        cr.execute(
            """UPDATE store_product_binding
                  SET external_listing_id = 'L-7', external_offer_id = 'O-7' WHERE id = %s""", [blue.id])

        _load_migration().migrate(cr, "18.0.1.2.0")

        self.env.invalidate_all()
        self.assertEqual(red.external_data, {"handle": "red", "inventory_item_id": "gid://shopify/InventoryItem/1"},
                         "the column's value wins; empty columns add no key")
        self.assertEqual(blue.external_data, {"listing_id": "L-7", "offer_id": "O-7"})
        self.assertFalse(mug.external_data, "a binding without platform ids is left as it was")
        for column in ("external_inventory_item_id", "external_listing_id", "external_offer_id"):
            self.assertFalse(column_exists(cr, "store_product_binding", column))
        find = self.env["store.product.binding"]._find_by_external_ids
        self.assertEqual(find(self.store, ["O-7"], data_key="offer_id"), {"O-7": blue})
        # Run again (the columns are gone): nothing to do.
        _load_migration().migrate(cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertEqual(blue.external_data, {"listing_id": "L-7", "offer_id": "O-7"})
