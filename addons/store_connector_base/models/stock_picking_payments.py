from odoo import models

from .. import payment_const


class StockPicking(models.Model):
    """A validated delivery of an imported order whose gateway is invoiced when shipped (cash on
    delivery by default) queues the order's payment workflow (store_order_binding_payments.py)."""

    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        self._store_enqueue_payment_workflow()
        return res

    def _store_enqueue_payment_workflow(self):
        """Queue job orders.payments for the orders of these done deliveries whose gateway's mapping
        invoices when shipped (the operation needs no store permission: queueing it cannot fail)."""
        deliveries = self.filtered(
            lambda picking: picking.state == "done" and picking.picking_type_code == "outgoing"
            and picking.sale_id)
        bindings = deliveries.sale_id._store_order_binding().filtered(
            lambda binding: binding.store_id.payment_workflow)
        due = bindings.filtered(
            lambda binding: binding._payment_settings(binding.payment_method)["invoice_policy"]
            == payment_const.INVOICE_POLICY_SHIPPED)
        if due:
            due._enqueue_order_payments()
