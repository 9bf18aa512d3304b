"""Issue #13, first setup: in the base's setup assistant an eBay store's connect button is Connect
with eBay (the base's OAuth install), and its credentials step names the user token that button
brings as missing until the seller has connected."""

from odoo.tests.common import TransactionCase

from .common import create_ebay_store


class TestEbaySetupAssistant(TransactionCase):
    def test_each_missing_credential_is_named_once(self):
        """The keyset's lines are named by their labels, not again in the platform's shorter words
        (the assistant said "App ID (Client ID), Cert ID (Client Secret), ..., App ID, Cert ID")."""
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        store = create_ebay_store(env, name="Empty eBay", app_id=None, cert_id=None, access_token=None,
                                  refresh_token=None, stock_baseline="none")
        missing = store._setup_credentials_missing()
        self.assertEqual(missing[:2], ["App ID (Client ID)", "Cert ID (Client Secret)"])
        self.assertNotIn("App ID", missing)
        self.assertNotIn("Cert ID", missing)
        self.assertEqual(missing[-1], "a user token (Connect with eBay)")

    def test_connect_with_ebay_is_the_missing_step_until_the_token_is_there(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        store = create_ebay_store(env, name="Assisted eBay", access_token=None, refresh_token=None,
                                  stock_baseline="none")
        self.assertEqual(store.setup_state, "credentials")
        self.assertIn("a user token (Connect with eBay)", store._setup_credentials_missing())
        wizard = env["store.setup.wizard"].browse(store.action_open_setup()["res_id"])
        self.assertEqual((wizard.step, wizard.connect_label), ("credentials", "Connect with eBay"))
        connected = create_ebay_store(env, name="Connected eBay", stock_baseline="none")
        self.assertEqual(connected._setup_credentials_missing(), [])
        self.assertEqual(connected.setup_state, "connection")
