from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..services import product_mapper


class StoreFieldMapping(models.Model):
    """Which Odoo product field fills which platform field, per store, with an optional transform.

    Extra product data (brand, model, year, part number, compatibility, dimensions...) reaches the
    platform without code: map the field, name the platform field or attribute. Name, SKU, barcode,
    price, weight and description are mapped when the store is created (see
    `store.adapter._default_field_mappings`); the mappings stay editable.
    """

    _name = "store.field.mapping"
    _inherit = ["store.owned.mixin"]
    _description = "Store Product Field Mapping"
    _order = "store_id, sequence, id"

    store_id = fields.Many2one("connector.store", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Odoo Field",
        required=True,
        ondelete="cascade",
        domain="[('model', '=', 'product.product'), "
        "('ttype', 'not in', ('binary', 'one2many', 'reference'))]",
        help="A field of the product variant (the product's own fields included).",
    )
    field_name = fields.Char(related="field_id.name", string="Technical Name")
    platform_field = fields.Char(
        required=True,
        help="The platform's field or attribute name. title, description, sku, barcode, price and weight "
        "fill the product's main fields; any other name is sent as an extra field or attribute.",
    )
    transform = fields.Selection(product_mapper.TRANSFORMS, required=True, default="none")
    format_string = fields.Char(
        help="For the format transform: the text to send, with {value} for the value."
    )

    _sql_constraints = [
        ("store_platform_field_uniq", "unique(store_id, platform_field)",
         "A platform field is filled by one mapping per store."),
    ]

    @api.constrains("field_id")
    def _check_field_model(self):
        for mapping in self:
            if mapping.field_id.model != "product.product":
                raise ValidationError(_(
                    "Field %(field)s is not a product field: map fields of Product Variant only.",
                    field=mapping.field_id.display_name,
                ))

    @api.constrains("transform", "format_string")
    def _check_format_string(self):
        for mapping in self.filtered(lambda m: m.transform == "format"):
            try:
                product_mapper.check_format_string(mapping.format_string)
            except product_mapper.MappingError as exc:
                raise ValidationError(str(exc)) from None

    def _mapper_specs(self):
        """The active mappings as the pure mapper takes them (see product_mapper.map_fields)."""
        Product = self.env["product.product"]
        specs = []
        for mapping in self.filtered("active"):
            field = Product._fields.get(mapping.field_id.name)
            if field is None:
                continue
            specs.append({
                "field": field.name,
                "platform_field": mapping.platform_field,
                "transform": mapping.transform,
                "format": mapping.format_string,
                # Fields the variant inherits from its template are the same for every variant.
                "level": product_mapper.mapping_level(mapping.platform_field, bool(field.inherited)),
            })
        return specs
