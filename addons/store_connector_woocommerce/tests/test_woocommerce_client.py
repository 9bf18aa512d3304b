"""The WooCommerce REST client: the package's OAuth 1.0a over http, Basic or query-string keys over
https, WooCommerce's error shape, X-WP-TotalPages paging and batches of at most 100 items."""

import base64
import hashlib
import hmac
import json
import tempfile
from urllib.parse import parse_qsl, quote, urlsplit

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
)
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.tests.http_servers import RecordingServer, self_signed_tls

from .common import CONSUMER_KEY, CONSUMER_SECRET, create_woocommerce_store


def oauth1_signature_valid(method, base_url, query_pairs, secret):
    """WooCommerce's check (WC_REST_Authentication::check_oauth_signature): HMAC-SHA256 over
    METHOD&url&sorted params, key = secret + "&"."""
    params = dict(query_pairs)
    received = params.pop("oauth_signature")
    normalized = sorted((quote(key, safe="").replace("%", "%25"), quote(value, safe="").replace("%", "%25"))
                        for key, value in params.items())
    query = "%26".join(f"{key}%3D{value}" for key, value in normalized)
    base = f"{method}&{quote(base_url, safe='')}&{query}"
    expected = base64.b64encode(hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha256).digest())
    return hmac.compare_digest(expected.decode(), received)


class TestWooCommerceClient(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1")

    def serve(self, respond, tls=False):
        context = None
        if tls:
            tmp = tempfile.mkdtemp()
            context, cert = self_signed_tls(tmp, "localhost")
        server = RecordingServer(respond, tls_context=context)
        base = server.start()
        self.addCleanup(server.stop)
        if tls:
            self.store.shop_url = base.replace("127.0.0.1", "localhost")
            self.transport = HttpTransport(verify=cert)
        else:
            self.store.shop_url = base
        return server

    def test_oauth1_signature_over_http(self):
        server = self.serve(lambda request: (200, {}, {"environment": {"version": "9.4.1"}}))
        client = self.store._woocommerce_client()
        answer = client.request_json("GET", "/orders", params={"status": "processing", "per_page": 5})
        self.assertEqual(answer, {"environment": {"version": "9.4.1"}})
        sent = server.requests[0]
        parts = urlsplit(sent["path"])
        self.assertEqual(parts.path, "/wp-json/wc/v3/orders")
        pairs = parse_qsl(parts.query)
        names = [name for name, _value in pairs]
        self.assertEqual(len(names), len(set(names)), "no parameter sent twice")
        params = dict(pairs)
        self.assertEqual(params["oauth_consumer_key"], CONSUMER_KEY)
        self.assertEqual(params["oauth_signature_method"], "HMAC-SHA256")
        self.assertEqual(params["status"], "processing")
        self.assertNotIn("authorization", sent["headers"])
        self.assertNotIn(CONSUMER_SECRET, sent["path"])
        self.assertTrue(oauth1_signature_valid("GET", self.store.shop_url + "/wp-json/wc/v3/orders", pairs,
                                               CONSUMER_SECRET))
        self.assertFalse(oauth1_signature_valid("GET", self.store.shop_url + "/wp-json/wc/v3/orders", pairs,
                                                "cs_wrong"))

    def test_basic_auth_and_query_string_fallback_over_https(self):
        server = self.serve(lambda request: (200, {}, []), tls=True)
        self.store._woocommerce_client(transport=self.transport).request_json("GET", "/products")
        sent = server.requests[-1]
        expected = base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
        self.assertEqual(sent["headers"]["authorization"], f"Basic {expected}")
        self.assertNotIn("consumer_key", sent["path"])
        self.store.woocommerce_query_string_auth = True
        self.store._woocommerce_client(transport=self.transport).request_json("GET", "/products")
        sent = server.requests[-1]
        self.assertNotIn("authorization", sent["headers"])
        params = dict(parse_qsl(urlsplit(sent["path"]).query))
        self.assertEqual((params["consumer_key"], params["consumer_secret"]), (CONSUMER_KEY, CONSUMER_SECRET))

    def test_errors_carry_woocommerce_code_and_message(self):
        answers = {
            "/wp-json/wc/v3/products/9": (404, {"code": "woocommerce_rest_product_invalid_id",
                                                "message": "Invalid ID.", "data": {"status": 404}}),
            "/wp-json/wc/v3/orders": (401, {"code": "woocommerce_rest_cannot_view",
                                            "message": "Sorry, you cannot list resources.",
                                            "data": {"status": 401}}),
            "/wp-json/wc/v3/system_status": (404, {"code": "rest_no_route",
                                                   "message": "No route was found matching the URL and "
                                                              "request method.", "data": {"status": 404}}),
            "/wp-json/wc/v3/webhooks": (503, {"code": "internal", "message": "Down", "data": {}}),
        }
        self.serve(lambda request: (answers[urlsplit(request["path"]).path][0], {},
                                    answers[urlsplit(request["path"]).path][1]))
        client = self.store._woocommerce_client()
        with self.assertRaises(PermanentJobError) as caught:
            client.request_json("GET", "/products/9")
        self.assertIn("Invalid ID. (woocommerce_rest_product_invalid_id)", str(caught.exception))
        with self.assertRaises(StoreAuthError) as caught:
            client.request_json("GET", "/orders")
        self.assertIn("woocommerce_rest_cannot_view", str(caught.exception))
        with self.assertRaises(PermanentJobError) as caught:
            client.request_json("GET", "/system_status")
        self.assertIn("Permalinks", str(caught.exception))
        with self.assertRaises(RetryableJobError):
            client.request_json("GET", "/webhooks")

    def test_pages_follow_x_wp_totalpages(self):
        def respond(request):
            page = int(dict(parse_qsl(urlsplit(request["path"]).query))["page"])
            return 200, {"X-WP-Total": "5", "X-WP-TotalPages": "3"}, [{"id": page * 10}]
        server = self.serve(respond)
        client = self.store._woocommerce_client()
        ids = [record["id"] for record in client.iter_pages("/products", per_page=2)]
        self.assertEqual(ids, [10, 20, 30])
        self.assertEqual(len(server.requests), 3)
        self.assertEqual(dict(parse_qsl(urlsplit(server.requests[0]["path"]).query))["per_page"], "2")

    def test_batch_calls_hold_at_most_100_items_and_keep_item_errors(self):
        def respond(request):
            body = json.loads(request["body"])
            return 200, {}, {action: [
                {"id": item.get("id", 0), "error": {"code": "woocommerce_rest_invalid_id", "message": "Bad."}}
                if item.get("id") == 7 else {"id": item.get("id", 0)} for item in items]
                for action, items in body.items()}
        server = self.serve(respond)
        client = self.store._woocommerce_client()
        result = client.batch("/products", update=[{"id": n, "stock_quantity": n} for n in range(1, 251)])
        self.assertEqual([len(json.loads(r["body"])["update"]) for r in server.requests], [100, 100, 50])
        self.assertEqual(len(result["update"]), 250)
        errors = {item["id"]: client.item_error_text(item) for item in result["update"]
                  if client.item_error_text(item)}
        self.assertEqual(errors, {7: "Bad. (woocommerce_rest_invalid_id)"})
