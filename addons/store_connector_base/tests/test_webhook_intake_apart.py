"""The intake's writes on a connection kept apart from Odoo's pool (issue #12, CPU per delivery):
in a request, a delivery and its job are committed on a connection this process keeps, which Odoo's
pool never resets (DISCARD ALL), so PostgreSQL keeps its plans and the delivery's prepared statement.

These tests commit a store of their own, write deliveries as a request does (`apart=True`), and
delete what they committed. Odoo's HTTP tests run on a cursor shared with the test's transaction,
where the intake writes in that transaction instead (`_writes_apart`); the fault suite and the
intake benchmark drive the kept connection through real servers.
"""

import json
import time
from unittest.mock import patch

import psycopg2

from odoo.addons.store_connector_base.exceptions import WebhookRejected
from odoo.addons.store_connector_base.models import store_webhook_delivery
from odoo.addons.store_connector_base.services import cron_wakeup
from odoo.addons.store_connector_base.services.kept_connections import KeptConnections

from .common import CommittedRecordsCase


class TestIntakeWritesApart(CommittedRecordsCase):

    def setUp(self):
        super().setUp()
        self.store_id = self.committed_store("Intake Apart Store")
        # A pool of this test's own: what another test left in the process's pool is not looked at.
        self.kept = KeptConnections()
        patcher = patch.object(store_webhook_delivery, "_kept_connections", self.kept)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.kept.close_all)
        self.woken = []
        patcher = patch.object(cron_wakeup, "wake_cron_workers", self.woken.append)
        patcher.start()
        self.addCleanup(patcher.stop)

    def insert(self, cr, event_id, identity_key=None):
        env = self.env_of(cr)
        store = env["connector.store"].browse(self.store_id)
        return env["store.webhook.delivery"]._insert_delivery(
            store, "orders", "orders/create", event_id, {"X-Test": "1"}, json.dumps({"id": event_id}),
            operation="webhook.orders", method_name="_job_process", wake=True,
            identity_key=identity_key, apart=True)

    def committed(self, event_id):
        """(delivery id, job id, job state, job's deliveries) as committed, read on a new cursor."""
        with self.registry.cursor() as cr:
            cr.execute("""
                SELECT d.id, j.id, j.state, j.res_ids
                  FROM store_webhook_delivery d JOIN sync_job j ON j.id = d.job_id
                 WHERE d.store_id = %s AND d.event_id = %s
            """, [self.store_id, event_id])
            return cr.fetchall()

    def kept_session(self):
        """(backend pid, names prepared) of the kept connection the intake writes on."""
        def look(cursor, _kept):
            cursor.execute("SELECT pg_backend_pid(), array_agg(name ORDER BY name) "
                           "FROM pg_prepared_statements")
            return cursor.fetchone()
        return self.kept.run(self.registry.db_name, look)

    def test_a_delivery_is_committed_before_the_request_ends(self):
        with self.registry.cursor() as cr:
            delivery_id = self.insert(cr, "apart-1")
            # The request's transaction is still open (and wrote nothing): the delivery is durable.
            rows = self.committed("apart-1")
            self.assertEqual(len(rows), 1)
            self.assertEqual(rows[0][0], delivery_id)
            self.assertEqual(rows[0][2], "pending")
            self.assertEqual(rows[0][3], [delivery_id])
            cr.rollback()
        self.assertEqual(len(self.committed("apart-1")), 1, "the request's rollback does not undo it")
        self.assertEqual(self.woken, [self.registry.db_name], "the runners are woken once it is committed")
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE id > %s", [self.trigger_floor])
            self.assertEqual(cr.fetchone()[0], 1, "the runner's trigger is committed with it")

    def test_a_duplicate_is_answered_as_such_and_stored_once(self):
        with self.registry.cursor() as cr:
            self.assertTrue(self.insert(cr, "apart-dup"))
        with self.registry.cursor() as cr:
            self.assertIsNone(self.insert(cr, "apart-dup"))
        self.assertEqual(len(self.committed("apart-dup")), 1)
        self.assertEqual(len(self.woken), 1, "a duplicate wakes nobody")

    def test_the_kept_session_keeps_its_prepared_statement(self):
        with self.registry.cursor() as cr:
            self.insert(cr, "apart-prepared-1")
        pid, prepared = self.kept_session()
        self.assertIn(store_webhook_delivery._PREPARED_INSERT_NAME, prepared)
        with self.registry.cursor() as cr:
            self.insert(cr, "apart-prepared-2")
        self.assertEqual(self.kept_session(), (pid, prepared),
                         "the same session, never reset: the statement is prepared once")
        self.assertEqual(len(self.committed("apart-prepared-2")), 1)

    def test_deliveries_of_one_key_share_their_pending_job(self):
        with self.registry.cursor() as cr:
            first = self.insert(cr, "apart-key-1", identity_key="webhook:order:7")
            second = self.insert(cr, "apart-key-2", identity_key="webhook:order:7")
        (row1,), (row2,) = self.committed("apart-key-1"), self.committed("apart-key-2")
        self.assertEqual(row1[1], row2[1], "one job for the order's deliveries")
        self.assertEqual(row2[3], [first, second])
        self.assertEqual(self.woken, [self.registry.db_name] * 2)
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE id > %s", [self.trigger_floor])
            self.assertEqual(cr.fetchone()[0], 2, "each delivery's transaction wakes a runner")

    def test_a_connection_that_died_is_replaced_and_the_delivery_stored(self):
        with self.registry.cursor() as cr:
            self.insert(cr, "apart-before")
        pid, _prepared = self.kept_session()
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(50):  # the backend's end takes a moment to reach the kept socket
            with self.registry.cursor() as cr:
                cr.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if not cr.fetchone()[0]:
                    break
            time.sleep(0.1)
        with self.registry.cursor() as cr:
            self.assertTrue(self.insert(cr, "apart-after"))
        self.assertEqual(len(self.committed("apart-after")), 1)
        self.assertNotEqual(self.kept_session()[0], pid)

    def test_a_store_deleted_meanwhile_is_refused_404_and_nothing_stored(self):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(self.store_id)
            self.assertTrue(store.company_id)  # read as the intake's store lookup reads it, before
            self._delete_store(self.store_id)
            with self.assertRaises(WebhookRejected) as caught:
                env["store.webhook.delivery"]._insert_delivery(
                    store, "orders", "orders/create", "apart-gone", {}, "{}",
                    operation="webhook.orders", method_name="_job_process", wake=True, apart=True)
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(self.committed("apart-gone"), [])
        self.assertEqual(self.woken, [])

    def test_outside_a_request_the_intake_writes_in_its_own_transaction(self):
        with self.registry.cursor() as cr:
            self.assertFalse(self.env_of(cr)["store.webhook.delivery"]._writes_apart())


class TestKeptConnections(CommittedRecordsCase):
    """services.kept_connections on its own: one transaction per run, rolled back on failure."""

    def setUp(self):
        super().setUp()
        self.kept = KeptConnections(keep=1)
        self.addCleanup(self.kept.close_all)
        dbname = self.registry.db_name
        self.kept.run(dbname, lambda cursor, _kept: cursor.execute(
            "CREATE TABLE IF NOT EXISTS sc_kept_probe (value int UNIQUE)"))
        self.addCleanup(self.kept.run, dbname,
                        lambda cursor, _kept: cursor.execute("DROP TABLE IF EXISTS sc_kept_probe"))

    def values(self):
        def read(cursor, _kept):
            cursor.execute("SELECT array_agg(value ORDER BY value) FROM sc_kept_probe")
            return cursor.fetchone()[0]
        return self.kept.run(self.registry.db_name, read)

    def test_a_failed_run_is_rolled_back_and_the_session_used_again(self):
        dbname = self.registry.db_name
        insert = "INSERT INTO sc_kept_probe VALUES (%s)"
        self.kept.run(dbname, lambda cursor, _kept: cursor.execute(insert, [1]))

        def twice(cursor, _kept):
            cursor.execute(insert, [2])
            cursor.execute(insert, [1])
        with self.assertRaises(psycopg2.errors.UniqueViolation):
            self.kept.run(dbname, twice)
        self.assertEqual(self.values(), [1], "nothing of the failed run is kept")

        def pid(cursor, _kept):
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
        self.assertEqual(self.kept.run(dbname, pid), self.kept.run(dbname, pid))

    def test_a_session_left_unsure_by_an_error_is_not_used_again(self):
        dbname = self.registry.db_name

        def pid(cursor, _kept):
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
        before = self.kept.run(dbname, pid)
        with self.assertRaises(psycopg2.errors.UndefinedTable):
            self.kept.run(dbname, lambda cursor, _kept: cursor.execute("SELECT * FROM sc_no_such_table"))
        self.assertNotEqual(self.kept.run(dbname, pid), before)
