"""The HTTP client core (services/api_client.py), through the test platform's REST client
(tests/addons/store_connector_test_platform/models/rest_client.py) talking to a loopback server:
each answer a platform can give becomes the queue's error it should, the store is paused on a
refused credential, a private address is refused at request time, and no secret reaches a
message, a stored error or the log.
"""

import logging
import socket
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from odoo.tests import new_test_user

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
    StoreConnectorError,
)
from odoo.addons.store_connector_base.services.api_client import redact_sensitive_params
from odoo.addons.store_connector_base.services.http_transport import UnsafeURLError
from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters
from odoo.addons.store_connector_test_platform.models.rest_client import RestClient

from .common import StoreConnectorCase
from .http_servers import FakeHostsMixin, RecordingServer, fake_dns, private_urls, record_dials

API_SECRET = "test-api-secret-5be1d0c77a"
MANAGER_GROUPS = "base.group_user,store_connector_base.group_store_connector_manager"


@contextmanager
def captured_logs():
    """Every log record of the process at DEBUG level and above (urllib3's request lines and the
    addon's own), whatever the levels the test run set.

    :yields: the list of formatted lines.
    """
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(f"{record.name}: {self.format(record)}")

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in ("urllib3", "odoo.store_connector")]
    levels = [(logger, logger.level) for logger in [root, *loggers]]
    root.addHandler(handler)
    for logger, _level in levels:
        logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)


class ApiClientCase(FakeHostsMixin, StoreConnectorCase):
    """`self.store` (test platform, credential api_key) pointed at a loopback server by `serve`."""

    fake_hosts = ("shop.example.com",)

    def setUp(self):
        super().setUp()
        reset_limiters()
        self.addCleanup(reset_limiters)

    def serve(self, respond):
        """Start a loopback server answering `respond(request)`; the store's shop URL points to it."""
        server = RecordingServer(respond)
        self.store.shop_url = server.start()
        self.addCleanup(server.stop)
        return server

    def client(self, **kwargs):
        return self.store._test_platform_client(**kwargs)

    def enqueue_call(self, path="/system_status", params=None):
        return self.env["sync.job"]._enqueue(self.store, "test.api_call", "_job_test_api_call",
                                             payload={"path": path, "params": params})

    def assertNoSecret(self, text, *secrets):
        for secret in secrets or (self.api_key, API_SECRET):
            self.assertNotIn(secret, str(text or ""))


class TestApiClientAnswers(ApiClientCase):
    def test_success_sends_the_platform_auth_and_reads_its_limits(self):
        server = self.serve(lambda request: (
            200, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "7"}, {"name": "Loopback shop"}))
        client = self.client()
        self.assertEqual(client.request_json("GET", "/system_status"), {"name": "Loopback shop"})
        request = server.requests[0]
        self.assertEqual((request["method"], request["path"]), ("GET", "/api/system_status"))
        self.assertEqual(request["headers"]["authorization"], f"Bearer {self.api_key}")
        self.assertEqual(request["headers"]["accept"], "application/json")
        # The platform's count replaced the limiter's own (a bucket of 40 with 39 left).
        bucket = client.limiter.state()
        self.assertEqual(bucket["capacity"], 10)
        self.assertAlmostEqual(bucket["available"], 7, delta=0.5)
        self.assertEqual(client.stats["calls"], 1)

    def test_the_platform_limits_hold_requests_back(self):
        """No call left in the platform's window: the next request is not sent, it is rescheduled."""
        server = self.serve(lambda request: (
            200, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0"}, {"name": "Loopback shop"}))
        client = self.client(max_wait=0)
        client.request_json("GET", "/system_status")
        with self.assertRaises(RetryableJobError) as caught:
            client.request_json("GET", "/system_status")
        self.assertTrue(getattr(caught.exception, "throttled", False))
        self.assertEqual(len(server.requests), 1)

    def test_timeout_is_retryable(self):
        def slow(request):
            time.sleep(1.0)
            return 200, {}, {"name": "late"}

        self.serve(slow)
        client = self.client(timeout=(2, 0.3))
        with self.assertRaises(RetryableJobError) as caught:
            client.request_json("GET", "/system_status")
        self.assertFalse(getattr(caught.exception, "throttled", False))
        self.assertIn("did not answer", str(caught.exception))
        self.assertIn("Test Platform", str(caught.exception))

    def test_timeout_in_a_job_is_retried(self):
        def slow(request):
            time.sleep(1.0)
            return 200, {}, {}

        self.serve(slow)
        job = self.enqueue_call()
        with patch.object(RestClient, "timeout", (2, 0.3)):
            self.run_queue()
        self.assertEqual((job.state, job.retry_count, job.error_kind), ("pending", 1, "retryable"))
        self.assertIn("did not answer", job.last_error)

    def test_429_with_retry_after_is_throttled_for_that_long(self):
        server = self.serve(lambda request: (
            429, {"Retry-After": "42"}, {"code": "too_many_requests", "message": "Slow down, please."}))
        client = self.client()
        with self.assertRaises(RetryableJobError) as caught:
            client.request_json("GET", "/orders")
        self.assertTrue(caught.exception.throttled)
        self.assertEqual(caught.exception.retry_after, 42.0)
        self.assertIn("Slow down, please.", str(caught.exception))
        # The limiter holds the store's requests until then: nothing more is sent.
        with self.assertRaises(RetryableJobError) as again:
            client.request_json("GET", "/orders")
        self.assertTrue(again.exception.throttled)
        self.assertEqual(len(server.requests), 1)

    def test_429_in_a_job_reschedules_without_a_failure(self):
        self.serve(lambda request: (429, {"Retry-After": "120"}, {"message": "Slow down."}))
        job = self.enqueue_call()
        self.run_queue()
        self.assertEqual((job.state, job.retry_count), ("pending", 0))
        self.assertFalse(self.store.paused)
        self.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        now = self.env.cr.fetchone()[0]
        self.assertGreaterEqual(job.next_attempt_at, now + timedelta(seconds=119))

    def test_server_errors_are_retryable_with_their_retry_after(self):
        answers = [(503, {"Retry-After": "7"}, {"message": "Maintenance."}), (500, {}, "Internal error")]
        self.serve(lambda request: answers.pop(0))
        client = self.client()
        with self.assertRaises(RetryableJobError) as caught:
            client.request_json("GET", "/orders")
        self.assertEqual(caught.exception.retry_after, 7.0)
        self.assertFalse(getattr(caught.exception, "throttled", False))
        self.assertIn("Maintenance.", str(caught.exception))
        with self.assertRaises(RetryableJobError) as caught:
            client.request_json("GET", "/orders")
        self.assertIsNone(caught.exception.retry_after)
        self.assertIn("HTTP 500", str(caught.exception))
        self.assertIn("Internal error", str(caught.exception))

    def test_server_error_in_a_job_counts_a_retry(self):
        self.serve(lambda request: (502, {}, {"message": "Bad gateway."}))
        job = self.enqueue_call()
        self.run_queue()
        self.assertEqual((job.state, job.retry_count, job.error_kind), ("pending", 1, "retryable"))
        self.assertIn("Bad gateway.", job.last_error)

    def test_failed_requests_give_their_units_back(self):
        """The platform did not count a request it refused: the limiter is refunded (a bucket that
        does not refill, so only refunds can fill it)."""
        answers = [(503, {}, {}), (404, {}, {}), (200, {}, {})]
        self.serve(lambda request: answers.pop(0))
        with patch.object(RestClient, "rate_limit_restore_rate", 0.0):
            client = self.client()
            for _attempt in range(2):
                with self.assertRaises(StoreConnectorError):
                    client.request("GET", "/orders", cost=5)
            self.assertEqual(client.limiter.state()["available"], 40)
            client.request("GET", "/orders", cost=5)
            self.assertEqual(client.limiter.state()["available"], 35)

    def test_bad_requests_are_permanent_with_the_platform_message(self):
        for status in (400, 422):
            with self.subTest(status=status):
                self.serve(lambda request, status=status: (
                    status, {}, {"code": "rest_invalid_param", "message": "Invalid parameter(s): sku"}))
                with self.assertRaises(PermanentJobError) as caught:
                    self.client().request_json("POST", "/products", json={"sku": ""})
                self.assertIn(f"HTTP {status}", str(caught.exception))
                self.assertIn("Invalid parameter(s): sku (rest_invalid_param)", str(caught.exception))
                self.assertNotIsInstance(caught.exception, RetryableJobError)

    def test_bad_request_in_a_job_fails_it_with_the_platform_message(self):
        self.serve(lambda request: (404, {"Content-Type": "text/plain"}, "No route was found."))
        job = self.enqueue_call("/nowhere")
        self.run_queue()
        self.assertEqual((job.state, job.error_kind), ("failed", "permanent"))
        self.assertIn("No route was found.", job.last_error)
        self.assertFalse(self.store.paused)


class TestApiClientAuth(ApiClientCase):
    REFUSAL = {"code": "woocommerce_rest_authentication_error", "message": "The API key was revoked."}

    def test_refused_credentials_are_an_auth_error(self):
        for status in (401, 403):
            with self.subTest(status=status):
                self.serve(lambda request, status=status: (status, {}, self.REFUSAL))
                with self.assertRaises(StoreAuthError) as caught:
                    self.client().request_json("GET", "/orders")
                self.assertIn("The API key was revoked.", str(caught.exception))
                self.assertIn(f"HTTP {status}", str(caught.exception))

    def test_refused_credentials_in_a_job_pause_the_store_with_the_platform_message(self):
        self.serve(lambda request: (401, {}, self.REFUSAL))
        job = self.enqueue_call()
        self.run_queue()
        self.assertEqual(job.error_kind, "auth")
        self.assertTrue(self.store.paused)
        self.assertIn("The API key was revoked.", self.store.paused_reason)
        self.assertEqual(job.retry_count, 0)

    def test_a_401_refreshes_the_credentials_once_then_sends_again(self):
        old_key, new_key = self.api_key, "test-api-key-refreshed-0e4b7"
        Credential = self.env["integration.credential"]
        refreshes = []

        class RefreshingClient(RestClient):
            def _can_refresh_auth(self):
                return True

            def _refresh_auth(self):
                refreshes.append(True)
                Credential._set_value(self.store, "api_key", new_key)

        server = self.serve(lambda request: (
            (200, {}, {"name": "ok"}) if request["headers"]["authorization"] == f"Bearer {new_key}"
            else (401, {}, self.REFUSAL)))
        self.assertEqual(RefreshingClient(self.store).request_json("GET", "/system_status"), {"name": "ok"})
        self.assertEqual(len(refreshes), 1)
        self.assertEqual([r["headers"]["authorization"] for r in server.requests],
                         [f"Bearer {old_key}", f"Bearer {new_key}"])

        # Refused again after the refresh: an auth error, not a loop.
        server.respond = lambda request: (401, {}, self.REFUSAL)
        server.requests.clear()
        with self.assertRaises(StoreAuthError):
            RefreshingClient(self.store).request_json("GET", "/system_status")
        self.assertEqual(len(server.requests), 2)
        self.assertEqual(len(refreshes), 2)

    def test_without_a_refresh_a_401_is_not_sent_again(self):
        server = self.serve(lambda request: (401, {}, self.REFUSAL))
        with self.assertRaises(StoreAuthError):
            self.client().request_json("GET", "/system_status")
        self.assertEqual(len(server.requests), 1)


class TestApiClientAddresses(ApiClientCase):
    def test_an_address_that_turned_private_is_refused_at_request_time(self):
        """The shop's name resolved to a public address when it was saved; at request time it
        answers a private one: nothing is dialed, the job fails permanently, the store runs on."""
        with fake_dns("shop.example.com", ["23.227.38.65"]):
            self.store.shop_url = "https://shop.example.com"
        with private_urls(False), fake_dns("shop.example.com", ["10.0.0.5"]), record_dials() as dialed:
            with self.assertRaises(UnsafeURLError) as caught:
                self.client().request_json("GET", "/system_status")
            self.assertIn("10.0.0.5", str(caught.exception))
            job = self.enqueue_call()
            self.run_queue()
        self.assertEqual(dialed, [])
        self.assertEqual((job.state, job.error_kind), ("failed", "permanent"))
        self.assertIn("10.0.0.5", job.last_error)
        self.assertFalse(self.store.paused)

    def test_a_redirect_is_not_followed(self):
        target = RecordingServer()
        target.start()
        self.addCleanup(target.stop)
        self.serve(lambda request: (302, {"Location": target.url("/steal")}, b""))
        with self.assertRaises(PermanentJobError):
            self.client().request_json("GET", "/system_status")
        self.assertEqual(target.requests, [])


    def test_absolute_urls_only_on_the_shops_host(self):
        """A next-page link may be followed on the shop's host; one naming another host does not
        get the store's credentials."""
        other = RecordingServer()
        other.start()
        self.addCleanup(other.stop)
        server = self.serve(lambda request: (200, {}, {"page": 2}))
        client = self.client()
        self.assertEqual(client.request_json("GET", server.url("/api/orders?page=2")), {"page": 2})
        self.assertEqual(server.requests[0]["path"], "/api/orders?page=2")
        with self.assertRaises(PermanentJobError) as caught:
            client.request_json("GET", other.url("/api/orders?page=3").replace("127.0.0.1", "localhost"))
        self.assertIn("localhost", str(caught.exception))
        self.assertEqual(other.requests, [])


class TestApiClientSecrets(ApiClientCase):
    """The platform echoes what it was sent; the key travels in the query (consumer_secret) or in
    the Authorization header. Neither reaches a message, a stored error or the log."""

    def setUp(self):
        super().setUp()
        self.env["integration.credential"]._set_value(self.store, "api_secret", API_SECRET)

    @staticmethod
    def echo(status):
        def respond(request):
            query = parse_qs(urlsplit(request["path"]).query)
            return status, {}, {
                "code": "echo",
                "message": f"Refused {request['path']} with consumer_key={query['consumer_key'][0]} "
                           f"and Authorization: {request['headers'].get('authorization')}",
            }
        return respond

    def test_query_auth_secrets_stay_out_of_errors_and_logs(self):
        server = self.serve(self.echo(422))
        with captured_logs() as lines, self.assertRaises(PermanentJobError) as caught:
            self.client().request_json("GET", "/orders", params={"page": 2})
        query = parse_qs(urlsplit(server.requests[0]["path"]).query)
        self.assertEqual(query["consumer_secret"], [API_SECRET])  # the platform got them
        self.assertEqual(query["consumer_key"], [self.api_key])
        message = str(caught.exception)
        self.assertIn("consumer_secret=***", message)
        self.assertNoSecret(message)
        # urllib3 logged the request line, query string included: redacted.
        urllib3_lines = [line for line in lines if line.startswith("urllib3")]
        self.assertTrue(any("consumer_secret=***" in line for line in urllib3_lines), lines)
        self.assertNoSecret("\n".join(lines))

    def test_secrets_stay_out_of_the_job_error_and_the_pause_reason(self):
        self.serve(self.echo(422))
        job = self.enqueue_call("/orders")
        self.run_queue()
        self.assertEqual(job.state, "failed")
        self.assertIn("Refused /api/orders", job.last_error)
        self.assertNoSecret(job.last_error)

        self.serve(self.echo(401))
        job = self.enqueue_call("/orders")
        with captured_logs() as lines:
            self.run_queue()
        self.assertTrue(self.store.paused)
        self.assertNoSecret(self.store.paused_reason)
        self.assertNoSecret(job.last_error)
        self.assertNoSecret("\n".join(lines))

    def test_a_bearer_token_echoed_is_redacted(self):
        self.env["integration.credential"].search(
            [("store_id", "=", self.store.id), ("key", "=", "api_secret")]).unlink()
        self.serve(lambda request: (401, {}, {"message": "Bad " + request["headers"]["authorization"]}))
        with self.assertRaises(StoreAuthError) as caught:
            self.client().request_json("GET", "/orders")
        self.assertIn("Bad ***", str(caught.exception))
        self.assertNoSecret(str(caught.exception), self.api_key)

    def test_network_errors_quote_no_query_secret(self):
        """A refused connection's error quotes the URL with its query string."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.store.shop_url = f"http://127.0.0.1:{port}"
        with self.assertRaises(RetryableJobError) as caught:
            self.client().request_json("GET", "/orders")
        self.assertIn("unreachable", str(caught.exception))
        self.assertNoSecret(str(caught.exception))

    def test_secret_named_parameters_are_redacted_even_when_unknown(self):
        text = "next: https://shop/api?page=2&access_token=abc123def&Consumer_Secret=cs_xyz#top"
        self.assertEqual(redact_sensitive_params(text),
                         "next: https://shop/api?page=2&access_token=***&Consumer_Secret=***#top")
        self.serve(lambda request: (400, {}, {"message": "Try ?access_token=unknown-token-value-77"}))
        with self.assertRaises(PermanentJobError) as caught:
            self.client().request_json("GET", "/orders")
        self.assertNotIn("unknown-token-value-77", str(caught.exception))


class TestConnectionThroughTheClient(ApiClientCase):
    """Test Connection asks the platform's API through the client, as the store's manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "sc_client_manager", groups=MANAGER_GROUPS)

    def test_connection_works(self):
        server = self.serve(lambda request: (200, {}, {"name": "Loopback shop", "version": "9.1"}))
        action = self.store.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Loopback shop", action["params"]["message"])
        self.assertEqual(server.requests[0]["path"], "/api/system_status")
        self.assertEqual(server.requests[0]["headers"]["authorization"], f"Bearer {self.api_key}")

    def test_refused_connection_is_reported_with_the_platform_message(self):
        self.serve(lambda request: (
            401, {}, {"message": "Key " + request["headers"]["authorization"] + " is revoked."}))
        action = self.store.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("is revoked.", action["params"]["message"])
        self.assertNoSecret(action["params"]["message"], self.api_key)
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("status", "=", "failed")], limit=1)
        self.assertIn("is revoked.", log.message)
        self.assertNoSecret(log.message, self.api_key)

