from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import order_const


class StoreOrderStatusMap(models.Model):
    """One line of a store's order status mapping, editable by the merchant.

    Inbound lines say what a platform status means (platform status -> stage); outbound lines say
    which platform status to set when the order reaches a stage in Odoo (stage -> platform status).
    Defaults come from the platform adapter's `_default_status_mapping`.
    """

    _name = "store.order.status.map"
    _inherit = ["store.owned.mixin"]
    _description = "Store Order Status Mapping"
    _order = "store_id, direction, sequence, id"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    direction = fields.Selection(
        [("inbound", "Platform to Odoo"), ("outbound", "Odoo to Platform")], required=True, default="inbound"
    )
    platform_status = fields.Char(required=True)
    stage = fields.Selection(order_const.ORDER_STAGES, required=True)

    @api.constrains("store_id", "direction", "platform_status", "stage")
    def _check_unique(self):
        for line in self:
            if line.direction == "inbound":
                domain = [("platform_status", "=", line.platform_status)]
                what = _("platform status %(status)s", status=line.platform_status)
            else:
                domain = [("stage", "=", line.stage)]
                what = _("stage %(stage)s", stage=dict(order_const.ORDER_STAGES)[line.stage])
            duplicate = self.search_count(
                domain
                + [
                    ("store_id", "=", line.store_id.id),
                    ("direction", "=", line.direction),
                    ("id", "!=", line.id),
                ],
                limit=1,
            )
            if duplicate:
                raise ValidationError(
                    _("Store %(store)s maps %(what)s twice.", store=line.store_id.name, what=what)
                )
