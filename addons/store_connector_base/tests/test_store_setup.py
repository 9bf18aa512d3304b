"""Issue #13, first setup: the setup assistant (store.setup.wizard) walks a new store through its
platform and address, credentials, Test Connection, locations, webhooks, a first Full Sync and the
stock baseline, each step running the store's own action; the store says which step is missing.
"""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from odoo.addons.store_connector_test_platform.models import store_adapter as test_adapter

from .common import API_KEY, StoreConnectorCase, create_test_store
from .common_attack import MANAGER, RpcAttackCase


@contextmanager
def webhook_registration(env):
    """The test platform declares "register_webhooks" meanwhile (it implements it)."""
    features = set(test_adapter.SUPPORTED_FEATURES) | {"register_webhooks"}
    with patch.object(type(env["store.adapter.test"]), "_supported_features", lambda self, store: features):
        yield


class SetupCase(StoreConnectorCase):
    def start(self, **values):
        """The assistant as the store list's "Set Up a New Store" opens it, its address typed."""
        return self.env["store.setup.wizard"].create({
            "store_name": "Assisted Shop", "platform": "test", **values})

    def follow(self, action):
        self.assertEqual((action["res_model"], action["target"]), ("store.setup.wizard", "new"))
        # Each click reloads the window in the browser: its computed figures are read again.
        self.env.invalidate_all()
        return self.env["store.setup.wizard"].browse(action["res_id"])


class TestSetupAssistant(SetupCase):
    def test_a_new_store_walks_every_step_to_done(self):
        self.addCleanup(test_adapter.WEBHOOK_SUBSCRIPTIONS.clear)
        with webhook_registration(self.env):
            wizard = self.start()
            self.assertEqual(wizard.step, "address")
            self.assertIn("Step 1 of 8", wizard.step_progress)
            wizard = self.follow(wizard.action_next())
            store = wizard.store_id
            self.assertEqual((store.name, store.platform, store.company_id),
                             ("Assisted Shop", "test", self.company))
            self.assertEqual(wizard.step, "credentials")
            # The declared credentials are listed to fill in, the required one said missing.
            self.assertIn("api_key", wizard.credential_ids.mapped("key"))
            self.assertEqual(wizard.credential_missing_text, "API Key")
            store.invalidate_recordset(["setup_state"])
            self.assertEqual(store.setup_state, "credentials")
            # The test platform installs through OAuth: its connect button is the base's.
            self.assertEqual(wizard.connect_label, "Install with OAuth")
            wizard.credential_ids.filtered(lambda cred: cred.key == "api_key").value = API_KEY
            wizard.invalidate_recordset(["credential_missing_text"])
            self.assertFalse(wizard.credential_missing_text)
            store.invalidate_recordset(["setup_state"])
            self.assertEqual(store.setup_state, "connection")

            wizard = self.follow(wizard.action_next())
            self.assertEqual(wizard.step, "connection")
            wizard = self.follow(wizard.action_test_connection())
            self.assertTrue(wizard.connection_ok)
            self.assertIn("Connection to Assisted Shop works.", wizard.connection_result)
            store.invalidate_recordset(["setup_state"])
            self.assertEqual(store.setup_state, "webhooks")

            wizard = self.follow(wizard.action_next())
            self.assertEqual(wizard.step, "locations")
            wizard.warehouse_id = self.env["stock.warehouse"].search(
                [("company_id", "=", self.company.id)], limit=1)
            self.assertTrue(store.warehouse_id, "the step edits the store's own warehouse")

            wizard = self.follow(wizard.action_next())
            self.assertEqual(wizard.step, "webhooks")
            wizard = self.follow(wizard.action_register_webhooks())
            self.assertIn("webhook", wizard.webhooks_result)
            self.assertTrue(store.webhook_ids)
            store.invalidate_recordset(["setup_state"])
            self.assertEqual(store.setup_state, "full_sync")

            wizard = self.follow(wizard.action_next())
            self.assertEqual(wizard.step, "full_sync")
            self.assertFalse(wizard.full_sync_run)
            wizard = self.follow(wizard.action_full_sync())
            self.assertTrue(wizard.full_sync_run)
            self.assertGreater(wizard.full_sync_total, 0)
            self.assertEqual(wizard.full_sync_pending, wizard.full_sync_total)
            self.assertIn("waiting", wizard.full_sync_summary)
            self.run_queue(store)
            wizard.invalidate_recordset()
            self.assertEqual(wizard.full_sync_pending, 0)
            self.assertEqual(wizard.full_sync_done + wizard.full_sync_failed, wizard.full_sync_total)
            store.invalidate_recordset(["setup_state"])
            self.assertEqual(store.setup_state, "stock_baseline")

            wizard = self.follow(wizard.action_next())
            self.assertEqual(wizard.step, "stock_baseline")
            wizard = self.follow(wizard.action_read_stock())
            self.assertTrue(wizard.baseline_wizard_id)
            self.assertTrue(wizard.baseline_summary)
            wizard = self.follow(wizard.action_publish_odoo_stock())
            self.assertEqual(store.stock_baseline, "odoo")
            self.assertEqual(wizard.step, "done")
            store.invalidate_recordset(["setup_state"])
            self.assertEqual(store.setup_state, "done")
            self.assertTrue(store.setup_completed_on)
            action = wizard.action_open_store()
            self.assertEqual((action["res_model"], action["res_id"]), ("connector.store", store.id))

    def test_steps_the_platform_does_not_implement_are_passed_over(self):
        # The test platform does not declare webhook registration: no webhook step, no such state.
        wizard = self.follow(self.start().action_next())
        self.assertNotIn("webhooks", wizard._applicable_steps())
        wizard.step = "locations"
        wizard = self.follow(wizard.action_next())
        self.assertEqual(wizard.step, "full_sync")
        wizard = self.follow(wizard.action_back())
        self.assertEqual(wizard.step, "locations")

    def test_a_failed_connection_test_is_said_in_the_step_and_changes_nothing(self):
        wizard = self.follow(self.start().action_next())
        wizard.step = "connection"
        wizard = self.follow(wizard.action_test_connection())
        self.assertFalse(wizard.connection_ok)
        self.assertIn("Connection to Assisted Shop failed", wizard.connection_result)
        self.assertEqual(wizard.store_id.setup_state, "credentials")
        self.assertFalse(wizard.store_id._setup_connection_tested())

    def test_the_address_step_says_what_is_missing(self):
        with self.assertRaisesRegex(UserError, "Enter a name for the store"):
            self.start(store_name=" ").action_next()
        with self.assertRaisesRegex(UserError, "Choose the platform"):
            self.start(platform=False).action_next()

    def test_the_address_step_updates_an_existing_store(self):
        wizard = self.follow(self.store.action_open_setup())
        wizard.write({"step": "address", "shop_url": "https://renamed-shop.example.com"})
        self.follow(wizard.action_next())
        self.assertEqual(self.store.shop_url, "https://renamed-shop.example.com")
        self.assertEqual(self.store.platform, "test")


class TestSetupState(SetupCase):
    def test_a_store_says_which_step_is_missing_in_order(self):
        store = create_test_store(self.env, "Half Set Up", api_key=None, stock_baseline="none")
        store.invalidate_recordset(["setup_state"])
        self.assertEqual(store.setup_state, "credentials")
        self.env["integration.credential"]._set_value(store, "api_key", API_KEY)
        store.invalidate_recordset()
        self.assertEqual(store.setup_state, "connection")
        store.action_test_connection()
        store.invalidate_recordset()
        self.assertEqual(store.setup_state, "full_sync")
        store.action_full_sync()
        store.invalidate_recordset()
        self.assertEqual(store.setup_state, "stock_baseline")
        store.stock_baseline = "odoo"
        store.invalidate_recordset(["setup_state"])
        self.assertEqual(store.setup_state, "done")

    def test_continue_setup_opens_the_missing_step(self):
        store = create_test_store(self.env, "Continued", stock_baseline="none")
        wizard = self.follow(store.action_open_setup())
        self.assertEqual((wizard.store_id, wizard.step), (store, "connection"))
        self.assertEqual(wizard.store_name, "Continued")

    def test_a_completed_store_stays_set_up(self):
        store = create_test_store(self.env, "Completed", stock_baseline="odoo")
        store.action_test_connection()
        store.action_full_sync()
        store._setup_mark_completed()
        self.assertTrue(store.setup_completed_on)
        store.stock_baseline = "none"
        store.invalidate_recordset(["setup_state"])
        self.assertEqual(store.setup_state, "done", "the first set-up was done once")

    def test_the_migration_counts_existing_stores_as_set_up(self):
        import importlib.util
        from pathlib import Path

        path = Path(__file__).parents[1] / "migrations" / "18.0.1.4.0" / "post-setup_completed.py"
        spec = importlib.util.spec_from_file_location("setup_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        store = create_test_store(self.env, "Old Store", stock_baseline="none")
        store.invalidate_recordset(["setup_state"])
        self.assertEqual(store.setup_state, "connection")
        self.env.flush_all()
        migration.migrate(self.env.cr, "18.0.1.3.0")
        store.invalidate_recordset()
        self.assertEqual(store.setup_completed_on, store.create_date)
        store.invalidate_recordset(["setup_state"])
        self.assertEqual(store.setup_state, "done")


class TestSetupRights(SetupCase):
    def test_only_managers_open_or_use_the_assistant(self):
        user = new_test_user(self.env, "sc_setup_user",
                             groups="base.group_user,store_connector_base.group_store_connector_user")
        with self.assertRaises(AccessError):
            self.store.with_user(user).action_open_setup()
        with self.assertRaises(AccessError):
            self.env["store.setup.wizard"].with_user(user).create({"store_name": "X", "platform": "test"})
        manager = new_test_user(self.env, "sc_setup_manager", groups=f"base.group_user,{MANAGER}")
        wizard = self.follow(self.store.with_user(manager).action_open_setup())
        self.assertEqual(wizard.create_uid, manager)

    def test_the_store_of_an_assistant_is_never_changed(self):
        wizard = self.follow(self.store.action_open_setup())
        other = create_test_store(self.env, "Other Shop")
        with self.assertRaisesRegex(UserError, "cannot be moved"):
            wizard.store_id = other


class TestSetupAttacks(RpcAttackCase):
    def test_another_company_s_store_cannot_be_reached(self):
        self.assertRpcRefused(self.manager_b, "connector.store", "action_open_setup", [self.store_a.id])
        self.assertRpcRefused(self.user_a, "connector.store", "action_open_setup", [self.store_a.id])
        # A wizard of company B cannot be pointed at company A's store.
        self.assertRpcRefused(self.manager_b, "store.setup.wizard", "create",
                              {"store_id": self.store_a.id, "step": "connection"}, error="UserError")
        # Company A's manager's assistant is neither readable nor usable by company B's manager.
        action = self.rpc(self.manager_a, "connector.store", "action_open_setup", [self.store_a.id])
        wizard_id = action["res_id"]
        self.assertRpcRefused(self.manager_b, "store.setup.wizard", "read", [wizard_id], ["store_id"])
        self.assertRpcRefused(self.manager_b, "store.setup.wizard", "action_test_connection", [wizard_id])
        self.assertRpcRefused(self.manager_b, "store.setup.wizard", "action_full_sync", [wizard_id])
        # A plain user of company A neither.
        self.assertRpcRefused(self.user_a, "store.setup.wizard", "action_full_sync", [wizard_id])
