from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EbayCategorySuggestionWizard(models.TransientModel):
    """Suggest eBay Categories: asks eBay's Taxonomy API (getCategorySuggestions) which categories
    of the store's marketplace fit a few words (by default the product category's name) and maps
    the product category to the one the merchant picks (the store's category mapping)."""

    _name = "ebay.category.suggestion.wizard"
    _description = "Suggest eBay Categories"
    _check_company_auto = True

    store_id = fields.Many2one(
        "connector.store", required=True, ondelete="cascade", check_company=True,
        domain=[("platform", "=", "ebay")],
    )
    company_id = fields.Many2one(related="store_id.company_id")
    product_category_id = fields.Many2one(
        "product.category", string="Product Category", required=True,
        help="The Odoo product category to map: its products (and its subcategories' without a "
             "mapping of their own) list in the eBay category picked.",
    )
    query = fields.Char(string="Search eBay For", help="A few words describing the products.")
    suggestion_ids = fields.One2many("ebay.category.suggestion", "wizard_id", string="Suggestions")
    searched = fields.Boolean(readonly=True)

    @api.onchange("product_category_id")
    def _onchange_product_category_id(self):
        if self.product_category_id and not self.query:
            self.query = self.product_category_id.name

    def action_search(self):
        """Ask eBay for the categories fitting the query; the answer replaces the list."""
        self.ensure_one()
        self.store_id._check_store_manager()
        query = (self.query or self.product_category_id.name or "").strip()
        if not query:
            raise UserError(_("Type a few words describing the products, e.g. brake pads."))
        suggestions = self.store_id._get_adapter()._ebay_category_suggestions(self.store_id, query)
        self.suggestion_ids.unlink()
        self.write({"query": query, "searched": True, "suggestion_ids": [
            fields.Command.create({"sequence": index, "category_id": found["id"], "name": found["name"],
                                   "path": found["path"]})
            for index, found in enumerate(suggestions)
        ]})
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new", "name": _("Suggest eBay Categories")}


class EbayCategorySuggestion(models.TransientModel):
    """One eBay category eBay suggested; Use maps the wizard's product category to it."""

    _name = "ebay.category.suggestion"
    _description = "eBay Category Suggestion"
    _order = "sequence, id"

    wizard_id = fields.Many2one("ebay.category.suggestion.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    category_id = fields.Char(string="eBay Category ID", required=True)
    name = fields.Char(string="eBay Category")
    path = fields.Char(string="Where on eBay")

    def action_use(self):
        """Map the product category to this eBay category in the store (the mapping replaces the
        product category's earlier eBay mapping: a product lists in one eBay category)."""
        self.ensure_one()
        wizard = self.wizard_id
        store = wizard.store_id
        store._check_store_manager()
        Map = self.env["store.category.map"]
        Map.search([
            ("store_id", "=", store.id), ("category_id", "=", wizard.product_category_id.id),
        ]).unlink()
        Map.create({"store_id": store.id, "category_id": wizard.product_category_id.id,
                    "platform_category": self.category_id, "platform_category_name": self.name})
        action = store._notify_user(_(
            "Products of %(category)s now list on eBay in %(ebay)s (%(id)s), unless a product names "
            "an eBay category of its own.",
            category=wizard.product_category_id.display_name, ebay=self.name, id=self.category_id), None)
        action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action
