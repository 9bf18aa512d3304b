"""WooCommerceSimulator: the control API tests and the demo use (start/stop, keys, seeding, inspection)."""

import collections
import contextlib
import logging
import threading
import urllib.parse
from datetime import timedelta

from ..lifecycle import LoopbackServing
from ..outage import OutageMixin
from .api import BATCH_LIMIT, Api
from .auth import KeyStore
from .server import SimulatorHTTPServer
from .store import Store
from .util import SimClock, parse_rest_date
from .wcauth import WcAuth
from .webhooks import WebhookManager, sign

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_CONSUMER_KEY = "ck_simulator_0000000000000000000000000000000000"
DEFAULT_CONSUMER_SECRET = "cs_simulator_0000000000000000000000000000000000"
_logger = logging.getLogger(__name__)

# The Shipment Tracking extension's providers (a subset; URL formats: %1$s tracking number, %2$s
# destination postcode, %3$s destination country), woocommerce.com/document/shipment-tracking.
DEFAULT_PROVIDERS = {
    "Global": {
        "Aramex": "https://www.aramex.com/track/track-results-new?ShipmentNumber=%1$s",
        "DHL Express": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id=%1$s",
    },
    "United States": {
        "USPS": "https://tools.usps.com/tracking/%1$s",
        "UPS": "https://www.ups.com/track?loc=en_US&tracknum=%1$s",
        "FedEx": "https://www.fedex.com/apps/fedextrack/?action=track&tracknumbers=%1$s",
    },
    "Canada": {
        "Canada Post": "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=%1$s",
    },
    "United Kingdom": {
        "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/%1$s",
        "DPD UK": "https://apis.track.dpd.co.uk/v1/track?postcode=%2$s&parcel=%1$s",
    },
}


class WooCommerceSimulator(OutageMixin, LoopbackServing):
    """A loopback WooCommerce shop speaking the REST API v3 (see README.md).

    ::

        sim = WooCommerceSimulator(seed="demo")
        base_url = sim.start()             # http://127.0.0.1:<port> = the store's shop_url
        ck, cs = sim.consumer_key, sim.consumer_secret
        sim.add_product("Mug", sku="MUG", regular_price="9.90", stock_quantity=5)
        sim.flush_webhooks()
        sim.stop()
    """

    def __init__(
        self,
        seed="none",
        consumer_key=DEFAULT_CONSUMER_KEY,
        consumer_secret=DEFAULT_CONSUMER_SECRET,
        prices_include_tax=False,
        currency="USD",
        tracking_extension=False,
        host="127.0.0.1",
        port=0,
        webhook_mode="manual",
        random_seed=0,
        duplicate_rate=0.0,
        reorder=False,
        ssl_context=None,
        assume_ssl=False,
        site_utc_offset=timedelta(hours=-3),
        manage_stock=True,
        products=1000,
        orders=500,
        wc_version="9.4.1",
        wp_version="6.7.1",
        batch_limit=BATCH_LIMIT,
        ping_on_create=True,
        key_permissions="read_write",
    ):
        if webhook_mode not in ("manual", "background"):
            raise ValueError("webhook_mode must be 'manual' or 'background'")
        if host not in LOOPBACK:
            raise ValueError("the simulator only listens on loopback addresses")
        self.host, self.port = host, port
        self.ssl_context = ssl_context
        self.assume_ssl = assume_ssl
        self.tracking_extension = tracking_extension
        self.tracking_providers = {country: dict(links) for country, links in DEFAULT_PROVIDERS.items()}
        self.wc_version, self.wp_version = wc_version, wp_version
        self.batch_limit = batch_limit
        self.ping_on_create = ping_on_create
        self.webhook_mode = webhook_mode
        self.clock = SimClock()
        self._quiet = 0
        self.store = Store(
            self.clock,
            lambda: self.base_url,
            currency=currency,
            prices_include_tax=prices_include_tax,
            site_utc_offset=site_utc_offset,
            manage_stock=manage_stock,
            emit=self.emit,
        )
        self.keys = KeyStore(self.clock)
        self.consumer_key, self.consumer_secret = None, None
        if consumer_key:
            key = self.keys.add(key_permissions, consumer_key=consumer_key, consumer_secret=consumer_secret)
            self.consumer_key, self.consumer_secret = key.consumer_key, key.consumer_secret
        self.webhooks = WebhookManager(self, seed=random_seed, duplicate_rate=duplicate_rate, reorder=reorder)
        self.api = Api(self)
        self.wc_auth = WcAuth(self)
        self.requests = collections.deque(maxlen=10_000)
        self.internal_errors = []
        self._faults = []
        self._faults_lock = threading.Lock()
        self._server = None
        self._thread = None
        self.seed_summary = {}
        if seed and seed != "none":
            from .seed import seed_store  # noqa: PLC0415 - seed imports this module's helpers

            self.seed_summary = seed_store(self, seed, products=products, orders=orders)

    # ------------------------------------------------------------------ lifecycle

    thread_name = "woocommerce-simulator"

    def _make_server(self):
        return SimulatorHTTPServer((self.host, self.port), self, ssl_context=self.ssl_context)

    @property
    def base_url(self):
        scheme = "https" if self.ssl_context is not None else "http"
        host = "localhost" if self.ssl_context is not None and self.host == "127.0.0.1" else self.host
        host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{host}:{self.port}"

    @property
    def api_url(self):
        return self.base_url + "/wp-json/wc/v3"

    @property
    def is_ssl_site(self):
        """is_ssl(): served over TLS, or `assume_ssl` (a site behind a TLS-terminating proxy)."""
        return self.ssl_context is not None or self.assume_ssl

    def advance(self, seconds):
        """Move the simulated clock (OAuth timestamp window, dates, delivery ids)."""
        self.clock.advance(seconds)

    def set_date(self, when):
        """Date what happens from now on at `when` (datetime, naive = UTC; None: the clock's time
        again): orders, payments, refunds and notes; OAuth timestamps are still checked against the
        wall clock (see SimClock.set_date). Set dates in order, as a shop's history goes."""
        self.clock.set_date(when)

    # ------------------------------------------------------------------ keys, faults, log

    def add_key(self, permissions="read_write", consumer_key=None, consumer_secret=None):
        """A new REST API key; returns (consumer_key, consumer_secret)."""
        key = self.keys.add(permissions, consumer_key=consumer_key, consumer_secret=consumer_secret)
        return key.consumer_key, key.consumer_secret

    def revoke_key(self, consumer_key):
        return self.keys.revoke(consumer_key)

    def fail_next(self, status=500, body=None, method=None, path_contains=None, headers=None, count=1):
        """The next `count` requests matching `method`/`path_contains` get `status` (e.g. 429 with
        {"Retry-After": "3"}, 503 from a host) instead of an answer; nothing is executed."""
        body = (
            body
            if body is not None
            else {"code": "simulated_failure", "message": "Simulated failure.", "data": {"status": status}}
        )
        with self._faults_lock:
            for _ in range(count):
                self._faults.append((method, path_contains, status, body, dict(headers or {})))

    def _outage_body(self, status):
        """What a WooCommerce host answers during an outage (`outage()`, ../outage.py): the web server's
        own HTML page (nginx in front of PHP), not the REST API's JSON."""
        titles = {
            429: "429 Too Many Requests",
            500: "500 Internal Server Error",
            502: "502 Bad Gateway",
            503: "503 Service Temporarily Unavailable",
            504: "504 Gateway Time-out",
        }
        title = titles.get(status, f"{status} Error")
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        return page.encode(), {"Content-Type": "text/html"}

    def _take_fault(self, method, path):
        with self._faults_lock:
            for index, (f_method, f_path, status, body, headers) in enumerate(self._faults):
                if (f_method is None or f_method == method) and (f_path is None or f_path in path):
                    del self._faults[index]
                    return status, body, headers
        return None

    def _record(self, request, status, duration_ms):
        query = {k: v for k, v in urllib.parse.parse_qsl(request.query, keep_blank_values=True)}
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": query,
                "json": request.json,
                "form": request.form or None,
                "auth": request.auth_kind,
                "status": status,
                "duration_ms": duration_ms,
            }
        )

    def reset_requests(self):
        self.requests.clear()

    # ------------------------------------------------------------------ webhooks

    def emit(self, topic, resource_id):
        if self._quiet:
            return 0
        return self.webhooks.emit(topic, resource_id)

    @contextlib.contextmanager
    def quiet(self):
        """No webhook events (e.g. while seeding)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def flush_webhooks(self):
        """Deliver the pending webhooks now (synchronously); returns one result per delivery."""
        return self.webhooks.flush()

    @property
    def webhook_deliveries(self):
        return list(self.webhooks.log)

    @property
    def webhook_pings(self):
        return list(self.webhooks.pings)

    @property
    def pending_webhooks(self):
        return [
            {
                "webhook_id": d.webhook_id,
                "topic": d.topic,
                "resource_id": d.resource_id,
                "duplicate": d.duplicate,
            }
            for d in self.webhooks.pending
        ]

    def lose_next_deliveries(self, count=1):
        """The next `count` deliveries are never sent (a lost Action Scheduler job)."""
        self.webhooks.lose_next(count)

    @property
    def duplicate_rate(self):
        return self.webhooks.duplicate_rate

    @duplicate_rate.setter
    def duplicate_rate(self, value):
        self.webhooks.duplicate_rate = value

    @property
    def reorder(self):
        return self.webhooks.reorder

    @reorder.setter
    def reorder(self, value):
        self.webhooks.reorder = value

    def create_webhook(self, topic, delivery_url, secret="", status="active", name=None):
        """A webhook as the REST API creates it (with its ping); returns its REST representation."""
        with self.store.lock:
            webhook = self.webhooks.create(
                {
                    "topic": topic,
                    "delivery_url": delivery_url,
                    "secret": secret,
                    "status": status,
                    "name": name,
                }
            )
        self.webhooks.run_pings()
        return self.api.render_webhook(webhook)

    def webhook(self, webhook_id):
        with self.store.lock:
            hook = self.store.webhooks.get(webhook_id)
            return dict(hook) if hook else None

    def webhooks_list(self):
        with self.store.lock:
            return [dict(h) for h in self.store.webhooks.values()]

    @staticmethod
    def sign_webhook(secret, body):
        return sign(secret, body)

    # ------------------------------------------------------------------ wc-auth

    def approve_auth(self, url, approve=True):
        """The merchant approves (or denies) a /wc-auth/v1/authorize URL: the keys are POSTed to its
        callback_url; returns the redirect target (return_url?success=1&user_id=...) or raises
        ValueError with the error page's text."""
        parts = urllib.parse.urlsplit(url)
        query = parts.query + ("&approve=1" if approve else "&deny=1")
        status, headers, body = self.wc_auth.authorize(query)
        if status != 302:
            raise ValueError(body.decode(errors="replace"))
        return headers["Location"]

    def authorize_url(
        self,
        app_name="Store Connector",
        scope="read_write",
        user_id="1",
        return_url="https://example.com/return",
        callback_url="https://example.com/callback",
    ):
        query = urllib.parse.urlencode(
            {
                "app_name": app_name,
                "scope": scope,
                "user_id": user_id,
                "return_url": return_url,
                "callback_url": callback_url,
            }
        )
        return f"{self.base_url}/wc-auth/v1/authorize?{query}"

    # ------------------------------------------------------------------ building state

    def add_product(
        self,
        name,
        sku="",
        regular_price="",
        sale_price="",
        stock_quantity=None,
        manage_stock=None,
        status="publish",
        type="simple",
        emit=True,
        **fields,
    ):  # noqa: A002 - WooCommerce's name
        """A simple product (REST fields in **fields: categories=[{"name"}], images=[{"src"}],
        weight, dimensions, meta_data, backorders, tax_status ...). `manage_stock` defaults to True
        when `stock_quantity` is given. Returns its REST representation."""
        values = {
            "name": name,
            "sku": sku,
            "regular_price": regular_price,
            "sale_price": sale_price,
            "status": status,
            "type": type,
            **fields,
        }
        if manage_stock is None:
            manage_stock = stock_quantity is not None
        values["manage_stock"] = manage_stock
        if stock_quantity is not None:
            values["stock_quantity"] = stock_quantity
        with self.store.lock:
            product = self.store.new_product(values)
            if emit:
                self.emit("product.created", product["id"])
            return self.store.render_product(product)

    def add_variable_product(
        self,
        name,
        attributes=None,
        variations=(),
        sku="",
        manage_stock=False,
        stock_quantity=None,
        emit=True,
        **fields,
    ):
        """A variable product and its variations. `attributes` {"Size": ["S", "M"]} (default: built
        from the variations' attributes); each variation {"sku", "regular_price", "sale_price",
        "attributes": {"Size": "S"}, "stock_quantity", "manage_stock" (default: True when
        stock_quantity is given, else the parent's stock is used when it manages stock),
        "weight", "image": {"src"} ...}. Returns the parent's REST representation."""
        options = collections.OrderedDict()
        for variation in variations:
            for attr, value in (variation.get("attributes") or {}).items():
                options.setdefault(attr, [])
                if value not in options[attr]:
                    options[attr].append(value)
        attributes = attributes or options
        values = {
            "name": name,
            "type": "variable",
            "sku": sku,
            "manage_stock": manage_stock,
            "attributes": [
                {"name": attr, "options": list(opts), "variation": True, "visible": True, "position": i}
                for i, (attr, opts) in enumerate(attributes.items())
            ],
            **fields,
        }
        if stock_quantity is not None:
            values["stock_quantity"] = stock_quantity
        with self.store.lock:
            parent = self.store.new_product(values)
            for variation in variations:
                data = {k: v for k, v in variation.items() if k != "attributes"}
                data["attributes"] = [
                    {"name": attr, "option": value}
                    for attr, value in (variation.get("attributes") or {}).items()
                ]
                data.setdefault("manage_stock", variation.get("stock_quantity") is not None)
                data.setdefault("status", "publish")
                self.store.new_product(data, parent=parent)
            if emit:
                self.emit("product.created", parent["id"])
            return self.store.render_product(parent)

    def update_product(self, ref, emit=True, **changes):
        """Change a product or variation (by id or SKU) as an admin edit would; fires product.updated."""
        with self.store.lock:
            product = self._product(ref)
            self.store.apply_product(product, changes)
            if emit:
                self.emit("product.updated", product["id"])
            return self.store.render_product(product)

    def delete_product(self, ref, force=False):
        with self.store.lock:
            product = self._product(ref)
            if force:
                self.store.products.pop(product["id"])
            else:
                product["status"] = "trash"
            self.emit("product.deleted", product["id"])

    def add_customer(self, email, first_name="", last_name="", emit=True, **fields):
        with self.store.lock:
            customer = self.store.new_customer(
                {"email": email, "first_name": first_name, "last_name": last_name, **fields}
            )
            if emit:
                self.emit("customer.created", customer["id"])
            return self.store.render_customer(customer)

    def add_order(
        self,
        lines,
        status="processing",
        customer_id=0,
        billing=None,
        shipping=None,
        tax_rate=None,
        shipping_lines=None,
        fee_lines=None,
        coupons=None,
        prices_include_tax=None,
        emit=True,
        date_created=None,
        created_via="checkout",
        **fields,
    ):
        """An order as a checkout would place it. `lines` [{"sku"|"product_id"|"variation_id",
        "quantity", "price" (unit price, default the product's), "name"}]; `tax_rate` "0.2" (one rate
        on taxable lines, fees and shipping); `shipping_lines` [{"method_id", "method_title",
        "total", "taxable"}]; `fee_lines` [{"name", "total" (may be negative), "tax_status"}];
        `coupons` [{"code", "percent"|"amount"}] (codes lower-cased); `prices_include_tax`
        (default: the shop's setting) says the unit prices include the tax. Stock is reduced
        when the status is processing/completed/on-hold. Fires order.created. Returns the REST
        representation."""
        values = {
            "line_items": lines,
            "status": status,
            "customer_id": customer_id,
            "billing": billing or {},
            "shipping": shipping or {},
            "tax_rate": tax_rate,
            "shipping_lines": shipping_lines or [],
            "fee_lines": fee_lines or [],
            "coupons": coupons or [],
            **fields,
        }
        if prices_include_tax is not None:
            values["prices_include_tax"] = prices_include_tax
        if date_created is not None:
            values["date_created"] = (
                parse_rest_date(date_created, timedelta(0)) if isinstance(date_created, str) else date_created
            )
        with self.store.lock:
            order = self.store.new_order(values, created_via=created_via)
            if emit:
                self.emit("order.created", order["id"])
            return self.store.render_order(order)

    def update_order(self, order_id, emit=True, **changes):
        """Change an order as the admin would (status="completed", customer_note=..., billing={...},
        meta_data=[...]); status changes have their side effects (stock, dates, a note). Fires
        order.updated. Returns the REST representation."""
        with self.store.lock:
            order = self._order(order_id)
            previous = order["status"]
            self.store.update_order(order, dict(changes))
            if emit:
                if previous == "trash" and order["status"] != "trash":
                    self.emit("order.restored", order["id"])
                self.emit("order.updated", order["id"])
            return self.store.render_order(order)

    def add_refund(self, order_id, amount=None, reason="", restock=False, line_items=None, api_refund=False):
        """A refund as the shop admin makes it (see Store.add_refund): `line_items` in the REST shape
        `[{"id", "quantity", "refund_total", "refund_tax": [{"id", "refund_total"}]}]`; `api_refund`
        refunds through the order's gateway (refused for gateways that cannot). Fires order.updated."""
        with self.store.lock:
            order = self._order(order_id)
            refund = self.store.add_refund(
                order,
                amount=amount,
                reason=reason,
                restock=restock,
                line_items=line_items,
                api_refund=api_refund,
            )
            self.emit("order.updated", order["id"])
            return self.store.render_refund(refund)

    def add_note(self, order_id, note, customer_note=False):
        with self.store.lock:
            order = self._order(order_id)
            return self.store.render_note(
                order, self.store.add_note(order, note, customer_note=customer_note)
            )

    def trash_order(self, order_id):
        with self.store.lock:
            order = self._order(order_id)
            self.store.set_order_status(order, "trash", note=False)
            self.emit("order.deleted", order["id"])

    # ------------------------------------------------------------------ inspection

    def product(self, ref):
        """REST representation of a product or variation (by id or SKU), None if absent."""
        with self.store.lock:
            try:
                return self.store.render_product(self._product(ref))
            except KeyError:
                return None

    def variation(self, ref):
        with self.store.lock:
            product = self._product(ref)
            return self.store.render_variation(product)

    def order(self, order_id):
        with self.store.lock:
            order = self.store.orders.get(int(order_id))
            return self.store.render_order(order) if order else None

    def customer(self, customer_id):
        with self.store.lock:
            customer = self.store.customers.get(int(customer_id))
            return self.store.render_customer(customer) if customer else None

    def refunds(self, order_id):
        """The REST representations of an order's refunds, newest first (GET /orders/<id>/refunds)."""
        with self.store.lock:
            order = self._order(order_id)
            return [self.store.render_refund(self.store.refunds[r]) for r in reversed(order["refund_ids"])]

    def notes(self, order_id):
        with self.store.lock:
            order = self._order(order_id)
            return [self.store.render_note(order, n) for n in self.store.notes.get(order["id"], [])]

    def trackings(self, order_id):
        with self.store.lock:
            order = self._order(order_id)
            return [self.api._render_tracking(order, t) for t in self.store.trackings.get(order["id"], [])]

    def stock(self, sku):
        """stock_quantity as WooCommerce shows it for `sku` (a variation using its parent's stock
        shows the parent's); None when stock is not managed. KeyError for an unknown SKU."""
        with self.store.lock:
            product = self.store.product_by_sku(sku)
            if product is None:
                raise KeyError(f"unknown sku {sku!r}")
            return self.store._stock_view(product)[1]

    def _product(self, ref):
        store = self.store
        if isinstance(ref, dict):
            ref = ref["id"]
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit() and int(ref) in store.products):
            product = store.products.get(int(ref))
        else:
            product = store.product_by_sku(ref)
        if product is None:
            raise KeyError(f"unknown product {ref!r}")
        return product

    def _order(self, ref):
        if isinstance(ref, dict):
            ref = ref["id"]
        order = self.store.orders.get(int(ref))
        if order is None:
            raise KeyError(f"unknown order {ref!r}")
        return order
