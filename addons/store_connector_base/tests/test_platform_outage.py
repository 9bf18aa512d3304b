"""A store's platform outage (models/connector_store_outage.py), the queue's circuit breaker: jobs of a
store whose platform does not answer wait without spending their retries, one job at a time probes the
platform, the first success resumes everything. Over real HTTP, through the test platform's REST client
and the client core, against a loopback server that answers what the platform would.
"""

from datetime import timedelta
from unittest.mock import patch

from odoo.tools import config

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PlatformUnavailable, RetryableJobError
from odoo.addons.store_connector_base.models.sync_job import RUNNER_CRON_XMLID
from odoo.addons.store_connector_base.services.api_client import ApiClient

from .common import StoreConnectorCase, create_test_store
from .test_api_client import ApiClientCase


class Platform:
    """What the loopback platform answers, switchable while the test runs."""

    def __init__(self):
        self.answer = (503, {}, {"message": "Service unavailable, try later."})

    def __call__(self, request):
        return self.answer


class TestPlatformOutage(ApiClientCase):
    def setUp(self):
        super().setUp()
        self.platform = Platform()
        self.server = self.serve(self.platform)
        self.Job = self.env["sync.job"]

    # ------------------------------------------------------------------ helpers
    def enqueue_calls(self, count, max_retries=1):
        return self.Job.browse([
            self.Job._enqueue(self.store, "test.api_call", "_job_test_api_call",
                              payload={"path": f"/orders/{index}"}, max_retries=max_retries).id
            for index in range(count)
        ])

    def make_due(self, jobs=None, probe=True):
        """Move time forward: the given jobs are due, and the store's next probe too."""
        self.env.flush_all()
        if jobs:
            self.env.cr.execute(
                "UPDATE sync_job SET next_attempt_at = next_attempt_at - interval '2 hours' "
                "WHERE id = ANY(%s)", [jobs.ids])
        if probe:
            self.env.cr.execute(
                "UPDATE connector_store SET platform_outage_probe_at = platform_outage_probe_at - interval "
                "'2 hours' WHERE id = %s", [self.store.id])
        self.env.invalidate_all()

    def requests_sent(self):
        return len(self.server.requests)

    # ------------------------------------------------------------------ tests
    def test_a_long_outage_spends_no_retry_and_the_first_success_resumes_everything(self):
        other_store = create_test_store(self.env, name="Other Platform Store", shop_url=self.store.shop_url)
        jobs = self.enqueue_calls(6, max_retries=1)
        self.run_queue()
        # Three failures in a row: the outage starts; the store's other claimed jobs were not sent.
        self.assertEqual(self.requests_sent(), const.PLATFORM_OUTAGE_THRESHOLD)
        self.assertTrue(self.store.platform_outage_since)
        self.assertEqual(self.store.platform_error_streak, const.PLATFORM_OUTAGE_THRESHOLD)
        self.assertIn("Service unavailable", self.store.platform_outage_error)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertTrue(all(job.retry_count <= 1 for job in jobs))
        spent = sum(jobs.mapped("retry_count"))
        self.assertLessEqual(spent, const.PLATFORM_OUTAGE_THRESHOLD - 1,
                             "the failure that starts the outage spends no retry")

        # The outage lasts: nothing is sent before the next probe; then one job at a time, however
        # often the runner looks and however long it lasts, and no retry is spent.
        self.make_due(jobs, probe=False)
        self.assertEqual(self.run_queue(), 0)
        self.assertEqual(self.Job._count_due(self.store.ids), 0, "the cron is not called again for them")
        for probe in range(1, 8):
            before = self.requests_sent()
            self.make_due(jobs)
            self.assertEqual(self.run_queue(), 1)
            self.assertEqual(self.requests_sent() - before, 1, f"probe {probe}: one request")
            self.assertEqual(self.run_queue(), 0, "the next probe waits its turn")
            self.assertEqual(self.store.platform_outage_probes, probe)
        self.assertEqual(set(jobs.mapped("state")), {"pending"}, "no job fails for a transient cause")
        self.assertEqual(sum(jobs.mapped("retry_count")), spent)
        # The probes' interval grows to its ceiling.
        self.env.cr.execute("SELECT platform_outage_probe_at - (statement_timestamp() AT TIME ZONE 'UTC') "
                            "FROM connector_store WHERE id = %s", [self.store.id])
        self.assertLessEqual(self.env.cr.fetchone()[0],
                             timedelta(seconds=const.PLATFORM_OUTAGE_PROBE_MAX_SECONDS + 5))

        # Another store of the same platform address is not held back by this store's outage.
        other_job = self.Job._enqueue(other_store, "test.api_call", "_job_test_api_call",
                                      payload={"path": "/elsewhere"})
        self.platform.answer = (200, {}, {"ok": True})
        self.run_queue(other_store)
        self.assertEqual(other_job.state, "done")

        # The platform is back: the next probe succeeds and every waiting job runs, in the same call.
        self.make_due(jobs)
        self.assertEqual(self.run_queue(), len(jobs))
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertFalse(self.store.platform_outage_since)
        self.assertEqual(self.store.platform_error_streak, 0)
        logs = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "platform_outage")], order="id")
        self.assertEqual(logs.mapped("status"), ["failed", "done"])
        self.assertIn("answers again", logs[-1].message)

    def test_the_merchant_reads_what_waits_and_why_on_the_store(self):
        self.enqueue_calls(4)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        message = self.store.platform_outage_message
        self.assertIn("Test Platform is not answering since", message)
        self.assertIn("4 jobs wait and will resume by themselves", message)
        self.assertIn("Service unavailable, try later.", message)
        self.assertIn("Next check", message)

    def test_http_429_in_a_row_starts_an_outage_without_spending_retries(self):
        self.platform.answer = (429, {}, {"message": "Too many requests."})
        jobs = self.enqueue_calls(4, max_retries=0)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertEqual(sum(jobs.mapped("retry_count")), 0)
        self.assertEqual(self.store.consecutive_failures, 0, "being asked to slow down is no failure")

    def test_timeouts_and_refused_connections_count_towards_an_outage(self):
        self.server.stop()  # nothing listens any more: every connection is refused
        jobs = self.enqueue_calls(4, max_retries=5)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        self.assertIn("unreachable", self.store.platform_outage_error)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})

    def test_a_success_between_failures_is_no_outage(self):
        answers = [(503, {}, {}), (503, {}, {}), (200, {}, {}), (503, {}, {}), (503, {}, {})]
        self.platform.answer = None
        self.server.respond = lambda request: answers.pop(0) if answers else (200, {}, {})
        jobs = self.enqueue_calls(5, max_retries=3)
        self.run_queue()
        self.assertFalse(self.store.platform_outage_since)
        self.assertEqual(self.store.platform_error_streak, 2)
        self.assertEqual(jobs.mapped("state").count("done"), 1)
        self.assertEqual(sum(jobs.mapped("retry_count")), 4,
                         "isolated failures spend their retries as before")

    def test_errors_that_are_not_the_platform_s_start_no_outage(self):
        """Another job holding a lock, the connector's own rate limiter: retried, never an outage."""
        for _index in range(5):
            self.Job._enqueue(self.store, "test.scripted", "_job_scripted",
                              payload={"raise": "retryable", "message": "Another job holds these products."})
        for _index in range(5):
            self.Job._enqueue(self.store, "test.scripted", "_job_scripted",
                              payload={"raise": "throttled", "retry_after": 5})
        self.run_queue()
        self.assertFalse(self.store.platform_outage_since)
        self.assertEqual(self.store.platform_error_streak, 0)

    def test_refused_credentials_end_the_outage_and_pause_the_store(self):
        jobs = self.enqueue_calls(4)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        self.platform.answer = (401, {}, {"message": "Invalid API key."})
        self.make_due(jobs)
        self.run_queue()
        self.assertTrue(self.store.paused)
        self.assertIn("Invalid API key.", self.store.paused_reason)
        self.assertFalse(self.store.platform_outage_since)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})

    def test_a_probe_that_fails_for_its_own_reason_lets_the_next_job_probe_at_once(self):
        jobs = self.enqueue_calls(3)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        # The oldest due job of the store probes: this one fails on its own (a mapping error), which
        # says nothing of the platform; the next job probes at once, without waiting for the next
        # interval, and finds the platform back: everything runs in the same call.
        broken = self.Job._enqueue(self.store, "test.scripted", "_job_scripted",
                                   payload={"raise": "permanent", "message": "Map the tax first."})
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET next_attempt_at = next_attempt_at - interval '3 hours' "
                            "WHERE id = %s", [broken.id])
        self.make_due(jobs)
        self.platform.answer = (200, {}, {})
        self.assertEqual(self.run_queue(), 1 + len(jobs))
        self.assertEqual(broken.state, "failed")
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertFalse(self.store.platform_outage_since)

    def test_after_a_day_of_outage_failures_spend_retries_again(self):
        """A job that makes the platform fail every time still ends failed, a day later."""
        jobs = self.enqueue_calls(3, max_retries=5)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        self.assertTrue(self.store._platform_outage_holds_retries())
        spent = sum(jobs.mapped("retry_count"))
        self.env.cr.execute(
            "UPDATE connector_store SET platform_outage_since = platform_outage_since - interval '25 hours' "
            "WHERE id = %s", [self.store.id])
        self.env.invalidate_all()
        self.assertFalse(self.store._platform_outage_holds_retries())
        self.make_due(jobs)
        self.assertEqual(self.run_queue(), 1)
        self.assertEqual(sum(jobs.mapped("retry_count")), spent + 1)

    def test_run_now_is_a_probe_the_merchant_starts(self):
        jobs = self.enqueue_calls(3)
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        self.platform.answer = (200, {}, {})
        jobs[:1].action_run_now()
        self.assertEqual(jobs[0].state, "done")
        self.assertFalse(self.store.platform_outage_since)


class TestPlatformErrorsAndTimeout(ApiClientCase):
    def test_the_client_core_marks_what_means_the_platform_does_not_answer(self):
        answers = [(502, {}, {}), (429, {}, {}), (200, {"Content-Type": "text/html"}, "<html>proxy</html>"),
                   (404, {}, {"message": "No such order."})]
        self.serve(lambda request: answers.pop(0))
        client = self.client()
        for _index in range(2):
            with self.assertRaises(PlatformUnavailable):
                client.request_json("GET", "/orders")
        with self.assertRaises(PlatformUnavailable):
            client.request_json("GET", "/orders")
        with self.assertRaises(Exception) as caught:
            client.request_json("GET", "/orders/1")
        self.assertNotIsInstance(caught.exception, RetryableJobError)

    def test_the_server_option_caps_every_platform_timeout(self):
        no_limits = {"limit_time_real": 0, "limit_time_real_cron": -1}
        with patch.dict(config.options, no_limits):
            self.assertEqual(self.client().timeout, ApiClient.timeout)
        with patch.dict(config.options, {**no_limits, const.CONFIG_PLATFORM_TIMEOUT: "2.5"}):
            self.assertEqual(self.client().timeout, (2.5, 2.5))
            self.assertEqual(self.client(timeout=(1, 30)).timeout, (1.0, 2.5))
        with patch.dict(config.options, {**no_limits, const.CONFIG_PLATFORM_TIMEOUT: "soon"}):
            self.assertEqual(self.client().timeout, ApiClient.timeout)

    def test_a_platform_request_never_outlives_its_worker(self):
        """Odoo kills a worker past its real-time limit (120 s by default): a WooCommerce-like read
        timeout of 120 s would have a hanging platform kill the cron worker in the middle of a job."""
        with patch.dict(config.options, {"limit_time_real": 120, "limit_time_real_cron": -1}):
            self.assertEqual(self.client(timeout=(10, 120)).timeout, (10.0, 30.0))
        with patch.dict(config.options, {"limit_time_real": 120, "limit_time_real_cron": 40}):
            self.assertEqual(self.client(timeout=(10, 120)).timeout, (10.0, 10.0))
        with patch.dict(config.options, {"limit_time_real": 120, "limit_time_real_cron": -1,
                                         const.CONFIG_PLATFORM_TIMEOUT: "5"}):
            self.assertEqual(self.client(timeout=(10, 120)).timeout, (5.0, 5.0))


class TestRunnerWithinTheWorkerLimit(StoreConnectorCase):
    """Odoo kills a cron worker whose run outlasts its real-time limit, with the jobs it claimed; one run
    may chain up to 10 calls of the runner. Seen in the fault suite: a platform hanging until its 60 s
    timeout, or a paced batch whose calls each ran a little over their time, got the cron worker killed
    ("WorkerCron timeout after 120s") with dozens of claimed jobs."""

    def test_a_call_that_overran_its_time_ends_the_chain_and_wakes_the_runner(self):
        Job = self.env["sync.job"]
        slow = Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={"sleep": 1.5})
        waiting = Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={"result": "later"})
        cron = self.env.ref(RUNNER_CRON_XMLID)
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.env.flush_all()
        reported = []
        with patch.object(type(self.env["ir.cron"]), "_notify_progress",
                          lambda cron_model, done, remaining, deactivate=False: reported.append(
                              (done, remaining))):
            Job._process_queue(store_ids=self.store.ids, commit=False, report_progress=True, time_limit=0.5)
        self.assertEqual(slow.state, "done")
        self.assertEqual(waiting.state, "pending", "not started after the call's time")
        self.assertEqual(reported, [(1, 0)], "no further call chained in this worker run")
        self.env.cr.flush()
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]), "the rest runs in a run of its own")

    def test_the_calls_of_a_run_share_half_of_the_worker_limit(self):
        Job = self.env["sync.job"]
        with patch.dict(config.options, {"limit_time_real": 120, "limit_time_real_cron": -1}):
            self.assertEqual(Job._cron_time_limit(), 5.0)
        with patch.dict(config.options, {"limit_time_real": 120, "limit_time_real_cron": 600}):
            self.assertEqual(Job._cron_time_limit(), 25.0)
