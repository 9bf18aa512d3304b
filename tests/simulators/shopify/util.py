"""Small helpers shared by the simulator: clock, global ids, money and time formats."""

import base64
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

GID_RE = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)(?:\?(?P<query>.*))?$")
CENTS = Decimal("0.01")


class SimClock:
    """Wall clock plus an offset tests can move forward (token expiry, leaky bucket, webhook retries).

    `time()`/`now()` follow the real clock shifted by the offset; `monotonic()` does the same on the
    monotonic clock, so `advance(10)` refills a leaky bucket by ten seconds' worth of points at once.
    """

    def __init__(self, start=None):
        self._lock = threading.Lock()
        self._offset = 0.0
        if start is not None:
            start = start if start.tzinfo else start.replace(tzinfo=UTC)
            self._offset = start.timestamp() - time.time()

    def advance(self, seconds):
        with self._lock:
            self._offset += float(seconds)

    def time(self):
        return time.time() + self._offset

    def monotonic(self):
        return time.monotonic() + self._offset

    def now(self):
        return datetime.fromtimestamp(self.time(), UTC).replace(microsecond=0)


def gid(kind, num, query=None):
    """Shopify global id, e.g. gid('Product', 12) -> 'gid://shopify/Product/12'."""
    value = f"gid://shopify/{kind}/{num}"
    return f"{value}?{query}" if query else value


def parse_gid(value, kind=None):
    """Numeric id of a GID (optionally checking its type), or None when it is not one."""
    if not isinstance(value, str):
        return None
    match = GID_RE.match(value)
    if not match or (kind and match.group("type") != kind):
        return None
    return int(match.group("id"))


def gid_type(value):
    match = GID_RE.match(value or "")
    return match.group("type") if match else None


def iso(dt):
    """GraphQL DateTime: UTC with a Z suffix, second precision ('2026-11-05T12:00:00Z')."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def rest_time(dt):
    """REST/webhook timestamp: ISO 8601 with an explicit offset ('2026-11-05T12:00:00+00:00')."""
    return dt.astimezone(UTC).isoformat(timespec="seconds") if dt else None


def parse_time(value):
    """Datetime from an ISO string or a date; naive values are taken as UTC. None if unparsable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip().strip("'\"")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    for candidate in (text, text.replace(" ", "T")):
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def days_ago(clock, days):
    return clock.now() - timedelta(days=days)


def money(value):
    """Decimal rounded to cents."""
    return Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)


def money_str(value):
    """REST money string and the Money scalar: two decimals ('19.90')."""
    return f"{money(value):.2f}"


def decimal_str(value):
    """The Decimal scalar as Shopify prints it (Ruby BigDecimal style): '19.9', '20.0', '19.99'."""
    normalized = money(value).normalize()
    sign, digits, exponent = normalized.as_tuple()
    if exponent >= 0:
        return f"{int(normalized)}.0"
    return format(normalized, "f")


def money_v2(amount, currency):
    return {"__typename": "MoneyV2", "amount": decimal_str(amount), "currencyCode": currency}


def money_bag(amount, currency, presentment_currency=None):
    return {
        "shopMoney": money_v2(amount, currency),
        "presentmentMoney": money_v2(amount, presentment_currency or currency),
    }


def rest_money_set(amount, currency):
    return {
        "shop_money": {"amount": money_str(amount), "currency_code": currency},
        "presentment_money": {"amount": money_str(amount), "currency_code": currency},
    }


def slugify(text):
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug or "product"


def encode_cursor(last_id, last_value):
    raw = json.dumps({"last_id": last_id, "last_value": last_value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor):
    """(last_id, last_value) of a cursor made by encode_cursor, or None when malformed."""
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(data["last_id"]), data["last_value"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def version_key(handle):
    """Sortable key for an API version handle; 'unstable' sorts after every dated version."""
    if handle == "unstable":
        return (9999, 99)
    year, month = handle.split("-")
    return (int(year), int(month))


def version_at_least(handle, reference):
    return version_key(handle) >= version_key(reference)
