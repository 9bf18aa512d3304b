"""Liveness of running jobs by a database lock, not a clock (sync.job `_hold_lease`, `_requeue_stuck`).

Every test works on real, committed transactions on separate connections, as several workers do:
a "worker" connection takes a lease and claims, and dies in one of the ways a worker dies (its
connection closed, its backend terminated, its process killed with SIGKILL). What the tests commit
is deleted in their cleanups.
"""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from unittest.mock import patch

import psycopg2

from odoo.tools import config

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.models.sync_job import _LEASE_LOCK_NAMESPACE

from .common import CommittedRecordsCase

OP = "test.scripted"
CONNECTION_CLOSED = "its database connection closed"


class TestJobLease(CommittedRecordsCase):
    def setUp(self):
        super().setUp()
        self.store_id = self.committed_store("Lease Store")

    # ------------------------------------------------------------------ helpers
    def committed_job(self, payload=None, **kwargs):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(self.store_id)
            return env["sync.job"]._enqueue(store, OP, "_job_scripted", payload=payload, **kwargs).id

    def job(self, job_id):
        [row] = self.read(
            """SELECT state, retry_count, error_kind, last_error, lease_key, started_at,
                      (statement_timestamp() AT TIME ZONE 'UTC') - started_at AS age
                 FROM sync_job WHERE id = %s""", [job_id])
        return dict(zip(("state", "retry_count", "error_kind", "last_error", "lease_key", "started_at",
                         "age"), row, strict=True))

    def read(self, query, params=None):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def requeue(self):
        """What every runner call does first (sync.job._cron_process_queue)."""
        with self.registry.cursor() as cr:
            Job = self.env_of(cr)["sync.job"]
            return Job._in_bookkeeping_transaction(Job._requeue_stuck, commit=True)

    def age(self, job_id, hours):
        with self.registry.cursor() as cr:
            cr.execute("UPDATE sync_job SET started_at = started_at - %s * interval '1 hour' WHERE id = %s",
                       [hours, job_id])

    def lease_holders(self, key):
        """The backends holding lease `key`, as `_requeue_stuck` looks them up."""
        return [pid for (pid,) in self.read(
            """SELECT pid FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s AND objsubid = 2
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
            [_LEASE_LOCK_NAMESPACE, key])]

    def wait_until_released(self, key, timeout=20):
        """A closed connection's backend ends (and drops its locks) a moment after the client goes."""
        deadline = time.monotonic() + timeout
        while self.lease_holders(key):
            self.assertLess(time.monotonic(), deadline, f"lease {key} is still held after {timeout}s")
            time.sleep(0.05)

    def own_leases(self, cr):
        cr.execute("""SELECT count(*) FROM pg_locks
                       WHERE locktype = 'advisory' AND classid = %s AND pid = pg_backend_pid()""",
                   [_LEASE_LOCK_NAMESPACE])
        return cr.fetchone()[0]

    def worker_claims(self, job_id):
        """A worker connection that takes a lease and claims `job_id` (committed), then stays in
        the middle of the job. :returns: (its cursor, its backend pid, the lease key)."""
        cr = self.registry.cursor()
        Job = self.env_of(cr)["sync.job"]
        key = Job._take_lease()
        claimed = Job._claim(10, store_ids=[self.store_id], commit=True, lease=key)
        self.assertEqual(claimed.ids, [job_id])
        cr.execute("SELECT pg_backend_pid()")
        pid = cr.fetchone()[0]
        cr.commit()
        return cr, pid, key

    def close_dead_cursor(self, cr):
        # The connection is gone: Odoo's pool drops it when it next tries to reuse it.
        try:
            cr.close()
        except psycopg2.Error:
            pass

    def terminate(self, pid):
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
            self.assertTrue(cr.fetchone()[0], "the worker's backend did not end")

    # ------------------------------------------------------------------ a live worker's job
    def test_a_job_whose_lease_is_held_is_never_requeued_whatever_its_age(self):
        job_id = self.committed_job({"result": "once"})
        with self.registry.cursor() as cr:
            self.env_of(cr)["ir.config_parameter"].set_param(const.PARAM_JOB_TIMEOUT_MINUTES, "1")
        self.addCleanup(self._reset_timeout)
        cr, pid, key = self.worker_claims(job_id)
        self.addCleanup(self.close_dead_cursor, cr)
        self.assertEqual(self.job(job_id)["lease_key"], key)
        self.assertEqual(self.lease_holders(key), [pid])
        # Hours past the timeout, as a large page or a slow platform can take: still running.
        self.age(job_id, 5)
        self.assertEqual(self.requeue(), [])
        job = self.job(job_id)
        self.assertEqual((job["state"], job["retry_count"]), ("processing", 0))
        self.assertGreater(job["age"].total_seconds(), 4 * 3600)
        # The worker finishes its job and lets go of its lease: nothing was run twice.
        Job = self.env_of(cr)["sync.job"]
        Job.browse(job_id)._run(commit=True)
        Job._drop_lease(key)
        self.assertEqual(self.lease_holders(key), [])
        self.assertEqual(self.requeue(), [])
        self.assertEqual(self.read("SELECT state, result, retry_count FROM sync_job WHERE id = %s", [job_id]),
                         [("done", "once", 0)])

    def test_a_claim_not_committed_yet_is_left_to_its_worker(self):
        # The lease is taken before the claim commits: whenever a requeuer can see the job
        # processing, it also sees the lease held.
        job_id = self.committed_job()
        cr = self.registry.cursor()
        self.addCleanup(self.close_dead_cursor, cr)
        Job = self.env_of(cr)["sync.job"]
        key = Job._take_lease()
        cr.commit()
        self.assertEqual(Job._claim(10, store_ids=[self.store_id], commit=False, lease=key).ids, [job_id])
        self.assertEqual(self.requeue(), [], "the claim is not committed: the job is pending to others")
        self.assertEqual(self.job(job_id)["state"], "pending")
        cr.commit()
        self.age(job_id, 2)
        self.assertEqual(self.requeue(), [], "committed under a held lease")
        self.assertEqual(self.job(job_id)["state"], "processing")
        Job._drop_lease(key)
        self.assertEqual(self.requeue(), [job_id])

    def _reset_timeout(self):
        with self.registry.cursor() as cr:
            self.env_of(cr)["ir.config_parameter"].set_param(const.PARAM_JOB_TIMEOUT_MINUTES, False)

    # ------------------------------------------------------------------ dead workers
    def test_a_closed_workers_job_is_requeued_at_once_as_a_crash(self):
        job_id = self.committed_job({"result": "second life"})
        cr, _pid, key = self.worker_claims(job_id)
        self.assertEqual(self.requeue(), [], "a fresh claim of a live worker")
        # The worker's connection closes (the process exits without finishing the job).
        cr._cnx.close()
        self.close_dead_cursor(cr)
        self.wait_until_released(key)
        # Seconds old, far under the timeout: the lock's absence is enough.
        self.assertEqual(self.requeue(), [job_id])
        job = self.job(job_id)
        self.assertEqual((job["state"], job["retry_count"], job["error_kind"], job["lease_key"]),
                         ("pending", 1, "crash", None))
        self.assertIn(CONNECTION_CLOSED, job["last_error"])
        self.assertEqual(self.requeue(), [], "requeued once")
        [(failures,)] = self.read("SELECT consecutive_failures FROM connector_store WHERE id = %s",
                                  [self.store_id])
        self.assertEqual(failures, 1, "the lost attempt counts as a failure of the store")
        with self.registry.cursor() as cr:
            self.assertEqual(
                self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True), 1)
        self.assertEqual(self.read("SELECT state, result FROM sync_job WHERE id = %s", [job_id]),
                         [("done", "second life")])

    def test_a_terminated_workers_job_is_requeued_and_one_that_always_kills_it_fails(self):
        job_id = self.committed_job({"result": "never"}, max_retries=1)
        for attempt in range(2):
            cr, pid, key = self.worker_claims(job_id)
            self.age(job_id, 3)
            self.assertEqual(self.requeue(), [], "its worker lives")
            self.terminate(pid)  # kill -9 of the worker, as PostgreSQL sees it
            self.close_dead_cursor(cr)
            self.wait_until_released(key)
            self.assertEqual(self.requeue(), [job_id])
            job = self.job(job_id)
            if attempt == 0:
                self.assertEqual((job["state"], job["retry_count"], job["error_kind"]),
                                 ("pending", 1, "crash"))
        self.assertEqual((job["state"], job["retry_count"], job["error_kind"]), ("failed", 1, "crash"))
        self.assertIn("Gave up", job["last_error"])
        self.assertIn(CONNECTION_CLOSED, job["last_error"])
        self.assertEqual(self.requeue(), [])

    def test_a_worker_process_killed_mid_job_gets_its_job_requeued_once(self):
        """A real Odoo process runs the real runner (`_process_queue(commit=True)`) on a job that
        writes to Odoo then takes its time, and is killed with SIGKILL in the middle of it."""
        job_id = self.committed_job({"write_name": "Written by the killed worker", "sleep": 300})
        script = textwrap.dedent(f"""
            import odoo
            from odoo import SUPERUSER_ID, api
            odoo.tools.config.parse_config(["-c", {config.rcfile!r}, "-d", {self.cr.dbname!r},
                                            "--log-level=warn"])
            registry = odoo.modules.registry.Registry({self.cr.dbname!r})
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {{}})
                env["sync.job"]._process_queue(store_ids=[{self.store_id}], commit=True)
        """)
        fd, log_path = tempfile.mkstemp(prefix="test_job_lease_worker_", suffix=".log")
        with os.fdopen(fd, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-c", script], stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(os.unlink, log_path)
        self.addCleanup(lambda: worker.poll() is None and worker.kill())
        deadline = time.monotonic() + 300
        while self.job(job_id)["state"] != "processing":
            if worker.poll() is not None or time.monotonic() > deadline:
                with open(log_path, encoding="utf-8", errors="replace") as log:
                    self.fail(f"the worker never started the job:\n{log.read()[-3000:]}")
            time.sleep(0.2)
        key = self.job(job_id)["lease_key"]
        self.assertTrue(key, "the runner claims under a lease")
        self.assertEqual(len(self.lease_holders(key)), 1)
        time.sleep(1)  # inside the handler: its write done, sleeping
        self.assertEqual(self.requeue(), [], "a live worker's job")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
        self.wait_until_released(key)
        self.assertEqual(self.requeue(), [job_id])
        self.assertEqual(self.requeue(), [], "requeued once")
        job = self.job(job_id)
        self.assertEqual((job["state"], job["retry_count"], job["error_kind"]), ("pending", 1, "crash"))
        self.assertIn(CONNECTION_CLOSED, job["last_error"])
        # The half-done work died with the worker's transaction.
        self.assertEqual(self.read("SELECT name FROM connector_store WHERE id = %s", [self.store_id]),
                         [("Lease Store",)])
        with self.registry.cursor() as cr:
            cr.execute("""UPDATE sync_job SET payload = '{"result": "after the crash"}' WHERE id = %s""",
                       [job_id])
        with self.registry.cursor() as cr:
            self.assertEqual(
                self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True), 1)
        self.assertEqual(self.read("SELECT state, result, retry_count FROM sync_job WHERE id = %s", [job_id]),
                         [("done", "after the crash", 1)])

    def test_lease_less_processing_jobs_keep_the_timeout_rule(self):
        # Claimed without a lease (inside a request, or a row from before leases): no lock tells.
        job_id = self.committed_job()
        with self.registry.cursor() as cr:
            self.env_of(cr)["sync.job"]._claim(10, store_ids=[self.store_id], commit=True)
        self.assertIsNone(self.job(job_id)["lease_key"])
        self.assertEqual(self.requeue(), [], "younger than the timeout")
        self.age(job_id, 1)
        self.assertEqual(self.requeue(), [job_id])
        job = self.job(job_id)
        self.assertEqual((job["state"], job["retry_count"], job["error_kind"]), ("pending", 1, "crash"))
        self.assertIn("no news for 15 minutes", job["last_error"])

    # ------------------------------------------------------------------ the lease's release
    def test_the_runner_holds_one_lease_while_it_runs_and_releases_it_when_done(self):
        job_ids = [self.committed_job({"result": str(n)}) for n in range(3)]
        seen = []
        Job = type(self.env["sync.job"])
        original = Job._run_claimed

        def run_claimed(job, rows, **kwargs):
            seen.append(({row["lease_key"] for row in rows}, self.own_leases(job.env.cr)))
            return original(job, rows, **kwargs)

        with self.registry.cursor() as cr, patch.object(Job, "_run_claimed", run_claimed):
            ran = self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True,
                                                             batch_size=2)
            self.assertEqual(ran, 3)
            self.assertEqual(self.own_leases(cr), 0, "released when the jobs are done")
        self.assertEqual(len(seen), 2, "two claims")
        keys = set().union(*(keys for keys, _held in seen))
        self.assertEqual(len(keys), 1, "one lease for the whole call, not one per job or claim")
        self.assertTrue(all(held == 1 for _keys, held in seen), "held while the jobs run")
        self.assertEqual(self.read("SELECT count(*) FROM sync_job WHERE id = ANY(%s) AND state = 'done'",
                                   [job_ids]), [(3,)])

    def test_the_lease_is_released_when_the_time_limit_gives_jobs_back(self):
        job_ids = [self.committed_job() for _n in range(3)]
        with self.registry.cursor() as cr:
            ran = self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True,
                                                             time_limit=0)
            self.assertEqual(ran, 1)
            self.assertEqual(self.own_leases(cr), 0)
        self.assertEqual(
            self.read("SELECT state, lease_key, worker FROM sync_job WHERE id = ANY(%s) ORDER BY id",
                      [job_ids])[1:],
            [("pending", None, None), ("pending", None, None)])

    def test_the_lease_is_released_when_an_exception_escapes_and_the_job_is_requeued(self):
        job_id = self.committed_job({"result": "later"})
        Job = type(self.env["sync.job"])

        def broken_run(job, rows, **kwargs):
            raise RuntimeError("the runner broke")

        with self.registry.cursor() as cr, patch.object(Job, "_run_claimed", broken_run):
            with self.assertRaisesRegex(RuntimeError, "the runner broke"):
                self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True)
            self.assertEqual(self.own_leases(cr), 0)
        # Its claimed job is left processing under a lease nobody holds: requeued at once.
        self.assertEqual(self.job(job_id)["state"], "processing")
        self.assertEqual(self.requeue(), [job_id])
        self.assertEqual(self.job(job_id)["state"], "pending")

    def test_the_lease_is_released_when_the_transaction_failed(self):
        self.committed_job()
        Job = type(self.env["sync.job"])

        def failing_sql(job, rows, **kwargs):
            job.env.cr.execute("SELECT 1 / 0")

        with self.registry.cursor() as cr, patch.object(Job, "_run_claimed", failing_sql):
            with self.assertRaises(psycopg2.errors.DivisionByZero):
                self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True)
            self.assertEqual(self.own_leases(cr), 0)

    def test_a_lease_that_cannot_be_released_closes_its_connection(self):
        cr = self.registry.cursor()
        self.addCleanup(self.close_dead_cursor, cr)
        lease = self.env_of(cr)["sync.job"]._hold_lease()
        key = lease.__enter__()
        self.assertEqual(self.own_leases(cr), 1)
        real_execute = type(cr).execute

        def refuse_unlock(cursor, query, *args, **kwargs):
            if "pg_advisory_unlock" in str(query):
                raise psycopg2.OperationalError("the server refused")
            return real_execute(cursor, query, *args, **kwargs)

        # Whatever makes the release fail, the lease must not stay with the connection.
        with patch.object(type(cr), "execute", refuse_unlock):
            lease.__exit__(None, None, None)
        self.assertTrue(cr._cnx.closed, "the connection is closed rather than left with the lease")
        self.wait_until_released(key)

    def test_a_claim_inside_a_request_takes_no_lease(self):
        with self.registry.cursor() as cr:
            with self.env_of(cr)["sync.job"]._hold_lease(commit=False) as key:
                self.assertIsNone(key)
                self.assertEqual(self.own_leases(cr), 0)
