"""eBay's daily quotas per API: a line per API on a new store with eBay's default, editable; each
request counts against its API's own quota; the managers are told once when 80% is spent; past the
quota the call is throttled until US-Pacific midnight (the job waits, nothing fails)."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import RetryableJobError
from odoo.addons.store_connector_base.services import rate_limiter

from .. import const
from ..models.ebay_trading_client import seconds_to_quota_day
from .common import create_ebay_store
from .fake_ebay import FakeEbay

LOCATIONS = "/sell/inventory/v1/location"


class TestEbayQuota(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.ebay = FakeEbay(self)
        self.ebay.on("GET", LOCATIONS, (200, {"total": 0, "locations": []}))
        self.ebay.on("GET", "/sell/fulfillment/v1/order", (200, {"total": 0, "orders": []}))
        self.store = create_ebay_store(self.env, api_url=self.ebay.base)

    def quota(self, api_name):
        return self.store.api_quota_ids.filtered(lambda line: line.api_name == api_name)

    def call(self, path=LOCATIONS, api_name="inventory"):
        return self.store._ebay_client().request_json("GET", path, api=api_name)

    def test_new_store_has_a_quota_line_per_api_with_ebays_default(self):
        self.assertEqual(self.store.api_quota_ids.mapped("api_name"),
                         [name for name, _label, _calls in const.QUOTAS])
        self.assertEqual(self.quota("account").daily_limit, 25_000)
        self.assertEqual(self.quota("trading").daily_limit, 5_000)
        self.assertEqual(self.quota("inventory").name, "Inventory")

    def test_each_api_counts_its_own_calls_and_the_store_shows_them(self):
        self.call()
        self.call()
        self.call("/sell/fulfillment/v1/order", "fulfillment")
        usage = {line["api"]: (line["used"], line["limit"]) for line in self.store._rate_limit_usage()}
        self.assertEqual(usage["inventory"], (2, 2_000_000))
        self.assertEqual(usage["fulfillment"], (1, 100_000))
        self.assertEqual(usage["account"], (0, 25_000))
        self.store.api_quota_ids.invalidate_recordset(["used_today"])
        self.assertEqual(self.quota("inventory").used_today, 2)
        self.assertIn("Inventory: 2 of 2,000,000 calls (0%)", self.store.rate_limit_usage)

    def test_warned_once_at_80_percent_then_throttled_until_pacific_midnight(self):
        self.quota("inventory").daily_limit = 5
        for _call in range(3):
            self.call()
        self.assertFalse(self.store.log_ids.filtered(lambda log: log.operation == "quota"))
        self.call()  # the 4th of 5: 80%
        warnings = self.store.log_ids.filtered(lambda log: log.operation == "quota")
        self.assertEqual(len(warnings), 1)
        self.assertIn("has spent 80% of the calls its eBay Inventory quota allows today (4 of 5)",
                      warnings.message)
        self.assertIn("America/Los_Angeles", warnings.message)
        self.assertIn("has spent 80% of the calls", self.store.message_ids[0].body)
        self.call()
        self.assertEqual(len(self.store.log_ids.filtered(lambda log: log.operation == "quota")), 1)
        with self.assertRaises(RetryableJobError) as caught:
            self.call()
        self.assertTrue(caught.exception.throttled, "a spent quota reschedules the job, no failure counted")
        self.assertAlmostEqual(caught.exception.retry_after, seconds_to_quota_day(), delta=120)
        self.assertEqual(len(self.ebay.requests_to(LOCATIONS)), 5, "the 6th call never left")
        # Another API's quota is untouched.
        self.call("/sell/fulfillment/v1/order", "fulfillment")

    def test_a_raised_quota_applies_at_once(self):
        self.quota("inventory").daily_limit = 1
        self.call()
        with self.assertRaises(RetryableJobError):
            self.call()
        self.quota("inventory").daily_limit = 3
        self.call()
        self.assertEqual(len(self.ebay.requests_to(LOCATIONS)), 2)

    def test_zero_means_counted_without_a_quota(self):
        self.quota("inventory").daily_limit = 0
        self.call()
        self.assertEqual(self.store._rate_limit_quota_of("inventory"), None)
