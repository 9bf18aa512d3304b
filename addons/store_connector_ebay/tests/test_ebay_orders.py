"""eBay orders: the mapper on fixture payloads (eBay-collected tax left out to the cent, seller tax,
shipping, discounts, buyers), the derived statuses, the pull's windows and cursor (an order modified
during the pull is not lost), cancel requests, the order notification's job, buyer messages."""

import copy
import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services.normalized import normalize_order
from odoo.addons.store_connector_base.tests.common import run_queue

from ..models import ebay_order_mapper as om
from .common import create_ebay_store

DATA = Path(__file__).parent / "data"
ORDER_PATH = "/sell/fulfillment/v1/order"
FILTER_RE = re.compile(r"^lastmodifieddate:\[([^.]+\.\d{3}Z)\.\.([^.]+\.\d{3}Z)\]$")


def fixture(name):
    return json.loads((DATA / name).read_text())


def _moment(text):
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


class FakeFulfillment:
    """getOrders / getOrder over in-memory orders, as eBay answers them: a lastmodifieddate window
    (both ends inclusive), `limit` and `offset` over an order eBay does not document (newest created
    first here), `total`; getOrders leaves cancelRequests empty, getOrder gives them."""

    def __init__(self, orders):
        self.orders = {order["orderId"]: copy.deepcopy(order) for order in orders}
        self.calls = []
        self.on_call = None

    def request_json(self, method, path, *, api, params=None, json=None, headers=None, app=False):
        assert api == "fulfillment", api
        self.calls.append((method, path, dict(params or {})))
        if self.on_call:
            self.on_call(self)
        if path.startswith(ORDER_PATH + "/"):
            return copy.deepcopy(self.orders[path.rsplit("/", 1)[1]])
        assert path == ORDER_PATH, path
        start, end = (_moment(t) for t in FILTER_RE.match(params["filter"]).groups())
        limit, offset = int(params["limit"]), int(params["offset"])
        assert limit <= 200
        found = sorted((o for o in self.orders.values() if start <= _moment(o["lastModifiedDate"]) <= end),
                       key=lambda o: o["creationDate"], reverse=True)
        page = []
        for order in found[offset:offset + limit]:
            order = copy.deepcopy(order)
            order.setdefault("cancelStatus", {})["cancelRequests"] = []
            page.append(order)
        return {"total": len(found), "limit": limit, "offset": offset, "orders": page}


def simple_order(order_id, modified, sku="EB-MUG", username="carl"):
    return {
        "orderId": order_id, "creationDate": "2026-11-01T08:00:00.000Z", "lastModifiedDate": modified,
        "orderPaymentStatus": "PAID", "orderFulfillmentStatus": "NOT_STARTED",
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "buyer": {"username": username},
        "pricingSummary": {"priceSubtotal": {"value": "10.00", "currency": "USD"},
                           "total": {"value": "10.00", "currency": "USD"}},
        "lineItems": [{"lineItemId": f"L{order_id}", "sku": sku, "title": "Blue mug", "quantity": 1,
                       "lineItemCost": {"value": "10.00", "currency": "USD"}}],
    }


class TestEbayOrderMapper(TransactionCase):
    def test_ebay_collected_tax_is_not_the_sellers_revenue(self):
        order = normalize_order(om.order_from_rest(fixture("order_collected_tax.json")))
        # pricingSummary.total 66.04 holds eBay's 5.04 of sales tax: the seller's order is 61.00
        # (goods 60 - 5 promotion, shipping 8 - 2).
        self.assertEqual(order["total"], Decimal("61.00"))
        self.assertEqual(order["marketplace_tax"], Decimal("5.04"))
        self.assertEqual(order["lines"][0]["taxes"], [])
        self.assertEqual(order["lines"][0]["unit_price"], Decimal("10"))
        self.assertEqual(order["lines"][0]["quantity"], Decimal("3"))
        self.assertEqual(order["lines"][0]["discount"], Decimal("5.00"))
        self.assertEqual(order["shipping_lines"][0]["price"], Decimal("8.00"))
        self.assertEqual(order["shipping_lines"][0]["discount"], Decimal("2.00"))
        self.assertEqual(order["shipping_lines"][0]["title"], "USPSPriority")
        self.assertEqual(order["number"], "12-34567-89012")
        self.assertEqual(order["status"], om.STATUS_PAID)
        # The line without a SKU carries its listing's ids for the bindings.
        self.assertIsNone(order["lines"][1]["sku"])
        self.assertEqual(order["lines"][1]["external_ids"],
                         {"product_id": "110099999999", "variant_id": "500000000001"})
        self.assertEqual(order["lines"][1]["id"], "10002")
        self.assertEqual(order["customer"]["id"], "ann_lee77")
        self.assertEqual(order["customer"]["email"], "a1b2c3d4e5@members.ebay.com")
        self.assertEqual(order["shipping_address"]["city"], "Oakland")
        self.assertEqual(order["shipping_address"]["state_code"], "CA")
        self.assertEqual(order["billing_address"]["city"], "San Jose")

    def test_seller_collected_tax_is_imported_as_tax(self):
        order = normalize_order(om.order_from_rest(fixture("order_seller_tax.json")))
        self.assertEqual(order["total"], Decimal("21.65"))
        self.assertIsNone(order["marketplace_tax"])
        self.assertEqual(order["lines"][0]["taxes"][0]["amount"], Decimal("1.65"))
        self.assertEqual(order["lines"][0]["shipped_quantity"], Decimal("2"))
        self.assertEqual(order["shipping_lines"], [])
        self.assertEqual(order["status"], om.STATUS_FULFILLED)
        # The immutable id keys the buyer; the username is kept beside it; eBay's masked
        # "Invalid Request" is no e-mail.
        self.assertEqual(order["customer"]["id"], "u-IMMUTABLE-42")
        self.assertEqual(order["customer"]["username"], "bob_new_name")
        self.assertIsNone(order["customer"]["email"])

    def test_collected_tax_in_the_total_without_a_tax_entry(self):
        """An order whose total holds eBay's tax without `taxes` listing it is read as such too."""
        payload = fixture("order_collected_tax.json")
        for line in payload["lineItems"]:
            line["taxes"] = []
        order = normalize_order(om.order_from_rest(payload))
        self.assertEqual(order["total"], Decimal("61.00"))
        self.assertEqual(order["marketplace_tax"], Decimal("5.04"))

    def test_order_discount_not_on_lines_is_spread(self):
        payload = fixture("order_collected_tax.json")
        payload["lineItems"][0]["appliedPromotions"] = []
        order = normalize_order(om.order_from_rest(payload))
        self.assertEqual(sum(line["discount"] for line in order["lines"]), Decimal("5.00"))
        self.assertEqual(order["total"], Decimal("61.00"))

    def test_status_derivation(self):
        def status(payment="PAID", fulfillment="NOT_STARTED", cancel="NONE_REQUESTED"):
            return om.order_status({"orderPaymentStatus": payment, "orderFulfillmentStatus": fulfillment,
                                    "cancelStatus": {"cancelState": cancel}})

        self.assertEqual(status(), "PAID")
        self.assertEqual(status(fulfillment="IN_PROGRESS"), "PARTIALLY_SHIPPED")
        self.assertEqual(status(fulfillment="FULFILLED"), "FULFILLED")
        self.assertEqual(status(payment="PARTIALLY_REFUNDED", fulfillment="FULFILLED"), "FULFILLED")
        self.assertEqual(status(payment="PENDING"), "PAYMENT_PENDING")
        self.assertEqual(status(payment="FAILED"), "PAYMENT_FAILED")
        self.assertEqual(status(payment="FULLY_REFUNDED", fulfillment="FULFILLED"), "FULLY_REFUNDED")
        self.assertEqual(status(cancel="IN_PROGRESS"), "CANCEL_REQUESTED")
        self.assertEqual(status(payment="FULLY_REFUNDED", cancel="CANCELED"), "CANCELLED")

    def test_refunds_listed(self):
        payload = fixture("order_seller_tax.json")
        payload["paymentSummary"]["refunds"] = [
            {"refundId": "R1", "refundStatus": "REFUNDED", "amount": {"value": "5.00", "currency": "USD"}},
            {"refundId": "R2", "refundStatus": "PENDING", "amount": {"value": "1.00", "currency": "USD"}}]
        self.assertEqual(om.order_from_rest(payload)["refunds"],
                         [{"id": "R1", "amount": "5.00", "note": None}])


class EbayStoreCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_ebay_store(cls.env, order_unknown_sku_policy="fail")
        Product = cls.env["product.product"]
        cls.mug = Product.create({"name": "Blue mug", "default_code": "EB-MUG", "type": "consu",
                                  "list_price": 10})
        cls.plate = Product.create({"name": "Red plate", "default_code": "EB-PLATE", "type": "consu",
                                    "list_price": 30})
        cls.env["store.product.binding"].create({
            "store_id": cls.store.id, "product_id": cls.plate.id, "sku": "EB-PLATE",
            "external_product_id": "110099999999", "external_variant_id": "500000000001",
        })

    def use(self, fake, attribute="_ebay_client"):
        patcher = patch.object(type(self.env["connector.store"]), attribute, create=True,
                               new=lambda store: fake)
        patcher.start()
        self.addCleanup(patcher.stop)
        return fake

    def binding(self, order_id):
        return self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", order_id)])


class TestEbayOrderPull(EbayStoreCase):
    def test_pull_imports_what_the_seller_is_due(self):
        self.use(FakeFulfillment([fixture("order_collected_tax.json"), fixture("order_seller_tax.json")]))
        self.store._enqueue_order_pull(since=datetime(2026, 11, 1))
        run_queue(self.env, self.store)
        binding = self.binding("12-34567-89012")
        sale = binding.order_id
        self.assertEqual(sale.amount_total, 61.00)
        self.assertEqual(binding.marketplace_tax, 5.04)
        self.assertEqual(sale.client_order_ref[-14:], "12-34567-89012")
        self.assertEqual(sale.state, "sale", "a paid order is confirmed")
        self.assertEqual(binding.platform_status, "PAID")
        # The line without SKU is the plate, through its legacy item/variation binding.
        self.assertIn(self.plate, sale.order_line.product_id)
        self.assertEqual(sale.partner_shipping_id.city, "Oakland")
        seller_tax = self.binding("23-45678-90123").order_id
        self.assertEqual(seller_tax.amount_total, 21.65)
        self.assertEqual(seller_tax.amount_tax, 1.65)

    def test_buyer_whose_username_changed_is_the_same_partner(self):
        first = fixture("order_seller_tax.json")
        first["buyer"]["username"] = "bob_old_name"
        second = fixture("order_seller_tax.json")
        second.update(orderId="23-45678-99999", lastModifiedDate="2026-11-22T09:30:00.000Z")
        self.use(FakeFulfillment([first]))
        self.store._enqueue_order_pull(since=datetime(2026, 11, 1))
        run_queue(self.env, self.store)
        partner = self.binding("23-45678-90123").order_id.partner_id
        customer = self.env["store.customer.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(customer.external_id, "u-IMMUTABLE-42")
        self.assertEqual(customer.external_username, "bob_old_name")
        self.use(FakeFulfillment([second]))
        self.store._enqueue_order_pull(since=datetime(2026, 11, 1))
        run_queue(self.env, self.store)
        self.assertEqual(self.binding("23-45678-99999").order_id.partner_id, partner)
        self.assertEqual(customer.external_username, "bob_new_name")

    def test_username_only_buyer_found_again_by_relay_email(self):
        """No id but the username: a renamed buyer is found by eBay's relay e-mail (stable per buyer)."""
        first = fixture("order_collected_tax.json")
        second = fixture("order_collected_tax.json")
        second.update(orderId="12-34567-00000")
        second["buyer"]["username"] = "ann_renamed"
        self.use(FakeFulfillment([first, second]))
        self.store._enqueue_order_pull(since=datetime(2026, 11, 1))
        run_queue(self.env, self.store)
        self.assertEqual(self.binding("12-34567-89012").order_id.partner_id,
                         self.binding("12-34567-00000").order_id.partner_id)

    def test_full_sync_reads_90_days(self):
        self.assertEqual(self.store._get_adapter()._full_sync_order_days(self.store), 90)
        fake = self.use(FakeFulfillment([]))
        self.store._enqueue_full_sync()
        run_queue(self.env, self.store)
        start = FILTER_RE.match(fake.calls[0][2]["filter"]).group(1)
        self.assertEqual((datetime.now() - _moment(start)).days, 90)

    def test_pull_windows_lose_no_order_modified_during_the_pull(self):
        orders = [simple_order(f"O-{n}", f"2026-11-{10 + n:02d}T10:00:00.000Z") for n in range(6)]
        fake = self.use(FakeFulfillment(orders))
        adapter = self.store._get_adapter()
        seen, cursor, rounds = [], None, 0

        def touch(fake):
            # During the pull, O-4 (not read yet) changes: it moves to the end.
            if len(fake.calls) == 3:
                fake.orders["O-4"]["lastModifiedDate"] = "2026-11-30T12:00:00.000Z"

        fake.on_call = touch
        while True:
            page = adapter._import_orders(self.store, since=datetime(2026, 11, 1), limit=2, cursor=cursor)
            seen += [record["id"] for record in page["records"]]
            rounds += 1
            cursor = page["next_cursor"]
            if cursor is None or rounds > 40:
                break
        self.assertEqual(set(seen), {f"O-{n}" for n in range(6)})
        self.assertIsNone(cursor)
        for _method, _path, params in fake.calls:
            self.assertLessEqual(int(params.get("limit", 0)), 2)
            self.assertRegex(params.get("filter", "lastmodifieddate:[x..y]"), r"^lastmodifieddate:\[")

    def test_same_second_flood_read_by_offset_pages(self):
        orders = [simple_order(f"S-{n}", "2026-11-15T10:00:00.000Z") for n in range(5)]
        fake = self.use(FakeFulfillment(orders))
        page = self.store._get_adapter()._import_orders(self.store, since=datetime(2026, 11, 15, 10), limit=2)
        self.assertEqual({r["id"] for r in page["records"]}, {f"S-{n}" for n in range(5)})
        self.assertIn("4", {params.get("offset") and str(params["offset"]) for _m, _p, params in fake.calls})

    def test_cancel_request_read_from_get_order(self):
        order = simple_order("C-1", "2026-11-15T10:00:00.000Z")
        order["cancelStatus"] = {"cancelState": "IN_PROGRESS", "cancelRequests": [{
            "cancelInitiator": "BUYER", "cancelReason": "ORDER_MISTAKE", "cancelRequestState": "REQUESTED",
            "cancelRequestedDate": "2026-11-15T09:59:00.000Z"}]}
        fake = self.use(FakeFulfillment([order]))
        page = self.store._get_adapter()._import_orders(self.store, since=datetime(2026, 11, 1))
        self.assertIn(("GET", f"{ORDER_PATH}/C-1", {}), fake.calls)
        self.assertEqual(page["records"][0]["status"], "CANCEL_REQUESTED")
        self.assertIn("ORDER_MISTAKE", page["records"][0]["note"])


class TestEbayOrderNotification(EbayStoreCase):
    def test_order_topic_job_reads_the_order_again(self):
        fake = self.use(FakeFulfillment([fixture("order_collected_tax.json")]))
        adapter = self.store._get_adapter()
        self.assertEqual(adapter._webhook_topic_handlers(self.store)["ORDER_CONFIRMATION"].method,
                         "_webhook_import_orders")
        envelope = {"metadata": {"topic": "ORDER_CONFIRMATION"},
                    "notification": {"notificationId": "n-1", "data": {"orderId": "12-34567-89012"}}}
        order = adapter._webhook_normalized_order(self.store, None, envelope)
        self.assertEqual(fake.calls, [("GET", f"{ORDER_PATH}/12-34567-89012", {})])
        result = self.store._import_order(order)
        self.assertTrue(result)
        self.assertEqual(self.binding("12-34567-89012").order_id.amount_total, 61.00)


class FakeTrading:
    def __init__(self, exchanges):
        self.exchanges = exchanges
        self.calls = []

    def execute(self, verb, data, list_nodes=None):
        self.calls.append((verb, data))
        assert verb == "GetMemberMessages"
        size = data["Pagination"]["EntriesPerPage"]
        number = data["Pagination"]["PageNumber"]
        page = self.exchanges[(number - 1) * size:number * size]
        pages = max(1, -(-len(self.exchanges) // size))
        return {"Ack": "Success", "MemberMessage": {"MemberMessageExchange": page},
                "PaginationResult": {"TotalNumberOfPages": str(pages)},
                "HasMoreItems": "true" if number < pages else "false"}


class TestEbayBuyerMessages(EbayStoreCase):
    def test_buyer_message_posted_once_on_its_order(self):
        self.use(FakeFulfillment([fixture("order_collected_tax.json")]))
        self.store._enqueue_order_pull(since=datetime(2026, 11, 1))
        run_queue(self.env, self.store)
        sale = self.binding("12-34567-89012").order_id
        exchanges = [
            {"Item": {"ItemID": "110012345678", "Title": "Blue mug"},
             "CreationDate": "2026-11-21T10:00:00.000Z",
             "Question": {"MessageID": "M-1", "SenderID": "ann_lee77", "Subject": "Gift wrap?",
                          "Body": "Can you <b>wrap</b> it?\nThanks"}},
            {"Item": {"ItemID": "999", "Title": "Other"}, "CreationDate": "2026-11-21T10:00:00.000Z",
             "Question": {"MessageID": "M-2", "SenderID": "stranger", "Body": "Still available?"}},
        ]
        trading = self.use(FakeTrading(exchanges), "_ebay_trading")
        jobs = self.store._cron_ebay_buyer_messages()
        self.assertIn(self.store, jobs.store_id)
        run_queue(self.env, self.store)
        notes = sale.message_ids.filtered(lambda m: "ebay-message" in (m.message_id or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("ann_lee77", notes.body)
        self.assertIn("&lt;b&gt;wrap&lt;/b&gt;", notes.body)
        self.assertNotIn("<b>wrap</b>", notes.body)
        self.assertIn("sh/ord/details?orderid=12-34567-89012", notes.body)
        self.assertTrue(self.store.ebay_messages_polled_at)
        # The next poll reads the same message again (the margin): posted once all the same.
        self.store._cron_ebay_buyer_messages()
        run_queue(self.env, self.store)
        self.assertEqual(len(sale.message_ids.filtered(lambda m: "ebay-message" in (m.message_id or ""))), 1)
        self.assertEqual(trading.calls[0][1]["MailMessageType"], "All")
