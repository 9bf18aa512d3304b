"""The fault suite's probe job (tests/faults): a job that records each of its starts where no rollback
can erase it, works for a while, and marks its run finished with its own outcome.

Each start is a row of the table `fault_probe_run`, inserted and committed on a connection of its own
before the job does anything: a second start of a job is seen even if the first run's transaction was
rolled back or its worker killed. The row's `finished_at` is set in the job's own transaction, so it is
committed exactly when the job's outcome is. A plain table (not a model): it is the suite's instrument,
read with SQL by the fault modules, never shown to anyone.
"""

import os
import threading
import time

from odoo import models

PROBE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS fault_probe_run (
    id serial PRIMARY KEY,
    job_id integer NOT NULL,
    attempt integer NOT NULL,
    worker text NOT NULL,
    pid integer NOT NULL,
    started_at timestamp NOT NULL DEFAULT (clock_timestamp() AT TIME ZONE 'UTC'),
    finished_at timestamp
);
CREATE INDEX IF NOT EXISTS fault_probe_run_job_id ON fault_probe_run (job_id);
"""


class ConnectorStoreFaultProbe(models.Model):
    _inherit = "connector.store"

    def init(self):
        super().init()
        self.env.cr.execute(PROBE_TABLE_SQL)

    def _job_fault_probe(self, job):
        """Record this start (committed at once, apart), sleep `payload["sleep"]` seconds (default 0),
        then mark the start finished in the job's transaction. :returns: the start's id."""
        payload = job.payload or {}
        worker = f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}"
        with self.env.registry.cursor() as apart:
            apart.execute(
                """INSERT INTO fault_probe_run (job_id, attempt, worker, pid)
                   VALUES (%s, %s, %s, %s) RETURNING id""",
                [job.id, job.retry_count or 0, worker, os.getpid()],
            )
            run_id = apart.fetchone()[0]
        if payload.get("sleep"):
            time.sleep(float(payload["sleep"]))
        self.env.cr.execute(
            "UPDATE fault_probe_run SET finished_at = clock_timestamp() AT TIME ZONE 'UTC' WHERE id = %s",
            [run_id],
        )
        return {"probe_run": run_id}
