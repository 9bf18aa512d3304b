from odoo import models


class StoreAdapterShopify(models.AbstractModel):
    """Shopify implementation of the platform interface (see store.adapter in the base addon).

    Everything not overridden here answers that the Shopify connector does not support it yet.
    """

    _name = "store.adapter.shopify"
    _inherit = "store.adapter"
    _description = "Shopify Adapter"
