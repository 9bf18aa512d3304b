"""Small helpers of the WooCommerce simulator: clock, money, dates, WordPress's JSON and errors."""

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTS = Decimal("0.01")


class SimClock:
    """Wall clock plus an offset tests can move forward (OAuth timestamp window, webhook delivery ids),
    and the shop's calendar: the dates it writes, which `set_date` may move apart from the clock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = 0.0
        self._calendar = 0.0

    def advance(self, seconds):
        """Move the clock and the calendar forward by `seconds`."""
        with self._lock:
            self._offset += float(seconds)

    def time(self):
        return time.time() + self._offset

    def set_date(self, when):
        """The shop's dates go on from `when` (a datetime, naive = UTC; None: the clock's again) while
        the clock (OAuth timestamp window, delivery ids) keeps the wall time: a shop's past weeks
        replayed in seconds by a client that signs its requests with the real time. Real dates only
        move forward: set them in order."""
        with self._lock:
            if when is None:
                self._calendar = 0.0
                return
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            self._calendar = when.timestamp() - self.time()

    def now(self):
        """Current UTC time of the shop's calendar, second resolution (WordPress stores dates to the
        second)."""
        return datetime.fromtimestamp(self.time() + self._calendar, UTC).replace(microsecond=0)


def money(value):
    """Decimal rounded to cents (half up, as wc_format_decimal with the store's 2 decimals)."""
    return Decimal(str(value or 0)).quantize(CENTS, rounding=ROUND_HALF_UP)


def money_str(value):
    """WooCommerce's money strings: always two decimals ("10.00", "-5.00")."""
    return f"{money(value):.2f}"


def decimal_or_none(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value):
    """A PHP float as json_encode writes it: 3 for 3.0, 12.5 for 12.5 (line-item `price`)."""
    value = Decimal(str(value)).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def site_time(dt, offset):
    """'2017-03-22T16:28:02' in the site's timezone (no offset suffix, as WooCommerce answers)."""
    if dt is None:
        return None
    return (dt.astimezone(UTC) + offset).strftime("%Y-%m-%dT%H:%M:%S")


def gmt_time(dt):
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_rest_date(value, naive_offset):
    """A REST date argument (rest_parse_date): ISO 8601 with or without an offset; a naive value is
    read in the zone whose UTC offset is `naive_offset` (the site's, or GMT with dates_are_gmt).
    :returns: an aware UTC datetime, or None when the value is not a date-time."""
    match = ISO_RE.match(str(value).strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    zone = match.group(8)
    if zone is None:
        return (naive - naive_offset).replace(tzinfo=UTC)
    if zone == "Z":
        return naive.replace(tzinfo=UTC)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (naive - sign * delta).replace(tzinfo=UTC)


def wp_json(payload):
    """Bytes as wp_json_encode() writes them: compact, non-ASCII as \\uXXXX and "/" escaped as "\\/"
    (PHP's json_encode defaults). Webhook signatures are computed over exactly these bytes."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


class RestError(Exception):
    """A WP_Error answered as {"code", "message", "data": {"status", ...}}."""

    def __init__(self, status, code, message, **data):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def body(self):
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def invalid_param(name, reason):
    """WordPress's argument validation error (rest_validate_request_arg)."""
    return RestError(
        400, "rest_invalid_param", f"Invalid parameter(s): {name}", params={name: reason}, details={}
    )


def slugify(text):
    text = re.sub(r"&[a-z]+;|&#\d+;", "", str(text).lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "item"
