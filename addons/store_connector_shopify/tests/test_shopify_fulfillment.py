from odoo.tests import tagged

from .common import ShopifySimulatorCase
from .test_shopify_orders import ShopifyOrdersMixin


@tagged("post_install", "-at_install")
class TestShopifyFulfillment(ShopifyOrdersMixin, ShopifySimulatorCase):
    store_vals = {"allow_orders_push": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store.warehouse_id = cls.warehouse
        for product in (cls.shirt, cls.cap):
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, 100)
        cls.carrier = (
            cls.env["delivery.carrier"].search([], limit=1) if "delivery.carrier" in cls.env else None
        )

    def import_order(self, lines):
        order = self.sim.add_order(lines, email="ship@example.com")
        self.store._enqueue_order_pull()
        self.run_queue()
        sale = self.binding(order).order_id
        if sale.state != "sale":
            sale.action_confirm()
        return order, sale

    def ship(self, picking, quantities, tracking="TRACK-1"):
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id.default_code, 0)
            move.picked = True
        picking.carrier_tracking_ref = tracking
        picking._action_done()
        self.run_queue()

    def test_full_fulfillment_with_tracking(self):
        order, sale = self.import_order([{"sku": "OS-1", "quantity": 2}, {"sku": "OC-1", "quantity": 1}])
        picking = sale.picking_ids
        self.ship(picking, {"OS-1": 2, "OC-1": 1}, tracking="1Z999")
        summary = self.sim.order(order["id"])
        self.assertEqual(summary["fulfillment_status"], "FULFILLED")
        self.assertEqual(len(summary["fulfillments"]), 1)
        self.assertTrue(picking.store_fulfillment_ref.startswith("gid://shopify/Fulfillment/"))
        data = self.client().query(
            "query($id: ID!) { fulfillment(id: $id) { trackingInfo { number } } }",
            {"id": picking.store_fulfillment_ref},
        )
        self.assertEqual(data["fulfillment"]["trackingInfo"][0]["number"], "1Z999")

    def test_partial_fulfillment(self):
        order, sale = self.import_order([{"sku": "OS-1", "quantity": 3}, {"sku": "OC-1", "quantity": 2}])
        picking = sale.picking_ids
        self.ship(picking, {"OS-1": 1})
        summary = self.sim.order(order["id"])
        self.assertEqual(summary["fulfillment_status"], "PARTIALLY_FULFILLED")
        fulfilled = {line["sku"]: line["fulfilled"] for line in summary["line_items"]}
        self.assertEqual(fulfilled, {"OS-1": 1, "OC-1": 0}, "only the delivered quantities")
        backorder = sale.picking_ids - picking
        self.assertEqual(len(backorder), 1)
        self.ship(backorder, {"OS-1": 2, "OC-1": 2}, tracking="TRACK-2")
        summary = self.sim.order(order["id"])
        self.assertEqual(summary["fulfillment_status"], "FULFILLED")
        self.assertEqual(len(summary["fulfillments"]), 2)

    def _ground_carrier(self, name="SC Ground"):
        return self.env["delivery.carrier"].create({
            "name": name,
            "delivery_type": "fixed",
            "product_id": self.env["product.product"].create({"name": name, "type": "service"}).id,
        })

    def _tracking_company_sent(self, carrier, tracking):
        """Ship an order with `carrier` and return the tracking company Shopify recorded."""
        _order, sale = self.import_order([{"sku": "OS-1", "quantity": 1}])
        picking = sale.picking_ids
        picking.carrier_id = carrier
        self.ship(picking, {"OS-1": 1}, tracking=tracking)
        self.assertTrue(picking.store_fulfillment_ref)
        data = self.client().query(
            "query($id: ID!) { fulfillment(id: $id) { trackingInfo { company number } } }",
            {"id": picking.store_fulfillment_ref},
        )
        [info] = data["fulfillment"]["trackingInfo"]
        self.assertEqual(info["number"], tracking)
        return info["company"]

    def test_unmapped_carrier_is_the_tracking_company_by_its_name(self):
        # Shopify takes any name: an unmapped carrier is sent as it is called in Odoo, as before.
        self.assertEqual(self._tracking_company_sent(self._ground_carrier(), "1Z-NAME"), "SC Ground")

    def test_mapped_carrier_is_the_tracking_company_shopify_knows(self):
        carrier = self._ground_carrier()
        self.env["store.carrier.map"].create({
            "store_id": self.store.id, "carrier_id": carrier.id, "platform_carrier": "UPS",
        })
        self.env["store.carrier.map"].create({
            "store_id": self.store.id, "carrier_id": self._ground_carrier("SC Air").id,
            "platform_carrier": "DHL Express",
        })
        self.assertEqual(self._tracking_company_sent(carrier, "1Z-MAPPED"), "UPS")
