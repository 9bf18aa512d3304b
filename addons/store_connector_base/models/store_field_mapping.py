from collections import defaultdict

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

from ..services import product_mapper

# Field types a mapping never sends: files, lists of child records, references to any model.
REFUSED_FIELD_TYPES = ("binary", "one2many", "reference")
# The model whose fields are mapped; the widget of the views reads its field list (fields_get).
MAPPED_MODEL = "product.product"
# The models whose writes are watched for changes of what a product export sends (see
# `_export_trigger_fields`; the hooks live on these models).
TRIGGER_MODELS = ("product.product", "product.template", "product.template.attribute.value")


class StoreFieldMapping(models.Model):
    """Which Odoo product field fills which platform field, per store, with an optional transform.

    Extra product data (brand, model, year, part number, compatibility, dimensions...) reaches the
    platform without code: map the field, name the platform field or attribute. Name, SKU, barcode,
    price, weight and description are mapped when the store is created (see
    `store.adapter._default_field_mappings`); the mappings stay editable.

    The field is kept by its technical name: Store Connector Managers pick it in the field selector
    (which lists the fields they may read, like Odoo's own export and filter editors) without access
    to the technical models. The export job reads the mapped fields as superuser and sends them to
    the platform, so the server refuses a field its author could not read, or whose value may come
    from another company's records (see `_field_refusal`).
    """

    _name = "store.field.mapping"
    _inherit = ["store.owned.mixin"]
    _description = "Store Product Field Mapping"
    _order = "store_id, sequence, id"

    store_id = fields.Many2one("connector.store", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    field_name = fields.Char(
        string="Odoo Field",
        required=True,
        help="The technical name of a field of the product variant (the product's own fields included).",
    )
    field_label = fields.Char(string="Field Label", compute="_compute_field_label")
    # Read by the field selector widget: the model whose fields it lists.
    mapped_model = fields.Char(compute="_compute_mapped_model")
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

    # ------------------------------------------------------------------ computes
    @api.depends("field_name")
    def _compute_field_label(self):
        Product = self.env[MAPPED_MODEL]
        for mapping in self:
            field = Product._fields.get(mapping.field_name or "")
            mapping.field_label = field._description_string(self.env) if field else False

    # A dependency on the field the widget edits, so that a new line's onchange computes it too
    # (without one, the value of the line as the client sends it, nothing, would stay).
    @api.depends("field_name")
    def _compute_mapped_model(self):
        self.mapped_model = MAPPED_MODEL

    # ------------------------------------------------------------------ constraints
    @api.constrains("field_name")
    def _check_field_name(self):
        """Refuse, whoever writes, a field the export must not read for this store; and a field
        the writing user may not read (the job reads it as superuser and sends it out).

        :raises AccessError: the user may not read the field (groups, access rights).
        :raises ValidationError: not a field of the product variant, a type that is never sent, or a
            value that may come from records of another company.
        """
        for mapping in self:
            refusal = mapping._field_refusal(mapping.field_name)
            if refusal:
                error, reason = refusal
                raise error(_(
                    'Field "%(field)s" cannot be mapped to %(platform_field)s for store %(store)s: '
                    "%(reason)s",
                    field=mapping.field_name, platform_field=mapping.platform_field,
                    store=mapping.store_id.display_name, reason=reason,
                ))

    @api.constrains("transform", "format_string")
    def _check_format_string(self):
        for mapping in self.filtered(lambda m: m.transform == "format"):
            try:
                product_mapper.check_format_string(mapping.format_string)
            except product_mapper.MappingError as exc:
                raise ValidationError(str(exc)) from None

    # ------------------------------------------------------------------ CRUD
    # Which product writes queue an export follows the mappings (`_export_trigger_fields`, cached).
    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        self.env.registry.clear_cache()
        return mappings

    def write(self, vals):
        res = super().write(vals)
        if {"field_name", "active", "store_id"}.intersection(vals):
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    # ------------------------------------------------------------------ business
    @api.model
    @tools.ormcache()
    def _export_trigger_fields(self):
        """Which writes change what each store's product export sends: for every store with active
        mappings, {model name: frozenset of field names} over TRIGGER_MODELS (see `_field_triggers`).

        Cached (cleared when a mapping changes): a product write checks its fields against it before
        it searches anything. The result is shared: never modify it.

        :returns: {store id: {model name: frozenset(field names)}}
        """
        result = {}
        triggers_by_field = {}
        for mapping in self.sudo().with_context(active_test=True).search([]):
            name = mapping.field_name
            if name not in triggers_by_field:
                triggers_by_field[name] = self._field_triggers(name)
            store_triggers = result.setdefault(mapping.store_id.id, defaultdict(set))
            for model_name, field_names in triggers_by_field[name].items():
                store_triggers[model_name] |= field_names
        return {
            store_id: {model_name: frozenset(names) for model_name, names in triggers.items()}
            for store_id, triggers in result.items()
        }

    @api.model
    def _field_triggers(self, field_name):
        """The fields whose writes change the value `field_name` of a product variant has: the field
        itself, the template field it is inherited or related from, and (for computed fields) the
        fields its computation depends on, followed through related records. A price mapping
        (lst_price) so watches the template's sales price and the attribute values' price extras.

        :param field_name: a product.product field name.
        :returns: {model name: set of field names}, for the models of TRIGGER_MODELS only.
        """
        result = defaultdict(set)
        Product = self.env[MAPPED_MODEL]
        if field_name not in Product._fields:
            return result
        todo, seen = [(Product, Product._fields[field_name])], set()
        while todo:
            model, field = todo.pop()
            if (model._name, field.name) in seen:
                continue
            seen.add((model._name, field.name))
            if model._name in TRIGGER_MODELS:
                result[model._name].add(field.name)
            paths = [field.related] if field.related else []
            if field.compute:
                paths += model.pool.field_depends[field]
            for path in paths:
                current = model
                for name in path.split("."):
                    hop = current._fields.get(name)
                    if hop is None:
                        break
                    todo.append((current, hop))
                    if not hop.relational:
                        break
                    current = self.env[hop.comodel_name]
        return result

    @api.model
    def _field_refusal(self, field_name):
        """Why `field_name` may not be mapped by the current user, or None when it may.

        A field is refused when:

        * it is no field of the product variant, or a binary, one2many or reference field;
        * the user may not read it: the field, or a field its value is related through, is restricted
          to groups the user lacks, or the user has no read access to a model its value comes from;
        * its value may come from records of other companies, which the export, running as superuser,
          would read all the same: a link to a model whose records have a company (taxes, accounts,
          routes, users, other products...), a related field going through one, or a computed field
          that reads such records or does not declare what it reads (e.g. sales counts).
          The product's own template is the product itself.

        :param field_name: technical name of a product.product field.
        :returns: None, or (exception class, reason sentence).
        """
        Product = self.env[MAPPED_MODEL]
        field = Product._fields.get(field_name or "")
        if field is None:
            return ValidationError, _("the product variant has no such field.")
        if field.type in REFUSED_FIELD_TYPES:
            return ValidationError, _("%(type)s fields are not sent to platforms.", type=field.type)
        return self._field_refusal_walk(Product, field, set())

    @api.model
    def _field_refusal_walk(self, model, field, seen):
        """`_field_refusal` for `field` of `model` and, recursively, what its value is read from."""
        if (model._name, field.name) in seen:
            return None
        seen.add((model._name, field.name))
        label = f"{model._name}.{field.name}"
        if not field.is_accessible(self.env):
            return AccessError, _(
                "%(field)s is restricted to groups you do not have, and the platform would receive it.",
                field=label,
            )
        if field.relational:
            comodel = self.env[field.comodel_name]
            if not self.env.su and not comodel.has_access("read"):
                return AccessError, _(
                    "%(field)s leads to %(model)s records, which you may not read.",
                    field=label, model=comodel._description,
                )
            if not self._is_own_link(model, field) and self._holds_company_records(comodel):
                return ValidationError, _(
                    "%(field)s leads to %(model)s records, which may belong to other companies: the "
                    "export would send them to this store's platform whatever their company.",
                    field=label, model=comodel._description,
                )
        if field.related:
            current = model
            for name in field.related.split("."):
                hop = current._fields[name]
                refusal = self._field_refusal_walk(current, hop, seen)
                if refusal:
                    return refusal
                if hop.relational:
                    current = self.env[hop.comodel_name]
            return None
        if field.compute and not field.store:
            depends = model.pool.field_depends[field]
            if not depends or "uid" in model.pool.field_depends_context[field]:
                return ValidationError, _(
                    "%(field)s is computed when read from data that may not be this store's (of any "
                    "company, or of whoever reads it).",
                    field=label,
                )
            for path in depends:
                current = model
                for name in path.split("."):
                    hop = current._fields.get(name)
                    if hop is None:
                        break
                    refusal = self._field_refusal_walk(current, hop, seen)
                    if refusal:
                        return refusal
                    if not hop.relational:
                        break
                    current = self.env[hop.comodel_name]
        return None

    @api.model
    def _is_own_link(self, model, field):
        """Whether `field` links `model` to the record it is made of (a variant's template): its
        company is the record's own."""
        return model._inherits.get(field.comodel_name) == field.name

    @api.model
    def _holds_company_records(self, model):
        """Whether records of `model` may belong to a company (and so to another one)."""
        return any(name in model._fields for name in ("company_id", "company_ids"))

    def _mapper_specs(self):
        """The active mappings as the pure mapper takes them (see product_mapper.map_fields)."""
        Product = self.env[MAPPED_MODEL]
        specs = []
        for mapping in self.filtered("active"):
            field = Product._fields.get(mapping.field_name)
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
