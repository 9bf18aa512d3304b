import logging

from odoo import api, fields, models

from .. import const, order_const

_logger = logging.getLogger(__name__)

# Context key: the Full Sync run whose first jobs are being queued (see sync.job._enqueue_many).
CONTEXT_FULL_SYNC_RUN = "store_connector_full_sync_run_id"


class ConnectorStore(models.Model):
    """Full Sync progress on the store: its runs (store.full.sync.run), the latest one's progress, and
    the recording of each page the generic import pipelines read."""

    _inherit = "connector.store"

    full_sync_run_ids = fields.One2many("store.full.sync.run", "store_id", string="Full Sync Runs")
    full_sync_run_id = fields.Many2one("store.full.sync.run", string="Latest Full Sync",
                                       compute="_compute_full_sync_run")
    full_sync_state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Stopped")], string="Full Sync State",
        compute="_compute_full_sync_run")
    full_sync_progress_html = fields.Html(string="Full Sync Progress", compute="_compute_full_sync_run",
                                          sanitize=False)
    full_sync_started_at = fields.Datetime(string="Full Sync Started", compute="_compute_full_sync_run")
    full_sync_finished_at = fields.Datetime(string="Full Sync Finished", compute="_compute_full_sync_run")
    full_sync_failed_job_count = fields.Integer(compute="_compute_full_sync_run")
    full_sync_failed_record_count = fields.Integer(
        compute="_compute_full_sync_run",
        help="Records of the latest Full Sync refused inside pages that were imported (no job failed).")

    def _compute_full_sync_run(self):
        Run = self.env["store.full.sync.run"].sudo()
        latest = {}
        if self.ids:
            for store_id, run_id in Run._read_group(
                    [("store_id", "in", self.ids)], ["store_id"], ["id:max"]):
                latest[store_id.id] = run_id
        for store in self:
            run = Run.browse(latest.get(store.id))
            store.full_sync_run_id = run.with_env(self.env)
            store.full_sync_state = run.state
            store.full_sync_progress_html = run.progress_html
            store.full_sync_started_at = run.started_at
            store.full_sync_finished_at = run.finished_at
            store.full_sync_failed_job_count = run.failed_job_count
            store.full_sync_failed_record_count = run.records_failed_in_pages

    # ------------------------------------------------------------------ actions
    def action_view_full_sync_failed_jobs(self):
        """The failed jobs of the latest Full Sync."""
        self._check_store_user()
        self.ensure_one()
        return self.full_sync_run_id.action_view_failed_jobs()

    def action_view_full_sync_failed_records(self):
        """The activity log lines of the latest Full Sync's pages that had records refused."""
        self._check_store_user()
        self.ensure_one()
        return self.full_sync_run_id.action_view_failed_records()

    # ------------------------------------------------------------------ business
    def _full_sync_entities(self):
        """What a Full Sync of this store imports (keys of const.FULL_SYNC_ENTITIES, in that order):
        orders if the store may pull them, products if it syncs products, customers if it syncs
        customers, each only if its platform addon imports them (`store.adapter._supported_features`)."""
        self.ensure_one()
        features = self._platform_features()
        wanted = {
            "products": self.allow_products_sync and "products.import" in features,
            "customers": self.auto_sync_customers and "customers.import" in features,
            "orders": self.allow_orders_pull and "orders.pull" in features,
        }
        return [entity for entity, _label in const.FULL_SYNC_ENTITIES if wanted[entity]]

    def _full_sync_start(self):
        """Start a Full Sync (the button): a new run whose jobs the platform's `_full_sync` queues
        (every job they queue in turn belongs to the run, see sync.job._enqueue_many). While a run of
        the store is running, no second one starts: its jobs are under way (a run nothing moves any
        more is ended first, see `_full_sync_stop_stalled`).

        :returns: (run, jobs queued, whether the run is new)
        """
        self.ensure_one()
        Run = self.env["store.full.sync.run"].sudo()
        running = Run.search([("store_id", "=", self.id), ("state", "=", "running")])
        running._full_sync_stop_stalled()
        running = running.filtered(lambda r: r.state == "running")
        if running:
            return running[0], self.env["sync.job"], False
        run = Run.create({
            "store_id": self.id, "user_id": self.env.uid, "entities": ",".join(self._full_sync_entities()),
        })
        jobs = self.with_context(**{CONTEXT_FULL_SYNC_RUN: run.id})._get_adapter()._full_sync(
            self.with_context(**{CONTEXT_FULL_SYNC_RUN: run.id})) or self.env["sync.job"]
        if not jobs or not run._full_sync_entity_list():
            run._full_sync_finish()
        return run, jobs, True

    def _full_sync_progress(self):
        """The latest Full Sync of this store and its progress (for the store form, the setup assistant,
        the dashboard). A run nothing moves any more is ended first.

        :returns: None when the store never ran one, else {"run": store.full.sync.run, "state":
            "running" | "done" | "failed", "started_at", "finished_at", "summary" (a sentence once over,
            else False), "entities": [{"entity", "label", "pages", "done", "failed", "waiting", "total"
            (None: the platform does not tell), "state": "queued" | "running" | "done" | "stopped",
            "finished"}], "failed_jobs": sync.job records}
        :raises AccessError: the caller is not a Store Connector User.
        """
        self._check_store_user()
        self.ensure_one()
        self.check_access("read")
        run = self.env["store.full.sync.run"].sudo().search([("store_id", "=", self.id)], limit=1)
        if not run:
            return None
        run._full_sync_stop_stalled()
        return {
            "run": run, "state": run.state, "started_at": run.started_at, "finished_at": run.finished_at,
            "summary": run.summary, "entities": run._full_sync_entity_progress(),
            "failed_jobs": run.failed_job_ids,
        }

    @api.model
    def _full_sync_run_of(self, job):
        """The running Full Sync run a job belongs to (its payload's const.FULL_SYNC_RUN_KEY), or an
        empty recordset."""
        payload = job.sudo().payload if job else None
        run_id = payload.get(const.FULL_SYNC_RUN_KEY) if isinstance(payload, dict) else None
        if not run_id:
            return self.env["store.full.sync.run"]
        run = self.env["store.full.sync.run"].sudo().browse(int(run_id)).exists()
        return run if run.state == "running" else run.browse()

    def _full_sync_current_run(self):
        """The running Full Sync run of the job running now (for a platform addon whose Full Sync
        imports outside the generic paged pipelines, e.g. Shopify's bulk operations: it records its
        chunks with `run._full_sync_record`), or an empty recordset."""
        job_id = self.env.context.get("sync_job_id")
        return self._full_sync_run_of(self.env["sync.job"].sudo().browse(job_id) if job_id else None)

    def _full_sync_record_page(self, job, records, failed=0, waiting=0, total=None, last_page=False,
                               since=None):
        """Record a page of a Full Sync's paged import (products, customers, orders) on its run, if
        the job belongs to one. On the first page, when the page did not say how many records there
        are, the adapter is asked (`store.adapter._full_sync_total`).

        :param records: the records the page held; :param failed: how many failed for good;
        :param waiting: how many were handed to jobs of their own.
        """
        self.ensure_one()
        run = self._full_sync_run_of(job)
        entity = const.FULL_SYNC_PAGE_OPERATIONS.get(job.operation) if job else None
        if not run or not entity:
            return None
        page = (job.payload or {}).get("page") or 1
        if page != 1:
            # The first page's total is the import's; a later page's may count what is left after
            # its cursor (WooCommerce's X-WP-Total of a "modified after" request).
            total = None
        elif total is None:
            try:
                total = self._get_adapter()._full_sync_total(self, entity, since=since)
            except Exception:  # noqa: BLE001 - a total is a nicety: the import goes on without it
                _logger.info("Full Sync: the platform's count of %s failed", entity, exc_info=True)
                total = None
        return run._full_sync_record(
            entity, job=job, page=page, done=len(records) - failed - waiting, failed=failed,
            waiting=waiting, total=total if isinstance(total, int) and total >= 0 else None,
            last_page=last_page,
        )

    def _full_sync_record_order_settled(self, job, failed=False, message=None):
        """An order that failed on a Full Sync's page was imported (or failed for good) by its own job."""
        self.ensure_one()
        run = self._full_sync_run_of(job)
        if run and job.operation == order_const.OP_ORDER_IMPORT_ONE:
            run._full_sync_record("orders", job=job, done=0 if failed else 1, failed=1 if failed else 0,
                                  waiting=-1, message=message)
