from odoo import models

from odoo.addons.store_connector_base.models.store_product_binding import LOCK_PRODUCT_EXPORT

from . import ebay_stock_mapper as sm


class StoreProductBinding(models.Model):
    """eBay: the job that migrates legacy listings to the Inventory API."""

    _inherit = "store.product.binding"

    def _job_ebay_migrate_listings(self, job):
        """Job products.migrate: move the legacy listings of these bindings to the Inventory API
        (store.adapter.ebay `_ebay_migrate_listings`); per-listing errors land on the bindings.
        Bindings already migrated (by an earlier run) are left alone."""
        store = job.store_id
        store._check_operation_allowed("products.sync")
        bindings = self.filtered(
            lambda b: b.store_id == store and sm.listing_api(b._external_ids()) == sm.API_TRADING
        )
        if not bindings:
            return {"migrated": 0, "failed": 0}
        # The product export's lock: no revision goes out while the listing moves.
        bindings._sync_lock(LOCK_PRODUCT_EXPORT)
        summary = store._get_adapter()._ebay_migrate_listings(store, bindings)
        store._log_activity(
            "products.migrate",
            "failed" if summary["failed"] else "done",
            records=summary["migrated"],
            job=job,
            message=store.env._(
                "1 listing migrated to the Inventory API, %(failed)s refused.", failed=summary["failed"],
            ) if summary["migrated"] == 1 else store.env._(
                "%(migrated)s listings migrated to the Inventory API, %(failed)s refused.",
                migrated=summary["migrated"],
                failed=summary["failed"],
            ),
        )
        return summary
