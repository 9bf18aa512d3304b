from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class StoreTestRequest(models.Model):
    """A request a store in test mode would have sent to its platform, and did not.

    The client core (services/api_client.py) holds back every write of a store in test mode and
    raises TestModeNotSent with the request; the queue runner (or Register Webhooks) records it
    here, linked to its job, so that a merchant can read what would have gone out before going
    live. It holds no secret: the client's credentials headers and query parameters are never part
    of it and its text is redacted of the store's secrets.

    Written by the connector only (superuser), like the activity log; users read it.
    """

    _name = "store.test.request"
    _inherit = ["store.owned.mixin"]
    _description = "Test Mode Request (not sent)"
    _order = "id desc"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True,
                               readonly=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    job_id = fields.Many2one("sync.job", string="Job", ondelete="cascade", index=True, readonly=True,
                             check_company=True)
    platform_name = fields.Char(string="Platform", readonly=True)
    operation = fields.Char(readonly=True, help="What the request does, in the platform's terms.")
    method = fields.Char(string="HTTP Method", readonly=True)
    url = fields.Char(string="URL", readonly=True)
    headers = fields.Text(readonly=True, help="The request's headers, without those carrying credentials.")
    body = fields.Text(readonly=True)

    @api.depends("operation", "platform_name")
    def _compute_display_name(self):
        for request in self:
            request.display_name = _("%(operation)s (not sent to %(platform)s)",
                                     operation=request.operation or request.method or "-",
                                     platform=request.platform_name or _("the platform"))

    @api.model_create_multi
    def create(self, vals_list):
        """:raises AccessError: any caller but superuser code (the connector records what it held)."""
        if not self.env.su:
            raise AccessError(_("Test mode requests are recorded by the connector only."))
        return super().create(vals_list)

    def write(self, vals):
        """:raises AccessError: any caller but superuser code (a record of what was held stays as is)."""
        if not self.env.su:
            raise AccessError(_("Test mode requests cannot be changed."))
        return super().write(vals)
