"""Encryption of credential values at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from the server, never from the database: the option ``store_connector_encryption_key``
of the Odoo configuration file, else the environment variable ``STORE_CONNECTOR_ENCRYPTION_KEY``. A
database dump alone therefore reveals no secret. Any passphrase works as key material: it is stretched
with SHA-256 to the 32 bytes Fernet wants, so use a long random one.

No key configured: nothing fails at install or start-up; encrypting or decrypting raises
`MissingEncryptionKey`, which names the option and the environment variable.

Published keys: the placeholder of ``odoo.conf.example`` and the fixed key of the test
configuration (`PUBLISHED_KEYS`) are in the suite's public source, so they protect nothing. In
production mode they are refused as encrypting key: encrypting or decrypting raises
`MissingEncryptionKey` saying so, and the registry logs an error at start-up
(``integration.credential._register_hook``). Production mode is every server not running the
tests (Odoo's ``test_enable`` / ``test_file`` options, set by ``--test-enable``, ``--test-tags``,
``--test-file`` and by scripts/test's configuration): the development scripts (scripts/run, demo,
bench) are not in test mode either, so they configure a random key of the machine instead. A
published key may still follow a real key in the list (``real-key,published-key``): it then only
decrypts, to move the stored secrets to the real key (see "Changing the key").

Changing the key: values encrypted with a key that is no longer configured cannot be read back;
using one raises `CredentialDecryptError`, which says to restore the previous key or to enter the
credentials again (saving a credential encrypts it with the current key). To change the key without
re-entering anything, configure the new key followed by the old one, separated by a comma: the first
key encrypts, every listed key decrypts; `integration.credential._reencrypt_all()` then rewrites the
stored values with the first key, after which the old key can be removed.
"""

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from odoo import _
from odoo.tools import config

from .. import const
from ..exceptions import CredentialDecryptError, MissingEncryptionKey

PREFIX = "enc:v1:"

# Keys written in the suite's public files: odoo.conf.example's placeholder, and the fixed keys that
# scripts/test and scripts/bench used to write. Refused as encrypting key outside test mode.
PUBLISHED_KEYS = frozenset({
    "change-me-to-a-long-random-string",
    "test-key-not-for-production",
    "bench-key-not-for-production",
})


def _configured_keys():
    """The configured key passphrases, the encrypting one first; [] when none is set."""
    raw = config.get(const.CONFIG_ENCRYPTION_KEY) or os.environ.get(const.ENV_ENCRYPTION_KEY) or ""
    return [key.strip() for key in str(raw).split(",") if key.strip()]


def is_test_mode():
    """Whether this server runs the tests (Odoo's own test-mode test); every other server is in
    production mode, development servers included."""
    return bool(config.get("test_enable") or config.get("test_file"))


def published_key_in_use():
    """Whether the encrypting key is a published one on a server in production mode (refused)."""
    keys = _configured_keys()
    return bool(keys) and keys[0] in PUBLISHED_KEYS and not is_test_mode()


def _fernet():
    keys = _configured_keys()
    if not keys:
        raise MissingEncryptionKey(
            _(
                "No credential encryption key is configured. Set %(option)s in the Odoo server "
                "configuration file or the %(env)s environment variable, then restart Odoo.",
                option=const.CONFIG_ENCRYPTION_KEY,
                env=const.ENV_ENCRYPTION_KEY,
            )
        )
    if published_key_in_use():
        raise MissingEncryptionKey(published_key_message())
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())) for key in keys
    ])


def published_key_message():
    """What to do when the configured key is a published one (never quotes the key)."""
    return _(
        "The credential encryption key (%(option)s or %(env)s) is the placeholder of odoo.conf.example "
        "or a test key: it is published with Store Connector, so it protects nothing, and it is "
        "refused outside tests. Set a long random key, e.g. the output of "
        "\"head -c 32 /dev/urandom | base64\", then restart Odoo. To keep secrets already saved with "
        "the published key, set \"new-key,published-key\" and re-encrypt them (see odoo.conf.example).",
        option=const.CONFIG_ENCRYPTION_KEY,
        env=const.ENV_ENCRYPTION_KEY,
    )


def is_encrypted(value):
    """Whether `value` has the shape of our ciphertext (it may still be undecryptable)."""
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(plaintext):
    """Ciphertext of `plaintext` with the first configured key; False for an empty value.

    :raises MissingEncryptionKey: no key is configured.
    """
    if plaintext in (None, False, ""):
        return False
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def _undecryptable():
    # Never quotes the ciphertext nor the key: the message is shown to users and logged.
    return CredentialDecryptError(
        _(
            "A stored credential cannot be decrypted with the configured encryption key (%(option)s "
            "or %(env)s). Was the key changed? Restore the previous key, or enter the credentials "
            "again.",
            option=const.CONFIG_ENCRYPTION_KEY,
            env=const.ENV_ENCRYPTION_KEY,
        )
    )


def decrypt(ciphertext):
    """Plaintext of a value made by `encrypt`; False for an empty value.

    :raises MissingEncryptionKey: no key is configured.
    :raises CredentialDecryptError: the value is not our ciphertext or was made with another key.
    """
    if not ciphertext:
        return False
    if not is_encrypted(ciphertext):
        raise _undecryptable()
    fernet = _fernet()
    try:
        return fernet.decrypt(ciphertext[len(PREFIX):].encode()).decode()
    except (InvalidToken, ValueError):
        raise _undecryptable() from None


def rotate(ciphertext):
    """`ciphertext` re-encrypted with the first configured key (see the module docstring).

    :raises CredentialDecryptError: no configured key decrypts it.
    """
    if not ciphertext:
        return False
    if not is_encrypted(ciphertext):
        raise _undecryptable()
    fernet = _fernet()
    try:
        return PREFIX + fernet.rotate(ciphertext[len(PREFIX):].encode()).decode()
    except (InvalidToken, ValueError):
        raise _undecryptable() from None
