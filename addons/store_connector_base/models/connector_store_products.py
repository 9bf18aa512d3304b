from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import product_mapper
from ..services.logs import get_logger

_logger = get_logger(__name__)


class ConnectorStore(models.Model):
    """Products of a store: field mappings, publishing, product export and import."""

    _inherit = "connector.store"

    field_mapping_ids = fields.One2many(
        "store.field.mapping", "store_id", string="Field Mappings",
        context={"active_test": False},
    )
    product_binding_ids = fields.One2many("store.product.binding", "store_id", string="Published Products")
    product_binding_count = fields.Integer(compute="_compute_product_binding_count")
    category_map_ids = fields.One2many("store.category.map", "store_id", string="Category Mapping")
    # Not stored: the platform's declaration in code is the definition (see _listing_fields).
    listing_field_definition = fields.PropertiesDefinition(
        string="Listing Fields", compute="_compute_listing_field_definition",
    )
    listing_field_help = fields.Text(
        string="Listing Fields Help", compute="_compute_listing_field_definition",
    )

    @api.depends("platform")
    def _compute_listing_field_definition(self):
        """The listing fields the store's platform declares (store.adapter._listing_fields), as the
        definition of the bindings' Listing Fields properties, and their help as text."""
        for store in self:
            declared = store._get_adapter()._listing_fields(store) if store.platform else []
            definition, help_lines = [], []
            for spec in declared:
                item = {"name": spec["name"], "string": spec.get("label") or spec["name"],
                        "type": spec.get("type") or "char"}
                if item["type"] == "selection":
                    item["selection"] = [list(option) for option in spec.get("selection") or ()]
                if spec.get("default") is not None:
                    item["default"] = spec["default"]
                definition.append(item)
                if spec.get("help"):
                    help_lines.append(f"{item['string']}: {spec['help']}")
            store.listing_field_definition = definition
            store.listing_field_help = "\n".join(help_lines) or False

    def _compute_product_binding_count(self):
        counts = dict(self.env["store.product.binding"]._read_group(
            [("store_id", "in", self.ids), ("platform_status", "=", "active")], ["store_id"], ["__count"]
        ))
        for store in self:
            store.product_binding_count = counts.get(store, 0)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        stores.filtered(lambda s: not s.field_mapping_ids)._create_default_field_mappings()
        return stores

    def _create_default_field_mappings(self):
        """Create the adapter's default field mappings (name, SKU, barcode, price, weight, description)."""
        Product = self.env["product.product"]
        vals_list = []
        for store in self:
            for sequence, spec in enumerate(store._get_adapter()._default_field_mappings(store), start=1):
                if spec["field"] not in Product._fields:
                    _logger.warning("default field mapping of %s: no product field %s",
                                    store.platform, spec["field"])
                    continue
                vals_list.append({
                    "store_id": store.id,
                    "sequence": sequence * 10,
                    "field_name": spec["field"],
                    "platform_field": spec["platform_field"],
                    "transform": spec.get("transform") or "none",
                    "format_string": spec.get("format_string"),
                })
        return self.env["store.field.mapping"].sudo().create(vals_list)

    # ------------------------------------------------------------------ actions (buttons)
    def action_view_product_bindings(self):
        self._check_store_user()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "store_connector_base.store_product_binding_action"
        )
        action["domain"] = [("store_id", "=", self.id)]
        action["context"] = {"default_store_id": self.id}
        return action

    def action_export_products(self):
        """Export now every product published to the store (their data may have changed since the
        last export), and those waiting for an export (pending) or whose export failed, whatever
        the automatic product sync says: the user asked for it."""
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("products.export", _("Export Products"))
        self._check_operation_allowed("products.sync")
        bindings = self.env["store.product.binding"].search([
            ("store_id", "=", self.id),
            "|", ("platform_status", "=", "active"), ("sync_state", "in", ("pending", "failed")),
        ])
        jobs = self._enqueue_product_sync(bindings, "products.export", force=True)
        products = len(bindings.product_tmpl_id)
        if not products:
            message = _("No product to export: publish products to %(store)s first.", store=self.name)
        elif products == 1:
            message = _("1 product queued for export (1 job).")
        elif len(jobs) == 1:
            message = _("%(products)s products queued for export in 1 job.", products=products)
        else:
            message = _("%(products)s products queued for export in %(jobs)s jobs.",
                        products=products, jobs=len(jobs))
        if jobs:
            message = self._test_mode_queued_note(message)
        return self._notify_user(message, None)

    def action_import_products(self):
        """Queue the import of the store's products (page after page)."""
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("products.import", _("Import Products"))
        self._enqueue_product_import()
        return self._notify_user(_(
            "Product import of %(store)s queued: the shop's products are read page after page in the "
            "background; the Jobs button shows the progress.", store=self.name), reload=True)

    # ------------------------------------------------------------------ publishing
    def _publish_products(self, products):
        """Publish variants to this store: create their bindings (or ask again for a published status)
        and queue their export, whether the store syncs products automatically or not: publishing
        is asking for the product on the platform.

        :param products: product.product records.
        :returns: the store.product.binding records.
        :raises OperationNotPermitted: the store does not permit products.sync.
        :raises UserError: a variant has no SKU or is archived.
        :raises ValidationError: two variants share an SKU in this store.
        """
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        products = products.with_context(active_test=False)
        no_sku = products.filtered(lambda p: not p.default_code)
        if no_sku:
            raise UserError(_(
                "These products have no SKU (Internal Reference) and cannot be published to %(store)s: "
                "%(products)s. The SKU identifies a product on every platform: set one first.",
                store=self.name, products=", ".join(no_sku.mapped("display_name")),
            ))
        archived = products.filtered(lambda p: not p.active)
        if archived:
            raise UserError(_(
                "Archived products cannot be published to %(store)s: %(products)s.",
                store=self.name, products=", ".join(archived.mapped("display_name")),
            ))
        Binding = self.env["store.product.binding"].sudo()
        existing = Binding.search([("store_id", "=", self.id), ("product_id", "in", products.ids)])
        existing._set_platform_status("active")
        created = Binding.create([
            {"store_id": self.id, "product_id": product.id} for product in products - existing.product_id
        ])
        bindings = existing | created
        self._enqueue_product_sync(bindings, "products.export", force=True)
        return bindings

    def _unpublish_products(self, products):
        """Take variants off this store (unpublished on the platform, bindings kept with their ids so
        that publishing again updates the same platform product).

        :raises OperationNotPermitted: the store does not permit products.sync.
        """
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        bindings = self.env["store.product.binding"].sudo().search([
            ("store_id", "=", self.id), ("product_id", "in", products.ids),
            ("platform_status", "=", "active"),
        ])
        bindings._set_platform_status("unpublished")
        self._enqueue_product_sync(bindings, "products.unpublish")
        return bindings

    def _enqueue_product_sync(self, bindings, operation, force=False):
        """Queue one export job per product template of `bindings`, when the store syncs products
        automatically (or `force`). A job carries all the template's bindings in this store and merges
        with a pending job of the same template (identity "products:<template id>"): the statuses it
        sends are read from the bindings when it runs, so the latest wins.

        :param operation: products.export, products.unpublish or products.archive (the job's label).
        :returns: the sync.job records.
        :raises OperationNotPermitted: the store does not permit products.sync.
        """
        self.ensure_one()
        if not bindings or not (force or self.auto_sync_products):
            return self.env["sync.job"]
        self._check_operation_allowed("products.sync")
        all_bindings = self.env["store.product.binding"].sudo().search([
            ("store_id", "=", self.id), ("product_tmpl_id", "in", bindings.product_tmpl_id.ids),
        ])
        by_template = defaultdict(lambda: self.env["store.product.binding"].sudo())
        for binding in all_bindings:
            by_template[binding.product_tmpl_id.id] |= binding
        items = []
        for template_id, template_bindings in by_template.items():
            status = product_mapper.product_status(template_bindings.mapped("platform_status"))
            payload = {"template_id": template_id, "status": status}
            items.append((template_bindings, f"products:{template_id}", payload))
        return self.env["sync.job"]._enqueue_many(
            self, operation, "_job_export_products", items, direction="export"
        )

    # ------------------------------------------------------------------ export
    def _build_export_products(self, bindings):
        """The normalized products (see services/product_mapper.py) of `bindings`, one per template.

        :returns: (list of product dicts, {binding: error message} for templates the mapping refused)
        """
        self.ensure_one()
        specs = self.field_mapping_ids._mapper_specs()
        field_names = {spec["field"] for spec in specs}
        products = bindings.product_id.with_context(active_test=False)
        prices = self._export_prices(products)
        weight_unit = self.env["product.template"]._get_weight_uom_name_from_ir_config_parameter()
        currency = (self.pricelist_id.currency_id or self.company_id.currency_id).name
        by_template = defaultdict(list)
        for binding in bindings:
            by_template[binding.product_tmpl_id].append(binding)
        image_urls = self.env["store.product.image"]._image_urls(self, bindings)
        categories = self.env["store.category.map"]._platform_categories(
            self, bindings.product_tmpl_id.categ_id
        )
        listing_fields = self._get_adapter()._listing_fields(self)
        result, errors = [], {}
        for template, template_bindings in by_template.items():
            no_sku = [binding for binding in template_bindings if not binding.sku]
            if no_sku:
                # Imported and bound by the platform's id (see store.product.binding
                # _bound_by_platform_id): exports match the platform's answer by SKU, and a variant
                # without one could be sent as a new product. The platform stays its master.
                message = _(
                    "Not exported: %(variants)s has no SKU (Internal Reference). A product imported "
                    "without SKU keeps its stock and orders in sync, but Odoo sends its data and price "
                    "only once each of its variants has a SKU: give it one in Odoo, then export again "
                    "(the platform's product gets it too).",
                    variants=", ".join(binding.product_id.display_name for binding in no_sku),
                )
                for binding in template_bindings:
                    errors[binding] = message
                continue
            rows = []
            for binding in template_bindings:
                product = binding.product_id
                price, list_price = prices[product.id]
                values = {name: self._export_value(product, name) for name in field_names}
                for name in ("lst_price", "list_price"):
                    if name in values:
                        values[name] = price
                rows.append({
                    "odoo_id": product.id,
                    "values": values,
                    "attributes": [
                        (ptav.attribute_id.name, ptav.name)
                        for ptav in product.product_template_attribute_value_ids
                    ],
                    "list_price": list_price,
                    "status": binding.platform_status,
                    "external_ids": binding._external_ids(),
                    "image": image_urls["variants"].get(product.id),
                })
            template_ids = {}
            known = next((b.external_product_id for b in template_bindings if b.external_product_id), None)
            if known:
                template_ids["product_id"] = known
            status = product_mapper.product_status(b.platform_status for b in template_bindings)
            try:
                result.append(product_mapper.build_product(
                    {"odoo_id": template.id, "external_ids": template_ids, "currency": currency,
                     "weight_unit": weight_unit, "image": image_urls["templates"].get(template.id),
                     "image_alt": template.name, "categories": categories.get(template.categ_id.id, []),
                     "listing": product_mapper.listing_values(
                         listing_fields, [b.listing_values or {} for b in template_bindings]
                     )},
                    rows, specs, status,
                ))
            except product_mapper.MappingError as exc:
                for binding in template_bindings:
                    errors[binding] = _("Field mapping: %(error)s", error=str(exc))
        return result, errors

    def _export_prices(self, products):
        """{product id: (price for this store, list price)} in the store's currency: the price comes
        from the store's pricelist when it has one."""
        self.ensure_one()
        company = self.company_id
        currency = self.pricelist_id.currency_id or company.currency_id
        prices = self.pricelist_id._get_products_price(products, 1.0) if self.pricelist_id else {}
        today = fields.Date.context_today(self)
        result = {}
        for product in products:
            list_price = product.lst_price
            if product.currency_id and product.currency_id != currency:
                list_price = product.currency_id._convert(list_price, currency, company, today)
            price = prices.get(product.id, list_price)
            result[product.id] = (currency.round(price), currency.round(list_price))
        return result

    @api.model
    def _export_value(self, product, name):
        """A product field's value as plain data: records by name, empty values as None."""
        field = product._fields[name]
        value = product[name]
        if field.type == "boolean":
            return bool(value)
        if field.type == "many2one":
            return value.display_name if value else None
        if field.type in ("many2many", "one2many"):
            return value.mapped("display_name")
        if field.type in ("float", "integer", "monetary"):
            return value
        if value is False or value is None:
            return None
        if field.type in ("date", "datetime"):
            if field.type == "datetime":
                return fields.Datetime.to_string(value)
            return fields.Date.to_string(value)
        if isinstance(value, Markup):
            return str(value)
        return value
