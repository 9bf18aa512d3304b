from odoo import fields, models


class StorePaymentMethodMap(models.Model):
    """Per store: what a platform payment gateway means in Odoo (payment terms, payment journal)."""

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
        help="Journal the payments of this gateway are recorded in.",
    )

    _sql_constraints = [
        ("store_gateway_uniq", "unique(store_id, gateway)", "A gateway is mapped once per store."),
    ]
