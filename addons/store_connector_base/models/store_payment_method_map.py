from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import payment_const


class StorePaymentMethodMap(models.Model):
    """Per store: what a platform payment gateway means in Odoo, and what the payment workflow does
    with the orders paid through it (models/store_order_binding_payments.py).

    A gateway seen for the first time in an imported order gets its line created with the defaults
    of the common case (`_gateway_defaults`): paid online -> confirm, invoice when paid, register the
    payment at once; cash on delivery -> invoice when shipped, payment by hand. The journal and the
    payment method line are optional: empty, the store's payment journal and that journal's first
    inbound method are used.
    """

    _name = "store.payment.method.map"
    _inherit = ["store.owned.mixin"]
    _description = "Store Payment Method Mapping"
    _order = "store_id, gateway"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    gateway = fields.Char(required=True, help="The platform's gateway code, e.g. stripe, paypal, cod.")
    payment_term_id = fields.Many2one(
        "account.payment.term", check_company=True,
        help="Payment terms set on the orders paid through this gateway.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Payment Journal",
        domain="[('type', 'in', ('bank', 'cash'))]",
        check_company=True,
        help="Journal the payments of this gateway are recorded in. Empty: the store's payment journal.",
    )
    payment_method_line_id = fields.Many2one(
        "account.payment.method.line",
        string="Payment Method",
        domain="[('journal_id', '=', journal_id), ('payment_type', '=', 'inbound')]",
        check_company=True,
        help="How the money comes in on the journal (an incoming payment method of the journal). Empty: "
             "the journal's first incoming method.",
    )
    confirm_order = fields.Boolean(
        string="Confirm When Paid", default=True,
        help="Confirm the quotation once the platform reports it paid in full.",
    )
    invoice_policy = fields.Selection(
        payment_const.INVOICE_POLICIES, string="Invoice",
        compute="_compute_workflow_defaults", store=True, readonly=False, precompute=True,
        help="When the order is invoiced (the invoice is created from the sale order and posted): when "
             "the platform reports it paid in full, when its delivery is validated, or never (by hand).",
    )
    register_payment = fields.Boolean(
        string="Register Payments",
        compute="_compute_workflow_defaults", store=True, readonly=False, precompute=True,
        help="Record each successful payment the platform reports (a sale or a capture) as a posted "
             "payment on the journal, reconciled with the invoice.",
    )

    _sql_constraints = [
        ("store_gateway_uniq", "unique(store_id, gateway)", "A gateway is mapped once per store."),
    ]

    @api.model
    def _gateway_defaults(self, gateway):
        """The workflow of a gateway nobody configured: cash on delivery is invoiced at delivery and
        paid by hand, anything else is paid online (invoice and payment at once).

        :returns: {"invoice_policy", "register_payment"}
        """
        if payment_const.is_cash_on_delivery(gateway):
            return {"invoice_policy": payment_const.INVOICE_POLICY_SHIPPED, "register_payment": False}
        return {"invoice_policy": payment_const.INVOICE_POLICY_PAID, "register_payment": True}

    @api.depends("gateway")
    def _compute_workflow_defaults(self):
        for mapping in self:
            mapping.update(self._gateway_defaults(mapping.gateway))

    @api.constrains("payment_method_line_id", "journal_id", "store_id")
    def _check_payment_method_line(self):
        for mapping in self:
            line = mapping.payment_method_line_id
            if not line:
                continue
            journal = mapping.journal_id or mapping.store_id.payment_journal_id
            if line.journal_id != journal or line.payment_type != "inbound":
                raise ValidationError(_(
                    'The payment method "%(method)s" of gateway %(gateway)s is not an incoming method of the '
                    'journal %(journal)s: choose one of that journal\'s incoming methods, or leave it empty.',
                    method=line.display_name, gateway=mapping.gateway,
                    journal=journal.display_name or _("(none)"),
                ))

    # ------------------------------------------------------------------ business
    def _payment_journal(self):
        """The journal this gateway's payments go to: its own, else the store's payment journal."""
        self.ensure_one()
        return self.journal_id or self.store_id.payment_journal_id

    def _payment_method_line(self, journal):
        """The incoming payment method line of `journal` the payments use: the mapping's, else the
        journal's first incoming one (empty when it has none)."""
        self.ensure_one()
        if self.payment_method_line_id and self.payment_method_line_id.journal_id == journal:
            return self.payment_method_line_id
        return journal.inbound_payment_method_line_ids[:1]
