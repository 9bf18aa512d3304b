from odoo import fields, models


class StoreSetupWizard(models.TransientModel):
    """eBay's setting in the base's setup assistant: the merchant location key listings ship from,
    edited on the store through the locations step (views/store_setup_wizard_views.xml)."""

    _inherit = "store.setup.wizard"

    ebay_merchant_location_key = fields.Char(related="store_id.ebay_merchant_location_key", readonly=False)
