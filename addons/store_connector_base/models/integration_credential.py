import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .. import const
from ..exceptions import StoreAuthError
from ..services import crypto

_logger = logging.getLogger(__name__)


class IntegrationCredential(models.Model):
    """A secret of a store (API key, access token, webhook secret...), encrypted at rest.

    The column `value_encrypted` only ever holds ciphertext. `value` is what forms show: a mask
    when read, the new secret when written (its inverse encrypts it). Code reads secrets only
    through `_get_value`, at the moment it needs them, so a rotated secret is used by every job
    that runs after the rotation, including jobs queued before it.
    """

    _name = "integration.credential"
    _description = "Store Credential"
    _order = "store_id, key"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    key = fields.Char(required=True, help="What the secret is, e.g. access_token, consumer_secret.")
    value = fields.Char(
        compute="_compute_value",
        inverse="_inverse_value",
        help="Shown masked. Type a new value to replace the secret.",
    )
    value_encrypted = fields.Text(copy=False, readonly=True, groups="base.group_system")
    is_set = fields.Boolean(compute="_compute_value")
    expires_at = fields.Datetime(help="When the platform stops accepting this secret, if it expires.")

    _sql_constraints = [
        ("store_key_unique", "unique(store_id, key)", "A store has one credential per key."),
    ]

    @api.depends("value_encrypted")
    def _compute_value(self):
        for cred in self:
            encrypted = cred.sudo().value_encrypted
            cred.is_set = bool(encrypted)
            cred.value = const.MASK if encrypted else False

    def _inverse_value(self):
        for cred in self:
            if cred.value and cred.value != const.MASK:
                cred.sudo().value_encrypted = crypto.encrypt(cred.value)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.store_id._resume_after_auth()
        return records

    def write(self, vals):
        res = super().write(vals)
        if "value" in vals or "value_encrypted" in vals or "expires_at" in vals:
            # New credentials lift an authentication pause: the store's jobs run again.
            self.store_id._resume_after_auth()
        return res

    @api.model
    def _get_value(self, store, key, required=True):
        """Decrypted secret `key` of `store`; the one accessor code uses.

        :raises StoreAuthError: required and missing, or expired.
        :raises AccessError: the current user is not a Store Connector manager and not superuser.
        """
        if not (self.env.su or self.env.user.has_group("store_connector_base.group_store_connector_manager")):
            raise AccessError(_("Only Store Connector managers can read store credentials."))
        cred = self.sudo().search([("store_id", "=", store.id), ("key", "=", key)], limit=1)
        if not cred or not cred.value_encrypted:
            if required:
                raise StoreAuthError(
                    _('Store "%(store)s" has no credential "%(key)s". Enter it on the store.',
                      store=store.name, key=key)
                )
            return False
        if cred.expires_at and cred.expires_at <= fields.Datetime.now() and required:
            raise StoreAuthError(
                _('The credential "%(key)s" of store "%(store)s" expired on %(date)s.',
                  key=key, store=store.name, date=cred.expires_at)
            )
        return crypto.decrypt(cred.value_encrypted)

    @api.model
    def _set_value(self, store, key, value, expires_at=None):
        """Create or replace secret `key` of `store` (used by OAuth flows and token refreshes)."""
        cred = self.sudo().search([("store_id", "=", store.id), ("key", "=", key)], limit=1)
        vals = {"value": value, "expires_at": expires_at or False}
        if cred:
            cred.write(vals)
        else:
            cred = self.sudo().create({"store_id": store.id, "key": key, **vals})
        return cred

    @api.model
    def _store_secrets(self, store):
        """Every decrypted secret of `store`, for redaction; never shown."""
        creds = self.sudo().search([("store_id", "=", store.id)])
        values = []
        for cred in creds:
            try:
                values.append(crypto.decrypt(cred.value_encrypted))
            except Exception:  # noqa: BLE001 - an undecryptable secret cannot leak either
                continue
        return [v for v in values if v]
