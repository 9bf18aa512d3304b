import hashlib
import json
import math

from odoo import _, models


class ConnectorStore(models.Model):
    """Stock of a store: which locations it publishes, the quantity it publishes, Sync Inventory."""

    _inherit = "connector.store"

    def action_sync_inventory(self):
        """Sync Inventory button: queue the stock of every published SKU, in platform-sized batches."""
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("inventory.sync", _("Sync Inventory"))
        self._check_operation_allowed("inventory.sync")
        jobs = self._enqueue_inventory_sync()
        return self._notify_user(
            _("Stock of %(count)s SKUs queued in %(jobs)s jobs.",
              count=sum(len(job.res_ids or ()) for job in jobs), jobs=len(jobs)),
            None,
        )

    def _inventory_bindings(self):
        """The bindings whose stock this store publishes: published, with an SKU, of active variants."""
        self.ensure_one()
        bindings = self.env["store.product.binding"].sudo().search([
            ("store_id", "=", self.id),
            ("platform_status", "=", "active"),
            ("sku", "!=", False),
        ], order="id")
        # Filtered here rather than joined in SQL: right after a bulk publication the tables have no
        # statistics yet, and PostgreSQL then picks a nested loop that takes seconds for 10,000 rows.
        return bindings.filtered(lambda b: b.product_id.active)

    def _enqueue_inventory_sync(self, bindings=None, quantities=None):
        """Queue the stock of `bindings` (default: all published) in jobs of
        `adapter._inventory_batch_size(store)` bindings; each job makes one `_update_inventory` call.

        The jobs of all published bindings merge with the pending jobs of an earlier Sync Inventory
        (identity "inventory:all:<batch number>"), so pressing the button twice queues the batches
        once; the jobs of a given set of bindings (and quantities) merge with the pending jobs of
        the same set.

        :param bindings: store.product.binding records of this store, or None for all published.
        :param quantities: {sku: quantity} to send as given instead of computing them when the job
            runs (the sync API's items); SKUs not in it are computed.
        :returns: the sync.job records.
        :raises OperationNotPermitted: the store does not permit inventory.sync.
        """
        self.ensure_one()
        if bindings is None:
            bindings, prefix = self._inventory_bindings(), "inventory:all"
        else:
            wanted = {"skus": sorted(bindings.mapped("sku")), "quantities": quantities or {}}
            digest = hashlib.sha1(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]
            prefix = f"inventory:set:{digest}"
        size = max(1, self._get_adapter()._inventory_batch_size(self))
        items = []
        for start in range(0, len(bindings), size):
            batch = bindings[start:start + size]
            given = {b.sku: quantities[b.sku] for b in batch if quantities and b.sku in quantities}
            items.append((batch, f"{prefix}:{start // size}", {"quantities": given} if given else None))
        return self.env["sync.job"]._enqueue_many(
            self, "inventory.sync", "_job_export_inventory", items, direction="export"
        )

    def _inventory_locations(self):
        """The internal locations whose stock the store publishes (with their children): the store's
        published locations, else the stock location of its warehouse (else of its company's first
        warehouse)."""
        self.ensure_one()
        if self.location_ids:
            return self.location_ids
        warehouse = self.warehouse_id or self.env["stock.warehouse"].sudo().search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        return warehouse.lot_stock_id

    def _published_quantities(self, products, locations=None):
        """{product id: quantity to publish}: the free quantity (on hand minus reserved) in the store's
        locations, minus the store's safety stock, rounded down, never below zero.

        One grouped query over stock.quant for all `products`, however many there are.

        :param locations: stock.location records to count (with their children) instead of the
            store's published locations (a platform location mapped to one Odoo location).
        """
        self.ensure_one()
        result = dict.fromkeys(products.ids, 0)
        locations = locations or self._inventory_locations()
        if not products or not locations:
            return result
        groups = self.env["stock.quant"].sudo()._read_group(
            [
                ("product_id", "in", products.ids),
                ("location_id", "child_of", locations.ids),
                ("location_id.usage", "=", "internal"),
            ],
            ["product_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        )
        safety = self.safety_stock or 0.0
        for product, quantity, reserved in groups:
            free = (quantity or 0.0) - (reserved or 0.0) - safety
            # round first: 2.9999999 of float noise is 3, not 2
            result[product.id] = max(0, math.floor(round(free, 6)))
        return result
