"""Credentials: encrypted at rest, masked in the UI, read through one accessor, never leaked."""

import json
import logging
import os
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from psycopg2.errors import UniqueViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase
from odoo.tools import config, mute_logger

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import (
    CredentialDecryptError,
    MissingEncryptionKey,
    StoreAuthError,
)
from odoo.addons.store_connector_base.services import crypto
from odoo.addons.store_connector_base.services.redact import redact

from .common import run_queue

SECRET = "sk_live_Very-Secret-Token-4242"
MANAGER = "store_connector_base.group_store_connector_manager"
USER = "store_connector_base.group_store_connector_user"


@contextmanager
def encryption_key(config_value, env_value=None):
    """Run with this server option (None: unset) and this environment variable (None: unset)."""
    with patch.dict(config.options, {const.CONFIG_ENCRYPTION_KEY: config_value}), \
            patch.dict(os.environ):
        os.environ.pop(const.ENV_ENCRYPTION_KEY, None)
        if env_value is not None:
            os.environ[const.ENV_ENCRYPTION_KEY] = env_value
        yield


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record):
        # format() appends the traceback of exc_info records: a secret in it counts as logged.
        self.lines.append(self.format(record))


@contextmanager
def captured_logs():
    """Every log line of Odoo and the suite, at every level, tracebacks included."""
    handler = _Capture()
    logger = logging.getLogger("odoo")
    # SQL statements are not log lines a secret could reach (values are encrypted before any query).
    sql_logger = logging.getLogger("odoo.sql_db")
    old_level, old_sql_level = logger.level, sql_logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    sql_logger.setLevel(logging.WARNING)
    try:
        yield handler.lines
    finally:
        logger.setLevel(old_level)
        sql_logger.setLevel(old_sql_level)
        logger.removeHandler(handler)


class CredentialCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Credential = cls.env["integration.credential"]
        cls.store = cls.env["connector.store"].create({
            "name": "Credential Shop",
            "platform": "test",
            "shop_url": "https://credential-shop.example.com",
        })
        cls.cred = cls.Credential.create({"store_id": cls.store.id, "key": "api_key", "value": SECRET})
        cls.manager = new_test_user(cls.env, "sc_cred_manager", groups=f"base.group_user,{MANAGER}")
        cls.sc_user = new_test_user(cls.env, "sc_cred_user", groups=f"base.group_user,{USER}")
        cls.internal = new_test_user(cls.env, "sc_cred_internal", groups="base.group_user")
        cls.sysadmin = new_test_user(cls.env, "sc_cred_admin", groups=f"base.group_system,{MANAGER}")

    def _column(self, cred):
        self.env.flush_all()
        self.env.cr.execute("SELECT value_encrypted FROM integration_credential WHERE id = %s", [cred.id])
        return self.env.cr.fetchone()[0]

    def _row_text(self, cred):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT row_to_json(c)::text FROM integration_credential c WHERE id = %s", [cred.id]
        )
        return self.env.cr.fetchone()[0]

    def _due_job(self, payload, operation="credential.check"):
        return self.env["sync.job"]._enqueue(self.store, operation, "_job_scripted", payload=payload)

    def _run_queue(self):
        run_queue(self.env, self.store)


class TestEncryptionAtRest(CredentialCase):
    def test_column_holds_ciphertext_not_the_secret(self):
        column = self._column(self.cred)
        self.assertTrue(column.startswith(crypto.PREFIX))
        self.assertNotIn(SECRET, self._row_text(self.cred))
        # It is real encryption, not loss: the server key reads it back.
        self.assertEqual(crypto.decrypt(column), SECRET)

    def test_same_secret_encrypts_differently_each_time(self):
        other = self.Credential.create({"store_id": self.store.id, "key": "other", "value": SECRET})
        self.assertNotEqual(self._column(other), self._column(self.cred))

    def test_new_value_replaces_ciphertext_and_stays_encrypted(self):
        before = self._column(self.cred)
        self.cred.write({"value": "the-rotated-secret-99"})
        after = self._column(self.cred)
        self.assertNotEqual(after, before)
        self.assertNotIn("the-rotated-secret-99", self._row_text(self.cred))
        self.assertEqual(self.store._get_credential("api_key"), "the-rotated-secret-99")

    def test_plain_text_is_refused_in_the_column_even_for_superuser_code(self):
        with self.assertRaises(UserError):
            self.cred.write({"value_encrypted": SECRET})
        with self.assertRaises(UserError):
            self.Credential.create({"store_id": self.store.id, "key": "raw", "value_encrypted": SECRET})
        self.assertTrue(self._column(self.cred).startswith(crypto.PREFIX))
        self.assertFalse(self.Credential.search([("key", "=", "raw")]))


class TestMaskedValue(CredentialCase):
    def test_ui_shows_a_mask_and_accepts_a_new_value(self):
        cred = self.cred.with_user(self.manager)
        self.assertEqual(cred.read(["value", "is_set"])[0]["value"], const.MASK)
        self.assertTrue(cred.is_set)
        # What the form does on save: the answer shows the mask, not what was typed.
        saved = cred.web_save({"value": "typed-in-the-form-77"}, {"value": {}, "is_set": {}})
        self.assertEqual(saved[0]["value"], const.MASK)
        self.assertEqual(self.store._get_credential("api_key"), "typed-in-the-form-77")

    def test_store_form_adds_a_credential_and_shows_it_masked(self):
        store = self.store.with_user(self.manager)
        saved = store.web_save(
            {"credential_ids": [Command.create({"key": "webhook_secret", "value": "whsec-from-form"})]},
            {"credential_ids": {"fields": {"key": {}, "value": {}, "is_set": {}}}},
        )
        lines = {line["key"]: line for line in saved[0]["credential_ids"]}
        self.assertEqual(lines["webhook_secret"]["value"], const.MASK)
        self.assertTrue(lines["webhook_secret"]["is_set"])
        self.assertEqual(self.store._get_credential("webhook_secret"), "whsec-from-form")

    def test_mask_or_empty_value_keeps_the_secret(self):
        cred = self.cred.with_user(self.manager)
        cred.write({"value": const.MASK})
        self.assertEqual(self.store._get_credential("api_key"), SECRET)
        cred.write({"value": False})
        self.assertEqual(self.store._get_credential("api_key"), SECRET)
        cred.write({"value": "   "})
        self.assertEqual(self.store._get_credential("api_key"), SECRET)

    def test_pasted_blanks_are_dropped(self):
        self.cred.write({"value": "  pasted-token-with-newline\n"})
        self.assertEqual(self.store._get_credential("api_key"), "pasted-token-with-newline")

    def test_credential_without_value_is_not_set(self):
        empty = self.Credential.create({"store_id": self.store.id, "key": "refresh_token"})
        self.assertFalse(empty.is_set)
        self.assertFalse(empty.value)
        self.assertFalse(self.store._get_credential("refresh_token", required=False))

    def test_one_credential_per_key_and_store(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation) as ctx:
            self.Credential.create({"store_id": self.store.id, "key": "api_key", "value": "x-y-z-w"})
        self.assertIn("store_key_unique", str(ctx.exception))


class TestCiphertextNeverReachesTheClient(CredentialCase):
    def test_no_user_can_read_search_or_write_the_ciphertext(self):
        for user in (self.manager, self.sysadmin):
            with self.subTest(user=user.login):
                Cred = self.Credential.with_user(user)
                cred = self.cred.with_user(user)
                self.assertNotIn("value_encrypted", Cred.fields_get())
                self.assertNotIn("value_encrypted", cred.read()[0])
                self.assertNotIn("value_encrypted", Cred.search_read([("id", "=", cred.id)])[0])
                with self.assertRaises(AccessError):
                    cred.read(["value_encrypted"])
                with self.assertRaises(AccessError):
                    cred.web_read({"value_encrypted": {}})
                with self.assertRaises(AccessError):
                    self.store.with_user(user).web_read(
                        {"credential_ids": {"fields": {"value_encrypted": {}}}}
                    )
                with self.assertRaises(AccessError):
                    Cred.search([("value_encrypted", "like", crypto.PREFIX + "%")])
                with self.assertRaises(AccessError):
                    cred.write({"value_encrypted": self._column(self.cred)})
                with self.assertRaises(AccessError):
                    Cred.create({"store_id": self.store.id, "key": "forged",
                                 "value_encrypted": self._column(self.cred)})
                # What the form reads is the mask.
                self.assertEqual(cred.web_read({"value": {}, "key": {}})[0]["value"], const.MASK)

    def test_copy_does_not_carry_the_secret(self):
        copy = self.cred.copy({"key": "api_key_copy"})
        self.assertFalse(copy.is_set)
        self.assertFalse(self._column(copy))


class TestCredentialAccess(CredentialCase):
    def test_user_and_internal_user_cannot_read_or_write_credentials(self):
        for user in (self.sc_user, self.internal):
            with self.subTest(user=user.login):
                Cred = self.Credential.with_user(user)
                with self.assertRaises(AccessError):
                    Cred.search([])
                with self.assertRaises(AccessError):
                    self.cred.with_user(user).read(["key", "value"])
                with self.assertRaises(AccessError):
                    self.cred.with_user(user).write({"value": "hijacked-secret"})
                with self.assertRaises(AccessError):
                    Cred.create({"store_id": self.store.id, "key": "new", "value": "planted-secret"})
                with self.assertRaises(AccessError):
                    self.cred.with_user(user).unlink()

    def test_user_and_internal_user_cannot_obtain_the_secret_through_code(self):
        for user in (self.sc_user, self.internal):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError) as ctx:
                    self.store.with_user(user)._get_credential("api_key")
                self.assertNotIn(SECRET, str(ctx.exception))
                with self.assertRaises(AccessError):
                    self.Credential.with_user(user)._get_value(self.store, "api_key")
                with self.assertRaises(AccessError):
                    self.Credential.with_user(user)._set_value(self.store, "api_key", "planted-secret")
                with self.assertRaises(AccessError):
                    self.Credential.with_user(user)._reencrypt_all()
        self.assertEqual(self.store._get_credential("api_key"), SECRET)

    def test_user_sees_no_credentials_on_the_store(self):
        store = self.store.with_user(self.sc_user)
        with self.assertRaises(AccessError):
            store.read(["credential_ids"])
        arch = store.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("credential_ids", arch)
        self.assertIn("credential_ids", self.store.with_user(self.manager).get_views(
            [(False, "form")])["views"]["form"]["arch"])

    def test_manager_reads_writes_and_uses_credentials(self):
        Cred = self.Credential.with_user(self.manager)
        self.assertEqual(Cred.search([("store_id", "=", self.store.id)]), self.cred)
        self.assertEqual(self.store.with_user(self.manager)._get_credential("api_key"), SECRET)
        created = Cred.create({"store_id": self.store.id, "key": "webhook_secret", "value": "whsec-123456"})
        self.assertEqual(Cred._get_value(self.store, "webhook_secret"), "whsec-123456")
        Cred._set_value(self.store, "webhook_secret", "whsec-rotated")
        self.assertEqual(Cred._get_value(self.store, "webhook_secret"), "whsec-rotated")
        created.with_user(self.manager).unlink()
        self.assertFalse(Cred._get_value(self.store, "webhook_secret", required=False))


class TestRotation(CredentialCase):
    def test_jobs_queued_before_a_rotation_use_the_new_secret(self):
        job = self._due_job({"use_credential": "api_key"})
        self.cred.with_user(self.manager).write({"value": "rotated-after-queueing-XY"})
        self._run_queue()
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual(
            json.loads(job.result),
            {"credential_length": len("rotated-after-queueing-XY"), "credential_tail": "XY"},
        )

    def test_saving_a_credential_resumes_a_paused_store(self):
        self.store._pause_for_auth("token revoked")
        self.assertTrue(self.store.paused)
        self.cred.with_user(self.manager).write({"value": "fresh-token-1234"})
        self.assertFalse(self.store.paused)


class TestAccessorErrors(CredentialCase):
    def test_missing_credential(self):
        with self.assertRaises(StoreAuthError) as ctx:
            self.store._get_credential("webhook_secret")
        self.assertIn("webhook_secret", str(ctx.exception))
        self.assertIn(self.store.name, str(ctx.exception))
        self.assertFalse(self.store._get_credential("webhook_secret", required=False))

    def test_expired_credential(self):
        self.cred.expires_at = fields.Datetime.now() - timedelta(hours=1)
        with self.assertRaises(StoreAuthError) as ctx:
            self.store._get_credential("api_key")
        self.assertIn("expired", str(ctx.exception))
        self.assertNotIn(SECRET, str(ctx.exception))
        self.assertFalse(self.store._get_credential("api_key", required=False))
        self.cred.expires_at = fields.Datetime.now() + timedelta(hours=1)
        self.assertEqual(self.store._get_credential("api_key"), SECRET)


class TestEncryptionKey(CredentialCase):
    def test_missing_key_is_a_clear_error_at_use(self):
        with encryption_key(None):
            self.assertEqual(crypto._configured_keys(), [])
            count = self.Credential.search_count([])
            with self.assertRaises(MissingEncryptionKey) as ctx:
                self.Credential.create({"store_id": self.store.id, "key": "token", "value": "new-secret-1"})
            message = str(ctx.exception)
            self.assertIn(const.CONFIG_ENCRYPTION_KEY, message)
            self.assertIn(const.ENV_ENCRYPTION_KEY, message)
            self.assertEqual(self.Credential.search_count([]), count, "nothing half-written")
            with self.assertRaises(MissingEncryptionKey):
                self.store._get_credential("api_key")
            with self.assertRaises(MissingEncryptionKey):
                self.cred.write({"value": "new-secret-2"})

    def test_module_stays_usable_without_a_key(self):
        with encryption_key(""):
            store = self.env["connector.store"].create({"name": "No Key Shop", "platform": "test"})
            cred = self.Credential.create({"store_id": store.id, "key": "api_key"})
            self.assertFalse(cred.is_set)
            self.assertEqual(self.cred.with_user(self.manager).read(["value"])[0]["value"], const.MASK)
            self.assertEqual(self.Credential._store_secrets(self.store), [])
            store.write({"name": "No Key Shop 2"})
            self.assertEqual(store.name, "No Key Shop 2")

    def test_key_from_the_environment(self):
        with encryption_key(None, env_value=config.get(const.CONFIG_ENCRYPTION_KEY)):
            self.assertEqual(self.store._get_credential("api_key"), SECRET)
        # The environment alone is enough to save new secrets too.
        with encryption_key(None, env_value="environment-key"):
            self.cred.write({"value": "saved-with-env-key"})
            self.assertEqual(self.store._get_credential("api_key"), "saved-with-env-key")

    def test_changed_key_asks_to_restore_it_or_reenter_credentials(self):
        with encryption_key("a-different-key"):
            with captured_logs() as lines, self.assertRaises(CredentialDecryptError) as ctx:
                self.store._get_credential("api_key")
            message = str(ctx.exception)
            self.assertIn("api_key", message)
            self.assertIn(const.CONFIG_ENCRYPTION_KEY, message)
            self.assertIn("Restore", message)
            self.assertNotIn(SECRET, message)
            self.assertNotIn(self._column(self.cred), message)
            self.assertFalse([line for line in lines if SECRET in line])
            # Entering the credential again encrypts it with the new key.
            self.cred.write({"value": "entered-again-1"})
            self.assertEqual(self.store._get_credential("api_key"), "entered-again-1")

    def test_key_change_without_reentering_secrets(self):
        old = config.get(const.CONFIG_ENCRYPTION_KEY)
        with encryption_key(f"the-new-key,{old}"):
            self.assertEqual(self.store._get_credential("api_key"), SECRET)
            self.assertGreaterEqual(self.Credential._reencrypt_all(), 1)
        with encryption_key("the-new-key"):
            self.assertEqual(self.store._get_credential("api_key"), SECRET)
        with encryption_key(old):
            with self.assertRaises(CredentialDecryptError):
                self.store._get_credential("api_key")


class TestNoSecretLeaks(CredentialCase):
    def _assert_nowhere(self, secret, lines, job):
        self.assertFalse([line for line in lines if secret in line], "a log line holds the secret")
        self.assertNotIn(secret, job.last_error or "")
        self.assertNotIn(secret, job.result or "")
        self.assertNotIn(secret, self.store.paused_reason or "")
        logs = self.env["store.activity.log"].search([("store_id", "=", self.store.id)])
        self.assertNotIn(secret, " ".join(logs.mapped(lambda log: log.message or "")))
        messages = self.env["mail.message"].search([("model", "=", "connector.store"),
                                                    ("res_id", "=", self.store.id)])
        self.assertNotIn(secret, " ".join(messages.mapped(lambda m: str(m.body or ""))))

    def test_platform_errors_echoing_the_secret_are_redacted(self):
        for kind in ("auth", "retryable", "permanent", "crash"):
            with self.subTest(kind=kind):
                self.store.sudo().write({"paused": False})
                job = self._due_job({"raise": kind, "message": f"401 Unauthorized: token {SECRET} refused"})
                with captured_logs() as lines:
                    self._run_queue()
                self.assertNotEqual(job.state, "done")
                self.assertIn("***", job.last_error)
                self._assert_nowhere(SECRET, lines, job)
                job.sudo().write({"state": "cancelled"})

    def test_url_encoded_secret_is_redacted(self):
        secret = "abc+def/ghi=jk&lm"
        self.cred.write({"value": secret})
        job = self._due_job({"raise": "permanent",
                             "message": "GET /orders?token=abc%2Bdef%2Fghi%3Djk%26lm failed"})
        with captured_logs() as lines:
            self._run_queue()
        self.assertIn("token=***", job.last_error)
        self._assert_nowhere("abc%2Bdef%2Fghi%3Djk%26lm", lines, job)

    def test_undecryptable_secret_fails_the_job_with_a_clear_message(self):
        job = self._due_job({"use_credential": "api_key"})
        with encryption_key("a-different-key"), captured_logs() as lines:
            self._run_queue()
        self.assertNotEqual(job.state, "done")
        self.assertIn("cannot be decrypted", job.last_error)
        self._assert_nowhere(SECRET, lines, job)

    def test_redact(self):
        self.assertEqual(redact("key=s3cr3t-value and s3cr3t", ["s3cr3t-value", "s3cr3t"]), "key=*** and ***")
        self.assertEqual(redact("abc", ["abc"]), "abc", "too short to redact safely")
        self.assertIsNone(redact(None, [SECRET]))
        self.assertEqual(redact("a%2Fb%2Bc", ["a/b+c"]), "***")
