from odoo import fields, models

from .woocommerce_tracking_client import WooCommerceTrackingClient


class ConnectorStore(models.Model):
    """WooCommerce shipping: what the connector found out about the store's Shipment Tracking
    extension (models/store_adapter_fulfillment.py detects it and keeps the answer here for a while,
    const.TRACKING_DETECTION_HOURS)."""

    _inherit = "connector.store"

    woocommerce_tracking_extension = fields.Selection(
        [("unknown", "Not Checked Yet"), ("present", "Installed"), ("absent", "Not Installed")],
        string="Shipment Tracking Extension", default="unknown", readonly=True, copy=False,
        help="Whether the shop has WooCommerce's Shipment Tracking extension, as last checked when a "
        "delivery was sent. Installed: deliveries go to it with their carrier and tracking number. Not "
        "installed: they are sent as a note to the customer on the order (carrier, number, link). "
        "Checked again every day, and at once when the extension stops answering.",
    )
    woocommerce_tracking_checked_at = fields.Datetime(
        string="Shipment Tracking Checked On", readonly=True, copy=False,
    )
    woocommerce_tracking_providers = fields.Json(
        string="Shipment Tracking Providers", readonly=True, copy=False,
        help="The carrier names the extension knows (its providers list), as last read.",
    )

    def _woocommerce_tracking_client(self, **kwargs):
        """The store's client of the Shipment Tracking extension, in an environment that may read
        its credentials (`kwargs`: ApiClient's, e.g. a transport)."""
        self.ensure_one()
        return WooCommerceTrackingClient(self.sudo(), **kwargs)
