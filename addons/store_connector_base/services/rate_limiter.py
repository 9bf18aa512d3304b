"""Client-side rate limiting per store, fed by what the platform reports.

One `RateLimiter` per store key, shared by the threads of this process. It is a leaky bucket: it
holds `available` units that refill at `restore_rate` per second up to `capacity`. A request costing
`cost` units waits (`acquire`) until the bucket can pay for it, so we never send what the platform
would refuse. After each answer the adapter reports the platform's own view (`update`): Shopify's
`throttleStatus`, a REST call-limit header, a Retry-After; that view replaces our estimate.
Daily quotas (eBay) are counted separately with `daily_limit`.
"""

import threading
import time

from ..exceptions import RetryableJobError

_limiters = {}
_limiters_lock = threading.Lock()


class RateLimiter:
    def __init__(self, capacity, restore_rate, daily_limit=None, clock=time.monotonic, sleep=time.sleep):
        self.capacity = float(capacity)
        self.restore_rate = float(restore_rate)
        self.available = float(capacity)
        self.daily_limit = daily_limit
        self.daily_used = 0
        self.day = None
        self.blocked_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for benchmarks and logs

    def _refill(self, now):
        elapsed = max(0.0, now - self._stamp)
        self.available = min(self.capacity, self.available + elapsed * self.restore_rate)
        self._stamp = now

    def wait_time(self, cost=1.0):
        """Seconds to wait before `cost` units can be spent (0 when affordable now)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            wait = max(0.0, self.blocked_until - now)
            missing = cost - self.available
            if missing > 0:
                wait = max(wait, missing / self.restore_rate if self.restore_rate else float("inf"))
            return wait

    def acquire(self, cost=1.0, max_wait=30.0, day=None):
        """Block until `cost` units are available, then spend them.

        :param max_wait: wait at most this long; beyond it raise RetryableJobError so the job is
            rescheduled instead of holding a worker.
        :param day: the platform's current quota day (e.g. a US-Pacific date), for daily limits.
        :raises RetryableJobError: the wait would exceed `max_wait` or the daily quota is spent.
        """
        if cost > self.capacity:
            cost = self.capacity  # the platform refuses such a request anyway; let it say so
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                if self.daily_limit is not None:
                    if day != self.day:
                        self.day, self.daily_used = day, 0
                    if self.daily_used >= self.daily_limit:
                        raise RetryableJobError("daily API call quota used up", retry_after=3600)
                wait = max(0.0, self.blocked_until - now)
                if self.available < cost:
                    wait = max(wait, (cost - self.available) / self.restore_rate)
                if wait <= 0:
                    self.available -= cost
                    if self.daily_limit is not None:
                        self.daily_used += 1
                    return 0.0
            if wait > max_wait:
                raise RetryableJobError("rate limit: waiting %.1fs" % wait, retry_after=wait)
            self.waited += wait
            self._sleep(wait)

    def update(self, available=None, capacity=None, restore_rate=None, retry_after=None, refund=None):
        """Take the platform's word for the bucket's state."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            if capacity is not None:
                self.capacity = float(capacity)
            if restore_rate is not None:
                self.restore_rate = float(restore_rate)
            if available is not None:
                self.available = min(self.capacity, float(available))
            if refund:
                self.available = min(self.capacity, self.available + refund)
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
    with _limiters_lock:
        _limiters.clear()
