"""The connector's routes and runner while the database is unreachable (services/database_outage.py).

The fault suite's "PostgreSQL restart" fault restarts a real PostgreSQL under real servers; here each
case is staged in one process: the registry's cursor refused (the database down when a request
arrives), the connection lost in the middle of a request, and a cron thread that ended.
"""

import json
import threading
from unittest.mock import patch

import psycopg2

import odoo.http
import odoo.service.server
from odoo.tests.common import BaseCase, HttpCase
from odoo.tools import mute_logger

import odoo.addons.store_connector_base as base_addon
from odoo.addons.store_connector_base.models.store_webhook_delivery import StoreWebhookDelivery
from odoo.addons.store_connector_base.services import database_outage
from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    sign,
)

from .sync_api_common import SyncApiFixtures

SECRET = "whsec-outage-0123456789"
OUTAGE_LOGGER = "odoo.store_connector.base.services.database_outage"
IR_HTTP_LOGGER = "odoo.store_connector.base.models.ir_http"


def _connection_lost(*_args, **_kwargs):
    raise psycopg2.OperationalError(
        "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally")


def _registry_unusable(*_args, **_kwargs):
    raise odoo.http.RegistryError("Cannot get registry test") from psycopg2.OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused')


class TestIntakeDatabaseOutage(SyncApiFixtures, HttpCase):
    """Webhook and sync API requests answer 503 with Retry-After (never 404 or 500) when the
    database cannot be reached, and keep nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.env["integration.credential"].create(
            {"store_id": cls.store.id, "key": "webhook_secret", "value": SECRET})
        # What the server does when it imports the addon (the manifest's post_load).
        base_addon.post_load()

    def _post_delivery(self, event_id):
        body = json.dumps({"id": event_id, "sku": "SKU-A"}).encode()
        return self.url_open(
            f"/api/v1/stores/{self.store.code}/webhooks/products", data=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(SECRET, body),
                     EVENT_HEADER: event_id})

    def _stored(self, event_id):
        return self.env["store.webhook.delivery"].search_count(
            [("store_id", "=", self.store.id), ("event_id", "=", event_id)])

    def test_manifest_installs_the_outage_handling(self):
        manifest = odoo.modules.module.get_manifest("store_connector_base")
        self.assertEqual(manifest["post_load"], "post_load")
        self.assertTrue(getattr(odoo.http.Request._serve_db, "store_connector_wrapped", False))
        self.assertTrue(getattr(odoo.http.Request._serve_nodb, "store_connector_wrapped", False))

    def test_delivery_while_the_database_is_down_is_503_not_404(self):
        """Odoo serves a request whose registry cursor cannot be opened without a database, where
        the connector's routes do not exist: it answered 404, which a platform reads as "gone"."""
        with patch.object(odoo.http.Request, "_open_registry", _registry_unusable), \
                mute_logger(OUTAGE_LOGGER):
            response = self._post_delivery("outage-down-1")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers.get("Retry-After"), str(database_outage.RETRY_AFTER_SECONDS))
        self.assertEqual(response.json(), {"status": "unavailable"})
        self.assertEqual(self._stored("outage-down-1"), 0)
        # Once the database answers, the platform's retry is stored.
        self.assertEqual(self._post_delivery("outage-down-1").status_code, 200)
        self.assertEqual(self._stored("outage-down-1"), 1)

    def test_delivery_while_no_database_can_be_listed_is_503(self):
        """With a dbfilter, Odoo lists the databases first; while PostgreSQL is down the list is
        empty and the request is served without a database at once (404 before)."""
        with patch.object(odoo.http, "db_filter", lambda dbs, host=None: []), mute_logger(OUTAGE_LOGGER):
            response = self._post_delivery("outage-nodb-1")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers.get("Retry-After"), str(database_outage.RETRY_AFTER_SECONDS))
        self.assertEqual(self._stored("outage-nodb-1"), 0)

    def test_other_routes_keep_odoos_answer_while_the_database_is_down(self):
        with patch.object(odoo.http.Request, "_open_registry", _registry_unusable), \
                mute_logger("odoo.http"):
            response = self.url_open("/web/health")
        self.assertEqual(response.status_code, 200)

    def test_connection_lost_during_a_delivery_is_503_not_500(self):
        with patch.object(StoreWebhookDelivery, "_insert_delivery", _connection_lost), \
                mute_logger(IR_HTTP_LOGGER, "odoo.http"):
            response = self._post_delivery("outage-lost-1")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers.get("Retry-After"), str(database_outage.RETRY_AFTER_SECONDS))
        self.assertEqual(response.json(), {"status": "unavailable"})
        self.assertEqual(self._stored("outage-lost-1"), 0)

    def test_connection_lost_closing_the_routing_cursor_is_503_not_500(self):
        """Odoo matches the route on a cursor of its own and closes it before the route's
        transaction, outside ir.http's error handling: a connection lost there was a 500 (seen in
        the PostgreSQL restart fault)."""
        open_registry = odoo.http.Request._open_registry

        def losing_at_close(request):
            registry, cr = open_registry(request)
            close = cr.close

            def close_and_lose():
                close()
                raise psycopg2.OperationalError("server closed the connection unexpectedly")
            cr.close = close_and_lose
            return registry, cr

        with patch.object(odoo.http.Request, "_open_registry", losing_at_close), \
                mute_logger(OUTAGE_LOGGER, "odoo.http"):
            response = self._post_delivery("outage-close-1")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.headers.get("Retry-After"), str(database_outage.RETRY_AFTER_SECONDS))
        self.assertEqual(self._stored("outage-close-1"), 0)

    def test_sync_api_while_the_database_is_down_or_lost_is_503(self):
        headers = {"Authorization": f"Bearer {self.key}"}
        url = f"/api/v1/stores/{self.store.code}/orders"
        with patch.object(odoo.http.Request, "_open_registry", _registry_unusable), \
                mute_logger(OUTAGE_LOGGER):
            down = self.url_open(url, headers=headers)
        Store = type(self.env["connector.store"])
        with patch.object(Store, "_api_resolve_store", _connection_lost), \
                mute_logger(IR_HTTP_LOGGER, "odoo.http"):
            lost = self.url_open(url, headers=headers)
        for response in (down, lost):
            self.assertEqual(response.status_code, 503)
            self.assertEqual(response.headers.get("Retry-After"), str(database_outage.RETRY_AFTER_SECONDS))
            self.assertEqual(response.json()["error"]["code"], "database_unavailable")
        self.assertEqual(self.url_open(url, headers=headers).status_code, 200)


class TestCronThreadWatchdog(BaseCase):
    """A threaded server's cron thread ends when PostgreSQL restarts (its LISTEN connection's
    poll() raises): the watchdog starts it again."""

    def test_path_matching(self):
        for path in ("/api/v1/stores", "/api/v1/stores/abc/webhooks/orders", "/api/v1/stores/abc/orders",
                     "/store_connector/webhook/test"):
            self.assertTrue(database_outage.is_connector_path(path), path)
        for path in ("/web/login", "/api/v1/storesX", "/odoo", "", "/store_connector/other"):
            self.assertFalse(database_outage.is_connector_path(path), path)

    def test_unavailable_errors_are_found_in_the_chain(self):
        try:
            try:
                _connection_lost()
            except psycopg2.OperationalError:
                raise psycopg2.InterfaceError("connection already closed") from None
        except psycopg2.InterfaceError as exc:
            self.assertTrue(database_outage.is_database_unavailable(exc))
        self.assertFalse(database_outage.is_database_unavailable(ValueError("no")))
        try:
            _registry_unusable()
        except odoo.http.RegistryError as exc:
            self.assertTrue(database_outage.is_database_unavailable(exc))

    def test_a_cron_thread_that_ended_is_started_again(self):
        ran = []
        release = threading.Event()

        class FakeServer(odoo.service.server.ThreadedServer):
            def __init__(self):  # no WSGI app, no sockets: only cron_thread is used
                self.quit_signals_received = 0

            def cron_thread(self, number):
                ran.append(number)
                release.wait(5)

        server = FakeServer()
        watchdog = database_outage.CronThreadWatchdog(server, interval=3600)
        name = watchdog.thread_name(0)
        with patch.dict(odoo.tools.config.options, {"max_cron_threads": 1}):
            # Before Odoo started its cron threads (or with none), nothing is started.
            self.assertEqual(watchdog.check(), [])
            original = threading.Thread(target=release.wait, args=(5,), name=name, daemon=True)
            original.start()
            self.assertEqual(watchdog.check(), [])
            self.assertEqual(ran, [])
            # The thread ends (PostgreSQL restarted): started again, under Odoo's name.
            release.set()
            original.join(5)
            release.clear()
            with mute_logger(OUTAGE_LOGGER):
                self.assertEqual(watchdog.check(), [0])
            revived = [t for t in threading.enumerate() if t.name == name and t.is_alive()]
            self.assertEqual(len(revived), 1)
            self.assertEqual(revived[0].type, "cron")
            self.assertEqual(ran, [0])
            # Alive again: left alone.
            self.assertEqual(watchdog.check(), [])
            # A server shutting down gets no new cron thread.
            release.set()
            revived[0].join(5)
            server.quit_signals_received = 1
            self.assertEqual(watchdog.check(), [])
        self.assertEqual(watchdog.restarted, 1)

    def test_no_watchdog_outside_a_threaded_server_with_crons(self):
        # The test runner is no threaded server with cron threads: nothing is started.
        with patch.object(odoo.service.server, "server", None):
            self.assertIsNone(database_outage.start_cron_watchdog())
