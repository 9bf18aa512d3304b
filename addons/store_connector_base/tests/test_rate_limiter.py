"""The per-store client-side rate limiter, on a fake clock: no real waiting."""

from datetime import date

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import RetryableJobError
from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.services.rate_limiter import RateLimiter


class FakeClock:
    """A monotonic clock that only moves when the limiter sleeps or the test says so."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        self.now += seconds


class TestRateLimiter(TransactionCase):
    def limiter(self, capacity=10, restore_rate=2, **kwargs):
        self.clock = FakeClock()
        return RateLimiter(capacity, restore_rate, clock=self.clock, sleep=self.clock.sleep, **kwargs)

    def test_acquire_spends_without_waiting_while_units_last(self):
        limiter = self.limiter(capacity=10, restore_rate=2)
        for _i in range(5):
            self.assertEqual(limiter.acquire(cost=2), 0.0)
        self.assertEqual(self.clock.sleeps, [])
        self.assertAlmostEqual(limiter.available, 0.0)
        self.assertAlmostEqual(limiter.wait_time(1), 0.5)

    def test_acquire_waits_exactly_until_the_bucket_refilled(self):
        limiter = self.limiter(capacity=10, restore_rate=2)
        limiter.acquire(cost=10)
        waited = limiter.acquire(cost=3)
        self.assertEqual(self.clock.sleeps, [1.5])
        self.assertAlmostEqual(waited, 1.5)
        self.assertAlmostEqual(limiter.waited, 1.5)
        self.assertAlmostEqual(limiter.available, 0.0)

    def test_refill_is_capped_at_capacity(self):
        limiter = self.limiter(capacity=10, restore_rate=2)
        limiter.acquire(cost=10)
        self.clock.advance(2)
        self.assertAlmostEqual(limiter.wait_time(4), 0.0)
        self.assertAlmostEqual(limiter.wait_time(6), 1.0)
        self.clock.advance(3600)
        limiter.wait_time()
        self.assertAlmostEqual(limiter.available, 10.0)

    def test_a_request_costing_more_than_the_capacity_is_let_through(self):
        limiter = self.limiter(capacity=10, restore_rate=1)
        self.assertEqual(limiter.acquire(cost=50), 0.0)
        self.assertAlmostEqual(limiter.available, 0.0)

    def test_platform_feedback_replaces_the_estimate(self):
        limiter = self.limiter(capacity=10, restore_rate=2)
        # Shopify-style throttle status: 40 of 1000 points left, 50 restored a second.
        limiter.update(available=40, capacity=1000, restore_rate=50)
        self.assertEqual((limiter.capacity, limiter.restore_rate, limiter.available), (1000.0, 50.0, 40.0))
        self.assertAlmostEqual(limiter.wait_time(140), 2.0)
        limiter.update(refund=30)
        self.assertAlmostEqual(limiter.available, 70.0)
        limiter.update(available=5000)
        self.assertAlmostEqual(limiter.available, 1000.0, msg="never more than the capacity")

    def test_retry_after_blocks_every_request_until_it_passed(self):
        limiter = self.limiter(capacity=10, restore_rate=2)
        limiter.update(retry_after=7)
        self.assertAlmostEqual(limiter.wait_time(1), 7.0, msg="even with units available")
        waited = limiter.acquire(cost=1)
        self.assertEqual(self.clock.sleeps, [7.0])
        self.assertAlmostEqual(waited, 7.0)
        self.assertEqual(limiter.acquire(cost=1), 0.0, "free again afterwards")
        # A shorter Retry-After does not shorten a longer one already known.
        limiter.update(retry_after=30)
        limiter.update(retry_after=5)
        self.assertAlmostEqual(limiter.wait_time(1), 30.0)

    def test_waiting_longer_than_max_wait_raises_a_throttled_retryable_error(self):
        limiter = self.limiter(capacity=10, restore_rate=1)
        limiter.acquire(cost=10)
        with self.assertRaises(RetryableJobError) as caught:
            limiter.acquire(cost=5, max_wait=2)
        self.assertEqual(self.clock.sleeps, [], "it does not hold the worker")
        self.assertAlmostEqual(caught.exception.retry_after, 5.0)
        self.assertTrue(caught.exception.throttled)
        self.assertIn("5.0", str(caught.exception))
        # Nothing was spent: after the wait, the request goes through.
        self.clock.advance(5)
        self.assertEqual(limiter.acquire(cost=5, max_wait=2), 0.0)

    def test_retry_after_longer_than_max_wait_raises(self):
        limiter = self.limiter()
        limiter.update(retry_after=120)
        with self.assertRaises(RetryableJobError) as caught:
            limiter.acquire(max_wait=30)
        self.assertAlmostEqual(caught.exception.retry_after, 120.0)

    def test_a_bucket_that_never_refills_raises_instead_of_dividing_by_zero(self):
        limiter = self.limiter(capacity=2, restore_rate=0)
        limiter.acquire(cost=2)
        with self.assertRaises(RetryableJobError) as caught:
            limiter.acquire(cost=1, max_wait=10)
        self.assertGreater(caught.exception.retry_after, 0)

    def test_daily_quota_counts_requests_per_quota_day(self):
        limiter = self.limiter(capacity=100, restore_rate=100, daily_limit=3)
        monday, tuesday = date(2025, 3, 3), date(2025, 3, 4)
        for _i in range(3):
            limiter.acquire(day=monday)
        with self.assertRaises(RetryableJobError) as caught:
            limiter.acquire(day=monday)
        self.assertTrue(caught.exception.throttled)
        self.assertEqual(caught.exception.retry_after, rate_limiter.DAILY_QUOTA_RETRY_SECONDS)
        self.assertIn("3", str(caught.exception))
        self.assertEqual(limiter.daily_used, 3, "a refused request is not counted")
        limiter.acquire(day=tuesday)
        self.assertEqual((limiter.day, limiter.daily_used), (tuesday, 1))

    def test_daily_quota_day_defaults_to_the_limiters_today(self):
        today = [date(2025, 3, 3)]
        limiter = self.limiter(capacity=100, restore_rate=100, daily_limit=1, today=lambda: today[0])
        limiter.acquire()
        with self.assertRaises(RetryableJobError):
            limiter.acquire()
        today[0] = date(2025, 3, 4)
        self.assertEqual(limiter.acquire(), 0.0, "a new day, a new quota")

    def test_get_limiter_shares_one_limiter_per_key(self):
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        first = rate_limiter.get_limiter(("store", 1), capacity=40, restore_rate=2)
        self.assertIs(rate_limiter.get_limiter(("store", 1), capacity=999, restore_rate=9), first)
        self.assertEqual(first.capacity, 40.0)
        self.assertIsNot(rate_limiter.get_limiter(("store", 2), capacity=40, restore_rate=2), first)
        rate_limiter.reset_limiters()
        self.assertIsNot(rate_limiter.get_limiter(("store", 1), capacity=40, restore_rate=2), first)
