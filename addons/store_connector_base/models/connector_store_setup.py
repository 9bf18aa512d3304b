from odoo import _, api, fields, models

from .. import const

# The set-up steps a store can miss, in the order the setup assistant walks them: the step's key
# (also the assistant's step, see store.setup.wizard) and what the banner says is missing.
SETUP_STATES = [
    ("credentials", "Credentials missing"),
    ("connection", "Connection not tested"),
    ("webhooks", "Webhooks not registered"),
    ("full_sync", "First Full Sync not run"),
    ("stock_baseline", "Stock baseline not chosen"),
    ("done", "Set up"),
]


class ConnectorStore(models.Model):
    """Set-up state of a store: which step of the first set-up is still missing, for the banner of
    the store's form, the dashboard card and the setup assistant (store.setup.wizard), which opens
    at that step.

    A step counts only when the store's platform implements it (supports_* fields): a platform
    without webhook registration never misses its webhooks. The first steps that are missing are
    read from what the store has, never from a flag someone sets: required credentials entered
    (`credential_missing` and the platform's `_api_credentials_missing`), a successful Test
    Connection in the activity log, an active webhook subscription, a Full Sync in the activity
    log, a stock baseline chosen. Once everything was done, `setup_completed_on` is set and the
    store says it is set up from then on (a store losing a webhook later is told by the dashboard
    and its webhooks' status, not by the first set-up).
    """

    _inherit = "connector.store"

    setup_state = fields.Selection(
        SETUP_STATES, string="Set-up", compute="_compute_setup_state",
        help="The first step of the store's set-up that is still missing; Continue Setup opens it.",
    )
    setup_completed_on = fields.Datetime(
        string="Set-up Completed On", readonly=True, copy=False,
        help="When every step of the store's first set-up was done. Stores connected before the "
        "setup assistant existed count as set up.",
    )

    # A new store ships from and publishes the stock of its company's first warehouse, shown on the
    # form and in the assistant's locations step rather than applied unseen (the stock export fell
    # back to that warehouse already). Existing stores keep theirs, empty included: the column
    # existed before the compute, and Odoo computes a stored field for existing rows only when it
    # creates its column. A store moved to another company gets that company's first warehouse.
    warehouse_id = fields.Many2one(compute="_compute_warehouse_id", store=True, readonly=False,
                                   precompute=True)

    # ------------------------------------------------------------------ computes
    @api.depends("company_id")
    def _compute_warehouse_id(self):
        for store in self:
            if store.warehouse_id and store.warehouse_id.company_id == store.company_id:
                continue
            store.warehouse_id = self.env["stock.warehouse"].sudo().search(
                [("company_id", "=", store.company_id.id)], limit=1) if store.company_id else False

    @api.depends("platform", "stock_baseline", "setup_completed_on", "webhook_ids.status")
    def _compute_setup_state(self):
        for store in self:
            store.setup_state = store._setup_missing_step()

    # ------------------------------------------------------------------ actions
    def action_open_setup(self):
        """Continue Setup: open the setup assistant on this store, at its first missing step.

        :raises AccessError: the caller is not a Store Connector Manager of the store's company.
        """
        self._check_store_manager()
        self.ensure_one()
        return self.env["store.setup.wizard"]._open_for(self)

    # ------------------------------------------------------------------ business
    def _setup_missing_step(self):
        """The first set-up step this store misses (a key of SETUP_STATES), 'done' when none.

        Computed as superuser: the banner shows on every store form, and what is missing (which
        credential is not entered) is no secret.
        """
        self.ensure_one()
        if self.setup_completed_on or not self.id:
            return "done" if self.setup_completed_on else "credentials"
        store = self.sudo()
        features = store._platform_features()
        if store._setup_credentials_missing():
            return "credentials"
        if "test_connection" in features and not store._setup_connection_tested():
            return "connection"
        if "register_webhooks" in features and not store.webhook_ids.filtered(
                lambda webhook: webhook.status == "active"):
            return "webhooks"
        if "full_sync" in features and not store._setup_full_sync_run():
            return "full_sync"
        if "inventory.sync" in features and store.stock_baseline == const.STOCK_BASELINE_NONE:
            return "stock_baseline"
        return "done"

    def _setup_credentials_missing(self):
        """The labels of what the store still needs to connect: the required credentials its
        platform declares and are not entered, then what its platform says it lacks to call the
        API (e.g. eBay's user token that Connect with eBay saves).

        :returns: list of labels, empty when nothing is missing.
        """
        self.ensure_one()
        store = self.sudo()
        set_keys = set(store.credential_ids.filtered("is_set").mapped("key"))
        missing = [declared["label"] for declared in store._credential_declarations().values()
                   if declared["required"] and declared["key"] not in set_keys]
        if store._platform_features():
            # The platform may name a declared credential again, in its own words.
            known = {label.casefold() for label in missing} | set_keys
            for label in store._get_adapter()._api_credentials_missing(store) or []:
                if label.casefold() not in known:
                    missing.append(label)
                    known.add(label.casefold())
        return missing

    def _setup_connection_tested(self):
        """Whether Test Connection ever succeeded on this store (its activity log says so)."""
        self.ensure_one()
        return bool(self.env["store.activity.log"].sudo().search_count(
            [("store_id", "=", self.id), ("operation", "=", "connection.test"), ("status", "=", "done")],
            limit=1))

    def _setup_full_sync_run(self):
        """Whether a Full Sync was ever started on this store (its activity log says so)."""
        self.ensure_one()
        return bool(self._setup_full_sync_log())

    def _setup_full_sync_log(self):
        """The activity log line of the store's last Full Sync (empty when none ran)."""
        self.ensure_one()
        return self.env["store.activity.log"].sudo().search(
            [("store_id", "=", self.id), ("operation", "=", "full_sync"), ("status", "=", "done")],
            order="id desc", limit=1)

    def _setup_full_sync_job_counts(self):
        """The jobs of the store's last Full Sync: those queued from its start on (the pages it
        queues next included), counted by state.

        :returns: {"pending", "processing", "done", "failed", "cancelled", "total"} counts.
        """
        self.ensure_one()
        counts = dict.fromkeys(("pending", "processing", "done", "failed", "cancelled"), 0)
        log = self._setup_full_sync_log()
        if log:
            for state, count in self.env["sync.job"].sudo()._read_group(
                    [("store_id", "=", self.id), ("create_date", ">=", log.create_date)],
                    ["state"], ["__count"]):
                counts[state] = counts.get(state, 0) + count
        counts["total"] = sum(counts.values())
        return counts

    def _setup_mark_completed(self):
        """Record that the store's first set-up is done (nothing is missing any more)."""
        done = self.filtered(lambda store: not store.setup_completed_on
                             and store._setup_missing_step() == "done")
        if done:
            done.sudo().write({"setup_completed_on": fields.Datetime.now()})
            for store in done:
                store._log_activity("setup", "done", message=_("The store's first set-up is complete."))
        return done
