"""The payment workflow of an imported order (issue #14, first slice): confirm, invoice, one payment
per platform transaction, reconciled.

One job per order (operation orders.payments, identity key per binding, so that the events of an
order coalesce) runs `store.order.binding._job_order_payments`. It is queued by the order import when
an order brings transactions (store.order.importer) and when the order's delivery is validated
(stock_picking_payments.py, for the gateways invoiced when shipped). It reads the newest imported
payload of the order (the binding's last_payload), so a job run late acts on the order as it is now.

What it does, per the gateway's mapping (store.payment.method.map) of the order's payment method:

1. record the order's transactions (store.order.transaction, unique per store and platform id);
2. confirm the quotation once the platform reports it paid in full ("Confirm When Paid");
3. create the invoice from the sale order and post it, when paid in full or when the delivery is
   validated ("Invoice"), after checking that its total is the platform's to the cent;
4. post one account.payment per successful sale or capture transaction not paid yet ("Register
   Payments"), on the gateway's journal and payment method;
5. reconcile the order's payments with its posted invoices (a payment made before the invoice is
   reconciled once the invoice exists).

The runner hands the jobs of one store to `_job_order_payments_batch`, up to 50 orders at once, and
Odoo confirms, invoices, posts and pays them together (as its own wizards do for many orders); a batch
that fails runs its jobs one by one, so that each order fails or succeeds on its own.

Everything happens in the job's savepoint: a configuration error (no journal, a journal of another
company) or a total that does not add up fails the job with what to fix and writes nothing; the
order itself stays imported, and Retry runs the workflow again once fixed.
"""

from collections import defaultdict

from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from .. import payment_const
from ..exceptions import PermanentJobError
from ..services.normalized import normalize_order


class StoreOrderBinding(models.Model):
    _inherit = "store.order.binding"

    transaction_ids = fields.One2many("store.order.transaction", "binding_id", string="Transactions",
                                      readonly=True)

    # ------------------------------------------------------------------ queue
    def _sync_job_store_records(self, store):
        """Jobs of a store work on its own order bindings (see sync.job._target_records)."""
        return self.filtered(lambda record: record.store_id.id == store.id)

    def _enqueue_order_payments(self):
        """Queue the payment workflow of these orders (one job per order: a pending job of the same
        order takes the new one's place), for the stores whose workflow is on.

        :returns: the sync.job records queued or merged.
        """
        by_store = defaultdict(lambda: self.browse())
        for binding in self:
            if binding.store_id.payment_workflow and binding.store_id.active:
                by_store[binding.store_id] |= binding
        jobs = self.env["sync.job"]
        for store, bindings in by_store.items():
            jobs |= self.env["sync.job"]._enqueue_many(
                store, payment_const.OP_ORDER_PAYMENTS, "_job_order_payments",
                [(binding, f"{payment_const.OP_ORDER_PAYMENTS}:{binding.id}", None) for binding in bindings],
                direction="import",
            )
        return jobs

    # ------------------------------------------------------------------ job
    # Jobs of one store run in batches of orders (sync.job._run_batch): Odoo's invoicing and posting
    # cost far less per order on many orders at once, as in its own Create Invoices wizard. A batch
    # that fails (one order's invoice not adding up) leaves nothing and its jobs run one by one,
    # each failing or succeeding on its own.
    _job_batch_handlers = {"_job_order_payments": "_job_order_payments_batch"}

    def _job_order_payments(self, job):
        """Job orders.payments: run the payment workflow of one order (see the module docstring).

        :returns: {"order", "transactions", "confirmed", "invoices", "payments", "paid", "total"}
        :raises PermanentJobError: a configuration to fix (saying what), or an invoice whose total is
            not the platform's.
        """
        self.ensure_one()
        return self._run_payment_workflow()[self.id]

    def _job_order_payments_batch(self, jobs):
        """Batch handler of orders.payments jobs (one order each): :returns: {job id: result}."""
        job_of = {job.res_ids[0]: job for job in jobs if len(job.res_ids or []) == 1}
        bindings = self.filtered(lambda binding: binding.id in job_of)
        results = bindings._run_payment_workflow()
        return {job_of[binding_id].id: result for binding_id, result in results.items()}

    def _run_payment_workflow(self):
        """Run the payment workflow of these orders (see the module docstring), the Odoo steps of
        all of them at once: confirmations, invoices, payments.

        :returns: {binding id: result of the order}
        """
        results, orders, paid_in_full = {}, {}, {}
        for binding in self:
            order = normalize_order(binding.last_payload) if binding.last_payload else None
            orders[binding.id] = order
            results[binding.id] = {"order": binding.order_id.name, "transactions": 0, "confirmed": False,
                                   "invoices": [], "payments": 0}
            if order:
                results[binding.id]["transactions"] = len(binding._record_transactions(order))
        active = self.filtered(lambda binding: binding.store_id.payment_workflow)
        for binding in self - active:
            results[binding.id]["skipped"] = "The store's payment workflow is off."
        settings = {}
        for binding in active:
            settings[binding.id] = binding._payment_settings(binding.payment_method)
            currency = binding.currency_id or binding.order_id.currency_id
            paid = sum(binding._money_received().mapped("amount"))
            paid_in_full[binding.id] = paid > 0 and currency.compare_amounts(
                paid, binding.platform_total) >= 0
            results[binding.id].update(paid=paid, total=binding.platform_total)
        to_confirm = active.filtered(
            lambda binding: settings[binding.id]["confirm_order"] and paid_in_full[binding.id]
            and binding.order_id.state in ("draft", "sent"))
        if to_confirm:
            to_confirm.order_id.with_context(store_connector_keep_date_order=True,
                                             store_connector_from_platform=True).action_confirm()
            for binding in to_confirm:
                results[binding.id]["confirmed"] = True
        to_invoice = active.filtered(lambda binding: binding._invoice_due(
            binding.order_id, settings[binding.id]["invoice_policy"], paid_in_full[binding.id]))
        # An order invoiced because it is paid is invoiced on the day it was paid in full, as its
        # payments are dated (an order imported late still lands in its period).
        invoice_dates = {
            binding.id: binding._paid_in_full_on() for binding in to_invoice
            if settings[binding.id]["invoice_policy"] == payment_const.INVOICE_POLICY_PAID
        }
        for binding, invoices in to_invoice._create_invoices(invoice_dates).items():
            results[binding.id]["invoices"] = invoices.mapped("name")
        to_pay, payments_vals = [], []
        for binding in active:
            transactions, vals_list = binding._payments_due(binding.order_id)
            to_pay += transactions
            payments_vals += vals_list
            results[binding.id]["payments"] = len(vals_list)
        self._post_transaction_payments(to_pay, payments_vals)
        for binding in active:
            sale, order = binding.order_id, orders[binding.id]
            if binding.store_id._credits_refunds() and order:
                # Refunds (store_order_binding_refunds.py): credit notes, restocking, refund payments.
                results[binding.id]["refunds"] = [list(item) for item in binding._credit_refunds(sale, order)]
                results[binding.id]["refund_payments"] = len(binding._register_refund_payments(sale))
            binding._reconcile_payments(sale)
        return results

    def _record_transactions(self, order):
        """Create or update the store.order.transaction of each transaction of `order` (normalized):
        one record per platform id in the store. A transaction already paid keeps what was paid.

        :returns: the transactions of this order named by the payload.
        """
        self.ensure_one()
        Transaction = self.env["store.order.transaction"].sudo()
        wanted = order.get("transactions") or []
        if not wanted:
            return Transaction
        existing = {
            record.external_id: record for record in Transaction.search([
                ("store_id", "=", self.store_id.id), ("external_id", "in", [t["id"] for t in wanted]),
            ])
        }
        currencies = {}
        records = Transaction
        to_create = []
        for data in wanted:
            code = data["currency"] or order["currency"]
            if code not in currencies:
                currencies[code] = self.env["res.currency"].with_context(active_test=False).search(
                    [("name", "=", code)], limit=1) or self.currency_id
            vals = {
                "kind": data["kind"],
                "status": data["status"],
                "gateway": data["gateway"] or order.get("payment_method") or False,
                "amount": float(data["amount"]),
                "currency_id": currencies[code].id,
                "processed_at": data["processed_at"] or order["updated_at"],
                "parent_external_id": data["parent_id"] or False,
                "refund_external_id": data.get("refund_id") or False,
            }
            record = existing.get(data["id"])
            if record is None:
                to_create.append(dict(vals, store_id=self.store_id.id, binding_id=self.id,
                                      order_id=self.order_id.id, external_id=data["id"]))
                continue
            if record.binding_id != self:
                # The platform's ids are unique in a shop: another order's transaction is not this one's.
                continue
            if not record.payment_id:
                changed = {key: value for key, value in vals.items()
                           if (record[key].id if key == "currency_id" else record[key]) != value}
                if changed:
                    record.write(changed)
            records |= record
        if to_create:
            records |= Transaction.create(to_create)
        return records

    def _payment_settings(self, gateway):
        """What the workflow does for `gateway` in this order's store: its mapping line's settings,
        else the defaults of a gateway nobody configured (`store.payment.method.map._gateway_defaults`).

        :returns: {"mapping" (record or empty), "confirm_order", "invoice_policy", "register_payment"}
        """
        self.ensure_one()
        Mapping = self.env["store.payment.method.map"]
        mapping = self.store_id._payment_mappings([gateway]).get(gateway) if gateway else None
        if mapping:
            return {"mapping": mapping, "confirm_order": mapping.confirm_order,
                    "invoice_policy": mapping.invoice_policy, "register_payment": mapping.register_payment}
        return dict(Mapping._gateway_defaults(gateway), mapping=Mapping, confirm_order=True)

    def _invoice_due(self, sale, policy, paid_in_full):
        """Whether the workflow invoices `sale` now: a confirmed order not invoiced yet, paid in full
        (policy "paid") or whose deliveries are all done (policy "shipped")."""
        if sale.state != "sale" or sale.invoice_ids.filtered(lambda move: move.state != "cancel"):
            return False
        if policy == payment_const.INVOICE_POLICY_PAID:
            return paid_in_full
        if policy == payment_const.INVOICE_POLICY_SHIPPED:
            deliveries = sale.picking_ids.filtered(lambda picking: picking.picking_type_code == "outgoing")
            return bool(deliveries) and all(picking.state in ("done", "cancel") for picking in deliveries) \
                and any(picking.state == "done" for picking in deliveries)
        return False

    def _money_received(self):
        """This order's successful sales and captures: the money the platform received."""
        self.ensure_one()
        return self.transaction_ids.filtered(
            lambda transaction: transaction.kind in payment_const.PAYMENT_KINDS
            and transaction.status == "success")

    def _paid_in_full_on(self):
        """The date of the last successful payment of this order (the day it was paid in full)."""
        moments = [moment for moment in self._money_received().mapped("processed_at") if moment]
        return max(moments).date() if moments else False

    def _create_invoices(self, invoice_dates=None):
        """Create the invoices of these orders with Odoo's own invoicing (one per order) and post
        them, once each total is checked against the platform's.

        :param invoice_dates: {binding id: invoice date} (default: the day they are posted)
        :returns: {binding: its posted account.move records}
        :raises PermanentJobError: nothing to invoice, or a total that is not the platform's.
        """
        if not self:
            return {}
        sales = self.order_id
        try:
            invoices = sales._create_invoices(grouped=True)
        except UserError as exc:
            name = sales.name if len(sales) == 1 else ", ".join(sales.mapped("name"))
            raise PermanentJobError(_(
                "Order %(order)s could not be invoiced: %(reason)s Invoice it by hand, or fix the cause and "
                "retry this job.", order=name, reason=str(exc.args[0]) if exc.args else str(exc),
            )) from exc
        invoices_of = defaultdict(lambda: self.env["account.move"])
        for move in invoices:
            for sale in move.invoice_line_ids.sale_line_ids.order_id:
                invoices_of[sale.id] |= move
        by_binding = {}
        dated = defaultdict(lambda: self.env["account.move"])
        for binding in self:
            sale = binding.order_id
            mine = invoices_of[sale.id]
            currency = sale.currency_id
            invoiced = sum(mine.mapped("amount_total"))
            if currency.compare_amounts(invoiced, binding.platform_total) != 0:
                raise PermanentJobError(_(
                    "The invoice of order %(order)s would total %(invoiced)s but the platform states "
                    "%(platform)s: nothing was posted. Check what the order can invoice (products "
                    "invoiced on delivery, lines changed by hand), invoice it by hand or fix it and retry "
                    "this job.",
                    order=sale.name,
                    invoiced=currency.format(invoiced), platform=currency.format(binding.platform_total),
                ))
            by_binding[binding] = mine
            if (invoice_dates or {}).get(binding.id):
                dated[invoice_dates[binding.id]] |= mine
        for invoice_date, moves in dated.items():
            moves.invoice_date = invoice_date
        invoices.action_post()
        return by_binding

    def _payments_due(self, sale):
        """The payments to post now for this order: one per successful sale or capture transaction
        that has none, when the gateway's mapping registers payments; say on the others why they
        have none.

        :returns: (transactions, payment values), in the same order.
        :raises PermanentJobError: a gateway without a usable journal or payment method.
        """
        self.ensure_one()
        to_pay, payments_vals = [], []
        settings_by_gateway = {}
        # With refunds credited, refund transactions are paid by the refunds step (_register_refund_payments).
        refunds_apart = self.store_id._credits_refunds()
        for transaction in self.transaction_ids.filtered(
                lambda record: not record.payment_id and not (refunds_apart and record.kind == "refund")):
            gateway = transaction.gateway or self.payment_method or ""
            if gateway not in settings_by_gateway:
                settings_by_gateway[gateway] = self._payment_settings(gateway)
            settings = settings_by_gateway[gateway]
            state, reason = self._transaction_outcome(transaction, settings)
            if state != "paid":
                if (transaction.state, transaction.state_reason) != (state, reason):
                    transaction.write({"state": state, "state_reason": reason})
                continue
            journal, method_line = self._payment_journal(gateway, settings["mapping"])
            to_pay.append(transaction)
            payments_vals.append(self._transaction_payment_vals(
                sale, transaction, journal, method_line, "inbound",
                _("%(order)s, transaction %(transaction)s",
                  order=sale.client_order_ref or sale.name, transaction=transaction.external_id)))
        return to_pay, payments_vals

    def _transaction_payment_vals(self, sale, transaction, journal, method_line, payment_type, memo):
        """The values of the Odoo payment of a platform transaction (a sale, a capture or a refund)."""
        return {
            "payment_type": payment_type,
            "partner_type": "customer",
            "partner_id": sale.partner_invoice_id.commercial_partner_id.id,
            "amount": transaction.amount,
            "currency_id": transaction.currency_id.id,
            "journal_id": journal.id,
            "payment_method_line_id": method_line.id,
            "date": (transaction.processed_at or fields.Datetime.now()).date(),
            "memo": memo,
            "company_id": self.store_id.company_id.id,
        }

    def _post_transaction_payments(self, transactions, payments_vals):
        """Create and post the payments (`payments_vals`, one per transaction, in order), mark
        each transaction paid by its payment, and match the payout lines that waited for them.
        :returns: the payments."""
        if not payments_vals:
            return self.env["account.payment"]
        payments = self.env["account.payment"].create(payments_vals)
        payments.action_post()
        for transaction, payment in zip(transactions, payments, strict=True):
            transaction.write({"payment_id": payment.id, "state": "paid", "state_reason": False})
        self._match_waiting_payout_lines(transactions)
        return payments

    def _match_waiting_payout_lines(self, transactions):
        """Book again the payouts with a line that waits for one of `transactions` (a payout imported
        before the payment of its order was recorded), so that the line is matched now rather than
        by the next payout import, a day later."""
        transactions = self.env["store.order.transaction"].union(*transactions)
        stores = transactions.store_id.filtered("payout_journal_id")  # the others import no payouts
        if not stores:
            return
        waiting = self.env["store.payout.line"].search([
            ("store_id", "in", stores.ids), ("state", "=", "open"),
            ("transaction_external_id", "in", transactions.mapped("external_id")),
        ])
        waiting.payout_id._book()

    def _transaction_outcome(self, transaction, settings):
        """(state, reason) of a transaction not paid yet: "paid" when a payment is to be made now,
        else "recorded" (it may still be paid: pending) or "skipped" with the reason."""
        if transaction.kind == "authorization":
            return "skipped", _("An authorization only reserves the money: its capture is the payment.")
        if transaction.kind == "void":
            return "skipped", _("A void cancels an authorization: no money moved.")
        if transaction.kind == "refund":
            return "skipped", _("Refunds are not recorded as payments: the order's activity asks to "
                                "handle the refund.")
        if transaction.status == "pending":
            return "recorded", _("Pending on the platform: the payment is recorded once it succeeds.")
        if transaction.status != "success":
            return "skipped", _("The platform reports that this transaction failed: no money was received.")
        if transaction.currency_id.is_zero(transaction.amount):
            return "skipped", _("The transaction's amount is zero: there is nothing to record.")
        if not settings["register_payment"]:
            return "skipped", _(
                'The mapping of gateway "%(gateway)s" registers no payments: register the payment by hand '
                "when the money arrives, or switch on Register Payments in the store's Payments tab.",
                gateway=transaction.gateway or "")
        return "paid", False

    def _payment_journal(self, gateway, mapping):
        """(journal, incoming payment method line) of `gateway`'s payments in this order's store.

        :raises PermanentJobError: no journal, a journal of another company or without an incoming
            payment method, saying what to set in the store's Payments tab.
        """
        store = self.store_id
        journal = mapping._payment_journal() if mapping else store.payment_journal_id
        if not journal:
            raise PermanentJobError(_(
                'Store %(store)s has no payment journal for gateway "%(gateway)s": the payments of order '
                "%(order)s were not recorded. Set the store's Payment Journal (or the gateway's journal) in "
                "the store's Payments tab, then retry this job.",
                store=store.name, gateway=gateway or _("(none)"), order=self.order_id.name))
        if journal.company_id != store.company_id:
            raise PermanentJobError(_(
                'The payment journal %(journal)s of gateway "%(gateway)s" belongs to company %(company)s, '
                "not to the store's company %(store_company)s: the payments of order %(order)s were not "
                "recorded. Choose a journal of %(store_company)s in the store's Payments tab, then retry "
                "this job.",
                journal=journal.display_name, gateway=gateway or _("(none)"), company=journal.company_id.name,
                store_company=store.company_id.name, order=self.order_id.name))
        method_line = mapping._payment_method_line(journal) if mapping else \
            journal.inbound_payment_method_line_ids[:1]
        if not method_line:
            raise PermanentJobError(_(
                "The payment journal %(journal)s has no incoming payment method: the payments of order "
                "%(order)s were not recorded. Add one to the journal (Accounting > Configuration > Journals, "
                "Incoming Payments tab), then retry this job.",
                journal=journal.display_name, order=self.order_id.name))
        return journal, method_line

    def _reconcile_payments(self, sale):
        """Reconcile the receivable lines of this order's payments with its posted invoices' (Odoo's
        own reconciliation, account by account)."""
        self.ensure_one()
        # Credit notes (refunds) and refund payments are reconciled the same way, receivable by receivable.
        invoices = (sale.invoice_ids | self._refund_credit_notes()).filtered(
            lambda move: move.state == "posted" and move.move_type in ("out_invoice", "out_refund"))
        payments = self.transaction_ids.payment_id.filtered(lambda payment: payment.move_id.state == "posted")
        if not invoices or not payments:
            return
        self._link_payments(invoices)
        lines = (invoices.line_ids | payments.move_id.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            and line.parent_state == "posted")
        for account in lines.account_id:
            account_lines = lines.filtered(lambda line, account=account: line.account_id == account)
            balances = account_lines.mapped("balance")
            if any(balance > 0 for balance in balances) and any(balance < 0 for balance in balances):
                account_lines.reconcile()

    def _link_payments(self, invoices):
        """Name on each payment of this order the posted invoices or credit note it pays
        (account.payment.invoice_ids), as Odoo's payment providers and its payment wizard do: a
        sale or capture pays the order's invoices, a refund the credit note of its refund. The
        invoice's Payments button then lists them, and without the Accounting app (Odoo's
        `_compute_state`) a payment is Paid once what it pays is, instead of In Process for good.

        :param invoices: the order's posted invoices and credit notes.
        """
        self.ensure_one()
        sold = invoices.filtered(lambda move: move.move_type == "out_invoice")
        for transaction in self.transaction_ids.filtered("payment_id"):
            payment = transaction.payment_id
            if payment.payment_type == "inbound":
                paid = sold
            else:
                paid = invoices.filtered(
                    lambda move, refund=transaction.refund_external_id: move.move_type == "out_refund"
                    and refund and move.store_refund_external_id == refund)
            missing = paid - payment.invoice_ids
            if missing:
                payment.invoice_ids = [Command.link(move.id) for move in missing]
