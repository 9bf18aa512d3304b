from odoo import api, models

from .. import const


class StoreAdapterWooCommerce(models.AbstractModel):
    """WooCommerce implementation of the platform interface (see store.adapter in the base addon).

    Everything not overridden here answers that the WooCommerce connector does not support it yet. It
    declares no supported feature (the base's empty `_supported_features`), so no WooCommerce store can
    be created or activated until a version of this addon implements one.
    """

    _name = "store.adapter.woocommerce"
    _inherit = "store.adapter"
    _description = "WooCommerce Adapter"

    # ---------------------------------------------------------------- orders
    @api.model
    def _default_status_mapping(self, store):
        """WooCommerce's default status table (const.STATUS_MAPPING_*)."""
        return {
            "inbound": list(const.STATUS_MAPPING_INBOUND),
            "outbound": list(const.STATUS_MAPPING_OUTBOUND),
        }
