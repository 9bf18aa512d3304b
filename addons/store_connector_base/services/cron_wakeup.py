"""Wake the cron workers after jobs are queued, cheaply.

Odoo's `ir.cron._notifydb` opens a cursor on the `postgres` database for every call: fine for a
button, too costly once per webhook delivery. Here the NOTIFY is debounced on its trailing edge:
a burst of enqueues in one process costs one NOTIFY, sent shortly after the first of them, and an
enqueue committed after a NOTIFY went out always gets one of its own — so no queued job is left
waiting for the workers' one-minute poll.
"""

import logging
import threading

import odoo.sql_db
from odoo.tools import SQL

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

_logger = logging.getLogger(__name__)

DELAY = 0.05  # seconds a NOTIFY waits for more enqueues to share it

_lock = threading.Lock()
_pending = set()


def wake_cron_workers(dbname):
    """Schedule a NOTIFY of the cron workers of `dbname` (call after commit)."""
    with _lock:
        if dbname in _pending:
            return
        _pending.add(dbname)
    timer = threading.Timer(DELAY, _notify, args=(dbname,))
    timer.daemon = True
    timer.start()


def _notify(dbname):
    # Cleared before sending: an enqueue committed from here on schedules a NOTIFY of its own.
    with _lock:
        _pending.discard(dbname)
    try:
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr.execute(SQL("SELECT %s('cron_trigger', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), dbname))
    except Exception:  # noqa: BLE001 - the workers' own poll still runs the jobs, a minute later
        _logger.warning("could not wake the cron workers of %s", dbname, exc_info=True)
