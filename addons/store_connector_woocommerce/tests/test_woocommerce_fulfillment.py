"""Shipping to WooCommerce: the Shipment Tracking extension when the shop has it (provider mapped,
custom provider with the tracking link), a customer note otherwise, partial deliveries, never twice
on a retry, and the extension disappearing (rest_no_route) -> note. Over HTTP against a scripted
shop (RecordingServer) answering as WooCommerce and the extension do."""

import datetime as dt
import json
import re
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

from freezegun import freeze_time

from odoo import fields
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.http_servers import RecordingServer

from .common import create_woocommerce_store

NO_ROUTE = {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
            "data": {"status": 404}}
PROVIDERS = {
    "Global": {"DHL": "https://www.dhl.com/track?id=%1$s"},
    "United States": {"USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels=%1$s",
                      "UPS": "https://www.ups.com/track?tracknum=%1$s"},
}
TRACKING_PREFIX = "/wp-json/wc-shipment-tracking/v3"


class FakeShop:
    """The answers of a WooCommerce shop to the shipping calls: order notes (wc/v3) and, while
    `extension` is on, the Shipment Tracking extension's routes (else WordPress's rest_no_route)."""

    def __init__(self, extension=True):
        self.extension = extension
        self.trackings = {}
        self.notes = {}
        self.next_id = 700

    def __call__(self, request):
        parts = urlsplit(request["path"])
        path, method = parts.path, request["method"]
        body = json.loads(request["body"] or b"null")
        if path.startswith(TRACKING_PREFIX):
            if not self.extension:
                return 404, {}, NO_ROUTE
            rest = path[len(TRACKING_PREFIX):]
            if rest == "/shipment-trackings/providers" and method == "GET":
                return 200, {}, PROVIDERS
            match = re.fullmatch(r"/orders/(\d+)/shipment-trackings", rest)
            if match and method == "GET":
                return 200, {}, self.trackings.get(match[1], [])
            if match and method == "POST":
                return self.add_tracking(match[1], body)
            return 404, {}, NO_ROUTE
        match = re.fullmatch(r"/wp-json/wc/v3/orders/(\d+)/notes", path)
        if match and method == "GET":
            kind = dict(parse_qsl(parts.query)).get("type", "any")
            notes = self.notes.get(match[1], [])
            return 200, {}, [n for n in notes if kind == "any" or n["customer_note"] == (kind == "customer")]
        if match and method == "POST":
            self.next_id += 1
            note = {"id": self.next_id, "note": body["note"],
                    "customer_note": bool(body.get("customer_note"))}
            self.notes.setdefault(match[1], []).append(note)
            return 201, {}, note
        return 404, {}, NO_ROUTE

    def add_tracking(self, order_id, body):
        if not body.get("tracking_number"):
            return 400, {}, {"code": "rest_missing_callback_param", "message": "Missing parameter(s): "
                             "tracking_number", "data": {"status": 400}}
        providers = {name: url for group in PROVIDERS.values() for name, url in group.items()}
        if body.get("tracking_provider"):
            provider = body["tracking_provider"]
            link = providers.get(provider, "").replace("%1$s", body["tracking_number"])
        else:
            provider, link = body.get("custom_tracking_provider"), body.get("custom_tracking_link")
        self.next_id += 1
        item = {"tracking_id": f"t{self.next_id:08x}", "tracking_provider": provider, "tracking_link": link,
                "tracking_number": body["tracking_number"], "date_shipped": body.get("date_shipped")}
        self.trackings.setdefault(order_id, []).append(item)
        return 201, {}, item


class WooCommerceShippingCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1", allow_orders_push=True)
        cls.adapter = cls.env["store.adapter.woocommerce"]

    def setUp(self):
        super().setUp()
        self.shop = FakeShop()
        self.server = RecordingServer(self.shop)
        self.store.shop_url = self.server.start()
        self.addCleanup(self.server.stop)

    def calls(self, method=None, contains=""):
        return [(r["method"], urlsplit(r["path"]).path) for r in self.server.requests
                if (method is None or r["method"] == method) and contains in r["path"]]

    @staticmethod
    def fulfillment(**values):
        return {
            "carrier": "USPS", "carrier_name": "US Postal", "carrier_mapped": True,
            "tracking_number": "9400111899560000000000",
            "tracking_url": "https://track.example.com/?n=9400111899560000000000",
            "notify_customer": True, "reference": "WH/OUT/00012", "shipped_on": "2026-12-01",
            "order_complete": True,
            "lines": [{"external_line_id": "31", "sku": "MUG-W", "name": "Woo Mug", "quantity": 2.0},
                      {"external_line_id": "32", "sku": "CAP-W", "name": "Cap &ndash; Red", "quantity": 1.0}],
            **values,
        }


class TestWooCommerceFulfillment(WooCommerceShippingCase):
    def test_without_the_extension_a_customer_note_names_lines_carrier_number_and_link(self):
        self.shop.extension = False
        ref = self.adapter._push_fulfillment(self.store, "501", self.fulfillment(carrier_mapped=False,
                                                                                  carrier="SC Express"))
        [note] = self.shop.notes["501"]
        self.assertEqual(ref, f"note:{note['id']}")
        self.assertTrue(note["customer_note"])
        self.assertIn("Your order has shipped: 2 × Woo Mug, 1 × Cap &ndash; Red.", note["note"])
        self.assertIn("Carrier: SC Express.", note["note"])
        self.assertIn("Tracking number: 9400111899560000000000.", note["note"])
        self.assertIn("Track it: https://track.example.com/?n=9400111899560000000000", note["note"])
        self.assertIn("WH/OUT/00012", note["note"])
        self.assertEqual(self.store.woocommerce_tracking_extension, "absent")
        self.assertFalse(self.shop.trackings)

    def test_extension_gets_the_mapped_provider(self):
        ref = self.adapter._push_fulfillment(self.store, "501", self.fulfillment())
        [item] = self.shop.trackings["501"]
        self.assertEqual(ref, f"tracking:{item['tracking_id']}")
        sent = json.loads([r for r in self.server.requests if r["method"] == "POST"][0]["body"])
        self.assertEqual(sent, {"tracking_provider": "USPS", "tracking_number": "9400111899560000000000",
                                "date_shipped": "2026-12-01"})
        self.assertEqual(self.store.woocommerce_tracking_extension, "present")
        self.assertIn("UPS", self.store.woocommerce_tracking_providers)
        self.assertNotIn("501", self.shop.notes, "a whole order's tracking needs no note")

    def test_provider_matched_by_name_without_case_even_unmapped(self):
        self.adapter._push_fulfillment(self.store, "501", self.fulfillment(
            carrier="ups", carrier_name="ups", carrier_mapped=False))
        self.assertEqual(self.shop.trackings["501"][0]["tracking_provider"], "UPS")

    def test_unmapped_carrier_goes_as_custom_provider_with_the_tracking_link(self):
        self.adapter._push_fulfillment(self.store, "501", self.fulfillment(
            carrier="SC Express", carrier_name="SC Express", carrier_mapped=False))
        sent = json.loads([r for r in self.server.requests if r["method"] == "POST"][0]["body"])
        self.assertEqual(sent, {
            "custom_tracking_provider": "SC Express",
            "custom_tracking_link": "https://track.example.com/?n=9400111899560000000000",
            "tracking_number": "9400111899560000000000", "date_shipped": "2026-12-01",
        })

    def test_extension_cannot_take_a_delivery_without_number_or_link_a_note_does(self):
        # An unknown carrier and no link: the extension needs one or the other.
        ref = self.adapter._push_fulfillment(self.store, "501", self.fulfillment(
            carrier="SC Express", carrier_mapped=False, tracking_url=""))
        self.assertTrue(ref.startswith("note:"))
        self.assertFalse(self.shop.trackings)
        # No tracking number at all: a note, without asking the extension anything.
        self.server.requests.clear()
        self.adapter._push_fulfillment(self.store, "502",
                                       self.fulfillment(tracking_number="", reference="R2"))
        self.assertEqual(self.calls(contains="shipment-tracking"), [])
        self.assertNotIn("Tracking number", self.shop.notes["502"][0]["note"])

    def test_partial_delivery_tracking_and_a_note_naming_what_shipped(self):
        fulfillment = self.fulfillment(order_complete=False, lines=[
            {"external_line_id": "31", "sku": "MUG-W", "name": "Woo Mug", "quantity": 1.0}])
        ref = self.adapter._push_fulfillment(self.store, "501", fulfillment)
        self.assertEqual(ref, f"tracking:{self.shop.trackings['501'][0]['tracking_id']}")
        [note] = self.shop.notes["501"]
        self.assertIn("Part of your order has shipped: 1 × Woo Mug.", note["note"])
        self.assertNotIn("Cap", note["note"])
        # Without the extension: the note alone, partial too.
        self.shop.extension = False
        self.store.woocommerce_tracking_extension = "unknown"
        self.adapter._push_fulfillment(self.store, "601", fulfillment)
        self.assertIn("Part of your order has shipped: 1 × Woo Mug.", self.shop.notes["601"][0]["note"])

    def test_retry_never_ships_twice(self):
        first = self.adapter._push_fulfillment(self.store, "501", self.fulfillment(order_complete=False))
        again = self.adapter._push_fulfillment(self.store, "501", self.fulfillment(order_complete=False))
        self.assertEqual(first, again)
        self.assertEqual(len(self.shop.trackings["501"]), 1)
        self.assertEqual(len(self.shop.notes["501"]), 1)
        self.shop.extension = False
        self.store.woocommerce_tracking_extension = "unknown"
        first = self.adapter._push_fulfillment(self.store, "502", self.fulfillment(reference="WH/OUT/00013"))
        again = self.adapter._push_fulfillment(self.store, "502", self.fulfillment(reference="WH/OUT/00013"))
        self.assertEqual(first, again)
        self.assertEqual(len(self.shop.notes["502"]), 1)
        # Another delivery of the same order is news.
        self.adapter._push_fulfillment(self.store, "502", self.fulfillment(reference="WH/OUT/00014"))
        self.assertEqual(len(self.shop.notes["502"]), 2)

    def test_extension_removed_since_detection_falls_back_to_a_note(self):
        self.adapter._push_fulfillment(self.store, "501", self.fulfillment())
        self.assertEqual(self.store.woocommerce_tracking_extension, "present")
        self.shop.extension = False  # uninstalled; the store still believes it is there
        ref = self.adapter._push_fulfillment(self.store, "502", self.fulfillment(reference="WH/OUT/00020"))
        self.assertTrue(ref.startswith("note:"))
        self.assertEqual(len(self.shop.notes["502"]), 1)
        self.assertEqual(self.store.woocommerce_tracking_extension, "absent")

    def test_detection_is_kept_a_day_then_checked_again(self):
        now = dt.datetime(2026, 12, 1, 9, 0)
        with freeze_time(now):
            self.adapter._push_fulfillment(self.store, "501", self.fulfillment())
        with freeze_time(now + dt.timedelta(hours=23)):
            self.adapter._push_fulfillment(self.store, "502", self.fulfillment(tracking_number="T2"))
        self.assertEqual(len(self.calls("GET", "/providers")), 1)
        self.shop.extension = False
        with freeze_time(now + dt.timedelta(hours=25)):
            ref = self.adapter._push_fulfillment(self.store, "503", self.fulfillment(tracking_number="T3"))
        self.assertEqual(len(self.calls("GET", "/providers")), 2)
        self.assertTrue(ref.startswith("note:"))
        self.assertEqual(self.store.woocommerce_tracking_checked_at, now + dt.timedelta(hours=25))

    def test_an_error_page_decides_nothing(self):
        self.shop.extension = True
        with patch.object(FakeShop, "__call__", lambda shop, request: (500, {}, "<html>down</html>")):
            from odoo.addons.store_connector_base.exceptions import RetryableJobError  # noqa: PLC0415
            with self.assertRaises(RetryableJobError):
                self.adapter._push_fulfillment(self.store, "501", self.fulfillment())
        self.assertEqual(self.store.woocommerce_tracking_extension, "unknown")

    def test_an_order_id_that_is_not_woocommerce_is_refused(self):
        from odoo.addons.store_connector_base.exceptions import PermanentJobError  # noqa: PLC0415
        with self.assertRaises(PermanentJobError):
            self.adapter._push_fulfillment(self.store, "../webhooks", self.fulfillment())
        self.assertEqual(self.server.requests, [])


class TestWooCommerceDeliveryPush(WooCommerceShippingCase):
    """From the validated delivery in Odoo to WooCommerce, through the base's orders.fulfillment job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store.warehouse_id = cls.warehouse
        cls.mug = cls.env["product.product"].create({
            "name": "Woo Mug", "default_code": "MUG-W", "type": "consu", "is_storable": True})
        cls.env["stock.quant"]._update_available_quantity(cls.mug, cls.warehouse.lot_stock_id, 20)
        cls.carrier = cls.env["delivery.carrier"].create({
            "name": "SC Express", "delivery_type": "fixed", "fixed_price": 5.0,
            "tracking_url": "https://track.example.com/?n=<shipmenttrackingnumber>",
            "product_id": cls.env["product.product"].create({"name": "SC ship", "type": "service"}).id,
        })
        cls.customer = cls.env["res.partner"].create({"name": "Woo Customer"})

    def imported_order(self, quantity):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
            "order_line": [(0, 0, {"product_id": self.mug.id, "product_uom_qty": quantity,
                                   "name": "Woo Mug\nceramic"})],
        })
        order.order_line.store_external_line_id = "31"
        self.env["store.order.binding"].create({"store_id": self.store.id, "order_id": order.id,
                                                "external_id": "501"})
        order.action_confirm()
        return order

    def ship(self, picking, quantity, tracking):
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        picking.move_ids.write({"quantity": quantity, "picked": True})
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()

    def run_jobs(self, operation):
        jobs = self.env["sync.job"].search([("store_id", "=", self.store.id), ("state", "=", "pending"),
                                            ("operation", "=", operation)])
        for job in jobs:
            self.env["sync.job"]._claim(1, commit=False, job_ids=job.ids)
            job._run(commit=False)
            job.invalidate_recordset()
            self.assertEqual(job.state, "done", job.last_error)
        return jobs

    def test_partial_then_rest_with_the_extension_and_a_retry(self):
        order = self.imported_order(3)
        first = order.picking_ids
        self.ship(first, 1, "TRK-1")
        [job] = self.run_jobs("orders.fulfillment")
        [item] = self.shop.trackings["501"]
        self.assertEqual(first.store_fulfillment_ref, f"tracking:{item['tracking_id']}")
        self.assertEqual((item["tracking_provider"], item["tracking_link"]),
                         ("SC Express", "https://track.example.com/?n=TRK-1"))
        self.assertEqual(item["date_shipped"], fields.Date.to_string(first.date_done.date()))
        [note] = self.shop.notes["501"]
        self.assertIn("Part of your order has shipped: 1 × Woo Mug.", note["note"])
        self.assertIn(first.name, note["note"])
        status = self.env["sync.job"].search([("store_id", "=", self.store.id),
                                              ("operation", "=", "orders.status")])
        self.assertEqual(status.payload, {"status": "processing", "stage": "processing"})
        # The job runs again (e.g. its answer was lost before Odoo saved the reference): nothing new.
        self.env.cr.execute("UPDATE stock_picking SET store_fulfillment_ref = NULL WHERE id = %s", [first.id])
        first.invalidate_recordset()
        job.write({"state": "pending"})
        self.run_jobs("orders.fulfillment")
        self.assertEqual((len(self.shop.trackings["501"]), len(self.shop.notes["501"])), (1, 1))
        self.assertEqual(first.store_fulfillment_ref, f"tracking:{item['tracking_id']}")
        # The rest ships: tracking only, the order is complete.
        self.ship(order.picking_ids - first, 2, "TRK-2")
        self.run_jobs("orders.fulfillment")
        self.assertEqual([t["tracking_number"] for t in self.shop.trackings["501"]], ["TRK-1", "TRK-2"])
        self.assertEqual(len(self.shop.notes["501"]), 1)

    def test_without_the_extension_the_delivery_becomes_a_customer_note(self):
        self.shop.extension = False
        order = self.imported_order(2)
        self.ship(order.picking_ids, 2, "TRK-9")
        self.run_jobs("orders.fulfillment")
        [note] = self.shop.notes["501"]
        self.assertEqual(order.picking_ids.store_fulfillment_ref, f"note:{note['id']}")
        self.assertIn("Your order has shipped: 2 × Woo Mug.", note["note"])
        self.assertIn("Carrier: SC Express.", note["note"])
        self.assertIn("Track it: https://track.example.com/?n=TRK-9", note["note"])
