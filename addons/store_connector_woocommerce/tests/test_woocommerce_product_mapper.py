"""The pure product mapping: normalized products to WooCommerce's REST payloads and back."""

from odoo.tests.common import BaseCase

from ..models import woocommerce_product_mapper as pm


def variant(sku, attributes=(), price=20.0, compare_at=None, weight=None, extra=None, image=None,
            external_ids=None, status="active"):
    return {
        "odoo_id": hash(sku) % 1000, "sku": sku, "barcode": None, "price": price,
        "compare_at_price": compare_at, "weight": weight, "weight_unit": "kg", "status": status,
        "attributes": [{"name": name, "value": value} for name, value in attributes],
        "extra": extra or {}, "external_ids": external_ids or {}, "image": image,
    }


def product(variants, status="active", options=(), extra=None, images=(), categories=(), external_ids=None):
    return {
        "odoo_id": 7, "title": "Tee &amp; Co", "description": "<p>Soft</p>", "status": status,
        "currency": "EUR", "options": [{"name": n, "values": list(v)} for n, v in options],
        "extra": extra or {}, "external_ids": external_ids or {}, "images": list(images),
        "categories": list(categories), "listing": {}, "variants": variants,
    }


IMG = {"url": "https://odoo.example.com/store_connector/image/abc", "alt": "Tee"}
IMG_RED = {"url": "https://odoo.example.com/store_connector/image/red", "alt": "Tee"}


class TestWooCommerceProductMapper(BaseCase):
    def test_simple_product(self):
        item = product([variant("MUG-1", price=12.5, weight=0.4)])
        item["variants"][0]["barcode"] = "4006381333931"
        data = pm.product_payload(item)
        self.assertEqual(data["global_unique_id"], "4006381333931")
        self.assertEqual(data["type"], "simple")
        self.assertEqual(data["status"], "publish")
        self.assertEqual((data["sku"], data["regular_price"], data["sale_price"]), ("MUG-1", "12.50", ""))
        self.assertEqual(data["weight"], "0.4")
        self.assertIs(data["manage_stock"], True)
        self.assertNotIn("attributes", data)
        self.assertEqual(data["description"], "<p>Soft</p>")

    def test_variable_product_with_two_attributes(self):
        variants = [
            variant("TEE-RS", [("Color", "Red"), ("Size", "S")]),
            variant("TEE-RM", [("Color", "Red"), ("Size", "M")]),
            variant("TEE-BS", [("Color", "Blue"), ("Size", "S")], price=22.0),
        ]
        item = product(variants, options=[("Color", ["Red", "Blue"]), ("Size", ["S", "M"])])
        data = pm.product_payload(item)
        self.assertEqual(data["type"], "variable")
        self.assertNotIn("sku", data, "a variable parent has no SKU of its own")
        self.assertNotIn("regular_price", data)
        self.assertEqual(data["attributes"], [
            {"name": "Color", "position": 0, "visible": True, "variation": True, "options": ["Red", "Blue"]},
            {"name": "Size", "position": 1, "visible": True, "variation": True, "options": ["S", "M"]},
        ])
        blue = pm.variation_payload(item, variants[2])
        self.assertEqual(blue["attributes"],
                         [{"name": "Color", "option": "Blue"}, {"name": "Size", "option": "S"}])
        self.assertEqual((blue["sku"], blue["regular_price"], blue["status"]), ("TEE-BS", "22.00", "publish"))
        self.assertIs(blue["manage_stock"], True)

    def test_sale_price_from_pricelist(self):
        data = pm.product_payload(product([variant("MUG-1", price=15.0, compare_at=20.0)]))
        self.assertEqual((data["regular_price"], data["sale_price"]), ("20.00", "15.00"))
        data = pm.product_payload(product([variant("MUG-1", price=20.0, compare_at=20.0)]))
        self.assertEqual((data["regular_price"], data["sale_price"]), ("20.00", ""), "no sale: cleared")

    def test_images_sent_only_when_changed(self):
        item = product([variant("TEE-R", [("Color", "Red")], image=IMG_RED)], options=[("Color", ["Red"])],
                       images=[IMG, IMG_RED])
        data = pm.product_payload(item)
        self.assertEqual(data["images"],
                         [{"src": IMG["url"], "alt": "Tee"}, {"src": IMG_RED["url"], "alt": "Tee"}])
        self.assertEqual(pm.variation_payload(item, item["variants"][0])["image"],
                         {"src": IMG_RED["url"], "alt": "Tee"})
        facts = pm.export_facts(item, item["variants"][0])
        self.assertEqual(facts[pm.IMAGE_SOURCES_KEY], [IMG["url"], IMG_RED["url"]])
        self.assertEqual(facts[pm.VARIATION_IMAGE_KEY], IMG_RED["url"])
        # What WooCommerce got last is on the bindings: the next export leaves the images alone.
        item["variants"][0]["external_ids"] = facts
        self.assertNotIn("images", pm.product_payload(item))
        self.assertNotIn("image", pm.variation_payload(item, item["variants"][0]))
        item["images"] = [IMG]
        self.assertEqual(pm.product_payload(item)["images"], [{"src": IMG["url"], "alt": "Tee"}])

    def test_categories_from_mapping(self):
        data = pm.product_payload(product([variant("MUG-1")], categories=[{"id": "15", "name": "Mugs"},
                                                                           {"id": "15", "name": "Mugs"}]))
        self.assertEqual(data["categories"], [{"id": 15}])
        self.assertNotIn("categories", pm.product_payload(product([variant("MUG-1")])),
                         "no mapping: the categories on WooCommerce stay")

    def test_statuses(self):
        self.assertEqual(pm.product_payload(product([variant("A")], status="unpublished"))["status"], "draft")
        self.assertEqual(pm.product_payload(product([variant("A")], status="archived"))["status"], "draft")
        item = product([variant("A", [("Size", "S")]), variant("B", [("Size", "M")], status="archived")],
                       options=[("Size", ["S", "M"])])
        self.assertEqual(pm.variation_payload(item, item["variants"][1])["status"], "private",
                         "an archived variant of a live product is a disabled variation")
        self.assertNotIn("images", pm.product_payload(product([variant("A")], status="unpublished",
                                                              images=[IMG])))

    def test_extra_fields_meta_data_dimensions_and_attributes(self):
        item = product(
            [variant("MUG-1", extra={"dimensions.length": 12.0, "dimensions.height": 9.5,
                                     "_gtin": "4006381333931"})],
            extra={"short_description": "A mug", "attribute:Material": "Stoneware", "brand": "Acme",
                   "empty": None},
        )
        data = pm.product_payload(item)
        self.assertEqual(data["dimensions"], {"length": "12.0", "height": "9.5"})
        self.assertEqual(data["short_description"], "A mug")
        self.assertEqual(data["meta_data"], [{"key": "brand", "value": "Acme"},
                                             {"key": "_gtin", "value": "4006381333931"}])
        self.assertEqual(data["attributes"], [{"name": "Material", "options": ["Stoneware"], "visible": True,
                                               "variation": False}])

    def test_product_from_rest(self):
        parent = {"id": 80, "name": "Tee &ndash; Classic", "type": "variable", "status": "publish",
                  "description": "", "date_modified_gmt": "2026-01-02T10:00:00"}
        variations = [
            {"id": 81, "sku": "TEE-R", "regular_price": "20.00", "price": "15.00", "weight": "0.2",
             "attributes": [{"id": 0, "name": "Color", "option": "Red &amp; White"}]},
            {"id": 82, "sku": "", "regular_price": "", "price": "21", "weight": "",
             "attributes": [{"id": 0, "name": "Color", "option": "Blue"}]},
        ]
        record = pm.product_from_rest(parent, variations)
        self.assertEqual(record["title"], "Tee – Classic")
        self.assertEqual(record["status"], "active")
        self.assertEqual(record["external_ids"], {"product_id": "80"})
        red, blue = record["variants"]
        self.assertEqual((red["sku"], red["price"], red["weight"]), ("TEE-R", 20.0, 0.2))
        self.assertEqual(red["attributes"], [{"name": "Color", "value": "Red & White"}])
        self.assertEqual(red["external_ids"]["variant_id"], "81")
        self.assertIsNone(blue["sku"], "an empty SKU stays empty: matched by id, never by ''")
        self.assertEqual(blue["price"], 21.0)
        simple = pm.product_from_rest({"id": 5, "name": "Mug", "type": "simple", "status": "draft",
                                       "sku": "MUG", "regular_price": "9.90"})
        self.assertEqual(simple["status"], "unpublished")
        self.assertIsNone(simple["variants"][0]["barcode"])
        self.assertEqual(simple["variants"][0]["external_ids"],
                         {"product_id": "5", "variant_id": "5", pm.TYPE_KEY: "simple"})
