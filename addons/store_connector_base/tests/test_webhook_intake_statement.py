"""The intake's statement (issue #12, CPU per delivery): a delivery, its job and the runner's wake-up
written by one statement (`store.webhook.delivery` `_INSERT_SQL`), in one round trip.

`TestIntakeStatement` works in the test's transaction; `TestIntakeWakesTheFirstLaneNotRunning`
commits deliveries on connections of their own while runner lanes hold their running lock, as
the queue's cron workers do, and deletes what it committed.
"""

import json
from unittest.mock import patch

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.models.sync_job import RUNNER_CRON_XMLID
from odoo.addons.store_connector_base.services import cron_wakeup

from .common import StoreConnectorCase
from .test_queue_runners import RunnersCase, helper_xmlid


def insert(env, store, event_id, wake=True, identity_key=None):
    Delivery = env["store.webhook.delivery"].sudo()
    return Delivery._insert_delivery(
        store, "orders", "orders/create", event_id, {"X-Test": "1"}, json.dumps({"id": event_id}),
        operation="webhook.orders", method_name="_job_process", wake=wake, identity_key=identity_key)


class TestIntakeStatement(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runner = cls.env.ref(RUNNER_CRON_XMLID)
        cls.Trigger = cls.env["ir.cron.trigger"].sudo()

    def setUp(self):
        super().setUp()
        self.Trigger.search([("cron_id", "=", self.runner.id)]).unlink()
        self.env.flush_all()
        self.env["sync.job"]._runner_cron_ids()  # its cache filled: the count below is the intake's

    def triggers(self):
        self.env.cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s", [self.runner.id])
        return self.env.cr.fetchone()[0]

    def test_delivery_job_and_wake_up_in_one_statement(self):
        # Caches filled as the intake's store lookup and earlier requests fill them.
        insert(self.env, self.store, "warm-up")
        before = self.env.cr.sql_log_count
        delivery = self.env["store.webhook.delivery"].browse(insert(self.env, self.store, "one-trip"))
        self.assertEqual(self.env.cr.sql_log_count - before, 1, "one round trip: delivery, job, trigger")
        # Written by that statement, not when the transaction commits (no pre-commit statement).
        self.assertEqual(self.triggers(), 2)
        self.assertEqual(delivery.job_id.state, "pending")
        self.assertEqual(delivery.job_id.res_ids, [delivery.id])

    def test_the_cron_workers_are_notified_after_the_commit(self):
        woken = []
        with patch.object(cron_wakeup, "wake_cron_workers", woken.append):
            insert(self.env, self.store, "notify-1")
            self.assertEqual(woken, [], "not before the commit")
            self.env.cr.postcommit.run()
        self.assertEqual(woken, [self.env.cr.dbname])

    def test_a_duplicate_or_no_wake_writes_no_trigger(self):
        self.assertTrue(insert(self.env, self.store, "dup-1"))
        self.assertIsNone(insert(self.env, self.store, "dup-1"), "a duplicate is not stored again")
        self.assertEqual(self.triggers(), 1, "a duplicate queues nothing, so it wakes nothing")
        self.assertTrue(insert(self.env, self.store, "quiet-1", wake=False))
        self.assertEqual(self.triggers(), 1)

    def test_a_keyed_delivery_wakes_the_runner_at_commit(self):
        self.assertTrue(insert(self.env, self.store, "keyed-1", identity_key="webhook:order-1"))
        self.env.cr.flush()  # the pre-commit hooks, as a commit runs them
        self.assertEqual(self.triggers(), 1)


class TestIntakeWakesTheFirstLaneNotRunning(RunnersCase):
    """The intake's statement wakes the lane `sync.job._trigger_runner` would: the first active lane
    that no worker is running (its lock), the first runner when all are busy."""

    def running(self, number):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        Job = self.env_of(cr)["sync.job"]
        self.assertTrue(Job._take_runner_lock(number))
        self.addCleanup(lambda: cr._cnx.closed or Job._drop_runner_lock(number))
        return cr

    def woken(self, event_id):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            lanes = [env.ref(RUNNER_CRON_XMLID).id] + [env.ref(helper_xmlid(n)).id for n in (2, 3)]
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [self.trigger_floor])
            cr.commit()
            self.assertTrue(insert(env, env["connector.store"].browse(self.store_id), event_id))
        with self.registry.cursor() as cr:
            cr.execute("SELECT cron_id FROM ir_cron_trigger WHERE id > %s", [self.trigger_floor])
            return [lanes.index(cron_id) + 1 for (cron_id,) in cr.fetchall()]

    def test_the_first_lane_not_running_is_woken(self):
        self.addCleanup(self.set_params, {const.PARAM_RUNNER_COUNT: self.runner_count})
        self.set_params({const.PARAM_RUNNER_COUNT: "3"})
        self.addCleanup(self._delete_deliveries)
        self.assertEqual(self.woken("lane-1"), [1], "nothing runs: the first runner")
        self.running(1)
        self.assertEqual(self.woken("lane-2"), [2], "the first runner is busy: another worker")
        self.running(2)
        self.running(3)
        self.assertEqual(self.woken("lane-3"), [1], "all busy: the first")

    def _delete_deliveries(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM store_webhook_delivery WHERE store_id = %s", [self.store_id])
            cr.execute("DELETE FROM sync_job WHERE store_id = %s", [self.store_id])
