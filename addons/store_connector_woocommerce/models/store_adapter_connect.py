"""Connection of a WooCommerce store: Test Connection in words a merchant can act on, the store's
defaults (order-reference prefix) and the callback path of Connect with WooCommerce.

Test Connection reads, without writing anything on the shop:

* ``GET /system_status`` (``_fields=environment,settings``): WooCommerce and WordPress versions,
  currency, WordPress's own address. It needs a key of a user who may manage WooCommerce, as the
  connector's jobs do.
* ``GET /settings/general/woocommerce_calc_taxes``, ``/settings/tax/woocommerce_prices_include_tax``,
  ``/settings/products/woocommerce_manage_stock``: taxes on, prices entered with or without tax,
  stock management on.
* ``GET /products`` and ``GET /orders`` (one record): WordPress's ``Allow`` header lists the methods
  whose permission check the key's user passes (``rest_send_allow_header``): without ``POST`` the
  user may not create products or orders.

A key's own scope (Read, Write, Read/Write) is checked by WooCommerce before each request
(WC_REST_Authentication::check_permissions) and reported nowhere: only a write tells. Test
Connection writes nothing, so it says Read/Write only for the key Connect with WooCommerce
generated (the store remembers its permissions and the end of the key); a pasted Read key is told
by the first write job, whose error says "the key is read-only: generate a Read/Write key"
(models/woocommerce_client.py `error_advice`).

When the request fails, the answer is explained (`_woocommerce_connection_problem`): a web page
where JSON was expected (permalinks "Plain", a firewall or security plugin), ``rest_no_route``,
wrong key or secret, a key WooCommerce did not see at all (the host strips the Authorization
header: Test Connection tries the keys in the query string to tell which), a user without the
rights, the REST API blocked by a plugin.
"""

from urllib.parse import urlsplit

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import StoreConnectorError

from .. import const
from .woocommerce_client import NO_READ_PERMISSION

SYSTEM_STATUS_FIELDS = "environment,settings"


class StoreAdapterWooCommerceConnect(models.AbstractModel):
    _inherit = "store.adapter.woocommerce"

    # ---------------------------------------------------------------- store defaults
    @api.model
    def _default_order_prefix(self, store):
        """WooCommerce orders are numbered 12345: "WC-12345" says where a sale order comes from."""
        return const.DEFAULT_ORDER_PREFIX

    @api.model
    def _oauth_callback_path(self, store):
        """Connect with WooCommerce posts the keys here (the base's state checks compare the path, so
        a state of another platform's store is refused at this route and a WooCommerce state at the
        base's OAuth callback). WooCommerce has no OAuth install: `_oauth_enabled` stays False."""
        return const.KEYS_CALLBACK_ROUTE

    # ---------------------------------------------------------------- Test Connection
    @api.model
    def _test_connection(self, store):
        """Read the shop's versions and settings (see the module docstring).

        :returns: {label: fact}, the last one "To fix": what the merchant should change, in sentences.
        :raises UserError: the connection failed, saying why and what to do.
        """
        client = store._woocommerce_client()
        status = self._woocommerce_system_status(store, client)
        environment = status.get("environment") or {}
        settings = status.get("settings") or {}
        problems = []
        facts = {
            _("WooCommerce"): environment.get("version") or _("version not reported"),
            _("WordPress"): environment.get("wp_version") or _("version not reported"),
            _("Currency"): settings.get("currency") or _("not reported"),
        }
        facts[_("Taxes")] = self._woocommerce_tax_fact(client)
        facts[_("Stock management")] = self._woocommerce_stock_fact(client, problems)
        facts[_("Key permissions")] = self._woocommerce_key_fact(store, client, problems)
        home_url = environment.get("home_url")
        if home_url:
            facts[_("WordPress address")] = home_url
            if _host(home_url) != _host(store.shop_url):
                problems.append(_(
                    "WordPress calls itself %(home)s while the store's URL is %(url)s: enter the WordPress "
                    "address (WordPress > Settings > General) as the store's URL, so that webhooks and links "
                    "name the same shop.", home=home_url, url=store.shop_url))
        if client._uses_oauth1():
            problems.append(_(
                "The shop is reached over plain http (keys signed with OAuth 1.0a): only a local test shop "
                "may be; a real shop needs https."))
        facts[_("To fix")] = " ".join(problems) if problems else _("nothing, the store is ready.")
        return facts

    @api.model
    def _connection_summary(self, store, facts):
        """The shop's WordPress address and currency, and "To fix" as what to fix; the versions,
        taxes, stock management and key permissions listed below."""
        to_fix = facts.get(_("To fix"))
        shown = (_("WordPress address"), _("Currency"), _("To fix"))
        return {
            "shop": facts.get(_("WordPress address")) or store.shop_url,
            "currency": facts.get(_("Currency")),
            "problems": [to_fix] if to_fix and to_fix != _("nothing, the store is ready.") else [],
            "details": {label: value for label, value in facts.items() if label not in shown},
        }

    @api.model
    def _woocommerce_system_status(self, store, client):
        """``GET /system_status``, or a UserError explaining why it failed."""
        try:
            response = client.request("GET", "/system_status", params={"_fields": SYSTEM_STATUS_FIELDS})
        except StoreConnectorError as exc:
            raise UserError(self._woocommerce_connection_problem(store, client, exc)) from None
        try:
            status = response.json()
        except ValueError:
            status = None
        if not isinstance(status, dict) or not isinstance(status.get("environment"), dict):
            raise UserError(_(
                "The shop answered with a web page instead of WooCommerce's REST API: a maintenance or "
                "\"coming soon\" mode, a cache or a security plugin answers in WordPress's place, or "
                "Settings > Permalinks is \"Plain\". Open %(url)s in a browser: it must show JSON, not a "
                "page.", url=_api_index_url(store)))
        return status

    @api.model
    def _woocommerce_connection_problem(self, store, client, exc):
        """What went wrong, in words a merchant can act on.

        :param client: the client whose request failed (`last_error`: the answer, if there was one).
        :param exc: the client's error.
        :returns: str.
        """
        error = client.last_error
        if not error:
            return _(
                "Cannot reach WooCommerce at %(url)s: %(error)s Check the store's URL: it must be the "
                "WordPress address exactly (a redirect, e.g. to www. or to https, is not followed).",
                url=store.shop_url, error=exc)
        status, code, message = error["status"], error["code"], error["message"] or ""
        said = f"{message} ({code})" if code else message
        lower = message.lower()
        if error["html"]:
            if status == 404:
                return _(
                    "WordPress answered with a \"page not found\" web page where WooCommerce's REST API "
                    "should be: set WordPress > Settings > Permalinks to anything but \"Plain\" (the REST "
                    "API needs pretty permalinks), then test again. %(url)s must show JSON in a browser.",
                    url=_api_index_url(store))
            if status < 500:
                return _(
                    "Something in front of WooCommerce (a firewall, a security plugin or the host) refused "
                    "the request with a web page (HTTP %(status)s): allow requests to /wp-json/wc/v3/ from "
                    "this server, or ask the host to, then test again.", status=status)
            return _(
                "The shop answered with an error page (HTTP %(status)s): WordPress or the host has a "
                "problem. Try again later; if it lasts, look at the shop's error log.", status=status)
        if code == "rest_no_route":
            return _(
                "WordPress answers, but does not know WooCommerce's REST API (rest_no_route): check that "
                "WooCommerce is active and that WordPress > Settings > Permalinks is not \"Plain\", then "
                "test again.")
        if code == "woocommerce_rest_authentication_error":
            if "consumer secret is invalid" in lower or "invalid signature" in lower:
                return _(
                    "WooCommerce knows the consumer key but not this consumer secret (%(said)s): enter the "
                    "secret shown with the key when it was generated, or generate a new key.", said=said)
            if "consumer key is invalid" in lower:
                return self._woocommerce_unknown_key_text()
            if NO_READ_PERMISSION in lower:
                return _(
                    "The key is write-only (%(said)s): generate a Read/Write key (WooCommerce > Settings > "
                    "Advanced > REST API, or Connect with WooCommerce) and enter it on the store.", said=said)
            if "timestamp" in lower:
                return _(
                    "WooCommerce refused the request's time (%(said)s): the clocks of this server and of "
                    "the shop differ by more than 15 minutes. Set both to the right time.", said=said)
            return _("WooCommerce refused the keys (%(said)s): check the consumer key and secret, or "
                     "generate a new Read/Write key.", said=said)
        if (status == 401 and code == "woocommerce_rest_cannot_view") or "consumer key is missing" in lower:
            return self._woocommerce_key_not_seen(store, client, said)
        if status == 403 and (code or "").startswith("woocommerce_rest_cannot"):
            return _(
                "The key works, but its WordPress user may not manage WooCommerce (%(said)s): generate the "
                "key as a user with the Administrator or Shop Manager role.", said=said)
        if status in (401, 403):
            return _(
                "WordPress refused the REST API request before WooCommerce saw the key (%(said)s): a "
                "security plugin or the host blocks the REST API. Allow /wp-json/wc/v3/ for API keys "
                "(or for this server's address), then test again.", said=said or status)
        if status == 429:
            return _(
                "The shop's host is limiting requests (HTTP 429): wait a few minutes and test again; if it "
                "lasts, ask the host to allow this server's requests to /wp-json/wc/v3/.")
        if status >= 500:
            return _(
                "WooCommerce had a server error (HTTP %(status)s: %(said)s). Try again later; if it lasts, "
                "look at WooCommerce > Status > Logs.", status=status, said=said or _("no message"))
        return _("WooCommerce refused Test Connection: %(error)s", error=exc)

    @api.model
    def _woocommerce_unknown_key_text(self):
        return _(
            "WooCommerce does not know this consumer key: it was deleted, belongs to another shop, or was "
            "copied incompletely. Generate a new Read/Write key (WooCommerce > Settings > Advanced > REST "
            "API, or Connect with WooCommerce) and enter it on the store.")

    @api.model
    def _woocommerce_key_not_seen(self, store, client, said):
        """WooCommerce answered as to a caller without a key: the key is unknown, or the host dropped
        the Authorization header on its way ("Consumer key is missing"). Sending the keys the other
        way (query string vs header) once tells which.

        :returns: str.
        """
        if client._uses_oauth1():
            return self._woocommerce_unknown_key_text()
        in_query = not client._keys_in_query_string()
        try:
            store._woocommerce_client(query_string_auth=in_query).request(
                "GET", "/system_status", params={"_fields": "environment"})
        except StoreConnectorError:
            return self._woocommerce_unknown_key_text()
        if in_query:
            return _(
                "WooCommerce did not receive the key (%(said)s): the shop's host strips the Authorization "
                "header. The same keys work in the query string (checked): switch on \"Keys in the Query "
                "String\" on the store's Credentials tab, save, and test again.", said=said)
        return _(
            "WooCommerce ignores the keys in the query string (%(said)s) but accepts them in the "
            "Authorization header (checked): switch off \"Keys in the Query String\" on the store's "
            "Credentials tab, save, and test again.", said=said)

    @api.model
    def _woocommerce_setting(self, client, group, setting_id):
        """A WooCommerce setting's value (``GET /settings/<group>/<id>``), or None when it cannot be read
        (a group WooCommerce hides, e.g. "tax" while taxes are off)."""
        try:
            setting = client.request_json("GET", f"/settings/{group}/{setting_id}")
        except StoreConnectorError:
            return None
        return setting.get("value") if isinstance(setting, dict) else None

    @api.model
    def _woocommerce_tax_fact(self, client):
        calc_taxes = self._woocommerce_setting(client, "general", "woocommerce_calc_taxes")
        if calc_taxes == "no":
            return _("off in WooCommerce: orders carry no tax.")
        prices_include_tax = self._woocommerce_setting(client, "tax", "woocommerce_prices_include_tax")
        if prices_include_tax == "yes":
            return _("on; prices are entered with tax.")
        if prices_include_tax == "no":
            return _("on; prices are entered without tax.")
        return _("not reported (WooCommerce did not show its tax settings to this key).")

    @api.model
    def _woocommerce_stock_fact(self, client, problems):
        manage_stock = self._woocommerce_setting(client, "products", "woocommerce_manage_stock")
        if manage_stock == "yes":
            return _("on.")
        if manage_stock == "no":
            problems.append(_(
                "Stock management is off in WooCommerce, which then ignores the stock quantities Odoo "
                "sends: switch on WooCommerce > Settings > Products > Inventory > \"Enable stock "
                "management\"."))
            return _("off.")
        return _("not reported (WooCommerce did not show its product settings to this key).")

    @api.model
    def _woocommerce_key_fact(self, store, client, problems):
        """What is known of the key's permissions (see the module docstring); adds to `problems` what
        the key's WordPress user may not do."""
        for path, what in (("/products", _("create products")), ("/orders", _("create orders"))):
            allowed = self._woocommerce_allowed_methods(client, path)
            if allowed is not None and "POST" not in allowed:
                problems.append(_(
                    "The key's WordPress user may not %(what)s: generate the key as a user with the "
                    "Administrator or Shop Manager role.", what=what))
        connected = store.sudo()
        key = connected._get_credential(const.CRED_CONSUMER_KEY, required=False) or ""
        if connected.woocommerce_key_permissions and connected.woocommerce_key_ending and key.endswith(
                connected.woocommerce_key_ending):
            labels = dict(const.KEY_PERMISSIONS)
            return _("%(permissions)s (the key Connect with WooCommerce generated, ending in %(ending)s).",
                     permissions=labels.get(connected.woocommerce_key_permissions),
                     ending=connected.woocommerce_key_ending)
        return _(
            "reading works. WooCommerce does not tell whether a pasted key may write: use a Read/Write key "
            "(if it is Read only, the first export or status update stops and says so).")

    @api.model
    def _woocommerce_allowed_methods(self, client, path):
        """The methods WordPress's ``Allow`` header says the key's user may use on `path`, or None
        when it cannot be told (no header, or the request failed)."""
        try:
            response = client.request("GET", path, params={"per_page": 1, "_fields": "id"})
        except StoreConnectorError:
            return None
        allow = response.headers.get("Allow")
        if not allow:
            return None
        return {method.strip().upper() for method in allow.split(",") if method.strip()}


def _host(url):
    return (urlsplit(url or "").hostname or "").lower()


def _api_index_url(store):
    return (store.shop_url or "").rstrip("/") + "/wp-json/"
