"""Full Sync runs: the progress of one Full Sync per entity (products, customers, orders), and its
summary when it ends.

How the counting stays exact while page jobs run at once on several runner lanes: every page (or
chunk of a platform's bulk result) that a job imports adds one row, a `store.full.sync.step`, in
that job's own transaction. A row is only ever inserted, never updated, so two jobs of one run never
write the same row (under Odoo's REPEATABLE READ transactions, two concurrent increments of one
counter row would make the later one fail with a serialization error and run its page again); the
counters are sums over the rows, read in one query; and a page whose job rolls back (a retry) leaves
no row behind, so nothing is counted twice. Only the run's end writes the run's own row, once,
guarded by its state (`_full_sync_finish`).
"""

import logging
from functools import partial

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from .. import const
from ..labels import number as lang_number

_logger = logging.getLogger(__name__)

RUN_STATES = [("running", "Running"), ("done", "Done"), ("failed", "Stopped")]
# The per-entity sums of a run's steps (see the module's docstring).
_PROGRESS_SQL = """
SELECT entity, count(*) FILTER (WHERE page > 0 AND NOT stopped), COALESCE(sum(records_done), 0),
       COALESCE(sum(records_failed), 0), COALESCE(sum(records_waiting), 0),
       (array_agg(total ORDER BY id DESC) FILTER (WHERE total_known))[1],
       bool_or(last_page), bool_or(stopped),
       COALESCE(sum(records_failed) FILTER (WHERE page > 0), 0)
  FROM store_full_sync_step WHERE run_id = %s GROUP BY entity
"""


class StoreFullSyncRun(models.Model):
    """One Full Sync of a store: when it ran, which entities it imports, its progress per entity (read
    from its steps), its state and, once over, a summary in a sentence and the jobs that failed.

    Started by connector.store.action_full_sync; `connector.store._full_sync_progress` returns the
    latest run's progress (the store form and the setup assistant show it)."""

    _name = "store.full.sync.run"
    _inherit = ["store.owned.mixin"]
    _description = "Full Sync Run"
    _order = "id desc"
    _rec_name = "started_at"

    store_id = fields.Many2one("connector.store", required=True, index=True, ondelete="cascade",
                               readonly=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    state = fields.Selection(RUN_STATES, required=True, default="running", readonly=True)
    started_at = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    finished_at = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", string="Started By", readonly=True, check_company=True,
                              help="Who clicked Full Sync; told of its end by a notification.")
    entities = fields.Char(readonly=True, help="What this run imports, comma-separated (products, customers, "
                                               "orders).")
    summary = fields.Text(readonly=True, help="What the run imported, in a sentence, once it is over.")
    step_ids = fields.One2many("store.full.sync.step", "run_id", string="Steps", readonly=True)
    records_done = fields.Integer(string="Imported", compute="_compute_progress")
    records_failed = fields.Integer(string="Failed", compute="_compute_progress")
    progress_html = fields.Html(string="Progress", compute="_compute_progress", sanitize=False)
    failed_job_ids = fields.Many2many("sync.job", string="Failed Jobs", compute="_compute_progress")
    failed_job_count = fields.Integer(compute="_compute_progress")
    # Records that failed inside a page whose job went on and finished (a product the platform sent
    # that Odoo refused): no job failed for them; the activity log lines of their pages say why.
    records_failed_in_pages = fields.Integer(string="Failed Records", compute="_compute_progress")

    # ------------------------------------------------------------------ computes
    @api.depends("state", "step_ids")
    def _compute_progress(self):
        for run in self:
            entities = run._full_sync_entity_progress() if run.id else []
            run.records_done = sum(e["done"] for e in entities)
            run.records_failed = sum(e["failed"] for e in entities)
            run.progress_html = run._full_sync_progress_html(entities)
            run.records_failed_in_pages = sum(e["failed_in_pages"] for e in entities)
            # The jobs that failed: pages that stopped an entity, records' own jobs that failed for
            # good (their step is no page); not the pages that finished with a record refused.
            jobs = run.sudo().step_ids.filtered(
                lambda s: s.stopped or (s.records_failed and not s.page)).job_id
            run.failed_job_ids = jobs
            run.failed_job_count = len(jobs)

    # ------------------------------------------------------------------ actions
    def action_view_failed_jobs(self):
        """The jobs of this run that failed (pages that stopped an entity, records that failed)."""
        self.env["connector.store"]._check_store_user()
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("store_connector_base.sync_job_action")
        action["domain"] = [("id", "in", self.failed_job_ids.ids)]
        action["context"] = {}
        return action

    def action_view_failed_records(self):
        """The store's activity log lines of this run's pages that had records fail: each says which
        record failed and why (the job of such a page finished; there is no failed job to open)."""
        self.env["connector.store"]._check_store_user()
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "store_connector_base.store_activity_log_action")
        action["domain"] = self._failed_records_domain()
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ progress
    def _failed_records_domain(self):
        """The activity log lines of the pages of this run that had records fail: the failed lines of
        its page jobs, and of the page imports without a job written while it ran (a platform's bulk
        import writes its lines so)."""
        self.ensure_one()
        page_jobs = self.sudo().step_ids.filtered(lambda s: s.page and s.records_failed).job_id
        without_job = [("job_id", "=", False), ("create_date", ">=", self.started_at)]
        if self.finished_at:
            without_job.append(("create_date", "<=", self.finished_at))
        return [
            ("store_id", "=", self.store_id.id), ("status", "=", "failed"),
            ("operation", "in", list(const.FULL_SYNC_PAGE_OPERATIONS)),
            "|", ("job_id", "in", page_jobs.ids), *(["&"] * (len(without_job) - 1)), *without_job,
        ]

    def _full_sync_entity_list(self):
        self.ensure_one()
        return [e for e in (self.entities or "").split(",") if e]

    def _full_sync_entity_progress(self):
        """The progress of each entity of this run, in display order.

        :returns: [{"entity", "label", "pages", "done", "failed", "failed_in_pages" (of the failed:
            those refused inside a page whose job finished, not in a failed job), "waiting" (records
            handed to jobs of their own, not settled yet), "total" (int, or None when the platform
            does not tell),
            "state": "queued" | "running" | "done" | "stopped", "finished": bool}]
        """
        self.ensure_one()
        self.env["store.full.sync.step"].flush_model()
        self.env.cr.execute(_PROGRESS_SQL, [self.id])
        sums = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        labels = self._entity_labels()
        result = []
        for entity in self._full_sync_entity_list():
            pages, done, failed, waiting, total, last, stopped, failed_in_pages = sums.get(
                entity, (0, 0, 0, 0, None, False, False, 0))
            if stopped:
                state = "stopped"
            elif last and waiting <= 0:
                state = "done"
            elif entity in sums:
                state = "running"
            else:
                state = "queued"
            result.append({
                "entity": entity, "label": labels.get(entity, entity), "pages": pages, "done": done,
                "failed": failed, "failed_in_pages": failed_in_pages, "waiting": max(waiting, 0),
                "total": total, "state": state,
                "finished": state in ("done", "stopped"),
            })
        return result

    @api.model
    def _entity_labels(self):
        return {"products": _("Products"), "customers": _("Customers"), "orders": _("Orders")}

    @api.model
    def _count_phrase(self, entity, count):
        """"1 product", "12 products"... (a message per number, for the languages that need it)."""
        shown = lang_number(self.env, count)
        if entity == "products":
            return _("%(count)s product", count=shown) if count == 1 else _("%(count)s products", count=shown)
        if entity == "customers":
            return (_("%(count)s customer", count=shown) if count == 1
                    else _("%(count)s customers", count=shown))
        return _("%(count)s order", count=shown) if count == 1 else _("%(count)s orders", count=shown)

    def _full_sync_summary(self, entities):
        """The run's result in one sentence: "12 products, 4 customers, 60 orders imported; 1 failed.",
        then what stopped, if anything."""
        self.ensure_one()
        imported = ", ".join(self._count_phrase(e["entity"], e["done"]) for e in entities)
        failed = sum(e["failed"] for e in entities)
        if not imported:
            text = _("Nothing to import: the store permits none of products, customers or orders.")
        elif failed:
            text = _("%(imported)s imported; %(failed)s failed.", imported=imported,
                     failed=lang_number(self.env, failed))
        else:
            text = _("%(imported)s imported.", imported=imported)
        stopped = [e["label"] for e in entities if e["state"] == "stopped"]
        if stopped:
            text += " " + _(
                "Stopped before the end: %(entities)s (a page could not be imported). Open the failed jobs "
                "to see why, then run the Full Sync again.", entities=", ".join(stopped))
        elif failed:
            in_pages = sum(e.get("failed_in_pages", 0) for e in entities)
            if failed - in_pages > 0:
                text += " " + _("Open the failed jobs to see why, fix the cause and retry them.")
            if in_pages:
                # No job failed for these: their pages were imported, without them.
                text += " " + (
                    _("1 record was refused inside a page that was imported: open the failed records "
                      "(the activity log says which and why), correct it, then run the Full Sync again.")
                    if in_pages == 1 else
                    _("%(count)s records were refused inside pages that were imported: open the failed "
                      "records (the activity log says which and why), correct them, then run the Full "
                      "Sync again.", count=lang_number(self.env, in_pages)))
        return text

    def _full_sync_progress_html(self, entities):
        """Progress bars per entity ("Products 120 / 250", failures and waiting records)."""
        self.ensure_one()
        if not self.id:
            return False
        rows = []
        state_labels = {
            "queued": _("Queued"), "running": _("Running"), "done": _("Done"), "stopped": _("Stopped"),
        }
        for entity in entities:
            total = entity["total"]
            if total is not None:
                count = _("%(done)s / %(total)s", done=lang_number(self.env, entity["done"]),
                          total=lang_number(self.env, total))
                percent = 100 if entity["finished"] or not total else min(100, 100 * entity["done"] // total)
            else:
                count = lang_number(self.env, entity["done"])
                # Unknown total: a full striped bar while running, an empty one while queued.
                percent = 0 if entity["state"] == "queued" else 100
            notes = []
            if entity["failed"]:
                notes.append(_("%(count)s failed", count=lang_number(self.env, entity["failed"])))
            if entity["waiting"]:
                notes.append(_("%(count)s waiting to be imported again",
                               count=lang_number(self.env, entity["waiting"])))
            bar_class = {"done": "bg-success", "stopped": "bg-danger"}.get(entity["state"], "bg-info")
            striped = " progress-bar-striped progress-bar-animated" if entity["state"] == "running" and \
                total is None else ""
            rows.append(Markup(
                '<div class="o_sc_full_sync_entity mb-2" data-entity="%s">'
                '<div class="d-flex justify-content-between"><strong>%s</strong>'
                '<span><span class="o_sc_full_sync_count">%s</span> <span class="text-muted">(%s)</span>'
                '%s</span></div>'
                '<div class="progress" style="height: 0.6rem;" role="progressbar" aria-valuenow="%s" '
                'aria-valuemin="0" aria-valuemax="100">'
                '<div class="progress-bar %s%s" style="width: %s%%;"></div></div></div>'
            ) % (
                entity["entity"], entity["label"], count, state_labels[entity["state"]],
                Markup(" <span class='text-danger'>%s</span>") % ", ".join(notes) if notes else "",
                percent, bar_class, striped, percent,
            ))
        if self.summary:
            clean = self.state == "done" and not sum(e["failed"] for e in entities)
            css = "alert-success" if clean else "alert-warning"
            # Said again in the reader's language (the stored summary is in the language of the job
            # that ended the run), from the same figures; dir="auto" keeps a sentence in another
            # script readable inside a right-to-left page.
            rows.append(Markup('<div class="alert %s mb-0 o_sc_full_sync_summary" dir="auto">%s</div>') % (
                css, escape(self._full_sync_summary(entities))))
        return Markup("").join(rows)

    # ------------------------------------------------------------------ recording
    def _full_sync_record(self, entity, job=None, page=None, done=0, failed=0, waiting=0, total=None,
                          last_page=False, stopped=False, message=None):
        """Record one step of this run (a page, a chunk, a record settled, an entity stopped), in the
        caller's transaction (the job's: it counts only if the job commits), then try to end the run.

        :param entity: a key of const.FULL_SYNC_ENTITIES.
        :param page: the page number (None: not a page, e.g. a record's own job).
        :param done: records imported; :param failed: records that failed for good.
        :param waiting: records handed to jobs of their own (+n), or settled by theirs (-1).
        :param total: how many records the platform says the entity has (None: it does not say).
        :param last_page: the entity's last page was read.
        :param stopped: the entity stops here (its page job failed, or was cancelled).
        :returns: the step, or an empty recordset when the run is not running any more.
        """
        self.ensure_one()
        run = self.sudo()
        if run.state != "running" or entity not in run._full_sync_entity_list():
            return self.env["store.full.sync.step"]
        step = self.env["store.full.sync.step"].sudo().create({
            "run_id": run.id, "store_id": run.store_id.id, "entity": entity, "page": page,
            "records_done": done, "records_failed": failed, "records_waiting": waiting, "total": total or 0,
            "total_known": total is not None,
            "last_page": last_page, "stopped": stopped, "job_id": job.id if job else False,
            "message": message,
        })
        if last_page or stopped or waiting < 0 or failed:
            run._full_sync_try_finish()
        return step

    def _full_sync_try_finish(self):
        """End the run if every entity is over: now, in a savepoint of the caller's transaction (it
        sees what it wrote), and once the caller commits, in a transaction of its own (which sees
        what concurrent jobs committed meanwhile: of two entities ending at once, the later commit's
        check ends the run)."""
        self.ensure_one()
        cr = self.env.cr
        try:
            with cr.savepoint():
                self._full_sync_finish()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
            _logger.info("Full Sync run %s: its end is left to a later check (%s)", self.id, exc)
        cr.postcommit.add(partial(_finish_after_commit, self.env.cr.dbname, self.id))

    def _full_sync_finish(self):
        """End the running runs of `self` whose entities are all over: state, end time, summary; the
        store's chatter and activity log say it, and whoever started the run gets a notification.
        Exactly one transaction ends a run (the UPDATE is guarded by the state).

        :returns: the runs ended.
        """
        ended = self.browse()
        for run in self.sudo().filtered(lambda r: r.state == "running"):
            entities = run._full_sync_entity_progress()
            if not all(e["finished"] for e in entities):
                continue
            stopped = any(e["state"] == "stopped" for e in entities)
            summary = run._full_sync_summary(entities)
            self.env.cr.execute(SQL(
                """UPDATE store_full_sync_run SET state = %s, summary = %s,
                          finished_at = (statement_timestamp() AT TIME ZONE 'UTC')
                    WHERE id = %s AND state = 'running' RETURNING id""",
                "failed" if stopped else "done", summary, run.id,
            ))
            if not self.env.cr.fetchone():
                continue
            run.invalidate_recordset()
            ended |= run
            run._full_sync_announce(summary, stopped or any(e["failed"] for e in entities))
        return ended

    def _full_sync_announce(self, summary, warning):
        """Say a run's end: the store's chatter, its activity log, a notification to who started it."""
        self.ensure_one()
        store = self.store_id.sudo()
        title = _("Full Sync of %(store)s finished", store=store.name)
        store.with_context(mail_notrack=True).message_post(
            body=_("Full Sync finished: %(summary)s", summary=summary), subtype_xmlid="mail.mt_note")
        store._log_activity("full_sync", "failed" if warning else "done", records=self.records_done,
                            message=summary)
        if self.user_id:
            self.user_id._bus_send("simple_notification", {
                "title": title, "message": summary, "type": "warning" if warning else "success",
                "sticky": bool(warning),
            })

    def _full_sync_stop_stalled(self):
        """End what nothing moves any more in the running runs of `self`: an entity not over while no
        job of the run that works on it is queued or running (its jobs were cancelled, or merged into
        another import) is recorded stopped; a job of the run that is no entity's own (a platform's
        bulk poll) moves them all. :returns: the runs ended."""
        runs = self.sudo().filtered(lambda r: r.state == "running")
        if not runs:
            return self.browse()
        self.env["sync.job"].flush_model()
        self.env.cr.execute(
            """SELECT DISTINCT (payload ->> %s)::int, operation FROM sync_job
                WHERE store_id = ANY(%s) AND state IN ('pending', 'processing')
                  AND (payload ->> %s) = ANY(%s)""",
            [const.FULL_SYNC_RUN_KEY, runs.store_id.ids, const.FULL_SYNC_RUN_KEY,
             [str(run_id) for run_id in runs.ids]],
        )
        entity_of = {**const.FULL_SYNC_PAGE_OPERATIONS, **const.FULL_SYNC_RECORD_OPERATIONS}
        moving = {}
        for run_id, operation in self.env.cr.fetchall():
            moving.setdefault(run_id, set()).add(entity_of.get(operation, "*"))
        for run in runs:
            for entity in run._full_sync_entity_progress():
                names = moving.get(run.id, set())
                if entity["finished"] or "*" in names or entity["entity"] in names:
                    continue
                run._full_sync_record(
                    entity["entity"], stopped=True,
                    message=_("No job of this Full Sync works on it any more: its jobs were cancelled or "
                              "replaced by another import."))
        return runs._full_sync_finish()


def _finish_after_commit(dbname, run_id):
    """After the job's commit: end the run in a READ COMMITTED transaction of its own."""
    from odoo.modules.registry import Registry

    try:
        with Registry(dbname).cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["store.full.sync.run"].browse(run_id).exists()._full_sync_finish()
    except Exception:  # noqa: BLE001 - a later check (the next step, the store's progress) ends it
        _logger.warning("Full Sync run %s: ending it after the commit failed", run_id, exc_info=True)


class StoreFullSyncStep(models.Model):
    """One step of a Full Sync run, written once by the job that made it (never updated: see the
    module's docstring): a page or chunk imported, a record settled by its own job, or an entity
    stopped. The run's counters are the sums of its steps."""

    _name = "store.full.sync.step"
    _inherit = ["store.owned.mixin"]
    _description = "Full Sync Step"
    _order = "id"

    run_id = fields.Many2one("store.full.sync.run", required=True, index=True, ondelete="cascade",
                             readonly=True, check_company=True)
    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    entity = fields.Selection(const.FULL_SYNC_ENTITIES, required=True, readonly=True)
    page = fields.Integer(readonly=True)
    records_done = fields.Integer(string="Imported", readonly=True)
    records_failed = fields.Integer(string="Failed", readonly=True)
    records_waiting = fields.Integer(string="Waiting", readonly=True,
                                     help="Records handed to jobs of their own (+), or settled by them (-1).")
    total = fields.Integer(readonly=True, help="How many records the platform says there are.")
    total_known = fields.Boolean(readonly=True, help="Whether the platform said how many records there are.")
    last_page = fields.Boolean(readonly=True)
    stopped = fields.Boolean(readonly=True, help="The entity stopped here: this job failed or was cancelled.")
    job_id = fields.Many2one("sync.job", string="Job", readonly=True, ondelete="set null", check_company=True)
    message = fields.Text(readonly=True)
