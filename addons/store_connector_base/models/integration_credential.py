import contextlib

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .. import const
from ..exceptions import CredentialDecryptError, StoreAuthError, StoreCredentialMissing
from ..services import crypto
from ..services.logs import get_logger

_logger = get_logger(__name__)

MANAGER_GROUP = "store_connector_base.group_store_connector_manager"

# Decrypted secrets of `_get_values`, per process: {(db, encryption keys, ciphertext): plaintext}.
# Fernet decryption costs more than the rest of a webhook delivery's signature check. Bounded:
# emptied when full (rotations leave old ciphertexts behind). Plain dict operations are atomic in
# CPython, so the threads of a threaded server may share it.
# Labels of the tokens an OAuth install saves (connector_store_oauth.py), for platforms that do not
# declare them among their credentials.
_lt = LazyTranslate(__name__)
_OAUTH_TOKEN_LABELS = {
    const.CRED_OAUTH_ACCESS_TOKEN: (
        _lt("Access Token"), _lt("Saved by the store's connect button (OAuth install); kept fresh by Odoo.")),
    const.CRED_OAUTH_REFRESH_TOKEN: (
        _lt("Refresh Token"),
        _lt("Saved by the store's connect button (OAuth install); Odoo gets new access tokens with it.")),
}

_DECRYPTED = {}
_DECRYPTED_MAX = 1024
# The cursor's cache entry of `_prefetched` credentials: {store id: [(key, ciphertext, expired)]}.
_PREFETCHED_KEY = "store_connector.prefetched_credentials"
# Whether a credential expired, by the database clock (statement time, UTC like the column).
_NOW = SQL("(statement_timestamp() AT TIME ZONE 'UTC')")


class IntegrationCredential(models.Model):
    """A secret of a store (API key, access token, webhook secret...), encrypted at rest.

    * The column ``value_encrypted`` only ever holds ciphertext (see `services.crypto` for the key,
      its absence and its change). The field is ``groups=NO_ACCESS``: no user, administrators
      included, can read, search or write it through the ORM's public API (read, web_read,
      search_read, fields_get, write); only code running as superuser can, and only this model
      touches it.
    * ``value`` is what forms show: a mask when a secret is set, nothing otherwise. Writing a new
      value encrypts and replaces the secret (surrounding blanks dropped: they come from pasting);
      writing the mask or nothing keeps the current one. Delete the line to remove a secret.
    * ``value_plain`` shows managers, in clear, the value of a key the store's platform declares
      no secret (``"secret": False`` in `store.adapter._credential_keys`: an account id, a client
      id); it is False for every other key, whose value is never read back. It is stored encrypted
      like every value. Writing it sets the value (empty clears it); a value for a secret key is
      refused.
    * The key of a credential that holds a value cannot change: renaming a secret to a key
      declared no secret would show it in clear.
    * Only Store Connector managers have access to the model (ACL), within their companies
      (record rule); `_get_value`, the one accessor, applies the same rules to code that does not
      run as superuser.
    * Secrets are read at the moment they are used, so a rotated secret is used by every job that
      runs after the rotation, jobs queued before it included.
    """

    _name = "integration.credential"
    _inherit = ["store.owned.mixin"]
    _description = "Store Credential"
    _order = "store_id, key"
    _rec_name = "key"
    # Masked in Odoo's debug log of RPC and web client calls (see services/secret_logging.py).
    # value_plain too: a secret sent there by mistake is refused, but only after the call is logged.
    _store_connector_secret_fields = ("value", "value_plain")

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    key = fields.Char(required=True, help="What the secret is, e.g. access_token, consumer_secret.")
    value = fields.Char(
        compute="_compute_value",
        inverse="_inverse_value",
        help="Shown masked. Type a new value to replace the secret; leave it as is to keep it.",
    )
    value_plain = fields.Char(
        string="Value in Clear", compute="_compute_value_plain", inverse="_inverse_value_plain",
        groups=MANAGER_GROUP,
        help="The value of an identifier the platform declares no secret (an account id, a client id), "
             "shown and edited as it is. Empty for secrets: they are never shown again.",
    )
    # prefetch=False: reading other fields never loads ciphertext into memory as a side effect.
    value_encrypted = fields.Text(copy=False, readonly=True, prefetch=False, groups=fields.NO_ACCESS)
    is_set = fields.Boolean(string="Set", compute="_compute_value")
    expires_at = fields.Datetime(help="When the platform stops accepting this secret, if it expires.")
    # What the store's platform declares of the key (store.adapter._credential_keys), for the form.
    label = fields.Char(string="Credential", compute="_compute_declaration")
    description = fields.Char(string="Where to Find It", compute="_compute_declaration")
    is_declared = fields.Boolean(compute="_compute_declaration")
    is_required = fields.Boolean(string="Required", compute="_compute_declaration")
    is_secret = fields.Boolean(string="Secret", compute="_compute_declaration")

    _sql_constraints = [
        ("store_key_unique", "unique(store_id, key)", "A store has one credential per key."),
    ]

    def _register_hook(self):
        """Say at start-up, not only at first use, that the encryption key is a published one."""
        super()._register_hook()
        if crypto.published_key_in_use():
            _logger.error("%s", crypto.published_key_message())

    # ------------------------------------------------------------------ computes
    @api.depends("value_encrypted")
    def _compute_value(self):
        # One query for the whole list (the field is not prefetched); new records have no row yet.
        self.filtered("id").sudo().fetch(["value_encrypted"])
        for cred in self:
            encrypted = cred.sudo().value_encrypted
            cred.is_set = bool(encrypted)
            cred.value = const.MASK if encrypted else False

    @api.depends("key", "store_id.platform")
    def _compute_declaration(self):
        declarations = {}
        for cred in self:
            store = cred.store_id
            if store not in declarations:
                declarations[store] = store._credential_declarations() if store else {}
            declared = declarations[store].get(cred.key)
            cred.is_declared = bool(declared)
            # The tokens an OAuth install saves are named in words where the platform does not
            # declare them (eBay): the credential lists show labels, not keys.
            if declared:
                cred.label, cred.description = declared["label"], declared["help"]
            elif cred.key in _OAUTH_TOKEN_LABELS:
                cred.label, cred.description = (str(text) for text in _OAUTH_TOKEN_LABELS[cred.key])
            else:
                cred.label, cred.description = cred.key, False
            cred.is_required = bool(declared and declared["required"])
            cred.is_secret = declared["secret"] if declared else True

    @api.depends("value_encrypted", "key", "store_id.platform")
    @api.depends_context("uid")  # per user: a manager's decrypted value never serves another user
    def _compute_value_plain(self):
        """Decrypt the values of the keys declared no secret, for managers (and superuser code)."""
        readable = self.env.su or self.env.user.has_group(MANAGER_GROUP)
        shown = self.filtered(lambda cred: readable and cred.is_declared and not cred.is_secret)
        (self - shown).value_plain = False
        shown.filtered("id").sudo().fetch(["value_encrypted"])
        for cred in shown:
            ciphertext = cred.sudo().value_encrypted
            try:
                cred.value_plain = crypto.decrypt(ciphertext) if ciphertext else False
            except UserError:
                # No key or another key: the form still opens; typing the value again repairs it.
                cred.value_plain = False

    def _inverse_value(self):
        for cred in self:
            value = (cred.value or "").strip()
            if value and value != const.MASK:
                cred.sudo().value_encrypted = crypto.encrypt(value)

    def _inverse_value_plain(self):
        for cred in self:
            value = (cred.value_plain or "").strip()
            if cred.is_secret:
                if value:
                    raise UserError(_(
                        'The credential "%(label)s" is a secret: enter it in its masked Value column, '
                        "where it is never shown again.", label=cred.label or cred.key,
                    ))
                continue  # the form sends the empty clear column of a new secret line: nothing to do
            if value:
                cred.sudo().value_encrypted = crypto.encrypt(value)
            elif cred.sudo().value_encrypted:
                cred.sudo().value_encrypted = False

    # ------------------------------------------------------------------ CRUD
    @api.model
    def _check_ciphertext_vals(self, vals):
        """Refuse writing `value_encrypted` directly, except ciphertext written by superuser code.

        Odoo checks field groups on write but not on create; this covers both, so that no API
        call can put a plain secret in the column.
        """
        if "value_encrypted" not in vals:
            return
        if not self.env.su:
            raise AccessError(_("Credentials are set through their value, which is encrypted on save."))
        if vals["value_encrypted"] and not crypto.is_encrypted(vals["value_encrypted"]):
            raise UserError(_("Only encrypted values can be stored; set the credential's value instead."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_ciphertext_vals(vals)
        records = super().create(vals_list)
        # The inverse leaves the typed secret in the cache of `value`: show the mask from now on.
        records.invalidate_recordset(["value", "value_plain", "is_set"])
        # A line without a value (a declared key to fill in) is no new credential: no resume.
        records.filtered("is_set").store_id._resume_after_auth()
        return records

    def write(self, vals):
        self._check_ciphertext_vals(vals)
        if "key" in vals:
            self._check_key_change(vals["key"])
        res = super().write(vals)
        self.invalidate_recordset(["value", "value_plain", "is_set"])
        if "value" in vals or "value_plain" in vals or "expires_at" in vals:
            # New credentials lift an authentication pause: the store's jobs run again. (Not a
            # re-encryption, which writes value_encrypted alone: the secret itself is unchanged.)
            self.store_id._resume_after_auth()
        return res

    def _check_key_change(self, new_key):
        """Refuse renaming a credential that holds a value: under a key the platform declares no
        secret, its value would be shown in clear (`value_plain`) to whoever renamed it.

        :raises UserError: one of the records holds a value and `new_key` is another key.
        """
        self.sudo().fetch(["value_encrypted"])
        for cred in self:
            if cred.key != new_key and cred.sudo().value_encrypted:
                raise UserError(_(
                    'The credential "%(key)s" of store "%(store)s" holds a value, so its key cannot '
                    "change. Add a line with the new key and delete this one.",
                    key=cred.key, store=cred.store_id.name,
                ))

    # ------------------------------------------------------------------ business
    @api.model
    def _check_secret_access(self, store):
        """Allow superuser code, and Store Connector managers on the stores of their companies.

        :raises AccessError: anyone else.
        """
        if self.env.su:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Store Connector managers can read or change store credentials."))
        # In this env: the store record may come from another (e.g. superuser) environment.
        store.with_env(self.env).check_access("read")

    @api.model
    def _get_value(self, store, key, required=True):
        """Decrypted secret `key` of `store`: the one accessor code uses, at the moment of use.

        :param store: connector.store record.
        :param required: raise when the secret is missing or expired; otherwise return False.
        :returns: the secret (str), or False when not required and missing or expired.
        :raises StoreCredentialMissing: required and missing (the job fails saying so; the store is
            not paused).
        :raises StoreAuthError: required and expired (the job waits for new credentials).
        :raises AccessError: the caller is neither superuser nor a manager of the store's company.
        :raises MissingEncryptionKey: no encryption key is configured on the server.
        :raises CredentialDecryptError: the secret was encrypted with another key.
        """
        store.ensure_one()
        self._check_secret_access(store)
        cred = self.search([("store_id", "=", store.id), ("key", "=", key)], limit=1)
        ciphertext = cred.sudo().value_encrypted if cred else False
        if not ciphertext:
            if required:
                raise StoreCredentialMissing(
                    _('Store "%(store)s" has no credential "%(key)s": enter it on the store, then retry. '
                      "The store is not paused: what needs no such credential goes on.",
                      store=store.name, key=key)
                )
            return False
        if cred.expires_at and cred.expires_at <= fields.Datetime.now():
            if required:
                raise StoreAuthError(
                    _('The credential "%(key)s" of store "%(store)s" expired on %(date)s. Enter a new one.',
                      key=key, store=store.name, date=cred.expires_at)
                )
            return False
        return self._decrypt_value(store, key, ciphertext)

    @api.model
    def _get_values(self, store, keys):
        """Several secrets of `store` in one query, for hot paths (webhook intake, every delivery).

        Same access rule as `_get_value`. Decrypted values are kept in a per-process cache keyed
        by the ciphertext itself (see `_decrypt_cached`), read from the database in this same
        query: a rotated secret has a new ciphertext, so it is used at once, never a stale one.

        :returns: {key: secret} for the keys that are set and unexpired; the others are left out.
        """
        store.ensure_one()
        self._check_secret_access(store)
        prefetched = (self.env.cr.cache.get(_PREFETCHED_KEY) or {}).get(store.id)
        if prefetched is not None:
            rows = [row for row in prefetched if row[0] in keys]
        else:
            # Plain SQL: the access rule is checked above, and this runs on every webhook delivery.
            self.flush_model(["store_id", "key", "value_encrypted", "expires_at"])
            self.env.cr.execute(SQL(
                """SELECT key, value_encrypted, expires_at <= %s FROM integration_credential
                    WHERE store_id = %s AND key = ANY(%s) AND value_encrypted IS NOT NULL""",
                _NOW, store.id, list(keys),
            ))
            rows = self.env.cr.fetchall()
        return {
            key: self._decrypt_cached(store, key, ciphertext)
            for key, ciphertext, expired in rows
            if ciphertext and not expired
        }

    @api.model
    @contextlib.contextmanager
    def _prefetched(self, store, rows):
        """Within the block, `_get_values` of `store` reads `rows` instead of the database.

        For the webhook intake, which reads the store and its credentials in one query (see
        `connector.store._find_for_webhook`) and writes no credential before verifying. Outside
        the block the rows are forgotten: they are a snapshot, never a cache.

        :param rows: [(key, ciphertext, expired)] of every set credential of the store.
        """
        stash = self.env.cr.cache.setdefault(_PREFETCHED_KEY, {})
        stash[store.id] = [tuple(row) for row in rows]
        try:
            yield
        finally:
            stash.pop(store.id, None)

    @api.model
    def _decrypt_cached(self, store, key, ciphertext):
        """`_decrypt_value`, remembered per process for the configured keys and this ciphertext.

        Keyed by the ciphertext rather than the credential's write_date: write_date is the start of
        the writing transaction, so two rotations in one transaction would share it, while every
        encryption makes a new ciphertext (random IV). The configured encryption keys are part of
        the key too: a server whose key is removed or changed decrypts (and fails) afresh.
        """
        cache_key = (self.env.cr.dbname, tuple(crypto._configured_keys()), ciphertext)
        value = _DECRYPTED.get(cache_key)
        if value is None:
            value = self._decrypt_value(store, key, ciphertext)
            if len(_DECRYPTED) >= _DECRYPTED_MAX:
                _DECRYPTED.clear()  # old ciphertexts (rotated secrets) are never asked for again
            _DECRYPTED[cache_key] = value
        return value

    @api.model
    def _decrypt_value(self, store, key, ciphertext):
        try:
            return crypto.decrypt(ciphertext)
        except CredentialDecryptError:
            raise CredentialDecryptError(
                _(
                    'The credential "%(key)s" of store "%(store)s" cannot be decrypted with the '
                    "configured encryption key (%(option)s). Was the key changed? Restore the previous "
                    "key, or enter the credential again.",
                    key=key, store=store.name, option=const.CONFIG_ENCRYPTION_KEY,
                )
            ) from None

    @api.model
    def _set_value(self, store, key, value, expires_at=None):
        """Create or replace secret `key` of `store` (OAuth flows, token refreshes).

        Same access rule as `_get_value`; code serving a platform callback runs it as superuser.

        :returns: the integration.credential record.
        """
        store.ensure_one()
        self._check_secret_access(store)
        cred = self.sudo().search([("store_id", "=", store.id), ("key", "=", key)], limit=1)
        vals = {"value": value, "expires_at": expires_at or False}
        if cred:
            cred.write(vals)
        else:
            cred = self.sudo().create({"store_id": store.id, "key": key, **vals})
        return cred

    @api.model
    def _store_secrets(self, store):
        """Every readable decrypted secret of `store`, for redaction only; never shown."""
        values = []
        for cred in self.sudo().search([("store_id", "=", store.id)]):
            try:
                values.append(crypto.decrypt(cred.value_encrypted))
            except UserError:
                # No key, or another key: a secret we cannot read was not sent, so it cannot leak.
                continue
        return [v for v in values if v]

    @api.model
    def _reencrypt_all(self):
        """Rewrite every stored secret with the first configured key (after a key change).

        Configure ``new_key,old_key``, run this (e.g. from an Odoo shell as superuser), then keep
        only the new key. Secrets no configured key can read are left as they are and listed in
        the server log by id (never their value): enter them again.

        :returns: the number of secrets rewritten.
        """
        if not self.env.su:
            raise AccessError(_("Only the superuser can re-encrypt the store credentials."))
        rewritten = 0
        unreadable = []
        for cred in self.search([("value_encrypted", "!=", False)]):
            try:
                ciphertext = crypto.rotate(cred.value_encrypted)
            except CredentialDecryptError:
                unreadable.append(cred.id)
                continue
            cred.value_encrypted = ciphertext
            rewritten += 1
        if unreadable:
            _logger.warning("credentials %s cannot be decrypted with any configured key: enter them again",
                            unreadable)
        return rewritten
