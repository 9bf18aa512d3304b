import ipaddress
import logging
import secrets
import socket
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import config

from .. import const
from ..exceptions import OperationNotPermitted

_logger = logging.getLogger(__name__)


def _new_store_code():
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

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(
        string="Webhook Key",
        required=True,
        copy=False,
        readonly=True,
        default=_new_store_code,
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
    order_prefix = fields.Char(
        help="Prefix of the platform's order number in the sale order's customer reference, e.g. WC-."
    )
    safety_stock = fields.Float(
        help="Quantity held back from the published stock; the published quantity never goes below zero."
    )

    # Automatic synchronisation, per entity.
    auto_sync_orders = fields.Boolean(string="Sync Orders", default=True)
    auto_sync_products = fields.Boolean(string="Sync Products", default=False)
    auto_sync_inventory = fields.Boolean(string="Sync Inventory", default=True)
    auto_sync_customers = fields.Boolean(string="Sync Customers", default=False)

    # What the connector may do on this store at all; see const.STORE_PERMISSIONS.
    allow_products_sync = fields.Boolean(string="Products: Sync", default=True)
    allow_orders_pull = fields.Boolean(string="Orders: Pull", default=True)
    allow_orders_push = fields.Boolean(string="Orders: Push", default=False)
    allow_inventory_sync = fields.Boolean(string="Inventory: Sync", default=True)

    credential_ids = fields.One2many("integration.credential", "store_id", groups="store_connector_base.group_store_connector_manager")
    webhook_ids = fields.One2many("store.webhook", "store_id", string="Webhooks")
    job_ids = fields.One2many("sync.job", "store_id", string="Jobs")
    log_ids = fields.One2many("store.activity.log", "store_id", string="Activity Log")

    # Health: an authentication failure pauses the store's jobs until new credentials are saved.
    paused = fields.Boolean(readonly=True, copy=False, tracking=True)
    paused_reason = fields.Char(readonly=True, copy=False)
    consecutive_failures = fields.Integer(readonly=True, copy=False)

    job_pending_count = fields.Integer(compute="_compute_job_counts")
    job_failed_count = fields.Integer(compute="_compute_job_counts")

    _sql_constraints = [
        ("code_unique", "unique(code)", "The webhook key of a store must be unique."),
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

    # ------------------------------------------------------------------ constraints
    @api.constrains("shop_url")
    def _check_shop_url(self):
        for store in self.filtered("shop_url"):
            store._validate_shop_url(store.shop_url)

    @api.model
    def _validate_shop_url(self, url):
        """Refuse anything but a public https address (SSRF guard).

        Private, loopback, link-local and reserved addresses are refused unless the server runs
        with `store_connector_allow_private_urls = True` (tests and the demo simulators).

        :raises ValidationError: with the reason.
        """
        parts = urlsplit(url or "")
        allow_private = config.get(const.CONFIG_ALLOW_PRIVATE_URLS) in (True, "True", "true", "1")
        if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
            raise ValidationError(_("The shop URL %(url)s must start with https://.", url=url))
        host = parts.hostname
        if not host:
            raise ValidationError(_("The shop URL %(url)s has no host name.", url=url))
        if allow_private:
            return
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
            addresses = {info[4][0] for info in infos}
        except (socket.gaierror, UnicodeError):
            # Unresolvable now (no network, typo): only literal addresses can be judged here;
            # the client re-checks the resolved address before every connection.
            addresses = {host}
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%")[0])
            except ValueError:
                continue
            if not ip.is_global:
                raise ValidationError(
                    _(
                        "The shop URL %(url)s points to a private or local address (%(ip)s). "
                        "Only public https addresses are allowed.",
                        url=url,
                        ip=ip,
                    )
                )

    # ------------------------------------------------------------------ CRUD
    def write(self, vals):
        res = super().write(vals)
        if "active" in vals:
            # Inactive stores run nothing; reactivating wakes the queue for what was left.
            self.env["sync.job"]._trigger_runner()
        return res

    # ------------------------------------------------------------------ actions (buttons)
    def action_test_connection(self):
        self.ensure_one()
        info = self._get_adapter().test_connection(self)
        self._log_activity("connection.test", "done", message=str(info or ""))
        return self._notify_user(_("Connection to %(store)s works.", store=self.name), info)

    def action_register_webhooks(self):
        self.ensure_one()
        subscriptions = self._get_adapter().register_webhooks(self)
        self._log_activity("webhooks.register", "done", records=len(subscriptions or []))
        return self._notify_user(
            _("%(count)s webhook subscriptions are in place.", count=len(subscriptions or [])), None
        )

    def action_full_sync(self):
        self.ensure_one()
        jobs = self._get_adapter().full_sync(self)
        self._log_activity("full_sync", "done", records=len(jobs or []))
        return self._notify_user(_("Full sync queued (%(count)s jobs).", count=len(jobs or [])), None)

    def action_process_queue(self):
        self.ensure_one()
        processed = self.env["sync.job"]._process_queue(store_ids=self.ids, commit=False)
        return self._notify_user(_("%(count)s jobs processed.", count=processed), None)

    def action_view_jobs(self):
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
        self._resume_after_auth()

    # ------------------------------------------------------------------ business
    @api.model
    def _find_by_code(self, code):
        """The active store whose webhook key is `code`, or an empty recordset."""
        if not code:
            return self.browse()
        return self.with_context(active_test=True).search([("code", "=", code)], limit=1)

    def _get_adapter(self):
        """The platform's adapter model (`store.adapter.<platform>`), bound to nothing: pass the store.

        :raises PlatformFeatureMissing: when no installed addon implements the platform.
        """
        self.ensure_one()
        model_name = f"store.adapter.{self.platform}"
        if model_name not in self.env:
            return self.env["store.adapter"]
        return self.env[model_name]

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

    def _get_credential(self, key, required=True):
        """The decrypted value of one of this store's credentials.

        :param key: the credential key, e.g. 'access_token'.
        :raises StoreAuthError: when required and missing or expired.
        """
        self.ensure_one()
        return self.env["integration.credential"]._get_value(self, key, required=required)

    def _pause_for_auth(self, message):
        """Stop running this store's jobs until new credentials are saved; notify its managers."""
        for store in self.filtered(lambda s: not s.paused):
            store.sudo().write({"paused": True, "paused_reason": message})
            store._log_activity("auth", "failed", message=message)
            store._notify_managers(
                _("Store %(store)s is paused: the platform refused its credentials (%(reason)s). "
                  "Save new credentials to resume its jobs.", store=store.name, reason=message)
            )

    def _resume_after_auth(self):
        paused = self.filtered("paused")
        if paused:
            paused.sudo().write({"paused": False, "paused_reason": False, "consecutive_failures": 0})
            for store in paused:
                store._log_activity("auth", "done", message=_("Resumed"))
            self.env["sync.job"]._trigger_runner()

    def _record_job_outcome(self, failed):
        """Count failures in a row; notify the managers when the streak reaches the alert threshold."""
        self.ensure_one()
        if not failed:
            if self.consecutive_failures:
                self.env.cr.execute(
                    "UPDATE connector_store SET consecutive_failures = 0 WHERE id = %s", [self.id]
                )
                self.invalidate_recordset(["consecutive_failures"])
            return
        self.env.cr.execute(
            "UPDATE connector_store SET consecutive_failures = consecutive_failures + 1 WHERE id = %s "
            "RETURNING consecutive_failures",
            [self.id],
        )
        streak = self.env.cr.fetchone()[0]
        self.invalidate_recordset(["consecutive_failures"])
        if streak == const.CONSECUTIVE_FAILURES_ALERT:
            self._notify_managers(
                _("%(count)s jobs of store %(store)s failed in a row. See its failed jobs.",
                  count=streak, store=self.name)
            )

    def _get_managers(self):
        """Internal users of the store's company in the Store Connector Manager group."""
        self.ensure_one()
        group = self.env.ref("store_connector_base.group_store_connector_manager")
        return self.env["res.users"].sudo().search([
            ("groups_id", "in", group.id),
            ("share", "=", False),
            ("company_ids", "in", self.company_id.id),
        ])

    def _notify_managers(self, message):
        """Post `message` on the store and notify its managers in their Odoo inbox."""
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

    def _notify_user(self, title, info):
        message = title
        if isinstance(info, dict) and info:
            message += "\n" + "\n".join(f"{k}: {v}" for k, v in info.items())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False},
        }

    def _webhook_url(self, kind):
        base_url = self.get_base_url()
        return f"{base_url}/api/v1/stores/{self.code}/webhooks/{kind}"
