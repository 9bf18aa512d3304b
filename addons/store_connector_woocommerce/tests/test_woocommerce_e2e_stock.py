"""Stock end to end against the WooCommerce simulator, through Odoo's real HTTP server, with the
store's "Import Stock Changes from WooCommerce" on: a count made in the WordPress admin reaches Odoo
by a signed product.updated webhook; the product.updated WooCommerce sends after Odoo's own export
is its echo; and an order placed on WooCommerce (which lowers WooCommerce's stock and announces it
by product.updated as well as by the order's webhooks) is counted once, whichever delivery Odoo
runs first (issue #10, "Stock ... optionally WooCommerce stock changes arriving as product.updated
set Odoo's quantity")."""

from odoo.tests import tagged

from .e2e_common import WooCommerceE2ECase

BUYER = {"first_name": "Stu", "last_name": "Stock", "email": "stu.stock@example.com", "country": "US"}


@tagged("post_install", "-at_install")
class TestWooCommerceE2EStockImport(WooCommerceE2ECase):
    def setUp(self):
        super().setUp()
        self.warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)],
                                                            limit=1)
        self.store.write({"warehouse_id": self.warehouse.id, "woocommerce_import_inventory": True})
        self.mug = self.products(["STOCK-MUG"])["STOCK-MUG"]
        self.env["stock.quant"]._update_available_quantity(self.mug, self.warehouse.lot_stock_id, 10)
        woo_mug = self.sim.add_product("Mug", sku="STOCK-MUG", regular_price="9.90", stock_quantity=10,
                                       emit=False)
        self.env["store.product.binding"].create({
            "store_id": self.store.id, "product_id": self.mug.id, "external_product_id": str(woo_mug["id"])})
        self.register()

    def on_hand(self):
        return self.store._stock_on_hand(self.mug, self.warehouse.lot_stock_id)[self.mug.id]

    def sync_inventory(self):
        self.store._enqueue_inventory_sync()
        self.run_jobs()

    def test_a_count_in_the_wordpress_admin_reaches_odoo_and_our_echo_does_not(self):
        self.sync_inventory()
        self.assertEqual(self.sim.stock("STOCK-MUG"), 10)
        echoes = self.sim.flush_webhooks()
        self.assertTrue(all(result["ok"] for result in echoes), echoes)
        self.run_jobs()
        self.assertEqual(self.on_hand(), 10, "the echo of Odoo's export changes nothing")
        self.next_second()
        self.sim.update_product("STOCK-MUG", stock_quantity=4)
        self.assertEqual([result["topic"] for result in self.deliver()], ["product.updated"])
        self.run_jobs()
        self.assertEqual(self.on_hand(), 4, "WooCommerce's count became Odoo's")

    def place_order_and_receive(self, product_update_first):
        order = self.sim.add_order([{"sku": "STOCK-MUG", "quantity": 2}], status="processing", billing=BUYER)
        self.assertEqual(self.sim.stock("STOCK-MUG"), 8, "WooCommerce took the two mugs off its stock")
        topics = [delivery["topic"] for delivery in self.sim.pending_webhooks]
        self.assertIn("product.updated", topics)
        self.assertIn("order.created", topics)
        if product_update_first:
            # Action Scheduler runs its queue in no guaranteed order: the stock change is received
            # and run before the order's deliveries are even sent.
            with self.sim.webhooks._lock:
                held = [d for d in self.sim.webhooks.pending if d.topic != "product.updated"]
                self.sim.webhooks.pending = [d for d in self.sim.webhooks.pending if d not in held]
            self.deliver()
            self.run_jobs()
            with self.sim.webhooks._lock:
                self.sim.webhooks.pending.extend(held)
        self.deliver()
        self.run_jobs()
        sale = self.binding(order["id"]).order_id
        self.assertEqual(sale.state, "sale")
        return sale

    def assert_counted_once(self, sale):
        self.assertEqual(self.on_hand(), 10, "nothing left the warehouse yet: the order reserves two mugs")
        self.sync_inventory()
        self.assertEqual(self.sim.stock("STOCK-MUG"), 8, "WooCommerce keeps 8, not 6")
        picking = sale.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.with_context(skip_sms=True).button_validate()
        self.assertEqual(self.on_hand(), 8)
        self.sync_inventory()
        self.assertEqual(self.sim.stock("STOCK-MUG"), 8)

    def test_an_order_placed_on_woocommerce_is_counted_once(self):
        self.assert_counted_once(self.place_order_and_receive(product_update_first=False))

    def test_an_order_placed_on_woocommerce_is_counted_once_when_its_stock_change_runs_first(self):
        self.assert_counted_once(self.place_order_and_receive(product_update_first=True))
