"""The eBay Trading API (XML) client of one store, built with ``ebaysdk`` and sent through the base's
client core (store_connector_base/services/api_client.py), as the WooCommerce client uses the
``woocommerce`` package for its rules and the core to send.

What ``ebaysdk`` (2.2.0) gives and what the core keeps:

* From ``ebaysdk.trading.Connection`` the client takes eBay's own rules: the request's headers
  (``X-EBAY-API-CALL-NAME``, ``-SITEID`` (the marketplace's site id), ``-COMPATIBILITY-LEVEL``
  (const.TRADING_COMPATIBILITY_LEVEL: the package's default, 837, is ancient and gives legacy order
  ids), ``-IAF-TOKEN`` (the seller's OAuth user token), ``-APP-NAME``, ``-DEV-NAME``, ``-CERT-NAME``)
  and the XML body (`build_request`, with XML escaping on), then the reply's parsing
  (``ebaysdk.response.Response``: ``.dict()``, list nodes) and its ``Errors``. The connection is made
  with ``config_file=None`` (else it looks for an ebay.yaml and fails without one).
* Its ``execute`` is not used to send: it posts with ``requests`` itself, redirects followed, any
  address dialled, retried by urllib3. The prepared request goes through the core instead (checked
  transport, a timeout, the daily "trading" quota, redaction of the token from every message).
* Errors: Trading answers HTTP 200 with ``Ack`` Failure and ``Errors`` (ErrorCode, ShortMessage,
  LongMessage, SeverityCode). A token refused (const.TRADING_AUTH_ERROR_CODES) is refreshed once, then
  pauses the store (StoreAuthError); a call limit (const.TRADING_LIMIT_ERROR_CODES) waits for the
  quota day to turn (throttled); a passing system error is retried; every other error fails with
  eBay's code and words. Warnings are kept in the reply (``reply["Errors"]``) and in `warnings`.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo.tools.translate import LazyTranslate

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services.rate_limiter import throttled_error

from .. import const
from .ebay_client import EbayClient

_lt = LazyTranslate(__name__, default_lang="en_US")

TRADING_QUOTA = "trading"
QUOTA_ZONE = ZoneInfo(const.QUOTA_TIMEZONE)


def trading_errors(reply):
    """The ``Errors`` of a Trading reply dict as a list of dicts (one error is not a list)."""
    errors = (reply or {}).get("Errors") or []
    return [error for error in (errors if isinstance(errors, list) else [errors]) if isinstance(error, dict)]


def trading_error_text(errors):
    """Errors as "ErrorCode 21919165: LongMessage." sentences."""
    texts = []
    for error in errors:
        words = (error.get("LongMessage") or error.get("ShortMessage") or "").strip()
        text = f"ErrorCode {error.get('ErrorCode')}: {words}" if error.get("ErrorCode") else words
        texts.append(text if text.endswith(".") else text + ".")
    return " ".join(texts)


class EbayTradingClient(EbayClient):
    """Trading API client of one eBay store (see the module docstring). It shares the REST client's
    host, token and refresh; its answers are XML."""

    def __init__(self, store, **kwargs):
        super().__init__(store, **kwargs)
        #: Warnings of the last call (the reply's Errors whose SeverityCode is Warning).
        self.warnings = []

    def connection(self):
        """An ``ebaysdk`` Trading connection carrying the store's site, keys and user token, used to
        build requests and parse replies only (never to send)."""
        store = self.store
        adapter = store._get_adapter()
        # Imported when used: loading the addons does not load the package (tests/test_import_paths.py).
        from ebaysdk.trading import Connection

        return Connection(
            config_file=None,
            domain="api.ebay.com",  # unused: the core sends to the store's host
            compatibility=const.TRADING_COMPATIBILITY_LEVEL,
            siteid=const.MARKETPLACE_SITE_ID.get(store.ebay_marketplace_id, "0"),
            iaf_token=store._oauth_access_token(),
            appid=adapter._oauth_client_id(store),
            devid=store._get_credential(const.CRED_DEV_ID, required=False) or "",
            certid=adapter._oauth_client_secret(store),
            escape_xml=True,
            timeout=self.timeout[1],
        )

    def execute(self, verb, data, list_nodes=None):
        """Call `verb` (``ReviseInventoryStatus``, ``GetItem``...) with `data` (ebaysdk's dict form).

        :param list_nodes: paths (relative to the reply) always returned as lists
            (``["InventoryStatus"]``), as ebaysdk's ``execute`` takes them.
        :returns: the reply as a dict (``Ack``, the call's fields; warnings in ``Errors``).
        :raises StoreAuthError: the token is refused (after one refresh).
        :raises RetryableJobError: a call limit (throttled until the quota day turns) or a passing
            system error; transport errors as the core classifies them.
        :raises PermanentJobError: any other Failure, with eBay's ErrorCode and LongMessage.
        """
        reply, errors = self._exchange(verb, data, list_nodes)
        codes = {str(error.get("ErrorCode")) for error in errors if error.get("SeverityCode") != "Warning"}
        refused = reply.get("Ack") == "Failure" and codes & const.TRADING_AUTH_ERROR_CODES
        if refused and self._can_refresh_auth():
            self.store._oauth_access_token(force_refresh=True)
            reply, errors = self._exchange(verb, data, list_nodes)
        self.warnings = [error for error in errors if error.get("SeverityCode") == "Warning"]
        if reply.get("Ack") != "Failure":
            return reply
        failures = [error for error in errors if error.get("SeverityCode") != "Warning"] or errors
        self._raise_failure(verb, failures)

    # ------------------------------------------------------------------ internals
    def _exchange(self, verb, data, list_nodes):
        """Build the request with ebaysdk, send it through the core, parse the reply.
        :returns: (reply dict, its Errors as dicts)."""
        connection = self.connection()
        nodes = list(list_nodes or [])
        connection._reset()
        connection._list_nodes = nodes
        connection._add_prefix(connection._list_nodes, verb)
        connection._list_nodes += connection.base_list_nodes
        connection.build_request(verb, data or {}, None)
        prepared = connection.request
        headers = {name: value for name, value in prepared.headers.items()
                   if name.lower() not in ("content-length", "user-agent")}
        self._remember_secrets([headers.get("X-EBAY-API-IAF-TOKEN"), headers.get("X-EBAY-API-CERT-NAME")])
        response = self.request("POST", const.TRADING_PATH, data=prepared.body, headers=headers,
                                api=TRADING_QUOTA)
        from ebaysdk.response import Response

        parsed = Response(response, verb=verb, list_nodes=connection._list_nodes,
                          datetime_nodes=connection.datetime_nodes)
        try:
            reply = parsed.dict() or {}
        except Exception:  # noqa: BLE001 - lxml's parse errors: not XML at all
            reply = {}
        if not reply.get("Ack"):
            raise RetryableJobError(str(_lt(
                "eBay's Trading API answered %(verb)s for store %(store)s with something that is not a "
                "Trading reply. The request is sent again later.", verb=verb, store=self.store.name)))
        return reply, trading_errors(reply)

    def _request_writes(self, method, url, *, params=None, json=None, data=None, headers=None):
        """Test mode: every Trading call is a POST; the call named in X-EBAY-API-CALL-NAME says
        whether it writes (const.TRADING_READ_CALL_PREFIXES: GetOrders reads, ReviseInventoryStatus
        writes)."""
        verb = (headers or {}).get("X-EBAY-API-CALL-NAME") or ""
        return not verb.startswith(const.TRADING_READ_CALL_PREFIXES)

    def _test_mode_operation(self, method, url, *, json=None, data=None, headers=None):
        verb = (headers or {}).get("X-EBAY-API-CALL-NAME")
        if not verb:
            return super()._test_mode_operation(method, url, json=json, data=data, headers=headers)
        return f"Trading API {verb}"

    def _auth_headers(self):
        # The Trading headers carry the token (X-EBAY-API-IAF-TOKEN): no Authorization header.
        return {}

    def _ebay_headers(self):
        # Trading names the site in X-EBAY-API-SITEID; the REST headers are not for it.
        return {"Accept": "text/xml"}

    def _can_refresh_auth(self):
        return self.store._oauth_can_refresh()

    def _raise_failure(self, verb, failures):
        codes = {str(error.get("ErrorCode")) for error in failures}
        words = self._safe(trading_error_text(failures), self.error_quote_limit)
        if codes & const.TRADING_AUTH_ERROR_CODES:
            raise StoreAuthError(str(_lt(
                "eBay refused the token of store %(store)s for %(verb)s: %(message)s Connect the store "
                "with eBay again (Connect with eBay on its form); its jobs wait until then.",
                store=self.store.name, verb=verb, message=words)))
        if codes & const.TRADING_LIMIT_ERROR_CODES:
            raise throttled_error(str(_lt(
                "eBay's daily Trading API limit is reached for store %(store)s (%(verb)s): %(message)s "
                "The job waits for the limit to start again.", store=self.store.name, verb=verb,
                message=words)), seconds_to_quota_day())
        if codes & const.TRADING_RETRY_ERROR_CODES:
            raise RetryableJobError(str(_lt(
                "eBay had a passing problem with %(verb)s for store %(store)s: %(message)s The request is "
                "sent again later.", verb=verb, store=self.store.name, message=words)))
        raise PermanentJobError(str(_lt(
            "eBay refused %(verb)s for store %(store)s: %(message)s Correct what eBay names, then retry "
            "the job.", verb=verb, store=self.store.name, message=words)))


def seconds_to_quota_day(now=None):
    """Seconds until eBay's quota day turns (US-Pacific midnight), plus a minute's margin."""
    now = now or datetime.now(QUOTA_ZONE)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds() + 60
