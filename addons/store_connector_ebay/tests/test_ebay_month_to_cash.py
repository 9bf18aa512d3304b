"""A month of eBay orders to cash, end to end against the eBay simulator (issue #14).

Thirty days of a seller's eBay month go through the real pipeline: the scheduled pull (the cron, the
sync.job queue as its runner runs it, getOrders windows), signed ORDER_CONFIRMATION notifications
through Odoo's HTTP server, the payment workflow (invoice and payment per eBay payment), refunds as
credit notes with refund payments, and eBay's payouts read from the Finances API by the payouts job,
each a bank statement matched line by line. Then the books must say what eBay says: the trial balance,
account by account, equals the figures of the simulator's own records (its orders and the Finances
API's transactions and payouts).

The month holds:

* 28 orders paid online (no tax, tax eBay collects and remits, tax the seller collects, shipping, a
  promotion, several lines), the simulator's clock moving through the month while Odoo pulls;
* an order paid later: eBay has no cash on delivery on its US marketplace (its offline methods,
  e.g. CASH_ON_PICKUP, are for local pickup), so the case becomes an order whose payment is PENDING
  at checkout and goes through days later: a quotation without invoice until eBay reports it paid,
  then invoice and payment;
* no partly paid order: eBay takes the whole order's payment at checkout (one payment per order, no
  authorization or partial capture for the seller to see); the money arriving later is a sale whose
  funds eBay holds out of one payout and pays with the next;
* a partial refund (one unit of a line with its eBay-collected tax, before shipping: the unit comes
  off the order, so it stays in stock) and a full refund (the whole line of an order whose tax the
  seller collected: the credit note gives the tax back);
* duplicate events: a notification eBay publishes again (same notificationId), two notifications
  for one order (eBay sends one per line item), and the pull reading those orders again: exactly one
  payment per eBay payment;
* a shipping label and an ad fee charged by eBay, and four payouts covering every sale, refund and
  fee of the month.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo.addons.store_connector_base.tests.common import run_queue

from .test_ebay_e2e_orders import EbayOrdersE2ECase

ZERO = Decimal(0)
CENT = Decimal("0.01")
TAX = "0.0825"
MUG, PLATE = "EB-MUG", "EB-PLATE"


def value(money):
    return Decimal(money["value"]) if money else ZERO


def seller_tax(order):
    """The tax the seller collects on an eBay order: what the lines' taxes list beyond eBay's."""
    total = ZERO
    for line in order["lineItems"]:
        ebay = [(t["taxType"], value(t["amount"])) for t in line.get("ebayCollectAndRemitTaxes") or []]
        for tax in line.get("taxes") or []:
            key = (tax["taxType"], value(tax["amount"]))
            if key in ebay:
                ebay.remove(key)
            else:
                total += key[1]
    return total


class TestEbayMonthToCash(EbayOrdersE2ECase):
    def setUp(self):
        super().setUp()
        company = self.store.company_id
        self.balance_journal = self.env["account.journal"].create({
            "name": "eBay Balance", "code": "EBAL", "type": "bank", "company_id": company.id,
        })
        # eBay holds the buyers' money until it pays out: the payments and the payouts on one journal.
        self.store.write({
            "payment_workflow": True,
            "refund_policy": "credit_note",
            "payment_journal_id": self.balance_journal.id,
            "payout_journal_id": self.balance_journal.id,
        })
        self.fee_account = self.store.payout_fee_account_id
        self.transfer_account = company.transfer_account_id
        self.assertTrue(self.fee_account and self.transfer_account)
        self.store._ebay_ensure_notification_endpoint()
        # The month starts 31 days ago on eBay's clock; Odoo's clock is today's.
        self.month_start = self.sim.clock.now() - timedelta(days=31)
        self.sim.advance(-31 * 86400)
        self.orders = []  # every eBay order id of the month

    # ------------------------------------------------------------------ the month's helpers
    def on_day(self, day, hour=9):
        """Move eBay's clock to `hour` o'clock of the month's `day` (never backwards)."""
        target = self.month_start.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=day)
        delta = (target - self.sim.clock.now()).total_seconds()
        self.assertGreater(delta, 0, f"day {day} {hour}h is in eBay's past")
        self.sim.advance(delta)

    def order(self, lines, **options):
        """A buyer checks out on eBay now (lines: (sku, quantity, unit price[, discount]))."""
        self.sim.advance(600)
        order = self.sim.add_order([
            dict({"sku": sku, "quantity": quantity, "price": price},
                 **({"discount": rest[0]} if rest else {}))
            for sku, quantity, price, *rest in lines
        ], **options)
        self.orders.append(order["orderId"])
        return order

    def notify(self, order_id):
        """eBay's signed ORDER_CONFIRMATION of the order, to the store's endpoint (Odoo's server)."""
        self.env.flush_all()
        [result] = self.sim.notification.deliver(
            "ORDER_CONFIRMATION", {"orderId": order_id}, url=self.store.ebay_notification_endpoint)
        self.assertIn(result["status"], (200, 201, 202, 204), result)
        return result

    def pay_out(self, **options):
        """eBay's payout run now, then Odoo's daily payouts cron and the queue."""
        payout = self.sim.pay_out(**options)
        self.assertTrue(payout, "eBay pays out what the seller is due")
        jobs = self.env["connector.store"]._cron_import_payouts()
        self.assertIn(self.store, jobs.store_id)
        run_queue(self.env, self.store)
        return payout

    def trial_balance(self):
        """{account: balance} of the company's posted journal items."""
        groups = self.env["account.move.line"]._read_group(
            [("company_id", "=", self.store.company_id.id), ("parent_state", "=", "posted")],
            ["account_id"], ["balance:sum"])
        return {account: balance for account, balance in groups}

    # ------------------------------------------------------------------ the month
    def live_the_month(self):
        """The month on eBay and in Odoo; returns what the test asserts on."""
        sim = self.sim
        month = {}
        # Week 1.
        self.on_day(1)
        self.order([(MUG, 2, "9.90")], buyer="ann_lee", shipping_cost="4.50")
        self.order([(PLATE, 1, "30.00")], buyer="bob_smith", ebay_collected_tax=TAX)
        month["partial"] = self.order([(MUG, 2, "9.90"), (PLATE, 1, "30.00")], buyer="carl_w",
                                      ebay_collected_tax=TAX, shipping_cost="5.00")
        self.on_day(2)
        month["full"] = self.order([(MUG, 1, "9.90")], buyer="dora_k", seller_tax=TAX)
        self.order([(MUG, 3, "9.90", "2.00")], buyer="erin_p")
        month["later"] = self.order([(PLATE, 2, "30.00")], buyer="fred_q", payment_status="PENDING",
                                    shipping_cost="6.00")
        self.on_day(3)
        self.order([(PLATE, 1, "30.00"), (MUG, 1, "9.90")], buyer="gina_r", ebay_collected_tax=TAX)
        self.pull()
        later = self.binding(month["later"]["orderId"]).order_id
        self.assertEqual(later.state, "draft", "a payment pending on eBay: a quotation")
        self.assertFalse(later.invoice_ids)
        # Day 4: two orders arrive by eBay's notifications; one is published twice, the other has two
        # lines and so two notifications.
        self.on_day(4)
        month["notified"] = self.order([(MUG, 1, "9.90")], buyer="hank_s", ebay_collected_tax=TAX)
        first = self.notify(month["notified"]["orderId"])
        month["two_lines"] = self.order([(MUG, 1, "9.90"), (PLATE, 1, "30.00")], buyer="ivy_t")
        self.notify(month["two_lines"]["orderId"])
        self.notify(month["two_lines"]["orderId"])
        run_queue(self.env, self.store)
        self.assertTrue(self.binding(month["notified"]["orderId"]).order_id.invoice_ids)
        self.env.flush_all()
        [again] = sim.notification.republish(first["notificationId"])
        self.assertEqual((again["status"], again["notificationId"]), (200, first["notificationId"]))
        month["republished"] = first["notificationId"]
        run_queue(self.env, self.store)
        self.on_day(5)
        self.order([(MUG, 4, "9.90")], buyer="ann_lee", seller_tax=TAX, shipping_cost="4.50")
        self.order([(PLATE, 1, "30.00")], buyer="jack_u")
        self.on_day(6)
        month["held"] = self.order([(PLATE, 3, "30.00")], buyer="kate_v", ebay_collected_tax=TAX)
        self.pull()  # reads the notified orders again too
        # Day 7: eBay holds the funds of the newest sale; the rest is paid out.
        self.on_day(7)
        month["payouts"] = [self.pay_out(hold=(month["held"]["orderId"],))]

        # Week 2.
        self.on_day(8)
        # The buyer of the three-line order cancels one mug before shipping: refunded with its tax.
        line = month["partial"]["lineItems"][0]
        unit = (value(line["total"]) - value(line["deliveryCost"]["shippingCost"])) / line["quantity"]
        month["unit_refund"] = sim.refund_order(month["partial"]["orderId"], str(unit.quantize(CENT)),
                                                line_item_id=line["lineItemId"], reason="Buyer cancelled")
        self.order([(MUG, 1, "9.90")], buyer="liam_w", shipping_cost="3.95")
        self.on_day(9)
        sim.complete_payment(month["later"]["orderId"])
        self.order([(PLATE, 2, "30.00", "5.00")], buyer="mia_x", ebay_collected_tax=TAX)
        self.pull()
        self.on_day(10)
        month["label"] = sim.finances.add_charge(
            "SHIPPING_LABEL", "7.50", memo="USPS label", order_id=month["partial"]["orderId"])
        self.order([(MUG, 2, "9.90")], buyer="noah_y", seller_tax=TAX)
        self.on_day(11)
        self.order([(MUG, 1, "9.90"), (PLATE, 1, "30.00")], buyer="olga_z", shipping_cost="8.00")
        self.on_day(12)
        self.order([(PLATE, 1, "30.00")], buyer="bob_smith", ebay_collected_tax=TAX, shipping_cost="5.00")
        self.on_day(13)
        self.order([(MUG, 5, "9.90")], buyer="pete_a")
        self.pull()
        self.on_day(14)
        month["payouts"].append(self.pay_out())

        # Week 3.
        self.on_day(15)
        self.order([(MUG, 2, "9.90")], buyer="quinn_b", ebay_collected_tax=TAX, shipping_cost="4.50")
        self.on_day(16)
        # The whole line of an order whose tax the seller collected: the buyer gets everything back.
        [line] = month["full"]["lineItems"]
        month["full_refund"] = sim.refund_order(month["full"]["orderId"], line["total"]["value"],
                                                line_item_id=line["lineItemId"], reason="Not as described")
        self.order([(PLATE, 1, "30.00")], buyer="rose_c", seller_tax=TAX)
        self.on_day(17)
        self.order([(MUG, 1, "9.90")], buyer="sam_d")
        self.pull()
        self.on_day(18)
        self.order([(PLATE, 2, "30.00"), (MUG, 2, "9.90")], buyer="tina_e", ebay_collected_tax=TAX,
                   shipping_cost="9.00")
        self.on_day(19)
        month["ad_fee"] = sim.finances.add_charge("NON_SALE_CHARGE", "3.25", fee_type="AD_FEE",
                                                  memo="Promoted listings")
        self.order([(MUG, 3, "9.90")], buyer="ugo_f", ebay_collected_tax=TAX)
        self.on_day(20)
        self.order([(PLATE, 1, "30.00")], buyer="vera_g", shipping_cost="5.00")
        self.pull()
        self.on_day(21)
        month["payouts"].append(self.pay_out())

        # Week 4.
        self.on_day(22)
        self.order([(MUG, 2, "9.90")], buyer="walt_h", seller_tax=TAX)
        self.on_day(23)
        self.order([(PLATE, 1, "30.00"), (MUG, 1, "9.90", "1.00")], buyer="xena_i", ebay_collected_tax=TAX)
        self.on_day(25)
        self.order([(PLATE, 1, "30.00")], buyer="yuri_j", ebay_collected_tax=TAX, shipping_cost="6.50")
        self.pull()
        self.on_day(26)
        self.order([(MUG, 6, "9.90")], buyer="zoe_k", shipping_cost="7.00")
        self.on_day(27)
        self.order([(PLATE, 2, "30.00")], buyer="carl_w", seller_tax=TAX)
        self.on_day(28)
        self.order([(MUG, 1, "9.90"), (PLATE, 1, "30.00")], buyer="dora_k", ebay_collected_tax=TAX)
        self.pull()
        self.on_day(30)
        month["payouts"].append(self.pay_out())
        return month

    def test_month_to_cash(self):
        before = self.trial_balance()
        month = self.live_the_month()
        sim = self.sim
        store = self.store
        orders = [sim.order(order_id) for order_id in self.orders]
        self.assertEqual(len(orders), 30)
        bindings = self.env["store.order.binding"].search([("store_id", "=", store.id)])
        self.assertEqual(sorted(bindings.mapped("external_id")), sorted(self.orders))
        sales = bindings.order_id
        jobs = self.env["sync.job"].search([("store_id", "=", store.id)])
        self.assertFalse(jobs.filtered(lambda job: job.state == "failed").mapped("last_error"))
        self.assertFalse(jobs.filtered(lambda job: job.state in ("pending", "processing")))

        # ---------------------------------------------------------- invoices and credit notes
        invoices = sales.invoice_ids.filtered(lambda move: move.move_type == "out_invoice")
        self.assertEqual(len(invoices), 30, "every order of the month is paid: one invoice each")
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        for binding in bindings:
            invoice = binding.order_id.invoice_ids.filtered(lambda move: move.move_type == "out_invoice")
            self.assertEqual(len(invoice), 1, binding.external_id)
            self.assertEqual(invoice.amount_total, binding.platform_total, binding.external_id)
        credit_notes = self.env["account.move"].search([("store_refund_store_id", "=", store.id)])
        self.assertEqual(len(credit_notes), 2)
        self.assertEqual(set(credit_notes.mapped("state")), {"posted"})
        self.assertEqual(set(credit_notes.mapped("move_type")), {"out_refund"})
        refunds = {credit.store_refund_external_id: credit for credit in credit_notes}
        unit_credit = refunds[month["unit_refund"]["refundId"]]
        self.assertEqual(unit_credit.amount_total, 9.90, "one mug, without the tax eBay gives back")
        self.assertEqual(unit_credit.amount_tax, 0.0)
        full_credit = refunds[month["full_refund"]["refundId"]]
        full_invoice = self.binding(month["full"]["orderId"]).order_id.invoice_ids.filtered(
            lambda move: move.move_type == "out_invoice")
        self.assertEqual((full_credit.amount_untaxed, full_credit.amount_tax),
                         (full_invoice.amount_untaxed, full_invoice.amount_tax),
                         "the whole order back, with the tax the seller collected")
        self.assertEqual(full_credit.reversed_entry_id, full_invoice)
        # Paid: each invoice by its payment, each credit note by its refund payment.
        self.assertEqual(set((invoices | credit_notes).mapped("payment_state")), {"paid"})
        self.assertEqual(set((invoices | credit_notes).mapped("amount_residual")), {0.0})
        # The refunded units were not shipped: they came off the orders, so they stay in stock.
        partial_sale = self.binding(month["partial"]["orderId"]).order_id
        mug_line = partial_sale.order_line.filtered(lambda line: line.product_id == self.mug)
        self.assertEqual((mug_line.product_uom_qty, mug_line.qty_invoiced), (1, 1))
        self.assertEqual(sum(mug_line.move_ids.filtered(lambda m: m.state != "cancel")
                             .mapped("product_uom_qty")), 1)
        full_line = self.binding(month["full"]["orderId"]).order_id.order_line.filtered(
            lambda line: line.product_id == self.mug)
        self.assertEqual((full_line.product_uom_qty, full_line.qty_invoiced), (0, 0))

        # ---------------------------------------------------------- the order paid later
        later = self.binding(month["later"]["orderId"])
        self.assertEqual(later.order_id.state, "sale")
        [later_payment] = later.transaction_ids.payment_id
        self.assertEqual(later_payment.date, (self.month_start + timedelta(days=9)).date(),
                         "dated when eBay took the money, not when the order was placed")

        # ---------------------------------------------------------- payments: one per eBay payment
        transactions = self.env["store.order.transaction"].search([("store_id", "=", store.id)])
        sale_transactions = transactions.filtered(lambda t: t.kind == "sale")
        refund_transactions = transactions.filtered(lambda t: t.kind == "refund")
        ebay_payments = {p["paymentReferenceId"] for o in orders for p in o["paymentSummary"]["payments"]}
        self.assertEqual(set(sale_transactions.mapped("external_id")), ebay_payments)
        self.assertEqual(len(sale_transactions), 30)
        self.assertEqual(set(refund_transactions.mapped("external_id")),
                         {month["unit_refund"]["refundId"], month["full_refund"]["refundId"]})
        payments = transactions.payment_id
        self.assertEqual(len(payments), 32)
        self.assertEqual(len(payments.filtered(lambda p: p.payment_type == "inbound")), 30)
        self.assertEqual(sorted(payments.filtered(lambda p: p.payment_type == "outbound").mapped("amount")),
                         [9.90, 10.72])
        # Posted ("In Process" until Odoo links an invoice to them: see the base's payment tests).
        self.assertFalse(payments.filtered(lambda p: p.state not in ("in_process", "paid")))
        self.assertEqual(set(payments.move_id.mapped("state")), {"posted"})
        self.assertTrue(all(payments.mapped("is_matched")), "every payment is matched with a payout line")
        self.assertEqual(set(payments.journal_id.mapped("id")), {self.balance_journal.id})
        # The duplicate events: one delivery of the republished notification, two of the two-line
        # order's notifications; each of those orders has one payment.
        deliveries = self.env["store.webhook.delivery"].search([("store_id", "=", store.id)])
        self.assertEqual(len(deliveries), 3)
        self.assertEqual(len(deliveries.filtered(lambda d: d.event_id == month["republished"])), 1)
        for key in ("notified", "two_lines"):
            binding = self.binding(month[key]["orderId"])
            self.assertEqual(len(binding.transaction_ids), 1)
            self.assertEqual(len(binding.transaction_ids.payment_id), 1)

        # ---------------------------------------------------------- payouts
        payouts = self.env["store.payout"].search([("store_id", "=", store.id)])
        self.assertEqual(sorted(payouts.mapped("external_id")),
                         sorted(payout["payoutId"] for payout in month["payouts"]))
        self.assertEqual(set(payouts.mapped("state")), {"reconciled"})
        self.assertEqual(set(payouts.mapped("status")), {"paid"})
        for payout in payouts:
            ebay = sim.finances.payout(payout.external_id)
            self.assertEqual(payout.amount, float(value(ebay["amount"])))
            self.assertEqual(len(payout.line_ids), ebay["transactionCount"])
            self.assertAlmostEqual(payout.fees_total, float(value(ebay["totalFee"])) + sum(
                -line.amount for line in payout.line_ids if line.line_type == "fee"), places=2)
            self.assertEqual(payout.transfer_line_id.amount, -payout.amount)
        lines = payouts.line_ids
        self.assertEqual(set(lines.filtered(lambda line: line.line_type in ("charge", "refund"))
                             .mapped("state")), {"matched"})
        self.assertEqual(set(lines.filtered(lambda line: line.line_type == "fee").mapped("state")),
                         {"booked"})
        self.assertEqual(lines.payment_id, payments)
        held = lines.filtered(lambda line: line.platform_order_id == month["held"]["orderId"])
        self.assertEqual(held.payout_id.external_id, month["payouts"][1]["payoutId"],
                         "the held sale is paid out with the next payout")
        statement_lines = payouts.statement_id.line_ids
        self.assertTrue(all(statement_lines.mapped("is_reconciled")))

        # ---------------------------------------------------------- the trial balance
        totals = sim.finances.totals()
        self.assertEqual(totals["unpaid"], ZERO, "every transaction of the month was paid out")
        paid = [o for o in orders if o["orderPaymentStatus"] != "PENDING"]
        self.assertEqual(len(paid), 30)
        sold_tax = sum((seller_tax(o) for o in paid), ZERO)
        sold = totals["sales"] - totals["ebay_collected_tax"]  # goods, shipping and the seller's tax
        refund_tax = ZERO  # the seller's tax in what was refunded (eBay gives its own tax back)
        for transaction in sim.finances.transactions.values():
            if transaction["transactionType"] == "REFUND":
                order = sim.order(transaction["orderId"])
                refund_tax += (seller_tax(order) * value(transaction["amount"])
                               / value(order["pricingSummary"]["total"])).quantize(CENT)
        self.assertGreater(totals["ebay_collected_tax"], 0)
        self.assertGreater(sold_tax, 0)
        self.assertGreater(refund_tax, 0)
        after = self.trial_balance()
        moved = {account: after.get(account, 0.0) - before.get(account, 0.0)
                 for account in set(after) | set(before)}
        moved = {account: round(balance, 2) for account, balance in moved.items() if round(balance, 2)}
        by_kind = defaultdict(float)
        tax_accounts = self.env["account.move.line"].search([
            ("move_id", "in", (invoices | credit_notes).ids), ("tax_line_id", "!=", False)]).account_id
        for account, balance in moved.items():
            if account.account_type in ("income", "income_other"):
                by_kind["income"] += balance
            elif account in tax_accounts:
                by_kind["tax"] += balance
            elif account == self.fee_account:
                by_kind["fees"] += balance
            elif account == self.transfer_account:
                by_kind["paid_out"] += balance
            else:
                by_kind[account.display_name] += balance
        expected = {
            # sold and refunded, net of tax: income (a credit)
            "income": -float(sold - sold_tax - (totals["refunds"] - refund_tax)),
            # the tax the seller collected, less what the refunds gave back
            "tax": -float(sold_tax - refund_tax),
            # eBay's fees on the sales, the shipping label and the ad fee
            "fees": float(totals["fees"] + totals["charges"]),
            # what eBay sent to the seller's bank
            "paid_out": float(totals["paid_out"]),
        }
        self.assertEqual({kind: round(balance, 2) for kind, balance in by_kind.items()}, expected,
                         "nothing else moved: receivables, eBay's balance, outstanding and suspense "
                         "accounts are all settled")
        self.assertEqual(totals["fees"] + totals["charges"],
                         sum(value(p["totalFee"]) for p in month["payouts"]) + Decimal("10.75"))
        # Receivables: every customer of the store is settled.
        partners = sales.partner_invoice_id.commercial_partner_id
        receivable = self.env["account.move.line"].search([
            ("partner_id", "in", partners.ids), ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable")])
        self.assertTrue(receivable)
        self.assertFalse(receivable.filtered(lambda line: not line.reconciled))
        self.assertAlmostEqual(sum(receivable.mapped("balance")), 0.0, places=2)
