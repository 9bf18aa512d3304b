"""Client-side rate limiting per store, fed by what the platform reports.

One `RateLimiter` per store key, shared by the threads of this process. It is a leaky bucket: it
holds `available` units that refill at `restore_rate` per second up to `capacity`. A request costing
`cost` units waits (`acquire`) until the bucket can pay for it, so we never send what the platform
would refuse. After each answer the adapter reports the platform's own view (`update`): Shopify's
`throttleStatus`, a REST call-limit header, a Retry-After; that view replaces our estimate.
Daily quotas (eBay) are counted separately with `daily_limit`, per quota day.

When the wait would be longer than the caller allows, `acquire` raises a RetryableJobError marked
``throttled``: the queue reschedules the job after the wait without counting a failed attempt,
since nothing failed.
"""

import threading
import time
from datetime import UTC, datetime

from odoo import _

from ..exceptions import RetryableJobError

_limiters = {}
_limiters_lock = threading.Lock()

# A daily quota that is used up is tried again after this many seconds, unless the caller knows
# better (the platform says when its quota day ends).
DAILY_QUOTA_RETRY_SECONDS = 3600


def _utc_today():
    return datetime.now(UTC).date()


def throttled_error(message, retry_after):
    """A RetryableJobError that tells the queue to wait, not to count a failure."""
    exc = RetryableJobError(message, retry_after=retry_after)
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

    def acquire(self, cost=1.0, max_wait=30.0, day=None):
        """Block until `cost` units are available, then spend them.

        :param cost: units this request costs (a request costing more than the capacity is let
            through at full capacity: the platform refuses it anyway, and says why).
        :param max_wait: wait at most this long; beyond it raise instead of holding a worker.
        :param day: the platform's current quota day (e.g. a US-Pacific date), for daily limits;
            default: the limiter's `today`.
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
                            _("The daily quota of %(limit)s API calls is used up.", limit=self.daily_limit),
                            DAILY_QUOTA_RETRY_SECONDS,
                        )
                wait = self._wait_for(cost, now)
                if wait <= 0:
                    self.available -= cost
                    if self.daily_limit is not None:
                        self.daily_used += 1
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


def get_limiter(key, capacity, restore_rate, daily_limit=None):
    """The process-wide limiter for `key`, created with these settings on first use."""
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RateLimiter(capacity, restore_rate, daily_limit=daily_limit)
        return limiter


def reset_limiters():
    """Forget every limiter (tests; a store's settings changed)."""
    with _limiters_lock:
        _limiters.clear()
