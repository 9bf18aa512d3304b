from odoo import fields, models


class ProductTemplate(models.Model):
    """The Store Channels tab of a product: the bindings of its variants and the stores it is
    published to. Publishing a product publishes all its active variants."""

    _name = "product.template"
    _inherit = ["product.template", "store.channel.mixin"]

    store_binding_ids = fields.One2many(
        "store.product.binding", "product_tmpl_id", string="Store Bindings",
        groups="store_connector_base.group_store_connector_user",
    )
    published_store_ids = fields.Many2many(
        help="The stores this product is published to. Adding a store publishes all its variants "
        "there, removing one unpublishes them.",
    )

    def write(self, vals):
        res = super().write(vals)
        # A field a store sends changed (name, sales price, description...): export it again.
        self.env["store.product.binding"]._on_products_changed(self, vals)
        return res

    def _store_channel_variants(self, include_archived=False):
        self.ensure_one()
        return self.with_context(active_test=not include_archived).product_variant_ids
