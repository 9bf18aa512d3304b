"""Several Odoo servers on one database (issue #12): what every worker of every server shares must
hold under real concurrency (threads, each with its own PostgreSQL connection, committing), and the
routes that only read must run on a read-only cursor (a replica's, with db_replica_host).

* the sync API's 60 requests a minute: counted on a connection of its own, in READ COMMITTED under
  the store's advisory lock, never more than the limit whatever the number of connections at once;
* the sync API's GET routes and the dashboards' reads and buttons are served read-only, without
  Odoo's retry on the primary (which a write would cause), and still count the request;
* the platforms' shared rate buckets (services/rate_limiter.py) are never overspent;
* an OAuth refresh on a platform that keeps its refresh token (eBay) is not made twice by a worker
  whose snapshot predates the other's commit.
"""

import json
import threading
import uuid
from datetime import datetime
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.http import request
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged
from odoo.tests.common import TransactionCase

from ..controllers.sync_api import StoreSyncApiController
from ..exceptions import RetryableJobError
from ..models import connector_store_oauth
from ..services.rate_limiter import SharedRateLimiter
from .sync_api_common import SyncApiFixtures
from .test_oauth import TokenServer, install, oauth_store

FIXED_NOW = datetime(2031, 3, 1, 12, 0, 0)


def run_at_once(count, target):
    """Run `target(index)` in `count` threads released together; re-raise the first error."""
    barrier = threading.Barrier(count)
    errors = []

    def work(index):
        try:
            barrier.wait(timeout=30)
            target(index)
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]


def committed_count(dbname, query, params):
    """What every connection sees now (the test's own transaction has an older snapshot)."""
    with db_connect(dbname).cursor() as cr:
        cr.execute(query, params)
        return cr.fetchone()[0]


# --------------------------------------------------------------------------- sync API rate limit
@tagged("post_install", "-at_install")
class TestSyncApiRateLimitAcrossConnections(TransactionCase):
    """Real concurrent transactions on a committed store (deleted afterwards), as the requests of
    several servers are."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            self.store_id = env["connector.store"].create({"name": "Rate limit across servers",
                                                           "platform": "test"}).id
        self.addCleanup(self._delete_store)

    def _delete_store(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM store_api_request WHERE store_id = %s", [self.store_id])
            api.Environment(cr, SUPERUSER_ID, {})["connector.store"].browse(self.store_id).unlink()

    def test_connections_hitting_at_once_never_pass_more_than_the_limit(self):
        connections, hits, limit = 8, 15, 60
        allowed, refused = [], []

        def hit(_index):
            # One worker: its own cursor and environment, as a request of another server.
            with self.registry.cursor() as cr:
                Request = api.Environment(cr, SUPERUSER_ID, {})["store.api.request"]
                for _i in range(hits):
                    retry_after = Request._hit(self.store_id, limit=limit, now=FIXED_NOW)
                    (refused if retry_after else allowed).append(retry_after)

        run_at_once(connections, hit)
        self.assertEqual(len(allowed), limit, "more requests passed than the limit allows")
        self.assertEqual(len(refused), connections * hits - limit)
        self.assertTrue(all(seconds == 60 for seconds in refused), set(refused))
        self.assertEqual(committed_count(self.env.cr.dbname,
                                         "SELECT count(*) FROM store_api_request WHERE store_id = %s",
                                         [self.store_id]), limit)

    def test_the_count_is_committed_whatever_the_callers_transaction_does(self):
        """A request that fails later (rolled back), or runs on a read-only cursor, still counts."""
        self.env.cr.execute("SAVEPOINT read_only_request")
        try:
            self.env.cr.execute("SET TRANSACTION READ ONLY")
            self.assertEqual(self.env["store.api.request"]._hit(self.store_id, limit=1, now=FIXED_NOW), 0)
            self.assertEqual(self.env["store.api.request"]._hit(self.store_id, limit=1, now=FIXED_NOW), 60)
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT read_only_request")  # the request fails
        self.assertEqual(committed_count(self.env.cr.dbname,
                                         "SELECT count(*) FROM store_api_request WHERE store_id = %s",
                                         [self.store_id]), 1)

    def test_the_purge_deletes_what_left_the_window_and_deleted_stores(self):
        Request = self.env["store.api.request"]
        self.assertEqual(Request._hit(self.store_id, now=datetime(2020, 1, 1)), 0)
        self.assertEqual(Request._hit(2_000_000_000), 0, "no foreign key: any store id is counted")
        with self.registry.cursor() as cr:  # the cron's transaction, after those commits
            self.assertEqual(api.Environment(cr, SUPERUSER_ID, {})["store.api.request"]._purge_windows(), 2)
        self.assertEqual(committed_count(self.env.cr.dbname,
                                         "SELECT count(*) FROM store_api_request WHERE store_id IN %s",
                                         [(self.store_id, 2_000_000_000)]), 0)


# --------------------------------------------------------------------------- shared platform buckets
@tagged("post_install", "-at_install")
class TestSharedBucketAcrossConnections(TransactionCase):

    def test_workers_spending_at_once_never_overspend_the_bucket(self):
        dbname, key = self.env.cr.dbname, f"test:{uuid.uuid4()}"
        frozen = 1_900_000_000.0  # no refill during the test: the capacity is all there is
        capacity, workers, tries = 40, 8, 10
        spent = []

        def spend(_index):
            limiter = SharedRateLimiter(dbname, key, capacity, 1.0, clock=lambda: frozen)
            for _i in range(tries):
                try:
                    limiter.acquire(cost=1, max_wait=0)
                    spent.append(1)
                except RetryableJobError as exc:
                    self.assertTrue(exc.throttled)

        try:
            run_at_once(workers, spend)
            state = SharedRateLimiter(dbname, key, capacity, 1.0, clock=lambda: frozen).state()
        finally:
            SharedRateLimiter(dbname, key, capacity, 1.0).forget()
        self.assertEqual(len(spent), capacity, "the workers spent more than the bucket holds")
        self.assertAlmostEqual(state["available"], 0.0)


# --------------------------------------------------------------------------- OAuth refresh
@tagged("post_install", "-at_install")
class TestOAuthRefreshAcrossServers(TransactionCase):
    """A platform that keeps the refresh token on refresh (eBay): the refresh token's row, which the
    refresh locks, would not change, and a worker of another server whose snapshot was taken before
    the first refresh committed, and its lock after, would read the old access token and refresh
    again."""

    def setUp(self):
        super().setUp()
        self.token_server = TokenServer().start(self)
        self.refreshes = 0

        def answer(_request, form):
            self.assertEqual(form["grant_type"], "refresh_token")
            self.refreshes += 1
            return 200, {}, {"access_token": f"at_{uuid.uuid4().hex}", "token_type": "Bearer",
                             "expires_in": 7200}

        with self.registry.cursor() as cr:
            store = oauth_store(self.env_of(cr), self.token_server, name="Kept refresh token Shop")
            self.first = install(store, self.token_server, access_expires_in=60)
            self.store_id = store.id
        self.token_server.answer = answer
        self.addCleanup(self._delete_store)
        self.addCleanup(connector_store_oauth._fresh_tokens.pop, (self.env.cr.dbname, self.store_id), None)

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _delete_store(self):
        with self.registry.cursor() as cr:
            self.env_of(cr)["connector.store"].browse(self.store_id).exists().unlink()

    def test_a_refresh_whose_snapshot_predates_the_other_servers_refresh_is_not_made_again(self):
        late = self.registry.cursor()  # the other server's refresh transaction: its snapshot first
        try:
            late.execute("SELECT 1")
            with self.registry.cursor() as cr:
                token = self.env_of(cr)["connector.store"].browse(self.store_id)._oauth_refresh(
                    seen_token=self.first["access_token"])
            self.assertEqual(self.refreshes, 1)
            store = self.env_of(late)["connector.store"].browse(self.store_id)
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                store._oauth_refresh_locked(self.first["access_token"])
        finally:
            late.close()
        self.assertEqual(self.refreshes, 1, "the platform saw two refreshes")
        # The caller's loop then looks again in a new transaction and uses the other's token.
        connector_store_oauth._fresh_tokens.pop((self.env.cr.dbname, self.store_id), None)
        with self.registry.cursor() as cr:
            again = self.env_of(cr)["connector.store"].browse(self.store_id)._oauth_refresh(
                seen_token=self.first["access_token"])
        self.assertEqual(again, token)
        self.assertEqual(self.refreshes, 1)


# --------------------------------------------------------------------------- read-only routes
class ServedModes:
    """Records how each sync API request (or RPC call) was served: Odoo's cursor mode of the
    request's thread ('ro', 'rw', or 'ro->rw' when a read-only attempt wrote and Odoo ran it again
    on the primary) and whether the cursor the handler used was read-only."""

    def __init__(self):
        self.modes = []

    def record(self):
        self.modes.append((getattr(threading.current_thread(), "cursor_mode", None), request.env.cr.readonly))


@tagged("post_install", "-at_install")
class TestSyncApiReadOnlyRoutes(SyncApiFixtures, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.order = cls._new_order(cls.store)

    def setUp(self):
        super().setUp()
        self.served = ServedModes()
        original = StoreSyncApiController._answer

        def answer(controller, run, what):
            response = original(controller, run, what)
            self.served.record()
            return response

        patcher = patch.object(StoreSyncApiController, "_answer", answer)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _get(self, path):
        return self.opener.get(self.base_url() + path, timeout=30,
                               headers={"Authorization": f"Bearer {self.key}"})

    def _count(self, store):
        return committed_count(self.env.cr.dbname,
                               "SELECT count(*) FROM store_api_request WHERE store_id = %s", [store.id])

    def test_get_routes_are_served_read_only_and_still_counted(self):
        paths = [
            f"/api/v1/stores/{self.store.code}/orders",
            f"/api/v1/stores/{self.store.code}/orders?status=sale,draft&limit=1",
            f"/api/v1/stores/{self.store.code}",
            f"/api/v1/stores/{self.store.id}",
            "/api/v1/stores",
        ]
        for path in paths:
            response = self._get(path)
            self.assertEqual(response.status_code, 200, f"{path}: {response.text}")
        orders = self._get(paths[0]).json()["data"]
        self.assertEqual([order["id"] for order in orders], [self.order.id])
        pull = self._get(f"/api/v1/stores/{self.store.code}/sync/orders/999999")
        self.assertEqual(pull.status_code, 404, pull.text)
        self.assertEqual(len(self.served.modes), len(paths) + 2)
        for path, (mode, readonly) in zip(paths + ["orders again", "order pull"], self.served.modes,
                                           strict=True):
            self.assertEqual(mode, "ro", f"{path} was not served read-only, or wrote and ran again")
            self.assertTrue(readonly, f"{path}: the handler's cursor was not read-only")
        # The rate limit counted each of them (on the primary, in a transaction of its own).
        self.assertEqual(self._count(self.store), len(paths) - 1 + 2)

    def test_routes_that_write_stay_read_write(self):
        response = self.opener.post(
            self.base_url() + f"/api/v1/stores/{self.store.code}/sync/products", data=json.dumps({}),
            timeout=30, headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.assertEqual(response.status_code, 202, response.text)
        response = self.opener.post(
            self.base_url() + "/api/v1/stores", data=json.dumps({"name": "x"}), timeout=30,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        self.assertEqual(response.status_code, 403, response.text)  # a user, not a manager
        self.assertEqual([mode for mode, _readonly in self.served.modes], ["rw", "rw"])


@tagged("post_install", "-at_install")
class TestDashboardReadOnly(SyncApiFixtures, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    def setUp(self):
        super().setUp()
        self.served = ServedModes()
        self.authenticate(self.api_user.login, self.api_user.login)  # new_test_user's password

    def _record_in(self, model, method):
        served = self.served
        model_class = self.registry[model]
        original = getattr(model_class, method)

        def recording(records, *args, **kwargs):
            served.record()
            return original(records, *args, **kwargs)

        patcher = patch.object(model_class, method, recording)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _call(self, route, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(route, {"model": model, "method": method, "args": args,
                                                 "kwargs": kwargs or {}})

    def test_dashboard_figures_and_buttons_are_served_read_only(self):
        self._record_in("connector.store", "_compute_dashboard")
        self._record_in("store.dashboard.summary", "_compute_dashboard")
        self._record_in("ir.actions.act_window", "_for_xml_id")
        spec = {"dashboard_job_count": {}, "dashboard_backlog_count": {}, "dashboard_last_sync_html": {}}
        stores = self._call("/web/dataset/call_kw", "connector.store", "web_search_read", [],
                            {"domain": [("id", "=", self.store.id)], "specification": spec})
        self.assertEqual(stores["records"][0]["id"], self.store.id)
        summary = self._call("/web/dataset/call_kw", "store.dashboard.summary", "web_search_read", [],
                             {"domain": [], "specification": dict(spec, store_count={})})
        self.assertTrue(summary["records"])
        for method in ("action_view_recent_jobs", "action_view_job_analysis"):
            action = self._call("/web/dataset/call_button", "connector.store", method, [[self.store.id]])
            self.assertEqual(action["res_model"], "sync.job")
        action = self._call("/web/dataset/call_button", "store.dashboard.summary", "action_view_stores",
                            [[self.store.company_id.id]])
        self.assertEqual(action["res_model"], "connector.store")
        self.assertEqual(len(self.served.modes), 5)
        for mode, readonly in self.served.modes:
            self.assertEqual(mode, "ro", self.served.modes)
            self.assertTrue(readonly)
