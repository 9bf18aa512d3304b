"""Issue #13, first setup (second round): in the base's setup assistant a Shopify store chooses its way
in on the credentials step (paste an Admin API access token, or Install with OAuth with the app's
client id and secret, the app's redirect URL shown to copy), and its locations step reads the shop's
locations (Fetch Locations) and maps each one to an Odoo location, against the simulator."""

from lxml import etree

from .common import SIM_TOKEN, ShopifySimulatorCase


class TestShopifySetupChoices(ShopifySimulatorCase):
    def follow(self, action):
        self.assertEqual(action["res_model"], "store.setup.wizard")
        self.env.invalidate_all()
        return self.env["store.setup.wizard"].browse(action["res_id"])

    def new_wizard(self):
        wizard = self.env["store.setup.wizard"].create(
            {"store_name": "Assisted Shopify", "platform": "shopify", "shop_url": self.sim_url})
        return self.follow(wizard.action_next())

    def test_the_credentials_step_offers_a_token_or_install_with_oauth(self):
        wizard = self.new_wizard()
        store = wizard.store_id
        self.assertEqual(wizard.shopify_auth_method, "token", "a pasted token is the default way in")
        self.assertEqual(wizard.credential_missing_text, "Admin API Access Token")
        self.assertEqual(wizard.connect_label, "Install with OAuth")
        self.assertEqual(wizard.redirect_url, store._oauth_callback_url())
        self.assertEqual(wizard.redirect_url_label, "Redirect URL of the App")
        # Choosing OAuth in the step sets the store's authentication: the client id and secret are
        # then what is missing, the access token being what Install with OAuth saves.
        wizard.write({"shopify_auth_method": "oauth"})
        self.assertEqual(store.shopify_auth_method, "oauth")
        wizard = self.follow(wizard.action_refresh())
        self.assertEqual(wizard.credential_missing_text,
                         "App Client Secret, the app's Client ID, Admin API access token (Install with OAuth "
                         "saves it)")
        wizard.write({"shopify_client_id": "my-app-client-id"})
        self.assertEqual(store.shopify_client_id, "my-app-client-id")
        wizard.credential_ids.filtered(lambda cred: cred.key == "client_secret").value = "shpss_app_secret"
        wizard = self.follow(wizard.action_refresh())
        self.assertEqual(wizard.credential_missing_text,
                         "Admin API access token (Install with OAuth saves it)")
        # Back to a pasted token: the token is what is missing, and pasting it is enough.
        wizard.write({"shopify_auth_method": "token"})
        wizard.credential_ids.filtered(lambda cred: cred.key == "access_token").value = SIM_TOKEN
        wizard = self.follow(wizard.action_refresh())
        self.assertFalse(wizard.credential_missing_text)

    def test_the_locations_step_fetches_and_maps_the_shop_s_locations(self):
        self.sim.add_location("Warehouse B")
        wizard = self.new_wizard()
        store = wizard.store_id
        wizard.credential_ids.filtered(lambda cred: cred.key == "access_token").value = SIM_TOKEN
        wizard.step = "locations"
        self.assertEqual(wizard.read_locations_label, "Fetch Locations")
        self.assertIn("Shopify keeps stock per location", wizard.locations_note)
        self.assertFalse(wizard.shopify_location_ids)
        wizard = self.follow(wizard.action_read_locations())
        names = store.shopify_location_ids.mapped("name")
        self.assertIn("Warehouse B", names)
        self.assertIn(f"{len(names)} Shopify locations read", wizard.locations_result)
        self.assertIn("Warehouse B", wizard.locations_result)
        self.assertEqual(wizard.shopify_location_ids, store.shopify_location_ids)
        self.assertTrue(wizard.shopify_location_id, "the first active location is the default")
        # The mapping is edited in the step, on the store's own lines.
        stock = self.env["stock.location"].search(
            [("usage", "=", "internal"), ("company_id", "=", store.company_id.id)], limit=1)
        line = wizard.shopify_location_ids.filtered(lambda loc: loc.name == "Warehouse B")
        wizard.write({"shopify_location_ids": [(1, line.id, {"location_id": stock.id})]})
        self.assertEqual(line.location_id, stock)

    def test_fetch_locations_reads_in_test_mode_too(self):
        wizard = self.new_wizard()
        wizard.credential_ids.filtered(lambda cred: cred.key == "access_token").value = SIM_TOKEN
        wizard.store_id.test_mode = True
        wizard.step = "locations"
        wizard = self.follow(wizard.action_read_locations())
        self.assertTrue(wizard.store_id.shopify_location_ids)
        self.assertFalse(wizard.store_id.test_request_ids, "a read is no request held back")

    def test_a_store_on_a_loopback_shop_url_saves_without_a_shop_domain(self):
        """The assistant's demo store (the simulator's URL, no myshopify.com domain) must save on its
        form, or Continue Setup (which saves first) does nothing."""
        views = self.env["connector.store"].get_views([(False, "form")])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        [domain] = arch.xpath("//field[@name='shopify_shop_domain']")
        self.assertEqual(domain.get("required"), "platform == 'shopify' and not shop_url")
        wizard = self.new_wizard()
        self.assertFalse(wizard.store_id.shopify_shop_domain)
        self.assertEqual(wizard.store_id.shop_url, self.sim_url)
