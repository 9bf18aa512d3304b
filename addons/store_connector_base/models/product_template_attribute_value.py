from odoo import models


class ProductTemplateAttributeValue(models.Model):
    """An attribute value's price extra is part of its variants' price: a store that sends the price
    exports the product again (see store.product.binding._on_products_changed)."""

    _inherit = "product.template.attribute.value"

    def write(self, vals):
        res = super().write(vals)
        self.env["store.product.binding"]._on_products_changed(self, vals)
        return res
