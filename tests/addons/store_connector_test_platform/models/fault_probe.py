"""The fault suite's probe job (tests/faults): a job that records each of its starts where no rollback
can erase it, works for a while, and marks its run finished with its own outcome.

Each start is a row of the table `fault_probe_run`, inserted and committed on a connection of its own
before the job does anything: a second start of a job is seen even if the first run's transaction was
rolled back or its worker killed. Its finish is a row of `fault_probe_finish` inserted in the job's own
transaction, so it is committed exactly when the job's outcome is. Plain tables (not models): they are
the suite's instrument, read with SQL by the fault modules, never shown to anyone.

Webhook deliveries of the topic `PROBE_TOPIC` are processed the same way (a row per start, with the
delivery's id, finished in the job's transaction): the fault suite counts how often each delivery it got
a 2xx for was processed.
"""

import os
import threading
import time

from odoo import api, models

PROBE_TOPIC = "products/probe"

PROBE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS fault_probe_run (
    id serial PRIMARY KEY,
    job_id integer NOT NULL,
    delivery_id integer,
    attempt integer NOT NULL,
    worker text NOT NULL,
    pid integer NOT NULL,
    started_at timestamp NOT NULL DEFAULT (clock_timestamp() AT TIME ZONE 'UTC')
);
CREATE INDEX IF NOT EXISTS fault_probe_run_job_id ON fault_probe_run (job_id);
CREATE INDEX IF NOT EXISTS fault_probe_run_delivery_id ON fault_probe_run (delivery_id);
CREATE TABLE IF NOT EXISTS fault_probe_finish (
    run_id integer PRIMARY KEY REFERENCES fault_probe_run (id),
    finished_at timestamp NOT NULL DEFAULT (clock_timestamp() AT TIME ZONE 'UTC')
);
"""


def _record_start(env, job, delivery_id=None):
    """Insert and commit the start's row on a connection of its own; :returns: its id."""
    worker = f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}"
    with env.registry.cursor() as apart:
        apart.execute(
            """INSERT INTO fault_probe_run (job_id, delivery_id, attempt, worker, pid)
               VALUES (%s, %s, %s, %s, %s) RETURNING id""",
            [job.id, delivery_id, job.retry_count or 0, worker, os.getpid()],
        )
        return apart.fetchone()[0]


def _record_finish(env, run_id):
    """Mark the start finished in the job's own transaction (committed with its outcome). An insert,
    not an update of the start's row: the job's snapshot may be older than that row."""
    env.cr.execute("INSERT INTO fault_probe_finish (run_id) VALUES (%s)", [run_id])


class ConnectorStoreFaultProbe(models.Model):
    _inherit = "connector.store"

    def init(self):
        super().init()
        self.env.cr.execute(PROBE_TABLE_SQL)

    def _job_fault_probe(self, job):
        """Record this start (committed at once, apart), sleep `payload["sleep"]` seconds (default 0),
        then mark the start finished in the job's transaction. :returns: the start's id."""
        payload = job.payload or {}
        run_id = _record_start(self.env, job)
        if payload.get("sleep"):
            time.sleep(float(payload["sleep"]))
        _record_finish(self.env, run_id)
        return {"probe_run": run_id}


class StoreAdapterTestFaultProbe(models.AbstractModel):
    _inherit = "store.adapter.test"

    @api.model
    def _webhook_topic_handlers(self, store):
        handlers = super()._webhook_topic_handlers(store)
        handlers[PROBE_TOPIC] = "_test_webhook_fault_probe"
        return handlers

    @api.model
    def _test_webhook_fault_probe(self, store, delivery, payload):
        """A delivery of PROBE_TOPIC: its processing recorded as a probe job's run is."""
        job = self.env["sync.job"].sudo().browse(self.env.context.get("sync_job_id"))
        run_id = _record_start(self.env, job, delivery.id)
        _record_finish(self.env, run_id)
        return {"probe_run": run_id, "processed": delivery.event_id}
