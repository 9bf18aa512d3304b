from odoo import models


class SaleOrder(models.Model):
    """The link from a sale order to the store order it was imported from."""

    _inherit = "sale.order"

    def _store_order_binding(self):
        """The store order bindings of these orders (`store.order.binding`: store_id, sale_order_id,
        external_id), or an empty result when the orders pipeline that defines them is not installed.

        The fulfillment push uses this one method to recognise an imported order.
        """
        if "store.order.binding" not in self.env:
            return self.env["connector.store"].browse()
        return self.env["store.order.binding"].sudo().search([("sale_order_id", "in", self.ids)])


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _store_external_line_id(self):
        """The platform's id of this order line, sent with each shipped line of a fulfillment.

        Default: empty (the line is then identified by its SKU); the orders pipeline, which imports
        the platform's line ids, overrides it.
        """
        self.ensure_one()
        return ""
