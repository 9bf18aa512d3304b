"""The eBay client against the loopback eBay simulator (tests/simulators/ebay): real HTTP, eBay's token
rules and quotas, every request checked against eBay's published contracts (ebay-rest)."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters

from tests.simulators.ebay import EbaySimulator

from .common import create_ebay_store, registry_test_mode


class TestEbayClientAgainstSimulator(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        reset_limiters()
        cls.addClassCleanup(reset_limiters)

    def setUp(self):
        super().setUp()
        self.sim = EbaySimulator()
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.addCleanup(self.sim.assert_contract_kept)
        registry_test_mode(self)  # the token refresh and the app token work in cursors of their own
        self.store = create_ebay_store(
            self.env,
            api_url=self.sim.base_url,
            app_id=self.sim.app_id,
            cert_id=self.sim.cert_id,
            dev_id=self.sim.dev_id,
            runame=self.sim.runame,
            access_token=self.sim.access_token,
            refresh_token=self.sim.refresh_token,
        )

    def test_orders_read_with_the_sellers_token_and_marketplace(self):
        order = self.sim.add_order(
            [{"sku": "MUG", "quantity": 2, "price": "9.90"}], ebay_collected_tax="0.08"
        )
        answer = self.store._ebay_client().request_json(
            "GET", "/sell/fulfillment/v1/order", api="fulfillment", params={"orderIds": order["orderId"]}
        )
        self.assertEqual([o["orderId"] for o in answer["orders"]], [order["orderId"]])
        request = self.sim.requests[-1]
        self.assertEqual((request["auth"], request["api"], request["status"]), ("user", "fulfillment", 200))

    def test_an_expired_token_is_refreshed_once_and_the_call_sent_again(self):
        self.sim.expire_access_tokens()
        answer = self.store._ebay_client().request_json(
            "GET", "/sell/fulfillment/v1/order", api="fulfillment"
        )
        self.assertEqual(answer["total"], 0)
        self.assertEqual(self.sim.token_refreshes, 1)
        self.assertEqual(
            [r["status"] for r in self.sim.requests if r["path"] == "/sell/fulfillment/v1/order"], [401, 200]
        )

    def test_a_spent_daily_quota_is_retried_later(self):
        self.sim.set_quota("fulfillment", 0)
        with self.assertRaises(RetryableJobError):
            self.store._ebay_client().request_json("GET", "/sell/fulfillment/v1/order", api="fulfillment")
        self.assertEqual(self.sim.requests[-1]["status"], 429)

    def test_a_revoked_seller_authorization_pauses_the_store(self):
        self.sim.revoke_user_token()
        with self.assertRaises(StoreAuthError):
            self.store._ebay_client().request_json("GET", "/sell/fulfillment/v1/order", api="fulfillment")
        self.assertEqual(self.sim.token_calls[-1]["error"], "invalid_grant")

    def test_the_app_token_is_minted_with_client_credentials(self):
        self.store._ebay_client().request_json(
            "GET", "/developer/analytics/v1_beta/rate_limit/", api="analytics", app=True
        )
        self.assertEqual(self.sim.requests[-1]["auth"], "app")
        self.assertEqual([c["grant_type"] for c in self.sim.token_calls], ["client_credentials"])
