from odoo import _, api, fields, models
from odoo.exceptions import UserError


class StoreProductPublishWizard(models.TransientModel):
    """Publish to Store: publish (or unpublish) variants to the chosen stores in one step."""

    _name = "store.product.publish.wizard"
    _description = "Publish Products to Stores"

    product_ids = fields.Many2many("product.product", string="Variants", required=True)
    store_ids = fields.Many2many("connector.store", string="Stores", required=True)
    mode = fields.Selection(
        [("publish", "Publish"), ("unpublish", "Unpublish")], required=True, default="publish"
    )
    missing_sku_ids = fields.Many2many(
        "product.product", compute="_compute_missing_sku_ids", string="Variants without SKU"
    )

    @api.depends("product_ids")
    def _compute_missing_sku_ids(self):
        for wizard in self:
            wizard.missing_sku_ids = wizard.product_ids.filtered(lambda p: not p.default_code)

    @api.model
    def _open_for(self, products):
        """The wizard's window for `products` (product.product records)."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Publish to Store"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_product_ids": [(6, 0, products.ids)]},
        }

    def action_apply(self):
        self.ensure_one()
        if not self.store_ids:
            raise UserError(_("Choose at least one store."))
        count = 0
        for store in self.store_ids:
            if self.mode == "publish":
                count += len(store._publish_products(self.product_ids))
            else:
                count += len(store._unpublish_products(self.product_ids))
        if self.mode == "publish":
            message = (_("1 variant published: it is exported in the background.") if count == 1
                       else _("%(count)s variants published: they are exported in the background.",
                              count=count))
            if count:
                message = self.store_ids._test_mode_queued_note(message)
        else:
            message = (_("1 variant unpublished.") if count == 1
                       else _("%(count)s variants unpublished.", count=count))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False,
                       # Keeps the message's line breaks (static/src/notifications/notification.scss).
                       "className": "o_store_connector_notification",
                       "next": {"type": "ir.actions.act_window_close"}},
        }
