
from odoo import SUPERUSER_ID, http
from odoo.exceptions import UserError
from odoo.http import request

from ..exceptions import WebhookRejected
from ..models.store_webhook_delivery import PLATFORM_WEBHOOK_PATH
from ..services.logs import get_logger
from ..services.raw_body import RAW_BODY_ROUTING_KEY, REJECTION_MESSAGES, max_body_bytes, read_raw_body

_logger = get_logger(__name__)

WEBHOOK_ROUTE = "/api/v1/stores/<string:store_code>/webhooks/<string:kind>"


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
        except WebhookRejected as exc:
            return self._refused(kind, exc)
        return self._intake(store_code, kind, raw_body)

    @http.route(
        f"{PLATFORM_WEBHOOK_PATH}/<string:platform>",
        # As the store route; GET too: the platform's verification challenge.
        type="http", methods=["GET", "POST"], auth="none", readonly=False, csrf=False, save_session=False,
        **{RAW_BODY_ROUTING_KEY: True},
    )
    def platform_webhook(self, platform, **_kwargs):
        """The platform endpoint: one URL per platform (per app), for platforms that register one
        address for all the stores of an app (eBay's account deletion endpoint).

        GET: the platform's verification challenge (`store.adapter._webhook_challenge_response`),
        answered 200 with its JSON; 404 for an unknown platform or one that uses no challenge.
        POST: the store is read from the delivery (`store.adapter._webhook_resolve_store`), then
        the delivery goes through the store route's intake (signature, duplicates, storage, job)
        and is answered as there. 404 for an unknown platform, a platform without a platform
        endpoint, or a delivery that names no store of this database: nothing is stored.
        """
        httpreq = request.httprequest
        env = request.env(user=SUPERUSER_ID)
        Delivery = env["store.webhook.delivery"]
        try:
            if httpreq.method == "GET":
                answer = Delivery._platform_challenge(platform, httpreq.args.to_dict())
                return request.make_json_response(answer)
            raw_body = read_raw_body(httpreq, max_body_bytes())
            store_code, kind = Delivery._platform_delivery_store(platform, httpreq.headers, raw_body)
        except WebhookRejected as exc:
            return self._refused(f"{platform} (platform endpoint)", exc)
        return self._intake(store_code, kind, raw_body)

    def _intake(self, store_code, kind, raw_body):
        """Receive a delivery for the store of `store_code` (see `store_webhook`)."""
        httpreq = request.httprequest
        try:
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
            return self._refused(kind, exc)
        except UserError:
            # A problem of this server's set-up (no encryption key, an unreadable secret...). Odoo
            # would answer 400 with the message, which names the store: the platform learns
            # nothing and retries later. Undo whatever the request wrote, so nothing is half-kept.
            request.env.cr.rollback()
            _logger.warning("webhook %s could not be received", kind, exc_info=True)
            return self._answer(503, REJECTION_MESSAGES[503])
        return self._answer(status, message)

    def _refused(self, what, exc):
        # The reason goes to the log, not to the caller.
        _logger.info("webhook %s refused (%s): %s", what, exc.status, exc)
        return self._answer(exc.status, REJECTION_MESSAGES.get(exc.status, "refused"))

    @staticmethod
    def _answer(status, message):
        return request.make_json_response({"status": message}, status=status)
