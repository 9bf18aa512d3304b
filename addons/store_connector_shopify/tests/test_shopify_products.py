from odoo.tests import tagged

from .common import ShopifySimulatorCase


class ShopifyCatalogMixin:
    store_vals = {"auto_sync_products": True, "auto_sync_inventory": False}

    @classmethod
    def _setup_catalog(cls):
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store.warehouse_id = cls.warehouse
        cls.color = cls.env["product.attribute"].create(
            {
                "name": "Color",
                "create_variant": "always",
                "value_ids": [(0, 0, {"name": "Red"}), (0, 0, {"name": "Blue"}), (0, 0, {"name": "Green"})],
            }
        )
        cls.tshirt = cls.env["product.template"].create(
            {
                "name": "SC T-Shirt",
                "type": "consu",
                "is_storable": True,
                "list_price": 20.0,
                "attribute_line_ids": [
                    (0, 0, {"attribute_id": cls.color.id, "value_ids": [(6, 0, cls.color.value_ids.ids)]})
                ],
            }
        )
        for variant in cls.tshirt.product_variant_ids:
            variant.default_code = "TS-" + variant.product_template_attribute_value_ids.name.upper()

    def variant(self, name):
        return self.tshirt.product_variant_ids.filtered(
            lambda p: p.product_template_attribute_value_ids.name == name
        )


@tagged("post_install", "-at_install")
class TestShopifyProducts(ShopifyCatalogMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def test_export_then_list_replacement(self):
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        product = self.sim.product("TS-RED")
        self.assertEqual(product["title"], "SC T-Shirt")
        self.assertEqual(product["status"], "ACTIVE")
        self.assertEqual(sorted(v["sku"] for v in product["variants"]), ["TS-BLUE", "TS-GREEN", "TS-RED"])
        self.assertEqual(product["options"], [{"name": "Color", "values": ["Red", "Blue", "Green"]}])
        self.assertEqual({float(v["price"]) for v in product["variants"]}, {20.0})
        red = bindings.filtered(lambda b: b.sku == "TS-RED")
        self.assertEqual(red.sync_state, "synced")
        self.assertEqual(red.external_product_id, product["id"])
        sim_red = next(v for v in product["variants"] if v["sku"] == "TS-RED")
        self.assertEqual(red.external_variant_id, sim_red["id"])
        self.assertEqual(red.external_data["inventory_item_id"], sim_red["inventory_item_id"])
        self.assertEqual(red.external_data["variant_legacy_id"], str(sim_red["legacy_id"]))
        # Archive one variant: the next productSet leaves it out, Shopify deletes it; the others stay.
        green = bindings.filtered(lambda b: b.sku == "TS-GREEN")
        green._set_platform_status("archived")
        self.store._enqueue_product_sync(green, "products.archive")
        self.run_queue()
        product = self.sim.product(product["id"])
        self.assertEqual(sorted(v["sku"] for v in product["variants"]), ["TS-BLUE", "TS-RED"])
        self.assertEqual(
            next(v for v in product["variants"] if v["sku"] == "TS-RED")["id"],
            sim_red["id"],
            "variants are updated in place, not recreated",
        )
        self.assertFalse(green.external_variant_id)
        # Unpublish the rest: the product becomes a draft; its variants are kept.
        self.store._unpublish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        product = self.sim.product(product["id"])
        self.assertEqual(product["status"], "DRAFT")
        self.assertEqual(len(product["variants"]), 2)

    def test_weight_is_exported_on_the_inventory_item(self):
        red = self.tshirt.product_variant_ids.filtered(lambda p: p.default_code == "TS-RED")
        self.tshirt.product_variant_ids.write({"weight": 0.25})
        red.weight = 0.4
        self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        shopify_product = self.sim.product(red.store_binding_ids.external_product_id)
        weights = {v["sku"]: v["weight"] for v in shopify_product["variants"]}
        self.assertEqual(weights["TS-RED"], (0.4, "KILOGRAMS"))
        self.assertEqual(weights["TS-BLUE"], (0.25, "KILOGRAMS"))
        # readable over the API as Shopify has it: InventoryItem.measurement.weight
        item = red.store_binding_ids.external_data["inventory_item_id"]
        data = self.client().query(
            "query W($id: ID!) { inventoryItem(id: $id) { measurement { weight { value unit } } } }",
            {"id": item},
        )
        self.assertEqual(data["inventoryItem"]["measurement"]["weight"], {"value": 0.4, "unit": "KILOGRAMS"})

    def test_metafields_from_field_mapping_are_replaced_whole(self):
        def mapping(field, platform_field):
            return self.env["store.field.mapping"].create(
                {
                    "store_id": self.store.id,
                    "platform_field": platform_field,
                    "field_name": field,
                }
            )

        care = mapping("description_sale", "custom.care")
        mapping("description_picking", "custom.packing")
        mug = self.env["product.product"].create(
            {
                "name": "Meta Mug",
                "default_code": "META-1",
                "list_price": 8,
                "description_sale": "Hand wash",
                "description_picking": "Bubble wrap",
            }
        )
        self.store._publish_products(mug)
        self.run_queue()
        product = self.sim.product("META-1")
        self.assertEqual(
            {(m["key"], m["value"]) for m in product["metafields"]},
            {("care", "Hand wash"), ("packing", "Bubble wrap")},
        )
        # The mapping of custom.care goes away: the next export's list lacks it, Shopify drops it.
        care.unlink()
        mug.store_binding_ids.sync_state = "pending"
        self.store._enqueue_product_sync(mug.store_binding_ids, "products.export")
        self.run_queue()
        product = self.sim.product("META-1")
        self.assertEqual(
            {(m["key"], m["value"]) for m in product["metafields"]}, {("packing", "Bubble wrap")}
        )

    def test_import_matches_by_sku_and_creates(self):
        self.sim.add_product(
            "Poster",
            variants=[
                {"sku": "POSTER-A3", "price": "9.00", "options": {"Size": "A3"}},
                {"sku": "POSTER-A2", "price": "14.00", "options": {"Size": "A2"}},
            ],
        )
        mine = self.env["product.product"].create({"name": "Cap", "default_code": "CAP-1", "list_price": 5})
        shopify_cap = self.sim.add_product("Cap on Shopify", variants=[{"sku": "CAP-1", "price": "6.00"}])
        self.store._enqueue_product_import()
        self.run_queue()
        binding = mine.store_binding_ids
        self.assertEqual(binding.store_id, self.store, "matched by SKU")
        self.assertEqual(binding.external_variant_id, shopify_cap["variants"][0]["id"])
        self.assertEqual(binding.external_data["inventory_item_id"],
                         shopify_cap["variants"][0]["inventory_item_id"])
        self.assertEqual(mine.lst_price, 5, "Odoo stays the master of a matched product")
        posters = self.env["product.product"].search([("default_code", "in", ["POSTER-A3", "POSTER-A2"])])
        self.assertEqual(len(posters), 2)
        self.assertEqual(len(posters.product_tmpl_id), 1, "one template with its variants")
        self.assertEqual(set(posters.product_template_attribute_value_ids.mapped("name")), {"A3", "A2"})

    def test_product_webhooks_refresh_and_forget_ids(self):
        mine = self.env["product.product"].create({"name": "Hook Cap", "default_code": "HOOK-1"})
        shopify = self.sim.add_product("Hook Cap", variants=[{"sku": "HOOK-1", "price": "6.00"}])
        adapter = self.env["store.adapter.shopify"]
        # An old body: the handler reads the product again rather than trusting it.
        adapter._shopify_webhook_product(self.store, None, {"id": shopify["legacy_id"], "title": "stale"})
        binding = mine.store_binding_ids
        self.assertEqual(binding.external_product_id, shopify["id"])
        self.assertEqual(binding.external_data["inventory_item_id"],
                         shopify["variants"][0]["inventory_item_id"])
        adapter._shopify_webhook_product_delete(self.store, None, {"id": shopify["legacy_id"]})
        self.assertFalse(binding.external_product_id)
        self.assertFalse(binding.external_variant_id)
        self.assertNotIn("inventory_item_id", binding.external_data, "the deleted item is forgotten")
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("deleted on Shopify", binding.last_error)


@tagged("post_install", "-at_install")
class TestShopifyProductMedia(ShopifyCatalogMixin, ShopifySimulatorCase):
    """Images go to Shopify as the product's files (fetched from Odoo's public URLs), mapped
    categories as its collections."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def test_images_become_product_media_and_categories_collections(self):
        from odoo.addons.store_connector_base.tests.test_product_data import png

        summer = self.sim.store.add_collection("Summer")
        shirts = self.env["product.category"].create({"name": "SC Shirts"})
        self.tshirt.categ_id = shirts
        self.env["store.category.map"].create([
            {"store_id": self.store.id, "category_id": shirts.id, "platform_category": summer},
        ])
        self.tshirt.image_1920 = png("white")
        red = self.variant("Red")
        red.image_variant_1920 = png("red")
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        # The simulator outlives each test's rollback: find this test's product by its id.
        product_id = bindings[0].external_product_id
        product = self.sim.product(product_id)
        images = self.env["store.product.image"].sudo().search([("store_id", "=", self.store.id)])
        base_url = f"{self.store.get_base_url()}/store_connector/image/"
        main = base_url + images.filtered(lambda i: not i.product_id).token
        own = base_url + images.filtered(lambda i: i.product_id == red).token
        self.assertEqual([(m["original_source"], m["content_type"], m["alt"]) for m in product["media"]],
                         [(main, "IMAGE", "SC T-Shirt"), (own, "IMAGE", "SC T-Shirt")])
        by_sku = {v["sku"]: v for v in product["variants"]}
        self.assertEqual(by_sku["TS-RED"]["image"], own)
        self.assertIsNone(by_sku["TS-BLUE"]["image"])
        self.assertEqual(product["collections"], [summer])
        # Exported again unchanged: the files are left out, Shopify keeps its media (same ids).
        self.store.action_export_products()
        self.run_queue()
        again = self.sim.product(product_id)
        self.assertEqual(again["media"], product["media"])
        # A new image: a new URL, and Shopify's media is replaced by the new list.
        self.tshirt.image_1920 = png("green")
        self.store.action_export_products()
        self.run_queue()
        changed = self.sim.product(product_id)
        new_main = base_url + images.filtered(lambda i: not i.product_id).token
        self.assertNotEqual(new_main, main)
        self.assertEqual([m["original_source"] for m in changed["media"]], [new_main, own])
        self.assertEqual({v["sku"]: v["image"] for v in changed["variants"]}["TS-RED"], own)

    def test_a_category_mapped_to_no_collection_leaves_collections_alone(self):
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        product = self.sim.product(bindings[0].external_product_id)
        self.assertEqual(product["collections"], [])
        self.assertEqual(product["media"], [])

    def test_an_unknown_collection_fails_the_export_with_shopify_words(self):
        self.env["store.category.map"].create({
            "store_id": self.store.id, "category_id": self.tshirt.categ_id.id, "platform_category": "999999",
        })
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        self.assertEqual(set(bindings.mapped("sync_state")), {"failed"})
        self.assertIn("Collection does not exist", bindings[0].last_error)
