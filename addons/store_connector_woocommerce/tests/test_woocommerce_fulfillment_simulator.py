"""Shipping end to end against the WooCommerce simulator (tests/simulators/woocommerce): a delivery
validated in Odoo reaches WooCommerce through the base's orders.fulfillment job, with the Shipment
Tracking extension switched on (tracking items, partial delivery with its note) and off (a customer
note), and the extension switched off after it was detected (note fallback)."""

from odoo.tests.common import TransactionCase

from tests.simulators.woocommerce import WooCommerceSimulator

from .common import CONSUMER_KEY, CONSUMER_SECRET, create_woocommerce_store


class TestWooCommerceShippingSimulator(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1", allow_orders_push=True,
                                             warehouse_id=cls.warehouse.id)
        cls.mug = cls.env["product.product"].create({
            "name": "Sim Mug", "default_code": "SIM-MUG", "type": "consu", "is_storable": True})
        cls.cap = cls.env["product.product"].create({
            "name": "Sim Cap", "default_code": "SIM-CAP", "type": "consu", "is_storable": True})
        for product in (cls.mug, cls.cap):
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, 50)
        cls.ups = cls.env["delivery.carrier"].create({
            "name": "UPS Ground", "delivery_type": "fixed", "fixed_price": 5.0,
            "tracking_url": "https://www.ups.com/track?tracknum=<shipmenttrackingnumber>",
            "product_id": cls.env["product.product"].create({"name": "UPS ship", "type": "service"}).id,
        })
        cls.local = cls.env["delivery.carrier"].create({
            "name": "Bike Courier", "delivery_type": "fixed", "fixed_price": 3.0,
            "tracking_url": "https://bike.example.com/t/<shipmenttrackingnumber>",
            "product_id": cls.env["product.product"].create({"name": "Bike ship", "type": "service"}).id,
        })
        cls.env["store.carrier.map"].create({"store_id": cls.store.id, "carrier_id": cls.ups.id,
                                             "platform_carrier": "UPS"})
        cls.customer = cls.env["res.partner"].create({"name": "Sim Customer"})

    def setUp(self):
        super().setUp()
        self.sim = WooCommerceSimulator(seed="none", consumer_key=CONSUMER_KEY,
                                        consumer_secret=CONSUMER_SECRET, tracking_extension=True)
        self.store.shop_url = self.sim.start()
        self.addCleanup(self.sim.stop)
        self.sim.add_product("Sim Mug", sku="SIM-MUG", regular_price="9.90", stock_quantity=50)
        self.sim.add_product("Sim Cap", sku="SIM-CAP", regular_price="15.00", stock_quantity=50)

    def imported_order(self, quantities):
        """A WooCommerce order in the simulator and its Odoo order, bound, confirmed."""
        wc_order = self.sim.add_order([{"sku": product.default_code, "quantity": qty}
                                       for product, qty in quantities], status="processing")
        line_ids = {item["sku"]: str(item["id"]) for item in wc_order["line_items"]}
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty, "name": product.name,
                                   "store_external_line_id": line_ids[product.default_code]})
                           for product, qty in quantities],
        })
        self.env["store.order.binding"].create({"store_id": self.store.id, "order_id": order.id,
                                                "external_id": str(wc_order["id"])})
        order.action_confirm()
        return wc_order["id"], order

    def ship(self, picking, quantities, carrier, tracking):
        picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0)
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()

    def run_fulfillment_jobs(self, operation="orders.fulfillment"):
        jobs = self.env["sync.job"].search([("store_id", "=", self.store.id), ("state", "=", "pending"),
                                            ("operation", "=", operation)])
        self.assertTrue(jobs)
        for job in jobs:
            self.env["sync.job"]._claim(1, commit=False, job_ids=job.ids)
            job._run(commit=False)
            job.invalidate_recordset()
            self.assertEqual(job.state, "done", job.last_error)

    def customer_notes(self, wc_id):
        return [note["note"] for note in self.sim.notes(wc_id) if note["customer_note"]]

    def test_tracking_extension_partial_then_complete(self):
        wc_id, order = self.imported_order([(self.mug, 3), (self.cap, 1)])
        first = order.picking_ids
        self.ship(first, {self.mug: 1, self.cap: 1}, self.ups, "1Z999AA10123456784")
        self.run_fulfillment_jobs()
        [item] = self.sim.trackings(wc_id)
        self.assertEqual((item["tracking_provider"], item["tracking_number"]), ("UPS", "1Z999AA10123456784"))
        self.assertIn("1Z999AA10123456784", item["tracking_link"])
        self.assertEqual(first.store_fulfillment_ref, f"tracking:{item['tracking_id']}")
        [note] = self.customer_notes(wc_id)
        self.assertIn("Part of your order has shipped: 1 × Sim Mug, 1 × Sim Cap.", note)
        # The rest, with a carrier the extension does not list: a custom provider with Odoo's link.
        self.ship(order.picking_ids - first, {self.mug: 2}, self.local, "BIKE-42")
        self.run_fulfillment_jobs()
        second = self.sim.trackings(wc_id)[1]
        self.assertEqual((second["tracking_provider"], second["tracking_link"]),
                         ("Bike Courier", "https://bike.example.com/t/BIKE-42"))
        self.assertEqual(len(self.customer_notes(wc_id)), 1, "the whole order shipped: no note")
        self.assertEqual(self.store.woocommerce_tracking_extension, "present")
        # Then the status of the "shipped" stage (default table: processing), through the orders part.
        self.run_fulfillment_jobs("orders.status")
        self.assertEqual(self.sim.order(wc_id)["status"], "processing")

    def test_without_the_extension_a_customer_note(self):
        self.sim.tracking_extension = False
        wc_id, order = self.imported_order([(self.mug, 2)])
        self.ship(order.picking_ids, {self.mug: 2}, self.ups, "1Z999AA10123456799")
        self.run_fulfillment_jobs()
        self.assertEqual(self.sim.trackings(wc_id), [])
        [note] = self.customer_notes(wc_id)
        self.assertIn("Your order has shipped: 2 × Sim Mug.", note)
        self.assertIn("Carrier: UPS.", note)
        self.assertIn("Track it: https://www.ups.com/track?tracknum=1Z999AA10123456799", note)
        self.assertEqual(order.picking_ids.store_fulfillment_ref.split(":")[0], "note")
        self.assertEqual(self.store.woocommerce_tracking_extension, "absent")

    def test_extension_switched_off_after_detection_falls_back_to_a_note(self):
        wc_id, order = self.imported_order([(self.mug, 1)])
        self.ship(order.picking_ids, {self.mug: 1}, self.ups, "1Z-FIRST")
        self.run_fulfillment_jobs()
        self.assertEqual(len(self.sim.trackings(wc_id)), 1)
        self.sim.tracking_extension = False
        wc_id2, order2 = self.imported_order([(self.cap, 1)])
        self.ship(order2.picking_ids, {self.cap: 1}, self.ups, "1Z-SECOND")
        self.run_fulfillment_jobs()
        self.assertIn("Tracking number: 1Z-SECOND.", self.customer_notes(wc_id2)[0])
        self.assertEqual(self.store.woocommerce_tracking_extension, "absent")
