"""The WooCommerce REST client (wc/v3) of one store, on the base's client core
(store_connector_base/services/api_client.py) and the ``woocommerce`` package.

What the package gives and what the core keeps:

* From ``woocommerce`` (3.0.0) the client takes WooCommerce's own rules: the API path
  (``<shop>/wp-json/wc/v3/``) and the OAuth 1.0a one-legged signature it computes for plain http
  (`woocommerce.oauth.OAuth`, HMAC-SHA256, key = secret + "&"). Its `API.get/post` are not used to
  send: they call ``requests`` directly with a 5 s default timeout, no custom header, redirects
  followed and any address dialled, where every request of the suite goes through the core's checked
  transport (public addresses only, no redirect, a timeout long enough for a batch of 100).
* Authentication (WooCommerce docs, "Authentication"): over https, HTTP Basic with the consumer key
  and secret, or, for hosts that strip the Authorization header ("Consumer key is missing"), the
  same two values as query parameters (the store's `woocommerce_query_string_auth` option); over
  plain http (allowed only where the server allows private URLs: tests, a local shop), OAuth 1.0a.
* Errors: WooCommerce answers ``{"code", "message", "data": {"status"}}``; the message is quoted
  with its code (a merchant can search it), and `rest_no_route` gets the usual cause in words
  (permalinks set to "Plain", or the REST API blocked). The core classifies the status: timeouts,
  429 (with Retry-After) and 5xx are retried, 401/403 pause the store, other 4xx fail with
  WooCommerce's words.
* Paging: `get_page` reads one page (``page``/``per_page`` ≤ 100) with ``X-WP-Total`` and
  ``X-WP-TotalPages``; `iter_pages` walks them all (a full read: prefer a keyset cursor for
  imports, services/paging.py).
* Batches: `batch(path, create=, update=, delete=)` sends ``POST <path>/batch`` in calls of at most
  `BATCH_LIMIT` items in total (WooCommerce refuses more with 413) and returns every item's answer
  in order; an item WooCommerce refused carries its ``error`` ({"code", "message"}) and is described
  by `item_error_text`, the call itself does not fail.
"""

import base64
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from odoo.tools.translate import LazyTranslate

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services import paging
from odoo.addons.store_connector_base.services.api_client import ApiClient

from .. import const

_lt = LazyTranslate(__name__, default_lang="en_US")

#: The field WooCommerce's ``orderby=modified`` sorts by, in GMT.
MODIFIED_FIELD = "date_modified_gmt"
#: ``modified_after`` is exclusive: asked from this much before the cursor's time.
MODIFIED_AFTER_MARGIN = timedelta(seconds=1)


class WooCommerceClient(ApiClient):
    """REST client of one WooCommerce store (see the module docstring)."""

    platform_name = "WooCommerce"
    # A batch of 100 products can take WooCommerce well over the package's 5 s default.
    timeout = (10, 120)
    # wc/v3 has no limit of its own (hosts and firewalls may add one, answered as 429); the bucket
    # keeps a store from flooding a small shared host.
    rate_limit_capacity = 20
    rate_limit_restore_rate = 5.0

    def __init__(self, store, query_string_auth=None, **kwargs):
        """:param query_string_auth: None (default) follows the store's option; True or False sends
            the keys that way whatever the option (Test Connection tries the other way to tell a
            host stripping the Authorization header from a wrong key)."""
        super().__init__(store, **kwargs)
        self.query_string_auth = query_string_auth
        #: The last error answer, for whoever explains it in words (Test Connection):
        #: {"status": int, "code": str or None, "message": str or None, "html": bool}.
        self.last_error = None

    # ------------------------------------------------------------------ hooks of the core
    def _base_url(self):
        return super()._base_url() + const.API_PATH

    def _uses_oauth1(self):
        """Plain http: WooCommerce accepts neither Basic auth nor keys in the query there."""
        return urlsplit(self.store.shop_url or "").scheme == "http"

    def _keys(self):
        return (self.store._get_credential(const.CRED_CONSUMER_KEY),
                self.store._get_credential(const.CRED_CONSUMER_SECRET))

    def _keys_in_query_string(self):
        if self.query_string_auth is not None:
            return bool(self.query_string_auth)
        return bool(self.store.woocommerce_query_string_auth)

    def _auth_headers(self):
        if self._uses_oauth1() or self._keys_in_query_string():
            return {}
        key, secret = self._keys()
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self._remember_secrets([key, secret])
        return {"Authorization": f"Basic {token}"}

    def _auth_params(self):
        if self._uses_oauth1() or not self._keys_in_query_string():
            return {}
        key, secret = self._keys()
        return {"consumer_key": key, "consumer_secret": secret}

    def _send(self, method, url, *, params=None, **kwargs):
        if self._uses_oauth1():
            params = self._oauth1_params(method, url, params)
        return super()._send(method, url, params=params, **kwargs)

    def _oauth1_params(self, method, url, params):
        """`params` plus the OAuth 1.0a parameters signing `method` `url` (the package's OAuth)."""
        # Imported when used: loading the addons must not load the platform packages (a server
        # without WooCommerce stores never needs it).
        from woocommerce.oauth import OAuth  # noqa: PLC0415

        key, secret = self._keys()
        self._remember_secrets([key, secret])
        parts = urlsplit(url)
        bare_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        query = parse_qsl(parts.query) + list((params or {}).items())
        signed_url = OAuth(
            url=bare_url + ("?" + urlencode(query) if query else ""),
            consumer_key=key, consumer_secret=secret, version=const.API_VERSION, method=method,
        ).get_oauth_url()
        # The URL's own query (a next-page link) is sent again by requests: keep it out of params.
        own = {name for name, _value in parse_qsl(parts.query)}
        return {name: value for name, value in parse_qsl(urlsplit(signed_url).query) if name not in own}

    def _error_text(self, body):
        """{"code", "message", "data"}: the message with its code, and what to do where WooCommerce's
        words do not say it (`error_advice`)."""
        if isinstance(body, dict) and body.get("message"):
            code = body.get("code")
            text = f"{body['message']} ({code})" if code else body["message"]
            advice = error_advice(code, body["message"])
            return f"{text} {advice}" if advice else text
        return super()._error_text(body)

    def _http_message(self, response):
        self.last_error = error_facts(response)
        return super()._http_message(response)

    # ------------------------------------------------------------------ paging
    def get_page(self, path, params=None, page=1, per_page=const.PAGE_SIZE):
        """One page of a list endpoint: ``(records, total, total_pages)`` from ``X-WP-Total`` and
        ``X-WP-TotalPages`` (None when WooCommerce does not send them)."""
        response = self.request("GET", path, params={
            **(params or {}), "page": page, "per_page": min(int(per_page), const.PAGE_SIZE)})
        records = self._json(response, None, 0) or []
        return records, _int_header(response, "X-WP-Total"), _int_header(response, "X-WP-TotalPages")

    def iter_pages(self, path, params=None, per_page=const.PAGE_SIZE):
        """Every record of a list endpoint, page after page until ``X-WP-TotalPages``."""
        page = 1
        while True:
            records, _total, total_pages = self.get_page(path, params, page=page, per_page=per_page)
            yield from records
            if not records or (total_pages is not None and page >= total_pages) or (
                    total_pages is None and len(records) < min(per_page, const.PAGE_SIZE)):
                return
            page += 1

    def modified_keyset_page(self, path, cursor=None, since=None, limit=const.PAGE_SIZE, params=None):
        """One keyset page (the base's services/paging.py contract) of a list WooCommerce sorts by
        modification time (orders, products): the raw records after `cursor` in
        (``date_modified_gmt``, id) order, and the cursor of the next page.

        WooCommerce's ``modified_after`` is exclusive (WordPress's date query "after"), so the
        request starts a second before the cursor's (or `since`'s) time and the cursor decides which
        records are new. WooCommerce sorts by that time alone, to the second, and leaves the order
        within a second to the database: the records of a page's last second may go on over the next
        page, so only those strictly older than it are known complete. Pages of the one request are
        read until `limit` complete records follow the cursor, or the list ends.

        :param params: the request's own filters (status...).
        :returns: {"records": [raw records], "next_cursor": str or None, "total": how many records
            the whole list has (``X-WP-Total`` of the first page, read without a cursor; else None)}
        """
        limit = max(1, min(int(limit or const.PAGE_SIZE), const.PAGE_SIZE))
        query = {**(params or {}), "orderby": "modified", "order": "asc", "dates_are_gmt": "true"}
        start = paging.cursor_time(cursor) or since
        if start:
            query["modified_after"] = (start - MODIFIED_AFTER_MARGIN).strftime("%Y-%m-%dT%H:%M:%S")
        seen, page, first_total = [], 1, None
        while True:
            rows, total, total_pages = self.get_page(path, query, page=page)
            if page == 1:
                first_total = total
            seen += rows
            last_page = not rows or (total_pages is not None and page >= total_pages) or (
                total_pages is None and len(rows) < const.PAGE_SIZE)
            ready = paging.after_cursor(seen, cursor, time_field=MODIFIED_FIELD)
            if last_page:
                break
            boundary = max(paging.record_key(row, MODIFIED_FIELD) for row in rows)[:2]
            ready = [row for row in ready if paging.record_key(row, MODIFIED_FIELD)[:2] < boundary]
            if len(ready) >= limit:
                break
            page += 1
        chosen = ready[:limit]
        more = len(ready) > limit or not last_page
        return {"records": chosen,
                "next_cursor": paging.cursor_of(chosen[-1], MODIFIED_FIELD) if more and chosen else None,
                "total": first_total if cursor is None else None}

    # ------------------------------------------------------------------ batches
    def batch(self, path, create=(), update=(), delete=()):
        """``POST <path>/batch`` in calls of at most BATCH_LIMIT items in total.

        :returns: {"create": [...], "update": [...], "delete": [...]}: WooCommerce's answer for each
            item, in the order given; a refused item is ``{"id": ..., "error": {"code", "message",
            "data"}}`` (see `item_error_text`).
        """
        queue = [("create", item) for item in create] + [("update", item) for item in update] + [
            ("delete", item) for item in delete]
        results = {"create": [], "update": [], "delete": []}
        for start in range(0, len(queue), const.BATCH_LIMIT):
            chunk = queue[start:start + const.BATCH_LIMIT]
            body = {}
            for action, item in chunk:
                body.setdefault(action, []).append(item)
            answer = self.request_json("POST", path.rstrip("/") + "/batch", json=body) or {}
            for action, sent in body.items():
                received = answer.get(action) or []
                if len(received) != len(sent):
                    raise PermanentJobError(str(_lt(
                        "WooCommerce did not answer one result per item sent to %(action)s in a batch of "
                        "store %(store)s (answered: %(received)s, sent: %(sent)s): the batch's outcome is "
                        "unknown. Run the job again.",
                        received=len(received), sent=len(sent), action=action, store=self.store.name)))
                results[action].extend(received)
        return results

    @staticmethod
    def item_error_text(item):
        """The words of a batch item's ``error``, or None when the item succeeded."""
        error = isinstance(item, dict) and item.get("error")
        if not error:
            return None
        if isinstance(error, dict):
            message = error.get("message") or error.get("code") or str(error)
            code = error.get("code")
            return f"{message} ({code})" if code and code != message else message
        return str(error)


# WooCommerce refusing a change to what the key's user may not change (wc-rest-functions.php,
# the controllers' *_permissions_check): 401 without a user, 403 with one.
CANNOT_CHANGE_CODES = (
    "woocommerce_rest_cannot_create", "woocommerce_rest_cannot_edit", "woocommerce_rest_cannot_update",
    "woocommerce_rest_cannot_delete", "woocommerce_rest_cannot_batch",
)
# WC_REST_Authentication::check_permissions: a key without the scope of the request's method.
NO_WRITE_PERMISSION = "does not have write permissions"
NO_READ_PERMISSION = "does not have read permissions"


def error_advice(code, message):
    """What a merchant does about a WooCommerce error, when WooCommerce's words do not say it.

    :param code: WooCommerce's ``code`` (or None).
    :param message: WooCommerce's ``message``.
    :returns: a sentence, or None.
    """
    message = (message or "").lower()
    if code == "rest_no_route":
        return str(_lt(
            "WordPress does not know this REST route: set Settings > Permalinks to anything but "
            "\"Plain\", check that WooCommerce is active, and that no security plugin blocks /wp-json/."))
    if NO_WRITE_PERMISSION in message or code in CANNOT_CHANGE_CODES:
        return str(_lt(
            "The key is read-only, or its WordPress user may not change this: generate a Read/Write key "
            "(WooCommerce > Settings > Advanced > REST API, or Connect with WooCommerce on the store) as "
            "an Administrator or Shop Manager, and enter it on the store."))
    if NO_READ_PERMISSION in message:
        return str(_lt(
            "The key is write-only: generate a Read/Write key (WooCommerce > Settings > Advanced > REST "
            "API, or Connect with WooCommerce on the store) and enter it on the store."))
    if "consumer key is missing" in message or code == "woocommerce_rest_cannot_view":
        return str(_lt(
            "WooCommerce did not recognise the key: check the consumer key and secret; if they are right, "
            "the host strips the Authorization header: switch on \"Keys in the Query String\" on the "
            "store. Test Connection tells which."))
    return None


def error_facts(response):
    """What an error answer says, for code that explains it: ``{"status", "code", "message",
    "html"}`` (``html``: a web page, from WordPress's theme, a firewall or the host, not WooCommerce's
    JSON)."""
    content_type = (response.headers.get("Content-Type") or "").lower()
    try:
        body = response.json()
    except ValueError:
        body = None
    text = (response.text or "")[:512].lstrip().lower()
    html = "html" in content_type or text.startswith(("<!doctype html", "<html"))
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        message = body.get("message") if isinstance(body.get("message"), str) else None
        return {"status": response.status_code, "code": code, "message": message, "html": False}
    return {"status": response.status_code, "code": None, "message": None, "html": html}


def _int_header(response, name):
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None
