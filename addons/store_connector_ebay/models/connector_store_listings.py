from odoo import _, fields, models
from odoo.exceptions import UserError


class ConnectorStore(models.Model):
    """eBay listings on the store: the marketplace's category tree, what eBay said of the categories
    used, and Suggest eBay Categories."""

    _inherit = "connector.store"

    ebay_category_tree_id = fields.Char(
        string="eBay Category Tree", readonly=True, copy=False,
        help="The category tree of the store's marketplace, asked of eBay's Taxonomy API once.",
    )
    ebay_category_info_ids = fields.One2many(
        "ebay.category.info", "store_id", string="eBay Category Requirements", readonly=True,
    )

    def write(self, vals):
        if "ebay_marketplace_id" in vals:
            # Another marketplace has another category tree, and other requirements per category.
            changed = self.filtered(lambda s: s.platform == "ebay" and s.ebay_marketplace_id != vals[
                "ebay_marketplace_id"])
            result = super().write(vals)
            if changed:
                changed.sudo().ebay_category_info_ids.unlink()
                super(ConnectorStore, changed.sudo()).write({"ebay_category_tree_id": False})
            return result
        return super().write(vals)

    def action_ebay_suggest_categories(self):
        """Open Suggest eBay Categories: eBay's categories for a product category's name, to map
        it to one of them."""
        self._check_store_manager()
        self.ensure_one()
        if self.platform != "ebay":
            raise UserError(_("Suggest eBay Categories is for eBay stores; %(store)s is not one.",
                              store=self.name))
        return {
            "type": "ir.actions.act_window",
            "name": _("Suggest eBay Categories"),
            "res_model": "ebay.category.suggestion.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_store_id": self.id},
        }
