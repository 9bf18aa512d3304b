from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .. import labels


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
    # Stored as a code (filters keep working); a selection whose values come from a method accepts any
    # code and shows each known one's label (the jobs' operations and the log's own, labels.py) in
    # filters and group-bys; `operation_label` also reads an unknown code, in lists and the form.
    operation = fields.Selection(selection="_selection_operation", required=True, index=True)
    operation_label = fields.Char(string="Operation Name", compute="_compute_operation_label")
    status = fields.Selection(
        [("done", "Done"), ("failed", "Failed"), ("info", "Info")], required=True, default="info"
    )
    records = fields.Integer(string="Records Processed")
    duration = fields.Float(help="Seconds.")
    message = fields.Text()
    job_id = fields.Many2one("sync.job", ondelete="set null", check_company=True)

    @api.model
    def _selection_operation(self):
        known = self._operation_labels()
        return sorted(known.items(), key=lambda item: item[1].casefold())

    @api.model
    def _operation_labels(self):
        """{operation code: label in the user's language}: the jobs' (sync.job._operation_labels,
        platforms' included) and the log's own (labels.ACTIVITY_LABELS)."""
        known = {code: labels.translate(self.env, label) for code, label in labels.ACTIVITY_LABELS.items()}
        known.update(self.env["sync.job"]._operation_labels())
        return known

    @api.depends("operation")
    def _compute_operation_label(self):
        known = self._operation_labels()
        for line in self:
            line.operation_label = known.get(line.operation) or labels.readable_code(line.operation)

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
