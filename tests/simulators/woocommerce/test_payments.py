"""Payments and refunds of the WooCommerce simulator (issue #14): payment fields, when an order is paid,
`/orders/<id>/refunds` (list, create with lines / api_refund / api_restock, get, delete) and the
order.updated webhook a refund fires (plain pytest, no Odoo)."""

import pytest
import requests

from .simulator import WooCommerceSimulator

CK = "ck_test_key_1234567890"
CS = "cs_test_secret_1234567890"
AUTH = (CK, CS)


@pytest.fixture
def sim():
    simulator = WooCommerceSimulator(consumer_key=CK, consumer_secret=CS, assume_ssl=True)
    simulator.start()
    yield simulator
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors


def refunds_url(sim, order_id, refund_id=None):
    url = f"{sim.api_url}/orders/{order_id}/refunds"
    return f"{url}/{refund_id}" if refund_id else url


def card_order(sim, quantity=2, method="stripe", transaction="ch_3Qtest0001"):
    sim.add_product("Mug", sku="MUG", regular_price="10.00", stock_quantity=10)
    return sim.add_order(
        [{"sku": "MUG", "quantity": quantity}],
        status="processing",
        tax_rate="0.1",
        shipping_lines=[{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}],
        payment_method=method,
        payment_method_title={"stripe": "Credit Card (Stripe)", "bacs": "Direct bank transfer"}.get(
            method, method
        ),
        transaction_id=transaction,
    )


# ---------------------------------------------------------------------- payment fields


def test_demo_seed_pays_orders_by_gateway():
    sim = WooCommerceSimulator(seed="demo")
    orders = [sim.order(i) for i in sim.seed_summary["orders"]]
    by_method = {}
    for order in orders:
        by_method.setdefault(order["payment_method"], []).append(order)
    assert {"stripe", "bacs", "cod", "ppcp-gateway"} <= set(by_method)
    for order in by_method["stripe"]:
        assert order["payment_method_title"] == "Credit Card (Stripe)"
        # a charge id once charged; none on pending or failed orders
        assert bool(order["transaction_id"]) == (order["status"] not in ("pending", "failed"))
    for order in by_method["bacs"]:
        assert order["transaction_id"] == ""
        assert (order["date_paid"] is not None) == (order["status"] == "processing")
    completed_cod = [o for o in by_method["cod"] if o["status"] == "completed"]
    assert completed_cod and all(o["date_paid_gmt"] for o in completed_cod)
    partly = orders[0]
    assert partly["status"] == "processing" and len(partly["refunds"]) == 1
    refund = sim.store.render_refund(sim.store.refunds[partly["refunds"][0]["id"]])
    assert refund["refunded_payment"] is True and refund["line_items"][0]["quantity"] == -1
    full = next(o for o in orders if o["status"] == "refunded")
    assert sum(-float(r["total"]) for r in full["refunds"]) == float(full["total"])


def test_cash_on_delivery_is_paid_when_completed_not_when_processing(sim):
    sim.add_product("Mug", sku="MUG", regular_price="10.00")
    order = sim.add_order([{"sku": "MUG", "quantity": 1}], status="processing", payment_method="cod")
    assert order["date_paid"] is None and order["date_paid_gmt"] is None
    completed = sim.update_order(order["id"], status="completed")
    assert completed["date_paid_gmt"] is not None


def test_bank_transfer_is_paid_by_status_and_set_paid(sim):
    sim.add_product("Mug", sku="MUG", regular_price="10.00")
    waiting = sim.add_order([{"sku": "MUG", "quantity": 1}], status="on-hold", payment_method="bacs")
    assert waiting["date_paid"] is None
    assert sim.update_order(waiting["id"], status="processing")["date_paid"] is not None
    other = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending", payment_method="bacs")
    answer = requests.put(
        f"{sim.api_url}/orders/{other['id']}", auth=AUTH, json={"set_paid": True}, timeout=10
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "processing" and answer.json()["date_paid_gmt"] is not None


# ---------------------------------------------------------------------- refunds


def test_refund_with_line_items_through_the_gateway_restocks_and_fires_order_updated(sim):
    order = card_order(sim)
    line = order["line_items"][0]
    tax_id = order["tax_lines"][0]["rate_id"]
    assert sim.stock("MUG") == 8
    events_before = len(sim.webhooks.events)
    answer = requests.post(
        refunds_url(sim, order["id"]),
        auth=AUTH,
        json={
            "reason": "Chipped",
            "line_items": [
                {
                    "id": line["id"],
                    "quantity": 1,
                    "refund_total": "10.00",
                    "refund_tax": [{"id": tax_id, "refund_total": "1.00"}],
                }
            ],
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    refund = answer.json()
    assert refund["amount"] == "11.00"  # computed from the lines (total + tax)
    assert refund["refunded_payment"] is True  # api_refund defaults to true; Stripe refunds
    assert "api_refund" not in refund and "api_restock" not in refund  # write-only
    [refund_line] = refund["line_items"]
    assert (
        refund_line["quantity"] == -1
        and refund_line["total"] == "-10.00"
        and refund_line["total_tax"] == "-1.00"
    )
    assert refund_line["meta_data"][0] == {
        "id": refund_line["meta_data"][0]["id"],
        "key": "_refunded_item_id",
        "value": str(line["id"]),
    }
    assert sim.stock("MUG") == 9  # api_restock defaults to true: the refunded unit is back
    restocked = sim.order(order["id"])["line_items"][0]["meta_data"]
    assert [(m["key"], m["value"]) for m in restocked] == [("_restock_refunded_items", "1")]
    after = sim.order(order["id"])
    assert after["status"] == "processing"
    assert after["refunds"] == [{"id": refund["id"], "reason": "Chipped", "total": "-11.00"}]
    events = list(sim.webhooks.events)[events_before:]
    assert {"topic": "order.updated", "resource_id": order["id"]} in [
        {"topic": e["topic"], "resource_id": e["resource_id"]} for e in events
    ]


def test_refund_of_a_line_and_the_shipping_lists_the_shipping_apart(sim):
    order = card_order(sim)
    line, ship = order["line_items"][0], order["shipping_lines"][0]
    tax_id = order["tax_lines"][0]["rate_id"]
    answer = requests.post(
        refunds_url(sim, order["id"]),
        auth=AUTH,
        json={
            "reason": "Late",
            "api_restock": False,
            "line_items": [
                {"id": line["id"], "quantity": 1, "refund_total": "10.00",
                 "refund_tax": [{"id": tax_id, "refund_total": "1.00"}]},
                {"id": ship["id"], "refund_total": "5.00",
                 "refund_tax": [{"id": tax_id, "refund_total": "0.50"}]},
            ],
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    refund = answer.json()
    assert refund["amount"] == "16.50"  # the line and the shipping, each with its tax
    assert [item["meta_data"][0]["value"] for item in refund["line_items"]] == [str(line["id"])]
    [shipping] = refund["shipping_lines"]
    assert (shipping["method_id"], shipping["total"]) == ("flat_rate", "-5.00")
    assert shipping["total_tax"] == "-0.50"
    assert shipping["taxes"] == [{"id": tax_id, "total": "-0.50", "subtotal": ""}]
    assert shipping["meta_data"][0]["key"] == "_refunded_item_id"
    assert shipping["meta_data"][0]["value"] == str(ship["id"])
    assert sim.stock("MUG") == 8  # api_restock false
    assert sim.order(order["id"])["line_items"][0]["meta_data"] == []
    too_much = requests.post(
        refunds_url(sim, order["id"]),
        auth=AUTH,
        json={"line_items": [{"id": ship["id"], "refund_total": "5.01"}], "api_refund": False},
        timeout=10,
    )
    assert too_much.status_code == 500 and too_much.json()["message"] == "Invalid refund amount."
    assert sim.refunds(order["id"]) == [refund]


def test_refund_without_restock_keeps_stock_and_a_full_refund_makes_the_order_refunded(sim):
    order = card_order(sim)
    answer = requests.post(
        refunds_url(sim, order["id"]),
        auth=AUTH,
        json={"amount": order["total"], "api_restock": False},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    assert sim.stock("MUG") == 8
    assert sim.order(order["id"])["status"] == "refunded"


def test_gateway_without_refunds_refuses_api_refund_and_makes_nothing(sim):
    order = card_order(sim, method="bacs", transaction="")
    refused = requests.post(refunds_url(sim, order["id"]), auth=AUTH, json={"amount": "5.00"}, timeout=10)
    assert refused.status_code == 500
    assert refused.json()["code"] == "woocommerce_rest_cannot_create_order_refund"
    assert (
        refused.json()["message"] == "The payment gateway for this order does not support automatic refunds."
    )
    assert sim.order(order["id"])["refunds"] == []
    manual = requests.post(
        refunds_url(sim, order["id"]), auth=AUTH, json={"amount": "5.00", "api_refund": False}, timeout=10
    )
    assert manual.status_code == 201 and manual.json()["refunded_payment"] is False


def test_refund_amount_errors(sim):
    order = card_order(sim)
    too_much = requests.post(
        refunds_url(sim, order["id"]), auth=AUTH, json={"amount": "999.00", "api_refund": False}, timeout=10
    )
    assert too_much.status_code == 500 and too_much.json()["message"] == "Invalid refund amount."
    negative = requests.post(refunds_url(sim, order["id"]), auth=AUTH, json={"amount": "-1"}, timeout=10)
    assert negative.status_code == 400 and negative.json()["code"] == "woocommerce_rest_invalid_order_refund"
    bad_line = requests.post(
        refunds_url(sim, order["id"]),
        auth=AUTH,
        json={"line_items": [{"id": 999999, "quantity": 1, "refund_total": "1"}]},
        timeout=10,
    )
    assert bad_line.status_code == 500 and bad_line.json()["message"] == "Invalid line item ID."
    assert sim.order(order["id"])["refunds"] == []
    unknown_order = requests.post(refunds_url(sim, 999999), auth=AUTH, json={"amount": "1"}, timeout=10)
    assert unknown_order.status_code == 404


def test_list_paginates_get_one_and_delete_needs_force(sim):
    order = card_order(sim, quantity=5)
    ids = [
        requests.post(
            refunds_url(sim, order["id"]), auth=AUTH, json={"amount": "1.00", "reason": f"r{i}"}, timeout=10
        ).json()["id"]
        for i in range(3)
    ]
    page = requests.get(refunds_url(sim, order["id"]), auth=AUTH, params={"per_page": 2}, timeout=10)
    assert page.status_code == 200
    assert [r["id"] for r in page.json()] == ids[::-1][:2]  # newest first
    assert page.headers["X-WP-Total"] == "3" and page.headers["X-WP-TotalPages"] == "2"
    assert 'rel="next"' in page.headers["Link"]
    one = requests.get(refunds_url(sim, order["id"], ids[0]), auth=AUTH, timeout=10)
    assert one.status_code == 200 and one.json()["reason"] == "r0"
    missing = requests.get(refunds_url(sim, order["id"], 999999), auth=AUTH, timeout=10)
    assert (
        missing.status_code == 404
        and missing.json()["code"] == "woocommerce_rest_shop_order_refund_invalid_id"
    )
    not_forced = requests.delete(refunds_url(sim, order["id"], ids[0]), auth=AUTH, timeout=10)
    assert (
        not_forced.status_code == 501 and not_forced.json()["code"] == "woocommerce_rest_trash_not_supported"
    )
    events_before = len(sim.webhooks.events)
    deleted = requests.delete(
        refunds_url(sim, order["id"], ids[0]), auth=AUTH, params={"force": "true"}, timeout=10
    )
    assert deleted.status_code == 200 and deleted.json()["id"] == ids[0]
    assert [r["id"] for r in sim.order(order["id"])["refunds"]] == ids[:0:-1]
    assert requests.get(refunds_url(sim, order["id"], ids[0]), auth=AUTH, timeout=10).status_code == 404
    assert [e["topic"] for e in list(sim.webhooks.events)[events_before:]] == ["order.updated"]
