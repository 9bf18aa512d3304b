"""The base's OAuth token lifecycle (models/connector_store_oauth.py, controllers/oauth.py), through the
test platform's hooks (tests/addons/store_connector_test_platform, store_adapter_oauth.py) against a
loopback authorization server that behaves as RFC 6749 and eBay do: HTTP Basic client
authentication, form bodies, expiring access tokens, rotating refresh tokens that end one day.

* the state: single use, bound to its store, its route and the browser that started it, lapsing;
* the code exchange stores the tokens as credentials; the generic callback route does it end to end;
* the refresh before expiry, in a transaction of its own under a row lock: two workers refreshing
  at once make one call (real concurrent transactions on committed data);
* the cron: refreshes what lapses soon, warns of a refresh token about to end, pauses a store whose
  grant was revoked, with the platform's reason, and never lets a secret into a message or a log.
"""

import base64
import json
import logging
import secrets
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import tagged
from odoo.tests.common import HttpCase, TransactionCase

from .. import const
from ..exceptions import OAuthStateError, PermanentJobError, StoreAuthError
from ..models import connector_store_oauth
from .common import create_test_store, registry_test_mode, run_queue
from .common_attack import RpcAttackCase
from .http_servers import RecordingServer

CLIENT_ID = "test-client-id-5b1f"
CLIENT_SECRET = "test-client-secret-93ad7c2e"
MANAGER = "store_connector_base.group_store_connector_manager"
FRAGMENT = 8  # a run of this many characters of a secret counts as a leak


class TokenServer:
    """A loopback authorization server: /oauth/token answers the code and refresh grants (RFC 6749)
    for the client CLIENT_ID/CLIENT_SECRET authenticated with HTTP Basic.

    `codes` are the codes it accepts once; every refresh token it issued is accepted once (it
    rotates); `revoked` refuses every refresh (invalid_grant); `answer(form)` scripts the answer;
    `delay` seconds are spent before answering (a slow platform, to make refreshes overlap).
    """

    def __init__(self, delay=0.0):
        self.delay = delay
        self.codes = set()
        self.refresh_tokens = set()
        self.revoked = False
        self.answer = None
        self.lock = threading.Lock()
        self.server = RecordingServer(self._respond)

    def start(self, case):
        self.server.start()
        case.addCleanup(self.server.stop)
        return self

    def url(self, path=""):
        return self.server.url(path)

    def issue(self, access_expires_in=7200, refresh_expires_in=47304000):
        with self.lock:
            refresh = "rt_" + secrets.token_hex(16)
            self.refresh_tokens.add(refresh)
        return {"access_token": "at_" + secrets.token_hex(16), "token_type": "Bearer",
                "expires_in": access_expires_in, "refresh_token": refresh,
                "refresh_token_expires_in": refresh_expires_in, "scope": "orders products"}

    def grants(self, grant_type):
        """The forms of the token requests of `grant_type` received."""
        forms = [{k: v[0] for k, v in parse_qs(r["body"].decode()).items()} for r in self.server.requests]
        return [form for form in forms if form.get("grant_type") == grant_type]

    def _respond(self, request):
        if request["path"] != "/oauth/token" or request["method"] != "POST":
            return 404, {}, {}
        if self.delay:
            time.sleep(self.delay)
        form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
        if self.answer:
            return self.answer(request, form)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request["headers"].get("authorization") != f"Basic {basic}":
            return 401, {}, {"error": "invalid_client", "error_description": "client authentication failed"}
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                if form.get("code") not in self.codes:
                    return 400, {}, {"error": "invalid_grant",
                                     "error_description": "the code was already used"}
                self.codes.discard(form["code"])
            elif form.get("grant_type") == "refresh_token":
                if self.revoked or form.get("refresh_token") not in self.refresh_tokens:
                    return 400, {}, {"error": "invalid_grant",
                                     "error_description": "the refresh token was revoked by the user"}
                self.refresh_tokens.discard(form["refresh_token"])
            else:
                return 400, {}, {"error": "unsupported_grant_type"}
        return 200, {}, self.issue()


def oauth_store(env, token_server, name="OAuth Shop", **vals):
    """A test platform store at `token_server`, with the app's client id and secret."""
    store = create_test_store(env, name=name, shop_url=token_server.url(), **vals)
    Credential = env["integration.credential"]
    Credential._set_value(store, const.CRED_OAUTH_CLIENT_ID, CLIENT_ID)
    Credential._set_value(store, const.CRED_OAUTH_CLIENT_SECRET, CLIENT_SECRET)
    return store


def install(store, token_server, access_expires_in=7200):
    """The store as an install leaves it: tokens issued by `token_server`, saved."""
    tokens = token_server.issue(access_expires_in=access_expires_in)
    store._oauth_save_tokens(tokens, grant_type="authorization_code")
    return tokens


def credential(store, key):
    return store.env["integration.credential"].sudo().search(
        [("store_id", "=", store.id), ("key", "=", key)])


# --------------------------------------------------------------------------- state
@tagged("post_install", "-at_install")
class TestOAuthState(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_test_store(cls.env, name="State Shop")
        cls.other = create_test_store(cls.env, name="Other Shop")
        cls.Store = cls.env["connector.store"]

    def take(self, state, nonce, **kwargs):
        kwargs.setdefault("route", const.OAUTH_CALLBACK_ROUTE)
        return self.Store._oauth_take_state(state, cookies={self.store._oauth_cookie_name(): nonce}, **kwargs)

    def test_state_is_single_use(self):
        state, nonce = self.store._oauth_new_state()
        self.assertEqual(self.take(state, nonce), self.store)
        self.assertFalse(self.store.sudo().oauth_state)
        with self.assertRaisesRegex(OAuthStateError, "already used"):
            self.take(state, nonce)

    def test_only_the_nonce_hash_is_kept_and_a_new_state_replaces_the_old(self):
        first, first_nonce = self.store._oauth_new_state()
        store = self.store.sudo()
        self.assertNotIn(first_nonce, (store.oauth_state, store.oauth_nonce_hash))
        second, second_nonce = self.store._oauth_new_state()
        self.assertNotEqual(first, second)
        with self.assertRaisesRegex(OAuthStateError, "already used"):
            self.take(first, first_nonce)
        self.assertEqual(self.take(second, second_nonce), self.store)

    def test_state_is_bound_to_its_store(self):
        state, nonce = self.store._oauth_new_state()
        with self.assertRaisesRegex(OAuthStateError, "another store") as caught:
            self.take(state, nonce, store=self.other)
        self.assertEqual(caught.exception.status, 400)
        self.assertTrue(self.store.sudo().oauth_state, "a refused state of another store was spent")
        self.assertEqual(self.take(state, nonce, store=self.store), self.store)

    def test_state_of_a_platform_calling_back_elsewhere_is_refused_on_this_route(self):
        """A platform routing its own callback (Shopify checks its HMAC there) cannot be finished
        through another route that skips those checks."""
        state, nonce = self.store._oauth_new_state()
        with self.assertRaisesRegex(OAuthStateError, "Unknown"):
            self.take(state, nonce, route="/store_connector_other/oauth/callback")
        self.assertEqual(self.take(state, nonce), self.store)

    def test_lapsed_state_is_refused_and_spent(self):
        state, nonce = self.store._oauth_new_state()
        later = datetime.now() + timedelta(seconds=const.OAUTH_STATE_TTL + 60)
        with freeze_time(later), self.assertRaisesRegex(OAuthStateError, "expired") as caught:
            self.take(state, nonce)
        self.assertEqual(caught.exception.status, 400)
        self.assertFalse(self.store.sudo().oauth_state)

    def test_another_browser_is_refused_without_spending_the_state(self):
        state, nonce = self.store._oauth_new_state()
        for cookies in ({}, {self.store._oauth_cookie_name(): "nonce-of-another-browser"}):
            with self.subTest(cookies=cookies), self.assertRaisesRegex(OAuthStateError, "browser") as caught:
                self.Store._oauth_take_state(state, cookies=cookies)
            self.assertEqual(caught.exception.status, 403)
        self.assertEqual(self.take(state, nonce), self.store)

    def test_server_to_server_callback_uses_the_state_alone(self):
        """WooCommerce's key generation: the shop's server POSTs the keys to the callback URL
        holding the state; no browser, no cookie. The state is still good once."""
        state, __ = self.store._oauth_new_state()
        self.assertEqual(self.Store._oauth_take_state(state, check_nonce=False), self.store)
        with self.assertRaisesRegex(OAuthStateError, "already used"):
            self.Store._oauth_take_state(state, check_nonce=False)

    def test_unknown_or_empty_state_refused(self):
        for state in ("", None, "forged-state", ["a", "list"]):
            with self.subTest(state=state), self.assertRaises(OAuthStateError):
                self.Store._oauth_take_state(state, check_nonce=False)


# --------------------------------------------------------------------------- tokens
class OAuthTokenCase(TransactionCase):
    """`store`: a test platform store at a loopback `token_server`; the registry in test mode, so
    that the refresh's own cursor works in this test's transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        registry_test_mode(self)
        self.token_server = TokenServer().start(self)
        self.store = oauth_store(self.env, self.token_server)
        self.addCleanup(connector_store_oauth._fresh_tokens.pop, (self.env.cr.dbname, self.store.id), None)

    def lapse_in(self, seconds):
        credential(self.store, const.CRED_OAUTH_ACCESS_TOKEN).expires_at = (
            fields.Datetime.now() + timedelta(seconds=seconds))

    def assertNoSecret(self, text, *secret_values, where=""):
        text = str(text or "")
        for secret in secret_values:
            for start in range(len(secret) - FRAGMENT + 1):
                self.assertNotIn(secret[start:start + FRAGMENT], text, f"{where}: a secret leaked: {text!r}")


@tagged("post_install", "-at_install")
class TestOAuthTokens(OAuthTokenCase):

    def test_code_exchange_stores_the_tokens_in_credentials(self):
        self.token_server.codes.add("code-4f1e")
        self.store._oauth_exchange_code("code-4f1e")
        self.env.invalidate_all()
        request = self.token_server.server.requests[-1]
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        self.assertEqual(request["headers"]["authorization"], f"Basic {basic}")
        self.assertEqual(self.token_server.grants("authorization_code"), [{
            "grant_type": "authorization_code", "code": "code-4f1e",
            "redirect_uri": self.store.get_base_url() + const.OAUTH_CALLBACK_ROUTE,
        }])
        self.assertNotIn("client_secret", request["body"].decode())  # Basic auth: not in the body
        access = credential(self.store, const.CRED_OAUTH_ACCESS_TOKEN)
        refresh = credential(self.store, const.CRED_OAUTH_REFRESH_TOKEN)
        self.assertTrue(self.store._get_credential("access_token").startswith("at_"))
        self.assertTrue(self.store._get_credential("refresh_token").startswith("rt_"))
        now = fields.Datetime.now()
        self.assertAlmostEqual(access.expires_at, now + timedelta(hours=2), delta=timedelta(minutes=1))
        self.assertAlmostEqual(refresh.expires_at, now + timedelta(seconds=47304000),
                               delta=timedelta(minutes=1))
        self.assertEqual(self.store.oauth_token_expires_at, access.expires_at)
        log = self.store.log_ids.filtered(lambda line: line.operation == "auth")
        self.assertEqual((log.status, log.message),
                         ("done", "Installed through OAuth (scopes: orders products)"))

    def test_a_refused_code_is_logged_and_stores_nothing(self):
        with self.assertRaisesRegex(StoreAuthError, "already used"):
            self.store._oauth_exchange_code("code-never-issued")
        self.assertFalse(credential(self.store, const.CRED_OAUTH_ACCESS_TOKEN))
        self.assertEqual(self.store.log_ids.filtered(lambda line: line.operation == "auth").status, "failed")

    def test_token_refreshed_before_it_lapses(self):
        first = install(self.store, self.token_server)
        self.assertEqual(self.store._oauth_access_token(), first["access_token"])
        self.assertFalse(self.token_server.grants("refresh_token"), "a fresh token was refreshed")
        self.lapse_in(const.OAUTH_TOKEN_REFRESH_MARGIN - 60)
        token = self.store._oauth_access_token()
        self.assertNotEqual(token, first["access_token"])
        self.assertEqual(self.token_server.grants("refresh_token"),
                         [{"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}])
        self.env.invalidate_all()
        self.assertEqual(self.store._get_credential("access_token"), token)
        self.assertNotEqual(self.store._get_credential("refresh_token"), first["refresh_token"])  # rotated
        # Fresh again: used as is.
        self.assertEqual(self.store._oauth_access_token(), token)
        self.assertEqual(len(self.token_server.grants("refresh_token")), 1)
        self.assertTrue(self.store.log_ids.filtered(
            lambda line: line.operation == "auth" and line.message == "Access token refreshed"))

    def test_forced_refresh_after_the_platform_refused_the_token(self):
        first = install(self.store, self.token_server)
        token = self.store._oauth_access_token(force_refresh=True)
        self.assertNotEqual(token, first["access_token"])
        self.assertEqual(len(self.token_server.grants("refresh_token")), 1)

    def test_token_another_worker_refreshed_is_reused(self):
        """The caller read a token, another worker refreshed it meanwhile: found after the lock."""
        first = install(self.store, self.token_server, access_expires_in=60)
        newer = install(self.store, self.token_server)  # what the other worker committed
        self.assertEqual(self.store._oauth_refresh(seen_token=first["access_token"]), newer["access_token"])
        self.assertFalse(self.token_server.grants("refresh_token"))

    def test_a_revoked_grant_is_an_auth_error(self):
        install(self.store, self.token_server, access_expires_in=60)
        self.token_server.revoked = True
        with self.assertRaisesRegex(StoreAuthError, "revoked by the user"):
            self.store._oauth_access_token()
        self.assertFalse(self.store.paused)  # the caller decides: a job pauses, the cron too

    def test_a_malformed_refusal_fails_without_revoking(self):
        install(self.store, self.token_server, access_expires_in=60)
        self.token_server.answer = lambda request, form: (400, {}, {"error": "invalid_request",
                                                                    "error_description": "scope is missing"})
        with self.assertRaisesRegex(PermanentJobError, "scope is missing"):
            self.store._oauth_access_token()

    def test_an_expired_refresh_token_is_not_sent(self):
        install(self.store, self.token_server, access_expires_in=60)
        credential(self.store, const.CRED_OAUTH_REFRESH_TOKEN).expires_at = (
            fields.Datetime.now() - timedelta(days=1))
        with self.assertRaisesRegex(StoreAuthError, "refresh token of store OAuth Shop expired"):
            self.store._oauth_access_token(force_refresh=True)
        self.assertFalse(self.token_server.server.requests)

    def test_the_job_runner_pauses_the_store_on_a_revoked_grant(self):
        install(self.store, self.token_server, access_expires_in=60)
        self.token_server.revoked = True
        job = self.env["sync.job"]._enqueue(self.store, "test.oauth", "_job_scripted",
                                            payload={"use_oauth_token": True})
        run_queue(self.env, self.store)
        self.assertEqual(job.error_kind, "auth")
        self.assertTrue(self.store.paused)
        self.assertIn("revoked by the user", self.store.paused_reason)


@tagged("post_install", "-at_install")
class TestOAuthCron(OAuthTokenCase):

    def setUp(self):
        super().setUp()
        self.Store = self.env["connector.store"]
        self.manager = self.env["res.users"].create({
            "name": "OAuth Manager", "login": "oauth_cron_manager",
            "groups_id": [(6, 0, [self.env.ref("base.group_user").id, self.env.ref(MANAGER).id])],
            "company_id": self.env.company.id, "company_ids": [(6, 0, self.env.company.ids)],
        })

    def failed_auth_lines(self):
        return self.store.log_ids.filtered(lambda line: line.operation == "auth" and line.status == "failed")

    def notices(self):
        return self.env["mail.message"].search([
            ("model", "=", "connector.store"), ("res_id", "=", self.store.id),
            ("partner_ids", "in", self.manager.partner_id.ids)])

    def test_the_cron_refreshes_what_lapses_within_its_horizon(self):
        first = install(self.store, self.token_server)
        self.assertFalse(self.Store._cron_oauth_refresh_tokens() & self.store)  # two hours left
        self.lapse_in(const.OAUTH_TOKEN_CRON_HORIZON - 120)
        self.assertEqual(self.Store._cron_oauth_refresh_tokens() & self.store, self.store)
        self.env.invalidate_all()
        self.assertNotEqual(self.store._get_credential("access_token"), first["access_token"])
        self.assertGreater(self.store.oauth_token_expires_at, fields.Datetime.now() + timedelta(hours=1))
        cron = self.env.ref("store_connector_base.ir_cron_oauth_refresh_tokens")
        self.assertEqual((cron.interval_number, cron.interval_type, cron.active), (10, "minutes", True))

    def test_revoked_grant_pauses_the_store_with_the_reason(self):
        install(self.store, self.token_server, access_expires_in=600)
        self.token_server.revoked = True
        with self.assertLogs("odoo", logging.WARNING):
            self.assertFalse(self.Store._cron_oauth_refresh_tokens())
        self.assertTrue(self.store.paused)
        self.assertIn("the refresh token was revoked by the user", self.store.paused_reason)
        failed = self.failed_auth_lines()
        self.assertIn("refused to issue a token", failed.message)
        self.assertEqual(len(self.notices()), 1)
        self.assertIn("paused", str(self.notices().body))

    def test_other_failures_are_logged_without_a_pause(self):
        install(self.store, self.token_server, access_expires_in=600)
        self.token_server.answer = lambda request, form: (503, {}, {})
        with self.assertLogs("odoo", logging.WARNING):
            self.Store._cron_oauth_refresh_tokens()
        self.assertFalse(self.store.paused)
        failed = self.failed_auth_lines()
        self.assertIn("HTTP 503", failed.message)

    def test_refresh_token_nearing_its_end_is_announced_once(self):
        install(self.store, self.token_server)
        refresh = credential(self.store, const.CRED_OAUTH_REFRESH_TOKEN)
        self.assertFalse(self.Store._oauth_warn_refresh_expiry() & self.store)  # 18 months left
        refresh.expires_at = (fields.Datetime.now()
                              + timedelta(days=const.OAUTH_REFRESH_TOKEN_WARNING_DAYS - 5))
        self.Store._cron_oauth_refresh_tokens()
        notice = self.notices()
        self.assertEqual(len(notice), 1)
        self.assertIn("Install it again before then", str(notice.body))
        self.assertTrue(self.store.log_ids.filtered(lambda line: line.operation == "auth"
                                                    and line.status == "info"))
        self.Store._cron_oauth_refresh_tokens()
        self.assertEqual(self.notices(), notice, "warned twice for one refresh token")
        # A new refresh token (a new install) that ends soon in turn is announced again.
        refresh.expires_at = fields.Datetime.now() + timedelta(days=1)
        self.assertEqual(self.Store._oauth_warn_refresh_expiry(), self.store)

    def test_no_secret_in_messages_or_logs(self):
        """An authorization server echoing the whole request (Basic header and form) in its refusal."""
        tokens = install(self.store, self.token_server, access_expires_in=600)

        def echo(request, form):
            return 400, {}, {"error": "invalid_grant", "error_description": "you sent " + json.dumps(
                {"authorization": request["headers"].get("authorization"), "form": form})}

        self.token_server.answer = echo
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        with self.assertLogs("odoo", logging.WARNING) as logs:
            self.Store._cron_oauth_refresh_tokens()
        self.assertTrue(self.store.paused)
        secret_values = (CLIENT_SECRET, basic, tokens["refresh_token"], tokens["access_token"])
        self.assertNoSecret("\n".join(logs.output), *secret_values, where="server log")
        self.assertNoSecret(self.store.paused_reason, *secret_values, where="pause reason")
        for line in self.store.log_ids:
            self.assertNoSecret(line.message, *secret_values, where="activity log")
        self.assertTrue(self.notices())
        self.assertNoSecret(self.notices().body, *secret_values, where="managers' notice")
        self.assertIn("you sent", self.store.paused_reason)


# --------------------------------------------------------------------------- concurrency
@tagged("post_install", "-at_install")
class TestOAuthConcurrency(TransactionCase):
    """Real concurrent transactions on a committed store (deleted afterwards): the refresh's own
    cursor, its lock and its reading again after the lock."""

    def setUp(self):
        super().setUp()
        self.token_server = TokenServer(delay=0.5).start(self)
        with self.registry.cursor() as cr:
            store = oauth_store(self.env_of(cr), self.token_server, name="Concurrent OAuth Shop")
            self.first = install(store, self.token_server, access_expires_in=60)
            self.store_id = store.id
        self.addCleanup(self._delete_store)
        self.addCleanup(connector_store_oauth._fresh_tokens.pop, (self.env.cr.dbname, self.store_id), None)

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _delete_store(self):
        with self.registry.cursor() as cr:
            self.env_of(cr)["connector.store"].browse(self.store_id).exists().unlink()

    def stored_token(self):
        with self.registry.cursor() as cr:
            return self.env_of(cr)["connector.store"].browse(self.store_id)._get_credential("access_token")

    def test_two_workers_refreshing_at_once_make_one_call(self):
        barrier = threading.Barrier(2)
        tokens, errors = [], []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    store = self.env_of(cr)["connector.store"].browse(self.store_id)
                    store._get_credential("access_token")  # the worker's snapshot, before the other's commit
                    barrier.wait(timeout=30)
                    tokens.append(store._oauth_access_token())
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(errors, errors)
        self.assertEqual(len(self.token_server.grants("refresh_token")), 1, "both workers refreshed")
        self.assertEqual(len(tokens), 2)
        self.assertEqual(tokens[0], tokens[1])
        self.assertNotEqual(tokens[0], self.first["access_token"])
        self.assertEqual(self.stored_token(), tokens[0])

    def test_the_refreshed_token_survives_the_callers_rollback(self):
        """The platform retires the old refresh token: the new pair must outlive a failed job."""
        cr = self.registry.cursor()
        try:
            token = self.env_of(cr)["connector.store"].browse(self.store_id)._oauth_access_token()
            cr.rollback()
        finally:
            cr.close()
        self.assertNotEqual(token, self.first["access_token"])
        self.assertEqual(self.stored_token(), token)


# --------------------------------------------------------------------------- the callback route
@tagged("post_install", "-at_install")
class TestOAuthCallbackRoute(HttpCase):
    """Install with OAuth pressed in the web client, the merchant approves, the browser comes back
    to the base's callback route."""

    def setUp(self):
        super().setUp()
        self.env = self.env(context=dict(self.env.context, tracking_disable=True))
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.token_server = TokenServer().start(self)
        self.store = oauth_store(self.env, self.token_server)
        self.env.ref("base.user_admin").groups_id |= self.env.ref(MANAGER)
        self.authenticate("admin", "admin")

    def click_install(self):
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": "connector.store", "method": "action_oauth_install",
                       "args": [self.store.ids], "kwargs": {}},
        }), headers={"Content-Type": "application/json"})
        body = response.json()
        self.assertNotIn("error", body)
        return response, body["result"]["url"]

    def approve(self, authorize_url, code="code-7a3c"):
        """What the authorization server does once the merchant approves: the callback URL."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        self.assertTrue(authorize_url.startswith(self.token_server.url("/oauth/authorize")))
        self.assertEqual(query["client_id"], CLIENT_ID)
        self.assertEqual(query["redirect_uri"], self.base_url() + const.OAUTH_CALLBACK_ROUTE)
        self.token_server.codes.add(code)
        return f"{const.OAUTH_CALLBACK_ROUTE}?code={code}&state={query['state']}"

    def test_install_end_to_end(self):
        response, authorize_url = self.click_install()
        cookie = response.headers["Set-Cookie"]
        self.assertTrue(cookie.startswith(self.store._oauth_cookie_name() + "="), cookie)
        for attribute in ("HttpOnly", "SameSite=Lax", f"Max-Age={const.OAUTH_STATE_TTL}",
                          "Path=" + const.OAUTH_CALLBACK_ROUTE):
            self.assertIn(attribute, cookie)
        callback = self.approve(authorize_url)
        done = self.url_open(callback, allow_redirects=False)
        self.assertEqual(done.status_code, 303, done.text)
        # back on the store's form, in the Stores menu (the app's menu bar and the breadcrumb shown)
        self.assertTrue(done.headers["Location"].endswith(
            f"/odoo/action-store_connector_base.connector_store_action/{self.store.id}"))
        self.env.invalidate_all()
        self.assertTrue(self.store._get_credential("access_token").startswith("at_"))
        self.assertTrue(self.store._get_credential("refresh_token").startswith("rt_"))
        self.assertFalse(self.store.sudo().oauth_state)
        again = self.url_open(callback, allow_redirects=False)
        self.assertEqual(again.status_code, 400)
        self.assertIn("already used", again.text)

    def test_callback_in_another_browser_is_refused(self):
        __, authorize_url = self.click_install()
        callback = self.approve(authorize_url)
        self.opener.cookies.clear()
        stranger = self.url_open(callback, allow_redirects=False)
        self.assertEqual(stranger.status_code, 403)
        self.assertIn("another browser", stranger.text)
        self.env.invalidate_all()
        self.assertFalse(self.store._get_credential("access_token", required=False))
        self.assertTrue(self.store.sudo().oauth_state, "the stranger spent the state")

    def test_declined_on_the_platform(self):
        __, authorize_url = self.click_install()
        state = parse_qs(urlsplit(authorize_url).query)["state"][0]
        response = self.url_open(f"{const.OAUTH_CALLBACK_ROUTE}?error=access_denied&state={state}",
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertIn("not approved", response.text)
        self.env.invalidate_all()
        self.assertFalse(self.store.sudo().oauth_state)
        self.assertFalse(self.token_server.server.requests)

    def test_refused_exchange_shows_no_secret(self):
        def echo(request, form):
            return 400, {}, {"error": "invalid_grant", "error_description": f"you sent {form} with "
                             f"{request['headers'].get('authorization')}"}

        self.token_server.answer = echo
        __, authorize_url = self.click_install()
        response = self.url_open(self.approve(authorize_url, code="code-secret-9d8e7f6a"),
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 502)
        self.assertIn("you sent", response.text)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        for secret in (CLIENT_SECRET, basic, "code-secret-9d8e7f6a"):
            self.assertNotIn(secret[:FRAGMENT], response.text)


@tagged("post_install", "-at_install")
class TestOAuthInstallAttacks(RpcAttackCase):

    def test_only_a_manager_of_the_stores_company_starts_an_install(self):
        for user in (self.user_a, self.internal_a, self.portal_a, self.manager_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "connector.store", "action_oauth_install", [self.store_a.id])
        self.env.invalidate_all()
        self.assertFalse(self.store_a.sudo().oauth_state)
