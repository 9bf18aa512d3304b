from odoo import _, api, fields, models

from .. import order_const


class StoreOrderBinding(models.Model):
    """The link between a platform order and its Odoo sale order (OCA connector's binding).

    One binding per (store, platform order id): the importer finds the order it made before
    through it, compares the platform's updated-at to ignore older payloads, and keeps the last
    payload so that a re-import can tell whether the lines changed.
    """

    _name = "store.order.binding"
    _inherit = ["store.external.binding.mixin"]
    _description = "Store Order Binding"
    _order = "platform_updated_at desc, id desc"
    _rec_name = "external_number"

    order_id = fields.Many2one(
        "sale.order", string="Sale Order", required=True, ondelete="cascade", index=True, check_company=True
    )
    external_id = fields.Char(string="Platform Order ID")
    external_number = fields.Char(string="Platform Number")
    platform_status = fields.Char(help="The order's status on the platform, as the platform names it.")
    platform_stage = fields.Selection(
        order_const.ORDER_STAGES,
        string="Stage",
        help="What the platform status means, through the store's status mapping.",
    )
    platform_created_at = fields.Datetime(string="Created on Platform")
    platform_updated_at = fields.Datetime(
        help="Payloads older than this (or as old) are ignored: webhooks and pulls arrive out of order.",
    )
    platform_total = fields.Monetary(currency_field="currency_id", help="Total as the platform states it.")
    marketplace_tax = fields.Monetary(
        string="Tax Collected by the Marketplace", currency_field="currency_id",
        help="Tax the marketplace collected from the buyer and remits to the tax authorities itself "
             "(eBay's collect and remit taxes). It is not the seller's revenue: the sale order's total "
             "leaves it out, and it is kept here for reference.")
    currency_id = fields.Many2one("res.currency")
    payment_method = fields.Char(help="The platform's payment gateway code.")
    payment_journal_id = fields.Many2one(
        "account.journal", check_company=True,
        help="Journal the store's payment mapping gives for this order's gateway.",
    )
    lines_fingerprint = fields.Char(readonly=True, help="Hash of the lines of the last payload.")
    # The platform's order as imported: the customer's name, e-mail and addresses. Managers only,
    # like a delivery's body and a job's payload.
    last_payload = fields.Json(readonly=True, copy=False,
                               groups="store_connector_base.group_store_connector_manager")
    last_import_at = fields.Datetime(readonly=True)
    # What Odoo last set on the platform (connector's own writes, see the platform's
    # _update_order_status): the platform's echo of that change is recognised by them.
    status_pushed = fields.Char(
        string="Status Sent", readonly=True, copy=False,
        help="The platform status Odoo last set on the order.")
    status_pushed_at = fields.Datetime(
        string="Status Sent Update Time", readonly=True, copy=False,
        help="The order's update time on the platform right after Odoo set its status: a webhook "
             "with this time and status is the platform's echo of Odoo's own change.")
    # Refunds already recorded on the sale order (connector.store._event_order_refunded): a
    # platform that lists an order's refunds with every update records each once.
    refund_ids_recorded = fields.Json(string="Refunds Recorded", readonly=True, copy=False)

    _sql_constraints = [
        (
            "store_external_uniq",
            "unique(store_id, external_id)",
            "A platform order can be linked to one sale order per store only.",
        ),
    ]

    @api.depends("external_number", "store_id")
    def _compute_display_name(self):
        for binding in self:
            binding.display_name = _(
                "%(store)s #%(number)s",
                store=binding.store_id.name or "",
                number=binding.external_number or binding.external_id,
            )
