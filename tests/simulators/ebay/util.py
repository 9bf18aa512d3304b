"""Small helpers of the eBay simulator: the simulated clock (with eBay's US-Pacific quota day), dates,
amounts."""

import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
CENTS = Decimal("0.01")


class SimClock:
    """Wall clock plus an offset tests move forward (`advance`): token lifetimes, order dates, and the
    quota day, which starts at midnight US-Pacific (GetApiAccessRules: "A day starts at 00:00:00 PST")."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = 0.0

    def advance(self, seconds):
        with self._lock:
            self._offset += float(seconds)

    def time(self):
        return time.time() + self._offset

    def now(self):
        return datetime.fromtimestamp(self.time(), UTC)

    def quota_day(self):
        """The US-Pacific calendar day the quotas count in (a date)."""
        return self.now().astimezone(PACIFIC).date()

    def next_quota_reset(self):
        """The UTC datetime of the next US-Pacific midnight."""
        local = self.now().astimezone(PACIFIC)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
        return midnight.astimezone(UTC)


def ebay_date(dt):
    """eBay's REST timestamps: UTC, milliseconds, 'Z' ("2026-11-03T17:02:11.000Z")."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_ebay_date(text):
    """An ISO 8601 UTC timestamp as eBay takes it in filters ("2026-11-01T00:00:00.000Z")."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value.astimezone(UTC)


def money(value):
    return Decimal(str(value or 0)).quantize(CENTS, rounding=ROUND_HALF_UP)


def amount(value, currency="USD"):
    """eBay's Amount: {"value": "12.50", "currency": "USD"} (the value is a string)."""
    return {"value": f"{money(value):.2f}", "currency": currency}
