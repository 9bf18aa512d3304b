from odoo import api, fields, models
from odoo.tools import SQL


class ConnectorStore(models.Model):
    """The payment workflow's settings of a store (issue #14): whether imported orders are confirmed,
    invoiced and paid from the platform's transactions, and the journal their payments go to when the
    gateway's mapping names none."""

    _inherit = "connector.store"

    payment_workflow = fields.Boolean(
        string="Invoices and Payments",
        default=True,
        help="Act on the payments the platform reports, per gateway (Payments tab): confirm the order, "
             "create and post its invoice, record each payment and reconcile it with the invoice. Off, "
             "orders are imported as quotations or orders only and accounting is done by hand. Stores "
             "created before this option keep it off until it is switched on.",
    )
    payment_journal_id = fields.Many2one(
        "account.journal",
        string="Payment Journal",
        compute="_compute_payment_journal_id", store=True, readonly=False, precompute=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        check_company=True,
        help="Bank or cash journal of the payments of the gateways whose mapping names no journal. "
             "Defaults to the company's first bank journal.",
    )

    @api.depends("company_id")
    def _compute_payment_journal_id(self):
        Journal = self.env["account.journal"].sudo()
        for store in self:
            if store.payment_journal_id and store.payment_journal_id.company_id == store.company_id:
                continue
            store.payment_journal_id = Journal.search(
                [("company_id", "=", store.company_id.id), ("type", "=", "bank")],
                order="sequence, id", limit=1,
            ) if store.company_id else False

    def _payment_mappings(self, gateways):
        """The store's payment mapping line of each gateway, created with the defaults of the common
        case (`store.payment.method.map._gateway_defaults`) for a gateway seen for the first time, so
        that it shows in the store's list for the merchant to adjust.

        Created with INSERT ... ON CONFLICT DO NOTHING: two imports meeting the same new gateway at
        once both find the one line.

        :param gateways: iterable of gateway codes (empty ones are left out).
        :returns: {gateway: store.payment.method.map}
        """
        self.ensure_one()
        Mapping = self.env["store.payment.method.map"].sudo()
        wanted = {gateway for gateway in gateways if gateway}
        found = {mapping.gateway: mapping for mapping in self.sudo().order_payment_map_ids}
        missing = sorted(wanted - set(found))
        if missing:
            defaults = [Mapping._gateway_defaults(gateway) for gateway in missing]
            self.env.cr.execute(SQL(
                """INSERT INTO store_payment_method_map
                       (store_id, company_id, gateway, confirm_order, invoice_policy, register_payment,
                        create_uid, create_date, write_uid, write_date)
                   SELECT %(store)s, %(company)s, g.gateway, TRUE, g.policy, g.register,
                          %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                     FROM unnest(%(gateways)s::varchar[], %(policies)s::varchar[], %(registers)s::boolean[])
                          AS g(gateway, policy, register)
                   ON CONFLICT (store_id, gateway) DO NOTHING""",
                store=self.id, company=self.company_id.id, uid=self.env.uid, gateways=missing,
                policies=[d["invoice_policy"] for d in defaults],
                registers=[d["register_payment"] for d in defaults],
            ))
            self.invalidate_recordset(["order_payment_map_ids"])
            found.update({mapping.gateway: mapping for mapping in Mapping.search(
                [("store_id", "=", self.id), ("gateway", "in", missing)])})
        return {gateway: found[gateway] for gateway in wanted if gateway in found}
