"""Input checking for the sync API: pure functions, no ORM, so they are cheap to test and reuse.

Every function raises `SyncApiError` with the HTTP status, a stable machine-readable code and a
message for people; the controller turns it into ``{"error": {"code": ..., "message": ...}}``.
"""

import base64
import binascii
import json
import math
import re
import secrets
from datetime import UTC, datetime, timedelta

from .. import const

# The scope of the Odoo API keys the sync API accepts, and no other: a key of this scope opens
# the sync API only, never XML-RPC / JSON-RPC, and Odoo's global ("rpc") keys do not open the
# sync API (see controllers/sync_api.py).
API_KEY_SCOPE = "store_connector_sync"

# Orders page size: the default when the client names none, and the most one page may hold.
ORDERS_DEFAULT_LIMIT = 50
ORDERS_MAX_LIMIT = 100
# The most SKUs or items one sync request may name: beyond this, send several requests (or none
# at all, which syncs everything bound) rather than one unbounded body.
MAX_SYNC_ITEMS = 5000
MAX_SKU_LENGTH = 255
# Record ids are PostgreSQL integers, and the platforms take stock quantities as 32-bit integers:
# a larger value would fail in the database or on the platform, after the request was accepted.
MAX_ID = 2**31 - 1
MAX_QUANTITY = 2**31 - 1
# `since` bounds: nothing was imported before the Unix epoch; a date beyond tomorrow (a day of
# clock skew) is a client's mistake that would silently answer nothing.
SINCE_EARLIEST = datetime(1970, 1, 1)
SINCE_MAX_AHEAD = timedelta(days=1)
# Longest query value worth parsing (an ISO 8601 date-time with fractions and offset is ~32).
MAX_QUERY_VALUE_LENGTH = 64
# Store codes are 16 characters (see connector_store._new_store_code), ids at most 10 digits.
MAX_STORE_REF_LENGTH = 64
JSON_MIMETYPE = "application/json"
_CURSOR_PREFIX = "o1:"
_CURSOR_ALPHABET = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CURSOR_TEXT = re.compile(r"^o1:([1-9][0-9]{0,9})$")
_DIGITS = re.compile(r"^[0-9]{1,10}$")
_RECORD_ID = re.compile(r"^[1-9][0-9]{0,9}$")
# C0 controls, DEL and C1 controls: never part of a SKU, and NUL is refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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


def payload_too_large(limit):
    """The refusal of a body over `limit` bytes (413)."""
    return SyncApiError(413, "payload_too_large", f"The body is larger than {limit} bytes.")


def unreadable_request(status, limit):
    """The sync API's refusal of a request whose body or headers could not be taken (see
    raw_body.read_raw_body and raw_body.check_header_size).

    :param status: the WebhookRejected status: 413 (body over `limit` bytes), 431 (headers too
        large), else 400 (the body's framing is broken).
    """
    if status == 413:
        return payload_too_large(limit)
    if status == 431:
        return SyncApiError(
            431, "headers_too_large",
            f"The request headers are larger than {const.MAX_REQUEST_HEADER_BYTES} bytes; send only the "
            "Authorization and Content-Type headers and a few short others.")
    return SyncApiError(
        400, "unreadable_body",
        "The request body could not be read (its chunked framing is broken, or it was cut short): "
        "send it again with a Content-Length.")


def check_json_content_type(content_type, raw):
    """Refuse a body that is not declared as JSON; an empty body needs no Content-Type.

    Bodies are JSON only: a form-encoded body is not read as something else (before, Odoo's form
    parser took it and the API saw an empty body, which means "sync everything").

    :param content_type: the Content-Type header ("" when absent).
    :param raw: the body (bytes).
    :raises SyncApiError(415): a body (or a declared type) other than application/json in UTF-8.
    """
    mimetype, _sep, params = (content_type or "").partition(";")
    mimetype = mimetype.strip().lower()
    charset = ""
    for param in params.split(";"):
        name, _eq, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if not mimetype and not raw:
        return
    if mimetype != JSON_MIMETYPE or charset not in ("", "utf-8", "utf8"):
        raise SyncApiError(
            415, "unsupported_media_type",
            f'Send the body as JSON with the header "Content-Type: {JSON_MIMETYPE}" (UTF-8), '
            f'or no body at all; got "{(content_type or "no Content-Type")[:100]}".',
        )


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_json_body(raw):
    """The request body as a dict; an empty body is an empty dict.

    :raises SyncApiError(422): not JSON (NaN and Infinity included), nested too deep to parse,
        or JSON that is not an object.
    """
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid("invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("invalid_json", "The request body must be a JSON object.")
    return body


def _check_sku(sku, where):
    if not isinstance(sku, str) or not sku.strip():
        raise invalid("invalid_sku", f"{where} must be a non-empty string.")
    if len(sku) > MAX_SKU_LENGTH:
        raise invalid("invalid_sku", f"{where} is longer than {MAX_SKU_LENGTH} characters.")
    sku = sku.strip()
    if not is_printable(sku):
        raise invalid("invalid_sku", f"{where} contains control characters or invalid Unicode.")
    return sku


def _is_utf8(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's \ud800 escapes can carry
        return False
    return True


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
    if "sku" in body or "quantity" in body:
        # One item sent alone, {"sku": "A", "quantity": 5}: the same as a list of that one item.
        extra = set(body) - {"sku", "quantity"}
        if extra:
            raise invalid("invalid_body",
                          f'Unknown keys next to "sku" and "quantity": {", ".join(sorted(extra))}. Send one '
                          'item as {"sku", "quantity"}, or several as {"items": [...]}.')
        return [_check_inventory_item(body, "")]
    unknown = set(body) - {"items", "skus"}
    if unknown:
        raise invalid("invalid_body",
                      f'Unknown keys in the body: {", ".join(sorted(unknown))}. Expected "items", "skus", '
                      'or one item as "sku" and "quantity".')
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
        checked = _check_inventory_item(item, where)
        if checked["sku"] in seen:
            # Two quantities for one SKU: which one to publish would be a guess.
            raise invalid("duplicate_sku", f'{where}.sku "{checked["sku"]}" appears more than once.')
        seen.add(checked["sku"])
        result.append(checked)
    return result


def _check_inventory_item(item, where):
    """{"sku": str, "quantity": int} of one inventory item, checked.

    :param where: where the item is in the body, for the messages ("items[3]"; "" for a body that
        is the item itself).
    """
    def name(key):
        return f"{where}.{key}" if where else f'"{key}"'

    sku = _check_sku(item.get("sku"), name("sku"))
    quantity = item.get("quantity")
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise invalid("invalid_quantity", f"{name('quantity')} must be a whole number.")
    if quantity < 0:
        raise invalid("invalid_quantity", f"{name('quantity')} must not be negative.")
    if quantity > MAX_QUANTITY:
        raise invalid("invalid_quantity", f"{name('quantity')} must be at most {MAX_QUANTITY}.")
    return {"sku": sku, "quantity": quantity}


def parse_since(value, now=None):
    """An ISO 8601 date or date-time as a naive UTC datetime (Odoo's convention); None if absent.

    A date-time without offset is taken as UTC. Accepted from SINCE_EARLIEST to a day from now.

    :param now: naive UTC datetime, the present (default: the clock).
    """
    if value is None or value == "":
        return None
    malformed = invalid("invalid_since",
                        '"since" must be an ISO 8601 date or date-time, e.g. 2024-05-01T12:00:00Z.')
    if not isinstance(value, str) or len(value) > MAX_QUERY_VALUE_LENGTH or _CONTROL.search(value):
        raise malformed
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # OverflowError: an offset pushing year 1 or 9999 out of range
        raise malformed from None
    latest = (now or datetime.now(UTC).replace(tzinfo=None)) + SINCE_MAX_AHEAD
    if not SINCE_EARLIEST <= parsed <= latest:
        raise invalid("invalid_since",
                      f'"since" must be between {SINCE_EARLIEST:%Y-%m-%d} and tomorrow (UTC); '
                      f"got {iso_utc(parsed)}.")
    return parsed


def parse_limit(value):
    """Orders page size: 1..ORDERS_MAX_LIMIT, ORDERS_DEFAULT_LIMIT when absent."""
    if value is None or value == "":
        return ORDERS_DEFAULT_LIMIT
    # ASCII digits only: int() would also take " 5", "1_0" and other scripts' digits.
    limit = int(value) if isinstance(value, str) and _DIGITS.match(value) else 0
    if not 1 <= limit <= ORDERS_MAX_LIMIT:
        raise invalid("invalid_limit", f'"limit" must be a whole number from 1 to {ORDERS_MAX_LIMIT}.')
    return limit


def parse_record_id(value):
    """`value` as a record id if it is one (ASCII digits, 1..MAX_ID), else None."""
    if isinstance(value, str) and _RECORD_ID.match(value) and int(value) <= MAX_ID:
        return int(value)
    return None


def is_printable(text):
    """Whether `text` holds no control character and is valid Unicode (storable in PostgreSQL)."""
    return isinstance(text, str) and not _CONTROL.search(text) and _is_utf8(text)


def printable(text, length=MAX_QUERY_VALUE_LENGTH):
    """`text` cut to `length` characters, control characters and invalid Unicode replaced, for
    quoting client input in an error message."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", str(text)[:length])
    return text.encode("utf-8", "replace").decode("utf-8")


def check_single_values(params):
    """Refuse query parameters given more than once (which one would win is a guess).

    :param params: werkzeug MultiDict of the query string.
    :raises SyncApiError(422): naming the repeated parameters.
    """
    repeated = sorted(name for name in params if len(params.getlist(name)) > 1)
    if repeated:
        raise invalid("invalid_parameter",
                      f"Give each query parameter once: {', '.join(repeated)} appear more than once.")


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
    refused = invalid("invalid_cursor", '"cursor" is not a cursor this API returned.')
    # Checked strictly at each step: b64decode skips characters outside its alphabet, and int()
    # takes signs, blanks, underscores and any script's digits.
    if not isinstance(value, str) or not _CURSOR_ALPHABET.match(value):
        raise refused
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (ValueError, binascii.Error):
        raise refused from None
    match = _CURSOR_TEXT.match(text)
    if not match or int(match.group(1)) > MAX_ID:
        raise refused
    return int(match.group(1))


def retry_after_seconds(seconds):
    """Whole seconds for a Retry-After header, at least 1."""
    return max(1, math.ceil(seconds))


def iso_utc(value):
    """A naive UTC datetime as ISO 8601 with a Z, or None."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


# ---------------------------------------------------------------------- order pulls
# The most orders a pull with a "limit" imports within the request, and the most platform pages it
# reads for them: a bounded wait, whatever the platform's page size.
PULL_MAX_LIMIT = 100
PULL_MAX_INLINE_PAGES = 10
PULL_MAX_STATUSES = 20
# An order pull's id (see connector_store_api._api_pull_orders): secrets.token_urlsafe(12).
_PULL_ID = re.compile(r"^[A-Za-z0-9_-]{16}$")


def _check_statuses(value, allowed, platform):
    """The platform statuses a pull filters on: a list or a comma-separated string, each one of
    `allowed`; None when absent.

    :param allowed: the statuses the platform's pull filters on, or None when it cannot filter.
    :param platform: the platform's name, for the messages.
    """
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
        raise invalid("invalid_status", '"status" must be a list of statuses or a comma-separated string.')
    statuses = list(dict.fromkeys(part.strip() for part in value if part.strip()))
    if not statuses or len(statuses) > PULL_MAX_STATUSES:
        raise invalid("invalid_status", f'"status" must name from 1 to {PULL_MAX_STATUSES} statuses.')
    if not allowed:
        raise invalid("invalid_status",
                      f"The {platform} connector cannot filter an order pull by status: omit \"status\".")
    wrong = [status for status in statuses if status not in allowed]
    if wrong:
        raise invalid(
            "invalid_status",
            f'Unknown {platform} order statuses: {", ".join(printable(status) for status in wrong[:10])}. '
            f'Use {", ".join(allowed)}.',
            details={"allowed": list(allowed)},
        )
    return statuses


def parse_order_pull(body, allowed_statuses, platform):
    """What ``POST .../sync/orders`` asks: {"status", "since", "limit"}, each optional.

    :param allowed_statuses: the statuses the platform's pull filters on (None: it cannot filter).
    :returns: {"status": [str] or None, "since": naive UTC datetime or None, "limit": int or None}.
    :raises SyncApiError(422): unknown keys or a bad value, saying which.
    """
    unknown = set(body) - {"status", "since", "limit"}
    if unknown:
        raise invalid("invalid_body",
                      f'Unknown keys in the body: {", ".join(sorted(unknown))}. Expected "status", "since" '
                      'and "limit", each optional.')
    limit = body.get("limit")
    if limit is not None:
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PULL_MAX_LIMIT:
            raise invalid("invalid_limit",
                          f'"limit" must be a whole number from 1 to {PULL_MAX_LIMIT}; omit it to pull '
                          "every order changed since \"since\" (queued when it is more than one page).")
    return {
        "status": _check_statuses(body.get("status"), allowed_statuses, platform),
        "since": parse_since(body.get("since")),
        "limit": limit,
    }


def new_pull_id():
    """A new order pull's id, as it appears in its poll URL."""
    return secrets.token_urlsafe(12)


def check_pull_id(value):
    """:raises SyncApiError(404): `value` cannot be an order pull's id."""
    if not isinstance(value, str) or not _PULL_ID.match(value):
        raise SyncApiError(404, "pull_not_found", "No such order pull for this store.")
    return value


# ---------------------------------------------------------------------- webhooks
MAX_TOPICS = 100
MAX_TOPIC_LENGTH = 255


def parse_webhook_topics(body):
    """The topics ``POST .../webhooks`` asks to register: ``{"topics": [...]}``, or None for all.

    :returns: list of topics (duplicates dropped, order kept) or None.
    """
    unknown = set(body) - {"topics"}
    if unknown:
        raise invalid("invalid_body",
                      f'Unknown keys in the body: {", ".join(sorted(unknown))}. '
                      'Expected "topics" (optional).')
    topics = body.get("topics")
    if topics is None:
        return None
    if not isinstance(topics, list) or not topics or len(topics) > MAX_TOPICS:
        raise invalid("invalid_topics",
                      f'"topics" must be a list of 1 to {MAX_TOPICS} topics (omit it to register them all).')
    for index, topic in enumerate(topics):
        if not isinstance(topic, str) or not topic.strip() or len(topic) > MAX_TOPIC_LENGTH \
                or not is_printable(topic):
            raise invalid("invalid_topics",
                          f"topics[{index}] must be a topic name of at most {MAX_TOPIC_LENGTH} characters.")
    return list(dict.fromkeys(topic.strip() for topic in topics))


# ---------------------------------------------------------------------- stores
MAX_NAME_LENGTH = 128
MAX_URL_LENGTH = 2048
MAX_CREDENTIALS = 50
MAX_CREDENTIAL_LENGTH = 8192
_CREDENTIAL_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _check_text(body, key, max_length, required=True):
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"invalid_{key}", f'"{key}" must be a non-empty string.')
    if len(value) > max_length or not is_printable(value):
        raise invalid(f"invalid_{key}",
                      f'"{key}" must be at most {max_length} characters, without control characters.')
    return value.strip()


def parse_store_create(body):
    """What ``POST /api/v1/stores`` asks, checked for shape (the store model checks the meaning).

    Body: {"name", "platform", "shop_url"?, "company"?: id, "credentials"?: {key: value},
    "options"?: {field: value}}.

    :returns: dict with those keys ("credentials" and "options" dicts, "company" int or None).
    :raises SyncApiError(422): naming the key that is wrong, never quoting a credential's value.
    """
    allowed = {"name", "platform", "shop_url", "company", "credentials", "options"}
    unknown = set(body) - allowed
    if unknown:
        raise invalid("invalid_body",
                      f'Unknown keys in the body: {", ".join(sorted(unknown))}. Expected '
                      f'{", ".join(sorted(allowed))}; store settings go in "options".')
    company = body.get("company")
    if company is not None and (isinstance(company, bool) or not isinstance(company, int)
                                or not 1 <= company <= MAX_ID):
        raise invalid("invalid_company", '"company" must be the id of one of your companies.')
    credentials = body.get("credentials") or {}
    if not isinstance(credentials, dict) or len(credentials) > MAX_CREDENTIALS:
        raise invalid("invalid_credentials",
                      f'"credentials" must be an object of at most {MAX_CREDENTIALS} {{key: value}} pairs.')
    for key, value in credentials.items():
        if not _CREDENTIAL_KEY.match(key):
            raise invalid("invalid_credentials",
                          f'"{printable(key)}" is not a credential key (letters, digits, _ . -).')
        # The value is a secret: the messages name its key, never quote it.
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CREDENTIAL_LENGTH \
                or not is_printable(value):
            raise invalid("invalid_credentials",
                          f'credentials.{key} must be a non-empty string of at most {MAX_CREDENTIAL_LENGTH} '
                          "characters, without control characters.")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise invalid("invalid_options", '"options" must be an object of {setting: value}.')
    return {
        "name": _check_text(body, "name", MAX_NAME_LENGTH),
        "platform": _check_text(body, "platform", 64),
        "shop_url": _check_text(body, "shop_url", MAX_URL_LENGTH, required=False),
        "company": company,
        "credentials": {key: value.strip() for key, value in credentials.items()},
        "options": options,
    }


def parse_include_archived(params):
    """The ``include_archived`` query parameter of ``GET /api/v1/stores`` (default false)."""
    value = params.get("include_archived")
    if value in (None, "", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise invalid("invalid_parameter", '"include_archived" must be true or false.')
