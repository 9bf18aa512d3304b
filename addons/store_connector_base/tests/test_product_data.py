"""Product data every platform gets in the normalized product: public image URLs Odoo serves by
token (revoked when the product leaves the store), the store's category mapping, and the listing
fields the platform declares (the test platform declares a condition and a lot size)."""

import base64
import io

from PIL import Image

from odoo.tests.common import HttpCase, tagged

from odoo.addons.store_connector_base.models.store_product_image import IMAGE_ROUTE
from odoo.addons.store_connector_base.services import product_mapper
from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

from .common_attack import RpcAttackCase
from .common_products import ProductSyncCase


def png(color):
    """A small PNG of one colour, base64-encoded as Odoo's image fields take it."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


class ProductDataCase(ProductSyncCase):
    def export(self, store=None):
        """Run the pending product jobs of the store and return the products the platform got."""
        store = store or self.store
        before = len(self.recorder.of("export_products"))
        for job in self.pending_jobs(store).filtered(lambda j: j.method_name == "_job_export_products"):
            self.run_job(job)
        return [product for _store, products in self.recorder.of("export_products")[before:]
                for product in products]

    def token(self, product_tmpl, variant=False, store=None):
        image = self.env["store.product.image"].sudo().search([
            ("store_id", "=", (store or self.store).id), ("product_tmpl_id", "=", product_tmpl.id),
            ("product_id", "=", variant.id if variant else False),
        ])
        return image.token


class TestProductImages(ProductDataCase):
    def test_export_carries_public_urls_of_main_and_variant_images(self):
        self.tshirt.image_1920 = png("white")
        self.red.image_variant_1920 = png("red")
        self.store._publish_products(self.tshirt.product_variant_ids)
        [product] = self.export()
        base_url = self.store.get_base_url()
        main = f"{base_url}{IMAGE_ROUTE}/{self.token(self.tshirt)}"
        red = f"{base_url}{IMAGE_ROUTE}/{self.token(self.tshirt, self.red)}"
        self.assertEqual(product["images"],
                         [{"url": main, "alt": "SC T-Shirt"}, {"url": red, "alt": "SC T-Shirt"}])
        by_sku = {v["sku"]: v for v in product["variants"]}
        self.assertEqual(by_sku["TS-RED"]["image"], {"url": red, "alt": "SC T-Shirt"})
        # The blue variant has no image of its own: it shows the product's.
        self.assertIsNone(by_sku["TS-BLUE"]["image"])
        # Tokens are random and per store: another store publishing the product gets others.
        self.assertGreaterEqual(len(self.token(self.tshirt)), 40)
        self.other_store._publish_products(self.tshirt.product_variant_ids)
        self.export(self.other_store)
        self.assertNotEqual(self.token(self.tshirt, store=self.other_store), self.token(self.tshirt))

    def test_a_product_without_image_is_sent_without(self):
        self.store._publish_products(self.mug)
        [product] = self.export()
        self.assertEqual(product["images"], [])
        self.assertIsNone(product["variants"][0]["image"])
        self.assertFalse(self.env["store.product.image"].sudo().search([("store_id", "=", self.store.id)]))

    def test_same_image_keeps_its_url_and_a_new_image_gets_a_new_one(self):
        self.tshirt.image_1920 = png("white")
        self.store._publish_products(self.tshirt.product_variant_ids)
        first = self.export()[0]["images"][0]["url"]
        self.store.action_export_products()
        self.assertEqual(self.export()[0]["images"][0]["url"], first)
        self.tshirt.image_1920 = png("green")
        self.store.action_export_products()
        second = self.export()[0]["images"][0]["url"]
        self.assertNotEqual(second, first)
        self.assertTrue(second.endswith(self.token(self.tshirt)))

    def test_unpublishing_revokes_the_tokens(self):
        self.tshirt.image_1920 = png("white")
        self.red.image_variant_1920 = png("red")
        self.store._publish_products(self.tshirt.product_variant_ids)
        self.export()
        Image_ = self.env["store.product.image"].sudo()
        self.assertEqual(len(Image_.search([("store_id", "=", self.store.id)])), 2)
        # The red variant leaves: its own image goes, the product's stays (blue is still published).
        self.store._unpublish_products(self.red)
        self.assertFalse(self.token(self.tshirt, self.red))
        self.assertTrue(self.token(self.tshirt))
        # The last variant leaves: the product's image goes too; the unpublish export sends none.
        self.store._unpublish_products(self.blue)
        self.assertFalse(Image_.search([("store_id", "=", self.store.id)]))
        self.assertEqual(self.export()[0]["images"], [])

    def test_removing_the_binding_revokes_the_tokens(self):
        self.mug.product_tmpl_id.image_1920 = png("blue")
        binding = self.store._publish_products(self.mug)
        self.export()
        self.assertTrue(self.token(self.mug.product_tmpl_id))
        binding.unlink()
        self.assertFalse(self.token(self.mug.product_tmpl_id))


class TestProductCategories(ProductDataCase):
    def test_export_carries_the_mapped_categories_of_the_nearest_category(self):
        parent = self.env["product.category"].create({"name": "SC Clothes"})
        child = self.env["product.category"].create({"name": "SC Shirts", "parent_id": parent.id})
        self.tshirt.categ_id = child
        self.env["store.category.map"].create([
            {"store_id": self.store.id, "category_id": parent.id, "platform_category": "C-1",
             "platform_category_name": "Clothes"},
            {"store_id": self.store.id, "category_id": parent.id, "platform_category": "C-2"},
            # another store's mapping does not apply
            {"store_id": self.other_store.id, "category_id": child.id, "platform_category": "X-9"},
        ])
        self.store._publish_products(self.tshirt.product_variant_ids | self.mug)
        products = {p["odoo_id"]: p for p in self.export()}
        self.assertEqual(products[self.tshirt.id]["categories"],
                         [{"id": "C-1", "name": "Clothes"}, {"id": "C-2", "name": "SC Clothes"}])
        # A category of its own wins over its parent's.
        self.env["store.category.map"].create(
            {"store_id": self.store.id, "category_id": child.id, "platform_category": " C-3 "})
        self.store.action_export_products()
        products = {p["odoo_id"]: p for p in self.export()}
        self.assertEqual(products[self.tshirt.id]["categories"],
                         [{"id": "C-3", "name": "SC Clothes / SC Shirts"}])
        self.assertEqual(products[self.mug.product_tmpl_id.id]["categories"], [])


class TestListingFields(ProductDataCase):
    def test_declared_fields_are_the_bindings_properties(self):
        definition = self.store.listing_field_definition
        self.assertEqual([(d["name"], d["type"]) for d in definition],
                         [("condition", "selection"), ("lot_size", "integer")])
        self.assertIn("Condition: The state of the item sold", self.store.listing_field_help)

    def test_export_carries_defaults_and_the_values_set_where_the_product_is_published(self):
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.assertEqual(self.export()[0]["listing"], {"condition": "new"})
        bindings.filtered(lambda b: b.product_id == self.blue).listing_values = {
            "condition": "used", "lot_size": 3}
        self.store.action_export_products()
        self.assertEqual(self.export()[0]["listing"], {"condition": "used", "lot_size": 3})

    def test_mapper_refuses_a_missing_required_field_and_a_wrong_value(self):
        declared = [{"name": "condition", "label": "Condition", "type": "selection", "required": True,
                     "selection": [("new", "New")]},
                    {"name": "lot", "label": "Lot", "type": "integer"}]
        with self.assertRaisesRegex(product_mapper.MappingError, "requires the listing field Condition"):
            product_mapper.listing_values(declared, [{}, None])
        with self.assertRaisesRegex(product_mapper.MappingError, "'old' is not one of"):
            product_mapper.listing_values(declared, [{"condition": "old"}])
        with self.assertRaisesRegex(product_mapper.MappingError, "Lot: 2.5 is not a whole number"):
            product_mapper.listing_values(declared, [{"condition": "new", "lot": 2.5}])
        self.assertEqual(product_mapper.listing_values(declared, [{"condition": "new", "lot": "4"}]),
                         {"condition": "new", "lot": 4})


@tagged("post_install", "-at_install")
class TestImageRoute(HttpCase):
    """The platform fetches the images over HTTP, without a session, by token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = cls.env["connector.store"].create({"name": "Image Shop", "platform": "test"})
        cls.product = cls.env["product.product"].create(
            {"name": "SC Poster", "default_code": "POSTER-1", "image_1920": png("yellow")})

    def setUp(self):
        super().setUp()
        RECORDER.reset()

    def publish_and_export(self):
        binding = self.store._publish_products(self.product)
        job = self.env["sync.job"].search([("store_id", "=", self.store.id), ("state", "=", "pending")])
        self.env["sync.job"]._claim(1, commit=False, job_ids=job.ids)
        job._run(commit=False)
        [(_store_id, [product])] = RECORDER.of("export_products")
        return binding, product["images"][0]["url"]

    def test_image_is_served_by_token_until_unpublished(self):
        binding, url = self.publish_and_export()
        path = url.removeprefix(self.store.get_base_url())
        self.assertTrue(path.startswith(f"{IMAGE_ROUTE}/"))
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        self.assertEqual(response.content, base64.b64decode(self.product.product_tmpl_id.image_1920))
        self.assertIn("max-age=3600", response.headers["Cache-Control"])
        self.assertIn("public", response.headers["Cache-Control"])
        self.assertNotIn("Set-Cookie", response.headers)
        # Unpublished: the URL is gone.
        self.store._unpublish_products(self.product)
        self.assertEqual(self.url_open(path).status_code, 404)
        # Published again: a new URL, the old one stays gone.
        RECORDER.reset()
        _binding, new_url = self.publish_and_export()
        self.assertNotEqual(new_url, url)
        self.assertEqual(self.url_open(new_url.removeprefix(self.store.get_base_url())).status_code, 200)
        self.assertEqual(self.url_open(path).status_code, 404)

    def test_unknown_token_and_archived_store_answer_404(self):
        _binding, url = self.publish_and_export()
        path = url.removeprefix(self.store.get_base_url())
        self.assertEqual(self.url_open(f"{IMAGE_ROUTE}/not-a-token").status_code, 404)
        self.assertEqual(self.url_open(path + "x").status_code, 404)
        self.store.active = False
        self.assertEqual(self.url_open(path).status_code, 404)


class TestCategoryMappingAttacks(RpcAttackCase):
    """A company's category mapping is its own: another company can neither read nor change it,
    and a User reads but does not edit it."""

    def test_other_company_cannot_read_or_write_the_mapping(self):
        category = self.env.ref("product.product_category_all")
        mapping = self.env["store.category.map"].create(
            {"store_id": self.store_a.id, "category_id": category.id, "platform_category": "C-A"})
        self.assertRpcRefused(self.manager_b, "store.category.map", "read", mapping.ids,
                              ["platform_category"])
        self.assertRpcRefused(self.manager_b, "store.category.map", "write", mapping.ids,
                              {"platform_category": "hijacked"})
        self.assertEqual(
            self.rpc(self.manager_b, "store.category.map", "search", [("id", "=", mapping.id)]), [])
        self.assertRpcRefused(self.manager_b, "store.category.map", "create", {
            "store_id": self.store_a.id, "category_id": category.id, "platform_category": "C-B"})
        self.assertRpcRefused(self.user_a, "store.category.map", "write", mapping.ids,
                              {"platform_category": "changed"})
        self.assertEqual(
            self.rpc(self.user_a, "store.category.map", "read", mapping.ids, ["platform_category"])[0]
            ["platform_category"], "C-A")
        self.rpc(self.manager_a, "store.category.map", "write", mapping.ids, {"platform_category": "C-A2"})
        mapping.invalidate_recordset()
        self.assertEqual(mapping.platform_category, "C-A2")

    def test_image_tokens_are_not_readable_by_store_users(self):
        product = self.env["product.product"].create(
            {"name": "Atk Poster", "default_code": "ATK-POSTER", "image_1920": png("black")})
        binding = self.store_a._publish_products(product)
        self.env["store.product.image"]._image_urls(self.store_a, binding)
        image = self.env["store.product.image"].sudo().search([("store_id", "=", self.store_a.id)])
        self.assertTrue(image.token)
        self.assertRpcRefused(self.manager_a, "store.product.image", "read", image.ids, ["token"])
        self.assertRpcRefused(self.manager_b, "store.product.image", "read", image.ids, ["product_tmpl_id"])
        self.assertRpcRefused(self.manager_a, "store.product.image", "write", image.ids, {"token": "mine"})
