import json
import logging
import os
import random
import threading
import time
import traceback
from datetime import timedelta

import psycopg2.errors
import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .. import const
from ..exceptions import (
    OperationNotPermitted,
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
)
from ..services.redact import redact

_logger = logging.getLogger(__name__)

RUNNER_CRON_XMLID = "store_connector_base.ir_cron_sync_job_runner"


class SyncJob(models.Model):
    """A unit of synchronisation work, run by the queue runner cron.

    Lifecycle: pending -> processing -> done | failed (| cancelled by hand). Workers claim due
    pending jobs with ``SELECT ... FOR UPDATE SKIP LOCKED`` so two workers never run the same job;
    each job runs in its own savepoint and commits with its state change; a retryable failure goes
    back to pending with exponential backoff (or the platform's Retry-After); a job left in
    processing by a dead worker is put back to pending after a timeout.

    A job calls ``env[model_name].browse(res_ids).<method_name>(job)``; handler names start with
    ``_job_`` so that no other method can be reached through a job.
    """

    _name = "sync.job"
    _description = "Store Sync Job"
    _order = "id desc"
    _rec_name = "operation"

    store_id = fields.Many2one("connector.store", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)
    operation = fields.Char(required=True, index=True, help="What the job does, e.g. orders.import.")
    direction = fields.Selection(const.JOB_DIRECTIONS, required=True, default="import")
    model_name = fields.Char(string="Target Model", required=True)
    res_ids = fields.Json(string="Target Records")
    method_name = fields.Char(string="Handler", required=True)
    payload = fields.Json(copy=False)
    state = fields.Selection(const.JOB_STATES, required=True, default="pending", index=True, copy=False)
    priority = fields.Integer(default=10, help="Lower runs first.")
    retry_count = fields.Integer(copy=False, readonly=True)
    max_retries = fields.Integer(default=const.DEFAULT_MAX_RETRIES)
    next_attempt_at = fields.Datetime(
        string="Next Attempt", default=fields.Datetime.now, copy=False,
        help="The job does not run before this time.",
    )
    last_error = fields.Text(copy=False, readonly=True)
    error_kind = fields.Selection(
        [("retryable", "Temporary"), ("permanent", "Permanent"), ("auth", "Authentication"),
         ("crash", "Worker lost")],
        copy=False, readonly=True,
    )
    identity_key = fields.Char(
        index=True, copy=False,
        help="Jobs with the same key and store are merged while pending: the latest payload wins.",
    )
    started_at = fields.Datetime(copy=False, readonly=True)
    finished_at = fields.Datetime(copy=False, readonly=True)
    duration = fields.Float(copy=False, readonly=True, help="Seconds spent in the last run.")
    worker = fields.Char(copy=False, readonly=True)
    result = fields.Text(copy=False, readonly=True)

    def init(self):
        cr = self.env.cr
        # Dedupe: one pending job per (store, identity key). Enqueueing relies on it under concurrency.
        cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS sync_job_identity_pending_uniq
                ON sync_job (store_id, identity_key)
             WHERE state = 'pending' AND identity_key IS NOT NULL
        """)
        # Claiming walks this index in run order; it only holds pending jobs, so its cost does not
        # grow with the history of done jobs.
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_claim_idx
                ON sync_job (priority, id) WHERE state = 'pending'
        """)
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_processing_idx
                ON sync_job (started_at) WHERE state = 'processing'
        """)

    @api.depends("operation", "store_id")
    def _compute_display_name(self):
        for job in self:
            job.display_name = f"{job.store_id.name or ''} / {job.operation} #{job.id}"

    # ================================================================ enqueueing
    @api.model
    def _enqueue(self, store, operation, method_name, records=None, payload=None, identity_key=None,
                 priority=10, eta=None, direction="import", max_retries=None):
        """Queue `records.<method_name>(job)` for `store`.

        :param store: connector.store record.
        :param operation: job label; a permission key (const.STORE_PERMISSIONS) is checked now.
        :param records: recordset the handler runs on (default: the store).
        :param identity_key: merge with the pending job of this store that has the same key: its
            payload, records and time are replaced, it is not queued twice.
        :param eta: datetime before which the job does not run.
        :returns: the sync.job (new or merged).
        :raises OperationNotPermitted: the store forbids the operation.
        """
        store.ensure_one()
        store._check_operation_allowed(operation)
        if not method_name.startswith("_job_"):
            raise ValueError("job handlers must be named _job_*: %r" % method_name)
        records = store if records is None else records
        vals = {
            "store_id": store.id,
            "operation": operation,
            "direction": direction,
            "model_name": records._name,
            "res_ids": records.ids,
            "method_name": method_name,
            "payload": payload,
            "priority": priority,
            "next_attempt_at": eta or fields.Datetime.now(),
            "identity_key": identity_key or False,
        }
        if max_retries is not None:
            vals["max_retries"] = max_retries
        job = self._merge_pending(vals) if identity_key else None
        if job is None:
            job = self.sudo().create(vals)
        self._trigger_runner(eta)
        return job

    @api.model
    def _merge_pending(self, vals):
        """Update the pending job with the same identity; None when there is none."""
        for _attempt in range(3):
            self.env.cr.execute(
                """SELECT id FROM sync_job
                    WHERE store_id = %s AND identity_key = %s AND state = 'pending'
                    FOR UPDATE""",
                [vals["store_id"], vals["identity_key"]],
            )
            row = self.env.cr.fetchone()
            if row:
                job = self.sudo().browse(row[0])
                job.write({k: vals[k] for k in ("payload", "res_ids", "priority", "next_attempt_at",
                                                "model_name", "method_name", "operation")})
                return job
            try:
                with self.env.cr.savepoint(flush=False):
                    return self.sudo().create(vals)
            except psycopg2.errors.UniqueViolation:
                continue  # a concurrent enqueue created it first: update that one
        return None

    @api.model
    def _trigger_runner(self, at=None):
        """Wake the runner cron once, when this transaction commits, unless a wake-up is already due."""
        cr = self.env.cr
        if cr.precommit.data.get("store_connector.trigger"):
            return
        cr.precommit.data["store_connector.trigger"] = True

        @cr.precommit.add
        def _trigger():
            cron = self.env.ref(RUNNER_CRON_XMLID, raise_if_not_found=False)
            if not cron:
                return
            self.env.cr.execute(
                "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= %s LIMIT 1",
                [cron.id, at or fields.Datetime.now()],
            )
            if not self.env.cr.fetchone():
                cron.sudo()._trigger(at)
            cr.precommit.data.pop("store_connector.trigger", None)

    # ================================================================ running
    @api.model
    def _cron_process_queue(self):
        """Cron entry point: requeue jobs of dead workers, then run due jobs until none is left."""
        self._requeue_stuck()
        self.env.cr.commit()
        self._process_queue(commit=True, report_progress=True)

    @api.model
    def _process_queue(self, store_ids=None, commit=True, report_progress=False, time_limit=None,
                       batch_size=None):
        """Claim and run due jobs in batches. :returns: the number of jobs run.

        :param commit: commit after each claim and each job (the cron, benchmarks). Without it
            (buttons, tests) everything stays in the caller's transaction, still one savepoint a job.
        """
        ICP = self.env["ir.config_parameter"].sudo()
        batch_size = batch_size or int(ICP.get_param(const.PARAM_RUNNER_BATCH, const.DEFAULT_RUNNER_BATCH))
        if time_limit is None:
            time_limit = int(ICP.get_param(const.PARAM_RUNNER_TIME_LIMIT, const.DEFAULT_RUNNER_TIME_LIMIT))
        deadline = time.monotonic() + time_limit
        done = 0
        while time.monotonic() < deadline:
            jobs = self._claim(batch_size, store_ids=store_ids, commit=commit)
            if not jobs:
                break
            for job in jobs:
                job._run(commit=commit)
                done += 1
            if report_progress:
                self.env["ir.cron"]._notify_progress(done=done, remaining=self._count_due(store_ids))
                if commit:
                    self.env.cr.commit()
        return done

    @api.model
    def _runnable_store_ids(self, store_ids=None):
        domain = [("paused", "=", False)]
        if store_ids:
            domain.append(("id", "in", list(store_ids)))
        return self.env["connector.store"].sudo().with_context(active_test=True).search(domain).ids

    @api.model
    def _count_due(self, store_ids=None):
        self.env.cr.execute(
            """SELECT count(*) FROM sync_job
                WHERE state = 'pending' AND next_attempt_at <= (now() AT TIME ZONE 'UTC')
                  AND store_id = ANY(%s)""",
            [self._runnable_store_ids(store_ids)],
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _claim(self, limit, store_ids=None, commit=True, worker=None):
        """Mark up to `limit` due pending jobs as processing for this worker and return them.

        ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint batches without waiting.
        With `commit`, the claim is committed at once so that the processing state is visible
        (and a worker that dies leaves its jobs to `_requeue_stuck`).
        """
        worker = worker or f"{os.getpid()}:{threading.get_ident()}"
        stores = self._runnable_store_ids(store_ids)
        if not stores:
            return self.browse()
        for attempt in range(5):
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        """UPDATE sync_job
                              SET state = 'processing', worker = %(worker)s,
                                  started_at = (now() AT TIME ZONE 'UTC'), finished_at = NULL
                            WHERE id IN (
                                SELECT id FROM sync_job
                                 WHERE state = 'pending'
                                   AND next_attempt_at <= (now() AT TIME ZONE 'UTC')
                                   AND store_id = ANY(%(stores)s)
                                 ORDER BY priority, id
                                 LIMIT %(limit)s
                                   FOR UPDATE SKIP LOCKED)
                        RETURNING id""",
                        {"worker": worker, "stores": stores, "limit": limit},
                    )
                    ids = sorted(row[0] for row in self.env.cr.fetchall())
                break
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # Another worker committed a claim on a row our snapshot saw as pending: try again.
                if commit:
                    self.env.cr.rollback()
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        else:
            return self.browse()
        if commit:
            self.env.cr.commit()
        jobs = self.sudo().browse(ids)
        jobs.invalidate_recordset()
        return jobs.sorted(lambda j: (j.priority, j.id))

    def _run(self, commit=True):
        """Run one claimed job; its effects and its new state are committed together."""
        self.ensure_one()
        job = self
        store = job.store_id
        started = time.monotonic()
        try:
            with self.env.cr.savepoint():
                result = job._call_handler()
                self.env.flush_all()
        except StoreAuthError as exc:
            job._on_auth_failure(exc, time.monotonic() - started)
        except RetryableJobError as exc:
            job._on_failure(exc, time.monotonic() - started, retryable=True, retry_after=exc.retry_after)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
            job._on_failure(exc, time.monotonic() - started, retryable=True)
        except (requests.ConnectionError, requests.Timeout) as exc:
            job._on_failure(exc, time.monotonic() - started, retryable=True)
        except (PermanentJobError, OperationNotPermitted, UserError, ValidationError) as exc:
            job._on_failure(exc, time.monotonic() - started, retryable=False)
        except Exception as exc:  # noqa: BLE001 - a bug in a handler must not stop the queue
            _logger.exception("sync.job %s (%s) crashed", job.id, job.operation)
            job._on_failure(exc, time.monotonic() - started, retryable=False, with_traceback=True)
        else:
            job._on_success(result, time.monotonic() - started)
        if commit:
            self.env.cr.commit()
        store.invalidate_recordset()

    def _call_handler(self):
        self.store_id._check_operation_allowed(self.operation)
        if not self.method_name.startswith("_job_"):
            raise PermanentJobError(_("Job handler %(name)s is not allowed.", name=self.method_name))
        if self.model_name not in self.env:
            raise PermanentJobError(
                _("Model %(model)s is not installed: cannot run this job.", model=self.model_name)
            )
        target = self.env[self.model_name].sudo().browse(self.res_ids or []).exists()
        if self.res_ids and not target:
            raise PermanentJobError(_("The records this job works on were deleted."))
        handler = getattr(target.with_context(sync_job_id=self.id), self.method_name, None)
        if handler is None:
            raise PermanentJobError(
                _("%(model)s has no handler %(name)s.", model=self.model_name, name=self.method_name)
            )
        return handler(self)

    def _on_success(self, result, duration):
        if result is not None and not isinstance(result, str):
            result = json.dumps(result, default=str)
        self.env.cr.execute(
            """UPDATE sync_job SET state = 'done', finished_at = (now() AT TIME ZONE 'UTC'),
                      duration = %s, result = %s, error_kind = NULL
                WHERE id = %s""",
            [duration, result, self.id],
        )
        self.invalidate_recordset()
        self.store_id._record_job_outcome(failed=False)

    def _error_message(self, exc, with_traceback=False):
        text = str(exc) or exc.__class__.__name__
        if isinstance(exc, (UserError, ValidationError)) and getattr(exc, "args", None):
            text = exc.args[0]
        if with_traceback:
            text = f"{text}\n\n{traceback.format_exc()}"
        secrets = self.env["integration.credential"]._store_secrets(self.store_id)
        return redact(text, secrets)

    def _on_failure(self, exc, duration, retryable, retry_after=None, with_traceback=False):
        message = self._error_message(exc, with_traceback)
        if retryable and self.retry_count < self.max_retries:
            delay = self._retry_delay(self.retry_count, retry_after)
            self.env.cr.execute(
                """UPDATE sync_job
                      SET state = 'pending', retry_count = retry_count + 1, duration = %s,
                          next_attempt_at = (now() AT TIME ZONE 'UTC') + %s * interval '1 second',
                          last_error = %s, error_kind = 'retryable', worker = NULL,
                          finished_at = (now() AT TIME ZONE 'UTC')
                    WHERE id = %s""",
                [duration, delay, message, self.id],
            )
            _logger.info("sync.job %s (%s) will retry in %.0fs: %s", self.id, self.operation, delay, message)
        else:
            if retryable:
                message = _("Gave up after %(count)s retries: %(error)s", count=self.retry_count, error=message)
            self.env.cr.execute(
                """UPDATE sync_job
                      SET state = 'failed', duration = %s, last_error = %s, error_kind = %s,
                          finished_at = (now() AT TIME ZONE 'UTC')
                    WHERE id = %s""",
                [duration, message, "retryable" if retryable else "permanent", self.id],
            )
            _logger.warning("sync.job %s (%s) failed: %s", self.id, self.operation, message.splitlines()[0])
        self.invalidate_recordset()
        self.store_id._record_job_outcome(failed=True)

    def _on_auth_failure(self, exc, duration):
        # Not the job's fault: it waits, untouched, for new credentials instead of burning retries.
        message = self._error_message(exc)
        self.env.cr.execute(
            """UPDATE sync_job SET state = 'pending', last_error = %s, error_kind = 'auth',
                      duration = %s, worker = NULL
                WHERE id = %s""",
            [message, duration, self.id],
        )
        self.invalidate_recordset()
        self.store_id._pause_for_auth(message)

    @api.model
    def _retry_delay(self, retry_count, retry_after=None):
        """Seconds before the next attempt: the platform's Retry-After when it gave one (plus up to
        10% so that retries do not arrive together), else exponential backoff with +/- 25% jitter."""
        if retry_after:
            return float(retry_after) * random.uniform(1.0, 1.1)
        base = min(const.BACKOFF_BASE_SECONDS * (2 ** retry_count), const.BACKOFF_MAX_SECONDS)
        return base * random.uniform(1 - const.BACKOFF_JITTER, 1 + const.BACKOFF_JITTER)

    @api.model
    def _requeue_stuck(self):
        """Put back to pending the jobs a dead worker left in processing for longer than the timeout.

        The lost attempt counts as a retry, so a job that kills its worker every time ends up failed.
        """
        minutes = int(self.env["ir.config_parameter"].sudo().get_param(
            const.PARAM_JOB_TIMEOUT_MINUTES, const.DEFAULT_JOB_TIMEOUT_MINUTES))
        self.env.cr.execute(
            """UPDATE sync_job
                  SET state = CASE WHEN retry_count >= max_retries THEN 'failed' ELSE 'pending' END,
                      retry_count = LEAST(retry_count + 1, max_retries),
                      error_kind = 'crash', worker = NULL,
                      last_error = %s,
                      next_attempt_at = (now() AT TIME ZONE 'UTC')
                WHERE state = 'processing'
                  AND started_at < (now() AT TIME ZONE 'UTC') - %s * interval '1 minute'
            RETURNING id""",
            [_("The worker running this job stopped before it finished (timeout %(minutes)s min).",
               minutes=minutes), minutes],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            _logger.warning("requeued %s sync jobs left in processing: %s", len(ids), ids[:20])
            self.browse(ids).invalidate_recordset()
        return ids

    @api.model
    def _cron_purge_done(self):
        """Delete done and cancelled jobs older than the retention (System Parameter, days)."""
        days = int(self.env["ir.config_parameter"].sudo().get_param(
            const.PARAM_JOB_RETENTION_DAYS, const.DEFAULT_JOB_RETENTION_DAYS))
        limit = 10000
        cutoff = fields.Datetime.now() - timedelta(days=days)
        total = 0
        while True:
            self.env.cr.execute(
                """DELETE FROM sync_job WHERE id IN (
                       SELECT id FROM sync_job
                        WHERE state IN ('done', 'cancelled') AND COALESCE(finished_at, write_date) < %s
                        LIMIT %s)""",
                [cutoff, limit],
            )
            total += self.env.cr.rowcount
            if self.env.cr.rowcount < limit:
                break
            self.env["ir.cron"]._notify_progress(done=total, remaining=1)
        return total

    # ================================================================ buttons
    def action_retry(self):
        """Run failed (or cancelled) jobs again, with a fresh retry budget; payload and error kept."""
        jobs = self.filtered(lambda j: j.state in ("failed", "cancelled"))
        jobs.write({"state": "pending", "retry_count": 0, "next_attempt_at": fields.Datetime.now(),
                    "worker": False})
        if jobs:
            self._trigger_runner()
        return True

    def action_cancel(self):
        self.filtered(lambda j: j.state in ("pending", "failed")).write({"state": "cancelled"})
        return True

    @api.model
    def action_process_queue(self):
        """Process Queue button: run the due jobs now, in this request."""
        count = self._process_queue(commit=False, time_limit=60)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": _("%(count)s jobs processed.", count=count), "type": "info",
                       "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
        }

    def action_run_now(self):
        """Run the selected pending or failed jobs at once (the button on a job)."""
        jobs = self.filtered(lambda j: j.state in ("pending", "failed"))
        jobs.write({"next_attempt_at": fields.Datetime.now(), "state": "pending"})
        self._process_queue(store_ids=jobs.store_id.ids, commit=False, time_limit=60)
        return True
