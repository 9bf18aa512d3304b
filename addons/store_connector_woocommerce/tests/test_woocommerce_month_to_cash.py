"""A month of WooCommerce orders to cash, end to end against the simulator (issue #14, "order to
cash"): orders placed and paid over thirty days reach Odoo by signed webhooks (order.created, then
order.updated once paid) through Odoo's real HTTP intake, the sync.job queue runs them as the runner
does, the store's payment workflow and its refund policy "credit note" are on; a pull of every order
ends the month. Then the company's trial balance must say what the shop says it sold, refunded and was
paid.

WooCommerce has no payouts: the payment provider (Stripe, PayPal) pays the merchant, and the gateway's
mapping (store.payment.method.map) puts each payment on its journal; nor does WooCommerce know the
provider's fees. So the trial balance covers what was sold (income net of tax, the tax on the tax
account), refunded (credit notes), paid (the payment journals' outstanding accounts, refunds paid back
on the outgoing one) and what is still receivable, with no fee and no payout account.

The month (the shop's dates spread over thirty days with `set_date`):

* orders paid online in full through Stripe and PayPal (placed pending, then paid), one with a
  coupon, one paid by bank transfer days after it was placed;
* WooCommerce core has no partial payment: an order is paid in full (`date_paid`) or not at all. The
  nearest is Stripe's "authorize now, capture later": the order waits on-hold with its charge id
  authorized, the merchant takes a line out (out of stock) and captures less than was authorized.
  Until the capture nothing is paid in Odoo: a quotation, no invoice; then one payment of what was
  captured and an invoice of that total;
* cash on delivery: shipped from Odoo (the delivery validated), invoiced then, the cash registered by
  hand with Odoo's Register Payment wizard; a second one shipped at the end of the month whose cash has
  not come in yet: the only thing left receivable;
* a refund through Stripe of one unit and the shipping of a shipped order, restocked (a credit note, a
  refund payment, the unit returned to stock), and a full refund through PayPal of an order not shipped;
* the payment webhook of an order delivered twice, and every order pulled again at the end: one payment
  per transaction id, one credit note per refund;
* orders never paid (a bank transfer still on-hold, an abandoned checkout): nothing in the books.

The expected figures are computed from the simulator's records (its orders and refunds), never from
Odoo's.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from odoo.tests import tagged

from .e2e_common import WooCommerceE2ECase

CENTS = Decimal("0.01")
PRICES = {"MC-MUG": "12.50", "MC-CAP": "18.00", "MC-TEE": "22.00", "MC-POSTER": "9.00", "MC-BOTTLE": "15.00"}
GATEWAYS = {"stripe": "Credit Card (Stripe)", "ppcp-gateway": "PayPal", "bacs": "Direct bank transfer",
            "cod": "Cash on delivery"}
FLAT_RATE = [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}]
BUYERS = [
    ("Ana", "Lima", "ana.lima@example.com"),
    ("Ben", "Okafor", "ben.okafor@example.com"),
    ("Chloe", "Martin", "chloe.martin@example.com"),
    ("Dev", "Patel", "dev.patel@example.com"),
    ("Eva", "Novak", "eva.novak@example.com"),
    ("Femi", "Adeyemi", "femi.adeyemi@example.com"),
]


def money(value):
    return Decimal(str(value)).quantize(CENTS)


@tagged("post_install", "-at_install")
class TestWooCommerceMonthToCash(WooCommerceE2ECase):
    def setUp(self):
        super().setUp()
        self.company = self.store.company_id
        self.warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        self.store.write({"warehouse_id": self.warehouse.id, "payment_workflow": True,
                          "refund_policy": "credit_note", "order_auto_confirm": True})
        self.odoo_products = self.products(list(PRICES))
        for sku, price in PRICES.items():
            self.env["stock.quant"]._update_available_quantity(
                self.odoo_products[sku], self.warehouse.lot_stock_id, 100)
            self.sim.add_product(sku.title(), sku=sku, regular_price=price, stock_quantity=100, emit=False)
        self.bank = self.store.payment_journal_id
        self.cash = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "cash")], limit=1)
        self.assertTrue(self.bank and self.cash, "the company has a bank and a cash journal")
        # The month ends yesterday: every date of it is in the past, as a month closed.
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.month_start = today - timedelta(days=31)
        self.shop_time = None
        self.placed = []  # every order id of the month, in order
        self.cod_shipped = set()
        self.books_before = self.trial_balance()

    # ------------------------------------------------------------------ the shop's month
    def at(self, when):
        """What happens next in the shop happens at `when` (the month goes forward)."""
        self.assertTrue(self.shop_time is None or when > self.shop_time, "the month goes forward")
        self.shop_time = when
        self.sim.set_date(when)

    def on(self, day, hour=10, minute=0):
        """What happens next in the shop happens on `day` of the month at hour:minute."""
        self.at(self.month_start + timedelta(days=day, hours=hour, minutes=minute))

    def on_day(self, day):
        """On `day` at 10:00, or half an hour after what happened last that day."""
        when = self.month_start + timedelta(days=day, hours=10)
        self.at(max(when, self.shop_time + timedelta(minutes=30)) if self.shop_time else when)

    def sync(self, expected=True):
        """The shop's pending webhooks delivered to Odoo's intake (at least one when `expected`),
        every one accepted, then the queue run."""
        results = self.deliver() if expected else self.sim.flush_webhooks()
        self.assertTrue(all(result["ok"] for result in results), results)
        self.run_jobs()
        return results

    def place(self, day, gateway, lines, buyer=0, status="pending", **values):
        """An order placed at checkout on `day` (pending until paid, as WooCommerce places it)."""
        self.on_day(day)
        first, last, email = BUYERS[buyer % len(BUYERS)]
        billing = {"first_name": first, "last_name": last, "email": email, "country": "US",
                   "address_1": f"{day + 1} Month Street", "city": "Springfield", "postcode": "62701"}
        order = self.sim.add_order(
            [{"sku": sku, "quantity": quantity} for sku, quantity in lines], status=status, tax_rate="0.2",
            billing=billing, shipping=billing, shipping_lines=FLAT_RATE, payment_method=gateway,
            payment_method_title=GATEWAYS[gateway], **values)
        self.placed.append(order["id"])
        self.sync()
        return order

    def pay(self, order, charge_id="", **changes):
        """Five minutes later the gateway confirms the payment: processing, with its charge id (none
        for a bank transfer: its status is the payment)."""
        self.at(self.shop_time + timedelta(minutes=5))
        paid = self.sim.update_order(order["id"], status="processing", transaction_id=charge_id, **changes)
        results = self.sync()
        return paid, results

    def sell_online(self, day, gateway, lines, buyer, charge_id, **values):
        """An order placed on `day` (a quotation, nothing paid), then paid online by `charge_id`."""
        order = self.place(day, gateway, lines, buyer=buyer, **values)
        binding = self.binding(order["id"])
        self.assertEqual((binding.order_id.state, binding.transaction_ids.ids), ("draft", []),
                         "placed, not paid: a quotation without transaction")
        paid, _results = self.pay(order, charge_id)
        return paid

    def ship(self, order_id):
        """The merchant ships the whole order from Odoo (the delivery validated)."""
        sale = self.binding(order_id).order_id
        picking = sale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing" and p.state != "done")
        self.assertEqual(len(picking), 1, f"order {order_id} has one delivery to ship")
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")
        if self.sim.order(order_id)["payment_method"] == "cod":
            self.cod_shipped.add(order_id)
        # The workflow (cash on delivery: the invoice) and the fulfillment sent to WooCommerce.
        self.run_jobs()
        return picking

    def refund(self, order, lines, shipping, reason):
        """A refund through the order's gateway from WooCommerce's admin, restocked: `lines`
        [(sku, quantity)] at their price with their tax, the shipping with its tax when `shipping`."""
        woo = self.sim.order(order["id"])
        rate_id = woo["tax_lines"][0]["rate_id"]
        items = []
        for sku, quantity in lines:
            line = next(item for item in woo["line_items"] if item["sku"] == sku)
            net = money(Decimal(line["total"]) * quantity / line["quantity"])
            tax = money(Decimal(line["total_tax"]) * quantity / line["quantity"])
            items.append({"id": line["id"], "quantity": quantity, "refund_total": str(net),
                          "refund_tax": [{"id": rate_id, "refund_total": str(tax)}]})
        if shipping:
            ship = woo["shipping_lines"][0]
            items.append({"id": ship["id"], "refund_total": ship["total"],
                          "refund_tax": [{"id": rate_id, "refund_total": ship["total_tax"]}]})
        refund = self.sim.add_refund(order["id"], reason=reason, restock=True, api_refund=True,
                                     line_items=items)
        self.sync()
        return refund

    # ------------------------------------------------------------------ the books
    def trial_balance(self):
        """{account: debit - credit} of the company's posted journal items."""
        groups = self.env["account.move.line"]._read_group(
            [("company_id", "=", self.company.id), ("parent_state", "=", "posted")],
            ["account_id"], ["balance:sum"])
        return {account: money(balance) for account, balance in groups}

    def month_books(self):
        """What the month moved on each account (the trial balance less what was there before)."""
        after = self.trial_balance()
        moved = {account: after.get(account, Decimal(0)) - self.books_before.get(account, Decimal(0))
                 for account in set(after) | set(self.books_before)}
        return {account.code: balance for account, balance in moved.items() if balance}

    def outstanding_account(self, journal, payment_type):
        """The account a payment of `journal` is booked on until matched with the bank (Odoo's rule)."""
        lines = journal.inbound_payment_method_line_ids if payment_type == "inbound" \
            else journal.outbound_payment_method_line_ids
        return lines[:1].payment_account_id or self.env["account.payment"].with_company(
            self.company)._get_outstanding_account(payment_type)

    def sold(self):
        """The orders sold in the month: paid on WooCommerce (`date_paid`), and cash on delivery
        shipped (invoiced at shipping, paid when the courier brings the cash)."""
        return [order_id for order_id in self.placed if self.sim.order(order_id)["date_paid_gmt"]
                or order_id in self.cod_shipped]

    def expected_books(self, sold_tax, cash_registered):
        """The month's trial balance from the simulator's records: each order sold, its lines and
        shipping (income net of tax, tax), its refunds' lines and shipping, the money the gateways
        received and sent back, the cash registered by hand, and what WooCommerce says is not paid
        yet (receivable)."""
        shipping = self.env.ref("store_connector_base.product_store_shipping")
        income = {sku: product.product_tmpl_id.get_product_accounts()["income"]
                  for sku, product in self.odoo_products.items()}
        shipping_income = shipping.product_tmpl_id.get_product_accounts()["income"]
        tax_account = sold_tax.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax").account_id
        refund_tax_account = sold_tax.refund_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax").account_id
        receivable = self.binding(self.placed[0]).order_id.partner_invoice_id.property_account_receivable_id
        books = defaultdict(Decimal)
        for order_id in self.sold():
            woo = self.sim.order(order_id)
            for line in woo["line_items"]:
                books[income[line["sku"]]] -= Decimal(line["total"])
                books[tax_account] -= Decimal(line["total_tax"])
            for ship in woo["shipping_lines"]:
                books[shipping_income] -= Decimal(ship["total"])
                books[tax_account] -= Decimal(ship["total_tax"])
            cod = woo["payment_method"] == "cod"
            if not woo["date_paid_gmt"] or (cod and order_id not in cash_registered):
                books[receivable] += Decimal(woo["total"])
            elif cod:
                books[self.outstanding_account(self.cash, "inbound")] += Decimal(woo["total"])
            else:
                books[self.outstanding_account(self.bank, "inbound")] += Decimal(woo["total"])
            for refund in self.sim.refunds(order_id):
                # Refund items carry negative totals.
                for line in refund["line_items"]:
                    books[income[line["sku"]]] -= Decimal(line["total"])
                    books[refund_tax_account] -= Decimal(line["total_tax"])
                for ship in refund["shipping_lines"]:
                    books[shipping_income] -= Decimal(ship["total"])
                    books[refund_tax_account] -= Decimal(ship["total_tax"])
                self.assertTrue(refund["refunded_payment"], "the month's refunds went back by the gateway")
                books[self.outstanding_account(self.bank, "outbound")] -= Decimal(refund["amount"])
        return {account.code: money(balance) for account, balance in books.items() if balance}

    # ------------------------------------------------------------------ the test
    def test_a_month_of_orders_ends_with_the_books_the_shop_states(self):
        self.register()
        charges = iter(f"ch_3QMonth{n:04d}" for n in range(1, 100))
        captures = iter(f"7MC{n:04d}PAYPALCAP" for n in range(1, 100))

        def charge(gateway):
            return next(charges) if gateway == "stripe" else next(captures)

        online = {}

        def sell(day, gateway, lines, buyer, **values):
            order = self.sell_online(day, gateway, lines, buyer, charge(gateway), **values)
            online[order["id"]] = order
            return order

        # Week 1: paid orders; the first is shipped, then a unit and the shipping are refunded.
        chipped = sell(0, "stripe", [("MC-MUG", 2), ("MC-CAP", 1)], 0)
        sell(1, "ppcp-gateway", [("MC-TEE", 1)], 1)
        coupon = sell(1, "stripe", [("MC-POSTER", 3)], 2, coupons=[{"code": "WELCOME10", "percent": "10"}])
        self.assertEqual(coupon["discount_total"], "2.70")
        self.on(2, hour=15)
        shipped = self.ship(chipped["id"])
        self.sync(expected=False)  # what WooCommerce announces of what Odoo sent
        self.assertEqual(self.sim.order(chipped["id"])["status"], "processing",
                         "shipped: still processing (the store's status mapping), until delivered")
        self.assertTrue([note for note in self.sim.notes(chipped["id"]) if note["customer_note"]],
                        "the shipment told to the customer")
        sell(2, "stripe", [("MC-BOTTLE", 1), ("MC-MUG", 1)], 3)
        sell(3, "ppcp-gateway", [("MC-CAP", 2)], 4)
        sell(4, "stripe", [("MC-TEE", 2), ("MC-POSTER", 1)], 5)
        self.on(5, hour=9)
        refund_chipped = self.refund(chipped, [("MC-MUG", 1)], shipping=True, reason="Mug chipped")
        self.assertEqual(refund_chipped["amount"], "21.00", "12.50 + 5.00 shipping, with 20% tax")

        # A bank transfer placed on day 5 arrives on day 8.
        transfer = self.place(5, "bacs", [("MC-MUG", 1)], buyer=0, status="on-hold")
        sell(6, "stripe", [("MC-BOTTLE", 2)], 1)

        # Authorized on day 7, a line taken out on day 8, captured (less) on day 9.
        authorized = self.place(7, "stripe", [("MC-TEE", 1), ("MC-POSTER", 2)], buyer=2, status="on-hold",
                                transaction_id=charge("stripe"),
                                meta_data=[{"key": "_stripe_charge_captured", "value": "no"}])
        auth_binding = self.binding(authorized["id"])
        self.assertEqual((auth_binding.order_id.state, auth_binding.order_id.invoice_ids.ids), ("draft", []),
                         "authorized only: a quotation, not invoiced")
        self.assertFalse(auth_binding.transaction_ids, "an authorization is not a payment")
        self.on(8, hour=9)
        poster = next(line for line in authorized["line_items"] if line["sku"] == "MC-POSTER")
        edited = self.sim.update_order(authorized["id"], line_items=[{"id": poster["id"], "quantity": 0}])
        self.sync()
        self.assertLess(Decimal(edited["total"]), Decimal(authorized["total"]))
        self.assertEqual(f"{auth_binding.order_id.amount_total:.2f}", edited["total"],
                         "the quotation follows the order edited on WooCommerce")
        self.assertEqual(auth_binding.order_id.order_line.filtered(lambda line: not line.is_delivery)
                         .product_id.mapped("default_code"), ["MC-TEE"])
        self.on(8, hour=16)
        self.pay(transfer)  # the bank transfer arrived: processing, paid by its status
        self.on(9, hour=11)
        captured, _results = self.pay(authorized, authorized["transaction_id"],
                                      meta_data=[{"key": "_stripe_charge_captured", "value": "yes"}])
        online[transfer["id"]] = self.sim.order(transfer["id"])
        online[authorized["id"]] = captured

        sell(9, "ppcp-gateway", [("MC-MUG", 3)], 3)
        sell(10, "stripe", [("MC-CAP", 1), ("MC-TEE", 1)], 4)

        # Cash on delivery: placed on day 11, shipped on day 13; delivered on day 14: the merchant
        # completes it on WooCommerce and registers the cash the courier brought in Odoo.
        cod = self.place(11, "cod", [("MC-BOTTLE", 1), ("MC-MUG", 2)], buyer=5, status="processing")
        cod_sale = self.binding(cod["id"]).order_id
        self.assertEqual((cod_sale.state, cod_sale.invoice_ids.ids), ("sale", []),
                         "cash on delivery: confirmed, invoiced once shipped")
        cancelled = sell(12, "ppcp-gateway", [("MC-POSTER", 1)], 0)
        self.on(13, hour=14)
        self.ship(cod["id"])
        cod_invoice = cod_sale.invoice_ids
        self.assertEqual(len(cod_invoice), 1, "shipped: invoiced")
        self.assertEqual((cod_invoice.state, cod_invoice.payment_state, f"{cod_invoice.amount_total:.2f}"),
                         ("posted", "not_paid", cod["total"]))
        self.sync(expected=False)
        self.assertFalse(self.binding(cod["id"]).transaction_ids, "shipped, not paid yet")
        sell(13, "stripe", [("MC-MUG", 1), ("MC-CAP", 1)], 1)
        self.on(14, hour=16)
        self.sim.update_order(cod["id"], status="completed")
        self.sync()
        [cod_transaction] = self.binding(cod["id"]).transaction_ids
        self.assertEqual((cod_transaction.external_id, cod_transaction.state, cod_transaction.payment_id.ids),
                         (f"{cod['id']}-paid", "skipped", []), "the cash is registered by hand")
        self.on(14, hour=17)
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cod_invoice.ids).create({
                "journal_id": self.cash.id, "payment_date": self.shop_time.date()})
        self.assertEqual(f"{wizard.amount:.2f}", cod["total"], "the wizard proposes what is due")
        wizard.action_create_payments()
        self.assertIn(cod_invoice.payment_state, ("paid", "in_payment"))

        # The payment webhook of day 14 is delivered twice.
        duplicated = self.place(14, "stripe", [("MC-TEE", 1)], buyer=2)
        self.sim.duplicate_rate = 1.0
        duplicated, results = self.pay(duplicated, charge("stripe"))
        self.sim.duplicate_rate = 0.0
        twice = [result for result in results if result["topic"] == "order.updated"
                 and result["resource_id"] == duplicated["id"]]
        self.assertEqual([result["duplicate"] for result in twice], [False, True])
        self.assertEqual(twice[0]["body"], twice[1]["body"], "the same event, delivered twice")
        online[duplicated["id"]] = duplicated

        # Day 15: the PayPal order of day 12, not shipped yet, is refunded in full.
        self.on(15, hour=9)
        refund_cancelled = self.refund(cancelled, [("MC-POSTER", 1)], shipping=True, reason="Cancelled")
        self.assertEqual(refund_cancelled["amount"], cancelled["total"])
        self.assertEqual(self.sim.order(cancelled["id"])["status"], "refunded")

        sell(16, "ppcp-gateway", [("MC-BOTTLE", 1), ("MC-POSTER", 1)], 3)
        sell(17, "stripe", [("MC-CAP", 3)], 4)
        sell(18, "stripe", [("MC-MUG", 2)], 5)
        sell(19, "ppcp-gateway", [("MC-TEE", 1), ("MC-BOTTLE", 1)], 0)
        sell(20, "stripe", [("MC-POSTER", 4)], 1)
        sell(21, "stripe", [("MC-CAP", 1)], 2)
        abandoned = self.place(22, "stripe", [("MC-MUG", 1)], buyer=3)
        sell(23, "ppcp-gateway", [("MC-TEE", 2)], 4)
        cod_late = self.place(24, "cod", [("MC-CAP", 1)], buyer=1, status="processing")
        unpaid_transfer = self.place(25, "bacs", [("MC-BOTTLE", 2)], buyer=5, status="on-hold")
        self.on(26, hour=14)
        self.ship(cod_late["id"])  # on its way: the courier brings the cash next month
        self.sync(expected=False)
        sell(27, "stripe", [("MC-MUG", 1), ("MC-TEE", 1)], 0)
        sell(28, "stripe", [("MC-BOTTLE", 1)], 2)

        # Day 30: every order pulled again after a note on each (imported again, the workflow run again).
        self.on(30, hour=8)
        for order_id in self.placed:
            self.sim.update_order(order_id, emit=False, customer_note="Checked at month end")
        self.store.order_import_cursor = False
        self.env["connector.store"]._cron_pull_orders()
        self.run_jobs()
        self.assertEqual({self.binding(order_id).last_payload["note"] for order_id in self.placed},
                         {"Checked at month end"}, "every order was imported again")

        self.assert_month(online, cod, cod_late, (transfer, authorized, captured),
                          (chipped, refund_chipped, shipped), (cancelled, refund_cancelled),
                          (abandoned, unpaid_transfer))

    # ------------------------------------------------------------------ what the month ends with
    def assert_month(self, online, cod, cod_late, capture, chipped, cancelled, unpaid):
        self.assertEqual(len(self.placed), 27)
        failed = self.env["sync.job"].search([("store_id", "=", self.store.id), ("state", "=", "failed")])
        self.assertEqual([(job.operation, job.last_error) for job in failed], [], "no job failed")
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("state", "=", "pending")]))
        Move = self.env["account.move"]
        sales = self.env["sale.order"].browse(
            [self.binding(order_id).order_id.id for order_id in self.placed])
        paid_ids = [order_id for order_id in self.placed if self.sim.order(order_id)["date_paid_gmt"]]
        self.assertEqual(len(paid_ids), 24, "all but the transfer never paid, the abandoned checkout and "
                                            "the cash on delivery on its way")
        sold = self.sold()
        self.assertEqual(set(sold), set(paid_ids) | {cod_late["id"]})
        self.assertEqual(set(self.placed) - set(sold), {order["id"] for order in unpaid})

        # Invoices: one per order sold, posted, of WooCommerce's total; all paid but the late cash.
        for order_id in self.placed:
            woo = self.sim.order(order_id)
            sale = self.binding(order_id).order_id
            invoices = sale.invoice_ids.filtered(lambda move: move.move_type == "out_invoice")
            with self.subTest(order=order_id, status=woo["status"], gateway=woo["payment_method"]):
                if order_id not in sold:
                    self.assertFalse(invoices, "not paid: not invoiced")
                    self.assertEqual(sale.state, "draft", "not paid: a quotation")
                    self.assertFalse(self.binding(order_id).transaction_ids)
                    continue
                self.assertEqual(len(invoices), 1)
                self.assertEqual((invoices.state, f"{invoices.amount_total:.2f}"), ("posted", woo["total"]))
                expected_state = ("not_paid",) if order_id == cod_late["id"] else ("paid", "in_payment")
                self.assertIn(invoices.payment_state, expected_state)
        invoices = Move.search([("move_type", "=", "out_invoice"), ("invoice_line_ids.sale_line_ids.order_id",
                                                                    "in", sales.ids)])
        self.assertEqual(len(invoices), 25)

        # Payments: one per transaction id that moved money online, posted, of the transaction's amount.
        transactions = self.env["store.order.transaction"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(transactions.mapped("external_id")), len(transactions), "one record per id")
        sales_paid = transactions.filtered(lambda t: t.kind == "sale")
        self.assertEqual(len(sales_paid), len(paid_ids), "a sale transaction per order paid on WooCommerce")
        online_paid = sales_paid.filtered(lambda t: t.gateway != "cod")
        self.assertEqual(sorted(online_paid.mapped("external_id")),
                         sorted(self.sim.order(order_id)["transaction_id"] or f"{order_id}-paid"
                                for order_id in online))
        for transaction in online_paid:
            payment = transaction.payment_id
            self.assertEqual(len(payment), 1)
            self.assertEqual((payment.payment_type, payment.amount, payment.journal_id, transaction.state),
                             ("inbound", transaction.amount, self.bank, "paid"))
            self.assertIn(payment.state, ("in_process", "paid"))
            self.assertEqual(payment.date, transaction.processed_at.date(), "dated when WooCommerce was paid")
        self.assertEqual(sales_paid.filtered(lambda t: t.gateway == "cod").mapped("state"), ["skipped"],
                         "the cash on delivery completed on WooCommerce: registered by hand")
        inbound = self.env["account.payment"].search([("partner_type", "=", "customer"),
                                                      ("payment_type", "=", "inbound"),
                                                      ("state", "!=", "draft"),
                                                      ("partner_id", "in", sales.partner_invoice_id.ids)])
        self.assertEqual(len(inbound), len(online) + 1, "one per online payment, and the cash by hand")
        self.assertEqual(inbound - online_paid.payment_id,
                         inbound.filtered(lambda payment: payment.journal_id == self.cash))

        # The order authorized then captured for less: one payment of the captured total.
        transfer, authorized, captured = capture
        [auth_transaction] = self.binding(authorized["id"]).transaction_ids
        self.assertEqual((auth_transaction.external_id, f"{auth_transaction.payment_id.amount:.2f}"),
                         (authorized["transaction_id"], captured["total"]))
        self.assertLess(Decimal(captured["total"]), Decimal(authorized["total"]))
        [transfer_transaction] = self.binding(transfer["id"]).transaction_ids
        self.assertEqual(transfer_transaction.external_id, f"{transfer['id']}-paid")

        # Credit notes: one per refund, posted, of the refund's amount, paid back by its refund payment.
        credit_notes = Move.search([("store_refund_store_id", "=", self.store.id)])
        self.assertEqual(len(credit_notes), 2)
        for order, refund, *_rest in (chipped, cancelled):
            credit = credit_notes.filtered(lambda move, refund=refund: move.store_refund_external_id
                                           == str(refund["id"]))
            self.assertEqual((credit.move_type, credit.state, f"{credit.amount_total:.2f}"),
                             ("out_refund", "posted", refund["amount"]))
            self.assertIn(credit.payment_state, ("paid", "in_payment"))
            refund_transaction = self.binding(order["id"]).transaction_ids.filtered(
                lambda transaction: transaction.kind == "refund")
            self.assertEqual((refund_transaction.external_id, refund_transaction.payment_id.payment_type,
                              f"{refund_transaction.payment_id.amount:.2f}"),
                             (f"{refund['id']}-refund", "outbound", refund["amount"]))
        outbound = self.env["account.payment"].search([("payment_type", "=", "outbound"),
                                                       ("partner_id", "in", sales.partner_invoice_id.ids)])
        self.assertEqual(len(outbound), 2)

        # The chipped mug and the shipping: credited on their lines; the unit came back to stock.
        chipped_order, refund_chipped, shipped = chipped
        chipped_credit = credit_notes.filtered(lambda move: move.store_refund_external_id
                                               == str(refund_chipped["id"]))
        mug = self.odoo_products["MC-MUG"]
        self.assertEqual(
            chipped_credit.invoice_line_ids.filtered(lambda line: line.product_id == mug).quantity, 1)
        self.assertTrue(chipped_credit.invoice_line_ids.filtered(lambda line: line.sale_line_ids.is_delivery),
                        "the shipping refunded on the order's delivery line")
        returned = shipped.move_ids.returned_move_ids
        self.assertEqual((returned.product_id, returned.quantity, returned.state), (mug, 1.0, "done"))
        # The order refunded in full before shipping: nothing left to ship.
        cancelled_sale = self.binding(cancelled[0]["id"]).order_id
        self.assertFalse(cancelled_sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")),
                         "nothing of a refunded order is shipped")

        # Nothing paid twice, for the duplicated webhook above all: one payment per transaction id.
        payments_by_id = defaultdict(list)
        for transaction in transactions.filtered("payment_id"):
            payments_by_id[transaction.external_id].append(transaction.payment_id.id)
        self.assertTrue(all(len(ids) == 1 for ids in payments_by_id.values()))

        # The trial balance: what the simulator says was sold, refunded and paid, account by account.
        sold_tax = invoices.invoice_line_ids.tax_ids
        self.assertEqual(len(sold_tax), 1, "one tax rate in the shop")
        expected = self.expected_books(sold_tax, cash_registered={cod["id"]})
        self.assertEqual(self.month_books(), expected)
        receivable = self.binding(cod_late["id"]).order_id.partner_invoice_id.property_account_receivable_id
        self.assertEqual(expected[receivable.code], money(cod_late["total"]),
                         "still receivable: only the cash the courier has not brought in yet")
