"""Test mode against the WooCommerce simulator (issue #13): a stock export, a price export and a
fulfillment of a store in test mode send no write to WooCommerce (its request log holds only GETs)
and are recorded on their job; orders are still imported; switching test mode off sends the next
change."""

from odoo.tests import tagged

from odoo.addons.store_connector_base.tests.common import run_queue

from .test_woocommerce_stock_customers_sim import WooCommerceSimCase

BUYER = {"first_name": "Tess", "last_name": "Mode", "email": "tess.mode@example.com", "country": "US"}


@tagged("post_install", "-at_install")
class TestWooCommerceTestMode(WooCommerceSimCase):
    def writes(self):
        return [(request["method"], request["path"]) for request in self.sim.requests
                if request["method"] not in ("GET", "HEAD")]

    def held(self, job):
        return self.env["store.test.request"].search([("job_id", "=", job.id)])

    def test_stock_and_price_exports_are_held_then_sent_once_live(self):
        mug = self.make_product("TM-MUG")
        record = self.sim.add_product("Mug", sku="TM-MUG", regular_price="9.90", stock_quantity=1, emit=False)
        binding = self.bind(mug, record["id"])
        binding.sync_state = "synced"
        self.set_stock(mug, 6)
        self.store.test_mode = True
        self.sim.reset_requests()
        [job] = self.store._enqueue_inventory_sync(bindings=binding)
        self.run_queue()
        self.assertEqual(self.writes(), [], "nothing that changes the shop reached WooCommerce")
        self.assertEqual(self.sim.stock("TM-MUG"), 1)
        self.assertEqual(job.state, "done")
        [request] = self.held(job)
        self.assertIn(request.method, ("POST", "PUT"))
        self.assertIn('"stock_quantity": 6', request.body)
        self.assertNotIn(self.sim.consumer_secret, request.url + request.body + (request.headers or ""))
        self.assertNotIn(self.sim.consumer_key, request.url + request.body + (request.headers or ""))
        mug.list_price = 12.5
        [export] = self.store._enqueue_product_sync(binding, "products.export", force=True)
        self.run_queue()
        self.assertEqual(self.writes(), [])
        self.assertEqual(export.state, "done")
        self.assertIn("12.5", self.held(export).body)
        self.store.test_mode = False
        self.store._enqueue_inventory_sync(bindings=binding)
        self.run_queue()
        self.assertEqual(self.sim.stock("TM-MUG"), 6, "live again: the next change is sent")

    def test_orders_are_imported_and_a_fulfillment_is_held(self):
        self.store.write({"allow_orders_push": True, "test_mode": True})
        cap = self.make_product("TM-CAP")
        self.set_stock(cap, 10)
        self.sim.add_product("Cap", sku="TM-CAP", regular_price="15.00", stock_quantity=10, emit=False)
        order = self.sim.add_order([{"sku": "TM-CAP", "quantity": 1}], status="processing", billing=BUYER,
                                   shipping=BUYER)
        self.sim.reset_requests()
        self.store._enqueue_order_pull()
        self.run_queue()
        sale = self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(order["id"]))]).order_id
        self.assertTrue(sale, "an order import still works in test mode")
        if sale.state != "sale":
            sale.action_confirm()
        picking = sale.picking_ids
        picking.move_ids.write({"quantity": 1, "picked": True})
        picking.carrier_tracking_ref = "TM-TRACK"
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.run_queue()
        self.assertEqual(self.writes(), [], "the fulfillment was not sent")
        self.assertEqual(self.sim.order(order["id"])["status"], "processing")
        self.assertFalse(picking.store_fulfillment_ref)
        requests = self.env["store.test.request"].search([("store_id", "=", self.store.id)])
        self.assertTrue(requests)
        self.assertTrue(all(request.job_id.state == "done" for request in requests))

    def run_queue(self):
        return run_queue(self.env, self.store)
