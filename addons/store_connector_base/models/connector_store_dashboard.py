"""Dashboard statistics: per store (connector.store) and overall per company (store.dashboard.summary).

Both compute the same figures with the same few grouped queries (`_dashboard_stats`), one query
per figure for all the records shown, never one per record. They are read as the current user,
so record rules decide what is counted.

The figures are computed, never stored: reading them (web_search_read, web_read, read_group, all
`@api.readonly` in Odoo 18) writes nothing, and the dashboards' buttons that only open a list are
`@api.readonly` too, so that Odoo serves them from the read-only replica when one is configured
(db_replica_host). A write on such a path would make Odoo run the call again on the primary.
"""

from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools.misc import format_datetime

# The window of the "recent activity" figures.
DASHBOARD_WINDOW_HOURS = 24
# Webhook subscription states that need someone's attention.
WEBHOOK_PROBLEM_STATES = ("error", "disabled", "paused")


def _empty_stats():
    return {
        "by_state": defaultdict(int),
        "open": defaultdict(int),
        "last_success": {},
        "webhooks": defaultdict(int),
        "last_received_at": False,
    }


def _dashboard_stats(env, key, ids, now=None):
    """Figures of the records `ids` of sync.job / store.webhook / store.webhook.delivery grouped by
    `key` ("store_id" or "company_id").

    :returns: {id: {"by_state": {state: jobs created in the window}, "open": {state: all
        pending, processing and failed jobs}, "last_success": {operation: datetime},
        "webhooks": {status: subscriptions}, "last_received_at": datetime or False}}
    """
    stats = defaultdict(_empty_stats)
    if not ids:
        return stats
    since = (now or fields.Datetime.now()) - timedelta(hours=DASHBOARD_WINDOW_HOURS)
    Job = env["sync.job"]
    for record, state, count in Job._read_group(
        [(key, "in", ids), ("create_date", ">=", since)], [key, "state"], ["__count"]
    ):
        stats[record.id]["by_state"][state] = count
    for record, state, count in Job._read_group(
        [(key, "in", ids), ("state", "in", ("pending", "processing", "failed"))], [key, "state"], ["__count"]
    ):
        stats[record.id]["open"][state] = count
    for record, operation, last in Job._read_group(
        [(key, "in", ids), ("state", "=", "done")], [key, "operation"], ["finished_at:max"]
    ):
        stats[record.id]["last_success"][operation] = last
    for record, status, count in env["store.webhook"]._read_group(
        [(key, "in", ids)], [key, "status"], ["__count"]
    ):
        stats[record.id]["webhooks"][status] = count
    for record, last in env["store.webhook.delivery"]._read_group(
        [(key, "in", ids)], [key], ["received_at:max"]
    ):
        stats[record.id]["last_received_at"] = last
    return stats


class StoreDashboardMixin(models.AbstractModel):
    """The dashboard figures, shared by the per-store and the per-company dashboards.

    A model using it sets `_dashboard_key`: the field of sync.job, store.webhook and
    store.webhook.delivery that points to its records.
    """

    _name = "store.dashboard.mixin"
    _description = "Store Connector Dashboard Figures"
    _dashboard_key = None

    dashboard_job_count = fields.Integer(
        string="Jobs (24h)", compute="_compute_dashboard", help="Jobs queued in the last 24 hours.")
    dashboard_done_count = fields.Integer(string="Done (24h)", compute="_compute_dashboard")
    dashboard_failed_count = fields.Integer(string="Failed (24h)", compute="_compute_dashboard")
    dashboard_pending_count = fields.Integer(string="Pending (24h)", compute="_compute_dashboard")
    dashboard_processing_count = fields.Integer(string="Processing (24h)", compute="_compute_dashboard")
    dashboard_cancelled_count = fields.Integer(string="Cancelled (24h)", compute="_compute_dashboard")
    dashboard_success_rate = fields.Float(
        string="Success Rate (24h)", compute="_compute_dashboard", digits=(5, 1),
        help="Done jobs among the jobs of the last 24 hours that finished (done or failed), in percent.")
    dashboard_backlog_count = fields.Integer(
        string="Pending", compute="_compute_dashboard", help="Jobs waiting to run, whenever queued.")
    dashboard_open_failed_count = fields.Integer(
        string="Failed", compute="_compute_dashboard", help="Failed jobs not retried or cancelled yet.")
    dashboard_last_success_at = fields.Datetime(
        string="Last Successful Sync", compute="_compute_dashboard",
        help="When the last job finished well (done jobs are kept for the job retention period).")
    dashboard_last_sync_html = fields.Html(
        string="Last Successful Sync per Operation", compute="_compute_dashboard", sanitize=False)
    dashboard_webhook_count = fields.Integer(string="Webhook Subscriptions", compute="_compute_dashboard")
    dashboard_webhook_active_count = fields.Integer(string="Active Webhooks", compute="_compute_dashboard")
    dashboard_webhook_problem_count = fields.Integer(
        string="Webhooks Needing Attention", compute="_compute_dashboard",
        help="Subscriptions in error, disabled or paused.")
    dashboard_webhook_last_received_at = fields.Datetime(
        string="Last Webhook Received", compute="_compute_dashboard")

    def _compute_dashboard(self):
        stats = _dashboard_stats(self.env, self._dashboard_key, self.ids)
        for record in self:
            figures = stats[record.id]
            by_state, webhooks = figures["by_state"], figures["webhooks"]
            done, failed = by_state["done"], by_state["failed"]
            record.dashboard_job_count = sum(by_state.values())
            record.dashboard_done_count = done
            record.dashboard_failed_count = failed
            record.dashboard_pending_count = by_state["pending"]
            record.dashboard_processing_count = by_state["processing"]
            record.dashboard_cancelled_count = by_state["cancelled"]
            record.dashboard_success_rate = 100.0 * done / (done + failed) if done + failed else 0.0
            record.dashboard_backlog_count = figures["open"]["pending"]
            record.dashboard_open_failed_count = figures["open"]["failed"]
            last_success = figures["last_success"]
            record.dashboard_last_success_at = max(last_success.values()) if last_success else False
            record.dashboard_last_sync_html = record._dashboard_last_sync_html(last_success)
            record.dashboard_webhook_count = sum(webhooks.values())
            record.dashboard_webhook_active_count = webhooks["active"]
            record.dashboard_webhook_problem_count = sum(webhooks[state] for state in WEBHOOK_PROBLEM_STATES)
            record.dashboard_webhook_last_received_at = figures["last_received_at"]

    def _dashboard_last_sync_html(self, last_success):
        if not last_success:
            return Markup("<span class='text-muted'>%s</span>") % _("No successful sync yet.")
        rows = Markup().join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>")
            % (operation, format_datetime(self.env, last, dt_format="short"))
            for operation, last in sorted(last_success.items())
        )
        return Markup("<table class='table table-sm mb-0'><tbody>%s</tbody></table>") % rows

    def _dashboard_job_action(self, domain, context=None, analysis=False):
        """The jobs matching `domain`: as a list, or as graph and pivot (`analysis`)."""
        xmlid = "sync_job_action_analysis" if analysis else "sync_job_action"
        action = self.env["ir.actions.act_window"]._for_xml_id(f"store_connector_base.{xmlid}")
        action.update({"domain": domain, "context": context or {}})
        return action


class ConnectorStore(models.Model):
    _name = "connector.store"
    _inherit = ["connector.store", "store.dashboard.mixin"]
    _dashboard_key = "store_id"

    @api.readonly
    def action_view_job_analysis(self):
        """The store's jobs over time (graph and pivot)."""
        self._check_store_user()
        self.ensure_one()
        return self._dashboard_job_action([("store_id", "=", self.id)], analysis=True)

    @api.readonly
    def action_view_recent_jobs(self):
        """The store's jobs of the last 24 hours, grouped by state."""
        self._check_store_user()
        self.ensure_one()
        since = fields.Datetime.now() - timedelta(hours=DASHBOARD_WINDOW_HOURS)
        return self._dashboard_job_action(
            [("store_id", "=", self.id), ("create_date", ">=", since)], {"search_default_group_state": 1})


class StoreDashboardSummary(models.Model):
    """The overall dashboard: the same figures for all the stores of a company, one row per
    company that has stores (record rules show a user the companies they work in)."""

    _name = "store.dashboard.summary"
    _inherit = ["store.dashboard.mixin"]
    _description = "Store Connector Overview"
    _auto = False
    _order = "company_id"
    _dashboard_key = "company_id"
    # Rows are companies with stores: flush pending store changes before reading them.
    _depends = {"connector.store": ["company_id"]}

    company_id = fields.Many2one("res.company", readonly=True)
    store_count = fields.Integer(compute="_compute_store_counts", string="Stores")
    paused_store_count = fields.Integer(compute="_compute_store_counts", string="Paused Stores")

    @property
    def _table_query(self):
        # The row's id is its company's id: the figures are grouped by company_id on self.ids.
        return """
            SELECT c.id AS id, c.id AS company_id
              FROM res_company c
             WHERE EXISTS (SELECT 1 FROM connector_store s WHERE s.company_id = c.id)
        """

    def _compute_store_counts(self):
        counts = defaultdict(lambda: defaultdict(int))
        for company, paused, count in self.env["connector.store"]._read_group(
            [("company_id", "in", self.ids)], ["company_id", "paused"], ["__count"]
        ):
            counts[company.id][paused] = count
        for summary in self:
            summary.store_count = sum(counts[summary.id].values())
            summary.paused_store_count = counts[summary.id][True]

    @api.readonly
    def action_view_stores(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "store_connector_base.connector_store_action_dashboard"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    @api.readonly
    def action_view_job_analysis(self):
        self.ensure_one()
        return self._dashboard_job_action([("company_id", "=", self.company_id.id)], analysis=True)
