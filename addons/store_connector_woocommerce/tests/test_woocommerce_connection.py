"""Connection of a WooCommerce store: Test Connection's facts and each failure in words (against a
loopback server answering as WooCommerce does), the read-only key's wording on a write, the https
rule, the order-reference prefix."""

import tempfile
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

from odoo.exceptions import UserError, ValidationError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import StoreAuthError
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.tests.common_orders import OrderPipelineCase
from odoo.addons.store_connector_base.tests.http_servers import (
    RecordingServer,
    TcpListener,
    private_urls,
    self_signed_tls,
)

from .common import CONSUMER_KEY, create_woocommerce_store

API = "/wp-json/wc/v3"
NO_ROUTE = (
    404,
    {},
    {
        "code": "rest_no_route",
        "message": "No route was found matching the URL and request method.",
        "data": {"status": 404},
    },
)
CANNOT_VIEW = (
    401,
    {},
    {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    },
)


def auth_error(message, status=401):
    return (
        status,
        {},
        {"code": "woocommerce_rest_authentication_error", "message": message, "data": {"status": status}},
    )


class WooCommerceShop:
    """Answers as a WooCommerce shop: `routes` maps a path under /wp-json/wc/v3 to (status, headers,
    body) or to a callable(request) returning one; anything else is rest_no_route."""

    def __init__(self, case, tls=False, **overrides):
        self.settings = {
            "woocommerce_calc_taxes": "yes",
            "woocommerce_prices_include_tax": "yes",
            "woocommerce_manage_stock": "yes",
        }
        self.allow = "GET, POST"
        self.routes = {
            "/system_status": lambda request: (
                200,
                {},
                {
                    "environment": {"home_url": self.home_url, "version": "9.4.2", "wp_version": "6.7.1"},
                    "settings": {"currency": "EUR"},
                },
            ),
            "/settings/general/woocommerce_calc_taxes": lambda request: self.setting(
                "woocommerce_calc_taxes"
            ),
            "/settings/tax/woocommerce_prices_include_tax": lambda request: self.setting(
                "woocommerce_prices_include_tax"
            ),
            "/settings/products/woocommerce_manage_stock": lambda request: self.setting(
                "woocommerce_manage_stock"
            ),
            "/products": lambda request: (200, {"Allow": self.allow}, []),
            "/orders": lambda request: (200, {"Allow": self.allow}, []),
            **overrides,
        }
        context = cert = None
        if tls:
            context, cert = self_signed_tls(tempfile.mkdtemp(), "localhost")
        self.server = RecordingServer(self.respond, tls_context=context)
        base = self.server.start()
        case.addCleanup(self.server.stop)
        self.url = base.replace("127.0.0.1", "localhost") if tls else base
        self.home_url = self.url
        self.transport = HttpTransport(verify=cert) if tls else None

    def setting(self, setting_id):
        if self.settings.get(setting_id) is None:
            return (
                404,
                {},
                {
                    "code": "rest_setting_setting_group_invalid",
                    "message": "Invalid setting group.",
                    "data": {"status": 404},
                },
            )
        return 200, {}, {"id": setting_id, "value": self.settings[setting_id]}

    def respond(self, request):
        path = urlsplit(request["path"]).path
        answer = self.routes.get(path[len(API) :]) if path.startswith(API) else None
        if answer is None:
            return NO_ROUTE
        return answer(request) if callable(answer) else answer

    @property
    def requests(self):
        return self.server.requests


class WooCommerceConnectionCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1")

    def shop(self, tls=False, **overrides):
        shop = WooCommerceShop(self, tls=tls, **overrides)
        self.store.shop_url = shop.url
        if tls:
            # The self-signed certificate of the loopback shop: every client Test Connection builds trusts it.
            original = type(self.store)._woocommerce_client

            def client_with_transport(store, **kwargs):
                return original(store, transport=shop.transport, **kwargs)

            patcher = patch.object(type(self.store), "_woocommerce_client", client_with_transport)
            patcher.start()
            self.addCleanup(patcher.stop)
        return shop

    def facts(self):
        return self.env["store.adapter.woocommerce"]._test_connection(self.store)

    def failure(self):
        """Test Connection's failure as the merchant reads it (the notification and the activity log)."""
        result = self.store.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger", result["params"])
        log = self.store.log_ids.filtered(lambda line: line.operation == "connection")[:1]
        self.assertEqual(log.message, result["params"]["message"])
        return result["params"]["message"]


class TestWooCommerceTestConnection(WooCommerceConnectionCase):
    def test_facts_of_a_ready_shop_read_without_writing(self):
        shop = self.shop()
        self.assertEqual(
            self.facts(),
            {
                "WooCommerce": "9.4.2",
                "WordPress": "6.7.1",
                "Currency": "EUR",
                "Taxes": "on; prices are entered with tax.",
                "Stock management": "on.",
                "Key permissions": "reading works. WooCommerce does not tell whether a pasted key may write: "
                "use a Read/Write key (if it is Read only, the first export or status update stops and "
                "says so).",
                "WordPress address": shop.url,
                "To fix": "The shop is reached over plain http (keys signed with OAuth 1.0a): only a local "
                "test shop may be; a real shop needs https.",
            },
        )
        self.assertEqual(
            {request["method"] for request in shop.requests}, {"GET"}, "Test Connection writes nothing"
        )
        status_query = dict(parse_qsl(urlsplit(shop.requests[0]["path"]).query))
        self.assertEqual(status_query["_fields"], "environment,settings")

    def test_the_notification_reads_as_lines_of_facts(self):
        self.shop(tls=True)
        result = self.store.action_test_connection()
        self.assertEqual(result["params"]["type"], "success")
        message = result["params"]["message"]
        self.assertEqual(result["params"]["title"], "Connection to Woo Shop works.")
        # The platform's labelled facts (`_connection_summary`) worded by the base, then the others.
        expected = f"Connected to {self.store.shop_url} (WooCommerce, currency EUR). "
        self.assertTrue(message.startswith(expected), message)
        self.assertIn("Nothing to fix: the store is ready.\n", message)
        self.assertIn("\nTaxes: on; prices are entered with tax.", message)
        self.assertNotIn("To fix:", message)
        self.assertNotIn("{", message, "facts, not a dict")
        log = self.store.log_ids.filtered(lambda line: line.operation == "connection.test")[:1]
        self.assertIn("\nWooCommerce: 9.4.2\nWordPress: 6.7.1\n", log.message)
        self.assertNotIn("{", log.message, "the activity log holds the same lines")

    def test_stock_management_off_and_prices_without_tax(self):
        shop = self.shop(tls=True)
        shop.settings.update(woocommerce_manage_stock="no", woocommerce_prices_include_tax="no")
        facts = self.facts()
        self.assertEqual(facts["Taxes"], "on; prices are entered without tax.")
        self.assertEqual(facts["Stock management"], "off.")
        self.assertIn(
            "Stock management is off in WooCommerce, which then ignores the stock quantities Odoo "
            "sends: switch on WooCommerce > Settings > Products > Inventory",
            facts["To fix"],
        )

    def test_taxes_off_hide_the_tax_settings(self):
        shop = self.shop(tls=True)
        shop.settings.update(woocommerce_calc_taxes="no", woocommerce_prices_include_tax=None)
        self.assertEqual(self.facts()["Taxes"], "off in WooCommerce: orders carry no tax.")

    def test_a_user_who_may_not_create_products_or_orders_is_named(self):
        shop = self.shop(tls=True)
        shop.allow = "GET"
        to_fix = self.facts()["To fix"]
        self.assertIn(
            "The key's WordPress user may not create products: generate the key as a user with the "
            "Administrator or Shop Manager role.",
            to_fix,
        )
        self.assertIn("may not create orders", to_fix)

    def test_a_connected_key_is_read_write_while_the_store_uses_it(self):
        self.shop(tls=True)
        self.store.write(
            {"woocommerce_key_permissions": "read_write", "woocommerce_key_ending": CONSUMER_KEY[-7:]}
        )
        self.assertEqual(
            self.facts()["Key permissions"],
            f"Read/Write (the key Connect with WooCommerce generated, ending in {CONSUMER_KEY[-7:]}).",
        )
        self.env["integration.credential"]._set_value(self.store, "consumer_key", "ck_" + "9" * 40)
        self.assertTrue(self.facts()["Key permissions"].startswith("reading works."), "another key, pasted")

    def test_wordpress_under_another_address(self):
        shop = self.shop(tls=True)
        shop.home_url = "https://www.other-shop.example.com"
        self.assertIn(
            "WordPress calls itself https://www.other-shop.example.com while the store's URL is",
            self.facts()["To fix"],
        )


class TestWooCommerceConnectionFailures(WooCommerceConnectionCase):
    def test_plain_permalinks_answer_a_wordpress_page(self):
        self.shop(
            **{
                "/system_status": (
                    404,
                    {"Content-Type": "text/html; charset=UTF-8"},
                    "<!DOCTYPE html><html><body>Page not found</body></html>",
                )
            }
        )
        message = self.failure()
        self.assertIn('set WordPress > Settings > Permalinks to anything but "Plain"', message)
        self.assertIn("/wp-json/ must show JSON in a browser", message)

    def test_rest_no_route(self):
        self.shop(**{"/system_status": NO_ROUTE})
        self.assertIn(
            "does not know WooCommerce's REST API (rest_no_route): check that WooCommerce is active "
            'and that WordPress > Settings > Permalinks is not "Plain"',
            self.failure(),
        )

    def test_a_web_page_with_200_instead_of_json(self):
        self.shop(
            **{
                "/system_status": (
                    200,
                    {"Content-Type": "text/html"},
                    "<html><body>Coming soon</body></html>",
                )
            }
        )
        self.assertIn("The shop answered with a web page instead of WooCommerce's REST API", self.failure())

    def test_a_firewall_refusing_with_a_page(self):
        self.shop(
            **{
                "/system_status": (
                    403,
                    {"Content-Type": "text/html"},
                    "<html><body>Access denied by the firewall</body></html>",
                )
            }
        )
        self.assertIn(
            "Something in front of WooCommerce (a firewall, a security plugin or the host) refused "
            "the request with a web page (HTTP 403): allow requests to /wp-json/wc/v3/",
            self.failure(),
        )

    def test_rest_api_blocked_by_a_plugin(self):
        self.shop(
            **{
                "/system_status": (
                    401,
                    {},
                    {
                        "code": "rest_cannot_access",
                        "message": "Only authenticated users can access the REST API.",
                        "data": {"status": 401},
                    },
                )
            }
        )
        self.assertIn("a security plugin or the host blocks the REST API", self.failure())

    def test_wrong_secret(self):
        self.shop(**{"/system_status": auth_error("Invalid signature - provided signature does not match.")})
        self.assertIn("WooCommerce knows the consumer key but not this consumer secret", self.failure())

    def test_wrong_key(self):
        self.shop(**{"/system_status": auth_error("Consumer key is invalid.")})
        self.assertIn("WooCommerce does not know this consumer key", self.failure())

    def test_write_only_key(self):
        self.shop(**{"/system_status": auth_error("The API key provided does not have read permissions.")})
        self.assertIn("The key is write-only", self.failure())

    def test_a_user_without_the_rights_to_manage_woocommerce(self):
        self.shop(
            **{
                "/system_status": (
                    403,
                    {},
                    {
                        "code": "woocommerce_rest_cannot_view",
                        "message": "Sorry, you cannot list resources.",
                        "data": {"status": 403},
                    },
                )
            }
        )
        self.assertIn("The key works, but its WordPress user may not manage WooCommerce", self.failure())

    def test_unreachable_shop(self):
        listener = TcpListener()
        listener.start()
        self.addCleanup(listener.stop)
        self.store.shop_url = f"http://127.0.0.1:{listener.port}"
        self.assertIn("Cannot reach WooCommerce at", self.failure())

    def test_host_stripping_the_authorization_header(self):
        def system_status(request):
            query = dict(parse_qsl(urlsplit(request["path"]).query))
            if query.get("consumer_key") == CONSUMER_KEY:
                return 200, {}, {"environment": {"version": "9.4.2"}, "settings": {}}
            return CANNOT_VIEW

        shop = self.shop(tls=True, **{"/system_status": system_status})
        message = self.failure()
        self.assertIn(
            "the shop's host strips the Authorization header. The same keys work in the query string "
            '(checked): switch on "Keys in the Query String"',
            message,
        )
        self.assertIn("authorization", shop.requests[0]["headers"])
        self.assertNotIn("authorization", shop.requests[1]["headers"])
        self.store.woocommerce_query_string_auth = True
        self.assertEqual(self.facts()["WooCommerce"], "9.4.2", "the option on, the keys work")

    def test_a_key_unknown_either_way(self):
        shop = self.shop(tls=True, **{"/system_status": CANNOT_VIEW})
        self.assertIn("WooCommerce does not know this consumer key", self.failure())
        self.assertEqual(len(shop.requests), 2, "the header, then the query string")


class TestWooCommerceWriteRefusals(WooCommerceConnectionCase):
    def test_a_read_only_key_says_so_on_the_first_write(self):
        self.shop(
            **{
                "/products/batch": auth_error("The API key provided does not have write permissions."),
                "/orders/12": (
                    403,
                    {},
                    {
                        "code": "woocommerce_rest_cannot_edit",
                        "message": "Sorry, you are not allowed to edit this resource.",
                        "data": {"status": 403},
                    },
                ),
            }
        )
        client = self.store._woocommerce_client()
        for method, path in (("POST", "/products/batch"), ("PUT", "/orders/12")):
            with self.subTest(path=path), self.assertRaises(StoreAuthError) as caught:
                client.request_json(method, path, json={})
            self.assertIn(
                "The key is read-only, or its WordPress user may not change this: generate a Read/Write key",
                str(caught.exception),
            )


class TestWooCommerceStoreSettings(OrderPipelineCase):
    def test_a_new_store_prefixes_its_orders_with_wc(self):
        store = create_woocommerce_store(
            self.env, shop_url="https://shop.example.com", warehouse_id=self.warehouse.id
        )
        self.assertEqual(store.order_prefix, "WC-")
        self.importer._import_orders(store, [self.make_order("12345", number="12345")], raise_on_error=True)
        self.assertEqual(self.sale_of("12345", store).client_order_ref, "WC-12345")

    def test_the_shop_url_is_https_unless_private_urls_are_allowed(self):
        with private_urls(False):
            with self.assertRaisesRegex(ValidationError, "must start with https://"):
                create_woocommerce_store(self.env, name="Plain", shop_url="http://shop.example.com")
            store = create_woocommerce_store(self.env, name="Secure", shop_url="https://shop.example.com")
            self.assertEqual(store.shop_url, "https://shop.example.com")
        with private_urls(True):
            local = create_woocommerce_store(self.env, name="Local", shop_url="http://127.0.0.1:8080")
        self.assertEqual(local.shop_url, "http://127.0.0.1:8080")

    def test_scheduled_pulls_need_both_keys(self):
        store = create_woocommerce_store(self.env, consumer_secret=None)
        adapter = self.env["store.adapter.woocommerce"]
        # Named as people read them (the setup assistant lists them once, with the declared ones).
        self.assertEqual(adapter._api_credentials_missing(store), ["Consumer Secret"])
        self.assertEqual(store._setup_credentials_missing(), ["Consumer Secret"])
        self.env["integration.credential"]._set_value(store, "consumer_secret", "cs_" + "1" * 40)
        self.assertEqual(adapter._api_credentials_missing(store), [])

    def test_connect_needs_odoo_over_https(self):
        store = create_woocommerce_store(self.env, shop_url="https://shop.example.com")
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", "http://odoo.example.com")
        with (
            private_urls(False),
            self.assertRaisesRegex(UserError, "WooCommerce sends the keys only to an https"),
        ):
            store.action_woocommerce_connect()
        self.assertFalse(store.sudo().oauth_state, "no authorization opened")
