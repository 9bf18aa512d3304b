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
        self.sim.seed_catalog(products=230, variants_per_product=1, prefix="FSP")
        shop_products = len(self.sim.store.products)  # the 230, and the shop's few of its set-up
        for index in range(2):
            self.sim.add_customer(email=f"fsp{index}@example.com", first_name="Fay", last_name=f"P{index}",
                                  webhooks=False)
        self.sim.seed_orders(count=20, lines_per_order=1, spread_days=10)
        self.store.action_full_sync()
        run = self.store.full_sync_run_id
        self.assertEqual((run.state, run.entities), ("running", "products,customers,orders"))
        self.run_full_sync()

        progress = self.store._full_sync_progress()
        entities = {e["entity"]: e for e in progress["entities"]}
        products, customers, orders = entities["products"], entities["customers"], entities["orders"]
        # 230 and more products in chunks of 100: three pages, the total from the bulk operation.
        self.assertEqual((products["pages"], products["done"], products["total"], products["failed"]),
                         (3, shop_products, shop_products, 0))
        self.assertEqual((orders["done"], orders["total"], orders["failed"], orders["state"]),
                         (20, 20, 0, "done"))
        self.assertEqual((customers["done"], customers["total"], customers["state"]), (2, 2, "done"))
        self.assertEqual(progress["state"], "done")
        self.assertEqual(
            progress["summary"],
            f"{shop_products} products, 2 customers, 20 orders imported.")
        self.assertIn(f"{shop_products} / {shop_products}", self.store.full_sync_progress_html)

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
