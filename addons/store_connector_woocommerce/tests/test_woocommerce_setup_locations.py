"""Issue #13, first setup (second round): the setup assistant's locations step says that WooCommerce
keeps one quantity per product (no location to choose on the shop) and offers no location to read;
WooCommerce connects without a redirect URL to enter."""

from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase


class TestWooCommerceSetupLocations(TransactionCase):
    def test_the_locations_step_says_woocommerce_has_no_locations(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        wizard = env["store.setup.wizard"].create(
            {"store_name": "Assisted Woo", "platform": "woocommerce", "shop_url": "https://woo.example.com"})
        wizard.action_next()
        wizard.step = "locations"
        self.assertIn("WooCommerce keeps one stock quantity per product", wizard.locations_note)
        self.assertFalse(wizard.read_locations_label)
        self.assertFalse(wizard.redirect_url, "Connect with WooCommerce needs no address entered")
        with self.assertRaisesRegex(UserError, "has no locations to read"):
            wizard.action_read_locations()
