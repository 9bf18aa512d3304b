from odoo import api, fields, models

from .. import payment_const


class StoreOrderTransaction(models.Model):
    """A money movement of a platform order (a sale, a capture, an authorization, a refund, a void),
    recorded once per store by the platform's transaction id.

    The payment workflow (`store.order.binding._job_order_payments`) records the transactions an
    order lists and makes one posted `account.payment` per successful sale or capture: the
    transaction's id is the key, so a retried or reordered event never makes a second payment. A
    refund is a transaction of its own (kind "refund", its own id, naming its refund): in a store that
    credits refunds it becomes an outgoing refund payment reconciled with the refund's credit note
    (store_order_binding_refunds.py); otherwise it is recorded with no payment.
    """

    _name = "store.order.transaction"
    _inherit = ["store.owned.mixin"]
    _description = "Store Order Transaction"
    _order = "processed_at desc, id desc"
    _rec_name = "external_id"

    store_id = fields.Many2one(
        "connector.store", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    binding_id = fields.Many2one(
        "store.order.binding", string="Store Order", required=True, ondelete="cascade", index=True,
        readonly=True, check_company=True,
    )
    order_id = fields.Many2one(
        "sale.order", string="Sale Order", required=True, ondelete="cascade", index=True, readonly=True,
        check_company=True,
    )
    external_id = fields.Char(string="Platform Transaction ID", required=True, readonly=True)
    parent_external_id = fields.Char(
        string="Parent Transaction ID", readonly=True,
        help="The platform transaction this one captures, voids or refunds.")
    kind = fields.Selection(payment_const.TRANSACTION_KINDS, required=True, readonly=True)
    status = fields.Selection(payment_const.TRANSACTION_STATUSES, required=True, readonly=True)
    gateway = fields.Char(readonly=True, help="The platform's gateway code of the transaction.")
    amount = fields.Monetary(currency_field="currency_id", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    processed_at = fields.Datetime(string="Processed On", readonly=True)
    payment_id = fields.Many2one(
        "account.payment", string="Payment", readonly=True, copy=False, index="btree_not_null",
        check_company=True, ondelete="restrict",
        help="The posted payment the workflow recorded for this transaction.")
    state = fields.Selection(
        payment_const.TRANSACTION_STATES, default="recorded", required=True, readonly=True,
        help="Recorded: nothing done yet (a pending transaction, or the workflow has not run). Payment "
             "Registered: the payment was recorded. No Payment: the reason says why.")
    state_reason = fields.Char(string="Reason", readonly=True)

    _sql_constraints = [
        ("store_external_uniq", "unique(store_id, external_id)",
         "A platform transaction is recorded once per store."),
    ]

    @api.depends("external_id", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for transaction in self:
            transaction.display_name = f"{kinds.get(transaction.kind, transaction.kind or '')} " \
                                       f"{transaction.external_id or ''}".strip()
