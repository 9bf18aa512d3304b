"""The indexes of sync_job (issue #12, the intake's cost): each index is paid by every delivery the
intake stores and twice more by the runner, so none holds the history of done jobs, and the queries
that look jobs up still find them through an index on a large table (EXPLAIN)."""

import json

from odoo.addons.store_connector_base import order_const

from .common import StoreConnectorCase, create_test_store

OP = "test.scripted"


class TestSyncJobIndexes(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = create_test_store(cls.env, name="Other Index Store")

    def indexes(self):
        self.env.cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'sync_job'")
        return dict(self.env.cr.fetchall())

    def plan(self, query, params):
        self.env.cr.execute("EXPLAIN (FORMAT JSON) " + query, params)
        return json.dumps(self.env.cr.fetchone()[0])

    def fill(self):
        """60,000 done jobs of two stores, a few open ones, and statistics, as on a database in use."""
        Job = self.env["sync.job"]
        template = Job._enqueue(self.store, OP, "_job_scripted", payload={"n": 0})
        self.env.flush_all()
        self.env.cr.execute("""
            INSERT INTO sync_job (store_id, company_id, operation, direction, model_name, res_ids,
                                  method_name, state, priority, retry_count, max_retries, next_attempt_at,
                                  identity_key, payload, create_date, write_date)
            SELECT CASE WHEN n %% 2 = 0 THEN %(store)s ELSE %(other)s END, t.company_id, t.operation,
                   t.direction, t.model_name, t.res_ids, t.method_name,
                   CASE WHEN n <= 10 THEN 'failed' WHEN n <= 20 THEN 'processing' ELSE 'done' END,
                   t.priority, 0, 5, t.next_attempt_at,
                   CASE WHEN n %% 3 = 0 THEN 'key-' || n END,
                   CASE WHEN n %% 1000 = 0 THEN jsonb_build_object('api_pull_id', 'pull-' || n) END,
                   t.create_date, t.write_date
              FROM sync_job t, generate_series(1, 60000) n
             WHERE t.id = %(template)s
        """, {"store": self.store.id, "other": self.other.id, "template": template.id})
        self.env.cr.execute("ANALYZE sync_job")

    def test_no_index_holds_every_job_of_the_history_but_the_key_and_the_store(self):
        indexes = self.indexes()
        full = sorted(name for name, definition in indexes.items() if " WHERE " not in definition)
        self.assertEqual(full, ["sync_job__store_id_index", "sync_job_pkey"])
        self.assertIn("WHERE (identity_key IS NOT NULL)", indexes["sync_job__identity_key_index"])
        for column in ("state", "operation", "company_id"):
            self.assertNotIn(f"sync_job__{column}_index", indexes)

    def test_a_stores_open_jobs_are_found_through_an_index(self):
        self.fill()
        plan = self.plan(
            "SELECT state, count(*) FROM sync_job WHERE store_id = %s AND state IN ('pending', 'failed') "
            "GROUP BY state", [self.store.id])
        self.assertIn("sync_job_open_state_idx", plan)
        plan = self.plan(
            "SELECT id FROM sync_job WHERE store_id = ANY(%s) AND operation = %s "
            "AND state IN ('pending', 'processing')", [[self.store.id], order_const.OP_ORDERS_IMPORT])
        self.assertIn("sync_job_open_state_idx", plan)

    def test_a_pull_and_an_identity_key_are_found_through_an_index(self):
        self.fill()
        # connector.store._api_request_order_pull
        plan = self.plan(
            "SELECT id FROM sync_job WHERE store_id = %s AND operation = %s AND payload->>'api_pull_id' = %s "
            "ORDER BY id", [self.store.id, order_const.OP_ORDERS_IMPORT, "pull-2000"])
        self.assertIn("sync_job_api_pull_idx", plan)
        # sync.job._supersede_failed, the webhook intake's keyed jobs
        plan = self.plan(
            "SELECT id FROM sync_job WHERE store_id = %s AND identity_key = %s AND state = 'failed'",
            [self.store.id, "key-6"])
        self.assertIn("sync_job__identity_key_index", plan)
