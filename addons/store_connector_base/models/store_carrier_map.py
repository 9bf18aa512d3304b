from odoo import api, fields, models


class StoreCarrierMap(models.Model):
    """Per store: the platform's carrier code or name for an Odoo shipping method (delivery.carrier).

    The fulfillment a done delivery sends (`stock.picking._store_fulfillment_values`) carries the
    mapped value as its "carrier". Some platforms accept any carrier name (Shopify shows it as the
    tracking company, WooCommerce's tracking extension a custom provider); others only know their
    own codes (eBay's shipping carrier codes): their adapter says so with
    `store.adapter._carrier_code_required`, and a delivery whose carrier is not mapped then fails its
    job saying which carrier to map, instead of sending a name the platform refuses or misreads.
    """

    _name = "store.carrier.map"
    _inherit = ["store.owned.mixin"]
    _description = "Store Carrier Mapping"
    _order = "store_id, carrier_id"
    _rec_name = "platform_carrier"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    carrier_id = fields.Many2one(
        "delivery.carrier", string="Odoo Carrier", required=True, ondelete="cascade", check_company=True,
        help="The shipping method set on the store's deliveries.",
    )
    platform_carrier = fields.Char(
        string="Platform Carrier", required=True,
        help="What the platform calls this carrier: its carrier code where it has codes (eBay: e.g. "
        "USPS, UPS; WooCommerce Shipment Tracking: the provider's name), else the name shown to the "
        "customer with the tracking number (Shopify: a tracking company it knows, e.g. UPS, DHL Express).",
    )

    _sql_constraints = [
        ("store_carrier_uniq", "unique(store_id, carrier_id)", "A carrier is mapped once per store."),
    ]

    @api.model
    def _platform_carrier(self, store, carrier):
        """The platform's code or name of `carrier` for `store`, or None when it is not mapped.

        :param store: connector.store record.
        :param carrier: delivery.carrier record (may be empty).
        :returns: str or None.
        """
        if not carrier:
            return None
        mapping = self.sudo().search([("store_id", "=", store.id), ("carrier_id", "=", carrier.id)], limit=1)
        return (mapping.platform_carrier or "").strip() or None
