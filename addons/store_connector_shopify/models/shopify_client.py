"""The one HTTP choke point to Shopify: GraphQL Admin API over `requests`, always with a timeout.

Interface (stable; the sync code of this addon uses only this)::

    client = store._shopify_client()             # or ShopifyClient(store)
    data = client.query(QUERY, {"id": gid})      # -> the "data" dict; raises job errors
    payload = client.mutate(MUTATION, variables, "productSet")
                                                 # -> data["productSet"]; userErrors raise
                                                 #    ShopifyUserError (a PermanentJobError)
    payload = client.mutate(..., raise_user_errors=False)  # -> payload with its "userErrors"
    for node in client.paginate(QUERY, variables, "products"):   # cursor loop
        ...                                      # QUERY takes $first: Int!, $after: String and
                                                 # selects nodes{...} (or edges{node{...}}) and
                                                 # pageInfo{hasNextPage endCursor}
    client.stats                                 # {"calls", "throttled", "retries", "requested_cost",
                                                 #  "actual_cost", "waited"} (benchmarks)

Errors (exceptions of store_connector_base):
  * network errors, timeouts, HTTP 429 and 5xx, GraphQL INTERNAL_SERVER_ERROR: RetryableJobError
    (with the platform's Retry-After when it gives one);
  * THROTTLED: waited out and retried (`SHOPIFY_THROTTLE_RETRIES` times), then a RetryableJobError
    marked ``throttled`` (the queue reschedules without counting a failure);
  * HTTP 401/403: StoreAuthError (the queue pauses the store);
  * other errors[] in an HTTP 200 body (validation, ACCESS_DENIED, MAX_COST_EXCEEDED), other 4xx:
    PermanentJobError with Shopify's message;
  * a mutation's userErrors: ShopifyUserError (PermanentJobError) with `.user_errors` (list of
    {"field", "message", "code"}), unless the caller asks for them back.

Pacing: before each request the client takes the query's requested cost from the store's
rate limiter (services/rate_limiter.py, one bucket per store kept in PostgreSQL, so that every
worker and server spends the same points), so it never sends what the bucket
cannot pay for; after each answer it sets the limiter from `extensions.cost.throttleStatus` (the
platform's view, refunds included). The requested cost of a query is estimated from the last time
the same query was sent (`requestedQueryCost`), else from `cost=` or a default.

Tokens: an expiring offline token (OAuth with expiring=1) is refreshed before it lapses, with the
rotating refresh token (see `connector.store._shopify_refresh_token`).

Transport: every request goes through the base's `HttpTransport` (services/http_transport.py):
the token only ever reaches the checked shop host (a redirect is a PermanentJobError naming its
target, never followed; the connection dials the address that passed the public-address check).
Error texts quote Shopify's answer redacted first (the token sent and the store's secrets), then
cut.
"""

import json
import logging
import threading
import time

import requests

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.services.rate_limiter import throttled_error
from odoo.addons.store_connector_base.services.redact import safe_message

from .. import const

_logger = logging.getLogger(__name__)

# requested cost last seen per query text (process-wide; a query's cost depends on its text and
# its `first` arguments, which the key includes)
_cost_memo = {}
_cost_memo_lock = threading.Lock()


class ShopifyUserError(PermanentJobError):
    """A mutation answered userErrors. `user_errors`: list of {"field", "message", "code"}."""

    def __init__(self, message, user_errors=None):
        super().__init__(message)
        self.user_errors = user_errors or []

    @property
    def codes(self):
        return {error.get("code") for error in self.user_errors}


def _memo_key(query, variables):
    sizes = tuple(sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int)))
    return (query, sizes)


class ShopifyClient:
    """GraphQL client of one Shopify store (see the module docstring for the interface).

    :param store: the connector.store (its env must be allowed to read credentials: superuser in
        jobs, a manager for buttons).
    :param transport: the base's HttpTransport to send through (default: a new one per client).
    :param max_wait: the longest a call waits for bucket points before raising a throttled
        RetryableJobError (default const.SHOPIFY_MAX_THROTTLE_WAIT).
    :param sleep: how to wait (tests).
    """

    def __init__(self, store, transport=None, max_wait=None, sleep=time.sleep):
        store.ensure_one()
        self.store = store
        self.transport = transport or HttpTransport(timeout=const.SHOPIFY_HTTP_TIMEOUT)
        self.max_wait = const.SHOPIFY_MAX_THROTTLE_WAIT if max_wait is None else max_wait
        self._sleep = sleep
        self.stats = {"calls": 0, "throttled": 0, "retries": 0, "requested_cost": 0.0,
                      "actual_cost": 0.0, "waited": 0.0}
        self._token = None

    # ------------------------------------------------------------------ public interface
    @property
    def limiter(self):
        """The store's leaky bucket, shared by every worker and server (created with Shopify's
        Standard plan figures; `update` sets it from each answer's throttleStatus)."""
        return self.store._get_adapter()._get_rate_limiter(
            self.store, const.SHOPIFY_DEFAULT_BUCKET, const.SHOPIFY_DEFAULT_RESTORE_RATE)

    def query(self, query, variables=None, operation_name=None, cost=None):
        """Run a GraphQL query or mutation and return its "data".

        :param cost: the requested cost if known (points); default: what it cost last time.
        :raises RetryableJobError, PermanentJobError, StoreAuthError: see the module docstring.
        """
        return self.execute(query, variables, operation_name, cost)["data"]

    def mutate(self, query, variables, payload_key, raise_user_errors=True, cost=None):
        """Run a mutation and return its payload (``data[payload_key]``).

        :param raise_user_errors: raise ShopifyUserError when the payload has userErrors; when
            False, return the payload as is (the caller reads ``payload["userErrors"]``).
        """
        data = self.query(query, variables, cost=cost)
        payload = (data or {}).get(payload_key) or {}
        user_errors = payload.get("userErrors") or []
        if user_errors and raise_user_errors:
            raise ShopifyUserError(self._user_errors_message(payload_key, user_errors), user_errors)
        return payload

    def paginate(self, query, variables=None, path="nodes", page_size=None, cost=None):
        """Yield the nodes of a connection page after page (cursor loop).

        :param query: takes ``$first: Int!`` and ``$after: String``, selects the connection at
            `path` with ``nodes{...}`` or ``edges{node{...}}`` and ``pageInfo{hasNextPage endCursor}``.
        :param path: the connection in "data": a key ("products") or a dotted path ("order.lineItems").
        :param page_size: nodes per page (default const.SHOPIFY_PAGE_SIZE, at most 250).
        """
        variables = dict(variables or {})
        variables["first"] = min(page_size or const.SHOPIFY_PAGE_SIZE, 250)
        variables.setdefault("after", None)
        while True:
            data = self.query(query, variables, cost=cost)
            connection = data
            for key in path.split("."):
                connection = (connection or {}).get(key)
            if not connection:
                return
            if "nodes" in connection:
                yield from connection["nodes"]
            else:
                for edge in connection.get("edges") or []:
                    yield edge["node"]
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            variables["after"] = info["endCursor"]

    def execute(self, query, variables=None, operation_name=None, cost=None):
        """Send one GraphQL document, paced and retried on THROTTLED; return the whole JSON body.

        The lower-level twin of `query`, for callers that need `extensions` too.
        """
        key = _memo_key(query, variables)
        with _cost_memo_lock:
            estimate = _cost_memo.get(key)
        if estimate is None:
            estimate = cost or const.SHOPIFY_DEFAULT_COST_ESTIMATE
        estimate = min(float(estimate), const.SHOPIFY_MAX_QUERY_COST)
        limiter = self.limiter
        for attempt in range(const.SHOPIFY_THROTTLE_RETRIES + 1):
            self.stats["waited"] += limiter.acquire(estimate, max_wait=self.max_wait)
            body = self._post_graphql(query, variables, operation_name, limiter, estimate)
            cost_info = (body.get("extensions") or {}).get("cost") or {}
            requested = cost_info.get("requestedQueryCost")
            if requested is not None:
                with _cost_memo_lock:
                    _cost_memo[key] = requested
                estimate = min(float(requested), const.SHOPIFY_MAX_QUERY_COST)
            self._update_limiter(limiter, cost_info, estimate)
            errors = body.get("errors") or []
            if errors and self._error_code(errors[0]) == "THROTTLED":
                self.stats["throttled"] += 1
                if attempt < const.SHOPIFY_THROTTLE_RETRIES:
                    self.stats["retries"] += 1
                    continue  # acquire() waits until the bucket holds `estimate` again
                raise throttled_error(
                    f"Shopify: Throttled (query cost {estimate}, still throttled after "
                    f"{const.SHOPIFY_THROTTLE_RETRIES} retries).",
                    max(1.0, limiter.wait_time(estimate)),
                )
            self.stats["requested_cost"] += float(requested or 0)
            self.stats["actual_cost"] += float(cost_info.get("actualQueryCost") or 0)
            if errors:
                self._raise_graphql_errors(errors, limiter, estimate)
            return body
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ internals
    def _graphql_url(self):
        return self.store._shopify_api_base_url() + const.SHOPIFY_GRAPHQL_PATH.format(
            version=self.store.shopify_api_version or const.SHOPIFY_DEFAULT_API_VERSION
        )

    def _access_token(self, force_refresh=False):
        if self._token is None or force_refresh:
            self._token = self.store._shopify_access_token(force_refresh=force_refresh)
        return self._token

    def _post_graphql(self, query, variables, operation_name, limiter, estimate, refreshed=False):
        payload = {"query": query, "variables": variables or {}}
        if operation_name:
            payload["operationName"] = operation_name
        url = self._graphql_url()
        token = self._access_token()
        headers = {
            "X-Shopify-Access-Token": token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.stats["calls"] += 1
        try:
            response = self.transport.post(url, data=json.dumps(payload), headers=headers,
                                           timeout=const.SHOPIFY_HTTP_TIMEOUT, secrets=[token])
        except requests.RequestException as exc:
            limiter.update(refund=estimate)
            raise RetryableJobError("Shopify is unreachable: " + self._safe(
                f"{exc.__class__.__name__}: {exc}")) from None
        except PermanentJobError:  # a refused address or redirect: nothing was spent
            limiter.update(refund=estimate)
            raise
        status = response.status_code
        if status in (401, 403):
            limiter.update(refund=estimate)
            if status == 401 and not refreshed and self.store._shopify_can_refresh():
                # The token lapsed early or was rotated elsewhere: one refresh, one more try.
                self._access_token(force_refresh=True)
                return self._post_graphql(query, variables, operation_name, limiter, estimate,
                                          refreshed=True)
            raise StoreAuthError(
                f"Shopify refused the access token of store {self.store.name} (HTTP {status}): "
                f"{self._http_message(response)}"
            )
        if status == 429 or status >= 500:
            retry_after = self._retry_after(response)
            limiter.update(refund=estimate, retry_after=retry_after if status == 429 else None)
            raise RetryableJobError(
                f"Shopify answered HTTP {status}: {self._http_message(response)}", retry_after=retry_after
            )
        if status != 200:
            limiter.update(refund=estimate)
            raise PermanentJobError(f"Shopify answered HTTP {status}: {self._http_message(response)}")
        try:
            body = response.json()
        except ValueError:
            limiter.update(refund=estimate)
            raise RetryableJobError("Shopify answered HTTP 200 with a body that is not JSON.") from None
        if not isinstance(body, dict):
            raise PermanentJobError("Shopify answered an unexpected JSON document.")
        return body

    @staticmethod
    def _update_limiter(limiter, cost_info, estimate):
        status = cost_info.get("throttleStatus")
        if status:
            limiter.update(
                available=status.get("currentlyAvailable"),
                capacity=status.get("maximumAvailable"),
                restore_rate=status.get("restoreRate"),
            )
        else:
            # No word from Shopify (validation errors, MAX_COST_EXCEEDED): nothing was spent.
            limiter.update(refund=estimate)

    @staticmethod
    def _error_code(error):
        return ((error or {}).get("extensions") or {}).get("code")

    def _raise_graphql_errors(self, errors, limiter, estimate):
        messages = "; ".join(str(e.get("message") or e) for e in errors[:5])
        codes = {self._error_code(e) for e in errors}
        message = self._safe(f"Shopify: {messages}")
        if codes & set(const.SHOPIFY_RETRYABLE_ERROR_CODES):
            raise RetryableJobError(message)
        if "ACCESS_DENIED" in codes:
            raise PermanentJobError(
                message + " (the app lacks an access scope: grant it in the app's configuration, "
                "then reinstall or reconnect the store)"
            )
        raise PermanentJobError(message)

    @staticmethod
    def _user_errors_message(payload_key, user_errors):
        parts = []
        for error in user_errors[:10]:
            field = ".".join(str(f) for f in error.get("field") or [])
            code = error.get("code")
            text = error.get("message") or ""
            pieces = (f"[{code}]" if code else "", f"{field}:" if field else "", text)
            parts.append(" ".join(p for p in pieces if p))
        return f"Shopify {payload_key}: " + "; ".join(parts)

    @staticmethod
    def _retry_after(response):
        value = response.headers.get("Retry-After")
        try:
            return max(0.0, float(value)) if value else None
        except ValueError:
            return None

    def _safe(self, text, limit=None):
        """`text` redacted (the token this client sent, the store's secrets), then cut to `limit`."""
        secrets = [self._token] if self._token else []
        secrets += self.store.env["integration.credential"]._store_secrets(self.store)
        return safe_message(text, secrets, limit=limit)

    def _http_message(self, response):
        """Shopify's words in an error answer, safe to quote: redacted whole, then cut (a cut
        before redaction could keep the start of an echoed token)."""
        try:
            body = response.json()
        except ValueError:
            return self._safe(response.text or "", const.SHOPIFY_ERROR_QUOTE_LIMIT)
        if isinstance(body, dict):
            body = body.get("errors") or body.get("error_description") or body.get("error") or body
        return self._safe(body, const.SHOPIFY_ERROR_QUOTE_LIMIT)
