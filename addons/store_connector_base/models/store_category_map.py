from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class StoreCategoryMap(models.Model):
    """Per store: which platform category (or collection) the products of an Odoo product category
    go to. A product takes the mappings of its category, or of the nearest parent category that has
    some (see `_platform_categories`); a category may map to several platform categories (Shopify
    puts a product in several collections).

    ``platform_category`` is what the platform identifies a category by: an id (Shopify collection
    GID, WooCommerce category id, eBay category id) or a name where the platform accepts names. It
    reaches the adapter in the normalized product's ``categories``.
    """

    _name = "store.category.map"
    _inherit = ["store.owned.mixin"]
    _description = "Store Category Mapping"
    _order = "store_id, category_id, sequence, id"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    # product.category has no company (categories are shared by all companies): no check_company.
    category_id = fields.Many2one(
        "product.category", string="Product Category", required=True, ondelete="cascade",
        help="Products of this category and of its subcategories without mappings of their own.",
    )
    platform_category = fields.Char(
        required=True,
        help="The platform's id or name of the category, e.g. a Shopify collection id "
             "(gid://shopify/Collection/123) or an eBay category id.",
    )
    platform_category_name = fields.Char(
        string="Platform Category Name", help="A label for the platform category, shown here only.",
    )

    _sql_constraints = [
        ("store_category_platform_uniq", "unique(store_id, category_id, platform_category)",
         "A product category is mapped to a platform category once per store."),
    ]

    @api.constrains("platform_category")
    def _check_platform_category(self):
        for mapping in self:
            if not (mapping.platform_category or "").strip():
                raise ValidationError(_(
                    "The category mapping of %(category)s needs the platform's category id or name.",
                    category=mapping.category_id.display_name,
                ))

    @api.model
    def _platform_categories(self, store, categories):
        """{product.category id: [{"id": platform category, "name": label}]} for `categories`: the
        mappings of each category, or of its nearest parent that has some; [] when none has.

        :param categories: product.category records (the products' categories).
        """
        mappings = self.sudo().search([("store_id", "=", store.id)])
        by_category = {}
        for mapping in mappings:
            by_category.setdefault(mapping.category_id.id, []).append({
                "id": mapping.platform_category.strip(),
                "name": mapping.platform_category_name or mapping.category_id.display_name,
            })
        result = {}
        for category in categories:
            found = []
            node = category
            while node and not found:
                found = by_category.get(node.id, [])
                node = node.parent_id
            result[category.id] = found
        return result
