from odoo import fields, models


class SaleOrder(models.Model):
    """The store a sale order came from, for the sync API's order list and the dashboards.

    The order import sets it; it is kept when the store is deleted (set to empty) so that the
    deletion of a store never blocks on, nor removes, its orders.
    """

    _inherit = "sale.order"

    store_id = fields.Many2one(
        "connector.store",
        string="Store",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        check_company=True,
        help="The connected store this order was imported from.",
    )
