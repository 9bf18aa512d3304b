"""Follow-ups of the declared credentials: an identifier a platform declares no secret is shown and
edited in clear (secrets stay masked); existing stores get the lines of their platform's declared
keys when the platform's addon is installed or updated; a platform that connects through OAuth
gets the base form's Install with OAuth button (`supports_oauth`)."""

from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user
from odoo.tests.common import TransactionCase
from odoo.tools import convert_file

from odoo.addons.store_connector_base import const

MANAGER = "store_connector_base.group_store_connector_manager"
USER = "store_connector_base.group_store_connector_user"
# The data file every platform addon runs at install and update (here: the test platform's).
PLATFORM_DATA = ("store_connector_test_platform", "data/connector_store_data.xml")
DECLARED_KEYS = ["api_key", "client_id", "client_secret", "webhook_secret", "webhook_secret_previous"]


class CredentialCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Credential = cls.env["integration.credential"]
        cls.manager = new_test_user(cls.env, "cred_plain_manager", groups=f"base.group_user,{MANAGER}")
        cls.sc_user = new_test_user(cls.env, "cred_plain_user", groups=f"base.group_user,{USER}")
        cls.store = cls.env["connector.store"].create({"name": "Plain Shop", "platform": "test"})
        cls.api_key = cls.Credential._set_value(cls.store, "api_key", "secret-api-key-7731")

    def _column(self, cred):
        self.env.flush_all()
        self.env.cr.execute("SELECT value_encrypted FROM integration_credential WHERE id = %s", [cred.id])
        return self.env.cr.fetchone()[0]

    def _form_arch(self, user):
        arch = self.env["connector.store"].with_user(user).get_views([(False, "form")])
        return etree.fromstring(arch["views"]["form"]["arch"])


class TestIdentifiersInClear(CredentialCase):
    def test_manager_enters_and_reads_an_identifier_in_clear(self):
        form = Form(self.env["connector.store"].with_user(self.manager))
        form.name = "Client Id Shop"
        form.platform = "test"
        lines = {}
        for index in range(len(form.credential_ids)):
            with form.credential_ids.edit(index) as line:
                lines[line.key] = index
                self.assertEqual(line.is_secret, line.key != "client_id", line.key)
        with form.credential_ids.edit(lines["api_key"]) as line:
            line.value = "typed-secret-5521"
        with form.credential_ids.edit(lines["client_id"]) as line:
            line.value_plain = "  app-client-id-0042 "
        store = form.save()

        creds = {cred.key: cred for cred in store.sudo().credential_ids}
        client_id = creds["client_id"].with_user(self.manager)
        self.assertEqual(client_id.read(["value_plain", "value", "is_set"])[0] | {"id": 0},
                         {"id": 0, "value_plain": "app-client-id-0042", "value": const.MASK, "is_set": True})
        column = self._column(client_id)
        self.assertTrue(column.startswith("enc"), "stored encrypted like every value")
        self.assertNotIn("app-client-id-0042", column)
        self.assertEqual(store.sudo()._get_credential("client_id"), "app-client-id-0042")
        # The secret is never read back, not even in the clear column, by a manager or superuser code.
        api_key = creds["api_key"]
        read = api_key.with_user(self.manager).read(["value_plain", "value"])[0]
        self.assertEqual((read["value_plain"], read["value"]), (False, const.MASK))
        self.assertEqual(api_key.with_user(self.manager).value, const.MASK)
        self.assertFalse(api_key.sudo().value_plain)
        # Edited in clear; emptied, it is gone.
        client_id.write({"value_plain": "app-client-id-0043"})
        self.assertEqual(client_id.value_plain, "app-client-id-0043")
        client_id.write({"value_plain": ""})
        self.assertFalse(client_id.is_set)
        self.assertFalse(store.sudo()._get_credential("client_id", required=False))

    def test_a_secret_is_refused_in_the_clear_column(self):
        with self.assertRaises(UserError) as caught:
            self.api_key.with_user(self.manager).write({"value_plain": "typed-in-clear-1"})
        self.assertIn("API Key", str(caught.exception))
        self.assertIn("masked", str(caught.exception))
        self.assertEqual(self.store.sudo()._get_credential("api_key"), "secret-api-key-7731")
        # An undeclared key is a secret too.
        legacy = self.Credential._set_value(self.store, "legacy_token", "legacy-1")
        with self.assertRaises(UserError):
            legacy.with_user(self.manager).write({"value_plain": "legacy-2"})
        self.assertFalse(legacy.with_user(self.manager).value_plain)
        # What a form sends for the hidden clear column of a secret line (nothing) changes nothing.
        self.api_key.with_user(self.manager).write({"value_plain": False})
        self.assertEqual(self.store.sudo()._get_credential("api_key"), "secret-api-key-7731")

    def test_a_secret_cannot_be_renamed_into_an_identifier(self):
        # Renamed to the key declared no secret, the secret would show in clear.
        with self.assertRaises(UserError) as caught:
            self.api_key.with_user(self.manager).write({"key": "client_id"})
        self.assertIn("cannot change", str(caught.exception))
        self.assertEqual(self.api_key.key, "api_key")
        renamed = self.Credential.search([("store_id", "=", self.store.id), ("key", "=", "client_id")])
        self.assertFalse(renamed, "nothing renamed")
        # A line without a value may still be renamed (a typo in a new key), and the same key is fine.
        empty = self.Credential.create({"store_id": self.store.id, "key": "clinet_id"})
        empty.with_user(self.manager).write({"key": "client_id"})
        self.assertEqual(empty.key, "client_id")
        self.api_key.with_user(self.manager).write({"key": "api_key", "value": "new-secret-9"})
        self.assertEqual(self.store.sudo()._get_credential("api_key"), "new-secret-9")

    def test_users_cannot_read_identifiers(self):
        client_id = self.Credential._set_value(self.store, "client_id", "app-client-id-0044")
        self.assertEqual(client_id.with_user(self.manager).value_plain, "app-client-id-0044")
        # Computed for the manager group only, whoever reads through code.
        self.assertFalse(client_id.with_user(self.sc_user).sudo(False).value_plain)

    def test_form_shows_secrets_masked_and_identifiers_in_clear(self):
        root = self._form_arch(self.manager)
        [value] = root.xpath("//field[@name='credential_ids']//field[@name='value']")
        self.assertEqual((value.get("password"), value.get("invisible")), ("True", "not is_secret"))
        [plain] = root.xpath("//field[@name='credential_ids']//field[@name='value_plain']")
        self.assertEqual(plain.get("invisible"), "is_secret")
        self.assertFalse(plain.get("password"))
        self.assertFalse(self._form_arch(self.sc_user).xpath("//field[@name='value_plain']"))


class TestExistingStoresGetDeclaredLines(CredentialCase):
    def _run_platform_data(self):
        """What installing or updating the platform's addon runs."""
        convert_file(self.env, *PLATFORM_DATA, idref={}, mode="update", noupdate=False)

    def test_addon_update_adds_the_missing_lines_and_keeps_the_others(self):
        legacy = self.Credential._set_value(self.store, "legacy_token", "legacy-4410")
        archived = self.env["connector.store"].create({"name": "Archived Shop", "platform": "test"})
        archived.action_archive()
        self.assertEqual(self.store.sudo().credential_ids.mapped("key"), ["api_key", "legacy_token"])

        self._run_platform_data()
        self.assertEqual(sorted(self.store.sudo().credential_ids.mapped("key")),
                         sorted([*DECLARED_KEYS, "legacy_token"]))
        self.assertEqual(sorted(archived.sudo().credential_ids.mapped("key")), DECLARED_KEYS)
        self.assertEqual(self.store.sudo()._get_credential("api_key"), "secret-api-key-7731")
        self.assertEqual(self.store.sudo()._get_credential("legacy_token"), "legacy-4410")
        self.assertTrue(legacy.exists())
        new_lines = self.store.sudo().credential_ids - self.api_key - legacy
        self.assertFalse(any(new_lines.mapped("is_set")), "the new lines wait for their value")
        # Idempotent: the next update adds nothing.
        count = self.Credential.search_count([])
        self._run_platform_data()
        self.assertEqual(self.Credential.search_count([]), count)

    def test_existing_store_form_lists_every_declared_key_to_fill_in(self):
        self._run_platform_data()
        form = Form(self.store.with_user(self.manager))
        rows = {}
        for index in range(len(form.credential_ids)):
            with form.credential_ids.edit(index) as line:
                rows[line.key] = index
                self.assertTrue(line.is_declared)
        self.assertEqual(sorted(rows), DECLARED_KEYS)
        with form.credential_ids.edit(rows["webhook_secret"]) as line:
            self.assertFalse(line.is_set)
            line.value = "whsec-filled-later"
        with form.credential_ids.edit(rows["client_id"]) as line:
            line.value_plain = "client-filled-later"
        form.save()
        self.assertEqual(self.store.sudo()._get_credential("webhook_secret"), "whsec-filled-later")
        self.assertEqual(self.store.sudo()._get_credential("client_id"), "client-filled-later")

    def test_empty_lines_do_not_resume_a_paused_store(self):
        self.store._pause_for_auth("the platform refused the key")
        self._run_platform_data()
        self.assertTrue(self.store.paused, "lines without a value are no new credentials")
        self.Credential._set_value(self.store, "api_key", "new-key-after-pause")
        self.assertFalse(self.store.paused)


class TestOAuthCapability(CredentialCase):
    def test_oauth_platform_offers_install_with_oauth(self):
        self.assertTrue(self.store.supports_oauth)
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_oauth_enabled", lambda self, store: False):
            self.store.invalidate_recordset(["supports_oauth"])
            self.assertFalse(self.store.supports_oauth)
        self.store.invalidate_recordset(["supports_oauth"])
        self.assertTrue(self.store.supports_oauth)
        # A store of a platform whose addon is gone (or none chosen yet) offers no OAuth.
        self.assertFalse(self.env["connector.store"].new({"name": "No platform"}).supports_oauth)

    def test_form_shows_the_button_to_managers_of_oauth_platforms(self):
        root = self._form_arch(self.manager)
        [button] = root.xpath("//div[@name='oauth_install']//button[@name='action_oauth_install']")
        [container] = root.xpath("//div[@name='oauth_install']")
        self.assertIn("not supports_oauth", container.get("invisible"))
        self.assertIn(button, container.iterdescendants())
        self.assertTrue(root.xpath("//group[@name='platform_credentials']//div[@name='oauth_install']"))
        self.assertFalse(self._form_arch(self.sc_user).xpath("//button[@name='action_oauth_install']"))
        form = Form(self.store.with_user(self.manager))
        self.assertTrue(form.supports_oauth)
