"""Payouts of a platform to the merchant's bank (issue #14, Payouts and fees), booked the clearing
way, as Odoo does for its own payment providers.

The gateway's payments (the payment workflow, store_order_binding_payments.py) are posted on the
gateway's journal; their money sits on the journal's outstanding receipts account until the platform
pays it out. A payout becomes one bank statement on the store's payout journal (a bank journal such
as "Shopify Payments"), one statement line per payout line:

* a charge (+) is matched with the Odoo payment of its order transaction (`transaction_id` → the
  store.order.transaction of that id → its account.payment): the statement line's counterpart is the
  payment's outstanding account and the two are reconciled, so the payment shows as matched;
* a refund (−) likewise with the refund transaction's payment, when the refund has one;
* the fee the platform kept on a line (its `fee`), and lines of type fee, are booked to the store's
  fee expense account; adjustments, disputes, reserves and the rest to the store's adjustment account
  (else the fee account);
* once the payout is paid, one last line of −net books the transfer to the merchant's bank on the
  company's internal transfer account: the payout journal's balance is back to what is still to be
  paid out, and the real bank's +net line (imported from the bank) is matched with that transfer.

A charge whose payment is not in Odoo yet (its order not imported, its payment not registered) is
booked to the journal's suspense account and stays open with the reason; every later import tries to
match it again. Everything is keyed by the platform's ids (payout per store, line per payout): a
payout read again updates its status and adds what is new, nothing is booked twice.
"""

from odoo import Command, _, api, fields, models

from .. import payout_const
from ..exceptions import PermanentJobError


class StorePayout(models.Model):
    _name = "store.payout"
    _inherit = ["store.owned.mixin"]
    _description = "Store Payout"
    _order = "date desc, id desc"
    _rec_name = "external_id"

    store_id = fields.Many2one(
        "connector.store", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    external_id = fields.Char(string="Platform Payout ID", required=True, readonly=True)
    date = fields.Datetime(readonly=True, help="When the platform paid (or will pay) the payout.")
    status = fields.Selection(
        payout_const.PAYOUT_STATUS_SELECTION, required=True, readonly=True,
        help="The payout's status on the platform, as last imported.")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(
        string="Net Amount", currency_field="currency_id", readonly=True,
        help="What the platform pays into the merchant's bank: the lines' amounts less their fees.")
    charges_total = fields.Monetary(
        string="Charges", currency_field="currency_id", compute="_compute_totals", store=True)
    refunds_total = fields.Monetary(
        string="Refunds", currency_field="currency_id", compute="_compute_totals", store=True)
    fees_total = fields.Monetary(
        string="Fees", currency_field="currency_id", compute="_compute_totals", store=True)
    journal_id = fields.Many2one(
        "account.journal", string="Payout Journal", readonly=True, check_company=True, ondelete="restrict")
    statement_id = fields.Many2one(
        "account.bank.statement", string="Bank Statement", readonly=True, copy=False, check_company=True,
        ondelete="restrict")
    transfer_line_id = fields.Many2one(
        "account.bank.statement.line", string="Transfer to the Bank", readonly=True, copy=False,
        check_company=True, ondelete="set null",
        help="The statement line of the money sent to the merchant's bank, booked once the payout is paid.")
    line_ids = fields.One2many("store.payout.line", "payout_id", string="Lines", readonly=True)
    state = fields.Selection(
        payout_const.PAYOUT_STATES, default="imported", required=True, readonly=True,
        help="Imported: every line is booked, the payout is not paid yet. Partly Matched: some lines "
             "are not matched yet (see the reason: a payment not in Odoo yet, or of another amount). "
             "Reconciled: every line is matched and the transfer to the bank is booked.")
    state_reason = fields.Char(string="Reason", readonly=True)

    _sql_constraints = [
        ("store_external_uniq", "unique(store_id, external_id)",
         "A platform payout is imported once per store."),
    ]

    @api.depends("line_ids.line_type", "line_ids.amount", "line_ids.fee")
    def _compute_totals(self):
        for payout in self:
            lines = payout.line_ids
            def total(line_type, lines=lines):
                return sum(lines.filtered(lambda line: line.line_type == line_type).mapped("amount"))

            payout.charges_total = total("charge")
            payout.refunds_total = total("refund")
            payout.fees_total = sum(lines.mapped("fee")) - total("fee")

    # ------------------------------------------------------------------ import
    @api.model
    def _import_platform_payout(self, store, data):
        """Create or update the payout `data` (normalized) of `store` and book what is not booked yet.

        :returns: (store.payout, "new" | "updated" | "unchanged")
        :raises PermanentJobError: a payout in another currency than the payout journal's, or a
            company without an internal transfer account.
        """
        journal = store.payout_journal_id
        currency = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "=", data["currency"])], limit=1)
        journal_currency = journal.currency_id or journal.company_id.currency_id
        if currency != journal_currency:
            raise PermanentJobError(_(
                "Payout %(payout)s of store %(store)s is in %(currency)s but the payout journal %(journal)s "
                "keeps %(journal_currency)s: nothing of it was booked. Choose a payout journal in "
                "%(currency)s in the store's Payments tab, then import the payouts again.",
                payout=data["id"], store=store.name, currency=data["currency"], journal=journal.display_name,
                journal_currency=journal_currency.name))
        vals = {"date": data["date"], "status": data["status"], "amount": float(data["amount"])}
        payout = self.search([("store_id", "=", store.id), ("external_id", "=", data["id"])], limit=1)
        outcome = "unchanged"
        if not payout:
            statement = self.env["account.bank.statement"].create({
                "name": _("%(store)s payout %(payout)s", store=store.name, payout=data["id"]),
                "journal_id": journal.id,
                "company_id": store.company_id.id,
            })
            payout = self.create(dict(vals, store_id=store.id, external_id=data["id"],
                                      currency_id=currency.id, journal_id=journal.id,
                                      statement_id=statement.id))
            outcome = "new"
        elif (payout.status, payout.date, payout.currency_id.compare_amounts(payout.amount, vals["amount"])) \
                != (vals["status"], vals["date"], 0):
            payout.write(vals)
            outcome = "updated"
        known = set(payout.line_ids.mapped("external_id"))
        new_lines = [{
            "payout_id": payout.id,
            "store_id": store.id,
            "external_id": line["id"],
            "line_type": line["type"],
            "amount": float(line["amount"]),
            "fee": float(line["fee"]),
            "date": line["date"] or data["date"],
            "platform_order_id": line["order_id"] or False,
            "transaction_external_id": line["transaction_id"] or False,
            "note": line["note"] or False,
        } for line in data["lines"] if line["id"] not in known]
        if new_lines:
            self.env["store.payout.line"].create(new_lines)
            outcome = "new" if outcome == "new" else "updated"
        matched_before = len(payout.line_ids.filtered(lambda line: line.state != "open"))
        payout._book()
        if outcome == "unchanged" and len(payout.line_ids.filtered(lambda line: line.state != "open")) \
                != matched_before:
            outcome = "updated"
        return payout, outcome

    def _book(self):
        """Book the lines not booked yet, match the open ones whose payment now exists, book or undo
        the transfer to the bank per the status, and say where the payout stands."""
        for payout in self:
            for line in payout.line_ids.sorted("id"):
                line._book()
            payout._book_transfer()
            payout._update_state()

    def _book_transfer(self):
        """The statement line of −net (the money sent to the merchant's bank) exists while the payout is
        paid: a payout that failed or was canceled gives the money back to the platform's balance."""
        self.ensure_one()
        if self.status == "paid" and not self.transfer_line_id and not self.currency_id.is_zero(self.amount):
            account = self.company_id.transfer_account_id
            if not account:
                raise PermanentJobError(_(
                    "Company %(company)s has no internal transfer account: the transfer of payout %(payout)s "
                    "to the bank was not booked. Set it in Accounting > Configuration > Settings (Default "
                    "Accounts, Internal Transfer), then import the payouts again.",
                    company=self.company_id.name, payout=self.external_id))
            self.transfer_line_id = self._create_statement_line(
                -self.amount, _("Transfer of payout %(payout)s to the bank", payout=self.external_id),
                self.date, account)
        elif self.status in ("failed", "canceled") and self.transfer_line_id:
            transfer = self.transfer_line_id
            transfer.line_ids.remove_move_reconcile()
            self.transfer_line_id = False
            transfer.unlink()

    def _update_state(self):
        self.ensure_one()
        open_lines = self.line_ids.filtered(lambda line: line.state == "open")
        if open_lines:
            state = "partial"
            if len(open_lines) == 1:
                reason = _("1 line is not matched yet: %(reason)s", reason=open_lines.state_reason)
            else:
                reason = _("%(count)s lines are not matched yet; the first: %(reason)s",
                           count=len(open_lines), reason=open_lines[:1].state_reason)
        elif self.status == "paid":
            state, reason = "reconciled", False
        else:
            state, reason = "imported", False
        if (self.state, self.state_reason) != (state, reason):
            self.write({"state": state, "state_reason": reason})

    def _create_statement_line(self, amount, label, date, account, partner=None):
        """A statement line of this payout's statement whose counterpart is booked to `account`
        (None: the journal's suspense account, the line is to be matched later)."""
        self.ensure_one()
        return self.env["account.bank.statement.line"].create({
            "statement_id": self.statement_id.id,
            "journal_id": self.journal_id.id,
            "date": (date or self.date or fields.Datetime.now()).date(),
            "amount": amount,
            "payment_ref": label,
            "partner_id": partner.id if partner else False,
            "counterpart_account_id": account.id if account else None,
        })

    # ------------------------------------------------------------------ actions
    def action_open_statement(self):
        """The payout's bank statement lines, in Accounting."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Payout %(payout)s", payout=self.external_id),
            "res_model": "account.bank.statement.line",
            "view_mode": "list,form",
            "domain": [("statement_id", "=", self.statement_id.id)],
            "context": {"create": False},
        }


class StorePayoutLine(models.Model):
    """One balance transaction of a payout, what it was booked to and the payment it matched."""

    _name = "store.payout.line"
    _inherit = ["store.owned.mixin"]
    _description = "Store Payout Line"
    _order = "payout_id, id"
    _rec_name = "external_id"

    payout_id = fields.Many2one("store.payout", required=True, ondelete="cascade", index=True, readonly=True,
                                check_company=True)
    store_id = fields.Many2one(
        "connector.store", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    external_id = fields.Char(string="Platform Line ID", required=True, readonly=True)
    line_type = fields.Selection(
        payout_const.LINE_TYPE_SELECTION, string="Type", required=True, readonly=True)
    currency_id = fields.Many2one(related="payout_id.currency_id")
    amount = fields.Monetary(currency_field="currency_id", readonly=True,
                             help="The line's gross amount: a charge is positive, a refund negative.")
    fee = fields.Monetary(currency_field="currency_id", readonly=True, help="What the platform kept.")
    net = fields.Monetary(currency_field="currency_id", compute="_compute_net")
    date = fields.Datetime(readonly=True)
    platform_order_id = fields.Char(string="Platform Order", readonly=True)
    transaction_external_id = fields.Char(string="Platform Transaction", readonly=True)
    note = fields.Char(readonly=True)
    transaction_id = fields.Many2one(
        "store.order.transaction", string="Transaction", readonly=True, check_company=True,
        ondelete="set null", index="btree_not_null")
    payment_id = fields.Many2one(
        "account.payment", string="Matched Payment", readonly=True, check_company=True, ondelete="set null")
    order_id = fields.Many2one(related="transaction_id.order_id", string="Sale Order")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Statement Line", readonly=True, check_company=True,
        ondelete="set null")
    fee_statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Fee Statement Line", readonly=True, check_company=True,
        ondelete="set null")
    state = fields.Selection(
        payout_const.LINE_STATES, default="open", required=True, readonly=True,
        help="Matched: reconciled with the order's payment. Booked: booked to the fee or adjustment "
             "account. Open: waiting on the journal's suspense account (see the reason); matched by a "
             "later import.")
    state_reason = fields.Char(string="Reason", readonly=True)

    _sql_constraints = [
        ("payout_external_uniq", "unique(payout_id, external_id)",
         "A line of a platform payout is imported once."),
    ]

    @api.depends("amount", "fee")
    def _compute_net(self):
        for line in self:
            line.net = line.amount - line.fee

    # ------------------------------------------------------------------ booking
    def _book(self):
        """Book this line's statement lines (the amount, and the fee apart) once, and match an open
        line whose payment exists now."""
        self.ensure_one()
        payout = self.payout_id
        store = self.store_id
        if not self.statement_line_id and self.currency_id.is_zero(self.amount):
            if self.state != "booked":
                self.write({"state": "booked", "state_reason": False})
        elif not self.statement_line_id:
            account, counterpart, reason = self._counterpart()
            statement_line = payout._create_statement_line(
                self.amount, self._label(), self.date, account,
                partner=counterpart.partner_id if counterpart else None)
            vals = {"statement_line_id": statement_line.id}
            vals.update(self._reconcile(statement_line, counterpart, reason))
            self.write(vals)
        elif self.state == "open":
            account, counterpart, reason = self._counterpart()
            if counterpart:
                statement_line = self.statement_line_id.with_context(
                    force_delete=True, skip_readonly_check=True)
                # The partner first: writing it rebuilds the move's lines with the suspense account
                # (account.bank.statement.line._synchronize_to_moves), the counterpart after.
                statement_line.write({"partner_id": counterpart.partner_id.id})
                statement_line.write({"line_ids": [Command.clear()] + [
                    Command.create(vals) for vals in
                    statement_line._prepare_move_line_default_vals(counterpart_account_id=account.id)]})
            self.write(self._reconcile(self.statement_line_id, counterpart, reason))
        if not self.fee_statement_line_id and not self.currency_id.is_zero(self.fee):
            self.fee_statement_line_id = payout._create_statement_line(
                -self.fee, _("Fee of %(line)s", line=self._label()), self.date, store._payout_fee_account())

    def _reconcile(self, statement_line, counterpart, reason):
        """Reconcile `statement_line`'s counterpart with the payment's line `counterpart`.

        :returns: the values of this line saying what happened.
        """
        if counterpart:
            _liquidity, _suspense, others = statement_line._seek_for_lines()
            own = others.filtered(
                lambda line: line.account_id == counterpart.account_id and not line.reconciled)
            if own:
                (own | counterpart).reconcile()
                return {"state": "matched", "state_reason": False, "payment_id": counterpart.payment_id.id}
            reason = _("The statement line of this payout line could not be matched with payment "
                       "%(payment)s: match it by hand on the payout journal.",
                       payment=counterpart.payment_id.display_name)
        if reason:
            return {"state": "open", "state_reason": reason}
        return {"state": "booked", "state_reason": False}

    def _label(self):
        types = dict(self._fields["line_type"]._description_selection(self.env))
        label = _("%(type)s %(line)s", type=types.get(self.line_type, self.line_type), line=self.external_id)
        if self.platform_order_id:
            label = _("%(line)s (order %(order)s)", line=label, order=self.platform_order_id)
        return label

    def _counterpart(self):
        """Where this line's amount goes: (account, payment line to reconcile with, reason it waits).

        Charges and refunds go to their payment's outstanding account (reconciled with it), or wait
        on the suspense account (account None) with the reason; fees go to the fee account, the
        other types to the adjustment account.
        """
        self.ensure_one()
        store = self.store_id
        kinds = payout_const.MATCHED_LINE_KINDS.get(self.line_type)
        if not kinds:
            if self.line_type == "fee":
                return store._payout_fee_account(), None, None
            return store._payout_adjustment_account(), None, None
        if not self.transaction_external_id:
            return None, None, _(
                "The platform names no transaction for this line: match it by hand on the payout journal.")
        transaction = self.env["store.order.transaction"].search([
            ("store_id", "=", store.id), ("external_id", "=", self.transaction_external_id),
        ], limit=1)
        if transaction and transaction != self.transaction_id:
            self.transaction_id = transaction
        if not transaction:
            return None, None, _(
                "Transaction %(transaction)s is not in Odoo yet (its order is not imported): the line is "
                "matched once its payment is (at the latest by the next payout import).",
                transaction=self.transaction_external_id)
        if transaction.kind not in kinds:
            return None, None, _(
                "Transaction %(transaction)s is a %(kind)s, not what this line settles: match it by hand on "
                "the payout journal.", transaction=transaction.external_id, kind=transaction.kind)
        payment = transaction.payment_id
        if not payment:
            return None, None, _(
                "Transaction %(transaction)s of order %(order)s has no payment in Odoo yet: the line is "
                "matched once the payment is recorded (at the latest by the next payout import).",
                transaction=transaction.external_id, order=transaction.order_id.name)
        liquidity, _counterpart, _writeoff = payment._seek_for_lines()
        line = liquidity.filtered(
            lambda move_line: move_line.account_id.reconcile and not move_line.reconciled)
        if not line:
            return None, None, _(
                "Payment %(payment)s of transaction %(transaction)s is already matched or not on an "
                "outstanding account: match the line by hand on the payout journal.",
                payment=payment.display_name, transaction=transaction.external_id)
        line = line[:1]
        # Matched only when the platform's amount is what the payment left on the outstanding account:
        # reconciled otherwise, the difference would stay there unseen under a line shown as matched.
        residual = line.amount_residual_currency if line.currency_id != line.company_currency_id \
            else line.amount_residual
        if self.currency_id.compare_amounts(residual, self.amount) != 0:
            return None, None, _(
                "This line is %(line_amount)s but payment %(payment)s of transaction %(transaction)s is "
                "%(payment_amount)s: it waits on the suspense account. Match it by hand on the payout "
                "journal, booking the difference.",
                line_amount=self.currency_id.format(self.amount), payment=payment.display_name,
                transaction=transaction.external_id, payment_amount=self.currency_id.format(residual))
        return line.account_id, line, None
