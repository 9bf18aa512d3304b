"""WooCommerce stock: quantities sent through the batch endpoints, read back in bulk, and (optional)
WooCommerce's own stock changes imported into Odoo.

Where a quantity goes (WooCommerce REST API v3, "Batch update products" / "Batch update product
variations"): a simple product's through ``POST /products/batch``, a variation's through ``POST
/products/<parent id>/variations/batch`` of its own variable product. ``products/batch`` does not
take variation ids: the products controller refuses them item by item
(``WC_REST_Products_Controller::prepare_object_for_database``: "To manipulate product variations
you should use the /products/<product_id>/variations/<id> endpoint.",
``woocommerce_rest_invalid_product_id``), so the variations of different parents cannot share a
call. The stock jobs keep each parent's variations together (`_inventory_batch_group`, the base's
packing in `connector.store._inventory_batches`), which makes the fewest calls WooCommerce allows:
ceil(simple products / 100) plus, for each variable product, ceil(its variations / 100). Nothing is
read before a batch: the answer of each item tells whether WooCommerce took it.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted, PermanentJobError

from .. import const
from .woocommerce_client import WooCommerceClient

# external_data key: WooCommerce's date_modified_gmt of the last stock change imported (older or
# equal product.updated deliveries are not applied again).
STOCK_IMPORTED_KEY = "woocommerce_stock_modified"


def stock_target(external_ids):
    """Where a bound variant's stock lives on WooCommerce, from its binding's platform ids:
    ("product", product id) for a simple product, ("variation", parent id, variation id) for a
    variation of a variable product, None when it was never exported.

    The binding keeps the WooCommerce product id as `product_id` (the parent's, for a variation)
    and the variation id as `variant_id` (a simple product's `variant_id` is empty or its own id);
    a `parent_id` in its data names the parent as well.
    """
    ids = external_ids or {}
    product = str(ids.get("product_id") or "") or None
    variant = str(ids.get("variant_id") or "") or None
    parent = str(ids.get("parent_id") or "") or None
    if parent == "0":  # WooCommerce's parent_id of a product that is not a variation
        parent = None
    if variant and parent and parent != variant:
        return ("variation", parent, variant)
    if variant and product and variant != product:
        return ("variation", product, variant)
    if product or variant:
        return ("product", product or variant)
    return None


class StoreAdapterWooCommerceStock(models.AbstractModel):
    """WooCommerce stock: `_update_inventory`, `_read_inventory`, the batch grouping, and the
    optional import of WooCommerce's stock changes (`_woocommerce_product_stock_changed`)."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"inventory.sync"}

    # ------------------------------------------------------------------ stock out
    @api.model
    def _inventory_batch_size(self, store):
        return const.BATCH_LIMIT

    @api.model
    def _inventory_batch_group(self, store, binding):
        """Simple products share ``products/batch``; the variations of one variable product share
        its ``variations/batch``; variants never exported form a group of their own (no call)."""
        target = stock_target(binding._external_ids())
        if target is None:
            return ("unexported",)
        if target[0] == "variation":
            return ("variations", target[1])
        return ("products",)

    @api.model
    def _update_inventory(self, store, items):
        """Send the quantities, ``manage_stock: true`` with each one.

        Stock management is switched on for what we manage: a product whose stock WooCommerce did
        not track gets tracked, and a variation that used its parent's stock (``manage_stock``
        "parent": one quantity shared by all the variations that inherit it) gets a stock of its
        own, since Odoo keeps one quantity per variant (a shared quantity would be overwritten by
        each variant in turn). One call per group of items (simple products; each parent's
        variations), at most 100 items each.

        Per item, the error WooCommerce gives for it (``error`` in the batch answer, with its
        code), or, when WooCommerce answers ``manage_stock: false`` (stock management switched off
        for the whole shop, WooCommerce > Settings > Products > Inventory), that the quantity was
        not taken. A call WooCommerce refuses as a whole with a permanent error (e.g. a variable
        product deleted on WooCommerce) fails its items only; retryable and authentication errors
        fail the job, which sends everything again (setting a quantity twice is harmless).
        """
        results, calls = [], defaultdict(list)
        for item in items:
            target = stock_target(item.get("external_ids"))
            if target is None:
                results.append(self._woocommerce_stock_result(item, _(
                    "SKU %(sku)s is not on WooCommerce yet: publish the product first, then its stock "
                    "is sent.", sku=self._woocommerce_item_label(item))))
            elif target[0] == "variation":
                calls[f"/products/{target[1]}/variations"].append((item, target[2]))
            else:
                calls["/products"].append((item, target[1]))
        if not calls:
            return results
        client = store._woocommerce_client()
        for path, entries in calls.items():
            update = [{"id": int(platform_id) if platform_id.isdigit() else platform_id,
                       "manage_stock": True, "stock_quantity": int(item["quantity"])}
                      for item, platform_id in entries]
            try:
                answers = client.batch(path, update=update)["update"]
            except PermanentJobError as exc:
                results += [self._woocommerce_stock_result(item, str(exc)) for item, _id in entries]
                continue
            for (item, _id), answer in zip(entries, answers, strict=True):
                error = self._woocommerce_stock_item_error(item, answer)
                results.append(self._woocommerce_stock_result(item, error))
        return results

    @api.model
    def _woocommerce_stock_result(self, item, error):
        """The result of one item: its SKU, its "ref" when it has one (a variant bound by its
        WooCommerce id without SKU), the error or None."""
        result = {"sku": item["sku"], "error": error}
        if "ref" in item:
            result["ref"] = item["ref"]
        return result

    @api.model
    def _woocommerce_item_label(self, item):
        """How messages name an item: its SKU, else the label the base gives it."""
        return item.get("sku") or item.get("label") or "-"

    @api.model
    def _woocommerce_stock_item_error(self, item, answer):
        """Why WooCommerce did not take an item's quantity (its answer in the batch), or None."""
        error = WooCommerceClient.item_error_text(answer)
        if error:
            return _("WooCommerce refused the stock of SKU %(sku)s: %(error)s",
                     sku=self._woocommerce_item_label(item), error=error)
        if isinstance(answer, dict) and answer.get("manage_stock") is False:
            return _(
                "WooCommerce did not take the stock of SKU %(sku)s: stock management is switched off in "
                "the shop. Switch on WooCommerce > Settings > Products > Inventory > \"Enable stock "
                "management\", then sync the stock again.", sku=self._woocommerce_item_label(item))
        return None

    # ------------------------------------------------------------------ stock read
    @api.model
    def _read_inventory(self, store, bindings):
        """The quantities WooCommerce holds for the bound variants, in bulk: the simple products
        with ``GET /products?include=<ids>``, the variations of each variable product with ``GET
        /products/<id>/variations?include=<ids>``, 100 ids per request.

        ``available`` is ``stock_quantity`` where WooCommerce manages the record's own stock;
        ``on_hand`` is None (WooCommerce has one quantity). Left out, as "unknown" for the stock
        baseline (nothing imported, Odoo's quantity published) and the drift check (not
        compared): records whose stock WooCommerce does not manage (``manage_stock`` false,
        ``stock_quantity`` null), variations using their parent's shared stock (``manage_stock``
        "parent": one quantity for several Odoo variants, which cannot be split between them;
        the first stock sync gives each variation its own), and records WooCommerce does not
        return (deleted) or that were never exported.
        """
        wanted = defaultdict(dict)  # request path -> {platform id: binding}
        for binding in bindings:
            target = stock_target(binding._external_ids())
            if target is None:
                continue
            if target[0] == "variation":
                wanted[f"/products/{target[1]}/variations"][target[2]] = binding
            else:
                wanted["/products"][target[1]] = binding
        if not wanted:
            return []
        client = store._woocommerce_client()
        entries = []
        for path, by_id in wanted.items():
            ids = list(by_id)
            for start in range(0, len(ids), const.PAGE_SIZE):
                chunk = ids[start:start + const.PAGE_SIZE]
                try:
                    records, _total, _pages = client.get_page(
                        path, {"include": ",".join(chunk)}, per_page=const.PAGE_SIZE)
                except PermanentJobError:
                    if path == "/products":
                        raise
                    # The variable product is gone on WooCommerce: its variations are unknown.
                    break
                for record in records or []:
                    binding = by_id.get(str(record.get("id")))
                    if binding is None or record.get("manage_stock") is not True:
                        continue
                    quantity = record.get("stock_quantity")
                    if quantity is None:
                        continue
                    entry = {"sku": binding.sku, "available": int(quantity), "on_hand": None,
                             "location_id": False}
                    if not binding.sku:  # bound by its WooCommerce id: named by its binding
                        entry.update(sku=None, ref=binding.id)
                    entries.append(entry)
        return entries

    # ------------------------------------------------------------------ stock in (optional)
    @api.model
    def _woocommerce_product_stock_changed(self, store, payload):
        """A product.updated delivery (after the product's own import): with the store's "Import
        Stock Changes from WooCommerce" on (off by default: Odoo is the master of the stock), the
        quantity WooCommerce now holds for the bound variant becomes Odoo's, in the store's
        published locations (`connector.store._apply_platform_quantity`: on hand changes so that
        Odoo publishes WooCommerce's quantity back; lots, packages and owners kept).

        A variation's delivery carries the variation's own representation (its id and
        ``parent_id``). Ignored, with the reason: the switch off; the echo of our own export (the
        quantity equals what Odoo last sent); a delivery not newer (``date_modified_gmt``) than the
        last one applied; a record whose own stock WooCommerce does not manage (``manage_stock``
        false or "parent", a variable product's own stock); unknown or non-storable variants.

        :returns: a result dict (what was applied or why nothing was).
        """
        if not store.woocommerce_import_inventory:
            return {"ignored": "stock import from WooCommerce is off (Odoo is the master)"}
        if not isinstance(payload, dict) or payload.get("id") in (None, ""):
            return {"ignored": "no product id"}
        if payload.get("type") == "variable":
            return {"ignored": "a variable product's own stock is not a variant's"}
        if payload.get("manage_stock") is not True or payload.get("stock_quantity") is None:
            return {"ignored": "WooCommerce does not manage this record's own stock"}
        quantity = int(payload["stock_quantity"])
        binding = self._woocommerce_stock_binding(store, payload)
        if not binding or not binding.product_id.is_storable:
            return {"ignored": f"no storable variant bound to WooCommerce record {payload['id']}"}
        if binding.inventory_synced_at and binding.inventory_quantity == quantity:
            return {"ignored": "echo of Odoo's own export", "sku": binding.sku}
        data = dict(binding.external_data or {})
        modified = str(payload.get("date_modified_gmt") or "")
        # Equal is the same change delivered again (WooCommerce webhooks of one second, a replay).
        if modified and str(data.get(STOCK_IMPORTED_KEY) or "") >= modified:
            return {"ignored": "older than the quantity already applied, or the same change again",
                    "sku": binding.sku}
        self._woocommerce_import_orders_holding_stock(store, payload)
        result = store._apply_platform_quantity(binding, store._stock_default_locations(), quantity)
        if modified:
            data[STOCK_IMPORTED_KEY] = modified
        # What WooCommerce has now is what Odoo publishes: the export the adjustment queues sends the
        # same quantity, and its echo is recognised.
        binding.write({"external_data": data, "inventory_quantity": quantity,
                       "inventory_synced_at": fields.Datetime.now()})
        return result

    @api.model
    def _woocommerce_import_orders_holding_stock(self, store, payload):
        """Import first the orders of the product whose units WooCommerce's quantity already left
        out (statuses const.STOCK_HOLDING_ORDER_STATUSES) and that it changed since the store's last
        order pull: one page of ``GET /orders?product=<id>`` (a variation's orders are its parent's),
        through the order pipeline, which ignores those already imported.

        Why: WooCommerce takes an order's units off its stock when the order is paid and announces
        the new quantity by product.updated, while the order reaches Odoo by its own webhook or the
        next pull, in no guaranteed order. Applied first, the quantity would lower Odoo's on hand by
        the sold units, and the order's reservation, once imported, would take them off again.
        """
        try:
            store._check_operation_allowed("orders.pull")
        except OperationNotPermitted:
            return
        parent = str(payload.get("parent_id") or "")
        params = {"product": parent if parent not in ("", "0") else str(payload["id"]),
                  "status": ",".join(const.STOCK_HOLDING_ORDER_STATUSES), "dates_are_gmt": "true",
                  "orderby": "modified", "order": "desc"}
        if store.order_import_cursor:
            since = store.order_import_cursor - timedelta(seconds=const.STOCK_ORDER_PULL_MARGIN_SECONDS)
            params["modified_after"] = since.strftime("%Y-%m-%dT%H:%M:%S")
        records, _total, _pages = store._woocommerce_client().get_page(
            "/orders", params, page=1, per_page=const.PAGE_SIZE)
        if records:
            self.env["store.order.importer"]._import_orders(
                store, self._woocommerce_normalized_orders(store, records))

    @api.model
    def _woocommerce_stock_binding(self, store, payload):
        """The product binding of a product.updated body: a variation by its variation id (under
        its parent), a simple product by its product id."""
        Binding = self.env["store.product.binding"].sudo()
        record_id = str(payload["id"])
        parent = str(payload.get("parent_id") or "")
        if parent and parent != "0":
            found = Binding._find_by_external_ids(store, [record_id], "external_variant_id").get(record_id)
            found = (found or Binding).filtered(
                lambda b: stock_target(b._external_ids()) == ("variation", parent, record_id))
            return found[:1]
        candidates = (Binding._find_by_external_ids(store, [record_id], "external_product_id").get(record_id)
                      or Binding)
        return candidates.filtered(lambda b: stock_target(b._external_ids()) == ("product", record_id))[:1]
