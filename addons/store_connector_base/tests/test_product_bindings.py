from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted

from .common_products import ProductSyncCase


class TestProductBindings(ProductSyncCase):
    def test_publish_creates_bindings_and_store_channels(self):
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.assertEqual(len(bindings), 2)
        self.assertEqual(set(bindings.mapped("sku")), {"TS-RED", "TS-BLUE"})
        self.assertEqual(set(bindings.mapped("sync_state")), {"pending"})
        self.assertEqual(set(bindings.mapped("platform_status")), {"active"})
        self.assertEqual(bindings.product_tmpl_id, self.tshirt)
        # The Store Channels tab: the template shows all its variants' bindings, a variant its own.
        self.assertEqual(self.tshirt.store_binding_ids, bindings)
        self.assertEqual(self.tshirt.published_store_ids, self.store)
        self.assertEqual(self.red.store_binding_ids.sku, "TS-RED")
        self.assertEqual(self.red.published_store_ids, self.store)
        self.assertEqual(self.mug.published_store_ids, self.env["connector.store"])
        published = self.env["product.template"].search([("published_store_ids", "in", self.store.ids)])
        self.assertIn(self.tshirt, published)
        self.assertEqual(self.store.product_binding_count, 2)

    def test_published_store_ids_inverse_publishes_and_unpublishes(self):
        self.tshirt.published_store_ids = self.store | self.other_store
        self.assertEqual(self.tshirt.store_binding_ids.store_id, self.store | self.other_store)
        self.assertEqual(len(self.tshirt.store_binding_ids), 4)
        self.tshirt.published_store_ids = self.store
        other = self.tshirt.store_binding_ids.filtered(lambda b: b.store_id == self.other_store)
        self.assertEqual(set(other.mapped("platform_status")), {"unpublished"},
                         "bindings are kept, unpublished")
        self.assertEqual(self.tshirt.published_store_ids, self.store)
        # Publishing again reuses the bindings (and their platform ids).
        other.external_product_id = "P-KEEP"
        self.tshirt.published_store_ids = self.store | self.other_store
        self.assertEqual(len(self.tshirt.store_binding_ids), 4)
        self.assertEqual(set(other.mapped("platform_status")), {"active"})
        self.assertEqual(set(other.mapped("external_product_id")), {"P-KEEP"})

    def test_variant_published_store_ids_publishes_that_variant_only(self):
        self.red.published_store_ids = self.store
        self.assertEqual(self.tshirt.store_binding_ids.product_id, self.red)

    def test_publish_wizard(self):
        action = self.tshirt.action_open_store_publish_wizard()
        wizard = self.env[action["res_model"]].with_context(action["context"]).create({
            "store_ids": [(6, 0, self.store.ids)],
        })
        self.assertEqual(wizard.product_ids, self.tshirt.product_variant_ids)
        wizard.action_apply()
        self.assertEqual(self.tshirt.published_store_ids, self.store)
        wizard = self.env[action["res_model"]].with_context(action["context"]).create({
            "store_ids": [(6, 0, self.store.ids)], "mode": "unpublish",
        })
        wizard.action_apply()
        self.assertFalse(self.tshirt.published_store_ids)

    def test_same_sku_twice_in_one_store_is_an_error(self):
        self.blue.default_code = "TS-RED"
        with self.assertRaises(ValidationError) as caught:
            self.store._publish_products(self.tshirt.product_variant_ids)
        message = str(caught.exception)
        self.assertIn('SKU "TS-RED"', message)
        self.assertIn(self.red.display_name, message)
        self.assertIn(self.blue.display_name, message)

    def test_changing_sku_to_a_duplicate_is_an_error(self):
        self.store._publish_products(self.tshirt.product_variant_ids | self.mug)
        with self.assertRaises(ValidationError) as caught:
            self.mug.default_code = "TS-BLUE"
        self.assertIn('SKU "TS-BLUE"', str(caught.exception))
        self.assertIn("SC Mug", str(caught.exception))
        # Two stores may each have the SKU once: the key is per store.
        self.other_store._publish_products(self.blue)
        self.assertEqual(len(self.blue.store_binding_ids), 2)

    def test_variant_without_sku_cannot_be_published(self):
        self.blue.default_code = False
        with self.assertRaises(UserError) as caught:
            self.store._publish_products(self.tshirt.product_variant_ids)
        self.assertIn("no SKU", str(caught.exception))
        self.assertIn(self.blue.display_name, str(caught.exception))
        self.assertFalse(self.tshirt.store_binding_ids, "nothing half-written")
        # The binding itself refuses an SKU-less variant too.
        with self.assertRaises(ValidationError):
            self.env["store.product.binding"].create({"store_id": self.store.id, "product_id": self.blue.id})

    def test_removing_sku_of_published_variant_is_an_error(self):
        self.store._publish_products(self.mug)
        with self.assertRaises(ValidationError) as caught:
            self.mug.default_code = False
        self.assertIn("has no SKU", str(caught.exception))
        self.assertIn("Test Shop", str(caught.exception))

    def test_binding_unique_per_store_and_product_and_external_variant(self):
        binding = self.store._publish_products(self.mug)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.env["store.product.binding"].create({"store_id": self.store.id, "product_id": self.mug.id})
        binding.external_variant_id = "V1"
        other = self.store._publish_products(self.red)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            other.external_variant_id = "V1"
            other.flush_recordset()

    def test_archived_variant_cannot_be_published(self):
        self.mug.active = False
        with self.assertRaises(UserError):
            self.store._publish_products(self.mug)

    def test_publish_refused_when_products_sync_not_permitted(self):
        self.store.allow_products_sync = False
        with self.assertRaises(OperationNotPermitted) as caught:
            self.store._publish_products(self.mug)
        self.assertIn("products.sync", str(caught.exception))
        self.assertFalse(self.mug.store_binding_ids)
        with self.assertRaises(OperationNotPermitted):
            self.store._unpublish_products(self.mug)

    def test_default_field_mappings_created_with_store(self):
        mappings = self.store.field_mapping_ids
        self.assertEqual(
            {(m.field_name, m.platform_field) for m in mappings},
            {("name", "title"), ("default_code", "sku"), ("barcode", "barcode"), ("lst_price", "price"),
             ("weight", "weight"), ("description_sale", "description")},
        )
        mapping = mappings.filtered(lambda m: m.platform_field == "title")
        mapping.transform = "upper"  # editable
        self.assertEqual(mapping.transform, "upper")

    def test_binding_external_ids_round_trip(self):
        binding = self.store._publish_products(self.mug)
        binding.write(binding._external_ids_values(
            {"product_id": 11, "variant_id": "22", "listing_id": "L3", "handle": "mug"}, binding.external_data
        ))
        self.assertEqual(binding.external_product_id, "11")
        # A platform's own ids have no column: they are kept in external_data.
        self.assertEqual(binding.external_data, {"listing_id": "L3", "handle": "mug"})
        self.assertEqual(
            binding._external_ids(),
            {"product_id": "11", "variant_id": "22", "listing_id": "L3", "handle": "mug"},
        )
        # Numbers are kept as text, as the columns keep them; an empty id forgets the key.
        binding.write(binding._external_ids_values(
            {"offer_id": 7, "listing_id": None, "variant_id": None}, binding.external_data
        ))
        self.assertEqual(binding.external_data, {"offer_id": "7", "handle": "mug"})
        self.assertFalse(binding.external_variant_id)
