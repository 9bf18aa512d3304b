"""The eBay addon declares what it implements: an eBay store can be created and shows the buttons of
its features (orders pull, Full Sync) and no other."""

from odoo.tests.common import TransactionCase


class TestEbaySkeleton(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Store = cls.env["connector.store"]

    def test_ebay_store_shows_its_features(self):
        store = self.Store.new({"name": "eBay Shop", "platform": "ebay"})
        self.assertTrue(store.platform_implemented)
        self.assertTrue(store.supports_orders_pull)
        self.assertTrue(store.supports_full_sync)
