from odoo import models


class StoreAdapterEbay(models.AbstractModel):
    """eBay implementation of the platform interface (see store.adapter in the base addon).

    Everything not overridden here answers that the eBay connector does not support it yet.
    """

    _name = "store.adapter.ebay"
    _inherit = "store.adapter"
    _description = "eBay Adapter"
