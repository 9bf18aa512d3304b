import time

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo import models

from ..services.logs import get_logger
from .sync_job import _RUN_LOCK_NAMESPACE, HELPER_RUNNER_NAME, RUNNER_CRON_XMLID, RUNNER_MODULE

_logger = get_logger(__name__)

# How long a run waits for the transactions probing its run lock (they hold it for milliseconds,
# until they commit) before it runs without it.
RUN_LOCK_WAIT_SECONDS = 5.0


class IrCron(models.Model):
    """A run of a queue runner cron holds its run lock from its start to its committed end.

    `sync.job._runner_already_woken` leaves out the trigger of a transaction whose jobs an already due
    trigger will have run: only safe while no run of that runner is under way, because Odoo deletes
    the triggers older than a run's start when the run ends (`_reschedule_later`, committed at the end
    of `_process_job`). So the run lock is held around the whole of `_process_job`, that deletion's
    commit included: a transaction that holds it shared (a probe, until it commits) knows that the
    runner's next run has not started, and will claim what it commits.
    """

    _inherit = "ir.cron"

    @classmethod
    def _process_job(cls, db, cron_cr, job):
        number = cls._store_connector_runner_number(cron_cr, job["id"])
        if number is None:
            return super()._process_job(db, cron_cr, job)
        held = cls._store_connector_take_run_lock(cron_cr, number)
        try:
            result = super()._process_job(db, cron_cr, job)
        except Exception:
            if held:
                cls._store_connector_drop_run_lock(cron_cr, number)
            raise
        if held:
            cls._store_connector_drop_run_lock(cron_cr, number)
            # The unlock began a transaction: end it, so that the next cron's acquisition starts
            # its own, as without this override.
            cron_cr.commit()
        return result

    @classmethod
    def _store_connector_runner_number(cls, cron_cr, cron_id):
        """The runner number of a queue runner cron (1 for the first runner, n for the lane
        `..._lane_<n>`), from its XML id; None for any other cron."""
        cron_cr.execute(
            """SELECT name FROM ir_model_data
                WHERE model = 'ir.cron' AND res_id = %s AND module = %s AND (name = %s OR name LIKE %s)
                ORDER BY id LIMIT 1""",
            [cron_id, RUNNER_MODULE, RUNNER_CRON_XMLID.split(".", 1)[1], f"{HELPER_RUNNER_NAME}%"],
        )
        row = cron_cr.fetchone()
        if not row:
            return None
        name = row[0]
        if not name.startswith(HELPER_RUNNER_NAME):
            return 1
        suffix = name[len(HELPER_RUNNER_NAME):]
        return int(suffix) if suffix.isdigit() else None

    @classmethod
    def _store_connector_take_run_lock(cls, cron_cr, number):
        """Take the run lock of runner `number` (session level, on the cron's cursor), waiting for the
        transactions probing it to commit. Not a blocking lock with a timeout: a timeout would abort
        the transaction that holds the cron's row. :returns: whether it is held."""
        deadline = time.monotonic() + RUN_LOCK_WAIT_SECONDS
        while True:
            cron_cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [_RUN_LOCK_NAMESPACE, number])
            if cron_cr.fetchone()[0]:
                return True
            if time.monotonic() > deadline:
                # Something else holds it (a session taking it by hand): the run goes on, and the
                # probes of enqueueing transactions fail meanwhile, so each writes a trigger.
                _logger.warning("runner %s runs without its run lock: another session holds it", number)
                return False
            time.sleep(0.002)

    @classmethod
    def _store_connector_drop_run_lock(cls, cron_cr, number):
        """Release the run lock of runner `number`; should that fail, close the connection, which
        releases it too (see sync.job._drop_runner_lock)."""
        try:
            if cron_cr._cnx.info.transaction_status == TRANSACTION_STATUS_INERROR:
                cron_cr.rollback()
            cron_cr.execute("SELECT pg_advisory_unlock(%s, %s)", [_RUN_LOCK_NAMESPACE, number])
        except psycopg2.Error:
            _logger.warning("could not release the run lock of runner %s: closing the connection", number,
                            exc_info=True)
            if not cron_cr._cnx.closed:
                cron_cr._cnx.close()
