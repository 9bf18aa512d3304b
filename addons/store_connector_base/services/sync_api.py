"""Input checking for the sync API: pure functions, no ORM, so they are cheap to test and reuse.

Every function raises `SyncApiError` with the HTTP status, a stable machine-readable code and a
message for people; the controller turns it into ``{"error": {"code": ..., "message": ...}}``.
"""

import base64
import binascii
import json
import math
from datetime import UTC, datetime

# Orders page size: the default when the client names none, and the most one page may hold.
ORDERS_DEFAULT_LIMIT = 50
ORDERS_MAX_LIMIT = 100
# The most SKUs or items one sync request may name: beyond this, send several requests (or none
# at all, which syncs everything bound) rather than one unbounded body.
MAX_SYNC_ITEMS = 5000
MAX_SKU_LENGTH = 255
_CURSOR_PREFIX = "o1:"


class SyncApiError(Exception):
    """A request the sync API refuses.

    :param status: HTTP status to answer (401, 403, 404, 422, 429...).
    :param code: stable error code for programs, e.g. "invalid_limit".
    :param message: what is wrong, for people.
    :param details: optional JSON-serialisable facts (e.g. the unknown SKUs).
    :param headers: optional extra response headers (e.g. Retry-After).
    """

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def to_json(self):
        error = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


def invalid(code, message, details=None):
    return SyncApiError(422, code, message, details=details)


def parse_json_body(raw):
    """The request body as a dict; an empty body is an empty dict.

    :raises SyncApiError(422): not JSON, or JSON that is not an object.
    """
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid("invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("invalid_json", "The request body must be a JSON object.")
    return body


def _check_sku(sku, where):
    if not isinstance(sku, str) or not sku.strip():
        raise invalid("invalid_sku", f"{where} must be a non-empty string.")
    if len(sku) > MAX_SKU_LENGTH:
        raise invalid("invalid_sku", f"{where} is longer than {MAX_SKU_LENGTH} characters.")
    return sku.strip()


def parse_skus(body):
    """The SKUs a products sync names: ``{"skus": [...]}``, or None for "everything bound".

    Duplicates are dropped (first occurrence kept): syncing a product twice in one request
    means nothing more than syncing it once.
    """
    unknown = set(body) - {"skus"}
    if unknown:
        raise invalid("invalid_body",
                      f'Unknown keys in the body: {", ".join(sorted(unknown))}. Expected "skus".')
    if "skus" not in body or body["skus"] is None:
        return None
    skus = _check_list(body, "skus", '"skus" must be a non-empty list of SKUs (omit it to sync everything).')
    cleaned = [_check_sku(sku, f"skus[{index}]") for index, sku in enumerate(skus)]
    return list(dict.fromkeys(cleaned))



def _check_list(body, key, message):
    """body[key] if it is a non-empty list of at most MAX_SYNC_ITEMS entries, else a 422."""
    values = body[key]
    if not isinstance(values, list) or not values:
        raise invalid(f"invalid_{key}", message)
    if len(values) > MAX_SYNC_ITEMS:
        raise invalid("too_many_items",
                      f'"{key}" holds {len(values)} entries; at most {MAX_SYNC_ITEMS} per request.')
    return values

def parse_inventory_items(body):
    """What an inventory sync names, or None for "everything bound".

    Accepts ``{"items": [{"sku": "A", "quantity": 5}, ...]}`` (quantities given by the caller) or
    ``{"skus": ["A", ...]}`` (quantities computed from Odoo's stock).

    :returns: None, or a list of {"sku": str, "quantity": int or None}.
    """
    unknown = set(body) - {"items", "skus"}
    if unknown:
        raise invalid("invalid_body",
                      f'Unknown keys in the body: {", ".join(sorted(unknown))}. Expected "items" or "skus".')
    if body.get("items") is not None and body.get("skus") is not None:
        raise invalid("invalid_body", 'Send either "items" or "skus", not both.')
    if body.get("skus") is not None:
        return [{"sku": sku, "quantity": None} for sku in parse_skus({"skus": body["skus"]})]
    if body.get("items") is None:
        return None
    items = _check_list(body, "items", '"items" must be a non-empty list of {"sku", "quantity"} objects.')
    result, seen = [], set()
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            raise invalid("invalid_items", f'{where} must be an object with "sku" and "quantity".')
        extra = set(item) - {"sku", "quantity"}
        if extra:
            raise invalid("invalid_items", f"{where} has unknown keys: {', '.join(sorted(extra))}.")
        sku = _check_sku(item.get("sku"), f"{where}.sku")
        if sku in seen:
            # Two quantities for one SKU: which one to publish would be a guess.
            raise invalid("duplicate_sku", f'{where}.sku "{sku}" appears more than once.')
        seen.add(sku)
        quantity = item.get("quantity")
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise invalid("invalid_quantity", f"{where}.quantity must be a whole number.")
        if quantity < 0:
            raise invalid("invalid_quantity", f"{where}.quantity must not be negative.")
        result.append({"sku": sku, "quantity": quantity})
    return result


def parse_since(value):
    """An ISO 8601 date or date-time as a naive UTC datetime (Odoo's convention); None if absent.

    A date-time without offset is taken as UTC.
    """
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise invalid("invalid_since",
                      '"since" must be an ISO 8601 date or date-time, e.g. 2024-05-01T12:00:00Z.') from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_limit(value):
    """Orders page size: 1..ORDERS_MAX_LIMIT, ORDERS_DEFAULT_LIMIT when absent."""
    if value is None or value == "":
        return ORDERS_DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise invalid("invalid_limit",
                      f'"limit" must be a whole number from 1 to {ORDERS_MAX_LIMIT}.') from None
    if not 1 <= limit <= ORDERS_MAX_LIMIT:
        raise invalid("invalid_limit", f'"limit" must be a whole number from 1 to {ORDERS_MAX_LIMIT}.')
    return limit


def parse_status(value, allowed):
    """Comma-separated statuses, each one of `allowed`; None when absent."""
    if value is None or value == "":
        return None
    statuses = [part.strip() for part in value.split(",") if part.strip()]
    wrong = [status for status in statuses if status not in allowed]
    if not statuses or wrong:
        raise invalid("invalid_status",
                      f'"status" must be one or more of {", ".join(allowed)}, separated by commas.',
                      details={"allowed": list(allowed)})
    return statuses


def encode_cursor(last_id):
    """Opaque cursor for the page after the record `last_id` (keyset pagination on id)."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{int(last_id)}".encode()).decode().rstrip("=")


def decode_cursor(value):
    """The record id a cursor points after; None when absent.

    :raises SyncApiError(422): not a cursor this API gave out.
    """
    if value is None or value == "":
        return None
    try:
        padded = value + "=" * (-len(value) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        last_id = int(text[len(_CURSOR_PREFIX):])
        if last_id <= 0:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid("invalid_cursor", '"cursor" is not a cursor this API returned.') from None
    return last_id


def retry_after_seconds(seconds):
    """Whole seconds for a Retry-After header, at least 1."""
    return max(1, math.ceil(seconds))


def iso_utc(value):
    """A naive UTC datetime as ISO 8601 with a Z, or None."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
