"""Security checks of issue #12 over the base and the test platform.

* No secret in plain text anywhere: stores with every declared credential set to a recognisable
  random secret are used for everything that reads a credential (Test Connection, API jobs, the
  OAuth code exchange and refresh, webhook signatures, a job that raises with the secret in its
  message) against a platform that refuses and echoes back all it received; then every table of
  the database and everything logged at DEBUG (SQL included) are searched for the secrets, as is,
  URL-encoded and base64 (common_secrets.py says why in this transaction rather than a dump).
* Store URLs: a saved shop name that re-resolves to a private address is refused on every HTTP
  path (TestPrivateAddressAfterSaving).
* Public and portal users get nothing from any route of the suite but the signed webhooks, the OAuth
  callbacks and the published images (TestRoutesForOutsiders).
"""

import base64
import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user
from odoo.tests.common import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    sign,
)

from ..exceptions import PermanentJobError
from .common import run_queue
from .common_attack import RpcAttackCase, RpcError
from .common_secrets import SecretScanMixin, recognisable_secret
from .http_servers import PUBLIC_IP, FakeHostsMixin, RecordingServer, fake_dns, private_urls, record_dials


def echo_refusal(request):
    """A platform that refuses everything and quotes all it received (headers, query, body) in its
    error, as some do: whatever quotes it on our side must redact it."""
    query = parse_qs(urlsplit(request["path"]).query)
    quoted = {"headers": request["headers"], "query": query,
              "body": request["body"].decode("utf-8", "replace")}
    if urlsplit(request["path"]).path.endswith("/oauth/token"):
        return 400, {}, {"error": "invalid_grant", "error_description": json.dumps(quoted)}
    return 401, {}, {"code": "unauthorized", "message": f"Refused: you sent {json.dumps(quoted)}"}


@tagged("post_install", "-at_install")
class TestNoSecretInPlainText(SecretScanMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.platform = RecordingServer(echo_refusal)
        cls.platform_url = cls.platform.start()
        cls.addClassCleanup(cls.platform.stop)

    def _store_with_every_credential(self, name, extra_keys=()):
        store = self.env["connector.store"].create({"name": name, "platform": "test",
                                                    "shop_url": self.platform_url})
        Credential = self.env["integration.credential"]
        values = {}
        for key in [*store._credential_declarations(), *extra_keys]:
            values[key] = recognisable_secret(key)
            Credential._set_value(store, key, values[key])
        return store, values

    def _use_every_credential(self, store, values):
        # Refused by the platform: the store is paused with the reason (logged, notified).
        try:
            store.action_test_connection()
        except UserError:
            pass
        store.sudo().write({"paused": False})
        Job = self.env["sync.job"]
        # The leaking jobs first: the API call's refusal pauses the store.
        for key in values:
            Job._enqueue(store, "test.leak", "_job_scripted", payload={"leak_credential": key},
                         identity_key=f"leak:{key}", priority=1)
        Job._enqueue(store, "test.api", "_job_test_api_call", priority=20)
        run_queue(self.env, store)
        store.sudo().write({"paused": False})
        with self.assertRaises(Exception):  # noqa: B017 - whatever the refusal becomes, it is recorded
            store._oauth_exchange_code("auth-code-" + values["client_secret"][-6:])
        body = json.dumps({"id": 4242}).encode()
        for secret in (values["webhook_secret"], values["webhook_secret_previous"], "not-the-secret"):
            self.url_open(f"/api/v1/stores/{store.code}/webhooks/orders", data=body, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
                EVENT_HEADER: f"evt-{secret[-6:]}"})

    @mute_logger("odoo.store_connector.base.models.sync_job",
                 "odoo.store_connector.base.models.connector_store")
    def test_no_secret_in_the_database_or_the_debug_log(self):
        bearer, bearer_values = self._store_with_every_credential("Scan Bearer")
        # The test platform's other authentication: key and secret in the query (WooCommerce's way).
        query, query_values = self._store_with_every_credential("Scan Query", extra_keys=["api_secret"])
        secrets = [*bearer_values.values(), *query_values.values()]
        with self.capture_debug_log() as log:
            self._use_every_credential(bearer, bearer_values)
            self._use_every_credential(query, query_values)
        # They were used: the platform received each secret it is sent (the webhook secrets are
        # never sent anywhere, they sign).
        received = json.dumps(self.platform.requests, default=lambda raw: raw.decode("utf-8", "replace"))
        for values in (bearer_values, query_values):
            self.assertTrue(self.find_secrets_in_text(received, [values["api_key"]]), "Test Connection ran")
            self.assertIn("/oauth/token", received, "the OAuth code exchange ran")
            client = [values["client_id"], values["client_secret"]]
            self.assertTrue(self.find_secrets_in_text(received, client),
                            "the OAuth code exchange sent the client's credentials")
        self.assertTrue(self.find_secrets_in_text(received, [query_values["api_secret"]]))
        deliveries = self.env["store.webhook.delivery"].search([("store_id", "in", (bearer | query).ids)])
        self.assertEqual(len(deliveries), 4, "both webhook secrets verified a delivery on each store")
        jobs = self.env["sync.job"].search([("store_id", "in", (bearer | query).ids)])
        self.assertGreaterEqual(len(jobs.filtered("last_error")), 1 + len(bearer_values),
                                "the failing calls' and the leaking jobs' errors were recorded")
        self.assertTrue(any("query:" in line for line in log), "SQL was logged at DEBUG")

        self.assertEqual(self.find_secrets_in_database(secrets), [],
                         "a secret is stored in plain text (table, column)")
        leaked = self.find_secrets_in_text("\n".join(log), secrets)
        self.assertEqual(leaked, [], "a secret was logged")

    def test_the_scan_finds_a_secret_where_it_is(self):
        """The scan itself: a secret written base64-encoded in a log line, and one logged URL-encoded
        at DEBUG by any logger, are both found."""
        store, values = self._store_with_every_credential("Scan Control")
        encoded = base64.b64encode(f"{values['client_id']}:{values['client_secret']}".encode()).decode()
        with self.capture_debug_log() as log:
            store._log_activity("connection", "failed", message=f"Authorization: Basic {encoded}")
            logging.getLogger("odoo.addons.some_module").debug("GET /x?key=%s", quote(values["api_key"]))
        self.assertIn(("store_activity_log", "message"), self.find_secrets_in_database(list(values.values())))
        self.assertTrue(self.find_secrets_in_text("\n".join(log), [values["api_key"]]))


PUBLIC_ROUTE_PREFIXES = (
    # Signed webhooks: refused without a valid signature (tests/test_hostile_input.py).
    "/api/v1/stores/<string:store_code>/webhooks/",
    "/store_connector/webhook/",
    # OAuth callbacks and WooCommerce's keys: refused without a single-use state (test_oauth.py).
    "/store_connector/oauth/callback",
    "/store_connector_shopify/oauth/",
    "/store_connector/woocommerce/keys/",
)


@tagged("post_install", "-at_install")
class TestRoutesForOutsiders(HttpCase):
    """Every route of the Store Connector addons, called as nobody and as a portal user: no data,
    only a refusal (401/403/404/405/415/422, or a redirect to the login page). The routes that are
    public by design (signed webhooks, OAuth callbacks, the published images) refuse what is not
    signed or not theirs; their tests say how."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = cls.env["connector.store"].create({"name": "Outsider Shop", "platform": "test"})
        cls.env["integration.credential"]._set_value(cls.store, "webhook_secret", "whsec-outsider-1234")
        cls.portal = new_test_user(cls.env, "sc_portal_outsider", groups="base.group_portal")

    def _suite_routes(self):
        """(url pattern, methods, endpoint name) of every route whose controller is in a Store
        Connector addon."""
        routes = []
        for rule in self.env["ir.http"].routing_map().iter_rules():
            module = getattr(rule.endpoint, "original_endpoint", rule.endpoint).__module__
            if ".store_connector" in module:
                routes.append((rule.rule, sorted((rule.methods or {"GET"}) - {"HEAD", "OPTIONS"}), module))
        return routes

    def _url_of(self, rule):
        """A concrete URL of a route: the store's code or id, a random token for other arguments."""
        url = rule
        code = self.store.code
        for placeholder, value in (("<string:store_code>", code), ("<string:store_ref>", code),
                                   ("<int:store_id>", str(self.store.id)), ("<string:kind>", "orders")):
            url = url.replace(placeholder, value)
        while "<" in url:
            start = url.index("<")
            url = url[:start] + "not-a-token-0123456789" + url[url.index(">", start) + 1:]
        return url

    def _call_every_route(self):
        """{(method, url): (status, body start)} of every route of the suite, as this session."""
        answers = {}
        for rule, methods, _module in self._suite_routes():
            url = self._url_of(rule)
            for method in methods:
                response = self.opener.request(
                    method, self.base_url() + url, allow_redirects=False, timeout=60,
                    headers={"Content-Type": "application/json"}, data=b"{}" if method == "POST" else None)
                answers[(method, url, rule)] = (response.status_code, response.text[:200],
                                                response.headers.get("Location", ""))
        return answers

    def assertOnlyRefusals(self, answers, who):
        self.assertTrue(answers, "the suite's routes were found")
        for (method, url, rule), (status, text, location) in answers.items():
            with self.subTest(who=who, method=method, url=url):
                if 300 <= status < 400:
                    self.assertIn("/web/login", location, f"{who} redirected elsewhere than the login")
                    continue
                self.assertIn(status, (400, 401, 403, 404, 405, 409, 412, 415, 422),
                              f"{who} got {status} from {method} {url}: {text}")
                self.assertFalse(rule.startswith(("/api/v1/stores", "/store_connector")) and status == 200)

    @mute_logger("odoo.http", "odoo.store_connector.base.controllers.main",
                 "odoo.store_connector.base.controllers.sync_api",
                 "odoo.store_connector.base.models.ir_http", "werkzeug")
    def test_public_and_portal_users_get_nothing(self):
        rules = {rule for rule, _methods, _module in self._suite_routes()}
        # The list covers the public routes we know of: a new route makes this test look at it.
        self.assertTrue(any(rule.startswith(prefix) for rule in rules for prefix in PUBLIC_ROUTE_PREFIXES))
        self.assertOnlyRefusals(self._call_every_route(), "the public user")
        self.authenticate("sc_portal_outsider", "sc_portal_outsider")
        self.assertOnlyRefusals(self._call_every_route(), "a portal user")
        self.assertFalse(self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)]))
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]))


@tagged("post_install", "-at_install")
class TestPrivateAddressAfterSaving(FakeHostsMixin, TransactionCase):
    """DNS rebinding of a saved store: its shop name answered a public address when the store was
    saved, and answers a private one now. Every path that sends the store's credentials (Test
    Connection, a job's API call, the OAuth code exchange and token refresh) refuses before dialing,
    as the form refuses to save the name while it resolves privately. The server does not allow
    private URLs here (production); the suite's own setting allows them."""

    fake_hosts = ("shop-rebind.example.com",)
    URL = "https://shop-rebind.example.com"

    def test_every_http_path_refuses_a_name_that_now_resolves_privately(self):
        Credential = self.env["integration.credential"]
        with private_urls(False):
            with fake_dns("shop-rebind.example.com", [PUBLIC_IP]):
                store = self.env["connector.store"].create({"name": "Rebind Shop", "platform": "test",
                                                            "shop_url": self.URL})
            for key in ("api_key", "client_id", "client_secret"):
                Credential._set_value(store, key, recognisable_secret(key))
            Credential._set_value(store, "refresh_token", recognisable_secret("refresh_token"),
                                  expires_at=fields.Datetime.now() + timedelta(days=30))
            with fake_dns("shop-rebind.example.com", ["10.0.0.5"]), record_dials() as dialed:
                with self.assertRaises(ValidationError):
                    store.write({"shop_url": self.URL + "/"})
                answer = store.action_test_connection()
                self.assertIn("10.0.0.5", answer["params"]["message"])
                store.sudo().write({"paused": False})
                job = self.env["sync.job"]._enqueue(store, "test.api", "_job_test_api_call")
                run_queue(self.env, store)
                self.assertEqual(job.state, "failed", "a refused address is not worth retrying")
                self.assertIn("10.0.0.5", job.last_error)
                for call in (lambda: store._oauth_exchange_code("code-1"),
                             lambda: store._oauth_token_request("refresh_token", {"refresh_token": "r-1"})):
                    with self.assertRaises(PermanentJobError) as caught:
                        call()
                    self.assertIn("10.0.0.5", str(caught.exception))
            # (The managers' notification may dial the local mail server: not a store's request.)
            self.assertEqual([address for address in dialed if address != ("127.0.0.1", 25)], [],
                             "nothing was sent to the private address")


@tagged("post_install", "-at_install")
class TestOtherCompanysRecordsOverRpc(RpcAttackCase):
    """Every model of the suite's addons, over the external API (what the UI's and XML-RPC's calls
    run): a Store Connector Manager or User of company B finds and reads none of company A's records
    (stores, jobs, deliveries, activity log, credentials, bindings, every other model that belongs to
    a store or a company); a Store Connector User of company A reads no credential at all. The ORM
    version of this is test_security.py; the list of models is read from the registry, so that a new
    model is swept too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        store = cls.store_a
        product = cls.env["product.product"].create({"name": "Sweep Product", "default_code": "SWEEP-1"})
        store._publish_products(product)
        cls.env["sync.job"]._enqueue(store, "security.check", "_job_noop")
        store._log_activity("security.check", "done", message="company A's line")
        cls.env["store.webhook.delivery"].create({"store_id": store.id, "kind": "orders",
                                                  "event_id": "evt-a"})

    def _records_of_company_a(self):
        """{model: ids} of the records of company A, for every model of the suite's addons with a
        company or a store."""
        modules = ["store_connector_base", "store_connector_shopify", "store_connector_woocommerce",
                   "store_connector_ebay"]
        names = self.env["ir.model.data"].sudo().search(
            [("model", "=", "ir.model"), ("module", "in", modules)]).mapped("res_id")
        result = {}
        for model in self.env["ir.model"].sudo().browse(names):
            Model = self.env.get(model.model)
            if (Model is None or Model._abstract or Model._transient or not Model._auto
                    or Model._original_module not in modules):
                continue  # another addon's model the suite only extends (contacts, orders...)
            if "company_id" in Model._fields and Model._fields["company_id"].store:
                domain = [("company_id", "=", self.company_a.id)]
            elif "store_id" in Model._fields and Model._fields["store_id"].store:
                domain = [("store_id.company_id", "=", self.company_a.id)]
            else:
                continue
            ids = Model.sudo().with_context(active_test=False).search(domain).ids
            if ids:
                result[model.model] = ids
        return result

    def test_company_b_finds_and_reads_none_of_company_as_records(self):
        records = self._records_of_company_a()
        for model in ("connector.store", "sync.job", "store.webhook.delivery", "store.activity.log",
                      "integration.credential", "store.product.binding"):
            self.assertIn(model, records, "the sweep covers the models the issue names")
        for user in (self.manager_b, self.user_b):
            for model, ids in records.items():
                with self.subTest(user=user.login, model=model):
                    try:
                        found = self.rpc(user, model, "search_read", [("id", "in", ids)], ["id"],
                                         context={"active_test": False})
                    except RpcError as refusal:
                        self.assertEqual(refusal.name.rsplit(".", 1)[-1], "AccessError", refusal)
                        continue
                    self.assertEqual(found, [], f"{user.login} found company A's {model}")
                    self.assertRpcRefused(user, model, "read", ids[:5], ["id"])

    def test_a_store_connector_user_reads_no_credential(self):
        ids = self.env["integration.credential"].search([("store_id", "=", self.store_a.id)]).ids
        self.assertTrue(ids)
        self.assertRpcRefused(self.user_a, "integration.credential", "search_read", [], ["key"])
        self.assertRpcRefused(self.user_a, "integration.credential", "read", ids, ["key"])
        self.assertRpcRefused(self.user_a, "connector.store", "read", [self.store_a.id], ["credential_ids"])
