"""Fidelity tests of the WooCommerce simulator (plain pytest, no Odoo)."""

import base64
import hashlib
import hmac
import json
import pathlib
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from woocommerce import API

from .auth import oauth_signature
from .simulator import WooCommerceSimulator
from .webhooks import sign

CK = "ck_test_key_1234567890"
CS = "cs_test_secret_1234567890"


@pytest.fixture
def sim():
    simulator = WooCommerceSimulator(consumer_key=CK, consumer_secret=CS)
    simulator.start()
    yield simulator
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors


@pytest.fixture
def ssl_sim():
    """A site behind a TLS-terminating proxy (is_ssl() true): Basic and query-string keys work."""
    simulator = WooCommerceSimulator(consumer_key=CK, consumer_secret=CS, assume_ssl=True)
    simulator.start()
    yield simulator
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors


def wc_api(sim, key=CK, secret=CS, **kwargs):
    """The real `woocommerce` package (OAuth 1.0a over http, Basic over https)."""
    return API(
        url=sim.base_url, consumer_key=key, consumer_secret=secret, version="wc/v3", timeout=10, **kwargs
    )


def oauth_get(
    sim,
    path,
    params=None,
    secret=CS,
    key=CK,
    timestamp=None,
    nonce="abc123",
    method="GET",
    signature_method="HMAC-SHA256",
    body=None,
):
    params = dict(params or {})
    oauth = {
        "oauth_consumer_key": key,
        "oauth_timestamp": str(int(timestamp or time.time())),
        "oauth_nonce": nonce,
        "oauth_signature_method": signature_method,
    }
    url = sim.api_url + path
    signed = {**params, **oauth}
    signed["oauth_signature"] = oauth_signature(method, url, signed, secret, signature_method)
    return requests.request(method, url, params=signed, json=body, timeout=10)


# ---------------------------------------------------------------------- authentication


def test_oauth1_with_the_woocommerce_package(sim):
    sim.add_product("Mug", sku="MUG", regular_price="9.90")
    response = wc_api(sim).get("products", params={"sku": "MUG"})
    assert response.status_code == 200, response.text
    assert [p["sku"] for p in response.json()] == ["MUG"]
    assert sim.requests[-1]["auth"] == "oauth1"


def test_oauth1_sha1_and_hand_signed(sim):
    response = oauth_get(
        sim, "/products", {"per_page": "5", "status": "publish"}, signature_method="HMAC-SHA1"
    )
    assert response.status_code == 200, response.text


def test_oauth1_bad_signature(sim):
    response = oauth_get(sim, "/products", secret="cs_wrong")
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Invalid signature - provided signature does not match.",
        "data": {"status": 401},
    }


def test_oauth1_signature_covers_query_params(sim):
    oauth = {
        "oauth_consumer_key": CK,
        "oauth_timestamp": str(int(time.time())),
        "oauth_nonce": "n1",
        "oauth_signature_method": "HMAC-SHA256",
        "status": "processing",
    }
    oauth["oauth_signature"] = oauth_signature("GET", sim.api_url + "/orders", oauth, CS)
    oauth["status"] = "completed"  # changed after signing
    response = requests.get(sim.api_url + "/orders", params=oauth, timeout=10)
    assert response.status_code == 401


def test_oauth1_stale_timestamp_and_nonce_reuse(sim):
    stale = oauth_get(sim, "/products", timestamp=time.time() - 16 * 60)
    assert stale.status_code == 401 and stale.json()["message"] == "Invalid timestamp."
    now = time.time()
    assert oauth_get(sim, "/products", timestamp=now, nonce="once").status_code == 200
    again = oauth_get(sim, "/products", timestamp=now + 1, nonce="once")
    assert again.status_code == 401
    assert again.json()["message"] == "Invalid nonce - nonce has already been used."


def test_set_date_dates_the_shops_history_while_oauth_keeps_the_wall_clock(sim):
    sim.add_product("Mug", sku="MUG", regular_price="9.90", stock_quantity=5)
    placed = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    sim.set_date(placed)
    order = sim.add_order([{"sku": "MUG", "quantity": 1}], status="on-hold")
    sim.set_date(placed + timedelta(days=3))
    paid = sim.update_order(order["id"], status="processing")
    assert order["date_created_gmt"] == "2026-03-02T10:00:00"
    assert paid["date_paid_gmt"].startswith("2026-03-05T10:00")
    assert paid["date_modified_gmt"] >= paid["date_paid_gmt"]
    # The client signs with the real time: accepted; the dates it reads are the shop's.
    response = wc_api(sim).get(f"orders/{order['id']}")
    assert response.status_code == 200, response.text
    assert response.json()["date_paid_gmt"] == paid["date_paid_gmt"]
    sim.set_date(None)
    assert abs(sim.clock.now().timestamp() - time.time()) < 5


def test_oauth1_missing_parameter_and_unknown_key(sim):
    partial = requests.get(sim.api_url + "/products", params={"oauth_consumer_key": CK}, timeout=10)
    assert partial.status_code == 401
    assert partial.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    assert partial.json()["message"].startswith("Missing OAuth parameters oauth_timestamp")
    unknown = oauth_get(sim, "/products", key="ck_unknown")
    assert unknown.json()["message"] == "Consumer key is invalid."


def test_basic_auth_is_ignored_over_plain_http(sim):
    """is_ssl() false: WooCommerce never reads Basic credentials; the request stays anonymous."""
    response = requests.get(sim.api_url + "/orders", auth=(CK, CS), timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_cannot_view"
    assert response.json()["message"] == "Sorry, you cannot list resources."


def test_basic_and_query_string_over_ssl(ssl_sim):
    assert requests.get(ssl_sim.api_url + "/orders", auth=(CK, CS), timeout=10).status_code == 200
    assert ssl_sim.requests[-1]["auth"] == "basic"
    query = requests.get(
        ssl_sim.api_url + "/orders", params={"consumer_key": CK, "consumer_secret": CS}, timeout=10
    )
    assert query.status_code == 200 and ssl_sim.requests[-1]["auth"] == "query"
    wrong = requests.get(ssl_sim.api_url + "/orders", auth=(CK, "cs_wrong"), timeout=10)
    assert wrong.status_code == 401 and wrong.json()["message"] == "Consumer secret is invalid."
    assert "Basic realm" in wrong.headers["WWW-Authenticate"]
    anonymous = requests.post(ssl_sim.api_url + "/products", json={"name": "x"}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "woocommerce_rest_cannot_create"


def test_key_permissions(ssl_sim):
    read_key = ssl_sim.add_key("read")
    write_key = ssl_sim.add_key("write")
    assert requests.get(ssl_sim.api_url + "/products", auth=read_key, timeout=10).status_code == 200
    refused = requests.post(ssl_sim.api_url + "/products", auth=read_key, json={"name": "x"}, timeout=10)
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "The API key provided does not have write permissions.",
        "data": {"status": 401},
    }
    assert not ssl_sim.store.products  # refused before anything ran
    no_read = requests.get(ssl_sim.api_url + "/products", auth=write_key, timeout=10)
    assert no_read.json()["message"] == "The API key provided does not have read permissions."
    created = requests.post(ssl_sim.api_url + "/products", auth=write_key, json={"name": "x"}, timeout=10)
    assert created.status_code == 201


def test_errors_no_route_invalid_id_invalid_json(ssl_sim):
    auth = (CK, CS)
    no_route = requests.get(ssl_sim.api_url + "/nothing", auth=auth, timeout=10)
    assert no_route.status_code == 404
    assert no_route.json()["code"] == "rest_no_route"
    invalid = requests.get(ssl_sim.api_url + "/orders/999999", auth=auth, timeout=10)
    assert invalid.status_code == 404
    assert invalid.json() == {
        "code": "woocommerce_rest_shop_order_invalid_id",
        "message": "Invalid ID.",
        "data": {"status": 404},
    }
    assert (
        requests.get(ssl_sim.api_url + "/products/999999", auth=auth, timeout=10).json()["code"]
        == "woocommerce_rest_product_invalid_id"
    )
    assert (
        requests.get(ssl_sim.api_url + "/customers/999999", auth=auth, timeout=10).json()["code"]
        == "woocommerce_rest_invalid_id"
    )
    bad_json = requests.post(
        ssl_sim.api_url + "/products",
        auth=auth,
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert bad_json.status_code == 400 and bad_json.json()["code"] == "rest_invalid_json"


# ---------------------------------------------------------------------- lists and paging


def test_paging_headers_and_links(ssl_sim):
    for index in range(25):
        ssl_sim.add_product(f"P{index}", sku=f"P{index}", regular_price="1")
    auth = (CK, CS)
    first = requests.get(
        ssl_sim.api_url + "/products",
        params={"per_page": 10, "orderby": "id", "order": "asc"},
        auth=auth,
        timeout=10,
    )
    assert first.headers["X-WP-Total"] == "25" and first.headers["X-WP-TotalPages"] == "3"
    assert len(first.json()) == 10 and first.json()[0]["sku"] == "P0"
    assert first.links["next"]["url"].endswith("page=2") and "prev" not in first.links
    last = requests.get(first.links["next"]["url"].replace("page=2", "page=3"), auth=auth, timeout=10)
    assert [p["sku"] for p in last.json()] == [f"P{i}" for i in range(20, 25)]
    assert "next" not in last.links and "prev" in last.links
    default = requests.get(ssl_sim.api_url + "/products", auth=auth, timeout=10)
    assert len(default.json()) == 10  # per_page defaults to 10
    query_auth = requests.get(
        ssl_sim.api_url + "/products", params={"consumer_key": CK, "consumer_secret": CS}, timeout=10
    )
    assert f"consumer_secret={CS}" in query_auth.links["next"]["url"]  # WooCommerce echoes every parameter
    head = requests.head(ssl_sim.api_url + "/products", auth=auth, timeout=10)  # served as GET, no body
    assert head.status_code == 200 and head.headers["X-WP-Total"] == "25" and not head.content


def test_per_page_over_100_is_refused(ssl_sim):
    response = requests.get(ssl_sim.api_url + "/orders", params={"per_page": 101}, auth=(CK, CS), timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["data"]["params"]["per_page"] == "per_page must be between 1 (inclusive) and 100 (inclusive)"


def test_order_filters(ssl_sim):
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10")
    old = sim.add_order(
        [{"sku": "MUG", "quantity": 1}], status="completed", date_created="2026-01-01T10:00:00"
    )
    pending = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending")
    processing = sim.add_order([{"sku": "MUG", "quantity": 1}], status="processing")
    auth = (CK, CS)

    def ids(**params):
        response = requests.get(sim.api_url + "/orders", params=params, auth=auth, timeout=10)
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json()}

    assert ids(status="processing,pending") == {pending["id"], processing["id"]}
    assert ids(status="completed") == {old["id"]}
    assert ids(after="2026-06-01T00:00:00", dates_are_gmt="true") == {pending["id"], processing["id"]}
    sim.advance(5)
    sim.update_order(pending["id"], status="on-hold")
    modified = sim.order(pending["id"])["date_modified_gmt"]
    assert ids(modified_after=processing["date_modified_gmt"], dates_are_gmt="true") == {pending["id"]}
    assert ids(modified_after=modified, dates_are_gmt="true") == set()  # exclusive bound
    assert ids(include=f"{old['id']},{processing['id']}") == {old["id"], processing["id"]}
    bad = requests.get(sim.api_url + "/orders", params={"status": "shipped"}, auth=auth, timeout=10)
    assert bad.status_code == 400 and bad.json()["code"] == "rest_invalid_param"
    asc = requests.get(
        sim.api_url + "/orders", params={"orderby": "id", "order": "asc"}, auth=auth, timeout=10
    )
    assert [o["id"] for o in asc.json()] == sorted(o["id"] for o in asc.json())


def test_naive_dates_are_site_time_unless_gmt(ssl_sim):
    """The site is at UTC-3 by default: a naive `after` without dates_are_gmt is site time."""
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10")
    order = sim.add_order([{"sku": "MUG", "quantity": 1}], date_created="2026-05-01T12:00:00")  # 12:00 UTC
    assert (
        order["date_created_gmt"] == "2026-05-01T12:00:00" and order["date_created"] == "2026-05-01T09:00:00"
    )
    auth = (CK, CS)
    site = requests.get(
        sim.api_url + "/orders", params={"after": "2026-05-01T10:00:00"}, auth=auth, timeout=10
    )
    gmt = requests.get(
        sim.api_url + "/orders",
        params={"after": "2026-05-01T10:00:00", "dates_are_gmt": 1},
        auth=auth,
        timeout=10,
    )
    assert site.json() == [] and [o["id"] for o in gmt.json()] == [order["id"]]


# ---------------------------------------------------------------------- resources


def test_order_money_fields(ssl_sim):
    sim = ssl_sim
    sim.add_product("Mug &ndash; Blue", sku="MUG", regular_price="9.90", stock_quantity=5)
    order = sim.add_order(
        [{"sku": "MUG", "quantity": 2}],
        tax_rate="0.2",
        status="processing",
        shipping_lines=[{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5"}],
        coupons=[{"code": "SAVE10", "percent": 10}],
        fee_lines=[{"name": "Discount", "total": "-1", "tax_status": "none"}],
    )
    line = order["line_items"][0]
    assert line["name"] == "Mug &ndash; Blue"
    assert line["subtotal"] == "19.80" and line["total"] == "17.82" and line["total_tax"] == "3.56"
    assert line["price"] == 8.91 and isinstance(line["price"], float)
    assert order["coupon_lines"][0]["code"] == "save10" and order["coupon_lines"][0]["discount"] == "1.98"
    assert order["shipping_total"] == "5.00" and order["shipping_tax"] == "1.00"
    assert order["fee_lines"][0]["total"] == "-1.00"
    assert order["total_tax"] == "4.56" and order["total"] == "26.38"
    assert order["tax_lines"][0]["shipping_tax_total"] == "1.00"
    assert order["prices_include_tax"] is False
    assert sim.stock("MUG") == 3  # processing reduced the stock


def test_prices_include_tax_split(ssl_sim):
    ssl_sim.add_product("Tea", sku="TEA", regular_price="12.00")
    order = ssl_sim.add_order([{"sku": "TEA", "quantity": 1}], tax_rate="0.2", prices_include_tax=True)
    line = order["line_items"][0]
    assert order["prices_include_tax"] is True
    assert line["subtotal"] == "10.00" and line["subtotal_tax"] == "2.00" and order["total"] == "12.00"


def test_status_changes_move_stock_and_write_notes(ssl_sim):
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10", stock_quantity=5)
    order = sim.add_order([{"sku": "MUG", "quantity": 2}], status="pending")
    assert sim.stock("MUG") == 5
    response = requests.put(
        f"{sim.api_url}/orders/{order['id']}", json={"status": "processing"}, auth=(CK, CS), timeout=10
    )
    assert response.status_code == 200 and response.json()["status"] == "processing"
    assert response.json()["date_paid_gmt"] is not None
    assert sim.stock("MUG") == 3
    sim.update_order(order["id"], status="cancelled")
    assert sim.stock("MUG") == 5
    assert sim.notes(order["id"])[0]["note"] == "Order status changed from Processing to Cancelled."


def test_variations_and_parent_stock(ssl_sim):
    sim = ssl_sim
    parent = sim.add_variable_product(
        "Hoodie",
        manage_stock=True,
        stock_quantity=10,
        variations=[
            {"sku": "HO-S", "regular_price": "30", "attributes": {"Size": "S"}},
            {"sku": "HO-M", "regular_price": "32", "attributes": {"Size": "M"}, "stock_quantity": 4},
        ],
    )
    assert parent["type"] == "variable" and len(parent["variations"]) == 2
    assert parent["attributes"][0]["options"] == ["S", "M"] and parent["price"] == "30"
    auth = (CK, CS)
    listed = requests.get(f"{sim.api_url}/products/{parent['id']}/variations", auth=auth, timeout=10).json()
    by_sku = {v["sku"]: v for v in listed}
    assert by_sku["HO-S"]["manage_stock"] == "parent" and by_sku["HO-S"]["stock_quantity"] == 10
    assert by_sku["HO-M"]["manage_stock"] is True and by_sku["HO-M"]["stock_quantity"] == 4
    assert by_sku["HO-M"]["attributes"] == [{"id": 0, "name": "Size", "option": "M"}]
    assert by_sku["HO-S"]["price"] == "30" and isinstance(by_sku["HO-S"]["price"], str)
    # stock_quantity of a variation not managing its stock is ignored
    vid = by_sku["HO-S"]["id"]
    put = requests.put(
        f"{sim.api_url}/products/{parent['id']}/variations/{vid}",
        json={"stock_quantity": 99},
        auth=auth,
        timeout=10,
    ).json()
    assert put["manage_stock"] == "parent" and put["stock_quantity"] == 10
    sim.add_order([{"sku": "HO-S", "quantity": 3}], status="processing")
    assert sim.stock("HO-S") == 7 and sim.product(parent["id"])["stock_quantity"] == 7
    # a variation through the products endpoint (what its webhook carries)
    as_product = requests.get(f"{sim.api_url}/products/{vid}", auth=auth, timeout=10).json()
    assert as_product["type"] == "variation" and as_product["parent_id"] == parent["id"]
    assert as_product["name"] == "Hoodie - S"
    wrong_parent = requests.get(f"{sim.api_url}/products/1/variations/{vid}", auth=auth, timeout=10)
    assert wrong_parent.status_code == 404


def test_product_fields_and_sku_filter(ssl_sim):
    sim = ssl_sim
    created = requests.post(
        sim.api_url + "/products",
        auth=(CK, CS),
        json={
            "name": "Poster",
            "sku": "PO-1",
            "regular_price": "15",
            "sale_price": "12",
            "manage_stock": True,
            "stock_quantity": 0,
            "weight": "0.4",
            "dimensions": {"length": "60", "width": "40", "height": "1"},
            "categories": [{"name": "Art"}],
            "images": [{"src": "https://example.com/p.jpg"}],
            "meta_data": [{"key": "_odoo_id", "value": "7"}],
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["price"] == "12" and product["on_sale"] is True and product["stock_status"] == "outofstock"
    assert product["images"][0]["src"] == "https://example.com/p.jpg"
    assert product["categories"][0]["name"] == "Art" and product["meta_data"][0]["key"] == "_odoo_id"
    duplicate = requests.post(
        sim.api_url + "/products", auth=(CK, CS), json={"name": "B", "sku": "PO-1"}, timeout=10
    )
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "product_invalid_sku"
    found = requests.get(sim.api_url + "/products", params={"sku": "PO-1"}, auth=(CK, CS), timeout=10).json()
    assert [p["id"] for p in found] == [product["id"]]


def test_settings_and_system_status(ssl_sim):
    auth = (CK, CS)
    status = requests.get(ssl_sim.api_url + "/system_status", auth=auth, timeout=10).json()
    assert status["environment"]["version"] == "9.4.1" and status["settings"]["currency"] == "USD"
    assert status["settings"]["api_enabled"] is True
    tax = requests.get(
        ssl_sim.api_url + "/settings/tax/woocommerce_prices_include_tax", auth=auth, timeout=10
    ).json()
    assert tax["value"] == "no"
    stock = requests.get(
        ssl_sim.api_url + "/settings/products/woocommerce_manage_stock", auth=auth, timeout=10
    ).json()
    assert stock["value"] == "yes"
    wrong = requests.get(
        ssl_sim.api_url + "/settings/general/woocommerce_prices_include_tax", auth=auth, timeout=10
    )
    assert wrong.status_code == 404 and wrong.json()["code"] == "rest_setting_setting_invalid"


def test_notes_and_refunds(ssl_sim):
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10")
    order = sim.add_order([{"sku": "MUG", "quantity": 2}], status="completed")
    auth = (CK, CS)
    note = requests.post(
        f"{sim.api_url}/orders/{order['id']}/notes",
        auth=auth,
        json={"note": "Shipped with UPS 1Z999", "customer_note": True},
        timeout=10,
    )
    assert note.status_code == 201 and note.json()["customer_note"] is True
    refund = requests.post(
        f"{sim.api_url}/orders/{order['id']}/refunds",
        auth=auth,
        json={"amount": "5.00", "reason": "Damaged", "api_refund": False},  # no gateway on this order
        timeout=10,
    )
    assert refund.status_code == 201 and refund.json()["amount"] == "5.00"
    assert sim.order(order["id"])["refunds"] == [
        {"id": refund.json()["id"], "reason": "Damaged", "total": "-5.00"}
    ]


# ---------------------------------------------------------------------- batches


def test_batch_limit_and_item_errors(ssl_sim):
    auth = (CK, CS)
    too_many = requests.post(
        ssl_sim.api_url + "/products/batch",
        auth=auth,
        json={"create": [{"name": f"P{i}"} for i in range(60)], "update": [{"id": 1, "name": "x"}] * 41},
        timeout=10,
    )
    assert too_many.status_code == 413
    assert too_many.json()["code"] == "woocommerce_rest_request_entity_too_large"
    assert too_many.json()["message"] == "Unable to accept more than 100 items for this request."
    assert not ssl_sim.store.products
    mug = ssl_sim.add_product("Mug", sku="MUG", regular_price="10", stock_quantity=1)
    answer = requests.post(
        ssl_sim.api_url + "/products/batch",
        auth=auth,
        json={
            "create": [{"name": "Tea", "sku": "TEA"}, {"name": "Dup", "sku": "MUG"}],
            "update": [{"id": mug["id"], "stock_quantity": 8}, {"id": 999999, "stock_quantity": 1}],
            "delete": [999998],
        },
        timeout=10,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["create"][0]["sku"] == "TEA"
    assert body["create"][1]["id"] == 0 and body["create"][1]["error"]["code"] == "product_invalid_sku"
    assert body["update"][0]["stock_quantity"] == 8
    assert body["update"][1] == {
        "id": 999999,
        "error": {
            "code": "woocommerce_rest_product_invalid_id",
            "message": "Invalid ID.",
            "data": {"status": 400},  # 400 on update, 404 on read and delete (WC_REST_CRUD_Controller)
        },
    }
    assert body["delete"][0]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert ssl_sim.stock("MUG") == 8
    no_id = requests.post(
        ssl_sim.api_url + "/orders/batch",
        auth=auth,
        timeout=10,
        json={"update": [{"status": "completed"}], "delete": [0]},
    ).json()
    assert no_id == {
        "update": [
            {
                "id": None,
                "error": {
                    "code": "woocommerce_rest_shop_order_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 400},
                },
            }
        ]
    }


def test_variation_batch(ssl_sim):
    parent = ssl_sim.add_variable_product(
        "Tee",
        variations=[{"sku": "T-S", "regular_price": "10", "attributes": {"Size": "S"}, "stock_quantity": 1}],
    )
    vid = parent["variations"][0]
    answer = requests.post(
        f"{ssl_sim.api_url}/products/{parent['id']}/variations/batch",
        auth=(CK, CS),
        json={"update": [{"id": vid, "stock_quantity": 6}]},
        timeout=10,
    ).json()
    assert answer["update"][0]["stock_quantity"] == 6 and ssl_sim.stock("T-S") == 6
    # The products endpoint refuses a variation id, item by item in a batch, as WooCommerce does.
    refused = requests.post(f"{ssl_sim.api_url}/products/batch", auth=(CK, CS),
                            json={"update": [{"id": vid, "stock_quantity": 9}]}, timeout=10).json()
    assert refused["update"][0]["error"]["code"] == "woocommerce_rest_invalid_product_id"
    single = requests.put(f"{ssl_sim.api_url}/products/{vid}", auth=(CK, CS), json={"stock_quantity": 9},
                          timeout=10)
    assert single.status_code == 404 and ssl_sim.stock("T-S") == 6


# ---------------------------------------------------------------------- the package over OAuth


def test_package_batch_and_put_over_oauth(sim):
    mug = sim.add_product("Mug", sku="MUG", regular_price="10", stock_quantity=1)
    api = wc_api(sim)
    answer = api.post("products/batch", {"update": [{"id": mug["id"], "stock_quantity": 4}]})
    assert answer.status_code == 200, answer.text
    assert sim.stock("MUG") == 4
    assert api.put(f"products/{mug['id']}", {"regular_price": "11"}).json()["regular_price"] == "11"


# ---------------------------------------------------------------------- webhooks


class Receiver:
    """A loopback endpoint recording what it receives; answers `status` (and `headers`)."""

    def __init__(self, status=200, headers=None):
        self.status = status
        self.headers = headers or {}
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                for key, value in receiver.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.stop()


def test_webhook_created_over_api_pings(ssl_sim, receiver):
    response = requests.post(
        ssl_sim.api_url + "/webhooks",
        auth=(CK, CS),
        timeout=10,
        json={"name": "Orders", "topic": "order.updated", "delivery_url": receiver.url, "secret": "s3cr3t"},
    )
    assert response.status_code == 201, response.text
    webhook = response.json()
    assert webhook["status"] == "active" and webhook["resource"] == "order" and webhook["event"] == "updated"
    assert "secret" not in webhook
    assert len(receiver.received) == 1
    ping = receiver.received[0]
    assert ping["body"] == f"webhook_id={webhook['id']}".encode()
    assert not [name for name in ping["headers"] if name.lower().startswith("x-wc-webhook")]
    assert ping["headers"]["User-Agent"] == "WooCommerce/9.4.1 Hookshot (WordPress/6.7.1)"
    assert ping["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    bad = requests.post(
        ssl_sim.api_url + "/webhooks",
        auth=(CK, CS),
        timeout=10,
        json={"topic": "order.shipped", "delivery_url": receiver.url},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "woocommerce_rest_webhook_invalid_topic"


def test_webhook_delivery_is_signed_with_wordpress_json(ssl_sim, receiver):
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10")
    order = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending")
    hook = sim.create_webhook("order.updated", receiver.url, secret="s3cr&amp;t")
    receiver.received.clear()
    sim.update_order(order["id"], status="processing")
    results = sim.flush_webhooks()
    assert [r["ok"] for r in results] == [True]
    delivery = receiver.received[0]
    headers, body = delivery["headers"], delivery["body"]
    assert headers["X-WC-Webhook-Topic"] == "order.updated"
    assert headers["X-WC-Webhook-Resource"] == "order" and headers["X-WC-Webhook-Event"] == "updated"
    assert headers["X-WC-Webhook-ID"] == str(hook["id"])
    assert headers["X-WC-Webhook-Source"] == sim.base_url + "/"
    assert headers["User-Agent"].startswith("WooCommerce/") and "Hookshot" in headers["User-Agent"]
    # the secret is HTML-entity decoded before signing (wp_specialchars_decode)
    expected = base64.b64encode(hmac.new(b"s3cr&t", body, hashlib.sha256).digest()).decode()
    assert headers["X-WC-Webhook-Signature"] == expected == sign("s3cr&amp;t", body)
    assert b"\\/wp-json\\/wc\\/v3\\/orders" in body  # "/" escaped as WordPress does
    payload = json.loads(body)
    assert payload["id"] == order["id"] and payload["status"] == "processing"
    assert len(headers["X-WC-Webhook-Delivery-ID"]) == 32


def test_delivery_id_is_per_webhook_and_second(ssl_sim, receiver, monkeypatch):
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10")
    first = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending")
    second = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending")
    sim.create_webhook("order.updated", receiver.url, secret="x")
    monkeypatch.setattr(sim.clock, "time", lambda: 1_800_000_000.25)
    sim.update_order(first["id"], status="processing")
    sim.update_order(second["id"], status="processing")
    results = sim.flush_webhooks()
    ids = {r["headers"]["X-WC-Webhook-Delivery-ID"] for r in results}
    assert len(results) == 2 and len(ids) == 1  # two events, one delivery id
    monkeypatch.setattr(sim.clock, "time", lambda: 1_800_000_001.25)
    sim.update_order(first["id"], status="completed")
    assert sim.flush_webhooks()[0]["headers"]["X-WC-Webhook-Delivery-ID"] not in ids


def test_pending_delivery_is_coalesced_and_carries_the_state_at_delivery(ssl_sim, receiver):
    sim = ssl_sim
    sim.add_product("Mug", sku="MUG", regular_price="10")
    order = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending")
    sim.create_webhook("order.updated", receiver.url, secret="x")
    sim.update_order(order["id"], status="processing")
    sim.update_order(order["id"], status="completed")
    results = sim.flush_webhooks()
    assert len(results) == 1 and json.loads(results[0]["body"])["status"] == "completed"


def test_failures_disable_on_the_seventh(ssl_sim):
    failing = Receiver(status=500)
    try:
        sim = ssl_sim
        sim.add_product("Mug", sku="MUG", regular_price="10")
        order = sim.add_order([{"sku": "MUG", "quantity": 1}], status="pending")
        hook = sim.create_webhook("order.updated", failing.url, secret="x")
        for attempt in range(1, 8):
            sim.update_order(order["id"], customer_note=f"n{attempt}")
            result = sim.flush_webhooks()[0]
            assert result["ok"] is False
            if attempt <= 6:
                assert sim.webhook(hook["id"])["failure_count"] == attempt
                assert sim.webhook(hook["id"])["status"] == "active"
        assert sim.webhook(hook["id"])["status"] == "disabled"
        sim.update_order(order["id"], customer_note="after")
        assert sim.flush_webhooks() == []  # a disabled webhook delivers nothing, and never retries
        listed = requests.get(f"{sim.api_url}/webhooks/{hook['id']}", auth=(CK, CS), timeout=10).json()
        assert listed["status"] == "disabled"
        failing.status = 302  # a redirect counts as delivered
        put = requests.put(
            f"{sim.api_url}/webhooks/{hook['id']}", json={"status": "active"}, auth=(CK, CS), timeout=10
        )
        assert put.json()["status"] == "active"
        sim.update_order(order["id"], customer_note="again")
        assert sim.flush_webhooks()[0]["ok"] is True
        assert sim.webhook(hook["id"])["failure_count"] == 0
    finally:
        failing.stop()


def test_variation_change_fires_product_updated_for_the_variation(ssl_sim, receiver):
    sim = ssl_sim
    parent = sim.add_variable_product(
        "Tee",
        variations=[{"sku": "T-S", "regular_price": "10", "attributes": {"Size": "S"}, "stock_quantity": 1}],
    )
    vid = parent["variations"][0]
    sim.create_webhook("product.updated", receiver.url, secret="x")
    requests.put(
        f"{sim.api_url}/products/{parent['id']}/variations/{vid}",
        json={"stock_quantity": 5},
        auth=(CK, CS),
        timeout=10,
    )
    results = sim.flush_webhooks()
    payload = json.loads(results[0]["body"])
    assert payload["id"] == vid and payload["type"] == "variation" and payload["parent_id"] == parent["id"]
    assert payload["stock_quantity"] == 5


def test_deleted_payload_lost_and_duplicated_deliveries(ssl_sim, receiver):
    sim = ssl_sim
    mug = sim.add_product("Mug", sku="MUG", regular_price="10")
    sim.create_webhook("product.deleted", receiver.url, secret="x")
    sim.create_webhook("product.updated", receiver.url, secret="x")
    requests.delete(f"{sim.api_url}/products/{mug['id']}", auth=(CK, CS), timeout=10)
    assert json.loads(sim.flush_webhooks()[0]["body"]) == {"id": mug["id"]}
    tea = sim.add_product("Tea", sku="TEA", regular_price="5")
    sim.lose_next_deliveries(1)
    sim.update_product("TEA", regular_price="6")
    assert sim.flush_webhooks() == []
    sim.duplicate_rate = 1.0
    sim.update_product(tea["id"], regular_price="7")
    results = sim.flush_webhooks()
    assert len(results) == 2 and results[0]["body"] == results[1]["body"]


def test_background_delivery(receiver):
    with WooCommerceSimulator(consumer_key=CK, consumer_secret=CS, webhook_mode="background") as sim:
        sim.create_webhook("customer.created", receiver.url, secret="x")
        sim.add_customer("ann@example.com", "Ann")
        deadline = time.time() + 5
        while len(receiver.received) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert json.loads(receiver.received[1]["body"])["email"] == "ann@example.com"


# ---------------------------------------------------------------------- Shipment Tracking extension


def test_tracking_extension_off_is_no_route(ssl_sim):
    ssl_sim.add_product("Mug", sku="MUG", regular_price="10")
    order = ssl_sim.add_order([{"sku": "MUG", "quantity": 1}])
    url = f"{ssl_sim.base_url}/wp-json/wc-shipment-tracking/v3/orders/{order['id']}/shipment-trackings"
    response = requests.post(url, json={"tracking_number": "1Z"}, auth=(CK, CS), timeout=10)
    assert response.status_code == 404 and response.json()["code"] == "rest_no_route"


def test_tracking_extension_on(ssl_sim):
    sim = ssl_sim
    sim.tracking_extension = True
    sim.add_product("Mug", sku="MUG", regular_price="10")
    order = sim.add_order(
        [{"sku": "MUG", "quantity": 1}],
        shipping={"postcode": "sw1a 1aa", "country": "GB", "first_name": "Ann"},
    )
    root = f"{sim.base_url}/wp-json/wc-shipment-tracking/v3"
    base = f"{root}/orders/{order['id']}/shipment-trackings"
    providers = requests.get(root + "/shipment-trackings/providers", timeout=10)  # public
    assert providers.status_code == 200 and "USPS" in providers.json()["United States"]
    created = requests.post(
        base,
        auth=(CK, CS),
        timeout=10,
        json={
            "tracking_provider": "USPS",
            "tracking_number": "9400111899560000000000",
            "date_shipped": "2026-12-01",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {
        "tracking_id",
        "tracking_provider",
        "tracking_link",
        "tracking_number",
        "date_shipped",
        "_links",
    }
    assert len(body["tracking_id"]) == 32 and body["tracking_provider"] == "USPS"
    assert body["tracking_link"] == "https://tools.usps.com/tracking/9400111899560000000000"
    assert created.headers["Location"].endswith(body["tracking_id"])
    dpd = requests.post(
        base, auth=(CK, CS), timeout=10, json={"tracking_provider": "DPD UK", "tracking_number": "15501"}
    ).json()
    assert dpd["tracking_link"] == "https://apis.track.dpd.co.uk/v1/track?postcode=SW1A1AA&parcel=15501"
    custom = requests.post(
        base,
        auth=(CK, CS),
        timeout=10,
        json={
            "custom_tracking_provider": "Example Courier",
            "custom_tracking_link": "https://courier.example/t/%1$s",
            "tracking_number": "42",
        },
    ).json()
    assert custom["tracking_provider"] == "Example Courier"
    assert custom["tracking_link"] == "https://courier.example/t/42"
    listed = requests.get(base, auth=(CK, CS), timeout=10).json()
    assert [t["tracking_number"] for t in listed] == ["9400111899560000000000", "15501", "42"]
    assert [t["tracking_number"] for t in sim.trackings(order["id"])] == [
        "9400111899560000000000",
        "15501",
        "42",
    ]
    deleted = requests.delete(f"{base}/{custom['tracking_id']}", auth=(CK, CS), timeout=10)
    assert deleted.status_code == 200 and len(sim.trackings(order["id"])) == 2
    anonymous = requests.post(base, json={"tracking_number": "1"}, timeout=10)
    assert anonymous.status_code == 401  # the extension's namespace (wc-) is authenticated like wc/v3
    missing = requests.post(base, auth=(CK, CS), json={"tracking_provider": "USPS"}, timeout=10)
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"


# ---------------------------------------------------------------------- wc-auth


def test_wc_auth_approve_posts_keys_and_redirects(sim, receiver):
    url = sim.authorize_url(
        app_name="Odoo",
        scope="read_write",
        user_id="42",
        return_url="https://odoo.example/return",
        callback_url=receiver.url,
    )
    page = requests.get(url, timeout=10, allow_redirects=False)
    assert page.status_code == 200 and "Approve" in page.text
    target = sim.approve_auth(url)
    assert target == "https://odoo.example/return?success=1&user_id=42"
    posted = json.loads(receiver.received[0]["body"])
    assert set(posted) == {"key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"}
    assert posted["key_permissions"] == "read_write" and posted["user_id"] == "42"
    assert posted["consumer_key"].startswith("ck_") and posted["consumer_secret"].startswith("cs_")
    assert wc_api(sim, posted["consumer_key"], posted["consumer_secret"]).get("orders").status_code == 200
    by_get = requests.get(url + "&approve=1", timeout=10, allow_redirects=False)
    assert by_get.status_code == 302 and by_get.headers["Location"].endswith("success=1&user_id=42")


def test_wc_auth_refuses_plain_http_callback_elsewhere(sim):
    url = sim.authorize_url(callback_url="http://odoo.example/callback")
    with pytest.raises(ValueError, match="callback_url needs to be over SSL"):
        sim.approve_auth(url)
    missing = requests.get(sim.base_url + "/wc-auth/v1/authorize?app_name=x", timeout=10)
    assert missing.status_code == 400


# ---------------------------------------------------------------------- seeds and CLI


def test_demo_seed_has_the_odd_inputs():
    sim = WooCommerceSimulator(seed="demo")
    with sim.store.lock:
        products = [
            sim.store.render_product(p) for p in sim.store.products.values() if p["type"] != "variation"
        ]
        variations = [
            sim.store.render_variation(p) for p in sim.store.products.values() if p["type"] == "variation"
        ]
    assert len(products) == 12 and sum(p["type"] == "variable" for p in products) == 2
    assert any("&ndash;" in p["name"] for p in products) and any("&amp;" in p["name"] for p in products)
    assert any(p["sku"] == "" for p in products) and any(v["sku"] == "" for v in variations)
    assert any(v["manage_stock"] == "parent" for v in variations)
    orders = [sim.order(order_id) for order_id in sim.seed_summary["orders"]]
    assert len(orders) == 10
    assert {"processing", "completed", "on-hold", "pending", "cancelled", "refunded", "failed"} <= {
        o["status"] for o in orders
    }
    assert any(o["customer_id"] == 0 for o in orders)
    assert any(o["total_tax"] == "0.00" and o["tax_lines"] == [] for o in orders)
    assert any(float(f["total"]) < 0 for o in orders for f in o["fee_lines"])
    codes = [c["code"] for o in orders for c in o["coupon_lines"]]
    assert codes and all(code == code.lower() for code in codes)
    assert any(o["shipping_tax"] != "0.00" for o in orders)
    assert {o["prices_include_tax"] for o in orders} == {True, False}
    assert any(o["refunds"] for o in orders)


def test_bulk_seed_is_quick():
    started = time.monotonic()
    sim = WooCommerceSimulator(seed="bulk", products=400, orders=200)
    assert time.monotonic() - started < 10
    assert sim.seed_summary == {"products": 400, "variations": 300, "orders": 200}
    with sim.store.lock:
        assert len(sim.store.orders) == 200


def test_cli_prints_the_base_url_and_keys():
    import os
    import signal
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[3]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.simulators.woocommerce", "--port", "0", "--seed", "demo"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ},
    )
    try:
        lines = []
        while True:
            line = process.stdout.readline()
            assert line, "the CLI ended before printing its JSON"
            lines.append(line)
            if line.startswith("}"):
                break
        info = json.loads("".join(lines))
        assert info["base_url"].startswith("http://127.0.0.1:") and info["auth"] == "OAuth 1.0a"
        assert info["seed"]["orders"]
        response = API(
            url=info["base_url"],
            consumer_key=info["consumer_key"],
            consumer_secret=info["consumer_secret"],
            version="wc/v3",
            timeout=10,
        ).get("orders")
        assert response.status_code == 200 and len(response.json()) == 10
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
