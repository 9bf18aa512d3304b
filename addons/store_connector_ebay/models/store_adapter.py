from odoo import models


class StoreAdapterEbay(models.AbstractModel):
    """eBay implementation of the platform interface (see store.adapter in the base addon).

    Everything not overridden here answers that the eBay connector does not support it yet. It
    declares no supported feature (the base's empty `_supported_features`), so no eBay store can
    be created or activated until a version of this addon implements one.
    """

    _name = "store.adapter.ebay"
    _inherit = "store.adapter"
    _description = "eBay Adapter"
