"""The Trading client: ebaysdk builds the request (headers, XML) and parses the reply; the base's core
sends it (the store's host, the "trading" quota); Ack Failure becomes the queue's errors."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services import rate_limiter

from .. import const
from ..models.ebay_trading_client import seconds_to_quota_day
from .common import APP_ID, DEV_ID, USER_TOKEN, create_ebay_store
from .fake_ebay import FakeEbay

REPLY = """<?xml version="1.0" encoding="UTF-8"?>
<ReviseInventoryStatusResponse xmlns="urn:ebay:apis:eBLBaseComponents">
  <Timestamp>2026-12-05T08:00:00.000Z</Timestamp><Ack>{ack}</Ack>{errors}
  <Version>1455</Version>
  <InventoryStatus><SKU>A&amp;B</SKU><ItemID>110012345678</ItemID><StartPrice>9.99</StartPrice><Quantity>3</Quantity></InventoryStatus>
</ReviseInventoryStatusResponse>"""


def error(code, long_message, severity="Error"):
    return (f"<Errors><ShortMessage>Short.</ShortMessage><LongMessage>{long_message}</LongMessage>"
            f"<ErrorCode>{code}</ErrorCode><SeverityCode>{severity}</SeverityCode>"
            f"<ErrorClassification>RequestError</ErrorClassification></Errors>")


class TestEbayTrading(TransactionCase):
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

    def revise(self):
        return self.store._ebay_trading().execute(
            "ReviseInventoryStatus", {"InventoryStatus": [{"SKU": "A&B", "Quantity": 3}]},
            list_nodes=["InventoryStatus"])

    def test_request_built_by_ebaysdk_sent_through_the_core(self):
        self.ebay.on("POST", "/ws/api.dll", (200, REPLY.format(ack="Warning", errors=error(
            21917091, "Requested StartPrice and Quantity revision is redundant.", "Warning"))))
        trading = self.store._ebay_trading()
        reply = trading.execute("ReviseInventoryStatus", {"InventoryStatus": [{"SKU": "A&B", "Quantity": 3}]},
                                list_nodes=["InventoryStatus"])
        sent = self.ebay.requests_to("/ws/api.dll")[0]
        headers = sent["headers"]
        self.assertEqual(headers["x-ebay-api-call-name"], "ReviseInventoryStatus")
        self.assertEqual(headers["x-ebay-api-siteid"], "77")
        self.assertEqual(headers["x-ebay-api-compatibility-level"], const.TRADING_COMPATIBILITY_LEVEL)
        self.assertEqual(headers["x-ebay-api-iaf-token"], USER_TOKEN)
        self.assertEqual(headers["x-ebay-api-app-name"], APP_ID)
        self.assertEqual(headers["x-ebay-api-dev-name"], DEV_ID)
        self.assertNotIn("authorization", headers)
        body = sent["body"].decode()
        self.assertIn('<ReviseInventoryStatusRequest xmlns="urn:ebay:apis:eBLBaseComponents">', body)
        self.assertIn("<SKU>A&amp;B</SKU>", body, "XML escaped")
        self.assertNotIn("RequesterCredentials", body, "the OAuth token goes in the IAF header")
        # Parsed by ebaysdk: a list node stays a list, warnings are kept.
        self.assertEqual(reply["Ack"], "Warning")
        self.assertEqual(reply["InventoryStatus"], [{"SKU": "A&B", "ItemID": "110012345678",
                                                     "StartPrice": "9.99", "Quantity": "3"}])
        self.assertEqual(trading.warnings[0]["ErrorCode"], "21917091")
        # Counted against the Trading quota's own bucket.
        usage = {line["api"]: line["used"] for line in self.store._rate_limit_usage()}
        self.assertEqual(usage["trading"], 1)
        self.assertEqual(usage["inventory"], 0)

    def test_failure_is_permanent_with_code_and_long_message(self):
        self.ebay.on("POST", "/ws/api.dll", (200, REPLY.format(ack="Failure", errors=error(
            21916750, "FixedPrice item ended. You are not allowed to revise an ended item."))))
        with self.assertRaises(PermanentJobError) as caught:
            self.revise()
        self.assertIn("ErrorCode 21916750: FixedPrice item ended.", str(caught.exception))

    def test_call_limit_waits_for_the_quota_day(self):
        self.ebay.on("POST", "/ws/api.dll", (200, REPLY.format(ack="Failure", errors=error(
            518, "Your application has exceeded usage limit on this call."))))
        with self.assertRaises(RetryableJobError) as caught:
            self.revise()
        self.assertTrue(caught.exception.throttled)
        self.assertGreater(caught.exception.retry_after, 60)
        self.assertLessEqual(caught.exception.retry_after, 25 * 3600 + 60)

    def test_refused_token_refreshes_once_then_pauses(self):
        from .common import registry_test_mode
        registry_test_mode(self)
        self.ebay.on("POST", "/identity/v1/oauth2/token",
                     (200, {"access_token": "v^1.1#fresh", "expires_in": 7200}))
        self.ebay.on("POST", "/ws/api.dll", (200, REPLY.format(ack="Failure", errors=error(
            931, "Validation of the authentication token in API request failed."))))
        with self.assertRaises(StoreAuthError) as caught:
            self.revise()
        self.assertIn("ErrorCode 931", str(caught.exception))
        calls = self.ebay.requests_to("/ws/api.dll")
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[1]["headers"]["x-ebay-api-iaf-token"], "v^1.1#fresh")

    def test_seconds_to_quota_day(self):
        from datetime import datetime
        now = datetime(2026, 12, 5, 23, 0, tzinfo=__import__("zoneinfo").ZoneInfo("America/Los_Angeles"))
        self.assertEqual(seconds_to_quota_day(now), 3600 + 60)
