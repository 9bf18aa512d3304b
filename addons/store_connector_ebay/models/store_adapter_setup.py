from odoo import _, api, models


class StoreAdapterEbaySetup(models.AbstractModel):
    """eBay in the base's setup assistant: its OAuth install is called Connect with eBay (the
    seller signs in on eBay and approves the app once App ID, Cert ID and RuName are entered)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _setup_connect_label(self, store):
        return _("Connect with eBay")
