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

Built on the base's client core (store_connector_base/services/api_client.py, `ApiClient`):
the timeout, the transport (checked public address, pinned connection, no redirect followed),
the classification of HTTP and network errors, the pacing and the redaction are the core's. This
class adds only what is Shopify's: GraphQL execution and pagination, the access-token header and
its refresh, the shapes of Shopify's errors and the cost accounting.

Errors (exceptions of store_connector_base):
  * network errors, timeouts, HTTP 5xx (the core), GraphQL INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE,
    TIMEOUT: PlatformUnavailable, a RetryableJobError (with the platform's Retry-After when it gives
    one) that counts towards a platform outage (the store's jobs then wait, see the base's
    models/connector_store_outage.py);
  * HTTP 429 (the core): a PlatformUnavailable marked ``throttled`` with Shopify's Retry-After;
  * THROTTLED: waited out and retried (`SHOPIFY_THROTTLE_RETRIES` times), then a RetryableJobError
    marked ``throttled`` (the queue reschedules without counting a failure);
  * HTTP 401/403 (the core, after one token refresh on 401 when the store can refresh):
    StoreAuthError (the queue pauses the store);
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
rotating refresh token (the base's OAuth lifecycle, `connector.store._oauth_access_token`); a 401
refreshes it once.

Error texts quote Shopify's answer redacted first (the token sent and the store's secrets), then
cut.
"""

import json
import re
import threading
import time

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    PlatformUnavailable,
    RetryableJobError,
)
from odoo.addons.store_connector_base.services.api_client import ApiClient
from odoo.addons.store_connector_base.services.rate_limiter import throttled_error

from .. import const

# requested cost last seen per query text (process-wide; a query's cost depends on its text and
# its `first` arguments, which the key includes)
_cost_memo = {}
_cost_memo_lock = threading.Lock()

# Test mode (the base's ApiClient._request_writes): a GraphQL document writes when one of its
# operations is a mutation. Its comments and strings are removed first, so that a word in them
# does not count; an operation starts the document or follows the closing brace of another one.
_GRAPHQL_COMMENT_OR_STRING = re.compile(r'#[^\n]*|"""(?:.|\n)*?"""|"(?:\\.|[^"\\])*"')
_GRAPHQL_MUTATION = re.compile(r"(?:^|})\s*mutation\b")
_GRAPHQL_OPERATION_NAME = re.compile(r"(?:^|})\s*(query|mutation)\s*([A-Za-z_]\w*)?")


class ShopifyUserError(PermanentJobError):
    """A mutation answered userErrors. `user_errors`: list of {"field", "message", "code"}."""

    def __init__(self, message, user_errors=None):
        super().__init__(message)
        self.user_errors = user_errors or []

    @property
    def codes(self):
        return {error.get("code") for error in self.user_errors}


def _indented_json(value):
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _memo_key(query, variables):
    sizes = tuple(sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int)))
    return (query, sizes)


class ShopifyClient(ApiClient):
    """GraphQL client of one Shopify store (see the module docstring for the interface).

    :param store: the connector.store (its env must be allowed to read credentials: superuser in
        jobs, a manager for buttons).
    :param transport: the base's HttpTransport to send through (default: a new one per client).
    :param max_wait: the longest a call waits for bucket points before raising a throttled
        RetryableJobError (default const.SHOPIFY_MAX_THROTTLE_WAIT).
    :param sleep: how to wait (tests).
    """

    platform_name = "Shopify"
    timeout = const.SHOPIFY_HTTP_TIMEOUT
    max_wait = const.SHOPIFY_MAX_THROTTLE_WAIT
    error_quote_limit = const.SHOPIFY_ERROR_QUOTE_LIMIT
    # Shopify's Standard plan figures, until the first answer's throttleStatus says otherwise.
    rate_limit_capacity = const.SHOPIFY_DEFAULT_BUCKET
    rate_limit_restore_rate = const.SHOPIFY_DEFAULT_RESTORE_RATE

    def __init__(self, store, transport=None, max_wait=None, sleep=time.sleep):
        super().__init__(store, transport=transport, max_wait=max_wait, sleep=sleep)
        self.stats.update({"requested_cost": 0.0, "actual_cost": 0.0})
        self._token = None

    # ------------------------------------------------------------------ public interface
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
            self._acquire(limiter, estimate)
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

    # ------------------------------------------------------------------ hooks of the core
    def _base_url(self):
        return self.store._shopify_api_base_url()

    def _auth_headers(self):
        """Shopify's Admin API token header (the token refreshed first when it lapses)."""
        return {"X-Shopify-Access-Token": self._access_token()}

    def _can_refresh_auth(self):
        return self.store._shopify_can_refresh()

    def _refresh_auth(self):
        self._access_token(force_refresh=True)

    def _error_text(self, body):
        """Shopify's error answers: {"errors": ...} (a string, a list or a dict of field errors), or
        an OAuth error ({"error", "error_description"})."""
        if isinstance(body, dict):
            return body.get("errors") or body.get("error_description") or body.get("error") or None
        return None

    # ------------------------------------------------------------------ test mode (hooks of the core)
    def _request_writes(self, method, url, *, params=None, json=None, data=None, headers=None):
        """Every GraphQL call is a POST: a document writes when it holds a mutation, except those
        that only read (const.SHOPIFY_READ_ONLY_MUTATIONS: a bulk query exports the shop's data)."""
        document = self._graphql_document(json, data)
        if document is None:
            return super()._request_writes(method, url, params=params, json=json, data=data, headers=headers)
        text = _GRAPHQL_COMMENT_OR_STRING.sub(" ", document)
        if not _GRAPHQL_MUTATION.search(text):
            return False
        return not any(re.search(rf"\b{field}\b", text) for field in const.SHOPIFY_READ_ONLY_MUTATIONS)

    def _test_mode_operation(self, method, url, *, json=None, data=None, headers=None):
        document = self._graphql_document(json, data)
        match = document and _GRAPHQL_OPERATION_NAME.search(_GRAPHQL_COMMENT_OR_STRING.sub(" ", document))
        if not match:
            return super()._test_mode_operation(method, url, json=json, data=data, headers=headers)
        return f"GraphQL {match[1]} {match[2] or ''}".strip()

    def _test_mode_body(self, json=None, data=None):
        """The GraphQL document as written, then its variables indented."""
        payload = self._graphql_payload(json, data)
        if payload is None:
            return super()._test_mode_body(json=json, data=data)
        variables = _indented_json(payload.get("variables") or {})
        return f"{payload['query'].strip()}\n\nvariables:\n{variables}"

    @staticmethod
    def _graphql_payload(json_body, data):
        payload = json_body
        if payload is None and isinstance(data, str | bytes):
            try:
                payload = json.loads(data)
            except ValueError:
                return None
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            return payload
        return None

    def _graphql_document(self, json_body, data):
        payload = self._graphql_payload(json_body, data)
        return payload["query"] if payload else None

    # ------------------------------------------------------------------ internals
    def _graphql_url(self):
        return self._base_url() + const.SHOPIFY_GRAPHQL_PATH.format(
            version=self.store.shopify_api_version or const.SHOPIFY_DEFAULT_API_VERSION
        )

    def _access_token(self, force_refresh=False):
        if self._token is None or force_refresh:
            self._token = self.store._shopify_access_token(force_refresh=force_refresh)
        return self._token

    def _post_graphql(self, query, variables, operation_name, limiter, estimate):
        payload = {"query": query, "variables": variables or {}}
        if operation_name:
            payload["operationName"] = operation_name
        response = self._send("POST", self._graphql_url(), data=json.dumps(payload),
                              headers={"Content-Type": "application/json"}, limiter=limiter, cost=estimate)
        body = self._json(response, limiter, estimate)
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
            if codes - {"THROTTLED"}:
                # Shopify's own failure (INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE, TIMEOUT): counted
                # towards a platform outage, like an HTTP 5xx.
                raise PlatformUnavailable(message)
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
