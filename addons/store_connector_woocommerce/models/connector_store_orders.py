from odoo import api, fields, models

from .. import const


class ConnectorStore(models.Model):
    """WooCommerce order settings of a store: the statuses its pulls ask for, the order-reference
    prefix a new store starts with."""

    _inherit = "connector.store"

    woocommerce_order_statuses = fields.Char(
        string="Order Statuses to Pull",
        help="WooCommerce statuses the order pull asks for, separated by commas (e.g. "
        "\"processing, on-hold, completed\"). Empty: every status but the trash. Webhooks bring every "
        "order whatever its status.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("platform") == "woocommerce" and "order_prefix" not in vals:
                vals["order_prefix"] = const.DEFAULT_ORDER_PREFIX
        return super().create(vals_list)
