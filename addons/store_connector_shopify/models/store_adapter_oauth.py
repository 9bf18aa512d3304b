from urllib.parse import urlencode

from odoo import _, api, models
from odoo.exceptions import UserError

from .. import const


class StoreAdapterShopifyOAuth(models.AbstractModel):
    """Shopify's part of the base's OAuth token lifecycle (store_connector_base,
    models/store_adapter_oauth.py): the authorize page and token endpoint of the shop, the app's
    client id field, the client credentials in the form, the `expiring=1` offline tokens with
    their rotating refresh token, the granted scopes. The callback is Shopify's own route
    (controllers/main.py), which checks the HMAC of its query and the shop first."""

    _inherit = "store.adapter.shopify"

    @api.model
    def _oauth_enabled(self, store):
        """Every Shopify store may install through OAuth; one with a refresh token (expiring
        offline tokens) is kept fresh by the refresh cron."""
        return True

    @api.model
    def _oauth_callback_path(self, store):
        return const.SHOPIFY_OAUTH_CALLBACK_ROUTE

    @api.model
    def _oauth_client_id(self, store):
        return store.shopify_client_id or ""

    @api.model
    def _oauth_check_install(self, store):
        if not store.shopify_client_id:
            raise UserError(_("Enter the app's client id on the store %(store)s first.", store=store.name))
        if not store._get_credential(const.CRED_CLIENT_SECRET, required=False):
            raise UserError(_(
                "Save the app's client secret as credential %(key)s of the store %(store)s first.",
                key=const.CRED_CLIENT_SECRET, store=store.name,
            ))

    @api.model
    def _oauth_authorize_url(self, store, state):
        """https://<shop>/admin/oauth/authorize?client_id&scope&redirect_uri&state."""
        params = {
            "client_id": store.shopify_client_id or "",
            "scope": store.shopify_scopes or ",".join(const.SHOPIFY_REQUESTED_SCOPES),
            "redirect_uri": store._oauth_callback_url(),
            "state": state,
        }
        return store._shopify_api_base_url() + const.SHOPIFY_AUTHORIZE_PATH + "?" + urlencode(params)

    @api.model
    def _oauth_token_url(self, store):
        """POST https://<shop>/admin/oauth/access_token (ShopifyAPI's `Session.request_token` has
        no timeout, follows redirects and never asks for expiring tokens: the base's request is used)."""
        return store._shopify_api_base_url() + const.SHOPIFY_TOKEN_PATH

    @api.model
    def _oauth_client_auth(self, store):
        return "body"

    @api.model
    def _oauth_token_params(self, store, grant_type, values):
        """The code exchange is Shopify's own form (no grant_type; `expiring=1` asks for an
        expiring offline token with a refresh token); the refresh is RFC 6749's."""
        if grant_type == "authorization_code":
            params = {"code": values["code"]}
            if store.shopify_expiring_tokens:
                params["expiring"] = "1"
            return params
        return {"grant_type": "refresh_token", "refresh_token": values["refresh_token"]}

    @api.model
    def _oauth_token_revoked(self, store, status, body):
        """Every refusal of Shopify's token endpoint: a used or unknown code, a retired, expired or
        revoked refresh token, an uninstalled app or a rotated client secret all need the
        merchant (install again, or new credentials)."""
        return True

    @api.model
    def _oauth_tokens_saved(self, store, tokens, grant_type):
        """Record the granted scopes; an install switches the store to OAuth. Only what changed is
        written: a refresh commits in a transaction of its own, and a write to the store's row
        there would make the job that asked for it fail on that row."""
        vals = {}
        if tokens.get("scope") and tokens["scope"] != store.shopify_granted_scopes:
            vals["shopify_granted_scopes"] = tokens["scope"]
        if grant_type == "authorization_code" and store.shopify_auth_method != "oauth":
            vals["shopify_auth_method"] = "oauth"
        if vals:
            store.sudo().write(vals)
