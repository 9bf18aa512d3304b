"""Client-side rate limiting per store, fed by what the platform reports.

A leaky bucket per store key: it holds `available` units that refill at `restore_rate` per second
up to `capacity`. A request costing `cost` units waits (`acquire`) until the bucket can pay for it,
so we never send what the platform would refuse. After each answer the adapter reports the
platform's own view (`update`): Shopify's `throttleStatus`, a REST call-limit header, a
Retry-After; that view replaces our estimate. Daily quotas (eBay: 5,000 calls a day for some APIs)
are counted separately with `daily_limit`, per quota day; the quota day is the date in the
platform's time zone (`quota_timezone`, eBay: America/Los_Angeles), so it turns at the platform's
midnight.

Two implementations of the same interface (`acquire`, `wait_time`, `update`):

* `SharedRateLimiter` (what `get_limiter` returns when given the database name, as every platform
  client does through `store.adapter._get_rate_limiter`): the bucket and the daily count live in
  a PostgreSQL row per key, read and written under the row's lock in a short transaction of their
  own on a separate connection. Every worker and every server of the database sees and spends the
  same units, so N workers do not each spend a daily quota; a job that rolls back does not give
  back the calls it made; stores do not wait on each other (one row each). The clock is the
  database's, the same for every server.
* `RateLimiter`: the same bucket in this process's memory (a single process, fake-clock tests).

When the wait would be longer than the caller allows, `acquire` raises a RetryableJobError marked
``throttled``: the queue reschedules the job after the wait without counting a failed attempt,
since nothing failed.
"""

import threading
import time
from datetime import UTC, datetime

from odoo import _
from odoo.sql_db import db_connect

from ..exceptions import RetryableJobError

_limiters = {}
_limiters_lock = threading.Lock()

# A daily quota that is used up is tried again after this many seconds, unless the caller knows
# better (the platform says when its quota day ends).
DAILY_QUOTA_RETRY_SECONDS = 3600


def _utc_today():
    return datetime.now(UTC).date()


def throttled_error(message, retry_after, cls=RetryableJobError):
    """A RetryableJobError (or subclass `cls`) that tells the queue to wait, not to count a failure."""
    exc = cls(message, retry_after=retry_after)
    exc.throttled = True
    return exc


class RateLimiter:
    """A leaky bucket of `capacity` units refilling at `restore_rate` units per second.

    :param daily_limit: requests allowed per quota day (None: no daily quota).
    :param clock: monotonic seconds (injected by tests).
    :param sleep: how to wait (injected by tests).
    :param today: the current quota day when `acquire` is not told (default: the UTC date).
    """

    def __init__(self, capacity, restore_rate, daily_limit=None, clock=time.monotonic, sleep=time.sleep,
                 today=_utc_today):
        self.capacity = float(capacity)
        self.restore_rate = float(restore_rate)
        self.available = float(capacity)
        self.daily_limit = daily_limit
        self.daily_used = 0
        self.day = None
        self.blocked_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._today = today
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for benchmarks and logs

    def _refill(self, now):
        elapsed = max(0.0, now - self._stamp)
        self.available = min(self.capacity, self.available + elapsed * self.restore_rate)
        self._stamp = now

    def _wait_for(self, cost, now):
        """Seconds until `cost` units can be spent and no Retry-After block holds (lock held)."""
        wait = max(0.0, self.blocked_until - now)
        missing = cost - self.available
        if missing > 0:
            wait = max(wait, missing / self.restore_rate if self.restore_rate > 0 else float("inf"))
        return wait

    def wait_time(self, cost=1.0):
        """Seconds to wait before `cost` units can be spent (0 when affordable now)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            return self._wait_for(min(cost, self.capacity), now)

    def acquire(self, cost=1.0, max_wait=30.0, day=None, usage=None):
        """Block until `cost` units are available, then spend them.

        :param cost: units this request costs (a request costing more than the capacity is let
            through at full capacity: the platform refuses it anyway, and says why).
        :param max_wait: wait at most this long; beyond it raise instead of holding a worker.
        :param day: the platform's current quota day (e.g. a US-Pacific date), for daily limits;
            default: the limiter's `today`.
        :param usage: a dict the limiter fills with the daily count after this call ("used",
            "limit"), when it keeps a daily quota (the caller warns before the quota is spent).
        :returns: the seconds waited.
        :raises RetryableJobError: (``throttled``) the wait would exceed `max_wait` or the daily
            quota is used up; its ``retry_after`` says when to try again.
        """
        cost = min(float(cost), self.capacity)
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if self.daily_limit is not None:
                    current_day = day if day is not None else self._today()
                    if current_day != self.day:
                        self.day, self.daily_used = current_day, 0
                    if self.daily_used >= self.daily_limit:
                        raise throttled_error(
                            _("The daily API call quota (%(limit)s) is used up.", limit=self.daily_limit),
                            DAILY_QUOTA_RETRY_SECONDS,
                        )
                wait = self._wait_for(cost, now)
                if wait <= 0:
                    self.available -= cost
                    if self.daily_limit is not None:
                        self.daily_used += 1
                        if usage is not None:
                            usage.update(used=self.daily_used, limit=self.daily_limit)
                    return waited
            if wait > max_wait:
                retry_after = wait if wait != float("inf") else DAILY_QUOTA_RETRY_SECONDS
                raise throttled_error(
                    _("Rate limit: the platform allows this request in %(wait).1f s, more than the "
                      "%(max_wait).1f s a job may wait.", wait=wait, max_wait=max_wait),
                    retry_after,
                )
            self.waited += wait
            waited += wait
            self._sleep(wait)

    def update(self, available=None, capacity=None, restore_rate=None, retry_after=None, refund=None):
        """Take the platform's word for the bucket's state.

        :param available: units the platform says are left.
        :param capacity: the bucket's size according to the platform.
        :param restore_rate: units per second according to the platform.
        :param retry_after: seconds the platform told us to wait (HTTP 429): nothing is sent
            before then.
        :param refund: units to give back (a request cost less than estimated).
        """
        with self._lock:
            now = self._clock()
            self._refill(now)
            if capacity is not None:
                self.capacity = float(capacity)
            if restore_rate is not None:
                self.restore_rate = float(restore_rate)
            if available is not None:
                self.available = float(available)
            if refund:
                self.available += float(refund)
            self.available = min(self.capacity, self.available)
            if retry_after:
                self.blocked_until = max(self.blocked_until, now + float(retry_after))


# The table of the shared buckets (its name is written out in the queries below).
TABLE = "store_connector_rate_bucket"

# Creates the key's bucket (full) on first use, else locks its row; returns its state, the time
# (epoch seconds: the injected clock's in tests, else the database's, the same for every server)
# and the quota day (the date at that time in the quota's time zone) with the seconds left in it.
_LOCK_SQL = """
WITH t AS (SELECT COALESCE(%(now)s::float8, extract(epoch FROM clock_timestamp())) AS now)
INSERT INTO store_connector_rate_bucket AS b (key, capacity, restore_rate, available, stamp, touched_at)
VALUES (%(key)s, %(capacity)s, %(restore_rate)s, %(capacity)s, (SELECT now FROM t),
        now() AT TIME ZONE 'UTC')
ON CONFLICT (key) DO UPDATE SET touched_at = EXCLUDED.touched_at
RETURNING b.capacity, b.restore_rate, b.available, b.stamp, b.blocked_until, b.quota_day,
          b.daily_used, (SELECT now FROM t) AS now,
          (SELECT (to_timestamp(now) AT TIME ZONE %(tz)s)::date FROM t) AS today,
          (SELECT extract(epoch FROM (((to_timestamp(now) AT TIME ZONE %(tz)s)::date + 1)::timestamp
                                      AT TIME ZONE %(tz)s)) - now FROM t) AS day_left
"""

_SAVE_SQL = """
UPDATE store_connector_rate_bucket
   SET capacity = %(capacity)s, restore_rate = %(restore_rate)s, available = %(available)s,
       stamp = %(stamp)s, blocked_until = %(blocked_until)s, quota_day = %(quota_day)s,
       daily_used = %(daily_used)s
 WHERE key = %(key)s
"""


def ensure_table(cr):
    """Create the table of the shared buckets (called by `connector.store.init`). One row per
    limiter key; no link to the store, so that the separate transaction that writes it never waits
    on (nor needs) the transaction that created the store."""
    cr.execute("""
        CREATE TABLE IF NOT EXISTS store_connector_rate_bucket (
            key varchar PRIMARY KEY,
            capacity float8 NOT NULL,
            restore_rate float8 NOT NULL,
            available float8 NOT NULL,
            stamp float8 NOT NULL,
            blocked_until float8 NOT NULL DEFAULT 0,
            quota_day date,
            daily_used integer NOT NULL DEFAULT 0,
            touched_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
        )
    """)


def purge_stale_buckets(cr, days=7):
    """Delete the buckets nobody used for `days` days (deleted stores; a bucket that comes back
    starts full, as the platform's own would after that long). :returns: the rows deleted."""
    cr.execute(
        "DELETE FROM store_connector_rate_bucket"
        " WHERE touched_at < (now() AT TIME ZONE 'UTC') - %s * interval '1 day'",
        [days],
    )
    return cr.rowcount


class SharedRateLimiter:
    """The leaky bucket and daily quota of `key`, kept in PostgreSQL for every worker and server.

    Same interface and semantics as `RateLimiter`. Each `acquire` or `update` is one short
    transaction on its own connection (READ COMMITTED, the row locked by an UPSERT ... RETURNING,
    then written back): concurrent callers of one key take turns for those few statements only, and
    what they spend is committed at once, whatever the caller's transaction does afterwards.

    :param dbname: the database holding the buckets (the store's).
    :param key: the bucket's key (`store.adapter._rate_limit_key`).
    :param capacity, restore_rate: the bucket's size and refill per second until the platform says
        otherwise (`update`); the platform's word is kept in the row.
    :param daily_limit: requests allowed per quota day (None: no daily quota).
    :param quota_timezone: the time zone whose midnight starts a new quota day (default UTC).
    :param clock: epoch seconds (tests); default the database's clock.
    :param sleep: how to wait (tests).
    """

    def __init__(self, dbname, key, capacity, restore_rate, daily_limit=None, quota_timezone=None,
                 clock=None, sleep=time.sleep):
        self.dbname = dbname
        self.key = str(key)
        self.initial_capacity = float(capacity)
        self.initial_restore_rate = float(restore_rate)
        self.daily_limit = daily_limit
        self.quota_timezone = quota_timezone or "UTC"
        self._clock = clock
        self._sleep = sleep
        self.waited = 0.0  # seconds this process spent waiting, for benchmarks and logs

    def _locked(self, func, day=None):
        """Run `func(state)` on the bucket's row, locked, in a transaction of its own; write back
        the state it changed and commit (also when `func` raises). :returns: what `func` returns."""
        params = {
            "key": self.key,
            "capacity": self.initial_capacity,
            "restore_rate": self.initial_restore_rate,
            "now": self._clock() if self._clock else None,
            "tz": self.quota_timezone,
        }
        with db_connect(self.dbname).cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(_LOCK_SQL, params)
            state = cr.dictfetchone()
            if day is not None:
                state["today"], state["day_left"] = day, None
            self._refill(state)
            try:
                return func(state)
            finally:
                # Committed here, also when `func` raises (the cursor's exit would roll back).
                cr.execute(_SAVE_SQL, dict(state, key=self.key))
                cr.commit()

    @staticmethod
    def _refill(state):
        now = state["now"]
        elapsed = max(0.0, now - state["stamp"])
        state["available"] = min(state["capacity"], state["available"] + elapsed * state["restore_rate"])
        state["stamp"] = now

    @staticmethod
    def _wait_for(state, cost):
        wait = max(0.0, state["blocked_until"] - state["now"])
        missing = cost - state["available"]
        if missing > 0:
            rate = state["restore_rate"]
            wait = max(wait, missing / rate if rate > 0 else float("inf"))
        return wait

    def state(self):
        """The bucket as every process sees it now: {"capacity", "restore_rate", "available",
        "blocked_until", "quota_day", "daily_used", "now"} (for logs, tests and benchmarks)."""
        return self._locked(lambda state: {k: state[k] for k in (
            "capacity", "restore_rate", "available", "blocked_until", "quota_day", "daily_used", "now")})

    def wait_time(self, cost=1.0):
        """Seconds to wait before `cost` units can be spent (0 when affordable now)."""
        return self._locked(lambda state: self._wait_for(state, min(float(cost), state["capacity"])))

    def _try_spend(self, state, cost, usage=None):
        """Spend `cost` units and count one call when both allow it now. :returns: 0 when spent,
        else the seconds to wait. :raises RetryableJobError: (throttled) the daily quota is used up."""
        if self.daily_limit is not None:
            if state["quota_day"] != state["today"]:
                state["quota_day"], state["daily_used"] = state["today"], 0
            if state["daily_used"] >= self.daily_limit:
                day_left = state["day_left"]
                raise throttled_error(
                    _("The daily API call quota (%(limit)s) is used up; it starts again at the "
                      "platform's midnight.", limit=self.daily_limit),
                    # Just after the platform's day turns (a minute's margin for clocks).
                    day_left + 60 if day_left is not None else DAILY_QUOTA_RETRY_SECONDS,
                )
        wait = self._wait_for(state, min(cost, state["capacity"]))
        if wait <= 0:
            state["available"] -= min(cost, state["capacity"])
            if self.daily_limit is not None:
                state["daily_used"] += 1
                if usage is not None:
                    usage.update(used=state["daily_used"], limit=self.daily_limit)
        return wait

    def acquire(self, cost=1.0, max_wait=30.0, day=None, usage=None):
        """Wait until `cost` units are available in the shared bucket, then spend them.

        :param cost: units this request costs (beyond the capacity: let through at full capacity).
        :param max_wait: wait at most this long; beyond it raise instead of holding a worker.
        :param day: the quota day, when the caller knows it better (default: today in
            `quota_timezone`, by the database's clock).
        :param usage: see `RateLimiter.acquire`.
        :returns: the seconds waited.
        :raises RetryableJobError: (``throttled``) the wait would exceed `max_wait`, or the daily
            quota is used up (``retry_after``: until the quota day turns).
        """
        cost = float(cost)
        waited = 0.0
        while True:
            wait = self._locked(lambda state: self._try_spend(state, cost, usage), day=day)
            if wait <= 0:
                return waited
            if wait > max_wait:
                raise throttled_error(
                    _("Rate limit: the platform allows this request in %(wait).1f s, more than the "
                      "%(max_wait).1f s a job may wait.", wait=wait, max_wait=max_wait),
                    wait if wait != float("inf") else DAILY_QUOTA_RETRY_SECONDS,
                )
            self.waited += wait
            waited += wait
            self._sleep(wait)

    def update(self, available=None, capacity=None, restore_rate=None, retry_after=None, refund=None):
        """Take the platform's word for the bucket's state, for every process (see
        `RateLimiter.update` for the parameters)."""
        def apply(state):
            if capacity is not None:
                state["capacity"] = float(capacity)
            if restore_rate is not None:
                state["restore_rate"] = float(restore_rate)
            if available is not None:
                state["available"] = float(available)
            if refund:
                state["available"] += float(refund)
            state["available"] = min(state["capacity"], state["available"])
            if retry_after:
                state["blocked_until"] = max(state["blocked_until"], state["now"] + float(retry_after))
        self._locked(apply)

    def forget(self):
        """Delete the bucket's row: the next use starts full (tests)."""
        with db_connect(self.dbname).cursor() as cr:
            cr.execute("DELETE FROM store_connector_rate_bucket WHERE key = %s", [self.key])


def get_limiter(key, capacity, restore_rate, daily_limit=None, dbname=None, quota_timezone=None):
    """The limiter of `key`, created with these settings on its first use in this process; its
    daily limit follows `daily_limit` (a manager may change a store's quota at any time).

    :param dbname: the database that keeps the bucket for every worker and server (a
        `SharedRateLimiter`); without it, a `RateLimiter` in this process's memory.
    :param daily_limit: calls allowed per quota day (None: none).
    :param quota_timezone: the time zone of the platform's quota day (shared limiter; default UTC).
    """
    cache_key = (dbname, key)
    with _limiters_lock:
        limiter = _limiters.get(cache_key)
        if limiter is None:
            if dbname:
                limiter = SharedRateLimiter(dbname, key, capacity, restore_rate, daily_limit=daily_limit,
                                            quota_timezone=quota_timezone)
            else:
                limiter = RateLimiter(capacity, restore_rate, daily_limit=daily_limit)
            _limiters[cache_key] = limiter
        else:
            limiter.daily_limit = daily_limit
        return limiter


def reset_limiters():
    """Forget every limiter of this process, and the shared buckets of those it used (tests; a
    store's settings changed): the next use of a key starts with a full bucket."""
    with _limiters_lock:
        forgotten = list(_limiters.values())
        _limiters.clear()
    for limiter in forgotten:
        if isinstance(limiter, SharedRateLimiter):
            limiter.forget()


def daily_usage(dbname, keys, quota_timezone="UTC"):
    """Today's count of the daily quotas of `keys`, as every process sees it now: read on a
    connection of its own (the caller's snapshot may predate the counts other workers committed).

    :param dbname: the database holding the buckets.
    :param keys: the buckets' keys.
    :param quota_timezone: the time zone of the platform's quota day.
    :returns: {key: calls counted today}; a bucket not used today counts 0.
    """
    keys = list(keys)
    if not keys:
        return {}
    with db_connect(dbname).cursor() as cr:
        cr.execute(
            "SELECT key, daily_used FROM store_connector_rate_bucket"
            " WHERE key = ANY(%s) AND quota_day = (clock_timestamp() AT TIME ZONE %s)::date",
            [keys, quota_timezone],
        )
        used = dict(cr.fetchall())
    return {key: used.get(key, 0) for key in keys}
