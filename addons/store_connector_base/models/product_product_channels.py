from odoo import api, fields, models


class ProductProduct(models.Model):
    """A variant's store channels: its bindings, the stores it is published to, publishing and
    archiving (which archives it on the stores too)."""

    _inherit = "product.product"

    store_binding_ids = fields.One2many(
        "store.product.binding", "product_id", string="Store Bindings",
        groups="store_connector_base.group_store_connector_user",
    )
    published_store_ids = fields.Many2many(
        "connector.store",
        string="Published to Stores",
        compute="_compute_published_store_ids",
        inverse="_inverse_published_store_ids",
        search="_search_published_store_ids",
        groups="store_connector_base.group_store_connector_user",
        help="The stores this variant is published to. Adding a store publishes it there, removing "
        "one unpublishes it.",
    )

    @api.depends("store_binding_ids.platform_status", "store_binding_ids.store_id")
    def _compute_published_store_ids(self):
        for product in self:
            product.published_store_ids = product.store_binding_ids.filtered(
                lambda b: b.platform_status == "active"
            ).store_id

    def _inverse_published_store_ids(self):
        for product in self:
            current = product.store_binding_ids.filtered(lambda b: b.platform_status == "active").store_id
            for store in product.published_store_ids - current:
                store._publish_products(product)
            for store in current - product.published_store_ids:
                store._unpublish_products(product)

    def _search_published_store_ids(self, operator, value):
        return [("store_binding_ids", "any", [("store_id", operator, value), ("platform_status", "=", "active")])]

    @api.constrains("default_code")
    def _check_store_sku(self):
        """A published variant keeps an SKU, unique in each of its stores (the constraint lives on the
        binding; changing the SKU here checks it again)."""
        bindings = self.env["store.product.binding"].sudo().search([("product_id", "in", self.ids)])
        bindings._check_sku()

    def write(self, vals):
        if "active" not in vals:
            return super().write(vals)
        changed = self.filtered(lambda p: p.active != bool(vals["active"]))
        res = super().write(vals)
        if changed:
            changed._store_active_changed(bool(vals["active"]))
        return res

    def _store_active_changed(self, active):
        """Archiving a variant archives it on its stores; restoring it publishes it again. The export
        is queued for the stores that sync products automatically (refused clearly when such a store
        does not permit products.sync); the others get it with their next Export Products."""
        Binding = self.env["store.product.binding"].sudo()
        bindings = Binding.search([("product_id", "in", self.ids), ("store_id.active", "=", True)])
        if active:
            targets = bindings.filtered(lambda b: b.platform_status == "archived")
            status, operation = "active", "products.export"
        else:
            targets = bindings.filtered(lambda b: b.platform_status != "archived")
            status, operation = "archived", "products.archive"
        by_store = targets.grouped("store_id")
        for store, store_bindings in by_store.items():
            if store.auto_sync_products:
                store._check_operation_allowed("products.sync")
            store_bindings._set_platform_status(status)
            store._enqueue_product_sync(store_bindings, operation)

    def action_open_store_publish_wizard(self):
        """Publish to Store: choose the stores this variant goes to."""
        return self.env["store.product.publish.wizard"]._open_for(self)
