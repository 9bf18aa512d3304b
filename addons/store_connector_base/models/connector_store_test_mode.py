"""Test mode of a store: every pipeline runs up to the platform call, writes are not sent.

A store in test mode (``test_mode``) reads from its platform as usual (orders, products, stock are
imported) but the client core (services/api_client.py) holds back every request that would change
something there, whatever the pipeline: stock and price exports, product exports, fulfillments,
order status pushes, webhook registration. The held request is recorded (store.test.request, on
the job that made it) and the job ends done with "Test mode: not sent"; the job's work is rolled
back, so nothing is marked as published or sent, and the first change after test mode is switched
off is sent for real.

Only Store Connector managers switch test mode (checked on the server, in `write`).
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..exceptions import TestModeNotSent
from ..labels import number as lang_number
from .connector_store import MANAGER_GROUP


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    test_mode = fields.Boolean(
        string="Test Mode", default=False, copy=False, tracking=True,
        help="In test mode the store reads from its platform as usual, but nothing that would change the "
        "platform is sent: each such request is recorded on its job instead. Switch it off to go live.",
    )
    test_mode_banner = fields.Char(compute="_compute_test_mode_banner")
    test_request_ids = fields.One2many("store.test.request", "store_id", string="Test Mode Requests")
    test_request_count = fields.Integer(compute="_compute_test_request_count")

    @api.depends("test_mode", "platform")
    def _compute_test_mode_banner(self):
        labels = dict(self._fields["platform"]._description_selection(self.env))
        for store in self:
            store.test_mode_banner = store.test_mode and _(
                "Test mode: nothing is sent to %(platform)s. Orders and products are still imported; "
                "what would have been sent is recorded on each job. Switch Test Mode off to go live.",
                platform=labels.get(store.platform) or _("the platform"),
            )

    def _compute_test_request_count(self):
        counts = dict(self.env["store.test.request"]._read_group(
            [("store_id", "in", self.ids)], ["store_id"], ["__count"]))
        for store in self:
            store.test_request_count = counts.get(store._origin, 0)

    def write(self, vals):
        if "test_mode" in vals and not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Store Connector managers can switch a store's test mode."))
        return super().write(vals)

    def action_view_test_requests(self):
        """The requests this store held back in test mode."""
        self._check_store_user()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Not Sent (Test Mode)"),
            "res_model": "store.test.request",
            "view_mode": "list,form",
            "domain": [("store_id", "=", self.id)],
            "context": {"create": False},
        }

    def _test_mode_queued_note(self, message):
        """`message` of a button that queued writes (exports, Sync Inventory, Publish, Repair),
        followed by what test mode does with them when some of these stores are in test mode: the
        jobs run and record the requests they would have sent, nothing reaches the platform.

        :returns: the message, with the note on a line of its own when it applies.
        """
        in_test_mode = self.filtered("test_mode")
        if not in_test_mode:
            return message
        if len(in_test_mode) == 1:
            note = _("Test mode: nothing is sent to the platform of %(store)s. Each job records the request "
                     "it would have sent (Not Sent on the store); switch Test Mode off to go live.",
                     store=in_test_mode.name)
        else:
            note = _("Test mode: nothing is sent to the platforms of %(stores)s. Each job records the "
                     "request it would have sent (Not Sent on each store); switch Test Mode off to go live.",
                     stores=", ".join(in_test_mode.mapped("name")))
        return f"{message}\n{note}"

    def action_register_webhooks(self):
        """Register Webhooks; in test mode nothing is registered on the platform: the first request
        it would have sent is recorded, and the notification says so."""
        self._check_store_manager()
        if not (len(self) == 1 and self.test_mode):
            return super().action_register_webhooks()
        self._check_platform_feature("register_webhooks", _("Register Webhooks"))
        subscriptions, held = self._test_mode_register_webhooks()
        if not held:
            if len(subscriptions) == 1:
                return self._notify_user(_(
                    "Test mode: 1 webhook subscription was already in place; nothing was sent to the "
                    "platform."), None)
            return self._notify_user(_(
                "Test mode: %(count)s webhook subscriptions were already in place; nothing was sent to "
                "the platform.", count=lang_number(self.env, len(subscriptions))), None)
        return self._notify_user(_(
            "Test mode: no webhook was registered on the platform. The request it would have sent "
            "(%(operation)s) is recorded under Not Sent; switch Test Mode off, then register again.",
            operation=held.operation), None)

    def _register_platform_webhooks(self, topics=None):
        if not (len(self) == 1 and self.test_mode):
            return super()._register_platform_webhooks(topics=topics)
        return self._test_mode_register_webhooks(topics=topics)[0]

    def _test_mode_register_webhooks(self, topics=None):
        """Register Webhooks of a store in test mode: its adapter runs until its first write, which
        the client holds back; what it did before is rolled back (no subscription is recorded that
        the platform does not have) and the held request is recorded.

        :returns: (store.webhook records registered, store.test.request held or an empty record).
        """
        try:
            with self.env.cr.savepoint():
                return super()._register_platform_webhooks(topics=topics), self.env["store.test.request"]
        except TestModeNotSent as exc:
            job = self.env["sync.job"].browse(self.env.context.get("sync_job_id")).exists()
            held = self._record_test_request(exc, job=job or None)
            self._log_activity("webhooks.register", "info", message=str(exc))
            return self.env["store.webhook"], held

    def _record_test_request(self, exc, job=None):
        """Record the request a TestModeNotSent carries (after its transaction or savepoint rolled
        back), linked to `job`. :returns: the store.test.request."""
        self.ensure_one()
        vals = {key: value for key, value in exc.request_vals.items()
                if key in self.env["store.test.request"]._fields}
        return self.env["store.test.request"].sudo().create(
            [{**vals, "store_id": self.id, "job_id": job.id if job else False}])


class SyncJob(models.Model):
    _inherit = "sync.job"

    test_request_ids = fields.One2many("store.test.request", "job_id", string="Not Sent (Test Mode)")
    # A job stops at its first held request, so it has at most one: shown on its form.
    test_request_id = fields.Many2one("store.test.request", compute="_compute_test_request",
                                      string="Request Not Sent")
    test_request_operation = fields.Char(compute="_compute_test_request")
    test_request_method = fields.Char(compute="_compute_test_request")
    test_request_url = fields.Char(compute="_compute_test_request")
    test_request_headers = fields.Text(compute="_compute_test_request")
    test_request_body = fields.Text(compute="_compute_test_request")
    test_request_platform = fields.Char(compute="_compute_test_request")

    @api.depends("test_request_ids")
    def _compute_test_request(self):
        for job in self:
            request = job.test_request_ids[:1]
            job.test_request_id = request
            job.test_request_operation = request.operation
            job.test_request_method = request.method
            job.test_request_url = request.url
            job.test_request_headers = request.headers
            job.test_request_body = request.body
            job.test_request_platform = request.platform_name
