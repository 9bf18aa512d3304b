"""Payouts and fees (issue #14): the platform's payouts imported as bank statements on the store's payout
journal, each line matched with the payment it settles, fees booked to the fee account, the transfer to
the bank booked once paid (job payouts.import, connector.store._job_import_payouts)."""

from datetime import timedelta
from decimal import Decimal

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from odoo.addons.store_connector_test_platform.models.paid_orders import with_transactions

from .. import payout_const
from .common_attack import RpcAttackCase
from .common_orders import iso
from .test_payment_workflow import PaymentWorkflowCase, sale

OP = payout_const.OP_PAYOUTS_IMPORT


def charge(line_id, transaction_id, amount, fee="0.00", order_id=None):
    return {"id": line_id, "type": "charge", "amount": str(amount), "fee": str(fee),
            "transaction_id": transaction_id, "order_id": order_id}


def payout(payout_id, lines, status="paid", date="2026-05-03T00:00:00Z", currency=None):
    net = sum((Decimal(line["amount"]) - Decimal(line.get("fee") or 0) for line in lines), Decimal(0))
    return {"id": payout_id, "date": date, "status": status, "currency": currency or "USD",
            "amount": str(net), "lines": lines}


class PayoutCase(PaymentWorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        usd = cls.env.ref("base.USD")
        cls.payout_journal = cls.env["account.journal"].create({
            "name": "Test Payments Balance", "code": "TPB", "type": "bank", "company_id": company.id,
            "currency_id": False if company.currency_id == usd else usd.id,
        })
        # The clearing way: the gateway's payments are recorded on the payout journal.
        cls.store.write({"payment_journal_id": cls.payout_journal.id,
                         "payout_journal_id": cls.payout_journal.id})
        cls.fee_account = cls.store.payout_fee_account_id
        assert cls.fee_account, "the company's chart has a bank fees account"
        cls.transfer_account = company.transfer_account_id
        assert cls.transfer_account, "the company has an internal transfer account"

    def import_payouts(self, payouts=None):
        if payouts is not None:
            self.adapter._test_set_payouts(self.store, payouts)
        self.store._enqueue_payouts_import()
        self.run_jobs()
        job = self.jobs(OP)[-1:]
        return job

    def balance(self, account, journal=None):
        domain = [("account_id", "=", account.id), ("parent_state", "=", "posted"),
                  ("company_id", "=", self.company.id)]
        if journal:
            domain.append(("journal_id", "=", journal.id))
        return sum(self.env["account.move.line"].search(domain).mapped("balance"))

    def journal_balance(self):
        return self.balance(self.payout_journal.default_account_id, self.payout_journal)

    def suspense_balance(self):
        return self.balance(self.payout_journal.suspense_account_id, self.payout_journal)

    def paid_orders(self, *numbers, amount="25.00"):
        self.import_orders([self.make_order(number, transactions=[
            sale(f"t-{number}", amount, processed_at=iso(self.later(1)))]) for number in numbers])
        self.run_jobs()
        return {number: self.payments_of(number) for number in numbers}

    def payout_of(self, external_id):
        return self.env["store.payout"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", external_id)])


class TestPayoutImport(PayoutCase):
    def test_payout_of_charges_refund_and_fees_reconciles(self):
        payments = self.paid_orders("2001", "2002")
        # Order 2003 is paid, then refunded 5.00 on the platform: the refund workflow credits it and
        # records the refund payment of its refund transaction ("R-3-refund").
        self.import_orders([with_transactions(self.make_order("2003", paid=True))])
        self.run_jobs()
        self.import_orders([with_transactions(self.make_order(
            "2003", paid=True, updated=self.later(5), status="processing",
            refunds=[{"id": "R-3", "amount": "5.00"}]))])
        self.run_jobs()
        payments["2003"] = self.payments_of("2003").filtered(lambda pay: pay.payment_type == "inbound")
        refund_payment = self.env["store.order.transaction"].search(
            [("external_id", "=", "R-3-refund")]).payment_id
        self.assertEqual((refund_payment.payment_type, refund_payment.amount), ("outbound", 5.0),
                         self.jobs()[-1:].last_error)
        fee_before = self.balance(self.fee_account)
        transfer_before = self.balance(self.transfer_account)

        job = self.import_payouts([payout("po-1", [
            charge("bt-1", "t-2001", "25.00", "1.03", "2001"),
            charge("bt-2", "t-2002", "25.00", "1.03", "2002"),
            charge("bt-3", "2003-paid", "25.00", "1.03", "2003"),
            {"id": "bt-4", "type": "refund", "amount": "-5.00", "transaction_id": "R-3-refund",
             "order_id": "2003"},
            {"id": "bt-5", "type": "fee", "amount": "-2.00", "note": "Monthly fee"},
        ])])
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual(job.operation_label, "Payout import")
        self.assertEqual(job.result_summary, "Read 1 payout. 1 new.")
        record = self.payout_of("po-1")
        self.assertEqual((record.state, record.status, record.amount), ("reconciled", "paid", 64.91))
        self.assertEqual((record.charges_total, record.refunds_total, record.fees_total), (75.0, -5.0, 5.09))
        lines = {line.external_id: line for line in record.line_ids}
        for number, line_id in (("2001", "bt-1"), ("2002", "bt-2"), ("2003", "bt-3")):
            self.assertEqual((lines[line_id].state, lines[line_id].payment_id), ("matched", payments[number]))
            self.assertEqual(lines[line_id].order_id, self.sale_of(number))
            self.assertTrue(payments[number].is_matched, "the payment is matched with the payout's line")
        self.assertEqual((lines["bt-4"].state, lines["bt-4"].payment_id), ("matched", refund_payment))
        self.assertTrue(refund_payment.is_matched)
        self.assertEqual(lines["bt-5"].state, "booked")
        statement = record.statement_id
        self.assertEqual(statement.journal_id, self.payout_journal)
        # 5 lines, 3 fees of charges, the transfer.
        self.assertEqual(len(statement.line_ids), 9)
        self.assertEqual(record.transfer_line_id.amount, -64.91)
        self.assertAlmostEqual(self.balance(self.fee_account) - fee_before, 5.09)
        self.assertAlmostEqual(self.balance(self.transfer_account) - transfer_before, 64.91)
        # Everything is paid out: the payout journal's balance is back to nothing.
        self.assertAlmostEqual(self.journal_balance(), 0.0)
        self.assertFalse(self.suspense_balance())

    def test_same_payout_twice_and_status_change_books_nothing_twice(self):
        self.paid_orders("2101", "2102")
        lines = [charge("bt-a", "t-2101", "25.00", "1.00"), charge("bt-b", "t-2102", "25.00", "1.00")]
        self.import_payouts([payout("po-2", lines, status="in_transit")])
        record = self.payout_of("po-2")
        self.assertEqual(record.state, "imported")
        self.assertFalse(record.transfer_line_id, "not paid yet: no transfer to the bank")
        self.assertEqual(len(record.statement_id.line_ids), 4)
        # Read again as it is: nothing new.
        job = self.import_payouts()
        self.assertEqual(job.result_summary, "Read 1 payout.")
        self.assertEqual(len(self.env["store.payout"].search([("store_id", "=", self.store.id)])), 1)
        self.assertEqual(len(record.statement_id.line_ids), 4)
        # The platform paid it: the transfer is booked once, the journal balance is back to nothing.
        job = self.import_payouts([payout("po-2", lines, status="paid")])
        self.assertEqual(job.result_summary, "Read 1 payout. 1 updated.")
        self.import_payouts()
        record.invalidate_recordset()
        self.assertEqual((record.state, record.status), ("reconciled", "paid"))
        self.assertEqual(len(record.statement_id.line_ids), 5)
        self.assertEqual(record.transfer_line_id.amount, -48.0)
        self.assertAlmostEqual(self.journal_balance(), 0.0)
        # Read from the last payout's date minus the margin.
        since = [call[1] for call in self.adapter._test_calls(self.store) if call[0] == "fetch_payouts"]
        self.assertIsNone(since[0])
        self.assertEqual(since[-1], record.date - timedelta(days=payout_const.IMPORT_MARGIN_DAYS))
        # A payout that failed gives the money back to the platform's balance: no transfer.
        self.import_payouts([payout("po-2", lines, status="failed")])
        self.assertFalse(record.transfer_line_id)
        self.assertEqual(len(record.statement_id.line_ids), 4)
        self.assertAlmostEqual(self.journal_balance(), 48.0)

    def test_charge_without_payment_waits_and_is_matched_next_run(self):
        self.paid_orders("2201")
        lines = [charge("bt-x", "t-2201", "25.00", "0.50"), charge("bt-y", "t-2202", "25.00", "0.50", "2202")]
        job = self.import_payouts([payout("po-3", lines)])
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual(job.result_summary,
                         "Read 1 payout. 1 new. 1 line is not matched yet: see its payout's reason.")
        record = self.payout_of("po-3")
        waiting = record.line_ids.filtered(lambda line: line.external_id == "bt-y")
        self.assertEqual((record.state, waiting.state), ("partial", "open"))
        self.assertIn("t-2202 is not in Odoo yet", waiting.state_reason)
        self.assertIn("t-2202 is not in Odoo yet", record.state_reason)
        self.assertAlmostEqual(self.suspense_balance(), -25.0)
        # The order arrives with its payment: its payment job matches the waiting line at once,
        # and the next import changes nothing.
        payment = self.paid_orders("2202")["2202"]
        record.invalidate_recordset()
        self.assertEqual((record.state, waiting.state), ("reconciled", "matched"))
        self.import_payouts()
        record.invalidate_recordset()
        self.assertEqual((record.state, waiting.state), ("reconciled", "matched"))
        self.assertEqual(waiting.payment_id, payment)
        payment.invalidate_recordset()
        self.assertTrue(payment.is_matched)
        self.assertFalse(self.suspense_balance())
        self.assertAlmostEqual(self.journal_balance(), 0.0)
        self.assertEqual(len(record.statement_id.line_ids), 5, "the waiting line was matched, not doubled")

    def test_line_of_another_amount_than_its_payment_waits_with_both_amounts(self):
        payment = self.paid_orders("2251")["2251"]
        job = self.import_payouts([payout("po-5", [charge("bt-z", "t-2251", "25.07", "0.50")])])
        self.assertEqual(job.state, "done", job.last_error)
        record = self.payout_of("po-5")
        line = record.line_ids
        self.assertEqual((record.state, line.state), ("partial", "open"))
        reason = line.state_reason.replace("\xa0", " ")
        self.assertIn("This line is $ 25.07 but payment", reason)
        self.assertIn("of transaction t-2251 is $ 25.00", reason)
        self.assertFalse(line.payment_id)
        payment.invalidate_recordset()
        self.assertFalse(payment.is_matched, "nothing of the payment was reconciled")
        self.assertAlmostEqual(self.suspense_balance(), -25.07)
        # Read again: still waiting, nothing booked twice.
        self.import_payouts()
        self.assertEqual((record.state, line.state), ("partial", "open"))
        self.assertEqual(len(record.statement_id.line_ids), 3, "the line, its fee, the transfer")
        self.assertAlmostEqual(self.suspense_balance(), -25.07)

    def test_unpaid_out_payment_stays_on_the_clearing_account(self):
        payments = self.paid_orders("2301", "2302")
        self.import_payouts([payout("po-4", [charge("bt-1", "t-2301", "25.00")])])
        self.assertTrue(payments["2301"].is_matched)
        self.assertFalse(payments["2302"].is_matched, "not paid out yet")
        outstanding = payments["2302"]._seek_for_lines()[0]
        self.assertEqual(outstanding.amount_residual, 25.0, "what is still to be paid out")

    def test_no_payout_journal_fails_with_what_to_set(self):
        self.store.payout_journal_id = False
        job = self.import_payouts([payout("po-5", [])])
        self.assertEqual(job.state, "failed")
        self.assertIn("Store Test Shop has no payout journal", job.last_error)
        self.assertIn("Payments tab", job.last_error)
        self.assertFalse(self.payout_of("po-5"))
        with self.assertRaisesRegex(UserError, "has no payout journal"):
            self.store.action_import_payouts()

    def test_platform_without_payouts_imports_nothing(self):
        self.adapter._test_set_payouts(self.store, None)
        job = self.import_payouts()
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual(job.result_summary,
                         "The platform of store Test Shop has no payouts: nothing was imported.")

    def test_bad_payout_fails_and_books_nothing(self):
        bad = payout("po-6", [charge("bt-1", "t-1", "25.00")])
        bad["amount"] = "20.00"
        job = self.import_payouts([bad])
        self.assertEqual(job.state, "failed")
        self.assertIn("Invalid payout data: amount", job.last_error)
        self.assertFalse(self.payout_of("po-6"))

    def test_cron_and_button_queue_one_import(self):
        other = self.store.copy({"name": "Other Shop", "payout_journal_id": False})
        jobs = self.env["connector.store"]._cron_import_payouts()
        self.assertIn(self.store, jobs.store_id)
        self.assertNotIn(other, jobs.store_id)
        self.store.action_import_payouts()
        self.assertEqual(len(self.jobs(OP)), 1, "a second request merges")
        self.assertTrue(self.store.payouts_supported)

    def test_fee_account_defaults_to_bank_fees(self):
        expected = self.env["account.chart.template"].with_company(self.company).ref(
            "expense_finance", raise_if_not_found=False)
        self.assertTrue(expected)
        self.assertEqual(self.store.payout_fee_account_id, expected)


class TestPayoutRights(PayoutCase):
    def test_user_cannot_import_but_can_read(self):
        user = new_test_user(self.env, "payout_user", groups="base.group_user,"
                             "store_connector_base.group_store_connector_user",
                             company_id=self.company.id, company_ids=[self.company.id])
        self.paid_orders("2401")
        self.import_payouts([payout("po-7", [charge("bt-1", "t-2401", "25.00")])])
        with self.assertRaises(AccessError):
            self.store.with_user(user).action_import_payouts()
        self.assertEqual(self.payout_of("po-7").with_user(user).state, "reconciled")
        with self.assertRaises(AccessError):
            self.payout_of("po-7").with_user(user).write({"state": "imported"})


class TestPayoutAttacks(RpcAttackCase):
    def test_other_company_cannot_read_payouts_and_user_cannot_import(self):
        journal = self.env["account.journal"].create({
            "name": "Attack Balance", "code": "ATB", "type": "bank", "company_id": self.company_a.id})
        self.store_a.payout_journal_id = journal
        payout_a = self.env["store.payout"].create({
            "store_id": self.store_a.id, "external_id": "po-a", "status": "paid",
            "currency_id": self.company_a.currency_id.id, "amount": 10.0, "journal_id": journal.id,
        })
        line_a = self.env["store.payout.line"].create({
            "payout_id": payout_a.id, "store_id": self.store_a.id, "external_id": "bt-a", "line_type": "fee",
            "amount": -1.0,
        })
        self.assertEqual(self.rpc(self.user_b, "store.payout", "search_read", [], ["id"]), [])
        self.assertEqual(self.rpc(self.manager_b, "store.payout.line", "search_read", [], ["id"]), [])
        self.assertRpcRefused(self.manager_b, "store.payout", "read", [payout_a.id], ["amount"])
        self.assertRpcRefused(self.manager_b, "store.payout.line", "read", [line_a.id], ["amount"])
        self.assertRpcRefused(self.user_a, "connector.store", "action_import_payouts", [self.store_a.id])
        self.assertRpcRefused(self.manager_b, "connector.store", "action_import_payouts", [self.store_a.id])
        self.assertRpcRefused(self.manager_a, "store.payout", "write", [payout_a.id], {"state": "reconciled"})
        self.assertRpcRefused(self.manager_a, "store.payout", "create", {
            "store_id": self.store_a.id, "external_id": "forged", "status": "paid",
            "currency_id": self.company_a.currency_id.id})
        imports = [("store_id", "=", self.store_a.id), ("operation", "=", OP)]
        self.assertFalse(self.env["sync.job"].search(imports))
        # The store's own manager may.
        self.rpc(self.manager_a, "connector.store", "action_import_payouts", [self.store_a.id])
        self.assertTrue(self.env["sync.job"].search(imports))


class TestPayoutJournalOfANewStore(PaymentWorkflowCase):
    """A new store works out of the box: its own payout journal, its payments on the company's bank
    journal (the store's default), its payouts matched with them all the same."""

    def test_new_store_gets_a_payout_journal_and_its_payouts_match_the_bank_journal_payments(self):
        journal = self.store.payout_journal_id
        self.assertEqual((journal.type, journal.name, journal.company_id),
                         ("bank", f"{self.store.name} Payouts", self.company))
        self.assertNotEqual(journal, self.store.payment_journal_id)
        self.assertEqual(self.store.payment_journal_id, self.bank)
        self.import_orders([self.make_order("3001", transactions=[
            sale("t-3001", "25.00", processed_at=iso(self.later(1)))])])
        self.run_jobs()
        payment = self.payments_of("3001")
        self.assertEqual(payment.journal_id, self.bank)
        self.adapter._test_set_payouts(self.store, [payout("po-9", [
            charge("bt-9", "t-3001", "25.00", "1.00", "3001")])])
        self.store._enqueue_payouts_import()
        self.run_jobs()
        record = self.env["store.payout"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", "po-9")])
        self.assertEqual((record.state, record.journal_id), ("reconciled", journal))
        self.assertEqual((record.line_ids.state, record.line_ids.payment_id), ("matched", payment))
        self.assertTrue(payment.is_matched)

    def test_a_store_given_no_payout_journal_keeps_none(self):
        other = self.store.copy({"name": "No Payouts Shop", "payout_journal_id": False})
        self.assertFalse(other.payout_journal_id)
        copied = self.store.copy({"name": "Copied Shop"}).payout_journal_id
        self.assertEqual(copied.name, "Copied Shop Payouts", "a store's balance is its own")
