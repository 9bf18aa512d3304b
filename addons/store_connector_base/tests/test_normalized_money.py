"""The normalized refund (lines, shipping, restock) and payout: what platform adapters hand to the
base's refund and payout pipelines, validated before anything is written."""

from decimal import Decimal

from ..exceptions import PermanentJobError
from ..services.normalized import normalize_order, normalize_payout, order_to_json
from .common_orders import OrderPipelineCase


def payout(**extra):
    return dict({
        "id": "po_1", "date": "2026-05-03T00:00:00Z", "status": "PAID", "currency": "eur", "amount": "93.50",
        "lines": [
            {"id": "bt_1", "type": "charge", "amount": "100.00", "fee": "3.20", "order_id": "5012",
             "transaction_id": "t1"},
            {"id": "bt_2", "type": "refund", "amount": "-3.30", "transaction_id": "r1"},
        ],
    }, **extra)


class TestNormalizedRefunds(OrderPipelineCase):
    def test_a_refund_keeps_its_lines_shipping_and_restock_through_json(self):
        order = normalize_order(self.make_order("r1", refunds=[{
            "id": "rf1", "amount": "14.50", "note": "broken", "created_at": "2026-05-02T10:00:00Z",
            "lines": [{"line_id": "9001", "quantity": 1, "amount": "12.50", "restock": True}],
            "shipping": "2.00",
        }], transactions=[{"id": "t9", "kind": "refund", "status": "success", "amount": "14.50",
                           "refund_id": "rf1"}]))
        [refund] = order["refunds"]
        self.assertEqual((refund["amount"], refund["shipping"], refund["restocked"]),
                         (Decimal("14.50"), Decimal("2.00"), None))
        self.assertEqual(refund["lines"], [{"line_id": "9001", "sku": None, "quantity": Decimal("1"),
                                            "amount": Decimal("12.50"), "restock": True}])
        self.assertEqual(order["transactions"][0]["refund_id"], "rf1")
        self.assertEqual(normalize_order(order_to_json(order))["refunds"], order["refunds"])

    def test_bad_refunds_are_refused_by_name(self):
        cases = [
            ([{"id": "rf1", "lines": [{"line_id": "9001", "quantity": 0}]}],
             r"refunds\[0\].lines\[0\].quantity: a refunded line needs a quantity above 0"),
            ([{"id": "rf1", "lines": [{"quantity": 1}]}],
             r"refunds\[0\].lines\[0\]: a refunded line needs the order line's line_id or its sku"),
            ([{"id": "rf1", "shipping": "-1"}], r"refunds\[0\].shipping: must be at least 0"),
            ([{"id": "rf1"}, {"id": "rf1"}], r"refunds\[1\].id: 'rf1' is listed twice"),
        ]
        for refunds, pattern in cases:
            with self.subTest(pattern), self.assertRaisesRegex(PermanentJobError, pattern):
                normalize_order(self.make_order("r2", refunds=refunds))


class TestNormalizedPayouts(OrderPipelineCase):
    def test_a_payout_is_validated_with_signed_lines(self):
        clean = normalize_payout(payout())
        self.assertEqual((clean["status"], clean["currency"], clean["amount"]),
                         ("paid", "EUR", Decimal("93.50")))
        self.assertEqual([(line["type"], line["amount"], line["fee"]) for line in clean["lines"]],
                         [("charge", Decimal("100.00"), Decimal("3.20")), ("refund", Decimal("-3.30"), 0)])

    def test_bad_payouts_are_refused_by_name(self):
        cases = [
            (payout(amount="90.00"), "Invalid payout data: amount: the platform pays out 90.00 but its lines "
                                     "add up to 93.50"),
            (payout(status="sent"), "Invalid payout data: status: must be one of"),
            (payout(currency="euro"), "Invalid payout data: currency: is not an ISO 4217 code"),
            (payout(lines=[{"id": "b", "type": "tip", "amount": "1"}], amount="1"),
             r"Invalid payout data: lines\[0\].type: must be one of"),
            (payout(lines=[{"id": "b", "type": "fee", "amount": "-1"}] * 2, amount="-2"),
             r"Invalid payout data: lines\[1\].id: 'b' is listed twice"),
            (payout(id=""), "Invalid payout data: id: is required"),
        ]
        for data, pattern in cases:
            with self.subTest(pattern), self.assertRaisesRegex(PermanentJobError, pattern):
                normalize_payout(data)
