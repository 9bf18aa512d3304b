"""A small scripted WooCommerce answering the stock and customer requests of the tests over real
HTTP (the base's RecordingServer), with WooCommerce's shapes: batch answers per item (an
``error`` object for a refused item), ``include=`` and ``offset`` on the lists, the customer
``email`` filter. The end-to-end tests use the WooCommerce simulator (tests/simulators/woocommerce)."""

import json
from urllib.parse import parse_qsl, urlsplit

from odoo.addons.store_connector_base.tests.http_servers import RecordingServer

API = "/wp-json/wc/v3"


class FakeShop:
    """State and answers. `products` {id: record}, `variations` {parent id: {id: record}},
    `customers` [record] (kept in id order); `refused` {id: (code, message)} refuses those ids in
    a batch; `stock_management` False answers every stock update with manage_stock false;
    `missing_parents` answer 404 for their variations."""

    def __init__(self):
        self.products = {}
        self.variations = {}
        self.customers = []
        self.refused = {}
        self.stock_management = True
        self.missing_parents = set()
        self.server = RecordingServer(self.respond)
        self.next_customer_id = 500

    def start(self, case):
        url = self.server.start()
        case.addCleanup(self.server.stop)
        return url

    # ------------------------------------------------------------------ what was asked
    def calls(self, method=None):
        """[(method, path without the API prefix, query dict, json body or None)]."""
        result = []
        for request in self.server.requests:
            parts = urlsplit(request["path"])
            query = {k: v for k, v in parse_qsl(parts.query) if not k.startswith("oauth_")}
            body = json.loads(request["body"]) if request["body"] else None
            if method is None or request["method"] == method:
                result.append((request["method"], parts.path.removeprefix(API), query, body))
        return result

    # ------------------------------------------------------------------ answers
    def respond(self, request):
        parts = urlsplit(request["path"])
        path = parts.path.removeprefix(API)
        query = dict(parse_qsl(parts.query))
        body = json.loads(request["body"]) if request["body"] else None
        segments = [s for s in path.split("/") if s]
        method = request["method"]
        if segments == ["products", "batch"] and method == "POST":
            return 200, {}, self.batch(self.products, body)
        if len(segments) == 4 and segments[0] == "products" and segments[2:] == ["variations", "batch"]:
            parent = int(segments[1])
            if parent in self.missing_parents:
                return 404, {}, {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                                 "data": {"status": 404}}
            return 200, {}, self.batch(self.variations.setdefault(parent, {}), body)
        if segments == ["products"] and method == "GET":
            return self.listing(self.products, query)
        if len(segments) == 3 and segments[0] == "products" and segments[2] == "variations":
            parent = int(segments[1])
            if parent in self.missing_parents:
                return 404, {}, {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.",
                                 "data": {"status": 404}}
            return self.listing(self.variations.get(parent, {}), query)
        if segments == ["customers"] and method == "GET":
            return self.customer_list(query)
        if segments == ["orders"] and method == "GET":
            # The orders a stock change imports first (store_adapter_stock.py): none in this shop.
            return 200, {"X-WP-Total": "0", "X-WP-TotalPages": "0"}, []
        if segments == ["customers"] and method == "POST":
            self.next_customer_id += 1
            customer = dict(body, id=self.next_customer_id)
            self.customers.append(customer)
            return 201, {}, customer
        if len(segments) == 2 and segments[0] == "customers" and method == "PUT":
            customer = next((c for c in self.customers if c["id"] == int(segments[1])), None)
            if customer is None:
                return 400, {}, {"code": "woocommerce_rest_invalid_id", "message": "Invalid resource ID.",
                                 "data": {"status": 400}}
            customer.update(body)
            return 200, {}, customer
        return 404, {}, {"code": "rest_no_route", "message": "No route was found matching the URL and "
                         "request method.", "data": {"status": 404}}

    def batch(self, records, body):
        answer = {}
        for action, items in (body or {}).items():
            answer[action] = []
            for item in items:
                item_id = item.get("id")
                if item_id in self.refused:
                    code, message = self.refused[item_id]
                    answer[action].append({"id": item_id, "error": {"code": code, "message": message,
                                                                     "data": {"status": 400}}})
                    continue
                record = records.setdefault(item_id, {"id": item_id})
                record.update(item)
                if not self.stock_management:
                    record.update(manage_stock=False, stock_quantity=None)
                answer[action].append(dict(record))
        return answer

    def listing(self, records, query):
        ids = [int(i) for i in query.get("include", "").split(",") if i]
        rows = [records[i] for i in ids if i in records] if ids else list(records.values())
        return 200, {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": "1"}, rows

    def customer_list(self, query):
        rows = sorted(self.customers, key=lambda c: c["id"])
        if query.get("email"):
            return 200, {}, [c for c in rows if c.get("email") == query["email"]]
        per_page = int(query.get("per_page", 10))
        offset = int(query["offset"]) if query.get("offset") else (int(query.get("page", 1)) - 1) * per_page
        page = rows[offset:offset + per_page]
        total_pages = -(-len(rows) // per_page)
        return 200, {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(total_pages)}, page
