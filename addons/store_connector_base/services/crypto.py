"""Encryption of credential values at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken

from odoo import _
from odoo.tools import config

from .. import const
from ..exceptions import MissingEncryptionKey

PREFIX = "enc:v1:"


def _key_material():
    key = config.get(const.CONFIG_ENCRYPTION_KEY) or os.environ.get(const.ENV_ENCRYPTION_KEY)
    if not key:
        raise MissingEncryptionKey(
            _(
                "No credential encryption key is configured. Set %(option)s in the Odoo server "
                "configuration file or the %(env)s environment variable, then restart Odoo.",
                option=const.CONFIG_ENCRYPTION_KEY,
                env=const.ENV_ENCRYPTION_KEY,
            )
        )
    return str(key)


def _fernet():
    # Any passphrase works: it is stretched to the 32 bytes Fernet wants. A changed key makes the
    # stored values unreadable, which `decrypt` reports clearly.
    digest = hashlib.sha256(_key_material().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plaintext):
    if plaintext in (None, False, ""):
        return False
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext):
    if not ciphertext:
        return False
    if not ciphertext.startswith(PREFIX):
        raise MissingEncryptionKey(_("A stored credential is not in the expected encrypted format."))
    try:
        return _fernet().decrypt(ciphertext[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise MissingEncryptionKey(
            _(
                "A stored credential cannot be decrypted with the configured key (%(option)s). "
                "Was the key changed? Restore it, or enter the credentials again.",
                option=const.CONFIG_ENCRYPTION_KEY,
            )
        ) from None
