"""eBay listings end to end (issue #11, Listings): the merchant publishes products from the product form
(Publish to Store) and the queue sends them through the real EbayClient to the loopback eBay simulator
(tests/simulators/ebay), served by Odoo's real HTTP server for the product images eBay is given. Every
request is checked against eBay's published contracts (`sim.assert_contract_kept()` after each test).

The simulator's categories (its Taxonomy and Metadata APIs): 33567 Brake Pads & Shoes (Brand and
Manufacturer Part Number required; New, Seller refurbished, Used, For parts), 15687 T-Shirts (Brand, Size,
Color required), 88433 Other (nothing required).
"""

from odoo import fields
from odoo.tests import new_test_user
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.ebay import EbaySimulator

from ..models import ebay_listing_mapper as lm
from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store, png

BRAKES = "33567"
TSHIRTS = "15687"
INVENTORY = "/sell/inventory/v1"


class EbayListingE2ECase(HttpCase):
    """A new eBay store as a merchant sets it up: connected, one business policy of each kind and one
    inventory location on eBay (Test Connection picks them), item specifics mapped from product
    fields (Brand from the product's purchase description here, the Manufacturer Part Number from
    its SKU), brake pads mapped to eBay's Brake Pads & Shoes."""

    def setUp(self):
        super().setUp()
        self.env = self.env(context=dict(self.env.context, tracking_disable=True))
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                                 access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.addCleanup(self.sim.assert_contract_kept)
        # The image URLs the store gives eBay are Odoo's own (this test server).
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.policies = {kind: self.sim.add_policy(kind, f"Default {kind}")
                         for kind in ("fulfillment", "payment", "return")}
        self.sim.add_location("WH-1")
        self.store = create_ebay_store(self.env, api_url=self.sim.base_url)
        self.store.action_test_connection()
        self.brakes = self.env["product.category"].create({"name": "Brake Pads"})
        self.env["store.category.map"].create({
            "store_id": self.store.id, "category_id": self.brakes.id, "platform_category": BRAKES,
            "platform_category_name": "Brake Pads & Shoes",
        })
        FieldMapping = self.env["store.field.mapping"]
        FieldMapping.create({"store_id": self.store.id, "field_name": "description_purchase",
                             "platform_field": "Brand"})
        FieldMapping.create({"store_id": self.store.id, "field_name": "barcode",
                             "platform_field": "Manufacturer Part Number"})
        self.warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1)
        self.merchant = new_test_user(
            self.env, "ebay_merchant",
            groups="base.group_user,stock.group_stock_user,store_connector_base.group_store_connector_user")

    # ------------------------------------------------------------------ helpers
    def make_product(self, sku, brand="Bosch", mpn="BP-0986", price=25.0, qty=0, **vals):
        template = self.env["product.template"].create({
            "name": f"Ceramic brake pads {sku}", "default_code": sku, "list_price": price,
            "is_storable": True,
            "categ_id": self.brakes.id, "description_purchase": brand, "barcode": mpn and f"{mpn}-{sku}",
            "image_1920": png("red"), "weight": 1.25,
            "description_sale": "Low dust.\nFits front axles.", **vals,
        })
        if qty:
            for variant in template.product_variant_ids:
                self.env["stock.quant"]._update_available_quantity(variant, self.warehouse.lot_stock_id, qty)
        return template

    def publish(self, template, mode="publish"):
        """Publish to Store from the product form, as the merchant, then run the queue."""
        # One product from its form; several from the variants list (a selection).
        records = template if len(template) == 1 else template.product_variant_ids
        action = records.with_user(self.merchant).action_open_store_publish_wizard()
        Wizard = self.env[action["res_model"]].with_user(self.merchant).with_context(action["context"])
        wizard = Wizard.create({"store_ids": [fields.Command.set(self.store.ids)], "mode": mode})
        wizard.action_apply()
        run_queue(self.env, self.store)
        return self.bindings(template)

    def bindings(self, template):
        return self.env["store.product.binding"].search([
            ("store_id", "=", self.store.id), ("product_tmpl_id", "in", template.ids)])

    def calls(self, path_contains, method=None):
        return [call for call in self.sim.requests if path_contains in call["path"]
                and (method is None or call["method"] == method)]

    def writes(self):
        """The requests that changed something on eBay's Inventory API."""
        return [call for call in self.sim.requests if call["api"] == "inventory"
                and call["method"] in ("POST", "PUT", "DELETE") and "bulk_get" not in call["path"]]


class TestEbayListingEndToEnd(EbayListingE2ECase):
    def test_new_store_defaults_make_listing_work(self):
        self.assertEqual(self.store.ebay_fulfillment_policy_id, self.policies["fulfillment"])
        self.assertEqual(self.store.ebay_payment_policy_id, self.policies["payment"])
        self.assertEqual(self.store.ebay_return_policy_id, self.policies["return"])
        self.assertEqual(self.store.ebay_merchant_location_key, "WH-1")
        self.assertTrue(self.store.auto_sync_products)
        self.assertIn("products.export", self.store._platform_features())

    def test_store_without_test_connection_finds_its_policies(self):
        store = create_ebay_store(self.env, name="eBay fresh", api_url=self.sim.base_url)
        self.store.field_mapping_ids.filtered(
            lambda m: m.platform_field in ("Brand", "Manufacturer Part Number")).copy({"store_id": store.id})
        self.store.category_map_ids.copy({"store_id": store.id})
        self.assertFalse(store.ebay_fulfillment_policy_id)
        self.sim.add_policy("return", "30 days")  # two return policies: the merchant picks one
        self.store = store
        binding = self.publish(self.make_product("PAD-14"))
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("has no eBay return policy", binding.last_error)
        self.assertNotIn("fulfillment", binding.last_error)
        self.assertEqual(store.ebay_fulfillment_policy_id, self.policies["fulfillment"])
        self.assertEqual(store.ebay_payment_policy_id, self.policies["payment"])
        self.assertEqual(store.ebay_merchant_location_key, "WH-1")
        self.assertFalse(self.writes(), "nothing was written on eBay")
        store.ebay_return_policy_id = self.policies["return"]
        self.publish(binding.product_tmpl_id)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertTrue(self.sim.listing("PAD-14"))

    def test_simple_product_listed(self):
        template = self.make_product("PAD-1", qty=7)
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        listing = self.sim.listing("PAD-1")
        self.assertTrue(listing, "the product is live on eBay")
        data = binding.external_data
        self.assertEqual(data[lm.KEY_LISTING], listing["listingId"])
        self.assertEqual(data[lm.KEY_OFFER], listing["offerId"])
        self.assertEqual(data[lm.KEY_API], lm.API_INVENTORY)
        self.assertEqual(listing["quantity"], 7)
        self.assertEqual(listing["price"], {"value": "25.00", "currency": "USD"})
        self.assertEqual(listing["condition"], "NEW")
        self.assertEqual(listing["categoryId"], BRAKES)
        self.assertEqual(listing["aspects"],
                         {"Brand": ["Bosch"], "Manufacturer Part Number": ["BP-0986-PAD-1"]})
        item = self.sim.inventory_item("PAD-1")
        self.assertEqual(item["packageWeightAndSize"]["weight"], {"value": 1.25, "unit": "KILOGRAM"})
        self.assertEqual(item["product"]["description"], "Low dust.<br/>Fits front axles.")
        self.assertEqual(item["product"]["brand"], "Bosch")
        [image_url] = item["product"]["imageUrls"]
        # eBay downloads the picture from Odoo.
        self.assertTrue(image_url.startswith(self.base_url()), image_url)
        picture = self.url_open(image_url)
        self.assertEqual(picture.status_code, 200)
        self.assertEqual(picture.headers["Content-Type"], "image/png")
        [offer] = self.sim.offers("PAD-1")
        self.assertEqual(offer["listingPolicies"], {
            "fulfillmentPolicyId": self.policies["fulfillment"], "paymentPolicyId": self.policies["payment"],
            "returnPolicyId": self.policies["return"]})
        self.assertEqual(offer["merchantLocationKey"], "WH-1")
        self.assertEqual((offer["format"], offer["listingDuration"], offer["marketplaceId"]),
                         ("FIXED_PRICE", "GTC", "EBAY_US"))
        self.assertEqual(len(self.calls("bulk_create_or_replace_inventory_item")), 1)
        self.assertEqual(len(self.calls("bulk_publish_offer")), 1)

    def test_variants_listed_as_a_group(self):
        tshirts = self.env["product.category"].create({"name": "T-shirts"})
        size = self.env["product.attribute"].create({"name": "Size", "value_ids": [
            fields.Command.create({"name": "M"}), fields.Command.create({"name": "L"})]})
        color = self.env["product.attribute"].create({"name": "Color", "value_ids": [
            fields.Command.create({"name": "Black"})]})
        template = self.make_product("TEE", brand="Nike", mpn=False, categ_id=tshirts.id,
                                     ebay_category_id=TSHIRTS, ebay_category_name="T-Shirts",
                                     attribute_line_ids=[
                                         fields.Command.create({
                                             "attribute_id": attribute.id,
                                             "value_ids": [fields.Command.set(attribute.value_ids.ids)]})
                                         for attribute in (size, color)])
        medium, large = template.product_variant_ids.sorted(
            lambda v: v.product_template_attribute_value_ids.mapped("name"))[::-1]
        medium.default_code, large.default_code = "TEE-M", "TEE-L"
        large.ebay_variant_condition = "NEW_OTHER"
        for variant, qty in ((medium, 3), (large, 5)):
            self.env["stock.quant"]._update_available_quantity(variant, self.warehouse.lot_stock_id, qty)
        bindings = self.publish(template)
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"}, bindings.mapped("last_error"))
        key = f"ODOO-{template.id}"
        group = self.sim.inventory.groups[key]
        self.assertEqual(sorted(group["variantSKUs"]), ["TEE-L", "TEE-M"])
        self.assertEqual(group["aspects"], {"Brand": ["Nike"]})
        self.assertEqual(sorted(spec["name"] for spec in group["variesBy"]["specifications"]),
                         ["Color", "Size"])
        medium_listing, large_listing = self.sim.listing("TEE-M"), self.sim.listing("TEE-L")
        self.assertEqual(medium_listing["listingId"], large_listing["listingId"], "one listing for the group")
        self.assertEqual(medium_listing["group"], key)
        self.assertEqual((medium_listing["quantity"], large_listing["quantity"]), (3, 5))
        self.assertEqual((medium_listing["condition"], large_listing["condition"]), ("NEW", "NEW_OTHER"))
        self.assertEqual(medium_listing["aspects"], {"Brand": ["Nike"], "Size": ["M"], "Color": ["Black"]})
        self.assertEqual({b.external_data[lm.KEY_LISTING] for b in bindings}, {medium_listing["listingId"]})
        self.assertEqual(len(self.calls("publish_by_inventory_item_group")), 1)
        self.assertFalse(self.calls("bulk_publish_offer"), "a group is published by its key")

    def test_value_outside_ebays_list_refused_before_any_write(self):
        size = self.env["product.attribute"].create({"name": "Size", "value_ids": [
            fields.Command.create({"name": "M"}), fields.Command.create({"name": "XS"})]})
        color = self.env["product.attribute"].create({"name": "Color", "value_ids": [
            fields.Command.create({"name": "Black"})]})
        template = self.make_product("SHIRT", brand="Nike", mpn=False, ebay_category_id=TSHIRTS,
                                     attribute_line_ids=[
                                         fields.Command.create({
                                             "attribute_id": attribute.id,
                                             "value_ids": [fields.Command.set(attribute.value_ids.ids)]})
                                         for attribute in (size, color)])
        for variant in template.product_variant_ids:
            sizes = variant.product_template_attribute_value_ids.filtered(lambda v: v.attribute_id == size)
            variant.default_code = f"SHIRT-{sizes.name}"
        bindings = self.publish(template)
        self.assertEqual(set(bindings.mapped("sync_state")), {"failed"})
        self.assertIn("eBay category 15687 takes only these values of Size: S, M, L, XL, XXL; the product "
                      "has XS (SHIRT-XS)", bindings[0].last_error)
        self.assertFalse(self.writes(), "nothing was written on eBay")
        self.assertEqual(self.store.ebay_category_info_ids.selection_aspects,
                         {"Size": ["S", "M", "L", "XL", "XXL"]})

    def test_missing_required_aspect_creates_nothing(self):
        template = self.make_product("PAD-2", mpn=False)
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("Manufacturer Part Number", binding.last_error)
        self.assertIn("Brake Pads & Shoes (33567) requires these item specifics", binding.last_error)
        self.assertNotIn("Brand", binding.last_error.split("item specifics")[1].split(".")[0])
        self.assertIsNone(self.sim.inventory_item("PAD-2"))
        self.assertEqual(self.sim.offers("PAD-2"), [])
        self.assertFalse(self.writes(), "nothing was written on eBay")

    def test_every_problem_named_before_any_write(self):
        template = self.make_product("PAD-11", mpn=False, image_1920=False, ebay_condition="LIKE_NEW")
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("eBay lists nothing without a picture, and PAD-11 has none", binding.last_error)
        self.assertIn("Manufacturer Part Number", binding.last_error)
        self.assertIn("does not allow the condition Like new", binding.last_error)
        self.assertFalse(self.writes(), "nothing half-made on eBay")
        self.assertEqual(self.sim.offers("PAD-11"), [])

    def test_prices_in_another_currency_than_the_marketplaces(self):
        self.store.ebay_marketplace_id = "EBAY_DE"  # the company prices in USD; eBay Germany takes EUR
        binding = self.publish(self.make_product("PAD-13"))
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("prices in USD, but eBay Germany sells in EUR only: give the store a pricelist in EUR",
                      binding.last_error)
        self.assertFalse(self.writes(), "nothing was written on eBay")

    def test_condition_refused_by_the_category_before_any_write(self):
        template = self.make_product("PAD-3", ebay_condition="NEW_OTHER")
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("does not allow the condition New other (see details)", binding.last_error)
        self.assertIn("it takes: New, Seller refurbished, Used, For parts or not working", binding.last_error)
        self.assertFalse(self.writes(), "nothing was written on eBay")
        self.assertIsNone(self.sim.inventory_item("PAD-3"))

    def test_unpublish_withdraws_then_archive_ends(self):
        template = self.make_product("PAD-4", qty=2)
        binding = self.publish(template)
        offer_id = binding.external_data[lm.KEY_OFFER]
        self.assertTrue(self.sim.listing("PAD-4"))

        self.publish(template, mode="unpublish")
        self.assertEqual(binding.sync_state, "disabled", binding.last_error)
        self.assertIsNone(self.sim.listing("PAD-4"), "the listing ended")
        [offer] = self.sim.offers("PAD-4")
        self.assertEqual((offer["offerId"], offer["status"]), (offer_id, "UNPUBLISHED"), "the offer stays")
        self.assertNotIn(lm.KEY_LISTING, binding.external_data)
        self.assertEqual(len(self.calls(f"/offer/{offer_id}/withdraw", "POST")), 1)

        # Publishing again lists the same offer anew.
        self.publish(template)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        listing = self.sim.listing("PAD-4")
        self.assertEqual(listing["offerId"], offer_id)
        self.assertEqual(binding.external_data[lm.KEY_LISTING], listing["listingId"])
        self.assertEqual(len(self.sim.offers("PAD-4")), 1)

        # Archiving the product ends its listing.
        template.product_variant_id.active = False
        run_queue(self.env, self.store)
        self.assertEqual(binding.platform_status, "archived")
        self.assertIsNone(self.sim.listing("PAD-4"))
        self.assertNotIn(lm.KEY_LISTING, binding.external_data)
        self.assertFalse(self.calls("/inventory_item/PAD-4", "DELETE"), "withdrawn, not deleted")

    def test_price_change_revises_the_offer(self):
        template = self.make_product("PAD-5")
        binding = self.publish(template)
        offer_id = binding.external_data[lm.KEY_OFFER]
        revisions = self.sim.listing("PAD-5")["revisions"]
        self.sim.reset_requests()
        template.with_user(self.env.ref("base.user_admin")).list_price = 31.5
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        listing = self.sim.listing("PAD-5")
        self.assertEqual(listing["price"], {"value": "31.50", "currency": "USD"})
        self.assertEqual(listing["offerId"], offer_id)
        self.assertGreater(listing["revisions"], revisions)
        self.assertEqual(len(self.calls(f"/offer/{offer_id}", "PUT")), 1)
        self.assertFalse(self.calls("bulk_create_offer") + self.calls("publish"), "revised, not listed again")

    def test_ebay_fields_changed_revise_the_listing(self):
        template = self.make_product("PAD-12")
        binding = self.publish(template)
        listing_id = binding.external_data[lm.KEY_LISTING]
        template.ebay_condition = "USED_EXCELLENT"
        self.assertEqual(binding.sync_state, "pending", "the change waits for its export")
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertEqual(self.sim.listing("PAD-12")["condition"], "USED_EXCELLENT")
        self.env["ebay.product.compatibility"].create({
            "product_tmpl_id": template.id, "year": "2018", "make": "Honda", "model": "Civic"})
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertEqual(len(self.sim.inventory.compatibility["PAD-12"]["compatibleProducts"]), 1)
        self.assertEqual(self.sim.listing("PAD-12")["listingId"], listing_id, "the same listing, revised")

    def test_parts_compatibility_sent(self):
        template = self.make_product("PAD-6", ebay_compatibility_ids=[
            fields.Command.create({"year": "2019", "make": "Toyota", "model": "Corolla",
                                   "engine": "1.8L L4", "notes": "Front axle"}),
            fields.Command.create({"year": "2020", "make": "Toyota", "model": "Corolla"}),
        ])
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        sent = self.sim.inventory.compatibility["PAD-6"]["compatibleProducts"]
        self.assertEqual(sent[0], {"compatibilityProperties": [
            {"name": "Year", "value": "2019"}, {"name": "Make", "value": "Toyota"},
            {"name": "Model", "value": "Corolla"}, {"name": "Engine", "value": "1.8L L4"}],
            "notes": "Front axle"})
        self.assertEqual(len(sent), 2)

    def test_bulk_item_error_lands_on_its_variant(self):
        color = self.env["product.attribute"].create({"name": "Color", "value_ids": [
            fields.Command.create({"name": "Grey"}), fields.Command.create({"name": "Black"})]})
        template = self.make_product("KIT", attribute_line_ids=[fields.Command.create({
            "attribute_id": color.id, "value_ids": [fields.Command.set(color.value_ids.ids)]})])
        grey, black = template.product_variant_ids
        grey.write({"default_code": "KIT-GREY", "barcode": "BP-1"})
        # eBay takes SKUs of 50 characters at most: the connector leaves that rule to eBay.
        black.write({"default_code": "KIT-BLACK-" + "X" * 45, "barcode": "BP-2"})
        bindings = self.publish(template)
        bad = bindings.filtered(lambda b: b.product_id == black)
        good = bindings.filtered(lambda b: b.product_id == grey)
        self.assertEqual(bad.sync_state, "failed")
        self.assertIn(f"eBay refused inventory item {black.default_code}", bad.last_error)
        self.assertIn("25707", bad.last_error)
        self.assertEqual(good.sync_state, "failed", "a group is listed whole or not at all")
        self.assertIn("another variant of this product was refused", good.last_error)
        self.assertFalse(self.calls("offer"), "no offer made for a product whose item was refused")
        self.assertIsNone(self.sim.listing("KIT-GREY"))

    def test_a_failed_call_retries_the_job(self):
        template = self.make_product("PAD-7")
        self.sim.fail_next(status=503, path_contains="bulk_create_or_replace_inventory_item")
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "pending", binding.last_error)
        job = self.env["sync.job"].search([("store_id", "=", self.store.id),
                                            ("method_name", "=", "_job_export_products")], limit=1)
        self.assertEqual(job.state, "pending", "eBay's 503 is retried later")
        self.assertIsNone(self.sim.listing("PAD-7"))
        job.next_attempt_at = fields.Datetime.now()
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertTrue(self.sim.listing("PAD-7"))


class TestEbayCategoriesEndToEnd(EbayListingE2ECase):
    def test_one_taxonomy_and_one_metadata_call_for_two_products(self):
        first, second = self.make_product("PAD-8"), self.make_product("PAD-9")
        self.publish(first | second)
        self.assertTrue(self.sim.listing("PAD-8") and self.sim.listing("PAD-9"))
        self.assertEqual(len(self.calls("get_item_aspects_for_category")), 1)
        self.assertEqual(len(self.calls("get_item_condition_policies")), 1)
        self.assertEqual(len(self.calls("get_default_category_tree_id")), 1)
        self.assertEqual({call["auth"] for call in self.calls("/commerce/taxonomy/")}, {"app"})
        info = self.store.ebay_category_info_ids
        self.assertEqual((info.category_id, info.category_name), (BRAKES, "Brake Pads & Shoes"))
        self.assertEqual(info.required_aspects_text, "Brand, Manufacturer Part Number")
        self.assertEqual(info.allowed_conditions_text,
                         "New, Seller refurbished, Used, For parts or not working")
        self.assertEqual(info.required_aspects, ["Brand", "Manufacturer Part Number"])
        self.assertEqual(info.allowed_conditions, ["NEW", "SELLER_REFURBISHED", "USED_EXCELLENT",
                                                   "FOR_PARTS_OR_NOT_WORKING"])

    def test_category_suggestions_fill_the_mapping(self):
        pads = self.env["product.category"].create({"name": "Brake pads"})
        action = self.store.action_ebay_suggest_categories()
        wizard = self.env[action["res_model"]].with_context(action["context"]).create(
            {"product_category_id": pads.id})
        wizard._onchange_product_category_id()
        wizard.action_search()
        self.assertTrue(wizard.suggestion_ids, "eBay suggested categories")
        first = wizard.suggestion_ids[0]
        self.assertEqual((first.category_id, first.name), (BRAKES, "Brake Pads & Shoes"))
        self.assertEqual(first.path, "eBay Motors > Parts & Accessories > Brake Pads & Shoes")
        first.action_use()
        template = self.make_product("PAD-10", categ_id=pads.id)
        binding = self.publish(template)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertEqual(self.sim.listing("PAD-10")["categoryId"], BRAKES)

    def test_no_suggestion(self):
        wizard = self.env["ebay.category.suggestion.wizard"].create({
            "store_id": self.store.id, "product_category_id": self.brakes.id, "query": "zeppelin"})
        wizard.action_search()
        self.assertTrue(wizard.searched)
        self.assertFalse(wizard.suggestion_ids)
