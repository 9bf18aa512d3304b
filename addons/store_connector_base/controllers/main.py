import logging

from odoo import SUPERUSER_ID, http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import config

from .. import const
from ..exceptions import WebhookRejected

_logger = logging.getLogger(__name__)

WEBHOOK_ROUTE = "/api/v1/stores/<string:store_code>/webhooks/<string:kind>"

# What each refusal answers. Deliberately terse: a caller learns nothing about which stores exist.
REJECTION_MESSAGES = {
    400: "malformed body",
    401: "invalid signature",
    404: "not found",
    413: "payload too large",
    503: "unavailable",
}

# Routes whose raw body `read_raw_body` reads (bounded) before Odoo parses anything (see ir.http).
RAW_BODY_ROUTING_KEY = "store_connector_raw_body"


def max_body_bytes():
    """Largest webhook body accepted, in bytes (server option store_connector_webhook_max_bytes)."""
    try:
        value = int(config.get(const.CONFIG_WEBHOOK_MAX_BYTES) or 0)
    except (TypeError, ValueError):
        _logger.warning("invalid %s option, using the default", const.CONFIG_WEBHOOK_MAX_BYTES)
        value = 0
    return value if value > 0 else const.DEFAULT_WEBHOOK_MAX_BYTES


def read_raw_body(httprequest, limit):
    """The request body exactly as received, read at most once and never past `limit` bytes.

    Called before Odoo's dispatcher parses the request: a form-encoded body would otherwise be
    consumed by the form parser and lost to the signature check. The bytes are kept as werkzeug's
    cached data, so the form parser, `get_data()` and a retried request (after a serialization
    failure) all read this copy rather than the spent socket.

    :raises WebhookRejected(413): the Content-Length, or the body actually sent (chunked, without
        Content-Length), is over `limit`. The rest of an oversize body is not read.
    """
    # Odoo wraps werkzeug's request and forwards neither `stream` nor the cache; the body can only
    # be read in bounded steps on the werkzeug object itself.
    wrapped = getattr(httprequest, "_HTTPRequest__wrapped", httprequest)
    cached = getattr(wrapped, "_cached_data", None)
    if cached is not None:
        if len(cached) > limit:
            raise WebhookRejected(413, "body too large")
        return cached
    if (wrapped.content_length or 0) > limit:
        raise WebhookRejected(413, "Content-Length too large")
    stream = wrapped.stream
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise WebhookRejected(413, "body too large")
    body = b"".join(chunks)
    wrapped._cached_data = body
    return body


class StoreConnectorController(http.Controller):
    """HTTP entry points of the connector. Thin: the work is done by models, mostly in the queue."""

    @http.route(
        WEBHOOK_ROUTE,
        # auth="none": a webhook carries no user, it is authenticated by its signature; "public"
        # would load the public user for nothing on every delivery. readonly=False: every delivery
        # writes (auth="none" routes default to a read-only cursor, then retry read/write).
        type="http", methods=["POST"], auth="none", readonly=False, csrf=False, save_session=False,
        **{RAW_BODY_ROUTING_KEY: True},
    )
    def store_webhook(self, store_code, kind, **_kwargs):
        """Webhook intake: find the store, verify, store, enqueue, answer.

        Unknown store, unknown kind, and what an archived store does not receive (see
        `store.webhook.delivery._receive`): 404; bad signature: 401; malformed body: 400;
        body over `max_body_bytes`: 413 (usually answered before this runs, see ir.http); a
        configuration error of this server: 503. In every refused case nothing is stored or
        queued. New, duplicate, ignored deliveries, echoes of our own exports and pings: 200.
        """
        httpreq = request.httprequest
        try:
            raw_body = read_raw_body(httpreq, max_body_bytes())
            # The intake runs as superuser (it reads the store's secrets, writes deliveries and jobs).
            env = request.env(user=SUPERUSER_ID)
            store, credentials = env["connector.store"]._find_for_webhook(store_code)
            if not store:
                raise WebhookRejected(404, "unknown store")
            with env["integration.credential"]._prefetched(store, credentials):
                status, message = env["store.webhook.delivery"]._receive(
                    store, kind, httpreq.headers, raw_body
                )
        except WebhookRejected as exc:
            # The reason goes to the log, not to the caller.
            _logger.info("webhook %s refused (%s): %s", kind, exc.status, exc)
            return self._answer(exc.status, REJECTION_MESSAGES.get(exc.status, "refused"))
        except UserError:
            # A problem of this server's set-up (no encryption key, an unreadable secret...). Odoo
            # would answer 400 with the message, which names the store: the platform learns
            # nothing and retries later. Undo whatever the request wrote, so nothing is half-kept.
            request.env.cr.rollback()
            _logger.warning("webhook %s could not be received", kind, exc_info=True)
            return self._answer(503, REJECTION_MESSAGES[503])
        return self._answer(status, message)

    @staticmethod
    def _answer(status, message):
        return request.make_json_response({"status": message}, status=status)
