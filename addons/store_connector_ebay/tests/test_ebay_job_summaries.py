"""eBay's own jobs and notifications read in a sentence, and an eBay failure says what to do
(issue #13): never "Done (posted: 2, known: 0 ...)"."""
import json

from odoo.tests import TransactionCase

from .common import create_ebay_store


class TestEbayJobSummaries(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = create_ebay_store(cls.env)
        cls.Job = cls.env["sync.job"]

    def _job(self, operation, method_name, result=None, state="done", error_kind=None, error=None):
        job = self.Job._enqueue(self.store, operation, "_job_noop")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sync_job SET state = %s, result = %s, method_name = %s, error_kind = %s, last_error = %s "
            "WHERE id = %s",
            [state, json.dumps(result) if result is not None else None, method_name, error_kind, error,
             job.id])
        job.invalidate_recordset()
        return job

    def test_buyer_messages(self):
        job = self._job("ebay.messages", "_job_ebay_buyer_messages",
                        {"posted": 2, "known": 1, "unmatched": 0})
        self.assertEqual(job.result_summary,
                         "Posted 2 new buyer messages on their orders. 1 message was already posted.")
        self.assertEqual(job.operation_label, "Buyer messages")
        job = self._job("ebay.messages", "_job_ebay_buyer_messages",
                        {"posted": 1, "known": 0, "unmatched": 3})
        self.assertEqual(job.result_summary, "Posted 1 new buyer message on its order. 3 messages are not "
                                             "about an order imported into Odoo.")
        job = self._job("ebay.messages", "_job_ebay_buyer_messages",
                        {"posted": 0, "known": 0, "unmatched": 0})
        self.assertEqual(job.result_summary, "No new buyer message on eBay.")

    def test_listing_migration(self):
        job = self._job("products.migrate", "_job_ebay_migrate_listings", {"migrated": 3, "failed": 1})
        self.assertEqual(job.result_summary, "Moved 3 legacy listings to eBay's Inventory API. eBay refused "
                                             "1: the reason is on its product binding.")

    def test_account_deletion_and_revocation_notifications(self):
        job = self._job("webhook.compliance", "_job_process", {"user": "buyer1", "stores": {
            str(self.store.id): {"redacted": [7], "kept": [], "deliveries": [], "jobs": []}}})
        self.assertEqual(job.result_summary, "eBay user buyer1 deleted their account: anonymised 1 customer.")
        job = self._job("webhook.compliance", "_job_process", {"user": "nobody", "stores": {
            str(self.store.id): {"redacted": [], "kept": [], "deliveries": [], "jobs": []}}})
        self.assertIn("Odoo holds no customer of theirs", job.result_summary)
        job = self._job("webhook.app", "_job_process", {"paused": self.store.id})
        self.assertIn("Connect with eBay", job.result_summary)

    def test_the_buyer_messages_log_line_is_a_sentence(self):
        adapter = self.store._get_adapter()
        sentence = adapter._ebay_messages_sentence({"posted": 1, "known": 0, "unmatched": 0})
        self.store._log_activity("ebay.messages", "done", message=sentence)
        line = self.store.log_ids[:1]
        self.assertEqual(line.operation_label, "Buyer messages")
        self.assertNotIn("(s)", line.message)

    def test_an_expired_token_says_connect_with_ebay_again(self):
        job = self._job("inventory.sync", "_job_export_inventory", state="failed", error_kind="permanent",
                        error="eBay refused: invalid_grant (the refresh token is expired)")
        self.assertIn("Connect with eBay", job.next_step)
        # waiting for new credentials (the store is paused): the same advice
        job = self._job("inventory.sync", "_job_export_inventory", state="pending", error_kind="auth",
                        error="IAF token supplied is invalid")
        self.assertIn("Connect with eBay", job.next_step)
        # another refusal keeps the base's advice
        job = self._job("inventory.sync", "_job_export_inventory", state="failed", error_kind="permanent",
                        error="SKU X: price missing")
        self.assertNotIn("Connect with eBay", job.next_step)
