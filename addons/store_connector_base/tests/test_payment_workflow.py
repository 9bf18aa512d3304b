"""The payment workflow of imported orders (issue #14, first slice): the platform's transactions
confirm, invoice and pay the order (job orders.payments, store.order.binding._job_order_payments)."""

import importlib.util
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from .. import payment_const
from ..exceptions import PermanentJobError
from ..models import sync_job as sync_job_module
from ..services.normalized import normalize_order, order_to_json
from .common_orders import OrderPipelineCase, iso

OP = payment_const.OP_ORDER_PAYMENTS
MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.1.5.0" / "post-payment_workflow.py"


def sale(transaction_id, amount, kind="sale", status="success", gateway="stripe", **extra):
    return dict({"id": transaction_id, "kind": kind, "status": status, "gateway": gateway,
                 "amount": str(amount)}, **extra)


class PaymentWorkflowCase(OrderPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "bank")], order="sequence, id", limit=1)
        assert cls.bank, "the test database's company has a chart of accounts and a bank journal"
        cls.store.order_auto_confirm = True

    def payments_of(self, order_id):
        return self.binding_of(order_id).transaction_ids.payment_id

    def invoices_of(self, order_id):
        return self.sale_of(order_id).invoice_ids.filtered(lambda move: move.state == "posted")


class TestNormalizedTransactions(PaymentWorkflowCase):
    def test_transactions_are_validated_and_kept_through_json(self):
        order = normalize_order(self.make_order("n1", transactions=[
            sale("t1", "25.00", processed_at=iso(self.later(1)), currency="usd"),
            sale("t2", "0", kind="Refund", status="pending", parent_id="t1"),
        ]))
        first, second = order["transactions"]
        self.assertEqual((first["id"], first["kind"], first["status"], first["currency"]),
                         ("t1", "sale", "success", "USD"))
        self.assertEqual(first["processed_at"], self.later(1))
        self.assertEqual((second["kind"], second["parent_id"]), ("refund", "t1"))
        self.assertEqual(normalize_order(order_to_json(order))["transactions"], order["transactions"])

    def test_bad_transactions_are_refused_by_name(self):
        cases = [
            ([{"kind": "sale", "status": "success", "amount": "1"}], "transactions[0].id: is required"),
            ([sale("t1", "1", kind="charge")], "transactions[0].kind: must be one of"),
            ([sale("t1", "1", status="ok")], "transactions[0].status: must be one of"),
            ([sale("t1", "-1")], "transactions[0].amount: must be at least 0"),
            ([sale("t1", "1"), sale("t1", "2")], "transactions[1].id: 't1' is listed twice"),
            ("t1", "transactions: must be a list"),
        ]
        for transactions, message in cases:
            pattern = message.replace("[", r"\[")
            with self.subTest(message), self.assertRaisesRegex(PermanentJobError, pattern):
                normalize_order(self.make_order("n2", transactions=transactions))

    def test_test_platform_emits_a_stable_transaction_for_a_paid_order(self):
        self.adapter._test_set_orders(self.store, [self.make_order("p1", paid=True)])
        first = self.adapter._import_orders(self.store)["records"][0]["transactions"]
        again = self.adapter._import_orders(self.store)["records"][0]["transactions"]
        self.assertEqual(first, again)
        self.assertEqual((first[0]["id"], first[0]["kind"], first[0]["amount"]), ("p1-paid", "sale", "25.00"))
        # A webhook's order too; an order that lists its transactions keeps them, an unpaid one has none.
        def from_webhook(order):
            return self.adapter._webhook_normalized_order(self.store, None, {"order": order})

        self.assertEqual(from_webhook(self.make_order("p1", paid=True))["transactions"], first)
        own = [sale("own-1", "25.00")]
        listed = from_webhook(self.make_order("p2", paid=True, transactions=own))
        self.assertEqual(listed["transactions"], own)
        self.assertNotIn("transactions", from_webhook(self.make_order("p3")))

    def test_migration_keeps_existing_stores_without_the_workflow(self):
        spec = importlib.util.spec_from_file_location("payment_workflow_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        self.assertTrue(self.store.payment_workflow)
        self.env.flush_all()
        migration.migrate(self.env.cr, None)  # a new installation: nothing to keep
        self.store.invalidate_recordset()
        self.assertTrue(self.store.payment_workflow)
        migration.migrate(self.env.cr, "18.0.1.4.0")
        self.store.invalidate_recordset()
        self.assertFalse(self.store.payment_workflow)
        self.assertEqual(self.store.payment_journal_id, self.bank, "the journal is ready for the switch")


class TestPaymentWorkflow(PaymentWorkflowCase):
    def test_paid_order_gets_posted_invoice_and_payment(self):
        self.import_orders([self.make_order(
            "1001", transactions=[sale("t-1001", "25.00", processed_at=iso(self.later(2)))])])
        self.assertEqual(len(self.jobs(OP)), 1, "the workflow runs apart from the import")
        self.assertFalse(self.sale_of("1001").invoice_ids, "the import itself invoices nothing")
        self.run_jobs()
        order = self.sale_of("1001")
        self.assertEqual(self.jobs(OP).state, "done", self.jobs(OP).last_error)
        self.assertEqual(self.jobs(OP).operation_label, "Order invoice and payments")
        self.assertRegex(self.jobs(OP).result_summary,
                         r"^Confirmed order S\d+\. Posted invoice .+\. Recorded 1 payment\.$")
        self.assertEqual(order.state, "sale", "paid in full: confirmed")
        invoice = self.invoices_of("1001")
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.currency_id.compare_amounts(invoice.amount_total, 25.0), 0)
        self.assertEqual(invoice.amount_total, self.binding_of("1001").platform_total)
        self.assertEqual(invoice.invoice_date, self.later(2).date(), "invoiced on the day it was paid")
        payment = self.payments_of("1001")
        self.assertEqual(len(payment), 1)
        self.assertIn(payment.state, ("in_process", "paid"))
        self.assertEqual(payment.move_id.state, "posted")
        self.assertEqual((payment.amount, payment.journal_id, payment.date),
                         (25.0, self.bank, self.later(2).date()))
        self.assertEqual(payment.payment_method_line_id, self.bank.inbound_payment_method_line_ids[:1])
        self.assertIn("TS-N1001", payment.memo)
        self.assertIn("t-1001", payment.memo)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(invoice.amount_residual)
        transaction = self.binding_of("1001").transaction_ids
        self.assertEqual((transaction.state, transaction.order_id), ("paid", order))
        self.assertIn(transaction, order.store_transaction_ids)

    def test_same_transaction_twice_and_reordered_makes_one_payment(self):
        first = self.make_order("1002", updated=self.later(5), transactions=[sale("t-1002", "25.00")])
        self.import_orders([first])
        self.run_jobs()
        # The same event again, an older one arriving late, and a newer payload listing it again.
        self.import_orders([first])
        self.import_orders([self.make_order("1002", updated=self.later(1),
                                            transactions=[sale("t-1002", "25")])])
        self.import_orders([self.make_order("1002", updated=self.later(9), status="processing",
                                            transactions=[sale("t-1002", "25.00")])])
        self.binding_of("1002")._enqueue_order_payments()
        self.run_jobs()
        self.assertEqual(len(self.payments_of("1002")), 1)
        self.assertEqual(len(self.env["store.order.transaction"].search([("external_id", "=", "t-1002")])), 1)
        self.assertEqual(len(self.invoices_of("1002")), 1)
        self.assertIn(self.invoices_of("1002").payment_state, ("paid", "in_payment"))

    def test_capture_reported_within_the_same_second_is_imported(self):
        self.import_orders([self.make_order("1016", transactions=[sale("t-16", "25.00", status="pending")])])
        self.run_jobs()
        # Same update time, status, total and lines: only the transaction changed.
        self.import_orders([self.make_order("1016", transactions=[sale("t-16", "25.00")])])
        self.run_jobs()
        self.assertEqual(len(self.payments_of("1016")), 1)
        # Nothing changed at all: ignored, as before.
        result = self.import_orders([self.make_order("1016", transactions=[sale("t-16", "25.00")])])
        self.assertEqual(result["ignored"], ["1016"])

    def test_events_of_one_order_coalesce_into_one_job(self):
        self.import_orders([self.make_order("1003", transactions=[sale("t-a", "25.00")])])
        self.import_orders([self.make_order("1003", updated=self.later(1), status="processing",
                                            transactions=[sale("t-a", "25.00")])])
        self.assertEqual(len(self.jobs(OP)), 1)

    def test_partial_captures_add_up(self):
        lines = [{"id": "l1", "sku": "MUG", "name": "Mug", "quantity": 2, "unit_price": "12.50"}]
        authorization = sale("auth-1", "25.00", kind="authorization")
        self.import_orders([self.make_order("1004", lines=lines, transactions=[
            authorization, sale("cap-1", "10.00", kind="capture", parent_id="auth-1")])])
        self.run_jobs()
        self.assertEqual(self.payments_of("1004").mapped("amount"), [10.0])
        self.assertFalse(self.invoices_of("1004"), "not paid in full yet: not invoiced")
        self.assertEqual(self.sale_of("1004").state, "draft")
        self.import_orders([self.make_order("1004", lines=lines, updated=self.later(3), transactions=[
            authorization, sale("cap-1", "10.00", kind="capture", parent_id="auth-1"),
            sale("cap-2", "15.00", kind="capture", parent_id="auth-1")])])
        self.run_jobs()
        payments = self.payments_of("1004")
        self.assertEqual(sorted(payments.mapped("amount")), [10.0, 15.0])
        invoice = self.invoices_of("1004")
        self.assertEqual(invoice.amount_total, 25.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the earlier payment is reconciled too")
        authorization_record = self.binding_of("1004").transaction_ids.filtered(
            lambda t: t.kind == "authorization")
        self.assertEqual(authorization_record.state, "skipped")
        self.assertTrue(authorization_record.state_reason)

    def test_payments_name_the_invoice_they_pay(self):
        # As Odoo's payment wizard and payment providers do: the invoice lists its payments, and
        # without the Accounting app a payment is Paid once its invoice is (In Process before).
        authorization = sale("auth-9", "25.00", kind="authorization")
        first = sale("cap-9a", "10.00", kind="capture", parent_id="auth-9")
        self.import_orders([self.make_order("1009", transactions=[authorization, first])])
        self.run_jobs()
        advance = self.payments_of("1009")
        self.assertEqual((advance.state, advance.invoice_ids.ids), ("in_process", []), "nothing invoiced yet")
        self.import_orders([self.make_order("1009", updated=self.later(3), transactions=[
            authorization, first, sale("cap-9b", "15.00", kind="capture", parent_id="auth-9")])])
        self.run_jobs()
        invoice = self.invoices_of("1009")
        payments = self.payments_of("1009")
        self.assertEqual(len(payments), 2)
        self.assertEqual(invoice.matched_payment_ids, payments)
        self.assertEqual(invoice.payment_count, 2)
        self.assertEqual(payments.invoice_ids, invoice)
        self.assertEqual(payments.mapped("state"), ["paid", "paid"])
        # The workflow run again links nothing twice.
        self.binding_of("1009")._enqueue_order_payments()
        self.run_jobs()
        self.assertEqual(invoice.matched_payment_ids, payments)

    def test_pending_then_successful_transaction(self):
        self.import_orders([self.make_order("1005", transactions=[sale("t-5", "25.00", status="pending")])])
        self.run_jobs()
        self.assertFalse(self.payments_of("1005"))
        self.assertEqual(self.binding_of("1005").transaction_ids.state, "recorded")
        self.import_orders([self.make_order("1005", updated=self.later(2),
                                            transactions=[sale("t-5", "25.00")])])
        self.run_jobs()
        self.assertEqual(len(self.payments_of("1005")), 1)

    def test_cash_on_delivery_is_invoiced_when_delivered_and_not_paid(self):
        self.import_orders([self.make_order("1006", status="processing", payment_method="cod")])
        order = self.sale_of("1006")
        self.assertEqual(order.state, "sale")
        mapping = self.store.order_payment_map_ids.filtered(lambda m: m.gateway == "cod")
        self.assertEqual((mapping.invoice_policy, mapping.register_payment), ("shipped", False))
        self.run_jobs()
        self.assertFalse(order.invoice_ids, "not invoiced before the delivery")
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(len(self.jobs(OP)), 1, "the validated delivery queued the workflow")
        self.run_jobs()
        invoice = self.invoices_of("1006")
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_total, 25.0)
        self.assertEqual(invoice.payment_state, "not_paid",
                         "cash on delivery: the payment is registered by hand")
        self.assertFalse(self.env["account.payment"].search([("memo", "ilike", "TS-N1006")]))

    def test_new_gateways_get_mapping_lines_with_defaults(self):
        self.import_orders([
            self.make_order("1007", payment_method="klarna"),
            self.make_order("1008", payment_method="Cash on Delivery (COD)"),
            self.make_order("1009", payment_method="CASH_ON_PICKUP"),
        ])
        mappings = {m.gateway: m for m in self.store.order_payment_map_ids}
        self.assertEqual(set(mappings), {"klarna", "Cash on Delivery (COD)", "CASH_ON_PICKUP"})
        klarna = mappings["klarna"]
        self.assertEqual((klarna.confirm_order, klarna.invoice_policy, klarna.register_payment),
                         (True, "paid", True))
        self.assertFalse(klarna.journal_id, "empty: the store's payment journal")
        self.assertEqual(klarna._payment_journal(), self.bank)
        for cod in ("Cash on Delivery (COD)", "CASH_ON_PICKUP"):
            self.assertEqual((mappings[cod].invoice_policy, mappings[cod].register_payment),
                             ("shipped", False))
        self.import_orders([self.make_order("1010", payment_method="klarna")])
        self.assertEqual(len(self.store.order_payment_map_ids), 3, "a gateway is mapped once")

    def test_new_store_gets_the_company_bank_journal(self):
        store = self.env["connector.store"].create({"name": "Other Shop", "platform": "test",
                                                    "company_id": self.company.id})
        self.assertEqual(store.payment_journal_id, self.bank)
        self.assertTrue(store.payment_workflow)

    def test_missing_journal_fails_the_job_then_retry_works(self):
        self.store.payment_journal_id = False
        self.import_orders([self.make_order("1011", transactions=[sale("t-11", "25.00")])])
        self.run_jobs()
        job = self.jobs(OP)
        self.assertEqual(job.state, "failed")
        self.assertIn('has no payment journal for gateway "stripe"', job.last_error)
        self.assertIn("Payments tab, then retry this job", job.last_error)
        order = self.sale_of("1011")
        self.assertTrue(order, "the order stays imported")
        self.assertFalse(order.invoice_ids, "nothing half-written: no invoice either")
        self.assertFalse(self.binding_of("1011").transaction_ids.payment_id)
        self.store.payment_journal_id = self.bank
        job.action_retry()
        self.run_jobs()
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual(len(self.payments_of("1011")), 1)
        self.assertIn(self.invoices_of("1011").payment_state, ("paid", "in_payment"))

    def test_journal_of_another_company_fails_the_job(self):
        other = self.env["res.company"].create({"name": "Other Books"})
        journal = self.env["account.journal"].create(
            {"name": "Other Bank", "code": "OBNK", "type": "bank", "company_id": other.id})
        self.env.cr.execute("UPDATE connector_store SET payment_journal_id = %s WHERE id = %s",
                            [journal.id, self.store.id])
        self.store.invalidate_recordset()
        self.import_orders([self.make_order("1012", transactions=[sale("t-12", "25.00")])])
        self.run_jobs()
        self.assertEqual(self.jobs(OP).state, "failed")
        self.assertIn("belongs to company Other Books", self.jobs(OP).last_error)

    def test_invoice_total_must_be_the_platforms(self):
        self.import_orders([self.make_order("1013", status="processing")])
        order = self.sale_of("1013")
        order.order_line[:1].price_unit = 13.0  # changed by hand after the import
        self.import_orders([self.make_order("1013", updated=self.later(1), status="processing",
                                            transactions=[sale("t-13", "25.00")])])
        self.run_jobs()
        job = self.jobs(OP)
        self.assertEqual(job.state, "failed")
        self.assertIn("would total", job.last_error)
        self.assertIn("25.00", job.last_error)
        self.assertIn("26.00", job.last_error)
        self.assertFalse(order.invoice_ids.filtered(lambda move: move.state == "posted"))
        self.assertFalse(self.env["account.payment"].search([("memo", "ilike", "t-13")]))

    def test_workflow_off_records_transactions_only(self):
        self.store.payment_workflow = False
        self.import_orders([self.make_order("1014", transactions=[sale("t-14", "25.00")])])
        self.assertFalse(self.jobs(OP), "a store without the workflow queues nothing")
        self.assertEqual(self.sale_of("1014").state, "draft")

    def test_gateway_without_payments_is_skipped_with_reason(self):
        self.env["store.payment.method.map"].create(
            {"store_id": self.store.id, "gateway": "stripe", "register_payment": False})
        self.import_orders([self.make_order("1015", transactions=[sale("t-15", "25.00")])])
        self.run_jobs()
        transaction = self.binding_of("1015").transaction_ids
        self.assertEqual(transaction.state, "skipped")
        self.assertIn("registers no payments", transaction.state_reason)
        self.assertFalse(transaction.payment_id)
        self.assertEqual(len(self.invoices_of("1015")), 1, "still invoiced when paid")

    def test_gateway_journal_and_payment_method_are_used(self):
        cash = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "cash")], limit=1)
        method = cash.inbound_payment_method_line_ids[:1]
        self.env["store.payment.method.map"].create({
            "store_id": self.store.id, "gateway": "stripe", "journal_id": cash.id,
            "payment_method_line_id": method.id,
        })
        self.import_orders([self.make_order("1017", transactions=[sale("t-17", "25.00")])])
        self.run_jobs()
        payment = self.payments_of("1017")
        self.assertEqual((payment.journal_id, payment.payment_method_line_id), (cash, method))
        self.assertIn(self.invoices_of("1017").payment_state, ("paid", "in_payment"))

    def test_payment_method_of_another_journal_is_refused(self):
        cash = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "cash")], limit=1)
        with self.assertRaisesRegex(ValidationError, "is not an incoming method of the journal"):
            self.env["store.payment.method.map"].create({
                "store_id": self.store.id, "gateway": "stripe", "journal_id": cash.id,
                "payment_method_line_id": self.bank.inbound_payment_method_line_ids[:1].id,
            })

    def test_store_user_cannot_change_mappings(self):
        user = new_test_user(self.env, "pay_store_user",
                             groups="base.group_user,store_connector_base.group_store_connector_user")
        mapping = self.store._payment_mappings(["stripe"])["stripe"]
        mapping.with_user(user).read(["invoice_policy"])
        with self.assertRaises(AccessError):
            mapping.with_user(user).write({"register_payment": False})


class TestPaymentWorkflowBatch(PaymentWorkflowCase):
    """The orders.payments jobs of a store run in batches (store.order.binding._job_order_payments_batch):
    Odoo invoices and posts many orders at once far faster than one by one."""

    def run_jobs_counting_batches(self):
        Binding = type(self.env["store.order.binding"])
        batch_handler = Binding._job_order_payments_batch
        with patch.object(Binding, "_job_order_payments_batch", autospec=True,
                          side_effect=batch_handler) as batch:
            self.run_jobs()
        return batch

    def test_orders_of_a_store_are_invoiced_and_paid_in_one_batch(self):
        numbers = ["2001", "2002", "2003"]
        self.import_orders([self.make_order(number, transactions=[sale(f"t-{number}", "25.00")])
                            for number in numbers])
        batch = self.run_jobs_counting_batches()
        self.assertEqual(batch.call_count, 1)
        self.assertEqual(len(batch.call_args.args[0]), 3, "the three orders in one call")
        invoices = self.env["account.move"]
        for number in numbers:
            job = self.jobs(OP).filtered(lambda job, number=number: self.binding_of(number).id in job.res_ids)
            self.assertEqual(job.state, "done", job.last_error)
            invoice = self.invoices_of(number)
            self.assertEqual(len(invoice), 1, "one invoice per order, never grouped by customer")
            self.assertEqual(invoice.invoice_line_ids.sale_line_ids.order_id, self.sale_of(number))
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertEqual(len(self.payments_of(number)), 1)
            self.assertEqual(job.result_summary,
                             f"Confirmed order {self.sale_of(number).name}. Posted invoice {invoice.name}. "
                             "Recorded 1 payment.")
            invoices |= invoice
        self.assertEqual(len(invoices), 3)

    def test_an_order_whose_invoice_does_not_add_up_fails_alone(self):
        self.import_orders([self.make_order("2011", status="processing")])
        self.sale_of("2011").order_line[:1].price_unit = 13.0  # changed by hand after the import
        self.import_orders([
            self.make_order("2011", updated=self.later(1), status="processing",
                            transactions=[sale("t-2011", "25.00")]),
            self.make_order("2012", transactions=[sale("t-2012", "25.00")]),
            self.make_order("2013", transactions=[sale("t-2013", "25.00")]),
        ])
        with patch.object(sync_job_module._logger, "info") as log_info:
            batch = self.run_jobs_counting_batches()
        self.assertEqual(batch.call_count, 1, "tried together first")
        failed = [call for call in log_info.call_args_list if "running its jobs one by one" in call.args[0]]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0].args[2], "PermanentJobError")
        self.assertFalse(failed[0].kwargs.get("exc_info"),
                         "an expected failure: no traceback in the server log")
        jobs = {number: self.jobs(OP).filtered(lambda job, n=number: self.binding_of(n).id in job.res_ids)
                for number in ("2011", "2012", "2013")}
        self.assertEqual(jobs["2011"].state, "failed")
        self.assertIn("would total", jobs["2011"].last_error)
        self.assertFalse(self.sale_of("2011").invoice_ids, "nothing half-written")
        self.assertFalse(self.payments_of("2011"))
        for number in ("2012", "2013"):
            self.assertEqual(jobs[number].state, "done", jobs[number].last_error)
            self.assertIn(self.invoices_of(number).payment_state, ("paid", "in_payment"))
            self.assertEqual(len(self.payments_of(number)), 1)
