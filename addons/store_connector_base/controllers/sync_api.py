"""The sync API: a thin JSON layer over connector.store's `_api_*` methods.

    GET  /api/v1/stores?include_archived=false                                     -> 200
    POST /api/v1/stores                          body {"name", "platform", ...}     -> 201 (managers)
    GET  /api/v1/stores/<store>                                                     -> 200
    POST /api/v1/stores/<store>/sync/products    body {"skus": [...]} or none       -> 202
    POST /api/v1/stores/<store>/sync/inventory   body {"items": [{"sku", "quantity"}]},
                                                 {"sku", "quantity"}, {"skus": [...]} or none -> 202
    POST /api/v1/stores/<store>/sync/orders      body {"status", "since", "limit"}  -> 200 or 202
    GET  /api/v1/stores/<store>/sync/orders/<pull id>                                -> 200
    POST /api/v1/stores/<store>/webhooks         body {"topics": [...]} or none     -> 200 (managers)
    GET  /api/v1/stores/<store>/orders?status=sale,cancel&since=<ISO 8601>&limit=50&cursor=...

<store> is the store's code (its webhook key) or its numeric id. Requests authenticate with an
Odoo API key of the sync API's own scope (``Authorization: Bearer <key>``, see
services.sync_api.API_KEY_SCOPE) and run as the key's user, so that user's access rights and
record rules apply. Each store accepts 60 requests per minute (System Parameter
`store_connector.api_rate_limit`), and so does each user on the routes that name no store
(/api/v1/stores). Errors answer ``{"error": {"code", "message"[, "details"]}}``
with 400 (a body that could not be read: broken chunked framing), 401 (no key, a bad key, or a key
of another scope), 403 (no rights, operation not permitted on the store), 404 (no such store for
this user), 413 (body too large), 415 (a body that is not JSON), 422 (bad input), 431 (request
headers over 32 KiB), 429 (rate limit, Retry-After), 501 (the platform's addon lacks the
feature), or, when the platform itself failed during a request that calls it (an order pull, a
webhook registration), 409 (a credential to enter), 502 (the platform refused) or 503 (it could not be
reached or asked to wait, Retry-After).

Order of the checks: the body's size first, before anything reads it (ir.http reads it, bounded:
see SYNC_API_ROUTING_KEY); then the key (an unauthenticated caller learns nothing and cannot spend
a store's allowance), then the store, then the rate limit, then the input.
"""

import re
from urllib.parse import urlencode

import requests

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
    StoreCredentialMissing,
    TestModeNotSent,
    WebhookRejected,
)
from ..services import database_outage
from ..services.logs import get_logger
from ..services.raw_body import SYNC_API_ROUTING_KEY, max_body_bytes, read_raw_body
from ..services.sync_api import (
    API_KEY_SCOPE,
    SyncApiError,
    check_json_content_type,
    check_single_values,
    parse_json_body,
    unreadable_request,
)

_logger = get_logger(__name__)

_BEARER = re.compile(r"^bearer\s+(\S+)\s*$", re.IGNORECASE)
_ROUTE = "/api/v1/stores/<string:store_ref>"
# The routes authenticate themselves (auth="none": a Bearer API key, JSON errors). Those that only
# read (the GET routes) are declared read-only: Odoo 18 serves them on a cursor of the read-only
# replica when one is configured (db_replica_host), and on a read-only transaction otherwise in
# tests. Nothing on their path writes through the request's cursor: the rate-limit count is
# written on a connection of its own to the primary (store.api.request), the API key is checked
# without touching it, and no session is saved. A write there would make Odoo run the whole
# request again on the primary. The routes that queue, pull or create are read/write.
# Routes flagged with SYNC_API_ROUTING_KEY have their body read by ir.http before Odoo's
# dispatcher may parse it, never past max_body_bytes(), and are never parsed as a form.
_ROUTING = {SYNC_API_ROUTING_KEY: True}


def _readonly_for_get(_controller):
    """`readonly` of a route that reads on GET and writes on POST (Odoo calls it with the controller
    before dispatching, the request being set)."""
    return request.httprequest.method in ("GET", "HEAD")


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
                save_session=False, readonly=True, **_ROUTING)
    def list_orders(self, store_ref, **_kwargs):
        """One page of the orders imported from the store, with the link to the next page."""
        return self._serve(store_ref, self._orders_page)

    @http.route("/api/v1/stores", type="http", methods=["GET", "POST"], auth="none", csrf=False,
                save_session=False, readonly=_readonly_for_get, **_ROUTING)
    def stores(self, **_kwargs):
        """GET: the stores the key's user may read. POST: create a store (managers)."""
        if request.httprequest.method == "POST":
            return self._serve_user(
                lambda Store: Store._api_request_create_store(self._json_body()), "create a store")
        return self._serve_user(self._stores_page, "list the stores")

    @http.route(_ROUTE, type="http", methods=["GET"], auth="none", csrf=False,
                save_session=False, readonly=True, **_ROUTING)
    def store(self, store_ref, **_kwargs):
        """The store's summary (as in the list)."""
        return self._serve(store_ref, self._store_summary)

    @http.route(f"{_ROUTE}/sync/orders", type="http", methods=["POST"], auth="none", csrf=False,
                save_session=False, readonly=False, **_ROUTING)
    def sync_orders(self, store_ref, **_kwargs):
        """Pull orders from the platform now: in the request when small, else queued (202)."""
        return self._serve(store_ref, lambda store: store._api_request_pull_orders(
            self._json_body(), request.httprequest.base_url.rstrip("/")))

    @http.route(f"{_ROUTE}/sync/orders/<string:pull_id>", type="http", methods=["GET"], auth="none",
                csrf=False, save_session=False, readonly=True, **_ROUTING)
    def order_pull(self, store_ref, pull_id, **_kwargs):
        """How a queued order pull is going."""
        return self._serve(store_ref, lambda store: store._api_request_order_pull(pull_id))

    @http.route(f"{_ROUTE}/webhooks", type="http", methods=["POST"], auth="none", csrf=False,
                save_session=False, readonly=False, **_ROUTING)
    def register_webhooks(self, store_ref, **_kwargs):
        """Register or repair the store's webhooks (managers), all or the topics named."""
        return self._serve(store_ref, lambda store: store._api_request_register_webhooks(self._json_body()))

    # ------------------------------------------------------------------ helpers
    def _serve(self, store_ref, handler):
        """Answer a request on one store: key, store (404 when the user cannot read it), the store's
        rate limit, then `handler(store)` -> (status, data)."""
        def run():
            self._authenticate()
            store = request.env["connector.store"]._api_resolve_store(store_ref)
            store._api_check_rate_limit()
            return handler(store)
        return self._answer(run, f"store {store_ref[:64]}")

    def _serve_user(self, handler, what):
        """Answer a request that names no store: key, Store Connector rights, the user's rate
        limit, then `handler(connector.store model)` -> (status, data)."""
        def run():
            self._authenticate()
            Store = request.env["connector.store"].with_context(active_test=True)
            Store._api_check_store_connector_user()
            retry_after = request.env["store.api.request"].sudo()._hit_user(request.env.uid)
            if retry_after:
                raise SyncApiError(
                    429, "rate_limited",
                    _("Too many requests from this user; retry in a second.") if retry_after == 1 else
                    _("Too many requests from this user; retry in %(seconds)s seconds.", seconds=retry_after),
                    headers={"Retry-After": str(retry_after)},
                )
            return handler(Store)
        return self._answer(run, what)

    def _answer(self, run, what):
        """Run `run()` -> (status, data) in a savepoint and answer JSON; every refusal is a JSON error."""
        try:
            # A refused request leaves nothing behind (no half-queued jobs, no half-created store).
            with request.env.cr.savepoint():
                status, data = run()
        except SyncApiError as exc:
            return self._error(exc)
        except AccessError:
            return self._error(SyncApiError(
                403, "forbidden", _("This API key's user may not do this (missing access rights).")))
        except (UserError, ValidationError) as exc:
            return self._error(SyncApiError(422, "invalid_request", exc.args[0] if exc.args else str(exc)))
        except StoreCredentialMissing as exc:
            return self._error(SyncApiError(409, "store_not_configured", str(exc)))
        except StoreAuthError as exc:
            return self._error(SyncApiError(502, "platform_auth_failed", _(
                "The platform refused the store's credentials: %(reason)s Enter new credentials on the "
                "store, then try again.", reason=str(exc))))
        except (RetryableJobError, requests.ConnectionError, requests.Timeout) as exc:
            retry_after = str(max(1, int(getattr(exc, "retry_after", None) or 60)))
            return self._error(SyncApiError(503, "platform_unavailable", _(
                "The platform could not be reached or asked to wait: %(reason)s Try again later.",
                reason=str(exc) if isinstance(exc, RetryableJobError) else _("connection failed.")),
                headers={"Retry-After": retry_after}))
        except PermanentJobError as exc:
            return self._error(SyncApiError(502, "platform_error", str(exc)))
        except TestModeNotSent as exc:
            # A store in test mode met a write in the request (outside the queue, whose runner
            # records such requests on its job): what the request did is rolled back; the held
            # request is recorded on the store, and the caller told in sentences.
            store = request.env["connector.store"].sudo().browse(exc.store_id).exists()
            if store:
                store._record_test_request(exc)
            return self._error(SyncApiError(409, "test_mode", _(
                "%(held)s The store is in test mode: nothing was changed on the platform and the request "
                "is recorded under the store's Not Sent. Switch the store's Test Mode off to send it.",
                held=str(exc))))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo retries the whole request
        except RecursionError:
            # A body nested deeper than a parser goes (json.loads gives up near a thousand levels).
            return self._error(SyncApiError(422, "invalid_json", _("The request body is not valid JSON.")))
        except database_outage.DATABASE_UNAVAILABLE_ERRORS:
            raise  # the connection is lost: ir.http answers 503 (services/database_outage.py)
        except Exception:
            _logger.exception("sync API request (%s) failed", what)
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

        :raises SyncApiError: 413 over max_body_bytes(), 400 a body that could not be read.
        """
        limit = max_body_bytes()
        try:
            return read_raw_body(request.httprequest, limit)
        except WebhookRejected as exc:
            raise unreadable_request(exc.status, limit) from None

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

    def _stores_page(self, Store):
        args = request.httprequest.args
        check_single_values(args)
        return Store._api_request_list_stores(args.to_dict())

    def _store_summary(self, store):
        check_single_values(request.httprequest.args)
        if request.httprequest.args:
            raise SyncApiError(422, "invalid_parameter", _("This endpoint takes no query parameters."))
        return store._api_request_store()

    @staticmethod
    def _error(exc):
        return request.make_json_response(exc.to_json(), status=exc.status, headers=list(exc.headers.items()))
