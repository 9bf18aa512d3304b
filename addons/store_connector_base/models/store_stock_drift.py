from odoo import _, api, fields, models


class StoreStockDrift(models.Model):
    """A difference between the quantity a shop shows for one SKU (at one location) and what Odoo
    would publish for it now, found by the stock reconciliation (`connector.store._reconcile_stock`).

    Written by the connector only: each reconciliation updates the differences it finds again
    (keeping when they were first seen), adds the new ones and removes those that are gone.
    Repair queues the stock export of the SKUs: Odoo's quantity wins.
    """

    _name = "store.stock.drift"
    _inherit = ["store.owned.mixin"]
    _description = "Store Stock Drift"
    _order = "store_id, sku, id"
    _rec_name = "sku"

    store_id = fields.Many2one("connector.store", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)
    binding_id = fields.Many2one(
        "store.product.binding", string="Product Binding", required=True, ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one(related="binding_id.product_id", string="Variant")
    sku = fields.Char(string="SKU", required=True)
    location_id = fields.Many2one(
        "stock.location", string="Location", ondelete="cascade", check_company=True,
        help="The Odoo location the platform's quantity stands for; empty: the store's published locations.",
    )
    platform_quantity = fields.Integer(string="On the Platform", help="What the shop shows as available.")
    odoo_quantity = fields.Integer(string="In Odoo", help="What Odoo would publish now.")
    difference = fields.Integer(compute="_compute_difference", help="Odoo's quantity minus the platform's.")
    first_seen_at = fields.Datetime(
        string="Since", required=True, help="When the difference was first found."
    )
    last_checked_at = fields.Datetime(string="Last Checked", required=True)
    repair_queued_at = fields.Datetime(
        string="Repair Queued", help="When Odoo's quantity was last queued for export by Repair."
    )

    @api.depends("platform_quantity", "odoo_quantity")
    def _compute_difference(self):
        for drift in self:
            drift.difference = drift.odoo_quantity - drift.platform_quantity

    # ------------------------------------------------------------------ actions
    def action_repair(self):
        """Repair: queue the stock export of these SKUs, so that the shop shows Odoo's quantity.
        Store Connector Users may, as for Sync Inventory.

        :raises AccessError: the caller may not synchronise these stores.
        :raises OperationNotPermitted: a store does not permit inventory sync.
        """
        self.store_id._check_store_user()
        jobs = self._repair()
        skus = len(set(self.mapped("sku")))
        if not jobs:
            message = _("Nothing to repair: these SKUs need no export.")
        elif skus == 1:
            message = _("The stock of 1 SKU is queued for export; the next stock check confirms it.")
        else:
            message = _("The stock of %(count)s SKUs is queued for export; the next stock check confirms it.",
                        count=skus)
        if jobs:
            message = jobs.store_id._test_mode_queued_note(message)
        return self.env["connector.store"]._notify_user(message, kind="success" if jobs else "info")

    # ------------------------------------------------------------------ business
    def _repair(self):
        """Queue the export of these drifts' bindings (one coalescing job per SKU).

        :returns: the sync.job records.
        """
        jobs = self.env["sync.job"]
        drifts = self.sudo()
        for store, store_drifts in drifts.grouped("store_id").items():
            jobs |= store_drifts.binding_id._enqueue_inventory(store)
            store_drifts.write({"repair_queued_at": fields.Datetime.now()})
        return jobs
