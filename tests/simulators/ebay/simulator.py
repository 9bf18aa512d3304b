"""EbaySimulator: the control API tests and the demo use (start/stop, tokens, quotas, faults, seeding,
inspection) and the routing of every request to its API (see README.md)."""

import collections
import logging
import threading
import time
from datetime import UTC, datetime

from ..lifecycle import LoopbackServing
from .account import AccountApi
from .analytics import AnalyticsApi
from .api import SimResponse, rest_error
from .finances import FinancesApi
from .fulfillment import FulfillmentApi
from .inventory import InventoryApi
from .oauth import OAuthApi
from .server import SimulatorHTTPServer
from .util import SimClock

_logger = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_APP_ID = "StoreCon-Simulato-PRD-0a1b2c3d4-5e6f7a8b"
DEFAULT_CERT_ID = "PRD-0a1b2c3d4e5f-6a7b-8c9d-0e1f-2a3b"
DEFAULT_DEV_ID = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
DEFAULT_RUNAME = "Store_Connecto-StoreCon-Simula-abcdefgh"
TRADING_PATH = "/ws/api.dll"

#: Daily call quotas per API (eBay's defaults for a new production keyset where documented:
#: developer.ebay.com/develop/get-started/api-call-limits; the others are generous stand-ins).
DEFAULT_QUOTAS = {
    "inventory": 2_000_000,
    "fulfillment": 2_500_000,
    "account": 25_000,
    "taxonomy": 5_000,
    "metadata": 5_000,
    "notification": 10_000,
    "analytics": 5_000,
    "finances": 15_000,
    "trading": 5_000,
}


class _Noop:
    """The simulator has no webhook sender of its own (eBay's notifications are NotificationApi's)."""

    def start_background(self):
        pass

    def stop_background(self):
        pass


def _optional_apis():
    """The APIs of helper ebsimx, mounted when their modules are present."""
    apis = []
    for module, name in (
        ("taxonomy", "TaxonomyApi"),
        ("metadata", "MetadataApi"),
        ("notification", "NotificationApi"),
        ("trading", "TradingApi"),
    ):
        try:
            imported = __import__(f"{__package__}.{module}", fromlist=[name])
        except ImportError:
            continue
        api = getattr(imported, name, None)
        if api is not None:
            apis.append((module, api))
    return apis


class EbaySimulator(LoopbackServing):
    """A loopback eBay: OAuth, the Sell REST APIs (Inventory, Fulfillment, Account, Analytics) and, when
    present, Taxonomy, Metadata, Notification and Trading (see README.md).

    ::

        sim = EbaySimulator()
        base_url = sim.start()          # the store's API root (REST, /ws/api.dll, /oauth2/authorize)
        token = sim.access_token        # a valid user token with every seller scope
        sim.add_order([{"sku": "MUG", "quantity": 2, "price": "9.90"}])
        sim.stop()
    """

    thread_name = "ebay-simulator"

    def __init__(
        self,
        seed="none",
        app_id=DEFAULT_APP_ID,
        cert_id=DEFAULT_CERT_ID,
        dev_id=DEFAULT_DEV_ID,
        runame=DEFAULT_RUNAME,
        marketplace="EBAY_US",
        host="127.0.0.1",
        port=0,
        quotas=None,
        access_token=None,
        refresh_token=None,
        seller_username="sim_seller",
        currency="USD",
        check_schema=True,
    ):
        if host not in LOOPBACK:
            raise ValueError("the simulator only listens on loopback addresses")
        self.host, self.port = host, port
        self.app_id, self.cert_id, self.dev_id, self.runame = app_id, cert_id, dev_id, runame
        self.marketplace, self.currency, self.seller_username = marketplace, currency, seller_username
        self.clock = SimClock()
        self.lock = threading.RLock()
        self.webhook_mode = "manual"
        self.webhooks = _Noop()
        self._server = self._thread = None
        self.requests = collections.deque(maxlen=10_000)
        self.internal_errors = []
        self.schema_violations = []
        self._faults = []
        self.quotas = dict(DEFAULT_QUOTAS, **(quotas or {}))
        self._usage = collections.Counter()
        self._usage_day = self.clock.quota_day()
        self.schema = None
        if check_schema:
            from .schema import EbayRestSchema  # noqa: PLC0415 - reads ebay-rest's files once

            self.schema = EbayRestSchema()
        #: Legacy (Trading / site) listings, ItemID -> dict: held here, read and written by TradingApi,
        #: moved to the Inventory API by bulk_migrate_listing (see README "Legacy listings").
        self.legacy_listings = {}
        self.oauth = OAuthApi(self)
        self.account = AccountApi(self)
        self.inventory = InventoryApi(self)
        self.fulfillment = FulfillmentApi(self)
        self.analytics = AnalyticsApi(self)
        self.finances = FinancesApi(self)
        self.apis = [
            self.oauth,
            self.account,
            self.inventory,
            self.fulfillment,
            self.analytics,
            self.finances,
        ]
        for attribute, api_class in _optional_apis():
            api = api_class(self)
            setattr(self, attribute, api)
            self.apis.append(api)
        tokens = self.oauth.issue_user_tokens(access_token=access_token, refresh_token=refresh_token)
        self.access_token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        self.seed_summary = {}
        if seed and seed != "none":
            from .seed import seed_simulator  # noqa: PLC0415 - seed uses this module's helpers

            self.seed_summary = seed_simulator(self, seed)

    # ------------------------------------------------------------------ lifecycle

    def _make_server(self):
        return SimulatorHTTPServer((self.host, self.port), self)

    @property
    def base_url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def trading_url(self):
        return self.base_url + TRADING_PATH

    def advance(self, seconds):
        """Move the simulated clock (token expiry, dates, the quota day)."""
        self.clock.advance(seconds)

    # ------------------------------------------------------------------ OAuth controls

    def set_runame_url(self, url, declined_url=None):
        """The RuName's "auth accepted URL" (and "auth declined URL", default the same) the consent
        page redirects to."""
        self.oauth.runame_url, self.oauth.declined_url = url, declined_url

    def decline_next_consent(self, count=1):
        self.oauth.decline_next += count

    def consent_url(self, scopes=None, state="state", redirect_uri=None, client_id=None):
        import urllib.parse  # noqa: PLC0415

        from .oauth import USER_SCOPES  # noqa: PLC0415

        query = urllib.parse.urlencode(
            {
                "client_id": client_id or self.app_id,
                "redirect_uri": redirect_uri or self.runame,
                "response_type": "code",
                "scope": " ".join(scopes or USER_SCOPES),
                "state": state,
            },
            quote_via=urllib.parse.quote,
        )
        return f"{self.base_url}/oauth2/authorize?{query}"

    def issue_user_tokens(self, scopes=None, user=None):
        """New {"access_token", "refresh_token"} for the seller (as a finished consent gives)."""
        return self.oauth.issue_user_tokens(scopes, user)

    def issue_app_token(self):
        return self.oauth.issue_app_token()

    def revoke_user_token(self, user=None):
        """The seller revokes the application: every user access and refresh token stops working."""
        self.oauth.revoke_user(user)

    def expire_access_tokens(self):
        """Every access token expires now (refresh tokens keep working)."""
        self.oauth.expire_access_tokens()

    @property
    def token_refreshes(self):
        """Successful refresh-token grants so far."""
        return self.oauth.counts["refresh_token"]

    @property
    def token_calls(self):
        """Every call of the token endpoint: [{"grant_type", "status", "error"}]."""
        return list(self.oauth.log)

    # ------------------------------------------------------------------ quotas

    def _roll_quota_day(self):
        day = self.clock.quota_day()
        if day != self._usage_day:
            self._usage_day, self._usage = day, collections.Counter()

    def quota_used(self, api):
        with self.lock:
            self._roll_quota_day()
            return self._usage[api]

    def set_quota(self, api, limit):
        with self.lock:
            self.quotas[api] = limit

    def _count_call(self, api):
        """Count one call against `api`'s daily quota; False when the quota is spent."""
        with self.lock:
            self._roll_quota_day()
            limit = self.quotas.get(api)
            if limit is not None and self._usage[api] >= limit:
                return False
            self._usage[api] += 1
            return True

    # ------------------------------------------------------------------ faults, log, schema

    def fail_next(self, status=500, body=None, method=None, path_contains=None, headers=None, count=1):
        """The next `count` requests matching `method`/`path_contains` get `status` (and `body`, default
        eBay's system error; e.g. 429 with {"Retry-After": "3"}) and nothing runs."""
        if body is None:
            body = rest_error(
                status,
                2003,
                "Internal error",
                "There was a problem with an eBay internal system or process. Contact eBay "
                "developer support for assistance.",
                category="APPLICATION",
            ).body
        with self.lock:
            for _ in range(count):
                self._faults.append((method, path_contains, status, body, dict(headers or {})))

    def _take_fault(self, method, path):
        with self.lock:
            for index, (f_method, f_path, status, body, headers) in enumerate(self._faults):
                if (f_method is None or f_method == method) and (f_path is None or f_path in path):
                    del self._faults[index]
                    return SimResponse(status, body, headers)
        return None

    def reset_requests(self):
        self.requests.clear()

    def record_schema_violation(self, method, path, problems, body=None):
        _logger.warning("eBay's published contract refuses %s %s: %s", method, path, "; ".join(problems))
        with self.lock:
            self.schema_violations.append(
                {"method": method, "path": path, "problems": problems, "body": body}
            )

    def take_schema_violations(self):
        """What eBay's published contract (ebay-rest) refused since the last call, then forgotten: a test
        that sends a refused request on purpose takes them and asserts on them."""
        with self.lock:
            violations, self.schema_violations = self.schema_violations, []
        return violations

    def assert_contract_kept(self):
        """Raise AssertionError listing what eBay's published contract refused since the last check (then
        forgotten). Connector tests register it as a cleanup (`self.addCleanup(sim.assert_contract_kept)`)
        so that a test whose requests eBay would refuse fails, even if the connector coped with the answer."""
        refused = self.take_schema_violations()
        if refused:
            lines = [f"{v['method']} {v['path']}: {'; '.join(v['problems'])}" for v in refused]
            raise AssertionError(
                f"eBay's published contract (ebay-rest) refuses {len(refused)} request(s) or answer(s)"
                " in this test; the real API would not take them:\n" + "\n".join(lines)
            )

    # ------------------------------------------------------------------ routing

    def _api_for(self, request):
        for api in self.apis:
            if getattr(api, "public", False):
                continue
            if api.prefix and (request.path == api.prefix or request.path.startswith(api.prefix + "/")):
                return api
        return None

    def dispatch(self, request):
        """Answer one parsed request (the HTTP front calls this; tests may too)."""
        started = time.perf_counter()
        response, api = self._answer(request)
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": {
                    name: values[0] if len(values) == 1 else values for name, values in request.query.items()
                },
                "json": _json_or_none(request),
                "api": getattr(api, "quota_name", None) or None,
                "auth": request.auth.get("kind"),
                "status": response.status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "at": datetime.fromtimestamp(self.clock.time(), UTC),
            }
        )
        return response

    def _answer(self, request):
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            return fault, None
        if request.path == "/__sim/health":
            return SimResponse(200, {"ok": True}), None
        if request.path == "/__sim/finances/payout" and request.method == "POST":
            # the test/demo switch of eBay's payout run (loopback only, no token: not an eBay API)
            payout = self.pay_out()
            return SimResponse(200 if payout else 204, payout or b""), None
        try:
            response = self.oauth.handle(request)
            if response is not None:
                return response, self.oauth
            api = self._api_for(request)
            if api is None:
                return rest_error(
                    404, 2002, "Resource not found", "The requested resource was not found.", domain="ACCESS"
                ), None
            trading = api.prefix == TRADING_PATH
            refused = self._check_auth(api, request, trading)
            if refused is not None:
                return refused, api
            if api.quota_name and not self._count_call(api.quota_name):
                return self._quota_error(trading, request), api
            checked = self.schema is not None and not trading
            operation = self._check_request(request) if checked else None
            response = api.handle(request)
            if response is None:
                response = rest_error(
                    404, 2002, "Resource not found", "The requested resource was not found.", domain="ACCESS"
                )
            if operation is not None:
                problems = self.schema.check_response(operation, response.status, response.body)
                if problems:
                    self.record_schema_violation(
                        request.method, request.path, [f"answer: {p}" for p in problems], response.body
                    )
            return response, api
        except Exception as exc:  # noqa: BLE001 - answer 500 and keep serving, as a real server does
            _logger.exception("simulator failed on %s %s", request.method, request.path)
            self.internal_errors.append({"path": request.path, "error": repr(exc)})
            return rest_error(
                500,
                2003,
                "Internal error",
                "There was a problem with an eBay internal system or process.",
                category="APPLICATION",
            ), None

    def _check_request(self, request):
        body = _json_or_none(request)
        operation, problems = self.schema.check_request(request.method, request.path, request.query, body)
        if problems:
            self.record_schema_violation(request.method, request.path, problems, body)
        return operation

    def _check_auth(self, api, request, trading):
        """Check the bearer token (Trading: the X-EBAY-API-IAF-TOKEN header when sent); sets
        `request.auth`. Returns an error response, or None."""
        if trading:
            token = request.headers.get("x-ebay-api-iaf-token")
            if token is None:
                return None  # Auth'n'Auth in the XML body: TradingApi's business
            info = self.oauth.check(token)
            if info is None and self.oauth.expired(token):
                return trading_error(
                    request, "21917053", "Expired IAF token.", "IAF token supplied is expired."
                )
            if info is None:
                return trading_error(
                    request, "21916984", "Invalid IAF token.", "IAF token supplied is invalid."
                )
            request.auth = info
            return None
        header = request.headers.get("authorization", "")
        info = self.oauth.check(header[7:].strip()) if header[:7].lower() == "bearer " else None
        if info is None:
            return rest_error(
                401,
                1001,
                "Invalid access token",
                "Invalid access token. Check the value of the Authorization HTTP request header.",
                domain="OAuth",
                category="REQUEST",
            )
        request.auth = info
        kind, scopes = _auth_rule(api, request)
        allowed = {s for s in scopes if request.method == "GET" or not s.endswith(".readonly")}
        if (
            (kind == "user" and info["kind"] != "user")
            or (kind == "app" and info["kind"] != "app")
            or (allowed and not allowed & info["scopes"])
        ):
            return rest_error(
                403,
                1100,
                "Access denied",
                "Insufficient permissions to fulfill the request.",
                domain="ACCESS",
                category="REQUEST",
            )
        return None

    def _quota_error(self, trading, request):
        if trading:
            return trading_error(
                request,
                "518",
                "Call usage limit has been reached.",
                "Your application has exceeded usage limit on this call. Please try again later.",
            )
        return rest_error(
            429,
            2001,
            "Too many requests",
            "The request limit has been reached for the resource.",
            domain="ACCESS",
            category="REQUEST",
        )

    # ------------------------------------------------------------------ helpers over the APIs

    def listing(self, sku):
        """The live listing of `sku` ({"listingId", "offerId", "quantity", "price", ...}) or None."""
        return self.inventory.listing(sku)

    def quantity(self, sku):
        """The quantity buyers see for `sku`: min(item quantity, offer availableQuantity) while listed."""
        return self.inventory.listed_quantity(sku)

    def offers(self, sku):
        return self.inventory.offers_of(sku)

    def inventory_item(self, sku):
        return self.inventory.item_view(sku)

    def add_order(self, lines, **kwargs):
        return self.fulfillment.add_order(lines, **kwargs)

    def update_order(self, order_id, **changes):
        return self.fulfillment.update_order(order_id, **changes)

    def rename_buyer(self, old_username, new_username):
        return self.fulfillment.rename_buyer(old_username, new_username)

    def complete_payment(self, order_id):
        """The buyer's pending payment of the order goes through now; see FulfillmentApi.complete_payment."""
        return self.fulfillment.complete_payment(order_id)

    def refund_order(self, order_id, amount=None, line_item_id=None, reason=None, status="REFUNDED"):
        return self.fulfillment.refund_order(order_id, amount, line_item_id, reason, status)

    def pay_out(self, when=None, status="SUCCEEDED", hold=()):
        """eBay's payout run (Finances API): every transaction available for payout goes into one payout
        of their net amount; see FinancesApi.pay_out."""
        return self.finances.pay_out(when, status, hold)

    def order(self, order_id):
        return self.fulfillment.order_view(order_id)

    def shipping_fulfillments(self, order_id):
        return self.fulfillment.fulfillments_of(order_id)

    def add_policy(self, kind, name, marketplace=None, **fields):
        return self.account.add_policy(kind, name, marketplace or self.marketplace, **fields)

    def add_location(self, key, **fields):
        return self.inventory.add_location(key, **fields)

    def add_legacy_listing(self, sku, title, price, quantity, **kwargs):
        return self.inventory.add_legacy_listing(sku, title, price, quantity, **kwargs)


def _auth_rule(api, request):
    """(kind, scopes) the request needs: `api.auth_for(request)` when the API defines it, else "user"
    with `api.scopes` when it has scopes, else any valid token."""
    rule = getattr(api, "auth_for", None)
    if callable(rule):
        return rule(request)
    scopes = tuple(api.scopes or ())
    return ("user", scopes) if scopes else ("any", ())


def _json_or_none(request):
    if not request.body or "json" not in request.headers.get("content-type", "application/json"):
        return None
    try:
        return request.json()
    except ValueError:
        return None


def trading_error(request, code, short, long):
    """A Trading API failure reply (Ack Failure, one Errors element)."""
    verb = request.headers.get("x-ebay-api-call-name", "Unknown")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{verb}Response xmlns="urn:ebay:apis:eBLBaseComponents">'
        f"<Timestamp>{stamp}</Timestamp><Ack>Failure</Ack><Errors><ShortMessage>{short}</ShortMessage>"
        f"<LongMessage>{long}</LongMessage><ErrorCode>{code}</ErrorCode><SeverityCode>Error</SeverityCode>"
        f"<ErrorClassification>RequestError</ErrorClassification></Errors><Version>1423</Version>"
        f"<Build>E1423_CORE_API_19146280_R1</Build></{verb}Response>"
    )
    return SimResponse(200, body, {"Content-Type": "text/xml;charset=utf-8"})
