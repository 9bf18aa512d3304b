from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..exceptions import StoreConnectorError
from ..labels import number as lang_number
from ..services.redact import safe_message
from .connector_store import CONNECTION_ADVICE_KEY

# The assistant's steps in order. Steps the store's platform does not implement are passed over
# (see `_step_applies`).
STEPS = [
    ("address", "Platform and Shop Address"),
    ("credentials", "Credentials"),
    ("connection", "Test Connection"),
    ("locations", "Warehouse and Locations"),
    ("webhooks", "Webhooks"),
    ("full_sync", "First Full Sync"),
    ("stock_baseline", "Stock Baseline"),
    ("done", "Done"),
]
STEP_KEYS = [key for key, _label in STEPS]
# The platform feature (const.PLATFORM_FEATURES) a step needs.
STEP_FEATURES = {
    "connection": "test_connection",
    "webhooks": "register_webhooks",
    "full_sync": "full_sync",
    "stock_baseline": "inventory.sync",
}


class StoreSetupWizard(models.TransientModel):
    """The setup assistant: the first set-up of a store, step by step, for any platform.

    Steps: platform and shop address (creates the store), credentials (the lines the platform
    declares, or its connect button), Test Connection (its answer shown as it is), warehouse and
    locations, webhooks (Register Webhooks), the first Full Sync with its jobs' counts, the stock
    baseline (the shop's quantities next to Odoo's, then import or publish). Each step runs the
    store's own action (action_test_connection, action_register_webhooks, action_full_sync, the
    Stock Baseline window's choices): nothing is done here that the store's buttons do not do.

    The Full Sync comes before the stock baseline: the baseline compares the quantities of the
    products linked to the shop, which the Full Sync links, and importing the shop's quantities
    waits for the orders the Full Sync imports (see store.stock.baseline.wizard).

    For Store Connector Managers: every action checks the caller on the store first.
    """

    _name = "store.setup.wizard"
    _inherit = ["store.owned.mixin"]
    _description = "Store Setup Assistant"
    # The store is chosen once, by the first step, and never changed after (see `write`); the
    # company is fixed from the start.
    _store_owner_fields = ("company_id",)

    step = fields.Selection(STEPS, required=True, default="address")
    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 default=lambda self: self.env.company)
    store_id = fields.Many2one("connector.store", readonly=True, ondelete="cascade", check_company=True)

    # Step "address": typed here, then written on the store (created by Next).
    store_name = fields.Char(string="Store Name")
    platform = fields.Selection(selection="_selection_platform", string="Platform")
    shop_url = fields.Char(string="Shop Address")

    # Step "credentials": the store's own lines, edited in place.
    credential_ids = fields.One2many(related="store_id.credential_ids", readonly=False)
    credential_missing_text = fields.Char(compute="_compute_store_facts")
    connect_label = fields.Char(compute="_compute_store_facts")
    # The address the platform's app sends the browser back to (eBay: the RuName's Auth Accepted
    # URL), to copy into the platform's settings: see store.adapter._setup_redirect_url_hint.
    redirect_url = fields.Char(string="Redirect URL", compute="_compute_store_facts")
    redirect_url_label = fields.Char(compute="_compute_store_facts")
    redirect_url_help = fields.Char(compute="_compute_store_facts")

    # Step "connection": Test Connection's answer, as the store's action words it.
    connection_result = fields.Text(readonly=True)
    connection_ok = fields.Boolean(readonly=True)
    # What the test found to fix although the connection works ("To fix: ..."): said apart, in a
    # warning, so that a store that is not ready does not read as a success.
    connection_advice = fields.Text(readonly=True)
    connection_tested = fields.Boolean(compute="_compute_store_facts")

    # Step "locations".
    warehouse_id = fields.Many2one(related="store_id.warehouse_id", readonly=False, check_company=True)
    location_ids = fields.Many2many(related="store_id.location_ids", readonly=False, check_company=True)
    # The platform's own locations (store.adapter._setup_locations_note / _setup_read_locations).
    locations_note = fields.Text(compute="_compute_store_facts")
    read_locations_label = fields.Char(compute="_compute_store_facts")
    locations_result = fields.Text(readonly=True)

    # Step "webhooks".
    webhook_ids = fields.One2many(related="store_id.webhook_ids")
    webhooks_result = fields.Char(readonly=True)

    # Step "full_sync": the jobs queued since the last Full Sync started, by state.
    full_sync_run = fields.Boolean(compute="_compute_full_sync_counts")
    full_sync_total = fields.Integer(compute="_compute_full_sync_counts")
    full_sync_pending = fields.Integer(compute="_compute_full_sync_counts")
    full_sync_done = fields.Integer(compute="_compute_full_sync_counts")
    full_sync_failed = fields.Integer(compute="_compute_full_sync_counts")
    full_sync_summary = fields.Char(compute="_compute_full_sync_counts")

    # Step "stock_baseline": the Stock Baseline window's figures.
    stock_baseline = fields.Selection(related="store_id.stock_baseline")
    baseline_wizard_id = fields.Many2one("store.stock.baseline.wizard", readonly=True, check_company=True)
    baseline_line_count = fields.Integer(related="baseline_wizard_id.line_count")
    baseline_refused_count = fields.Integer(related="baseline_wizard_id.refused_count")
    baseline_order_job_count = fields.Integer(related="baseline_wizard_id.order_job_count")
    baseline_platform_available = fields.Integer(related="baseline_wizard_id.total_platform_available")
    baseline_odoo_on_hand = fields.Float(related="baseline_wizard_id.total_odoo_on_hand")
    baseline_odoo_published = fields.Integer(related="baseline_wizard_id.total_odoo_published")
    baseline_summary = fields.Char(compute="_compute_baseline_summary")

    setup_state = fields.Selection(related="store_id.setup_state")
    step_progress = fields.Char(compute="_compute_step_progress")

    # ------------------------------------------------------------------ defaults and computes
    @api.model
    def _selection_platform(self):
        return self.env["connector.store"]._fields["platform"]._description_selection(self.env)

    @api.depends("store_id", "step")
    def _compute_store_facts(self):
        for wizard in self:
            store = wizard.store_id
            wizard.credential_missing_text = ", ".join(store._setup_credentials_missing()) if store else False
            wizard.connect_label = store._get_adapter()._setup_connect_label(store) if store else False
            wizard.connection_tested = bool(store) and store._setup_connection_tested()
            adapter = store._get_adapter() if store else None
            hint = (adapter._setup_redirect_url_hint(store) or {}) if store else {}
            wizard.redirect_url = store._oauth_callback_url() if hint else False
            wizard.redirect_url_label = hint.get("label") or False
            wizard.redirect_url_help = hint.get("help") or False
            wizard.locations_note = adapter._setup_locations_note(store) if store else False
            wizard.read_locations_label = adapter._setup_read_locations_label(store) if store else False

    @api.depends("store_id", "step")
    def _compute_full_sync_counts(self):
        for wizard in self:
            counts = wizard.store_id._setup_full_sync_job_counts() if wizard.store_id else {}
            wizard.full_sync_run = bool(wizard.store_id) and wizard.store_id._setup_full_sync_run()
            wizard.full_sync_total = counts.get("total", 0)
            wizard.full_sync_pending = counts.get("pending", 0) + counts.get("processing", 0)
            wizard.full_sync_done = counts.get("done", 0)
            wizard.full_sync_failed = counts.get("failed", 0)
            wizard.full_sync_summary = wizard._full_sync_sentence(counts) if wizard.full_sync_run else False

    @api.model
    def _full_sync_sentence(self, counts):
        total, pending = counts.get("total", 0), counts.get("pending", 0) + counts.get("processing", 0)
        done, failed = counts.get("done", 0), counts.get("failed", 0)
        if total == 1:
            head = _("The Full Sync has 1 job so far:")
        else:
            head = _("The Full Sync has %(count)s jobs so far:", count=lang_number(self.env, total))
        parts = [
            _("1 waiting") if pending == 1 else _("%(count)s waiting", count=lang_number(self.env, pending)),
            _("1 done") if done == 1 else _("%(count)s done", count=lang_number(self.env, done)),
            _("1 failed") if failed == 1 else _("%(count)s failed", count=lang_number(self.env, failed)),
        ]
        sentence = f"{head} {', '.join(parts)}."
        if pending:
            sentence += " " + _("The queue runs them in the background; click Refresh to see how far it is.")
        elif failed:
            sentence += " " + _("Open the store's failed jobs to see why, then retry them.")
        else:
            sentence += " " + _("Everything is imported.")
        return sentence

    @api.depends("baseline_wizard_id", "stock_baseline")
    def _compute_baseline_summary(self):
        for wizard in self:
            baseline = wizard.baseline_wizard_id
            if not baseline:
                wizard.baseline_summary = False
            elif not baseline.line_count:
                wizard.baseline_summary = _(
                    "The shop reported no quantity for the store's published products yet (products "
                    "not imported or exported yet are not linked). Publishing Odoo's quantities is "
                    "safe: each product's stock is sent once it is linked.")
            else:
                products = (_("1 product") if baseline.line_count == 1
                            else _("%(count)s products", count=lang_number(self.env, baseline.line_count)))
                # Built first: Odoo's term extractor skips a whole file with an f-string in _().
                on_hand = f"{baseline.total_odoo_on_hand:g}"
                wizard.baseline_summary = _(
                    "For %(products)s, the shop has %(shop)s units available; Odoo has %(on_hand)s on hand "
                    "and would publish %(published)s.",
                    products=products, shop=baseline.total_platform_available,
                    on_hand=on_hand, published=baseline.total_odoo_published)

    @api.depends("step", "store_id", "platform")
    def _compute_step_progress(self):
        labels = dict(self._fields["step"]._description_selection(self.env))
        for wizard in self:
            steps = wizard._applicable_steps()
            position = steps.index(wizard.step) + 1 if wizard.step in steps else 1
            wizard.step_progress = _("Step %(number)s of %(count)s: %(step)s",
                                     number=position, count=len(steps), step=labels.get(wizard.step))

    # ------------------------------------------------------------------ CRUD
    def write(self, vals):
        if vals.get("store_id"):
            for wizard in self:
                if wizard.store_id and wizard.store_id.id != vals["store_id"]:
                    raise UserError(_("The setup assistant of store %(store)s cannot be moved to another "
                                      "store: open the assistant from the other store.",
                                      store=wizard.store_id.name))
        return super().write(vals)

    # ------------------------------------------------------------------ opening
    @api.model
    def _open_for(self, store):
        """Open the assistant on `store`, at its first missing step (its address step when it
        misses nothing, so that the manager can walk through it again)."""
        missing = store._setup_missing_step()
        wizard = self.create({
            "store_id": store.id,
            "company_id": store.company_id.id,
            "store_name": store.name,
            "platform": store.platform,
            "shop_url": store.shop_url,
            "step": missing if missing in STEP_KEYS else "address",
        })
        return wizard._reopen()

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Set Up a Store"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    # ------------------------------------------------------------------ navigation
    def _step_applies(self, step, store=None):
        store = store or self.store_id
        feature = STEP_FEATURES.get(step)
        return not feature or not store or feature in store._platform_features()

    def _applicable_steps(self):
        return [step for step in STEP_KEYS if self._step_applies(step)]

    def _check_manager(self):
        """Every button of the assistant: the caller manages the store (or may create stores)."""
        self.ensure_one()
        if self.store_id:
            self.store_id._check_store_manager()
        else:
            self.env["connector.store"].check_access("create")

    def action_next(self):
        """Next: save what the step holds (the address creates or updates the store) and go on to
        the next step the platform implements."""
        self._check_manager()
        if self.step == "address":
            self._save_address()
        if self.step == "done":
            return self.action_open_store()
        steps = self._applicable_steps()
        self.step = steps[min(steps.index(self.step) + 1, len(steps) - 1)]
        if self.step == "done":
            self.store_id._setup_mark_completed()
        return self._reopen()

    def action_back(self):
        self._check_manager()
        steps = self._applicable_steps()
        self.step = steps[max(steps.index(self.step) - 1, 0)] if self.step in steps else "address"
        return self._reopen()

    def action_refresh(self):
        self._check_manager()
        return self._reopen()

    def action_open_store(self):
        """Close the assistant on the store's form."""
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "res_model": "connector.store",
            "res_id": self.store_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def _save_address(self):
        """Create the store from the address step, or write what changed on it."""
        if not (self.store_name or "").strip():
            raise UserError(_("Enter a name for the store, e.g. the shop's name, then click Next."))
        if not self.platform:
            raise UserError(_("Choose the platform of the shop, then click Next."))
        Store = self.env["connector.store"]
        platform = self.store_id.platform or self.platform
        adapter_name = f"store.adapter.{platform}"
        adapter = self.env[adapter_name] if adapter_name in self.env else self.env["store.adapter"]
        values = adapter._setup_store_values({
            "name": self.store_name.strip(), "platform": platform,
            "shop_url": (self.shop_url or "").strip() or False,
        })
        if self.store_id:
            values.pop("platform", None)
            changed = {key: value for key, value in values.items() if self.store_id[key] != value}
            if changed:
                self.store_id.write(changed)
            return
        store = Store.create({**values, "company_id": self.company_id.id})
        # A new store's form gets one line per declared credential from its onchange; the
        # assistant's store gets them here, so that the next step lists what to fill in.
        self.env["integration.credential"].create(
            [{"store_id": store.id, "key": key} for key in store._credential_declarations()])
        self.store_id = store

    # ------------------------------------------------------------------ steps' actions
    def action_connect(self):
        """The platform's connect button (an OAuth install, Connect with WooCommerce...)."""
        self._check_manager()
        store = self.store_id
        adapter = store._get_adapter()
        if not adapter._setup_connect_label(store):
            raise UserError(_("Store %(store)s connects with the credentials typed in the lines above: "
                              "enter them, then click Next.", store=store.name))
        return adapter._setup_connect(store)

    def action_test_connection(self):
        """Test Connection: the store's own action; its answer (or its refusal) is shown in the
        step as the action words it."""
        self._check_manager()
        store = self.store_id
        try:
            with self.env.cr.savepoint():
                action = store.action_test_connection()
        except (UserError, StoreConnectorError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            self.write({"connection_ok": False, "connection_advice": False, "connection_result": safe_message(
                message, self.env["integration.credential"]._store_secrets(store))})
            return self._reopen()
        # A failure comes back as a "danger" notification (the StoreConnectionFailed event).
        params = (action or {}).get("params") or {}
        advice = params.get(CONNECTION_ADVICE_KEY) or False
        message = params.get("message")
        if advice and message:
            # The advice goes to its own block: not repeated among the facts.
            message = "\n".join(line for line in message.split("\n") if line != advice)
        text = "\n".join(part for part in (params.get("title"), message) if part)
        self.write({"connection_ok": params.get("type") != "danger", "connection_advice": advice,
                    "connection_result": text or _("The connection works.")})
        return self._reopen()

    def action_read_locations(self):
        """The locations step's button: read the platform's locations (Shopify: Fetch Locations);
        what was read is said in the step. Reads only, also in test mode."""
        self._check_manager()
        store = self.store_id
        adapter = store._get_adapter()
        if not adapter._setup_read_locations_label(store):
            raise UserError(_("The platform of store %(store)s has no locations to read: choose the "
                              "warehouse and locations above, then click Next.", store=store.name))
        try:
            with self.env.cr.savepoint():
                message = adapter._setup_read_locations(store)
        except StoreConnectorError as exc:
            message = safe_message(exc.args[0] if exc.args else str(exc),
                                   self.env["integration.credential"]._store_secrets(store))
            raise UserError(_(
                "The locations of store %(store)s could not be read: %(error)s Check the connection "
                "(Back), then try again.", store=store.name, error=message)) from None
        self.locations_result = message or False
        return self._reopen()

    def action_register_webhooks(self):
        """Register Webhooks: the store's own action; its answer is shown in the step."""
        self._check_manager()
        action = self.store_id.action_register_webhooks()
        params = (action or {}).get("params") or {}
        self.webhooks_result = params.get("message") or False
        return self._reopen()

    def action_full_sync(self):
        """Start the first Full Sync (the store's own action); the step then counts its jobs."""
        self._check_manager()
        self.store_id.action_full_sync()
        return self._reopen()

    def action_view_jobs(self):
        self._check_manager()
        return self.store_id.action_view_jobs()

    def action_read_stock(self):
        """Read the shop's quantities and set them beside Odoo's (the Stock Baseline window's)."""
        self._check_manager()
        action = self.store_id.action_choose_stock_baseline()
        self.baseline_wizard_id = action["res_id"]
        return self._reopen()

    def action_open_stock_details(self):
        """The Stock Baseline window itself, with every product's line."""
        self._check_manager()
        if not self.baseline_wizard_id:
            return self.store_id.action_choose_stock_baseline()
        return {
            "type": "ir.actions.act_window",
            "name": _("Stock Baseline of %(store)s", store=self.store_id.name),
            "res_model": "store.stock.baseline.wizard",
            "res_id": self.baseline_wizard_id.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    def action_import_platform_stock(self):
        """Import the shop's quantities into Odoo (the Stock Baseline window's choice), then go on."""
        self._check_manager()
        if not self.baseline_wizard_id:
            self.action_read_stock()
        self.baseline_wizard_id.action_import_platform()
        return self.action_next()

    def action_publish_odoo_stock(self):
        """Publish Odoo's quantities (the Stock Baseline window's choice), then go on."""
        self._check_manager()
        if not self.baseline_wizard_id:
            self.action_read_stock()
        self.baseline_wizard_id.action_publish_odoo()
        return self.action_next()
