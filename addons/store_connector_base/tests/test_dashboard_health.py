"""The dashboard's health figures (issue #13): platform API calls counted by the client against a
loopback server (surviving a rollback), the queue's wait, orders imported, webhook deliveries per
topic, credential expiry warnings, what needs attention, the charts it links to, and the record
rule that hides another company's statistics."""

import time
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PermanentJobError, PlatformUnavailable

from .common_orders import OrderPipelineCase
from .sync_api_common import SyncApiFixtures
from .test_api_client import ApiClientCase


def committed_stats(registry, store_id):
    """The store's API call statistics as every worker sees them (committed on connections of their
    own, so the test's transaction does not see them)."""
    with registry.cursor() as cr:
        cr.execute("""SELECT sum(call_count), sum(error_count), sum(throttled_count), sum(total_ms),
                             max(max_ms)
                        FROM store_api_call_stat WHERE store_id = %s""", [store_id])
        return cr.fetchone()


def forget_stats(registry, store_id):
    with registry.cursor() as cr:
        cr.execute("DELETE FROM store_api_call_stat WHERE store_id = %s", [store_id])


class TestApiCallStatistics(ApiClientCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(forget_stats, self.registry, self.store.id)

    def test_calls_errors_throttles_and_times_are_counted(self):
        answers = [
            (200, {}, {"name": "ok"}),
            (404, {}, {"message": "No such order."}),
            (429, {"Retry-After": "1"}, {"message": "Slow down."}),
        ]

        def respond(request):
            if request["path"].endswith("/slow"):
                time.sleep(0.25)
                return 200, {}, {"name": "late"}
            return answers.pop(0)

        self.serve(respond)
        client = self.client(max_wait=5)
        client.request_json("GET", "/system_status")
        with self.assertRaises(PermanentJobError):
            client.request_json("GET", "/orders/9")
        with self.assertRaises(PlatformUnavailable):
            client.request_json("GET", "/orders")
        client.request_json("GET", "/slow")
        calls, errors, throttled, total_ms, max_ms = committed_stats(self.registry, self.store.id)
        self.assertEqual((calls, errors, throttled), (4, 2, 1))
        self.assertGreaterEqual(max_ms, 250)
        self.assertGreaterEqual(total_ms, max_ms)

    def test_the_count_survives_the_rollback_of_the_job(self):
        self.serve(lambda request: (502, {}, {"message": "Bad gateway."}))
        with self.assertRaises(PlatformUnavailable), self.env.cr.savepoint():
            self.client().request_json("GET", "/system_status")
        self.assertEqual(committed_stats(self.registry, self.store.id)[:2], (1, 1))

    def test_an_unreachable_platform_counts_an_error(self):
        server = self.serve(lambda request: (200, {}, {}))
        server.stop()
        with self.assertRaises(PlatformUnavailable):
            self.client().request_json("GET", "/system_status")
        self.assertEqual(committed_stats(self.registry, self.store.id)[:2], (1, 1))


@tagged("post_install", "-at_install")
class TestDashboardHealth(SyncApiFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.now = fields.Datetime.now()

    @classmethod
    def _stat(cls, store, hours_ago, calls, errors=0, total_ms=0, max_ms=0, platform="test"):
        """A statistics row as `record_api_call` leaves it, in the test's transaction."""
        cls.env.cr.execute(
            """INSERT INTO store_api_call_stat (store_id, company_id, platform, bucket, call_count,
                                                error_count, total_ms, max_ms)
               VALUES (%s, %s, %s, date_trunc('hour', %s::timestamp), %s, %s, %s, %s)""",
            [store.id, store.company_id.id, platform, cls.now - timedelta(hours=hours_ago), calls, errors,
             total_ms, max_ms])

    def _job(self, store, state, age):
        job = self.env["sync.job"].sudo().create({
            "store_id": store.id, "operation": "orders.import", "model_name": "connector.store",
            "res_ids": store.ids, "method_name": "_job_noop", "state": state,
        })
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET create_date = %s WHERE id = %s", [self.now - age, job.id])
        job.invalidate_recordset()
        return job

    def test_api_figures_of_the_last_24_hours_per_platform(self):
        self._stat(self.store, 1, calls=30, errors=2, total_ms=3000, max_ms=900)
        self._stat(self.store, 3, calls=10, errors=0, total_ms=1000, max_ms=200)
        self._stat(self.store, 30, calls=500, errors=100, total_ms=1, max_ms=99999)  # older than 24h
        self._stat(self.store_b, 2, calls=5, errors=5, total_ms=500, max_ms=100)
        self.env.cr.execute(  # a row of a store deleted since (no foreign key): not counted
            """INSERT INTO store_api_call_stat (store_id, company_id, platform, bucket, call_count)
               VALUES (%s, %s, 'test', date_trunc('hour', %s::timestamp), 1000)""",
            [self.env["connector.store"].search([], order="id desc", limit=1).id + 1000, self.company.id,
             self.now])
        store = self.store.with_user(self.api_user)
        self.assertEqual((store.dashboard_api_call_count, store.dashboard_api_error_count), (40, 2))
        self.assertEqual((store.dashboard_api_avg_ms, store.dashboard_api_max_ms), (100, 900))
        summary = self.env["store.dashboard.summary"].with_user(self.api_user).search([])
        self.assertEqual((summary.dashboard_api_call_count, summary.dashboard_api_error_count), (45, 7))
        html = str(summary.dashboard_api_html)
        self.assertIn("Test Platform", html)
        self.assertIn("45", html)

    def test_another_companys_statistics_are_invisible(self):
        self._stat(self.store, 1, calls=3)
        self._stat(self.store_other_company, 1, calls=7)
        Stat = self.env["store.api.call.stat"]
        mine = Stat.with_user(self.api_user).search([])
        self.assertIn(self.store, mine.store_id)
        self.assertNotIn(self.store_other_company, mine.store_id)
        self.assertEqual(mine.company_id, self.company)
        theirs = Stat.with_user(self.other_company_user).search([])
        self.assertIn(self.store_other_company, theirs.store_id)
        self.assertEqual(theirs.company_id, self.other_company)
        summary = self.env["store.dashboard.summary"].with_user(self.other_company_user).search([])
        self.assertEqual(summary.dashboard_api_call_count, 7)

    def test_old_buckets_and_those_of_deleted_stores_are_purged(self):
        gone = self._new_store(name="Closed Shop")
        self._stat(self.store, 1, calls=1)
        self._stat(self.store, 24 * 40, calls=1)
        self._stat(gone, 1, calls=1)
        gone.unlink()
        self.env["sync.job"]._cron_purge_done()
        self.env.cr.execute("SELECT store_id, bucket FROM store_api_call_stat WHERE store_id IN %s",
                            [(self.store.id, gone.id)])
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], self.store.id)

    def test_queue_wait_and_failure_rate(self):
        self._job(self.store, "pending", timedelta(hours=5))
        self._job(self.store, "pending", timedelta(minutes=1))
        self._job(self.store, "failed", timedelta(minutes=10))
        self._job(self.store, "done", timedelta(minutes=10))
        self._job(self.store, "done", timedelta(minutes=10))
        self._job(self.store, "done", timedelta(minutes=10))
        store = self.store
        self.assertEqual(store.dashboard_oldest_pending_at, self.now - timedelta(hours=5))
        self.assertEqual(store.dashboard_oldest_pending_text, "The oldest pending job has waited 5 hours.")
        self.assertEqual(store.dashboard_failure_rate, 25.0)
        self.assertEqual(store.dashboard_failed_text, "1 failed job to look at")
        self.assertFalse(self.store_b.dashboard_oldest_pending_text)

    def test_webhook_deliveries_per_topic_and_problems(self):
        self.env["store.webhook"].create([
            {"store_id": self.store.id, "topic": "orders/create", "status": "active"},
            {"store_id": self.store.id, "topic": "orders/updated", "status": "disabled"},
            {"store_id": self.store.id, "topic": "products/update", "status": "error"},
        ])
        self.env["store.webhook.delivery"].create([
            {"store_id": self.store.id, "kind": "orders", "topic": "orders/create", "event_id": f"e{n}",
             "received_at": self.now - timedelta(minutes=n)} for n in range(3)
        ] + [{"store_id": self.store.id, "kind": "orders", "topic": "orders/updated", "event_id": "old",
              "received_at": self.now - timedelta(days=3)}])
        store = self.store
        html = str(store.dashboard_webhook_topics_html)
        self.assertIn("orders/create", html)
        self.assertNotIn("orders/updated", html)  # nothing in the last 24 hours
        self.assertEqual(store.dashboard_webhook_problem_text, "2 webhook subscriptions need attention")
        self.assertEqual(store.dashboard_attention_count, 2)
        action = store.with_user(self.api_user).action_view_webhook_problems()
        self.assertEqual(action["res_model"], "store.webhook")
        shown = self.env["store.webhook"].with_user(self.api_user).search(action["domain"])
        self.assertEqual(sorted(shown.mapped("status")), ["disabled", "error"])

    def test_credentials_ending_within_30_days_are_warned(self):
        Credential = self.env["integration.credential"].sudo()
        Credential._set_value(self.store, const.CRED_OAUTH_ACCESS_TOKEN, "access",
                              expires_at=self.now + timedelta(hours=2))
        # An access token alone ends for good: warned.
        self.assertIn("The access token of store Shop A ends on", self.store.dashboard_credential_warning)
        # With a refresh token it is renewed by the connector: only the refresh token's end counts.
        Credential._set_value(self.store, const.CRED_OAUTH_REFRESH_TOKEN, "refresh",
                              expires_at=self.now + timedelta(days=90))
        self.store.invalidate_recordset()
        self.assertFalse(self.store.dashboard_credential_warning)
        self.assertEqual(self.store.dashboard_attention_count, 0)
        Credential._set_value(self.store, const.CRED_OAUTH_REFRESH_TOKEN, "refresh",
                              expires_at=self.now + timedelta(days=10))
        self.store.invalidate_recordset()
        warning = self.store.dashboard_credential_warning
        self.assertIn("The authorization (refresh token) of store Shop A ends on", warning)
        self.assertIn("connect the store again before then", warning)
        self.assertEqual(self.store.dashboard_attention_count, 1)
        summary = self.env["store.dashboard.summary"].search([("company_id", "=", self.company.id)])
        self.assertEqual(summary.dashboard_credential_warning, warning)

    def test_summary_counts_paused_stores_as_needing_attention(self):
        summary = self.env["store.dashboard.summary"].search([("company_id", "=", self.company.id)])
        self.assertEqual(summary.store_count_text, "2 stores")
        self.assertEqual(summary.dashboard_attention_count, 0)
        self.store_b.sudo().write({"paused": True, "paused_reason": "Credentials refused."})
        summary.invalidate_recordset()
        self.assertEqual(summary.paused_store_text, "1 store is paused")
        self.assertEqual(summary.dashboard_attention_count, 1)
        action = summary.action_view_paused_stores()
        self.assertEqual(self.env["connector.store"].search(action["domain"]), self.store_b)

    def test_chart_links_open_the_last_days(self):
        store = self.store.with_user(self.api_user)
        jobs = store.action_view_job_analysis()
        self.assertEqual(jobs["views"][0][1], "graph")
        self.assertEqual(jobs["context"], {"search_default_last_7_days": 1})
        api = store.action_view_api_calls()
        self.assertEqual((api["res_model"], api["domain"]),
                         ("store.api.call.stat", [("store_id", "=", store.id)]))
        orders = store.action_view_order_chart()
        self.assertEqual(orders["res_model"], "store.order.binding")
        self.assertEqual(orders["context"], {"search_default_last_30_days": 1})
        # The filters they name exist in the search views.
        for model, view, names in (
            ("sync.job", "store_connector_base.sync_job_view_search", ("last_7_days", "last_30_days")),
            ("store.api.call.stat", "store_connector_base.store_api_call_stat_view_search",
             ("last_7_days",)),
            ("store.order.binding", "store_connector_base.store_order_binding_view_search",
             ("last_30_days",)),
        ):
            arch = self.env[model].get_views([(self.env.ref(view).id, "search")])["views"]["search"]["arch"]
            for name in names:
                self.assertIn(f'name="{name}"', arch)


class TestDashboardOrders(OrderPipelineCase):
    def test_orders_imported_in_the_last_7_days(self):
        self.import_orders([self.make_order("1001"), self.make_order("1002")])
        self.assertEqual(self.store.dashboard_order_count, 2)
        self.env.flush_all()
        self.env.cr.execute("UPDATE store_order_binding SET create_date = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(days=8), self.binding_of("1001").id])
        self.store.invalidate_recordset()
        self.assertEqual(self.store.dashboard_order_count, 1)

    def test_order_count_uses_the_store_and_date_index(self):
        """A store with 30,000 orders over years: the 7-day count reads the week through the
        (store_id, create_date) index, not every order the store ever imported."""
        self.import_orders([self.make_order("1001")])
        self.env.flush_all()
        binding = self.binding_of("1001")
        self.env.cr.execute("""
            INSERT INTO store_order_binding (store_id, company_id, order_id, external_id, create_date)
            SELECT store_id, company_id, order_id, 'old-' || n, now() - n * interval '1 hour'
              FROM store_order_binding, generate_series(1, 30000) n WHERE id = %s""", [binding.id])
        self.env.cr.execute("ANALYZE store_order_binding")
        self.env.cr.execute(
            "EXPLAIN SELECT count(*) FROM store_order_binding WHERE store_id = %s AND create_date >= %s",
            [self.store.id, fields.Datetime.now() - timedelta(days=7)])
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("store_order_binding_store_created_idx", plan)


@tagged("post_install", "-at_install")
class TestDashboardRenders(HttpCase):
    def test_dashboards_render_in_the_web_client(self):
        """The kanban cards' fields are read as the web client reads them (web_search_read with the
        views' specification), for a store and for the overview."""
        self.authenticate("admin", "admin")
        for xmlid in ("store_connector_base.connector_store_action_dashboard",
                      "store_connector_base.store_dashboard_summary_action"):
            action = self.env.ref(xmlid)
            model = self.env[action.res_model]
            views = model.get_views([(False, "kanban")])
            spec = {name: {} for name in views["models"][action.res_model]["fields"]
                    if model._fields[name].type not in ("many2one", "one2many", "many2many")}
            response = self.make_jsonrpc_request("/web/dataset/call_kw", {
                "model": action.res_model, "method": "web_search_read", "args": [],
                "kwargs": {"specification": spec, "domain": [], "limit": 80},
            })
            self.assertIn("records", response)
