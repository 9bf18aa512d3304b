"""Suggest eBay Categories over RPC, as other users and companies: only a Manager of the store's
company opens it, searches and maps."""

from unittest.mock import patch

from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .fake_ebay_listings import FakeEbayListings


class TestEbaySuggestionAttacks(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ebay_a = cls.env["connector.store"].create({
            "name": "eBay A", "platform": "ebay", "company_id": cls.company_a.id,
        })
        cls.category = cls.env["product.category"].create({"name": "Brake Pads"})

    def setUp(self):
        super().setUp()
        self.fake = FakeEbayListings()
        self.fake.suggestions = [{"category": {"categoryId": "33564", "categoryName": "Brake Pads"}}]
        patcher = patch.object(type(self.ebay_a), "_ebay_client", lambda store, **kw: self.fake, create=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_only_managers_of_the_company_open_it(self):
        method = "action_ebay_suggest_categories"
        for user in (self.user_a, self.internal_a, self.portal_a, self.manager_b, self.user_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "connector.store", method, [self.ebay_a.id])
        action = self.rpc(self.manager_a, "connector.store", method, [self.ebay_a.id])
        self.assertEqual(action["res_model"], "ebay.category.suggestion.wizard")

    def test_another_company_cannot_search_or_map_through_a_wizard(self):
        self.assertRpcRefused(self.manager_b, "ebay.category.suggestion.wizard", "create",
                              {"store_id": self.ebay_a.id, "product_category_id": self.category.id})
        wizard_id = self.rpc(self.manager_a, "ebay.category.suggestion.wizard", "create",
                             {"store_id": self.ebay_a.id, "product_category_id": self.category.id,
                              "query": "brake pads"})
        self.rpc(self.manager_a, "ebay.category.suggestion.wizard", "action_search", [wizard_id])
        [line_id] = self.env["ebay.category.suggestion.wizard"].browse(wizard_id).suggestion_ids.ids
        for user in (self.manager_b, self.user_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "ebay.category.suggestion.wizard", "action_search", [wizard_id])
                self.assertRpcRefused(user, "ebay.category.suggestion", "action_use", [line_id])
        self.assertFalse(self.env["store.category.map"].search([("store_id", "=", self.ebay_a.id)]))
        self.rpc(self.manager_a, "ebay.category.suggestion", "action_use", [line_id])
        mapping = self.env["store.category.map"].search([("store_id", "=", self.ebay_a.id)])
        self.assertEqual(mapping.platform_category, "33564")
