"""Refunds in accounting (issue #14, refunds): a platform refund becomes a posted credit note of what
was refunded and a refund payment on the gateway's journal, reconciled; the goods follow what the
platform restocked (store_order_binding_refunds.py, in the orders.payments job)."""

import importlib.util
from pathlib import Path

from odoo.addons.store_connector_test_platform.models.paid_orders import with_transactions

from .. import payment_const
from .common_orders import OrderPipelineCase, iso

OP = payment_const.OP_ORDER_PAYMENTS
MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.1.6.0" / "post-refund_policy.py"
LINES = [
    {"id": "l1", "sku": "MUG", "name": "Mug", "quantity": 2, "unit_price": "12.50"},
    {"id": "l2", "sku": "TEE", "name": "Tee", "quantity": 1, "unit_price": "20.00"},
]
SHIPPING = [{"id": "s1", "title": "Standard", "price": "5.00"}]


class RefundCase(OrderPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.order_auto_confirm = True
        cls.bank = cls.store.payment_journal_id
        assert cls.bank, "the test database's company has a bank journal"
        (cls.mug | cls.tee).write({"is_storable": True})
        cls.stock = cls.warehouse.lot_stock_id
        for product in (cls.mug, cls.tee):
            cls.env["stock.quant"]._update_available_quantity(product, cls.stock, 10)

    def paid_order(self, order_id, refunds=None, minutes=0, **extra):
        """The order as the test platform emits it, paid (one sale transaction) and with a refund
        transaction per refund (paid_orders.with_transactions)."""
        extra.setdefault("lines", LINES)
        order = self.make_order(order_id, updated=self.later(minutes), status="processing", paid=True,
                                **extra)
        if refunds is not None:
            order["refunds"] = refunds
        return with_transactions(order)

    def import_paid(self, order_id, **extra):
        self.import_orders([self.paid_order(order_id, **extra)])
        self.run_jobs()
        self.assertEqual(self.jobs(OP).mapped("state"), ["done"], self.jobs(OP).mapped("last_error"))
        return self.sale_of(order_id)

    def deliver(self, sale):
        picking = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.run_jobs()

    def refund(self, order_id, refunds, minutes=10, **extra):
        self.import_orders([self.paid_order(order_id, refunds=refunds, minutes=minutes, **extra)])
        self.run_jobs()
        return self.jobs(OP)[-1]

    def credit_notes(self, order_id):
        return self.env["account.move"].search([
            ("move_type", "=", "out_refund"), ("store_refund_store_id", "=", self.store.id),
            ("partner_id", "=", self.sale_of(order_id).partner_invoice_id.id)])

    def refund_payments(self, order_id):
        return self.binding_of(order_id).transaction_ids.filtered(lambda t: t.kind == "refund").payment_id

    def on_hand(self, product):
        return product.with_context(location=self.stock.id).qty_available


class TestRefundWorkflow(RefundCase):
    def test_partial_refund_of_one_line_with_restock(self):
        sale = self.import_paid("R100")
        self.deliver(sale)
        self.assertEqual(self.on_hand(self.mug), 8)
        job = self.refund("R100", [{"id": "R-1", "amount": "12.50", "created_at": iso(self.later(9)),
                                    "lines": [{"line_id": "l1", "quantity": 1, "restock": True}]}])
        self.assertEqual(job.state, "done", job.last_error)
        credit_note = self.credit_notes("R100")
        self.assertEqual(len(credit_note), 1)
        self.assertEqual((credit_note.state, credit_note.amount_total), ("posted", 12.5))
        self.assertEqual(credit_note.store_refund_external_id, "R-1")
        self.assertEqual(credit_note.reversed_entry_id, sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"))
        self.assertEqual(credit_note.invoice_line_ids.product_id, self.mug)
        self.assertEqual(credit_note.invoice_line_ids.quantity, 1)
        self.assertEqual(credit_note.invoice_date, self.later(9).date())
        self.assertEqual(job.result_summary,
                         f"Credited refund R-1 as {credit_note.name}. Recorded 1 refund payment.")
        payment = self.refund_payments("R100")
        self.assertEqual(len(payment), 1)
        self.assertEqual((payment.payment_type, payment.amount, payment.journal_id),
                         ("outbound", 12.5, self.bank))
        self.assertIn("R-1", payment.memo)
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"), "reconciled with its refund payment")
        returns = sale.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        self.assertEqual(len(returns), 1)
        self.assertEqual(returns.state, "done")
        self.assertEqual(returns.move_ids.quantity, 1)
        self.assertEqual(self.on_hand(self.mug), 9, "the restocked mug is back in stock")
        mug_line = sale.order_line.filtered(lambda line: line.product_id == self.mug)
        self.assertEqual(mug_line.qty_delivered, 1)

    def test_refund_not_restocked_moves_no_stock(self):
        sale = self.import_paid("R101")
        self.deliver(sale)
        self.refund("R101", [{"id": "R-2", "amount": "12.50", "restocked": False,
                              "lines": [{"line_id": "l1", "quantity": 1}]}])
        self.assertEqual(len(self.credit_notes("R101")), 1)
        self.assertFalse(sale.picking_ids.filtered(lambda p: p.picking_type_code == "incoming"))
        self.assertEqual(self.on_hand(self.mug), 8)

    def test_refund_of_units_not_shipped_lowers_the_ordered_quantity(self):
        sale = self.import_paid("R102")
        self.refund("R102", [{"id": "R-3", "amount": "12.50", "lines": [{"line_id": "l1", "quantity": 1}]}])
        mug_line = sale.order_line.filtered(lambda line: line.product_id == self.mug)
        self.assertEqual(mug_line.product_uom_qty, 1)
        delivery = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(sum(delivery.move_ids.filtered(lambda m: m.product_id == self.mug)
                             .mapped("product_uom_qty")), 1, "the refunded mug is not shipped")
        self.assertEqual(self.on_hand(self.mug), 10)

    def test_shipping_only_refund(self):
        sale = self.import_paid("R103", shipping_lines=SHIPPING)
        self.refund("R103", [{"id": "R-4", "amount": "5.00", "shipping": "5.00"}], shipping_lines=SHIPPING)
        credit_note = self.credit_notes("R103")
        self.assertEqual(credit_note.amount_total, 5.0)
        self.assertEqual(credit_note.invoice_line_ids.sale_line_ids, sale.order_line.filtered("is_delivery"))
        self.assertEqual(len(self.refund_payments("R103")), 1)

    def test_amount_not_tied_to_lines(self):
        self.import_paid("R104")
        self.refund("R104", [{"id": "R-5", "amount": "3.00", "note": "Goodwill"}])
        credit_note = self.credit_notes("R104")
        self.assertEqual(credit_note.amount_total, 3.0)
        line = credit_note.invoice_line_ids
        self.assertEqual((line.product_id, line.name, line.tax_ids.ids),
                         (self.env.ref("store_connector_base.product_store_refund"), "Goodwill", []))
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        # The store's own Refund Product is used when it names one.
        product = self.env["product.product"].create({"name": "Goodwill", "type": "service"})
        self.store.refund_product_id = product
        self.refund("R104", [{"id": "R-5", "amount": "3.00"}, {"id": "R-6", "amount": "1.00"}], minutes=20)
        self.assertEqual(self.credit_notes("R104").invoice_line_ids.product_id,
                         self.env.ref("store_connector_base.product_store_refund") | product)

    def test_line_and_the_rest_of_the_amount(self):
        self.import_paid("R105")
        self.refund("R105", [{"id": "R-7", "amount": "15.00", "lines": [{"line_id": "l2", "quantity": 1}],
                              "restocked": False}], minutes=10)
        self.assertEqual(self.jobs(OP)[-1].state, "failed", "20.00 of lines is more than 15.00 refunded")
        self.refund("R105", [{"id": "R-7", "amount": "23.00", "lines": [{"sku": "TEE", "quantity": 1}]}],
                    minutes=11)
        credit_note = self.credit_notes("R105")
        self.assertEqual(sorted(credit_note.invoice_line_ids.mapped("price_subtotal")), [3.0, 20.0])
        self.assertEqual(credit_note.amount_total, 23.0)

    def test_full_refund_balances_the_order_to_zero(self):
        sale = self.import_paid("R106", shipping_lines=SHIPPING)
        self.deliver(sale)
        self.refund("R106", [{"id": "R-8", "amount": "50.00", "shipping": "5.00", "restocked": True,
                              "lines": [{"line_id": "l1", "quantity": 2}, {"line_id": "l2", "quantity": 1}]}],
                    shipping_lines=SHIPPING)
        invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        credit_note = self.credit_notes("R106")
        self.assertEqual((invoice.amount_total, credit_note.amount_total), (50.0, 50.0))
        moves = invoice | credit_note | self.binding_of("R106").transaction_ids.payment_id.move_id
        receivable = moves.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual(len(receivable), 4)
        self.assertTrue(all(receivable.mapped("reconciled")))
        self.assertEqual(sum(receivable.mapped("balance")), 0.0, "the order's money balances to 0")
        self.assertEqual((self.on_hand(self.mug), self.on_hand(self.tee)), (10, 10))

    def test_order_returned_with_its_refund_credited_asks_nobody_to_refund(self):
        # The platform marks a refunded order returned (Shopify's "refunded"): the workflow credits
        # the refund it lists; an activity asking to refund the customer would refund them twice.
        sale = self.import_paid("R115")
        refund = [{"id": "R-17", "amount": "45.00",
                   "lines": [{"line_id": "l1", "quantity": 2}, {"line_id": "l2", "quantity": 1}]}]
        self.import_orders([with_transactions(self.make_order(
            "R115", updated=self.later(10), status="returned", paid=True, lines=LINES, refunds=refund))])
        self.run_jobs()
        self.assertEqual(self.binding_of("R115").platform_stage, "returned")
        credit_note = self.credit_notes("R115")
        self.assertEqual((credit_note.state, credit_note.amount_total), ("posted", 45.0))
        self.assertEqual(self.refund_payments("R115").invoice_ids, credit_note, "the refund pays its note")
        self.assertEqual(self.refund_payments("R115").state, "paid")
        self.assertFalse(sale.activity_ids)
        # A store that leaves refunds to a person still gets the to-do.
        self.store.refund_policy = "activity"
        self.import_orders([self.paid_order("R116")])
        self.run_jobs()
        self.import_orders([with_transactions(self.make_order(
            "R116", updated=self.later(10), status="returned", paid=True, lines=LINES,
            refunds=[dict(refund[0], id="R-18")]))])
        self.assertIn("Order returned on the platform", self.sale_of("R116").activity_ids.mapped("summary"))

    def test_same_refund_twice_and_reordered_makes_one_credit_note_and_one_payment(self):
        self.import_paid("R107")
        refund = [{"id": "R-9", "amount": "12.50", "lines": [{"line_id": "l1", "quantity": 1}]}]
        self.refund("R107", refund, minutes=10)
        self.refund("R107", refund, minutes=10)  # the same event again
        self.refund("R107", refund, minutes=5)  # an older one arriving late
        self.refund("R107", refund, minutes=30)  # a newer payload listing it again
        self.binding_of("R107")._enqueue_order_payments()
        self.run_jobs()
        self.assertEqual(len(self.credit_notes("R107")), 1)
        self.assertEqual(len(self.refund_payments("R107")), 1)
        self.assertEqual(self.binding_of("R107").refund_ids_recorded, ["R-9"])

    def test_refund_transaction_before_its_refund_waits(self):
        self.import_paid("R108")
        order = self.paid_order("R108", minutes=10)
        order["transactions"].append({"id": "tr-1", "kind": "refund", "status": "success", "amount": "4.00",
                                      "refund_id": "R-10"})
        self.import_orders([order])
        self.run_jobs()
        transaction = self.binding_of("R108").transaction_ids.filtered(lambda t: t.kind == "refund")
        self.assertEqual(transaction.state, "recorded")
        self.assertIn("Waits for refund R-10", transaction.state_reason)
        order = self.paid_order("R108", minutes=20,
                                refunds=[{"id": "R-10", "amount": "4.00", "by_hand": True}])
        order["transactions"].append({"id": "tr-1", "kind": "refund", "status": "success", "amount": "4.00",
                                      "refund_id": "R-10"})
        self.import_orders([order])
        self.run_jobs()
        self.assertEqual(transaction.state, "paid")
        self.assertEqual(len(self.refund_payments("R108")), 1)

    def test_refund_by_hand_gets_the_credit_note_only(self):
        self.import_paid("R109")
        self.refund("R109", [{"id": "R-11", "amount": "12.50", "by_hand": True,
                              "lines": [{"line_id": "l1", "quantity": 1}]}])
        self.assertEqual(self.credit_notes("R109").state, "posted")
        self.assertFalse(self.refund_payments("R109"))
        self.assertEqual(self.credit_notes("R109").payment_state, "not_paid")

    def test_total_mismatch_fails_the_job_and_posts_nothing(self):
        self.import_paid("R110")
        job = self.refund("R110", [{"id": "R-12", "amount": "10.00",
                                    "lines": [{"line_id": "l1", "quantity": 1}]}])
        self.assertEqual(job.state, "failed")
        self.assertIn("The credit note of refund R-12 of order", job.last_error)
        self.assertIn("would total $ 12.50 but the platform refunded $ 10.00: nothing was posted",
                      job.last_error.replace("\xa0", " "))
        self.assertFalse(self.env["account.move"].search([("store_refund_external_id", "=", "R-12")]))
        self.assertFalse(self.refund_payments("R110"))
        self.assertFalse(self.binding_of("R110").refund_ids_recorded)

    def test_a_cent_of_tax_rounding_per_line_is_given_back_as_the_platform_did(self):
        # The platform rounded the tax of its share of the lines its own way: a cent less per line
        # than Odoo computes again on the credited quantities.
        self.import_paid("R115")
        both = [{"line_id": "l1", "quantity": 1}, {"line_id": "l2", "quantity": 1}]
        job = self.refund("R115", [{"id": "R-15", "amount": "32.48", "lines": both}])
        self.assertEqual(job.state, "done", job.last_error)
        credit_note = self.credit_notes("R115")
        self.assertEqual((credit_note.state, credit_note.amount_total), ("posted", 32.48))
        rounding = credit_note.invoice_line_ids.filtered(lambda line: "Rounding difference" in line.name)
        self.assertEqual((rounding.price_total, rounding.tax_ids.ids), (-0.02, []))
        # More than a cent a line is no rounding: nothing is posted.
        one = [{"line_id": "l1", "quantity": 1}]
        job = self.refund("R115", [{"id": "R-15", "amount": "32.48", "lines": both},
                                   {"id": "R-16", "amount": "12.47", "lines": one}], minutes=20)
        self.assertEqual(job.state, "failed")
        self.assertIn("would total", job.last_error)
        self.assertFalse(self.env["account.move"].search([("store_refund_external_id", "=", "R-16")]))

    def test_unknown_refunded_line_fails_the_job_by_name(self):
        self.import_paid("R111")
        job = self.refund("R111", [{"id": "R-13", "amount": "1.00",
                                    "lines": [{"line_id": "zz", "quantity": 1}]}])
        self.assertEqual(job.state, "failed")
        self.assertIn("refunds line zz, which the order does not have", job.last_error)

    def test_activity_policy_keeps_todays_behaviour(self):
        self.store.refund_policy = "activity"
        sale = self.import_paid("R112")
        self.refund("R112", [{"id": "R-14", "amount": "12.50", "lines": [{"line_id": "l1", "quantity": 1}]}])
        self.assertFalse(self.env["account.move"].search([("move_type", "=", "out_refund"),
                                                          ("partner_id", "=", sale.partner_invoice_id.id)]))
        self.assertEqual(len(sale.activity_ids.filtered(lambda a: "refund" in (a.summary or ""))), 1)
        transaction = self.binding_of("R112").transaction_ids.filtered(lambda t: t.kind == "refund")
        self.assertEqual((transaction.state, transaction.payment_id.id), ("skipped", False))
        self.assertEqual(self.binding_of("R112").refund_ids_recorded, ["R-14"])
        # Switched to credit notes later: a refund handled by a person is never credited again.
        self.store.refund_policy = "credit_note"
        self.refund("R112", [{"id": "R-14", "amount": "12.50", "lines": [{"line_id": "l1", "quantity": 1}]}],
                    minutes=20)
        self.assertFalse(self.credit_notes("R112"))

    def test_refund_event_of_a_crediting_store_queues_the_workflow(self):
        sale = self.import_paid("R113")
        result = self.store._event_order_refunded({"order_id": "R113", "refund_id": "R-15", "amount": "1"})
        self.assertTrue(result["credited_by_workflow"])
        self.assertFalse(sale.activity_ids.filtered(lambda a: "refund" in (a.summary or "")))
        self.assertEqual(self.jobs(OP)[-1].state, "pending")

    def test_test_platform_emits_refund_transactions(self):
        order = self.paid_order("R114", refunds=[{"id": "R-16", "amount": "2.00"},
                                                 {"id": "R-17", "amount": "1.00", "by_hand": True}])
        refunds = [t for t in order["transactions"] if t["kind"] == "refund"]
        self.assertEqual([(t["id"], t["refund_id"], t["amount"]) for t in refunds],
                         [("R-16-refund", "R-16", "2.00")])

    def test_migration_keeps_existing_stores_on_activities(self):
        spec = importlib.util.spec_from_file_location("refund_policy_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.assertEqual(self.store.refund_policy, "credit_note", "new stores credit refunds")
        self.env.flush_all()
        migration.migrate(self.env.cr, None)
        self.store.invalidate_recordset()
        self.assertEqual(self.store.refund_policy, "credit_note")
        migration.migrate(self.env.cr, "18.0.1.5.0")
        self.store.invalidate_recordset()
        self.assertEqual(self.store.refund_policy, "activity")
