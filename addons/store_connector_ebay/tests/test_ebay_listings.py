"""eBay listings through the Inventory API (issue #11, Listings): export, groups, checks before
anything is sent, withdraw, category requirements cache, category suggestions."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue

from ..models import ebay_listing_mapper as lm
from .common import png
from .fake_ebay_listings import FakeEbayListings

BRAKES = "33564"
PHONES = "9355"


class EbayListingCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = cls.env["connector.store"].create({
            "name": "eBay US", "platform": "ebay", "company_id": cls.env.company.id,
            "stock_baseline": "odoo", "ebay_marketplace_id": "EBAY_US",
            "ebay_fulfillment_policy_id": "FP1", "ebay_payment_policy_id": "PP1",
            "ebay_return_policy_id": "RP1", "ebay_merchant_location_key": "WH-1",
        })
        cls.brakes = cls.env["product.category"].create({"name": "Brake Pads"})
        cls.env["store.category.map"].create({
            "store_id": cls.store.id, "category_id": cls.brakes.id, "platform_category": BRAKES,
            "platform_category_name": "Car & Truck Brake Pads",
        })
        # Item specifics from product fields: the purchase description carries the brand here.
        cls.env["store.field.mapping"].create({
            "store_id": cls.store.id, "field_name": "description_purchase", "platform_field": "Brand",
        })
        cls.stock = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)

    def setUp(self):
        super().setUp()
        self.fake = FakeEbayListings({
            BRAKES: {"required": ["Brand"], "conditions": ["1000", "3000", "7000"]},
            PHONES: {"required": [], "conditions": ["3000", "4000"]},
        })
        patcher = patch.object(type(self.store), "_ebay_client", lambda store, **kw: self.fake, create=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def make_product(self, sku, brand="Acme", price=25.0, qty=0, **vals):
        template = self.env["product.template"].create({
            "name": f"Brake pad {sku}", "default_code": sku, "list_price": price, "is_storable": True,
            "categ_id": self.brakes.id, "description_purchase": brand, "image_1920": png(), **vals,
        })
        if qty:
            self.env["stock.quant"]._update_available_quantity(
                template.product_variant_id, self.stock.lot_stock_id, qty)
        return template

    def publish(self, products):
        bindings = self.store._publish_products(products)
        run_queue(self.env, self.store)
        return bindings

    def data(self, binding):
        return binding.external_data or {}


class TestEbayListingExport(EbayListingCase):
    def test_simple_product_listed(self):
        template = self.make_product("PAD-1", qty=7, weight=1.5)
        binding = self.publish(template.product_variant_id)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        item = self.fake.items["PAD-1"]
        self.assertEqual(item["condition"], "NEW")
        self.assertEqual(item["availability"], {"shipToLocationAvailability": {"quantity": 7}})
        self.assertEqual(item["product"]["aspects"], {"Brand": ["Acme"]})
        self.assertEqual(item["product"]["brand"], "Acme")
        self.assertEqual(item["product"]["title"], "Brake pad PAD-1")
        self.assertEqual(item["packageWeightAndSize"]["weight"], {"value": 1.5, "unit": "KILOGRAM"})
        self.assertTrue(item["product"]["description"])
        [create] = self.fake.calls_to("bulk_create_offer")
        offer = create["json"]["requests"][0]
        self.assertEqual(offer["categoryId"], BRAKES)
        self.assertEqual(offer["format"], "FIXED_PRICE")
        self.assertEqual(offer["listingDuration"], "GTC")
        self.assertEqual(offer["marketplaceId"], "EBAY_US")
        self.assertEqual(offer["merchantLocationKey"], "WH-1")
        self.assertEqual(offer["listingPolicies"], {
            "fulfillmentPolicyId": "FP1", "paymentPolicyId": "PP1", "returnPolicyId": "RP1"})
        self.assertEqual(offer["pricingSummary"]["price"]["value"], "25.00")
        self.assertNotIn("availableQuantity", offer)
        self.assertEqual(len(self.fake.calls_to("bulk_publish_offer")), 1)
        data = self.data(binding)
        self.assertEqual(data[lm.KEY_LISTING], self.fake.listing_of("PAD-1"))
        self.assertTrue(data[lm.KEY_OFFER])
        self.assertEqual(data[lm.KEY_API], lm.API_INVENTORY)

    def test_revision_replaces_the_offer_without_publishing_again(self):
        template = self.make_product("PAD-2")
        binding = self.publish(template.product_variant_id)
        offer_id = self.data(binding)[lm.KEY_OFFER]
        self.fake.calls.clear()
        template.list_price = 31.0
        self.store.action_export_products()
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        [put] = self.fake.calls_to(f"/offer/{offer_id}", "PUT")
        self.assertEqual(put["json"]["pricingSummary"]["price"]["value"], "31.00")
        self.assertFalse(self.fake.calls_to("bulk_create_offer"))
        self.assertFalse(self.fake.calls_to("publish"))
        self.assertFalse(self.fake.calls_to("/offer", "GET"), "the known offer is not looked up")

    def test_variants_listed_as_a_group(self):
        color = self.env["product.attribute"].create({"name": "Color", "value_ids": [
            fields.Command.create({"name": "Red"}), fields.Command.create({"name": "Blue"})]})
        template = self.make_product("KIT", attribute_line_ids=[fields.Command.create({
            "attribute_id": color.id, "value_ids": [fields.Command.set(color.value_ids.ids)]})])
        red, blue = template.product_variant_ids
        red.default_code, blue.default_code = "KIT-RED", "KIT-BLUE"
        blue.ebay_variant_condition = "USED_EXCELLENT"
        bindings = self.publish(template.product_variant_ids)
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"}, bindings.mapped("last_error"))
        key = f"ODOO-{template.id}"
        group = self.fake.groups[key]
        self.assertEqual(sorted(group["variantSKUs"]), ["KIT-BLUE", "KIT-RED"])
        self.assertEqual(group["variesBy"]["specifications"], [{"name": "Color", "values": ["Red", "Blue"]}])
        self.assertEqual(group["aspects"], {"Brand": ["Acme"]})
        self.assertEqual(self.fake.items["KIT-RED"]["product"]["aspects"],
                         {"Brand": ["Acme"], "Color": ["Red"]})
        self.assertEqual(self.fake.items["KIT-RED"]["condition"], "NEW")
        self.assertEqual(self.fake.items["KIT-BLUE"]["condition"], "USED_EXCELLENT")
        [publish] = self.fake.calls_to("publish_by_inventory_item_group")
        self.assertEqual(publish["json"], {"inventoryItemGroupKey": key, "marketplaceId": "EBAY_US"})
        self.assertFalse(self.fake.calls_to("bulk_publish_offer"))
        listing_ids = {self.data(b)[lm.KEY_LISTING] for b in bindings}
        self.assertEqual(len(listing_ids), 1)
        self.assertEqual({self.data(b)[lm.KEY_GROUP] for b in bindings}, {key})

        # Unpublishing the product withdraws the group's listing; the offers stay.
        self.fake.calls.clear()
        self.store._unpublish_products(template.product_variant_ids)
        run_queue(self.env, self.store)
        [withdraw] = self.fake.calls_to("withdraw_by_inventory_item_group")
        self.assertEqual(withdraw["json"]["inventoryItemGroupKey"], key)
        for binding in bindings:
            self.assertEqual(binding.sync_state, "disabled", binding.last_error)
            self.assertNotIn(lm.KEY_LISTING, self.data(binding))
            self.assertTrue(self.data(binding)[lm.KEY_OFFER])

    def test_missing_required_aspect_sends_nothing(self):
        template = self.make_product("PAD-3", brand=False)
        binding = self.publish(template.product_variant_id)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("Car & Truck Brake Pads (33564) requires these item specifics", binding.last_error)
        self.assertIn("Brand", binding.last_error)
        self.assertFalse(self.fake.writes(), "nothing changed on eBay")
        self.assertFalse(self.fake.items)

    def test_condition_refused_by_the_category(self):
        template = self.make_product("PAD-4", ebay_condition="NEW_OTHER")
        binding = self.publish(template.product_variant_id)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("does not allow the condition New other (see details)", binding.last_error)
        self.assertIn("it takes: New, Used, For parts or not working", binding.last_error)
        self.assertFalse(self.fake.writes())

    def test_no_category_says_where_to_set_one(self):
        template = self.make_product("PAD-5", categ_id=self.env.ref("product.product_category_all").id)
        binding = self.publish(template.product_variant_id)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("has no eBay category", binding.last_error)
        self.assertFalse(self.fake.calls)

    def test_product_category_wins_over_mapping(self):
        template = self.make_product("PHONE-1", ebay_category_id=PHONES, ebay_condition="USED_VERY_GOOD")
        binding = self.publish(template.product_variant_id)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        [create] = self.fake.calls_to("bulk_create_offer")
        self.assertEqual(create["json"]["requests"][0]["categoryId"], PHONES)

    def test_missing_business_policies(self):
        self.store.ebay_return_policy_id = False
        binding = self.publish(self.make_product("PAD-6").product_variant_id)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("has no eBay return policy", binding.last_error)
        # The account's return policies were looked for (none: nothing to fill), nothing else.
        self.assertEqual([c["path"] for c in self.fake.calls], ["/sell/account/v1/return_policy"])

    def test_bulk_item_errors_land_on_their_binding(self):
        good, bad = self.make_product("PAD-7"), self.make_product("PAD-8")
        self.fake.item_errors["PAD-8"] = "The title is too long."
        bindings = self.publish(good.product_variant_id | bad.product_variant_id)
        good_binding = bindings.filtered(lambda b: b.sku == "PAD-7")
        bad_binding = bindings.filtered(lambda b: b.sku == "PAD-8")
        self.assertEqual(good_binding.sync_state, "synced", good_binding.last_error)
        self.assertEqual(bad_binding.sync_state, "failed")
        self.assertIn("eBay refused inventory item PAD-8", bad_binding.last_error)
        self.assertIn("The title is too long.", bad_binding.last_error)
        offered = [r["sku"] for c in self.fake.calls_to("bulk_create_offer") for r in c["json"]["requests"]]
        self.assertEqual(offered, ["PAD-7"])

    def test_many_products_go_25_a_call(self):
        templates = self.env["product.template"]
        for index in range(27):
            templates |= self.make_product(f"BULK-{index:02d}")
        # The base's jobs carry one product each; one export of many products (the adapter's
        # contract) sends them in calls of 25.
        bindings = self.store._publish_products(templates.product_variant_ids)
        products, errors = self.store._build_export_products(bindings)
        self.assertFalse(errors)
        results = self.store._get_adapter()._export_products(self.store, products)
        self.assertEqual([r["error"] for r in results], [None] * 27)
        sizes = [len(c["json"]["requests"]) for c in self.fake.calls_to("bulk_create_or_replace")]
        self.assertEqual(sizes, [25, 2])
        self.assertEqual(len(self.fake.calls_to("bulk_create_offer")), 2)
        self.assertEqual(len(self.fake.calls_to("bulk_publish_offer")), 2)

    def test_archived_product_ends_its_listing(self):
        template = self.make_product("PAD-9")
        binding = self.publish(template.product_variant_id)
        offer_id = self.data(binding)[lm.KEY_OFFER]
        self.fake.calls.clear()
        template.product_variant_id.active = False
        run_queue(self.env, self.store)
        self.assertEqual(binding.platform_status, "archived")
        self.assertEqual(len(self.fake.calls_to(f"/offer/{offer_id}/withdraw", "POST")), 1)
        self.assertFalse(self.fake.calls_to("/inventory_item/", "DELETE"), "withdrawn, not deleted")
        self.assertNotIn(lm.KEY_LISTING, self.data(binding))
        self.assertIsNone(self.fake.listing_of("PAD-9"))

    def test_parts_compatibility_sent(self):
        template = self.make_product("PAD-10", ebay_compatibility_ids=[fields.Command.create({
            "year": "2019", "make": "Toyota", "model": "Corolla", "notes": "Front axle"})])
        binding = self.publish(template.product_variant_id)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertEqual(self.fake.compatibility["PAD-10"], {"compatibleProducts": [{
            "compatibilityProperties": [{"name": "Year", "value": "2019"},
                                        {"name": "Make", "value": "Toyota"},
                                        {"name": "Model", "value": "Corolla"}],
            "notes": "Front axle"}]})

    def test_an_offer_left_by_an_interrupted_export_is_reused(self):
        self.fake.offers["777"] = {"offerId": "777", "sku": "PAD-11", "marketplaceId": "EBAY_US",
                                   "status": "UNPUBLISHED"}
        binding = self.publish(self.make_product("PAD-11").product_variant_id)
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertEqual(self.data(binding)[lm.KEY_OFFER], "777")
        self.assertFalse(self.fake.calls_to("bulk_create_offer"))
        self.assertEqual(len(self.fake.calls_to("/offer/777", "PUT")), 1)


class TestEbayCategoryRequirementsCache(EbayListingCase):
    def test_one_taxonomy_call_for_two_products_of_a_category(self):
        first, second = self.make_product("C-1"), self.make_product("C-2")
        self.publish(first.product_variant_id | second.product_variant_id)
        self.assertEqual(len(self.fake.calls_to("get_item_aspects_for_category")), 1)
        self.assertEqual(len(self.fake.calls_to("get_item_condition_policies")), 1)
        self.assertEqual(len(self.fake.calls_to("get_default_category_tree_id")), 1)
        self.assertTrue(all(c["app"] for c in self.fake.calls_to("/commerce/taxonomy/")))
        info = self.store.ebay_category_info_ids
        self.assertEqual(info.category_id, BRAKES)
        self.assertEqual(info.required_aspects, ["Brand"])
        self.assertEqual(info.allowed_conditions, ["NEW", "USED_EXCELLENT", "FOR_PARTS_OR_NOT_WORKING"])

        # Another product later: still known, no call.
        self.publish(self.make_product("C-3").product_variant_id)
        self.assertEqual(len(self.fake.calls_to("get_item_aspects_for_category")), 1)
        # A week later eBay is asked again.
        info.fetched_at = fields.Datetime.now() - timedelta(days=8)
        self.publish(self.make_product("C-4").product_variant_id)
        self.assertEqual(len(self.fake.calls_to("get_item_aspects_for_category")), 2)


class TestEbayCategorySuggestions(EbayListingCase):
    def test_suggestions_picked_into_the_mapping(self):
        self.fake.suggestions = [{
            "category": {"categoryId": "33564", "categoryName": "Brake Pads"},
            "categoryTreeNodeAncestors": [
                {"categoryId": "33563", "categoryName": "Brakes & Brake Parts", "categoryTreeNodeLevel": 3},
                {"categoryId": "6030", "categoryName": "Car & Truck Parts", "categoryTreeNodeLevel": 2},
            ],
            "categoryTreeNodeLevel": 4, "relevancy": "HIGH",
        }]
        discs = self.env["product.category"].create({"name": "Brake discs"})
        action = self.store.action_ebay_suggest_categories()
        wizard = self.env[action["res_model"]].with_context(action["context"]).create(
            {"product_category_id": discs.id})
        wizard._onchange_product_category_id()
        wizard.action_search()
        [call] = self.fake.calls_to("get_category_suggestions")
        self.assertEqual(call["params"], {"q": "Brake discs"})
        self.assertTrue(call["app"])
        [line] = wizard.suggestion_ids
        self.assertEqual(line.path, "Car & Truck Parts > Brakes & Brake Parts > Brake Pads")
        line.action_use()
        mapping = self.env["store.category.map"].search([("store_id", "=", self.store.id),
                                                         ("category_id", "=", discs.id)])
        self.assertEqual((mapping.platform_category, mapping.platform_category_name), ("33564", "Brake Pads"))

    def test_suggestions_are_for_managers(self):
        user = new_test_user(self.env, "ebay_user", groups="store_connector_base.group_store_connector_user")
        with self.assertRaises(AccessError):
            self.store.with_user(user).action_ebay_suggest_categories()


class TestEbayListingMapper(TransactionCase):
    def test_condition_names_and_enums(self):
        self.assertEqual(lm.CONDITION_NAMES["USED_EXCELLENT"], "Used")
        self.assertNotIn("USED", lm.CONDITION_NAMES)
        self.assertNotIn("MANUFACTURER_REFURBISHED", lm.CONDITION_NAMES)
        self.assertEqual(lm.category_condition_facts({"itemConditionPolicies": [{
            "categoryId": "1", "itemConditions": [{"conditionId": "2750"}, {"conditionId": "99999"}]}]}, "1"),
            {"allowed": ["LIKE_NEW"], "required": False})

    def test_plain_description_becomes_html(self):
        self.assertEqual(lm.html_description("Fits A & B < C\nFront", "T"),
                         "Fits A &amp; B &lt; C<br/>Front")
        self.assertEqual(lm.html_description("<p>Hi</p>", "T"), "<p>Hi</p>")
        self.assertEqual(lm.html_description("", "Title"), "Title")

    def test_missing_aspects_ignore_case_and_empty_values(self):
        self.assertEqual(lm.missing_aspects(["Brand", "MPN"], {"brand": ["A"], "MPN": []}), ["MPN"])
