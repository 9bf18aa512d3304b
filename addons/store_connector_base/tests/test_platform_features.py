"""What a platform addon implements decides what a store offers: no store for a platform that
implements nothing (or whose addon is gone), no button for an operation its addon lacks, and the
actions refuse on the server what their hidden buttons would have done."""

from contextlib import contextmanager
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import Form
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PlatformFeatureMissing

# Store form buttons and the computed field that shows them.
BUTTON_FEATURE_FIELDS = {
    "action_test_connection": "supports_test_connection",
    "action_register_webhooks": "supports_register_webhooks",
    "action_full_sync": "supports_full_sync",
    "action_pull_orders": "supports_orders_pull",
    "action_sync_inventory": "supports_inventory_sync",
    "action_export_products": "supports_products_export",
    "action_import_products": "supports_products_import",
    # Nothing to process for a platform that implements nothing (the new store's form).
    "action_process_queue": "platform_implemented",
}

# Store form switches (automatic sync, permitted operations, carrier mapping) and the features
# without which they do nothing: shown only when the platform's addon supports one of them.
SWITCH_FEATURES = {
    "auto_sync_orders": ("orders.pull",),
    "auto_sync_products": ("products.export",),
    "auto_sync_inventory": ("inventory.sync",),
    "auto_sync_customers": ("customers.import", "customers.export"),
    "allow_products_sync": ("products.export", "products.import"),
    "allow_orders_pull": ("orders.pull",),
    "allow_orders_push": ("orders.push",),
    "allow_inventory_sync": ("inventory.sync",),
    "carrier_map_ids": ("orders.push",),
}


class TestPlatformFeatures(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Store = cls.env["connector.store"]
        cls.store = cls.Store.create({"name": "Features Shop", "platform": "test"})

    @contextmanager
    def features(self, *features):
        """The test platform's addon declares only `features` meanwhile."""
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_supported_features", lambda self, store: set(features)):
            self.Store.invalidate_model([*const.PLATFORM_FEATURES.values(), "platform_implemented"])
            yield
        self.Store.invalidate_model([*const.PLATFORM_FEATURES.values(), "platform_implemented"])

    def _jobs(self):
        return self.env["sync.job"].search([("store_id", "=", self.store.id)])

    # ------------------------------------------------------------------ creation and activation
    def test_store_of_a_platform_implementing_nothing_cannot_be_created(self):
        with self.features():
            with self.assertRaises(ValidationError) as caught:
                self.Store.create({"name": "Skeleton Shop", "platform": "test"})
        message = str(caught.exception)
        self.assertIn("The Test Platform connector does not implement anything yet", message)
        self.assertIn('store "Skeleton Shop"', message)
        self.assertIn("cannot be created or activated", message)
        self.assertFalse(self.Store.with_context(active_test=False).search([("name", "=", "Skeleton Shop")]))

    def test_store_of_an_uninstalled_platform_cannot_be_created(self):
        with self.assertRaises(ValidationError) as caught:
            self.Store.create({"name": "Gone Shop", "platform": "gone"})
        self.assertIn('Store "Gone Shop" is for the platform "gone", whose connector addon is not installed',
                      str(caught.exception))
        with self.assertRaisesRegex(ValidationError, "whose connector addon is not installed"):
            self.store.write({"platform": "gone"})

    def test_store_cannot_be_activated_when_its_platform_implements_nothing(self):
        self.store.action_archive()
        with self.features(), self.assertRaisesRegex(
            ValidationError, "The Test Platform connector does not implement anything yet"
        ):
            self.store.action_unarchive()
        # Archiving, and anything else, still works on such a store.
        with self.features():
            self.store.write({"name": "Features Shop (old)", "active": False})
        self.store.action_unarchive()
        self.assertTrue(self.store.active, "a store whose platform implements something is activated")

    def test_store_cannot_be_activated_when_its_platform_addon_is_gone(self):
        # What a store looks like when the addon of its platform was removed without its stores.
        self.store.action_archive()
        self.env.flush_all()
        self.env.cr.execute("UPDATE connector_store SET platform = 'gone' WHERE id = %s", [self.store.id])
        self.store.invalidate_recordset()
        self.assertFalse(self.store.platform_implemented)
        with self.assertRaisesRegex(ValidationError, 'platform "gone", whose connector addon is not'):
            self.store.write({"active": True})

    # ------------------------------------------------------------------ what the form shows
    def test_supports_fields_follow_what_the_addon_declares(self):
        # The test platform implements everything but webhook registration.
        self.assertTrue(self.store.platform_implemented)
        self.assertFalse(self.store.supports_register_webhooks)
        for feature, field_name in const.PLATFORM_FEATURES.items():
            if feature != "register_webhooks":
                self.assertTrue(self.store[field_name], field_name)
        with self.features("inventory.sync"):
            self.assertTrue(self.store.platform_implemented)
            self.assertEqual(
                {name for name in const.PLATFORM_FEATURES.values() if self.store[name]},
                {"supports_inventory_sync"},
            )

    def test_form_hides_the_buttons_of_unsupported_features(self):
        arch = etree.fromstring(self.Store.get_views([(False, "form")])["views"]["form"]["arch"])
        for button_name, field_name in BUTTON_FEATURE_FIELDS.items():
            with self.subTest(button=button_name):
                buttons = arch.xpath(f"//header/button[@name='{button_name}']")
                self.assertEqual(len(buttons), 1)
                self.assertIn(f"not {field_name}", buttons[0].get("invisible") or "")
                self.assertTrue(arch.xpath(f"//field[@name='{field_name}']"), "the form reads the field")

    def test_form_hides_the_switches_of_unsupported_features(self):
        arch = etree.fromstring(self.Store.get_views([(False, "form")])["views"]["form"]["arch"])
        for fname, features in SWITCH_FEATURES.items():
            with self.subTest(switch=fname):
                [switch] = arch.xpath(f"//sheet//field[@name='{fname}']")
                for feature in features:
                    self.assertIn(f"not {const.PLATFORM_FEATURES[feature]}", switch.get("invisible") or "")
        # What the form does with it: a switch of a feature the platform lacks cannot be touched,
        # the switches of what it has can.
        with self.features("orders.pull", "customers.export"):
            store_form = Form(self.store)
            store_form.allow_orders_pull = False
            store_form.auto_sync_orders = False
            store_form.auto_sync_customers = True
            for fname in ("allow_orders_push", "allow_inventory_sync", "auto_sync_inventory",
                          "allow_products_sync", "auto_sync_products"):
                with self.subTest(hidden=fname), self.assertRaisesRegex(AssertionError, "invisible"):
                    setattr(store_form, fname, False)

    def test_new_store_form_says_when_the_platform_implements_nothing(self):
        form = Form(self.Store)
        form.name = "Draft Shop"
        form.platform = "test"
        self.assertTrue(form.platform_implemented)
        self.assertFalse(form.supports_register_webhooks)
        self.assertTrue(form.supports_full_sync)
        with self.features():
            form = Form(self.Store)
            form.platform = "test"
            self.assertFalse(form.platform_implemented, "the form's alert shows")
            self.assertFalse(form.supports_full_sync)

    # ------------------------------------------------------------------ the actions refuse
    def test_actions_of_unsupported_features_refuse_and_queue_nothing(self):
        actions = {
            "Full Sync": self.store.action_full_sync,
            "Pull Orders": self.store.action_pull_orders,
            "Sync Inventory": self.store.action_sync_inventory,
            "Export Products": self.store.action_export_products,
            "Import Products": self.store.action_import_products,
            "Register Webhooks": self.store.action_register_webhooks,
        }
        with self.features("test_connection"):
            for label, action in actions.items():
                with self.subTest(action=label):
                    with self.assertRaises(PlatformFeatureMissing) as caught:
                        action()
                    message = str(caught.exception)
                    self.assertIn(f'The Test Platform connector does not support "{label}"', message)
                    self.assertIn("Features Shop", message)
        self.assertFalse(self._jobs(), "nothing was queued")

    def test_test_connection_refused_when_unsupported(self):
        self.env["integration.credential"]._set_value(self.store, "api_key", "k")
        with self.features("full_sync"), self.assertRaisesRegex(
            PlatformFeatureMissing, 'does not support "Test Connection"'
        ):
            self.store.action_test_connection()
        self.assertIn("works", self.store.action_test_connection()["params"]["title"])

    def test_full_sync_queues_only_the_imports_the_platform_implements(self):
        self.store.auto_sync_customers = True
        with self.features("full_sync", "orders.pull"):
            self.store.action_full_sync()
        self.assertEqual(set(self._jobs().mapped("operation")), {"orders.import"})
        self._jobs().unlink()
        self.store.action_full_sync()
        self.assertEqual(set(self._jobs().mapped("operation")),
                         {"orders.import", "products.import", "customers.import"})
