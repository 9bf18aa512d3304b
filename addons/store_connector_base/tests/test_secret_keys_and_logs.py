"""Keys and secrets on the server (issue #7, point 10): the encryption key published in the example
configuration (and the test suite's fixed keys) encrypt nothing outside test mode, and credential
values typed in a form or sent over RPC never reach the server log, Odoo's debug logs included."""

import logging
import os
import re
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.api import Params
from odoo.tests import BaseCase, TransactionCase, tagged
from odoo.tools import config

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import MissingEncryptionKey
from odoo.addons.store_connector_base.services import crypto
from odoo.addons.store_connector_base.services.secret_logging import (
    CALL_LOG_MESSAGE,
    HIDDEN,
    SecretArgumentsFilter,
)

from .common_attack import RpcAttackCase

REPO = Path(__file__).resolve().parents[3]
RANDOM_KEY = "q3Jm0Zb7yX2r9T5vW8nC1kL4pH6sD0fG"


@contextmanager
def server(key, test_mode):
    """Run as a server configured with `key` (no environment variable), in test mode or not."""
    with patch.dict(config.options, {const.CONFIG_ENCRYPTION_KEY: key, "test_enable": test_mode,
                                     "test_file": False}), patch.dict(os.environ):
        os.environ.pop(const.ENV_ENCRYPTION_KEY, None)
        yield


def _example_key():
    text = (REPO / "odoo.conf.example").read_text()
    return re.search(rf"^{const.CONFIG_ENCRYPTION_KEY}\s*=\s*(.+)$", text, re.MULTILINE).group(1).strip()


class TestPublishedKeys(BaseCase):
    """The rule itself, on `services.crypto`."""

    def test_the_example_and_earlier_script_keys_are_known_as_published(self):
        # The example's placeholder, and the fixed keys earlier versions of scripts/test and
        # scripts/bench wrote (configs written by them may still be around).
        self.assertIn(_example_key(), crypto.PUBLISHED_KEYS)
        self.assertIn("test-key-not-for-production", crypto.PUBLISHED_KEYS)
        self.assertIn("bench-key-not-for-production", crypto.PUBLISHED_KEYS)

    def test_published_key_is_refused_in_production_for_encrypting_and_decrypting(self):
        with server(_example_key(), test_mode=True):
            ciphertext = crypto.encrypt("s3cret")  # made while it was accepted
        with server(_example_key(), test_mode=False):
            for call, arg in ((crypto.encrypt, "s3cret"), (crypto.decrypt, ciphertext)):
                with self.assertRaises(MissingEncryptionKey) as refused:
                    call(arg)
                message = refused.exception.args[0]
                self.assertIn(const.CONFIG_ENCRYPTION_KEY, message)
                self.assertIn("published", message)
                self.assertNotIn(_example_key(), message)
            self.assertTrue(crypto.published_key_in_use())

    def test_a_published_key_listed_after_a_real_one_only_decrypts(self):
        """To move away from the placeholder without entering every secret again."""
        with server(_example_key(), test_mode=True):
            old = crypto.encrypt("s3cret")
        with server(f"{RANDOM_KEY},{_example_key()}", test_mode=False):
            self.assertEqual(crypto.decrypt(old), "s3cret")
            rotated = crypto.rotate(old)
            self.assertEqual(crypto.decrypt(crypto.encrypt("new")), "new")
            self.assertFalse(crypto.published_key_in_use())
        with server(RANDOM_KEY, test_mode=False):
            self.assertEqual(crypto.decrypt(rotated), "s3cret")

    def test_random_key_and_test_mode_are_accepted(self):
        with server(RANDOM_KEY, test_mode=False):
            self.assertEqual(crypto.decrypt(crypto.encrypt("x")), "x")
        with server(_example_key(), test_mode=True):
            self.assertEqual(crypto.decrypt(crypto.encrypt("x")), "x")


@tagged("post_install", "-at_install")
class TestSecretsOnTheServer(RpcAttackCase):
    # ------------------------------------------------------------------ published keys
    def test_manager_cannot_store_a_secret_under_the_published_key(self):
        """A production server left with odoo.conf.example's key: a secret saved there is as good as
        plain text (the key is public). Refused at first use, with what to do."""
        credentials = self.env["integration.credential"].search([("store_id", "=", self.store_a.id)])
        before = {cred.id: cred.sudo().value_encrypted for cred in credentials}
        with server(_example_key(), test_mode=False):
            refusal = self.assertRpcRefused(
                self.manager_a, "integration.credential", "create",
                [{"store_id": self.store_a.id, "key": "access_token", "value": "shpat_under_public_key"}],
                error="MissingEncryptionKey")
            self.assertIn(const.CONFIG_ENCRYPTION_KEY, refusal.message)
            self.assertIn("odoo.conf.example", refusal.message)
            self.assertRpcRefused(self.manager_a, "integration.credential", "write", credentials[:1].ids,
                                  {"value": "shpat_under_public_key"}, error="MissingEncryptionKey")
        self.assertFalse(self.env["integration.credential"].search([("key", "=", "access_token")]))
        credentials.invalidate_recordset()
        self.assertEqual({cred.id: cred.sudo().value_encrypted for cred in credentials}, before)

    def test_published_key_is_reported_at_startup(self):
        with server(_example_key(), test_mode=False), \
                self.assertLogs("odoo.store_connector", level="ERROR") as logs:
            self.env["integration.credential"]._register_hook()
        self.assertIn(const.CONFIG_ENCRYPTION_KEY, "\n".join(logs.output))
        self.assertNotIn(_example_key(), "\n".join(logs.output))
        with server(RANDOM_KEY, test_mode=False), self.assertNoLogs("odoo.store_connector",
                                                                    level="ERROR"):
            self.env["integration.credential"]._register_hook()

    # ------------------------------------------------------------------ secrets in debug logs
    def test_typed_secrets_never_reach_the_debug_log(self):
        """With Odoo's debug logging on (--log-level=debug, or debug_rpc / debug_sql), Odoo logs
        every RPC and web client call with its arguments (odoo.api) and every query with its
        parameters (odoo.sql_db). A secret typed in the credential forms or sent over RPC must
        appear in neither."""
        secrets = ["shpat_rpc_create_1a2b3c", "shpat_rpc_write_4d5e6f", "shpat_form_7a8b9c",
                   "shpat_store_form_0d1e2f", "shpat_onchange_3a4b5c"]
        Credential = "integration.credential"
        sql_logger = logging.getLogger("odoo.sql_db")
        sql_level = sql_logger.level
        with self.assertLogs("odoo", level="DEBUG") as logs:
            sql_logger.setLevel(logging.DEBUG)
            try:
                # Over XML-RPC / JSON-RPC (execute_kw), as a script would.
                values = {"store_id": self.store_a.id, "key": "rpc_token", "value": secrets[0]}
                cred_id = self.rpc(self.manager_a, Credential, "create", [values])[0]
                self.rpc(self.manager_a, Credential, "write", [cred_id], {"value": secrets[1]})
                # In the web client: the credential form, and the store form's credential lines.
                self.call_kw(self.manager_a, Credential, "web_save", [cred_id], {"value": secrets[2]},
                             specification={"value": {}})
                line = {"key": "form_token", "value": secrets[4]}
                self.call_kw(self.manager_a, "connector.store", "onchange", [self.store_a.id],
                             {"credential_ids": [[0, "virtual_1", line]]}, ["credential_ids"],
                             {"credential_ids": {"fields": {"key": {}, "value": {}}}})
                self.call_kw(self.manager_a, "connector.store", "web_save", [self.store_a.id],
                             {"credential_ids": [Command.create({"key": "form_token", "value": secrets[3]})]},
                             specification={"credential_ids": {"fields": {"key": {}, "value": {}}}})
            finally:
                sql_logger.setLevel(sql_level)
        output = "\n".join(logs.output)
        # The debug log was on: the calls are there, their secrets masked.
        self.assertRegex(output, r"call integration\.credential\(\)\.create\(")
        self.assertRegex(output, r"call connector\.store\(\d+,\)\.web_save\(")
        self.assertIn("INSERT INTO \"integration_credential\"", output)
        self.assertIn(const.MASK, output)
        for secret in secrets:
            self.assertNotIn(secret, output)
        # ... and the secrets were saved.
        Cred = self.env["integration.credential"]
        self.assertEqual(Cred._get_value(self.store_a, "rpc_token"), secrets[2])
        self.assertEqual(Cred._get_value(self.store_a, "form_token"), secrets[3])


class TestSecretArgumentsFilter(TransactionCase):
    """The filter on Odoo's call log, on the shapes of arguments the server receives."""

    def _logged(self, records, method, params):
        record = logging.LogRecord("odoo.api", logging.DEBUG, __file__, 1, CALL_LOG_MESSAGE,
                                   (records, method, params), None)
        self.assertTrue(SecretArgumentsFilter().filter(record), "the line is kept")
        return record.getMessage()

    def test_secret_values_are_masked_wherever_the_model_carries_them(self):
        Store, Credential = self.env["connector.store"], self.env["integration.credential"]
        message = self._logged(Store.browse(5), "write", Params([{
            "name": "Shop",
            "credential_ids": [(1, 7, {"value": "s3cret-update"}),
                               [0, "virtual_2", {"key": "k", "value": "s3cret-new"}], (4, 9), (2, 8)],
        }], {}))
        self.assertNotIn("s3cret", message)
        self.assertIn("Shop", message)
        self.assertIn("(4, 9)", message)
        self.assertIn("'key': 'k'", message)
        message = self._logged(Credential, "create", Params([[{"key": "a", "value": "s3cret-1"},
                                                              {"key": "b", "value": "s3cret-2"}]], {}))
        self.assertNotIn("s3cret", message)
        self.assertEqual(message.count(const.MASK), 2)
        message = self._logged(Credential.browse(3), "write", Params([], {"vals": {"value": "s3cret-kw"}}))
        self.assertNotIn("s3cret", message)
        # Other models and other log lines are left as they are.
        self.assertIn("'value': 'v'", self._logged(self.env["ir.config_parameter"], "create",
                                                   Params([{"key": "k", "value": "v"}], {})))

    def test_arguments_it_cannot_read_are_hidden_whole(self):
        message = self._logged(self.env["integration.credential"], "write", "not the Params Odoo logs")
        self.assertIn(HIDDEN, message)
