"""WooCommerce products: the export through the batch endpoints (products, then each variable
product's variations), the paged import with keyset cursors, and the product webhooks.

The mapping itself (normalized product <-> REST payloads) is pure, in woocommerce_product_mapper.py.
"""


from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted, PermanentJobError
from odoo.addons.store_connector_base.services.normalized import to_datetime

from .. import const
from . import woocommerce_product_mapper as pm

#: SKUs looked up per ``GET /products?sku=a,b,c`` (one page of at most PAGE_SIZE answers).
SKU_LOOKUP_CHUNK = 50
#: WooCommerce's answer when a product already in the trash is trashed again.
ALREADY_TRASHED = "woocommerce_rest_already_trashed"


class StoreAdapterWooCommerceProducts(models.AbstractModel):
    """WooCommerce products: `_export_products`, `_import_products` and the product.* webhooks."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"products.export", "products.import"}

    @api.model
    def _identifies_variants_by_id(self, store):
        """WooCommerce lets a shop leave a product's or a variation's SKU empty, never its id: such
        products are imported and bound by their id (a simple product's id, a variation's own)."""
        return True

    # ------------------------------------------------------------------ export
    @api.model
    def _export_products(self, store, products):
        """Create or update `products` (normalized) on WooCommerce: the parents through
        ``/products/batch``, then the variations of each variable product through
        ``/products/<id>/variations/batch``, in calls of at most 100 items. A product or variation
        WooCommerce does not know yet by id is first looked up by SKU, so that one already there is
        updated, not duplicated. Per-item refusals are returned as that SKU's error.

        :returns: [{"sku", "external_ids", "error"}], one per variant.
        """
        client = store._woocommerce_client()
        results = []
        plans = self._woocommerce_export_plans(client, store, products, results)
        self._woocommerce_export_parents(client, store, plans, results)
        for plan in plans:
            if plan["product_id"] and plan["variable"] and not plan["error"] and not plan["trashed"]:
                self._woocommerce_export_variations(client, plan, results)
        return results

    @api.model
    def _woocommerce_export_plans(self, client, store, products, results):
        """What to do with each product: its known or SKU-matched WooCommerce ids. Variants whose SKU
        WooCommerce has on another kind of record get their error in `results` and are left out.

        :returns: [{"product", "variable", "product_id", "variants": [(variant, variation id)],
            "error", "trashed"}]
        """
        unknown = []
        for product in products:
            for variant in product.get("variants") or []:
                if variant.get("sku") and not (variant.get("external_ids") or {}).get("variant_id"):
                    unknown.append(variant["sku"])
        found = self._woocommerce_find_skus(client, unknown)
        plans = []
        for product in products:
            variable = pm.is_variable(product)
            product_id = str((product.get("external_ids") or {}).get("product_id") or "") or None
            variants = []
            for variant in product.get("variants") or []:
                ids = variant.get("external_ids") or {}
                product_id = product_id or (str(ids["product_id"]) if ids.get("product_id") else None)
                # A product Odoo sent as simple that has attributes now: its variant id was the
                # product's own, its variation is still to create.
                was_simple = ids.get(pm.TYPE_KEY) == "simple"
                known_variation = ids.get("variant_id") and variable and not was_simple
                variation_id = str(ids["variant_id"]) if known_variation else None
                match = found.get(variant.get("sku")) if not ids.get("variant_id") else None
                if match:
                    parent = str(match.get("parent_id") or "")
                    is_variation = match.get("type") == "variation" or parent not in ("", "0")
                    if variable and is_variation and (not product_id or product_id == parent):
                        product_id, variation_id = parent, str(match["id"])
                    elif not variable and not is_variation and match.get("type") != "variable":
                        product_id = product_id or str(match["id"])
                    else:
                        results.append(self._woocommerce_sku_taken(variant, match))
                        continue
                variants.append((variant, variation_id))
            plans.append({"product": product, "variable": variable, "product_id": product_id,
                          "variants": variants, "error": None, "trashed": False})
        return plans

    @api.model
    def _woocommerce_sku_taken(self, variant, match):
        """The export result of a variant whose SKU WooCommerce has on a record that cannot be it."""
        if match.get("type") == "variation" or match.get("parent_id"):
            message = _(
                "SKU %(sku)s is a variation of another WooCommerce product (#%(parent)s), while this Odoo "
                "product is %(kind)s. Give the variant another SKU, or remove the SKU on WooCommerce.",
                sku=variant.get("sku"), parent=match.get("parent_id"),
                kind=_("a variant of another product") if variant.get("attributes") else _(
                    "a product without variants"),
            )
        else:
            message = _(
                "SKU %(sku)s is already used by WooCommerce product #%(id)s (%(type)s), which is not a "
                "variation of this product. Give the variant another SKU, or remove the SKU on WooCommerce.",
                sku=variant.get("sku"), id=match.get("id"), type=match.get("type") or "-",
            )
        return {"sku": variant.get("sku"), "external_ids": {}, "error": message}

    @api.model
    def _woocommerce_find_skus(self, client, skus):
        """{sku: WooCommerce product or variation} for the SKUs WooCommerce has, in bulk:
        ``GET /products?sku=a,b,c`` (a comma-separated list, products and variations alike)."""
        found = {}
        wanted = sorted({sku for sku in skus if sku and "," not in sku})
        for start in range(0, len(wanted), SKU_LOOKUP_CHUNK):
            chunk = wanted[start:start + SKU_LOOKUP_CHUNK]
            rows, _total, _pages = client.get_page(
                "/products", {"sku": ",".join(chunk)}, per_page=const.PAGE_SIZE)
            for row in rows or []:
                if row.get("sku") in chunk:
                    found.setdefault(row["sku"], row)
        return found

    @api.model
    def _woocommerce_export_parents(self, client, store, plans, results):
        """Create or update the parents (``/products/batch``); an archived product goes to the trash
        instead when the store says so. Fills each plan's product id or error."""
        creates, updates = [], []
        for plan in plans:
            product = plan["product"]
            if not plan["variants"]:
                continue
            archived = product.get("status") == "archived"
            if archived and not plan["product_id"]:
                # Never on WooCommerce: nothing to archive there.
                plan["trashed"] = True
                results += [{"sku": v.get("sku"), "external_ids": {}, "error": None}
                            for v, _vid in plan["variants"]]
                continue
            if archived and store.woocommerce_archive_action == "trash":
                self._woocommerce_trash(client, plan, results)
                continue
            payload = pm.product_payload(product)
            if plan["product_id"]:
                updates.append((plan, {"id": int(plan["product_id"]), **payload}))
            else:
                creates.append((plan, payload))
        answer = client.batch("/products", create=[p for _plan, p in creates],
                              update=[p for _plan, p in updates])
        answers = answer["create"] + answer["update"]
        for (plan, _payload), item in zip(creates + updates, answers, strict=True):
            error = client.item_error_text(item)
            if error:
                plan["error"] = error
                results += [{"sku": v.get("sku"), "external_ids": {},
                             "error": _("WooCommerce refused the product: %(error)s", error=error)}
                            for v, _vid in plan["variants"]]
                continue
            plan["product_id"] = str(item.get("id"))
            if not plan["variable"]:
                variant = plan["variants"][0][0]
                results.append({"sku": variant.get("sku"), "error": None, "external_ids": {
                    "product_id": plan["product_id"], "variant_id": plan["product_id"],
                    **pm.export_facts(plan["product"], variant)}})

    @api.model
    def _woocommerce_trash(self, client, plan, results):
        """Move an archived product to WooCommerce's trash (``DELETE /products/<id>`` without
        force: the merchant can restore it); its ids stay on the bindings."""
        plan["trashed"] = True
        try:
            client.request_json("DELETE", f"/products/{plan['product_id']}")
        except PermanentJobError as exc:
            if ALREADY_TRASHED not in str(exc):
                plan["error"] = str(exc)
        for variant, variation_id in plan["variants"]:
            ids = {"product_id": plan["product_id"]}
            if variation_id or not plan["variable"]:
                ids["variant_id"] = variation_id or plan["product_id"]
            results.append({"sku": variant.get("sku"), "external_ids": {} if plan["error"] else ids,
                            "error": plan["error"]})

    @api.model
    def _woocommerce_export_variations(self, client, plan, results):
        """Create or update the variations of one variable product
        (``/products/<id>/variations/batch``, at most 100 per call)."""
        product, product_id = plan["product"], plan["product_id"]
        creates, updates = [], []
        for variant, variation_id in plan["variants"]:
            payload = pm.variation_payload(product, variant)
            if variation_id:
                updates.append((variant, {"id": int(variation_id), **payload}))
            else:
                creates.append((variant, payload))
        answer = client.batch(f"/products/{product_id}/variations",
                              create=[p for _v, p in creates], update=[p for _v, p in updates])
        answers = answer["create"] + answer["update"]
        for (variant, _payload), item in zip(creates + updates, answers, strict=True):
            error = client.item_error_text(item)
            if error:
                results.append({"sku": variant.get("sku"), "external_ids": {},
                                "error": _("WooCommerce refused the variation: %(error)s", error=error)})
                continue
            results.append({"sku": variant.get("sku"), "error": None, "external_ids": {
                "product_id": product_id, "variant_id": str(item.get("id")),
                **pm.export_facts(product, variant)}})

    # ------------------------------------------------------------------ import
    @api.model
    def _import_products(self, store, since=None, cursor=None, limit=None):
        """One page of WooCommerce products, oldest change first, each variable one with all its
        variations (their own resource, read 100 a page), as normalized products.

        ``modified_after`` is exclusive (WordPress's date query "after"): asked from the second
        before the cursor's (or `since`), so that the records of that second come again and the
        keyset cursor (services/paging.py) decides which are new.
        """
        client = store._woocommerce_client()
        since = to_datetime(since, "since", required=False) if since else None
        page = client.modified_keyset_page("/products", cursor=cursor, since=since, limit=limit)
        records = [self._woocommerce_normalized_product(client, row) for row in page["records"]]
        # The total (X-WP-Total) with the first page: a Full Sync shows "120 / 250".
        return {"records": records, "next_cursor": page["next_cursor"], "total": page.get("total")}

    @api.model
    def _woocommerce_normalized_product(self, client, row):
        """The normalized product of a WooCommerce product, its variations read when variable."""
        variations = []
        if row.get("type") == "variable":
            variations = list(client.iter_pages(f"/products/{row['id']}/variations"))
        return pm.product_from_rest(row, variations)

    # ------------------------------------------------------------------ webhooks
    @api.model
    def _webhook_topic_handlers(self, store):
        """product.created / restored: imported; product.updated: imported, then the stock
        reaction of the stock part if it is installed (`_woocommerce_product_stock_changed`);
        product.deleted: the bindings forget the ids."""
        handlers = super()._webhook_topic_handlers(store)
        handlers["product.created"] = "_woocommerce_webhook_product_import"
        handlers["product.restored"] = "_woocommerce_webhook_product_import"
        handlers["product.updated"] = "_woocommerce_webhook_product"
        handlers["product.deleted"] = "_woocommerce_webhook_product_delete"
        return handlers

    @api.model
    def _woocommerce_webhook_product(self, store, delivery, payload):
        """product.updated: import the product again (see `_woocommerce_webhook_product_import`),
        then let the stock part react to the quantity in the payload, when it is there."""
        try:
            result = self._woocommerce_webhook_product_import(store, delivery, payload)
        except OperationNotPermitted as exc:
            # The store does not sync products; its stock reaction (a switch of its own) still runs.
            result = {"skipped": str(exc)}
        if hasattr(self, "_woocommerce_product_stock_changed"):
            stock = self._woocommerce_product_stock_changed(store, payload)
            result = {**(result or {}), "stock": stock}
        return result

    @api.model
    def _woocommerce_webhook_product_import(self, store, delivery, payload):
        """Re-read the product from WooCommerce (a body may be old: deliveries are late and
        unordered) and import it like a pulled page: bound and SKU-matched variants get their ids
        refreshed (Odoo stays the master of their data), new ones are created. A variation's edit
        arrives with the variation's id and its `parent_id`: the parent is read."""
        store._check_operation_allowed("products.sync")
        product_id = payload.get("parent_id") or payload.get("id")
        if not product_id:
            raise PermanentJobError(_("The product webhook names no product id: nothing to import."))
        client = store._woocommerce_client()
        rows = client.request_json("GET", "/products", params={"include": str(product_id), "per_page": 1})
        if not rows:
            return {"product": str(product_id), "found": False}
        return store._import_product_page([self._woocommerce_normalized_product(client, rows[0])])

    @api.model
    def _woocommerce_webhook_product_delete(self, store, delivery, payload):
        """product.deleted ({"id"}, a product or a variation): the bindings forget the deleted
        ids and say why, so that publishing the variants again creates them anew. A product Odoo
        itself moved to the trash (archived, the store's trash option) keeps its ids: restoring it
        on WooCommerce brings the same product back. The binding of a variant imported without SKU
        (bound by the deleted id alone) is removed."""
        deleted = str(payload.get("id") or "")
        if not deleted:
            raise PermanentJobError(_("The product.deleted webhook names no product id."))
        Binding = self.env["store.product.binding"].sudo()
        of_product = Binding._find_by_external_ids(store, [deleted], "external_product_id").get(
            deleted, Binding)
        of_variation = Binding._find_by_external_ids(store, [deleted], "external_variant_id").get(
            deleted, Binding) - of_product
        # A variant imported without SKU was known by the deleted id alone: nothing identifies it
        # any more, and Odoo cannot publish it again without a SKU. Its binding goes; the Odoo
        # product stays.
        unbound = (of_product | of_variation).filtered(lambda b: not b.sku)
        of_product, of_variation = of_product - unbound, of_variation - unbound
        removed = unbound.ids
        unbound.unlink()
        forgotten = Binding
        for binding in of_product.filtered(lambda b: b.platform_status != "archived"):
            vals = binding._external_ids_values({"product_id": None, "variant_id": None},
                                                binding.external_data)
            vals.update(sync_state="failed", last_error=_(
                "The product was deleted on WooCommerce. Publish it again to create it anew."))
            binding.write(vals)
            forgotten |= binding
        for binding in of_variation.filtered(lambda b: b.platform_status != "archived"):
            vals = binding._external_ids_values({"variant_id": None}, binding.external_data)
            vals.update(sync_state="failed", last_error=_(
                "The variation was deleted on WooCommerce. Export the product again to create it anew."))
            binding.write(vals)
            forgotten |= binding
        return {"product": deleted, "bindings": forgotten.ids, "unbound": removed}
