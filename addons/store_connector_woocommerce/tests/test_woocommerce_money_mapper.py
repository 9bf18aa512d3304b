"""The WooCommerce order mapper's money (issue #14, models/woocommerce_order_mapper.py), pure: a paid
order's sale transaction, refunds read from /orders/<id>/refunds (lines, shipping with tax when prices
include it, amounts without lines), the refund transaction, and the details of known refunds reused
from the order's last import; every result accepted by the base's normalized order."""

import copy
import json
from decimal import Decimal
from pathlib import Path

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services.normalized import normalize_order, order_to_json
from odoo.addons.store_connector_woocommerce.models import woocommerce_order_mapper as om

DATA = Path(__file__).parent / "data"


def load(name):
    return json.loads((DATA / f"{name}.json").read_text())


def rest_refund(refund_id=801, amount="15.00", refunded_payment=False, line_items=None, shipping_lines=None,
                **extra):
    """A refund as GET /orders/<id>/refunds gives it (line totals negative, without tax)."""
    return dict({"id": refund_id, "date_created": "2026-05-02T08:00:00",
                 "date_created_gmt": "2026-05-02T12:00:00",
                 "amount": amount, "reason": "Broken in transit", "refunded_by": 1,
                 "refunded_payment": refunded_payment, "meta_data": [], "line_items": line_items or [],
                 "shipping_lines": shipping_lines or [], "tax_lines": [], "fee_lines": []}, **extra)


def refund_line(order_line_id, quantity, total, total_tax="0.00", sku="SKU"):
    return {"id": 900 + order_line_id, "name": "Line", "quantity": -quantity, "subtotal": f"-{total}",
            "total": f"-{total}", "total_tax": f"-{total_tax}", "sku": sku,
            "meta_data": [{"id": 1, "key": "_refunded_item_id", "value": str(order_line_id)}]}


class TestWooCommerceMoneyMapper(TransactionCase):
    def setUp(self):
        super().setUp()
        self.payload = load("order_refunded")  # bacs, paid (processing), refund 801 of 15.00
        self.line_id = self.payload["line_items"][0]["id"]

    def test_paid_order_without_gateway_transaction_gets_a_stable_sale(self):
        order = normalize_order(om.order_from_rest(self.payload))
        [sale] = order["transactions"]
        self.assertEqual((sale["id"], sale["kind"], sale["status"], sale["gateway"], sale["amount"]),
                         ("5005-paid", "sale", "success", "bacs", Decimal("45.00")))
        self.assertEqual(str(sale["processed_at"]), "2026-05-01 10:05:00", "date_paid_gmt")
        self.assertEqual(normalize_order(om.order_from_rest(self.payload))["transactions"], [sale],
                         "the same id on every import")

    def test_gateway_transaction_id_and_unpaid_orders(self):
        self.payload.update(payment_method="stripe", transaction_id="ch_3Qabc")
        self.assertEqual([t["id"] for t in om.order_from_rest(self.payload)["transactions"]], ["ch_3Qabc"])
        for status in ("pending", "on-hold"):
            unpaid = dict(self.payload, status=status, date_paid=None, date_paid_gmt=None, transaction_id="")
            self.assertEqual(om.order_from_rest(unpaid)["transactions"], [], status)
        # Moved back or cancelled after the payment: date_paid stays, the order is not paid now;
        # refunded: paid first (the payment is recorded with its refunds).
        def ids(status):
            return [t["id"] for t in om.order_from_rest(dict(self.payload, status=status))["transactions"]]

        for status in ("pending", "on-hold", "cancelled", "awaiting-shipment"):
            self.assertEqual(ids(status), [], status)
        self.assertEqual(ids("refunded"), ["ch_3Qabc"])

    def test_refund_details_give_lines_and_no_transaction_when_recorded_by_hand(self):
        details = [rest_refund(line_items=[refund_line(self.line_id, 1, "15.00")])]
        order = normalize_order(om.order_from_rest(self.payload, refund_details=details))
        [refund] = order["refunds"]
        self.assertEqual(str(refund["created_at"]), "2026-05-02 12:00:00")
        self.assertEqual(refund["lines"], [{"line_id": str(self.line_id), "sku": None, "quantity": Decimal(1),
                                            "amount": Decimal("15.00"), "restock": None}])
        self.assertEqual([t["kind"] for t in order["transactions"]], ["sale"],
                         "money returned outside WooCommerce: no refund transaction")

    def test_refund_through_the_gateway_with_shipping_and_prices_including_tax(self):
        self.payload.update(prices_include_tax=True, payment_method="stripe", transaction_id="ch_3Qabc")
        details = [rest_refund(
            amount="20.00", refunded_payment=True,
            line_items=[refund_line(self.line_id, 1, "12.50", total_tax="2.50"),
                        # refunded by amount only: left to the refund's amount
                        dict(refund_line(self.line_id, 0, "0.50"), quantity=0)],
            shipping_lines=[{"id": 950, "total": "-4.00", "total_tax": "-0.80"}])]
        mapped = om.order_from_rest(self.payload, refund_details=details)
        [refund] = mapped["refunds"]
        self.assertEqual(([line["amount"] for line in refund["lines"]], refund["shipping"]),
                         (["15.00"], "4.80"))
        self.assertEqual(mapped["transactions"][1], {
            "id": "801-refund", "kind": "refund", "status": "success", "gateway": "stripe", "amount": "20.00",
            "processed_at": "2026-05-02T12:00:00Z", "parent_id": "ch_3Qabc", "refund_id": "801"})
        self.assertEqual(om.refunds_to_read(mapped), [])
        self.assertEqual(om.refunds_to_read(om.order_from_rest(self.payload)), ["801"])

    def test_known_refunds_are_taken_from_the_last_import(self):
        self.payload.update(payment_method="stripe", transaction_id="ch_3Qabc")
        details = [rest_refund(refunded_payment=True, line_items=[refund_line(self.line_id, 1, "15.00")])]
        held = order_to_json(normalize_order(om.order_from_rest(self.payload, refund_details=details)))
        newer = copy.deepcopy(self.payload)
        newer["refunds"].append({"id": 802, "reason": "", "total": "-1.00"})
        again = om.with_known_refunds(om.order_from_rest(newer), held)
        self.assertEqual(om.refunds_to_read(again), ["802"], "only the new refund is to read")
        self.assertEqual(again["refunds"][0], held["refunds"][0])
        self.assertEqual([t["id"] for t in again["transactions"]], ["ch_3Qabc", "801-refund"])
        normalize_order(again)
        # A refund deleted on WooCommerce is no longer listed: neither it nor its transaction stay.
        gone = om.with_known_refunds(om.order_from_rest(dict(self.payload, refunds=[])), held)
        self.assertEqual(([r["id"] for r in gone["refunds"]], [t["id"] for t in gone["transactions"]]),
                         ([], ["ch_3Qabc"]))

    def restocked_payload(self, units, refunds):
        """The order with `units` restocked on its line (`_restock_refunded_items`) and `refunds`
        [(id, total)] listed."""
        payload = copy.deepcopy(self.payload)
        if units is not None:
            payload["line_items"][0]["meta_data"] = [
                {"id": 7, "key": "_restock_refunded_items", "value": str(units)}]
        payload["refunds"] = [{"id": refund_id, "reason": "", "total": f"-{total}"}
                              for refund_id, total in refunds]
        return payload

    def restocks(self, payload, details, held=None):
        order = om.with_restocks(om.order_from_rest(payload, refund_details=details), payload, held)
        normalize_order(order)
        return {refund["id"]: [line["restock"] for line in refund["lines"]] for refund in order["refunds"]}

    def test_restock_read_from_the_order_lines_running_total(self):
        one = rest_refund(line_items=[refund_line(self.line_id, 1, "15.00")])
        self.assertEqual(self.restocks(self.restocked_payload(1, [(801, "15.00")]), [one]), {"801": [True]})
        self.assertEqual(self.restocks(self.restocked_payload(None, [(801, "15.00")]), [one]),
                         {"801": [False]}, "no running total on the line: nothing restocked")
        # Two refunds read at once, one unit restocked in all: the oldest refund's.
        two = rest_refund(802, line_items=[refund_line(self.line_id, 1, "15.00")])
        both = self.restocked_payload(1, [(802, "15.00"), (801, "15.00")])
        self.assertEqual(self.restocks(both, [two, one]), {"801": [True], "802": [False]})
        # Refund 801 held (imported restocked): a new refund restocked only when the total grew.
        held = order_to_json(normalize_order(om.with_restocks(
            om.order_from_rest(self.restocked_payload(1, [(801, "15.00")]), refund_details=[one]),
            self.restocked_payload(1, [(801, "15.00")]))))
        self.assertEqual(held["refunds"][0]["lines"][0]["restock"], True)
        for units, restocked in ((1, False), (2, True)):
            payload = self.restocked_payload(units, [(802, "15.00"), (801, "15.00")])
            self.assertEqual(self.restocks(payload, [two, one], held), {"801": [True], "802": [restocked]},
                             units)
        # A refund that says itself whether it restocked keeps its word.
        echoed = rest_refund(line_items=[refund_line(self.line_id, 1, "15.00")], api_restock=False)
        self.assertEqual(self.restocks(self.restocked_payload(1, [(801, "15.00")]), [echoed]),
                         {"801": [False]})
