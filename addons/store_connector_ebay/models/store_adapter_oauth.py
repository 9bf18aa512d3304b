"""eBay's OAuth: the base's standard authorization-code grant (models/store_adapter_oauth.py in the
base), as eBay documents it (platform notes 3.2):

* consent page ``https://auth.ebay.com/oauth2/authorize`` (sandbox: auth.sandbox.ebay.com) with
  ``client_id`` (the App ID), ``redirect_uri`` = the **RuName** (not a URL: eBay looks up the RuName's
  "auth accepted URL", which must be the store's `_oauth_callback_url()`), ``response_type=code``,
  the scopes space-separated, ``state`` and ``prompt=login`` (the seller picks the account, not
  whoever is logged in on eBay in that browser);
* token endpoint ``/identity/v1/oauth2/token`` with HTTP Basic (App ID:Cert ID); the code exchange
  sends the RuName as ``redirect_uri``; a refresh sends the granted scopes again (eBay does not
  rotate the refresh token, which lasts about 18 months: the base warns a month before it ends);
* ``invalid_grant`` means the grant is gone (revoked, expired): the base pauses the store.
"""

from datetime import timedelta
from urllib.parse import quote, urlencode

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base import const as base_const

from .. import const

# eBay's refresh tokens last 18 months (refresh_token_expires_in = 47,304,000 seconds) and are never
# rotated by a refresh.
EBAY_REFRESH_TOKEN_LIFETIME = timedelta(seconds=47_304_000)


class StoreAdapterEbayOAuth(models.AbstractModel):
    _inherit = "store.adapter.ebay"

    @api.model
    def _oauth_enabled(self, store):
        return True

    @api.model
    def _credential_expiries(self, store, credentials):
        """The base's expiries; a refresh token saved without its expiry (eBay always sends
        refresh_token_expires_in, but a token entered by hand has none) ends 18 months after it
        was saved, since eBay never rotates it."""
        expiries = super()._credential_expiries(store, credentials)
        refresh = credentials.filtered(lambda c: c.key == base_const.CRED_OAUTH_REFRESH_TOKEN)[:1]
        if refresh and not refresh.expires_at and refresh.write_date:
            expiries.append({"label": _("The eBay authorization (refresh token)"),
                             "expires_at": refresh.write_date + EBAY_REFRESH_TOKEN_LIFETIME})
        return expiries

    @api.model
    def _oauth_client_id(self, store):
        return store._get_credential(const.CRED_APP_ID, required=False) or ""

    @api.model
    def _oauth_client_secret(self, store):
        return store._get_credential(const.CRED_CERT_ID)

    @api.model
    def _oauth_check_install(self, store):
        """App ID, Cert ID and RuName must be entered before Connect with eBay can finish."""
        missing = [label for key, label in (
            (const.CRED_APP_ID, _("App ID")), (const.CRED_CERT_ID, _("Cert ID")),
            (const.CRED_RUNAME, _("RuName")),
        ) if not store._get_credential(key, required=False)]
        if missing:
            raise UserError(_(
                "Enter the %(missing)s of your eBay keyset on the Credentials tab of store %(store)s "
                "first (eBay developer portal > Application Keys and User Tokens, %(environment)s).",
                missing=", ".join(missing), store=store.name,
                environment=dict(const.ENVIRONMENTS).get(store.ebay_environment, store.ebay_environment)))

    @api.model
    def _oauth_scopes(self, store):
        """The scopes Connect with eBay asks for (const.USER_SCOPES)."""
        return list(const.USER_SCOPES)

    @api.model
    def _oauth_authorize_url(self, store, state):
        params = {
            "client_id": self._oauth_client_id(store),
            "redirect_uri": store._get_credential(const.CRED_RUNAME, required=False) or "",
            "response_type": "code",
            "scope": " ".join(self._oauth_scopes(store)),
            "state": state,
            "prompt": "login",
        }
        # quote_via: spaces as %20, as eBay's own consent URLs write the scope list.
        return store._ebay_auth_root() + const.AUTHORIZE_PATH + "?" + urlencode(params, quote_via=quote)

    @api.model
    def _oauth_token_url(self, store):
        return store._ebay_api_root() + const.TOKEN_PATH

    @api.model
    def _oauth_token_params(self, store, grant_type, values):
        if grant_type == "authorization_code":
            return {"grant_type": grant_type, "code": values["code"],
                    "redirect_uri": store._get_credential(const.CRED_RUNAME)}
        return {"grant_type": grant_type, "refresh_token": values["refresh_token"],
                "scope": " ".join(self._ebay_refresh_scopes(store))}

    @api.model
    def _ebay_refresh_scopes(self, store):
        """The scopes a refresh asks for: those asked at Connect with eBay that the seller granted.
        eBay refuses a refresh asking for more than the grant holds (``invalid_scope``), so a seller
        who connected before a scope was added (sell.finances, for payouts) keeps a working
        connection; Connect with eBay again grants the new scope. Unknown grant: every scope."""
        asked = self._oauth_scopes(store)
        granted = set((store.sudo().ebay_granted_scopes or "").split())
        kept = [scope for scope in asked if scope in granted]
        return kept if granted and kept else asked

    @api.model
    def _oauth_token_revoked(self, store, status, body):
        return status == 401 or body.get("error") in const.OAUTH_REVOKED_ERRORS + ("invalid_client",)

    @api.model
    def _oauth_tokens_saved(self, store, tokens, grant_type):
        """Record the scopes eBay granted (its answer names them on a refresh; a code exchange's
        answer does not, the scopes asked for are then the ones granted)."""
        scope = tokens.get("scope") or (" ".join(self._oauth_scopes(store))
                                        if grant_type == "authorization_code" else None)
        if scope:
            store.sudo().ebay_granted_scopes = scope
