"""The connector's routes and runner while the database is unreachable (a PostgreSQL restart, a
failover): answer 503 with Retry-After, and let the crons start again by themselves.

What Odoo does on its own, measured with real servers around a PostgreSQL restart (the fault
suite's "PostgreSQL restart" fault):

- A request that arrives while the database is down cannot open the registry's cursor; Odoo then
  serves it as if no database were selected, where only the server-wide modules' routes exist: a
  webhook or sync API request is answered **404** (an HTML page). A platform reads that as "this
  address is gone" (some stop retrying, some drop the subscription), though nothing was stored.
- A request whose connection dies mid-way fails with psycopg2's OperationalError or InterfaceError
  and is answered **500**.
- In a threaded server (``--workers 0``), each cron thread keeps one connection LISTENing for
  wake-ups; when PostgreSQL restarts, that connection's ``poll()`` raises and the thread ends for
  good: the server never runs a cron again (the queue runner included) until it is restarted.
  Prefork servers are fine: their cron worker process exits and the master starts a new one.

So, for the connector's own routes (webhook intake, sync API: `is_connector_path`):
`answer_unavailable` answers 503 with Retry-After and a short JSON body (the platform retries,
nothing was acknowledged); `install` wraps `odoo.http.Request._serve_db` and `_serve_nodb` for
the first case (with a dbfilter, Odoo cannot even list the databases and serves the request
without one at once) and `ir.http._handle_error` does the second (see models/ir_http.py). And
`CronThreadWatchdog` starts again, under the same name, an Odoo cron thread that ended, once the
database answers.

`install` runs when the addon is imported (the manifest's post_load); everything here is
idempotent and does nothing outside these cases.
"""

import json
import threading

import psycopg2

import odoo.http
import odoo.service.server
from odoo.tools import config

from .logs import get_logger

_logger = get_logger(__name__)

# The connector's routes: the webhook intake (/api/v1/stores/<code>/webhooks/<kind>), the sync API
# (/api/v1/stores...) and the platform endpoint (/store_connector/webhook/<platform>, see
# models/store_webhook_delivery.PLATFORM_WEBHOOK_PATH). Paths, not routes: when the database is
# down there is no routing map to match against.
CONNECTOR_PATH_PREFIXES = ("/api/v1/stores", "/store_connector/webhook/")
# What an unavailable answer asks the caller to wait: about what a PostgreSQL restart takes.
RETRY_AFTER_SECONDS = 30
# How often the watchdog looks at the cron threads (seconds).
WATCHDOG_INTERVAL = 5.0
# Exceptions that say the database connection is unusable (or the database refused the work for
# now): answered 503. OperationalError covers connection loss, "the database system is shutting
# down / starting up", statement timeouts; InterfaceError "connection already closed".
DATABASE_UNAVAILABLE_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)

_installed = False
_install_lock = threading.Lock()


def is_connector_path(path):
    """Whether an HTTP path is one of the connector's webhook or sync API routes."""
    return bool(path) and (path == CONNECTOR_PATH_PREFIXES[0] or path.startswith(
        tuple(prefix if prefix.endswith("/") else prefix + "/" for prefix in CONNECTOR_PATH_PREFIXES)))


def is_database_unavailable(exc):
    """Whether `exc` (or an exception it was raised from) says the database is unusable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def answer_unavailable(path):
    """The 503 answer of a connector route while the database is unusable: Retry-After, and the
    route's own JSON shape (the intake's {"status": ...}, the sync API's {"error": {...}})."""
    if path.startswith(CONNECTOR_PATH_PREFIXES[0]) and "/webhooks/" not in path:
        body = {"error": {
            "code": "database_unavailable",
            "message": "The Odoo database cannot be reached right now; nothing was done. "
                       f"Try again in {RETRY_AFTER_SECONDS} seconds.",
        }}
    else:
        body = {"status": "unavailable"}
    return odoo.http.Response(
        json.dumps(body), status=503,
        headers=[("Content-Type", "application/json; charset=utf-8"),
                 ("Retry-After", str(RETRY_AFTER_SECONDS))],
    )


def _serve_db_or_unavailable(serve_db):
    def _serve_db(self):
        try:
            return serve_db(self)
        except odoo.http.RegistryError:
            # Raised by _open_registry alone, before any transaction: nothing was done.
            path = self.httprequest.path
            if not is_connector_path(path):
                raise
            _logger.warning("database %s unreachable: %s answered 503", self.db, path)
            return answer_unavailable(path)
        except Exception as exc:
            # The connection dropped outside the route's own transaction, where ir.http's error
            # handling does not reach: closing the cursor that matched the route, or the commit.
            # A 503 is safe whether the commit happened or not (a delivery sent again is a
            # duplicate); a 2xx would not be.
            path = self.httprequest.path
            if not (is_connector_path(path) and is_database_unavailable(exc)):
                raise
            _logger.warning("database %s connection lost while serving %s: answered 503 (%s)",
                            self.db, path, exc.__class__.__name__)
            return answer_unavailable(path)
    _serve_db.store_connector_wrapped = True
    return _serve_db


def _serve_nodb_or_unavailable(serve_nodb):
    def _serve_nodb(self):
        # The connector's routes exist in a database only: served without one (the database
        # unreachable, or the list of databases a dbfilter selects from unreadable while
        # PostgreSQL is down), they are unavailable, not missing.
        path = self.httprequest.path
        if is_connector_path(path):
            _logger.warning("no database to serve %s (unreachable or not selected): answered 503", path)
            return answer_unavailable(path)
        return serve_nodb(self)
    _serve_nodb.store_connector_wrapped = True
    return _serve_nodb


class CronThreadWatchdog(threading.Thread):
    """Starts again the cron threads of a threaded Odoo server that ended (see the module doc).

    It acts once Odoo has started its cron threads (it saw one alive: a server run with
    --stop-after-init or max_cron_threads = 0 has none), and names them as Odoo does, so that
    Odoo's own tools (and this watchdog) recognise them. A thread started while the database is
    still down ends at once and is started again at the next look.
    """

    def __init__(self, server, interval=WATCHDOG_INTERVAL):
        super().__init__(name="store_connector.cron_watchdog", daemon=True)
        self.server = server
        self.interval = interval
        self.spawned = False
        self.stopped = threading.Event()
        self.restarted = 0

    @staticmethod
    def thread_name(number):
        return f"odoo.service.cron.cron{number}"

    def check(self):
        """Look once: once Odoo has started its cron threads (one of them was seen), start again
        those that ended. :returns: the numbers of the threads started."""
        alive = {thread.name for thread in threading.enumerate() if thread.is_alive()}
        count = config["max_cron_threads"] or 0
        if not self.spawned:
            self.spawned = any(self.thread_name(number) in alive for number in range(count))
        started = []
        if not self.spawned or getattr(self.server, "quit_signals_received", 0):
            return started
        for number in range(count):
            name = self.thread_name(number)
            if name not in alive:
                thread = threading.Thread(target=self.server.cron_thread, args=(number,), name=name,
                                          daemon=True)
                thread.type = "cron"
                thread.start()
                started.append(number)
        if started:
            self.restarted += len(started)
            _logger.warning("cron threads %s had stopped (database connection lost): started again",
                            started)
        return started

    def run(self):
        while not self.stopped.wait(self.interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - a watchdog must outlive what it watches
                _logger.warning("cron thread watchdog: check failed", exc_info=True)


_watchdog = None


def start_cron_watchdog():
    """Start the watchdog in a threaded server that runs cron threads (once per process).
    :returns: the watchdog, or None (prefork and gevent servers, tests, no cron threads)."""
    global _watchdog  # noqa: PLW0603 - one watchdog per process
    server = odoo.service.server.server
    if _watchdog is not None or not isinstance(server, odoo.service.server.ThreadedServer):
        return _watchdog
    if not config["max_cron_threads"] or config["test_enable"] or config["stop_after_init"]:
        return None
    _watchdog = CronThreadWatchdog(server)
    _watchdog.check()
    _watchdog.start()
    return _watchdog


def install():
    """Wrap Odoo's request serving for the connector's routes and start the cron watchdog
    (the manifest's post_load: once per process, when the addon is imported)."""
    global _installed  # noqa: PLW0603 - once per process
    with _install_lock:
        if not _installed:
            serve_db, serve_nodb = odoo.http.Request._serve_db, odoo.http.Request._serve_nodb
            if not getattr(serve_db, "store_connector_wrapped", False):
                odoo.http.Request._serve_db = _serve_db_or_unavailable(serve_db)
            if not getattr(serve_nodb, "store_connector_wrapped", False):
                odoo.http.Request._serve_nodb = _serve_nodb_or_unavailable(serve_nodb)
            _installed = True
    start_cron_watchdog()
