"""The queue runner's lanes: Odoo runs one cron record in one worker at a time across every server of a
database, so a single runner cron ran the whole queue in one worker at a time (the fault suite's "two
servers" fault saw every job run on one server, and a long job held back every other job). Each lane is a
runner cron of its own, woken by every enqueue, so as many workers as lanes run the queue at once."""

from odoo import SUPERUSER_ID, api
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.models.sync_job import RUNNER_CRON_XMLID, RUNNER_LANE_XMLIDS

from .common import create_test_store


class TestRunnerLanes(TransactionCase):
    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _lane_ids(self, env):
        return [env.ref(xmlid).id for xmlid in RUNNER_LANE_XMLIDS]

    def test_lanes_run_the_queue_like_the_runner(self):
        lanes = [self.env.ref(xmlid) for xmlid in RUNNER_LANE_XMLIDS]
        self.assertGreaterEqual(len(lanes), 3)
        self.assertEqual(lanes[0], self.env.ref(RUNNER_CRON_XMLID))
        for lane in lanes:
            self.assertTrue(lane.active)
            self.assertEqual(lane.code.strip(), "model._cron_process_queue()")
            self.assertEqual(lane.model_id.model, "sync.job")

    def test_enqueueing_wakes_every_active_lane(self):
        Trigger = self.env["ir.cron.trigger"].sudo()
        first, second, third = (self.env.ref(xmlid) for xmlid in RUNNER_LANE_XMLIDS[:3])
        lanes = self._lane_ids(self.env)
        Trigger.search([("cron_id", "in", lanes)]).unlink()
        third.active = False
        store = create_test_store(self.env, name="Lanes")
        self.env["sync.job"]._enqueue(store, "test.scripted", "_job_scripted")
        self.env["sync.job"]._enqueue(store, "test.scripted", "_job_scripted")
        self.env.cr.flush()  # runs the precommit hooks, as a commit does
        counts = {cron: Trigger.search_count([("cron_id", "=", cron.id)]) for cron in (first, second, third)}
        self.assertEqual(counts, {first: 1, second: 1, third: 0},
                         "one trigger per active lane and transaction, none for an archived lane")

    def test_a_job_queued_while_the_runner_runs_elsewhere_is_taken_by_another_worker(self):
        """A worker running the runner holds its cron row (Odoo's acquisition: FOR NO KEY UPDATE in
        a transaction left open until the run ends). A job queued meanwhile must still have a runner
        cron that another worker, on this server or another, can acquire at once."""
        IrCron = type(self.env["ir.cron"])
        with self.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            floor = cr.fetchone()[0]
            store_id = create_test_store(self._env(cr), name="Lanes busy runner").id
            lanes = self._lane_ids(self._env(cr))

        def cleanup():
            with self.registry.cursor() as cr:
                cr.execute("DELETE FROM sync_job WHERE store_id = %s", [store_id])
                cr.execute("DELETE FROM connector_store WHERE id = %s", [store_id])
                cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [floor])

        self.addCleanup(cleanup)
        with self.registry.cursor() as busy:
            # The worker running the runner: its acquisition's lock, held until the run ends.
            busy.execute("SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE", [lanes[0]])
            with self.registry.cursor() as cr:
                env = self._env(cr)
                env["sync.job"]._enqueue(env["connector.store"].browse(store_id), "test.scripted",
                                         "_job_scripted")
            with self.registry.cursor() as other:
                ready = [job["id"] for job in IrCron._get_all_ready_jobs(other)]
                acquired = []
                for cron_id in (lane for lane in lanes if lane in ready):
                    job = IrCron._acquire_one_job(other, cron_id)
                    if job:
                        acquired.append(cron_id)
                        break
                other.rollback()
            busy.rollback()
        self.assertTrue(acquired, "no runner cron could be acquired while one runs: the job waits for it")
        self.assertNotEqual(acquired[0], lanes[0])
