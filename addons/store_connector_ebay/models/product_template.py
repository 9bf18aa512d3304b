from odoo import fields, models

from . import ebay_listing_mapper as lm


class ProductTemplate(models.Model):
    """What an eBay listing needs of a product besides its mapped fields: the item's condition, its
    eBay category (when its product category's mapping does not give the right one) and the motor
    parts it fits."""

    _inherit = "product.template"

    ebay_condition = fields.Selection(
        lm.CONDITION_SELECTION, string="eBay Condition", default=lm.DEFAULT_CONDITION,
        help="The item's condition on eBay. Each eBay category allows some conditions only: a product "
             "whose condition its category refuses is not listed, and its store listing says which "
             "conditions the category takes. eBay's \"Used\" is sent as USED_EXCELLENT.",
    )
    ebay_category_id = fields.Char(
        string="eBay Category ID",
        help="The eBay category the product lists in (an id of the store's marketplace, e.g. 33564). "
             "Empty: the store's category mapping of the product category gives it.",
    )
    ebay_category_name = fields.Char(string="eBay Category", help="A label for the eBay category id.")
    ebay_compatibility_ids = fields.One2many(
        "ebay.product.compatibility", "product_tmpl_id", string="eBay Parts Compatibility",
        help="The vehicles this part fits (Year, Make, Model, Engine), sent to eBay as the item's "
             "product compatibility.",
    )
