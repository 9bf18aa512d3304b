"""Several runners of the queue (issue #12): System Parameter store_connector.runner_count makes
runner crons that Odoo schedules side by side (sync.job `_sync_runner_crons`), each woken when the
backlog needs it (`_wake_helper_runners`), and two runners on two real connections run each job
once.

`TestRunnerCrons` works in the test's transaction; `TestRunnersConcurrency` runs the runner crons
on separate, committed connections, as Odoo's cron workers do, and deletes what they committed.
"""

import threading
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

import odoo.sql_db
from odoo import fields

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.models.sync_job import (
    _RUNNING_LOCK_NAMESPACE,
    HELPER_RUNNER_NAME,
    HELPER_RUNNER_PRIORITY,
    RUNNER_CRON_XMLID,
    RUNNER_MODULE,
)
from odoo.addons.store_connector_test_platform.models import connector_store as test_platform_store

from .common import CommittedRecordsCase, StoreConnectorCase

OP = "test.scripted"


def helper_xmlid(number):
    return f"{RUNNER_MODULE}.{HELPER_RUNNER_NAME}{number}"


class TestRunnerCrons(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Job = cls.env["sync.job"]
        cls.ICP = cls.env["ir.config_parameter"].sudo()
        cls.runner = cls.env.ref(RUNNER_CRON_XMLID)

    def helpers(self):
        """{number: ir.cron} of the helper runners, archived ones included."""
        Cron = self.env["ir.cron"].with_context(active_test=False)
        return {number: Cron.browse(cron_id) for number, cron_id in self.Job._helper_runner_crons().items()}

    def active_helpers(self):
        return sorted(number for number, cron in self.helpers().items() if cron.active)

    def triggers(self, cron):
        return self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)])

    def enqueue_many(self, count, eta=None):
        items = [(self.store, None, {"n": n}) for n in range(count)]
        return self.Job._enqueue_many(self.store, OP, "_job_scripted", items, eta=eta)

    def clear_triggers(self):
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM ir_cron_trigger")

    # ------------------------------------------------------------------ the setting
    def test_install_makes_the_lanes_of_the_default_of_three_runners(self):
        self.assertEqual(self.ICP.get_param(const.PARAM_RUNNER_COUNT), "3")
        self.assertEqual(self.active_helpers(), [2, 3])
        helper = self.env.ref(helper_xmlid(2))
        self.assertRecordValues(helper, [{
            "model_id": self.runner.model_id.id, "state": "code", "user_id": self.runner.user_id.id,
            "interval_number": 1, "interval_type": "minutes", "priority": HELPER_RUNNER_PRIORITY,
        }])
        self.assertEqual(helper.code.strip(), "model._cron_process_queue(runner=2)")
        self.assertIn("lane 2", helper.name)
        self.assertTrue(self.env["ir.model.data"].search([
            ("module", "=", RUNNER_MODULE), ("name", "=", f"{HELPER_RUNNER_NAME}2")]).noupdate)

    def test_the_setting_makes_and_archives_helper_runners(self):
        self.ICP.set_param(const.PARAM_RUNNER_COUNT, "4")
        self.assertEqual(self.active_helpers(), [2, 3, 4])
        made = {number: cron.id for number, cron in self.helpers().items()}
        self.assertEqual(self.env.ref(helper_xmlid(4)).code.strip(), "model._cron_process_queue(runner=4)")
        self.ICP.set_param(const.PARAM_RUNNER_COUNT, "1")
        self.assertEqual(self.active_helpers(), [], "one runner: the first alone")
        self.assertTrue(self.runner.active, "the first runner is never archived by the setting")
        self.ICP.set_param(const.PARAM_RUNNER_COUNT, "3")
        self.assertEqual(self.active_helpers(), [2, 3])
        self.assertEqual({number: cron.id for number, cron in self.helpers().items()}, made,
                         "archived helpers come back, none is made twice")
        # Deleting the parameter is the default again; nonsense is the default too (with a warning).
        self.ICP.search([("key", "=", const.PARAM_RUNNER_COUNT)]).unlink()
        self.assertEqual(self.active_helpers(), [2, 3])
        with self.assertLogs("odoo.store_connector.base.models.sync_job", "WARNING"):
            self.ICP.set_param(const.PARAM_RUNNER_COUNT, "many")
        self.assertEqual(self.active_helpers(), [2, 3])

    def test_the_count_is_capped(self):
        self.ICP.set_param(const.PARAM_RUNNER_COUNT, "1000")
        self.assertEqual(self.Job._runner_count(), const.MAX_RUNNER_COUNT)
        self.assertEqual(len(self.active_helpers()), const.MAX_RUNNER_COUNT - 1)

    # ------------------------------------------------------------------ waking them
    def test_a_lane_made_by_the_first_version_is_taken_over(self):
        """The lanes made at install run as the first runner did (no number): the setting gives
        them their number and their place after Odoo's other crons."""
        lane = self.env.ref(helper_xmlid(2))
        lane.write({"code": "model._cron_process_queue()", "priority": 5})
        self.Job._sync_runner_crons()
        self.assertEqual((lane.code.strip(), lane.priority),
                         ("model._cron_process_queue(runner=2)", HELPER_RUNNER_PRIORITY))

    def test_one_delivery_or_job_wakes_the_first_runner_alone(self):
        helper = self.env.ref(helper_xmlid(2))
        self.clear_triggers()
        self.Job._enqueue(self.store, OP, "_job_scripted")
        self.env.cr.flush()  # the precommit hooks, as a commit runs them
        self.assertEqual((self.triggers(self.runner), self.triggers(helper)), (1, 0))

    def test_a_large_enqueue_wakes_the_runners_its_jobs_need(self):
        self.ICP.set_param(const.PARAM_RUNNER_COUNT, "4")
        self.ICP.set_param(const.PARAM_RUNNER_BATCH, "5")
        helpers = self.helpers()
        self.clear_triggers()
        # 12 jobs: three batches of 5, three runners, the first and two helpers.
        self.enqueue_many(12)
        self.env.cr.flush()
        self.assertEqual([self.triggers(helpers[n]) for n in (2, 3, 4)], [1, 1, 0])
        self.assertEqual(self.triggers(self.runner), 1)
        # Woken already: another burst does not wake them again, it wakes the one more it needs.
        self.enqueue_many(20)
        self.env.cr.flush()
        self.assertEqual([self.triggers(helpers[n]) for n in (2, 3, 4)], [1, 1, 1])
        # Jobs for later wake nobody now but the first runner, at their time.
        self.clear_triggers()
        eta = fields.Datetime.now() + timedelta(hours=1)
        self.enqueue_many(20, eta=eta)
        self.env.cr.flush()
        self.assertEqual([self.triggers(helpers[n]) for n in (2, 3, 4)], [0, 0, 0])

    def test_a_runner_that_finds_a_backlog_wakes_helpers(self):
        self.ICP.set_param(const.PARAM_RUNNER_BATCH, "2")
        helper = self.env.ref(helper_xmlid(2))
        for n in range(4):
            self.Job._enqueue(self.store, OP, "_job_scripted", payload={"n": n})
        self.env.cr.flush()
        self.clear_triggers()
        # One job (no time left), 3 due jobs remain: more than one runner's batch.
        ran = self.Job._process_queue(store_ids=self.store.ids, commit=False, report_progress=True,
                                      time_limit=0, wake_helpers=True)
        self.assertEqual(ran, 1)
        self.assertEqual(self.triggers(helper), 1)
        # A backlog one batch holds needs no helper.
        self.clear_triggers()
        self.Job._process_queue(store_ids=self.store.ids, commit=False, report_progress=True, time_limit=0,
                                wake_helpers=True)
        self.assertEqual(self.triggers(helper), 0)

    def test_an_archived_helper_is_not_woken(self):
        self.ICP.set_param(const.PARAM_RUNNER_COUNT, "1")
        self.clear_triggers()
        self.enqueue_many(500)
        self.env.cr.flush()
        self.assertEqual(self.env["ir.cron.trigger"].sudo().search([]).cron_id, self.runner)

    # ------------------------------------------------------------------ Odoo's other crons
    def test_other_crons_due_are_seen_and_the_runners_are_not_counted(self):
        helper = self.env.ref(helper_xmlid(2))
        later = fields.Datetime.now() + timedelta(days=1)
        self.env.flush_all()
        self.env.cr.execute("UPDATE ir_cron SET nextcall = %s", [later])
        self.clear_triggers()
        self.env.invalidate_all()
        self.env.cr.execute("UPDATE ir_cron SET nextcall = %s WHERE id IN %s",
                            [fields.Datetime.now() - timedelta(minutes=1), (self.runner.id, helper.id)])
        self.assertFalse(self.Job._other_crons_due(), "the runners themselves are no reason to yield")
        purge = self.env.ref("store_connector_base.ir_cron_sync_job_purge")
        purge._trigger()
        self.env.flush_all()
        self.assertTrue(self.Job._other_crons_due(), "a triggered cron waits for a worker")
        self.clear_triggers()
        self.env.cr.execute("UPDATE ir_cron SET nextcall = %s WHERE id = %s",
                            [fields.Datetime.now() - timedelta(minutes=1), purge.id])
        self.assertTrue(self.Job._other_crons_due(), "a cron past its next call waits for a worker")


class RunnersCase(CommittedRecordsCase):
    """Runner crons called as Odoo's cron workers call them, each on its own connection, committing."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            self.runner_count = self.env_of(cr)["ir.config_parameter"].get_param(const.PARAM_RUNNER_COUNT)
            cr.execute("SELECT count(*) FROM sync_job WHERE state IN ('pending', 'processing')")
            self.assertEqual(cr.fetchone()[0], 0, "the runners run every store's jobs: none may be left")
        self.store_id = self.committed_store("Runners Store")

    def set_params(self, values):
        with self.registry.cursor() as cr:
            ICP = self.env_of(cr)["ir.config_parameter"]
            for key, value in values.items():
                ICP.set_param(key, value)

    def committed_jobs(self, count, sleep):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(self.store_id)
            items = [(store, None, {"sleep": sleep, "n": n}) for n in range(count)]
            return env["sync.job"]._enqueue_many(store, OP, "_job_scripted", items).ids


class TestRunnersConcurrency(RunnersCase):
    def test_two_runner_crons_on_two_connections_run_each_job_once(self):
        self.set_params({const.PARAM_RUNNER_BATCH: "4"})
        self.addCleanup(self.set_params, {const.PARAM_RUNNER_BATCH: False})
        ids = self.committed_jobs(40, sleep=0.02)
        runs, lock = Counter(), threading.Lock()
        original = test_platform_store.ConnectorStore._job_scripted

        def counted(store, job):
            with lock:
                runs[job.id] += 1
            return original(store, job)

        barrier = threading.Barrier(2)
        errors, workers = [], {}

        def run_cron(xmlid):
            try:
                with self.registry.cursor() as cr:
                    cron = self.env_of(cr).ref(xmlid)
                    barrier.wait(timeout=30)
                    cron.method_direct_trigger()
                    cr.execute("SELECT done FROM ir_cron_progress WHERE cron_id = %s "
                               "ORDER BY id DESC LIMIT 1", [cron.id])
                    workers[xmlid] = cr.fetchone()[0]
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                errors.append(exc)

        with patch.object(test_platform_store.ConnectorStore, "_job_scripted", counted):
            threads = [threading.Thread(target=run_cron, args=(xmlid,))
                       for xmlid in (RUNNER_CRON_XMLID, helper_xmlid(2))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a runner hangs")
        if errors:
            raise errors[0]
        self.assertEqual(dict(runs), dict.fromkeys(ids, 1), "every job ran, and ran once")
        with self.registry.cursor() as cr:
            cr.execute("SELECT state, count(*), count(DISTINCT worker) FROM sync_job WHERE id = ANY(%s) "
                       "GROUP BY state", [ids])
            self.assertEqual(cr.fetchall(), [("done", 40, 2)], "both runners took their share")
        self.assertEqual(sum(workers.values()), 40, workers)
        self.assertTrue(all(workers.values()), workers)

    def test_a_helper_beyond_the_count_archives_itself_when_it_next_runs(self):
        with self.registry.cursor() as cr:
            helper_id = self.env_of(cr).ref(helper_xmlid(2)).id
        self.addCleanup(self.set_params, {const.PARAM_RUNNER_COUNT: self.runner_count})
        # A cron worker runs the helper (it holds the cron's row) while the setting is lowered.
        worker = self.registry.cursor()
        self.addCleanup(worker.close)
        worker.execute("SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE", [helper_id])
        self.set_params({const.PARAM_RUNNER_COUNT: "1"})
        with self.registry.cursor() as cr:
            cr.execute("SELECT active FROM ir_cron WHERE id = %s", [helper_id])
            self.assertTrue(cr.fetchone()[0], "a running cron cannot be written")
        worker.rollback()
        # Its next call, as Odoo's cron worker makes it: the job acquired, its action run.
        jobs = self.committed_jobs(3, sleep=0)
        with self.registry.cursor() as cr:
            cr.execute("UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') - interval '1 minute' "
                       "WHERE id = %s", [helper_id])
        IrCron = self.registry["ir.cron"]
        with self.registry.cursor() as cron_cr:
            job = IrCron._acquire_one_job(cron_cr, helper_id)
            self.assertTrue(job)
            IrCron._process_job(odoo.sql_db.db_connect(self.registry.db_name), cron_cr, job)
        with self.registry.cursor() as cr:
            cr.execute("SELECT active FROM ir_cron WHERE id = %s", [helper_id])
            self.assertFalse(cr.fetchone()[0], "it archived itself")
            cr.execute("SELECT count(*) FROM sync_job WHERE id = ANY(%s) AND state = 'pending'", [jobs])
            self.assertEqual(cr.fetchone()[0], 3, "and ran nothing: the first runner runs them")
        with self.registry.cursor() as cr:
            self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True)

    def test_a_helper_ends_its_chain_when_another_cron_waits(self):
        ids = self.committed_jobs(3, sleep=0)

        def helper_call(other_due):
            with patch.object(type(self.env["sync.job"]), "_other_crons_due", lambda self: other_due), \
                    self.registry.cursor() as cr:
                cron = self.env_of(cr).ref(helper_xmlid(2))
                cron.method_direct_trigger()
                cr.execute("SELECT done, remaining FROM ir_cron_progress WHERE cron_id = %s "
                           "ORDER BY id DESC LIMIT 1", [cron.id])
                return cr.fetchone()

        self.set_params({const.PARAM_RUNNER_BATCH: "1", const.PARAM_RUNNER_TIME_LIMIT: "0"})
        self.addCleanup(self.set_params,
                        {const.PARAM_RUNNER_BATCH: False, const.PARAM_RUNNER_TIME_LIMIT: False})
        # Nothing else waits: Odoo is told what remains, and calls again at once.
        self.assertEqual(helper_call(False), (1, 2))
        # Another cron waits for a worker: the helper says it is done, the worker moves on to it.
        self.assertEqual(helper_call(True), (1, 0))
        with self.registry.cursor() as cr:
            cr.execute("SELECT state, count(*) FROM sync_job WHERE id = ANY(%s) GROUP BY state", [ids])
            self.assertEqual(dict(cr.fetchall()), {"done": 2, "pending": 1})
            self.env_of(cr)["sync.job"]._process_queue(store_ids=[self.store_id], commit=True)




class TestRunnerWake(RunnersCase):
    """An enqueue wakes one runner: the first active lane that no worker is running (sync.job
    _RUNNING_LOCK_NAMESPACE), so that a job queued while a lane works through a long job is run by
    another worker at once, and one delivery never wakes every lane."""

    def lanes(self, env):
        return [env.ref(RUNNER_CRON_XMLID).id] + [env.ref(helper_xmlid(n)).id for n in (2, 3)]

    def running(self, number):
        """A worker's connection running runner `number` (its lock held, committed)."""
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        Job = self.env_of(cr)["sync.job"]
        self.assertTrue(Job._take_runner_lock(number))
        # Before the cursor goes back to the pool, whose connection would keep the lock.
        self.addCleanup(lambda: cr._cnx.closed or Job._drop_runner_lock(number))
        return cr

    def woken(self):
        """The lanes that a job queued now (by a transaction of its own, committed) wakes."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            lanes = self.lanes(env)
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s AND cron_id = ANY(%s)",
                       [self.trigger_floor, lanes])
            cr.commit()
            env["sync.job"]._enqueue(env["connector.store"].browse(self.store_id), OP, "_job_scripted")
        with self.registry.cursor() as cr:
            cr.execute("SELECT cron_id FROM ir_cron_trigger WHERE id > %s AND cron_id = ANY(%s)",
                       [self.trigger_floor, lanes])
            return [lanes.index(cron_id) + 1 for (cron_id,) in cr.fetchall()]

    def set_lane_active(self, number, active):
        with self.registry.cursor() as cr:
            cr.execute("UPDATE ir_cron SET active = %s WHERE id = %s",
                       [active, self.env_of(cr).ref(helper_xmlid(number)).id])

    def test_the_first_lane_not_running_is_woken(self):
        self.assertEqual(self.woken(), [1], "nothing runs: the first runner")
        first = self.running(1)
        self.assertEqual(self.woken(), [2], "the first runner works through a job: another worker")
        self.running(2)
        self.assertEqual(self.woken(), [3])
        self.running(3)
        self.assertEqual(self.woken(), [1], "all busy: the first, as before lanes (it sees the job next)")
        self.env_of(first)["sync.job"]._drop_runner_lock(1)
        self.assertEqual(self.woken(), [1], "the first runner's call ended")

    def test_an_archived_lane_or_one_beyond_the_count_is_not_woken(self):
        self.running(1)
        self.set_lane_active(2, False)
        self.addCleanup(self.set_lane_active, 2, True)
        self.assertEqual(self.woken(), [3])
        self.addCleanup(self.set_params, {const.PARAM_RUNNER_COUNT: self.runner_count})
        self.set_params({const.PARAM_RUNNER_COUNT: "2"})
        self.assertEqual(self.woken(), [2], "the setting owns the lanes: lane 2 is back")
        self.running(2)
        self.assertEqual(self.woken(), [1], "lane 3 is beyond the count: not woken")

    def test_a_lane_whose_worker_died_is_not_running(self):
        cr = self.running(1)
        self.assertEqual(self.woken(), [2])
        cr._cnx.close()
        for _attempt in range(100):
            with self.registry.cursor() as probe:
                probe.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
                              "AND objid = 1 AND granted", [_RUNNING_LOCK_NAMESPACE])
                if not probe.fetchone()[0]:
                    break
            threading.Event().wait(0.05)
        self.assertEqual(self.woken(), [1])

    def test_the_runner_cron_holds_its_lock_for_its_call_only(self):
        held = []
        original = type(self.env["sync.job"])._process_queue

        def process(job_model, *args, **kwargs):
            with self.registry.cursor() as probe:
                probe.execute("SELECT pg_try_advisory_xact_lock_shared(%s, 2)", [_RUNNING_LOCK_NAMESPACE])
                held.append(not probe.fetchone()[0])
            return original(job_model, *args, **kwargs)

        with patch.object(type(self.env["sync.job"]), "_process_queue", process), \
                self.registry.cursor() as cr:
            self.env_of(cr).ref(helper_xmlid(2)).method_direct_trigger()
        self.assertEqual(held, [True], "lane 2 holds its lock while it claims and runs")
        with self.registry.cursor() as probe:
            probe.execute("SELECT pg_try_advisory_xact_lock_shared(%s, 2)", [_RUNNING_LOCK_NAMESPACE])
            self.assertTrue(probe.fetchone()[0], "and lets go when its call ends")
