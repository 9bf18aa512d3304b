"""Routing and handlers of the REST API (wc/v3 and the Shipment Tracking extension's
wc-shipment-tracking/v3). `handle()` takes one request and returns (status, headers, body): the
server only does the HTTP. The order of checks is WordPress's: authentication errors first
(rest_authentication_errors), then the key's read/write permission (rest_pre_dispatch, before the
route is even matched), then the route (404 rest_no_route), then the endpoint's own permission
callback (401 woocommerce_rest_cannot_* for an anonymous request), then argument validation.
"""

import hashlib
import json
import math
import re
import urllib.parse
from datetime import timedelta

from .auth import check_permissions, php_params
from .store import ORDER_STATUSES, PRODUCT_STATUSES, PRODUCT_TYPES, STOCK_STATUSES
from .util import RestError, gmt_time, invalid_param, parse_rest_date, site_time

BATCH_LIMIT = 100  # woocommerce_rest_batch_items_limit
WC_PREFIX = "/wp-json/wc/v3"
TRACKING_PREFIX = "/wp-json/wc-shipment-tracking/v3"
NO_ROUTE = RestError(404, "rest_no_route", "No route was found matching the URL and request method.")

CANNOT = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}

#: Routes served without a key (the Shipment Tracking docs: "The providers endpoint is public").
PUBLIC_HANDLERS = {"tracking_providers"}

WEBHOOK_TOPICS = {
    f"{resource}.{event}"
    for resource, events in {
        "order": ("created", "updated", "deleted", "restored"),
        "product": ("created", "updated", "deleted", "restored"),
        "customer": ("created", "updated", "deleted"),
        "coupon": ("created", "updated", "deleted", "restored"),
    }.items()
    for event in events
}


class Request:
    def __init__(self, method, path, query, body, headers):
        self.method = method
        self.path = path
        self.query = query
        self.params = php_params(query)
        self.headers = headers
        self.raw_body = body
        self.json = None
        self.form = {}
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and ctype == "application/json":
            try:
                self.json = json.loads(body)
            except ValueError:
                raise RestError(
                    400,
                    "rest_invalid_json",
                    "Invalid JSON body passed.",
                    json_error_code=4,
                    json_error_message="Syntax error",
                ) from None
        elif body and ctype == "application/x-www-form-urlencoded":
            self.form = php_params(body.decode("utf-8", "replace"))
        self.key = None
        self.auth_kind = None

    def data(self):
        """The body's parameters (JSON object or form), falling back to the query's."""
        if isinstance(self.json, dict):
            return {**self.params, **self.json}
        return {**self.params, **self.form}

    def arg(self, name, default=None):
        data = self.data()
        return data.get(name, default)


def _int_arg(request, name, default, minimum=None, maximum=None):
    value = request.params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise invalid_param(name, f"{name} is not of type integer.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if maximum is not None:
            reason = f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)"
        else:
            reason = f"{name} must be greater than or equal to {minimum}"
        raise invalid_param(name, reason)
    return number


def _list_arg(request, name):
    value = request.params.get(name)
    if value in (None, ""):
        return []
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    return [part.strip() for part in re.split(r"[,\s]+", str(value)) if part.strip()]  # wp_parse_list


def _bool_arg(request, name):
    value = request.params.get(name)
    return str(value).lower() in ("1", "true", "yes") if value is not None else False


class Api:
    def __init__(self, sim):
        self.sim = sim
        self.store = sim.store
        s = r"(?P<id>\d+)"
        self.routes = [
            (r"^/products$", {"GET": self.list_products, "POST": self.create_product}),
            (r"^/products/batch$", {"POST": self.batch_products}),
            (
                rf"^/products/{s}$",
                {
                    "GET": self.get_product,
                    "PUT": self.update_product,
                    "PATCH": self.update_product,
                    "POST": self.update_product,
                    "DELETE": self.delete_product,
                },
            ),
            (rf"^/products/{s}/variations$", {"GET": self.list_variations, "POST": self.create_variation}),
            (rf"^/products/{s}/variations/batch$", {"POST": self.batch_variations}),
            (
                rf"^/products/{s}/variations/(?P<vid>\d+)$",
                {
                    "GET": self.get_variation,
                    "PUT": self.update_variation,
                    "PATCH": self.update_variation,
                    "POST": self.update_variation,
                    "DELETE": self.delete_variation,
                },
            ),
            (r"^/orders$", {"GET": self.list_orders, "POST": self.create_order}),
            (r"^/orders/batch$", {"POST": self.batch_orders}),
            (
                rf"^/orders/{s}$",
                {
                    "GET": self.get_order,
                    "PUT": self.update_order,
                    "PATCH": self.update_order,
                    "POST": self.update_order,
                    "DELETE": self.delete_order,
                },
            ),
            (rf"^/orders/{s}/notes$", {"GET": self.list_notes, "POST": self.create_note}),
            (rf"^/orders/{s}/notes/(?P<nid>\d+)$", {"GET": self.get_note, "DELETE": self.delete_note}),
            (rf"^/orders/{s}/refunds$", {"GET": self.list_refunds, "POST": self.create_refund}),
            (rf"^/orders/{s}/refunds/(?P<rid>\d+)$", {"GET": self.get_refund, "DELETE": self.delete_refund}),
            (r"^/customers$", {"GET": self.list_customers, "POST": self.create_customer}),
            (r"^/customers/batch$", {"POST": self.batch_customers}),
            (
                rf"^/customers/{s}$",
                {
                    "GET": self.get_customer,
                    "PUT": self.update_customer,
                    "PATCH": self.update_customer,
                    "POST": self.update_customer,
                    "DELETE": self.delete_customer,
                },
            ),
            (r"^/webhooks$", {"GET": self.list_webhooks, "POST": self.create_webhook}),
            (r"^/webhooks/batch$", {"POST": self.batch_webhooks}),
            (
                rf"^/webhooks/{s}$",
                {
                    "GET": self.get_webhook,
                    "PUT": self.update_webhook,
                    "PATCH": self.update_webhook,
                    "POST": self.update_webhook,
                    "DELETE": self.delete_webhook,
                },
            ),
            (r"^/system_status$", {"GET": self.system_status}),
            (r"^/settings$", {"GET": self.settings_groups}),
            (r"^/settings/(?P<group>[\w-]+)$", {"GET": self.settings_group}),
            (
                r"^/settings/(?P<group>[\w-]+)/(?P<setting>[\w-]+)$",
                {
                    "GET": self.get_setting,
                    "PUT": self.update_setting,
                    "POST": self.update_setting,
                    "PATCH": self.update_setting,
                },
            ),
            (r"^$", {"GET": self.index}),
        ]
        self.tracking_routes = [
            (
                rf"^/orders/{s}/shipment-trackings$",
                {"GET": self.list_trackings, "POST": self.create_tracking},
            ),
            (r"^/shipment-trackings/providers$", {"GET": self.tracking_providers}),
            (rf"^/orders/{s}/shipment-trackings/providers$", {"GET": self.tracking_providers}),
            (
                rf"^/orders/{s}/shipment-trackings/(?P<tid>[\w-]+)$",
                {"GET": self.get_tracking, "DELETE": self.delete_tracking},
            ),
        ]

    # ------------------------------------------------------------------ dispatch

    def handle(self, request, home_url, is_ssl):
        """(status, headers, body object) of one REST request (path under /wp-json)."""
        sim = self.sim
        try:
            key, kind = sim.keys.authenticate(
                request.method, request.path, request.query, request.form, request.headers, home_url, is_ssl
            )
            request.key, request.auth_kind = key, kind
            if key is not None:
                check_permissions(key, request.method)
                key.last_access = sim.clock.now()
            handler, match, action = self._route(request)
            if key is None and handler.__name__ not in PUBLIC_HANDLERS:
                code, message = CANNOT[action]
                raise RestError(401, code, message)
            with self.store.lock:
                result = handler(request, **match)
            sim.webhooks.run_pings()
            if isinstance(result, tuple):
                return result
            return 200, {}, result
        except RestError as exc:
            headers = {}
            if (
                exc.status == 401
                and request.auth_kind in ("basic",)
                or (
                    exc.code == "woocommerce_rest_authentication_error"
                    and is_ssl
                    and (request.headers.get("Authorization") or "").startswith("Basic ")
                )
            ):
                headers["WWW-Authenticate"] = (
                    'Basic realm="WooCommerce API. Use a consumer key in the '
                    'username field and a consumer secret in the password field."'
                )
            return exc.status, headers, exc.body()

    def _route(self, request):
        path = request.path
        if path.startswith(TRACKING_PREFIX) and self.sim.tracking_extension:
            routes, sub = self.tracking_routes, path[len(TRACKING_PREFIX) :]
        elif path.startswith(WC_PREFIX):
            routes, sub = self.routes, path[len(WC_PREFIX) :].rstrip("/") if path != WC_PREFIX + "/" else ""
        else:
            raise NO_ROUTE
        for pattern, methods in routes:
            match = re.match(pattern, sub)
            method = "GET" if request.method == "HEAD" else request.method  # WordPress serves HEAD as GET
            if match and method in methods:
                handler = methods[method]
                groups = {k: v for k, v in match.groupdict().items()}
                action = _action(request.method, handler.__name__)
                return handler, groups, action
        raise NO_ROUTE

    # ------------------------------------------------------------------ list helpers

    def paginate(self, request, items, render, path):
        """Page `items` (already filtered and sorted) with page/per_page/offset and WordPress's
        X-WP-Total, X-WP-TotalPages and Link (prev/next) headers."""
        per_page = _int_arg(request, "per_page", 10, 1, 100)
        page = _int_arg(request, "page", 1, 1)
        offset = _int_arg(request, "offset", None, 0)
        start = offset if offset is not None else (page - 1) * per_page
        total = len(items)
        total_pages = math.ceil(total / per_page) if total else 0
        chunk = items[start : start + per_page]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(total_pages)}
        base = f"{self.sim.base_url}{path}"
        # add_query_arg($request->get_query_params(), ...): every query parameter is echoed, the
        # OAuth ones and query-string keys included (a client must not follow these links as they are)
        query = {
            k: v for k, v in urllib.parse.parse_qsl(request.query, keep_blank_values=True) if k != "page"
        }
        links = []
        if page > 1:
            prev_page = min(page - 1, total_pages) if total_pages else 1
            links.append(f'<{base}?{urllib.parse.urlencode({**query, "page": prev_page})}>; rel="prev"')
        if total_pages > page:
            links.append(f'<{base}?{urllib.parse.urlencode({**query, "page": page + 1})}>; rel="next"')
        if links:
            headers["Link"] = links
        return 200, headers, [render(item) for item in chunk]

    def _sort(self, request, items, default_orderby, allowed, keys):
        orderby = request.params.get("orderby") or default_orderby
        if orderby not in allowed:
            raise invalid_param("orderby", f"orderby is not one of {', '.join(allowed)}.")
        order = (request.params.get("order") or ("asc" if default_orderby == "name" else "desc")).lower()
        if order not in ("asc", "desc"):
            raise invalid_param("order", "order is not one of asc and desc.")
        if orderby == "include":
            include = [int(i) for i in _list_arg(request, "include") if i.isdigit()]
            return sorted(items, key=lambda r: include.index(r["id"]) if r["id"] in include else len(include))
        key = keys[orderby]
        return sorted(items, key=lambda r: (key(r), r["id"]), reverse=order == "desc")

    def _id_filters(self, request, items):
        include = {int(i) for i in _list_arg(request, "include") if i.isdigit()}
        exclude = {int(i) for i in _list_arg(request, "exclude") if i.isdigit()}
        if include:
            items = [r for r in items if r["id"] in include]
        if exclude:
            items = [r for r in items if r["id"] not in exclude]
        return items

    def _date_filters(self, request, items, pairs):
        """after/before (created) and modified_after/modified_before; naive values are site time
        unless dates_are_gmt. Bounds are exclusive (WP_Date_Query, inclusive=false)."""
        gmt = _bool_arg(request, "dates_are_gmt")
        offset = timedelta(0) if gmt else self.store.site_utc_offset
        for name, field, op in pairs:
            value = request.params.get(name)
            if value in (None, ""):
                continue
            bound = parse_rest_date(value, offset)
            if bound is None:
                raise invalid_param(name, "Invalid date.")
            if op == ">":
                items = [r for r in items if r[field] > bound]
            else:
                items = [r for r in items if r[field] < bound]
        return items

    def _search(self, request, items, fields):
        term = (request.params.get("search") or "").strip().lower()
        if not term:
            return items
        return [r for r in items if any(term in str(f(r)).lower() for f in fields)]

    # ------------------------------------------------------------------ products

    def _product(self, pid, status=404):
        """The product (or variation: the products endpoint reads both) or "Invalid ID." (404 on
        read and delete, 400 on update, as WC_REST_CRUD_Controller)."""
        product = self.store.products.get(int(pid))
        if product is None:
            raise RestError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return product

    def list_products(self, request):
        items = [p for p in self.store.products.values() if p["type"] != "variation"]
        status = request.params.get("status") or "any"
        statuses = _list_arg(request, "status") if status != "any" else []
        for value in statuses:
            if value not in (*PRODUCT_STATUSES, "any"):
                raise invalid_param("status", f"status is not one of any, {', '.join(PRODUCT_STATUSES)}.")
        items = (
            [p for p in items if p["status"] in statuses]
            if statuses
            else [p for p in items if p["status"] != "trash"]
        )
        ptype = request.params.get("type")
        if ptype:
            if ptype not in PRODUCT_TYPES:
                raise invalid_param("type", f"type is not one of {', '.join(PRODUCT_TYPES)}.")
            items = [p for p in items if p["type"] == ptype]
        skus = _list_arg(request, "sku")
        if skus:
            # The sku filter also finds variations (WC_Product_Data_Store lookup by SKU).
            items = [p for p in self.store.products.values() if p["sku"] in skus and p["status"] != "trash"]
        stock_status = request.params.get("stock_status")
        if stock_status:
            if stock_status not in STOCK_STATUSES:
                raise invalid_param(
                    "stock_status", f"stock_status is not one of {', '.join(STOCK_STATUSES)}."
                )
            items = [p for p in items if self.store._stock_view(p)[2] == stock_status]
        parent = _list_arg(request, "parent")
        if parent:
            items = [p for p in items if str(p["parent_id"]) in parent]
        category = request.params.get("category")
        if category:
            items = [p for p in items if any(str(c["id"]) == str(category) for c in p["categories"])]
        items = self._id_filters(request, items)
        items = self._date_filters(
            request,
            items,
            (
                ("after", "date_created", ">"),
                ("before", "date_created", "<"),
                ("modified_after", "date_modified", ">"),
                ("modified_before", "date_modified", "<"),
            ),
        )
        items = self._search(request, items, (lambda p: p["name"], lambda p: p["sku"]))
        items = self._sort(
            request,
            items,
            "date",
            (
                "date",
                "modified",
                "id",
                "include",
                "title",
                "slug",
                "price",
                "popularity",
                "rating",
                "menu_order",
            ),
            {
                "date": lambda p: p["date_created"],
                "modified": lambda p: p["date_modified"],
                "id": lambda p: p["id"],
                "title": lambda p: p["name"].lower(),
                "slug": lambda p: p["name"].lower(),
                "price": lambda p: float(self.store.price(p) or 0),
                "popularity": lambda p: p["total_sales"],
                "rating": lambda p: 0,
                "menu_order": lambda p: p["menu_order"],
            },
        )
        return self.paginate(request, items, self.store.render_product, f"{WC_PREFIX}/products")

    def get_product(self, request, id):
        return self.store.render_product(self._product(id))

    def create_product(self, request, data=None):
        data = request.data() if data is None else data
        if data.get("id"):
            raise RestError(400, "woocommerce_rest_product_exists", "Cannot create existing product.")
        product = self.store.new_product(data)
        self.sim.emit("product.created", product["id"])
        return (
            201,
            {"Location": f"{self.sim.base_url}{WC_PREFIX}/products/{product['id']}"},
            self.store.render_product(product),
        )

    def update_product(self, request, id, data=None):
        product = self._product(id, status=400)
        data = request.data() if data is None else data
        if product["type"] == "variation":
            # WC_REST_Products_Controller::prepare_object_for_database refuses a variation id (its
            # own endpoint writes variations), item by item in a batch.
            raise RestError(
                404,
                "woocommerce_rest_invalid_product_id",
                "To manipulate product variations you should use the "
                "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.",
            )
        self.store.apply_product(product, data)
        self.sim.emit("product.updated", product["id"])
        return self.store.render_product(product)

    def delete_product(self, request, id, force=None):
        product = self._product(id)
        force = _bool_arg(request, "force") if force is None else force
        rendered = self.store.render_product(product)
        if force:
            for vid in product["variations"]:
                self.store.products.pop(vid, None)
            self.store.products.pop(product["id"])
            if product["type"] == "variation":
                parent = self.store.products.get(product["parent_id"])
                if parent and product["id"] in parent["variations"]:
                    parent["variations"].remove(product["id"])
        else:
            if product["status"] == "trash":
                raise RestError(
                    410,
                    "woocommerce_rest_already_trashed",
                    f"The product with ID {product['id']} has already been deleted.",
                )
            product["status"] = "trash"
            product["date_modified"] = self.store.now()
            rendered = self.store.render_product(product)
        self.sim.emit("product.deleted", product["id"])
        return rendered

    def batch_products(self, request):
        return self._batch(request, self.create_product, self.update_product, self.delete_product)

    # ------------------------------------------------------------------ variations

    def _parent(self, id):
        parent = self.store.products.get(int(id))
        if parent is None or parent["type"] == "variation":
            raise RestError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return parent

    def _variation(self, id, vid, status=404):
        variation = self.store.products.get(int(vid))
        if variation is None or variation["type"] != "variation" or variation["parent_id"] != int(id):
            raise RestError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        return variation

    def list_variations(self, request, id):
        parent = self._parent(id)
        items = [v for v in self.store.children(parent)]
        items = self._id_filters(request, items)
        skus = _list_arg(request, "sku")
        if skus:
            items = [v for v in items if v["sku"] in skus]
        items = self._date_filters(
            request,
            items,
            (("modified_after", "date_modified", ">"), ("modified_before", "date_modified", "<")),
        )
        items = self._sort(
            request,
            items,
            "date",
            ("date", "modified", "id", "include", "title", "slug", "menu_order"),
            {
                "date": lambda v: v["date_created"],
                "modified": lambda v: v["date_modified"],
                "id": lambda v: v["id"],
                "title": lambda v: v["id"],
                "slug": lambda v: v["id"],
                "menu_order": lambda v: v["menu_order"],
            },
        )
        return self.paginate(
            request, items, self.store.render_variation, f"{WC_PREFIX}/products/{parent['id']}/variations"
        )

    def get_variation(self, request, id, vid):
        return self.store.render_variation(self._variation(id, vid))

    def create_variation(self, request, id, data=None):
        parent = self._parent(id)
        data = request.data() if data is None else data
        variation = self.store.new_product(data, parent=parent)
        self.sim.emit("product.created", variation["id"])
        return 201, {}, self.store.render_variation(variation)

    def update_variation(self, request, id, vid, data=None):
        variation = self._variation(id, vid, status=400)
        data = request.data() if data is None else data
        self.store.apply_product(variation, data)
        # woocommerce_update_product_variation fires product.updated with the variation's id
        self.sim.emit("product.updated", variation["id"])
        return self.store.render_variation(variation)

    def delete_variation(self, request, id, vid, force=None):
        variation = self._variation(id, vid)
        force = _bool_arg(request, "force") if force is None else force
        if not force:
            raise RestError(
                501, "woocommerce_rest_trash_not_supported", "Variations do not support trashing."
            )
        rendered = self.store.render_variation(variation)
        self.store.products.pop(variation["id"])
        parent = self.store.products[variation["parent_id"]]
        parent["variations"].remove(variation["id"])
        self.sim.emit("product.deleted", variation["id"])
        return rendered

    def batch_variations(self, request, id):
        self._parent(id)
        return self._batch(
            request,
            lambda r, data: self.create_variation(r, id, data=data),
            lambda r, id_, data: self.update_variation(r, id, id_, data=data),
            lambda r, id_, force: self.delete_variation(r, id, id_, force=force),
        )

    # ------------------------------------------------------------------ orders

    def _order(self, id, status=404):
        order = self.store.orders.get(int(id))
        if order is None:
            raise RestError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def list_orders(self, request):
        items = list(self.store.orders.values())
        statuses = _list_arg(request, "status") or ["any"]
        valid = ("any", *ORDER_STATUSES)
        for value in statuses:
            if value not in valid:
                raise invalid_param(
                    "status", f"status[{statuses.index(value)}] is not one of {', '.join(valid)}."
                )
        if "any" in statuses:
            items = [o for o in items if o["status"] not in ("trash", "checkout-draft")]
        else:
            items = [o for o in items if o["status"] in statuses]
        customer = request.params.get("customer")
        if customer not in (None, ""):
            items = [o for o in items if str(o["customer_id"]) == str(customer)]
        product = request.params.get("product")
        if product:
            items = [o for o in items if any(str(i["product_id"]) == str(product) for i in o["line_items"])]
        parent = _list_arg(request, "parent")
        if parent:
            items = [o for o in items if str(o["parent_id"]) in parent]
        items = self._id_filters(request, items)
        items = self._date_filters(
            request,
            items,
            (
                ("after", "date_created", ">"),
                ("before", "date_created", "<"),
                ("modified_after", "date_modified", ">"),
                ("modified_before", "date_modified", "<"),
            ),
        )
        items = self._search(
            request,
            items,
            (lambda o: o["id"], lambda o: o["billing"]["email"], lambda o: o["billing"]["last_name"]),
        )
        items = self._sort(
            request,
            items,
            "date",
            ("date", "modified", "id", "include", "title", "slug"),
            {
                "date": lambda o: o["date_created"],
                "modified": lambda o: o["date_modified"],
                "id": lambda o: o["id"],
                "title": lambda o: o["id"],
                "slug": lambda o: o["id"],
            },
        )
        return self.paginate(request, items, self.store.render_order, f"{WC_PREFIX}/orders")

    def get_order(self, request, id):
        return self.store.render_order(self._order(id))

    def create_order(self, request, data=None):
        data = request.data() if data is None else data
        if data.get("id"):
            raise RestError(400, "woocommerce_rest_shop_order_exists", "Cannot create existing shop_order.")
        data = {k: v for k, v in data.items() if k not in ("tax_rate", "coupons", "date_created")}
        order = self.store.new_order(data)
        self.sim.emit("order.created", order["id"])
        return (
            201,
            {"Location": f"{self.sim.base_url}{WC_PREFIX}/orders/{order['id']}"},
            self.store.render_order(order),
        )

    def update_order(self, request, id, data=None):
        order = self._order(id, status=400)
        data = request.data() if data is None else data
        previous = order["status"]
        self.store.update_order(order, dict(data))
        if previous == "trash" and order["status"] != "trash":
            self.sim.emit("order.restored", order["id"])
        self.sim.emit("order.updated", order["id"])
        return self.store.render_order(order)

    def delete_order(self, request, id, force=None):
        order = self._order(id)
        force = _bool_arg(request, "force") if force is None else force
        if force:
            rendered = self.store.render_order(order)
            del self.store.orders[order["id"]]
        else:
            if order["status"] == "trash":
                raise RestError(
                    410,
                    "woocommerce_rest_already_trashed",
                    f"The order with ID {order['id']} has already been deleted.",
                )
            self.store.set_order_status(order, "trash", note=False)
            rendered = self.store.render_order(order)
        self.sim.emit("order.deleted", order["id"])
        return rendered

    def batch_orders(self, request):
        return self._batch(request, self.create_order, self.update_order, self.delete_order)

    # notes
    def list_notes(self, request, id):
        order = self._order(id)
        kind = request.params.get("type") or "any"
        notes = self.store.notes.get(order["id"], [])
        if kind == "customer":
            notes = [n for n in notes if n["customer_note"]]
        elif kind == "internal":
            notes = [n for n in notes if not n["customer_note"]]
        return [self.store.render_note(order, n) for n in notes]

    def create_note(self, request, id):
        order = self._order(id)
        note_text = request.arg("note")
        if not note_text:
            raise RestError(400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"])
        customer_note = request.arg("customer_note") in (True, "true", "1", 1)
        note = self.store.add_note(
            order,
            str(note_text),
            customer_note=customer_note,
            added_by_user=bool(request.arg("added_by_user")),
            author="admin",
        )
        return 201, {}, self.store.render_note(order, note)

    def _note(self, order, nid):
        for note in self.store.notes.get(order["id"], []):
            if note["id"] == int(nid):
                return note
        raise RestError(404, "woocommerce_rest_order_invalid_id", "Invalid resource ID.")

    def get_note(self, request, id, nid):
        order = self._order(id)
        return self.store.render_note(order, self._note(order, nid))

    def delete_note(self, request, id, nid):
        order = self._order(id)
        note = self._note(order, nid)
        if not _bool_arg(request, "force"):
            raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
        self.store.notes[order["id"]].remove(note)
        return self.store.render_note(order, note)

    # refunds
    def list_refunds(self, request, id):
        order = self._order(id)
        refunds = [self.store.refunds[r] for r in reversed(order["refund_ids"])]
        return self.paginate(
            request, refunds, self.store.render_refund, f"{WC_PREFIX}/orders/{order['id']}/refunds"
        )

    def create_refund(self, request, id):
        """RestApiParameterUtil::adjust_create_refund_request_parameters + wc_create_refund:
        `api_refund` and `api_restock` default to true when not booleans; `line_items` in the REST
        shape; `amount` computed from the lines when missing."""
        order = self._order(id)
        api_refund, api_restock = request.arg("api_refund"), request.arg("api_restock")
        line_items = request.arg("line_items") or []
        if not isinstance(line_items, list):
            raise RestError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): line_items",
                params={"line_items": "line_items is not of type array."},
            )
        refund = self.store.add_refund(
            order,
            amount=request.arg("amount"),
            reason=request.arg("reason", ""),
            line_items=line_items,
            restock=api_restock if isinstance(api_restock, bool) else True,
            api_refund=api_refund if isinstance(api_refund, bool) else True,
        )
        self.sim.emit("order.updated", order["id"])  # woocommerce_order_refunded
        return 201, {}, self.store.render_refund(refund)

    def _refund(self, order, rid):
        refund = self.store.refunds.get(int(rid))
        if refund is None or refund["order_id"] != order["id"]:
            raise RestError(404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")
        return refund

    def get_refund(self, request, id, rid):
        order = self._order(id)
        return self.store.render_refund(self._refund(order, rid))

    def delete_refund(self, request, id, rid):
        """Refunds cannot be trashed (`woocommerce_rest_shop_order_refund_object_trashable` false):
        `force=true` deletes and answers the refund as it was; the order is updated (order.updated,
        `woocommerce_delete_order_refund`)."""
        order = self._order(id)
        refund = self._refund(order, rid)
        if not _bool_arg(request, "force"):
            raise RestError(
                501,
                "woocommerce_rest_trash_not_supported",
                "The shop_order_refund does not support trashing.",
            )
        answer = self.store.render_refund(refund)
        self.store.delete_refund(order, refund)
        self.sim.emit("order.updated", order["id"])
        return answer

    # ------------------------------------------------------------------ customers

    def _customer(self, id, status=404):
        customer = self.store.customers.get(int(id))
        if customer is None:
            raise RestError(status, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return customer

    def list_customers(self, request):
        items = list(self.store.customers.values())
        email = request.params.get("email")
        if email:
            items = [c for c in items if c["email"] == str(email).strip().lower()]
        role = request.params.get("role") or "customer"
        if role != "all":
            items = [c for c in items if c["role"] == role]
        items = self._id_filters(request, items)
        items = self._search(
            request,
            items,
            (
                lambda c: c["email"],
                lambda c: c["first_name"],
                lambda c: c["last_name"],
                lambda c: c["username"],
            ),
        )
        items = self._sort(
            request,
            items,
            "name",
            ("id", "include", "name", "registered_date"),
            {
                "id": lambda c: c["id"],
                "name": lambda c: c["username"].lower(),
                "registered_date": lambda c: c["date_created"],
            },
        )
        return self.paginate(request, items, self.store.render_customer, f"{WC_PREFIX}/customers")

    def get_customer(self, request, id):
        return self.store.render_customer(self._customer(id))

    def create_customer(self, request, data=None):
        data = request.data() if data is None else data
        if data.get("id"):
            raise RestError(400, "woocommerce_rest_customer_exists", "Cannot create existing resource.")
        customer = self.store.new_customer(data)
        self.sim.emit("customer.created", customer["id"])
        return 201, {}, self.store.render_customer(customer)

    def update_customer(self, request, id, data=None):
        customer = self._customer(id, status=400)
        data = request.data() if data is None else data
        self.store.apply_customer(customer, data)
        self.sim.emit("customer.updated", customer["id"])
        return self.store.render_customer(customer)

    def delete_customer(self, request, id, force=None):
        customer = self._customer(id)
        force = _bool_arg(request, "force") if force is None else force
        if not force:
            raise RestError(501, "woocommerce_rest_trash_not_supported", "Customers do not support trashing.")
        rendered = self.store.render_customer(customer)
        self.sim.emit("customer.deleted", customer["id"])
        del self.store.customers[customer["id"]]
        return rendered

    def batch_customers(self, request):
        return self._batch(request, self.create_customer, self.update_customer, self.delete_customer)

    # ------------------------------------------------------------------ batch

    def _batch(self, request, create, update, delete):
        """WC_REST_Controller::batch_items: at most BATCH_LIMIT items in all (413 otherwise); each
        item answered on its own, a failure as {"id", "error": {"code", "message", "data"}}."""
        data = request.data()
        items = {action: data.get(action) or [] for action in ("create", "update", "delete")}
        total = sum(len(v) for v in items.values() if isinstance(v, list))
        if total > self.sim.batch_limit:
            raise RestError(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {self.sim.batch_limit} items for this request.",
            )
        answer = {}
        if items["create"]:
            answer["create"] = []
            for item in items["create"]:
                answer["create"].append(self._batch_item(lambda item=item: create(request, data=item), 0))
        if items["update"]:
            answer["update"] = []
            for item in items["update"]:
                item = item if isinstance(item, dict) else {}
                # no id: update_item(0) answers the resource's "Invalid ID." (400), id null in the answer
                item_id = item.get("id")
                answer["update"].append(
                    self._batch_item(
                        lambda item=item, item_id=item_id: update(request, item_id or 0, data=item), item_id
                    )
                )
        if items["delete"]:
            for item_id in items["delete"]:
                try:
                    item_id = int(item_id)
                except (TypeError, ValueError):
                    item_id = 0
                if item_id == 0:
                    continue  # batch_items skips a 0 id
                answer.setdefault("delete", []).append(  # no key when every id was skipped
                    self._batch_item(lambda item_id=item_id: delete(request, item_id, force=True), item_id)
                )
        return answer

    @staticmethod
    def _batch_item(call, item_id):
        try:
            result = call()
        except RestError as exc:
            return _item_error(item_id, exc)
        return result[2] if isinstance(result, tuple) else result

    # ------------------------------------------------------------------ webhooks

    def _webhook(self, id, status=404):
        webhook = self.store.webhooks.get(int(id))
        if webhook is None:
            raise RestError(status, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return webhook

    def list_webhooks(self, request):
        items = list(self.store.webhooks.values())
        status = request.params.get("status") or "all"
        if status not in ("all", "active", "paused", "disabled"):
            raise invalid_param("status", "status is not one of all, active, paused and disabled.")
        if status != "all":
            items = [w for w in items if w["status"] == status]
        items = self._id_filters(request, items)
        items = self._sort(
            request,
            items,
            "date",
            ("date", "id", "include", "title"),
            {"date": lambda w: w["date_created"], "id": lambda w: w["id"], "title": lambda w: w["name"]},
        )
        return self.paginate(request, items, self.render_webhook, f"{WC_PREFIX}/webhooks")

    def get_webhook(self, request, id):
        return self.render_webhook(self._webhook(id))

    def create_webhook(self, request, data=None):
        data = request.data() if data is None else data
        missing = [name for name in ("topic", "delivery_url") if not data.get(name)]
        if missing:
            raise RestError(
                400,
                "rest_missing_callback_param",
                f"Missing parameter(s): {', '.join(missing)}",
                params=missing,
            )
        webhook = self.sim.webhooks.create(data)
        return (
            201,
            {"Location": f"{self.sim.base_url}{WC_PREFIX}/webhooks/{webhook['id']}"},
            self.render_webhook(webhook),
        )

    def update_webhook(self, request, id, data=None):
        webhook = self._webhook(id, status=400)
        data = request.data() if data is None else data
        self.sim.webhooks.update(webhook, data)
        return self.render_webhook(webhook)

    def delete_webhook(self, request, id, force=None):
        webhook = self._webhook(id)
        force = _bool_arg(request, "force") if force is None else force
        if not force:
            raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
        rendered = self.render_webhook(webhook)
        self.sim.webhooks.delete(webhook)
        return rendered

    def batch_webhooks(self, request):
        return self._batch(request, self.create_webhook, self.update_webhook, self.delete_webhook)

    def render_webhook(self, webhook):
        out = {
            key: webhook[key]
            for key in ("id", "name", "status", "topic", "resource", "event", "hooks", "delivery_url")
        }
        self.store.date_pair(out, "date_created", webhook["date_created"])
        self.store.date_pair(out, "date_modified", webhook["date_modified"])
        out["_links"] = self.store.links(f"/webhooks/{webhook['id']}", "/webhooks")
        return out

    # ------------------------------------------------------------------ system status, settings

    def index(self, request):
        return {"namespace": "wc/v3", "routes": {}}

    def system_status(self, request):
        sim = self.sim
        return {
            "environment": {
                "home_url": sim.base_url,
                "site_url": sim.base_url,
                "version": sim.wc_version,
                "wp_version": sim.wp_version,
                "wp_multisite": False,
                "wp_memory_limit": 268435456,
                "wp_debug_mode": False,
                "wp_cron": True,
                "language": "en_US",
                "external_object_cache": None,
                "server_info": "SimulatorHTTP/1.0",
                "php_version": "8.2.0",
                "php_post_max_size": 67108864,
                "php_max_execution_time": 30,
                "php_max_input_vars": 1000,
                "curl_version": "8.5.0, OpenSSL/3.0",
                "suhosin_installed": False,
                "max_upload_size": 67108864,
                "mysql_version": "8.0.36",
                "mysql_version_string": "8.0.36",
                "default_timezone": "UTC",
                "fsockopen_or_curl_enabled": True,
                "soapclient_enabled": True,
                "domdocument_enabled": True,
                "gzip_enabled": True,
                "mbstring_enabled": True,
                "remote_post_successful": True,
                "remote_post_response": 200,
                "remote_get_successful": True,
                "remote_get_response": 200,
            },
            "database": {"wc_database_version": sim.wc_version, "database_prefix": "wp_"},
            "active_plugins": [
                {
                    "plugin": "woocommerce/woocommerce.php",
                    "name": "WooCommerce",
                    "version": sim.wc_version,
                    "author_name": "Automattic",
                    "network_activated": False,
                }
            ]
            + (
                [
                    {
                        "plugin": "woocommerce-shipment-tracking/woocommerce-shipment-tracking.php",
                        "name": "WooCommerce Shipment Tracking",
                        "version": "2.6.0",
                        "author_name": "WooCommerce",
                        "network_activated": False,
                    }
                ]
                if sim.tracking_extension
                else []
            ),
            "inactive_plugins": [],
            "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
            "theme": {
                "name": "Storefront",
                "version": "4.6.0",
                "is_child_theme": False,
                "has_woocommerce_support": True,
            },
            "settings": {
                "api_enabled": True,
                "force_ssl": False,
                "currency": self.store.currency,
                "currency_symbol": {"USD": "&#36;", "EUR": "&euro;", "GBP": "&pound;"}.get(
                    self.store.currency, self.store.currency
                ),
                "currency_position": "left",
                "thousand_separator": ",",
                "decimal_separator": ".",
                "number_of_decimals": 2,
                "geolocation_enabled": False,
                "taxonomies": {
                    "external": "external",
                    "grouped": "grouped",
                    "simple": "simple",
                    "variable": "variable",
                },
                "product_visibility_terms": {
                    "exclude-from-catalog": "exclude-from-catalog",
                    "exclude-from-search": "exclude-from-search",
                    "featured": "featured",
                    "outofstock": "outofstock",
                },
                "woocommerce_com_connected": "no",
                "enforce_approved_download_directories": False,
                "order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\"
                "OrdersTableDataStore",
                "HPOS_enabled": True,
                "HPOS_sync_enabled": False,
            },
            "security": {"secure_connection": sim.is_ssl_site, "hide_errors": True},
            "pages": [],
            "post_type_counts": [
                {
                    "type": "product",
                    "count": str(sum(1 for p in self.store.products.values() if p["type"] != "variation")),
                }
            ],
        }

    def _settings(self):
        store = self.store
        return {
            "general": {
                "woocommerce_currency": ("Currency", "select", "USD", store.currency),
                "woocommerce_calc_taxes": (
                    "Enable taxes",
                    "checkbox",
                    "no",
                    "yes" if store.calc_taxes else "no",
                ),
                "woocommerce_price_num_decimals": ("Number of decimals", "number", "2", "2"),
            },
            "tax": {
                "woocommerce_prices_include_tax": (
                    "Prices entered with tax",
                    "radio",
                    "no",
                    "yes" if store.prices_include_tax else "no",
                ),
                "woocommerce_tax_round_at_subtotal": ("Rounding", "checkbox", "no", "no"),
            },
            "products": {
                "woocommerce_manage_stock": (
                    "Manage stock",
                    "checkbox",
                    "yes",
                    "yes" if store.manage_stock else "no",
                ),
                "woocommerce_weight_unit": ("Weight unit", "select", "kg", "kg"),
                "woocommerce_dimension_unit": ("Dimensions unit", "select", "cm", "cm"),
            },
        }

    def _render_setting(self, group, setting_id, spec):
        label, kind, default, value = spec
        out = {
            "id": setting_id,
            "label": label,
            "description": "",
            "type": kind,
            "default": default,
            "tip": "",
            "value": value,
            "group_id": group,
        }
        out["_links"] = self.store.links(f"/settings/{group}/{setting_id}", f"/settings/{group}")
        return out

    def settings_groups(self, request):
        return [
            {"id": g, "label": g.title(), "description": "", "parent_id": "", "sub_groups": []}
            for g in self._settings()
        ]

    def settings_group(self, request, group):
        settings = self._settings()
        if group not in settings:
            raise RestError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
        return [self._render_setting(group, sid, spec) for sid, spec in settings[group].items()]

    def get_setting(self, request, group, setting):
        settings = self._settings()
        if group not in settings:
            raise RestError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
        if setting not in settings[group]:
            raise RestError(404, "rest_setting_setting_invalid", "Invalid setting.")
        return self._render_setting(group, setting, settings[group][setting])

    def update_setting(self, request, group, setting):
        self.get_setting(request, group, setting)
        value = request.arg("value")
        store = self.store
        flag = value in ("yes", True)
        if setting == "woocommerce_prices_include_tax":
            store.prices_include_tax = flag
        elif setting == "woocommerce_manage_stock":
            store.manage_stock = flag
        elif setting == "woocommerce_calc_taxes":
            store.calc_taxes = flag
        elif setting == "woocommerce_currency" and value:
            store.currency = str(value)
        return self.get_setting(request, group, setting)

    # ------------------------------------------------------------------ shipment tracking extension

    def tracking_providers(self, request, id=None):
        """GET shipment-trackings/providers: {region: {provider name: URL format}} (public)."""
        if id is not None:
            self._order(id)
        return self.sim.tracking_providers

    def _provider_link(self, name):
        for providers in self.sim.tracking_providers.values():
            if name in providers:
                return providers[name]
        return None

    def list_trackings(self, request, id):
        order = self._order(id)
        return [self._render_tracking(order, t) for t in self.store.trackings.get(order["id"], [])]

    def create_tracking(self, request, id):
        """POST orders/<id>/shipment-trackings: a predefined `tracking_provider` (a name of the
        providers list) or `custom_tracking_provider` + `custom_tracking_link` (%1$s = number)."""
        order = self._order(id)
        data = request.data()
        number = str(data.get("tracking_number") or "").strip()
        if not number:
            raise RestError(
                400,
                "rest_missing_callback_param",
                "Missing parameter(s): tracking_number",
                params=["tracking_number"],
            )
        provider = str(data.get("tracking_provider") or "").strip()
        link_format = self._provider_link(provider) if provider else None
        if link_format is None:
            # not a predefined provider: kept as a custom one (its name, and the link given, if any)
            provider = str(data.get("custom_tracking_provider") or provider).strip()
            link_format = str(data.get("custom_tracking_link") or "")
        date_shipped = str(data.get("date_shipped") or self.store.now().strftime("%Y-%m-%d"))
        tracking = {
            "tracking_id": _tracking_id(
                order["id"], number, provider, len(self.store.trackings.get(order["id"], []))
            ),
            "tracking_provider": provider,
            "link_format": link_format,
            "tracking_number": number,
            "date_shipped": date_shipped,
        }
        self.store.trackings.setdefault(order["id"], []).append(tracking)
        order["date_modified"] = self.store.now()  # the items are order meta: saving them updates the order
        self.sim.emit("order.updated", order["id"])
        location = (
            f"{self.sim.base_url}{TRACKING_PREFIX}/orders/{order['id']}/shipment-trackings/"
            f"{tracking['tracking_id']}"
        )
        return 201, {"Location": location}, self._render_tracking(order, tracking)

    def _render_tracking(self, order, tracking):
        """The normalized item: the provider's name and the link with %1$s (number), %2$s
        (destination postcode) and %3$s (destination country) substituted."""
        address = order["shipping"] if order["shipping"]["postcode"] else order["billing"]
        link = (
            tracking["link_format"]
            .replace("%1$s", urllib.parse.quote(tracking["tracking_number"]))
            .replace("%2$s", urllib.parse.quote(address["postcode"].replace(" ", "").upper()))
            .replace("%3$s", urllib.parse.quote(address["country"]))
        )
        out = {
            "tracking_id": tracking["tracking_id"],
            "tracking_provider": tracking["tracking_provider"],
            "tracking_link": link,
            "tracking_number": tracking["tracking_number"],
            "date_shipped": tracking["date_shipped"],
        }
        base = f"{self.sim.base_url}{TRACKING_PREFIX}/orders/{order['id']}/shipment-trackings"
        out["_links"] = {
            "self": [{"href": f"{base}/{tracking['tracking_id']}"}],
            "collection": [{"href": base}],
            "up": [{"href": f"{self.sim.base_url}{WC_PREFIX}/orders/{order['id']}"}],
        }
        return out

    def _tracking(self, order, tid):
        for tracking in self.store.trackings.get(order["id"], []):
            if tracking["tracking_id"] == tid:
                return tracking
        raise RestError(404, "woocommerce_rest_shipment_tracking_invalid_id", "Invalid tracking ID.")

    def get_tracking(self, request, id, tid):
        order = self._order(id)
        return self._render_tracking(order, self._tracking(order, tid))

    def delete_tracking(self, request, id, tid):
        order = self._order(id)
        tracking = self._tracking(order, tid)
        self.store.trackings[order["id"]].remove(tracking)
        order["date_modified"] = self.store.now()
        self.sim.emit("order.updated", order["id"])
        return self._render_tracking(order, tracking)


def _tracking_id(order_id, number, provider, index):
    """A 32-hex id, as the extension's md5-based tracking_id."""
    return hashlib.md5(f"{order_id}-{number}-{provider}-{index}".encode()).hexdigest()  # noqa: S324


def _item_error(item_id, exc):
    return {
        "id": item_id,  # as given ($item['id']), 0 for a create
        "error": {"code": exc.code, "message": exc.message, "data": {"status": exc.status, **exc.data}},
    }


def _action(method, handler_name):
    if handler_name.startswith("batch_"):
        return "batch"
    if method == "GET":
        return (
            "list"
            if handler_name.startswith(
                ("list_", "settings_groups", "settings_group", "index", "tracking_providers", "system_status")
            )
            else "view"
        )
    if method == "DELETE":
        return "delete"
    if handler_name.startswith("create_"):
        return "create"
    return "edit"


def rest_date_pair(dt, offset):
    return site_time(dt, offset), gmt_time(dt)
