from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class StoreActivityLog(models.Model):
    """What happened on a store, for people: syncs, connection tests, pauses, notable failures.

    An audit trail: the connector's code writes it (as superuser, `connector.store._log_activity`);
    users read it. No access rule grants create, write or unlink, and `create`/`write` refuse any
    caller but superuser code.
    """

    _name = "store.activity.log"
    _inherit = ["store.owned.mixin"]
    _description = "Store Activity Log"
    _order = "id desc"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    operation = fields.Char(required=True, index=True)
    status = fields.Selection(
        [("done", "Done"), ("failed", "Failed"), ("info", "Info")], required=True, default="info"
    )
    records = fields.Integer(string="Records Processed")
    duration = fields.Float(help="Seconds.")
    message = fields.Text()
    job_id = fields.Many2one("sync.job", ondelete="set null", check_company=True)

    @api.model_create_multi
    def create(self, vals_list):
        """:raises AccessError: any caller but superuser code (the connector logs what happened)."""
        if not self.env.su:
            raise AccessError(_("The activity log is written by the connector only."))
        return super().create(vals_list)

    def write(self, vals):
        """:raises AccessError: any caller but superuser code (what happened stays as logged)."""
        if not self.env.su:
            raise AccessError(_("The activity log cannot be changed."))
        return super().write(vals)
