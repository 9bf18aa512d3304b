import math

from odoo import _, models


class ConnectorStore(models.Model):
    """Stock of a store: which locations it publishes, the quantity it publishes, Sync Inventory."""

    _inherit = "connector.store"

    def action_sync_inventory(self):
        """Sync Inventory button: queue the stock of every published SKU, in platform-sized batches."""
        self.ensure_one()
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

    def _enqueue_inventory_sync(self, bindings=None):
        """Queue the stock of `bindings` (default: all published) in jobs of
        `adapter._inventory_batch_size(store)` bindings; each job makes one `update_inventory` call.

        The jobs merge with the pending jobs of an earlier Sync Inventory (identity
        "inventory:all:<batch number>"), so pressing the button twice queues the batches once.

        :returns: the sync.job records.
        :raises OperationNotPermitted: the store does not permit inventory.sync.
        """
        self.ensure_one()
        bindings = self._inventory_bindings() if bindings is None else bindings
        size = max(1, self._get_adapter()._inventory_batch_size(self))
        items = [
            (bindings[start:start + size], f"inventory:all:{start // size}", None)
            for start in range(0, len(bindings), size)
        ]
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

    def _published_quantities(self, products):
        """{product id: quantity to publish}: the free quantity (on hand minus reserved) in the store's
        locations, minus the store's safety stock, rounded down, never below zero.

        One grouped query over stock.quant for all `products`, however many there are.
        """
        self.ensure_one()
        result = dict.fromkeys(products.ids, 0)
        locations = self._inventory_locations()
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

    def _event_inventory_sync_completed(self, count, failed=0, duration=0.0, job=None):
        """Extension point: an inventory job published the stock of `count` SKUs to this store
        (`failed` more were refused by the platform). Default: a line in the activity log."""
        self.ensure_one()
        return self._log_activity(
            "inventory.sync", "failed" if failed and not count else "done",
            records=count, duration=duration, job=job,
            message=_("%(failed)s SKUs refused by the platform", failed=failed) if failed else None,
        )
