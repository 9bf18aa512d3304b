"""The eBay REST client: host, headers, user and app tokens, eBay's error shape, bulk item errors,
offset pages; and where it sends the token (never to a user-written host in production)."""

import base64

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.tests.http_servers import private_urls

from .common import APP_ID, CERT_ID, USER_TOKEN, create_ebay_store, registry_test_mode
from .fake_ebay import FakeEbay

PRIVILEGE = "/sell/account/v1/privilege"
TOKEN = "/identity/v1/oauth2/token"


class TestEbayClient(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.ebay = FakeEbay(self)
        self.store = create_ebay_store(self.env, api_url=self.ebay.base, ebay_marketplace_id="EBAY_DE")

    def test_user_token_and_marketplace_headers(self):
        self.ebay.on("GET", PRIVILEGE, (200, {"sellerRegistrationCompleted": True}))
        answer = self.store._ebay_client().request_json("GET", PRIVILEGE, api="account")
        self.assertEqual(answer, {"sellerRegistrationCompleted": True})
        headers = self.ebay.requests_to(PRIVILEGE)[0]["headers"]
        self.assertEqual(headers["authorization"], f"Bearer {USER_TOKEN}")
        self.assertEqual(headers["x-ebay-c-marketplace-id"], "EBAY_DE")
        self.assertEqual(headers["content-language"], "de-DE")
        self.assertEqual(headers["accept-language"], "de-DE")

    def test_production_and_sandbox_hosts_unless_private_urls_allow_the_simulator(self):
        client = self.store._ebay_client()
        self.assertEqual(client._base_url(), self.ebay.base)
        with private_urls(False):
            # The field is ignored: a store's token never goes to a host written on the store.
            self.assertEqual(client._base_url(), "https://api.sandbox.ebay.com")
            self.store.ebay_environment = "production"
            self.assertEqual(client._base_url(), "https://api.ebay.com")
            self.assertEqual(self.store._ebay_auth_root(), "https://auth.ebay.com")

    def test_ebay_errors_quote_error_id_and_long_message(self):
        self.ebay.on("GET", PRIVILEGE, (400, {"errors": [{
            "errorId": 25002, "domain": "API_INVENTORY", "category": "REQUEST", "message": "A user error.",
            "longMessage": "The item specific Brand is missing.",
            "parameters": [{"name": "0", "value": "Brand"}]}]}))
        with self.assertRaises(PermanentJobError) as caught:
            self.store._ebay_client().request_json("GET", PRIVILEGE, api="account")
        message = str(caught.exception)
        self.assertIn("errorId 25002: The item specific Brand is missing.", message)
        self.assertIn("(0=Brand)", message)

    def test_429_and_5xx_are_retried_401_refreshes_then_pauses(self):
        self.ebay.on("GET", PRIVILEGE, (429, {"errors": [{"errorId": 2001, "message": "Too many requests."}]},
                                        {"Retry-After": "7"}))
        with self.assertRaises(RetryableJobError) as caught:
            self.store._ebay_client().request_json("GET", PRIVILEGE, api="account")
        self.assertTrue(getattr(caught.exception, "throttled", False))
        rate_limiter.reset_limiters()  # the 429's Retry-After holds the account bucket 7 s
        self.ebay.on("GET", PRIVILEGE, (503, {"errors": [{"errorId": 10001, "message": "System error."}]}))
        with self.assertRaises(RetryableJobError):
            self.store._ebay_client().request_json("GET", PRIVILEGE, api="account")
        # 401: one refresh through the base's OAuth (eBay's token endpoint), then the store pauses.
        registry_test_mode(self)
        self.ebay.on("GET", PRIVILEGE, (401, {"errors": [{"errorId": 1001,
                                                          "message": "Invalid access token."}]}))
        self.ebay.on("POST", TOKEN, (200, {"access_token": "v^1.1#new", "expires_in": 7200,
                                          "token_type": "User Access Token"}))
        with self.assertRaises(StoreAuthError) as caught:
            self.store._ebay_client().request_json("GET", PRIVILEGE, api="account")
        self.assertIn("Invalid access token", str(caught.exception))
        refresh = self.ebay.form(self.ebay.requests_to(TOKEN)[0])
        self.assertEqual(refresh["grant_type"], "refresh_token")
        self.assertIn("https://api.ebay.com/oauth/api_scope/sell.inventory", refresh["scope"].split())
        retried = self.ebay.requests_to(PRIVILEGE)[-1]["headers"]
        self.assertEqual(retried["authorization"], "Bearer v^1.1#new")

    def test_bulk_errors_describe_each_item(self):
        client = self.store._ebay_client()
        self.assertIsNone(client.bulk_errors({"statusCode": 200, "sku": "A"}))
        self.assertEqual(
            client.bulk_errors({"statusCode": 400, "sku": "B", "errors": [
                {"errorId": 25604, "message": "Product not found.",
                 "longMessage": "Product not found for SKU B."}]}),
            "errorId 25604: Product not found for SKU B.")
        self.assertIn("HTTP 500", client.bulk_errors({"statusCode": 500, "sku": "C"}))

    def test_offset_pages_follow_next_then_total(self):
        path = "/sell/fulfillment/v1/order"
        self.ebay.on("GET", path,
                     (200, {"total": 5, "limit": 2, "offset": 0,
                            "orders": [{"orderId": "1"}, {"orderId": "2"}],
                            "next": self.ebay.base + path + "?limit=2&offset=2"}),
                     (200, {"total": 5, "limit": 2, "offset": 2,
                            "orders": [{"orderId": "3"}, {"orderId": "4"}]}),
                     (200, {"total": 5, "limit": 2, "offset": 4, "orders": [{"orderId": "5"}]}))
        orders = list(self.store._ebay_client().iter_offset_pages(path, "orders", api="fulfillment", limit=2,
                                                                  params={"filter": "x"}))
        self.assertEqual([order["orderId"] for order in orders], ["1", "2", "3", "4", "5"])
        offsets = [self.ebay.query(request).get("offset") for request in self.ebay.requests_to(path)]
        self.assertEqual(offsets, ["0", "2", "4"])

    def test_app_token_minted_once_and_reused(self):
        registry_test_mode(self)
        self.ebay.on("POST", TOKEN, (200, {"access_token": "v^1.1#app", "expires_in": 7200,
                                          "token_type": "Application Access Token"}))
        self.ebay.on("GET", "/commerce/taxonomy/v1/get_default_category_tree_id",
                     (200, {"categoryTreeId": "77"}))
        client = self.store._ebay_client()
        for _attempt in range(3):
            answer = client.request_json("GET", "/commerce/taxonomy/v1/get_default_category_tree_id",
                                         api="taxonomy", params={"marketplace_id": "EBAY_DE"}, app=True)
        self.assertEqual(answer, {"categoryTreeId": "77"})
        self.store._ebay_client().request_json(
            "GET", "/commerce/taxonomy/v1/get_default_category_tree_id", api="taxonomy", app=True)
        mints = self.ebay.requests_to(TOKEN)
        self.assertEqual(len(mints), 1, "one app token for every call while it is valid")
        form = self.ebay.form(mints[0])
        self.assertEqual(form, {"grant_type": "client_credentials", "scope": "https://api.ebay.com/oauth/api_scope"})
        self.assertEqual(mints[0]["headers"]["authorization"],
                         "Basic " + base64.b64encode(f"{APP_ID}:{CERT_ID}".encode()).decode())
        calls = self.ebay.requests_to("/commerce/taxonomy/v1/get_default_category_tree_id")
        self.assertEqual({call["headers"]["authorization"] for call in calls}, {"Bearer v^1.1#app"})
        credential = self.env["integration.credential"].sudo().search(
            [("store_id", "=", self.store.id), ("key", "=", "app_token")])
        self.assertTrue(credential.expires_at)
