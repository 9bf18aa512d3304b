"""OAuth authorization-code install of a Shopify app (shopify.dev, authorization code grant).

    Button "Install with OAuth" (connector.store.action_oauth_install, a call_kw request)
        -> new state + nonce cookie -> the browser goes to
           https://<shop>/admin/oauth/authorize?client_id&scope&redirect_uri&state
    GET /store_connector_shopify/oauth/install?shop&timestamp&hmac(&host)   (the app URL Shopify opens)
        -> HMAC and timestamp checked; unless an authorization of the store is open: new state +
           nonce cookie -> the same redirect
    GET /store_connector_shopify/oauth/callback?code&hmac&shop&state&timestamp&host
        -> state, HMAC, timestamp, shop, expiry and the browser's nonce cookie checked
        -> POST /admin/oauth/access_token (expiring=1) -> tokens saved

The state, the nonce cookie and the code exchange are the base's OAuth lifecycle
(store_connector_base: models/connector_store_oauth.py, controllers/oauth.py); this route adds
Shopify's checks (HMAC, timestamp, shop) before them. The state is single use and lapses after
`OAUTH_STATE_TTL` seconds; the nonce cookie ties it to the browser that started it, as Shopify's
documentation asks (the `state` nonce must be checked at the callback; its libraries keep it in a
signed cookie). Nothing a GET of a logged-in browser can be lured into opens or replaces an
authorization: the old GET start route is gone.

The HMAC check is ShopifyAPI's `Session.validate_params` (sorted k=v pairs, hex HMAC-SHA256), with
the timestamp within `SHOPIFY_OAUTH_TIMESTAMP_TOLERANCE` seconds of our clock, as Shopify's own
libraries check it (ShopifyAPI allows a day: a signed query seen once could be replayed for that
long); the token request is the base's (`connector.store._oauth_token_request`: ShopifyAPI's has no
timeout and never asks for expiring tokens).
"""

import time

import werkzeug

from odoo import _, http
from odoo.http import request

from odoo.addons.store_connector_base.controllers import oauth
from odoo.addons.store_connector_base.services.logs import get_logger

from .. import const

_logger = get_logger(__name__)

CALLBACK_ROUTE = const.SHOPIFY_OAUTH_CALLBACK_ROUTE
# Parameters of Shopify's redirect back to the callback, never of an install hit: a callback's signed
# query replayed at the install route is not an install request.
_CALLBACK_ONLY_PARAMS = ("code", "state")


def shopify_params_valid(secret, params, tolerance=const.SHOPIFY_OAUTH_TIMESTAMP_TOLERANCE):
    """Whether `params` (an install hit or the OAuth callback) carry a valid `hmac` made with
    `secret` and a timestamp within `tolerance` seconds of now. ShopifyAPI keeps the secret in a
    class attribute; a throwaway subclass keeps concurrent requests from sharing it."""
    if not secret or not params.get("hmac"):
        return False
    try:
        if abs(time.time() - int(params.get("timestamp") or 0)) > tolerance:
            return False
    except (TypeError, ValueError):
        return False
    # ShopifyAPI serves this check alone: imported here, not when Odoo loads the controllers (it
    # pulls in pyactiveresource and all of its REST resources, about 0.3 s at every start).
    import shopify

    session_class = type("StoreConnectorShopifySession", (shopify.Session,), {"secret": secret})
    try:
        return bool(session_class.validate_params(dict(params)))
    except (TypeError, ValueError):
        return False


class ShopifyOAuthController(http.Controller):

    @http.route("/store_connector_shopify/oauth/install", type="http", auth="public", methods=["GET"],
                save_session=False)
    def oauth_install(self, **params):
        if any(key in params for key in _CALLBACK_ONLY_PARAMS):
            return oauth.refuse(_("This is not an installation request from Shopify."))
        stores = self._stores_for_shop(params.get("shop"))
        if not stores:
            return request.not_found()
        # Several stores (of several companies) may name one shop: the hit belongs to the one whose
        # app signed it, never to whichever sorts first (another company's store would take over
        # the install, or refuse it).
        store = next((store for store in stores
                      if shopify_params_valid(store._get_credential(const.CRED_CLIENT_SECRET, required=False),
                                              params)), None)
        if not store:
            return oauth.refuse(_("Invalid or expired signature: open the app from Shopify again."), 401)
        # A signed hit may be replayed by whoever saw it: it never replaces an open authorization
        # (one a manager started from Odoo, say), which would cancel that install.
        if store._oauth_in_progress():
            return oauth.refuse(_(
                "An installation of this app on %(shop)s is already in progress: finish it in the "
                "browser that started it, or start it again from the store's form in Odoo.",
                shop=store.shopify_shop_domain,
            ), 409)
        state, nonce = store._oauth_new_state()
        response = werkzeug.utils.redirect(store._get_adapter()._oauth_authorize_url(store, state), 302,
                                           Response=werkzeug.wrappers.Response)
        store._oauth_set_nonce_cookie(response, nonce)
        return response

    @http.route(CALLBACK_ROUTE, type="http", auth="public", methods=["GET"], save_session=False)
    def oauth_callback(self, **params):
        state = params.get("state") or ""
        store = request.env["connector.store"]._oauth_store_of_state(state)
        if not store or store.platform != "shopify":
            return oauth.refuse(_("Unknown or already used state: start the installation again."))
        secret = store._get_credential(const.CRED_CLIENT_SECRET, required=False)
        if not shopify_params_valid(secret, params):
            return oauth.refuse(_("Invalid or expired signature."), 401)
        shop = (params.get("shop") or "").lower()
        if not const.SHOPIFY_SHOP_DOMAIN_RE.match(shop) or shop != (store.shopify_shop_domain or "").lower():
            return oauth.refuse(_("The shop %(shop)s is not this store's shop.", shop=shop))
        # Lapsed, or opened in another browser (refused without spending the state: the browser
        # that started the install can still finish): the base's checks, then the state is spent.
        store, refusal = oauth.take_state(state, CALLBACK_ROUTE, store=store)
        if refusal:
            return refusal
        return oauth.complete(store, params.get("code") or "")

    def _stores_for_shop(self, shop):
        """The active Shopify stores of a shop domain, whatever their company."""
        shop = (shop or "").lower()
        if not const.SHOPIFY_SHOP_DOMAIN_RE.match(shop):
            return request.env["connector.store"].sudo().browse()
        return request.env["connector.store"].sudo().search(
            [("platform", "=", "shopify"), ("shopify_shop_domain", "=ilike", shop)]
        )
