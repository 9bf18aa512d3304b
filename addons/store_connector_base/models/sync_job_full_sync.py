import logging

from odoo import api, models

from .. import const
from .connector_store_full_sync import CONTEXT_FULL_SYNC_RUN

_logger = logging.getLogger(__name__)


class SyncJob(models.Model):
    """The jobs of a Full Sync run: they carry the run in their payload, and their failures are
    recorded on it (see store_full_sync_run.py)."""

    _inherit = "sync.job"

    @api.model
    def _enqueue_many(self, store, operation, method_name, items, *args, **kwargs):
        """Give the jobs queued for a Full Sync their run (payload key const.FULL_SYNC_RUN_KEY): those
        the Full Sync button queues (context key CONTEXT_FULL_SYNC_RUN), and those that a job of a
        run queues while it runs for the same store (its next page, an order of a page retried in a
        job of its own, a platform's bulk poll), when their payload is a dict. So a platform addon
        needs nothing to have its Full Sync's jobs followed."""
        run_id, explicit = self._full_sync_run_to_inherit(store)
        if run_id:
            items = [
                (records, key, self._full_sync_payload(payload, run_id, explicit))
                for records, key, payload in items
            ]
        return super()._enqueue_many(store, operation, method_name, items, *args, **kwargs)

    @api.model
    def _full_sync_run_to_inherit(self, store):
        """(run id, queued by the Full Sync itself) for jobs queued now for `store`, or (None, False)."""
        run_id = self.env.context.get(CONTEXT_FULL_SYNC_RUN)
        if run_id:
            return run_id, True
        job_id = self.env.context.get("sync_job_id")
        if not job_id:
            return None, False
        # The running job's payload and store are in the cache (the claim primed them).
        job = self.sudo().browse(job_id)
        payload = job.payload
        if isinstance(payload, dict) and payload.get(const.FULL_SYNC_RUN_KEY) and job.store_id.id == store.id:
            return payload[const.FULL_SYNC_RUN_KEY], False
        return None, False

    @api.model
    def _full_sync_payload(self, payload, run_id, explicit):
        if isinstance(payload, dict):
            return dict(payload, **{const.FULL_SYNC_RUN_KEY: run_id})
        if payload is None and explicit:
            return {const.FULL_SYNC_RUN_KEY: run_id}
        return payload

    def _on_exception(self, exc, duration, started_at):
        outcome, message = super()._on_exception(exc, duration, started_at)
        if outcome == "failed":
            self._full_sync_job_failed(message)
        return outcome, message

    def _full_sync_job_failed(self, message):
        """Record on its Full Sync run that this job failed for good: a record's own job counts one
        failed record; a page job stops its entity; any other job of the run (a platform's own, such
        as a bulk poll) stops every entity not over yet. Never makes the job's bookkeeping fail."""
        self.ensure_one()
        try:
            run = self.env["connector.store"]._full_sync_run_of(self)
            if not run:
                return
            with self.env.cr.savepoint():
                store = self.store_id.sudo()
                if self.operation in const.FULL_SYNC_RECORD_OPERATIONS:
                    store._full_sync_record_order_settled(self, failed=True, message=message)
                    return
                entity = const.FULL_SYNC_PAGE_OPERATIONS.get(self.operation)
                entities = [entity] if entity else [
                    e["entity"] for e in run._full_sync_entity_progress() if not e["finished"]]
                for name in entities:
                    run._full_sync_record(name, job=self, page=(self.payload or {}).get("page") or 0,
                                          stopped=True, message=message)
        except Exception:  # noqa: BLE001 - progress is bookkeeping: the job's failure stands as recorded
            _logger.warning("sync.job %s: recording its failure on its Full Sync run failed", self.id,
                            exc_info=True)

    def action_cancel(self):
        """Cancelling jobs of a Full Sync stops what nothing moves any more (see
        store.full.sync.run._full_sync_stop_stalled)."""
        runs = self.env["store.full.sync.run"]
        for job in self.sudo():
            runs |= self.env["connector.store"]._full_sync_run_of(job)
        result = super().action_cancel()
        if runs:
            runs._full_sync_stop_stalled()
        return result
