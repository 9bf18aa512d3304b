"""Wake the cron workers after jobs are queued, cheaply.

Odoo's `ir.cron._notifydb` opens a cursor on the `postgres` database for every call: fine for a
button, too costly once per webhook delivery. Here the NOTIFY is debounced on its trailing edge,
by one thread kept per process:
a burst of enqueues in one process costs one NOTIFY, sent shortly after the first of them, and an
enqueue committed after a NOTIFY went out always gets one of its own — so no queued job is left
waiting for the workers' one-minute poll. The NOTIFY goes out on one connection to `postgres` that
the process keeps (`_postgres`), not on a cursor of Odoo's pool, which closes every
connection to `postgres` when it is given back: a new PostgreSQL session per NOTIFY cost the intake
about 3 ms of a core per delivery (the backend's start), more than storing the delivery.
"""

import os
import threading
import time

from odoo.tools import SQL

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

from .kept_connections import KeptConnections
from .logs import get_logger

_logger = get_logger(__name__)

DELAY = 0.05  # seconds a NOTIFY waits for more enqueues to share it

_lock = threading.Lock()
_pending = set()


# This process's connection to the `postgres` database (where Odoo's cron workers LISTEN), opened on
# first use and kept, in autocommit: one idle session per process that notifies. A broken one is
# opened again and the NOTIFY sent once more (a NOTIFY twice only wakes the workers twice).
_postgres = KeptConnections(autocommit=True, keep=1)


def _execute_on_postgres(query):
    """Run `query` (an odoo.tools.SQL) on the kept connection to `postgres`.

    :raises psycopg2.Error: the database cannot be reached (after one new connection).
    """
    _postgres.run("postgres", lambda cursor, _kept: cursor.execute(query.code, query.params))


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
        _execute_on_postgres(SQL("SELECT %s('cron_trigger', %s)",
                                 SQL.identifier(ODOO_NOTIFY_FUNCTION), dbname))
    except Exception:  # noqa: BLE001 - the workers' own poll still runs the jobs, a minute later
        _logger.warning("could not wake the cron workers of %s", dbname, exc_info=True)
