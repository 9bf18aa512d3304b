"""The raw body of webhook and sync API requests, read (bounded) before anything parses it.

Shared by `ir.http` (which reads it first, in `_pre_dispatch`) and the controllers (which use what
was read): models must not import controllers, so both import this module. No ORM here.

Only public APIs are used: werkzeug's request (`stream`, `get_data`, `content_length`, and its
cached properties `form` and `files`, which may be assigned), reached through Odoo's request
wrapper without touching its private attributes (see `werkzeug_request`).
"""

import io

from odoo.tools import config

from .. import const
from ..exceptions import WebhookRejected
from .logs import get_logger

_logger = get_logger(__name__)

# Routes whose raw body `read_raw_body` reads (bounded) before Odoo parses anything (see ir.http).
RAW_BODY_ROUTING_KEY = "store_connector_raw_body"
# Routes of the sync API: their body is read the same way, and never parsed as a form either.
SYNC_API_ROUTING_KEY = "store_connector_sync_api"

# What each refusal of a webhook answers. Deliberately terse: a caller learns nothing about which
# stores exist.
REJECTION_MESSAGES = {
    # An adapter's acknowledgement of a delivery about nobody here (see store.adapter._webhook_resolve_store).
    200: "ignored",
    400: "malformed body",
    401: "invalid signature",
    404: "not found",
    413: "payload too large",
    431: "request headers too large",
    503: "unavailable",
}


class _BodyRead(io.BytesIO):
    """The request's stream once `read_raw_body` has read the body: it marks the body as read (a
    second call, a retried request, uses werkzeug's cached copy instead of the spent socket)."""


def max_body_bytes():
    """Largest webhook or sync API body accepted, in bytes (server option
    store_connector_webhook_max_bytes)."""
    try:
        value = int(config.get(const.CONFIG_WEBHOOK_MAX_BYTES) or 0)
    except (TypeError, ValueError):
        _logger.warning("invalid %s option, using the default", const.CONFIG_WEBHOOK_MAX_BYTES)
        value = 0
    return value if value > 0 else const.DEFAULT_WEBHOOK_MAX_BYTES


def werkzeug_request(httprequest):
    """The werkzeug request behind `httprequest` (Odoo's wrapper, or a werkzeug request itself).

    Odoo's wrapper forwards werkzeug's attributes by name, but neither `stream` nor the cache of
    the body, which a bounded read needs. Its forwarded methods are werkzeug's own, bound to the
    werkzeug request: that request is the method's `__self__` (a property of every bound method in
    Python, not an attribute of Odoo's wrapper, whatever it names its own).
    """
    return httprequest.get_data.__self__


def read_raw_body(httprequest, limit):
    """The request body exactly as received, read at most once and never past `limit` bytes.

    Called before Odoo's dispatcher parses the request: a form-encoded body would otherwise be
    consumed by the form parser and lost to the signature check. The bytes are kept as werkzeug's
    cached data (`get_data(cache=True)` over the bytes read), so the form parser, `get_data()` and
    a retried request (after a serialization failure) all read this copy rather than the spent
    socket.

    :param httprequest: Odoo's `request.httprequest` (or a werkzeug request).
    :raises WebhookRejected(413): the Content-Length, or the body actually sent (chunked, without
        Content-Length), is over `limit`. The rest of an oversize body is not read.
    :raises WebhookRejected(400): the chunked framing is broken (a chunk size that is not
        hexadecimal...), or the client stopped sending (werkzeug raises OSError for both).
    """
    wrapped = werkzeug_request(httprequest)
    if isinstance(wrapped.stream, _BodyRead):
        body = wrapped.get_data(cache=True)
        if len(body) > limit:
            raise WebhookRejected(413, "body too large")
        return body
    if (wrapped.content_length or 0) > limit:
        raise WebhookRejected(413, "Content-Length too large")
    stream = wrapped.stream
    chunks, size = [], 0
    try:
        while size <= limit:
            chunk = stream.read(limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise WebhookRejected(400, f"body unreadable: {exc}") from None
    if size > limit:
        raise WebhookRejected(413, "body too large")
    # `stream` is a cached property werkzeug lets us set: get_data reads (and caches) these bytes.
    wrapped.stream = _BodyRead(b"".join(chunks))
    return wrapped.get_data(cache=True)


def header_bytes(httprequest):
    """The size of the request's headers (names and values), as a bound on what may be kept."""
    return sum(len(name) + len(value) + 4 for name, value in httprequest.headers.items())


def check_header_size(httprequest, limit=None):
    """:raises WebhookRejected(431): the request's headers are over `limit` bytes
    (const.MAX_REQUEST_HEADER_BYTES by default)."""
    limit = limit or const.MAX_REQUEST_HEADER_BYTES
    size = header_bytes(httprequest)
    if size > limit:
        raise WebhookRejected(431, f"{size} bytes of headers, at most {limit}")


def never_parse_as_form(httprequest):
    """Keep Odoo's dispatcher from parsing the body as a form (the sync API takes JSON only): its
    `form` and `files` are werkzeug's cached properties, set here to empty ones."""
    wrapped = werkzeug_request(httprequest)
    empty = wrapped.parameter_storage_class
    wrapped.form = empty()
    wrapped.files = empty()
