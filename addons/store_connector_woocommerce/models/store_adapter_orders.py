from odoo import api, models

from .. import const


class StoreAdapterWooCommerce(models.AbstractModel):
    """WooCommerce order members of the platform interface."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _default_status_mapping(self, store):
        """WooCommerce's default status table (const.STATUS_MAPPING_*)."""
        if store.platform != "woocommerce":
            return super()._default_status_mapping(store)
        return {
            "inbound": list(const.STATUS_MAPPING_INBOUND),
            "outbound": list(const.STATUS_MAPPING_OUTBOUND),
        }
