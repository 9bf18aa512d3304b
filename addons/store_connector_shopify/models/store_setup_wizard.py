from odoo import fields, models


class StoreSetupWizard(models.TransientModel):
    """Shopify's settings in the base's setup assistant, edited on the store through the assistant:
    the way in (a pasted Admin API access token or Install with OAuth, with the app's client id) in
    the credentials step, the mapping of the shop's locations to Odoo's in the locations step
    (views/store_setup_wizard_views.xml fills the base's anchors)."""

    _inherit = "store.setup.wizard"

    shopify_auth_method = fields.Selection(related="store_id.shopify_auth_method", readonly=False)
    shopify_client_id = fields.Char(related="store_id.shopify_client_id", readonly=False)
    shopify_location_ids = fields.One2many(related="store_id.shopify_location_ids", readonly=False)
    shopify_location_id = fields.Many2one(related="store_id.shopify_location_id", readonly=False,
                                          check_company=True)
