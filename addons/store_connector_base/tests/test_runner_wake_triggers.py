"""The runner's wake-up without a trigger row per enqueueing transaction (issue #12, the intake's CPU).

Every delivery wrote a trigger for a runner cron; the trigger's foreign key locks the cron's row
(KEY SHARE), against the running runner's lock of that row and the other deliveries of the moment: a
MultiXact each time, most of the intake's PostgreSQL cost. A due trigger of a runner with no run
under way is enough (`sync.job._runner_already_woken`): no run of that runner can start before the
transaction commits, so its next run claims the jobs. A run under way keeps its run lock from its
start to the committed deletion of its old triggers (`ir.cron._process_job`, models/ir_cron.py), and
a transaction that finds none idle writes its trigger, as before.

On real, committed connections, as Odoo's HTTP and cron workers use them.
"""

from unittest.mock import patch

import odoo.sql_db

from odoo.addons.store_connector_base.models.sync_job import (
    _RUN_LOCK_NAMESPACE,
    RUNNER_LANE_XMLIDS,
)

from .common import CommittedRecordsCase

OP = "test.scripted"


class TestRunnerWakeTriggers(CommittedRecordsCase):
    def setUp(self):
        super().setUp()
        self.store_id = self.committed_store("Wake triggers")
        with self.registry.cursor() as cr:
            self.lanes = [self.env_of(cr).ref(xmlid).id for xmlid in RUNNER_LANE_XMLIDS]
            # The lanes' due wake-ups left by earlier work would serve these tests' jobs: start
            # from none, and give back the ones taken away.
            cr.execute("""DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)
                          RETURNING cron_id, call_at, create_date, write_date""", [self.lanes])
            removed = cr.fetchall()
            cr.execute("UPDATE ir_cron SET active = true WHERE id = ANY(%s) RETURNING id", [self.lanes])
        self.addCleanup(self._restore_triggers, removed)
        self.addCleanup(self._delete_jobs)

    def _restore_triggers(self, rows):
        with self.registry.cursor() as cr:
            for row in rows:
                cr.execute("""INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
                              VALUES (%s, %s, %s, %s)""", row)

    def _delete_jobs(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM sync_job WHERE store_id = %s", [self.store_id])

    def enqueue(self):
        """One job queued and committed, as a webhook delivery does."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            env["sync.job"]._enqueue(env["connector.store"].browse(self.store_id), OP, "_job_scripted")

    def triggers(self):
        """{lane number: triggers written since the test began}."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT cron_id, count(*) FROM ir_cron_trigger WHERE id > %s AND cron_id = ANY(%s) "
                       "GROUP BY cron_id", [self.trigger_floor, self.lanes])
            counts = dict(cr.fetchall())
        return {number: counts.get(cron, 0) for number, cron in enumerate(self.lanes, start=1)}

    def hold_run_locks(self, *numbers):
        """Runs under way of these runners: their run locks held by another session."""
        holder = self.registry.cursor()
        self.addCleanup(holder.close)
        for number in numbers:
            holder.execute("SELECT pg_advisory_lock(%s, %s)", [_RUN_LOCK_NAMESPACE, number])
        self.addCleanup(holder.execute, "SELECT pg_advisory_unlock_all()")
        return holder

    def test_a_due_trigger_of_an_idle_runner_wakes_it_for_the_transactions_that_follow(self):
        for _n in range(3):
            self.enqueue()
        self.assertEqual(self.triggers(), {1: 1, 2: 0, 3: 0},
                         "one trigger for the first runner; the next jobs find it due and write none")

    def test_a_runner_with_a_run_under_way_is_not_counted_on(self):
        # The first runner's run may be ending: Odoo deletes its older triggers when it commits.
        self.hold_run_locks(1)
        for _n in range(3):
            self.enqueue()
        self.assertEqual(self.triggers(), {1: 0, 2: 1, 3: 0},
                         "the second runner, with no run under way, is woken once for all")

    def test_every_transaction_writes_its_trigger_when_every_runner_has_a_run_under_way(self):
        self.hold_run_locks(*range(1, len(self.lanes) + 1))
        for _n in range(3):
            self.enqueue()
        self.assertEqual(sum(self.triggers().values()), 3, "each job has its own wake-up, as before")

    def test_a_trigger_deleted_after_the_snapshot_is_not_counted_on(self):
        """The due trigger seen in the enqueueing transaction's snapshot is looked up again after the
        probes, in a transaction of its own: a run that deleted it meanwhile is not counted on."""
        self.enqueue()
        self.assertEqual(self.triggers()[1], 1)
        Job = type(self.env["sync.job"])
        original = Job._runner_already_woken

        def run_ends_after_the_snapshot(job_self, runners):
            # A run of the first runner ends now, after this transaction's snapshot was taken
            # (its first statement, the enqueue's): Odoo deletes the runner's older triggers.
            job_self.env.cr.execute("SELECT count(*) FROM ir_cron_trigger")
            with self.registry.cursor() as other:
                other.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s AND id > %s",
                              [self.lanes[0], self.trigger_floor])
            return original(job_self, runners)

        with patch.object(Job, "_runner_already_woken", run_ends_after_the_snapshot):
            self.enqueue()
        self.assertEqual(self.triggers(), {1: 1, 2: 0, 3: 0}, "the job wrote a trigger of its own")

    def test_a_run_holds_its_run_lock_until_its_end_is_committed(self):
        IrCron = self.registry["ir.cron"]
        first = self.lanes[0]
        probes = []

        def probe():
            with self.registry.cursor() as other:
                other.execute("SELECT pg_try_advisory_xact_lock_shared(%s, 1)", [_RUN_LOCK_NAMESPACE])
                return other.fetchone()[0]

        def call(job_self, runner=1):
            probes.append(probe())
            return 0

        with self.registry.cursor() as cr:
            cr.execute("INSERT INTO ir_cron_trigger (cron_id, call_at) "
                       "VALUES (%s, (now() AT TIME ZONE 'UTC') - interval '1 second')", [first])
        with patch.object(type(self.env["sync.job"]), "_cron_process_queue", call), \
                self.registry.cursor() as cron_cr:
            job = IrCron._acquire_one_job(cron_cr, first)
            self.assertTrue(job)
            IrCron._process_job(odoo.sql_db.db_connect(self.registry.db_name), cron_cr, job)
            self.assertTrue(probe(), "released once the run's end is committed")
        self.assertEqual(probes, [False], "a transaction cannot count on the runner while it runs")
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND id > %s",
                       [first, self.trigger_floor])
            self.assertEqual(cr.fetchone()[0], 0, "the run's end deleted its trigger (Odoo)")
