"""ShopifySimulator: the control API tests and the demo use (start/stop, seeding, inspection)."""

import collections
import contextlib
import functools
import logging
import re
import threading
import time
import uuid
from datetime import timedelta

import requests

from ..lifecycle import LoopbackServing
from ..outage import OutageMixin
from . import payloads
from .bulk import BulkRunner
from .cost import LeakyBucket
from .oauth import OAuthServer, calculate_hmac
from .published import ENV_DIR, OFF_WARNING, PublishedSchemaMissing, PublishedSchemas, required_by_environment
from .server import SimulatorHTTPServer
from .state import WEBHOOK_TOPICS, Store, UserErrors, WebhookSubscription
from .util import SimClock, gid, money_str, parse_gid, parse_time, version_key
from .webhooks import COMPLIANCE_TOPICS, WebhookManager, sign

SUPPORTED_VERSIONS = ("2026-01", "2026-04", "2026-07", "2026-10")
RELEASE_CANDIDATE = "2027-01"
DEFAULT_SCOPES = (
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_orders",
    "write_orders",
    "read_customers",
    "write_customers",
    "read_fulfillments",
    "write_fulfillments",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "read_assigned_fulfillment_orders",
    "write_assigned_fulfillment_orders",
    "read_shopify_payments_payouts",
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_logger = logging.getLogger(__name__)


@functools.cache
def _warn_check_off():
    """Say once per process that the real schema check is off."""
    _logger.warning(OFF_WARNING)


class ShopifySimulator(OutageMixin, LoopbackServing):
    """A loopback Shopify shop speaking the GraphQL Admin API, OAuth and webhooks.

    ::

        sim = ShopifySimulator(shop="demo.myshopify.com", access_token="shpat_test", client_secret="s3cr3t")
        base_url = sim.start()          # http://127.0.0.1:<port>
        sim.add_product("T-shirt", variants=[{"sku": "TS-S", "price": "19.90", "inventory": 5}])
        ...                             # point the connector at base_url + /admin/api/2026-07/graphql.json
        sim.flush_webhooks()            # deliver pending webhooks now
        sim.stop()

    `bucket` is a dict {"maximumAvailable": 2000, "restoreRate": 100} (Shopify's Standard plan: 100
    points/s). `api_versions` lists the supported versions, oldest first; older dated versions fall
    forward to the oldest. `webhook_mode` is "manual" (deliver on flush_webhooks()) or "background".

    `published_schemas` is a directory holding Shopify's published Admin schemas
    (`admin_<version>.json.gz`, default: $SHOPIFY_ADMIN_SCHEMA_DIR); every document received is checked
    against the one of its API version too, and one the real API would refuse is answered with its error
    and recorded in `schema_violations` (see published.py). `require_published_schemas` (default:
    $SHOPIFY_ADMIN_SCHEMA_REQUIRED) makes a missing file for a supported version an error at once.
    """

    def __init__(
        self,
        shop="demo.myshopify.com",
        access_token="shpat_simulator_token",
        client_id="sim-client-id",
        client_secret="sim-client-secret",
        bucket=None,
        api_versions=None,
        release_candidate=RELEASE_CANDIDATE,
        scopes=DEFAULT_SCOPES,
        currency="USD",
        host="127.0.0.1",
        port=0,
        webhook_mode="manual",
        seed=0,
        duplicate_rate=0.0,
        reorder=False,
        clock=None,
        protected_customer_data=True,
        allow_http_loopback_webhooks=True,
        compliance_uri=None,
        plan_name="Basic",
        redirect_uris=None,
        bulk_polls_until_complete=1,
        bulk_seconds=30.0,
        webhook_api_version=None,
        redelivery_rate=0.0,
        published_schemas=None,
        require_published_schemas=None,
    ):
        if webhook_mode not in ("manual", "background"):
            raise ValueError("webhook_mode must be 'manual' or 'background'")
        if host not in LOOPBACK:
            raise ValueError("the simulator only listens on loopback addresses")
        if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com", shop):
            raise ValueError(f"invalid shop domain {shop!r}")
        self.shop = shop
        self.access_token = access_token
        self.client_id = client_id
        self.client_secret = client_secret
        self._old_secret = None
        self._old_secret_until = 0.0
        self.scopes = list(scopes)
        self.host, self.port = host, port
        self.api_versions = list(api_versions or SUPPORTED_VERSIONS)
        self.published = (
            PublishedSchemas(published_schemas) if published_schemas else PublishedSchemas.from_environment()
        )
        if require_published_schemas is None:
            require_published_schemas = required_by_environment()
        missing = self.published.missing(self.api_versions)
        if require_published_schemas and missing:
            raise PublishedSchemaMissing(
                "Shopify's published Admin schema is missing for API version(s) "
                f"{', '.join(missing)} (looked in {self.published.directory or '$' + ENV_DIR + ' (unset)'}). "
                "Run the tests through scripts/test, which fetches them with npm (see "
                "tests/simulators/shopify/published.py)."
            )
        if not self.published.enabled:
            _warn_check_off()
        # Documents Shopify's published schema refuses: {"version", "operation_name", "query",
        # "variables", "errors"}; a test fails while this is not empty (take_schema_violations()).
        self.schema_violations = []
        self.release_candidate = release_candidate
        self.webhook_api_version = webhook_api_version or self.api_versions[-1]
        self.plan_name = plan_name
        self.protected_customer_data = protected_customer_data
        self.allow_http_loopback_webhooks = allow_http_loopback_webhooks
        self.compliance_uri = compliance_uri
        self.redirect_uris = list(redirect_uris or [])
        self.idempotency_required = {
            "inventoryActivate",
            "inventoryAdjustQuantities",
            "inventorySetQuantities",
            "refundCreate",
        }
        self.bulk_polls_until_complete = bulk_polls_until_complete
        self.bulk_seconds = bulk_seconds
        self.bulk_url_ttl = timedelta(days=7)
        self.installed = True
        self.clock = clock or SimClock()
        bucket = bucket or {}
        self.bucket = LeakyBucket(
            self.clock, bucket.get("maximumAvailable", 2000), bucket.get("restoreRate", 100)
        )
        self.webhooks = WebhookManager(self, seed=seed, duplicate_rate=duplicate_rate, reorder=reorder,
                                       redelivery_rate=redelivery_rate)
        self._quiet = 0
        self.store = Store(self.clock, shop, currency=currency, emit=self._emit)
        self.oauth = OAuthServer(self)
        self.bulk = BulkRunner(self)
        self.webhook_mode = webhook_mode
        self.calls = collections.deque(maxlen=10_000)
        self.stats = collections.Counter()
        self.internal_errors = []
        self.fail_next = []
        # Answers held back after the call ran (delay_answers): {"seconds", "operation"} or None.
        self.answer_delay = None
        self.delayed_answers = []
        self._release_answers = threading.Event()
        self._server = None
        self._thread = None
        with self.store.lock:
            self.store.add_location(
                "Shop location", address1="1 Loopback Road", city="Ottawa", zip="K1A 0A1", country_code="CA"
            )

    # ------------------------------------------------------------------ lifecycle

    thread_name = "shopify-simulator"

    def _make_server(self):
        return SimulatorHTTPServer((self.host, self.port), self)

    @property
    def base_url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def graphql_url(self, version=None):
        return f"{self.base_url}/admin/api/{version or self.api_versions[-1]}/graphql.json"

    # ------------------------------------------------------------------ versions, secrets

    def resolve_version(self, requested):
        """Version that serves a request for `requested`, or None (404)."""
        if not requested:
            return self.api_versions[0]
        if requested in self.api_versions or requested in ("unstable", self.release_candidate):
            return requested
        if re.fullmatch(r"\d{4}-(01|04|07|10)", requested) and version_key(requested) < version_key(
            self.api_versions[0]
        ):
            return self.api_versions[0]  # retired versions fall forward to the oldest supported one
        return None

    def rotate_client_secret(self, new_secret, old_signs_for=3600):
        """New client secret; webhooks keep being signed with the old one for `old_signs_for` seconds."""
        self._old_secret, self._old_secret_until = self.client_secret, self.clock.time() + old_signs_for
        self.client_secret = new_secret

    def webhook_signing_secret(self):
        if self._old_secret and self.clock.time() < self._old_secret_until:
            return self._old_secret
        return self.client_secret

    def sign_webhook(self, body):
        return sign(self.webhook_signing_secret(), body)

    def oauth_hmac(self, params):
        return calculate_hmac(self.client_secret, params)

    def install_params(self, **extra):
        return self.oauth.install_params(**extra)

    def advance(self, seconds):
        """Move the simulated clock (token expiry, bucket refill, webhook retry schedule)."""
        self.clock.advance(seconds)

    # ------------------------------------------------------------------ internal hooks

    def _emit(self, topic, payload):
        if self._quiet:
            return
        self.webhooks.emit(topic, payload)

    @contextlib.contextmanager
    def quiet(self):
        """No webhook events while seeding."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def record_call(self, record, started):
        record["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        self.calls.append(record)
        self.stats["requests"] += 1
        self.stats["throttled"] += int(record["throttled"])
        self.stats["requested_cost"] += record["requested_cost"] or 0
        self.stats["actual_cost"] += record["actual_cost"] or 0

    def bulk_url(self, op):
        return f"{self.base_url}/bulk/{op.id}.jsonl?token={op.token}"

    # ------------------------------------------------------------------ inspection

    @property
    def throttled_count(self):
        return self.stats["throttled"]

    def record_schema_violation(self, version, body, errors):
        """A document Shopify's published schema refused (answered with `errors`): kept for the test."""
        _logger.warning(
            "Shopify's published %s schema refuses a document (the real API would answer an error): %s\n%s",
            version,
            "; ".join(e["message"] for e in errors),
            body.get("query"),
        )
        self.schema_violations.append(
            {
                "version": version,
                "operation_name": body.get("operationName"),
                "query": body.get("query"),
                "variables": body.get("variables"),
                "errors": errors,
            }
        )

    def take_schema_violations(self):
        """The documents Shopify's published schema refused since the last call (then forgotten): a test
        that sends a refused document on purpose takes them and asserts on them."""
        violations, self.schema_violations = self.schema_violations, []
        return violations

    def reset_calls(self):
        self.calls.clear()
        self.stats.clear()

    # ------------------------------------------------------------------ fault injection

    def delay_answers(self, seconds, operation=None):
        """Hold back the answer of every GraphQL call (or of those whose document names `operation`,
        e.g. "ConnectorInventorySet") for `seconds` AFTER the call ran: the shop did the work, the client
        has not heard yet. What a slow or congested platform does; the fault suite kills a worker in that
        window. Each held answer is recorded in `delayed_answers` (operation, monotonic time) when its
        wait begins. `release_answers()` ends the delay and lets the held answers go."""
        self._release_answers.clear()
        self.answer_delay = {"seconds": float(seconds), "operation": operation}

    def release_answers(self):
        self.answer_delay = None
        self._release_answers.set()

    def _hold_answer(self, body):
        """Called by the HTTP front after a call ran and before it answers (see delay_answers)."""
        delay = self.answer_delay
        if not delay:
            return
        operation = delay["operation"]
        if operation and not re.search(rf"\b{re.escape(operation)}\b", body.get("query") or ""):
            return
        self.delayed_answers.append((operation, time.monotonic()))
        self._release_answers.wait(delay["seconds"])

    def graphql(self, query, variables=None, version=None, token=None, operation_name=None, timeout=10):
        """POST a GraphQL request to the running simulator; returns the requests.Response."""
        body = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        return requests.post(
            self.graphql_url(version),
            json=body,
            timeout=timeout,
            headers={"X-Shopify-Access-Token": token or self.access_token},
        )

    def inventory(self, sku=None, item=None, location=None, name="available"):
        """Quantity `name` of a variant's inventory item at a location (the first location by default)."""
        with self.store.lock:
            item_id = self._item_id(sku=sku, item=item)
            location_id = self._location_id(location)
            level = self.store.levels.get((item_id, location_id))
            return None if level is None else level.quantities[name]

    def inventory_snapshot(self):
        """{(inventory item GID, location GID): {quantity name: value}} for every level."""
        with self.store.lock:
            return {
                (gid("InventoryItem", lvl.item_id), gid("Location", lvl.location_id)): dict(lvl.quantities)
                for lvl in self.store.levels.values()
            }

    def product(self, ref):
        """Summary dict of a product by GID, handle or one of its SKUs (None if absent)."""
        with self.store.lock:
            product = self._product(ref)
            return self._product_summary(product) if product else None

    def order(self, ref):
        with self.store.lock:
            order = self._order(ref)
            return self._order_summary(order) if order else None

    @property
    def webhook_deliveries(self):
        return list(self.webhooks.log)

    @property
    def pending_webhooks(self):
        return list(self.webhooks.pending)

    @property
    def events(self):
        return list(self.webhooks.events)

    def redeliver_webhook(self, event_id):
        """Deliver an event already sent once more, under new X-Shopify-Webhook-Ids (same
        X-Shopify-Event-Id, Triggered-At and body). :returns: the number of deliveries queued."""
        return self.webhooks.redeliver(event_id)

    def flush_webhooks(self, force=False, max_rounds=1):
        """Deliver the pending webhooks now (synchronously); returns one result per attempt."""
        return self.webhooks.flush(force=force, max_rounds=max_rounds)

    def complete_bulk_operations(self):
        with self.store.lock:
            for op in self.store.bulk_operations.values():
                self.bulk.complete(op)

    # ------------------------------------------------------------------ reference helpers

    def _location_id(self, location):
        store = self.store
        if location is None:
            return store.primary_location().id
        if isinstance(location, int):
            return location
        if isinstance(location, str) and location.startswith("gid://"):
            return parse_gid(location, "Location")
        for loc in store.locations.values():
            if loc.name == location:
                return loc.id
        raise KeyError(f"unknown location {location!r}")

    def _item_id(self, sku=None, item=None):
        if item is not None:
            return parse_gid(item, "InventoryItem") if isinstance(item, str) else item
        variant = self.store.variant_by_sku(sku)
        if variant is None:
            raise KeyError(f"unknown sku {sku!r}")
        return variant.inventory_item_id

    def _product(self, ref):
        store = self.store
        if isinstance(ref, int):
            return store.products.get(ref)
        if ref.startswith("gid://"):
            return store.get(store.products, ref, "Product")
        if ref in store.handles:
            return store.products[store.handles[ref]]
        variant = store.variant_by_sku(ref)
        return store.products.get(variant.product_id) if variant else None

    def _order(self, ref):
        store = self.store
        if isinstance(ref, dict):
            ref = ref["id"]
        if isinstance(ref, int):
            return store.orders.get(ref)
        if ref.startswith("gid://"):
            return store.get(store.orders, ref, "Order")
        return next((o for o in store.orders.values() if o.name == ref or str(o.order_number) == ref), None)

    def _product_summary(self, product):
        store = self.store
        variants = []
        for vid in product.variant_ids:
            v = store.variants[vid]
            variants.append(
                {
                    "id": gid("ProductVariant", v.id),
                    "legacy_id": v.id,
                    "sku": v.sku,
                    "title": v.title,
                    "price": str(v.price),
                    "options": list(v.option_values),
                    "inventory_item_id": gid("InventoryItem", v.inventory_item_id),
                    "weight": store.inventory_items[v.inventory_item_id].weight,
                    "image": next(
                        (m["original_source"] for m in product.media if m["id"] == v.media_id), None
                    ),
                }
            )
        return {
            "id": gid("Product", product.id),
            "legacy_id": product.id,
            "title": product.title,
            "handle": product.handle,
            "status": product.status,
            "tags": list(product.tags),
            "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
            "metafields": [
                {"namespace": m.namespace, "key": m.key, "value": m.value, "type": m.type}
                for m in product.metafields
            ],
            "variants": variants,
            "media": [dict(m, id=gid("MediaImage", m["id"])) for m in product.media],
            "collections": [gid("Collection", c) for c in product.collection_ids],
            "updated_at": product.updated_at.isoformat(),
        }

    def _order_summary(self, order):
        store = self.store
        return {
            "id": gid("Order", order.id),
            "legacy_id": order.id,
            "name": order.name,
            "financial_status": order.financial_status,
            "fulfillment_status": store.fulfillment_status(order),
            "cancelled": order.cancelled_at is not None,
            "total": str(order.total),
            "created_at": order.created_at.isoformat(),
            "updated_at": order.updated_at.isoformat(),
            "fulfillment_orders": [
                {
                    "id": gid("FulfillmentOrder", fo.id),
                    "status": fo.status,
                    "line_items": [
                        {
                            "id": gid("FulfillmentOrderLineItem", line.id),
                            "line_item_id": gid("LineItem", line.line_item_id),
                            "total": line.total_quantity,
                            "remaining": line.remaining_quantity,
                        }
                        for line in fo.lines
                    ],
                }
                for fo in (store.fulfillment_orders[f] for f in order.fulfillment_order_ids)
            ],
            "line_items": [
                {
                    "id": gid("LineItem", li.id),
                    "sku": li.sku,
                    "quantity": li.quantity,
                    "fulfilled": li.fulfilled_quantity,
                    "refunded": li.refunded_quantity,
                }
                for li in order.line_items
            ],
            "fulfillments": [gid("Fulfillment", f) for f in order.fulfillment_ids],
            "gateway": order.gateway,
            "transactions": [self._transaction_summary(t) for t in store.order_transactions(order)],
        }

    # ------------------------------------------------------------------ seeding

    def add_location(self, name, **fields):
        with self.store.lock:
            location = self.store.add_location(name, **fields)
            return {"id": gid("Location", location.id), "legacy_id": location.id, "name": name}

    def add_product(
        self,
        title,
        variants=None,
        *,
        options=None,
        status="ACTIVE",
        vendor="Simulator",
        product_type="",
        tags=(),
        handle=None,
        description_html="",
        metafields=None,
        webhooks=True,
    ):
        """Create a product. `variants`: dicts with sku, price, compare_at_price, barcode, options
        ({"Size": "M"}), inventory (int at the first location, or {location name/GID: qty}), tracked,
        requires_shipping, cost. Returns the product summary (GIDs of variants and inventory items)."""
        variants = variants or [{}]
        option_names = list(options or [])
        if not option_names:
            for spec in variants:
                for name in spec.get("options") or {}:
                    if name not in option_names:
                        option_names.append(name)
        data = {
            "title": title,
            "status": status,
            "vendor": vendor,
            "productType": product_type,
            "tags": list(tags),
            "descriptionHtml": description_html,
            "variants": [],
        }
        if handle:
            data["handle"] = handle
        if metafields:
            data["metafields"] = [
                {
                    "namespace": m.get("namespace", "custom"),
                    "key": m["key"],
                    "value": m["value"],
                    "type": m.get("type", "single_line_text_field"),
                }
                for m in metafields
            ]
        if option_names:
            values = {name: [] for name in option_names}
            for spec in variants:
                for name, value in (spec.get("options") or {}).items():
                    if value not in values[name]:
                        values[name].append(value)
            data["productOptions"] = [
                {"name": n, "values": [{"name": v} for v in values[n]]} for n in option_names
            ]
        for spec in variants:
            variant = {
                "optionValues": [
                    {"optionName": n, "name": (spec.get("options") or {})[n]} for n in option_names
                ],
                "price": str(spec.get("price", "10.00")),
            }
            if spec.get("sku") is not None:
                variant["sku"] = spec["sku"]
            for key, target in (
                ("barcode", "barcode"),
                ("compare_at_price", "compareAtPrice"),
                ("taxable", "taxable"),
                ("inventory_policy", "inventoryPolicy"),
            ):
                if spec.get(key) is not None:
                    variant[target] = spec[key]
            item = {
                k2: spec[k1]
                for k1, k2 in (
                    ("tracked", "tracked"),
                    ("requires_shipping", "requiresShipping"),
                    ("cost", "cost"),
                )
                if spec.get(k1) is not None
            }
            if item:
                variant["inventoryItem"] = item
            data["variants"].append(variant)
        with self.store.lock:
            ctx = contextlib.nullcontext() if webhooks else self.quiet()
            with ctx:
                try:
                    product = self.store.product_set(data)
                except UserErrors as exc:
                    raise ValueError(f"invalid product: {exc.errors}") from exc
                for vid, spec in zip(product.variant_ids, variants, strict=True):
                    inventory = spec.get("inventory")
                    if inventory is None:
                        continue
                    if not isinstance(inventory, dict):
                        inventory = {None: inventory}
                    item_id = self.store.variants[vid].inventory_item_id
                    for location, quantity in inventory.items():
                        self.store.activate(item_id, self._location_id(location), available=int(quantity))
            return self._product_summary(product)

    def set_inventory(self, sku=None, quantity=0, location=None, item=None, name="available"):
        """Merchant-side stock change (emits inventory_levels/update)."""
        with self.store.lock:
            level = self.store.activate(self._item_id(sku=sku, item=item), self._location_id(location))
            self.store._set_quantity(level, name, int(quantity))
            self.store.emit("inventory_levels/update", payloads.inventory_level(self.store, level))
            return dict(level.quantities)

    def add_customer(
        self,
        email=None,
        first_name=None,
        last_name=None,
        phone=None,
        addresses=None,
        tags=(),
        note=None,
        webhooks=True,
    ):
        data = {
            "email": email,
            "firstName": first_name,
            "lastName": last_name,
            "phone": phone,
            "tags": list(tags),
            "note": note,
        }
        if addresses:
            data["addresses"] = addresses
        with self.store.lock, contextlib.nullcontext() if webhooks else self.quiet():
            try:
                customer = self.store.customer_save({k: v for k, v in data.items() if v is not None})
            except UserErrors as exc:
                raise ValueError(f"invalid customer: {exc.errors}") from exc
            return {"id": gid("Customer", customer.id), "legacy_id": customer.id, "email": customer.email}

    def add_order(
        self, line_items, *, customer=None, created_at=None, days_ago=None, webhooks=True, **kwargs
    ):
        """Create an order as a checkout would. `line_items`: dicts with sku (or variant_id), quantity and
        optional price; other keyword arguments go to Store.create_order (shipping_lines, discount_codes,
        tax_rate, taxes_included, financial_status, shipping_address, email, location, ...)."""
        if isinstance(created_at, str):
            created_at = parse_time(created_at)
        if days_ago is not None:
            created_at = self.clock.now() - timedelta(days=days_ago)
        if isinstance(customer, dict) and "id" in customer and str(customer["id"]).startswith("gid://"):
            customer = customer["id"]
        if isinstance(kwargs.get("location"), str) and not kwargs["location"].startswith("gid://"):
            kwargs["location"] = self._location_id(kwargs["location"])
        with self.store.lock, contextlib.nullcontext() if webhooks else self.quiet():
            order = self.store.create_order(line_items, customer=customer, created_at=created_at, **kwargs)
            return self._order_summary(order)

    def update_order(self, ref, note=None, tags=None):
        with self.store.lock:
            order = self._order(ref)
            if note is not None:
                order.note = note
            if tags is not None:
                order.tags = sorted(set(tags))
            self.store.touch_order(order)
            return self._order_summary(order)

    def cancel_order(self, ref, reason="CUSTOMER", restock=True):
        with self.store.lock:
            return self._order_summary(self.store.cancel_order(self._order(ref), reason, restock))

    def mark_order_paid(self, ref):
        with self.store.lock:
            return self._order_summary(self.store.mark_paid(self._order(ref)))

    def refund_order(self, ref, lines=(), amount=None, note=None, restock=True, shipping=None):
        """Refund (sku or line item id, quantity) pairs, shipping (True: all of it, or an amount before
        tax) and/or an amount; the money goes back through the order's captured transactions (REFUND
        transactions, order_transactions/create), then refunds/create."""
        with self.store.lock:
            order = self._order(ref)
            refund = self.store.refund(order, lines=lines, amount=amount, note=note, restock=restock,
                                       shipping=shipping)
            return {
                "id": gid("Refund", refund.id),
                "legacy_id": refund.id,
                "amount": str(refund.amount),
                "transactions": [self._transaction_summary(self.store.transactions[t])
                                 for t in refund.transaction_ids],
            }

    # ------------------------------------------------------------------ payments (payments.py)

    def capture_order(self, ref, amount=None):
        """Capture (part of) the order's open authorization; emits order_transactions/create,
        orders/updated, and orders/paid once paid in full. :returns: the capture's summary."""
        with self.store.lock:
            return self._transaction_summary(self.store.capture(self._order(ref), amount))

    def add_order_transaction(self, ref, kind, amount, gateway=None, status="SUCCESS", parent=None,
                              error_code=None):
        """Record any transaction on the order (e.g. a FAILURE sale with error_code CARD_DECLINED, or a
        duplicate); the order's financial status follows (orders/paid when it becomes paid).
        `parent`: a transaction GID or id."""
        with self.store.lock:
            order = self._order(ref)
            store = self.store
            parent_txn = store.get(store.transactions, parent, "OrderTransaction") if parent else None
            txn = store.add_transaction(order, kind, amount, gateway or order.gateway or "manual", status,
                                        parent=parent_txn, error_code=error_code)
            became_paid = self.store.settle_payment_status(order)
            self.store.touch_order(order, *(("orders/paid",) if became_paid else ()))
            return self._transaction_summary(txn)

    def order_transactions(self, ref):
        with self.store.lock:
            order = self._order(ref)
            return [self._transaction_summary(t) for t in self.store.order_transactions(order)]

    def _transaction_summary(self, txn):
        return {
            "id": gid("OrderTransaction", txn.id),
            "legacy_id": txn.id,
            "kind": txn.kind,
            "status": txn.status,
            "gateway": txn.gateway,
            "amount": str(txn.amount),
            "parent_id": gid("OrderTransaction", txn.parent_id) if txn.parent_id else None,
        }

    def pay_out(self, status="PAID", issued_at=None):
        """Pay the Shopify Payments balance out (the test switch of Shopify's payout schedule; also
        POST /__sim/payout): the balance transactions not yet paid out go into a new payout, with its
        fees. :returns: the payout's summary, or None when there is nothing to pay out."""
        if isinstance(issued_at, str):
            issued_at = parse_time(issued_at)
        with self.store.lock:
            payout = self.store.pay_out(status, issued_at)
            return self._payout_summary(payout) if payout else None

    def set_payout_status(self, ref, status):
        """Move a payout on (SCHEDULED -> IN_TRANSIT -> PAID, or FAILED/CANCELED)."""
        with self.store.lock:
            payout = self.store.get(self.store.payouts, ref, "ShopifyPaymentsPayout")
            if payout is None:
                raise ValueError(f"no payout {ref!r}")
            payout.status = status
            return self._payout_summary(payout)

    def payments_adjustment(self, amount, reason="Adjustment", fee=0):
        """A Shopify Payments adjustment (ADJUSTMENT balance transaction), paid out with the next payout."""
        with self.store.lock:
            record = self.store.payments_adjustment(amount, reason, fee)
            return gid("ShopifyPaymentsBalanceTransaction", record.id)

    def balance_transactions(self):
        """Every Shopify Payments balance transaction, oldest first (type, amount, fee, net, payout)."""
        with self.store.lock:
            return [
                {
                    "id": gid("ShopifyPaymentsBalanceTransaction", b.id),
                    "type": b.type,
                    "amount": str(b.amount),
                    "fee": str(b.fee),
                    "net": str(b.net),
                    "order_id": gid("Order", b.order_id) if b.order_id else None,
                    "order_transaction_id": b.order_transaction_id,
                    "payout_id": gid("ShopifyPaymentsPayout", b.payout_id) if b.payout_id else None,
                }
                for b in sorted(self.store.balance_transactions.values(), key=lambda b: b.id)
            ]

    def _payout_summary(self, payout):
        return {
            "id": gid("ShopifyPaymentsPayout", payout.id),
            "legacy_id": payout.id,
            "status": payout.status,
            "net": money_str(payout.net),
            "issued_at": payout.issued_at.isoformat(),
            "summary": {name: money_str(value) for name, value in payout.summary.items()},
            "balance_transactions": [gid("ShopifyPaymentsBalanceTransaction", b)
                                     for b in payout.balance_transaction_ids],
        }

    def fulfill_order(self, ref, tracking=None, lines=None):
        """Merchant fulfils in the admin (emits fulfillments/create, orders/fulfilled or
        orders/partially_fulfilled...): everything left, or only `lines`, (sku or line item id,
        quantity) pairs taken from the open fulfillment orders."""
        with self.store.lock:
            order = self._order(ref)
            open_orders = [
                self.store.fulfillment_orders[f]
                for f in order.fulfillment_order_ids
                if self.store.fulfillment_orders[f].status in ("OPEN", "IN_PROGRESS")
            ]
            if lines is None:
                groups = [(gid("FulfillmentOrder", fo.id), None) for fo in open_orders]
            else:
                wanted = []
                for key, quantity in lines:
                    item = next(li for li in order.line_items if li.sku == key or str(li.id) == str(key))
                    wanted.append((item.id, quantity))
                groups = []
                for fo in open_orders:
                    chosen = []
                    for line in fo.lines:
                        for index, (item_id, quantity) in enumerate(wanted):
                            if item_id == line.line_item_id and quantity and line.remaining_quantity:
                                take = min(quantity, line.remaining_quantity)
                                chosen.append((gid("FulfillmentOrderLineItem", line.id), take))
                                wanted[index] = (item_id, quantity - take)
                    if chosen:
                        groups.append((gid("FulfillmentOrder", fo.id), chosen))
            self.store.create_fulfillment(groups, tracking)
            return self._order_summary(order)

    def delete_order(self, ref):
        with self.store.lock:
            order = self._order(ref)
            del self.store.orders[order.id]
            self.store.emit("orders/delete", {"id": order.id})

    def subscribe(self, topic, uri, api_version=None, include_fields=(), name=None):
        """Control-side webhook subscription (as if the app had created it through the API)."""
        topic = topic if topic in WEBHOOK_TOPICS else next(k for k, v in WEBHOOK_TOPICS.items() if v == topic)
        with self.store.lock:
            now = self.store.now()
            sub = WebhookSubscription(
                id=self.store.next_id("WebhookSubscription"),
                topic=topic,
                uri=uri,
                api_version=api_version or self.webhook_api_version,
                created_at=now,
                updated_at=now,
                include_fields=list(include_fields),
                name=name,
            )
            self.store.webhook_subscriptions[sub.id] = sub
            return gid("WebhookSubscription", sub.id)

    def uninstall(self):
        """Merchant uninstalls the app: app/uninstalled is sent, the app's tokens are refused from now
        on (the API answers 401: how an app confirms the uninstall), subscriptions go."""
        with self.store.lock:
            self.store.emit("app/uninstalled", payloads.shop(self.store))
            self.installed = False
            self.oauth.revoke_all()
            self.store.webhook_subscriptions.clear()

    def reinstall(self):
        """The app is installed again: `access_token` works again (OAuth tokens issued before stay
        revoked; a new install issues new ones)."""
        self.installed = True

    def rotate_access_token(self, new_token=None):
        """The merchant rotates the app's Admin API access token (a custom app's "Rotate" in the admin):
        the current `access_token` is refused from now on (401, as any unknown token), the new one
        works. OAuth tokens are not touched. :returns: the new token."""
        self.access_token = new_token or "shpat_" + uuid.uuid4().hex
        return self.access_token

    def _outage_body(self, status):
        """Shopify's error answers during an outage (`outage()`, ../outage.py) **[?]**: the JSON `errors`
        Shopify's API gives, e.g. for a 429 the REST wording."""
        if status == 429:
            return {"errors": "Exceeded the rate limit for api client. Reduce request rates to resume "
                              "uninterrupted service."}, {}
        return {"errors": {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                           504: "Gateway Timeout"}.get(status, "Error")}, {}

    def trigger_compliance(self, topic, customer=None, orders=(), uri=None):
        """Mandatory compliance webhooks (customers/data_request, customers/redact, shop/redact), sent to
        the URI declared in the app configuration (`compliance_uri`)."""
        if topic not in COMPLIANCE_TOPICS:
            raise ValueError(f"not a compliance topic: {topic}")
        target = uri or self.compliance_uri
        if not target:
            raise ValueError("no compliance_uri configured")
        store = self.store
        with store.lock:
            cust = store.get(store.customers, customer, "Customer") if customer else None
            body = {"shop_id": store.shop_id, "shop_domain": self.shop}
            if topic != "shop/redact":
                body["customer"] = {
                    "id": cust.id if cust else None,
                    "email": cust.email if cust else None,
                    "phone": cust.phone if cust else None,
                }
                order_ids = [parse_gid(o) if isinstance(o, str) else o for o in orders]
                if topic == "customers/redact":
                    body["orders_to_redact"] = order_ids
                else:
                    body["orders_requested"] = order_ids
                    body["data_request"] = {"id": store.next_id("DataRequest")}
            return self.webhooks.emit(topic, body, uri=target, api_version=self.webhook_api_version)

    def seed(self, name="demo"):
        from .seed import seed_bulk, seed_demo

        if name == "demo":
            return seed_demo(self)
        if name == "bulk":
            return seed_bulk(self)
        raise ValueError(f"unknown seed {name!r}")

    def seed_catalog(self, products=250, variants_per_product=8, inventory=10, prefix="SKU"):
        from .seed import seed_catalog

        return seed_catalog(self, products, variants_per_product, inventory, prefix)

    def seed_orders(self, count=500, lines_per_order=2, spread_days=30):
        from .seed import seed_orders

        return seed_orders(self, count, lines_per_order, spread_days)
