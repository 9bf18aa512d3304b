"""Issue #13, first setup: the base's setup assistant connects a Shopify store to the simulator:
the shop's address (a myshopify.com address becomes the shop domain), the access token, Test
Connection, Register Webhooks and the first Full Sync, each through the store's own action."""

from .common import SIM_TOKEN, ShopifySimulatorCase


class TestShopifySetupAssistant(ShopifySimulatorCase):
    def follow(self, action):
        self.assertEqual(action["res_model"], "store.setup.wizard")
        self.env.invalidate_all()
        return self.env["store.setup.wizard"].browse(action["res_id"])

    def test_a_myshopify_address_becomes_the_shop_domain(self):
        values = self.env["store.adapter.shopify"]._setup_store_values(
            {"name": "Shop", "platform": "shopify", "shop_url": "https://My-Shop.myshopify.com/"})
        self.assertEqual((values["shopify_shop_domain"], values["shop_url"]),
                         ("my-shop.myshopify.com", False))
        values = self.env["store.adapter.shopify"]._setup_store_values(
            {"name": "Shop", "platform": "shopify", "shop_url": self.sim_url})
        self.assertEqual(values["shop_url"], self.sim_url)
        self.assertNotIn("shopify_shop_domain", values)

    def test_the_assistant_connects_a_new_store_to_the_simulator(self):
        wizard = self.env["store.setup.wizard"].create(
            {"store_name": "Assisted Shopify", "platform": "shopify", "shop_url": self.sim_url})
        wizard = self.follow(wizard.action_next())
        store = wizard.store_id
        self.assertEqual((store.platform, wizard.step), ("shopify", "credentials"))
        self.assertEqual(wizard.credential_missing_text, "Admin API Access Token")
        # Install with OAuth is the other way in; the step shows it once OAuth is chosen.
        self.assertEqual(wizard.connect_label, "Install with OAuth")
        wizard.credential_ids.filtered(lambda cred: cred.key == "access_token").value = SIM_TOKEN
        wizard = self.follow(wizard.action_next())
        wizard = self.follow(wizard.action_test_connection())
        self.assertTrue(wizard.connection_ok, wizard.connection_result)
        self.assertIn("Assisted Shopify", wizard.connection_result)
        self.assertEqual(store.setup_state, "webhooks")
        wizard.step = "webhooks"
        wizard = self.follow(wizard.action_register_webhooks())
        self.assertTrue(wizard.webhooks_result)
        self.assertTrue(store.webhook_ids.filtered(lambda webhook: webhook.status == "active"))
        self.assertEqual(store.setup_state, "full_sync")
        wizard = self.follow(wizard.action_next())
        self.assertEqual(wizard.step, "full_sync")
        wizard = self.follow(wizard.action_full_sync())
        self.assertTrue(wizard.full_sync_run)
        self.assertGreater(wizard.full_sync_total, 0)
        self.assertEqual(store.setup_state, "stock_baseline")
