"""Refunds of an imported order in accounting (issue #14, refunds), a step of the payment workflow job
(orders.payments, store_order_binding_payments.py) of the stores whose refund policy is "credit note".

Per refund the order lists (normalized REFUND) and not handled yet:

1. a credit note (account.move out_refund, reversing the order's posted invoice when there is one) of
   what was refunded: each refunded line's quantity at the sale line's price with its taxes (Odoo's
   own invoice line of the sale line, so the sale's invoiced quantities follow), the shipping refunded
   on the order's delivery line, and what the lines and shipping do not explain of the refund's
   amount on a line of its own (the store's Refund Product, no taxes: the platform does not say which
   taxes such an amount holds). Its total must be the refund's amount to the cent, else the job fails
   with both amounts and nothing is posted;
2. the goods: refunded units not delivered yet are taken off the sale line's ordered quantity (they
   must not be shipped, restocked or not); delivered units the platform restocked come back with a
   validated return of the delivery (Odoo's stock.return.picking); units not restocked stay out;
3. one outbound refund payment per successful refund transaction naming the refund (refund_id), on
   the gateway's journal, deduplicated by transaction id like the payments, reconciled with the credit
   note. A refund with no transaction (refunded in cash, by hand) gets the credit note only.

A refund is handled once: its id joins the order binding's refund_ids_recorded (shared with the
activity policy, so switching policy never handles a refund twice), and its credit note carries the
store and refund id under a unique constraint, so a retried, reordered or concurrent event never makes a
second credit note.
"""

from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from ..exceptions import PermanentJobError


class AccountMove(models.Model):
    _inherit = "account.move"

    store_refund_store_id = fields.Many2one(
        "connector.store", string="Refund of Store", readonly=True, copy=False, index="btree_not_null",
        ondelete="restrict", check_company=True,
        help="The store whose platform refund this credit note records.")
    store_refund_external_id = fields.Char(
        string="Platform Refund ID", readonly=True, copy=False,
        help="The platform's id of the refund this credit note records: one credit note per refund.")

    _sql_constraints = [
        ("store_refund_uniq", "unique(store_refund_store_id, store_refund_external_id)",
         "A platform refund is credited once per store."),
    ]


class StoreOrderTransaction(models.Model):
    _inherit = "store.order.transaction"

    refund_external_id = fields.Char(
        string="Platform Refund ID", readonly=True,
        help="For a refund: the platform refund this transaction pays back.")


class StoreOrderBinding(models.Model):
    _inherit = "store.order.binding"

    def _credit_refunds(self, sale, order):
        """Credit the refunds of `order` (normalized) not handled yet and restock what the platform
        restocked (see the module docstring).

        :returns: [(refund id, credit note name or False)] of the refunds handled now.
        :raises PermanentJobError: a refunded line the order does not have, or a credit note whose
            total is not the refund's amount.
        """
        self.ensure_one()
        handled = set(self.refund_ids_recorded or [])
        done = []
        for refund in order.get("refunds") or []:
            if refund["id"] in handled:
                continue
            credit_note = self._create_credit_note(sale, refund)
            self._apply_refund_stock(sale, refund)
            handled.add(refund["id"])
            self.refund_ids_recorded = list(self.refund_ids_recorded or []) + [refund["id"]]
            done.append((refund["id"], credit_note.name if credit_note else False))
        return done

    def _refund_sale_line(self, sale, refund, refund_line):
        """The sale order line a REFUND_LINE refunds: by the platform's line id, else by SKU."""
        lines = sale.order_line.filtered(lambda line: not line.display_type and not line.is_delivery)
        if refund_line["line_id"]:
            match = lines.filtered(lambda line: line.store_external_line_id == refund_line["line_id"])[:1]
        else:
            match = lines.filtered(lambda line: line.product_id.default_code == refund_line["sku"])[:1]
        if not match:
            raise PermanentJobError(_(
                "Refund %(refund)s of order %(order)s refunds line %(line)s, which the order does not have: "
                "nothing was credited. Issue the credit note by hand, or fix the order's lines and retry "
                "this job.",
                refund=refund["id"], order=sale.name, line=refund_line["line_id"] or refund_line["sku"]))
        return match

    def _create_credit_note(self, sale, refund):
        """The posted credit note of `refund` (normalized REFUND), or an empty recordset for a refund
        of no money (a restock only).

        :raises PermanentJobError: see `_credit_refunds`.
        """
        store = self.store_id
        currency = sale.currency_id
        amount = refund["amount"]
        if amount is not None and currency.is_zero(float(amount)):
            return self.env["account.move"]
        line_commands = []
        for refund_line in refund["lines"]:
            sale_line = self._refund_sale_line(sale, refund, refund_line)
            line_commands.append(Command.create(sale_line._prepare_invoice_line(
                quantity=float(refund_line["quantity"]))))
        shipping = refund["shipping"]
        if shipping and not currency.is_zero(float(shipping)):
            delivery = sale.order_line.filtered("is_delivery")[:1]
            if delivery:
                line_commands.append(Command.create(delivery._prepare_invoice_line(
                    quantity=1.0, price_unit=float(shipping), discount=0.0)))
            else:
                line_commands.append(Command.create(self._refund_amount_line(
                    _("Shipping refunded"), float(shipping), product=self.env.ref(
                        "store_connector_base.product_store_shipping"))))
        invoices = sale.invoice_ids.filtered(
            lambda move: move.state == "posted" and move.move_type == "out_invoice")
        vals = sale._prepare_invoice()
        vals.update({
            "move_type": "out_refund",
            "invoice_date": (refund["created_at"] or fields.Datetime.now()).date(),
            "ref": _("Refund %(refund)s of %(order)s", refund=refund["id"],
                     order=sale.client_order_ref or sale.name),
            "reversed_entry_id": invoices[:1].id or False,
            "invoice_line_ids": line_commands,
            "store_refund_store_id": store.id,
            "store_refund_external_id": refund["id"],
        })
        vals.pop("transaction_ids", None)
        credit_note = self.env["account.move"].sudo().with_company(store.company_id).with_context(
            default_move_type="out_refund").create(vals)
        if amount is not None:
            rest = float(amount) - credit_note.amount_total
            if currency.compare_amounts(rest, 0) > 0:
                credit_note.write({"invoice_line_ids": [Command.create(self._refund_amount_line(
                    refund["note"] or _("Refund %(refund)s", refund=refund["id"]), rest))]})
            elif currency.compare_amounts(rest, 0) < 0 and currency.compare_amounts(
                    -rest, currency.rounding * len(line_commands)) <= 0:
                # The platform rounds the tax of a partly refunded line on its own share; Odoo
                # computes it again on the credited quantity: up to a cent per line apart. The
                # credit note gives back what the platform did.
                credit_note.write({"invoice_line_ids": [Command.create(self._refund_amount_line(
                    _("Rounding difference with the platform's refund %(refund)s", refund=refund["id"]),
                    rest))]})
            if currency.compare_amounts(credit_note.amount_total, float(amount)) != 0 \
                    or not credit_note.invoice_line_ids:
                raise PermanentJobError(_(
                    "The credit note of refund %(refund)s of order %(order)s would total %(credited)s "
                    "but the platform refunded %(refunded)s: nothing was posted. Check the refunded lines "
                    "and their taxes, issue the credit note by hand or fix the order and retry this job.",
                    refund=refund["id"], order=sale.name,
                    credited=currency.format(credit_note.amount_total),
                    refunded=currency.format(float(amount))))
        if not credit_note.invoice_line_ids:
            credit_note.unlink()
            return self.env["account.move"]
        try:
            credit_note.action_post()
        except UserError as exc:
            raise PermanentJobError(_(
                "The credit note of refund %(refund)s of order %(order)s could not be posted: %(reason)s "
                "Fix the cause and retry this job.", refund=refund["id"], order=sale.name,
                reason=str(exc.args[0]) if exc.args else str(exc))) from exc
        return credit_note

    def _refund_amount_line(self, label, amount, product=None):
        """Values of a credit note line of an amount with no taxes (the store's Refund Product)."""
        product = product or self.store_id._refund_product()
        return {"product_id": product.id, "name": label, "quantity": 1.0, "price_unit": amount,
                "tax_ids": [Command.clear()]}

    def _apply_refund_stock(self, sale, refund):
        """The goods of `refund`: units not delivered yet come off the ordered quantity; delivered
        units the platform restocked come back with a validated return of their delivery."""
        to_return = {}
        for refund_line in refund["lines"]:
            sale_line = self._refund_sale_line(sale, refund, refund_line)
            if sale_line.product_id.type != "consu":
                continue
            quantity = float(refund_line["quantity"])
            undelivered = max(sale_line.product_uom_qty - sale_line.qty_delivered, 0.0)
            not_shipped = min(quantity, undelivered)
            if not_shipped and sale.state == "sale":
                sale_line.with_context(store_connector_from_platform=True).product_uom_qty = \
                    sale_line.product_uom_qty - not_shipped
            restock = refund_line["restock"] if refund_line["restock"] is not None else refund["restocked"]
            returned = min(quantity - not_shipped, sale_line.qty_delivered)
            if restock and returned > 0:
                to_return[sale_line] = to_return.get(sale_line, 0.0) + returned
        for sale_line, quantity in to_return.items():
            self._return_delivered(sale_line, quantity)

    def _return_delivered(self, sale_line, quantity):
        """Return `quantity` delivered units of `sale_line` to stock: a return of its newest done
        deliveries (Odoo's stock.return.picking), validated."""
        moves = sale_line.move_ids.filtered(
            lambda move: move.state == "done" and move.location_dest_id.usage == "customer"
            and not move.origin_returned_move_id).sorted("date", reverse=True)
        for move in moves:
            if quantity <= 0:
                break
            returnable = move.quantity - sum(move.returned_move_ids.filtered(
                lambda m: m.state != "cancel").mapped("quantity"))
            take = min(quantity, returnable)
            if take <= 0:
                continue
            wizard = self.env["stock.return.picking"].sudo().with_context(
                active_id=move.picking_id.id, active_model="stock.picking").create(
                {"picking_id": move.picking_id.id})
            for line in wizard.product_return_moves:
                line.quantity = take if line.move_id == move else 0.0
            picking = wizard._create_return()
            for return_move in picking.move_ids:
                return_move.quantity = return_move.product_uom_qty
                return_move.picked = True
            picking.with_context(skip_backorder=True, skip_sms=True, skip_immediate=True).button_validate()
            quantity -= take

    def _refund_credit_notes(self):
        """The credit notes of this order's platform refunds (also those with no sale line: an amount
        not tied to lines is not in the sale order's invoices)."""
        self.ensure_one()
        if not self.refund_ids_recorded:
            return self.env["account.move"]
        return self.env["account.move"].sudo().search([
            ("store_refund_store_id", "=", self.store_id.id),
            ("store_refund_external_id", "in", list(self.refund_ids_recorded)),
        ])

    # ------------------------------------------------------------------ refund payments
    def _register_refund_payments(self, sale):
        """Post one outbound payment per successful refund transaction whose refund was credited,
        on the gateway's journal; say on the others why they have none.

        :returns: the account.payment records created.
        """
        self.ensure_one()
        credited = set(self.refund_ids_recorded or [])
        to_pay, payments_vals = [], []
        for transaction in self.transaction_ids.filtered(
                lambda record: record.kind == "refund" and not record.payment_id):
            state, reason = self._refund_transaction_outcome(transaction, credited)
            if state != "paid":
                if (transaction.state, transaction.state_reason) != (state, reason):
                    transaction.write({"state": state, "state_reason": reason})
                continue
            gateway = transaction.gateway or self.payment_method or ""
            mapping = self._payment_settings(gateway)["mapping"]
            journal, _method_line = self._payment_journal(gateway, mapping)
            method_line = journal.outbound_payment_method_line_ids[:1]
            if not method_line:
                raise PermanentJobError(_(
                    "The payment journal %(journal)s has no outgoing payment method: the refunds of order "
                    "%(order)s were not paid back. Add one to the journal (Accounting > Configuration > "
                    "Journals, Outgoing Payments tab), then retry this job.",
                    journal=journal.display_name, order=sale.name))
            to_pay.append(transaction)
            payments_vals.append(self._transaction_payment_vals(
                sale, transaction, journal, method_line, "outbound",
                _("%(order)s, refund %(refund)s, transaction %(transaction)s",
                  order=sale.client_order_ref or sale.name, refund=transaction.refund_external_id,
                  transaction=transaction.external_id)))
        return self._post_transaction_payments(to_pay, payments_vals)

    def _refund_transaction_outcome(self, transaction, credited):
        """(state, reason) of a refund transaction not paid yet (see `_transaction_outcome`)."""
        if transaction.status == "pending":
            return "recorded", _("Pending on the platform: the refund payment is recorded once it succeeds.")
        if transaction.status != "success":
            return "skipped", _("The platform reports that this refund failed: no money went back.")
        if transaction.currency_id.is_zero(transaction.amount):
            return "skipped", _("The transaction's amount is zero: there is nothing to record.")
        if not transaction.refund_external_id:
            return "skipped", _("The platform does not say which refund this transaction pays back: "
                                "record its payment by hand with the refund's credit note.")
        if transaction.refund_external_id not in credited:
            return "recorded", _("Waits for refund %(refund)s: its payment is recorded with its credit note.",
                                 refund=transaction.refund_external_id)
        return "paid", False
