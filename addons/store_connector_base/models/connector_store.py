import secrets
from urllib.parse import urlsplit

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import const
from ..exceptions import OperationNotPermitted
from ..labels import number as lang_number
from ..services import http_transport
from ..services.logs import get_logger
from ..services.redact import safe_message

_logger = get_logger(__name__)

USER_GROUP = "store_connector_base.group_store_connector_user"
MANAGER_GROUP = "store_connector_base.group_store_connector_manager"
# Test Connection's notification carries its advice apart under this key (the web client ignores it):
# the setup assistant shows the advice in a block of its own.
CONNECTION_ADVICE_KEY = "store_connector_advice"

# The pause reason is shown on the store's form; the activity log keeps the whole message.
_PAUSE_REASON_LIMIT = 500


def keep_stores_of_removed_platform(stores):
    """`ondelete` policy of a platform's `selection_add` value: what happens to the stores of a
    platform whose addon is uninstalled. Every platform addon declares it, as Odoo's payment
    providers keep their providers on uninstall::

        platform = fields.Selection(
            selection_add=[("acme", "Acme")], ondelete={"acme": keep_stores_of_removed_platform})

    The stores are archived, never deleted (Odoo's "cascade" would delete them with their
    credentials, product, order and customer bindings, so that reinstalling would export every
    product again as a duplicate). See `connector.store._archive_for_removed_platform`.

    :param stores: connector.store records of the removed platform (archived ones included).
    """
    stores.with_context(active_test=False)._archive_for_removed_platform()


def _new_store_code():
    # 96 random bits: the key names the store in public URLs, so it must not be guessable.
    return secrets.token_urlsafe(12)


class ConnectorStore(models.Model):
    """One connected shop on an e-commerce platform.

    The platform addons extend `platform` with `selection_add` and implement the platform's
    behaviour in an adapter model named `store.adapter.<platform>` (see `store.adapter`).
    """

    _name = "connector.store"
    _description = "Connected Store"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    # The warehouse, locations, pricelist and sales team must belong to the store's company.
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(
        string="Webhook Key",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: _new_store_code(),
        help="Unguessable key naming this store in its webhook and sync API URLs.",
    )
    platform = fields.Selection(
        selection=[],
        required=True,
        tracking=True,
        help="The e-commerce platform; each platform addon adds its own.",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    shop_url = fields.Char(string="Shop URL", tracking=True, help="https address of the shop.")
    api_version = fields.Char(string="API Version")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Warehouse used for the orders of this store and, by default, for the stock it publishes.",
    )
    location_ids = fields.Many2many(
        "stock.location",
        string="Published Locations",
        domain="[('usage', '=', 'internal')]",
        check_company=True,
        help="Internal locations whose free quantity is published to the store. "
        "Empty: the stock location of the warehouse.",
    )
    pricelist_id = fields.Many2one("product.pricelist", check_company=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", check_company=True)
    # Computed from the platform (store.adapter._default_order_prefix) for a new store, then the
    # manager's. Existing stores keep theirs: the column existed before the compute, and Odoo only
    # computes a stored field for existing rows when it creates its column.
    order_prefix = fields.Char(
        compute="_compute_order_prefix",
        store=True,
        readonly=False,
        precompute=True,
        help="Prefix of the platform's order number in the sale order's customer reference, e.g. WC-. "
        "The platform sets a default for a new store.",
    )
    safety_stock = fields.Float(
        help="Quantity held back from the published stock; the published quantity never goes below zero."
    )

    # Automatic synchronisation, per entity.
    auto_sync_orders = fields.Boolean(string="Sync Orders", default=True)
    # On for new stores: a price or description changed in Odoo reaches the shop without a switch to
    # find. Existing stores keep their value (a column's new default does not rewrite its rows).
    auto_sync_products = fields.Boolean(
        string="Sync Products", default=True,
        help="Export a published product again when a field the store sends changes in Odoo (name, "
        "price through the store's pricelist, description, weight, barcode, mapped fields, variants). "
        "Off: the changes wait until Export Products.",
    )
    auto_sync_inventory = fields.Boolean(string="Sync Inventory", default=True)
    auto_sync_customers = fields.Boolean(string="Sync Customers", default=False)

    # What the connector may do on this store at all; see const.STORE_PERMISSIONS.
    allow_products_sync = fields.Boolean(string="Products: Sync", default=True)
    allow_orders_pull = fields.Boolean(string="Orders: Pull", default=True)
    # On by default: shipping goes back to the platform (fulfillments with their tracking), or the
    # customer never hears of it. Existing stores keep the value they had.
    allow_orders_push = fields.Boolean(string="Orders: Push", default=True)
    allow_inventory_sync = fields.Boolean(string="Inventory: Sync", default=True)

    credential_ids = fields.One2many(
        "integration.credential", "store_id", groups="store_connector_base.group_store_connector_manager"
    )
    credential_missing = fields.Char(
        string="Missing Credentials", compute="_compute_credential_missing",
        groups="store_connector_base.group_store_connector_manager",
        help="The credentials the platform requires that are not entered yet.",
    )
    webhook_ids = fields.One2many("store.webhook", "store_id", string="Webhooks")
    job_ids = fields.One2many("sync.job", "store_id", string="Jobs")
    log_ids = fields.One2many("store.activity.log", "store_id", string="Activity Log")

    # Health: an authentication failure pauses the store's jobs until new credentials are saved.
    paused = fields.Boolean(readonly=True, copy=False, tracking=True)
    paused_reason = fields.Char(readonly=True, copy=False)
    consecutive_failures = fields.Integer(readonly=True, copy=False)

    job_pending_count = fields.Integer(compute="_compute_job_counts")
    job_failed_count = fields.Integer(compute="_compute_job_counts")

    # What the platform addon implements (store.adapter._supported_features, const.PLATFORM_FEATURES):
    # the form shows the buttons of supported features only.
    platform_implemented = fields.Boolean(
        compute="_compute_platform_features",
        help="Whether the platform's connector addon is installed and implements something: a store "
        "of a platform that implements nothing cannot be saved or activated.",
    )
    supports_test_connection = fields.Boolean(compute="_compute_platform_features")
    supports_register_webhooks = fields.Boolean(compute="_compute_platform_features")
    supports_full_sync = fields.Boolean(compute="_compute_platform_features")
    supports_orders_pull = fields.Boolean(compute="_compute_platform_features")
    supports_orders_push = fields.Boolean(compute="_compute_platform_features")
    supports_products_export = fields.Boolean(compute="_compute_platform_features")
    supports_products_import = fields.Boolean(compute="_compute_platform_features")
    supports_inventory_sync = fields.Boolean(compute="_compute_platform_features")
    supports_customers_import = fields.Boolean(compute="_compute_platform_features")
    supports_customers_export = fields.Boolean(compute="_compute_platform_features")
    # The platform connects through OAuth (store.adapter._oauth_enabled): the Credentials tab offers
    # "Install with OAuth" (action_oauth_install, which checks the same on the server).
    supports_oauth = fields.Boolean(
        string="Supports OAuth", compute="_compute_supports_oauth",
        help="Whether the platform's connector installs through OAuth (Install with OAuth).",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "The webhook key of a store must be unique."),
        ("safety_stock_positive", "CHECK(safety_stock >= 0)", "The safety stock cannot be negative."),
    ]

    # ------------------------------------------------------------------ computes
    def _compute_job_counts(self):
        counts = {
            (store.id, state): count
            for store, state, count in self.env["sync.job"]._read_group(
                [("store_id", "in", self.ids), ("state", "in", ("pending", "failed"))],
                ["store_id", "state"],
                ["__count"],
            )
        }
        for store in self:
            store.job_pending_count = counts.get((store.id, "pending"), 0)
            store.job_failed_count = counts.get((store.id, "failed"), 0)

    @api.depends("platform")
    def _compute_platform_features(self):
        for store in self:
            features = store._platform_features()
            store.platform_implemented = bool(features)
            for feature, field_name in const.PLATFORM_FEATURES.items():
                store[field_name] = feature in features

    @api.depends("platform")
    def _compute_order_prefix(self):
        for store in self:
            prefix = store._get_adapter()._default_order_prefix(store) if store.platform else ""
            store.order_prefix = prefix or False

    @api.depends("platform")
    def _compute_supports_oauth(self):
        for store in self:
            store.supports_oauth = bool(
                store._platform_features() and store._get_adapter()._oauth_enabled(store)
            )

    # ------------------------------------------------------------------ constraints
    @api.constrains("shop_url")
    def _check_shop_url(self):
        for store in self.filtered("shop_url"):
            store._validate_shop_url(store.shop_url)

    @api.model
    def _validate_shop_url(self, url):
        """Refuse anything but a public https address on port 443 (SSRF guard).

        Refused: another scheme than https; a user name, password, query or fragment (credentials
        belong in the Credentials tab, not in an address that is shown and logged; such messages do
        not quote the URL); another port than 443; an invalid host name; names that only make
        sense on a local network (localhost, *.local, *.internal, single-label names); literal
        addresses that are not public unicast (loopback, private, link-local such as the metadata
        address 169.254.169.254, shared, reserved, multicast), whatever their notation (127.1,
        2130706433, [::ffff:127.0.0.1], NAT64 64:ff9b::7f00:1, IPv4-compatible ::7f00:1); and
        names that resolve to such an address.

        A name that does not resolve now (no DNS on the server, a shop not yet online) is accepted:
        its address cannot be judged yet, and refusing it would make the form unusable offline.
        Names can also change address later, so this check is not the last line: platform clients
        send their requests through `services.http_transport.HttpTransport`, which checks the
        address again at each connection and connects to exactly the address it checked.

        With the server option ``store_connector_allow_private_urls = True`` (test suite, demo
        simulators on loopback; never in production) http, any port and private addresses are
        accepted; the syntax is still checked.

        :param url: the address to check.
        :raises ValidationError: saying what is wrong.
        """
        try:
            parts = urlsplit((url or "").strip())
            hostname = parts.hostname
            port = parts.port
        except ValueError:
            raise ValidationError(_("The shop URL %(url)s is not a valid address.", url=url)) from None
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValidationError(
                _("The shop URL must be the plain address of the shop, without user name, password, "
                  "query or fragment. Enter credentials in the store's Credentials tab.")
            )
        allow_private = http_transport.allow_private_urls()
        scheme = parts.scheme.lower()
        if scheme != "https" and not (allow_private and scheme == "http"):
            raise ValidationError(_("The shop URL %(url)s must start with https://.", url=url))
        if not hostname:
            raise ValidationError(_("The shop URL %(url)s has no host name.", url=url))
        host, ip = http_transport.normalize_host(hostname)
        if not host:
            raise ValidationError(_("The shop URL %(url)s has an invalid host name.", url=url))
        if allow_private:
            return
        if port not in (None, http_transport.HTTPS_PORT):
            raise ValidationError(_(
                "The shop URL %(url)s uses port %(port)s: only the https port %(allowed)s is allowed.",
                url=url, port=port, allowed=http_transport.HTTPS_PORT,
            ))

        def refuse(address):
            raise ValidationError(
                _(
                    "The shop URL %(url)s points to a private or local address (%(address)s). "
                    "Only public https addresses are allowed.",
                    url=url,
                    address=address,
                )
            )

        if ip is not None:
            if not http_transport.is_public_ip(ip):
                refuse(ip)
            return
        if http_transport.is_local_host_name(host):
            refuse(host)
        try:
            addresses = http_transport.resolve_host(host, http_transport.HTTPS_PORT)
        except OSError:
            return  # does not resolve now: judged again when connecting
        for address in addresses:
            if not http_transport.is_public_ip(address):
                refuse(address)

    def _check_platform_value(self, platform, store_name):
        """Refuse a platform value no installed addon declares (its addon was uninstalled, or a
        typo over RPC), with a sentence instead of the ORM's "Wrong value".

        :raises ValidationError: naming the value and the store.
        """
        if platform and platform not in self._fields["platform"].get_values(self.env):
            raise ValidationError(_(
                'Store "%(store)s" is for the platform "%(platform)s", whose connector addon is not '
                "installed. Install that platform's connector addon first, or choose an installed "
                "platform.",
                store=store_name or _("(unnamed)"), platform=platform,
            ))

    def _check_platform_implemented(self):
        """A store exists to synchronise: refuse stores whose platform addon is not installed or
        implements nothing yet (`store.adapter._supported_features` is empty), so that nobody
        connects a shop whose every button would fail. Called on create and on activation.

        :raises ValidationError: saying which platform and what to do.
        """
        for store in self:
            store._check_platform_value(store.platform, store.name)
            if store._platform_features():
                continue
            platform = dict(self._fields["platform"]._description_selection(self.env)).get(store.platform)
            raise ValidationError(_(
                'The %(platform)s connector does not implement anything yet, so store "%(store)s" '
                "cannot be created or activated: it could neither test its connection nor "
                "synchronise anything. Install a version of the %(platform)s connector addon that "
                "implements it, or connect a platform whose connector is implemented.",
                platform=platform or store.platform, store=store.name,
            ))

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_platform_value(vals.get("platform"), vals.get("name"))
        stores = super().create(vals_list)
        stores._check_platform_implemented()
        return stores

    def write(self, vals):
        if "company_id" in vals:
            self._check_company_unchanged(vals["company_id"])
        if "platform" in vals:
            for store in self:
                store._check_platform_value(vals["platform"], vals.get("name") or store.name)
        res = super().write(vals)
        if vals.get("active") or "platform" in vals:
            self.filtered("active")._check_platform_implemented()
        if "active" in vals:
            # Inactive stores run nothing; reactivating wakes the queue for what was left.
            self.env["sync.job"]._trigger_runner()
        return res

    def _check_company_unchanged(self, company_id):
        """A store stays in the company it was created in: its records (credentials, bindings, jobs,
        logs) follow its company, while the sale orders, products and stock they point to stay in
        theirs. Record rules check a store as it was before a write, so a manager could otherwise
        hand a store and all its data to a company they do not work in.

        :raises UserError: `company_id` is not the current company of every store in `self`.
        """
        for store in self:
            if store.company_id.id != company_id:
                raise UserError(_(
                    "Store %(store)s belongs to %(company)s: its company cannot be changed. To connect "
                    "the shop to another company, create a store in that company.",
                    store=store.name, company=store.company_id.name,
                ))

    # ------------------------------------------------------------------ actions (buttons)
    # Every public method of the store checks its caller on the server, first thing: a button's
    # `groups` only hides it, and any logged-in user can call any public method over RPC.
    def _check_store_user(self):
        """The gate of the actions Store Connector Users keep: the synchronisation triggers (Full
        Sync, Pull Orders, Import / Export Products, Sync Inventory), the queue (Process Queue, and
        the job buttons Retry, Cancel, Run Now) and the views of jobs and bindings. What they queue
        runs later as superuser, within what the store permits.

        :raises AccessError: the caller is not a Store Connector User, or may not read these
            stores in the companies of the request. Superuser code passes.
        """
        if self.env.su:
            return
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(_("Only Store Connector users can synchronise stores or run their jobs."))
        self.check_access("read")

    def _check_store_manager(self):
        """The gate of the Manager-only actions, those that use or change the store's credentials
        or its set-up on the platform: Test Connection, Register Webhooks, Resume (after an
        authentication pause), Reset Status Mapping, and the platform addons' own (e.g. Shopify's
        Fetch Locations and OAuth install). Creating, editing and deleting stores is the
        Managers' by the access rights.

        :raises AccessError: the caller is not a Store Connector Manager, or may not change these
            stores in the companies of the request. Superuser code passes.
        """
        if self.env.su:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_(
                "Only Store Connector managers can test a store's connection, change its credentials "
                "or its set-up on the platform."
            ))
        self.check_access("write")

    def action_test_connection(self):
        self._check_store_manager()
        self.ensure_one()
        self._check_platform_feature("test_connection", _("Test Connection"))
        adapter = self._get_adapter()
        facts = adapter._test_connection(self)
        summary = adapter._connection_summary(self, facts if isinstance(facts, dict) else {}) or {}
        message = self._connection_text(summary, facts)
        self._log_activity("connection.test", "done", message=message)
        if summary.get("problems"):
            # The connection works, but the store is not ready: a warning, not a success, so that
            # the advice (its own line, "To fix: ...") is read.
            action = self._notify_user(
                message, title=_("Connection to %(store)s works, but something needs fixing.",
                                 store=self.name),
                kind="warning", sticky=True, reload=True)
            action["params"][CONNECTION_ADVICE_KEY] = self._connection_advice_text(summary)
            return action
        return self._notify_user(
            message, title=_("Connection to %(store)s works.", store=self.name), sticky=True, reload=True,
        )

    def action_register_webhooks(self):
        self._check_store_manager()
        self.ensure_one()
        self._check_platform_feature("register_webhooks", _("Register Webhooks"))
        subscriptions = self._register_platform_webhooks()
        count = len(subscriptions or [])
        if not count:
            message = _("%(platform)s registered no webhook for store %(store)s: its connector subscribes "
                        "to no topic.", platform=self._get_adapter()._platform_name(self), store=self.name)
        elif count == 1:
            message = _("1 webhook subscription is in place: %(store)s hears of the shop's changes as "
                        "they happen.", store=self.name)
        else:
            message = _("%(count)s webhook subscriptions are in place: %(store)s hears of the shop's "
                        "changes as they happen.", count=lang_number(self.env, count), store=self.name)
        problems = subscriptions.filtered(lambda webhook: webhook.status != "active")
        if problems:
            message += "\n" + (
                _("1 of them is not active: see the Webhooks tab.") if len(problems) == 1
                else _("%(count)s of them are not active: see the Webhooks tab.",
                       count=lang_number(self.env, len(problems)))
            )
        return self._notify_user(message, title=_("Webhooks registered"),
                                 kind="warning" if problems or not count else "success", reload=True)

    def _register_platform_webhooks(self, topics=None):
        """Create or repair the store's webhook subscriptions (`store.adapter._register_webhooks`)
        and log it: Register Webhooks, and the sync API's ``POST .../webhooks``.

        :param topics: None for all, or topics of `_webhook_registration_topics` (checked here).
        :returns: the store.webhook records registered or repaired.
        :raises PlatformFeatureMissing: the platform's addon cannot register a subset of its topics.
        :raises UserError: a topic the platform's addon does not register, naming those it does.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        if topics is None:
            subscriptions = adapter._register_webhooks(self)
        else:
            known = list(adapter._webhook_registration_topics(self) or ())
            if not known:
                adapter._missing(self, _("Register Webhooks by topic"))
            unknown = [topic for topic in topics if topic not in known]
            if unknown:
                raise UserError(_(
                    "The %(platform)s connector does not register these webhook topics: %(unknown)s. "
                    "It registers %(known)s.",
                    platform=adapter._platform_name(self), unknown=", ".join(unknown), known=", ".join(known),
                ))
            subscriptions = adapter._register_webhooks(self, topics=list(topics))
        subscriptions = subscriptions or self.env["store.webhook"]
        self._log_activity("webhooks.register", "done", records=len(subscriptions))
        return subscriptions

    def action_full_sync(self):
        """Full Sync button: start a Full Sync run (see connector_store_full_sync.py), whose progress
        the store form shows; a second click while it runs starts nothing."""
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("full_sync", _("Full Sync"))
        run, jobs, started = self._full_sync_start()
        if not started:
            return self._notify_user(
                _("A Full Sync of %(store)s is already running: its progress shows on the store. Start "
                  "another one once it has finished.", store=self.name), kind="warning", reload=True)
        if run.state != "running":
            # Nothing to import (every import switched off for this store): the run says so.
            return self._notify_user(run.summary, kind="warning", reload=True)
        self._log_activity("full_sync", "done", records=len(jobs), message=_("Full Sync started."))
        return self._notify_user(
            _("Full Sync of %(store)s started: its progress shows on the store, and you will be notified "
              "when it has finished.", store=self.name), reload=True)

    def action_process_queue(self):
        """Process Queue button: run this store's due jobs now, in this request.

        :raises UserError: the store is paused or archived, so its jobs cannot run.
        """
        self._check_store_user()
        self.ensure_one()
        if self.paused:
            raise UserError(_(
                "Store %(store)s is paused because the platform refused its credentials "
                "(%(reason)s). Save new credentials (or click Resume) first.",
                store=self.name, reason=self.paused_reason or "",
            ))
        if not self.active:
            raise UserError(_("Store %(store)s is archived: its jobs do not run.", store=self.name))
        processed = self.env["sync.job"]._process_queue(store_ids=self.ids, commit=False, time_limit=60)
        return self._notify_user(self.env["sync.job"]._processed_text(processed), reload=True)

    def action_view_jobs(self):
        self._check_store_user()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("store_connector_base.sync_job_action")
        action["domain"] = [("store_id", "=", self.id)]
        action["context"] = {"default_store_id": self.id, "search_default_group_state": 1}
        return action

    def action_view_failed_jobs(self):
        action = self.action_view_jobs()
        action["context"] = {"search_default_failed": 1}
        return action

    def action_resume(self):
        """Lift an authentication pause by hand (saving a credential does it too)."""
        self._check_store_manager()
        paused = self.filtered("paused")
        self._resume_after_auth()
        if not paused:
            return self._notify_user(
                _("Store %(store)s was not paused: its jobs already run.", store=self[:1].name)
                if len(self) == 1 else _("None of these stores was paused: their jobs already run."),
                kind="info", reload=True)
        return self._notify_user(
            _("Store %(store)s is resumed: its waiting jobs run again.", store=paused.name)
            if len(paused) == 1
            else _("%(count)s stores are resumed: their waiting jobs run again.",
                   count=lang_number(self.env, len(paused))),
            reload=True)

    # ------------------------------------------------------------------ business
    def _find_for_webhook(self, code):
        """The webhook intake's lookup: the store whose webhook key is `code`, active or archived
        (an archived store still receives what its platform declares, see
        `store.webhook.delivery._receive`), and its credentials, in one query.

        :returns: (store or empty recordset, [(key, ciphertext, expired)] of its set credentials),
            for `integration.credential._prefetched`. The store's platform, company and active
            flag are in the cache.
        """
        if not code:
            return self.browse(), []
        self.flush_model(["code", "active", "platform", "company_id"])
        self.env["integration.credential"].flush_model(["store_id", "key", "value_encrypted", "expires_at"])
        self.env.cr.execute(
            """SELECT s.id, s.platform, s.company_id, s.active,
                      ARRAY(SELECT json_build_array(
                                       c.key, c.value_encrypted,
                                       c.expires_at <= (statement_timestamp() AT TIME ZONE 'UTC'))
                              FROM integration_credential c
                             WHERE c.store_id = s.id AND c.value_encrypted IS NOT NULL)
                 FROM connector_store s
                WHERE s.code = %s
                LIMIT 1""",
            [code],
        )
        row = self.env.cr.fetchone()
        if not row:
            return self.browse(), []
        store = self.browse(row[0])
        for fname, value in zip(("platform", "company_id", "active"), row[1:4], strict=True):
            self.env.cache.insert_missing(store, self._fields[fname], [value])
        return store, row[4]

    def _get_adapter(self):
        """The platform's adapter model (`store.adapter.<platform>`), bound to nothing: pass the store.

        :raises PlatformFeatureMissing: when no installed addon implements the platform.
        """
        self.ensure_one()
        if not self.env.cache.contains(self, self._fields["platform"]):
            # Just the platform: this runs for every job and webhook, and reading it as a field
            # would load every column of the store (and of the other stores in the prefetch set).
            self.fetch(["platform"])
        model_name = f"store.adapter.{self.platform}"
        if model_name not in self.env:
            return self.env["store.adapter"]
        return self.env[model_name]

    def _platform_features(self):
        """What the store's platform addon implements: keys of const.PLATFORM_FEATURES (see
        store.adapter._supported_features); empty when the platform's addon is not installed."""
        self.ensure_one()
        if not self.platform or self.platform not in self._fields["platform"].get_values(self.env):
            return set()
        return set(self._get_adapter()._supported_features(self)) & set(const.PLATFORM_FEATURES)

    def _credential_declarations(self):
        """The credentials the store's platform addon declares (`store.adapter._credential_keys`),
        with their defaults filled in.

        :returns: {key: {"key", "label", "help", "secret", "required"}} in the declared order; empty
            when the platform declares none or its addon is not installed.
        """
        self.ensure_one()
        if not self.platform or self.platform not in self._fields["platform"].get_values(self.env):
            return {}
        declarations = {}
        for declared in self._get_adapter()._credential_keys(self) or []:
            key = declared["key"]
            declarations[key] = {
                "key": key,
                "label": declared.get("label") or key,
                "help": declared.get("help") or "",
                "secret": declared.get("secret", True),
                "required": bool(declared.get("required")),
            }
        return declarations

    @api.depends("platform", "credential_ids.is_set", "credential_ids.key")
    def _compute_credential_missing(self):
        for store in self:
            set_keys = set(store.sudo().credential_ids.filtered("is_set").mapped("key"))
            missing = [declared["label"] for declared in store._credential_declarations().values()
                       if declared["required"] and declared["key"] not in set_keys]
            store.credential_missing = ", ".join(missing) or False

    @api.model
    def _add_declared_credential_lines(self):
        """Give every store, archived ones included, a line (without value) for each credential key
        its platform declares and it lacks, so that the Credentials tab lists what to fill in on
        existing stores as on a new one. Lines already there, with or without a value, are kept.

        Every platform addon runs it at its install and at each update from a data file, so that
        its stores get the lines of the keys it declares, new ones included::

            <function model="connector.store" name="_add_declared_credential_lines"/>

        (A new store gets its lines from the form, see `_onchange_platform_credentials`.)

        :returns: the integration.credential lines created.
        """
        Credential = self.env["integration.credential"].sudo()
        stores = self.sudo().with_context(active_test=False).search([])
        present = {
            (cred.store_id.id, cred.key) for cred in Credential.search([("store_id", "in", stores.ids)])
        }
        vals_list = [
            {"store_id": store.id, "key": key}
            for store in stores
            for key in store._credential_declarations()
            if (store.id, key) not in present
        ]
        return Credential.create(vals_list)

    @api.onchange("platform")
    def _onchange_platform_credentials(self):
        """A new store's form lists the credentials its platform declares, to fill in."""
        if self._origin.id or not self.env.user.has_group(MANAGER_GROUP):
            return
        present = set(self.credential_ids.mapped("key"))
        commands = [
            Command.create({"key": key})
            for key in self._credential_declarations()
            if key not in present
        ]
        if commands:
            self.credential_ids = commands

    def _check_platform_feature(self, feature, label):
        """Refuse an action the store's platform addon does not implement. Its button is hidden on
        the form; this is the server's own check, for RPC calls and stale screens.

        :param feature: a key of const.PLATFORM_FEATURES, e.g. 'inventory.sync'.
        :param label: the action's name as the user sees it (translated), e.g. "Sync Inventory".
        :raises PlatformFeatureMissing: naming the platform, the action and the store.
        """
        for store in self:
            if feature not in store._platform_features():
                store._get_adapter()._missing(store, label)

    def _check_operation_allowed(self, operation):
        """Refuse an operation the store's permissions forbid.

        :param operation: a key of const.STORE_PERMISSIONS, e.g. 'orders.pull'; other operations pass.
        :raises OperationNotPermitted: naming the store and the permission to switch on.
        """
        field_name = const.STORE_PERMISSIONS.get(operation)
        for store in self:
            if field_name and not store[field_name]:
                raise OperationNotPermitted(
                    _(
                        'Store "%(store)s" does not permit "%(operation)s". '
                        'Switch on "%(permission)s" in the store\'s permissions to allow it.',
                        store=store.name,
                        operation=operation,
                        permission=store._fields[field_name].string,
                    )
                )

    def _archive_for_removed_platform(self):
        """The platform's addon is being uninstalled: archive these stores and keep their data.

        Kept: the stores (archived, their platform value unchanged), their credentials (still
        encrypted, readable by managers only: reinstalling needs them, and the merchant revokes them
        on the platform if the shop is given up), product, order and customer bindings (the links
        that keep a reinstalled connector from creating every product and order again), mappings,
        jobs (an archived store runs none) and activity log. Lost with the addon: what the addon
        itself defined (its own fields and models, e.g. Shopify's shop domain and location mapping).

        Reinstalling the addon brings the platform back: the archived stores are found under the
        Archived filter of the store list; unarchive one to run it again (after re-entering the
        addon's own settings).

        In SQL rather than through `write`: the platform's code is being removed, so that nothing of
        it (write overrides, jobs) runs any more; one line in each store's activity log says why.
        """
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE connector_store SET active = FALSE WHERE id = ANY(%s) RETURNING id", [self.ids])
        archived = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.invalidate_recordset(["active"])
        for store in archived:
            _logger.info("store %s archived: the addon of its platform %s is uninstalled", store.id,
                         store.platform)
            store._log_activity("platform.uninstall", "info", message=_(
                'The connector addon of platform "%(platform)s" was uninstalled: the store was archived '
                "and keeps its credentials, bindings and mappings. Reinstall the addon, then unarchive "
                "the store to synchronise it again.",
                platform=store.platform,
            ))

    def _sync_job_store_records(self, store):
        """A job of a store works on that store only (see sync.job._target_records)."""
        return self.filtered(lambda record: record.id == store.id)

    def _get_credential(self, key, required=True):
        """The decrypted value of one of this store's credentials, read now (see `_get_value`).

        Only superuser code (jobs, webhook intake) and Store Connector managers of the store's
        company get it; never put the result in a message, a log line or a job result.

        :param key: the credential key, e.g. 'access_token'.
        :param required: raise when missing or expired; otherwise return False.
        :raises StoreCredentialMissing: when required and missing (a job fails; no pause).
        :raises StoreAuthError: when required and expired (a job pauses the store).
        :raises AccessError: for any other user.
        :raises MissingEncryptionKey, CredentialDecryptError: the server's key is missing or changed.
        """
        self.ensure_one()
        return self.env["integration.credential"]._get_value(self, key, required=required)

    def _pause_for_auth(self, message):
        """Stop claiming this store's jobs until new credentials are saved; flag the store and
        emit StoreConnectionFailed (activity log and managers' notice), once per pause.

        In SQL, so that of concurrent workers hitting the same refusal only the first one pauses
        and notifies, and so that no worker's job transaction fails on the store row.

        :param message: why (the platform's refusal); redacted here again with each store's
            secrets, then cut, as every message that is stored.
        """
        if not self:
            return
        Credential = self.env["integration.credential"]
        messages = {store.id: safe_message(message, Credential._store_secrets(store)) for store in self}
        reasons = {store_id: safe_message(text, (), limit=_PAUSE_REASON_LIMIT)
                   for store_id, text in messages.items()}
        self.env.cr.execute(
            """UPDATE connector_store AS store SET paused = TRUE, paused_reason = reason.text
                 FROM (SELECT UNNEST(%s::int[]) AS id, UNNEST(%s::text[]) AS text) AS reason
                WHERE store.id = reason.id AND store.paused IS NOT TRUE
            RETURNING store.id""",
            [list(reasons), list(reasons.values())],
        )
        newly_paused = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.invalidate_recordset(["paused", "paused_reason"])
        # The event (models/connector_store_events.py) writes the log line and tells the managers.
        for store in newly_paused:
            store._event_store_connection_failed(messages[store.id], paused=True)

    def _resume_after_auth(self):
        """Lift an authentication pause (new credentials were saved): the store's jobs run again."""
        paused = self.filtered("paused")
        if paused:
            paused.sudo().write({"paused": False, "paused_reason": False, "consecutive_failures": 0})
            for store in paused:
                store._log_activity("auth", "done", message=_("Resumed"))
            self.env["sync.job"]._trigger_runner()

    def _record_job_outcome(self, failed):
        """Count this store's job failures in a row; a success ends the streak. When the streak
        reaches const.CONSECUTIVE_FAILURES_ALERT, the managers are notified (once per streak).

        Atomic SQL increments, so concurrent workers count every failure.

        :param failed: whether the job (attempt) failed.
        :returns: the streak after this outcome.
        """
        self.ensure_one()
        if not failed:
            self.env.cr.execute(
                "UPDATE connector_store SET consecutive_failures = 0 "
                "WHERE id = %s AND consecutive_failures <> 0",
                [self.id],
            )
            if self.env.cr.rowcount:
                self.invalidate_recordset(["consecutive_failures"])
            return 0
        self.env.cr.execute(
            "UPDATE connector_store SET consecutive_failures = COALESCE(consecutive_failures, 0) + 1 "
            "WHERE id = %s RETURNING consecutive_failures",
            [self.id],
        )
        streak = self.env.cr.fetchone()[0]
        self.invalidate_recordset(["consecutive_failures"])
        if streak == const.CONSECUTIVE_FAILURES_ALERT:
            self._notify_managers(
                _("A job of store %(store)s failed. Open its failed jobs to see why; retry it once the "
                  "cause is fixed.", store=self.name) if streak == 1 else
                _("%(count)s jobs of store %(store)s failed in a row. Open its failed jobs to see why; "
                  "retry them once the cause is fixed.", count=lang_number(self.env, streak), store=self.name)
            )
        return streak

    def _get_managers(self):
        """Active internal users of the store's company in the Store Connector Manager group:
        who is told when the store's jobs fail or its credentials are refused."""
        self.ensure_one()
        group = self.env.ref("store_connector_base.group_store_connector_manager")
        return self.env["res.users"].sudo().search([
            ("groups_id", "in", group.id),
            ("share", "=", False),
            ("company_ids", "in", self.company_id.id),
        ])

    def _notify_managers(self, message):
        """Post `message` on the store's chatter and notify its managers (Odoo inbox or e-mail,
        as each prefers).

        :param message: plain text (escaped).
        """
        for store in self:
            partners = store._get_managers().partner_id
            store.sudo().message_post(
                body=message,
                partner_ids=partners.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
            )

    def _log_activity(self, operation, status, records=0, message=None, duration=0.0, job=None):
        """Append a line to the store's activity log."""
        return self.env["store.activity.log"].sudo().create([
            {
                "store_id": store.id,
                "operation": operation,
                "status": status,
                "records": records,
                "message": message,
                "duration": duration,
                "job_id": job.id if job else False,
            }
            for store in self
        ])

    @api.model
    def _facts_text(self, info):
        """An adapter's facts ({label: value}, e.g. Test Connection's) as lines "label: value"."""
        if isinstance(info, dict):
            return "\n".join(f"{label}: {value}" for label, value in info.items())
        return str(info or "")

    def _connection_text(self, summary, facts):
        """Test Connection's answer in sentences, from the platform's labelled facts
        (`store.adapter._connection_summary`) and the store's webhooks, then the other facts one
        per line ("label: value").

        :param summary: the adapter's summary dict (see `store.adapter._connection_summary`).
        :param facts: `_test_connection`'s result ({label: value}, or anything else, shown as is).
        :returns: str, lines separated by newlines.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        about = [adapter._platform_name(self)]
        if summary.get("plan"):
            about.append(_("plan %(plan)s", plan=summary["plan"]))
        if summary.get("environment"):
            about.append(summary["environment"])
        if summary.get("currency"):
            about.append(_("currency %(currency)s", currency=summary["currency"]))
        shop = summary.get("shop") or self.shop_url or self.name
        sentences = [_("Connected to %(shop)s (%(about)s).", shop=shop, about=", ".join(about))]
        locations = summary.get("locations")
        if locations is not None:
            sentences.append(
                _("No stock location.") if not locations else _("1 stock location.") if locations == 1
                else _("%(count)s stock locations.", count=lang_number(self.env, locations))
            )
        webhooks = self._webhooks_in_place_text()
        if webhooks:
            sentences.append(webhooks)
        problems = summary.get("problems")
        lines = []
        if problems:
            # On a line of its own: what the reader has to do.
            lines.append(self._connection_advice_text(summary))
        elif problems is not None:
            sentences.append(_("Nothing to fix: the store is ready."))
        lines.insert(0, " ".join(sentences))
        details = summary.get("details", facts)
        if isinstance(details, dict):
            lines += [f"{label}: {value}" for label, value in details.items()]
        elif details:
            lines.append(str(details))
        return "\n".join(lines)

    @api.model
    def _connection_advice_text(self, summary):
        """Test Connection's advice, "To fix: ...", from the adapter's summary's problems (False
        without any)."""
        problems = summary.get("problems")
        return _("To fix: %(problems)s", problems=" ".join(problems)) if problems else False

    def _webhooks_in_place_text(self):
        """"Webhooks: 5 of 5 in place.", from the store's active subscriptions of the topics its
        platform registers; None when the platform registers none (or none by topic)."""
        self.ensure_one()
        if not self.supports_register_webhooks:
            return None
        expected = set(self._get_adapter()._webhook_registration_topics(self) or ())
        if not expected:
            return None
        active = set(self.env["store.webhook"].sudo().search([
            ("store_id", "=", self.id), ("status", "=", "active"), ("topic", "in", list(expected)),
        ]).mapped("topic"))
        if not active:
            return _("Webhooks: none of %(expected)s in place yet; click Register Webhooks.",
                     expected=len(expected))
        return _("Webhooks: %(count)s of %(expected)s in place.", count=lang_number(self.env, len(active)),
                 expected=lang_number(self.env, len(expected)))

    def _notify_user(self, message, info=None, title=None, kind="success", sticky=None, reload=False):
        """A button's answer: a notification in the corner of the screen, in sentences.

        :param message: what happened and what to do next (lines separated by newlines show as lines).
        :param info: optional {label: value} facts, one line each below the message.
        :param title: optional bold first line.
        :param kind: "success", "info", "warning" or "danger" (its colour).
        :param sticky: whether it stays until closed (default: for warnings and dangers, which ask
            the reader to act).
        :param reload: reload the view after it (the button changed what the form shows).
        :returns: the client action.
        """
        if isinstance(info, dict) and info:
            message += "\n" + self._facts_text(info)
        params = {
            "message": message,
            "type": kind,
            "sticky": kind in ("warning", "danger") if sticky is None else sticky,
            # Keeps the message's line breaks (static/src/notifications/notification.scss).
            "className": "o_store_connector_notification",
        }
        if title:
            params["title"] = title
        if reload:
            params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}

    def _webhook_url(self, kind):
        base_url = self.get_base_url()
        return f"{base_url}/api/v1/stores/{self.code}/webhooks/{kind}"
