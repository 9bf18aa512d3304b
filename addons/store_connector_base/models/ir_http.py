import logging

import werkzeug.exceptions

from odoo import models
from odoo.http import request

from ..exceptions import WebhookRejected
from ..services import database_outage
from ..services.raw_body import (
    RAW_BODY_ROUTING_KEY,
    REJECTION_MESSAGES,
    SYNC_API_ROUTING_KEY,
    max_body_bytes,
    never_parse_as_form,
    read_raw_body,
)
from ..services.sync_api import payload_too_large

_logger = logging.getLogger(__name__)


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
        """
        routing = rule.endpoint.routing
        sync_api = routing.get(SYNC_API_ROUTING_KEY)
        if sync_api or routing.get(RAW_BODY_ROUTING_KEY):
            httprequest = request.httprequest
            limit = max_body_bytes()
            try:
                read_raw_body(httprequest, limit)
            except WebhookRejected as exc:
                _logger.info("request to %s refused (%s): %s", httprequest.path, exc.status, exc)
                if sync_api:
                    error = payload_too_large(limit)
                    response = request.make_json_response(error.to_json(), status=error.status)
                else:
                    response = request.make_json_response(
                        {"status": REJECTION_MESSAGES.get(exc.status, "refused")}, status=exc.status)
                werkzeug.exceptions.abort(response)
            if sync_api:
                never_parse_as_form(httprequest)
        return super()._pre_dispatch(rule, args)

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
