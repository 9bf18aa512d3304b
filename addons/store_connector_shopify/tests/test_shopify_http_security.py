"""Issue #7 on the Shopify connector, attacked as a hostile shop host would, through the real callers
(the queue runner, the token-refresh cron, the OAuth callback route):

* point 7: the access token (and a token request's client secret and refresh token) never
  follow a redirect, and the connection goes to the address that passed the public-address
  check, whatever DNS answers afterwards;
* the URL of a bulk result, which the shop's answer chooses, is held to the same rules;
* point 8: a shop echoing what it was sent never gets a secret, whole or in part, into the job's
  error, the store's pause reason, the activity log, the managers' notification, the server log,
  the token-refresh cron's report or the OAuth callback's page.

The secrets are placed so that the old cut of Shopify's words at 300 characters, made before
redaction, would have left a fragment of them.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tests.common import HttpCase, TransactionCase

from odoo.addons.store_connector_base.services.http_transport import UnsafeURLError
from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters
from odoo.addons.store_connector_base.tests.common import registry_test_mode, run_queue
from odoo.addons.store_connector_base.tests.http_servers import (
    PUBLIC_IP,
    FakeHostsMixin,
    RecordingServer,
    TcpListener,
    fake_dns,
    private_urls,
    record_dials,
)

from .. import const

MANAGER = "store_connector_base.group_store_connector_manager"
# Where the old code cut Shopify's words: a secret starting a few characters before it kept a
# fragment that no longer matched the secret, so redaction let it through.
OLD_CUT = 300
FRAGMENT = 8  # a run of this many characters of a secret counts as a leak


def straddling(prefix, secret_offset, text):
    """`prefix` padded so that `text`, appended to it, has its secret at `secret_offset` chars
    before the old cut."""
    return prefix.ljust(OLD_CUT - secret_offset, ".") + text


class SecretsMixin:
    def assertNoSecret(self, text, *secret_values, where=""):
        """No run of FRAGMENT characters of any secret in `text`."""
        text = str(text or "")
        for secret in secret_values:
            for start in range(len(secret) - FRAGMENT + 1):
                fragment = secret[start:start + FRAGMENT]
                self.assertNotIn(fragment, text, f"{where}: a fragment of a secret leaked: {text!r}")


class ShopifyStoreMixin:
    """Stores of Shopify shops served by local test servers; every rate limiter starts empty."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        reset_limiters()
        cls.addClassCleanup(reset_limiters)

    @classmethod
    def make_store(cls, name, shop_url=None, domain=None, token=None, client_secret=None,
                   refresh_token=None, token_expires_at=None, **vals):
        store = cls.env["connector.store"].create({
            "name": name,
            "platform": "shopify",
            "company_id": cls.env.company.id,
            "shopify_shop_domain": domain or f"{name.lower().replace(' ', '-')}.myshopify.com",
            "shop_url": shop_url or False,
            "shopify_client_id": "sec-client-id",
            **vals,
        })
        Credential = cls.env["integration.credential"]
        if token:
            Credential._set_value(store, const.CRED_ACCESS_TOKEN, token, expires_at=token_expires_at)
        if client_secret:
            Credential._set_value(store, const.CRED_CLIENT_SECRET, client_secret)
        if refresh_token:
            Credential._set_value(store, const.CRED_REFRESH_TOKEN, refresh_token)
        return store

    def start_server(self, respond, **kwargs):
        server = RecordingServer(respond, **kwargs)
        server.start()
        self.addCleanup(server.stop)
        return server


def shopify_hmac(secret, params):
    """Shopify's OAuth HMAC: hex HMAC-SHA256 of the sorted k=v pairs joined by '&'."""
    message = "&".join(f"{key}={value}" for key, value in sorted(params.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_token(prefix="shpat_"):
    return prefix + secrets.token_hex(16)


# --------------------------------------------------------------------------- point 7
@tagged("post_install", "-at_install")
class TestTokensNeverFollowRedirects(ShopifyStoreMixin, TransactionCase):
    """A shop host answering a redirect: the token, the body, the client secret and the refresh
    token stay here; the job fails permanently, naming the target."""

    def setUp(self):
        super().setUp()
        self.target = self.start_server(lambda request: (200, {}, {"data": {"locations": {
            "nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}}))

    def test_graphql_redirect_fails_the_job_and_the_target_gets_nothing(self):
        for status in (302, 307):
            with self.subTest(status=status):
                token = new_token()
                steal = self.target.url(f"/steal-{status}")
                shop = self.start_server(lambda request, steal=steal, status=status: (
                    status, {"Location": steal}, b""))
                store = self.make_store(f"Redirecting {status}", shop_url=shop.url(), token=token)
                job = self.env["sync.job"]._enqueue(store, "locations.sync", "_job_shopify_sync_locations")
                run_queue(self.env, store)
                self.assertEqual([r["headers"].get("x-shopify-access-token") for r in shop.requests], [token])
                self.assertEqual(self.target.requests, [], "the redirect target received the request")
                self.assertEqual(job.state, "failed")
                self.assertIn(steal, job.last_error)
                self.assertIn(f"HTTP {status}", job.last_error)
                self.assertFalse(store.paused)

    def test_token_request_redirect_keeps_client_secret_and_refresh_token(self):
        """The refresh cron posts client_secret and refresh_token; a 307 would make a client that
        follows redirects post them again to the target."""
        registry_test_mode(self)  # the refresh commits in a cursor of its own
        soon = fields.Datetime.now() + timedelta(minutes=5)
        client_secret, refresh_token = "sc-secret-" + secrets.token_hex(12), new_token("shprt_")
        steal = self.target.url("/steal-token")
        shop = self.start_server(lambda request: (307, {"Location": steal}, b""))
        store = self.make_store("Redirecting Token", shop_url=shop.url(), token=new_token(),
                                client_secret=client_secret, refresh_token=refresh_token,
                                token_expires_at=soon)
        cron = self.env.ref("store_connector_base.ir_cron_oauth_refresh_tokens")
        cron.method_direct_trigger()
        self.assertEqual(len(shop.requests), 1)
        self.assertIn(client_secret, shop.requests[0]["body"].decode())
        self.assertEqual(self.target.requests, [], "the redirect target received the token request")
        failed = store.log_ids.filtered(lambda log: log.operation == "auth" and log.status == "failed")
        self.assertEqual(len(failed), 1)
        self.assertIn(steal, failed.message)


@tagged("post_install", "-at_install")
class TestConnectionGoesToTheVettedAddress(FakeHostsMixin, ShopifyStoreMixin, TransactionCase):
    """DNS rebinding on a real shop name, private URLs not allowed (production): the name answers
    a public address when checked and a loopback address afterwards."""

    fake_hosts = ("rebind-shop.myshopify.com",)

    def test_the_token_never_reaches_the_address_of_a_second_lookup(self):
        listener = TcpListener()
        listener.start()
        self.addCleanup(listener.stop)
        store = self.make_store("Rebind Shop", domain="rebind-shop.myshopify.com", token=new_token())
        job = self.env["sync.job"]._enqueue(store, "locations.sync", "_job_shopify_sync_locations")
        answers = [PUBLIC_IP, ("127.0.0.1", listener.port)]
        with private_urls(False), fake_dns("rebind-shop.myshopify.com", answers), record_dials() as dialed:
            run_queue(self.env, store)
        self.assertEqual(listener.accepted, [], "the connection went to the address of a second lookup")
        self.assertEqual(dialed, [(PUBLIC_IP, 443)])
        # The public address refused the connection: a network error, retried later.
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.error_kind, "retryable")

    def test_a_private_address_is_refused_without_connecting(self):
        store = self.make_store("Rebind Shop", domain="rebind-shop.myshopify.com", token=new_token())
        job = self.env["sync.job"]._enqueue(store, "locations.sync", "_job_shopify_sync_locations")
        with private_urls(False), fake_dns("rebind-shop.myshopify.com", ["169.254.169.254"]), \
                record_dials() as dialed:
            run_queue(self.env, store)
        self.assertEqual(dialed, [])
        self.assertEqual(job.state, "failed")
        self.assertIn("169.254.169.254", job.last_error)


# --------------------------------------------------------------------------- point 8
@tagged("post_install", "-at_install")
class TestNoSecretInErrorTexts(SecretsMixin, ShopifyStoreMixin, HttpCase):
    """A shop that echoes the access token it received in its 401 answer, and a token endpoint
    that echoes the form it received in its error_description."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "sc_http_sec_manager", groups=f"base.group_user,{MANAGER}",
                                    company_id=cls.env.company.id, company_ids=[cls.env.company.id])

    def setUp(self):
        super().setUp()
        self.token = new_token()
        self.client_secret = "sc-secret-" + secrets.token_hex(12)
        self.refresh_token = new_token("shprt_")
        self.code = "code-" + secrets.token_hex(12)
        self.shop = self.start_server(self._echo)
        self.store = self.make_store("Echo Shop", shop_url=self.shop.url(), domain="echo-shop.myshopify.com",
                                     token=self.token, client_secret=self.client_secret)

    @staticmethod
    def _echo(request):
        if request["path"].endswith(const.SHOPIFY_TOKEN_PATH):
            form = request["body"].decode()
            offset = form.index("client_secret=") + len("client_secret=")
            return 400, {}, {"error": "invalid_request", "error_description": straddling(
                "Could not accept the request you sent", 6 + offset, form)}
        received = request["headers"].get("x-shopify-access-token", "")
        return 401, {}, {"errors": straddling(
            "[API] Invalid API key or access token (unrecognized login or wrong password)", 10,
            f"{received} as X-Shopify-Access-Token")}

    def _run_refused_job(self):
        self.env["sync.job"]._enqueue(self.store, "locations.sync", "_job_shopify_sync_locations")
        with self.assertLogs("odoo", logging.WARNING) as logs:
            run_queue(self.env, self.store)
        self.env.invalidate_all()
        self.assertTrue(self.store.paused)
        return logs

    def test_job_last_error(self):
        self._run_refused_job()
        job = self.store.job_ids
        self.assertEqual(job.error_kind, "auth")
        self.assertIn("HTTP 401", job.last_error)
        self.assertNoSecret(job.last_error, self.token, where="job last_error")

    def test_store_pause_reason(self):
        self._run_refused_job()
        self.assertIn("HTTP 401", self.store.paused_reason)
        self.assertNoSecret(self.store.paused_reason, self.token, where="pause reason")

    def test_activity_log_line(self):
        self._run_refused_job()
        line = self.store.log_ids.filtered(lambda log: log.operation == "connection")
        self.assertEqual(line.status, "failed")
        self.assertIn("HTTP 401", line.message)
        self.assertNoSecret(line.message, self.token, where="activity log")

    def test_manager_notification(self):
        self._run_refused_job()
        notices = self.env["mail.message"].search([
            ("model", "=", "connector.store"), ("res_id", "=", self.store.id),
            ("partner_ids", "in", self.manager.partner_id.ids),
        ])
        self.assertEqual(len(notices), 1)
        self.assertIn("paused", str(notices.body))
        self.assertNoSecret(notices.body, self.token, where="manager notification")

    def test_server_log(self):
        logs = self._run_refused_job()
        self.assertTrue(any("refused credentials" in line for line in logs.output))
        self.assertNoSecret("\n".join(logs.output), self.token, where="server log")

    def test_token_refresh_cron(self):
        soon = fields.Datetime.now() + timedelta(minutes=5)
        Credential = self.env["integration.credential"]
        Credential._set_value(self.store, const.CRED_REFRESH_TOKEN, self.refresh_token)
        Credential.search([("store_id", "=", self.store.id),
                           ("key", "=", const.CRED_ACCESS_TOKEN)]).expires_at = soon
        cron = self.env.ref("store_connector_base.ir_cron_oauth_refresh_tokens")
        with self.assertLogs("odoo", logging.WARNING) as logs:
            cron.method_direct_trigger()
        form = parse_qs(self.shop.requests[-1]["body"].decode())
        self.assertEqual(form["refresh_token"], [self.refresh_token])  # the echo had them to leak
        self.assertTrue(any("refresh" in line for line in logs.output))
        self.assertNoSecret("\n".join(logs.output), self.client_secret, self.refresh_token, where="cron log")
        line = self.store.log_ids.filtered(lambda log: log.operation == "auth" and log.status == "failed")
        self.assertEqual(len(line), 1)
        self.assertIn("Could not accept", line.message)
        self.assertNoSecret(line.message, self.client_secret, self.refresh_token, where="cron activity log")

    def test_oauth_callback_page(self):
        """The merchant's browser comes back from Shopify's authorize page to the public callback;
        the token endpoint refuses and echoes the form (client secret and code)."""
        state, nonce = self.store._oauth_new_state()
        self.opener.cookies.set(self.store._oauth_cookie_name(), nonce,
                                path=const.SHOPIFY_OAUTH_CALLBACK_ROUTE)
        params = {"code": self.code, "shop": "echo-shop.myshopify.com", "state": state,
                  "timestamp": str(int(time.time())), "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZWNobw"}
        params["hmac"] = shopify_hmac(self.client_secret, params)
        self.env.flush_all()
        response = self.url_open("/store_connector_shopify/oauth/callback?" + urlencode(params),
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 502)
        form = parse_qs(self.shop.requests[-1]["body"].decode())
        self.assertEqual(form["code"], [self.code])  # the echo had them to leak
        self.assertIn("Could not accept", response.text)
        self.assertNoSecret(response.text, self.client_secret, self.code, where="OAuth callback page")
        self.env.invalidate_all()
        line = self.store.log_ids.filtered(lambda log: log.operation == "auth" and log.status == "failed")
        self.assertEqual(len(line), 1)
        self.assertNoSecret(line.message, self.client_secret, self.code, where="OAuth activity log")


@tagged("post_install", "-at_install")
class TestBulkResultDownload(ShopifyStoreMixin, TransactionCase):
    """The URL of a bulk result comes from the shop's answer: a hostile shop host names an address
    of the server's network, directly or through a redirect."""

    def setUp(self):
        super().setUp()
        line = {"id": "gid://shopify/Product/1", "title": "Internal data", "variants": []}
        self.internal = self.start_server(lambda request: (200, {"Content-Type": "application/jsonl"},
                                                           json.dumps(line) + "\n"))

    def test_a_redirected_bulk_url_is_not_followed(self):
        internal_url = self.internal.url("/latest/meta-data.jsonl")
        redirector = self.start_server(lambda request: (302, {"Location": internal_url}, b""))
        bulk_url = redirector.url("/bulk/1.jsonl")
        shop = self.start_server(lambda request: (200, {}, {"data": {"node": {
            "id": "gid://shopify/BulkOperation/1", "status": "COMPLETED", "errorCode": None,
            "objectCount": "1", "url": bulk_url}}}))
        store = self.make_store("Bulk Shop", shop_url=shop.url(), token=new_token())
        job = self.env["sync.job"]._enqueue(store, "full_sync.bulk", "_job_shopify_bulk_poll",
                                            payload={"operations": {"products": "gid://shopify/BulkOperation/1"}})
        run_queue(self.env, store)
        self.assertEqual(len(redirector.requests), 1)
        self.assertEqual(self.internal.requests, [], "the bulk download followed the redirect")
        self.assertEqual(job.state, "failed")
        self.assertIn(internal_url, job.last_error)

    def test_a_bulk_url_on_the_servers_network_is_refused(self):
        adapter = self.env["store.adapter.shopify"]
        with private_urls(False):
            plain = self.internal.url("/x.jsonl")
            for url in (plain, plain.replace("http:", "https:")):
                with self.subTest(url=url), self.assertRaises(UnsafeURLError):
                    list(adapter._shopify_bulk_lines(url))
        self.assertEqual(self.internal.requests, [])
