"""WooCommerce's own notifications read in a sentence, and refused keys say what to do (issue #13)."""
import json

from odoo.tests import TransactionCase

from .common import create_woocommerce_store


class TestWooCommerceJobSummaries(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = create_woocommerce_store(cls.env)
        cls.Job = cls.env["sync.job"]

    def _job(self, operation, result=None, method_name="_job_process", state="done", error_kind=None,
             error=None):
        job = self.Job._enqueue(self.store, operation, "_job_noop")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sync_job SET state = %s, result = %s, method_name = %s, error_kind = %s, last_error = %s "
            "WHERE id = %s",
            [state, json.dumps(result) if result is not None else None, method_name, error_kind, error,
             job.id])
        job.invalidate_recordset()
        return job

    def test_coupon_notification_nothing_acts_on(self):
        job = self._job("webhook.coupons", {"ignored": "coupon.created",
                                            "reason": "Odoo does not import coupons."})
        self.assertEqual(job.operation_label, "Coupon notification")
        self.assertEqual(job.result_summary, "Nothing to do: Odoo does not import coupons.")

    def test_customer_notifications(self):
        job = self._job("webhook.customers", {"ignored": "customer sync is off for this store"})
        self.assertEqual(job.result_summary, "Nothing imported: Sync Customers is off for this store.")
        job = self._job("webhook.customers", {"created": 1, "updated": 0, "ignored": 0, "failed": 0})
        self.assertEqual(job.result_summary,
                         "Read the customer again from WooCommerce: 1 new, 0 up to date, 0 failed.")
        job = self._job("webhook.customers", {"topic": "customer.deleted", "customer": "12",
                                              "redacted": [4, 5], "kept": [6], "deliveries": [], "jobs": []})
        self.assertEqual(job.result_summary, "WooCommerce deleted customer 12: anonymised 2 contacts. 1 "
                                             "contact was kept for a legal record: see the activity log.")

    def test_order_and_product_deletions(self):
        job = self._job("webhook.orders", {"order": 3, "cancelled": True})
        self.assertEqual(job.result_summary, "WooCommerce deleted the order: its sale order is cancelled.")
        job = self._job("webhook.orders", {"order": 3, "cancelled": False, "reason": "shipped"})
        self.assertIn("after it shipped", job.result_summary)
        job = self._job("webhook.products", {"product": "55", "found": False})
        self.assertEqual(job.result_summary, "WooCommerce no longer has product 55: nothing was imported.")
        job = self._job("webhook.products", {"product": "55", "bindings": [1], "unbound": 0})
        self.assertIn("WooCommerce deleted product 55", job.result_summary)
        job = self._job("webhook.products", {"created": 2, "matched": 1, "failed": 0, "errors": []})
        self.assertEqual(job.result_summary,
                         "Read the product variants again from WooCommerce: 2 new, 1 up to date, 0 failed.")

    def test_refused_keys_say_what_to_do(self):
        job = self._job("inventory.sync", method_name="_job_export_inventory", state="pending",
                        error_kind="auth", error="WooCommerce answered HTTP 401")
        self.assertIn("Connect with WooCommerce", job.next_step)
        job = self._job("inventory.sync", method_name="_job_export_inventory", state="failed",
                        error_kind="permanent", error="woocommerce_rest_cannot_edit: Sorry, you cannot edit")
        self.assertIn("REST API", job.next_step)
        job = self._job("inventory.sync", method_name="_job_export_inventory", state="failed",
                        error_kind="permanent", error="SKU X: invalid stock quantity")
        self.assertNotIn("Connect with WooCommerce", job.next_step)
