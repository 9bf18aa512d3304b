"""A platform declares its credential keys (store.adapter._credential_keys): a new store's form
lists them with their labels and help, its key is fixed, and the form says which required ones are
still missing. The values stay encrypted like every credential."""

from lxml import etree

from odoo.tests import Form, new_test_user
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base import const

MANAGER = "store_connector_base.group_store_connector_manager"


class TestCredentialDeclarations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.manager = new_test_user(cls.env, "cred_decl_manager", groups=f"base.group_user,{MANAGER}")

    def test_new_store_form_lists_the_declared_credentials(self):
        form = Form(self.env["connector.store"].with_user(self.manager))
        form.name = "Declared Shop"
        form.platform = "test"
        lines = [form.credential_ids.edit(i) for i in range(len(form.credential_ids))]
        keys = []
        for line in lines:
            with line:
                keys.append((line.key, line.label, line.is_required, line.is_declared))
        self.assertEqual(keys, [
            ("api_key", "API Key", True, True),
            ("client_id", "App Client ID", False, True),
            ("client_secret", "App Client Secret", False, True),
            ("webhook_secret", "Webhook Secret", False, True),
            ("webhook_secret_previous", "Previous Webhook Secret", False, True),
        ])
        self.assertEqual(form.credential_missing, "API Key")
        with form.credential_ids.edit(0) as line:
            self.assertIn("API access", line.description)
            line.value = "typed-api-key-9911"
        store = form.save()
        self.assertEqual(store.credential_missing, False)
        self.assertEqual(
            sorted(store.sudo().credential_ids.mapped("key")),
            ["api_key", "client_id", "client_secret", "webhook_secret", "webhook_secret_previous"],
        )
        self.assertEqual(store.sudo()._get_credential("api_key"), "typed-api-key-9911")
        cred = store.sudo().credential_ids.filtered(lambda c: c.key == "api_key")
        self.assertTrue(cred.sudo().value_encrypted.startswith("enc"), "stored encrypted as every secret")
        self.assertEqual(cred.with_user(self.manager).value, const.MASK)
        # An unset optional secret is simply not there for the code that reads it.
        self.assertFalse(store.sudo()._get_credential("webhook_secret", required=False))

    def test_missing_required_credentials_are_named(self):
        store = self.env["connector.store"].create({"name": "Bare Shop", "platform": "test"})
        self.assertEqual(store.credential_missing, "API Key")
        self.env["integration.credential"]._set_value(store, "api_key", "set-later-5521")
        store.invalidate_recordset(["credential_missing"])
        self.assertFalse(store.credential_missing)

    def test_undeclared_keys_keep_their_name_and_stay_secret(self):
        store = self.env["connector.store"].create({"name": "Extra Shop", "platform": "test"})
        cred = self.env["integration.credential"]._set_value(store, "legacy_token", "legacy-4410")
        self.assertEqual((cred.label, cred.is_declared, cred.is_secret, cred.is_required),
                         ("legacy_token", False, True, False))
        declared = self.env["integration.credential"]._set_value(store, "webhook_secret", "whsec-1")
        self.assertEqual((declared.label, declared.is_declared), ("Webhook Secret", True))

    def test_form_fixes_the_key_of_declared_lines_and_masks_values(self):
        arch = self.env["connector.store"].with_user(self.manager).get_views([(False, "form")])
        root = etree.fromstring(arch["views"]["form"]["arch"])
        [key] = root.xpath("//field[@name='credential_ids']//field[@name='key']")
        self.assertEqual(key.get("readonly"), "is_declared")
        [value] = root.xpath("//field[@name='credential_ids']//field[@name='value']")
        self.assertEqual(value.get("password"), "True")
        self.assertTrue(root.xpath("//field[@name='credential_missing']"))
