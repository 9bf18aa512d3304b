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
from urllib.parse import parse_qsl, urlencode, urlsplit

from odoo.tools.translate import LazyTranslate

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.api_client import ApiClient

from .. import const

_lt = LazyTranslate(__name__, default_lang="en_US")


class WooCommerceClient(ApiClient):
    """REST client of one WooCommerce store (see the module docstring)."""

    platform_name = "WooCommerce"
    # A batch of 100 products can take WooCommerce well over the package's 5 s default.
    timeout = (10, 120)
    # wc/v3 has no limit of its own (hosts and firewalls may add one, answered as 429); the bucket
    # keeps a store from flooding a small shared host.
    rate_limit_capacity = 20
    rate_limit_restore_rate = 5.0

    # ------------------------------------------------------------------ hooks of the core
    def _base_url(self):
        return super()._base_url() + const.API_PATH

    def _uses_oauth1(self):
        """Plain http: WooCommerce accepts neither Basic auth nor keys in the query there."""
        return urlsplit(self.store.shop_url or "").scheme == "http"

    def _keys(self):
        return (self.store._get_credential(const.CRED_CONSUMER_KEY),
                self.store._get_credential(const.CRED_CONSUMER_SECRET))

    def _auth_headers(self):
        if self._uses_oauth1() or self.store.woocommerce_query_string_auth:
            return {}
        key, secret = self._keys()
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self._remember_secrets([key, secret])
        return {"Authorization": f"Basic {token}"}

    def _auth_params(self):
        if self._uses_oauth1() or not self.store.woocommerce_query_string_auth:
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
        """{"code", "message", "data"}: the message with its code; rest_no_route explained."""
        if isinstance(body, dict) and body.get("message"):
            code = body.get("code")
            text = f"{body['message']} ({code})" if code else body["message"]
            if code == "rest_no_route":
                text += " " + str(_lt(
                    "WordPress does not know this REST route: set Settings > Permalinks to anything but "
                    "\"Plain\", and check that no security plugin blocks /wp-json/."))
            return text
        return super()._error_text(body)

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
                        "WooCommerce answered %(received)s results for %(sent)s items to %(action)s in a "
                        "batch of store %(store)s: the batch's outcome is unknown. Run the job again.",
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


def _int_header(response, name):
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None
