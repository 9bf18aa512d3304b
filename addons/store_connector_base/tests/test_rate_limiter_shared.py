"""The rate limiter shared by every worker and server (`SharedRateLimiter`): its bucket and daily
quota live in PostgreSQL, written in transactions of their own on separate connections. Limiter
objects stand for workers: two objects of one key are two processes' views of one bucket."""

import threading
import uuid
from datetime import UTC, datetime

from odoo.sql_db import db_connect
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import RetryableJobError
from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.services.rate_limiter import SharedRateLimiter
from odoo.addons.store_connector_test_platform.models import store_adapter as test_adapter

from .common import StoreConnectorCase
from .test_rate_limiter import FakeClock

# 23:59:30 in Los Angeles (PST, UTC-8) on 2026-01-14; 07:59:30 on the 15th in UTC.
LA_BEFORE_MIDNIGHT = datetime(2026, 1, 15, 7, 59, 30, tzinfo=UTC).timestamp()


class TestSharedRateLimiter(TransactionCase):
    def setUp(self):
        super().setUp()
        self.key = f"test:{uuid.uuid4()}"
        self.clock = FakeClock()
        self.clock.now = LA_BEFORE_MIDNIGHT

    def worker(self, capacity=10, restore_rate=2, clock=True, **kwargs):
        """One process's limiter of the test's key."""
        limiter = SharedRateLimiter(self.env.cr.dbname, self.key, capacity, restore_rate,
                                    clock=self.clock if clock else None, sleep=self.clock.sleep, **kwargs)
        self.addCleanup(limiter.forget)
        return limiter

    def test_two_workers_spend_one_bucket(self):
        first, second = self.worker(), self.worker()
        for _i in range(5):
            self.assertEqual(first.acquire(cost=2), 0.0)
        self.assertAlmostEqual(second.wait_time(1), 0.5, msg="the other worker sees the bucket empty")
        self.assertAlmostEqual(second.acquire(cost=3), 1.5, msg="and waits for the refill")
        self.assertEqual(self.clock.sleeps, [1.5])
        self.assertAlmostEqual(first.state()["available"], 0.0)

    def test_the_platforms_word_and_its_retry_after_reach_every_worker(self):
        first, second = self.worker(), self.worker()
        first.acquire()
        first.update(available=40, capacity=1000, restore_rate=50)
        state = second.state()
        self.assertEqual((state["capacity"], state["restore_rate"], state["available"]), (1000.0, 50.0, 40.0))
        self.assertAlmostEqual(second.wait_time(140), 2.0)
        second.update(refund=30)
        self.assertAlmostEqual(first.state()["available"], 70.0)
        first.update(retry_after=7)
        self.assertAlmostEqual(second.wait_time(1), 7.0, msg="a 429 seen by one worker holds them all")
        with self.assertRaises(RetryableJobError) as caught:
            second.acquire(max_wait=5)
        self.assertTrue(caught.exception.throttled)
        self.assertAlmostEqual(caught.exception.retry_after, 7.0)

    def test_the_daily_quota_is_counted_once_for_all_workers_at_once(self):
        dbname = self.env.cr.dbname
        limiters = [self.worker(capacity=100, restore_rate=100, daily_limit=5, clock=False)
                    for _i in range(3)]
        allowed, refused = [], []
        barrier = threading.Barrier(len(limiters))

        def work(limiter):
            barrier.wait(timeout=30)
            for _i in range(4):
                try:
                    limiter.acquire(max_wait=0)
                    allowed.append(1)
                except RetryableJobError as exc:
                    refused.append(exc)

        threads = [threading.Thread(target=work, args=(limiter,)) for limiter in limiters]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(len(allowed), 5, "three workers share one quota of 5 calls")
        self.assertEqual(len(refused), 7)
        self.assertTrue(all(exc.throttled for exc in refused))
        self.assertIn("daily API call quota (5) is used up", str(refused[0]))
        with db_connect(dbname).cursor() as cr:
            cr.execute(f"SELECT daily_used FROM {rate_limiter.TABLE} WHERE key = %s", [self.key])
            self.assertEqual(cr.fetchone()[0], 5)

    def test_the_quota_day_turns_at_the_platforms_midnight(self):
        limiter = self.worker(capacity=100, restore_rate=100, daily_limit=1,
                              quota_timezone="America/Los_Angeles")
        limiter.acquire()
        with self.assertRaises(RetryableJobError) as caught:
            limiter.acquire()
        # 30 s to midnight in Los Angeles, and a minute's margin.
        self.assertAlmostEqual(caught.exception.retry_after, 90.0, places=3)
        self.clock.advance(31)
        self.assertEqual(limiter.acquire(), 0.0, "a new day in Los Angeles, a new quota")
        self.assertEqual(str(limiter.state()["quota_day"]), "2026-01-15")

        utc = SharedRateLimiter(self.env.cr.dbname, f"{self.key}:utc", 100, 100, daily_limit=1,
                                clock=self.clock, sleep=self.clock.sleep)
        self.addCleanup(utc.forget)
        utc.acquire()
        with self.assertRaises(RetryableJobError):
            utc.acquire()  # 08:00 UTC: still the same UTC day

    def test_calls_made_stay_counted_when_the_job_rolls_back(self):
        limiter = self.worker(daily_limit=10)
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            limiter.acquire(cost=4)
            1 / 0  # noqa: B018 - the job fails after its call, its savepoint rolls back
        state = limiter.state()
        self.assertEqual((state["available"], state["daily_used"]), (6.0, 1))

    def test_a_busy_store_does_not_hold_up_another(self):
        busy, other = self.worker(), self.worker()
        busy.acquire()
        other.key = f"{self.key}:other"
        self.addCleanup(other.forget)
        with db_connect(self.env.cr.dbname).cursor() as holder:
            holder.execute(f"SELECT 1 FROM {rate_limiter.TABLE} WHERE key = %s FOR UPDATE", [self.key])
            done = []
            thread = threading.Thread(target=lambda: done.append(other.acquire()))
            thread.start()
            thread.join(10)
            finished = not thread.is_alive()
            holder.rollback()
            thread.join(10)
        self.assertTrue(finished, "a store's call never waits on another store's bucket")
        self.assertEqual(done, [0.0])

    def test_get_limiter_with_the_database_shares_and_reset_empties_the_bucket(self):
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        dbname = self.env.cr.dbname
        shared = rate_limiter.get_limiter(self.key, 10, 1, dbname=dbname)
        self.assertIsInstance(shared, SharedRateLimiter)
        self.assertIs(rate_limiter.get_limiter(self.key, 99, 9, dbname=dbname), shared)
        self.assertIsInstance(rate_limiter.get_limiter(self.key, 10, 1), rate_limiter.RateLimiter,
                              "without a database: this process's memory, as before")
        shared.acquire(cost=10)
        rate_limiter.reset_limiters()
        fresh = rate_limiter.get_limiter(self.key, 10, 1, dbname=dbname)
        self.assertIsNot(fresh, shared)
        self.assertAlmostEqual(fresh.state()["available"], 10.0, delta=0.5)

    def test_purge_deletes_buckets_nobody_used_for_a_week(self):
        limiter = self.worker()
        limiter.acquire()
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(f"UPDATE {rate_limiter.TABLE} SET touched_at = touched_at - interval '8 days' "
                       "WHERE key = %s", [self.key])
            self.assertGreaterEqual(rate_limiter.purge_stale_buckets(cr), 1)
            cr.execute(f"SELECT count(*) FROM {rate_limiter.TABLE} WHERE key = %s", [self.key])
            self.assertEqual(cr.fetchone()[0], 0)


class TestPlatformQuotaThroughJobs(StoreConnectorCase):
    """The test platform paces its calls through `store.adapter._get_rate_limiter`, with a daily
    quota declared by its hooks, as eBay's addon will."""

    def setUp(self):
        super().setUp()
        test_adapter.API_DAILY_QUOTAS[self.store.id] = 3
        self.addCleanup(test_adapter.API_DAILY_QUOTAS.pop, self.store.id, None)
        self.addCleanup(rate_limiter.reset_limiters)

    def test_a_job_beyond_the_daily_quota_waits_for_the_next_quota_day_without_failing(self):
        Job = self.env["sync.job"]
        first = Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={"api_calls": 2})
        second = Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={"api_calls": 2})
        self.env.flush_all()
        Job._process_queue(store_ids=self.store.ids, commit=False)
        self.assertEqual(first.state, "done")
        self.assertRecordValues(second, [{"state": "pending", "retry_count": 0}])
        self.assertIn("daily API call quota (3) is used up", second.last_error)
        self.assertEqual(test_adapter.API_CALLS.get(self.store.id), 3)
        limiter = self.store._get_adapter()._get_rate_limiter(self.store, 40, 2)
        self.assertEqual(limiter.quota_timezone, "America/Los_Angeles")
        self.assertEqual(limiter.state()["daily_used"], 3, "committed, whatever the test's transaction does")
        # The retry waits for midnight in Los Angeles (at most a day away, plus the queue's jitter of up
        # to 10% of a Retry-After), not a fixed hour.
        wait = (second.next_attempt_at - datetime.now(UTC).replace(tzinfo=None)).total_seconds()
        self.assertLessEqual(wait, (24 * 3600 + 60) * 1.1 + 120)
