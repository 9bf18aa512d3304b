from odoo import api, fields, models


class ProductTemplate(models.Model):
    """The Store Channels tab of a product: the bindings of its variants and the stores it is
    published to. Publishing a product publishes all its active variants."""

    _inherit = "product.template"

    store_binding_ids = fields.One2many(
        "store.product.binding", "product_tmpl_id", string="Store Bindings",
        groups="store_connector_base.group_store_connector_user",
    )
    published_store_ids = fields.Many2many(
        "connector.store",
        string="Published to Stores",
        compute="_compute_published_store_ids",
        inverse="_inverse_published_store_ids",
        search="_search_published_store_ids",
        groups="store_connector_base.group_store_connector_user",
        help="The stores this product is published to. Adding a store publishes all its variants "
        "there, removing one unpublishes them.",
    )

    @api.depends("store_binding_ids.platform_status", "store_binding_ids.store_id")
    def _compute_published_store_ids(self):
        for template in self:
            template.published_store_ids = template.store_binding_ids.filtered(
                lambda b: b.platform_status == "active"
            ).store_id

    def _inverse_published_store_ids(self):
        for template in self:
            current = template.store_binding_ids.filtered(lambda b: b.platform_status == "active").store_id
            for store in template.published_store_ids - current:
                store._publish_products(template.product_variant_ids)
            for store in current - template.published_store_ids:
                store._unpublish_products(template.with_context(active_test=False).product_variant_ids)

    def _search_published_store_ids(self, operator, value):
        return [("store_binding_ids", "any", [("store_id", operator, value), ("platform_status", "=", "active")])]

    def action_open_store_publish_wizard(self):
        """Publish to Store: choose the stores this product's variants go to."""
        return self.env["store.product.publish.wizard"]._open_for(self.product_variant_ids)
