from odoo import fields, models


class SaleOrder(models.Model):
    """Sale orders made from platform orders know their binding."""

    _inherit = "sale.order"

    store_binding_ids = fields.One2many(
        "store.order.binding",
        "order_id",
        string="Store Orders",
        groups="store_connector_base.group_store_connector_user",
    )

    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        if self.env.context.get("store_connector_keep_date_order"):
            # A platform order was placed at its platform date, not when Odoo confirmed it.
            values.pop("date_order", None)
        return values
