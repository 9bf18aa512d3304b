"""The REST client of WooCommerce's Shipment Tracking extension (``wc-shipment-tracking/v3``).

The extension is a WordPress plugin of its own: same shop, same keys and the same rules as wc/v3
(models/woocommerce_client.py), another namespace. Where it is not installed WordPress answers
404 ``rest_no_route``: the client keeps the status and WooCommerce ``code`` of the last error it
raised (`last_error_status`, `last_error_code`), so that the adapter tells "not installed" from
any other refusal without parsing a translated message.
"""

from odoo.addons.store_connector_base.services.api_client import ApiClient

from .. import const
from .woocommerce_client import WooCommerceClient


class WooCommerceTrackingClient(WooCommerceClient):
    """The Shipment Tracking extension's API of one store (see the module docstring)."""

    def __init__(self, store, **kwargs):
        super().__init__(store, **kwargs)
        self.last_error_status = None
        self.last_error_code = None

    def _base_url(self):
        # ApiClient's: the shop's address, without the wc/v3 path WooCommerceClient adds.
        return ApiClient._base_url(self) + const.TRACKING_API_PATH

    def _http_message(self, response):
        self.last_error_status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        self.last_error_code = body.get("code") if isinstance(body, dict) else None
        return super()._http_message(response)

    def route_missing(self):
        """Whether the last error says WordPress has no such route (the extension is not there)."""
        return self.last_error_status == 404 and self.last_error_code in const.TRACKING_ABSENT_CODES
