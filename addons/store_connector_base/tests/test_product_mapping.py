from odoo.exceptions import ValidationError
from odoo.tests.common import BaseCase

from odoo.addons.store_connector_base.services import product_mapper
from odoo.addons.store_connector_base.services.product_mapper import MappingError, apply_transform

from .common_products import ProductSyncCase


class TestTransforms(BaseCase):
    """The pure mapper: no database."""

    def test_transforms(self):
        self.assertEqual(apply_transform("Acme", "upper"), "ACME")
        self.assertEqual(apply_transform("Acme", "lower"), "acme")
        self.assertEqual(apply_transform("<p>Fits <b>2019&ndash;2021</b></p>\n<p>models</p>", "strip_html"),
                         "Fits 2019\u20132021 models")
        self.assertEqual(apply_transform(1250, "g_to_kg"), 1.25)
        self.assertAlmostEqual(apply_transform(1.0, "kg_to_lb"), 2.204623, places=6)
        self.assertEqual(apply_transform("AB-12", "format", "Part {value}"), "Part AB-12")
        self.assertEqual(apply_transform(2.5, "format", "{value:.2f} cm"), "2.50 cm")
        self.assertEqual(apply_transform("x", "none"), "x")
        self.assertIsNone(apply_transform(None, "upper"), "an unset field stays unset")

    def test_bad_values_are_clear_errors(self):
        with self.assertRaisesRegex(MappingError, "weight: 'heavy' is not a number"):
            apply_transform("heavy", "g_to_kg", label="weight")
        for fmt in ("{value.__class__}", "{0}", "{other}", "no placeholder", "{value"):
            with self.assertRaises(MappingError, msg=fmt):
                apply_transform("x", "format", fmt)

    def test_build_product(self):
        mappings = [
            {"field": "name", "platform_field": "title", "transform": "none", "level": "template"},
            {"field": "default_code", "platform_field": "sku", "transform": "none", "level": "variant"},
            {"field": "lst_price", "platform_field": "price", "transform": "none", "level": "variant"},
            {"field": "x_brand", "platform_field": "brand", "transform": "upper", "level": "template"},
            {"field": "x_part", "platform_field": "mpn", "transform": "format", "format": "P-{value}",
             "level": "variant"},
        ]
        rows = [
            {"odoo_id": 1, "values": {"name": "Shirt", "default_code": "S-R", "lst_price": 9.0,
                                      "x_brand": "acme", "x_part": "1"},
             "attributes": [("Color", "Red")], "list_price": 10.0, "status": "active",
             "external_ids": {"variant_id": "9"}},
            {"odoo_id": 2, "values": {"name": "Shirt", "default_code": "S-B", "lst_price": 10.0,
                                      "x_brand": "acme", "x_part": "2"},
             "attributes": [("Color", "Blue")], "list_price": 10.0, "status": "unpublished",
             "external_ids": {}},
        ]
        product = product_mapper.build_product(
            {"odoo_id": 7, "external_ids": {"product_id": "P"}, "currency": "EUR", "weight_unit": "kg"},
            rows, mappings, "active",
        )
        self.assertEqual(product["title"], "Shirt")
        self.assertEqual(product["extra"], {"brand": "ACME"})
        self.assertEqual(product["options"], [{"name": "Color", "values": ["Red", "Blue"]}])
        red, blue = product["variants"]
        self.assertEqual((red["sku"], red["price"], red["compare_at_price"]), ("S-R", 9.0, 10.0))
        self.assertEqual((blue["sku"], blue["price"], blue["compare_at_price"]), ("S-B", 10.0, None))
        self.assertEqual(red["extra"], {"mpn": "P-1"})
        self.assertEqual(red["attributes"], [{"name": "Color", "value": "Red"}])
        self.assertEqual(blue["status"], "unpublished")
        self.assertEqual(red["external_ids"], {"variant_id": "9"})
        self.assertEqual(product_mapper.product_status(["unpublished", "archived"]), "unpublished")
        self.assertEqual(product_mapper.product_status(["archived"]), "archived")
        self.assertEqual(product_mapper.product_status(["archived", "active"]), "active")


class TestStoreFieldMapping(ProductSyncCase):
    def mapping(self, field_name, platform_field, transform="none", format_string=None):
        return self.env["store.field.mapping"].create({
            "store_id": self.store.id,
            "field_name": field_name,
            "platform_field": platform_field,
            "transform": transform,
            "format_string": format_string,
        })

    def export_dict(self, products):
        bindings = self.store._publish_products(products)
        result, errors = self.store._build_export_products(bindings)
        self.assertFalse(errors)
        return result

    def test_default_mapping_builds_normalized_product(self):
        [product] = self.export_dict(self.mug)
        self.assertEqual(product["title"], "SC Mug")
        self.assertEqual(product["description"], "A mug for coffee")
        self.assertEqual(product["status"], "active")
        [variant] = product["variants"]
        self.assertEqual(variant["sku"], "MUG-1")
        self.assertEqual(variant["barcode"], "4006381333931")
        self.assertEqual(variant["price"], 8.5)
        self.assertIsNone(variant["compare_at_price"])
        self.assertEqual(variant["weight"], 0.35)
        self.assertEqual(variant["odoo_id"], self.mug.id)
        self.assertEqual(variant["attributes"], [])

    def test_variants_and_attributes(self):
        [product] = self.export_dict(self.tshirt.product_variant_ids)
        self.assertEqual(product["options"][0]["name"], "SC Color")
        self.assertEqual(set(product["options"][0]["values"]), {"Red", "Blue"})
        skus = {v["sku"]: v["attributes"] for v in product["variants"]}
        self.assertEqual(skus["TS-RED"], [{"name": "SC Color", "value": "Red"}])

    def test_extra_fields_and_transforms(self):
        self.mapping("default_code", "mpn", "format", "Part {value}")
        self.mapping("description_sale", "short_description", "upper")
        self.mapping("weight", "shipping_weight_lb", "kg_to_lb")
        self.mapping("categ_id", "category")
        self.mapping("volume", "volume")
        [product] = self.export_dict(self.mug)
        variant = product["variants"][0]
        self.assertEqual(variant["extra"]["mpn"], "Part MUG-1")
        self.assertAlmostEqual(variant["extra"]["shipping_weight_lb"], 0.771618, places=5)
        # fields of the template go to the product, many2one by name
        self.assertEqual(product["extra"]["short_description"], "A MUG FOR COFFEE")
        self.assertEqual(product["extra"]["category"], self.mug.categ_id.display_name)

    def test_weight_unit_follows_transform(self):
        weight = self.store.field_mapping_ids.filtered(lambda m: m.platform_field == "weight")
        weight.transform = "kg_to_lb"
        [product] = self.export_dict(self.mug)
        self.assertEqual(product["variants"][0]["weight_unit"], "lb")
        self.assertAlmostEqual(product["variants"][0]["weight"], 0.771618, places=5)

    def test_price_from_store_pricelist(self):
        pricelist = self.env["product.pricelist"].create({
            "name": "Shop -10%",
            "item_ids": [(0, 0, {"applied_on": "3_global", "compute_price": "percentage",
                                 "percent_price": 10})],
        })
        self.store.pricelist_id = pricelist
        [product] = self.export_dict(self.mug)
        variant = product["variants"][0]
        self.assertAlmostEqual(variant["price"], 7.65)
        self.assertEqual(variant["compare_at_price"], 8.5)
        self.assertEqual(product["currency"], pricelist.currency_id.name)

    def test_inactive_mapping_is_ignored(self):
        self.store.field_mapping_ids.filtered(lambda m: m.platform_field == "barcode").active = False
        [product] = self.export_dict(self.mug)
        self.assertIsNone(product["variants"][0]["barcode"])

    def test_mapping_error_marks_bindings_failed(self):
        self.mapping("name", "weight_g", "g_to_kg")  # a name is no number
        bindings = self.store._publish_products(self.mug)
        result, errors = self.store._build_export_products(bindings)
        self.assertEqual(result, [])
        self.assertIn("is not a number", errors[bindings])

    def test_bad_mappings_refused(self):
        with self.assertRaises(ValidationError):
            self.mapping("name", "subtitle", "format", "{value.__class__}")
        with self.assertRaises(ValidationError):
            self.mapping("street", "partner")  # a field of contacts, not of products
