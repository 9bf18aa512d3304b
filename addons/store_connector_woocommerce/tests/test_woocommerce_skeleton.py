"""The WooCommerce addon is a skeleton: it adds its platform and its default status table, and
implements nothing else yet, so no WooCommerce store can be created or activated."""

from odoo.exceptions import ValidationError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import PlatformFeatureMissing


class TestWooCommerceSkeleton(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Store = cls.env["connector.store"]

    def test_no_woocommerce_store_can_be_created(self):
        with self.assertRaises(ValidationError) as caught:
            self.Store.create({"name": "Woo Shop", "platform": "woocommerce"})
        message = str(caught.exception)
        self.assertIn("The WooCommerce connector does not implement anything yet", message)
        self.assertIn('store "Woo Shop" cannot be created or activated', message)
        stores = self.Store.with_context(active_test=False).search([("platform", "=", "woocommerce")])
        self.assertFalse(stores, "nothing was created")

    def test_no_store_can_be_switched_to_woocommerce(self):
        store = self.Store.create({"name": "Test Shop", "platform": "test"})
        with self.assertRaisesRegex(ValidationError, "The WooCommerce connector does not implement anything"):
            store.write({"platform": "woocommerce"})

    def test_new_woocommerce_store_shows_nothing_to_do(self):
        store = self.Store.new({"name": "Woo Shop", "platform": "woocommerce"})
        self.assertFalse(store.platform_implemented, "the form says the connector implements nothing")
        self.assertFalse(store.supports_test_connection or store.supports_full_sync
                         or store.supports_inventory_sync or store.supports_products_export)
        with self.assertRaisesRegex(PlatformFeatureMissing, 'WooCommerce connector does not support "Import'):
            store._get_adapter()._import_orders(store)

    def test_default_status_table(self):
        store = self.Store.new({"name": "Woo Shop", "platform": "woocommerce"})
        table = store._get_adapter()._default_status_mapping(store)
        self.assertEqual(
            dict(table["inbound"]),
            {
                "pending": "pending",
                "processing": "processing",
                "on-hold": "pending",
                "completed": "delivered",
                "cancelled": "cancelled",
                "refunded": "returned",
                "failed": "cancelled",
            },
        )
        outbound = dict(table["outbound"])
        self.assertEqual(outbound["confirmed"], "processing")
        self.assertEqual(outbound["out_for_delivery"], "processing")
        self.assertEqual(outbound["delivered"], "completed")
        self.assertEqual(outbound["returned"], "refunded")
