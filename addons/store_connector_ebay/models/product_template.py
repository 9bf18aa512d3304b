from odoo import api, fields, models

from . import ebay_listing_mapper as lm

# The eBay fields of a product a listing carries: changing one exports the product again.
EBAY_LISTING_FIELDS = frozenset({"ebay_condition", "ebay_category_id", "ebay_compatibility_ids"})


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
    ebay_category_name = fields.Char(
        string="eBay Category",
        help="The eBay category's name, for people (e.g. Brake Pads & Shoes): eBay goes by the id.",
    )
    ebay_compatibility_ids = fields.One2many(
        "ebay.product.compatibility", "product_tmpl_id", string="eBay Parts Compatibility",
        help="The vehicles this part fits (Year, Make, Model, Engine), sent to eBay as the item's "
             "product compatibility.",
    )

    ebay_store_exists = fields.Boolean(
        compute="_compute_ebay_store_exists",
        help="Whether the user's companies have an eBay store: the product's eBay tab shows only then.")

    def _compute_ebay_store_exists(self):
        exists = bool(self.env["connector.store"].with_context(active_test=False).search_count(
            [("platform", "=", "ebay")], limit=1))
        for template in self:
            template.ebay_store_exists = exists

    def write(self, vals):
        result = super().write(vals)
        if EBAY_LISTING_FIELDS & set(vals):
            self._ebay_export_listing_changes()
        return result

    @api.model
    def _ebay_export_listing_changes(self, templates=None):
        """The eBay fields of `templates` (or self) changed: their eBay listings are exported again
        (pending, queued where the store syncs products automatically), as a mapped field's change
        is (the base's store.product.binding._export_changes)."""
        templates = (templates if templates is not None else self).exists()
        if not templates:
            return
        bindings = self.env["store.product.binding"].sudo().search([
            ("product_tmpl_id", "in", templates.ids), ("platform_status", "=", "active"),
            ("store_id.platform", "=", "ebay"), ("store_id.active", "=", True),
        ])
        for store, store_bindings in bindings.grouped("store_id").items():
            store_bindings._export_changes(store)
