
import werkzeug.exceptions

from odoo import models
from odoo.http import request

from ..exceptions import WebhookRejected
from ..services import database_outage
from ..services.logs import get_logger
from ..services.raw_body import (
    RAW_BODY_ROUTING_KEY,
    REJECTION_MESSAGES,
    SYNC_API_ROUTING_KEY,
    check_header_size,
    max_body_bytes,
    never_parse_as_form,
    read_raw_body,
)
from ..services.sync_api import SyncApiError, unreadable_request

_logger = get_logger(__name__)


class IrHttp(models.AbstractModel):
    """Read the raw body of webhook and sync API routes before anything else may parse it."""

    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """For routes flagged with RAW_BODY_ROUTING_KEY or SYNC_API_ROUTING_KEY, read the body
        (bounded) and keep it.

        Odoo's dispatcher parses form-encoded bodies before calling the controller, which would
        leave it nothing to check a signature against (or, for the sync API, an empty body, read
        as "sync everything"); and werkzeug reads a chunked body without any limit. Reading it
        here, first, fixes both; an oversize body is answered 413 at once, the rest of it unread.
        The sync API's bodies are JSON only: they are never parsed as a form either.

        Before the body, the headers' size: a delivery keeps its headers, and Odoo's HTTP server
        takes up to 100 lines of 64 KiB (431 past const.MAX_REQUEST_HEADER_BYTES). A body whose
        chunked framing is broken is answered 400 (werkzeug raises an OSError, a 500 otherwise).
        """
        routing = rule.endpoint.routing
        sync_api = routing.get(SYNC_API_ROUTING_KEY)
        if sync_api or routing.get(RAW_BODY_ROUTING_KEY):
            httprequest = request.httprequest
            limit = max_body_bytes()
            try:
                check_header_size(httprequest)
                read_raw_body(httprequest, limit)
            except WebhookRejected as exc:
                _logger.info("request to %s refused (%s): %s", httprequest.path, exc.status, exc)
                if sync_api:
                    error = unreadable_request(exc.status, limit)
                    response = request.make_json_response(error.to_json(), status=error.status)
                else:
                    response = cls._store_connector_refusal(exc.status)
                werkzeug.exceptions.abort(response)
            if sync_api:
                never_parse_as_form(httprequest)
        return super()._pre_dispatch(rule, args)

    @classmethod
    def _dispatch(cls, endpoint):
        """On the webhook and sync API routes, a body nested deeper than Python's parsers go
        (RecursionError, raised by json.loads at about a thousand levels) is the caller's bad
        input: answered 400 (422 at the sync API), with nothing kept, rather than a 500. Every
        parser an adapter uses on a delivery is covered, whether it runs before the signature is
        checked (finding the store at a platform endpoint) or after."""
        routing = endpoint.routing
        sync_api = routing.get(SYNC_API_ROUTING_KEY)
        if not (sync_api or routing.get(RAW_BODY_ROUTING_KEY)):
            return super()._dispatch(endpoint)
        try:
            return super()._dispatch(endpoint)
        except RecursionError:
            request.env.cr.rollback()
            _logger.info("request to %s refused (400): body nested too deep to parse",
                         request.httprequest.path)
            if sync_api:
                error = SyncApiError(422, "invalid_json", "The request body is not valid JSON.")
                return request.make_json_response(error.to_json(), status=error.status)
            return cls._store_connector_refusal(400)

    @classmethod
    def _store_connector_refusal(cls, status):
        """The answer of a refused webhook (as the intake's controller answers)."""
        message = REJECTION_MESSAGES.get(status, "refused")
        return request.make_json_response({"status": message}, status=status)

    @classmethod
    def _handle_error(cls, exception):
        """A connector route (webhook intake, sync API) whose database connection was lost or
        refused mid-way (a PostgreSQL restart) answers 503 with Retry-After, not Odoo's 500: the
        platform or program sends it again. The transaction did not commit, or (the connection
        dropped during the commit) did: a delivery sent again is then answered as a duplicate.
        See services/database_outage.py."""
        path = request.httprequest.path
        if database_outage.is_connector_path(path) and database_outage.is_database_unavailable(exception):
            _logger.warning("database unusable while serving %s: answered 503 (%s)",
                            path, exception.__class__.__name__)
            return database_outage.answer_unavailable(path)
        return super()._handle_error(exception)
