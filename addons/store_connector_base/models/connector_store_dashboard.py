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

from .. import const
from ..labels import count_text, readable_code
from ..labels import number as lang_number

# The window of the "recent activity" figures.
DASHBOARD_WINDOW_HOURS = 24
# The window of the "orders imported" figure.
DASHBOARD_ORDER_DAYS = 7
# Webhook subscription states that need someone's attention.
WEBHOOK_PROBLEM_STATES = ("error", "disabled", "paused")


def _empty_stats():
    return {
        "by_state": defaultdict(int),
        "open": defaultdict(int),
        "last_success": {},
        "webhooks": defaultdict(int),
        "last_received_at": False,
        "oldest_pending_at": False,
        "orders": 0,
        "api": {},
        "topics": {},
    }


def _count_text(env, count, one, many):
    """`labels.count_text` (the count written as the user's language writes numbers), False for 0."""
    return count_text(count, one, many, env=env) if count else False


def _waited_text(env, delta):
    """How long the oldest pending job has waited, as a sentence with the right plural."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 2:
        return env._("The oldest pending job was queued just now.")
    if minutes < 120:
        return env._("The oldest pending job has waited %(count)s minutes.", count=lang_number(env, minutes))
    hours = minutes // 60
    if hours < 48:
        return env._("The oldest pending job has waited %(count)s hours.", count=lang_number(env, hours))
    return env._("The oldest pending job has waited %(count)s days.", count=lang_number(env, hours // 24))


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
    for record, state, count, oldest in Job._read_group(
        [(key, "in", ids), ("state", "in", ("pending", "processing", "failed"))], [key, "state"],
        ["__count", "create_date:min"],
    ):
        stats[record.id]["open"][state] = count
        if state == "pending":
            stats[record.id]["oldest_pending_at"] = oldest
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
    # Deliveries per topic of the window, and the last of each (the (store_id, topic, received_at)
    # index of store.webhook.delivery, or received_at's own for a company).
    for record, topic, count, last in env["store.webhook.delivery"]._read_group(
        [(key, "in", ids), ("received_at", ">=", since)], [key, "topic"], ["__count", "received_at:max"]
    ):
        stats[record.id]["topics"][topic or ""] = (count, last)
    orders_since = (now or fields.Datetime.now()) - timedelta(days=DASHBOARD_ORDER_DAYS)
    for record, count in env["store.order.binding"]._read_group(
        [(key, "in", ids), ("create_date", ">=", orders_since)], [key], ["__count"]
    ):
        stats[record.id]["orders"] = count
    ApiCallStat = env["store.api.call.stat"]
    # Only the rows of existing stores: the table has no foreign key, and the rows of a deleted store
    # stay until the daily purge.
    store_ids = ids if key == "store_id" else env["connector.store"].with_context(active_test=False).search(
        [(key, "in", ids)]).ids
    for record, platform, calls, errors, throttled, total_ms, max_ms in ApiCallStat._read_group(
        [(key, "in", ids), ("store_id", "in", store_ids), ("bucket", ">=", since)], [key, "platform"],
        ["call_count:sum", "error_count:sum", "throttled_count:sum", "total_ms:sum", "max_ms:max"],
    ):
        stats[record.id]["api"][platform or ""] = {
            "calls": calls, "errors": errors, "throttled": throttled, "total_ms": total_ms, "max_ms": max_ms}
    return stats


def _dashboard_credential_warnings(env, key, ids, now=None):
    """Credentials and OAuth grants of the stores of `ids` (grouped by `key`) that end within
    const.CREDENTIAL_EXPIRY_WARNING_DAYS days, as the platforms tell (store.adapter
    `_credential_expiries`): {id: [sentence, ...]}. Two queries whatever the number of stores."""
    warnings = defaultdict(list)
    if not ids:
        return warnings
    now = now or fields.Datetime.now()
    horizon = now + timedelta(days=const.CREDENTIAL_EXPIRY_WARNING_DAYS)
    # The stores the user may read (record rules), then their credentials (which only the store's
    # code reads: sudo).
    store_field = "id" if key == "store_id" else key
    stores = env["connector.store"].search([(store_field, "in", ids), ("platform", "!=", False)])
    credentials = env["integration.credential"].sudo().search([("store_id", "in", stores.ids)])
    by_store = defaultdict(lambda: env["integration.credential"].sudo())
    for credential in credentials:
        by_store[credential.store_id.id] |= credential
    stores.fetch(["platform", "name", "company_id"])  # one query, not one per store (`_get_adapter`)
    for store in stores.sudo():
        if not by_store[store.id]:
            continue
        for expiry in store._get_adapter()._credential_expiries(store, by_store[store.id]):
            ends = expiry["expires_at"]
            if ends > horizon:
                continue
            date = format_datetime(env, ends, dt_format="medium")
            if ends <= now:
                message = env._("%(what)s of store %(store)s ended on %(date)s: connect the store again.",
                            what=expiry["label"], store=store.name, date=date)
            else:
                message = env._("%(what)s of store %(store)s ends on %(date)s: connect the store again "
                            "before then.", what=expiry["label"], store=store.name, date=date)
            warnings[store[store_field].id if store_field != "id" else store.id].append(message)
    return warnings


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
    dashboard_failure_rate = fields.Float(
        string="Failure Rate (24h)", compute="_compute_dashboard", digits=(5, 1),
        help="Failed jobs among the jobs of the last 24 hours that finished (done or failed), in percent.")
    dashboard_oldest_pending_at = fields.Datetime(
        string="Oldest Pending Job", compute="_compute_dashboard",
        help="When the job that has waited longest in the queue was queued.")
    dashboard_oldest_pending_text = fields.Char(string="Queue Wait", compute="_compute_dashboard")
    dashboard_order_count = fields.Integer(
        string="Orders Imported (7 days)", compute="_compute_dashboard",
        help="Platform orders imported as sale orders in the last 7 days.")
    dashboard_api_call_count = fields.Integer(
        string="API Calls (24h)", compute="_compute_dashboard",
        help="Requests sent to the platforms in the last 24 hours.")
    dashboard_api_error_count = fields.Integer(
        string="API Errors (24h)", compute="_compute_dashboard",
        help="Requests of the last 24 hours that got no answer or an HTTP error.")
    dashboard_api_avg_ms = fields.Integer(
        string="Average Response (ms)", compute="_compute_dashboard",
        help="The platforms' average response time over the last 24 hours, in milliseconds.")
    dashboard_api_max_ms = fields.Integer(
        string="Slowest Response (ms)", compute="_compute_dashboard")
    dashboard_api_html = fields.Html(
        string="API Calls per Platform", compute="_compute_dashboard", sanitize=False)
    dashboard_webhook_topics_html = fields.Html(
        string="Webhook Deliveries per Topic", compute="_compute_dashboard", sanitize=False)
    dashboard_credential_warning = fields.Text(
        string="Credentials Ending Soon", compute="_compute_dashboard",
        help="Tokens or authorizations that end within 30 days: the store stops syncing when they do.")
    dashboard_failed_text = fields.Char(compute="_compute_dashboard")
    dashboard_webhook_problem_text = fields.Char(compute="_compute_dashboard")
    dashboard_attention_count = fields.Integer(
        string="Needs Attention", compute="_compute_dashboard",
        help="Failed jobs, webhook subscriptions in trouble, credentials ending soon and paused stores.")

    def _compute_dashboard(self):
        now = fields.Datetime.now()
        stats = _dashboard_stats(self.env, self._dashboard_key, self.ids, now=now)
        credential_warnings = _dashboard_credential_warnings(self.env, self._dashboard_key, self.ids, now=now)
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
            record.dashboard_failure_rate = 100.0 * failed / (done + failed) if done + failed else 0.0
            oldest = figures["oldest_pending_at"]
            record.dashboard_oldest_pending_at = oldest
            record.dashboard_oldest_pending_text = _waited_text(self.env, now - oldest) if oldest else False
            record.dashboard_order_count = figures["orders"]
            api = figures["api"]
            calls = sum(line["calls"] for line in api.values())
            record.dashboard_api_call_count = calls
            record.dashboard_api_error_count = sum(line["errors"] for line in api.values())
            total_ms = sum(line["total_ms"] for line in api.values())
            record.dashboard_api_avg_ms = round(total_ms / calls) if calls else 0
            record.dashboard_api_max_ms = max((line["max_ms"] for line in api.values()), default=0)
            record.dashboard_api_html = record._dashboard_api_html(api)
            record.dashboard_webhook_topics_html = record._dashboard_topics_html(figures["topics"])
            warnings = credential_warnings[record.id]
            record.dashboard_credential_warning = "\n".join(warnings) or False
            open_failed = figures["open"]["failed"]
            record.dashboard_failed_text = _count_text(
                self.env, open_failed, _("1 failed job to look at"), _("%(count)s failed jobs to look at"))
            problems = record.dashboard_webhook_problem_count
            record.dashboard_webhook_problem_text = _count_text(
                self.env, problems, _("1 webhook subscription needs attention"),
                _("%(count)s webhook subscriptions need attention"))
            record.dashboard_attention_count = (
                open_failed + problems + len(warnings) + record._dashboard_paused_count())

    def _dashboard_paused_count(self):
        """Paused stores among the record's (a store's card: 1 when it is paused)."""
        return 0

    def _dashboard_api_html(self, api):
        """The API figures per platform: calls, errors, average and slowest response."""
        if not api:
            return Markup("<span class='text-muted'>%s</span>") % _("No API call in the last 24 hours.")
        labels = dict(self.env["connector.store"]._fields["platform"]._description_selection(self.env))
        head = Markup("<tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
                      "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr>") % (
            _("Platform"), _("Calls"), _("Errors"), _("Average"), _("Slowest"))
        rows = Markup().join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end%s'>%s</td>"
                   "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>") % (
                labels.get(platform, platform or _("Unknown")), lang_number(self.env, line["calls"]),
                " text-danger" if line["errors"] else "", lang_number(self.env, line["errors"]),
                _("%(ms)s ms", ms=lang_number(
                    self.env, round(line["total_ms"] / line["calls"]) if line["calls"] else 0)),
                _("%(ms)s ms", ms=lang_number(self.env, line["max_ms"] or 0)))
            for platform, line in sorted(api.items())
        )
        return Markup("<table class='table table-sm mb-0'><thead>%s</thead><tbody>%s</tbody></table>") % (
            head, rows)

    def _dashboard_topics_html(self, topics):
        """Webhook deliveries of the last 24 hours per topic, with the last one of each."""
        if not topics:
            return Markup("<span class='text-muted'>%s</span>") % _(
                "No webhook received in the last 24 hours.")
        # People read the platform's label of each topic; its code stays in the tooltip (the
        # deliveries' filters and the platform's documentation name it so).
        Webhook = self.env["store.webhook"]
        known = Webhook._topic_labels(self._dashboard_platform())
        named = sorted(
            ((Webhook._topic_label(topic, known=known) if topic else _("(no topic)"), topic, count, last)
             for topic, (count, last) in topics.items()),
            key=lambda row: row[0].casefold())
        rows = Markup().join(
            Markup("<tr><td title='%s'>%s</td><td class='text-end'>%s</td>"
                   "<td class='text-end'>%s</td></tr>") % (
                topic, label, lang_number(self.env, count),
                format_datetime(self.env, last, dt_format="short"))
            for label, topic, count, last in named
        )
        return Markup("<table class='table table-sm mb-0'><tbody>%s</tbody></table>") % rows

    def _dashboard_platform(self):
        """The platform of the record's stores when they have one (a store's card), else None."""
        return None

    def _dashboard_last_sync_html(self, last_success):
        if not last_success:
            return Markup("<span class='text-muted'>%s</span>") % _("No successful sync yet.")
        # People read the operations' labels (the codes stay in the jobs' filters).
        known = self.env["sync.job"]._operation_labels()
        named = sorted(((known.get(operation) or readable_code(operation), last)
                        for operation, last in last_success.items()), key=lambda row: row[0].casefold())
        rows = Markup().join(
            Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>")
            % (label, format_datetime(self.env, last, dt_format="short"))
            for label, last in named
        )
        return Markup("<table class='table table-sm mb-0'><tbody>%s</tbody></table>") % rows

    def _dashboard_job_action(self, domain, context=None, analysis=False):
        """The jobs matching `domain`: as a list, or as graph and pivot (`analysis`)."""
        xmlid = "sync_job_action_analysis" if analysis else "sync_job_action"
        action = self.env["ir.actions.act_window"]._for_xml_id(f"store_connector_base.{xmlid}")
        action.update({"domain": domain, "context": context or {}})
        return action

    def _dashboard_action(self, xmlid, domain, context=None):
        """The action `xmlid` of this addon on the records matching `domain` (a chart or a list the
        dashboard links to); record rules still decide what the user sees in it."""
        action = self.env["ir.actions.act_window"]._for_xml_id(f"store_connector_base.{xmlid}")
        action.update({"domain": domain, "context": context or {}})
        return action

    def _dashboard_reader(self):
        """The one record a dashboard button opens the charts and lists of, once the reader may:
        every button of the dashboards starts here (a store's card adds the users' check; a
        company's row is shown by its record rules).

        :returns: self, a single record.
        """
        self.ensure_one()
        return self

    def _dashboard_domain(self):
        """The domain of the records of this dashboard row (a store's, or a company's)."""
        raise NotImplementedError

    def _dashboard_open_webhook_problems(self):
        return self._dashboard_action(
            "store_webhook_action", self._dashboard_domain() + [("status", "in", WEBHOOK_PROBLEM_STATES)])

    def _dashboard_open_api_calls(self):
        return self._dashboard_action(
            "store_api_call_stat_action", self._dashboard_domain(), {"search_default_last_7_days": 1})

    def _dashboard_open_order_chart(self):
        return self._dashboard_action(
            "store_order_binding_action_analysis", self._dashboard_domain(),
            {"search_default_last_30_days": 1})

    def _dashboard_open_job_chart(self):
        return self._dashboard_job_action(
            self._dashboard_domain(), {"search_default_last_7_days": 1}, analysis=True)


class ConnectorStore(models.Model):
    _name = "connector.store"
    _inherit = ["connector.store", "store.dashboard.mixin"]
    _dashboard_key = "store_id"

    @api.readonly
    def action_view_job_analysis(self):
        """The store's jobs over time (graph and pivot), the last 7 days first."""
        return self._dashboard_reader()._dashboard_open_job_chart()

    @api.readonly
    def action_view_webhook_problems(self):
        """The store's webhook subscriptions in error, disabled or paused."""
        return self._dashboard_reader()._dashboard_open_webhook_problems()

    @api.readonly
    def action_view_api_calls(self):
        """The store's platform API calls, errors and response times per hour (chart)."""
        return self._dashboard_reader()._dashboard_open_api_calls()

    @api.readonly
    def action_view_order_chart(self):
        """The orders the store imported per day, the last 30 days first (chart)."""
        return self._dashboard_reader()._dashboard_open_order_chart()

    def _dashboard_reader(self):
        """A store's card: only Store Connector users open what it links to."""
        self._check_store_user()
        return super()._dashboard_reader()

    def _dashboard_domain(self):
        return [("store_id", "=", self.id)]

    def _dashboard_paused_count(self):
        return 1 if self.paused else 0

    def _dashboard_platform(self):
        return self.platform or None

    @api.readonly
    def action_view_recent_jobs(self):
        """The store's jobs of the last 24 hours, grouped by state."""
        self._dashboard_reader()
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
    store_count_text = fields.Char(compute="_compute_store_counts", string="Stores (text)")
    paused_store_text = fields.Char(compute="_compute_store_counts", string="Paused Stores (text)")

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
            summary.store_count_text = _count_text(
                self.env, summary.store_count, _("1 store"), _("%(count)s stores")) or _("No store")
            summary.paused_store_text = _count_text(
                self.env, summary.paused_store_count, _("1 store is paused"),
                _("%(count)s stores are paused"))

    @api.readonly
    def action_view_stores(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "store_connector_base.connector_store_action_dashboard"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    @api.readonly
    def action_view_job_analysis(self):
        return self._dashboard_reader()._dashboard_open_job_chart()

    @api.readonly
    def action_view_webhook_problems(self):
        return self._dashboard_reader()._dashboard_open_webhook_problems()

    @api.readonly
    def action_view_api_calls(self):
        return self._dashboard_reader()._dashboard_open_api_calls()

    @api.readonly
    def action_view_order_chart(self):
        return self._dashboard_reader()._dashboard_open_order_chart()

    @api.readonly
    def action_view_failed_jobs(self):
        return self._dashboard_reader()._dashboard_job_action(self._dashboard_domain(),
                                                              {"search_default_failed": 1})

    @api.readonly
    def action_view_pending_jobs(self):
        return self._dashboard_reader()._dashboard_job_action(
            self._dashboard_domain(), {"search_default_pending": 1})

    @api.readonly
    def action_view_paused_stores(self):
        self._dashboard_reader()
        action = self.action_view_stores()
        action["domain"] = self._dashboard_domain() + [("paused", "=", True)]
        return action

    def _dashboard_domain(self):
        return [("company_id", "=", self.company_id.id)]

    def _dashboard_paused_count(self):
        return self.paused_store_count

