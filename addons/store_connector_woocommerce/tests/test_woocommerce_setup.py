"""Issue #13, first setup: in the base's setup assistant, a WooCommerce store's connect button is
Connect with WooCommerce (its wc-auth approval page), and Test Connection reaches the simulator."""

from .test_woocommerce_connect_simulator import SimulatorCase


class TestWooCommerceSetupAssistant(SimulatorCase):
    def follow(self, action):
        self.assertEqual(action["res_model"], "store.setup.wizard")
        self.env.invalidate_all()
        return self.env["store.setup.wizard"].browse(action["res_id"])

    def test_connect_with_woocommerce_and_test_connection_from_the_assistant(self):
        sim = self.simulator()
        wizard = self.env["store.setup.wizard"].create(
            {"store_name": "Assisted Woo", "platform": "woocommerce", "shop_url": sim.base_url})
        wizard = self.follow(wizard.action_next())
        store = wizard.store_id
        self.assertEqual(wizard.connect_label, "Connect with WooCommerce")
        self.assertIn("Consumer Key", wizard.credential_missing_text)
        action = wizard.action_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(sim.base_url.rstrip("/") + "/wc-auth/v1/authorize?"))
        # The keys pasted instead, as the lines say.
        for cred in wizard.credential_ids:
            if cred.key == "consumer_key":
                cred.value_plain = sim.consumer_key
            elif cred.key == "consumer_secret":
                cred.value = sim.consumer_secret
        self.env.invalidate_all()
        self.assertFalse(wizard.credential_missing_text)
        wizard.step = "connection"
        wizard = self.follow(wizard.action_test_connection())
        self.assertTrue(wizard.connection_ok, wizard.connection_result)
        self.assertIn("WooCommerce: 9.4.1", wizard.connection_result)
        self.assertNotEqual(store.setup_state, "connection")
