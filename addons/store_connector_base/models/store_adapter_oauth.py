from odoo import _, api, models
from odoo.exceptions import UserError

from .. import const


class StoreAdapterOAuth(models.AbstractModel):
    """The OAuth hooks of the platform interface: what a platform whose API is reached with OAuth
    tokens tells the base's token lifecycle (`connector.store`, models/connector_store_oauth.py).

    The base does the rest, the same for every platform: the single-use state bound to the
    browser that started the install, the callback's checks, the code exchange, tokens saved as
    credentials (`access_token`, `refresh_token`, with their expiry), the refresh before expiry in
    a transaction of its own under a row lock, the refresh cron, the warning before a refresh token
    ends and the pause when the platform revokes the grant.

    A platform with the standard authorization-code grant (RFC 6749: eBay, the test platform)
    implements `_oauth_enabled`, `_oauth_authorize_url` and `_oauth_token_url`, and overrides the
    others only where it differs. A platform that only needs the state and a callback (WooCommerce's
    key generation, whose keys are POSTed to the callback by the shop's server) uses
    `connector.store._oauth_new_state` and `_oauth_take_state(..., check_nonce=False)` alone.

    Every hook is private and safe by default (no OAuth); see the test platform addon
    (tests/addons/store_connector_test_platform) for a worked example.
    """

    _inherit = "store.adapter"

    @api.model
    def _oauth_enabled(self, store):
        """Whether `store` gets its tokens through OAuth: its "Install with OAuth" button works and
        the refresh cron keeps its access token fresh. Default: False."""
        return False

    @api.model
    def _oauth_callback_path(self, store):
        """The path of Odoo's route the authorization server sends the browser back to (the
        redirect URI is the store's base URL followed by it). Default: the base's generic callback
        (const.OAUTH_CALLBACK_ROUTE), which checks the state and exchanges the code. A platform
        whose callback needs more checks (Shopify signs its query) routes its own and returns it;
        the generic route then refuses that platform's states."""
        return const.OAUTH_CALLBACK_ROUTE

    @api.model
    def _oauth_client_id(self, store):
        """The app's client id. Default: the store's credential `client_id`."""
        return store._get_credential(const.CRED_OAUTH_CLIENT_ID, required=False) or ""

    @api.model
    def _oauth_client_secret(self, store):
        """The app's client secret, read at the moment of the token request. Default: the store's
        credential `client_secret` (eBay: its Cert ID).

        :raises StoreCredentialMissing: it was never entered.
        """
        return store._get_credential(const.CRED_OAUTH_CLIENT_SECRET)

    @api.model
    def _oauth_check_install(self, store):
        """Refuse to start an install that cannot finish, saying what to enter first.

        Default: the client id (`_oauth_client_id`) and the credential `client_secret` are set.

        :raises UserError: something is missing.
        """
        if not self._oauth_client_id(store):
            raise UserError(_(
                "Enter the app's client id (credential %(key)s) on the store %(store)s first.",
                key=const.CRED_OAUTH_CLIENT_ID, store=store.name,
            ))
        if not store._get_credential(const.CRED_OAUTH_CLIENT_SECRET, required=False):
            raise UserError(_(
                "Save the app's client secret as credential %(key)s of the store %(store)s first.",
                key=const.CRED_OAUTH_CLIENT_SECRET, store=store.name,
            ))

    @api.model
    def _oauth_authorize_url(self, store, state):
        """The platform's authorize page the merchant's browser is sent to: client id, scopes,
        redirect URI (`store._oauth_callback_url()`) and `state` in its query.

        :param state: the authorization's state (`connector.store._oauth_new_state`).
        :returns: str, an absolute URL.
        :raises PlatformFeatureMissing: by default (the platform has no OAuth install).
        """
        self._missing(store, _("Install with OAuth"))

    @api.model
    def _oauth_token_url(self, store):
        """The token endpoint (code exchange and refresh), an https URL.

        :raises PlatformFeatureMissing: by default.
        """
        self._missing(store, _("OAuth token"))

    @api.model
    def _oauth_client_auth(self, store):
        """How the token request authenticates the app: ``"basic"`` (HTTP Basic with the client id
        and secret, RFC 6749 2.3.1: eBay) or ``"body"`` (client_id and client_secret in the form:
        Shopify). Default: "basic"."""
        return "basic"

    @api.model
    def _oauth_token_params(self, store, grant_type, values):
        """The form of a token request, without the client's credentials (see `_oauth_client_auth`).

        :param grant_type: "authorization_code" or "refresh_token".
        :param values: {"code", "redirect_uri"} for the code, {"refresh_token"} for a refresh.
        :returns: dict, sent form-encoded. Default: RFC 6749 4.1.3 and 6.
        """
        if grant_type == "authorization_code":
            return {"grant_type": grant_type, "code": values["code"], "redirect_uri": values["redirect_uri"]}
        return {"grant_type": grant_type, "refresh_token": values["refresh_token"]}

    @api.model
    def _oauth_parse_token_response(self, store, body):
        """The tokens of a successful answer of the token endpoint.

        :param body: the JSON answer (a dict with an access_token).
        :returns: {"access_token": str, "expires_in": seconds or None, "refresh_token": str or None
            (None: keep the current one), "refresh_token_expires_in": seconds or None, "scope": str
            or None}. Default: RFC 6749 5.1, plus `refresh_token_expires_in` (Shopify and eBay).
        """
        def seconds(key):
            value = body.get(key)
            try:
                return int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None

        scope = body.get("scope")
        return {
            "access_token": str(body["access_token"]),
            "expires_in": seconds("expires_in"),
            "refresh_token": str(body["refresh_token"]) if body.get("refresh_token") else None,
            "refresh_token_expires_in": seconds("refresh_token_expires_in"),
            "scope": " ".join(scope) if isinstance(scope, list) else scope,
        }

    @api.model
    def _oauth_token_revoked(self, store, status, body):
        """Whether a refused token request means the grant is gone (revoked by the merchant or the
        platform, expired): the store is paused until it is installed again. Otherwise the refusal
        fails the operation without a pause (a request the platform found malformed).

        :param status: the HTTP status (4xx but 429).
        :param body: the JSON answer (a dict, {} when not JSON).
        :returns: bool. Default: HTTP 401, or an RFC 6749 error in const.OAUTH_REVOKED_ERRORS.
        """
        return status == 401 or body.get("error") in const.OAUTH_REVOKED_ERRORS

    @api.model
    def _oauth_error_text(self, store, status, body):
        """The platform's words about a refused token request (redacted and cut by the caller).
        Default: RFC 6749's error_description, else error, else the HTTP status."""
        return body.get("error_description") or body.get("error") or f"HTTP {status}"

    @api.model
    def _oauth_tokens_saved(self, store, tokens, grant_type):
        """Called after new tokens are saved as credentials, in the same transaction: record what
        the platform says besides the tokens (granted scopes...). Default: nothing.

        :param tokens: the dict of `_oauth_parse_token_response`.
        :param grant_type: "authorization_code" (an install) or "refresh_token".
        """
        return None
