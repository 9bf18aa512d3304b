"""The test platform's product export, stock and fulfillment: every call is recorded in memory
(RECORDER), and tests script the answers (per-SKU errors, batch size). Product, order and customer
pages are served by store_adapter_orders.py."""

import copy

from odoo import api, models


class Recorder:
    """Calls made to the test platform, and the answers it gives. Tests call `reset()` in setUp."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.calls = []
        self.batch_size = 100
        self.export_errors = {}      # sku -> error message returned by _export_products
        self.inventory_errors = {}   # sku -> error message returned by _update_inventory
        self.fulfillment_count = 0
        # Whether the platform only accepts its own carrier codes (as eBay), see _carrier_code_required.
        self.carrier_code_required = False
        self.inventory_job_ids = []  # sync_job_id in the store's context of each _update_inventory
        # What the platform holds, read by _read_inventory: sku -> available (int), or
        # {"available": int, "on_hand": int or None, "location_id": stock.location id or False},
        # or a list of such dicts (one per location). SKUs not in it are unknown to the platform.
        self.platform_stock = {}
        self.read_page_size = 50     # SKUs per _read_inventory page (one recorded call each)
        # Whether the platform identifies variants by id (_identifies_variants_by_id): off like
        # Shopify's, on like WooCommerce's (variants without SKU imported and bound by their id).
        self.identifies_variants_by_id = False

    def of(self, method):
        """The recorded calls of one adapter method, as (store id, arguments) pairs."""
        return [(store_id, args) for name, store_id, args in self.calls if name == method]


RECORDER = Recorder()


class StoreAdapterTest(models.AbstractModel):
    _inherit = "store.adapter.test"

    def _record(self, method, store, args):
        # deep copy: the caller may reuse its dicts; the record must show what was sent at the time
        RECORDER.calls.append((method, store.id, copy.deepcopy(args)))

    @api.model
    def _listing_fields(self, store):
        """A condition, as eBay asks of every listing (the worked example of a declared listing field)."""
        return [{
            "name": "condition", "label": "Condition", "type": "selection",
            "selection": [("new", "New"), ("used", "Used")], "default": "new",
            "help": "The state of the item sold, as buyers see it.",
        }, {
            "name": "lot_size", "label": "Lot Size", "type": "integer",
            "help": "How many items one purchase delivers.",
        }]

    @api.model
    def _export_products(self, store, products):
        self._record("export_products", store, products)
        results = []
        for product in products:
            for variant in product["variants"]:
                sku = variant["sku"]
                error = RECORDER.export_errors.get(sku)
                results.append({
                    "sku": sku,
                    "error": error,
                    "external_ids": {} if error else {
                        "product_id": f"P{product['odoo_id']}",
                        "variant_id": f"V{variant['odoo_id']}",
                        "inventory_item_id": f"I{variant['odoo_id']}",
                        "handle": f"h-{product['odoo_id']}",
                    },
                })
        return results

    @api.model
    def _identifies_variants_by_id(self, store):
        """As the tests set it (RECORDER.identifies_variants_by_id)."""
        return RECORDER.identifies_variants_by_id

    @api.model
    def _inventory_batch_size(self, store):
        return RECORDER.batch_size

    @api.model
    def _update_inventory(self, store, items):
        """RECORDER.inventory_errors names refused items by SKU, or by platform variant id for an
        item without SKU."""
        self._record("update_inventory", store, items)
        RECORDER.inventory_job_ids.append(store.env.context.get("sync_job_id"))
        results = []
        for item in items:
            key = item["sku"] or (item.get("external_ids") or {}).get("variant_id")
            result = {"sku": item["sku"], "error": RECORDER.inventory_errors.get(key)}
            if "ref" in item:
                result["ref"] = item["ref"]
            results.append(result)
        return results

    @api.model
    def _read_inventory(self, store, bindings):
        """RECORDER.platform_stock of the bindings' SKUs (a binding without SKU: its platform
        variant id), read in pages of RECORDER.read_page_size (each page recorded as a
        "read_inventory" call with its keys). An entry without SKU names its binding by "ref"."""
        keys = [binding.sku or binding.external_variant_id for binding in bindings]
        refs = {binding.external_variant_id: binding.id for binding in bindings if not binding.sku}
        entries = []
        for start in range(0, len(keys), max(1, RECORDER.read_page_size)):
            page = keys[start:start + RECORDER.read_page_size]
            self._record("read_inventory", store, page)
            for key in page:
                stock = RECORDER.platform_stock.get(key)
                if stock is None:
                    continue
                for level in stock if isinstance(stock, list) else [stock]:
                    if not isinstance(level, dict):
                        level = {"available": level}
                    entry = {
                        "sku": key,
                        "available": int(level.get("available") or 0),
                        "on_hand": level.get("on_hand"),
                        "location_id": level.get("location_id") or False,
                    }
                    if key in refs:
                        entry.update(sku=None, ref=refs[key])
                    entries.append(entry)
        return entries

    @api.model
    def _push_fulfillment(self, store, external_order_id, fulfillment):
        self._record("push_fulfillment", store, {"order": external_order_id, "fulfillment": fulfillment})
        RECORDER.fulfillment_count += 1
        return f"F{RECORDER.fulfillment_count}"

    @api.model
    def _carrier_code_required(self, store):
        """As the tests set it (RECORDER.carrier_code_required): False like Shopify, True like eBay."""
        return RECORDER.carrier_code_required

    @api.model
    def _update_order_status(self, store, external_order_id, status, **kwargs):
        self._record("update_order_status", store, {"order": external_order_id, "status": status})
