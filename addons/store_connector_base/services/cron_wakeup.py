"""Wake the cron workers after jobs are queued, cheaply.

Odoo's `ir.cron._notifydb` opens a cursor on the `postgres` database for every call: fine for a
button, too costly once per webhook delivery. Here the NOTIFY is debounced on its trailing edge,
by one thread kept per process:
a burst of enqueues in one process costs one NOTIFY, sent shortly after the first of them, and an
enqueue committed after a NOTIFY went out always gets one of its own — so no queued job is left
waiting for the workers' one-minute poll. The NOTIFY goes out on one connection to `postgres` that
the process keeps (`_PostgresConnection`), not on a cursor of Odoo's pool, which closes every
connection to `postgres` when it is given back: a new PostgreSQL session per NOTIFY cost the intake
about 3 ms of a core per delivery (the backend's start), more than storing the delivery.
"""

import contextlib
import os
import threading
import time

import psycopg2

import odoo.sql_db
from odoo.tools import SQL

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

from .logs import get_logger

_logger = get_logger(__name__)

DELAY = 0.05  # seconds a NOTIFY waits for more enqueues to share it

_lock = threading.Lock()
_pending = set()


class _PostgresConnection:
    """This process's own connection to the `postgres` database (where Odoo's cron workers LISTEN),
    opened on first use and kept, in autocommit: one idle session per process that notifies.

    A connection broken since its last use (PostgreSQL restarted, the session killed) is opened
    again and the statement sent once more (a NOTIFY twice only wakes the workers twice). One
    inherited from a parent process (a prefork worker forked after the parent notified) is the
    parent's: it is left alone, never closed from here, and this process opens its own.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._inherited = []  # kept referenced: freeing one would end the parent's session

    def execute(self, query):
        """Run `query` (an odoo.tools.SQL) on the kept connection.

        :raises psycopg2.Error: the database cannot be reached (after one new connection).
        """
        with self._lock:
            for attempt in (1, 2):
                connection = self._connect()
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(query.code, query.params)
                    return
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self._drop()
                    if attempt == 2:
                        raise

    def _connect(self):
        if self._connection is not None and (self._pid != os.getpid() or self._connection.closed):
            self._drop()
        if self._connection is None:
            _dbname, params = odoo.sql_db.connection_info_for("postgres")
            connection = psycopg2.connect(**params)
            connection.autocommit = True
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _drop(self):
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._pid != os.getpid():
            self._inherited.append(connection)
            return
        with contextlib.suppress(psycopg2.Error):
            connection.close()


_postgres = _PostgresConnection()


# Woken when a database is added to _pending.
_wanted = threading.Condition(_lock)
# (pid, thread) of this process's notifier: one thread kept per process, not a timer thread per
# NOTIFY (starting a thread cost the intake about 0.15 ms of CPU a delivery). A process forked
# from one that notified has no such thread: it starts its own.
_notifier = None


def wake_cron_workers(dbname):
    """Schedule a NOTIFY of the cron workers of `dbname` (call after commit)."""
    with _lock:
        _start_notifier()
        if dbname in _pending:
            return
        _pending.add(dbname)
        _wanted.notify()


def _start_notifier():
    """Start this process's notifier thread unless it runs (call with _lock held)."""
    global _notifier  # noqa: PLW0603 - one per process
    if _notifier and _notifier[0] == os.getpid() and _notifier[1].is_alive():
        return
    thread = threading.Thread(target=_notifier_loop, name="store_connector.cron_wakeup", daemon=True)
    _notifier = (os.getpid(), thread)
    thread.start()


def _notifier_loop():
    """Wait for a database to notify, let more enqueues join it for DELAY, then notify each
    database scheduled by then (each cleared from _pending just before its NOTIFY)."""
    while True:
        with _lock:
            while not _pending:
                _wanted.wait()
        time.sleep(DELAY)
        with _lock:
            dbnames = sorted(_pending)
        for dbname in dbnames:
            _notify(dbname)


def _notify(dbname):
    # Cleared before sending: an enqueue committed from here on schedules a NOTIFY of its own.
    with _lock:
        _pending.discard(dbname)
    try:
        _postgres.execute(SQL("SELECT %s('cron_trigger', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), dbname))
    except Exception:  # noqa: BLE001 - the workers' own poll still runs the jobs, a minute later
        _logger.warning("could not wake the cron workers of %s", dbname, exc_info=True)
