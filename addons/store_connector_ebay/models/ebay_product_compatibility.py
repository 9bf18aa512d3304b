from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EbayProductCompatibility(models.Model):
    """One vehicle a motor part fits, sent with the product's eBay listings as product
    compatibility (PUT /inventory_item/{sku}/product_compatibility: Year, Make, Model, Engine)."""

    _name = "ebay.product.compatibility"
    _description = "eBay Parts Compatibility"
    _order = "product_tmpl_id, make, model, year, id"
    _check_company_auto = True

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, ondelete="cascade", index=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="product_tmpl_id.company_id", store=True, index=True)
    year = fields.Char(help="e.g. 2019")
    make = fields.Char(help="e.g. Toyota")
    model = fields.Char(help="e.g. Corolla")
    engine = fields.Char(help="e.g. 1.8L 1798CC l4 GAS DOHC Naturally Aspirated")
    notes = fields.Char(help="Fitment notes shown to buyers, e.g. Front axle only.")

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        self.env["product.template"]._ebay_export_listing_changes(rows.product_tmpl_id)
        return rows

    def write(self, vals):
        result = super().write(vals)
        self.env["product.template"]._ebay_export_listing_changes(self.product_tmpl_id)
        return result

    def unlink(self):
        templates = self.product_tmpl_id
        result = super().unlink()
        self.env["product.template"]._ebay_export_listing_changes(templates)
        return result

    @api.constrains("year", "make", "model", "engine")
    def _check_some_property(self):
        for row in self:
            if not any((row.year, row.make, row.model, row.engine)):
                raise ValidationError(_(
                    "A compatibility line of %(product)s names no vehicle: fill at least its Make and Model.",
                    product=row.product_tmpl_id.display_name,
                ))
