"""The route where WooCommerce posts the keys of Connect with WooCommerce (wc-auth/v1). Thin: the
checks and the saving are `connector.store._woocommerce_receive_keys` (models/connector_store_connect.py).

    POST /store_connector/woocommerce/keys/<store id>
         {"key_id", "user_id" (our single-use state), "consumer_key", "consumer_secret", "key_permissions"}
        -> 200 {"status": "saved"}: WooCommerce then sends the merchant back to the store's form
        -> 400/403/413 with the reason in words: nothing saved; WooCommerce deletes the key it made
           and shows the merchant an error
"""

import json

from odoo import SUPERUSER_ID, http
from odoo.http import request

from odoo.addons.store_connector_base.exceptions import OAuthStateError, WebhookRejected
from odoo.addons.store_connector_base.services.logs import get_logger
from odoo.addons.store_connector_base.services.raw_body import RAW_BODY_ROUTING_KEY, read_raw_body

from .. import const

_logger = get_logger(__name__)


class WooCommerceKeysController(http.Controller):

    @http.route(
        f"{const.KEYS_CALLBACK_ROUTE}/<int:store_id>",
        # auth="none": WooCommerce's server calls, with no Odoo session; the single-use state in the
        # body authorizes the call. readonly=False: it writes the keys.
        type="http", methods=["POST"], auth="none", readonly=False, csrf=False, save_session=False,
        **{RAW_BODY_ROUTING_KEY: True},
    )
    def woocommerce_keys(self, store_id, **_kwargs):
        try:
            raw_body = read_raw_body(request.httprequest, const.KEYS_CALLBACK_MAX_BYTES)
        except WebhookRejected as exc:
            return self._answer(exc.status, "The request is too large to be a key from WooCommerce.")
        try:
            payload = json.loads(raw_body)
        except ValueError:
            payload = None
        env = request.env(user=SUPERUSER_ID)
        try:
            env["connector.store"]._woocommerce_receive_keys(store_id, payload)
        except OAuthStateError as exc:
            _logger.info("WooCommerce keys for store %s refused (%s): %s", store_id, exc.status, exc.args[0])
            return self._answer(exc.status, exc.args[0])
        return self._answer(200, "saved")

    @staticmethod
    def _answer(status, message):
        return request.make_json_response({"status": message}, status=status)
