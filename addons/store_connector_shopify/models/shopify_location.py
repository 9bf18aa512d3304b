from odoo import fields, models


class ShopifyLocation(models.Model):
    """A location of a Shopify shop and the Odoo stock location whose quantities it publishes.

    Filled by Fetch Locations (`store.adapter.shopify._shopify_sync_locations`); the merchant
    chooses the Odoo location. Inventory export sends, per mapped Shopify location, the quantity of
    its Odoo location; a store without mapped locations exports to its default Shopify location
    (`connector.store.shopify_location_id`) the quantity of the store's locations.
    """

    _name = "shopify.location"
    _inherit = ["store.owned.mixin"]
    _description = "Shopify Location"
    _order = "store_id, name"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    name = fields.Char(required=True)
    shopify_gid = fields.Char(string="Shopify Location ID", required=True,
                              help="gid://shopify/Location/<id>")
    shopify_legacy_id = fields.Char(string="Legacy ID", help="The numeric id webhooks use.")
    active_on_shopify = fields.Boolean(string="Active", default=True)
    location_id = fields.Many2one(
        "stock.location", string="Odoo Location", domain="[('usage', '=', 'internal')]", check_company=True,
        help="The Odoo stock location whose quantities are published to this Shopify location.",
    )

    _sql_constraints = [
        ("store_gid_unique", "unique(store_id, shopify_gid)", "A Shopify location is listed once per store."),
    ]
