"""Issue #14, Shopify end to end: a month of orders, from the checkout to the cash in the bank.

A shop on the Shopify simulator sells for thirty days; Odoo follows it as a merchant runs it: the
scheduled order pull and the daily payout import queue their jobs, the sync.job runner runs them
(the payment workflow, with refunds credited), the merchant ships from Odoo and takes a cash on
delivery payment by hand, and on the last day the store's webhooks, registered by the store itself,
are delivered signed over Odoo's HTTP route (one of them twice, and replayed). The month:

- paid orders online (Shopify Payments), most days, some with shipping, one with a discount code;
- an order authorized, captured in two parts (the second capture on the last day, by webhook);
- a cash on delivery order: confirmed and shipped in Odoo, invoiced by the delivery, paid by hand
  with Odoo's payment wizard (and marked paid in Shopify, which does not pay it a second time);
- a partial refund of a shipped order (a unit restocked, the shipping), and a full refund;
- a Shopify Payments adjustment, weekly payouts (the last one in transit, then paid);
- the same transaction event delivered again (a redelivery under a new webhook id), replayed by
  hand, and every order read again by a pull.

At the end, the books (the trial balance of the month's entries, account by account) are what
the simulator's own records say was sold, taxed, refunded, charged in fees, paid out and still
held by Shopify.

The simulator's clock runs the month in the past (its first day 30 days ago, the last one today),
so that the last day's webhooks are fresh for the intake (Shopify retries for 4 hours, older
deliveries are dropped as stale); Odoo's clock is the real one: invoices are dated the day they are
made, payments, credit notes and payout lines the day Shopify processed them.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from odoo.tests import Form, tagged

# The repository's tests/ package (pytest.ini puts the repository root first on the import path).
from tests.simulators.shopify.util import SimClock

from .common import ShopifySimulatorHttpCase

CENT = Decimal("0.01")
TAX_RATE = "0.15"  # the company's default sale tax: the orders' tax is the merchant's own 15%
SHIPPING = [{"title": "Standard", "price": "6.40"}]
COD = "Cash on Delivery (COD)"
PRODUCTS = {
    "MC-TEE": ("Month Tee", "24.00"),
    "MC-MUG": ("Month Mug", "12.40"),
    "MC-CAP": ("Month Cap", "19.90"),
}
# The baskets of the orders paid online on PAID_DAYS, in turn (every other one with shipping; the
# order of DISCOUNT_DAY with a 10% discount code).
BASKETS = [
    [("MC-TEE", 1)],
    [("MC-MUG", 2), ("MC-CAP", 1)],
    [("MC-CAP", 1)],
    [("MC-TEE", 2), ("MC-MUG", 1)],
]
PAID_DAYS = [1, 2, 3, 4, 6, 7, 8, 11, 13, 14, 16, 18, 19, 21, 22, 23, 26, 27, 28, 29]
DISCOUNT_DAY = 13
PAYOUT_DAYS = (7, 14, 21, 28)


def cents(value):
    return Decimal(str(value)).quantize(CENT)


@tagged("post_install", "-at_install")
class TestShopifyMonthToCash(ShopifySimulatorHttpCase):
    """One month of a Shopify shop through the whole pipeline (see the module docstring); the month
    is built once, each test checks a part of where it ended."""

    store_vals = {"payment_workflow": True, "refund_policy": "credit_note", "order_auto_confirm": True,
                  "allow_orders_push": True}

    @classmethod
    def setUpClass(cls):
        # The month ends today: its last day's events happen a few hours before the real now.
        today = datetime.now(UTC).replace(microsecond=0)
        cls.month_start = today - timedelta(days=29, hours=12)  # day d, hour h: month_start + d-1 days + h
        cls.sim_kwargs = {"clock": SimClock(start=cls.month_start)}
        super().setUpClass()
        cls.company = cls.env.company
        cls.aml_floor = cls.env["account.move.line"].search([], order="id desc", limit=1).id or 0
        cls.payout_journal = cls.env["account.journal"].create({
            "name": "Shopify Payments", "code": "SHPAY", "type": "bank", "company_id": cls.company.id})
        cls.cash_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "cash")], limit=1)
        # The clearing way (CONFIGURE, Payouts): Shopify Payments' payments on the payout journal.
        cls.store.write({"payment_journal_id": cls.payout_journal.id,
                         "payout_journal_id": cls.payout_journal.id})
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.store.warehouse_id = cls.warehouse
        cls.products = {}
        for sku, (name, price) in PRODUCTS.items():
            product = cls.env["product.product"].create(
                {"name": name, "default_code": sku, "list_price": float(price), "is_storable": True})
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, 100)
            cls.products[sku] = product
            cls.sim.add_product(name, variants=[{"sku": sku, "price": price, "inventory": 500}])
        cls.snapshots = {}
        cls.orders = {}  # name -> the simulator's order summary
        cls._live_month()

    # ------------------------------------------------------------------ the month
    @classmethod
    def _live_month(cls):
        basket = 0
        for day in range(1, 30):
            cls._goto(day, 9)
            if day in PAID_DAYS:
                lines = BASKETS[basket % len(BASKETS)]
                cls._order(f"paid-{day}", lines, shipping=basket % 2 == 0,
                           discount_codes=[{"code": "WELCOME10", "type": "percentage", "value": "10"}]
                           if day == DISCOUNT_DAY else None)
                basket += 1
            getattr(cls, f"_day_{day}", lambda: None)()
            if day in PAYOUT_DAYS:
                cls._goto(day, 10)
                cls.sim.pay_out(status="IN_TRANSIT" if day == PAYOUT_DAYS[-1] else "PAID")
            cls._goto(day, 11)
            cls._scheduled_runs()
            getattr(cls, f"_after_day_{day}", lambda: None)()
        cls._last_day()

    @classmethod
    def _day_5(cls):
        cls._order("refunded-in-part", [("MC-TEE", 2), ("MC-CAP", 1)], shipping=True)

    @classmethod
    def _after_day_6(cls):
        # Shipped from Odoo: the delivery validated, the fulfillment goes to Shopify.
        cls._ship(cls._sale("refunded-in-part"))
        cls._run_queue()
        cls.snapshots["tees_after_shipping"] = cls._on_hand("MC-TEE")

    @classmethod
    def _day_9(cls):
        # A tee comes back (restocked) and the shipping is refunded.
        cls.sim.refund_order(cls.orders["refunded-in-part"]["id"], lines=[("MC-TEE", 1)], shipping=True,
                             note="One tee returned")

    @classmethod
    def _after_day_9(cls):
        cls.snapshots["tees_after_return"] = cls._on_hand("MC-TEE")

    @classmethod
    def _day_10(cls):
        cls._order("cod", [("MC-MUG", 3)], shipping=True, financial_status="PENDING", gateway=COD)

    @classmethod
    def _after_day_10(cls):
        sale = cls._sale("cod")
        cls.snapshots["cod_imported"] = {"state": sale.state, "invoices": len(sale.invoice_ids)}

    @classmethod
    def _after_day_11(cls):
        # The merchant confirms the cash on delivery order and ships it: the delivery invoices it.
        sale = cls._sale("cod")
        sale.action_confirm()
        cls._ship(sale)
        cls._run_queue()
        cls.snapshots["cod_shipped"] = {
            "invoices": [(move.state, move.move_type, move.payment_state, move.amount_total)
                         for move in sale.invoice_ids],
            "fulfillment_status": cls.sim.order(cls.orders["cod"]["id"])["fulfillment_status"],
        }

    @classmethod
    def _day_12(cls):
        # The courier brings the cash: the merchant marks the order paid in Shopify...
        cls.sim.mark_order_paid(cls.orders["cod"]["id"])

    @classmethod
    def _after_day_12(cls):
        # ... and registers the payment in Odoo with the payment wizard of the invoice.
        invoice = cls._sale("cod").invoice_ids
        wizard = Form(cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids))
        wizard.journal_id = cls.cash_journal
        wizard.payment_date = cls.sim.clock.now().date()
        wizard.save().action_create_payments()

    @classmethod
    def _day_15(cls):
        cls._order("refunded-in-full", [("MC-CAP", 2), ("MC-MUG", 1)], shipping=True)

    @classmethod
    def _day_17(cls):
        cls.sim.refund_order(cls.orders["refunded-in-full"]["id"], lines=[("MC-CAP", 2), ("MC-MUG", 1)],
                             shipping=True, note="Cancelled by the customer")

    @classmethod
    def _day_20(cls):
        cls.sim.payments_adjustment("-1.50", reason="Chargeback fee")

    @classmethod
    def _day_24(cls):
        cls._order("two-captures", [("MC-TEE", 1), ("MC-CAP", 2)], shipping=True,
                   financial_status="AUTHORIZED")

    @classmethod
    def _day_25(cls):
        cls.sim.capture_order(cls.orders["two-captures"]["id"], amount="30.00")

    @classmethod
    def _after_day_25(cls):
        binding = cls._binding("two-captures")
        sale = binding.order_id
        cls.snapshots["first_capture"] = {
            "state": sale.state,
            "invoices": len(sale.invoice_ids),
            "payments": [(p.amount, p.state) for p in binding.transaction_ids.payment_id],
        }

    @classmethod
    def _after_day_28(cls):
        payout = cls.env["store.payout"].search(
            [("store_id", "=", cls.store.id), ("external_id", "=", str(cls._last_payout_id()))])
        cls.snapshots["payout_in_transit"] = (payout.status, payout.state, bool(payout.transfer_line_id))
        cls.snapshots["payout_waiting_lines"] = [
            (line.platform_order_id, line.state_reason) for line in payout.line_ids if line.state == "open"]
        cls.snapshots["payout_lines"] = {line.platform_order_id: line.state for line in payout.line_ids
                                         if line.line_type == "charge"}

    @classmethod
    def _last_day(cls):
        """Day 30: the store registers its webhooks; the shop sells twice more and the second capture
        comes; Shopify delivers the transaction's event again; the merchant replays it; a pull reads
        every order again."""
        cls._goto(30, 8)
        cls.store.action_register_webhooks()
        cls._goto(30, 9)
        cls._order("webhook-1", [("MC-MUG", 1)], shipping=True)
        cls._order("webhook-2", [("MC-TEE", 1), ("MC-MUG", 1)])
        cls._goto(30, 10)
        capture = cls.sim.capture_order(cls.orders["two-captures"]["id"])
        cls.second_capture = capture
        cls.first_deliveries = cls.sim.flush_webhooks()
        cls._run_queue()
        event = next(result["event_id"] for result in cls.first_deliveries
                     if result["topic"] == "order_transactions/create"
                     and f"\"id\":{capture['legacy_id']}," in result["body"].decode())
        cls.duplicate_event = event
        cls.sim.redeliver_webhook(event)
        cls.redeliveries = cls.sim.flush_webhooks()
        cls._run_queue()
        delivery = cls.env["store.webhook.delivery"].search(
            [("store_id", "=", cls.store.id), ("event_id", "=", event)])
        delivery.action_replay()
        cls._run_queue()
        cls._goto(30, 10.5)
        cls.sim.set_payout_status(cls._last_payout_id(), "PAID")
        cls._goto(30, 11)
        cls._scheduled_runs()
        # Every order read again (a Full Sync's pull, as Recover or a merchant's re-import would).
        cls.store._enqueue_order_pull()
        cls._run_queue()

    # ------------------------------------------------------------------ helpers of the month
    @classmethod
    def _goto(cls, day, hour):
        moment = cls.month_start + timedelta(days=day - 1, hours=hour)
        step = (moment - cls.sim.clock.now()).total_seconds()
        assert step >= 0, f"the month goes forward (day {day}, {hour} h)"
        cls.sim.advance(step)

    @classmethod
    def _order(cls, name, lines, shipping=False, **kwargs):
        cls.sim.advance(60)
        cls.orders[name] = cls.sim.add_order(
            [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            email=f"{name}@example.com", tax_rate=TAX_RATE, shipping_lines=SHIPPING if shipping else None,
            **{key: value for key, value in kwargs.items() if value is not None})
        return cls.orders[name]

    @classmethod
    def _scheduled_runs(cls):
        """What the crons do in a day: the order pull and the payout import queue their jobs, and the
        runner runs them (and the jobs they queue: payments, fulfillments...)."""
        cls.env["connector.store"]._cron_pull_orders()
        cls.env["connector.store"]._cron_import_payouts()
        cls._run_queue()

    @classmethod
    def _run_queue(cls):
        cls.env.flush_all()
        return cls.env["sync.job"]._process_queue(store_ids=cls.store.ids, commit=False, time_limit=600)

    @classmethod
    def _binding(cls, name):
        return cls.env["store.order.binding"].search(
            [("store_id", "=", cls.store.id), ("external_id", "=", str(cls.orders[name]["legacy_id"]))])

    @classmethod
    def _sale(cls, name):
        return cls._binding(name).order_id

    @classmethod
    def _ship(cls, sale):
        """The merchant validates the order's delivery, everything ordered."""
        for picking in sale.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")):
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            picking.carrier_tracking_ref = f"TRACK-{sale.name}"
            result = picking.button_validate()
            assert result is True, result

    @classmethod
    def _on_hand(cls, sku):
        return cls.products[sku].with_context(location=cls.warehouse.lot_stock_id.id).qty_available

    @classmethod
    def _last_payout_id(cls):
        with cls.sim.store.lock:
            return max(cls.sim.store.payouts)

    # ------------------------------------------------------------------ reading the books
    def _sim_orders(self):
        return {name: self.sim.store.orders[summary["legacy_id"]] for name, summary in self.orders.items()}

    def _bindings(self):
        return self.env["store.order.binding"].search([("store_id", "=", self.store.id)])

    def _month_lines(self):
        return self.env["account.move.line"].search([
            ("company_id", "=", self.company.id), ("parent_state", "=", "posted"),
            ("id", ">", self.aml_floor)])

    def trial_balance(self):
        """{account code: balance (Decimal)} of the month's posted entries, zero balances left out."""
        totals = defaultdict(Decimal)
        for line in self._month_lines():
            totals[line.account_id.code] += cents(line.balance)
        return {code: balance for code, balance in totals.items() if balance}

    def simulator_figures(self):
        """What the simulator's own records (orders, refunds, transactions, Shopify Payments balance
        transactions and payouts) say the month was, in the merchant's words (Decimals):
        sold and refunded net of tax per SKU (and "shipping"), the tax of each, the money received
        and given back, what Shopify paid out (or has in transit) and kept in fees and adjustments."""
        figures = defaultdict(Decimal)
        sold, refunded = defaultdict(Decimal), defaultdict(Decimal)
        store = self.sim.store
        with store.lock:
            for order in store.orders.values():
                for line in order.line_items:
                    sold[line.sku] += line.price * line.quantity - line.discount_total
                    figures["tax sold"] += sum((t.price for t in line.tax_lines), Decimal(0))
                for ship in order.shipping_lines:
                    discount = sum((a for a, _i in ship.discount_allocations), Decimal(0))
                    sold["shipping"] += ship.price - discount
                    figures["tax sold"] += sum((t.price for t in ship.tax_lines), Decimal(0))
                figures["invoiced"] += order.total
            for refund in store.refunds.values():
                skus = {line.id: line.sku for line in store.orders[refund.order_id].line_items}
                for line in refund.lines:
                    refunded[skus[line["line_item_id"]]] += line["subtotal"]
                    figures["tax refunded"] += line["tax"]
                for ship in refund.shipping_lines:
                    refunded["shipping"] += ship["subtotal"]
                    figures["tax refunded"] += ship["tax"]
                figures["credited"] += refund.amount
            for txn in store.transactions.values():
                if txn.status == "SUCCESS" and txn.kind in ("SALE", "CAPTURE"):
                    figures["received"] += txn.amount
                elif txn.status == "SUCCESS" and txn.kind == "REFUND":
                    figures["given back"] += txn.amount
            for payout in store.payouts.values():
                for record in (store.balance_transactions[b] for b in payout.balance_transaction_ids):
                    key = {"CHARGE": "charges paid out", "REFUND": "refunds paid out",
                           "ADJUSTMENT": "adjustments"}.get(record.type)
                    if key:
                        figures[key] += record.amount
                        figures["fees"] += record.fee
                figures["paid out" if payout.status == "PAID" else "in transit"] += payout.net
        self.assertEqual(sum(refunded.values()) + figures["tax refunded"], figures["credited"],
                         "every refund of the month is of lines and shipping (no amount apart)")
        return figures, dict(sold), dict(refunded)

    def simulator_books(self):
        """The balances (debit +) the simulator's figures make on each account the store's
        configuration names: {account code: Decimal}, zero balances left out."""
        figures, sold, refunded = self.simulator_figures()
        company = self.company
        income = {sku: self._income_account(product) for sku, product in self.products.items()}
        income["shipping"] = self._income_account(self._shipping_product())
        # Odoo's outstanding accounts of payments (account.payment._get_outstanding_account).
        chart = self.env["account.chart.template"].with_company(company)
        receipts = chart.ref("account_journal_payment_debit_account_id")
        outgoing = chart.ref("account_journal_payment_credit_account_id")
        fees = self.store.payout_fee_account_id  # adjustments too: the store has no adjustment account
        books = defaultdict(Decimal)
        for key, amount in sold.items():
            books[income[key].code] -= amount - refunded.get(key, Decimal(0))
        books[self._tax_account().code] -= figures["tax sold"] - figures["tax refunded"]
        books[self._receivable_account().code] += (figures["invoiced"] - figures["credited"]
                                                  - figures["received"] + figures["given back"])
        # The payments wait on the outstanding accounts until a payout line clears them (the cash
        # on delivery's stays there: no bank statement of the cash in this test).
        books[receipts.code] += figures["received"] - figures["charges paid out"]
        books[outgoing.code] -= figures["given back"] + figures["refunds paid out"]
        books[fees.code] += figures["fees"] - figures["adjustments"]
        books[self.payout_journal.default_account_id.code] += figures["in transit"]
        books[company.transfer_account_id.code] += figures["paid out"]
        return {code: cents(balance) for code, balance in books.items() if cents(balance)}

    def _income_account(self, product):
        return product.product_tmpl_id.get_product_accounts()["income"]

    def _shipping_product(self):
        shipping = self._sale("paid-1").order_line.filtered("is_delivery")
        self.assertEqual(len(shipping), 1)
        return shipping.product_id

    def _tax_account(self):
        tax = self._sale("paid-1").order_line.tax_id
        self.assertEqual(len(tax), 1)
        return tax.invoice_repartition_line_ids.filtered(lambda r: r.repartition_type == "tax").account_id

    def _receivable_account(self):
        partners = self._bindings().order_id.partner_invoice_id.commercial_partner_id
        accounts = partners.mapped("property_account_receivable_id")
        self.assertEqual(len(accounts), 1)
        return accounts

    # ------------------------------------------------------------------ the tests
    def test_every_order_is_imported_invoiced_once_and_paid(self):
        sim_orders = self._sim_orders()
        self.assertEqual(len(sim_orders), 26)
        self.assertEqual(len(self._bindings()), len(sim_orders), "every order of the month is in Odoo")
        for name, order in sim_orders.items():
            sale = self._sale(name)
            invoices = sale.invoice_ids.filtered(lambda move: move.move_type == "out_invoice")
            self.assertEqual(invoices.mapped("state"), ["posted"], name)
            self.assertEqual(cents(invoices.amount_total), order.total, name)
            self.assertEqual(sale.state, "sale", name)
            expected = ("paid", "reversed") if name == "refunded-in-full" else ("paid",)
            self.assertIn(invoices.payment_state, expected, name)

    def test_one_payment_per_transaction(self):
        Transaction = self.env["store.order.transaction"]
        with self.sim.store.lock:
            transactions = list(self.sim.store.transactions.values())
        self.assertEqual(len(transactions), len(Transaction.search([("store_id", "=", self.store.id)])))
        charges = refunds = 0
        for txn in transactions:
            record = Transaction.search([("store_id", "=", self.store.id), ("external_id", "=", str(txn.id))])
            self.assertEqual(len(record), 1, txn)
            self.assertEqual((record.kind, record.status, cents(record.amount)),
                             (txn.kind.lower(), txn.status.lower(), txn.amount))
            paid_online = txn.status == "SUCCESS" and txn.gateway == "shopify_payments"
            if paid_online and txn.kind in ("SALE", "CAPTURE"):
                charges += 1
                # Paid: it names the invoice it pays, which is paid (Odoo without the Accounting app).
                self.assertEqual((record.payment_id.payment_type, record.payment_id.state,
                                  cents(record.payment_id.amount)), ("inbound", "paid", txn.amount))
                self.assertEqual(record.payment_id.invoice_ids, record.order_id.invoice_ids.filtered(
                    lambda move: move.move_type == "out_invoice"))
                self.assertEqual(record.payment_id.journal_id, self.payout_journal)
            elif paid_online and txn.kind == "REFUND":
                refunds += 1
                self.assertEqual((record.payment_id.payment_type, record.payment_id.state,
                                  cents(record.payment_id.amount)), ("outbound", "paid", txn.amount))
                self.assertEqual(record.payment_id.invoice_ids.store_refund_external_id, str(txn.refund_id))
            else:  # authorizations, the cash on delivery's pending and cash sales
                self.assertFalse(record.payment_id, (txn, record.state_reason))
                self.assertIn(record.state, ("skipped", "recorded"))
        self.assertEqual(charges, 24 + 2, "24 orders paid in one sale, one in two captures")
        self.assertEqual(refunds, 2)
        payments = self.env["account.payment"].search(
            [("company_id", "=", self.company.id), ("id", "in", self._month_lines().payment_id.ids)])
        self.assertEqual(len(payments), charges + refunds + 1, "and the cash on delivery, registered by hand")
        self.assertEqual(set(payments.mapped("state")), {"paid"})

    def test_order_paid_in_two_captures_is_invoiced_once_paid_in_full(self):
        first = self.snapshots["first_capture"]
        self.assertEqual(first["state"], "sale", "partly paid: the order stands (Shopify: processing)")
        self.assertEqual(first["invoices"], 0, "not invoiced before it is paid in full")
        self.assertEqual(first["payments"], [(30.0, "in_process")], "the first capture is paid already")
        binding = self._binding("two-captures")
        captures = binding.transaction_ids.filtered(lambda t: t.kind == "capture")
        self.assertEqual(len(captures), 2)
        self.assertEqual(len(captures.payment_id), 2)
        self.assertEqual(sorted(captures.payment_id.mapped("amount")),
                         sorted([30.0, float(self.second_capture["amount"])]))
        invoice = binding.order_id.invoice_ids
        self.assertEqual((invoice.state, invoice.payment_state), ("posted", "paid"))
        self.assertEqual(invoice._get_reconciled_payments(), captures.payment_id)

    def test_cash_on_delivery_is_invoiced_when_shipped_and_paid_by_hand(self):
        self.assertEqual(self.snapshots["cod_imported"], {"state": "draft", "invoices": 0},
                         "pending cash on delivery: a quotation")
        total = float(self._sim_orders()["cod"].total)
        self.assertEqual(self.snapshots["cod_shipped"]["invoices"],
                         [("posted", "out_invoice", "not_paid", total)], "the delivery invoiced it")
        self.assertEqual(self.snapshots["cod_shipped"]["fulfillment_status"], "FULFILLED",
                         "the shipment went to Shopify")
        binding = self._binding("cod")
        invoice = binding.order_id.invoice_ids
        payments = invoice._get_reconciled_payments()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual((len(payments), payments.journal_id, payments.amount),
                         (1, self.cash_journal, total), "the payment registered by hand, alone")
        cash = binding.transaction_ids.filtered(lambda t: t.kind == "sale" and t.status == "success")
        self.assertEqual(len(cash), 1, "the cash Shopify recorded reached Odoo")
        self.assertFalse(cash.payment_id, "and was not paid a second time")
        self.assertIn("register the payment by hand", cash.state_reason)

    def test_refunds_are_credited_restocked_and_paid_back(self):
        credit_notes = self.env["account.move"].search([("store_refund_store_id", "=", self.store.id)])
        self.assertEqual(len(credit_notes), 2)
        for name in ("refunded-in-part", "refunded-in-full"):
            order = self._sim_orders()[name]
            [refund_id] = order.refund_ids
            refund = self.sim.store.refunds[refund_id]
            note = credit_notes.filtered(lambda m, r=refund_id: m.store_refund_external_id == str(r))
            self.assertEqual((note.state, note.move_type, cents(note.amount_total)),
                             ("posted", "out_refund", refund.amount), name)
            self.assertEqual(note.payment_state, "paid", name)
            self.assertEqual(note.reversed_entry_id, self._sale(name).invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice"))
        partial = self._sale("refunded-in-part")
        returns = partial.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        self.assertEqual(returns.mapped("state"), ["done"], "the restocked tee came back")
        self.assertEqual(returns.move_ids.product_id, self.products["MC-TEE"])
        self.assertEqual(returns.move_ids.quantity, 1)
        self.assertEqual((self.snapshots["tees_after_shipping"], self.snapshots["tees_after_return"]),
                         (98, 99), "two tees shipped, one back in stock")
        [part] = self._sim_orders()["refunded-in-part"].refund_ids
        note = credit_notes.filtered(lambda m: m.store_refund_external_id == str(part))
        self.assertEqual(sorted(note.invoice_line_ids.mapped(lambda line: (line.product_id.default_code or "",
                                                                           line.quantity))),
                         sorted([("MC-TEE", 1), (self._shipping_product().default_code or "", 1)]),
                         "the tee and the shipping, with their tax")
        # Full refund of an order not shipped: nothing is left to deliver.
        full = self._sale("refunded-in-full")
        self.assertEqual(sum(full.order_line.filtered(lambda line: not line.is_delivery).mapped(
            "product_uom_qty")), 0)
        self.assertFalse(full.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")))

    def test_duplicate_transaction_event_pays_once(self):
        self.assertTrue(all(result["status"] == 200 for result in self.first_deliveries + self.redeliveries))
        self.assertEqual(len(self.redeliveries), 1)
        self.assertNotEqual(self.redeliveries[0]["webhook_id"], next(
            r["webhook_id"] for r in self.first_deliveries if r["event_id"] == self.duplicate_event))
        deliveries = self.env["store.webhook.delivery"].search(
            [("store_id", "=", self.store.id), ("event_id", "=", self.duplicate_event)])
        self.assertEqual(len(deliveries), 1, "the redelivery is the event Odoo has")
        self.assertEqual(deliveries.job_id.state, "done")
        self.assertEqual(deliveries.replay_ids.job_id.mapped("state"), ["done"], "replayed by the merchant")
        txn = self.env["store.order.transaction"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(self.second_capture["legacy_id"]))])
        self.assertEqual(len(txn), 1)
        self.assertEqual(len(txn.payment_id), 1)
        memo = f"%transaction {txn.external_id}"
        self.assertEqual(len(self.env["account.payment"].search([("memo", "like", memo)])), 1)
        for name in ("webhook-1", "webhook-2"):
            self.assertEqual(self._binding(name).transaction_ids.payment_id.mapped("state"), ["paid"], name)

    def test_payouts_are_imported_and_reconciled(self):
        Payout = self.env["store.payout"]
        with self.sim.store.lock:
            payouts = list(self.sim.store.payouts.values())
            lines = {p.id: [self.sim.store.balance_transactions[b] for b in p.balance_transaction_ids
                            if self.sim.store.balance_transactions[b].type != "TRANSFER"] for p in payouts}
            unpaid = self.sim.store.unpaid_balance_transactions()
        self.assertEqual(len(payouts), 4)
        self.assertEqual(len(Payout.search([("store_id", "=", self.store.id)])), 4)
        # The last payout, read the day it was issued (in transit: no transfer to the bank yet), held
        # the charge of an order imported by the same run, whose payment its import came before: the
        # order's payment job matched that line when it recorded the payment, the same day.
        self.assertEqual(self.snapshots["payout_in_transit"], ("in_transit", "imported", False))
        self.assertEqual(self.snapshots["payout_waiting_lines"], [])
        paid_28 = str(self.orders["paid-28"]["legacy_id"])
        self.assertEqual(self.snapshots["payout_lines"].get(paid_28), "matched")
        matched = self.env["account.payment"]
        for payout in payouts:
            record = Payout.search([("store_id", "=", self.store.id), ("external_id", "=", str(payout.id))])
            self.assertEqual((record.status, record.state, cents(record.amount)),
                             ("paid", "reconciled", payout.net), payout.id)
            self.assertEqual(cents(record.fees_total), sum((b.fee for b in lines[payout.id]), Decimal(0)))
            self.assertEqual(len(record.line_ids), len(lines[payout.id]))
            for line in record.line_ids:
                expected = "matched" if line.line_type in ("charge", "refund") else "booked"
                self.assertEqual(line.state, expected, (line.line_type, line.state_reason))
            matched |= record.line_ids.payment_id
            self.assertEqual(cents(record.transfer_line_id.amount), -payout.net)
        self.assertTrue(all(matched.mapped("is_matched")))
        self.assertEqual(len(matched), sum(1 for p in payouts for b in lines[p.id]
                                           if b.type in ("CHARGE", "REFUND")))
        # Still on the Shopify balance at the month's end: the charges of the last two days.
        self.assertEqual(sorted(b.type for b in unpaid), ["CHARGE"] * 4)
        waiting = self.env["store.order.transaction"].search(
            [("store_id", "=", self.store.id),
             ("external_id", "in", [str(b.order_transaction_id) for b in unpaid])])
        self.assertEqual(len(waiting.payment_id), 4)
        self.assertFalse(any(waiting.payment_id.mapped("is_matched")), "not paid out yet")

    def test_trial_balance_is_what_the_simulator_says(self):
        figures, sold, refunded = self.simulator_figures()
        balance = self.trial_balance()
        self.assertEqual(balance, self.simulator_books(), figures)
        # In the merchant's words, on the accounts of the store's configuration:
        sales = self._income_account(self.products["MC-TEE"]).code
        self.assertEqual(-balance[sales], sum(sold.values()) - sum(refunded.values()),
                         "sold less refunded, net of tax")
        self.assertEqual(-balance[self._tax_account().code], figures["tax sold"] - figures["tax refunded"])
        self.assertEqual(balance[self.store.payout_fee_account_id.code],
                         figures["fees"] - figures["adjustments"], "Shopify's fees and its chargeback fee")
        self.assertEqual(balance[self.company.transfer_account_id.code], figures["paid out"],
                         "on its way to the bank")
        self.assertNotIn(self.payout_journal.default_account_id.code, balance, "the payouts are all paid")
        # Still to come in: the cash on delivery (no cash statement here) and the charges Shopify has
        # not paid out yet (their payments wait on the outstanding receipts account).
        with self.sim.store.lock:
            unpaid = sum((b.amount for b in self.sim.store.unpaid_balance_transactions()), Decimal(0))
        receipts = self.env["account.chart.template"].with_company(self.company).ref(
            "account_journal_payment_debit_account_id")
        self.assertEqual(balance[receipts.code], unpaid + self._sim_orders()["cod"].total)
        self.assertGreater(unpaid, 0)
        receivable = self._receivable_account()
        self.assertNotIn(receivable.code, balance, "every order of the month is paid")
        self.assertTrue(all(self._month_lines().filtered(
            lambda line: line.account_id == receivable).mapped("reconciled")), "and reconciled")

    def test_no_job_failed_and_nobody_asked_to_act(self):
        jobs = self.env["sync.job"].search([("store_id", "=", self.store.id)])
        self.assertFalse(jobs.filtered(lambda job: job.state == "failed").mapped(
            lambda job: (job.operation, job.last_error)))
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertTrue({"orders.import", "orders.payments", "orders.fulfillment", "payouts.import"}
                        <= set(jobs.mapped("operation")))
        # Everything the month brought was handled: no to-do on any order (a refunded order is not
        # a return to refund by hand when its refund is credited).
        self.assertEqual(self._bindings().order_id.activity_ids.mapped("summary"), [])
