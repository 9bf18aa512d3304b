"""WooCommerce payments and refunds against the simulator (issue #14): a paid order's sale
transaction (Stripe's charge id; a bank transfer or cash on delivery paid by status, of a stable id
made from the order), none while unpaid; a refund read from ``/orders/<id>/refunds`` once (lines,
date, the refund transaction of the money the gateway sent back), not again on re-import; order.updated
webhooks after a payment or a refund; the payment workflow invoicing and paying the paid orders once,
and crediting and paying back the refund once."""

from odoo.tests import tagged

from odoo.addons.store_connector_base.services.normalized import normalize_order

from .e2e_common import DEMO_SKUS, WooCommerceE2ECase

GUEST = {"first_name": "Pia", "last_name": "Payer", "email": "pia.payer@example.com", "country": "US",
         "address_1": "2 Loopback Street", "city": "Springfield", "postcode": "00000"}
FLAT_RATE = [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}]
REFUNDS_PATH = "/wp-json/wc/v3/orders/{}/refunds"


class WooPaymentsCase(WooCommerceE2ECase):
    def setUp(self):
        super().setUp()
        self.odoo_products = self.products(["PAY-MUG", "PAY-CAP"])
        self.sim.add_product("Mug", sku="PAY-MUG", regular_price="12.50", stock_quantity=50, emit=False)
        self.sim.add_product("Cap", sku="PAY-CAP", regular_price="18.00", stock_quantity=50, emit=False)
        self.bank = self.store.payment_journal_id
        self.assertTrue(self.bank, "the store has a payment journal (the company's bank)")

    def place(self, method, status, transaction_id="", **values):
        titles = {"stripe": "Credit Card (Stripe)", "bacs": "Direct bank transfer", "cod": "Cash on delivery"}
        return self.sim.add_order(
            [{"sku": "PAY-MUG", "quantity": 2}, {"sku": "PAY-CAP", "quantity": 1}],
            status=status, tax_rate="0.2", billing=GUEST, shipping_lines=FLAT_RATE,
            payment_method=method, payment_method_title=titles[method], transaction_id=transaction_id,
            **values)

    def pulled(self, order_id):
        """The normalized order the adapter's pull gives for `order_id` (every order of the shop read)."""
        records = self.store._get_adapter()._import_orders(self.store, status="")["records"]
        found = [record for record in records if record["id"] == str(order_id)]
        self.assertEqual(len(found), 1, f"order {order_id} is pulled once")
        return found[0]

    def refund_reads(self, order_id):
        return [request for request in self.sim.requests
                if request["method"] == "GET" and request["path"] == REFUNDS_PATH.format(order_id)]

    def transactions(self, order_id):
        return self.binding(order_id).transaction_ids


@tagged("post_install", "-at_install")
class TestWooCommercePaymentMapping(WooPaymentsCase):
    def test_stripe_order_is_paid_by_its_charge_id(self):
        order = self.place("stripe", "processing", transaction_id="ch_3QpayStripe01")
        self.assertTrue(order["date_paid_gmt"])
        [transaction] = self.pulled(order["id"])["transactions"]
        self.assertEqual(transaction, {
            "id": "ch_3QpayStripe01", "kind": "sale", "status": "success", "gateway": "stripe",
            "amount": order["total"], "processed_at": order["date_paid_gmt"] + "Z"})

    def test_bank_transfer_is_paid_by_its_status_with_a_stable_id(self):
        order = self.place("bacs", "on-hold")
        self.assertEqual(self.pulled(order["id"])["transactions"], [], "on-hold: not paid yet")
        self.next_second()
        paid = self.sim.update_order(order["id"], status="processing")
        [transaction] = self.pulled(order["id"])["transactions"]
        self.assertEqual((transaction["id"], transaction["gateway"], transaction["amount"]),
                         (f"{order['id']}-paid", "bacs", paid["total"]))
        self.assertEqual(transaction["processed_at"], paid["date_paid_gmt"] + "Z")
        self.next_second()
        self.sim.update_order(order["id"], status="completed")
        self.assertEqual(self.pulled(order["id"])["transactions"], [transaction],
                         "the same id (and payment date) on every import")

    def test_cash_on_delivery_has_no_transaction_until_completed(self):
        order = self.place("cod", "processing")
        self.assertEqual(self.pulled(order["id"])["transactions"], [])
        self.next_second()
        self.sim.update_order(order["id"], status="completed")
        [transaction] = self.pulled(order["id"])["transactions"]
        self.assertEqual((transaction["id"], transaction["gateway"]), (f"{order['id']}-paid", "cod"))

    def test_partial_refund_with_restock_is_read_once_with_its_lines_and_refund_transaction(self):
        order = self.place("stripe", "processing", transaction_id="ch_3QpayRefund01")
        mug = next(line for line in order["line_items"] if line["sku"] == "PAY-MUG")
        rate_id = order["tax_lines"][0]["rate_id"]
        self.assertEqual(self.sim.stock("PAY-MUG"), 48)
        self.next_second()
        refund = self.sim.add_refund(
            order["id"], reason="Chipped", restock=True, api_refund=True,
            line_items=[{"id": mug["id"], "quantity": 1, "refund_total": "12.50",
                         "refund_tax": [{"id": rate_id, "refund_total": "2.50"}]}])
        self.assertEqual(self.sim.stock("PAY-MUG"), 49, "WooCommerce put the unit back")
        self.sim.reset_requests()
        normalized = self.pulled(order["id"])
        self.assertEqual(len(self.refund_reads(order["id"])), 1, "the new refund is read from WooCommerce")
        [mapped] = normalized["refunds"]
        self.assertEqual(mapped, {
            "id": str(refund["id"]), "amount": "15.00", "note": "Chipped",
            "created_at": refund["date_created_gmt"] + "Z",
            "lines": [{"line_id": str(mug["id"]), "sku": None, "quantity": "1", "amount": "12.50",
                       # api_restock is write-only: the order's line says what was restocked.
                       "restock": True}],
            "shipping": None, "restocked": None})
        sale, refund_transaction = normalized["transactions"]
        self.assertEqual(sale["id"], "ch_3QpayRefund01")
        self.assertEqual(refund_transaction, {
            "id": f"{refund['id']}-refund", "kind": "refund", "status": "success", "gateway": "stripe",
            "amount": "15.00", "processed_at": refund["date_created_gmt"] + "Z",
            "parent_id": "ch_3QpayRefund01", "refund_id": str(refund["id"])})

        # Imported, the refund is held by the order's binding: the next imports do not read it again
        # and give the same refund and transactions.
        self.store._import_order(normalized)
        self.sim.reset_requests()
        self.next_second()
        self.sim.update_order(order["id"], customer_note="Customer called")
        again = self.pulled(order["id"])
        self.assertEqual(self.refund_reads(order["id"]), [], "a refund read once is not read again")
        again, first = normalize_order(again), normalize_order(normalized)
        self.assertEqual(again["refunds"], first["refunds"])
        self.assertEqual(again["transactions"], first["transactions"])

    def test_refund_recorded_by_hand_gives_no_refund_transaction(self):
        order = self.place("bacs", "processing")
        refund = self.sim.add_refund(order["id"], amount="5.00", reason="Goodwill")
        normalized = self.pulled(order["id"])
        self.assertEqual([mapped["id"] for mapped in normalized["refunds"]], [str(refund["id"])])
        self.assertEqual(normalized["refunds"][0]["lines"], [], "an amount without lines")
        self.assertEqual([t["id"] for t in normalized["transactions"]], [f"{order['id']}-paid"],
                         "the bank transfer's money went back outside WooCommerce: no refund transaction")

    def test_no_payouts(self):
        self.assertIsNone(self.store._get_adapter()._fetch_payouts(self.store, None))


@tagged("post_install", "-at_install")
class TestWooCommercePaymentWorkflow(WooPaymentsCase):
    def test_webhooks_pay_the_paid_orders_once_and_credit_the_refund_once(self):
        self.assertTrue(self.store.payment_workflow)
        self.register()
        stripe = self.place("stripe", "processing", transaction_id="ch_3QpayFlow01")
        bank = self.place("bacs", "on-hold")
        cash = self.place("cod", "processing")
        self.deliver()
        self.run_jobs()
        stripe_sale = self.binding(stripe["id"]).order_id
        self.assertEqual(self.transactions(stripe["id"]).mapped("external_id"), ["ch_3QpayFlow01"])
        payment = self.transactions(stripe["id"]).payment_id
        self.assertEqual((f"{payment.amount:.2f}", payment.journal_id), (stripe["total"], self.bank))
        self.assertNotEqual(payment.state, "draft")
        invoice = stripe_sale.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual((invoice.state, f"{invoice.amount_total:.2f}"), ("posted", stripe["total"]))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "reconciled with the payment")
        for unpaid in (bank, cash):
            self.assertFalse(self.transactions(unpaid["id"]), f"{unpaid['payment_method']}: not paid yet")
            self.assertFalse(self.binding(unpaid["id"]).order_id.invoice_ids)

        # The bank transfer arrives (order.updated): paid by status, once.
        self.next_second()
        self.sim.update_order(bank["id"], status="processing")
        self.deliver()
        self.run_jobs()
        [bank_transaction] = self.transactions(bank["id"])
        self.assertEqual(bank_transaction.external_id, f"{bank['id']}-paid")
        self.assertTrue(bank_transaction.payment_id)
        self.assertEqual(self.binding(bank["id"]).order_id.invoice_ids.mapped("state"), ["posted"])

        # Cash on delivery completed: its payment is recorded (the gateway's mapping registers
        # cash by hand by default: recorded, no payment).
        self.next_second()
        self.sim.update_order(cash["id"], status="completed")
        self.deliver()
        self.run_jobs()
        [cash_transaction] = self.transactions(cash["id"])
        self.assertEqual((cash_transaction.external_id, cash_transaction.state),
                         (f"{cash['id']}-paid", "skipped"))

        # A refund through Stripe (order.updated): read with its lines, credited (the store's refund
        # policy: a credit note) and paid back through its refund transaction.
        self.next_second()
        mug = next(line for line in stripe["line_items"] if line["sku"] == "PAY-MUG")
        refund = self.sim.add_refund(
            stripe["id"], reason="Chipped", restock=True, api_refund=True,
            line_items=[{"id": mug["id"], "quantity": 1, "refund_total": "12.50",
                         "refund_tax": [{"id": stripe["tax_lines"][0]["rate_id"], "refund_total": "2.50"}]}])
        self.deliver()
        self.run_jobs()
        binding = self.binding(stripe["id"])
        self.assertIn(str(refund["id"]), binding.refund_ids_recorded)
        refund_transaction = self.transactions(stripe["id"]).filtered(lambda t: t.kind == "refund")
        self.assertEqual((refund_transaction.external_id, refund_transaction.amount),
                         (f"{refund['id']}-refund", 15.0))
        self.assertEqual(binding.last_payload["refunds"][0]["lines"][0]["line_id"], str(mug["id"]))
        credit = self.env["account.move"].search([("store_refund_store_id", "=", self.store.id),
                                                  ("store_refund_external_id", "=", str(refund["id"]))])
        self.assertEqual((credit.move_type, credit.state, f"{credit.amount_total:.2f}"),
                         ("out_refund", "posted", "15.00"))
        mug_product = self.odoo_products["PAY-MUG"]
        mug_lines = credit.invoice_line_ids.filtered(lambda line: line.product_id == mug_product)
        self.assertEqual(mug_lines.quantity, 1, "the refunded line, from the refund's _refunded_item_id")
        self.assertEqual((refund_transaction.payment_id.payment_type, refund_transaction.payment_id.amount),
                         ("outbound", 15.0), "the money Stripe sent back")
        credits = self.env["account.move"].search([("store_refund_store_id", "=", self.store.id)])

        # Everything pulled again: the same transactions, no second payment, no refund read again.
        payments = self.env["account.payment"].search([("journal_id", "=", self.bank.id)])
        counts = {order["id"]: len(self.transactions(order["id"])) for order in (stripe, bank, cash)}
        self.sim.reset_requests()
        self.next_second()
        for order in (stripe, bank, cash):
            self.sim.update_order(order["id"], customer_note="Checked")
        self.store.order_import_cursor = False
        self.env["connector.store"]._cron_pull_orders()
        self.run_jobs()
        self.assertEqual({self.binding(order["id"]).last_payload["note"] for order in (stripe, bank, cash)},
                         {"Checked"}, "the three orders were imported again")
        self.assertEqual({order["id"]: len(self.transactions(order["id"])) for order in (stripe, bank, cash)},
                         counts)
        self.assertEqual(self.env["account.payment"].search([("journal_id", "=", self.bank.id)]), payments,
                         "paid once")
        self.assertEqual(self.refund_reads(stripe["id"]), [])
        self.assertEqual(self.env["account.move"].search([("store_refund_store_id", "=", self.store.id)]),
                         credits, "credited once")


@tagged("post_install", "-at_install")
class TestWooCommercePaymentsDemoSeed(WooCommerceE2ECase):
    sim_options = {"seed": "demo"}

    def test_demo_orders_paid_and_credited_by_gateway_without_a_failed_job(self):
        products = self.products(list(DEMO_SKUS) + ["SINGLE-NO-SKU"])
        single = next(product for product in self.sim.store.products.values() if product["name"] == "Single")
        self.env["store.product.binding"].create({
            "store_id": self.store.id, "product_id": products["SINGLE-NO-SKU"].id,
            "external_product_id": str(single["id"])})
        self.store._enqueue_order_pull()
        self.run_jobs()
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("state", "=", "failed")]))
        for order_id in self.sim.seed_summary["orders"]:
            woo = self.sim.order(order_id)
            binding = self.binding(order_id)
            sales = binding.transaction_ids.filtered(lambda t: t.kind == "sale")
            with self.subTest(order=order_id, status=woo["status"], gateway=woo["payment_method"]):
                if woo["status"] in ("processing", "completed", "refunded") and woo["date_paid_gmt"]:
                    expected_id = woo["transaction_id"] or f"{order_id}-paid"
                    self.assertEqual(sales.mapped("external_id"), [expected_id])
                    if woo["payment_method"] != "cod":
                        self.assertTrue(sales.payment_id, "paid online: a payment")
                else:
                    self.assertFalse(sales, "not paid (yet)")
        # The first order is refunded in part through Stripe (one of two beanies): credited once, with
        # the beanie's line and the money Stripe sent back.
        partly = self.sim.order(self.sim.seed_summary["orders"][0])
        [refund] = partly["refunds"]
        credit = self.env["account.move"].search([("store_refund_store_id", "=", self.store.id),
                                                  ("store_refund_external_id", "=", str(refund["id"]))])
        self.assertEqual((credit.state, f"{credit.amount_total:.2f}"),
                         ("posted", f"{-float(refund['total']):.2f}"))
        self.assertIn(products["woo-beanie"], credit.invoice_line_ids.product_id)
        refund_transaction = self.binding(partly["id"]).transaction_ids.filtered(lambda t: t.kind == "refund")
        self.assertEqual(refund_transaction.external_id, f"{refund['id']}-refund")
        self.assertEqual(refund_transaction.payment_id.payment_type, "outbound")
