"""The HTTP client core every platform client is built on: one request method with a timeout,
the base's transport, the queue's error taxonomy, pacing and redaction, written once.

A platform addon subclasses `ApiClient` and overrides only what its platform does its own way::

    from odoo.addons.store_connector_base.services.api_client import ApiClient

    class WooClient(ApiClient):
        platform_name = "WooCommerce"                       # named in every error message
        rate_limit_capacity, rate_limit_restore_rate = 20, 2.0

        def _base_url(self):                                # where relative paths go
            return self.store.shop_url.rstrip("/") + "/wp-json/wc/v3"

        def _auth_params(self):                             # or _auth_headers()
            return {"consumer_key": self.store._get_credential("consumer_key"),
                    "consumer_secret": self.store._get_credential("consumer_secret")}

        def _error_text(self, body):                        # {"code", "message", "data"}
            return body.get("message") if isinstance(body, dict) else None

    client = WooClient(store)                               # store.env may read credentials
    orders = client.request_json("GET", "/orders", params={"per_page": 100})
    response = client.request("DELETE", "/webhooks/12")     # a requests.Response, 2xx only

The test platform addon (tests/addons/store_connector_test_platform, models/rest_client.py) is a
complete worked example; Shopify's GraphQL client (store_connector_shopify, shopify_client.py)
shows a client that paces by the cost its platform reports in the body.

What the core does for every request (`request` = `_acquire` + `_send` + `_rate_limit_feedback`):

* **Pacing**: before sending, `cost` units are taken from the store's rate limiter, shared by
  every worker and server (the adapter's `_get_rate_limiter`: key `_rate_limit_key`, daily quota
  `_rate_limit_daily_quota` in `_rate_limit_quota_timezone`); a wait longer than `max_wait` raises a
  RetryableJobError marked ``throttled`` instead of holding a worker. After the answer,
  `_rate_limit_feedback` gives the limiter the platform's own view (call-limit headers...).
* **Transport**: every request goes through `HttpTransport` (services/http_transport.py), with
  `timeout`: the URL is checked and its host resolved to public addresses at request time, the
  connection dials the address that passed the check, redirects are refused (PermanentJobError).
* **Authentication**: `_auth_headers` and `_auth_params` are added to every request; on HTTP 401,
  when `_can_refresh_auth` says a refresh is possible, `_refresh_auth` runs and the request is
  sent once more (never twice).
* **Errors**, the queue's taxonomy (exceptions.py), each naming the platform and the store:

  =====================================================  =======================================
  what happened                                          raised
  =====================================================  =======================================
  timeout, connection refused, DNS or TLS failure        PlatformUnavailable (a RetryableJobError
                                                         that counts towards a platform outage)
  HTTP 429                                               PlatformUnavailable marked ``throttled``
                                                         with the Retry-After delay (no failure
                                                         counted; the limiter holds the store's
                                                         requests until then)
  HTTP 5xx                                               PlatformUnavailable (with Retry-After)
  HTTP 401 / 403 (after the one refresh, if any)         StoreAuthError (the queue pauses the
                                                         store), quoting the platform's message
  other 4xx (400, 404, 422...)                           PermanentJobError quoting the platform
  a URL or address refused, a redirect                   PermanentJobError (from the transport)
  a 2xx answer that is not JSON (`request_json`)         PlatformUnavailable
  =====================================================  =======================================

  The platform's message is read from the error body by `_error_text`.
* **Secrets**: every message the client raises is redacted with `safe_message` (services/redact.py)
  before it is cut: the store's secrets, every value `_auth_headers`/`_auth_params` sent (a bearer
  token alone too) and the value of any query parameter named like a secret (`SENSITIVE_PARAMS`,
  e.g. ``consumer_secret``, ``access_token``) in a URL a message quotes. The transport keeps the
  same secrets out of urllib3's debug log; the client's own debug line has no query string.
* **Unused units are given back**: a request that fails before the platform counted it (network
  error, refused address, 4xx/5xx answer) refunds its cost to the limiter.

Hooks (all optional; the defaults suit a JSON REST API that authenticates by the store's
credentials however the subclass adds them):

  `_base_url()`, `_auth_headers()`, `_auth_params()`, `_can_refresh_auth()`, `_refresh_auth()`,
  `_error_text(body)`, `_rate_limit_feedback(response, limiter, cost)`,
  `_request_writes(...)` and `_test_mode_operation(...)` (test mode, below);
  class attributes `platform_name`, `timeout`, `max_wait`, `error_quote_limit`,
  `rate_limit_capacity`, `rate_limit_restore_rate`,
  `throttle_default_retry_after`.

* **Test mode**: for a store in test mode (``connector.store.test_mode``) a request that would change
  something on the platform (`_request_writes`: by default any method but GET, HEAD and OPTIONS; a
  platform whose reads are POSTs too, GraphQL or XML calls, says which) is not sent: the client
  raises `TestModeNotSent` with what it would have sent (method, URL, a readable body, the headers
  without credentials, `_test_mode_operation`'s name), and the queue runner records it on the job.
  Reads are sent as usual, and so is an OAuth token refresh (it does not go through here).

Build a client in the environment that may read the store's credentials: superuser in jobs, the
manager's for buttons such as Test Connection (the credential accessor checks it).
"""

import json as jsonlib
import logging
import math
import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import requests

from odoo.tools import config
from odoo.tools.translate import LazyTranslate

from ..const import CONFIG_PLATFORM_TIMEOUT, RATE_LIMIT_QUOTA_WARNING_SHARE
from ..exceptions import (
    PermanentJobError,
    PlatformUnavailable,
    StoreAuthError,
    StoreConnectorError,
    TestModeNotSent,
)
from .api_call_stats import record_api_call
from .http_transport import DEFAULT_TIMEOUT, HttpTransport
from .logs import API_LOGGER, get_logger
from .rate_limiter import throttled_error
from .redact import REDACTED, safe_message

_logger = get_logger(__name__)
_api_logger = logging.getLogger(API_LOGGER)
# Translated when raised, in the language of the request or the user if there is one (a client
# has no environment of its own to ask), else in English.
_lt = LazyTranslate(__name__, default_lang="en_US")

# Query parameters whose values are secrets whatever the platform: redacted from every URL a
# message quotes, even when the value is not one the client knows (a token in a next-page link).
SENSITIVE_PARAMS = (
    "access_token", "refresh_token", "token", "api_key", "apikey", "key", "secret", "client_secret",
    "consumer_key", "consumer_secret", "oauth_signature", "signature", "sig", "password", "code",
)
_SENSITIVE_PARAM = re.compile(
    r"(?P<name>\b(?:" + "|".join(re.escape(name) for name in SENSITIVE_PARAMS) + r"))"
    r"=(?P<value>[^&#\s\"'<>]+)",
    re.IGNORECASE,
)
# Test mode: request headers whose name says they carry a credential are never recorded.
_SECRET_HEADER = re.compile(r"auth|token|key|secret|cert|sig|cookie|password|session", re.IGNORECASE)
# The longest body a recorded test-mode request keeps (characters).
TEST_MODE_BODY_LIMIT = 100_000


def redact_sensitive_params(text):
    """`text` with the value of every query parameter named in SENSITIVE_PARAMS replaced by ***."""
    if not text:
        return text
    return _SENSITIVE_PARAM.sub(lambda match: f"{match['name']}={REDACTED}", str(text))


def capped_timeout(timeout):
    """`timeout` (seconds, or a (connect, read) pair) capped so that a platform that hangs never
    outlives the worker waiting for it:

    * by the server option ``store_connector_platform_timeout`` (const.CONFIG_PLATFORM_TIMEOUT) when
      it is set: the longest any platform request may wait;
    * by a quarter of the workers' real-time limit (``limit_time_real``, and ``limit_time_real_cron``
      for the cron workers that run the jobs; 120 s by default, so 30 s): Odoo kills a worker past it,
      with the jobs it claimed, and the runner keeps half of that limit for its own calls (see
      sync.job `_cron_time_limit`).
    """
    raw = config.get(CONFIG_PLATFORM_TIMEOUT)
    try:
        cap = float(raw) if raw not in (None, False, "") else None
    except (TypeError, ValueError):
        _logger.warning("Server option %s = %r is not a number of seconds: ignored.",
                        CONFIG_PLATFORM_TIMEOUT, raw)
        cap = None
    cap = cap if cap and cap > 0 else None
    limits = [float(limit) for limit in (config.get("limit_time_real"), config.get("limit_time_real_cron"))
              if isinstance(limit, int | float) and limit > 0]
    if limits:
        cap = min([cap, min(limits) / 4] if cap else [min(limits) / 4])
    if not cap or timeout is None:
        return timeout
    if isinstance(timeout, tuple | list):
        return tuple(min(float(part), cap) if part is not None else cap for part in timeout)
    return min(float(timeout), cap)


class ApiClient:
    """The HTTP client of one store (see the module docstring for what it does and its hooks).

    :param store: the connector.store; its env must be allowed to read the credentials the auth
        hooks read.
    :param transport: the HttpTransport to send through (default: a new one per client, which
        keeps its connections alive for the client's life).
    :param max_wait: the longest a request waits for the limiter before raising a throttled
        RetryableJobError (default: the class's `max_wait`).
    :param sleep: how to wait (tests).
    :param timeout: (connect, read) seconds for every request (default: the class's `timeout`).
    """

    #: The platform's name, in every message the client raises ("Shopify", "WooCommerce").
    platform_name = "The platform"
    #: (connect, read) seconds; every request has a timeout.
    timeout = DEFAULT_TIMEOUT
    #: Seconds a request may wait for the limiter before it is rescheduled instead.
    max_wait = 30.0
    #: How many characters of the platform's words an error quotes (after redaction).
    error_quote_limit = 300
    #: The limiter's bucket until the platform reports its own figures: size and units per second
    #: (a daily quota is the adapter's `_rate_limit_daily_quota`).
    rate_limit_capacity = 40
    rate_limit_restore_rate = 2.0
    #: Seconds to wait after an HTTP 429 that gives no Retry-After.
    throttle_default_retry_after = 10.0

    def __init__(self, store, transport=None, max_wait=None, sleep=time.sleep, timeout=None):
        store.ensure_one()
        self.store = store
        if timeout is not None:
            self.timeout = timeout
        self.timeout = capped_timeout(self.timeout)
        self.transport = transport or HttpTransport(timeout=self.timeout)
        self.max_wait = type(self).max_wait if max_wait is None else max_wait
        self._sleep = sleep
        self.stats = {"calls": 0, "throttled": 0, "retries": 0, "waited": 0.0}
        # Every secret value this client has sent (tokens, keys): redacted from its messages.
        self._sent_secrets = set()

    # ------------------------------------------------------------------ public interface
    @property
    def limiter(self):
        """The store's rate limiter, shared by every worker and server of the database (the
        adapter's `_get_rate_limiter`, created with this client's bucket figures)."""
        return self.limiter_of(None)

    def limiter_of(self, api):
        """The rate limiter of `api` (a platform counting its daily quotas per API: a bucket and a
        count of its own, `store.adapter._rate_limit_bucket_key`), or the store's one for None."""
        return self.store._get_adapter()._get_rate_limiter(
            self.store, self.rate_limit_capacity, self.rate_limit_restore_rate, api=api)

    def request(self, method, path, *, params=None, json=None, data=None, headers=None, cost=1.0,
                api=None):
        """Send one request, paced, authenticated, its errors classified; return the 2xx answer.

        :param method: "GET", "POST", "PUT", "DELETE"...
        :param path: a path under `_base_url()` ("/orders"), or an absolute URL on the shop's host
            (a next-page link).
        :param params, json, data, headers: as in ``requests``; the auth hooks' are added.
        :param cost: units this request takes from the limiter.
        :param api: the platform's API whose daily quota the request counts against (eBay counts
            one per API), or None for the store's one bucket.
        :returns: requests.Response with a 2xx status.
        :raises RetryableJobError, StoreAuthError, PermanentJobError: see the module docstring.
        """
        limiter = self.limiter_of(api)
        self._acquire(limiter, cost, api=api)
        response = self._send(method, self._url(path), params=params, json=json, data=data,
                              headers=headers, limiter=limiter, cost=cost)
        self._rate_limit_feedback(response, limiter, cost)
        return response

    def request_json(self, method, path, **kwargs):
        """`request`, then the answer's JSON document (any JSON value; None for an empty 2xx body).

        :raises RetryableJobError: the answer is not JSON (a proxy's error page, a cut answer).
        """
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        return self._json(response, None, 0)

    # ------------------------------------------------------------------ hooks
    def _base_url(self):
        """The URL relative paths are joined to (no trailing slash). Default: the store's shop_url.

        :raises PermanentJobError: the store has no address.
        """
        if not self.store.shop_url:
            raise PermanentJobError(str(_lt(
                "Store %(store)s has no shop URL: enter the shop's address on the store.",
                store=self.store.name,
            )))
        return self.store.shop_url.rstrip("/")

    def _auth_headers(self):
        """Headers that authenticate a request (e.g. {"Authorization": "Bearer <token>"}); read the
        credentials here, at the moment of use. Their values are redacted from every message.
        Default: none."""
        return {}

    def _auth_params(self):
        """Query parameters that authenticate a request (e.g. WooCommerce's consumer key and secret
        over plain http). Their values are redacted from every message. Default: none."""
        return {}

    def _can_refresh_auth(self):
        """Whether an HTTP 401 may be cured by `_refresh_auth` (an expiring OAuth token with a
        refresh token). Default: False, a 401 is a StoreAuthError at once."""
        return False

    def _refresh_auth(self):
        """Get fresh credentials after an HTTP 401 (refresh the access token); the request is then
        sent once more with what `_auth_headers`/`_auth_params` return. Default: nothing.

        :raises StoreAuthError: the credentials cannot be refreshed.
        """

    def _error_text(self, body):
        """The platform's words in an error answer's JSON `body`, or None to quote the body whole.

        Default: the common shapes: ``errors`` (Shopify REST, eBay), ``message`` (WooCommerce),
        ``error_description`` and ``error`` (OAuth).
        """
        if isinstance(body, dict):
            for key in ("errors", "message", "error_description", "error"):
                if body.get(key):
                    return body[key]
        return None

    def _rate_limit_feedback(self, response, limiter, cost):
        """Tell `limiter` what the platform says about its limits after an answer of `request`
        (call-limit headers: ``limiter.update(available=..., capacity=..., restore_rate=...)``).
        Default: nothing (the limiter's own estimate stands)."""

    # ------------------------------------------------------------------ the exchange
    def _url(self, path):
        """The URL of `path`: joined to `_base_url()`, or an absolute URL on the same host (a
        next-page link the platform gave).

        :raises PermanentJobError: an absolute URL on another host: the credentials the request
            carries are the shop's and go to its host only.
        """
        base = self._base_url()
        if not path.startswith(("https://", "http://")):
            return base + ("" if path.startswith("/") or not path else "/") + path
        if urlsplit(path).netloc.lower() != urlsplit(base).netloc.lower():
            raise PermanentJobError(str(_lt(
                "%(platform)s pointed store %(store)s to another host (%(host)s) than the shop's: the "
                "store's credentials are only sent to the shop. Report this to the platform's support.",
                platform=self.platform_name, store=self.store.name,
                host=self._safe(urlsplit(path).hostname or "-", 200),
            )))
        return path

    def _acquire(self, limiter, cost, api=None):
        """Take `cost` units from `limiter`, waiting up to `max_wait` (stats["waited"]); the call
        that spends the warning share of a daily quota tells the store (exactly one call of the day
        sees the count reach it, whichever worker makes it)."""
        usage = {}
        waited = limiter.acquire(cost, max_wait=self.max_wait, usage=usage)
        self.stats["waited"] += waited
        if usage.get("limit") and usage["used"] == self._quota_warning_count(usage["limit"]):
            self.store.sudo()._rate_limit_quota_warning(api, usage["used"], usage["limit"])
        return waited

    @staticmethod
    def _quota_warning_count(limit):
        """The daily call count at which the store warns (const.RATE_LIMIT_QUOTA_WARNING_SHARE)."""
        return max(1, math.ceil(limit * RATE_LIMIT_QUOTA_WARNING_SHARE))

    def _remember_secrets(self, values):
        for value in values:
            if isinstance(value, str) and value:
                self._sent_secrets.add(value)
                # "Bearer <token>", "Basic <b64>": the credential alone may be echoed too.
                self._sent_secrets.add(value.rsplit(" ", 1)[-1])

    # ------------------------------------------------------------------ call statistics
    def _counted_request(self, method, url, **kwargs):
        """`transport.request`, its outcome and response time counted in the store's API call
        statistics (store.api.call.stat, on a connection of its own: a rollback keeps the count).
        A URL or address the transport refuses reached no platform and is not counted."""
        started = time.monotonic()
        status = None
        try:
            response = self.transport.request(method, url, **kwargs)
            status = response.status_code
            return response
        except PermanentJobError:
            started = None
            raise
        finally:
            if started is not None:
                store = self.store
                record_api_call(store.env.cr.dbname, store.id, store.sudo().company_id.id, store.platform,
                                status, time.monotonic() - started)

    # ------------------------------------------------------------------ the API error log
    def _send(self, method, url, **kwargs):
        """`_send_once`, with one line per API error on the suite's API log (services/logs.py,
        ``odoo.store_connector.api``): store, platform, method, path (no query string), HTTP status
        (none when nothing answered) and the error, redacted of every secret this client sent.
        Logged once, by the outermost call (a refreshed retry calls this again)."""
        self._last_status = None
        try:
            return self._send_once(method, url, **kwargs)
        except StoreConnectorError as exc:
            if not getattr(exc, "_store_connector_logged", False) and _api_logger.isEnabledFor(logging.INFO):
                exc._store_connector_logged = True
                _api_logger.info(
                    "API error: store %s (%s) platform %s %s %s status %s: %s",
                    self.store.id, self.store.name, self.platform_name, method, urlsplit(url).path,
                    self._last_status or "-",
                    self._safe(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 500),
                )
            raise

    def _send_once(self, method, url, *, params=None, json=None, data=None, headers=None, limiter=None,
                   cost=0, refreshed=False):
        """One HTTP exchange with the auth hooks' headers and params; a non-2xx answer raised as the
        queue's error (see the module docstring). The limiter is not asked here (`_acquire`); it is
        refunded `cost` when the platform did not count the request.

        :returns: requests.Response with a 2xx status.
        :raises TestModeNotSent: the store is in test mode and the request writes.
        """
        self._hold_in_test_mode(method, url, params=params, json=json, data=data, headers=headers,
                                limiter=limiter, cost=cost)
        try:
            auth_headers = self._auth_headers() or {}
            auth_params = self._auth_params() or {}
        except Exception:
            self._refund(limiter, cost)
            raise
        self._remember_secrets(list(auth_headers.values()) + list(auth_params.values()))
        all_headers = {"Accept": "application/json", **(headers or {}), **auth_headers}
        all_params = {**(params or {}), **auth_params} or None
        self.stats["calls"] += 1
        started = time.monotonic()
        try:
            response = self._counted_request(
                method, url, headers=all_headers, params=all_params, json=json, data=data,
                timeout=self.timeout, secrets=sorted(self._sent_secrets),
            )
        except requests.Timeout as exc:
            self._refund(limiter, cost)
            raise PlatformUnavailable(str(_lt(
                "%(platform)s did not answer store %(store)s in time (%(error)s). The request is sent "
                "again later; if this lasts, check that the shop is online.",
                platform=self.platform_name, store=self.store.name, error=self._exception_text(exc),
            ))) from None
        except requests.RequestException as exc:
            self._refund(limiter, cost)
            raise PlatformUnavailable(str(_lt(
                "%(platform)s is unreachable for store %(store)s (%(error)s). The request is sent again "
                "later; if this lasts, check the shop's address and that the shop is online.",
                platform=self.platform_name, store=self.store.name, error=self._exception_text(exc),
            ))) from None
        except PermanentJobError:  # a refused address or redirect: nothing reached the platform
            self._refund(limiter, cost)
            raise
        status = self._last_status = response.status_code
        parts = urlsplit(url)  # logged without its query string, which may carry a key
        _logger.debug("%s %s %s://%s%s -> HTTP %s in %.2fs", self.platform_name, method, parts.scheme,
                      parts.netloc, parts.path, status, time.monotonic() - started)
        if 200 <= status < 300:
            return response
        self._refund(limiter, cost)
        if status in (401, 403):
            if status == 401 and not refreshed and self._can_refresh_auth():
                # The token lapsed early or was rotated elsewhere: one refresh, one more try.
                self._refresh_auth()
                return self._send(method, url, params=params, json=json, data=data, headers=headers,
                                  limiter=limiter, cost=cost, refreshed=True)
            raise StoreAuthError(str(_lt(
                "%(platform)s refused the credentials of store %(store)s (HTTP %(status)s): %(message)s "
                "Enter valid credentials on the store (or connect it again); its jobs wait until then.",
                platform=self.platform_name, store=self.store.name, status=status,
                message=self._http_message(response),
            )))
        retry_after = self._retry_after(response)
        if status == 429:
            if limiter is not None and retry_after is not None:
                # The platform said when: nothing of this store is sent before then.
                limiter.update(retry_after=retry_after)
            delay = retry_after if retry_after is not None else self.throttle_default_retry_after
            seconds = round(delay, 1)
            raise throttled_error(str(_lt(
                "%(platform)s asked store %(store)s to slow down (HTTP 429): %(message)s The request is "
                "sent again in a second.",
                platform=self.platform_name, store=self.store.name, message=self._http_message(response),
            ) if seconds == 1 else _lt(
                "%(platform)s asked store %(store)s to slow down (HTTP 429): %(message)s The request is "
                "sent again in %(seconds)s seconds.",
                platform=self.platform_name, store=self.store.name, message=self._http_message(response),
                seconds=seconds,
            )), delay, cls=PlatformUnavailable)
        if status >= 500:
            raise PlatformUnavailable(str(_lt(
                "%(platform)s had a server error for store %(store)s (HTTP %(status)s): %(message)s The "
                "request is sent again later.",
                platform=self.platform_name, store=self.store.name, status=status,
                message=self._http_message(response),
            )), retry_after=retry_after)
        raise PermanentJobError(str(_lt(
            "%(platform)s refused the request of store %(store)s (HTTP %(status)s): %(message)s Correct "
            "what the platform names, then retry the job.",
            platform=self.platform_name, store=self.store.name, status=status,
            message=self._http_message(response),
        )))

    def _json(self, response, limiter, cost):
        """The JSON document of a 2xx answer.

        :raises RetryableJobError: not JSON (refunds `cost`).
        """
        try:
            return response.json()
        except ValueError:
            self._refund(limiter, cost)
            raise PlatformUnavailable(str(_lt(
                "%(platform)s answered store %(store)s with HTTP %(status)s and a body that is not JSON. "
                "The request is sent again later.",
                platform=self.platform_name, store=self.store.name, status=response.status_code,
            ))) from None

    @staticmethod
    def _refund(limiter, cost):
        if limiter is not None and cost:
            limiter.update(refund=cost)

    @staticmethod
    def _retry_after(response):
        """The Retry-After header in seconds (a number or an HTTP date), or None."""
        value = (response.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None or moment.tzinfo is None:
            return None
        return max(0.0, moment.timestamp() - time.time())

    # ------------------------------------------------------------------ redaction
    def _secrets(self):
        """What must never appear in a message: the values this client sent, the store's secrets."""
        return set(self._sent_secrets) | set(
            self.store.env["integration.credential"]._store_secrets(self.store))

    def _safe(self, text, limit=None):
        """`text` redacted (see `_secrets`, and secret-named query parameters), then cut to `limit`."""
        text = safe_message(text, self._secrets())
        return safe_message(redact_sensitive_params(text), (), limit=limit)

    def _exception_text(self, exc):
        return self._safe(f"{exc.__class__.__name__}: {exc}")

    def _http_message(self, response):
        """The platform's words in an error answer, safe to quote: `_error_text` of its JSON body
        (or the body's text), redacted whole, then cut to `error_quote_limit` (a cut before
        redaction could keep the start of an echoed token), ending with a full stop."""
        try:
            body = response.json()
        except ValueError:
            text = response.text or ""
        else:
            text = self._error_text(body)
            text = body if text is None else text
        text = self._safe(text, self.error_quote_limit).strip() or str(_lt("no message"))
        # A full stop, so that the sentence that follows it in the error reads as one.
        return text if text.endswith((".", "!", "?")) else text + "."

    # ------------------------------------------------------------------ test mode
    def _request_writes(self, method, url, *, params=None, json=None, data=None, headers=None):
        """Hook: whether this request would change something on the platform, so that a store in
        test mode holds it back (see the module docstring). Called before the auth hooks run.

        :param method, url, params, json, data, headers: the request as `_send` got it (`headers`
            without the auth hooks' ones).
        :returns: True for a write. Default: every method but GET, HEAD and OPTIONS (REST). A
            platform whose reads are POSTs too overrides it (Shopify's GraphQL: a ``mutation``
            writes, a ``query`` reads; eBay's Trading API: the call named in its header).
        """
        return method.upper() not in ("GET", "HEAD", "OPTIONS")

    def _test_mode_operation(self, method, url, *, json=None, data=None, headers=None):
        """Hook: a short name of what a held request does, shown on the job ("GraphQL mutation
        ConnectorInventorySet", "Trading API call ReviseInventoryStatus"). Default: the method and
        the URL's path."""
        return f"{method.upper()} {urlsplit(url).path}"

    def _test_mode_body(self, json=None, data=None):
        """The body of a held request, readable: JSON indented, text as is."""
        if json is not None:
            return jsonlib.dumps(json, indent=2, ensure_ascii=False, default=str)
        if data is None:
            return ""
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        if isinstance(data, dict):
            return jsonlib.dumps(data, indent=2, ensure_ascii=False, default=str)
        try:
            return jsonlib.dumps(jsonlib.loads(data), indent=2, ensure_ascii=False)
        except (TypeError, ValueError):
            return str(data)

    def _hold_in_test_mode(self, method, url, *, params=None, json=None, data=None, headers=None,
                           limiter=None, cost=0):
        """Raise TestModeNotSent instead of sending a write of a store in test mode (refunding its
        cost to the limiter); return for anything else. What it carries is redacted: the auth
        hooks' headers and params are not part of it, headers named like credentials are dropped,
        and every value left is cleaned of the store's secrets and secret-named query parameters."""
        if not self.store.test_mode or not self._request_writes(
                method, url, params=params, json=json, data=data, headers=headers):
            return
        self._refund(limiter, cost)
        full_url = url + (("&" if "?" in url else "?") + urlencode(params, doseq=True) if params else "")
        kept_headers = {name: value for name, value in (headers or {}).items()
                        if not _SECRET_HEADER.search(str(name))}
        operation = self._safe(self._test_mode_operation(method, url, json=json, data=data, headers=headers),
                               200)
        body = self._safe(self._test_mode_body(json=json, data=data), TEST_MODE_BODY_LIMIT)
        headers_text = jsonlib.dumps(kept_headers, indent=2, default=str) if kept_headers else ""
        raise TestModeNotSent(
            str(_lt("Test mode: %(operation)s was not sent to %(platform)s for store %(store)s.",
                    operation=operation, platform=self.platform_name, store=self.store.name)),
            {
                "method": method.upper(),
                "url": self._safe(full_url, 2000),
                "operation": operation,
                "body": body,
                "headers": self._safe(headers_text),
                "platform_name": self.platform_name,
            },
            store_id=self.store.id,
        )
