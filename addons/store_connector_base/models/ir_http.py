import logging

import werkzeug.exceptions

from odoo import models
from odoo.http import request

from ..controllers.main import RAW_BODY_ROUTING_KEY, REJECTION_MESSAGES, max_body_bytes, read_raw_body
from ..exceptions import WebhookRejected

_logger = logging.getLogger(__name__)


class IrHttp(models.AbstractModel):
    """Read the raw body of webhook routes before anything else may parse it."""

    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """For routes flagged with RAW_BODY_ROUTING_KEY, read the body (bounded) and keep it.

        Odoo's dispatcher parses form-encoded bodies before calling the controller, which would
        leave it nothing to check a signature against; and werkzeug reads a chunked body without
        any limit. Reading it here, first, fixes both; an oversize body is answered 413 at once.
        """
        if rule.endpoint.routing.get(RAW_BODY_ROUTING_KEY):
            try:
                read_raw_body(request.httprequest, max_body_bytes())
            except WebhookRejected as exc:
                _logger.info("request to %s refused (%s): %s", request.httprequest.path, exc.status, exc)
                werkzeug.exceptions.abort(request.make_json_response(
                    {"status": REJECTION_MESSAGES.get(exc.status, "refused")}, status=exc.status))
        return super()._pre_dispatch(rule, args)
