"""Dashboard figures for a known set of jobs, webhooks and deliveries, per store and per company."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.store_connector_base.models.connector_store_dashboard import _dashboard_stats

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestStoreDashboard(SyncApiFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.now = fields.Datetime.now()
        cls.store_idle = cls._new_store(name="Idle Shop")
        A, B = cls.store, cls.store_b
        cls.t_products = cls.now - timedelta(hours=3)
        cls.t_inventory = cls.now - timedelta(hours=1)
        cls._job(A, "products.sync", "done", finished_at=cls.now - timedelta(hours=5))
        cls._job(A, "products.sync", "done", finished_at=cls.t_products)
        cls._job(A, "inventory.sync", "done", finished_at=cls.t_inventory)
        cls._job(A, "orders.import", "failed")
        cls._job(A, "orders.import", "pending")
        cls._job(A, "orders.import", "pending")
        cls._job(A, "inventory.sync", "processing")
        cls._job(A, "inventory.sync", "cancelled")
        # Older than the 24-hour window: counted in the backlog and the last successes only.
        cls.t_old = cls.now - timedelta(days=2)
        cls._job(A, "orders.import", "done", finished_at=cls.t_old, age=timedelta(days=2))
        cls._job(A, "orders.import", "failed", age=timedelta(days=2))
        cls._job(A, "orders.import", "pending", age=timedelta(days=3))
        cls._job(B, "products.sync", "failed")
        cls._job(B, "products.sync", "failed")
        cls._job(cls.store_other_company, "products.sync", "done", finished_at=cls.now)

        Webhook = cls.env["store.webhook"]
        Webhook.create([
            {"store_id": A.id, "topic": "orders/create", "status": "active"},
            {"store_id": A.id, "topic": "orders/updated", "status": "active"},
            {"store_id": A.id, "topic": "products/update", "status": "error", "last_error": "410 Gone"},
            {"store_id": B.id, "topic": "orders/create", "status": "paused"},
        ])
        cls.t_received = datetime(2030, 5, 1, 10, 0, 0)
        cls.env["store.webhook.delivery"].create([
            {"store_id": A.id, "kind": "orders", "topic": "orders/create", "event_id": "e1",
             "received_at": cls.t_received - timedelta(hours=2)},
            {"store_id": A.id, "kind": "orders", "topic": "orders/create", "event_id": "e2",
             "received_at": cls.t_received},
        ])

    @classmethod
    def _job(cls, store, operation, state, finished_at=None, age=None):
        job = cls.env["sync.job"].sudo().create({
            "store_id": store.id, "operation": operation, "model_name": "connector.store",
            "res_ids": store.ids, "method_name": "_job_noop", "state": state,
        })
        cls.env.flush_all()
        if finished_at or age:
            cls.env.cr.execute(
                "UPDATE sync_job SET finished_at = %s, create_date = COALESCE(%s, create_date) WHERE id = %s",
                [finished_at, cls.now - age if age else None, job.id])
            job.invalidate_recordset()
        return job

    def test_store_figures(self):
        A = self.store.with_user(self.api_user)
        self.assertEqual(A.dashboard_job_count, 8)
        self.assertEqual(
            (A.dashboard_done_count, A.dashboard_failed_count, A.dashboard_pending_count,
             A.dashboard_processing_count, A.dashboard_cancelled_count),
            (3, 1, 2, 1, 1))
        self.assertEqual(A.dashboard_success_rate, 75.0)
        self.assertEqual(A.dashboard_backlog_count, 3)
        self.assertEqual(A.dashboard_open_failed_count, 2)
        self.assertEqual(A.dashboard_last_success_at, self.t_inventory)
        html = str(A.dashboard_last_sync_html)
        # People read the operations' labels, not their codes (issue #13).
        for label in ("Product sync", "Stock export", "Order pull"):
            self.assertIn(label, html)
        for operation in ("products.sync", "inventory.sync", "orders.import"):
            self.assertNotIn(operation, html)
        self.assertEqual(
            (A.dashboard_webhook_count, A.dashboard_webhook_active_count, A.dashboard_webhook_problem_count),
            (3, 2, 1))
        self.assertEqual(A.dashboard_webhook_last_received_at, self.t_received)

    def test_last_success_per_operation(self):
        stats = _dashboard_stats(self.env, "store_id", self.store.ids, now=self.now)
        self.assertEqual(stats[self.store.id]["last_success"], {
            "products.sync": self.t_products,
            "inventory.sync": self.t_inventory,
            "orders.import": self.t_old,
        })

    def test_store_with_failures_only_and_idle_store(self):
        B = self.store_b
        self.assertEqual((B.dashboard_job_count, B.dashboard_failed_count, B.dashboard_success_rate),
                         (2, 2, 0.0))
        self.assertEqual((B.dashboard_webhook_count, B.dashboard_webhook_problem_count), (1, 1))
        self.assertFalse(B.dashboard_last_success_at)
        self.assertIn("No successful sync yet", str(B.dashboard_last_sync_html))
        idle = self.store_idle
        self.assertEqual(
            (idle.dashboard_job_count, idle.dashboard_backlog_count, idle.dashboard_webhook_count),
            (0, 0, 0),
        )
        self.assertFalse(idle.dashboard_webhook_last_received_at)

    def test_company_summary(self):
        summaries = self.env["store.dashboard.summary"].search([])
        main = summaries.filtered(lambda s: s.company_id == self.company)
        other = summaries.filtered(lambda s: s.company_id == self.other_company)
        self.assertEqual((main.store_count, other.store_count), (3, 1))
        # Shop A and Shop B together.
        self.assertEqual((main.dashboard_job_count, main.dashboard_done_count, main.dashboard_failed_count),
                         (10, 3, 3))
        self.assertEqual(main.dashboard_success_rate, 50.0)
        self.assertEqual(main.dashboard_backlog_count, 3)
        self.assertEqual(main.dashboard_open_failed_count, 4)
        self.assertEqual((main.dashboard_webhook_count, main.dashboard_webhook_problem_count), (4, 2))
        self.assertEqual(
            (other.dashboard_job_count, other.dashboard_done_count, other.dashboard_success_rate),
            (1, 1, 100.0),
        )
        self.store_b.sudo().write({"paused": True})
        main.invalidate_recordset()
        self.assertEqual(main.paused_store_count, 1)

    def test_summary_follows_the_user_companies(self):
        summaries = self.env["store.dashboard.summary"].with_user(self.api_user).search([])
        self.assertEqual(summaries.company_id, self.company)
        mine = self.env["store.dashboard.summary"].with_user(self.other_company_user).search([])
        self.assertEqual(mine.company_id, self.other_company)

    def test_figures_take_a_fixed_number_of_queries(self):
        """Computed for all the stores shown at once: the query count does not grow with them."""
        Store = self.env["connector.store"]
        more = Store.browse()
        for index in range(4):
            more |= self._new_store(name=f"Extra {index}")
            self._job(more[-1], "products.sync", "done", finished_at=self.now)

        def queries_for(stores):
            stores.invalidate_recordset()
            before = self.env.cr.sql_log_count
            stores.mapped("dashboard_job_count")
            return self.env.cr.sql_log_count - before

        queries_for(self.store | more)  # warm the caches (language, user) the first call fills
        one = queries_for(self.store)
        self.assertEqual(queries_for(self.store | self.store_b | self.store_idle | more), one)

    def test_dashboard_views_load_for_a_connector_user(self):
        Store = self.env["connector.store"].with_user(self.api_user)
        views = Store.get_views([
            (self.env.ref("store_connector_base.connector_store_view_kanban_dashboard").id, "kanban"),
            (self.env.ref("store_connector_base.connector_store_view_list_dashboard").id, "list"),
        ])
        self.assertIn("dashboard_last_sync_html", views["views"]["kanban"]["arch"])
        data = Store.search([("id", "=", self.store.id)]).web_read({
            "dashboard_job_count": {}, "dashboard_last_sync_html": {},
            "dashboard_webhook_last_received_at": {}})
        self.assertEqual(data[0]["dashboard_job_count"], 8)
        action = self.store.with_user(self.api_user).action_view_job_analysis()
        self.assertEqual(action["res_model"], "sync.job")
        self.assertEqual(action["domain"], [("store_id", "=", self.store.id)])
        self.assertTrue(action["view_mode"].startswith("graph"))
