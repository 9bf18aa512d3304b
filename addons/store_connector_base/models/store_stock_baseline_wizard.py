from odoo import Command, _, api, fields, models


class StoreStockBaselineWizard(models.TransientModel):
    """Choose Stock Baseline: the platform's quantities of every published SKU next to Odoo's on
    hand and what Odoo would publish, with totals, and the two ways to line them up: import the
    platform's quantities into Odoo, or publish Odoo's.

    For Store Connector Managers: importing is an inventory adjustment of the company's stock.
    The lines only show; what an import writes is read from the platform again when it runs.
    """

    _name = "store.stock.baseline.wizard"
    _inherit = ["store.owned.mixin"]
    _description = "Choose a Store's Stock Baseline"

    store_id = fields.Many2one("connector.store", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    current_baseline = fields.Selection(related="store_id.stock_baseline", string="Current Baseline")
    line_ids = fields.One2many("store.stock.baseline.wizard.line", "wizard_id", string="Quantities",
                               readonly=True)
    line_count = fields.Integer(compute="_compute_totals")
    refused_count = fields.Integer(compute="_compute_totals")
    total_platform_available = fields.Integer(compute="_compute_totals", string="Platform Available")
    total_odoo_on_hand = fields.Float(compute="_compute_totals", string="Odoo On Hand")
    total_odoo_published = fields.Integer(compute="_compute_totals", string="Odoo Would Publish")
    total_import_quantity = fields.Float(compute="_compute_totals", string="Odoo On Hand After Import")
    order_job_count = fields.Integer(
        compute="_compute_order_job_count",
        help="Order imports of the store still waiting or running: importing the shop's quantities waits "
        "for them.",
    )

    @api.depends("line_ids")
    def _compute_totals(self):
        for wizard in self:
            lines = wizard.line_ids
            wizard.line_count = len(lines)
            wizard.refused_count = len(lines.filtered("import_error"))
            wizard.total_platform_available = sum(lines.mapped("platform_available"))
            wizard.total_odoo_on_hand = sum(lines.mapped("odoo_on_hand"))
            wizard.total_odoo_published = sum(lines.mapped("odoo_published"))
            wizard.total_import_quantity = sum(lines.mapped("import_quantity"))

    def _compute_order_job_count(self):
        for wizard in self:
            wizard.order_job_count = len(wizard.store_id._stock_baseline_order_jobs())

    @api.model
    def _open_for(self, store):
        """Read the platform's quantities of `store` and open the window showing them.

        :raises UserError: the platform could not be read (its addon says why).
        """
        rows = store._stock_baseline_rows()
        wizard = self.create({
            "store_id": store.id,
            "line_ids": [
                Command.create({
                    "store_id": store.id,
                    "binding_id": row["binding"].id,
                    "sku": row["sku"],
                    "location_name": ", ".join(row["locations"].mapped("complete_name")),
                    "platform_available": row["platform_available"],
                    "platform_on_hand": row["platform_on_hand"] or 0,
                    "platform_reports_on_hand": row["platform_on_hand"] is not None,
                    "odoo_on_hand": row["odoo_on_hand"],
                    "odoo_published": row["odoo_published"],
                    "import_quantity": row["import_quantity"],
                    "import_error": row["error"],
                })
                for row in rows
            ],
        })
        return {
            "type": "ir.actions.act_window",
            "name": _("Stock Baseline of %(store)s", store=store.name),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    def action_import_platform(self):
        """Import the platform's quantities into Odoo (an inventory adjustment), then the store
        publishes from Odoo's stock.

        :raises AccessError: the caller is not a Store Connector Manager of the store.
        :raises UserError: some SKUs cannot be imported (nothing is written).
        """
        self.ensure_one()
        store = self.store_id
        store._check_store_manager()
        count = store._import_stock_baseline()
        if count == 1:
            return self._done(_(
                "The platform's quantities are imported into Odoo (1 quantity changed). Store "
                "%(store)s now publishes Odoo's stock.", store=store.name,
            ))
        return self._done(_(
            "The platform's quantities are imported into Odoo (%(count)s quantities changed). Store "
            "%(store)s now publishes Odoo's stock.", count=count, store=store.name,
        ))

    def action_publish_odoo(self):
        """Publish Odoo's quantities: the store's stock is sent from Odoo from now on, starting
        with a Sync Inventory.

        :raises AccessError: the caller is not a Store Connector Manager of the store.
        """
        self.ensure_one()
        store = self.store_id
        store._check_store_manager()
        jobs = store._publish_stock_baseline()
        if store.allow_inventory_sync and not jobs:
            message = _("Odoo's quantities will be published to %(store)s: no SKU is published there yet; "
                        "each product's stock is sent once it is published.", store=store.name)
        elif store.allow_inventory_sync and len(jobs) == 1:
            message = _("Odoo's quantities will be published to %(store)s: 1 stock job queued.",
                        store=store.name)
        elif store.allow_inventory_sync:
            message = _("Odoo's quantities will be published to %(store)s: %(count)s stock jobs queued.",
                        store=store.name, count=len(jobs))
        else:
            message = _("Odoo's quantities will be published to %(store)s once its permission "
                        '"Inventory: Sync" is switched on.', store=store.name)
        if jobs:
            message = store._test_mode_queued_note(message)
        return self._done(message)

    def _done(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False,
                       # Keeps the message's line breaks (static/src/notifications/notification.scss).
                       "className": "o_store_connector_notification",
                       "next": {"type": "ir.actions.act_window_close"}},
        }


class StoreStockBaselineWizardLine(models.TransientModel):
    """One SKU (at one location) of the Stock Baseline window."""

    _name = "store.stock.baseline.wizard.line"
    _inherit = ["store.owned.mixin"]
    _description = "Stock Baseline Quantity"
    _order = "sku, id"

    wizard_id = fields.Many2one("store.stock.baseline.wizard", required=True, ondelete="cascade",
                                check_company=True)
    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    binding_id = fields.Many2one("store.product.binding", string="Product Binding", required=True,
                                 ondelete="cascade", check_company=True)
    product_id = fields.Many2one(related="binding_id.product_id", string="Variant")
    sku = fields.Char(string="SKU")
    location_name = fields.Char(string="Odoo Location")
    platform_available = fields.Integer(string="Platform Available")
    platform_on_hand = fields.Integer(string="Platform On Hand")
    platform_reports_on_hand = fields.Boolean()
    odoo_on_hand = fields.Float(string="Odoo On Hand")
    odoo_published = fields.Integer(string="Odoo Would Publish")
    import_quantity = fields.Float(string="Odoo On Hand After Import",
                                   help="The platform's on hand quantity, else its available quantity.")
    import_error = fields.Char(string="Cannot Be Imported")
