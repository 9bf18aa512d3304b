from datetime import timedelta

from odoo import api, fields, models

from .ebay_listing_mapper import condition_name

# How long what eBay said of a category (its required item specifics, its conditions) is trusted
# before it is asked again: eBay changes them rarely and announces the changes ahead.
CACHE_DAYS = 7


class EbayCategoryInfo(models.Model):
    """What eBay says of one category of a store's marketplace, kept so that checking a listing
    before it is sent costs no call for every product: the required item specifics (Taxonomy API,
    getItemAspectsForCategory) and the conditions the category allows (Metadata API,
    getItemConditionPolicies). Asked again after CACHE_DAYS days.

    Per store: a store is one marketplace, and its records stay with its company.
    """

    _name = "ebay.category.info"
    _inherit = ["store.owned.mixin"]
    _description = "eBay Category Requirements"
    _order = "store_id, category_id"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)
    category_id = fields.Char(string="eBay Category ID", required=True)
    category_name = fields.Char(string="eBay Category")
    required_aspects = fields.Json(readonly=True, help="The names of the item specifics eBay requires.")
    aspect_names = fields.Json(readonly=True, help="The names of all the category's item specifics.")
    selection_aspects = fields.Json(
        string="Item Specifics with Set Values", readonly=True,
        help="The item specifics eBay takes only from its own list of values ({name: values}).",
    )
    allowed_conditions = fields.Json(
        string="Allowed Condition Values", readonly=True,
        help="The condition values the category allows; empty: eBay named none (no check).",
    )
    fetched_at = fields.Datetime(readonly=True)
    required_aspects_text = fields.Char(
        string="Required Item Specifics", compute="_compute_texts",
    )
    allowed_conditions_text = fields.Char(string="Allowed Conditions", compute="_compute_texts")

    _sql_constraints = [
        ("store_category_uniq", "unique(store_id, category_id)",
         "A store keeps one record of each eBay category."),
    ]

    @api.depends("required_aspects", "allowed_conditions")
    def _compute_texts(self):
        for info in self:
            info.required_aspects_text = ", ".join(info.required_aspects or []) or False
            info.allowed_conditions_text = ", ".join(
                condition_name(enum) for enum in info.allowed_conditions or []) or False

    @api.model
    def _fresh(self, store, category_ids):
        """{category id: record} of the records of `store` that are younger than CACHE_DAYS."""
        limit = fields.Datetime.now() - timedelta(days=CACHE_DAYS)
        records = self.sudo().search([
            ("store_id", "=", store.id), ("category_id", "in", list(category_ids)),
            ("fetched_at", ">=", limit),
        ])
        return {record.category_id: record for record in records}

    @api.model
    def _store(self, store, category_id, values):
        """Create or refresh the record of one category with what eBay just said."""
        values = {**values, "fetched_at": fields.Datetime.now()}
        record = self.sudo().search([("store_id", "=", store.id), ("category_id", "=", category_id)])
        if record:
            record.write(values)
            return record
        return self.sudo().create({"store_id": store.id, "category_id": category_id, **values})
