import logging

from odoo import http
from odoo.http import request
from odoo.tools import config

from .. import const
from ..exceptions import WebhookRejected

_logger = logging.getLogger(__name__)


def _max_body_bytes():
    return int(config.get(const.CONFIG_WEBHOOK_MAX_BYTES) or const.DEFAULT_WEBHOOK_MAX_BYTES)


class StoreConnectorController(http.Controller):
    @http.route(
        "/api/v1/stores/<string:store_code>/webhooks/<string:kind>",
        type="http", methods=["POST"], auth="public", csrf=False, save_session=False,
    )
    def store_webhook(self, store_code, kind, **_kwargs):
        """Webhook intake: verify, store, enqueue, answer. The work happens in the queue."""
        httpreq = request.httprequest
        limit = _max_body_bytes()
        if (httpreq.content_length or 0) > limit:
            return self._answer(413, "payload too large")
        store = request.env["connector.store"].sudo()._find_by_code(store_code)
        if not store:
            return self._answer(404, "not found")
        raw_body = httpreq.get_data(cache=True)
        if len(raw_body) > limit:
            return self._answer(413, "payload too large")
        try:
            status, message = request.env["store.webhook.delivery"].sudo()._receive(
                store, kind, httpreq.headers, raw_body
            )
        except WebhookRejected as exc:
            _logger.info("webhook %s for store %s refused (%s): %s", kind, store.id, exc.status, exc)
            status, message = exc.status, {401: "invalid signature", 400: "malformed body",
                                           404: "not found"}.get(exc.status, "refused")
        return self._answer(status, message)

    @staticmethod
    def _answer(status, message):
        return request.make_json_response({"status": message}, status=status)
