from odoo import api, models
from odoo.osv import expression


class ProductPricelistItem(models.Model):
    """A price rule of a store's pricelist changed: the published products whose price it makes
    are exported again (see store.product.binding._on_prices_changed)."""

    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._store_prices_changed()
        return items

    def write(self, vals):
        # The products the rule priced before the write lose its price: they change too.
        before = self._store_price_scope()
        res = super().write(vals)
        self._store_prices_changed(before)
        return res

    def unlink(self):
        before = self._store_price_scope()
        res = super().unlink()
        self.env["store.product.binding"]._on_prices_changed(*before)
        return res

    def _store_prices_changed(self, before=None):
        pricelists, domain = self._store_price_scope()
        if before:
            pricelists |= before[0]
            domain = expression.OR([domain, before[1]])
        self.env["store.product.binding"]._on_prices_changed(pricelists, domain)

    def _store_price_scope(self):
        """(pricelists, store.product.binding domain): the pricelists of these rules and the
        bindings whose products they may price."""
        items = self.sudo()
        domains = []
        for item in items:
            if item.applied_on == "0_product_variant" and item.product_id:
                domains.append([("product_id", "=", item.product_id.id)])
            elif item.applied_on == "1_product" and item.product_tmpl_id:
                domains.append([("product_tmpl_id", "=", item.product_tmpl_id.id)])
            elif item.applied_on == "2_product_category" and item.categ_id:
                domains.append([("product_tmpl_id.categ_id", "child_of", item.categ_id.id)])
            else:
                domains.append(expression.TRUE_DOMAIN)  # a global rule prices every product
        return items.pricelist_id, expression.OR(domains) if domains else expression.FALSE_DOMAIN
