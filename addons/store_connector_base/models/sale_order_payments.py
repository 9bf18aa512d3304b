from odoo import fields, models


class SaleOrder(models.Model):
    """The platform transactions of an imported order (store.order.transaction), listed on the order."""

    _inherit = "sale.order"

    store_transaction_ids = fields.One2many(
        "store.order.transaction", "order_id", string="Platform Transactions", readonly=True,
        groups="store_connector_base.group_store_connector_user",
    )
