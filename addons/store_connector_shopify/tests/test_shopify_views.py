from lxml import etree

from odoo.tests import Form, new_test_user, tagged
from odoo.tools import convert_file

from odoo.addons.store_connector_base import const as base_const

from .common import ShopifySimulatorCase

MANAGER = "store_connector_base.group_store_connector_manager"
USER = "store_connector_base.group_store_connector_user"


@tagged("post_install", "-at_install")
class TestShopifyViews(ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "sc_shopify_manager", groups=f"base.group_user,{MANAGER}")
        cls.sc_user = new_test_user(cls.env, "sc_shopify_user", groups=f"base.group_user,{USER}")

    def _arch(self, user):
        arch = self.store.with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
        return etree.fromstring(arch)

    def test_manager_sees_settings_and_credentials(self):
        arch = self._arch(self.manager)
        settings = arch.xpath("//group[@name='platform_settings']")[0]
        for name in (
            "shopify_location_id",
            "shopify_location_ids",
            "shopify_notify_customer",
            "shopify_import_inventory",
            "shopify_push_native_orders",
        ):
            self.assertTrue(settings.xpath(f".//field[@name='{name}']"), name)
        self.assertTrue(settings.xpath(".//button[@name='action_shopify_fetch_locations']"))
        credentials = arch.xpath("//group[@name='platform_credentials']")[0]
        for name in ("shopify_auth_method", "shopify_client_id", "shopify_scopes"):
            self.assertTrue(credentials.xpath(f".//field[@name='{name}']"), name)
        self.assertTrue(credentials.xpath(".//button[@name='action_oauth_install']"))
        for name in ("shopify_shop_domain", "shopify_api_version"):
            self.assertTrue(arch.xpath(f"//field[@name='{name}']"), name)
        # the form opens and its modifiers evaluate on a Shopify store
        form = Form(self.store.with_user(self.manager))
        self.assertEqual(form.shopify_shop_domain, self.sim.shop)
        form.shopify_import_inventory = True
        form.save()
        self.assertTrue(self.store.shopify_import_inventory)

    def test_user_sees_settings_but_no_credentials_nor_manager_buttons(self):
        arch = self._arch(self.sc_user)
        self.assertTrue(arch.xpath("//field[@name='shopify_import_inventory']"))
        self.assertTrue(arch.xpath("//field[@name='shopify_location_ids']"))
        self.assertFalse(arch.xpath("//field[@name='shopify_client_id']"), "credentials are for managers")
        self.assertFalse(arch.xpath("//button[@name='action_oauth_install']"))
        self.assertFalse(arch.xpath("//button[@name='action_shopify_fetch_locations']"))
        store = self.store.with_user(self.sc_user)
        self.assertEqual(
            store.read(["shopify_shop_domain", "shopify_location_id"])[0]["shopify_shop_domain"],
            self.sim.shop,
        )
        Form(store)  # renders for a user (read)

    def test_shopify_store_offers_every_store_button(self):
        # Shopify implements every feature the base's store form offers.
        self.assertTrue(self.store.platform_implemented)
        for feature, field_name in base_const.PLATFORM_FEATURES.items():
            self.assertTrue(self.store[field_name], f"Shopify supports {feature}")

    def test_install_with_oauth_is_the_base_button_under_the_shopify_settings(self):
        # One button, the base's (action_oauth_install, shown for platforms that support OAuth),
        # placed after the Shopify credentials and shown once the store installs through OAuth.
        self.assertTrue(self.store.supports_oauth)
        arch = self._arch(self.manager)
        # (The eBay addon's header button "Connect with eBay" calls it too, for eBay stores only.)
        [button] = arch.xpath("//div[@name='oauth_install']//button[@name='action_oauth_install']")
        [container] = arch.xpath("//div[@name='oauth_install']")
        self.assertIn(button, container.iterdescendants())
        self.assertIs(container.getprevious(), arch.xpath("//group[@name='shopify_credentials']")[0])
        # The condition each addon adds (Shopify's, eBay's) is kept with the base's.
        invisible = container.get("invisible")
        self.assertTrue(invisible.startswith("((not supports_oauth) or "), invisible)
        self.assertIn("(platform == 'shopify' and shopify_auth_method != 'oauth')", invisible)
        form = Form(self.store.with_user(self.manager))
        form.shopify_auth_method = "oauth"
        self.assertTrue(form.supports_oauth)

    def test_existing_store_gets_the_shopify_credential_lines_at_update(self):
        keys_before = set(self.store.sudo().credential_ids.mapped("key"))
        convert_file(self.env, "store_connector_shopify", "data/connector_store_data.xml", idref={},
                     mode="update", noupdate=False)
        declared = [item["key"] for item in self.env["store.adapter.shopify"]._credential_keys(self.store)]
        keys_after = set(self.store.sudo().credential_ids.mapped("key"))
        self.assertEqual(keys_after, keys_before | set(declared))
        self.assertLess(keys_before & set(declared), set(declared), "some lines were missing before")
        self.assertTrue(self.store.sudo()._get_credential(declared[0]), "the access token is kept")
