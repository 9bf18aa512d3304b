import json
import time
from collections import defaultdict

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .. import const
from ..exceptions import OperationNotPermitted, RetryableJobError
from ..services.logs import get_logger

_logger = get_logger(__name__)

# Keys of the adapters' "external_ids" dicts that have a column of their own: the ids every platform
# has. A platform's other ids (Shopify's inventory item, eBay's listing and offer) and facts go to
# external_data, found with store.binding.mixin._find_by_external_ids(..., data_key=...).
EXTERNAL_ID_FIELDS = {
    "product_id": "external_product_id",
    "variant_id": "external_variant_id",
}

PLATFORM_STATUSES = [
    ("active", "Published"),
    ("unpublished", "Unpublished"),
    ("archived", "Archived"),
]

# What only the connector's own code (jobs, publishing, imports, running as superuser) writes: the
# sync state, what was last sent, and the platform facts adapters keep in external_data (Shopify's
# per-location levels and update times decide which stock webhooks adjust Odoo's stock).
JOB_KEPT_FIELDS = frozenset({
    "sync_state", "last_sync_at", "last_error",
    "inventory_quantity", "inventory_synced_at", "inventory_error", "external_data",
})
# Which platform records a binding stands for, and the status asked of them: exports overwrite
# those records and the platform's stock events about them adjust the bound variant's stock, as
# superuser. Managers may link a binding by hand; Users publish and unpublish through the actions.
MANAGER_FIELDS = frozenset(EXTERNAL_ID_FIELDS.values()) | {"platform_status"}
MANAGER_GROUP = "store_connector_base.group_store_connector_manager"

# Publish bases (connector.store.inventory_publish_basis) that count open demand: confirming or
# cancelling a delivery changes what they publish.
DEMAND_BASES = ("sellable", "forecast")

# Advisory lock namespaces (first key of pg_try_advisory_xact_lock(int, int)); the second is the binding id.
LOCK_PRODUCT_EXPORT = 0x5C01
LOCK_INVENTORY = 0x5C02

# Mapped product fields an export fills with the store's pricelist price (see
# connector.store._build_export_products).
PRICE_FIELDS = frozenset({"lst_price", "list_price"})

SYNC_STATES = [
    ("pending", "Pending"),
    ("synced", "Synced"),
    ("failed", "Failed"),
    ("disabled", "Disabled"),
]


# The bindings whose stock is published: with a SKU, or bound by the platform's variant id (a
# binding without SKU exists only where its platform identifies variants by id, see _check_sku).
STOCK_ADDRESSABLE_DOMAIN = ["|", ("sku", "!=", False), ("external_variant_id", "!=", False)]

# The bindings whose stock a stock change publishes at once: published (see above), in an active
# store that syncs inventory automatically; no stock leaves before the store's stock baseline is
# chosen (see connector.store).
AUTO_INVENTORY_DOMAIN = [
    ("platform_status", "=", "active"),
    *STOCK_ADDRESSABLE_DOMAIN,
    ("store_id.active", "=", True),
    ("store_id.auto_sync_inventory", "=", True),
    ("store_id.allow_inventory_sync", "=", True),
    ("store_id.stock_baseline", "!=", "none"),
]

class StoreProductBinding(models.Model):
    """One product variant published to one store: the link between the Odoo variant and the
    platform's records.

    The ids every platform has are columns (`external_product_id`, `external_variant_id`); a
    platform's other ids (Shopify's inventory item, eBay's listing and offer) and the facts its
    adapter keeps live in `external_data` (JSON, GIN-indexed), written from the adapters'
    "external_ids" dicts (`_external_ids_values`) and found with
    ``_find_by_external_ids(store, ids, data_key="inventory_item_id")``.

    The SKU (the variant's Internal Reference) is the master key across channels: it is unique per
    store, and required, except on a platform that identifies variants by its own ids
    (adapter `_identifies_variants_by_id`), where a variant the merchant left without SKU on the
    platform is imported and bound by its platform variant id (`external_variant_id`).
    `platform_status` is what the platform should show (published, unpublished, archived);
    `sync_state` says whether the platform shows it yet. Product exports and stock updates
    run in `sync.job`s on bindings (`_job_export_products`, `_job_export_inventory`).
    """

    _name = "store.product.binding"
    _inherit = ["store.binding.mixin"]
    _description = "Store Product Binding"
    _order = "store_id, product_tmpl_id, id"
    _rec_names_search = ["sku", "product_id", "external_variant_id"]

    platform = fields.Selection(related="store_id.platform")
    # restrict: deleting a published variant would orphan it on the platform; Odoo then archives the
    # variant instead (product.product._unlink_or_archive), which archives it on the platform too.
    product_id = fields.Many2one(
        "product.product", string="Variant", required=True, index=True, ondelete="restrict",
        check_company=True,
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", string="Product", store=True, index=True, check_company=True
    )
    sku = fields.Char(
        string="SKU", related="product_id.default_code", store=True, index=True,
        help="The variant's Internal Reference: the key of the product on every platform.",
    )
    platform_status = fields.Selection(
        PLATFORM_STATUSES, string="Status on Platform", required=True, default="active",
        help="What the platform should show; the sync state says whether it does yet.",
    )
    external_product_id = fields.Char(string="Platform Product ID", copy=False, index=True)
    external_variant_id = fields.Char(string="Platform Variant ID", copy=False)
    # GIN-indexed (see init): the webhook intake looks bindings up by the ids in it (echoes of our
    # stock updates).
    external_data = fields.Json(
        string="Platform Data", copy=False, readonly=True,
        help="The platform's other ids of this variant (an inventory item, a listing, an offer) and "
             "what the connector keeps of its last exchanges with the platform.",
    )
    # Odoo's forms have no widget for a Json field: people read the platform data as lines.
    external_data_text = fields.Text(
        string="Platform Ids and Facts", compute="_compute_external_data_text",
        help="The platform's other ids of this variant and what the connector keeps of its last "
             "exchanges with the platform, one per line. Written by the connector only.",
    )
    has_listing_fields = fields.Boolean(compute="_compute_has_listing_fields")
    listing_values = fields.Properties(
        string="Listing Fields", definition="store_id.listing_field_definition", copy=False,
        help="What the store's platform asks of a listing besides the product's fields (e.g. eBay's "
             "condition); sent with the product. The first variant of a product that has a value "
             "gives it.",
    )
    sync_state = fields.Selection(SYNC_STATES, required=True, default="pending", index=True, copy=False)
    last_sync_at = fields.Datetime(string="Last Sync", copy=False, readonly=True)
    last_error = fields.Text(copy=False, readonly=True)
    inventory_quantity = fields.Integer(
        string="Published Quantity", copy=False, readonly=True, help="The quantity last sent to the store."
    )
    inventory_synced_at = fields.Datetime(string="Stock Sent At", copy=False, readonly=True)
    inventory_error = fields.Text(string="Stock Error", copy=False, readonly=True)

    _sql_constraints = [
        ("store_product_uniq", "unique(store_id, product_id)",
         "A variant is bound to a store once only."),
        ("store_variant_uniq", "unique(store_id, external_variant_id)",
         "Two bindings of one store cannot point to the same platform variant."),
    ]

    @api.depends("external_data")
    def _compute_external_data_text(self):
        for binding in self:
            data = binding.external_data if isinstance(binding.external_data, dict) else {}
            binding.external_data_text = "\n".join(
                f"{key}: {value if isinstance(value, str | int | float) else json.dumps(value)}"
                for key, value in sorted(data.items())
            )

    @api.depends("store_id")
    def _compute_has_listing_fields(self):
        for binding in self:
            binding.has_listing_fields = bool(binding.store_id.listing_field_definition)

    @api.depends("store_id", "sku", "product_id", "external_variant_id")
    def _compute_display_name(self):
        for binding in self:
            binding.display_name = f"{binding.store_id.name or ''} / {binding._label()}"

    # ------------------------------------------------------------------ constraints
    @api.constrains("sku", "store_id", "product_id", "external_variant_id")
    def _check_sku(self):
        """Every bound variant has an SKU, unless its store's platform identifies variants by id
        and the binding has the platform variant id (`_bound_by_platform_id`); no two variants of
        one store share an SKU: a duplicate would make the platform overwrite one product with the
        other. Empty SKUs never collide."""
        for binding in self:
            if not binding.sku and not binding._bound_by_platform_id():
                if self._store_hidden_from_user(binding.store_id):
                    raise ValidationError(_(
                        'Product "%(product)s" has no SKU (Internal Reference): a store of another '
                        "company publishes it and needs one.",
                        product=binding.product_id.display_name,
                    ))
                raise ValidationError(_(
                    'Product "%(product)s" has no SKU (Internal Reference): a product published to store '
                    '"%(store)s" needs one.',
                    product=binding.product_id.display_name, store=binding.store_id.name,
                ))
        self._check_sku_unique(self.store_id, self.mapped("sku"))

    def _bound_by_platform_id(self):
        """Whether this binding may go without SKU: it carries the platform's variant id and its
        store's platform identifies variants by id (adapter `_identifies_variants_by_id`)."""
        self.ensure_one()
        store = self.sudo().store_id
        return bool(self.external_variant_id and store.platform
                    and store._get_adapter()._identifies_variants_by_id(store))

    def _label(self):
        """How messages and lists name this binding's variant: its SKU, else its product's name
        and platform variant id (a variant bound by its platform id)."""
        self.ensure_one()
        if self.sku:
            return self.sku
        if self.external_variant_id:
            return _("%(product)s (no SKU, platform id %(id)s)",
                     product=self.product_id.display_name or "", id=self.external_variant_id)
        return self.product_id.display_name or ""

    @api.model
    def _check_sku_unique(self, stores, skus):
        """Raise when two different variants bound to one of `stores` share one of `skus` (empty
        SKUs are left out: variants bound by their platform id without SKU do not collide)."""
        skus = {sku for sku in skus if sku}
        if not stores or not skus:
            return
        groups = self.sudo().with_context(active_test=False)._read_group(
            [("store_id", "in", stores.ids), ("sku", "in", list(skus))],
            ["store_id", "sku"],
            ["product_id:recordset"],
            having=[("__count", ">", 1)],
        )
        for store, sku, products in groups:
            if self._store_hidden_from_user(store):
                raise ValidationError(_(
                    'SKU "%(sku)s" is already used by another product in a store of another company. '
                    "The SKU identifies a product on the platform: give this product another one.",
                    sku=sku,
                ))
            raise ValidationError(_(
                'SKU "%(sku)s" is used by two products in store "%(store)s": %(first)s and %(second)s. '
                "The SKU identifies a product on the platform: give each variant its own.",
                sku=sku, store=store.name,
                first=products[0].display_name, second=products[1].display_name,
            ))

    @api.model
    def _store_hidden_from_user(self, store):
        """Whether `store` belongs to no company the current user works in: a shared product's
        constraints still hold in such a store, but its name and products are not theirs to read.
        The queue's superuser (jobs) works for every company."""
        return self.env.uid != SUPERUSER_ID and store.company_id not in self.env.user.company_ids

    def init(self):
        # _find_by_external_ids(..., data_key=...) looks ids up with "external_data @> {key: id}":
        # jsonb_path_ops indexes exactly that operator, smaller and faster than the default opclass.
        # fastupdate off: the webhook intake's echo checks read the index in the request, and a
        # pending list (filled by every export and stock publication, emptied only by vacuum) would
        # be scanned whole by each of them (1.4 ms instead of 0.03 ms at 20,000 bindings).
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS store_product_binding_external_data_idx
                ON store_product_binding USING gin (external_data jsonb_path_ops) WITH (fastupdate = off);
            ALTER INDEX store_product_binding_external_data_idx SET (fastupdate = off)
        """)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # An empty value is what a new binding has anyway (the form sends its defaults).
            self._check_caller_may_set({key: value for key, value in vals.items() if value})
        return super().create(vals_list)

    def write(self, vals):
        self._check_caller_may_set(vals)
        if "product_id" in vals and not self.env.su and self.filtered(
            lambda b: b.product_id.id != vals["product_id"]
        ):
            raise AccessError(_(
                "A product binding stays with its variant: publish the other variant instead of "
                "changing the variant of a binding."
            ))
        result = super().write(vals)
        if vals.get("platform_status", "active") != "active":
            # Off the store: the platform may no longer fetch the product's images.
            self.env["store.product.image"]._revoke(self)
        return result

    def unlink(self):
        self.env["store.product.image"]._revoke(self)
        return super().unlink()

    def _check_caller_may_set(self, vals):
        """Refuse values a caller may not set on a binding (see JOB_KEPT_FIELDS and MANAGER_FIELDS);
        superuser code sets them all.

        :raises AccessError: naming the fields refused.
        """
        if self.env.su:
            return
        refused = JOB_KEPT_FIELDS.intersection(vals)
        if not self.env.user.has_group(MANAGER_GROUP):
            refused |= MANAGER_FIELDS.intersection(vals)
        if refused:
            raise AccessError(_(
                "Only the connector sets these fields of a product binding: %(fields)s. Publish, "
                "unpublish or export the product instead.",
                fields=", ".join(sorted(self._fields[name].string for name in refused)),
            ))

    # ------------------------------------------------------------------ business
    def _external_ids(self):
        """The platform ids this binding knows, as the adapters' "external_ids" dict."""
        self.ensure_one()
        ids = dict(self.external_data or {})
        for key, fname in EXTERNAL_ID_FIELDS.items():
            if self[fname]:
                ids[key] = self[fname]
        return ids

    @api.model
    def _external_ids_values(self, external_ids, current=None):
        """Binding values for an adapter's "external_ids" dict.

        The keys of EXTERNAL_ID_FIELDS go to their columns; the others merge into `current` (the
        binding's external_data) as its new external_data: numbers are kept as text, as the
        columns keep them, so that `_find_by_external_ids(..., data_key=key)` finds an id whichever
        type the platform sent it as; an empty value (None, False, "") removes the key (the
        platform record is gone); lists and dicts are kept as given.

        :param external_ids: {key: platform id or fact} as an adapter returns it.
        :param current: the binding's external_data now (a dict, or None).
        :returns: values for write(), with "external_data" only when it changes.
        """
        vals = {}
        extra = dict(current or {})
        for key, value in (external_ids or {}).items():
            empty = value is None or value is False or value == ""
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if key in EXTERNAL_ID_FIELDS:
                vals[EXTERNAL_ID_FIELDS[key]] = False if empty else str(value)
            elif empty:
                extra.pop(key, None)
            else:
                extra[key] = value
        if extra != (current or {}):
            vals["external_data"] = extra
        return vals

    def _sync_lock(self, namespace):
        """Take the transaction-level advisory locks of these bindings, so that two workers never
        sync one binding at the same time (the later one could overwrite the newer data).

        :raises RetryableJobError: another job holds one of them; this job runs again shortly.
        """
        if not self:
            return
        self.env.cr.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(%s, id)) FROM unnest(%s::int[]) AS id",
            [namespace, self.ids],
        )
        if not self.env.cr.fetchone()[0]:
            raise RetryableJobError(_("Another job is syncing these products right now."), retry_after=5)

    def _set_platform_status(self, status):
        """Ask for a new status on the platform: the bindings wait for an export (pending)."""
        if self:
            self.write({"platform_status": status, "sync_state": "pending"})

    # ------------------------------------------------------------------ changes in Odoo
    @api.model
    def _on_products_changed(self, records, field_names=(), new_variants=None):
        """React to a write on products: when a field a store's mapping sends changed (see
        store.field.mapping._export_trigger_fields), the published bindings concerned wait for an
        export (pending) and, in the stores that sync products automatically, their templates'
        export is queued (one coalescing job per template). New variants of a published template
        (created, or given their first SKU) are published to its stores as well.

        Costs nothing when no store maps a written field, and one search otherwise. The connector's
        own product imports (const.CONTEXT_PRODUCT_IMPORT, set by superuser code only) queue nothing:
        what they write came from the platform.

        :param records: the product.template, product.product or product.template.attribute.value
            records written.
        :param field_names: the fields written.
        :param new_variants: product.product records that may need a binding in the stores of their
            template (new, or without an SKU until this write).
        """
        if not records or (records.env.su and records.env.context.get(const.CONTEXT_PRODUCT_IMPORT)):
            return
        new_variants = (new_variants or self.env["product.product"]).filtered(
            lambda p: p.active and p.default_code
        )
        triggers = self.env["store.field.mapping"]._export_trigger_fields()
        written = set(field_names)
        store_ids = {
            store_id for store_id, fields_by_model in triggers.items()
            if written & fields_by_model.get(records._name, frozenset())
        }
        if not store_ids and not new_variants:
            return
        templates = records if records._name == "product.template" else records.product_tmpl_id
        domain = [
            ("product_tmpl_id", "in", (templates | new_variants.product_tmpl_id).ids),
            ("store_id.active", "=", True),
        ]
        if not new_variants:
            domain.append(("store_id", "in", list(store_ids)))
        bindings = self.sudo().with_context(active_test=False).search(domain)
        # Sets: a write on thousands of products must not compare recordsets binding by binding.
        if records._name == "product.product":
            changed_field, changed_ids = "product_id", set(records.ids)
        else:
            changed_field, changed_ids = "product_tmpl_id", set(templates.ids)
        for store, store_bindings in bindings.grouped("store_id").items():
            published = store_bindings.filtered(lambda b: b.platform_status == "active")
            changed = self.sudo()
            if store.id in store_ids:
                changed = published.filtered(lambda b: b[changed_field].id in changed_ids)
            fresh = new_variants.filtered_domain(
                [("product_tmpl_id", "in", published.product_tmpl_id.ids)]
            ) - store_bindings.product_id
            if fresh:
                changed |= self.sudo().create([{"store_id": store.id, "product_id": p.id} for p in fresh])
            changed._export_changes(store)

    @api.model
    def _on_prices_changed(self, pricelists, domain):
        """Price rules of `pricelists` changed: the published bindings matching `domain` in the
        stores whose prices these pricelists make (their pricelist, or one with rules based on
        them) and that send the price, wait for an export, queued when the store syncs products
        automatically (see `_export_changes`).

        :param pricelists: product.pricelist records.
        :param domain: a store.product.binding domain: the products the changed rules price.
        """
        if not pricelists:
            return
        Item = self.env["product.pricelist.item"].sudo()
        affected = pricelists.sudo()
        while True:
            based = Item.search([
                ("base", "=", "pricelist"), ("base_pricelist_id", "in", affected.ids),
            ]).pricelist_id - affected
            if not based:
                break
            affected |= based
        triggers = self.env["store.field.mapping"]._export_trigger_fields()
        stores = self.env["connector.store"].sudo().search([
            ("pricelist_id", "in", affected.ids), ("active", "=", True),
        ])
        stores = stores.filtered(
            lambda s: PRICE_FIELDS & triggers.get(s.id, {}).get("product.product", frozenset())
        )
        if not stores:
            return
        bindings = self.sudo().search(
            [("store_id", "in", stores.ids), ("platform_status", "=", "active")] + list(domain)
        )
        for store, store_bindings in bindings.grouped("store_id").items():
            store_bindings._export_changes(store)

    def _export_changes(self, store):
        """These bindings of `store` changed in Odoo: they wait for an export, queued now when the
        store syncs products automatically and permits it (else Export Products sends them)."""
        if not self:
            return
        self.filtered(lambda b: b.sync_state != "pending").write({"sync_state": "pending"})
        if not store.auto_sync_products or "products.export" not in store._platform_features():
            return
        try:
            store._enqueue_product_sync(self, "products.export")
        except OperationNotPermitted:
            # A product edit is not refused for a store's permission: the bindings wait, pending.
            _logger.info("store %s does not permit products.sync: %s bindings wait", store.id, len(self))

    # ------------------------------------------------------------------ product export
    def _sync_job_store_records(self, store):
        """Jobs of a store export its own product bindings (see sync.job._target_records)."""
        return self.filtered(lambda record: record.store_id.id == store.id)

    def _job_export_products(self, job):
        """Job products.export / products.unpublish / products.archive: send the bound variants of
        one template (or a few) to the store as normalized products, each variant with the status its
        binding asks for, then write back the platform ids and the per-SKU outcome.

        Per-SKU errors do not fail the job: they are recorded on the bindings (sync_state failed),
        so that one bad variant does not hold back the others.
        """
        # Read in the store's company, not the queue runner's: company-dependent product fields
        # (cost, properties), a product's currency and its prices are per company, and a store
        # sends its own company's, never another's.
        store = job.store_id.with_company(job.store_id.company_id)
        store._check_operation_allowed("products.sync")
        started = time.monotonic()
        bindings = self.with_company(store.company_id).filtered(lambda b: b.store_id == store)
        bindings._sync_lock(LOCK_PRODUCT_EXPORT)
        products, errors = store._build_export_products(bindings)
        for binding, message in errors.items():
            binding._record_export_error(message)
        done = self.browse()
        failed = self.browse([b.id for b in errors])
        results = (store._get_adapter()._export_products(store, products) or []) if products else []
        by_sku = defaultdict(lambda: self.browse())
        for binding in bindings.filtered("sku"):
            by_sku[binding.sku] |= binding
        now = fields.Datetime.now()
        for result in results:
            targets = by_sku.get(result.get("sku")) or self.browse()
            for binding in targets:
                if result.get("error"):
                    binding._record_export_error(result["error"])
                    failed |= binding
                    continue
                vals = binding._external_ids_values(result.get("external_ids"), binding.external_data)
                vals.update({
                    "sync_state": "synced" if binding.platform_status == "active" else "disabled",
                    "last_sync_at": now,
                    "last_error": False,
                })
                binding.write(vals)
                done |= binding
        exported = {variant["odoo_id"] for product in products for variant in product["variants"]}
        for binding in bindings.filtered(lambda b: b.product_id.id in exported) - done - failed:
            binding._record_export_error(
                _("The platform did not report on SKU %(sku)s.", sku=binding._label()))
            failed |= binding
        if done or failed:
            store._event_product_synced_to_store(
                done, duration=time.monotonic() - started, job=job, operation=job.operation,
                errors=[{"sku": b._label(), "error": b.last_error} for b in failed],
            )
        return {"exported": len(done), "failed": len(failed)}

    def _record_export_error(self, message):
        self.write({"sync_state": "failed", "last_error": message, "last_sync_at": fields.Datetime.now()})

    # ------------------------------------------------------------------ inventory
    @api.model
    def _on_stock_moved(self, moves, demand_only=False):
        """Queue a stock update for every published variant whose stock `moves` changed in a store's
        published locations. One pending job per store and SKU: further moves merge into it, and the
        quantity is computed when the job runs, so it sends the latest.

        :param demand_only: the moves were confirmed or cancelled, not done: only the stores whose
            publish basis counts open demand (free minus open demand, forecasted) publish anew.
        """
        basis = [("store_id.inventory_publish_basis", "in", DEMAND_BASES)] if demand_only else []
        bindings = self.sudo().search(
            basis + [("product_id", "in", moves.product_id.ids)] + AUTO_INVENTORY_DOMAIN)
        for store, store_bindings in bindings.grouped("store_id").items():
            if "inventory.sync" not in store._platform_features():
                continue
            paths = tuple(store._inventory_locations().mapped("parent_path"))
            if not paths:
                continue
            touched = {
                move.product_id.id for move in moves
                if (move.location_id.parent_path or "").startswith(paths)
                or (move.location_dest_id.parent_path or "").startswith(paths)
            }
            store_bindings = store_bindings.filtered_domain([("product_id", "in", list(touched))])
            if store_bindings:
                store_bindings._enqueue_inventory(store)

    @api.model
    def _on_demand_changed(self, products, warehouses):
        """Queue a stock update of `products` in the stores that publish the stock of `warehouses`
        and whose publish basis counts open demand: platform quotations awaiting payment count as
        demand (see connector.store._inventory_platform_quotation_demand), so one imported or
        cancelled changes what those stores publish, although no stock move changed."""
        if not products or not warehouses:
            return
        bindings = self.sudo().search(
            [("product_id", "in", products.ids), ("store_id.inventory_publish_basis", "=", "sellable")]
            + AUTO_INVENTORY_DOMAIN
        )
        for store, store_bindings in bindings.grouped("store_id").items():
            if "inventory.sync" not in store._platform_features():
                continue
            if store._inventory_locations().warehouse_id & warehouses:
                store_bindings._enqueue_inventory(store)

    def _enqueue_inventory(self, store):
        """One coalescing inventory job per binding (identity "inventory:<sku>", or
        "inventory-binding:<binding id>" for a binding without SKU)."""
        return self.env["sync.job"]._enqueue_many(
            store, "inventory.sync", "_job_export_inventory",
            [(binding, f"inventory:{binding.sku}" if binding.sku else f"inventory-binding:{binding.id}", None)
             for binding in self],
            direction="export",
        )

    def _job_export_inventory(self, job):
        """Job inventory.sync: publish the free quantity of these variants in the store's locations,
        minus the store's safety stock and never below zero, computed now (a coalesced job sends the
        latest). One `_update_inventory` call per platform-sized batch; per-item errors are recorded
        on the bindings.

        payload (optional): {"quantities": {sku: int}}: quantities a caller gave (the sync API's
        items), sent as given; the other SKUs are computed.

        A binding without SKU (bound by its platform variant id, see `_bound_by_platform_id`) is
        sent with "sku" None, "ref" (the binding id) and "label"; the adapter's results are
        matched by "ref" when they have one, else by "sku".

        The adapter gets the store with ``sync_job_id`` in its context (the running job), so that
        what it derives from the job (e.g. idempotency keys) is the same when this job is retried.
        """
        store = job.store_id.with_context(sync_job_id=job.id)
        started = time.monotonic()
        bindings = self.filtered(
            lambda b: b.store_id == store and b.platform_status == "active" and b.product_id.active
            and (b.sku or b.external_variant_id)
        )
        if not bindings:
            return {"updated": 0, "failed": 0}
        # Locked before the quantities are read: a job that read older quantities cannot send them
        # after this one.
        bindings._sync_lock(LOCK_INVENTORY)
        given = (job.payload or {}).get("quantities") or {}
        computed = store._published_quantities(
            bindings.filtered(lambda b: not b.sku or b.sku not in given).product_id)
        quantities = {
            b.id: int(given[b.sku]) if b.sku and b.sku in given else computed.get(b.product_id.id, 0)
            for b in bindings
        }
        adapter = store._get_adapter()
        size = max(1, adapter._inventory_batch_size(store))
        updated, errors = 0, []
        now = fields.Datetime.now()
        for start in range(0, len(bindings), size):
            chunk = bindings[start:start + size]
            items = []
            for b in chunk:
                item = {"sku": b.sku, "quantity": quantities[b.id], "external_ids": b._external_ids()}
                if not b.sku:
                    item.update(sku=None, ref=b.id, label=b._label())
                items.append(item)
            results = adapter._update_inventory(store, items) or []
            refused_ref = {r["ref"]: r.get("error") for r in results if r.get("error") and r.get("ref")}
            refused_sku = {
                r["sku"]: r["error"] for r in results if r.get("error") and not r.get("ref") and r.get("sku")
            }
            # Group the writes: a batch of 250 bindings becomes a handful of UPDATEs.
            groups = defaultdict(lambda: self.browse())
            for binding in chunk:
                error = refused_ref.get(binding.id) or (refused_sku.get(binding.sku) if binding.sku else None)
                groups[(quantities[binding.id], error)] |= binding
            for (qty, error), group in groups.items():
                if error:
                    group.write({"inventory_error": error})
                    errors += [{"sku": b._label(), "error": error} for b in group]
                else:
                    group.write({"inventory_quantity": qty, "inventory_synced_at": now,
                                 "inventory_error": False})
                    updated += len(group)
        store._event_inventory_sync_completed(
            updated, duration=time.monotonic() - started, job=job, errors=errors
        )
        # The first refusals, for the job's summary ("Sent 248 quantities, 2 refused: ...").
        return {"updated": updated, "failed": len(errors), "refused": errors[:10]}
