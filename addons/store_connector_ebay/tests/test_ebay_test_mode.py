"""Test mode against the eBay simulator (issue #13): a stock and price export (Inventory API
bulk_update_price_quantity) and a shipping fulfillment of a store in test mode send no write to
eBay and are recorded on their job; orders are still imported and Trading reads (GeteBayDetails)
are sent while a Trading write (ReviseInventoryStatus) is held; switching test mode off sends the
next change."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.store_connector_base.exceptions import TestModeNotSent
from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.ebay.seed import list_items

from .test_ebay_e2e_stock import BULK_PRICE_QUANTITY, TRADING, EbayE2eCase


@tagged("post_install", "-at_install")
class TestEbayTestMode(EbayE2eCase):
    def setUp(self):
        super().setUp()
        self.listed = list_items(self.sim, [{"sku": "TM-MUG", "quantity": 1, "price": "9.90"}])
        [self.mug] = self.products(["TM-MUG"])
        self.set_stock(self.mug, 5)
        self.binding = self.bind_listed(self.mug, self.listed)
        self.store.write({"test_mode": True, "allow_orders_push": True})
        self.sim.reset_requests()

    def writes(self):
        """REST writes and Trading calls that are not reads."""
        rest = [(r["method"], r["path"]) for r in self.sim.requests
                if r["method"] != "GET" and r["path"] != TRADING
                and not r["path"].endswith("/bulk_get_inventory_item")]
        return rest + [("POST", verb) for verb in self.trading_calls() if not verb.startswith("Get")]

    def test_stock_and_price_export_is_held_then_sent_once_live(self):
        [job] = self.store._enqueue_inventory_sync(bindings=self.binding)
        run_queue(self.env, self.store)
        self.assertEqual(self.writes(), [], "nothing that changes the shop reached eBay")
        self.assertEqual(self.sim.quantity("TM-MUG"), 1)
        self.assertEqual(job.state, "done")
        self.assertIn("Test mode: not sent", job.result)
        self.assertEqual((job.test_request_method, job.test_request_operation),
                         ("POST", f"POST {BULK_PRICE_QUANTITY}"))
        self.assertIn('"quantity": 5', job.test_request_body)
        self.assertNotIn("Authorization", job.test_request_headers or "")
        self.store.test_mode = False
        self.store._enqueue_inventory_sync(bindings=self.binding)
        run_queue(self.env, self.store)
        self.assertEqual(self.sim.quantity("TM-MUG"), 5, "live again: the next change is sent")

    def test_trading_reads_are_sent_and_writes_held(self):
        trading = self.store._ebay_trading()
        trading.execute("GeteBayDetails", {"DetailName": "ShippingCarrierDetails"})
        self.assertEqual(self.trading_calls(), ["GeteBayDetails"])
        with self.assertRaises(TestModeNotSent) as held:
            trading.execute("ReviseInventoryStatus",
                            {"InventoryStatus": [{"SKU": "TM-MUG", "Quantity": "2"}]})
        self.assertEqual(self.trading_calls(), ["GeteBayDetails"], "the write was not sent")
        vals = held.exception.request_vals
        self.assertEqual(vals["operation"], "Trading API ReviseInventoryStatus")
        self.assertIn("<Quantity>2</Quantity>", vals["body"])
        self.assertNotIn("IAF", vals["headers"])
        self.assertNotIn("CERT", vals["headers"])

    def test_orders_are_imported_and_a_fulfillment_is_held(self):
        order = self.sim.add_order([{"sku": "TM-MUG", "quantity": 1, "price": "9.90"}],
                                   created=self.sim.clock.now() - timedelta(minutes=5))
        self.store.action_pull_orders()
        run_queue(self.env, self.store)
        sale = self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", order["orderId"])]).order_id
        self.assertEqual(sale.state, "sale", "an order import still works in test mode")
        self.store.action_ebay_load_carrier_codes()  # a Trading read (GeteBayDetails): sent
        carrier = self.env["delivery.carrier"].create({
            "name": "UPS Ground", "delivery_type": "fixed", "fixed_price": 5.0,
            "product_id": self.env["product.product"].create({"name": "Shipping", "type": "service"}).id})
        self.env["store.carrier.map"].create(
            {"store_id": self.store.id, "carrier_id": carrier.id, "platform_carrier": "UPS"})
        picking = sale.picking_ids
        picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": "1ZTESTMODE"})
        picking.move_ids.write({"quantity": 1, "picked": True})
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        run_queue(self.env, self.store)
        self.assertEqual(self.writes(), [], "the fulfillment was not sent")
        self.assertEqual(self.sim.shipping_fulfillments(order["orderId"]), [])
        self.assertFalse(picking.store_fulfillment_ref, "the picking is not marked as sent to eBay")
        request = self.env["store.test.request"].search([("store_id", "=", self.store.id)], limit=1)
        self.assertIn("shipping_fulfillment", request.url)
        self.assertIn("1ZTESTMODE", request.body)
