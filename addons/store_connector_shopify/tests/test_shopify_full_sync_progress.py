"""Full Sync progress on Shopify (bulk operations against the simulator): each chunk of a bulk result
is a page of the run's progress, the bulk operation's rootObjectCount its total."""

from odoo.tests import tagged

from .common import ShopifySimulatorCase


@tagged("post_install", "-at_install")
class TestShopifyFullSyncProgress(ShopifySimulatorCase):
    store_vals = {"allow_products_sync": True, "allow_orders_pull": True, "auto_sync_customers": True}

    def run_full_sync(self):
        self.store.action_full_sync()
        self.run_queue()
        self.sim.complete_bulk_operations()
        adapter = self.store._get_adapter()
        for event in self.sim.events:
            if event["topic"] == "bulk_operations/finish":
                adapter._shopify_webhook_bulk_finish(self.store, None, event["payload"])
        for _round in range(5):
            if not self.run_queue():
                break

    def test_chunks_of_the_bulk_results_are_the_pages_of_the_progress(self):
        skus = self.sim.seed_catalog(products=230, variants_per_product=1, prefix="FSP")
        self.sim.seed_orders(count=20, lines_per_order=1, spread_days=10)
        self.store.action_full_sync()
        run = self.store.full_sync_run_id
        self.assertEqual((run.state, run.entities), ("running", "products,customers,orders"))
        self.run_full_sync()

        progress = self.store._full_sync_progress()
        entities = {e["entity"]: e for e in progress["entities"]}
        products, customers, orders = entities["products"], entities["customers"], entities["orders"]
        # 230 products in chunks of 100: three pages, the total from the bulk operation.
        self.assertEqual((products["pages"], products["done"], products["total"], products["failed"]),
                         (3, len(skus), 230, 0))
        self.assertEqual((orders["done"], orders["total"], orders["failed"], orders["state"]),
                         (20, 20, 0, "done"))
        self.assertTrue(customers["done"])
        self.assertEqual(customers["done"], customers["total"])
        self.assertEqual(progress["state"], "done")
        self.assertEqual(
            progress["summary"],
            f"230 products, {customers['done']} customers, 20 orders imported.")
        self.assertIn("230 / 230", self.store.full_sync_progress_html)

    def test_a_failed_bulk_operation_stops_its_entity(self):
        self.sim.seed_catalog(products=3, variants_per_product=1, prefix="FSQ")
        self.store.action_full_sync()
        self.run_queue()
        # Shopify ends the orders' bulk operation with an error.
        for op in self.sim.store.bulk_operations.values():
            if "orders" in op.query:
                op.error_code = "INTERNAL_SERVER_ERROR"
        self.run_full_sync()
        progress = self.store._full_sync_progress()
        entities = {e["entity"]: e for e in progress["entities"]}
        self.assertEqual(entities["orders"]["state"], "stopped")
        self.assertEqual(entities["products"]["state"], "done")
        self.assertEqual(progress["state"], "failed")
        self.assertIn("Stopped before the end: Orders", progress["summary"])
