from odoo import fields, models


class StoreActivityLog(models.Model):
    """What happened on a store, for people: syncs, connection tests, pauses, notable failures."""

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
