"""Test Connection of an eBay store: the seller's registration, marketplace and environment, the
business policies program, the policies and locations found (one of a kind fills the store), the
granted scopes and today's quota use; nothing written on eBay; a refusal said in words."""

from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services import rate_limiter

from .. import const
from .common import create_ebay_store
from .fake_ebay import FakeEbay

ACCOUNT = "/sell/account/v1"
GET_USER = """<?xml version="1.0" encoding="UTF-8"?>
<GetUserResponse xmlns="urn:ebay:apis:eBLBaseComponents"><Timestamp>2026-12-05T08:00:00.000Z</Timestamp>
<Ack>Success</Ack><Version>1455</Version><User><UserID>acme_uk</UserID><FeedbackScore>152</FeedbackScore>
<Site>UK</Site><Status>Confirmed</Status></User></GetUserResponse>"""


class TestEbayConnection(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.ebay = FakeEbay(self)
        self.store = create_ebay_store(self.env, api_url=self.ebay.base, ebay_marketplace_id="EBAY_GB",
                                       ebay_granted_scopes=" ".join(const.USER_SCOPES))
        self.ebay.on("GET", ACCOUNT + "/privilege", (200, {
            "sellerRegistrationCompleted": True,
            "sellingLimit": {"amount": {"currency": "GBP", "value": "5000.0"}, "quantity": 100}}))
        self.ebay.on("GET", ACCOUNT + "/program/get_opted_in_programs",
                     (200, {"programs": [{"programType": "SELLING_POLICY_MANAGEMENT"}]}))
        self.ebay.on("GET", ACCOUNT + "/fulfillment_policy", (200, {"total": 1, "fulfillmentPolicies": [
            {"fulfillmentPolicyId": "6196932000", "name": "Royal Mail 2nd class",
             "marketplaceId": "EBAY_GB"}]}))
        self.ebay.on("GET", ACCOUNT + "/payment_policy", (200, {"total": 1, "paymentPolicies": [
            {"paymentPolicyId": "6196944000", "name": "Managed payments", "marketplaceId": "EBAY_GB"}]}))
        self.ebay.on("GET", ACCOUNT + "/return_policy", (200, {"total": 2, "returnPolicies": [
            {"returnPolicyId": "6196951000", "name": "30 days", "marketplaceId": "EBAY_GB"},
            {"returnPolicyId": "6196952000", "name": "No returns", "marketplaceId": "EBAY_GB"}]}))
        self.ebay.on("GET", "/sell/inventory/v1/location", (200, {"total": 1, "limit": 100, "offset": 0,
                                                                  "locations": [
            {"merchantLocationKey": "warehouse-1", "name": "Leeds warehouse",
             "merchantLocationStatus": "ENABLED"}]}))

    def test_facts_fill_single_policies_and_say_what_to_fix(self):
        self.ebay.on("POST", "/ws/api.dll", (200, GET_USER))
        facts = self.store._get_adapter()._test_connection(self.store)
        self.assertEqual(facts["Seller"], "acme_uk (feedback score 152, site UK)")
        trading = self.ebay.requests_to("/ws/api.dll")[0]
        self.assertEqual(trading["headers"]["x-ebay-api-call-name"], "GetUser")
        self.assertEqual(facts["Environment"], "Sandbox")
        self.assertEqual(facts["Marketplace"], "eBay United Kingdom (EBAY_GB)")
        self.assertEqual(facts["Seller registration"], "complete")
        self.assertEqual(facts["Business policies"], "on")
        self.assertEqual(facts["Fulfillment policies"], "Royal Mail 2nd class (6196932000)")
        self.assertEqual(facts["Return policies"], "30 days (6196951000), No returns (6196952000)")
        self.assertEqual(facts["Inventory locations"], "Leeds warehouse (warehouse-1)")
        self.assertIn("sell.inventory", facts["Granted scopes"])
        self.assertIn("Account: 5 of 25,000 calls", facts["API quotas today"])
        self.assertIn("Several return policies exist", facts["To fix"])
        self.assertEqual(self.store.ebay_fulfillment_policy_id, "6196932000")
        self.assertEqual(self.store.ebay_payment_policy_id, "6196944000")
        self.assertFalse(self.store.ebay_return_policy_id)
        self.assertEqual(self.store.ebay_merchant_location_key, "warehouse-1")
        self.assertEqual({request["method"] for request in self.ebay.server.requests
                          if request["path"] != "/ws/api.dll"}, {"GET"}, "reads only")
        query = self.ebay.query(self.ebay.requests_to(ACCOUNT + "/return_policy")[0])
        self.assertEqual(query, {"marketplace_id": "EBAY_GB"})

    def test_a_chosen_policy_is_kept_and_the_store_is_ready(self):
        self.store.write({"ebay_return_policy_id": "6196952000", "ebay_fulfillment_policy_id": "1"})
        facts = self.store._get_adapter()._test_connection(self.store)
        self.assertEqual(self.store.ebay_fulfillment_policy_id, "1", "a policy the manager chose stays")
        self.assertEqual(facts["To fix"], "nothing, the store is ready.")

    def test_no_business_policies_and_missing_scopes_are_explained(self):
        self.store.ebay_granted_scopes = const.SCOPE_PREFIX + "/sell.inventory"
        self.ebay.on("GET", ACCOUNT + "/program/get_opted_in_programs", (200, {"programs": []}))
        self.ebay.on("GET", ACCOUNT + "/payment_policy", (400, {"errors": [{
            "errorId": 20403, "message": "Invalid .",
            "longMessage": "User is not eligible for Business Policy."}]}))
        facts = self.store._get_adapter()._test_connection(self.store)
        self.assertEqual(facts["Business policies"], "off")
        self.assertIn("not opted in to business policies", facts["To fix"])
        self.assertIn("did not grant api_scope, sell.fulfillment, sell.account", facts["To fix"])
        self.assertIn("errorId 20403: User is not eligible for Business Policy.", facts["Payment policies"])

    def test_refused_token_is_a_clear_error(self):
        self.env["integration.credential"].sudo().search(
            [("store_id", "=", self.store.id), ("key", "=", "refresh_token")]).unlink()
        self.ebay.on("GET", ACCOUNT + "/privilege", (401, {"errors": [{
            "errorId": 1001, "message": "Invalid access token",
            "longMessage": "Invalid access token. Check the value of the Authorization HTTP request "
                           "header."}]}))
        with self.assertRaises(UserError) as caught:
            self.store._get_adapter()._test_connection(self.store)
        self.assertIn("eBay did not accept the connection of store eBay Shop", str(caught.exception))
        self.assertIn("errorId 1001: Invalid access token.", str(caught.exception))
