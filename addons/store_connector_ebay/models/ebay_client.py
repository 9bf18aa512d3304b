"""The eBay REST client of one store (Sell and Commerce APIs), on the base's client core
(store_connector_base/services/api_client.py).

* **Host**: eBay's API host of the store's environment (sandbox or production), or the simulator's
  root where the server allows private URLs (connector.store `_ebay_api_root`). Paths are absolute API
  paths: ``client.request_json("GET", "/sell/account/v1/privilege", api="account")``.
* **Authentication**: the seller's user token (``Authorization: Bearer``, the base's OAuth lifecycle:
  `store._oauth_access_token()`, refreshed before it lapses, and once more after an HTTP 401), or,
  with ``app=True``, the application token of the client-credentials grant (Taxonomy, notification
  public keys), minted when a call needs it, cached as the credential ``app_token`` with its expiry,
  one mint at a time across workers (`_ebay_app_token`).
* **Finances**: the Finances API's calls (``api="finances"``) go to its own host, ``apiz.ebay.com``
  (sandbox ``apiz.sandbox.ebay.com``; connector.store `_ebay_finances_root`).
* **Headers**: ``X-EBAY-C-MARKETPLACE-ID`` (the store's marketplace), ``Content-Language`` and
  ``Accept-Language`` (the store's content language: the Inventory API refuses an item without it).
* **Quotas**: eBay counts calls per API per day (US-Pacific midnight): every request names its
  quota (`api`: "inventory", "fulfillment", "account", "taxonomy", "metadata", "notification",
  "analytics", "finances") and is paced by that quota's own bucket; past the quota the job waits for
  the next quota day (throttled, never failed).
* **Errors**: eBay answers ``{"errors": [{errorId, domain, category, message, longMessage,
  parameters}]}``; the core quotes `_error_text` (errorId and longMessage, the parameters named):
  timeouts, 429 and 5xx are retried, 401/403 pause the store (after one refresh), other 4xx fail
  permanently. A bulk call's answer carries one entry per item with its own ``statusCode`` and
  ``errors``: `bulk_errors(item)` gives their text.
* **Pages**: `iter_offset_pages(path, key, ...)` walks a ``limit``/``offset`` list following its
  ``next`` link (or ``total``).
"""

import base64
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.tools.translate import LazyTranslate

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services.api_client import ApiClient
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.services.logs import get_logger
from odoo.addons.store_connector_base.services.redact import safe_message

from .. import const

_logger = get_logger(__name__)
_lt = LazyTranslate(__name__, default_lang="en_US")

# First key of the advisory lock serialising the app token's mint of one store (its id is the second).
APP_TOKEN_LOCK_NAMESPACE = 0x0EBA7
# (dbname, store id) -> (app token, expires_at): app tokens this process minted and committed in a
# cursor of their own, newer than what the caller's transaction can still read (its snapshot predates
# them). Without it, a request whose app token eBay refused (eBay forgot or revoked it) would send the
# refused token again after minting a new one, as the base keeps fresh user tokens (_fresh_tokens).
_fresh_app_tokens = {}


def error_text(errors):
    """eBay's error entries ({errorId, message, longMessage, parameters}) as one readable text."""
    if isinstance(errors, dict):
        errors = [errors]
    texts = []
    for error in errors or []:
        if not isinstance(error, dict):
            texts.append(str(error))
            continue
        words = error.get("longMessage") or error.get("message") or ""
        parameters = ", ".join(
            f"{param.get('name')}={param.get('value')}" for param in error.get("parameters") or []
            if isinstance(param, dict) and param.get("name"))
        text = f"errorId {error.get('errorId')}: {words}".strip() if error.get("errorId") else words
        if parameters:
            text += f" ({parameters})"
        texts.append(text)
    return " ".join(text if text.endswith(".") else text + "." for text in texts if text) or None


class EbayClient(ApiClient):
    """REST client of one eBay store (see the module docstring)."""

    platform_name = "eBay"
    timeout = const.HTTP_TIMEOUT
    # eBay publishes daily quotas, no short-term bucket: this one keeps bursts polite.
    rate_limit_capacity = 20
    rate_limit_restore_rate = 10.0

    def __init__(self, store, **kwargs):
        super().__init__(store, **kwargs)
        self._app = False  # the request being sent uses the app token
        self._app_token_renewed = False  # eBay refused the app token of this request: a new one was minted
        self._finances = False  # the request being sent goes to the Finances API's host

    # ------------------------------------------------------------------ public interface
    def request(self, method, path, *, params=None, json=None, data=None, headers=None, cost=1.0,
                api=None, app=False):
        """`ApiClient.request` with eBay's headers; `app=True` sends the application token instead of
        the seller's (client-credentials calls: Taxonomy, notification public keys)."""
        all_headers = {**self._ebay_headers(), **(headers or {})}
        self._app = app
        self._app_token_renewed = False
        self._finances = api == const.QUOTA_FINANCES
        try:
            return super().request(method, path, params=params, json=json, data=data, headers=all_headers,
                                   cost=cost, api=api)
        except StoreAuthError as exc:
            if app and self._app_token_renewed and self._last_status == 401:
                # A new application token refused too: the keyset itself is not accepted.
                raise StoreAuthError(str(_lt(
                    "eBay refused the application token of store %(store)s, and then the new one it had "
                    "just issued (HTTP 401). Check on the eBay developer portal that the App ID and Cert "
                    "ID entered on the store belong to an active keyset of the store's environment, then "
                    "try again.", store=self.store.name))) from exc
            raise
        finally:
            self._app = False
            self._app_token_renewed = False
            self._finances = False

    def request_json(self, method, path, *, api, params=None, json=None, headers=None, app=False, cost=1.0):
        """One call's JSON answer (None for an empty body, e.g. 204).

        :param path: the absolute API path ("/sell/inventory/v1/offer"), or a ``next`` link eBay gave.
        :param api: the quota it counts against (const.QUOTAS: "inventory", "fulfillment"...).
        :param app: send the application token (client credentials) instead of the seller's.
        :raises RetryableJobError, StoreAuthError, PermanentJobError: see the module docstring.
        """
        return super().request_json(method, path, params=params, json=json, headers=headers, api=api,
                                    app=app, cost=cost)

    @staticmethod
    def bulk_errors(item):
        """The readable text of one bulk answer item's ``errors`` (bulkCreateOrReplaceInventoryItem,
        bulkUpdatePriceQuantity, bulkPublishOffer...), or None when the item succeeded."""
        if not isinstance(item, dict):
            return None
        errors = item.get("errors")
        status = item.get("statusCode")
        if not errors:
            if isinstance(status, int) and status >= 400:
                return str(_lt("eBay refused it (HTTP %(status)s) without saying why.", status=status))
            return None
        return error_text(errors)

    def iter_offset_pages(self, path, key, *, api, params=None, limit=const.MAX_PAGE_LIMIT, app=False):
        """Every record of an offset-paged list (``limit``/``offset``; ``next``, ``total``), page by
        page: follows ``next`` when eBay gives it, else stops at ``total`` or a short page.

        :param key: the answer's list ("orders", "inventoryItems", "offers").
        :yields: the records, in eBay's order.
        """
        query = {**(params or {}), "limit": limit, "offset": (params or {}).get("offset", 0)}
        url = path
        while True:
            page = self.request_json("GET", url, api=api, params=query, app=app) or {}
            records = page.get(key) or []
            yield from records
            next_link = page.get("next")
            if next_link:
                url, query = next_link, None
                continue
            offset = int(page.get("offset") or (query or {}).get("offset") or 0)
            total = page.get("total")
            if not records or len(records) < int(page.get("limit") or limit) or (
                    total is not None and offset + len(records) >= int(total)):
                return
            url, query = path, {**(params or {}), "limit": limit, "offset": offset + len(records)}

    # ------------------------------------------------------------------ hooks of the core
    def _base_url(self):
        """eBay's API host; the Finances API's own host for its calls (`api` "finances"), so that its
        paths and its ``next`` links go there."""
        return self.store._ebay_finances_root() if self._finances else self.store._ebay_api_root()

    def _request_writes(self, method, url, *, params=None, json=None, data=None, headers=None):
        """Test mode: REST reads are GETs, but for the bulk reads eBay serves as POSTs
        (const.REST_READ_POST_PREFIXES: bulk_get_inventory_item)."""
        last_segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        if method.upper() == "POST" and last_segment.startswith(const.REST_READ_POST_PREFIXES):
            return False
        return super()._request_writes(method, url, params=params, json=json, data=data, headers=headers)

    def _ebay_headers(self):
        language = self.store.ebay_content_language or const.MARKETPLACE_LANGUAGE.get(
            self.store.ebay_marketplace_id) or "en-US"
        return {
            "X-EBAY-C-MARKETPLACE-ID": self.store.ebay_marketplace_id or const.DEFAULT_MARKETPLACE,
            "Content-Language": language,
            "Accept-Language": language,
        }

    def _auth_headers(self):
        token = self.app_token() if self._app else self.store._oauth_access_token()
        return {"Authorization": f"Bearer {token}"}

    def _can_refresh_auth(self):
        return True if self._app else self.store._oauth_can_refresh()

    def _refresh_auth(self):
        if self._app:
            # eBay refused the app token (it expired early, was revoked, or eBay forgot it): drop
            # it, mint one more and let the core send the request once more with it.
            self.app_token(force=True)
            self._app_token_renewed = True
        else:
            self.store._oauth_access_token(force_refresh=True)

    def _retry_after(self, response):
        """eBay's 429 (a call limit reached, errorId 2001) says no Retry-After: wait
        const.QUOTA_429_WAIT_SECONDS, or until the quota day starts again when that is sooner. The core
        then holds every call of this API of the store until then (one probe, not one per job)."""
        seconds = super()._retry_after(response)
        if seconds is None and response.status_code == 429:
            now = datetime.now(ZoneInfo(const.QUOTA_TIMEZONE))
            midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            seconds = max(1.0, min(const.QUOTA_429_WAIT_SECONDS, (midnight - now).total_seconds()))
        return seconds

    def _error_text(self, body):
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            return error_text(body["errors"])
        return super()._error_text(body)

    # ------------------------------------------------------------------ the application token
    def app_token(self, force=False):
        """The application token (client credentials, scope const.APP_SCOPE): the cached one while it
        has more than const.APP_TOKEN_REFRESH_MARGIN seconds left, else a new one, minted by one
        worker at a time (an advisory lock in a transaction of its own, committed at once so that
        every worker uses it; the others wait and then use it).

        :param force: eBay refused the cached token: mint another unless another worker just did.
        :raises StoreAuthError: eBay refused the App ID and Cert ID.
        :raises RetryableJobError: the token endpoint is unreachable or busy.
        """
        store = self.store
        key = (store.env.cr.dbname, store.id)
        cached = self._cached_app_token()
        if cached and not force:
            return cached
        if force and _fresh_app_tokens.get(key, (None,))[0] == cached:
            del _fresh_app_tokens[key]  # the one eBay refused: never sent again
        store.env.flush_all()  # a cursor sharing this transaction (registry test mode) reads our writes
        lock = [APP_TOKEN_LOCK_NAMESPACE, store.id]
        with store.env.registry.cursor() as cr:
            # A session lock, then a new transaction: Odoo's transactions keep the snapshot of their
            # first statement, which would predate what the worker we waited for committed.
            cr.execute("SELECT pg_advisory_lock(%s, %s)", lock)
            try:
                cr.commit()
                locked = store.with_env(api.Environment(cr, SUPERUSER_ID, {}))
                again = EbayClient(locked)._cached_app_token()
                if again and again != cached:
                    token = again  # another worker minted it while we waited
                else:
                    token, expires_in = self._mint_app_token(locked)
                    locked.env["integration.credential"]._set_value(
                        locked, const.CRED_APP_TOKEN, token,
                        expires_at=fields.Datetime.now() + timedelta(seconds=expires_in))
                expires_at = EbayClient(locked)._app_token_expiry()
                cr.commit()
                if expires_at:
                    _fresh_app_tokens[key] = (token, expires_at)
            except Exception:
                cr.rollback()
                raise
            finally:
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
                cr.commit()
        store.env["integration.credential"].invalidate_model()
        return token

    def _cached_app_token(self):
        """The app token to send without minting: the one this process minted after the caller's
        snapshot (`_fresh_app_tokens`), else the stored one, while it has more than
        const.APP_TOKEN_REFRESH_MARGIN seconds left; None otherwise."""
        margin = timedelta(seconds=const.APP_TOKEN_REFRESH_MARGIN)
        now = fields.Datetime.now()
        fresh = _fresh_app_tokens.get((self.store.env.cr.dbname, self.store.id))
        if fresh and fresh[1] - margin > now:
            return fresh[0]
        expires_at = self._app_token_expiry()
        if expires_at is None or expires_at - margin <= now:
            return None
        return self.store._get_credential(const.CRED_APP_TOKEN, required=False) or None

    def _app_token_expiry(self):
        """When the stored app token lapses (None: no token stored)."""
        credential = self.store.env["integration.credential"].sudo().search(
            [("store_id", "=", self.store.id), ("key", "=", const.CRED_APP_TOKEN)], limit=1)
        return credential.expires_at or None

    def _mint_app_token(self, store):
        """POST the client-credentials grant. :returns: (token, seconds it lasts)."""
        adapter = store._get_adapter()
        client_id = adapter._oauth_client_id(store)
        client_secret = adapter._oauth_client_secret(store)
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        sent = [client_secret, basic]
        transport = HttpTransport(timeout=self.timeout)
        try:
            response = transport.post(
                adapter._oauth_token_url(store),
                data={"grant_type": "client_credentials", "scope": const.APP_SCOPE},
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"}, secrets=sent)
        except requests.RequestException as exc:
            raise RetryableJobError(str(_lt(
                "eBay's token endpoint is unreachable for store %(store)s (%(error)s): the request is "
                "sent again later.", store=store.name, error=exc.__class__.__name__))) from None
        finally:
            transport.close()
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if response.status_code == 200 and body.get("access_token"):
            return str(body["access_token"]), int(body.get("expires_in") or 7200)
        words = body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
        secrets = sent + store.env["integration.credential"]._store_secrets(store)
        words = safe_message(words, secrets, limit=300)
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableJobError(str(_lt(
                "eBay could not issue an application token for store %(store)s now (%(error)s): the "
                "request is sent again later.", store=store.name, error=words)))
        if response.status_code in (400, 401):
            raise StoreAuthError(str(_lt(
                "eBay refused the App ID and Cert ID of store %(store)s (%(error)s). Copy them again "
                "from the eBay developer portal (Application Keys, the store's environment) to the "
                "store's credentials.", store=store.name, error=words)))
        raise PermanentJobError(str(_lt(
            "eBay refused an application token for store %(store)s: %(error)s", store=store.name,
            error=words)))
