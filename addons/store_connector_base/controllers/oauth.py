"""The OAuth callback: the base's generic route, and the helpers a platform's own callback route
calls (thin: the checks and the exchange are `connector.store` methods, models/connector_store_oauth.py).

    GET /store_connector/oauth/callback?code&state           (RFC 6749 4.1.2)
    GET /store_connector/oauth/callback?error&state          (the merchant declined)
        -> state checked and spent (known, of a platform calling back here, not lapsed, the
           browser's nonce cookie) -> code exchanged -> tokens saved -> the store's form

A platform whose callback carries more to check (Shopify signs its query with the app's secret)
routes its own callback, does its checks, then calls `take_state` and `complete` below.
"""

import werkzeug

from odoo import _, http
from odoo.http import request

from .. import const
from ..exceptions import OAuthStateError, PermanentJobError, RetryableJobError, StoreAuthError


def refuse(message, status=400):
    """A plain-text answer for the merchant's browser (the message is already safe to show)."""
    return request.make_response(message, headers=[("Content-Type", "text/plain; charset=utf-8")],
                                 status=status)


def take_state(state, route, store=None):
    """`connector.store._oauth_take_state` with this request's cookies.

    :returns: (store, None), or (None, the refusal to answer).
    """
    try:
        found = request.env["connector.store"].sudo()._oauth_take_state(
            state, cookies=request.httprequest.cookies, route=route, store=store)
    except OAuthStateError as exc:
        return None, refuse(exc.args[0], exc.status)
    return found, None


def complete(store, code, declined=None):
    """Finish a callback whose state was taken: exchange the code and send the browser to the
    store's form, forgetting the nonce cookie; or say what went wrong (502 when the platform's
    token endpoint refused or failed, its words redacted).

    :param declined: the platform's error when the merchant did not approve (then no exchange).
    """
    if declined or not code:
        message = store._oauth_safe_message(
            _("The installation was not approved on %(platform)s (%(error)s): start it again from the "
              "store's form in Odoo.", platform=store._oauth_platform_label(),
              error=declined or _("no authorization code")),
            limit=const.OAUTH_ERROR_QUOTE_LIMIT * 2)
        store._log_activity("auth", "failed", message=message)
        return refuse(message, 400)
    try:
        store._oauth_exchange_code(code)
    except (StoreAuthError, RetryableJobError, PermanentJobError) as exc:
        # This page is public: redacted again (the store's secrets, the code), as every path out is.
        return refuse(store._oauth_safe_message(exc, [code], limit=const.OAUTH_ERROR_QUOTE_LIMIT * 2), 502)
    response = werkzeug.utils.redirect(const.STORE_FORM_PATH % store.id, 303,
                                       Response=werkzeug.wrappers.Response)
    store._oauth_delete_nonce_cookie(response)
    return response


class OAuthCallbackController(http.Controller):

    @http.route(const.OAUTH_CALLBACK_ROUTE, type="http", auth="public", methods=["GET"], save_session=False)
    def oauth_callback(self, state=None, code=None, error=None, **params):
        store, refusal = take_state(state, const.OAUTH_CALLBACK_ROUTE)
        if refusal:
            return refusal
        declined = (params.get("error_description") or error) if error else None
        return complete(store, code, declined=declined)
