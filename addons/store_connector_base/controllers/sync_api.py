"""The sync API: a thin JSON layer over connector.store's `_api_*` methods.

    POST /api/v1/stores/<store>/sync/products    body {"skus": [...]} or none       -> 202
    POST /api/v1/stores/<store>/sync/inventory   body {"items": [{"sku", "quantity"}]},
                                                 {"skus": [...]} or none             -> 202
    GET  /api/v1/stores/<store>/orders?status=sale,cancel&since=<ISO 8601>&limit=50&cursor=...

<store> is the store's code (its webhook key) or its numeric id. Requests authenticate with an
Odoo API key of the sync API's own scope (``Authorization: Bearer <key>``, see
services.sync_api.API_KEY_SCOPE) and run as the key's user, so that user's access rights and
record rules apply. Each store accepts 60 requests per minute (System Parameter
`store_connector.api_rate_limit`). Errors answer ``{"error": {"code", "message"[, "details"]}}``
with 401 (no key, a bad key, or a key of another scope), 403 (no rights, operation not permitted
on the store), 404 (no such store for this user), 413 (body too large), 415 (a body that is not
JSON), 422 (bad input) or 429 (rate limit, Retry-After).

Order of the checks: the body's size first, before anything reads it (ir.http reads it, bounded:
see SYNC_API_ROUTING_KEY); then the key (an unauthenticated caller learns nothing and cannot spend
a store's allowance), then the store, then the rate limit, then the input.
"""

import logging
import re
from urllib.parse import urlencode

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..exceptions import WebhookRejected
from ..services.raw_body import SYNC_API_ROUTING_KEY, max_body_bytes, read_raw_body
from ..services.sync_api import (
    API_KEY_SCOPE,
    SyncApiError,
    check_json_content_type,
    check_single_values,
    parse_json_body,
    payload_too_large,
)

_logger = logging.getLogger(__name__)

_BEARER = re.compile(r"^bearer\s+(\S+)\s*$", re.IGNORECASE)
_ROUTE = "/api/v1/stores/<string:store_ref>"
# The routes authenticate themselves (auth="none": a Bearer API key, JSON errors) and are
# read/write (auth="none" routes default to read-only): every request writes its rate-limit count.
# Routes flagged with SYNC_API_ROUTING_KEY have their body read by ir.http before Odoo's
# dispatcher may parse it, never past max_body_bytes(), and are never parsed as a form.
_ROUTING = {SYNC_API_ROUTING_KEY: True}


class StoreSyncApiController(http.Controller):
    @http.route(f"{_ROUTE}/sync/products", type="http", methods=["POST"], auth="none", csrf=False,
                save_session=False, readonly=False, **_ROUTING)
    def sync_products(self, store_ref, **_kwargs):
        """Queue a products sync: the SKUs named, or everything the store publishes."""
        return self._serve(store_ref, lambda store: store._api_request_sync_products(self._json_body()))

    @http.route(f"{_ROUTE}/sync/inventory", type="http", methods=["POST"], auth="none", csrf=False,
                save_session=False, readonly=False, **_ROUTING)
    def sync_inventory(self, store_ref, **_kwargs):
        """Queue an inventory sync: the items or SKUs named, or everything the store publishes."""
        return self._serve(store_ref, lambda store: store._api_request_sync_inventory(self._json_body()))

    @http.route(f"{_ROUTE}/orders", type="http", methods=["GET"], auth="none", csrf=False,
                save_session=False, readonly=False, **_ROUTING)
    def list_orders(self, store_ref, **_kwargs):
        """One page of the orders imported from the store, with the link to the next page."""
        return self._serve(store_ref, self._orders_page)

    # ------------------------------------------------------------------ helpers
    def _serve(self, store_ref, handler):
        try:
            self._authenticate()
            store = request.env["connector.store"]._api_resolve_store(store_ref)
            store._api_check_rate_limit()
            # A refused request leaves nothing behind (no half-queued jobs).
            with request.env.cr.savepoint():
                status, data = handler(store)
        except SyncApiError as exc:
            return self._error(exc)
        except AccessError:
            return self._error(SyncApiError(
                403, "forbidden", _("This API key's user may not do this (missing access rights).")))
        except (UserError, ValidationError) as exc:
            return self._error(SyncApiError(422, "invalid_request", exc.args[0] if exc.args else str(exc)))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo retries the whole request
        except Exception:
            _logger.exception("sync API request for store %s failed", store_ref)
            return self._error(
                SyncApiError(500, "internal_error", _("The server could not handle the request."))
            )
        return request.make_json_response(data, status=status)

    def _authenticate(self):
        """Switch the request to the user of the Bearer API key.

        :raises SyncApiError(401): no key, a key that is wrong, expired or of an archived user, or a
            valid key of another scope (a global key opening XML-RPC).
        """
        challenge = {"WWW-Authenticate": 'Bearer realm="store-connector"'}
        match = _BEARER.match(request.httprequest.headers.get("Authorization", ""))
        if not match:
            raise SyncApiError(401, "unauthorized",
                               _('Send a sync API key in the header "Authorization: Bearer <key>".'),
                               headers=challenge)
        uid, scope = request.env["res.users.apikeys"].sudo()._store_connector_identify(match.group(1))
        if not uid:
            raise SyncApiError(401, "invalid_api_key", _("The API key is wrong, expired or revoked."),
                               headers=challenge)
        # Exactly the sync API's scope: a global key (scope NULL, Odoo's "New API Key") or an "rpc"
        # one opens the whole external API, and must not be spread to the programs that sync.
        if scope != API_KEY_SCOPE:
            raise SyncApiError(
                401, "wrong_key_scope",
                _("This Odoo API key is not a sync API key: the sync API takes only keys made for it "
                  "(Preferences > Account Security > New Sync API Key, or New Sync API Key on a store), "
                  "which open nothing else. Keys made with New API Key open XML-RPC and are refused here."),
                headers=challenge,
            )
        request.update_env(user=uid)
        request.update_context(lang=request.env.user.lang)

    def _json_body(self):
        """The request's JSON object body ({} when there is none).

        :raises SyncApiError: 413 over the size limit, 415 not declared as JSON, 422 not a JSON object.
        """
        httpreq = request.httprequest
        raw = self._raw_body()
        check_json_content_type(httpreq.headers.get("Content-Type", ""), raw)
        return parse_json_body(raw)

    @staticmethod
    def _raw_body():
        """The body as read by ir.http (bounded); read here, bounded too, if it was not.

        :raises SyncApiError(413): over max_body_bytes().
        """
        limit = max_body_bytes()
        try:
            return read_raw_body(request.httprequest, limit)
        except WebhookRejected:
            raise payload_too_large(limit) from None

    def _orders_page(self, store):
        args = request.httprequest.args
        check_single_values(args)
        status, data = store._api_request_orders(args.to_dict())
        if data.get("next_cursor"):
            query = dict(args.to_dict(), cursor=data["next_cursor"])
            data["links"] = {"next": f"{request.httprequest.base_url}?{urlencode(query)}"}
        else:
            data["links"] = {"next": None}
        return status, data

    @staticmethod
    def _error(exc):
        return request.make_json_response(exc.to_json(), status=exc.status, headers=list(exc.headers.items()))
