from odoo import _, api, fields, models

from .. import order_const


class StoreCustomerBinding(models.Model):
    """The link between a platform customer and an Odoo contact, one per (store, customer id).

    Orders and customer imports match a customer through it before trying the email; when the
    store syncs customers, changes to the contact are exported through it (see res.partner).
    """

    _name = "store.customer.binding"
    _inherit = ["store.external.binding.mixin"]
    _description = "Store Customer Binding"
    _order = "id desc"
    _rec_name = "external_id"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, ondelete="cascade", index=True, check_company=True
    )
    external_id = fields.Char(string="Platform Customer ID")
    external_username = fields.Char(
        string="Platform Username", readonly=True,
        help="The customer's login name on the platform as last seen; it may change (eBay lets buyers "
             "change theirs) while the platform customer id stays.")
    last_export_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "store_external_uniq",
            "unique(store_id, external_id)",
            "A platform customer can be linked to one contact per store only.",
        ),
    ]

    @api.depends("external_id", "partner_id", "store_id")
    def _compute_display_name(self):
        for binding in self:
            binding.display_name = _(
                "%(store)s: %(partner)s (%(id)s)",
                store=binding.store_id.name or "",
                partner=binding.partner_id.display_name or "",
                id=binding.external_id,
            )

    def _enqueue_export(self):
        """Queue one export job per binding whose store syncs customers (merged while pending)."""
        jobs = self.env["sync.job"]
        for binding in self.filtered(lambda b: b.store_id.auto_sync_customers and b.store_id.active):
            jobs |= self.env["sync.job"]._enqueue(
                binding.store_id,
                order_const.OP_CUSTOMER_EXPORT,
                "_job_export_customer",
                records=binding,
                identity_key=f"{order_const.OP_CUSTOMER_EXPORT}:{binding.id}",
                direction="export",
            )
        return jobs

    def _sync_job_store_records(self, store):
        """Jobs of a store export its own customer bindings (see sync.job._target_records)."""
        return self.filtered(lambda record: record.store_id.id == store.id)

    def _job_export_customer(self, job):
        """Send the contact to the platform through `adapter._export_customer`; a platform id it
        returns replaces ours (a platform may create the customer on first export)."""
        self.ensure_one()
        store = self.store_id
        customer = self.env["store.order.importer"]._partner_to_customer(self.partner_id, self.external_id)
        result = store._get_adapter()._export_customer(store, customer) or {}
        vals = {"last_export_at": fields.Datetime.now()}
        if result.get("id") and str(result["id"]) != self.external_id:
            vals["external_id"] = str(result["id"])
        self.write(vals)
        store._log_activity(
            order_const.OP_CUSTOMER_EXPORT, "done", records=1, message=self.partner_id.display_name, job=job
        )
        return {"customer": self.external_id}
