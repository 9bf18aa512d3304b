"""Issue #13, first setup (second round): in the base's setup assistant an eBay store's credentials
step shows the RuName's Auth Accepted URL to copy, and its locations step reads the seller's
inventory locations from the simulator (exactly one fills the merchant location key; several are
listed for the merchant to choose)."""

from .test_ebay_simulator import EbaySimulatorCase


class TestEbaySetupLocations(EbaySimulatorCase):
    def open_wizard(self):
        self.store.ebay_merchant_location_key = False
        action = self.store.action_open_setup()
        wizard = self.env["store.setup.wizard"].browse(action["res_id"])
        wizard.step = "locations"
        return wizard

    def test_the_credentials_step_shows_the_auth_accepted_url(self):
        wizard = self.open_wizard()
        wizard.step = "credentials"
        self.assertEqual(wizard.redirect_url_label, "Auth Accepted URL")
        self.assertEqual(wizard.redirect_url, self.store.ebay_oauth_redirect_url)
        self.assertIn("RuName", wizard.redirect_url_help)

    def test_one_inventory_location_is_chosen_for_the_merchant(self):
        self.sim.add_location("WH-1")
        wizard = self.open_wizard()
        self.assertEqual(wizard.read_locations_label, "Read eBay's Locations")
        self.assertIn("merchant location key", wizard.locations_note)
        wizard.action_read_locations()
        self.assertEqual(self.store.ebay_merchant_location_key, "WH-1")
        self.assertEqual(wizard.ebay_merchant_location_key, "WH-1")
        self.assertIn("1 eBay inventory location read", wizard.locations_result)
        self.assertIn("(WH-1)", wizard.locations_result)

    def test_several_inventory_locations_are_listed_to_choose_from(self):
        self.sim.add_location("WH-1")
        self.sim.add_location("SHOP-2")
        wizard = self.open_wizard()
        wizard.action_read_locations()
        self.assertFalse(self.store.ebay_merchant_location_key)
        self.assertIn("2 eBay inventory locations read", wizard.locations_result)
        wizard.ebay_merchant_location_key = "SHOP-2"
        self.assertEqual(self.store.ebay_merchant_location_key, "SHOP-2", "the step edits the store's key")

    def test_an_account_without_location_is_told_what_to_do(self):
        wizard = self.open_wizard()
        wizard.action_read_locations()
        self.assertIn("no inventory location yet", wizard.locations_result)

    def test_the_tokens_connect_with_ebay_saves_are_named_in_words(self):
        lines = {cred.key: cred for cred in self.store.credential_ids}
        self.assertEqual(lines["access_token"].label, "Access Token")
        self.assertIn("connect button", lines["access_token"].description)
        self.assertEqual(lines["refresh_token"].label, "Refresh Token")
