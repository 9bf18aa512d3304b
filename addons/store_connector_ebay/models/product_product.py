from odoo import api, fields, models

from . import ebay_listing_mapper as lm


class ProductProduct(models.Model):
    """A variant may have a condition of its own on eBay (one open box among new ones)."""

    _inherit = "product.product"

    ebay_variant_condition = fields.Selection(
        lm.CONDITION_SELECTION, string="eBay Condition of the Variant",
        help="Empty: the product's eBay condition.",
    )
    ebay_effective_condition = fields.Selection(
        lm.CONDITION_SELECTION, string="eBay Condition Sent", compute="_compute_ebay_effective_condition",
    )

    @api.depends("ebay_variant_condition", "product_tmpl_id.ebay_condition")
    def _compute_ebay_effective_condition(self):
        for product in self:
            product.ebay_effective_condition = (
                product.ebay_variant_condition or product.product_tmpl_id.ebay_condition
                or lm.DEFAULT_CONDITION
            )

    def write(self, vals):
        result = super().write(vals)
        if "ebay_variant_condition" in vals:
            self.env["product.template"]._ebay_export_listing_changes(self.product_tmpl_id)
        return result
