"""The eBay addon is a skeleton: it adds its platform and implements nothing yet, so no eBay store
can be created or activated."""

from odoo.exceptions import ValidationError
from odoo.tests.common import TransactionCase


class TestEbaySkeleton(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Store = cls.env["connector.store"]

    def test_no_ebay_store_can_be_created(self):
        with self.assertRaises(ValidationError) as caught:
            self.Store.create({"name": "eBay Shop", "platform": "ebay"})
        message = str(caught.exception)
        self.assertIn("The eBay connector does not implement anything yet", message)
        self.assertIn('store "eBay Shop" cannot be created or activated', message)

    def test_ebay_store_hides_every_button(self):
        store = self.Store.new({"name": "eBay Shop", "platform": "ebay"})
        self.assertFalse(store.platform_implemented)
        self.assertFalse(any(store[name] for name in (
            "supports_test_connection", "supports_register_webhooks", "supports_full_sync",
            "supports_orders_pull", "supports_products_export", "supports_products_import",
            "supports_inventory_sync",
        )))
