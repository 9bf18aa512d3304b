"""What runs without anyone clicking (stock moves, product edits, the scheduled pull and stock check,
validated deliveries) queues nothing for an operation the store's platform addon does not implement:
such a job could only fail, again and again, with "does not support"."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.store_connector_base import const

from .common_products import ProductSyncCase


class TestUnsupportedFeaturesQueueNothing(ProductSyncCase):
    @contextmanager
    def features(self, *features):
        """The test platform's addon declares only `features` meanwhile."""
        adapter_class = type(self.env["store.adapter.test"])
        fields = [*const.PLATFORM_FEATURES.values(), "platform_implemented"]
        with patch.object(adapter_class, "_supported_features", lambda self, store: set(features)):
            self.env["connector.store"].invalidate_model(fields)
            yield
        self.env["connector.store"].invalidate_model(fields)

    def setUp(self):
        super().setUp()
        self.store.write({"auto_sync_orders": True, "allow_orders_pull": True})
        self.store._publish_products(self.mug)
        self.env["sync.job"].search([("store_id", "=", self.store.id)]).unlink()

    def test_stock_moves_and_product_edits(self):
        with self.features("orders.pull"):
            self.move(self.mug, 3)
            self.mug.list_price = 9.5
            self.assertFalse(self.pending_jobs(), "no stock or product job for a platform lacking them")
        # The same with the features: the store's jobs are queued (the test can fail).
        with self.features("inventory.sync", "products.export"):
            self.move(self.mug, 3)
            self.mug.list_price = 10.5
            self.assertTrue(self.pending_jobs(operation="inventory.sync"))
            self.assertTrue(self.pending_jobs(operation="products.export"))

    def test_scheduled_pull_and_stock_check(self):
        Store = self.env["connector.store"]
        with self.features("products.export"):
            self.assertNotIn(self.store, Store._cron_pull_orders().store_id)
            self.assertNotIn(self.store, Store._cron_reconcile_stock().store_id)
        with self.features("orders.pull", "inventory.sync"):
            self.assertIn(self.store, Store._cron_reconcile_stock().store_id)
            self.assertIn(self.store, Store._cron_pull_orders().store_id)
