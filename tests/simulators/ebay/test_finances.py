"""Money of the eBay simulator (issue #14): the Fulfillment API's paymentSummary (payments, refunds), the
Finances API (payouts, transactions, summaries: filters, paging, sort, errors, scope) and the payout
switch (plain pytest, no Odoo; every answer is checked against eBay's published contract)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import requests

from .oauth import SCOPE_ROOT
from .simulator import EbaySimulator
from .util import ebay_date

FIN = "/sell/finances/v1"
FUL = "/sell/fulfillment/v1"


@pytest.fixture
def sim():
    simulator = EbaySimulator()
    simulator.start()
    yield simulator
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors
    assert not simulator.take_schema_violations()


def get(sim, path, token=None, **params):
    return requests.get(
        sim.base_url + path,
        params=params,
        headers={
            "Authorization": f"Bearer {token or sim.access_token}",
            "X-EBAY-C-MARKETPLACE-ID": "EBAY_US",
        },
        timeout=10,
    )


def two_line_order(sim, **kwargs):
    return sim.add_order(
        [{"sku": "A", "quantity": 2, "price": "10.00"}, {"sku": "B", "quantity": 1, "price": "5.00"}],
        ebay_collected_tax="0.08",
        shipping_cost="4.00",
        **kwargs,
    )


def value(money):
    return Decimal(money["value"])


# ---------------------------------------------------------------------- Fulfillment paymentSummary


def test_paid_order_payment_summary_and_its_sale_transaction_agree(sim):
    order = two_line_order(sim)
    summary = get(sim, f"{FUL}/order/{order['orderId']}").json()["paymentSummary"]
    [payment] = summary["payments"]
    assert payment["paymentMethod"] == "EBAY" and payment["paymentStatus"] == "PAID"
    assert payment["paymentReferenceId"] and payment["paymentDate"] == order["creationDate"]
    assert value(payment["amount"]) == value(summary["totalDueSeller"]) == Decimal("31.00")  # tax included
    assert summary["refunds"] == []
    sale = get(sim, f"{FIN}/transaction", filter=f"orderId:{{{order['orderId']}}}").json()["transactions"]
    [sale] = sale
    assert sale["transactionType"] == "SALE" and sale["bookingEntry"] == "CREDIT"
    assert sale["transactionStatus"] == "FUNDS_AVAILABLE_FOR_PAYOUT" and "payoutId" not in sale
    assert value(sale["totalFeeBasisAmount"]) == Decimal("31.00")
    assert value(sale["eBayCollectedTaxAmount"]) == Decimal("2.00")
    fees = [fee for line in sale["orderLineItems"] for fee in line["marketplaceFees"]]
    assert {fee["feeType"] for fee in fees} == {"FINAL_VALUE_FEE", "FINAL_VALUE_FEE_FIXED_PER_ORDER"}
    fee_total = sum(value(fee["amount"]) for fee in fees)
    assert (
        value(sale["totalFeeAmount"]) == fee_total == value(order["totalMarketplaceFee"]) == Decimal("4.41")
    )
    assert value(sale["amount"]) == Decimal("31.00") - Decimal("2.00") - fee_total  # what the seller gets
    assert [line["lineItemId"] for line in sale["orderLineItems"]] == [
        li["lineItemId"] for li in order["lineItems"]
    ]


def test_unpaid_order_has_no_sale_transaction(sim):
    sim.add_order([{"sku": "A", "quantity": 1, "price": "10.00"}], payment_status="PENDING")
    assert get(sim, f"{FIN}/transaction").json()["total"] == 0


def test_partial_then_full_refund(sim):
    order = two_line_order(sim)
    line = order["lineItems"][1]
    refund = sim.refund_order(order["orderId"], "5.40", line_item_id=line["lineItemId"], reason="Broken")
    assert refund["refundStatus"] == "REFUNDED" and refund["refundReferenceId"]
    seen = get(sim, f"{FUL}/order/{order['orderId']}").json()
    assert seen["orderPaymentStatus"] == "PARTIALLY_REFUNDED"
    assert seen["paymentSummary"]["refunds"] == [refund]
    assert seen["paymentSummary"]["payments"][0]["paymentStatus"] == "PAID"
    assert seen["lineItems"][1]["refunds"][0]["refundId"] == refund["refundId"]
    assert seen["lastModifiedDate"] >= order["lastModifiedDate"]
    with pytest.raises(ValueError):
        sim.refund_order(order["orderId"], "100.00")
    rest = sim.refund_order(order["orderId"])  # what is left
    assert value(rest["amount"]) == Decimal("25.60")
    assert sim.order(order["orderId"])["orderPaymentStatus"] == "FULLY_REFUNDED"
    refunds = get(sim, f"{FIN}/transaction", filter="transactionType:{REFUND}", sort="transactionDate").json()
    assert [t["transactionId"] for t in refunds["transactions"]] == [refund["refundId"], rest["refundId"]]
    first = refunds["transactions"][0]
    assert first["bookingEntry"] == "DEBIT" and first["orderId"] == order["orderId"]
    # eBay refunds the tax it collected on what it refunds (the whole line B: its 0.40), the seller is
    # debited the rest; the rest of the order gives back the rest of the tax.
    assert value(first["eBayCollectedTaxAmount"]) == Decimal("0.40")
    assert value(first["amount"]) == Decimal("5.00")
    assert first["transactionMemo"] == "Broken"
    second = refunds["transactions"][1]
    assert value(second["eBayCollectedTaxAmount"]) == Decimal("1.60")
    assert value(second["amount"]) == Decimal("24.00")
    totals = sim.finances.totals()
    assert totals["refunds"] == totals["sales"] - totals["ebay_collected_tax"] == Decimal("29.00")


def test_refund_of_a_unit_gives_back_its_tax_not_a_share_of_the_shipping(sim):
    # Line A: 2 x 10.00, 1.60 of tax, the order's 4.00 of shipping: 25.60; one unit with its tax 10.80.
    order = two_line_order(sim)
    line = order["lineItems"][0]
    unit = sim.refund_order(order["orderId"], "10.80", line_item_id=line["lineItemId"])
    debit = sim.finances.transaction(unit["refundId"])
    assert value(debit["eBayCollectedTaxAmount"]) == Decimal("0.80")
    assert value(debit["amount"]) == Decimal("10.00")
    # The order's rest (10.80 of line A with shipping, 5.40 of line B): the 1.20 of tax left.
    rest = sim.finances.transaction(sim.refund_order(order["orderId"])["refundId"])
    assert value(rest["eBayCollectedTaxAmount"]) == Decimal("1.20")
    assert value(rest["amount"]) == Decimal("19.00")


def test_pending_payment_completed_later_makes_its_sale_then(sim):
    order = sim.add_order([{"sku": "A", "quantity": 1, "price": "10.00"}], payment_status="PENDING")
    assert sim.finances.transaction(order["orderId"]) is None
    with pytest.raises(ValueError):
        sim.complete_payment(sim.add_order([{"sku": "A", "quantity": 1, "price": "1.00"}])["orderId"])
    sim.advance(3600)
    paid = sim.complete_payment(order["orderId"])
    [payment] = paid["paymentSummary"]["payments"]
    assert (paid["orderPaymentStatus"], payment["paymentStatus"]) == ("PAID", "PAID")
    assert payment["paymentDate"] == paid["lastModifiedDate"] > order["lastModifiedDate"]
    assert paid["creationDate"] == order["creationDate"]
    sale = sim.finances.transaction(order["orderId"])
    assert sale["transactionType"] == "SALE" and sale["transactionDate"] == payment["paymentDate"]
    assert value(sale["totalFeeBasisAmount"]) == Decimal("10.00")
    seen = get(sim, f"{FUL}/order/{order['orderId']}").json()
    assert seen["paymentSummary"]["payments"][0]["paymentStatus"] == "PAID"


# ---------------------------------------------------------------------- payouts


def test_pay_out_groups_unpaid_transactions(sim):
    order = two_line_order(sim)
    refund = sim.refund_order(order["orderId"], "5.40")
    label = sim.finances.add_charge("SHIPPING_LABEL", "3.10", memo="USPS label", order_id=order["orderId"])
    payout = sim.pay_out()
    assert payout["payoutStatus"] == "SUCCEEDED" and payout["transactionCount"] == 3
    assert value(payout["amount"]) == Decimal("24.59") - Decimal("5.05") - Decimal("3.10")
    assert value(payout["totalFee"]) == Decimal("4.41")
    assert sim.pay_out() is None  # nothing left to pay
    paid = get(sim, f"{FIN}/transaction", filter=f"payoutId:{{{payout['payoutId']}}}").json()
    assert {t["transactionId"] for t in paid["transactions"]} == {
        order["orderId"],
        refund["refundId"],
        label["transactionId"],
    }
    assert {t["transactionStatus"] for t in paid["transactions"]} == {"PAYOUT"}
    totals = sim.finances.totals()
    assert totals["paid_out"] == value(payout["amount"]) and totals["unpaid"] == 0
    assert totals["sales"] - totals["ebay_collected_tax"] - totals["fees"] - totals["refunds"] - totals[
        "charges"
    ] == value(payout["amount"])


def test_payout_switch_over_http(sim):
    sim.add_order([{"sku": "A", "quantity": 1, "price": "10.00"}])
    answer = requests.post(sim.base_url + "/__sim/finances/payout", timeout=10)
    assert answer.status_code == 200 and answer.json()["payoutId"] in sim.finances.payouts
    assert requests.post(sim.base_url + "/__sim/finances/payout", timeout=10).status_code == 204


def make_payouts(sim, count=3):
    now = sim.clock.now()
    made = []
    for index in range(count):
        sim.add_order([{"sku": "A", "quantity": 1, "price": f"{10 + index}.00"}])
        made.append(sim.pay_out(when=now - timedelta(days=10 * (count - index))))
    return made


def test_get_payouts_filters_sort_and_paging(sim):
    payouts = make_payouts(sim)
    newest_first = get(sim, f"{FIN}/payout").json()
    assert [p["payoutId"] for p in newest_first["payouts"]] == [p["payoutId"] for p in payouts[::-1]]
    assert newest_first["total"] == 3 and newest_first["limit"] == 20 and newest_first["offset"] == 0
    oldest_first = get(sim, f"{FIN}/payout", sort="payoutDate").json()
    assert [p["payoutId"] for p in oldest_first["payouts"]] == [p["payoutId"] for p in payouts]
    page = get(sim, f"{FIN}/payout", limit=2).json()
    assert len(page["payouts"]) == 2 and "offset=2" in page["next"] and "prev" not in page
    second = requests.get(
        page["next"], headers={"Authorization": f"Bearer {sim.access_token}"}, timeout=10
    ).json()
    assert [p["payoutId"] for p in second["payouts"]] == [payouts[0]["payoutId"]] and "prev" in second
    window = f"payoutDate:[{ebay_date(sim.clock.now() - timedelta(days=25))}..{ebay_date(sim.clock.now())}]"
    in_window = get(sim, f"{FIN}/payout", filter=window).json()
    assert [p["payoutId"] for p in in_window["payouts"]] == [payouts[2]["payoutId"], payouts[1]["payoutId"]]
    assert get(sim, f"{FIN}/payout", filter="payoutStatus:{SUCCEEDED}").json()["total"] == 3
    assert get(sim, f"{FIN}/payout", filter="payoutStatus:{REVERSED}").json()["total"] == 0
    both = get(sim, f"{FIN}/payout", filter=f"{window},payoutStatus:{{SUCCEEDED}}").json()
    assert both["total"] == 2
    summary = get(sim, f"{FIN}/payout_summary", filter=window).json()
    assert summary["payoutCount"] == 2 and summary["transactionCount"] == 2
    assert value(summary["amount"]) == value(payouts[1]["amount"]) + value(payouts[2]["amount"])


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "payoutStatus:{PAID}"},
        {"filter": "payoutStatus:{SUCCEEDED|INITIATED}"},
        {"filter": "payoutDate:[yesterday..]"},
        {"filter": "colour:{RED}"},
        {"limit": "201"},
        {"limit": "0"},
        {"offset": "-1"},
        {"sort": "amount"},
    ],
)
def test_get_payouts_refuses_bad_parameters(sim, params):
    answer = get(sim, f"{FIN}/payout", **params)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["domain"] == "API_FINANCES"


def test_get_one_payout(sim):
    [payout] = make_payouts(sim, 1)
    one = get(sim, f"{FIN}/payout/{payout['payoutId']}").json()
    assert one == payout
    assert one["payoutInstrument"]["instrumentType"] == "BANK" and one["bankReference"]
    missing = get(sim, f"{FIN}/payout/123")
    assert missing.status_code == 404 and missing.json()["errors"][0]["message"] == "Invalid payout ID"


# ---------------------------------------------------------------------- transactions


def test_get_transactions_filters_and_paging(sim):
    first = two_line_order(sim, buyer="ann_b")
    second = sim.add_order([{"sku": "C", "quantity": 1, "price": "7.00"}], buyer="bob_c")
    ad_fee = sim.finances.add_charge("NON_SALE_CHARGE", "1.25", memo="Promoted listing", fee_type="AD_FEE")
    everything = get(sim, f"{FIN}/transaction").json()
    assert everything["total"] == 3 and everything["limit"] == 20
    sales = get(sim, f"{FIN}/transaction", filter="transactionType:{SALE}").json()
    assert {t["orderId"] for t in sales["transactions"]} == {first["orderId"], second["orderId"]}
    charges = get(sim, f"{FIN}/transaction", filter="transactionType:{NON_SALE_CHARGE}").json()[
        "transactions"
    ]
    assert charges == [ad_fee] and ad_fee["feeType"] == "AD_FEE" and ad_fee["bookingEntry"] == "DEBIT"
    by_buyer = get(sim, f"{FIN}/transaction", filter="buyerUsername:{bob_c}").json()
    assert [t["orderId"] for t in by_buyer["transactions"]] == [second["orderId"]]
    by_id = get(
        sim,
        f"{FIN}/transaction",
        filter=f"transactionId:{{{ad_fee['transactionId']}}},transactionType:{{NON_SALE_CHARGE}}",
    ).json()
    assert by_id["total"] == 1
    unpaid = get(sim, f"{FIN}/transaction", filter="transactionStatus:{FUNDS_AVAILABLE_FOR_PAYOUT}").json()
    assert unpaid["total"] == 3
    page = get(sim, f"{FIN}/transaction", limit=2, offset=1).json()
    assert len(page["transactions"]) == 2 and page["offset"] == 1 and "prev" in page and "next" not in page
    assert get(sim, f"{FIN}/transaction", limit=1000).status_code == 200
    later = ebay_date(sim.clock.now() + timedelta(days=1))
    assert get(sim, f"{FIN}/transaction", filter=f"transactionDate:[{later}..]").json()["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "transactionId:{X}"},  # needs transactionType
        {"filter": "transactionType:{GIFT}"},
        {"filter": "transactionStatus:{DONE}"},
        {"limit": "1001"},
        {"sort": "-amount"},
    ],
)
def test_get_transactions_refuses_bad_parameters(sim, params):
    assert get(sim, f"{FIN}/transaction", **params).status_code == 400


def test_transaction_summary(sim):
    order = two_line_order(sim)
    sim.refund_order(order["orderId"], "5.40")
    sim.finances.add_charge("SHIPPING_LABEL", "3.10")
    assert get(sim, f"{FIN}/transaction_summary").status_code == 400  # transactionStatus is required
    summary = get(
        sim, f"{FIN}/transaction_summary", filter="transactionStatus:{FUNDS_AVAILABLE_FOR_PAYOUT}"
    ).json()
    assert summary["creditCount"] == 1 and value(summary["creditAmount"]) == Decimal("24.59")
    assert summary["creditBookingEntry"] == "CREDIT"
    assert summary["refundCount"] == 1 and value(summary["refundAmount"]) == Decimal("5.05")
    assert summary["refundBookingEntry"] == "DEBIT"
    assert summary["shippingLabelCount"] == 1 and summary["shippingLabelBookingEntry"] == "DEBIT"
    sim.pay_out()
    paid = get(sim, f"{FIN}/transaction_summary", filter="transactionStatus:{PAYOUT}").json()
    assert paid["creditCount"] == 1 and paid["refundCount"] == 1
    assert (
        get(sim, f"{FIN}/transaction_summary", filter="transactionStatus:{FUNDS_AVAILABLE_FOR_PAYOUT}").json()
        == {}
    )


# ---------------------------------------------------------------------- access


def test_finances_scope_and_tokens(sim):
    without = sim.issue_user_tokens(scopes=[f"{SCOPE_ROOT}/sell.fulfillment"])["access_token"]
    refused = get(sim, f"{FIN}/payout", token=without)
    assert refused.status_code == 403 and refused.json()["errors"][0]["errorId"] == 1100
    app = get(sim, f"{FIN}/payout", token=sim.issue_app_token())
    assert app.status_code == 403
    unknown = get(sim, f"{FIN}/payout", token="not-a-token")
    assert unknown.status_code == 401 and unknown.json()["errors"][0]["errorId"] == 1001
    assert get(sim, f"{FIN}/payout").status_code == 200
    assert sim.quota_used("finances") == 1  # refused tokens (401, 403) are not counted


def test_demo_seed_has_a_partial_refund_and_a_payout():
    sim = EbaySimulator(seed="demo")
    orders = [sim.order(order_id) for order_id in sim.seed_summary["orders"]]
    refunded = [o for o in orders if o["paymentSummary"]["refunds"]]
    assert [o["orderPaymentStatus"] for o in refunded] == ["PARTIALLY_REFUNDED"]
    assert all(o["paymentSummary"]["payments"][0]["paymentStatus"] == "PAID" for o in orders)
    [payout] = sim.finances.payouts.values()
    assert payout["transactionCount"] == 1
    totals = sim.finances.totals()
    assert totals["unpaid"] > 0 and totals["refunds"] > 0
    assert not sim.take_schema_violations()
