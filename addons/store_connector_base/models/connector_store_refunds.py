from odoo import fields, models

from .. import payment_const


class ConnectorStore(models.Model):
    """What a store does with the refunds the platform reports (issue #14, refunds): credit them in
    accounting (a credit note, a refund payment, the goods restocked as the platform says), or leave
    them to a person (a to-do activity on the order, the behaviour before issue #14)."""

    _inherit = "connector.store"

    refund_policy = fields.Selection(
        payment_const.REFUND_POLICIES,
        string="Refunds",
        default=payment_const.REFUND_POLICY_CREDIT_NOTE,
        required=True,
        help="Credit Note: each platform refund becomes a posted credit note of what was refunded (lines, "
             "shipping, an amount not tied to lines) and a refund payment on the gateway's journal, "
             "reconciled; the units the platform restocked come back into stock. Needs Invoices and "
             "Payments on. Activity: the order gets a note and a to-do activity, and a person issues the "
             "credit note by hand. Stores created before this option keep Activity.",
    )
    refund_product_id = fields.Many2one(
        "product.product",
        string="Refund Product",
        domain="[('type', '=', 'service'), '|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        check_company=True,
        help="Product of the credit note line of a refunded amount not tied to order lines or shipping "
             "(a goodwill gesture, a price adjustment); its income account is debited, with no taxes. "
             "Empty: the connector's own \"Refund (store)\" product.",
    )

    def _refund_product(self):
        """The product of the credit note line of an amount not tied to lines: the store's choice,
        else the addon's own."""
        self.ensure_one()
        return self.refund_product_id or self.env.ref("store_connector_base.product_store_refund")

    def _credits_refunds(self):
        """Whether this store turns the platform's refunds into credit notes (policy and workflow on)."""
        self.ensure_one()
        return self.payment_workflow and self.refund_policy == payment_const.REFUND_POLICY_CREDIT_NOTE
