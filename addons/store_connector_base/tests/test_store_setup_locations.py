"""Issue #13, first setup (second round): the setup assistant's credentials step shows the address the
platform's app sends the browser back to (the adapter's `_setup_redirect_url_hint`, with a copy
button), and its locations step says what the platform has to say about its own locations and reads
them (`_setup_locations_note`, `_setup_read_locations_label`, `_setup_read_locations`)."""

from unittest.mock import patch

from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from .common_attack import RpcAttackCase
from .test_store_setup import SetupCase


class TestSetupRedirectAndLocations(SetupCase):
    def setUp(self):
        super().setUp()
        self.wizard = self.follow(self.start().action_next())
        self.store = self.wizard.store_id
        self.adapter_class = type(self.env["store.adapter.test"])

    def test_the_credentials_step_shows_the_redirect_url_of_an_oauth_platform(self):
        # The test platform installs through OAuth: its redirect URL is the store's callback.
        self.assertEqual(self.wizard.redirect_url, self.store._oauth_callback_url())
        self.assertEqual(self.wizard.redirect_url_label, "Redirect URL")
        self.assertIn("redirect URL of your app", self.wizard.redirect_url_help)
        with patch.object(self.adapter_class, "_oauth_enabled", lambda self, store: False):
            self.wizard.invalidate_recordset()
            self.assertFalse(self.wizard.redirect_url, "a platform without OAuth needs no such address")
            self.assertFalse(self.wizard.redirect_url_label)

    def test_the_locations_step_says_nothing_of_a_platform_without_locations(self):
        self.wizard.step = "locations"
        self.assertFalse(self.wizard.locations_note)
        self.assertFalse(self.wizard.read_locations_label)
        with self.assertRaisesRegex(UserError, "has no locations to read"):
            self.wizard.action_read_locations()

    def test_the_locations_step_reads_the_platform_s_locations_through_the_hooks(self):
        self.wizard.step = "locations"
        read = []

        def read_locations(adapter, store):
            read.append(store)
            return f"2 locations of {store.name} read."

        with patch.object(self.adapter_class, "_setup_locations_note", lambda self, store: "Choose one."), \
                patch.object(self.adapter_class, "_setup_read_locations_label", lambda self, store: "Read"), \
                patch.object(self.adapter_class, "_setup_read_locations", read_locations):
            self.wizard.invalidate_recordset()
            self.assertEqual((self.wizard.locations_note, self.wizard.read_locations_label),
                             ("Choose one.", "Read"))
            wizard = self.follow(self.wizard.action_read_locations())
            self.assertEqual(read, [self.store])
            self.assertEqual(wizard.locations_result, "2 locations of Assisted Shop read.")
            self.assertEqual(wizard.step, "locations", "the step stays open to map what was read")

    def test_a_platform_refusal_while_reading_locations_is_a_sentence(self):
        self.wizard.step = "locations"

        def refuse(adapter, store):
            raise PermanentJobError("The shop answered 403: access denied.")

        with patch.object(self.adapter_class, "_setup_read_locations_label", lambda self, store: "Read"), \
                patch.object(self.adapter_class, "_setup_read_locations", refuse):
            with self.assertRaisesRegex(UserError, "could not be read: The shop answered 403"):
                self.wizard.action_read_locations()


class TestSetupLocationsAttacks(RpcAttackCase):
    def test_reading_locations_is_for_the_store_s_managers(self):
        action = self.rpc(self.manager_a, "connector.store", "action_open_setup", [self.store_a.id])
        wizard_ids = [action["res_id"]]
        self.assertRpcRefused(self.manager_b, "store.setup.wizard", "action_read_locations", wizard_ids)
        self.assertRpcRefused(self.user_a, "store.setup.wizard", "action_read_locations", wizard_ids)
