from odoo import _, api, fields, models

from ..labels import number as lang_number


class StoreInventorySyncWizard(models.TransientModel):
    """Confirm Sync Inventory: opened by the store's Sync Inventory button instead of queueing the
    sync when it would lower many SKUs from a positive quantity on the platform to 0 (see
    connector.store._inventory_zeroing_needs_confirmation), listing them. A shop whose stock was
    never counted in Odoo would otherwise be emptied in one click.
    """

    _name = "store.inventory.sync.wizard"
    _inherit = ["store.owned.mixin"]
    _description = "Confirm Sync Inventory"

    store_id = fields.Many2one("connector.store", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    line_ids = fields.One2many("store.inventory.sync.wizard.line", "wizard_id", string="SKUs to Lower to 0",
                               readonly=True)
    zeroing_count = fields.Integer(string="SKUs Set to 0", readonly=True)
    published_count = fields.Integer(string="SKUs Published", readonly=True)
    summary = fields.Char(compute="_compute_summary")

    @api.depends("zeroing_count", "published_count", "store_id")
    def _compute_summary(self):
        for wizard in self:
            store, count, published = wizard.store_id.name, wizard.zeroing_count, wizard.published_count
            if count == published == 1:
                text = _(
                    "Sync Inventory would set the only SKU published to %(store)s to 0 on the platform, "
                    "where it has stock now: customers could no longer buy it.", store=store,
                )
            elif count == 1:
                text = _(
                    "Sync Inventory would set 1 of the %(published)s SKUs published to %(store)s to 0 on "
                    "the platform, where it has stock now: customers could no longer buy it.",
                    published=published, store=store,
                )
            else:
                text = _(
                    "Sync Inventory would set %(count)s of the %(published)s SKUs published to %(store)s "
                    "to 0 on the platform, where they have stock now: customers could no longer buy them.",
                    count=lang_number(self.env, count), published=lang_number(self.env, published),
                    store=store,
                )
            wizard.summary = text

    @api.model
    def _open_for(self, store, bindings, published_count):
        """The window asking to confirm Sync Inventory of `store`, which would set `bindings` to 0.

        Created as the caller, so that only they (in the store's company) can see and confirm it.

        :param store: a connector.store record.
        :param bindings: store.product.binding records of `store` whose quantity would become 0.
        :param published_count: how many SKUs the store publishes.
        :returns: the window action.
        """
        wizard = self.create({
            "store_id": store.id,
            "zeroing_count": len(bindings),
            "published_count": published_count,
            "line_ids": [
                fields.Command.create({
                    "store_id": store.id,
                    "binding_id": binding.id,
                    "platform_quantity": binding.inventory_quantity,
                    "new_quantity": 0,
                })
                # Variants bound by their platform id without SKU come first, as the list shows them.
                for binding in bindings.sorted(lambda b: (b.sku or "", b.id))
            ],
        })
        return {
            "type": "ir.actions.act_window",
            "name": _("Sync Inventory of %(store)s?", store=store.name),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        """Confirm: queue Sync Inventory of the store, as its button would without asking.

        :raises AccessError: the caller is not a Store Connector User of the store's company (or
            this window is not theirs: the record rules refuse it).
        :raises OperationNotPermitted: the store no longer permits inventory.sync.
        """
        self.ensure_one()
        self.check_access("write")
        store = self.store_id
        store._check_store_user()
        store._check_operation_allowed("inventory.sync")
        action = store._queue_inventory_sync()
        action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action


class StoreInventorySyncWizardLine(models.TransientModel):
    """One SKU that a confirmed Sync Inventory would set to 0 on the platform."""

    _name = "store.inventory.sync.wizard.line"
    _inherit = ["store.owned.mixin"]
    _description = "SKU Set to 0 by Sync Inventory"
    _order = "sku, id"

    wizard_id = fields.Many2one(
        "store.inventory.sync.wizard", required=True, ondelete="cascade", check_company=True
    )
    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    binding_id = fields.Many2one(
        "store.product.binding", required=True, ondelete="cascade", check_company=True
    )
    sku = fields.Char(string="SKU", related="binding_id.sku")
    product_id = fields.Many2one(related="binding_id.product_id", string="Product")
    platform_quantity = fields.Integer(string="Platform Quantity",
                                       help="The quantity on the platform now: the quantity last sent there.")
    new_quantity = fields.Integer(string="New Quantity")
