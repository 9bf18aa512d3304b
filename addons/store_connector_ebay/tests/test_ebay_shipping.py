"""eBay shipping: a done delivery becomes one shipping fulfillment of its eBay order, with the
eBay line items and quantities it holds, the mapped carrier code with the tracking number (or
neither), sent once."""

from odoo.exceptions import ValidationError

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.tests.common import run_queue

from .common_stock import FakeEbayClient, FakeResponse, use_fake_clients
from .test_ebay_stock import EbayStockCase

PATH = "/sell/fulfillment/v1/order/12-34567-89012/shipping_fulfillment"


class TestEbayShipping(EbayStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.write({"allow_orders_push": True})
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "UPS Ground",
                "delivery_type": "fixed",
                "fixed_price": 5.0,
                "product_id": cls.env["product.product"].create({"name": "Shipping", "type": "service"}).id,
            }
        )
        cls.mug, cls.tee = cls.env["product.product"].create(
            [
                {"name": "Mug", "default_code": "MUG-1", "is_storable": True, "type": "consu"},
                {"name": "Tee", "default_code": "TEE-1", "is_storable": True, "type": "consu"},
            ]
        )
        cls.partner = cls.env["res.partner"].create({"name": "eBay Buyer"})

    def setUp(self):
        super().setUp()
        self.set_stock(self.mug, 10)
        self.set_stock(self.tee, 10)
        self.sent = []

        def rest(method, path, params, body):
            if method == "GET":
                return {"fulfillments": self.sent, "total": len(self.sent)}
            self.sent.append(
                {
                    "fulfillmentId": body.get("trackingNumber") or "999",
                    "shipmentTrackingNumber": body.get("trackingNumber"),
                    "lineItems": body["lineItems"],
                }
            )
            return FakeResponse(
                {"Location": f"https://api.ebay.com{path}/{body.get('trackingNumber') or '999'}"}
            )

        self.client, self.trading = use_fake_clients(self, FakeEbayClient(rest))

    def ebay_order(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.store.warehouse_id.id,
                "order_line": [
                    (
                        0,
                        0,
                        {"product_id": self.mug.id, "product_uom_qty": 3, "store_external_line_id": "10001"},
                    ),
                    (
                        0,
                        0,
                        {"product_id": self.tee.id, "product_uom_qty": 1, "store_external_line_id": "10002"},
                    ),
                ],
            }
        )
        self.env["store.order.binding"].create(
            {
                "store_id": self.store.id,
                "order_id": order.id,
                "external_id": "12-34567-89012",
                "platform_stage": "processing",
            }
        )
        order.action_confirm()
        return order

    def ship(self, picking, quantities, tracking):
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0)
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()

    def map_ups(self):
        self.env["store.carrier.map"].create(
            {"store_id": self.store.id, "carrier_id": self.carrier.id, "platform_carrier": "UPS"}
        )

    def posts(self):
        return [c for c in self.client.calls if c["method"] == "POST"]

    def test_full_and_partial_packages_with_tracking_and_the_mapped_carrier(self):
        self.map_ups()
        order = self.ebay_order()
        first = order.picking_ids
        self.ship(first, {self.mug: 2}, "1Z 999-AA1")
        run_queue(self.env, self.store)
        self.assertEqual(first.store_fulfillment_ref, "1Z999AA1")
        [post] = self.posts()
        self.assertEqual((post["path"], post["api"]), (PATH, "fulfillment"))
        body = post["json"]
        self.assertEqual(
            body["lineItems"], [{"lineItemId": "10001", "quantity": 2}], "only what this package holds"
        )
        self.assertEqual(
            (body["shippingCarrierCode"], body["trackingNumber"]),
            ("UPS", "1Z999AA1"),
            "eBay takes letters and digits only",
        )
        self.assertRegex(body["shippedDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")

        backorder = order.picking_ids - first
        self.ship(backorder, {self.mug: 1, self.tee: 1}, "1Z999AA2")
        run_queue(self.env, self.store)
        second = self.posts()[1]["json"]
        self.assertEqual(
            sorted(second["lineItems"], key=lambda i: i["lineItemId"]),
            [{"lineItemId": "10001", "quantity": 1}, {"lineItemId": "10002", "quantity": 1}],
        )

    def test_without_a_tracking_number_neither_carrier_nor_tracking_is_sent(self):
        self.map_ups()
        order = self.ebay_order()
        self.ship(order.picking_ids, {self.mug: 3, self.tee: 1}, False)
        run_queue(self.env, self.store)
        [post] = self.posts()
        self.assertNotIn("shippingCarrierCode", post["json"])
        self.assertNotIn("trackingNumber", post["json"])
        self.assertEqual(order.picking_ids.store_fulfillment_ref, "999")

    def test_an_unmapped_carrier_stops_the_delivery_saying_what_to_map(self):
        order = self.ebay_order()
        self.ship(order.picking_ids, {self.mug: 3, self.tee: 1}, "1Z1")
        run_queue(self.env, self.store)
        self.assertFalse(self.posts())
        job = self.jobs(operation="orders.fulfillment")
        self.assertEqual(job.state, "failed")
        self.assertIn('"UPS Ground"', job.last_error)

    def test_a_retried_package_is_not_sent_twice(self):
        adapter = self.store._get_adapter()
        fulfillment = {
            "lines": [{"external_line_id": "10001", "quantity": 1.0}],
            "tracking_number": "AB1",
            "carrier": "UPS",
            "carrier_mapped": True,
            "shipped_on": "2026-12-01",
            "reference": "WH/OUT/1",
        }
        self.assertEqual(adapter._push_fulfillment(self.store, "12-34567-89012", fulfillment), "AB1")
        self.assertEqual(adapter._push_fulfillment(self.store, "12-34567-89012", fulfillment), "AB1")
        self.assertEqual(len(self.posts()), 1, "eBay already has it: found, not sent again")

    def test_a_package_of_lines_added_in_odoo_is_refused_in_words(self):
        with self.assertRaisesRegex(PermanentJobError, "holds no eBay line item"):
            self.store._get_adapter()._push_fulfillment(
                self.store,
                "12-34567-89012",
                {"lines": [{"external_line_id": "", "quantity": 1.0}], "reference": "WH/OUT/2"},
            )

    def test_carrier_codes_are_loaded_from_ebay_and_checked_in_the_mapping(self):
        self.trading.handler = lambda verb, data: {
            "Ack": "Success",
            "ShippingCarrierDetails": [
                {"ShippingCarrier": "UPS", "Description": "UPS"},
                {"ShippingCarrier": "USPS", "Description": "USPS"},
                {"ShippingCarrier": "FedEx", "Description": "FedEx"},
            ],
        }
        self.store.action_ebay_load_carrier_codes()
        self.assertEqual(self.trading.calls, [("GeteBayDetails", {"DetailName": "ShippingCarrierDetails"})])
        self.assertEqual(self.store.ebay_carrier_codes, {"UPS": "UPS", "USPS": "USPS", "FedEx": "FedEx"})
        self.assertIn("USPS", self.store.ebay_carrier_codes_text)
        with self.assertRaisesRegex(ValidationError, r"Did you mean: UPS\?"), self.env.cr.savepoint():
            self.env["store.carrier.map"].create(
                {"store_id": self.store.id, "carrier_id": self.carrier.id, "platform_carrier": "ups"}
            )
        self.map_ups()
