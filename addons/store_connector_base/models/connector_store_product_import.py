import time

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const
from ..services import product_mapper
from ..services.logs import get_logger
from .store_product_binding import PLATFORM_STATUSES

_logger = get_logger(__name__)


class ProductImportError(UserError):
    """One platform product cannot be imported; the message says which and why."""


class ConnectorStore(models.Model):
    """Product import: platform products become (or are matched by SKU to) Odoo products and get bindings."""

    _inherit = "connector.store"

    def _enqueue_product_import(self, since=None):
        """Queue the first page of an import of the store's products (each page queues the next;
        Import Products and Full Sync both start here).

        :param since: only products the platform changed at or after this datetime (None: all).
        :returns: the sync.job.
        :raises OperationNotPermitted: the store does not permit products.sync.
        """
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        return self._enqueue_paged_import(
            "products.import", "_job_import_products",
            payload={"since": fields.Datetime.to_string(since) if since else None},
        )

    def _job_import_products(self, job):
        """Job products.import: import one page of the store's products (`_import_product_page`),
        then queue the next page (see `_import_paged` for the payload)."""
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        return self._import_paged(job, "_import_products", self._import_product_page)

    def _import_product_page(self, records, job=None):
        """Import one page of normalized platform products.

        A record: {"title", "description", "status": "active" | "unpublished" | "archived" (the
        product's status on the platform; default "active"), "external_ids": {"product_id": ...},
        "variants": [{"sku", "barcode", "price", "weight", "attributes": [{"name", "value"}],
        "external_ids": {"variant_id", "inventory_item_id", ...}}]} (a product without "variants" is
        read as one variant from its own sku, barcode, price, weight and external_ids). Each variant is
        matched to an Odoo variant by its binding (platform variant id), else by SKU; unmatched
        variants are created (with the product.attribute values they need). A variant without SKU
        is refused, unless the platform identifies variants by id (adapter
        `_identifies_variants_by_id`) and the variant has its platform id
        (external_ids["variant_id"]): it is then matched by its binding, else created with an empty
        Internal Reference (the connector never invents a SKU) and bound by that id; once the
        platform gives it a SKU, the next import fills the empty Internal Reference with it. Odoo
        stays the master of
        matched products: their data is not overwritten, only their bindings are updated. The
        bindings take the platform's status (see `_import_bind`).

        What the import writes into products queues no export back to the platform
        (const.CONTEXT_PRODUCT_IMPORT).

        Each product is imported in a savepoint: a bad one is reported, nothing of it is written,
        and the others go on. One line in the activity log per page.

        :param job: the products.import job, if any (for the log line).
        :returns: {"created": n, "matched": n, "failed": n, "errors": [str]}
        """
        self.ensure_one()
        self = self.with_context(**{const.CONTEXT_PRODUCT_IMPORT: True})
        started = time.monotonic()
        summary = {"created": 0, "matched": 0, "failed": 0, "errors": []}
        for record in records or []:
            try:
                with self.env.cr.savepoint():
                    outcome = self._import_product(record)
            except (UserError, ValidationError) as exc:
                label = (record or {}).get("title") if isinstance(record, dict) else None
                message = _("%(product)s: %(error)s", product=label or _("(untitled product)"),
                            error=exc.args[0])
                summary["failed"] += 1
                summary["errors"].append(message)
            else:
                summary[outcome] += 1
        self._log_activity(
            "products.import", "failed" if summary["failed"] else "done",
            records=summary["created"] + summary["matched"], duration=time.monotonic() - started,
            message="\n".join(summary["errors"])[:4000] or None, job=job,
        )
        return summary

    # ------------------------------------------------------------------ one product
    def _import_product(self, record):
        """Import one normalized platform product. :returns: "created" or "matched"."""
        self.ensure_one()
        if not isinstance(record, dict):
            raise ProductImportError(_("A product record must be a dict, got %(value)r.", value=record))
        status = record.get("status") or "active"
        if status not in dict(PLATFORM_STATUSES):
            raise ProductImportError(_(
                'Unknown product status "%(status)s" (expected one of: %(expected)s): the platform '
                "connector should translate its statuses.",
                status=status, expected=", ".join(dict(PLATFORM_STATUSES)),
            ))
        variants = record.get("variants") or [{
            key: record.get(key) for key in ("sku", "barcode", "price", "weight", "external_ids")
        }]
        Binding = self.env["store.product.binding"].sudo()
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        by_platform_id = self._get_adapter()._identifies_variants_by_id(self)
        matched, unmatched = [], []
        seen_skus = set()
        for variant in variants:
            sku = (variant.get("sku") or "").strip() or None
            external_variant_id = (variant.get("external_ids") or {}).get("variant_id")
            if sku:
                if sku in seen_skus:
                    raise ProductImportError(_(
                        'SKU "%(sku)s" appears twice in this platform product: give each variant its own '
                        "SKU.",
                        sku=sku,
                    ))
                seen_skus.add(sku)
            product = self.env["product.product"]
            if external_variant_id:
                bound = Binding._find_by_external_ids(self, [external_variant_id], "external_variant_id")
                product = bound.get(str(external_variant_id), Binding).product_id
            if not product and sku:
                candidates = Product.search([
                    ("default_code", "=", sku), ("company_id", "in", (False, self.company_id.id)),
                ])
                if len(candidates) > 1:
                    raise ProductImportError(_(
                        'SKU "%(sku)s" matches several Odoo products (%(products)s): keep one product per '
                        "SKU.",
                        sku=sku, products=", ".join(candidates.mapped("display_name")),
                    ))
                product = candidates
            if product and sku and not product.default_code:
                # Bound by its platform id without SKU, and the merchant gave it one since: the
                # empty Internal Reference takes it (a SKU Odoo has is never overwritten).
                product.default_code = sku
            if product:
                matched.append((variant, product))
            elif not sku and by_platform_id and external_variant_id:
                unmatched.append(variant)
            elif not sku:
                raise ProductImportError(_(
                    "A variant (%(attributes)s) has no SKU: give it one on the platform, the SKU is how "
                    "Odoo recognises it.",
                    attributes=self._attributes_label(variant) or _("no attributes"),
                ))
            else:
                unmatched.append(variant)
        outcome = "matched"
        if unmatched:
            templates = self.env["product.template"].browse()
            for _variant, product in matched:
                templates |= product.product_tmpl_id
            if len(templates) > 1:
                raise ProductImportError(_(
                    "Its variants belong to several Odoo products (%(products)s): cannot tell which one "
                    "the new variants %(skus)s belong to.",
                    products=", ".join(templates.mapped("display_name")),
                    skus=", ".join(self._variant_label(v) for v in unmatched),
                ))
            matched += self._import_create_variants(record, unmatched, templates)
            outcome = "created"
        self._import_bind(record, matched)
        return outcome

    def _import_bind(self, record, matched):
        """Create or update the bindings of the imported variants (platform ids, synced now) with
        the platform's status of the product: a draft or archived product is imported unpublished
        or archived, and gets no stock while so.

        A binding already there takes the platform's status when it differs from the status the
        Odoo side gives the product (someone changed it on the platform), unless an export of
        Odoo's own change waits (pending): that export decides. A platform with one status per
        product (not per variant) then leaves a variant unpublished in Odoo alone.
        """
        Binding = self.env["store.product.binding"].sudo()
        now = fields.Datetime.now()
        product_ids = (record.get("external_ids") or {})
        status = record.get("status") or "active"
        bindings = Binding.search([
            ("store_id", "=", self.id), ("product_id", "in", [p.id for _v, p in matched]),
        ])
        by_product = {binding.product_id: binding for binding in bindings}
        template_statuses = Binding.search([
            ("store_id", "=", self.id), ("product_tmpl_id", "in", bindings.product_tmpl_id.ids),
        ]).mapped("platform_status")
        platform_changed = product_mapper.product_status(template_statuses) != status
        for variant, product in matched:
            external_ids = dict(variant.get("external_ids") or {})
            if product_ids.get("product_id") and not external_ids.get("product_id"):
                external_ids["product_id"] = product_ids["product_id"]
            binding = by_product.get(product, Binding)
            vals = Binding._external_ids_values(external_ids, binding.external_data)
            if binding and binding.sync_state == "pending":
                binding.write(vals)
                continue
            vals.update({"last_sync_at": now, "last_error": False})
            binding_status = status if not binding or platform_changed else binding.platform_status
            vals["sync_state"] = "synced" if binding_status == "active" else "disabled"
            if binding:
                vals["platform_status"] = binding_status
                binding.write(vals)
            else:
                Binding.create({
                    **vals, "store_id": self.id, "product_id": product.id, "platform_status": status,
                })

    def _import_create_variants(self, record, variants, template):
        """Create the Odoo variants of `variants` (platform variants no Odoo variant matched): a new
        product when `template` is empty, else new attribute values on `template`.

        Odoo creates every combination of the attribute values; the combinations the platform does
        not have are archived right away on a new product.

        :returns: [(platform variant, product.product)]
        """
        Template = self.env["product.template"].sudo()
        wanted = {self._combination_key(v): v for v in variants}
        if len(wanted) < len(variants):
            raise ProductImportError(
                _("Two of its variants have the same attributes: cannot tell them apart.")
            )
        prices = [float(v["price"]) for v in variants if v.get("price") not in (None, "")]
        new_template = not template
        if new_template:
            title = (record.get("title") or "").strip()
            if not title:
                raise ProductImportError(_("The product has no title."))
            vals = {
                "name": title,
                "type": "consu",
                "is_storable": True,
                "list_price": min(prices) if prices else 0.0,
                "company_id": False,
                # Not the default (the user running the queue): a job runs in its store's company,
                # which that user may not belong to, and a company-dependent link to them is refused.
                "responsible_id": False,
            }
            if record.get("description"):
                vals["description_sale"] = record["description"]
            lines = self._import_attribute_lines(variants)
            if lines:
                vals["attribute_line_ids"] = [(0, 0, line) for line in lines]
            template = Template.create(vals)
        else:
            self._import_extend_template(template, variants)
        variants = template.with_context(active_test=False).product_variant_ids
        by_key = {self._combination_key_of(p): p for p in variants}
        result = []
        for key, variant in wanted.items():
            product = by_key.get(key)
            if not product:
                raise ProductImportError(_(
                    "No Odoo variant of %(product)s has the attributes %(attributes)s.",
                    product=template.display_name, attributes=self._attributes_label(variant) or "-",
                ))
            sku = (variant.get("sku") or "").strip() or None
            if product.default_code and product.default_code != sku:
                # The SKU is the key: never rename another variant's SKU to make room (nor bind a
                # platform variant without SKU to an Odoo variant known by another one).
                raise ProductImportError(_(
                    'Variant %(sku)s would be Odoo variant %(product)s, which already has SKU "%(other)s".',
                    sku=self._variant_label(variant), product=product.display_name,
                    other=product.default_code,
                ))
            vals = {"active": True}
            if sku:
                vals["default_code"] = sku
            if variant.get("barcode"):
                vals["barcode"] = variant["barcode"]
            if variant.get("weight") not in (None, ""):
                vals["weight"] = float(variant["weight"])
            product.write(vals)
            result.append((variant, product))
        if new_template:
            created = self.env["product.product"].browse([p.id for _v, p in result])
            extra = template.with_context(active_test=False).product_variant_ids - created
            extra.write({"active": False})
            self._import_price_extras(template, result, min(prices) if prices else 0.0)
        return result

    def _import_attribute_lines(self, variants):
        """Attribute line values for a new template: attributes and values found by name, or created."""
        order, values = [], {}
        for variant in variants:
            for attribute in variant.get("attributes") or ():
                name = (attribute.get("name") or "").strip()
                value = str(attribute.get("value") or "").strip()
                if not name or not value:
                    raise ProductImportError(
                        _("An attribute has no name or no value: %(attribute)s", attribute=attribute)
                    )
                if name not in values:
                    order.append(name)
                    values[name] = []
                if value not in values[name]:
                    values[name].append(value)
        lines = []
        for name in order:
            attribute = self._import_attribute(name)
            lines.append({
                "attribute_id": attribute.id,
                "value_ids": [(6, 0, [self._import_attribute_value(attribute, v).id for v in values[name]])],
            })
        return lines

    def _import_extend_template(self, template, variants):
        """Add the attribute values new variants need to an existing template's attribute lines."""
        lines = {line.attribute_id.name.lower(): line for line in template.attribute_line_ids}
        for variant in variants:
            attributes = variant.get("attributes") or ()
            if {(a.get("name") or "").strip().lower() for a in attributes} != set(lines):
                raise ProductImportError(_(
                    "Variant %(sku)s has attributes (%(attributes)s) that do not match those of the Odoo "
                    "product %(product)s (%(expected)s): add them to the product in Odoo first.",
                    sku=self._variant_label(variant), attributes=self._attributes_label(variant) or "-",
                    product=template.display_name,
                    expected=", ".join(template.attribute_line_ids.attribute_id.mapped("name")) or "-",
                ))
            for attribute in attributes:
                line = lines[attribute["name"].strip().lower()]
                value = self._import_attribute_value(line.attribute_id, str(attribute["value"]).strip())
                if value not in line.value_ids:
                    line.write({"value_ids": [(4, value.id)]})

    def _import_price_extras(self, template, result, base_price):
        """Variant prices differ: with one attribute, each value carries its difference as price extra
        (Odoo cannot express other price grids through attributes; they keep the base price)."""
        if len(template.attribute_line_ids) != 1:
            return
        for variant, product in result:
            if variant.get("price") in (None, ""):
                continue
            extra = float(variant["price"]) - base_price
            if abs(extra) > 1e-9:
                product.product_template_attribute_value_ids.write({"price_extra": extra})

    def _import_attribute(self, name):
        Attribute = self.env["product.attribute"].sudo()
        attribute = Attribute.search([("name", "=ilike", name)], limit=1)
        return attribute or Attribute.create({"name": name, "create_variant": "always"})

    def _import_attribute_value(self, attribute, name):
        Value = self.env["product.attribute.value"].sudo()
        value = Value.search([("attribute_id", "=", attribute.id), ("name", "=ilike", name)], limit=1)
        return value or Value.create({"attribute_id": attribute.id, "name": name})

    def _combination_key(self, variant):
        return frozenset(
            ((a.get("name") or "").strip().lower(), str(a.get("value") or "").strip().lower())
            for a in variant.get("attributes") or ()
        )

    def _combination_key_of(self, product):
        return frozenset(
            (ptav.attribute_id.name.lower(), ptav.product_attribute_value_id.name.lower())
            for ptav in product.product_template_attribute_value_ids
        )

    def _variant_label(self, variant):
        """How messages name a platform variant: its SKU, else its attributes and platform id."""
        sku = (variant.get("sku") or "").strip()
        if sku:
            return sku
        return _("(no SKU, %(attributes)s, platform id %(id)s)",
                 attributes=self._attributes_label(variant) or _("no attributes"),
                 id=(variant.get("external_ids") or {}).get("variant_id") or "-")

    def _attributes_label(self, variant):
        return ", ".join(f"{a.get('name')}: {a.get('value')}" for a in variant.get("attributes") or ())
