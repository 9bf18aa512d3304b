"""The test platform's OAuth: the standard authorization-code grant (RFC 6749), as eBay does it —
HTTP Basic client authentication, form bodies, a refresh token that ends one day (its
`refresh_token_expires_in`) — against the authorization server at the store's shop URL (in tests, a
loopback server: store_connector_base/tests/test_oauth.py `TokenServer`).

The worked example of the base's OAuth hooks (store_connector_base, models/store_adapter_oauth.py):
a platform with the standard grant implements the three below and inherits every other default
(the base's callback route, the `client_id` and `client_secret` credentials, Basic client
authentication, RFC 6749's token form and answer, `invalid_grant` meaning revoked).
"""

from urllib.parse import urlencode

from odoo import api, models

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
SCOPES = "orders products inventory"


class StoreAdapterTestOAuth(models.AbstractModel):
    _inherit = "store.adapter.test"

    @api.model
    def _oauth_enabled(self, store):
        return True

    @api.model
    def _oauth_authorize_url(self, store, state):
        params = {
            "response_type": "code",
            "client_id": self._oauth_client_id(store),
            "redirect_uri": store._oauth_callback_url(),
            "scope": SCOPES,
            "state": state,
        }
        return (store.shop_url or "").rstrip("/") + AUTHORIZE_PATH + "?" + urlencode(params)

    @api.model
    def _oauth_token_url(self, store):
        return (store.shop_url or "").rstrip("/") + TOKEN_PATH
