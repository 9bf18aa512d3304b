"""OAuth authorization-code install of a Shopify app (shopify.dev, authorization code grant).

    GET /store_connector_shopify/oauth/start/<store id>   (a manager clicks "Install with OAuth")
        -> 302 https://<shop>/admin/oauth/authorize?client_id&scope&redirect_uri&state=<nonce>
    GET /store_connector_shopify/oauth/install?shop&timestamp&hmac   (the app URL Shopify opens)
        -> HMAC checked -> the same redirect
    GET /store_connector_shopify/oauth/callback?code&hmac&shop&state&timestamp&host
        -> state, HMAC, shop checked -> POST /admin/oauth/access_token (expiring=1) -> tokens saved

The HMAC checks use ShopifyAPI's `Session.validate_params` (sorted k=v pairs, hex HMAC-SHA256,
timestamp under a day old); the token request is ours (`connector.store._shopify_token_request`:
ShopifyAPI's has no timeout and never asks for expiring tokens).
"""

import logging
import secrets
from urllib.parse import urlencode

import shopify
import werkzeug

from odoo import _, http
from odoo.http import request

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError

from .. import const

_logger = logging.getLogger(__name__)

CALLBACK_ROUTE = "/store_connector_shopify/oauth/callback"


def shopify_params_valid(secret, params):
    """Whether `params` (an install hit or the OAuth callback) carry a valid `hmac` made with
    `secret` and a timestamp less than a day old. ShopifyAPI keeps the secret in a class
    attribute; a throwaway subclass keeps concurrent requests from sharing it."""
    if not secret or not params.get("hmac"):
        return False
    session_class = type("StoreConnectorShopifySession", (shopify.Session,), {"secret": secret})
    try:
        return bool(session_class.validate_params(dict(params)))
    except (TypeError, ValueError):
        return False


class ShopifyOAuthController(http.Controller):

    def _refuse(self, message, status=400):
        return request.make_response(message, headers=[("Content-Type", "text/plain; charset=utf-8")],
                                     status=status)

    def _authorize_redirect(self, store):
        """Give the store a fresh `state` nonce and redirect to Shopify's authorize page."""
        state = secrets.token_urlsafe(24)
        store.sudo().shopify_oauth_state = state
        params = {
            "client_id": store.shopify_client_id or "",
            "scope": store.shopify_scopes or ",".join(const.SHOPIFY_REQUIRED_SCOPES),
            "redirect_uri": store.get_base_url() + CALLBACK_ROUTE,
            "state": state,
        }
        url = store._shopify_api_base_url() + const.SHOPIFY_AUTHORIZE_PATH + "?" + urlencode(params)
        return werkzeug.utils.redirect(url, 302, Response=werkzeug.wrappers.Response)

    @http.route("/store_connector_shopify/oauth/start/<int:store_id>", type="http", auth="user",
                methods=["GET"])
    def oauth_start(self, store_id, **kwargs):
        store = request.env["connector.store"].browse(store_id).exists()
        if not store or store.platform != "shopify":
            return request.not_found()
        store.check_access("write")
        if not request.env.user.has_group("store_connector_base.group_store_connector_manager"):
            return self._refuse(_("Only Store Connector managers can install the Shopify app."), 403)
        if not store.shopify_client_id:
            return self._refuse(_("Enter the app's client id on the store first."))
        return self._authorize_redirect(store)

    @http.route("/store_connector_shopify/oauth/install", type="http", auth="public", methods=["GET"],
                save_session=False)
    def oauth_install(self, **params):
        stores = self._stores_for_shop(params.get("shop"))
        if not stores:
            return request.not_found()
        # Several stores (of several companies) may name one shop: the hit belongs to the one whose
        # app signed it, never to whichever sorts first (another company's store would take over
        # the install, or refuse it).
        for store in stores:
            secret = store._get_credential(const.CRED_CLIENT_SECRET, required=False)
            if shopify_params_valid(secret, params):
                return self._authorize_redirect(store)
        return self._refuse(_("Invalid signature."), 401)

    @http.route(CALLBACK_ROUTE, type="http", auth="public", methods=["GET"], save_session=False)
    def oauth_callback(self, **params):
        state = params.get("state") or ""
        Store = request.env["connector.store"].sudo()
        store = Store.search([("platform", "=", "shopify"), ("shopify_oauth_state", "=", state)], limit=1) \
            if state else Store
        if not store:
            return self._refuse(_("Unknown or already used state: start the installation again."))
        secret = store._get_credential(const.CRED_CLIENT_SECRET, required=False)
        if not shopify_params_valid(secret, params):
            return self._refuse(_("Invalid signature."), 401)
        shop = (params.get("shop") or "").lower()
        if not const.SHOPIFY_SHOP_DOMAIN_RE.match(shop) or shop != (store.shopify_shop_domain or "").lower():
            return self._refuse(_("The shop %(shop)s is not this store's shop.", shop=shop))
        store.shopify_oauth_state = False  # single use
        token_params = {
            "client_id": store.shopify_client_id or "",
            "client_secret": secret,
            "code": params.get("code") or "",
        }
        if store.shopify_expiring_tokens:
            token_params["expiring"] = "1"
        try:
            body = store._shopify_token_request(token_params)
        except (StoreAuthError, RetryableJobError, PermanentJobError) as exc:
            # This page is public: the answer quoted in it is redacted (store secrets, the code and
            # client secret just sent) before anything else is done with it.
            sent = [token_params[key] for key in const.SHOPIFY_TOKEN_REQUEST_SECRETS if key in token_params]
            message = store._shopify_safe_message(exc, sent, limit=const.SHOPIFY_ERROR_QUOTE_LIMIT * 2)
            store._log_activity("auth", "failed", message=message)
            return self._refuse(message, 502)
        store._shopify_save_tokens(body)
        store.sudo().write({"shopify_auth_method": "oauth"})
        store._log_activity("auth", "done", message=_("Shopify app installed (scopes: %(scopes)s)",
                                                      scopes=body.get("scope") or ""))
        return werkzeug.utils.redirect(f"/odoo/connector.store/{store.id}", 303,
                                       Response=werkzeug.wrappers.Response)

    def _stores_for_shop(self, shop):
        """The active Shopify stores of a shop domain, whatever their company."""
        shop = (shop or "").lower()
        if not const.SHOPIFY_SHOP_DOMAIN_RE.match(shop):
            return request.env["connector.store"].sudo().browse()
        return request.env["connector.store"].sudo().search(
            [("platform", "=", "shopify"), ("shopify_shop_domain", "=ilike", shop)]
        )
