"""The sync.job queue: enqueueing, dedupe, claiming, retries, failures, pauses, buttons, crons.

`TestSyncJob` runs everything in the test's transaction (`commit=False`, one savepoint a job).
`TestSyncJobConcurrency` uses real, committed transactions on separate connections: concurrent
claims and enqueues, a worker that dies, a genuine serialization failure, the cron with its
progress record. What those tests commit is deleted in their cleanups.
"""

import logging
import threading
import time
from datetime import datetime, timedelta

import psycopg2.errors

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import new_test_user

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import OperationNotPermitted
from odoo.addons.store_connector_base.models.sync_job import RUNNER_CRON_XMLID
from odoo.addons.store_connector_base.services.redact import REDACTED

from .common import CommittedRecordsCase, StoreConnectorCase, create_test_store

JOB_LOGGER = "odoo.store_connector.base.models.sync_job"
OP = "test.scripted"


class TestSyncJob(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Job = cls.env["sync.job"]
        cls.other_store = create_test_store(cls.env, name="Other Store")

    # ------------------------------------------------------------------ helpers
    def enqueue(self, payload=None, store=None, method="_job_scripted", operation=OP, **kwargs):
        return self.Job._enqueue(store or self.store, operation, method, payload=payload, **kwargs)

    def run_queue(self, store=None, **kwargs):
        stores = store or self.store
        return self.Job._process_queue(store_ids=stores.ids, commit=False, **kwargs)

    def make_due(self, jobs):
        jobs.write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})

    def store_messages(self, store, text):
        return self.env["mail.message"].search([
            ("model", "=", "connector.store"), ("res_id", "=", store.id), ("body", "ilike", text),
        ])

    # ------------------------------------------------------------------ fields, enqueueing
    def test_enqueue_sets_every_field_and_running_fills_the_rest(self):
        job = self.enqueue({"result": "fine"}, priority=3, direction="export")
        self.assertRecordValues(job, [{
            "store_id": self.store.id, "company_id": self.company.id, "operation": OP,
            "direction": "export", "model_name": "connector.store", "res_ids": [self.store.id],
            "method_name": "_job_scripted", "payload": {"result": "fine"}, "state": "pending",
            "priority": 3, "retry_count": 0, "max_retries": 5, "identity_key": False,
            "last_error": False, "started_at": False, "finished_at": False,
        }])
        self.assertEqual(const.DEFAULT_MAX_RETRIES, 5)
        self.assertTrue(job.create_date)
        self.assertLessEqual(job.next_attempt_at, fields.Datetime.now())

        self.assertEqual(self.run_queue(), 1)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.result, "fine")
        self.assertTrue(job.started_at and job.finished_at)
        self.assertLessEqual(job.started_at, job.finished_at)
        self.assertGreaterEqual(job.duration, 0.0)
        self.assertTrue(job.worker)

    def test_noop_job_is_enqueued_and_runs(self):
        job = self.enqueue(method="_job_noop", operation="test.noop")
        self.assertRecordValues(job, [{"state": "pending", "method_name": "_job_noop",
                                       "operation": "test.noop"}])
        self.assertEqual(self.run_queue(), 1)
        self.assertRecordValues(job, [{"state": "done", "result": False, "last_error": False}])

    def test_scripted_job_runs_on_its_records_with_its_payload(self):
        job = self.enqueue({"write_name": "Renamed by job"}, store=self.other_store)
        self.assertEqual((job.model_name, job.res_ids), ("connector.store", [self.other_store.id]))
        self.run_queue(self.store | self.other_store)
        self.assertEqual(job.state, "done")
        self.assertEqual(self.other_store.name, "Renamed by job")
        self.assertEqual(self.store.name, "Test Store")

    def test_enqueue_refuses_a_handler_that_is_not_a_job_handler(self):
        with self.assertRaises(ValueError):
            self.enqueue(method="unlink")
        with self.assertRaises(ValueError):
            self.enqueue(method="_job_does_not_exist")
        self.assertFalse(self.Job.search([("store_id", "=", self.store.id)]))

    def test_enqueue_refuses_an_operation_the_store_forbids(self):
        self.store.allow_orders_push = False
        with self.assertRaises(OperationNotPermitted) as caught:
            self.enqueue(operation="orders.push")
        message = str(caught.exception)
        self.assertIn(self.store.name, message)
        self.assertIn("orders.push", message)
        self.assertIn(self.store._fields["allow_orders_push"].string, message)
        self.assertFalse(self.Job.search([("store_id", "=", self.store.id)]))
        self.store.allow_orders_push = True
        self.assertEqual(self.enqueue(operation="orders.push").state, "pending")

    def test_queued_job_whose_permission_was_switched_off_fails_with_the_reason(self):
        job = self.enqueue(operation="orders.pull")
        self.store.allow_orders_pull = False
        self.assertEqual(self.run_queue(), 1)
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.error_kind, "permanent")
        self.assertIn("does not permit", job.last_error)
        self.assertIn(self.store._fields["allow_orders_pull"].string, job.last_error)

    # ------------------------------------------------------------------ dedupe
    def test_identity_key_merges_pending_jobs_latest_payload_wins(self):
        jobs = self.Job
        for quantity in range(10):
            jobs |= self.enqueue({"sku": "SKU-1", "qty": quantity}, identity_key="stock:SKU-1")
        self.assertEqual(len(jobs), 1)
        self.assertEqual(jobs.payload, {"sku": "SKU-1", "qty": 9})
        self.assertEqual(
            self.Job.search_count([("store_id", "=", self.store.id), ("identity_key", "=", "stock:SKU-1")]),
            1)
        # Other keys and other stores are other jobs.
        other_key = self.enqueue({"sku": "SKU-2"}, identity_key="stock:SKU-2")
        other_store = self.enqueue({"sku": "SKU-1"}, identity_key="stock:SKU-1", store=self.other_store)
        self.assertEqual(len(jobs | other_key | other_store), 3)

    def test_merge_keeps_backoff_and_takes_the_more_urgent_priority(self):
        job = self.enqueue({"v": 1}, identity_key="k", priority=20)
        later = fields.Datetime.now() + timedelta(minutes=10)
        job.write({"next_attempt_at": later})
        merged = self.enqueue({"v": 2}, identity_key="k", priority=5)
        self.assertEqual(merged, job)
        self.assertRecordValues(job, [{"payload": {"v": 2}, "priority": 5, "next_attempt_at": later}])

    def test_a_processing_job_is_not_merged_into(self):
        job = self.enqueue({"v": 1}, identity_key="k")
        claimed = self.Job._claim(10, store_ids=self.store.ids, commit=False)
        self.assertEqual(claimed, job)
        self.assertEqual(job.state, "processing")
        newer = self.enqueue({"v": 2}, identity_key="k")
        self.assertNotEqual(newer, job)
        self.assertRecordValues(job | newer, [
            {"state": "processing", "payload": {"v": 1}}, {"state": "pending", "payload": {"v": 2}},
        ])

    def test_a_job_going_back_to_pending_is_superseded_by_a_newer_pending_duplicate(self):
        job = self.enqueue({"raise": "retryable"}, identity_key="k")
        self.Job._claim(10, store_ids=self.store.ids, commit=False)
        newer = self.enqueue({"v": 2}, identity_key="k")
        job._run(commit=False)
        # The retry would make two pending jobs of one key: the newer payload wins.
        self.assertEqual(job.state, "cancelled")
        self.assertIn("Superseded", job.result)
        self.assertEqual(job.last_error, "scripted failure")
        self.assertEqual(newer.state, "pending")

    # ------------------------------------------------------------------ runner trigger
    def test_enqueueing_triggers_the_runner_once_per_transaction(self):
        cron = self.env.ref(RUNNER_CRON_XMLID)
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.enqueue(eta=fields.Datetime.now() + timedelta(hours=1))
        self.enqueue()
        self.enqueue({"v": 1}, identity_key="k")
        self.assertFalse(Trigger.search([("cron_id", "=", cron.id)]), "triggers are made at commit")
        self.env.cr.flush()  # runs the precommit hooks, as a commit does
        triggers = Trigger.search([("cron_id", "=", cron.id)])
        self.assertEqual(len(triggers), 1)
        # The earliest time asked for, not the first: due now.
        self.assertLessEqual(triggers.call_at, datetime.utcnow())
        # The next transaction makes its own, even though that one is still due: it may belong to
        # a run of the runner that is about to end (see the next test).
        self.enqueue()
        self.env.cr.flush()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 2)

    def test_a_trigger_made_during_a_run_survives_the_end_of_that_run(self):
        """When a run of the runner ends, Odoo deletes the runner's triggers older than the start of
        that run (`now()` of its transaction). A job queued during the run, after the run's last
        claim, must keep its trigger, or it waits for the next one-minute poll."""
        cron = self.env.ref(RUNNER_CRON_XMLID)
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.enqueue()
        self.env.cr.flush()
        # What Odoo's ir.cron._reschedule_later runs at the end of a run that began with this
        # transaction (the earliest such run still under way when the job was queued).
        self.env.cr.execute(
            "DELETE FROM ir_cron_trigger WHERE cron_id = %s AND call_at < (now() AT TIME ZONE 'UTC')",
            [cron.id])
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 1)

    def test_a_future_job_triggers_the_runner_at_its_time(self):
        cron = self.env.ref(RUNNER_CRON_XMLID)
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        eta = fields.Datetime.now() + timedelta(hours=1)
        self.enqueue(eta=eta)
        self.env.cr.flush()
        self.assertEqual(Trigger.search([("cron_id", "=", cron.id)]).call_at, eta)

    # ------------------------------------------------------------------ retries
    def test_retryable_failure_is_retried_with_backoff(self):
        job = self.enqueue({"raise": "retryable", "message": "HTTP 503 from the platform"})
        before = fields.Datetime.now()
        self.run_queue()
        self.assertRecordValues(job, [{
            "state": "pending", "retry_count": 1, "error_kind": "retryable",
            "last_error": "HTTP 503 from the platform", "payload": {"raise": "retryable",
                                                                    "message": "HTTP 503 from the platform"},
        }])
        base = const.BACKOFF_BASE_SECONDS
        self.assertGreaterEqual(job.next_attempt_at,
                                before + timedelta(seconds=base * (1 - const.BACKOFF_JITTER) - 1))
        self.assertLessEqual(job.next_attempt_at,
                             fields.Datetime.now() + timedelta(seconds=base * (1 + const.BACKOFF_JITTER) + 1))
        # Not due yet: the runner leaves it alone.
        self.assertEqual(self.run_queue(), 0)
        self.assertEqual(job.retry_count, 1)

    def test_retry_after_from_the_platform_is_honoured(self):
        job = self.enqueue({"raise": "retryable", "retry_after": 120, "message": "HTTP 429"})
        before = fields.Datetime.now()
        self.run_queue()
        self.assertEqual(job.state, "pending")
        self.assertGreaterEqual(job.next_attempt_at, before + timedelta(seconds=120))
        self.assertLessEqual(job.next_attempt_at, fields.Datetime.now() + timedelta(seconds=133))

    def test_network_errors_and_timeouts_are_retried(self):
        network = self.enqueue({"raise": "network", "message": "connection refused"})
        timeout = self.enqueue({"raise": "timeout", "message": "read timed out"})
        self.run_queue()
        self.assertRecordValues(network | timeout, [
            {"state": "pending", "retry_count": 1, "error_kind": "retryable"},
            {"state": "pending", "retry_count": 1, "error_kind": "retryable"},
        ])
        self.assertIn("connection refused", network.last_error)
        self.assertIn("Could not reach the platform", network.last_error)
        self.assertIn("did not answer in time", timeout.last_error)

    def test_permanent_errors_fail_at_once_with_their_message(self):
        permanent = self.enqueue({"raise": "permanent", "message": "Product X has no SKU: set one."})
        user_error = self.enqueue({"raise": "usererror", "message": "Map the tax 7% first."})
        validation = self.enqueue({"raise": "validation", "message": "The price must be positive."})
        self.run_queue()
        self.assertRecordValues(permanent | user_error | validation, [
            {"state": "failed", "retry_count": 0, "error_kind": "permanent",
             "last_error": "Product X has no SKU: set one."},
            {"state": "failed", "retry_count": 0, "error_kind": "permanent",
             "last_error": "Map the tax 7% first."},
            {"state": "failed", "retry_count": 0, "error_kind": "permanent",
             "last_error": "The price must be positive."},
        ])
        # The payload stays, to retry once the cause is fixed.
        self.assertEqual(permanent.payload["raise"], "permanent")

    def test_retryable_failure_fails_after_max_retries(self):
        job = self.enqueue({"raise": "retryable", "message": "HTTP 500"}, max_retries=2)
        for attempt in range(1, 3):
            self.run_queue()
            self.assertRecordValues(job, [{"state": "pending", "retry_count": attempt}])
            self.make_due(job)
        self.run_queue()
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.retry_count, 2)
        self.assertIn("Gave up after 2 retries", job.last_error)
        self.assertIn("HTTP 500", job.last_error)

    def test_retry_delay_grows_exponentially_with_jitter_within_bounds(self):
        base, jitter, cap = const.BACKOFF_BASE_SECONDS, const.BACKOFF_JITTER, const.BACKOFF_MAX_SECONDS
        previous_high = 0
        for retry in range(12):
            delays = [self.Job._retry_delay(retry) for _i in range(200)]
            nominal = min(base * 2 ** retry, cap)
            self.assertGreaterEqual(min(delays), nominal * (1 - jitter), retry)
            self.assertLessEqual(max(delays), nominal * (1 + jitter), retry)
            self.assertGreater(len(set(delays)), 100, "jittered: retries of many jobs do not arrive together")
            if base * 2 ** retry <= cap and retry:
                # Growth: every delay of this retry is longer than any of the previous one.
                self.assertGreater(min(delays), previous_high, retry)
            previous_high = max(delays)
        # Bounded: the cap holds for any number of retries.
        self.assertLessEqual(max(self.Job._retry_delay(n) for n in (20, 60, 1000)), cap * (1 + jitter))
        self.assertGreaterEqual(min(self.Job._retry_delay(n) for n in (20, 60, 1000)), cap * (1 - jitter))
        # Retry-After: never earlier than asked, at most 10% later.
        after = [self.Job._retry_delay(3, retry_after=30) for _i in range(200)]
        self.assertTrue(all(30 <= d <= 33 for d in after))
        self.assertGreater(len(set(after)), 100)
        # A wait until a daily quota resets (hours away) is spread by minutes, not by 10% of a day.
        day = [self.Job._retry_delay(0, retry_after=20 * 3600) for _i in range(200)]
        self.assertTrue(all(20 * 3600 <= d <= 20 * 3600 + 300 for d in day))
        self.assertGreater(len(set(day)), 100)

    def test_limiter_throttling_reschedules_without_using_a_retry(self):
        job = self.enqueue({"raise": "throttled", "retry_after": 40}, max_retries=0)
        before = fields.Datetime.now()
        self.run_queue()
        self.assertRecordValues(job, [{"state": "pending", "retry_count": 0, "error_kind": "retryable"}])
        self.assertGreaterEqual(job.next_attempt_at, before + timedelta(seconds=40))
        self.assertEqual(self.store.consecutive_failures, 0, "waiting is no failure")

    # ------------------------------------------------------------------ secrets
    def test_no_secret_reaches_last_error_or_the_log(self):
        job = self.enqueue({"leak_credential": "api_key"})
        with self.assertLogs(JOB_LOGGER, level=logging.INFO) as logs:
            self.run_queue()
        self.assertEqual(job.state, "failed")
        self.assertIn("RuntimeError", job.last_error)  # a crash keeps its traceback
        self.assertIn("Bearer " + REDACTED, job.last_error)
        self.assertNotIn(self.api_key, job.last_error)
        self.assertTrue(any(record.levelno == logging.ERROR for record in logs.records))
        self.assertNotIn(self.api_key, "\n".join(logs.output))

    def test_no_secret_in_a_retried_error_and_its_log_line(self):
        job = self.enqueue({"raise": "retryable", "message": f"HTTP 502 for token={self.webhook_secret}"})
        with self.assertLogs(JOB_LOGGER, level=logging.INFO) as logs:
            self.run_queue()
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.last_error, f"HTTP 502 for token={REDACTED}")
        self.assertNotIn(self.webhook_secret, "\n".join(logs.output))

    def test_a_job_reading_a_credential_gets_it_and_stores_no_secret(self):
        job = self.enqueue({"use_credential": "api_key"})
        self.run_queue()
        self.assertEqual(job.state, "done")
        self.assertIn(str(len(self.api_key)), job.result)
        self.assertNotIn(self.api_key, job.result)

    # ------------------------------------------------------------------ isolation
    def test_one_failing_job_never_rolls_back_another(self):
        first = create_test_store(self.env, name="First", api_key=None, webhook_secret=None)
        middle = create_test_store(self.env, name="Middle", api_key=None, webhook_secret=None)
        last = create_test_store(self.env, name="Last", api_key=None, webhook_secret=None)
        # A job works on its own store's records only: one job per store, run in one go.
        jobs = (
            self.enqueue({"write_name": "First renamed"}, store=first)
            | self.enqueue({"write_name": "Middle renamed", "raise": "permanent"}, store=middle)
            | self.enqueue({"write_name": "Last renamed"}, store=last)
        )
        self.assertEqual(self.run_queue(first | middle | last), 3)
        self.assertEqual(jobs.sorted("id").mapped("state"), ["done", "failed", "done"])
        self.assertEqual((first | middle | last).mapped("name"), ["First renamed", "Middle", "Last renamed"])

    # ------------------------------------------------------------------ failure streak
    def test_three_failures_in_a_row_notify_the_managers_once_per_streak(self):
        manager = new_test_user(
            self.env, login="sc_manager",
            groups="base.group_user,store_connector_base.group_store_connector_manager",
            notification_type="inbox", company_id=self.company.id, company_ids=[(6, 0, self.company.ids)],
        )
        clerk = new_test_user(
            self.env, login="sc_clerk",
            groups="base.group_user,store_connector_base.group_store_connector_user",
            notification_type="inbox", company_id=self.company.id, company_ids=[(6, 0, self.company.ids)],
        )
        alert = "failed in a row"
        for _i in range(2):
            self.enqueue({"raise": "permanent"})
        self.run_queue()
        self.assertEqual(self.store.consecutive_failures, 2)
        self.assertFalse(self.store_messages(self.store, alert))

        self.enqueue({"raise": "permanent"})
        self.run_queue()
        self.assertEqual(self.store.consecutive_failures, 3)
        message = self.store_messages(self.store, alert)
        self.assertEqual(len(message), 1)
        self.assertIn(manager.partner_id, message.notification_ids.res_partner_id)
        self.assertNotIn(clerk.partner_id, message.notification_ids.res_partner_id)
        inbox = message.notification_ids.filtered(lambda n: n.res_partner_id == manager.partner_id)
        self.assertEqual(inbox.notification_type, "inbox")

        self.enqueue({"raise": "permanent"})
        self.run_queue()
        self.assertEqual(self.store.consecutive_failures, 4)
        self.assertEqual(len(self.store_messages(self.store, alert)), 1, "once per streak")

        self.enqueue()
        self.run_queue()
        self.assertEqual(self.store.consecutive_failures, 0, "a success ends the streak")
        for _i in range(3):
            self.enqueue({"raise": "crash"})
        with self.assertLogs(JOB_LOGGER, level="ERROR"):
            self.run_queue()
        self.assertEqual(len(self.store_messages(self.store, alert)), 2, "a new streak, a new alert")

    def test_failures_of_another_store_do_not_count(self):
        for _i in range(3):
            self.enqueue({"raise": "permanent"}, store=self.other_store)
        self.run_queue(store=self.store | self.other_store)
        self.assertEqual(self.other_store.consecutive_failures, 3)
        self.assertEqual(self.store.consecutive_failures, 0)

    # ------------------------------------------------------------------ authentication pause
    def test_auth_failure_pauses_the_store_and_new_credentials_resume_it(self):
        manager = new_test_user(
            self.env, login="sc_manager_auth",
            groups="base.group_user,store_connector_base.group_store_connector_manager",
            company_id=self.company.id, company_ids=[(6, 0, self.company.ids)],
        )
        # An expired credential: refused, unlike a missing one (see the next test).
        self.env["integration.credential"]._set_value(
            self.store, "access_token", "shpat-expired-token-0001",
            expires_at=fields.Datetime.now() - timedelta(hours=1))
        needs_token = self.enqueue({"use_credential": "access_token"}, priority=1)
        waiting = self.enqueue({"result": "later"}, priority=2)
        elsewhere = self.enqueue({"result": "elsewhere"}, store=self.other_store, priority=3)

        self.run_queue(store=self.store | self.other_store)
        self.assertTrue(self.store.paused)
        self.assertIn("access_token", self.store.paused_reason)
        self.assertRecordValues(needs_token | waiting | elsewhere, [
            {"state": "pending", "retry_count": 0, "error_kind": "auth"},
            # Claimed in the same batch, given back untouched instead of failing on the same
            # credentials.
            {"state": "pending", "retry_count": 0, "error_kind": False},
            {"state": "done", "retry_count": 0, "error_kind": False},
        ])
        self.assertIn("access_token", needs_token.last_error)
        paused_note = self.store_messages(self.store, "is paused")
        self.assertEqual(len(paused_note), 1)
        self.assertIn(manager.partner_id, paused_note.notification_ids.res_partner_id)

        # While paused, nothing of this store is claimed; other stores keep running.
        other = self.enqueue({"result": "still running"}, store=self.other_store)
        self.assertEqual(self.run_queue(store=self.store | self.other_store), 1)
        self.assertEqual(other.state, "done")
        self.assertEqual((needs_token | waiting).mapped("state"), ["pending", "pending"])
        self.assertEqual(self.Job._count_due(self.store.ids), 0)

        # Saving the missing credential resumes the store; its jobs run with it.
        self.env["integration.credential"]._set_value(self.store, "access_token", "shpat-new-token-123456")
        self.assertFalse(self.store.paused)
        self.assertEqual(self.run_queue(), 2)
        self.assertEqual((needs_token | waiting).mapped("state"), ["done", "done"])
        self.assertNotIn("shpat-new-token-123456", needs_token.result)

    def test_missing_credential_fails_the_job_without_pausing_the_store(self):
        """A credential never entered is not a refusal: the job fails saying which one, and the
        store's other jobs (its webhooks) go on."""
        needs_token = self.enqueue({"use_credential": "access_token"}, priority=1)
        webhook_like = self.enqueue({"result": "processed"}, priority=2)
        self.run_queue()
        self.assertFalse(self.store.paused)
        self.assertRecordValues(needs_token | webhook_like, [
            {"state": "failed", "error_kind": "permanent"},
            {"state": "done", "error_kind": False},
        ])
        self.assertIn('no credential "access_token"', needs_token.last_error)
        self.assertIn("not paused", needs_token.last_error)
        # Once entered, Retry runs it.
        self.env["integration.credential"]._set_value(self.store, "access_token", "shpat-entered-0002")
        needs_token.action_retry()
        self.run_queue()
        self.assertEqual(needs_token.state, "done")

    def test_a_changed_credential_resumes_a_paused_store(self):
        self.enqueue({"raise": "auth", "message": "401: token revoked"})
        self.run_queue()
        self.assertTrue(self.store.paused)
        credential = self.env["integration.credential"].search(
            [("store_id", "=", self.store.id), ("key", "=", "api_key")])
        credential.write({"value": "a-brand-new-api-key-42"})
        self.assertFalse(self.store.paused)
        self.assertFalse(self.store.paused_reason)

    def test_process_queue_button_refuses_a_paused_store(self):
        self.store._pause_for_auth("401: token revoked")
        with self.assertRaises(UserError) as caught:
            self.store.action_process_queue()
        self.assertIn("credentials", str(caught.exception))

    # ------------------------------------------------------------------ buttons
    def test_failed_job_can_be_retried_keeping_payload_and_error(self):
        job = self.enqueue({"raise": "permanent", "message": "Missing SKU"})
        self.run_queue()
        self.assertEqual(job.state, "failed")
        job.action_retry()
        self.assertRecordValues(job, [{
            "state": "pending", "retry_count": 0, "payload": {"raise": "permanent", "message": "Missing SKU"},
            "last_error": "Missing SKU",
        }])
        self.assertLessEqual(job.next_attempt_at, fields.Datetime.now() + timedelta(seconds=1))
        job.payload = {"result": "fixed"}
        self.run_queue()
        self.assertEqual(job.state, "done")

    def test_retry_with_a_newer_pending_duplicate_supersedes_the_old_job(self):
        job = self.enqueue({"raise": "permanent"}, identity_key="k")
        self.run_queue()
        newer = self.enqueue({"v": 2}, identity_key="k")
        job.action_retry()
        self.assertEqual(job.state, "cancelled")
        self.assertEqual(newer.state, "pending")

    def test_pending_and_failed_jobs_can_be_cancelled(self):
        done = self.enqueue()
        failed = self.enqueue({"raise": "permanent"})
        self.run_queue()
        self.assertEqual((done | failed).mapped("state"), ["done", "failed"])
        pending = self.enqueue()
        (failed | pending).action_cancel()
        self.assertEqual((failed | pending).mapped("state"), ["cancelled", "cancelled"])
        self.assertEqual(failed.payload, {"raise": "permanent"})
        self.assertEqual(self.run_queue(), 0, "a cancelled job does not run")
        with self.assertRaises(UserError):
            done.action_cancel()
        with self.assertRaises(UserError):
            done.action_retry()
        self.assertEqual(done.state, "done")

    def test_run_now_runs_exactly_the_selected_jobs(self):
        first, second, third = (self.enqueue({"result": str(i)}) for i in range(3))
        failed = self.enqueue({"raise": "permanent"}, store=self.other_store)
        self.run_queue(store=self.other_store)
        self.assertEqual(failed.state, "failed")
        failed.payload = {"result": "fixed"}

        action = (second | failed).action_run_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertRecordValues(first | second | third | failed, [
            {"state": "pending"}, {"state": "done"}, {"state": "pending"}, {"state": "done"},
        ])
        # Even a job not due yet runs when asked.
        third.next_attempt_at = fields.Datetime.now() + timedelta(hours=2)
        third.action_run_now()
        self.assertEqual(third.state, "done")
        self.assertEqual(first.state, "pending")

    def test_run_now_refuses_jobs_of_a_paused_store(self):
        job = self.enqueue()
        self.store._pause_for_auth("401")
        with self.assertRaises(UserError):
            job.action_run_now()
        self.assertEqual(job.state, "pending")

    # ------------------------------------------------------------------ crashed workers
    def test_a_job_that_keeps_killing_its_worker_ends_failed(self):
        # Claimed without a lease (as a job left processing by a version before leases): the
        # timeout rule. Leased jobs: test_job_lease.
        job = self.enqueue(max_retries=2)
        for attempt in range(3):
            claimed = self.Job._claim(10, store_ids=self.store.ids, commit=False)
            self.assertEqual(claimed, job)
            # The worker dies: the job stays in processing; the timeout passes.
            self.env.cr.execute(
                "UPDATE sync_job SET started_at = started_at - interval '1 hour' WHERE id = %s", [job.id])
            self.assertEqual(self.Job._requeue_stuck(), [job.id])
            job.invalidate_recordset()
            if attempt < 2:
                self.assertRecordValues(
                    job, [{"state": "pending", "retry_count": attempt + 1, "error_kind": "crash"}])
        self.assertRecordValues(job, [{"state": "failed", "retry_count": 2, "error_kind": "crash"}])
        self.assertIn("stopped before it finished", job.last_error)

    def test_requeue_leaves_recent_processing_jobs_alone(self):
        job = self.enqueue()
        self.Job._claim(10, store_ids=self.store.ids, commit=False)
        self.assertEqual(self.Job._requeue_stuck(), [])
        self.assertEqual(job.state, "processing")

    def test_time_limit_gives_unstarted_jobs_back(self):
        jobs = self.enqueue() | self.enqueue() | self.enqueue()
        ran = self.Job._process_queue(store_ids=self.store.ids, commit=False, time_limit=0)
        self.assertEqual(ran, 1, "each call runs at least one job")
        self.assertEqual(jobs.sorted("id").mapped("state"), ["done", "pending", "pending"])
        self.assertFalse(any(jobs.filtered(lambda j: j.state == "pending").mapped("started_at")))

    # ------------------------------------------------------------------ purge
    def age_job(self, job, state, days_ago):
        self.env.cr.execute(
            "UPDATE sync_job SET state = %s, "
            "finished_at = (now() AT TIME ZONE 'UTC') - %s * interval '1 day', "
            "write_date = (now() AT TIME ZONE 'UTC') - %s * interval '1 day' WHERE id = %s",
            [state, days_ago, days_ago, job.id])
        job.invalidate_recordset()
        return job

    def count_purgeable(self, days):
        self.env.cr.execute(
            "SELECT count(*) FROM sync_job WHERE state IN ('done', 'cancelled') "
            "AND COALESCE(finished_at, write_date) < (now() AT TIME ZONE 'UTC') - %s * interval '1 day'",
            [days])
        return self.env.cr.fetchone()[0]

    def test_purge_deletes_old_done_jobs_only(self):
        old_done = self.age_job(self.enqueue(), "done", 30)
        old_cancelled = self.age_job(self.enqueue(), "cancelled", 30)
        kept = (self.age_job(self.enqueue(), "done", 2) | self.age_job(self.enqueue(), "failed", 30)
                | self.age_job(self.enqueue(), "pending", 30))
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param(const.PARAM_JOB_RETENTION_DAYS, "60")
        self.Job._cron_purge_done()
        self.assertEqual((old_done | old_cancelled | kept).exists(), old_done | old_cancelled | kept,
                         "30 days old is within a 60-day retention")

        ICP.set_param(const.PARAM_JOB_RETENTION_DAYS, "7")
        purgeable = self.count_purgeable(7)
        self.assertGreaterEqual(purgeable, 2)
        cron, progress = self.env.ref("store_connector_base.ir_cron_sync_job_purge")._add_progress()
        self.assertEqual(self.Job.with_context(cron.env.context)._cron_purge_done(), purgeable)
        self.assertEqual((progress.done, progress.remaining), (purgeable, 0))
        self.assertFalse((old_done | old_cancelled).exists())
        self.assertEqual(kept.exists(), kept, "failed, pending and recent done jobs stay")

    def test_purge_works_in_batches_and_reports_what_remains(self):
        for _i in range(3):
            self.age_job(self.enqueue(), "done", 30)
        purgeable = self.count_purgeable(const.DEFAULT_JOB_RETENTION_DAYS)
        cron, progress = self.env.ref("store_connector_base.ir_cron_sync_job_purge")._add_progress()
        Job = self.Job.with_context(cron.env.context)
        self.assertEqual(Job._cron_purge_done(limit=2), 2)
        self.assertEqual((progress.done, progress.remaining), (2, purgeable - 2))
        self.assertEqual(self.count_purgeable(const.DEFAULT_JOB_RETENTION_DAYS), purgeable - 2)


class TestSyncJobConcurrency(CommittedRecordsCase):
    """Real concurrent transactions: every test commits its own store and jobs, and deletes them."""

    # ------------------------------------------------------------------ helpers
    def committed_jobs(self, store_id, payloads, method="_job_scripted"):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(store_id)
            return [env["sync.job"]._enqueue(store, OP, method, payload=payload).id for payload in payloads]

    def read(self, query, params=None):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def job_states(self, ids):
        return dict(self.read("SELECT id, state FROM sync_job WHERE id = ANY(%s)", [ids]))

    def in_threads(self, *targets):
        """Run the targets at once in threads; re-raise the first exception."""
        errors = []

        def wrap(target):
            def run():
                try:
                    target()
                except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                    errors.append(exc)
            return run

        threads = [threading.Thread(target=wrap(target)) for target in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a worker thread hangs")
        if errors:
            raise errors[0]

    # ------------------------------------------------------------------ tests
    def test_two_workers_claim_disjoint_batches_covering_every_job(self):
        store_id = self.committed_store()
        ids = self.committed_jobs(store_id, [{"n": n} for n in range(60)], method="_job_noop")
        barrier = threading.Barrier(2)
        claimed = [[], []]

        def worker(index):
            def run():
                with self.registry.cursor() as cr:
                    Job = self.env_of(cr)["sync.job"]
                    barrier.wait(timeout=30)
                    while True:
                        jobs = Job._claim(4, store_ids=[store_id], commit=True, worker=f"w{index}")
                        if not jobs:
                            break
                        claimed[index].extend(jobs.ids)
            return run

        self.in_threads(worker(0), worker(1))
        first, second = set(claimed[0]), set(claimed[1])
        self.assertEqual(len(first) + len(second), len(claimed[0]) + len(claimed[1]), "no job claimed twice")
        self.assertFalse(first & second, "two workers never get the same job")
        self.assertEqual(first | second, set(ids))
        self.assertEqual(set(self.job_states(ids).values()), {"processing"})
        workers = dict(self.read("SELECT id, worker FROM sync_job WHERE id = ANY(%s)", [ids]))
        self.assertTrue(all(workers[i] == "w0" for i in first) and all(workers[i] == "w1" for i in second))

    def test_two_workers_run_the_queue_together_each_job_once(self):
        store_id = self.committed_store()
        ids = self.committed_jobs(store_id, [{"result": n} for n in range(40)])
        barrier = threading.Barrier(2)
        ran = [0, 0]

        def worker(index):
            def run():
                with self.registry.cursor() as cr:
                    Job = self.env_of(cr)["sync.job"]
                    barrier.wait(timeout=30)
                    ran[index] = Job._process_queue(store_ids=[store_id], commit=True, batch_size=3)
            return run

        self.in_threads(worker(0), worker(1))
        self.assertEqual(sum(ran), 40)
        self.assertEqual(set(self.job_states(ids).values()), {"done"})

    def test_concurrent_enqueues_of_one_key_make_one_job(self):
        store_id = self.committed_store()
        barrier = threading.Barrier(2)
        committed = []

        def enqueuer(index):
            def run():
                for attempt in range(5):
                    try:
                        with self.registry.cursor() as cr:
                            env = self.env_of(cr)
                            if attempt == 0:
                                barrier.wait(timeout=30)
                            env["sync.job"]._enqueue(
                                env["connector.store"].browse(store_id), OP, "_job_noop",
                                payload={"from": index}, identity_key="stock:SKU-1")
                            time.sleep(0.3)  # both transactions are open together
                        committed.append(index)
                        return
                    except psycopg2.errors.SerializationFailure:
                        # The other enqueue committed the key after this transaction's snapshot:
                        # what Odoo's request and job retries do, run the transaction again.
                        continue
                raise AssertionError("the enqueue never committed")
            return run

        self.in_threads(enqueuer(0), enqueuer(1))
        rows = self.read(
            "SELECT state, payload FROM sync_job WHERE store_id = %s AND identity_key = 'stock:SKU-1'",
            [store_id])
        self.assertEqual(len(rows), 1, "one job for the key")
        self.assertEqual(rows[0], ("pending", {"from": committed[-1]}), "the last committed payload wins")
        self.assertEqual(len(committed), 2)

    def test_a_job_left_processing_by_a_dead_worker_runs_again(self):
        store_id = self.committed_store()
        [job_id] = self.committed_jobs(store_id, [{"result": "second life"}])
        # A worker claims the job without a lease (as a version before leases did) and dies before
        # running it: the timeout rule. A leased job is back without waiting: test_job_lease.
        cr = self.registry.cursor()
        claimed = self.env_of(cr)["sync.job"]._claim(10, store_ids=[store_id], commit=True)
        self.assertEqual(claimed.ids, [job_id])
        cr.close()
        self.assertEqual(self.job_states([job_id]), {job_id: "processing"})
        with self.registry.cursor() as cr:
            # Another worker right away: not stuck yet.
            self.assertEqual(self.env_of(cr)["sync.job"]._requeue_stuck(), [])
            cr.execute("UPDATE sync_job SET started_at = started_at - interval '1 hour' WHERE id = %s",
                       [job_id])
        with self.registry.cursor() as cr:
            self.assertEqual(self.env_of(cr)["sync.job"]._requeue_stuck(), [job_id])
        [(state, retries, kind)] = self.read(
            "SELECT state, retry_count, error_kind FROM sync_job WHERE id = %s", [job_id])
        self.assertEqual((state, retries, kind), ("pending", 1, "crash"))
        with self.registry.cursor() as cr:
            self.assertEqual(self.env_of(cr)["sync.job"]._process_queue(store_ids=[store_id], commit=True), 1)
        self.assertEqual(self.read("SELECT state, result FROM sync_job WHERE id = %s", [job_id]),
                         [("done", "second life")])

    def test_a_serialization_failure_is_retried(self):
        target_id = self.committed_store("Contended Store")
        [job_id] = self.committed_jobs(
            target_id, [{"concurrent_write": "Written by someone else", "write_name": "Written by the job"}])
        with self.registry.cursor() as cr:
            self.env_of(cr)["sync.job"]._process_queue(store_ids=[target_id], commit=True)
        [(state, retries, kind, error)] = self.read(
            "SELECT state, retry_count, error_kind, last_error FROM sync_job WHERE id = %s", [job_id])
        self.assertEqual((state, retries, kind), ("pending", 1, "retryable"))
        self.assertIn("changed the same records", error)
        self.assertEqual(self.read("SELECT name FROM connector_store WHERE id = %s", [target_id]),
                         [("Written by someone else",)])

    def test_a_serialization_failure_met_by_a_write_left_for_the_commit_is_retried(self):
        # The handler ends on an ORM write it does not flush (as an order pull advancing its store's
        # cursor): the runner sends it inside the job's try, so the conflict retries the job and the
        # runner goes on with the next one instead of failing at its commit.
        target_id = self.committed_store("Contended Store")
        other_id = self.committed_store("Next Store")
        [job_id] = self.committed_jobs(target_id, [{
            "concurrent_write": "Written by someone else", "write_name": "Written by the job",
            "flush": False}])
        [next_id] = self.committed_jobs(other_id, [{"write_name": "Next renamed", "flush": False}])
        with self.registry.cursor() as cr:
            ran = self.env_of(cr)["sync.job"]._process_queue(store_ids=[target_id, other_id], commit=True)
        self.assertEqual(ran, 2)
        [(state, retries, kind, error)] = self.read(
            "SELECT state, retry_count, error_kind, last_error FROM sync_job WHERE id = %s", [job_id])
        self.assertEqual((state, retries, kind), ("pending", 1, "retryable"))
        self.assertIn("changed the same records", error)
        names = dict(self.read("SELECT id, name FROM connector_store WHERE id = ANY(%s)",
                               [[target_id, other_id]]))
        self.assertEqual(names, {target_id: "Written by someone else", other_id: "Next renamed"})
        self.assertEqual(self.job_states([next_id]), {next_id: "done"})

    def test_each_job_commits_with_its_state_in_commit_mode(self):
        # A job works on its own store's records only: one job per store, run in one go.
        targets = [self.committed_store(name) for name in ("First", "Middle", "Last")]
        payloads = [
            {"write_name": "First renamed"},
            {"write_name": "Middle renamed", "raise": "permanent"},
            {"write_name": "Last renamed"},
        ]
        ids = [self.committed_jobs(target, [payload])[0]
               for target, payload in zip(targets, payloads, strict=True)]
        with self.registry.cursor() as cr:
            self.assertEqual(self.env_of(cr)["sync.job"]._process_queue(store_ids=targets, commit=True), 3)
        self.assertEqual([self.job_states(ids)[i] for i in ids], ["done", "failed", "done"])
        names = dict(self.read("SELECT id, name FROM connector_store WHERE id = ANY(%s)", [targets]))
        self.assertEqual([names[i] for i in targets], ["First renamed", "Middle", "Last renamed"])

    def test_the_runner_cron_reports_its_progress(self):
        store_id = self.committed_store()
        ids = self.committed_jobs(store_id, [{"result": n} for n in range(5)])
        self.assertEqual(self.read(
            "SELECT count(*) FROM sync_job j JOIN connector_store s ON s.id = j.store_id "
            "WHERE j.state = 'pending' AND s.active AND s.paused IS NOT TRUE")[0][0], 5,
            "no other due job in the database")

        def set_params(values):
            with self.registry.cursor() as cr:
                ICP = self.env_of(cr)["ir.config_parameter"]
                for key, value in values.items():
                    ICP.set_param(key, value)

        set_params({const.PARAM_RUNNER_BATCH: "2", const.PARAM_RUNNER_TIME_LIMIT: "0"})
        self.addCleanup(set_params, {const.PARAM_RUNNER_BATCH: False, const.PARAM_RUNNER_TIME_LIMIT: False})

        def run_cron():
            with self.registry.cursor() as cr:
                cron = self.env_of(cr).ref(RUNNER_CRON_XMLID)
                cron.method_direct_trigger()
                cr.execute("SELECT done, remaining FROM ir_cron_progress WHERE cron_id = %s "
                           "ORDER BY id DESC LIMIT 1", [cron.id])
                return cr.fetchone()

        # No time: one job a call, and Odoo is told what remains (it calls again at once).
        self.assertEqual(run_cron(), (1, 4))
        self.assertEqual(sorted(self.job_states(ids).values()), ["done"] + ["pending"] * 4)
        set_params({const.PARAM_RUNNER_TIME_LIMIT: False})
        self.assertEqual(run_cron(), (4, 0))
        self.assertEqual(set(self.job_states(ids).values()), {"done"})
