from odoo import models


class StoreAdapterWooCommerce(models.AbstractModel):
    """WooCommerce implementation of the platform interface (see store.adapter in the base addon).

    Everything not overridden here answers that the WooCommerce connector does not support it yet.
    """

    _name = "store.adapter.woocommerce"
    _inherit = "store.adapter"
    _description = "WooCommerce Adapter"
