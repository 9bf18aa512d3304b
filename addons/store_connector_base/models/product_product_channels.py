from odoo import _, api, fields, models

from ..exceptions import OperationNotPermitted


class ProductProduct(models.Model):
    """A variant's store channels: its bindings, the stores it is published to, publishing and
    archiving (which archives it on the stores too)."""

    _name = "product.product"
    _inherit = ["product.product", "store.channel.mixin"]

    store_binding_ids = fields.One2many(
        "store.product.binding", "product_id", string="Store Bindings",
        groups="store_connector_base.group_store_connector_user",
    )

    def _store_channel_variants(self, include_archived=False):
        return self

    @api.constrains("default_code")
    def _check_store_sku(self):
        """A published variant keeps an SKU, unique in each of its stores (the constraint lives on the
        binding; changing the SKU here checks it again)."""
        bindings = self.env["store.product.binding"].sudo().search([("product_id", "in", self.ids)])
        bindings._check_sku()

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        # A variant added to a published product is published with it (once it has an SKU).
        self.env["store.product.binding"]._on_products_changed(products, new_variants=products)
        return products

    def write(self, vals):
        # Variants without an SKU could not be published: given one, they follow their product.
        no_sku = self.filtered(lambda p: not p.default_code) if vals.get("default_code") else self.browse()
        toggled = self.filtered(lambda p: p.active != bool(vals["active"])) if "active" in vals else None
        res = super().write(vals)
        if toggled:
            toggled._store_active_changed(bool(vals["active"]))
        self.env["store.product.binding"]._on_products_changed(self, vals, new_variants=no_sku)
        return res

    def _store_active_changed(self, active):
        """Archiving a variant archives it on its stores; restoring it publishes it again. The export
        is queued for the stores that sync products automatically (refused clearly when such a store
        of a company the user works in does not permit products.sync); the others get it with their
        next Export Products.

        A store of another company (a shared product) never stands in the way: its settings are
        not this user's to change, nor its name theirs to read. When it does not permit
        products.sync, its bindings wait for an export and its activity log says why.
        """
        Binding = self.env["store.product.binding"].sudo()
        bindings = Binding.search([("product_id", "in", self.ids), ("store_id.active", "=", True)])
        if active:
            targets = bindings.filtered(lambda b: b.platform_status == "archived")
            status, operation = "active", "products.export"
        else:
            targets = bindings.filtered(lambda b: b.platform_status != "archived")
            status, operation = "archived", "products.archive"
        by_store = targets.grouped("store_id")
        own_companies = self.env.user.company_ids
        for store, store_bindings in by_store.items():
            if store.auto_sync_products:
                try:
                    store._check_operation_allowed("products.sync")
                except OperationNotPermitted as exc:
                    if store.company_id in own_companies:
                        raise
                    store_bindings._set_platform_status(status)
                    store._log_activity(operation, "info", records=len(store_bindings), message=_(
                        "Changed in Odoo by a user of another company, not sent to the store: "
                        "%(skus)s. %(reason)s",
                        skus=", ".join(b._label() for b in store_bindings), reason=exc.args[0],
                    ))
                    continue
            store_bindings._set_platform_status(status)
            store._enqueue_product_sync(store_bindings, operation)
