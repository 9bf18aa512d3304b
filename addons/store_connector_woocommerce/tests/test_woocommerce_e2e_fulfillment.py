"""Shipping end to end against the WooCommerce simulator, through Odoo's real HTTP server: an order
that arrived by webhook, shipped from Odoo in two parts, reaches WooCommerce as Shipment Tracking
items (or, without the extension, as customer notes), with the order's status; what WooCommerce
then announces (order.updated for each tracking item) comes back through the intake and sends
nothing again: no loop, no second tracking (issue #10, "fulfillment with and without the tracking
extension (partial too)")."""

from odoo.tests import tagged

from .e2e_common import WooCommerceE2ECase

BUYER = {"first_name": "Sam", "last_name": "Ship", "email": "sam.ship@example.com", "country": "US",
         "address_1": "1 Loopback Street", "city": "Springfield", "postcode": "62701"}


class WooFulfillmentE2ECase(WooCommerceE2ECase):
    def setUp(self):
        super().setUp()
        self.warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)],
                                                            limit=1)
        self.store.write({"warehouse_id": self.warehouse.id, "allow_orders_push": True})
        products = self.products(["SHIP-MUG", "SHIP-CAP"])
        self.mug, self.cap = products["SHIP-MUG"], products["SHIP-CAP"]
        for product in (self.mug, self.cap):
            self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, 50)
        self.sim.add_product("Mug", sku="SHIP-MUG", regular_price="9.90", stock_quantity=50, emit=False)
        self.sim.add_product("Cap", sku="SHIP-CAP", regular_price="15.00", stock_quantity=50, emit=False)
        Carrier = self.env["delivery.carrier"]
        self.ups = Carrier.create({
            "name": "UPS Ground", "delivery_type": "fixed", "fixed_price": 5.0,
            "tracking_url": "https://www.ups.com/track?tracknum=<shipmenttrackingnumber>",
            "product_id": self.env["product.product"].create({"name": "UPS", "type": "service"}).id})
        self.bike = Carrier.create({
            "name": "Bike Courier", "delivery_type": "fixed", "fixed_price": 3.0,
            "tracking_url": "https://bike.example.com/t/<shipmenttrackingnumber>",
            "product_id": self.env["product.product"].create({"name": "Bike", "type": "service"}).id})
        self.env["store.carrier.map"].create({"store_id": self.store.id, "carrier_id": self.ups.id,
                                              "platform_carrier": "UPS"})

    def order_by_webhook(self):
        self.register()
        order = self.sim.add_order([{"sku": "SHIP-MUG", "quantity": 3}, {"sku": "SHIP-CAP", "quantity": 1}],
                                   status="processing", billing=BUYER, shipping=BUYER)
        self.deliver()
        self.run_jobs()
        sale = self.binding(order["id"]).order_id
        self.assertEqual(sale.state, "sale")
        return order["id"], sale

    def ship(self, picking, quantities, carrier, tracking):
        picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0)
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")

    def customer_notes(self, order_id):
        return [note["note"] for note in self.sim.notes(order_id) if note["customer_note"]]

    def assert_what_comes_back_sends_nothing(self):
        """WooCommerce's order.updated deliveries of what Odoo sent are received and run; no call
        that changes anything goes to WooCommerce because of them."""
        self.run_jobs()
        self.sim.reset_requests()
        results = self.sim.flush_webhooks()
        self.assertTrue(all(result["ok"] for result in results), results)
        self.run_jobs()
        self.assertEqual(self.writes(), [], "nothing sent again")
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("state", "in", ("pending", "failed"))]))


@tagged("post_install", "-at_install")
class TestWooCommerceE2EFulfillment(WooFulfillmentE2ECase):
    sim_options = {"seed": "none", "tracking_extension": True}

    def test_shipped_in_two_parts_with_the_tracking_extension(self):
        order_id, sale = self.order_by_webhook()
        first = sale.picking_ids
        self.ship(first, {self.mug: 1, self.cap: 1}, self.ups, "1Z999AA10123456784")
        self.run_jobs()
        [item] = self.sim.trackings(order_id)
        self.assertEqual((item["tracking_provider"], item["tracking_number"]), ("UPS", "1Z999AA10123456784"))
        [note] = self.customer_notes(order_id)
        self.assertIn("Part of your order has shipped: 1 × Mug, 1 × Cap.", note)
        self.assertEqual(self.sim.order(order_id)["status"], "processing", "the rest is still to ship")
        self.assert_what_comes_back_sends_nothing()

        rest = sale.picking_ids - first
        self.assertEqual(rest.move_ids.product_id, self.mug, "the backorder holds the two mugs left")
        self.ship(rest, {self.mug: 2}, self.bike, "BIKE-42")
        self.run_jobs()
        trackings = self.sim.trackings(order_id)
        self.assertEqual([(t["tracking_provider"], t["tracking_number"]) for t in trackings],
                         [("UPS", "1Z999AA10123456784"), ("Bike Courier", "BIKE-42")])
        self.assertEqual(trackings[1]["tracking_link"], "https://bike.example.com/t/BIKE-42",
                         "a carrier the extension does not list goes with Odoo's link")
        self.assertEqual(len(self.customer_notes(order_id)), 1, "the whole order shipped: no second note")
        self.assert_what_comes_back_sends_nothing()
        self.assertEqual(len(self.sim.trackings(order_id)), 2, "never twice")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(self.binding(order_id).platform_status, self.sim.order(order_id)["status"])


@tagged("post_install", "-at_install")
class TestWooCommerceE2EFulfillmentWithoutExtension(WooFulfillmentE2ECase):
    sim_options = {"seed": "none", "tracking_extension": False}

    def test_shipped_in_two_parts_as_customer_notes(self):
        order_id, sale = self.order_by_webhook()
        first = sale.picking_ids
        self.ship(first, {self.mug: 3}, self.ups, "1Z999AA10123456799")
        with self.assertNoLogs("odoo.tools.translate", "WARNING"):  # the note is written in a language
            self.run_jobs()
        self.assertEqual(self.sim.trackings(order_id), [])
        [note] = self.customer_notes(order_id)
        self.assertIn("Part of your order has shipped: 3 × Mug.", note)
        self.assertIn("Carrier: UPS.", note)
        self.assertIn("https://www.ups.com/track?tracknum=1Z999AA10123456799", note)
        self.assert_what_comes_back_sends_nothing()
        self.ship(sale.picking_ids - first, {self.cap: 1}, self.bike, "BIKE-7")
        self.run_jobs()
        notes = self.customer_notes(order_id)
        self.assertEqual(len(notes), 2)
        self.assertIn("1 × Cap", notes[0], "newest first: the line's name on WooCommerce")
        self.assertIn("https://bike.example.com/t/BIKE-7", notes[0])
        self.assert_what_comes_back_sends_nothing()
        self.assertEqual(len(self.customer_notes(order_id)), 2, "never twice")
