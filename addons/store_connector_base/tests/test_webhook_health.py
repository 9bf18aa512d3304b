"""Webhook health: the scheduled order pull's cron queues a check of the webhooks of stores whose
platform disables webhooks on its own; the check records what the platform reports and tells the
managers of the webhooks that stopped delivering."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from .common import StoreConnectorCase

ADAPTER = "odoo.addons.store_connector_test_platform.models.store_adapter.StoreAdapterTest"


class TestWebhookHealth(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Webhook = cls.env["store.webhook"].sudo()
        cls.orders_hook = Webhook.create({"store_id": cls.store.id, "topic": "order.updated",
                                          "kind": "orders", "external_id": "11", "status": "active"})
        cls.products_hook = Webhook.create({"store_id": cls.store.id, "topic": "product.updated",
                                            "kind": "products", "external_id": "12", "status": "active"})
        cls.report = [
            {"external_id": "11", "topic": "order.updated", "status": "active", "address": "x"},
            {"external_id": "12", "topic": "product.updated", "status": "active", "address": "y"},
        ]

    def patch_adapter(self, interval=timedelta(hours=1), report=None):
        """The test platform asks for checks every `interval` and reports `report`."""
        reports = report if report is not None else self.report
        self.calls = []

        def check(adapter, store):
            self.calls.append(store)
            return [dict(item) for item in reports]

        patcher_interval = patch(f"{ADAPTER}._webhook_health_interval", lambda adapter, store: interval,
                                 create=True)
        patcher_check = patch(f"{ADAPTER}._check_webhook_health", check, create=True)
        patcher_interval.start()
        patcher_check.start()
        self.addCleanup(patcher_interval.stop)
        self.addCleanup(patcher_check.stop)

    def health_jobs(self):
        return self.env["sync.job"].search([("store_id", "=", self.store.id),
                                            ("method_name", "=", "_job_check_webhook_health")])

    def health_logs(self):
        return self.env["store.activity.log"].search([("store_id", "=", self.store.id),
                                                      ("operation", "=", "webhooks.health")])

    def test_platform_without_checks_gets_no_job(self):
        self.env["connector.store"]._cron_pull_orders()
        self.assertFalse(self.health_jobs(), "the default adapter asks for no check")

    def test_cron_queues_one_check_when_due(self):
        self.patch_adapter()
        self.env["connector.store"]._cron_pull_orders()
        self.env["connector.store"]._cron_pull_orders()
        jobs = self.health_jobs()
        self.assertEqual(len(jobs), 1, "one pending check per store")
        self.assertEqual(jobs.state, "pending")
        self.run_queue()
        self.assertEqual(jobs.state, "done")
        self.assertEqual(len(self.calls), 1)
        self.assertTrue(self.orders_hook.checked_at)
        # Checked just now: not due again before the interval.
        self.env["connector.store"]._cron_pull_orders()
        self.assertEqual(self.health_jobs(), jobs)
        (self.orders_hook | self.products_hook).sudo().write(
            {"checked_at": fields.Datetime.now() - timedelta(hours=2)})
        self.env["connector.store"]._cron_pull_orders()
        self.assertEqual(len(self.health_jobs()), 2, "due again after the interval")

    def test_paused_store_is_not_checked(self):
        self.patch_adapter()
        self.store.sudo().write({"paused": True})
        self.env["connector.store"]._cron_pull_orders()
        self.assertFalse(self.health_jobs())

    def test_disabled_webhook_is_said_on_the_store_once(self):
        report = [dict(self.report[0], status="disabled", reason="The platform disabled it after failures."),
                  self.report[1]]
        self.patch_adapter(report=report)
        messages_before = self.store.message_ids
        result = self.store._job_check_webhook_health(self.env["sync.job"])
        self.assertEqual(result["stopped"], ["order.updated"])
        self.assertEqual(self.orders_hook.status, "disabled")
        self.assertEqual(self.orders_hook.last_error, "The platform disabled it after failures.")
        self.assertEqual(self.products_hook.status, "active")
        self.assertEqual(self.store.webhook_problem_count, 1)
        log = self.health_logs()
        self.assertEqual(len(log), 1)
        self.assertEqual(log.status, "failed")
        self.assertIn("order.updated", log.message)
        self.assertIn("Register Webhooks", log.message)
        posted = self.store.message_ids - messages_before
        self.assertEqual(len(posted), 1, "the managers are told on the store")
        self.assertIn("Register Webhooks", posted.body)
        # The same state at the next check: nothing new to say.
        self.store._job_check_webhook_health(self.env["sync.job"])
        self.assertEqual(len(self.health_logs()), 1)
        self.assertEqual(len(self.store.message_ids - messages_before), 1)

    def test_recovered_and_deleted_webhooks(self):
        self.orders_hook.sudo().write({"status": "disabled", "last_error": "disabled"})
        self.patch_adapter(report=[self.report[0]])  # 12 is gone from the platform
        result = self.store._job_check_webhook_health(self.env["sync.job"])
        self.assertEqual(result["recovered"], ["order.updated"])
        self.assertEqual(result["stopped"], ["product.updated"])
        self.assertEqual(self.orders_hook.status, "active")
        self.assertFalse(self.orders_hook.last_error)
        self.assertEqual(self.products_hook.status, "error")
        self.assertIn("no longer exists", self.products_hook.last_error)
        statuses = set(self.health_logs().mapped("status"))
        self.assertEqual(statuses, {"failed", "info"})
        failed = self.health_logs().filtered(lambda line: line.status == "failed")
        self.assertIn("stopped delivering the webhook product.updated", failed.message)

    def test_several_stopped_in_one_sentence(self):
        self.patch_adapter(report=[dict(item, status="paused") for item in self.report])
        self.store._job_check_webhook_health(self.env["sync.job"])
        message = self.health_logs().message
        self.assertIn("stopped delivering 2 webhooks", message)
        self.assertIn("order.updated", message)
        self.assertIn("product.updated", message)
