"""Fidelity tests of the Shopify simulator (plain pytest, no Odoo)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from .simulator import ShopifySimulator

TOKEN = "shpat_test_token"
SECRET = "test-client-secret"

PRODUCTS_PAGE = """
query Page($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: ID) {
    edges { cursor node { id title } }
    pageInfo { hasNextPage endCursor }
  }
}"""

SET_QUANTITIES = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""

PRODUCT_SET = """
mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product {
      id vendor
      variants(first: 10) { nodes { id sku price inventoryItem { id } selectedOptions { name value } } }
      metafields(first: 10) { nodes { namespace key value } }
    }
    userErrors { field message code }
  }
}"""


@pytest.fixture
def sim():
    # Shopify's published schemas are required here: these tests prove the simulator against them.
    simulator = ShopifySimulator(access_token=TOKEN, client_secret=SECRET, require_published_schemas=True)
    simulator.start()
    yield simulator
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors
    # A document Shopify's published schema refuses fails the test (one sent on purpose is taken).
    assert not simulator.schema_violations, simulator.schema_violations


def gql(sim, query, variables=None, version="2026-07", token=TOKEN):
    response = sim.graphql(query, variables, version=version, token=token)
    assert response.status_code == 200, response.text
    return response.json()


class Receiver:
    """A webhook endpoint on loopback recording what it receives; answers `statuses` in turn (then 200)."""

    def __init__(self, statuses=()):
        self.requests, self.statuses = [], list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/shopify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


# ------------------------------------------------------------------------------------- HTTP, auth, versions


def test_wrong_token_is_401_with_shopify_body(sim):
    response = sim.graphql("{ shop { name } }", token="nope")
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_retired_version_falls_forward_and_header_says_which(sim):
    response = sim.graphql("{ shop { name } }", version="2025-07")
    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == "2026-01"
    assert sim.graphql("{ shop { name } }", version="2026-07").headers["X-Shopify-API-Version"] == "2026-07"
    assert sim.graphql("{ shop { name } }", version="2031-01").status_code == 404
    missing = requests.post(
        sim.graphql_url(),
        data="{}",
        timeout=5,
        headers={"X-Shopify-Access-Token": TOKEN, "Content-Type": "application/json"},
    )
    assert missing.status_code == 400


def test_malformed_and_invalid_queries_are_200_with_shopify_errors(sim):
    body = gql(sim, "{ shop { name }")
    assert body["errors"][0]["message"].startswith("Parse error")
    body = gql(sim, "{ shop { name foo } }")
    error = body["errors"][0]
    assert error["message"] == "Field 'foo' doesn't exist on type 'Shop'"
    assert error["extensions"]["code"] == "undefinedField"
    assert error["path"] == ["query", "shop", "foo"]
    assert "data" not in body
    body = gql(sim, "query Named { products { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["path"] == ["query Named", "products"]
    body = gql(sim, "{ products(first: 251) { nodes { id } } }")
    assert body["errors"][0]["message"].startswith("first cannot exceed 250")
    # plain UserError has no `code` in Shopify's schema
    body = gql(
        sim,
        'mutation { productUpdate(product: {id: "gid://shopify/Product/1"}) '
        "{ userErrors { field message code } } }",
    )
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"
    body = gql(sim, "query($n: Int!) { products(first: $n) { nodes { id } } }", {})
    assert "was provided invalid value" in body["errors"][0]["message"]
    # Shopify's published schema refused these three documents too (the first/last rules are Shopify's
    # static checks, not the schema's; a parse error never reaches a schema).
    refused = sim.take_schema_violations()
    assert [v["errors"][0]["extensions"]["code"] for v in refused] == [
        "undefinedField",
        "undefinedField",
        "INVALID_VARIABLE",
    ]
    assert refused[0]["query"] == "{ shop { name foo } }" and refused[0]["version"] == "2026-07"


# -------------------------------------------------------------------------------------- cost and throttling


def test_cost_is_computed_from_the_document_and_refunded(sim):
    sim.seed_catalog(products=3, variants_per_product=2)
    started = time.monotonic()
    body = gql(sim, "{ shop { name plan { displayName } } }")
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2  # two objects, scalars free
    query = "query($n: Int!) { products(first: $n) { nodes { id variants(first: 5) { nodes { id sku } } } } }"
    body = gql(sim, query, {"n": 10})
    elapsed = time.monotonic() - started
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 10 * (1 + 2 + 5 * 1)
    assert cost["actualQueryCost"] == 2 + 3 * (1 + 2 + 2 * 1)
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000 and status["restoreRate"] == 100
    # The unused part of the requested cost is refunded: what is left reflects the actual cost.
    # The bucket refills 100 points/s while the two queries run (longer on a loaded machine).
    assert (
        2000 - 2 - cost["actualQueryCost"] - 1
        <= status["currentlyAvailable"]
        <= 2000 - cost["actualQueryCost"] + 100 * elapsed
    )
    body = gql(
        sim,
        'mutation { productUpdate(product: {id: "gid://shopify/Product/1", title: "x"}) '
        "{ product { id } userErrors { field message } } }",
    )
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    record = sim.calls[-1]
    assert record["requested_cost"] == 10 and record["root_fields"] == ["productUpdate"]


def test_throttled_and_max_cost_exceeded():
    sim = ShopifySimulator(access_token=TOKEN, bucket={"maximumAvailable": 100, "restoreRate": 10})
    sim.start()
    try:
        _throttling(sim)
    finally:
        sim.stop()


def _throttling(sim):
    query = "{ products(first: 40) { nodes { id } } }"  # requested 2 + 40 = 42, actual 2 (no products)
    first = gql(sim, query)
    assert first["extensions"]["cost"]["actualQueryCost"] == 2
    sim.bucket.drain()
    throttled = gql(sim, query)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["errors"][0]["message"] == "Throttled"
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None
    assert "data" not in throttled
    assert sim.throttled_count == 1
    sim.advance(5)  # 50 points restored
    assert "errors" not in gql(sim, query)
    too_big = gql(sim, "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }")
    assert too_big["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert too_big["errors"][0]["extensions"]["cost"] > 1000


# ------------------------------------------------------------------------------------------------- products


def test_cursor_pagination_and_search_filters(sim):
    sim.seed_catalog(products=30, variants_per_product=1)
    seen, after, pages = [], None, 0
    while True:
        body = gql(sim, PRODUCTS_PAGE, {"first": 10, "after": after})
        page = body["data"]["products"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3 and len(seen) == len(set(seen)) == 30
    body = gql(sim, PRODUCTS_PAGE, {"first": 50, "query": "sku:SKU-0007-00"})
    assert [e["node"]["title"] for e in body["data"]["products"]["edges"]] == ["Bulk product 0007"]
    body = gql(sim, PRODUCTS_PAGE, {"first": 50, "query": "updated_at:>'2999-01-01T00:00:00Z'"})
    assert body["data"]["products"]["edges"] == []
    body = gql(sim, PRODUCTS_PAGE, {"first": 5, "query": "colour:red"})
    assert body["extensions"]["search"][0]["warnings"][0]["field"] == "colour"
    body = gql(
        sim, '{ productVariants(first: 5, query: "sku:SKU-0002-00") { nodes { sku product { title } } } }'
    )
    assert body["data"]["productVariants"]["nodes"][0]["product"]["title"] == "Bulk product 0002"
    body = gql(sim, PRODUCTS_PAGE, {"first": 5, "after": "not-a-cursor"})
    assert body["errors"][0]["message"].startswith("Invalid cursor")
    body = gql(sim, "{ products(last: 5) { nodes { id } } }")
    assert body["errors"][0]["message"] == "using last without before is not supported"


def test_cursor_is_a_position_in_the_sort_order(sim):
    """A product updated while paging by UPDATED_AT moves behind the cursor and is seen again."""
    sim.seed_catalog(products=6, variants_per_product=1)
    query = """query($after: String) { products(first: 3, after: $after, sortKey: UPDATED_AT) {
        nodes { title } pageInfo { endCursor } } }"""
    page1 = gql(sim, query)["data"]["products"]
    sim.advance(2)
    moved = sim.product("SKU-0000-00")["id"]
    gql(
        sim,
        'mutation($id: ID!) { productUpdate(product: {id: $id, title: "Moved"}) { userErrors { message } } }',
        {"id": moved},
    )
    page2 = gql(sim, query, {"after": page1["pageInfo"]["endCursor"]})["data"]["products"]
    page3 = gql(sim, query, {"after": page2["pageInfo"]["endCursor"]})["data"]["products"]
    titles = [n["title"] for n in page1["nodes"] + page2["nodes"] + page3["nodes"]]
    assert titles[:3] == ["Bulk product 0000", "Bulk product 0001", "Bulk product 0002"]
    assert titles[3:] == ["Bulk product 0003", "Bulk product 0004", "Bulk product 0005", "Moved"]


def test_product_set_replaces_lists_and_keeps_omitted_scalars(sim):
    created = gql(
        sim,
        PRODUCT_SET,
        {
            "input": {
                "title": "Tee",
                "vendor": "Acme",
                "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}, {"name": "L"}]}],
                "variants": [
                    {"sku": s, "price": "10", "optionValues": [{"optionName": "Size", "name": s[-1]}]}
                    for s in ("T-S", "T-M", "T-L")
                ],
                "metafields": [
                    {"namespace": "odoo", "key": "id", "type": "single_line_text_field", "value": "1"},
                    {"namespace": "odoo", "key": "x", "type": "single_line_text_field", "value": "2"},
                ],
            }
        },
    )["data"]["productSet"]
    assert created["userErrors"] == []
    product = created["product"]
    by_sku = {v["sku"]: v for v in product["variants"]["nodes"]}
    kept, dropped = by_sku["T-M"], by_sku["T-L"]
    updated = gql(
        sim,
        PRODUCT_SET,
        {
            "identifier": {"id": product["id"]},
            "input": {
                "productOptions": [{"name": "Size", "values": [{"name": "M"}, {"name": "XL"}]}],
                "variants": [
                    {
                        "id": kept["id"],
                        "price": "12.5",
                        "optionValues": [{"optionName": "Size", "name": "M"}],
                    },
                    {"sku": "T-XL", "price": "13", "optionValues": [{"optionName": "Size", "name": "XL"}]},
                ],
                "metafields": [
                    {"namespace": "odoo", "key": "id", "type": "single_line_text_field", "value": "1"}
                ],
            },
        },
    )["data"]["productSet"]
    assert updated["userErrors"] == []
    variants = updated["product"]["variants"]["nodes"]
    assert [v["sku"] for v in variants] == ["T-M", "T-XL"]  # T-S and T-L deleted: omitted from the list
    assert variants[0]["id"] == kept["id"] and variants[0]["price"] == "12.50"
    assert updated["product"]["vendor"] == "Acme"  # omitted scalar untouched
    assert [m["key"] for m in updated["product"]["metafields"]["nodes"]] == ["id"]
    gone = gql(
        sim,
        "query($id: ID!) { productVariant(id: $id) { id } inventoryItem(id: $iid) { id } }".replace(
            "query($id: ID!)", "query($id: ID!, $iid: ID!)"
        ),
        {"id": dropped["id"], "iid": dropped["inventoryItem"]["id"]},
    )
    assert gone["data"] == {"productVariant": None, "inventoryItem": None}
    bad = gql(sim, PRODUCT_SET, {"identifier": {"id": "gid://shopify/Product/1"}, "input": {"title": "x"}})
    assert bad["data"]["productSet"]["userErrors"][0]["code"] == "PRODUCT_DOES_NOT_EXIST"
    dup = gql(
        sim,
        PRODUCT_SET,
        {
            "input": {
                "title": "Dup",
                "variants": [
                    {"optionValues": [{"optionName": "Size", "name": "S"}]},
                    {"optionValues": [{"optionName": "Size", "name": "S"}]},
                ],
            }
        },
    )
    # Shopify's ProductSetUserErrorCode has no DUPLICATE_VARIANT: a duplicate is an invalid variant.
    assert dup["data"]["productSet"]["userErrors"][0]["code"] == "INVALID_VARIANT"


def test_product_update_archives(sim):
    product = sim.add_product("Old", variants=[{"sku": "OLD-1"}])
    body = gql(
        sim,
        "mutation($id: ID!) { productUpdate(product: {id: $id, status: ARCHIVED}) "
        "{ product { status } userErrors { field message } } }",
        {"id": product["id"]},
    )
    assert body["data"]["productUpdate"] == {"product": {"status": "ARCHIVED"}, "userErrors": []}
    assert sim.product("OLD-1")["status"] == "ARCHIVED"


# ------------------------------------------------------------------------------------------------ inventory


def _set_input(sim, sku, quantity, change_from, name="available"):
    item = sim.product(sku)["variants"][0]["inventory_item_id"]
    location = sim.store.primary_location().id
    return {
        "name": name,
        "reason": "correction",
        "referenceDocumentUri": "gid://odoo/StockQuant/1",
        "quantities": [
            {
                "inventoryItemId": item,
                "locationId": f"gid://shopify/Location/{location}",
                "quantity": quantity,
                "changeFromQuantity": change_from,
            }
        ],
    }


def test_inventory_set_quantities_idempotency_and_change_from_quantity(sim):
    sim.add_product("Mug", variants=[{"sku": "MUG", "inventory": 5}])
    data = _set_input(sim, "MUG", 8, 5)
    no_key = gql(
        sim,
        SET_QUANTITIES.replace(" @idempotent(key: $key)", "").replace(", $key: String!", ""),
        {"input": data},
    )
    assert "@idempotent" in no_key["errors"][0]["message"]
    assert sim.inventory("MUG") == 5
    first = gql(sim, SET_QUANTITIES, {"input": data, "key": "k-1"})["data"]["inventorySetQuantities"]
    assert first["userErrors"] == [] and sim.inventory("MUG") == 8
    assert {c["name"]: c["quantityAfterChange"] for c in first["inventoryAdjustmentGroup"]["changes"]} == {
        "available": 8,
        "on_hand": 8,
    }
    replay = gql(sim, SET_QUANTITIES, {"input": data, "key": "k-1"})["data"]["inventorySetQuantities"]
    assert replay == first and sim.inventory("MUG") == 8 and sim.stats["idempotent_replays"] == 1
    mismatch = gql(sim, SET_QUANTITIES, {"input": _set_input(sim, "MUG", 9, 8), "key": "k-1"})
    assert (
        mismatch["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    )
    stale = gql(sim, SET_QUANTITIES, {"input": _set_input(sim, "MUG", 20, 5), "key": "k-2"})
    error = stale["data"]["inventorySetQuantities"]["userErrors"][0]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert error["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert sim.inventory("MUG") == 8
    skip_check = gql(sim, SET_QUANTITIES, {"input": _set_input(sim, "MUG", 3, None), "key": "k-3"})
    assert skip_check["data"]["inventorySetQuantities"]["userErrors"] == [] and sim.inventory("MUG") == 3
    omitted = _set_input(sim, "MUG", 4, 3)
    del omitted["quantities"][0]["changeFromQuantity"]
    missing = gql(sim, SET_QUANTITIES, {"input": omitted, "key": "k-4"})
    assert "changeFromQuantity" in missing["errors"][0]["message"] and sim.inventory("MUG") == 3


def test_inventory_compare_quantity_before_2026_04(sim):
    sim.add_product("Cup", variants=[{"sku": "CUP", "inventory": 2}])
    data = _set_input(sim, "CUP", 6, None)
    del data["quantities"][0]["changeFromQuantity"]
    old = gql(sim, SET_QUANTITIES, {"input": data, "key": "a"}, version="2026-01")
    assert old["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    data["quantities"][0]["compareQuantity"] = 2
    ok = gql(sim, SET_QUANTITIES, {"input": data, "key": "b"}, version="2026-01")
    assert ok["data"]["inventorySetQuantities"]["userErrors"] == [] and sim.inventory("CUP") == 6
    removed = gql(sim, SET_QUANTITIES, {"input": data, "key": "c"}, version="2026-07")
    assert "compareQuantity" in json.dumps(removed["errors"])  # field gone from the 2026-04+ schema
    [refused] = sim.take_schema_violations()  # by Shopify's published 2026-07 schema too
    assert refused["version"] == "2026-07" and "compareQuantity" in json.dumps(refused["errors"])


def test_input_arrays_are_capped_at_250(sim):
    sim.add_product("Pen", variants=[{"sku": "PEN", "inventory": 1}])
    data = _set_input(sim, "PEN", 1, None)
    data["quantities"] = data["quantities"] * 251
    body = gql(sim, SET_QUANTITIES, {"input": data, "key": "big"})
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert "251" in body["errors"][0]["message"]


# ------------------------------------------------------------------------------------- orders & fulfillment


ORDER_QUERY = """
query Orders($q: String) {
  orders(first: 5, query: $q, sortKey: UPDATED_AT) {
    nodes {
      id name displayFulfillmentStatus displayFinancialStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      shippingLines(first: 5) { nodes { title originalPriceSet { shopMoney { amount } } } }
      lineItems(first: 5) { nodes { sku quantity taxLines { rate priceSet { shopMoney { amount } } } } }
      fulfillmentOrders(first: 2) {
        nodes { id status lineItems(first: 5) { nodes { id remainingQuantity } } }
      }
    }
  }
}"""

FULFILL = """
mutation Fulfill($f: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $f) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}"""


def test_orders_and_partial_fulfillment(sim):
    sim.add_product("Tee", variants=[{"sku": "TEE", "price": "20.00", "inventory": 10}])
    sim.add_order(
        [{"sku": "TEE", "quantity": 3}],
        tax_rate="0.2",
        shipping_lines=[{"title": "Standard", "price": "5.00"}],
    )
    assert sim.inventory("TEE") == 7 and sim.inventory("TEE", name="committed") == 3
    order = gql(sim, ORDER_QUERY, {"q": "updated_at:>'2000-01-01T00:00:00Z'"})["data"]["orders"]["nodes"][0]
    assert order["totalPriceSet"]["shopMoney"] == {
        "amount": "78.0",
        "currencyCode": "USD",
    }  # 60 + 5 shipping + 20% tax
    assert order["displayFulfillmentStatus"] == "UNFULFILLED"
    fo = order["fulfillmentOrders"]["nodes"][0]
    line = fo["lineItems"]["nodes"][0]
    too_many = gql(
        sim,
        FULFILL,
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 4}],
                    }
                ]
            }
        },
    )
    assert too_many["data"]["fulfillmentCreate"]["userErrors"]
    partial = gql(
        sim,
        FULFILL,
        {
            "f": {
                "notifyCustomer": True,
                "trackingInfo": {"company": "UPS", "number": "1Z1", "url": "https://ups.test/1"},
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 1}],
                    }
                ],
            }
        },
    )
    assert partial["data"]["fulfillmentCreate"]["userErrors"] == []
    assert partial["data"]["fulfillmentCreate"]["fulfillment"]["trackingInfo"][0]["number"] == "1Z1"
    assert sim.order(order["id"])["fulfillment_status"] == "PARTIALLY_FULFILLED"
    rest = gql(sim, FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert rest["data"]["fulfillmentCreate"]["userErrors"] == []
    again = gql(sim, ORDER_QUERY)["data"]["orders"]["nodes"][0]
    assert again["displayFulfillmentStatus"] == "FULFILLED"
    assert again["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert sim.inventory("TEE", name="on_hand") == 7 and sim.inventory("TEE", name="committed") == 0
    closed = gql(sim, FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}})
    assert "unfulfillable status" in closed["data"]["fulfillmentCreate"]["userErrors"][0]["message"]


def test_order_window_scopes_and_protected_data(sim):
    sim.add_product("Tee", variants=[{"sku": "TEE", "inventory": 10}])
    sim.add_order([{"sku": "TEE"}], days_ago=90)
    sim.add_order([{"sku": "TEE"}], days_ago=1, email="a@example.com")
    assert len(gql(sim, ORDER_QUERY)["data"]["orders"]["nodes"]) == 1  # no read_all_orders: last 60 days
    sim.scopes.append("read_all_orders")
    assert len(gql(sim, ORDER_QUERY)["data"]["orders"]["nodes"]) == 2
    sim.scopes.remove("read_orders")
    sim.scopes.remove("write_orders")
    denied = gql(sim, ORDER_QUERY)
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED" and denied["data"] is None
    sim.scopes.append("read_orders")
    sim.protected_customer_data = False
    body = gql(sim, "{ orders(first: 5) { nodes { email } } }")
    assert {n["email"] for n in body["data"]["orders"]["nodes"]} == {None}


def test_customers_create_update(sim):
    mutation = """mutation($input: CustomerInput!) { customerCreate(input: $input) {
        customer { id email firstName } userErrors { field message } } }"""
    created = gql(sim, mutation, {"input": {"email": "x@example.com", "firstName": "X"}})["data"][
        "customerCreate"
    ]
    assert created["userErrors"] == []
    dup = gql(sim, mutation, {"input": {"email": "x@example.com"}})["data"]["customerCreate"]
    assert dup["userErrors"][0]["field"] == ["email"]
    updated = gql(
        sim,
        """mutation($input: CustomerInput!) { customerUpdate(input: $input) {
        customer { firstName } userErrors { field message } } }""",
        {"input": {"id": created["customer"]["id"], "firstName": "Y"}},
    )["data"]["customerUpdate"]
    assert updated == {"customer": {"firstName": "Y"}, "userErrors": []}


# ----------------------------------------------------------------------------------------------------- bulk


def test_bulk_query_jsonl_with_parent_ids(sim):
    sim.seed_catalog(products=4, variants_per_product=3)
    run = gql(
        sim,
        'mutation { bulkOperationRunQuery(query: """{ products { edges { node { title '
        'variants { edges { node { sku } } } } } } }""") { bulkOperation { id status } '
        "userErrors { field message code } } }",
    )["data"]["bulkOperationRunQuery"]
    assert run["userErrors"] == [] and run["bulkOperation"]["status"] == "CREATED"
    poll = "{ currentBulkOperation { id status objectCount rootObjectCount url } }"
    statuses = []
    for _ in range(5):
        op = gql(sim, poll)["data"]["currentBulkOperation"]
        statuses.append(op["status"])
        if op["status"] == "COMPLETED":
            break
    assert statuses[0] == "RUNNING" and statuses[-1] == "COMPLETED"
    assert op["objectCount"] == "16" and op["rootObjectCount"] == "4"
    lines = [json.loads(line) for line in requests.get(op["url"], timeout=5).text.splitlines()]
    parents = {line["id"] for line in lines if "__parentId" not in line}
    children = [line for line in lines if "__parentId" in line]
    assert len(parents) == 4 and len(children) == 12
    assert all(child["__parentId"] in parents and "sku" in child for child in children)
    node = gql(sim, "query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }", {"id": op["id"]})
    assert node["data"]["node"]["status"] == "COMPLETED"
    bad = gql(
        sim, 'mutation { bulkOperationRunQuery(query: "{ shop { name } }") { userErrors { message code } } }'
    )
    assert bad["data"]["bulkOperationRunQuery"]["userErrors"][0]["code"] == "INVALID"


def test_bulk_seeding_is_fast_and_paginable(sim):
    started = time.perf_counter()
    skus = sim.seed_catalog(products=250, variants_per_product=8)
    orders = sim.seed_orders(count=500)
    assert len(skus) == 2000 and len(orders) == 500
    assert time.perf_counter() - started < 8
    body = gql(
        sim, "{ productVariants(first: 250) { nodes { sku inventoryItem { id } } pageInfo { hasNextPage } } }"
    )
    assert len(body["data"]["productVariants"]["nodes"]) == 250
    assert body["data"]["productVariants"]["pageInfo"]["hasNextPage"] is True


# ------------------------------------------------------------------------------------------------- webhooks


def _verify(headers, body, secret=SECRET):
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(digest, headers["X-Shopify-Hmac-Sha256"])


def test_webhook_subscription_delivery_and_signature(sim, receiver):
    create = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
        webhookSubscription { id topic uri apiVersion { handle } } userErrors { field message } } }"""
    sub = gql(sim, create, {"topic": "ORDERS_CREATE", "uri": receiver.url})["data"][
        "webhookSubscriptionCreate"
    ]
    assert sub["userErrors"] == [] and sub["webhookSubscription"]["apiVersion"]["handle"] == "2026-07"
    taken = gql(sim, create, {"topic": "ORDERS_CREATE", "uri": receiver.url})["data"][
        "webhookSubscriptionCreate"
    ]
    assert "already been taken" in taken["userErrors"][0]["message"]
    insecure = gql(sim, create, {"topic": "ORDERS_PAID", "uri": "http://example.com/h"})
    assert insecure["data"]["webhookSubscriptionCreate"]["userErrors"]
    sim.add_product("Tee", variants=[{"sku": "TEE", "price": "20.00", "inventory": 10}])
    order = sim.add_order([{"sku": "TEE", "quantity": 2}])
    results = sim.flush_webhooks()
    assert [r["ok"] for r in results] == [True]
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert _verify(headers, body)
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == "demo.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2026-07"
    assert (
        headers["X-Shopify-Webhook-Id"]
        and headers["X-Shopify-Event-Id"]
        and headers["X-Shopify-Triggered-At"]
    )
    payload = json.loads(body)
    assert payload["id"] == order["legacy_id"] and isinstance(payload["id"], int)
    assert payload["admin_graphql_api_id"] == order["id"]
    assert payload["total_price"] == "40.00" and payload["line_items"][0]["sku"] == "TEE"
    listing = gql(sim, "{ webhookSubscriptions(first: 10) { nodes { id topic } } }")
    sub_id = listing["data"]["webhookSubscriptions"]["nodes"][0]["id"]
    deleted = gql(
        sim,
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId "
        "userErrors { field message } } }",
        {"id": sub_id},
    )
    assert deleted["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == sub_id


def test_webhook_retries_keep_ids_and_duplicates_share_them(receiver):
    sim = ShopifySimulator(access_token=TOKEN, client_secret=SECRET, duplicate_rate=1.0, reorder=True, seed=3)
    sim.start()
    try:
        receiver.statuses = [500]
        sim.subscribe("inventory_levels/update", receiver.url)
        sim.add_product("Tee", variants=[{"sku": "TEE", "inventory": 1}], webhooks=False)
        sim.set_inventory("TEE", 4)
        first = sim.flush_webhooks()
        assert len(first) == 2 and sorted(r["ok"] for r in first) == [False, True]
        assert first[0]["webhook_id"] == first[1]["webhook_id"]  # a duplicate carries the same webhook id
        assert sim.flush_webhooks() == []  # the retry waits for its backoff
        sim.advance(61)
        retry = sim.flush_webhooks()
        assert len(retry) == 1 and retry[0]["ok"] and retry[0]["attempt"] == 2
        assert retry[0]["webhook_id"] == first[0]["webhook_id"]
        # a retry is the first attempt again: same event, same Triggered-At (Shopify's changelog)
        assert retry[0]["headers"]["X-Shopify-Triggered-At"] == first[0]["headers"]["X-Shopify-Triggered-At"]
        assert retry[0]["headers"]["X-Shopify-Event-Id"] == first[0]["headers"]["X-Shopify-Event-Id"]
        payload = json.loads(receiver.requests[-1]["body"])
        assert set(payload) == {
            "inventory_item_id",
            "location_id",
            "available",
            "updated_at",
            "admin_graphql_api_id",
        }
        assert payload["available"] == 4
        assert "?inventory_item_id=" in payload["admin_graphql_api_id"]
    finally:
        sim.stop()


def test_redelivery_keeps_the_event_id_under_a_new_webhook_id(receiver):
    """Shopify's "Ignore duplicate webhooks": an event may come again under a new X-Shopify-Webhook-Id;
    its X-Shopify-Event-Id, Triggered-At and body stay. Distinct events have distinct event ids."""
    sim = ShopifySimulator(access_token=TOKEN, client_secret=SECRET, redelivery_rate=1.0)
    sim.start()
    try:
        sim.subscribe("inventory_levels/update", receiver.url)
        sim.add_product("Tee", variants=[{"sku": "TEE", "inventory": 1}], webhooks=False)
        sim.set_inventory("TEE", 4)
        first = sim.flush_webhooks()
        assert len(first) == 2 and all(r["ok"] for r in first)
        assert first[0]["webhook_id"] != first[1]["webhook_id"]
        assert first[0]["event_id"] == first[1]["event_id"]
        for name in ("X-Shopify-Event-Id", "X-Shopify-Triggered-At"):
            assert first[0]["headers"][name] == first[1]["headers"][name]
        assert first[0]["body"] == first[1]["body"]
        sim.webhooks.redelivery_rate = 0.0
        assert sim.redeliver_webhook(first[0]["event_id"]) == 2
        again = sim.flush_webhooks()
        assert {r["event_id"] for r in again} == {first[0]["event_id"]}
        assert not {r["webhook_id"] for r in again} & {r["webhook_id"] for r in first}
        sim.set_inventory("TEE", 5)
        other = sim.flush_webhooks()
        assert len(other) == 1 and other[0]["event_id"] != first[0]["event_id"]
    finally:
        sim.stop()


def test_order_lifecycle_webhooks_are_rest_shaped(sim, receiver):
    for topic in ("ORDERS_PAID", "ORDERS_CANCELLED", "ORDERS_FULFILLED", "REFUNDS_CREATE", "ORDERS_UPDATED"):
        sim.subscribe(topic, receiver.url)
    sim.add_product("Tee", variants=[{"sku": "TEE", "price": "20.00", "inventory": 10}], webhooks=False)
    pending = sim.add_order([{"sku": "TEE", "quantity": 2}], financial_status="PENDING", webhooks=False)
    sim.mark_order_paid(pending["id"])
    paid = sim.add_order([{"sku": "TEE", "quantity": 1}], webhooks=False)
    sim.fulfill_order(paid["id"], tracking={"company": "DHL", "number": "JD01"})
    sim.refund_order(paid["id"], lines=[("TEE", 1)], note="Broken")
    sim.cancel_order(pending["id"])
    sim.flush_webhooks()
    topics = [r["headers"]["X-Shopify-Topic"] for r in receiver.requests]
    assert topics == [
        "orders/paid",
        "orders/updated",
        "orders/fulfilled",
        "orders/updated",
        "refunds/create",
        "orders/updated",
        "orders/cancelled",
        "orders/updated",
    ]
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    fulfilled = bodies[2]
    assert fulfilled["fulfillment_status"] == "fulfilled" and fulfilled["financial_status"] == "paid"
    assert fulfilled["fulfillments"][0]["tracking_number"] == "JD01"
    refund = bodies[4]
    assert refund["order_id"] == paid["legacy_id"] and refund["transactions"][0]["amount"] == "20.00"
    assert refund["refund_line_items"][0]["quantity"] == 1
    cancelled = bodies[6]
    assert cancelled["cancelled_at"] and cancelled["cancel_reason"] == "customer"
    assert {r["headers"]["X-Shopify-Event-Id"] for r in receiver.requests[6:]} != {None}
    # the pending order's units went back on cancel; the shipped unit came back with the refund (RETURN)
    assert sim.inventory("TEE") == 10


def test_product_set_inventory_quantities_and_async_operation(sim):
    location = sim.add_location("Warehouse")
    body = gql(
        sim,
        """mutation($input: ProductSetInput!) { productSet(input: $input, synchronous: false) {
        product { id } productSetOperation { id status } userErrors { message } } }""",
        {
            "input": {
                "title": "Stocked",
                "variants": [
                    {
                        "sku": "ST-1",
                        "price": "5",
                        "optionValues": [],
                        "inventoryQuantities": [
                            {"locationId": location["id"], "name": "available", "quantity": 7}
                        ],
                    }
                ],
            }
        },
    )
    operation = body["data"]["productSet"]["productSetOperation"]
    assert body["data"]["productSet"]["product"] is None and operation["status"] == "CREATED"
    polled = gql(
        sim,
        "query($id: ID!) { productOperation(id: $id) { status product { title } } }",
        {"id": operation["id"]},
    )["data"]["productOperation"]
    assert polled == {"status": "COMPLETE", "product": {"title": "Stocked"}}
    assert sim.inventory("ST-1", location="Warehouse") == 7


def test_uninstall_and_compliance_webhooks(sim, receiver):
    sim.subscribe("APP_UNINSTALLED", receiver.url)
    sim.compliance_uri = receiver.url
    customer = sim.add_customer("gdpr@example.com", "G", "D")
    sim.trigger_compliance("customers/redact", customer=customer["id"], orders=[1, 2])
    sim.uninstall()
    sim.flush_webhooks()
    topics = [r["headers"]["X-Shopify-Topic"] for r in receiver.requests]
    assert topics == ["customers/redact", "app/uninstalled"]
    assert json.loads(receiver.requests[0]["body"])["orders_to_redact"] == [1, 2]
    # the app confirms an uninstall by asking: its token is refused from now on
    assert sim.graphql("{ shop { name } }", token=TOKEN).status_code == 401
    uninstalled = json.loads(receiver.requests[1]["body"])
    assert uninstalled["myshopify_domain"] == sim.shop and uninstalled["id"] == sim.store.shop_id
    sim.reinstall()
    assert sim.graphql("{ shop { name } }", token=TOKEN).status_code == 200


def test_webhook_headers_triggered_at_and_name(sim, receiver):
    sim.subscribe("PRODUCTS_UPDATE", receiver.url, name="odoo-products")
    sim.subscribe("ORDERS_CREATE", receiver.url)
    product = sim.add_product("Tee", variants=[{"sku": "TEE", "price": "20.00", "inventory": 10}],
                              webhooks=False)
    before = datetime.now(UTC) - timedelta(seconds=1)
    sim.add_order([{"sku": "TEE", "quantity": 1}])
    gql(sim, "mutation($id: ID!) { productUpdate(product: {id: $id, title: \"Tee 2\"}) "
             "{ userErrors { message } } }", {"id": product["id"]})
    sim.flush_webhooks()
    by_topic = {r["headers"]["X-Shopify-Topic"]: r["headers"] for r in receiver.requests}
    order = by_topic["orders/create"]
    stamp = datetime.strptime(order["X-Shopify-Triggered-At"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert before <= stamp <= datetime.now(UTC) + timedelta(seconds=1)
    assert "X-Shopify-Name" not in order  # only for a subscription that has a name
    assert by_topic["products/update"]["X-Shopify-Name"] == "odoo-products"
    listing = gql(sim, "{ webhookSubscriptions(first: 10) { nodes { topic name } } }")
    names = {n["topic"]: n["name"] for n in listing["data"]["webhookSubscriptions"]["nodes"]}
    assert names == {"PRODUCTS_UPDATE": "odoo-products", "ORDERS_CREATE": None}


# ---------------------------------------------------------------------------------------------------- OAuth


def test_oauth_code_grant_hmac_and_expiring_tokens(sim):
    install = sim.install_params()
    message = "&".join(f"{k}={v}" for k, v in sorted(install.items()) if k != "hmac")
    assert install["hmac"] == hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    redirect = "https://odoo.example.com/shopify/callback"
    response = requests.get(
        f"{sim.base_url}/admin/oauth/authorize",
        allow_redirects=False,
        timeout=5,
        params={
            "client_id": sim.client_id,
            "scope": "read_products,write_inventory",
            "redirect_uri": redirect,
            "state": "nonce-1",
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(redirect + "?")
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert params["state"] == "nonce-1" and params["shop"] == sim.shop and "timestamp" in params
    signed = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    assert params["hmac"] == hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256).hexdigest()
    token_url = f"{sim.base_url}/admin/oauth/access_token"
    grant = requests.post(
        token_url,
        timeout=5,
        data={"client_id": sim.client_id, "client_secret": SECRET, "code": params["code"], "expiring": "1"},
    ).json()
    assert (
        grant["expires_in"] == 3600
        and grant["refresh_token"]
        and grant["scope"] == "read_products,write_inventory"
    )
    reused = requests.post(
        token_url,
        timeout=5,
        data={"client_id": sim.client_id, "client_secret": SECRET, "code": params["code"]},
    )
    assert reused.status_code == 400
    assert sim.graphql("{ shop { name } }", token=grant["access_token"]).status_code == 200
    denied = gql(sim, "{ orders(first: 1) { nodes { id } } }", token=grant["access_token"])
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"  # scope not granted
    sim.advance(3601)
    assert sim.graphql("{ shop { name } }", token=grant["access_token"]).status_code == 401
    def refresh(refresh_token):
        return requests.post(token_url, timeout=5, data={
            "client_id": sim.client_id, "client_secret": SECRET,
            "grant_type": "refresh_token", "refresh_token": refresh_token,
        })

    refreshed = refresh(grant["refresh_token"]).json()
    assert (
        refreshed["access_token"] != grant["access_token"]
        and refreshed["refresh_token"] != grant["refresh_token"]
    )
    assert sim.graphql("{ shop { name } }", token=refreshed["access_token"]).status_code == 200
    old = refresh(grant["refresh_token"])
    assert old.status_code == 400  # retired once its replacement was used
    wrong = requests.post(
        token_url, timeout=5, data={"client_id": sim.client_id, "client_secret": "bad", "code": "x"}
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"


def test_demo_live_orders_use_new_ids_and_send_orders_create():
    """The demo's live orders (--order-every): seeded ids stay as they are, new orders skip past
    every id an earlier run could have used, and each one is an orders/create event."""
    from .seed import demo_live_order, skip_ids

    first, second = ShopifySimulator(), ShopifySimulator()
    seeded = [first.seed("demo")["first_order"], second.seed("demo")["first_order"]]
    assert seeded[0] == seeded[1]
    skip_ids(first, 1_000)
    skip_ids(second, 2_000)
    orders = [demo_live_order(first, 0), demo_live_order(second, 0)]
    assert orders[0]["legacy_id"] != orders[1]["legacy_id"]
    assert orders[1]["legacy_id"] - orders[0]["legacy_id"] == 1_000
    order = first.order(orders[0]["id"])
    assert order is not None
    assert any(e["topic"] == "orders/create" for e in first.events)


ORDER_CREATE = """
mutation C($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name displayFinancialStatus totalPriceSet { shopMoney { amount } } }
    userErrors { field message code }
  }
}"""


def test_order_create_and_weight_measurement(sim):
    product = sim.add_product("Mug", variants=[{"sku": "MUG", "price": "9.00", "inventory": 5}])
    variant = product["variants"][0]
    money = {"shopMoney": {"amount": "8.00", "currencyCode": "EUR"}}
    order = {
        "currency": "EUR",
        "email": "buyer@example.com",
        "lineItems": [
            {"variantId": variant["id"], "quantity": 2, "priceSet": money},
            {"title": "Gift wrap", "quantity": 1, "priceSet": money, "requiresShipping": False},
        ],
        "shippingLines": [{"title": "Post", "priceSet": money}],
    }
    data = gql(sim, ORDER_CREATE, {"order": order})["data"]["orderCreate"]
    assert data["userErrors"] == []
    assert data["order"]["displayFinancialStatus"] == "PENDING"
    assert data["order"]["totalPriceSet"]["shopMoney"]["amount"] in ("32.0", "32.00")
    assert sim.inventory("MUG") == 5, "inventoryBehaviour defaults to BYPASS"
    claimed = gql(
        sim, ORDER_CREATE, {"order": order, "options": {"inventoryBehaviour": "DECREMENT_IGNORING_POLICY"}}
    )
    assert claimed["data"]["orderCreate"]["userErrors"] == []
    assert sim.inventory("MUG") == 3
    bad = gql(sim, ORDER_CREATE, {"order": {"lineItems": []}})["data"]["orderCreate"]
    # Shopify's OrderCreateUserErrorCode has INVALID for bad input (no LINE_ITEMS_REQUIRED...).
    assert bad["order"] is None and bad["userErrors"][0]["code"] == "INVALID"
    assert bad["userErrors"][0]["field"] == ["order", "lineItems"]
    missing = {"lineItems": [{"variantId": "gid://shopify/ProductVariant/1", "quantity": 1}]}
    bad = gql(sim, ORDER_CREATE, {"order": missing})["data"]["orderCreate"]
    assert bad["userErrors"][0]["code"] == "INVALID"
    assert bad["userErrors"][0]["field"] == ["order", "lineItems", "0", "variantId"]
    # InventoryItemInput.measurement.weight, stored on the item and readable
    set_input = {
        "title": "Mug",
        "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                "price": "9.00",
                "inventoryItem": {
                    "sku": "MUG",
                    "measurement": {"weight": {"value": 0.3, "unit": "KILOGRAMS"}},
                },
            }
        ],
    }
    answer = gql(
        sim,
        "mutation S($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {"
        " productSet(input: $input, identifier: $identifier) { product { variants(first: 1) { nodes {"
        " inventoryItem { measurement { weight { value unit } } } } } } userErrors { message } } }",
        {"input": set_input, "identifier": {"id": product["id"]}},
    )["data"]["productSet"]
    assert answer["userErrors"] == []
    weight = answer["product"]["variants"]["nodes"][0]["inventoryItem"]["measurement"]["weight"]
    assert weight == {"value": 0.3, "unit": "KILOGRAMS"}


# ------------------------------------------------------------------------------------- payments (payments.py)

TRANSACTIONS = """
query Order($id: ID!) {
  order(id: $id) {
    name displayFinancialStatus paymentGatewayNames capturable
    totalReceivedSet { shopMoney { amount } } netPaymentSet { shopMoney { amount } }
    totalCapturableSet { shopMoney { amount } }
    transactions(first: 10) {
      id kind status gateway manualPaymentGateway test processedAt
      amountSet { shopMoney { amount currencyCode } presentmentMoney { amount } }
      parentTransaction { id kind }
    }
    capturableOnly: transactions(first: 5, capturable: true) { id }
    refunds(first: 5) { id }
  }
}"""

REFUND_CREATE = """
mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund {
      id note createdAt
      order { id displayFinancialStatus }
      totalRefundedSet { shopMoney { amount } }
      refundLineItems(first: 10) {
        nodes { lineItem { sku } quantity restockType subtotalSet { shopMoney { amount } } }
      }
      refundShippingLines(first: 5) {
        nodes {
          shippingLine { title }
          subtotalAmountSet { shopMoney { amount } } taxAmountSet { shopMoney { amount } }
        }
      }
      transactions(first: 5) {
        nodes { id kind status gateway amountSet { shopMoney { amount } } parentTransaction { id } }
      }
    }
    userErrors { field message }
  }
}"""

PAYMENTS = """
query Payments($first: Int!, $after: String, $query: String,
               $btFirst: Int!, $btAfter: String, $btQuery: String) {
  shopifyPaymentsAccount {
    id activated defaultCurrency balance { amount currencyCode }
    payouts(first: $first, after: $after, query: $query) {
      nodes {
        id legacyResourceId issuedAt status transactionType net { amount currencyCode }
        summary {
          chargesGross { amount } chargesFee { amount } refundsFeeGross { amount } refundsFee { amount }
          adjustmentsGross { amount } adjustmentsFee { amount }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
    balanceTransactions(first: $btFirst, after: $btAfter, query: $btQuery, sortKey: ID) {
      nodes {
        id type test sourceType sourceId sourceOrderTransactionId transactionDate adjustmentReason
        amount { amount } fee { amount } net { amount }
        associatedOrder { id name }
        associatedPayout { id status }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


def _paid_tee_shop(sim):
    sim.add_product("Tee", variants=[{"sku": "TEE", "price": "20.00", "inventory": 50}], webhooks=False)


def _order_by_name(sim, name):
    return next(o for o in sim.store.orders.values() if o.name == name)


def test_seeded_orders_carry_the_transactions_of_how_they_were_paid(sim):
    sim.seed("demo")
    data = {}
    for name in ("#1001", "#1002", "#1003", "#1004", "#1006"):
        order = _order_by_name(sim, name)
        data[name] = gql(sim, TRANSACTIONS, {"id": f"gid://shopify/Order/{order.id}"})["data"]["order"]

    def kinds(name):
        return [(t["kind"], t["status"], t["gateway"], t["amountSet"]["shopMoney"]["amount"])
                for t in data[name]["transactions"]]

    card = data["#1001"]  # paid by card in one sale
    assert kinds("#1001") == [("SALE", "SUCCESS", "shopify_payments", "75.78")]
    assert card["displayFinancialStatus"] == "PAID" and card["paymentGatewayNames"] == ["shopify_payments"]
    assert card["totalReceivedSet"]["shopMoney"]["amount"] == "75.78"
    assert card["transactions"][0]["manualPaymentGateway"] is False
    # cash on delivery not collected yet: a pending sale of a manual gateway
    assert kinds("#1002") == [("SALE", "PENDING", "Cash on Delivery (COD)", "23.9")]
    assert data["#1002"]["displayFinancialStatus"] == "PENDING"
    assert data["#1002"]["transactions"][0]["manualPaymentGateway"] is True
    assert data["#1002"]["totalReceivedSet"]["shopMoney"]["amount"] == "0.0"
    # authorized, then captured in two parts, each capture pointing at the authorization
    assert kinds("#1003") == [
        ("AUTHORIZATION", "SUCCESS", "shopify_payments", "72.0"),
        ("CAPTURE", "SUCCESS", "shopify_payments", "24.0"),
        ("CAPTURE", "SUCCESS", "shopify_payments", "48.0"),
    ]
    auth = data["#1003"]["transactions"][0]
    assert [t["parentTransaction"] for t in data["#1003"]["transactions"][1:]] == [
        {"id": auth["id"], "kind": "AUTHORIZATION"}
    ] * 2
    assert data["#1003"]["displayFinancialStatus"] == "PAID" and data["#1003"]["capturable"] is False
    assert data["#1003"]["capturableOnly"] == []
    # cash on delivery taken by hand: the pending sale, then a successful one
    assert kinds("#1004") == [
        ("SALE", "PENDING", "Cash on Delivery (COD)", "49.0"),
        ("SALE", "SUCCESS", "Cash on Delivery (COD)", "49.0"),
    ]
    assert data["#1004"]["displayFinancialStatus"] == "PAID"
    # the manual gateway, refunded in part through a refund transaction on the sale
    assert kinds("#1006") == [
        ("SALE", "SUCCESS", "manual", "38.0"),
        ("REFUND", "SUCCESS", "manual", "19.0"),
    ]
    sale, refund = data["#1006"]["transactions"]
    assert refund["parentTransaction"]["id"] == sale["id"]
    assert data["#1006"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert data["#1006"]["netPaymentSet"]["shopMoney"]["amount"] == "19.0"


def test_captures_and_marking_paid_send_transaction_and_paid_webhooks(sim, receiver):
    for topic in ("ORDER_TRANSACTIONS_CREATE", "ORDERS_PAID"):
        sim.subscribe(topic, receiver.url)
    _paid_tee_shop(sim)
    order = sim.add_order([{"sku": "TEE", "quantity": 3}], financial_status="AUTHORIZED")
    data = gql(sim, TRANSACTIONS, {"id": order["id"]})["data"]["order"]
    assert data["displayFinancialStatus"] == "AUTHORIZED" and data["capturable"] is True
    assert data["totalCapturableSet"]["shopMoney"]["amount"] == "60.0"
    assert [t["id"] for t in data["capturableOnly"]] == [data["transactions"][0]["id"]]
    first = sim.capture_order(order["id"], "20.00")
    data = gql(sim, TRANSACTIONS, {"id": order["id"]})["data"]["order"]
    assert data["displayFinancialStatus"] == "PARTIALLY_PAID"
    assert data["totalCapturableSet"]["shopMoney"]["amount"] == "40.0"
    with pytest.raises(ValueError):
        sim.capture_order(order["id"], "40.01")  # more than the authorization has left
    sim.capture_order(order["id"])
    assert gql(sim, TRANSACTIONS, {"id": order["id"]})["data"]["order"]["displayFinancialStatus"] == "PAID"
    cod = sim.add_order([{"sku": "TEE", "quantity": 1}], financial_status="PENDING",
                        gateway="Cash on Delivery (COD)")
    sim.mark_order_paid(cod["id"])
    sim.flush_webhooks()
    topics = [r["headers"]["X-Shopify-Topic"] for r in receiver.requests]
    assert topics == [
        "order_transactions/create",  # the authorization at the checkout
        "order_transactions/create",  # first capture: not paid in full, no orders/paid
        "order_transactions/create",
        "orders/paid",
        "order_transactions/create",  # the pending cash on delivery
        "order_transactions/create",  # taken by hand
        "orders/paid",
    ]
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    auth, capture = bodies[0], bodies[1]
    assert auth["kind"] == "authorization" and auth["status"] == "success" and auth["amount"] == "60.00"
    assert capture == {
        **capture,
        "id": first["legacy_id"],
        "admin_graphql_api_id": first["id"],
        "order_id": order["legacy_id"],
        "kind": "capture",
        "status": "success",
        "gateway": "shopify_payments",
        "amount": "20.00",
        "currency": "USD",
        "parent_id": auth["id"],
        "manual_payment_gateway": False,
        "test": False,
    }
    assert {"created_at", "processed_at", "payment_id", "error_code", "receipt"} <= set(capture)
    assert bodies[3]["financial_status"] == "paid"
    assert bodies[3]["payment_gateway_names"] == ["shopify_payments"]
    assert (bodies[4]["status"], bodies[5]["status"], bodies[5]["kind"]) == ("pending", "success", "sale")
    assert bodies[5]["gateway"] == "Cash on Delivery (COD)" and bodies[5]["manual_payment_gateway"] is True


def test_refund_create_refunds_lines_shipping_and_exactly_its_transactions(sim, receiver):
    sim.subscribe("REFUNDS_CREATE", receiver.url)
    _paid_tee_shop(sim)
    order = sim.add_order([{"sku": "TEE", "quantity": 3}], tax_rate="0.2",
                          shipping_lines=[{"title": "Standard", "price": "5.00"}], webhooks=False)
    sim.fulfill_order(order["id"], lines=[("TEE", 1)])
    [sale] = sim.order_transactions(order["id"])  # 60 + 5 + 13 tax = 78.00
    line_id = order["line_items"][0]["id"]
    refund_input = {
        "orderId": order["id"],
        "note": "One came back torn",
        "refundLineItems": [{"lineItemId": line_id, "quantity": 1, "restockType": "RETURN"},
                            {"lineItemId": line_id, "quantity": 1, "restockType": "CANCEL"}],
        "shipping": {"amount": "5.00"},
        "transactions": [{"orderId": order["id"], "kind": "REFUND", "gateway": "shopify_payments",
                          "amount": "54.00", "parentId": sale["id"]}],
    }
    result = gql(sim, REFUND_CREATE, {"input": refund_input, "key": "refund-1"})["data"]["refundCreate"]
    assert result["userErrors"] == []
    refund = result["refund"]
    assert refund["note"] == "One came back torn"
    assert refund["totalRefundedSet"]["shopMoney"]["amount"] == "54.0"  # what the transactions gave back
    assert [(n["lineItem"]["sku"], n["quantity"], n["restockType"], n["subtotalSet"]["shopMoney"]["amount"])
            for n in refund["refundLineItems"]["nodes"]] == [
        ("TEE", 1, "RETURN", "20.0"),
        ("TEE", 1, "CANCEL", "20.0"),
    ]
    [ship] = refund["refundShippingLines"]["nodes"]
    assert ship["shippingLine"]["title"] == "Standard"
    assert ship["subtotalAmountSet"]["shopMoney"]["amount"] == "5.0"
    assert ship["taxAmountSet"]["shopMoney"]["amount"] == "1.0"
    [txn] = refund["transactions"]["nodes"]
    assert (txn["kind"], txn["status"], txn["gateway"], txn["parentTransaction"]["id"]) == (
        "REFUND", "SUCCESS", "shopify_payments", sale["id"])
    assert refund["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert sim.inventory("TEE") == 49  # the returned unit and the cancelled one are back: 50 - 3 + 2
    # the same key again: the original answer, no second refund
    again = gql(sim, REFUND_CREATE, {"input": refund_input, "key": "refund-1"})["data"]["refundCreate"]
    assert again["refund"]["id"] == refund["id"]
    assert len(sim.store.refunds) == 1
    # required from 2026-04, as for the inventory mutations
    without_key = REFUND_CREATE.replace(" @idempotent(key: $key)", "").replace(", $key: String!", "")
    missing = gql(sim, without_key, {"input": refund_input})
    assert "@idempotent" in missing["errors"][0]["message"] and len(sim.store.refunds) == 1
    sim.flush_webhooks()
    [body] = [json.loads(r["body"]) for r in receiver.requests]
    assert body["id"] == int(refund["id"].rsplit("/", 1)[1])
    assert [(t["kind"], t["amount"], t["parent_id"]) for t in body["transactions"]] == [
        ("refund", "54.00", sale["legacy_id"])]
    assert [(a["kind"], a["amount"], a["tax_amount"]) for a in body["order_adjustments"]] == [
        ("shipping_refund", "-5.00", "-1.00")]
    assert [i["restock_type"] for i in body["refund_line_items"]] == ["return", "cancel"]


def test_refund_create_refuses_what_shopify_refuses_and_changes_nothing(sim):
    _paid_tee_shop(sim)
    order = sim.add_order([{"sku": "TEE", "quantity": 1}], webhooks=False)
    [sale] = sim.order_transactions(order["id"])

    def refund(**fields):
        refund_input = {"orderId": order["id"], **fields}
        answer = gql(sim, REFUND_CREATE, {"input": refund_input, "key": json.dumps(fields)})
        return answer["data"]["refundCreate"]

    def transaction(amount, **extra):
        return [{"orderId": order["id"], "kind": "REFUND", "gateway": "shopify_payments", "amount": amount,
                 "parentId": sale["id"], **extra}]

    over = refund(transactions=transaction("20.01"))
    assert over["refund"] is None and over["userErrors"][0]["field"] == ["transactions", "0", "amount"]
    wrong_kind = refund(transactions=transaction("5.00", kind="SALE"))
    assert wrong_kind["userErrors"][0]["field"] == ["transactions", "0", "kind"]
    too_many = refund(refundLineItems=[{"lineItemId": order["line_items"][0]["id"], "quantity": 2}])
    assert too_many["userErrors"][0]["field"] == ["refundLineItems", "0", "quantity"]
    unknown = refund(refundLineItems=[{"lineItemId": "gid://shopify/LineItem/1", "quantity": 1}])
    assert unknown["userErrors"][0]["field"] == ["refundLineItems", "0", "lineItemId"]
    no_order = gql(sim, REFUND_CREATE, {"input": {"orderId": "gid://shopify/Order/1"}, "key": "x"})
    assert no_order["data"]["refundCreate"]["userErrors"][0]["field"] == ["orderId"]
    assert not sim.store.refunds and sim.inventory("TEE", name="committed") == 1
    # a refund without transactions gives no money back (a restock only); the order stays paid
    restock = refund(refundLineItems=[{"lineItemId": order["line_items"][0]["id"], "quantity": 1,
                                       "restockType": "CANCEL"}])
    assert restock["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "0.0"
    assert restock["refund"]["order"]["displayFinancialStatus"] == "PAID"
    assert sim.inventory("TEE") == 50


def test_payouts_group_the_unpaid_balance_with_fees_and_paginate(sim):
    _paid_tee_shop(sim)
    paid = [sim.add_order([{"sku": "TEE", "quantity": q}], webhooks=False) for q in (1, 2)]
    sim.add_order([{"sku": "TEE", "quantity": 1}], financial_status="PENDING", webhooks=False)  # manual
    test_order = sim.add_order([{"sku": "TEE", "quantity": 1}], test=True, webhooks=False)
    sim.refund_order(paid[1]["id"], lines=[("TEE", 1)])  # 20.00 back through Shopify Payments
    sim.payments_adjustment("-1.50", reason="Chargeback fee correction")
    first = sim.pay_out()
    # 20 + 40 charged (fees 2.9% + 0.30: 0.88 and 1.46), 20 refunded, 1.50 adjusted
    assert first["net"] == "36.16"
    assert first["summary"]["chargesGross"] == "60.00" and first["summary"]["chargesFee"] == "2.34"
    assert first["summary"]["refundsFeeGross"] == "-20.00" and first["summary"]["adjustmentsGross"] == "-1.50"
    later = sim.add_order([{"sku": "TEE", "quantity": 5}], webhooks=False)
    second = sim.pay_out(status="SCHEDULED")
    assert second["net"] == "96.80" and sim.pay_out() is None  # 100 - 3.20; nothing left

    def payments(**variables):
        values = {"first": 1, "btFirst": 3, **variables}
        response = gql(sim, PAYMENTS, values)
        assert response["extensions"]["cost"]["requestedQueryCost"] > 0
        return response["data"]["shopifyPaymentsAccount"]

    account = payments()
    assert account["activated"] is True and account["balance"] == [{"amount": "0.0", "currencyCode": "USD"}]
    page1 = account["payouts"]
    assert page1["pageInfo"]["hasNextPage"] is True  # ISSUED_AT order: the first payout first
    assert page1["nodes"][0]["id"] == first["id"] and page1["nodes"][0]["status"] == "PAID"
    assert page1["nodes"][0]["net"] == {"amount": "36.16", "currencyCode": "USD"}
    assert page1["nodes"][0]["transactionType"] == "DEPOSIT"
    assert page1["nodes"][0]["summary"]["chargesFee"] == {"amount": "2.34"}
    page2 = payments(after=page1["pageInfo"]["endCursor"])["payouts"]
    assert [p["id"] for p in page2["nodes"]] == [second["id"]] and page2["pageInfo"]["hasNextPage"] is False
    assert payments(query="status:scheduled")["payouts"]["nodes"][0]["id"] == second["id"]
    # the first payout's balance transactions, three a page
    seen, after = [], None
    while True:
        page = payments(btQuery=f"payout_id:{first['legacy_id']}", btAfter=after)["balanceTransactions"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [(b["type"], b["amount"]["amount"], b["fee"]["amount"], b["net"]["amount"]) for b in seen] == [
        ("CHARGE", "20.0", "0.88", "19.12"),
        ("CHARGE", "40.0", "1.46", "38.54"),
        ("REFUND", "-20.0", "0.0", "-20.0"),
        ("ADJUSTMENT", "-1.5", "0.0", "-1.5"),
        ("TRANSFER", "-36.16", "0.0", "-36.16"),
    ]
    charge = seen[0]
    [sale] = sim.order_transactions(paid[0]["id"])
    assert charge["sourceType"] == "CHARGE" and charge["sourceOrderTransactionId"] == str(sale["legacy_id"])
    assert charge["associatedOrder"] == {"id": paid[0]["id"], "name": paid[0]["name"]}
    assert charge["associatedPayout"] == {"id": first["id"], "status": "PAID"}
    assert seen[3]["adjustmentReason"] == "Chargeback fee correction" and seen[3]["associatedOrder"] is None
    assert seen[4]["sourceType"] == "TRANSFER" and seen[4]["sourceId"] == str(first["legacy_id"])
    # the test order's charge is never paid out; the later order's is in the second payout
    test_charges = [b for b in sim.balance_transactions() if b["order_id"] == test_order["id"]]
    assert [b["payout_id"] for b in test_charges] == [None]
    later_charge = payments(btQuery=f"order_id:{later['legacy_id']}")["balanceTransactions"]["nodes"]
    assert later_charge[0]["associatedPayout"] == {"id": second["id"], "status": "SCHEDULED"}
    unpaid = payments(btQuery="test:true")["balanceTransactions"]["nodes"]
    assert unpaid[0]["test"] is True and unpaid[0]["associatedPayout"] == {"id": None, "status": None}


def test_payouts_need_the_payouts_scope_and_the_admin_switch_pays_out(sim):
    _paid_tee_shop(sim)
    sim.add_order([{"sku": "TEE", "quantity": 1}], webhooks=False)
    url = f"{sim.base_url}/__sim/payout"
    assert requests.post(url, json={}, timeout=5).status_code == 401  # the app's token is needed
    answer = requests.post(url, json={"status": "IN_TRANSIT"}, headers={"X-Shopify-Access-Token": TOKEN},
                           timeout=5)
    assert answer.status_code == 200
    payout = answer.json()["payout"]
    assert (payout["status"], payout["net"]) == ("IN_TRANSIT", "19.12")
    assert payout["summary"]["chargesFee"] == "0.88"
    again = requests.post(url, headers={"X-Shopify-Access-Token": TOKEN}, timeout=5)
    assert again.json() == {"payout": None}
    sim.set_payout_status(payout["id"], "PAID")
    node = gql(sim, "query($id: ID!) { node(id: $id) { ... on ShopifyPaymentsPayout { status } } }",
               {"id": payout["id"]})
    assert node["data"]["node"] == {"status": "PAID"}
    sim.scopes = [s for s in sim.scopes if s != "read_shopify_payments_payouts"]
    denied = gql(sim, PAYMENTS, {"first": 1, "btFirst": 1})
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_a_declined_payment_changes_nothing_and_a_cancel_voids_the_authorization(sim):
    _paid_tee_shop(sim)
    order = sim.add_order([{"sku": "TEE", "quantity": 1}], financial_status="AUTHORIZED", webhooks=False)
    declined = sim.add_order_transaction(order["id"], "SALE", "20.00", status="FAILURE",
                                         error_code="CARD_DECLINED")
    assert declined["status"] == "FAILURE"
    data = gql(sim, TRANSACTIONS, {"id": order["id"]})["data"]["order"]
    assert data["displayFinancialStatus"] == "AUTHORIZED"
    assert data["totalReceivedSet"]["shopMoney"]["amount"] == "0.0"
    sim.cancel_order(order["id"])
    data = gql(sim, TRANSACTIONS, {"id": order["id"]})["data"]["order"]
    auth, _declined, void = data["transactions"]
    assert (void["kind"], void["status"], void["parentTransaction"]["id"]) == ("VOID", "SUCCESS", auth["id"])
    assert data["displayFinancialStatus"] == "VOIDED" and data["capturable"] is False
    assert not sim.balance_transactions()  # nothing was charged
