"""The shop's data and the business rules that change it (no GraphQL, no HTTP).

Every change goes through a Store method, which keeps Shopify's invariants (stock per inventory item x
location, fulfillment orders, money totals, updated_at) and emits the webhook events the change causes.
Store methods are called under `Store.lock`.
"""

import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from . import payloads
from .payments import DEFAULT_GATEWAY, SHOPIFY_PAYMENTS, PaymentsMixin
from .util import gid, money, parse_gid, slugify

QUANTITY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)
UNAVAILABLE_NAMES = ("committed", "damaged", "quality_control", "reserved", "safety_stock")
INVENTORY_REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
MAX_QUANTITY = 1_000_000_000
MAX_VARIANTS = 2048
MAX_OPTIONS = 3

ID_BASES = {
    "Product": 8_100_000_000_000,
    "ProductVariant": 45_100_000_000_000,
    "InventoryItem": 47_100_000_000_000,
    "InventoryLevel": 120_000_000_000,
    "Location": 71_000_000_000,
    "Order": 6_100_000_000_000,
    "LineItem": 15_100_000_000_000,
    "ShippingLine": 5_100_000_000_000,
    "FulfillmentOrder": 7_100_000_000_000,
    "FulfillmentOrderLineItem": 16_100_000_000_000,
    "Fulfillment": 5_600_000_000_000,
    "Customer": 7_600_000_000_000,
    "MailingAddress": 8_600_000_000_000,
    "Refund": 1_000_000_000_000,
    "RefundLineItem": 500_000_000_000,
    "WebhookSubscription": 1_400_000_000_000,
    "Metafield": 30_000_000_000_000,
    "ProductOption": 10_000_000_000_000,
    "ProductOptionValue": 2_000_000_000_000,
    "BulkOperation": 4_000_000_000_000,
    "InventoryAdjustmentGroup": 33_000_000_000_000,
    "ProductSetOperation": 20_000_000_000,
    "ProductDeleteOperation": 21_000_000_000,
    "OrderTransaction": 5_900_000_000_000,
    "RefundShippingLine": 300_000_000_000,
    "OrderAdjustment": 260_000_000_000,
    "ShopifyPaymentsPayout": 90_000_000,
    "ShopifyPaymentsBalanceTransaction": 310_000_000,
    "ShopifyPaymentsCharge": 2_600_000_000_000,
}

WEBHOOK_TOPICS = {
    "APP_UNINSTALLED": "app/uninstalled",
    "BULK_OPERATIONS_FINISH": "bulk_operations/finish",
    "CUSTOMERS_CREATE": "customers/create",
    "CUSTOMERS_DELETE": "customers/delete",
    "CUSTOMERS_UPDATE": "customers/update",
    "FULFILLMENTS_CREATE": "fulfillments/create",
    "FULFILLMENTS_UPDATE": "fulfillments/update",
    "INVENTORY_ITEMS_CREATE": "inventory_items/create",
    "INVENTORY_ITEMS_DELETE": "inventory_items/delete",
    "INVENTORY_ITEMS_UPDATE": "inventory_items/update",
    "INVENTORY_LEVELS_CONNECT": "inventory_levels/connect",
    "INVENTORY_LEVELS_DISCONNECT": "inventory_levels/disconnect",
    "INVENTORY_LEVELS_UPDATE": "inventory_levels/update",
    "LOCATIONS_CREATE": "locations/create",
    "LOCATIONS_UPDATE": "locations/update",
    "ORDERS_CANCELLED": "orders/cancelled",
    "ORDERS_CREATE": "orders/create",
    "ORDERS_DELETE": "orders/delete",
    "ORDERS_FULFILLED": "orders/fulfilled",
    "ORDERS_PAID": "orders/paid",
    "ORDERS_PARTIALLY_FULFILLED": "orders/partially_fulfilled",
    "ORDERS_UPDATED": "orders/updated",
    "ORDER_TRANSACTIONS_CREATE": "order_transactions/create",
    "PRODUCTS_CREATE": "products/create",
    "PRODUCTS_DELETE": "products/delete",
    "PRODUCTS_UPDATE": "products/update",
    "REFUNDS_CREATE": "refunds/create",
}
TOPIC_SCOPES = {
    "orders": "read_orders",
    "fulfillments": "read_fulfillments",
    "refunds": "read_orders",
    "order_transactions": "read_orders",
    "products": "read_products",
    "inventory_items": "read_inventory",
    "inventory_levels": "read_inventory",
    "customers": "read_customers",
    "locations": "read_locations",
}


class UserErrors(Exception):
    """Input the shop refuses: a list of (field path, message, code)."""

    def __init__(self, errors):
        super().__init__("; ".join(message for _f, message, _c in errors))
        self.errors = errors


@dataclass(slots=True)
class Location:
    id: int
    name: str
    created_at: object
    updated_at: object
    address1: str = ""
    city: str = ""
    zip: str = ""
    country_code: str = "US"
    province_code: str = ""
    is_active: bool = True
    fulfills_online_orders: bool = True


@dataclass(slots=True)
class Metafield:
    id: int
    namespace: str
    key: str
    value: str
    type: str
    created_at: object
    updated_at: object


@dataclass(slots=True)
class Option:
    id: int
    name: str
    position: int
    values: list
    value_ids: dict


@dataclass(slots=True)
class Product:
    id: int
    title: str
    handle: str
    created_at: object
    updated_at: object
    description_html: str = ""
    vendor: str = ""
    product_type: str = ""
    status: str = "ACTIVE"
    tags: list = field(default_factory=list)
    published_at: object = None
    options: list = field(default_factory=list)
    variant_ids: list = field(default_factory=list)
    metafields: list = field(default_factory=list)
    # MediaImage dicts {"id", "original_source", "alt", "content_type"} (ProductSetInput.files)
    media: list = field(default_factory=list)
    collection_ids: list = field(default_factory=list)


@dataclass(slots=True)
class Variant:
    id: int
    product_id: int
    inventory_item_id: int
    created_at: object
    updated_at: object
    option_values: list
    sku: str | None = None
    barcode: str | None = None
    price: Decimal = Decimal("0.00")
    compare_at_price: Decimal | None = None
    position: int = 1
    taxable: bool = True
    inventory_policy: str = "DENY"
    metafields: list = field(default_factory=list)
    media_id: int | None = None  # ProductVariantSetInput.file: one of its product's media

    @property
    def title(self):
        return " / ".join(self.option_values) or "Default Title"


@dataclass(slots=True)
class InventoryItem:
    id: int
    variant_id: int
    created_at: object
    updated_at: object
    tracked: bool = True
    requires_shipping: bool = True
    cost: Decimal | None = None
    country_code_of_origin: str | None = None
    harmonized_system_code: str | None = None
    weight: tuple | None = None  # (value, unit): InventoryItemInput.measurement.weight


@dataclass(slots=True)
class InventoryLevel:
    id: int
    item_id: int
    location_id: int
    created_at: object
    updated_at: object
    quantities: dict = field(default_factory=lambda: dict.fromkeys(QUANTITY_NAMES, 0))


@dataclass(slots=True)
class AdjustmentGroup:
    id: int
    created_at: object
    reason: str
    reference_document_uri: str | None
    changes: list  # dicts: name, delta, quantity_after, item_id, location_id, ledger_document_uri


@dataclass(slots=True)
class Address:
    id: int
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    zip: str | None = None
    phone: str | None = None

    @property
    def name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part) or None


@dataclass(slots=True)
class Customer:
    id: int
    created_at: object
    updated_at: object
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    note: str | None = None
    tags: list = field(default_factory=list)
    tax_exempt: bool = False
    verified_email: bool = True
    state: str = "DISABLED"
    addresses: list = field(default_factory=list)


@dataclass(slots=True)
class TaxLine:
    title: str
    rate: Decimal
    price: Decimal


@dataclass(slots=True)
class LineItem:
    id: int
    title: str
    quantity: int
    price: Decimal
    variant_id: int | None = None
    product_id: int | None = None
    sku: str | None = None
    variant_title: str | None = None
    vendor: str | None = None
    requires_shipping: bool = True
    taxable: bool = True
    tax_lines: list = field(default_factory=list)
    discount_allocations: list = field(default_factory=list)  # (amount, application_index)
    fulfilled_quantity: int = 0
    refunded_quantity: int = 0

    @property
    def name(self):
        return f"{self.title} - {self.variant_title}" if self.variant_title else self.title

    @property
    def discount_total(self):
        return sum((amount for amount, _index in self.discount_allocations), Decimal("0"))


@dataclass(slots=True)
class ShippingLine:
    id: int
    title: str
    price: Decimal
    code: str | None = None
    source: str = "shopify"
    tax_lines: list = field(default_factory=list)
    discount_allocations: list = field(default_factory=list)


@dataclass(slots=True)
class Order:
    id: int
    number: int
    created_at: object
    updated_at: object
    processed_at: object
    currency: str
    line_items: list
    shipping_lines: list = field(default_factory=list)
    discount_applications: list = field(default_factory=list)  # dicts (see _discounts)
    email: str | None = None
    phone: str | None = None
    customer_id: int | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    note: str | None = None
    tags: list = field(default_factory=list)
    taxes_included: bool = False
    financial_status: str = "PAID"
    cancelled_at: object = None
    cancel_reason: str | None = None
    closed_at: object = None
    test: bool = False
    source_name: str = "web"
    fulfillment_order_ids: list = field(default_factory=list)
    fulfillment_ids: list = field(default_factory=list)
    refund_ids: list = field(default_factory=list)
    paid_amount: Decimal = Decimal("0")
    custom_attributes: list = field(default_factory=list)
    transaction_ids: list = field(default_factory=list)  # OrderTransaction ids (payments.py)
    gateway: str | None = None  # the checkout's payment gateway (payment_gateway_names)

    @property
    def name(self):
        return f"#{1000 + self.number}"

    @property
    def order_number(self):
        return 1000 + self.number

    @property
    def line_items_total(self):
        return sum((li.price * li.quantity for li in self.line_items), Decimal("0"))

    @property
    def discounts_total(self):
        lines = sum((li.discount_total for li in self.line_items), Decimal("0"))
        ship = sum((a for sl in self.shipping_lines for a, _i in sl.discount_allocations), Decimal("0"))
        return lines + ship

    @property
    def subtotal(self):
        return self.line_items_total - sum((li.discount_total for li in self.line_items), Decimal("0"))

    @property
    def shipping_total(self):
        return sum((sl.price for sl in self.shipping_lines), Decimal("0"))

    @property
    def tax_total(self):
        lines = sum((t.price for li in self.line_items for t in li.tax_lines), Decimal("0"))
        return lines + sum((t.price for sl in self.shipping_lines for t in sl.tax_lines), Decimal("0"))

    @property
    def total(self):
        ship_discounts = sum(
            (a for sl in self.shipping_lines for a, _i in sl.discount_allocations), Decimal("0")
        )
        total = self.subtotal + self.shipping_total - ship_discounts
        return total if self.taxes_included else total + self.tax_total

    def tax_lines(self):
        """Order-level tax lines: the line and shipping tax lines summed per (title, rate)."""
        merged = {}
        for tax in [t for li in self.line_items for t in li.tax_lines] + [
            t for sl in self.shipping_lines for t in sl.tax_lines
        ]:
            key = (tax.title, tax.rate)
            merged[key] = merged.get(key, Decimal("0")) + tax.price
        return [TaxLine(title, rate, price) for (title, rate), price in merged.items()]


@dataclass(slots=True)
class FulfillmentOrderLine:
    id: int
    line_item_id: int
    total_quantity: int
    remaining_quantity: int


@dataclass(slots=True)
class FulfillmentOrder:
    id: int
    order_id: int
    location_id: int
    created_at: object
    updated_at: object
    lines: list
    status: str = "OPEN"
    request_status: str = "UNSUBMITTED"
    fulfillment_ids: list = field(default_factory=list)


@dataclass(slots=True)
class Fulfillment:
    id: int
    order_id: int
    location_id: int
    name: str
    created_at: object
    updated_at: object
    lines: list  # (line_item_id, quantity)
    tracking: list  # dicts company/number/url
    notify_customer: bool = False
    status: str = "SUCCESS"
    line_ids: list = field(default_factory=list)


@dataclass(slots=True)
class Refund:
    id: int
    order_id: int
    created_at: object
    note: str | None
    lines: list  # dicts: id, line_item_id, quantity, restock_type, subtotal, tax, location_id
    amount: Decimal
    restock: bool = True
    transaction_ids: list = field(default_factory=list)
    shipping_lines: list = field(default_factory=list)  # dicts: id, shipping_line_id, subtotal, tax
    adjustment_id: int | None = None  # the REST order adjustment of a shipping refund


@dataclass(slots=True)
class WebhookSubscription:
    id: int
    topic: str
    uri: str
    api_version: str
    created_at: object
    updated_at: object
    format: str = "JSON"
    include_fields: list = field(default_factory=list)
    metafield_namespaces: list = field(default_factory=list)
    filter: str | None = None
    via_api: bool = True
    name: str | None = None


@dataclass(slots=True)
class BulkOperation:
    id: int
    query: str
    created_at: object
    status: str = "CREATED"
    error_code: str | None = None
    type: str = "QUERY"
    completed_at: object = None
    object_count: int = 0
    root_object_count: int = 0
    data: bytes = b""
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    polls: int = 0
    created_monotonic: float = 0.0


@dataclass(slots=True)
class ProductOperationRecord:
    id: int
    kind: str
    product_id: int | None
    status: str
    user_errors: list
    deleted_product_id: int | None = None


class Store(PaymentsMixin):
    """Everything one shop holds, plus the rules that change it (money after the checkout: payments.py)."""

    def __init__(self, clock, shop_domain, currency="USD", emit=None):
        self.lock = threading.RLock()
        self.clock = clock
        self.shop_domain = shop_domain
        self.shop_id = 68_000_000_001
        self.shop_name = shop_domain.split(".")[0].replace("-", " ").title()
        self.currency = currency
        self.created_at = clock.now() - timedelta(days=400)
        self.emit = emit or (lambda topic, payload, **kw: None)
        self._counters = {}
        self.locations, self.products, self.variants = {}, {}, {}
        self.inventory_items, self.levels, self.levels_by_id = {}, {}, {}
        self.customers, self.orders, self.fulfillment_orders = {}, {}, {}
        self.fulfillments, self.refunds, self.webhook_subscriptions = {}, {}, {}
        self.bulk_operations, self.adjustment_groups, self.product_operations = {}, {}, {}
        self.idempotency = {}
        self.handles = {}
        self.collections = {}  # id -> title (created by tests: add_collection)
        self.order_count = 0
        self._init_payments()

    # ------------------------------------------------------------------------------------------ ids

    def next_id(self, kind):
        value = self._counters.get(kind, ID_BASES.get(kind, 1_000_000)) + 1
        self._counters[kind] = value
        return value

    def now(self):
        return self.clock.now()

    # ------------------------------------------------------------------------------------------ lookups

    def get(self, collection, value, kind):
        """Record of `collection` for a GID (or bare numeric id), or None."""
        num = parse_gid(value, kind) if isinstance(value, str) else value
        return collection.get(num) if num is not None else None

    def variant_by_sku(self, sku):
        for variant in self.variants.values():
            if variant.sku == sku:
                return variant
        return None

    def primary_location(self):
        return next(iter(self.locations.values()))

    def level(self, item_id, location_id):
        return self.levels.get((item_id, location_id))

    def item_levels(self, item_id):
        return [lvl for (iid, _lid), lvl in self.levels.items() if iid == item_id]

    # ------------------------------------------------------------------------------------------ locations

    def add_location(self, name, **fields):
        now = self.now()
        location = Location(id=self.next_id("Location"), name=name, created_at=now, updated_at=now, **fields)
        self.locations[location.id] = location
        self.emit("locations/create", payloads.location(self, location))
        return location

    # ------------------------------------------------------------------------------------------ inventory

    def activate(self, item_id, location_id, available=None):
        level = self.levels.get((item_id, location_id))
        if level is None:
            now = self.now()
            level = InventoryLevel(
                id=self.next_id("InventoryLevel"),
                item_id=item_id,
                location_id=location_id,
                created_at=now,
                updated_at=now,
            )
            self.levels[(item_id, location_id)] = level
            self.levels_by_id[level.id] = level
            self.emit("inventory_levels/connect", payloads.inventory_level(self, level))
        if available is not None:
            self._set_quantity(level, "available", available)
            self.emit("inventory_levels/update", payloads.inventory_level(self, level))
        return level

    def _set_quantity(self, level, name, quantity):
        """Set `available` or `on_hand` (the other follows); returns list of (name, delta, after)."""
        q = level.quantities
        if name == "available":
            delta = quantity - q["available"]
            q["available"] = quantity
            q["on_hand"] += delta
            changes = [("available", delta, q["available"]), ("on_hand", delta, q["on_hand"])]
        elif name == "on_hand":
            delta = quantity - q["on_hand"]
            q["on_hand"] = quantity
            q["available"] += delta
            changes = [("available", delta, q["available"]), ("on_hand", delta, q["on_hand"])]
        else:
            delta = quantity - q[name]
            q[name] = quantity
            changes = [(name, delta, quantity)]
        level.updated_at = self.now()
        return changes

    def _adjust(self, level, name, delta):
        q = level.quantities
        q[name] += delta
        if name in ("available", *UNAVAILABLE_NAMES):
            q["on_hand"] += delta
        level.updated_at = self.now()

    def _move(self, level, source, target, quantity):
        level.quantities[source] -= quantity
        level.quantities[target] += quantity
        level.updated_at = self.now()

    def set_quantities(
        self,
        name,
        reason,
        quantities,
        reference_document_uri=None,
        version_requires_cfq=True,
        stocks_anywhere=True,
    ):
        """inventorySetQuantities: all-or-nothing; returns the AdjustmentGroup. Raises UserErrors.

        `quantities` are dicts with inventoryItemId, locationId, quantity and, when given, changeFromQuantity
        / compareQuantity (absent keys mean "not given"; None means "skip the check").
        `stocks_anywhere` (API 2026-10 on): an item not stocked at the location is stocked there (its
        quantities start at 0); before, it is refused with ITEM_NOT_STOCKED_AT_LOCATION.
        """
        errors = []
        if name not in ("available", "on_hand"):
            errors.append(
                (
                    ["input", "name"],
                    "The quantity name must be either 'available' or 'on_hand'.",
                    "INVALID_NAME",
                )
            )
        if reason not in INVENTORY_REASONS:
            errors.append((["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
        if reference_document_uri is not None and not str(reference_document_uri).strip():
            errors.append(
                (
                    ["input", "referenceDocumentUri"],
                    "The specified reference document is invalid.",
                    "INVALID_REFERENCE_DOCUMENT",
                )
            )
        seen, plan = set(), []
        for index, entry in enumerate(quantities):
            path = ["input", "quantities", str(index)]
            item = self.get(self.inventory_items, entry["inventoryItemId"], "InventoryItem")
            location = self.get(self.locations, entry["locationId"], "Location")
            if item is None:
                errors.append(
                    (
                        [*path, "inventoryItemId"],
                        "The specified inventory item could not be found.",
                        "INVALID_INVENTORY_ITEM",
                    )
                )
                continue
            if location is None:
                errors.append(
                    ([*path, "locationId"], "The specified location could not be found.", "INVALID_LOCATION")
                )
                continue
            if (item.id, location.id) in seen:
                errors.append(
                    (
                        path,
                        "The combination of inventoryItemId and locationId must be unique.",
                        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    )
                )
                continue
            seen.add((item.id, location.id))
            level = self.levels.get((item.id, location.id))
            if level is None and not stocks_anywhere:
                errors.append(
                    (
                        path,
                        "The specified inventory item is not stocked at the location.",
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                    )
                )
                continue
            quantity = entry["quantity"]
            if quantity > MAX_QUANTITY:
                errors.append(
                    (
                        [*path, "quantity"],
                        "The total quantity can't be higher than 1,000,000,000.",
                        "INVALID_QUANTITY_TOO_HIGH",
                    )
                )
                continue
            if quantity < -MAX_QUANTITY:
                errors.append(
                    (
                        [*path, "quantity"],
                        "The total quantity can't be lower than -1,000,000,000.",
                        "INVALID_QUANTITY_TOO_LOW",
                    )
                )
                continue
            if name == "on_hand" and quantity < 0:
                errors.append(
                    ([*path, "quantity"], "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE")
                )
                continue
            current = level.quantities[name] if level is not None and name in level.quantities else 0
            if "changeFromQuantity" in entry:
                expected = entry["changeFromQuantity"]
                if expected is not None and expected != current:
                    errors.append(
                        (
                            [*path, "changeFromQuantity"],
                            "The changeFromQuantity value does not match persisted value.",
                            "CHANGE_FROM_QUANTITY_STALE",
                        )
                    )
                    continue
            elif not version_requires_cfq and not entry.get("_ignoreCompare"):
                if "compareQuantity" not in entry or entry["compareQuantity"] is None:
                    errors.append(
                        (
                            [*path, "compareQuantity"],
                            "The compareQuantity argument must be given to each quantity or ignored using "
                            "ignoreCompareQuantity.",
                            "COMPARE_QUANTITY_REQUIRED",
                        )
                    )
                    continue
                if entry["compareQuantity"] != current:
                    errors.append(
                        (
                            [*path, "compareQuantity"],
                            "The compareQuantity value does not match persisted value.",
                            "COMPARE_QUANTITY_STALE",
                        )
                    )
                    continue
            plan.append((item.id, location.id, quantity))
        if errors:
            raise UserErrors(errors)
        changes, levels = [], []
        for item_id, location_id, quantity in plan:
            level = self.activate(item_id, location_id)
            levels.append(level)
            for qname, delta, after in self._set_quantity(level, name, quantity):
                changes.append(
                    {
                        "name": qname,
                        "delta": delta,
                        "quantity_after": after,
                        "item_id": level.item_id,
                        "location_id": level.location_id,
                        "ledger_document_uri": None,
                    }
                )
        group = self._adjustment_group(reason, reference_document_uri, changes)
        for level in levels:
            self.emit("inventory_levels/update", payloads.inventory_level(self, level))
        return group

    def adjust_quantities(self, name, reason, changes_in, reference_document_uri=None, stocks_anywhere=True):
        """inventoryAdjustQuantities (deltas). Raises UserErrors. `stocks_anywhere`: as set_quantities."""
        errors = []
        if name not in QUANTITY_NAMES or name == "on_hand":
            errors.append((["input", "name"], "The quantity name is invalid.", "INVALID_QUANTITY_NAME"))
        if reason not in INVENTORY_REASONS:
            errors.append((["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
        plan = []
        for index, entry in enumerate(changes_in):
            path = ["input", "changes", str(index)]
            item = self.get(self.inventory_items, entry["inventoryItemId"], "InventoryItem")
            location = self.get(self.locations, entry["locationId"], "Location")
            if item is None or location is None:
                errors.append(
                    (
                        path,
                        "The specified inventory item or location could not be found.",
                        "INVALID_INVENTORY_ITEM" if item is None else "INVALID_LOCATION",
                    )
                )
                continue
            level = self.levels.get((item.id, location.id))
            if level is None and not stocks_anywhere:
                errors.append(
                    (
                        path,
                        "The specified inventory item is not stocked at the location.",
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                    )
                )
                continue
            expected = entry.get("changeFromQuantity")
            current = level.quantities.get(name, 0) if level is not None else 0
            if expected is not None and expected != current:
                errors.append(
                    (
                        [*path, "changeFromQuantity"],
                        "The changeFromQuantity value does not match persisted value.",
                        "CHANGE_FROM_QUANTITY_STALE",
                    )
                )
                continue
            plan.append((item.id, location.id, entry["delta"], entry.get("ledgerDocumentUri")))
        if errors:
            raise UserErrors(errors)
        changes, levels = [], []
        for item_id, location_id, delta, ledger in plan:
            level = self.activate(item_id, location_id)
            levels.append(level)
            self._adjust(level, name, delta)
            changes.append(
                {
                    "name": name,
                    "delta": delta,
                    "quantity_after": level.quantities[name],
                    "item_id": level.item_id,
                    "location_id": level.location_id,
                    "ledger_document_uri": ledger,
                }
            )
            if name != "on_hand":
                changes.append(
                    {
                        "name": "on_hand",
                        "delta": delta,
                        "quantity_after": level.quantities["on_hand"],
                        "item_id": level.item_id,
                        "location_id": level.location_id,
                        "ledger_document_uri": None,
                    }
                )
        group = self._adjustment_group(reason, reference_document_uri, changes)
        for level in levels:
            self.emit("inventory_levels/update", payloads.inventory_level(self, level))
        return group

    def _adjustment_group(self, reason, reference_document_uri, changes):
        group = AdjustmentGroup(
            id=self.next_id("InventoryAdjustmentGroup"),
            created_at=self.now(),
            reason=reason,
            reference_document_uri=reference_document_uri,
            changes=changes,
        )
        self.adjustment_groups[group.id] = group
        return group

    # ------------------------------------------------------------------------------------------ products

    def _unique_handle(self, wanted, product_id=None):
        base = slugify(wanted)
        handle, n = base, 0
        while self.handles.get(handle) not in (None, product_id):
            n += 1
            handle = f"{base}-{n}"
        return handle

    def _new_variant(self, product, option_values, position):
        now = self.now()
        variant = Variant(
            id=self.next_id("ProductVariant"),
            product_id=product.id,
            inventory_item_id=self.next_id("InventoryItem"),
            created_at=now,
            updated_at=now,
            option_values=list(option_values),
            position=position,
        )
        item = InventoryItem(
            id=variant.inventory_item_id, variant_id=variant.id, created_at=now, updated_at=now
        )
        self.variants[variant.id] = variant
        self.inventory_items[item.id] = item
        return variant, item

    def _delete_variant(self, variant):
        item = self.inventory_items.pop(variant.inventory_item_id, None)
        for level in self.item_levels(variant.inventory_item_id):
            self.levels.pop((level.item_id, level.location_id), None)
            self.levels_by_id.pop(level.id, None)
        self.variants.pop(variant.id, None)
        if item is not None:
            self.emit(
                "inventory_items/delete",
                {
                    "id": item.id,
                    "country_code_of_origin": None,
                    "province_code_of_origin": None,
                    "harmonized_system_code": None,
                    "country_harmonized_system_codes": [],
                },
            )

    def _metafields(self, existing, inputs, path, errors):
        """List replacement of metafields: returns the new list (entries keyed by namespace+key)."""
        by_key = {(m.namespace, m.key): m for m in existing}
        result, now = [], self.now()
        for index, entry in enumerate(inputs or []):
            namespace = entry.get("namespace") or "custom"
            key, value, mtype = entry.get("key"), entry.get("value"), entry.get("type")
            current = by_key.get((namespace, key))
            if not key or value is None or (current is None and not mtype):
                errors.append(
                    ([*path, str(index)], "Metafield key, value and type are required.", "INVALID_METAFIELD")
                )
                continue
            if current is None:
                current = Metafield(
                    id=self.next_id("Metafield"),
                    namespace=namespace,
                    key=key,
                    value=str(value),
                    type=mtype,
                    created_at=now,
                    updated_at=now,
                )
            else:
                current = Metafield(
                    id=current.id,
                    namespace=namespace,
                    key=key,
                    value=str(value),
                    type=mtype or current.type,
                    created_at=current.created_at,
                    updated_at=now,
                )
            result.append(current)
        return result

    def _check_files(self, product, data, errors):
        """ProductSetInput.files and ProductVariantSetInput.file: a file is an existing media (id)
        or a new one fetched from its originalSource; a variant's file must be one of the product's
        (in this input's files, or already on the product when files are not given)."""
        known = {media["id"] for media in (product.media if product else [])}
        files = data.get("files")
        sources = set()
        for index, file_in in enumerate(files or []):
            path = ["input", "files", str(index)]
            if file_in.get("id"):
                if parse_gid(file_in["id"], "MediaImage") not in known:
                    errors.append((path + ["id"], "File does not exist", "INVALID_INPUT"))
            elif not (file_in.get("originalSource") or "").startswith(("http://", "https://")):
                errors.append((path + ["originalSource"], "Original source must be a URL", "INVALID_INPUT"))
            else:
                sources.add(file_in["originalSource"])
        if files is None:
            sources = {media["original_source"] for media in (product.media if product else [])}
        ids = {file_in.get("id") for file_in in files or [] if file_in.get("id")} if files is not None else {
            gid("MediaImage", media_id) for media_id in known}
        for index, variant_in in enumerate(data.get("variants") or []):
            file_in = variant_in.get("file")
            if file_in is None:
                continue
            if not (file_in.get("originalSource") in sources or (file_in.get("id") and file_in["id"] in ids)):
                errors.append((
                    ["input", "variants", str(index), "file"],
                    "The file of a variant must also be in the product's files",
                    "INVALID_INPUT",
                ))

    def _set_media(self, product, files):
        """The product's media after a productSet with `files`: listed existing media stay, new
        sources become new media, the others are deleted (list replacement)."""
        current = {media["id"]: media for media in product.media}
        result = []
        for file_in in files:
            if file_in.get("id"):
                result.append(current[parse_gid(file_in["id"], "MediaImage")])
                continue
            result.append({
                "id": self.next_id("MediaImage"),
                "original_source": file_in["originalSource"],
                "alt": file_in.get("alt") or "",
                "content_type": file_in.get("contentType") or "IMAGE",
            })
        kept = {media["id"] for media in result}
        for variant_id in product.variant_ids:
            variant = self.variants.get(variant_id)
            if variant and variant.media_id not in kept:
                variant.media_id = None
        return result

    def _media_of(self, product, file_in):
        if file_in.get("id"):
            return parse_gid(file_in["id"], "MediaImage")
        return next(
            (media["id"] for media in product.media
             if media["original_source"] == file_in.get("originalSource")),
            None,
        )

    def add_collection(self, title):
        """A collection (created in the shop's admin): :returns: its GID."""
        collection_id = self.next_id("Collection")
        self.collections[collection_id] = title
        return gid("Collection", collection_id)

    def product_set(self, data, identifier=None):
        """productSet: upsert with list replacement. Returns the Product; raises UserErrors."""
        errors = []
        product, custom_id = None, None
        if identifier:
            if identifier.get("id"):
                product = self.get(self.products, identifier["id"], "Product")
                if product is None:
                    raise UserErrors(
                        [(["identifier", "id"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]
                    )
            elif identifier.get("handle"):
                pid = self.handles.get(identifier["handle"])
                product = self.products.get(pid) if pid else None
                data = {"handle": identifier["handle"], **data} if product is None else data
            elif identifier.get("customId"):
                custom_id = identifier["customId"]
                namespace = custom_id.get("namespace") or "custom"
                for candidate in self.products.values():
                    if any(
                        m.namespace == namespace
                        and m.key == custom_id["key"]
                        and m.value == custom_id["value"]
                        for m in candidate.metafields
                    ):
                        product = candidate
                        break
        elif data.get("id"):
            product = self.get(self.products, data["id"], "Product")
            if product is None:
                raise UserErrors([(["input", "id"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")])
        creating = product is None
        if creating and not (data.get("title") or "").strip():
            errors.append((["input", "title"], "Title can't be blank", "INVALID_PRODUCT"))
        if "handle" in data and data["handle"] is not None:
            owner = self.handles.get(slugify(data["handle"]))
            if owner is not None and (product is None or owner != product.id):
                errors.append(
                    (
                        ["input", "handle"],
                        f"Handle '{data['handle']}' already in use. Please provide a new handle.",
                        "HANDLE_NOT_UNIQUE",
                    )
                )

        variants_in = data.get("variants")
        options_in = data.get("productOptions")
        if variants_in is not None and len(variants_in) > MAX_VARIANTS:
            raise UserErrors(
                [
                    (
                        ["input", "variants"],
                        f"Variant count is over the allowed limit of {MAX_VARIANTS}.",
                        "VARIANTS_OVER_LIMIT",
                    )
                ]
            )
        # --- options
        if options_in is not None:
            option_defs = []
            for index, opt in enumerate(options_in):
                name = (opt.get("name") or "").strip()
                if not name and opt.get("id") and product is not None:
                    name = next(
                        (o.name for o in product.options if gid("ProductOption", o.id) == opt["id"]), ""
                    )
                if not name:
                    errors.append(
                        (
                            ["input", "productOptions", str(index), "name"],
                            "Option name can't be blank",
                            "INVALID_INPUT",
                        )
                    )
                    continue
                values = [v.get("name") for v in opt.get("values") or [] if v.get("name")]
                if len(set(values)) != len(values):
                    errors.append(
                        (
                            ["input", "productOptions", str(index), "values"],
                            f"Duplicated option value for option '{name}'.",
                            "DUPLICATED_OPTION_VALUE",
                        )
                    )
                option_defs.append((name, values))
            names = [name for name, _v in option_defs]
            if len(set(n.lower() for n in names)) != len(names):
                errors.append(
                    (["input", "productOptions"], "Duplicated option name.", "DUPLICATED_OPTION_NAME")
                )
        elif variants_in is not None:
            option_defs = []
            for variant_in in variants_in:
                for ov in variant_in.get("optionValues") or []:
                    oname = ov.get("optionName")
                    if not oname:
                        continue
                    entry = next((d for d in option_defs if d[0] == oname), None)
                    if entry is None:
                        entry = (oname, [])
                        option_defs.append(entry)
                    if ov.get("name") and ov["name"] not in entry[1]:
                        entry[1].append(ov["name"])
            if not option_defs:
                option_defs = [("Title", ["Default Title"])]
        elif creating:
            option_defs = [("Title", ["Default Title"])]
        else:
            option_defs = [(o.name, list(o.values)) for o in product.options]
        if len(option_defs) > MAX_OPTIONS:
            errors.append(
                (["input", "productOptions"], f"Options over limit of {MAX_OPTIONS}.", "OPTIONS_OVER_LIMIT")
            )
        option_names = [name for name, _v in option_defs]
        is_default = option_names == ["Title"]

        # --- variants (validated against the option definitions, matched to existing ones)
        existing = [self.variants[v] for v in product.variant_ids] if product else []
        plan = []  # (variant or None, option_values, input)
        if variants_in is not None:
            taken, combos = set(), set()
            for index, variant_in in enumerate(variants_in):
                path = ["input", "variants", str(index)]
                values = {}
                for ov in variant_in.get("optionValues") or []:
                    oname = ov.get("optionName")
                    if not oname and ov.get("optionId") and product is not None:
                        oname = next(
                            (o.name for o in product.options if gid("ProductOption", o.id) == ov["optionId"]),
                            None,
                        )
                    if oname not in option_names:
                        errors.append(
                            (
                                [*path, "optionValues"],
                                f"Option '{oname}' does not exist.",
                                "OPTION_DOES_NOT_EXIST",
                            )
                        )
                        continue
                    values[oname] = ov.get("name")
                if is_default and not values:
                    values = {"Title": "Default Title"}
                missing = [name for name in option_names if not values.get(name)]
                if missing:
                    errors.append(
                        (
                            [*path, "optionValues"],
                            f"Option values are missing for: {', '.join(missing)}.",
                            "OPTION_VALUES_MISSING",
                        )
                    )
                    continue
                ordered = [values[name] for name in option_names]
                if options_in is not None:
                    for name, value in zip(option_names, ordered, strict=True):
                        declared = dict(option_defs)[name]
                        if declared and value not in declared:
                            errors.append(
                                (
                                    [*path, "optionValues"],
                                    f"Option value '{value}' does not exist for option '{name}'.",
                                    "OPTION_DOES_NOT_EXIST",
                                )
                            )
                combo = tuple(v.lower() for v in ordered)
                if combo in combos:
                    errors.append(
                        (path, f"The variant '{' / '.join(ordered)}' already exists.", "INVALID_VARIANT")
                    )
                    continue
                combos.add(combo)
                price = variant_in.get("price")
                if price is not None and money(price) < 0:
                    errors.append(
                        ([*path, "price"], "Price cannot take a negative value.", "INVALID_VARIANT")
                    )
                target = None
                if variant_in.get("id"):
                    target = self.get(self.variants, variant_in["id"], "ProductVariant")
                    if target is None or product is None or target.product_id != product.id:
                        errors.append(
                            (
                                [*path, "id"],
                                "Product variant does not exist",
                                "PRODUCT_VARIANT_DOES_NOT_EXIST",
                            )
                        )
                        continue
                else:
                    target = next(
                        (
                            v
                            for v in existing
                            if v.id not in taken and tuple(x.lower() for x in v.option_values) == combo
                        ),
                        None,
                    )
                if target is not None:
                    taken.add(target.id)
                for qi, qty in enumerate(variant_in.get("inventoryQuantities") or []):
                    if self.get(self.locations, qty["locationId"], "Location") is None:
                        errors.append(
                            (
                                [*path, "inventoryQuantities", str(qi), "locationId"],
                                "Location does not exist.",
                                "INVALID_INPUT",
                            )
                        )
                    if qty["name"] not in ("available", "on_hand"):
                        errors.append(
                            (
                                [*path, "inventoryQuantities", str(qi), "name"],
                                "Quantity name must be 'available' or 'on_hand'.",
                                "INVALID_INPUT",
                            )
                        )
                known = {(m.namespace, m.key) for m in (target.metafields if target else [])}
                for mi, mf in enumerate(variant_in.get("metafields") or []):
                    new_one = (mf.get("namespace") or "custom", mf.get("key")) not in known
                    if not mf.get("key") or mf.get("value") is None or (new_one and not mf.get("type")):
                        errors.append(
                            (
                                [*path, "metafields", str(mi)],
                                "Metafield key, value and type are required.",
                                "INVALID_METAFIELD",
                            )
                        )
                plan.append((target, ordered, variant_in))
        elif options_in is not None and not creating and option_names != [o.name for o in product.options]:
            errors.append(
                (
                    ["input", "variants"],
                    "Variants must be provided when the product options change.",
                    "INVALID_INPUT",
                )
            )
        new_product_mf = None
        if data.get("metafields") is not None:
            new_product_mf = self._metafields(
                product.metafields if product else [], data["metafields"], ["input", "metafields"], errors
            )
        self._check_files(product, data, errors)
        for index, collection in enumerate(data.get("collections") or []):
            if self.get(self.collections, collection, "Collection") is None:
                errors.append(
                    (["input", "collections", str(index)], "Collection does not exist", "INVALID_INPUT")
                )
        if errors:
            raise UserErrors(errors)

        # --- apply
        now = self.now()
        if creating:
            title = data["title"].strip()
            product = Product(
                id=self.next_id("Product"),
                title=title,
                handle="",
                created_at=now,
                updated_at=now,
                published_at=now,
            )
            product.handle = self._unique_handle(data.get("handle") or title, product.id)
            self.handles[product.handle] = product.id
            self.products[product.id] = product
        for key, attr in (
            ("title", "title"),
            ("descriptionHtml", "description_html"),
            ("vendor", "vendor"),
            ("productType", "product_type"),
            ("status", "status"),
        ):
            if data.get(key) is not None:
                setattr(product, attr, data[key].strip() if key == "title" else data[key])
        if data.get("handle") and not creating:
            self.handles.pop(product.handle, None)
            product.handle = self._unique_handle(data["handle"], product.id)
            self.handles[product.handle] = product.id
        if data.get("tags") is not None:
            product.tags = sorted({t.strip() for t in data["tags"] if t and t.strip()})
        if new_product_mf is not None:
            product.metafields = new_product_mf
        if data.get("files") is not None:
            product.media = self._set_media(product, data["files"])
        if data.get("collections") is not None:
            product.collection_ids = [parse_gid(c, "Collection") for c in data["collections"]]
        if custom_id is not None and creating:
            product.metafields.append(
                Metafield(
                    id=self.next_id("Metafield"),
                    namespace=custom_id.get("namespace") or "custom",
                    key=custom_id["key"],
                    value=custom_id["value"],
                    type="id",
                    created_at=now,
                    updated_at=now,
                )
            )
        old_options = {o.name: o for o in product.options}
        product.options = []
        for position, (name, values) in enumerate(option_defs, start=1):
            previous = old_options.get(name)
            value_ids = dict(previous.value_ids) if previous else {}
            for value in values:
                value_ids.setdefault(value, self.next_id("ProductOptionValue"))
            product.options.append(
                Option(
                    id=previous.id if previous else self.next_id("ProductOption"),
                    name=name,
                    position=position,
                    values=list(values),
                    value_ids=value_ids,
                )
            )

        if variants_in is None and creating:
            plan = [(None, ["Default Title"], {})]
        if variants_in is not None or creating:
            keep = {target.id for target, _o, _i in plan if target is not None}
            for variant in existing:
                if variant.id not in keep:
                    self._delete_variant(variant)
            product.variant_ids = []
            for position, (target, ordered, variant_in) in enumerate(plan, start=1):
                new = target is None
                if new:
                    target, item = self._new_variant(product, ordered, position)
                else:
                    item = self.inventory_items[target.inventory_item_id]
                    target.option_values = list(ordered)
                target.position = variant_in.get("position") or position
                self._apply_variant(target, item, variant_in, errors)
                if variant_in.get("file") is not None:
                    target.media_id = self._media_of(product, variant_in["file"])
                if new:
                    self.activate(item.id, self.primary_location().id)
                    self.emit("inventory_items/create", payloads.inventory_item(self, item))
                for qty in variant_in.get("inventoryQuantities") or []:
                    location = self.get(self.locations, qty["locationId"], "Location")
                    level = self.activate(item.id, location.id)
                    self._set_quantity(level, qty["name"], qty["quantity"])
                    self.emit("inventory_levels/update", payloads.inventory_level(self, level))
                target.updated_at = now
                product.variant_ids.append(target.id)
            for name, option in ((o.name, o) for o in product.options):
                index = option_names.index(name)
                for variant_id in product.variant_ids:
                    value = self.variants[variant_id].option_values[index]
                    if value not in option.values:
                        option.values.append(value)
                        option.value_ids.setdefault(value, self.next_id("ProductOptionValue"))
        product.updated_at = now
        self.emit("products/create" if creating else "products/update", payloads.product(self, product))
        return product

    def _apply_variant(self, variant, item, data, errors):
        if "sku" in data:
            variant.sku = data["sku"]
        inv = data.get("inventoryItem") or {}
        if inv.get("sku") is not None:
            variant.sku = inv["sku"]
        for key, attr in (
            ("barcode", "barcode"),
            ("taxable", "taxable"),
            ("inventoryPolicy", "inventory_policy"),
        ):
            if key in data and data[key] is not None:
                setattr(variant, attr, data[key])
        if data.get("price") is not None:
            variant.price = money(data["price"])
        if "compareAtPrice" in data:
            variant.compare_at_price = (
                money(data["compareAtPrice"]) if data["compareAtPrice"] is not None else None
            )
        for key, attr in (
            ("tracked", "tracked"),
            ("requiresShipping", "requires_shipping"),
            ("countryCodeOfOrigin", "country_code_of_origin"),
            ("harmonizedSystemCode", "harmonized_system_code"),
        ):
            if inv.get(key) is not None:
                setattr(item, attr, inv[key])
        if inv.get("cost") is not None:
            item.cost = money(inv["cost"])
        weight = (inv.get("measurement") or {}).get("weight")
        if weight is not None:
            item.weight = (float(weight["value"]), weight["unit"])
        item.updated_at = self.now()
        if data.get("metafields") is not None:
            variant.metafields = self._metafields(
                variant.metafields, data["metafields"], ["input", "variants"], errors
            )

    def product_update(self, data):
        product = self.get(self.products, data.get("id"), "Product")
        if product is None:
            raise UserErrors([(["id"], "Product does not exist", None)])
        if "title" in data and not (data["title"] or "").strip():
            raise UserErrors([(["title"], "Title can't be blank", None)])
        errors = []
        if data.get("metafields") is not None:
            merged = {(m.namespace, m.key): m for m in product.metafields}
            for mf in self._metafields(product.metafields, data["metafields"], ["metafields"], errors):
                merged[(mf.namespace, mf.key)] = mf  # productUpdate merges metafields, it does not replace
            if errors:
                raise UserErrors([(f, m, None) for f, m, _c in errors])
            product.metafields = list(merged.values())
        for key, attr in (
            ("title", "title"),
            ("descriptionHtml", "description_html"),
            ("vendor", "vendor"),
            ("productType", "product_type"),
            ("status", "status"),
        ):
            if data.get(key) is not None:
                setattr(product, attr, data[key])
        if data.get("tags") is not None:
            product.tags = sorted({t.strip() for t in data["tags"] if t and t.strip()})
        if data.get("handle"):
            self.handles.pop(product.handle, None)
            product.handle = self._unique_handle(data["handle"], product.id)
            self.handles[product.handle] = product.id
        product.updated_at = self.now()
        self.emit("products/update", payloads.product(self, product))
        return product

    def product_delete(self, product_id):
        product = self.get(self.products, product_id, "Product")
        if product is None:
            raise UserErrors([(["id"], "Product does not exist", None)])
        for variant_id in list(product.variant_ids):
            self._delete_variant(self.variants[variant_id])
        self.handles.pop(product.handle, None)
        del self.products[product.id]
        self.emit("products/delete", {"id": product.id})
        return product.id

    # ------------------------------------------------------------------------------------------ customers

    def _address(self, data):
        if not data:
            return None
        country_code = data.get("countryCode") or data.get("country_code")
        return Address(
            id=self.next_id("MailingAddress"),
            first_name=data.get("firstName") or data.get("first_name"),
            last_name=data.get("lastName") or data.get("last_name"),
            company=data.get("company"),
            address1=data.get("address1"),
            address2=data.get("address2"),
            city=data.get("city"),
            province=data.get("province"),
            province_code=data.get("provinceCode") or data.get("province_code"),
            country=data.get("country"),
            country_code=country_code,
            zip=data.get("zip"),
            phone=data.get("phone"),
        )

    def customer_save(self, data, customer=None):
        """customerCreate / customerUpdate; raises UserErrors (plain UserError: no code)."""
        email = data.get("email")
        errors = []
        if email is not None and email and "@" not in email:
            errors.append((["email"], "Email is invalid", None))
        if email:
            clash = next(
                (
                    c
                    for c in self.customers.values()
                    if c.email
                    and c.email.lower() == email.lower()
                    and (customer is None or c.id != customer.id)
                ),
                None,
            )
            if clash is not None:
                errors.append((["email"], "Email has already been taken", None))
        if customer is None and not any(data.get(k) for k in ("email", "phone", "firstName", "lastName")):
            errors.append((None, "A name, phone number, or email address must be present", None))
        if errors:
            raise UserErrors(errors)
        now = self.now()
        creating = customer is None
        if creating:
            customer = Customer(id=self.next_id("Customer"), created_at=now, updated_at=now)
            self.customers[customer.id] = customer
        for key, attr in (
            ("email", "email"),
            ("phone", "phone"),
            ("firstName", "first_name"),
            ("lastName", "last_name"),
            ("note", "note"),
            ("taxExempt", "tax_exempt"),
        ):
            if key in data:
                setattr(customer, attr, data[key])
        if data.get("tags") is not None:
            customer.tags = sorted({t.strip() for t in data["tags"] if t and t.strip()})
        if data.get("addresses") is not None:
            customer.addresses = [self._address(a) for a in data["addresses"]]
        customer.updated_at = now
        self.emit("customers/create" if creating else "customers/update", payloads.customer(self, customer))
        return customer

    # ------------------------------------------------------------------------------------------ orders

    def create_order(
        self,
        line_items,
        *,
        customer=None,
        email=None,
        phone=None,
        shipping_address=None,
        billing_address=None,
        shipping_lines=None,
        discount_codes=None,
        tax_rate=None,
        tax_title="VAT",
        taxes_included=False,
        financial_status="PAID",
        created_at=None,
        currency=None,
        note=None,
        tags=None,
        location=None,
        test=False,
        source_name="web",
        reserve_inventory=True,
        custom_attributes=None,
        gateway=None,
    ):
        """Seed an order the way a checkout would; returns the Order (emits orders/create, its
        order_transactions/create, orders/paid). `gateway` is the payment gateway of the checkout
        (default shopify_payments, `manual` for a PENDING order); a PAID, AUTHORIZED, PARTIALLY_PAID or
        PENDING order gets the transactions of that state (payments.open_payment)."""
        now = self.now()
        created = created_at or now
        currency = currency or self.currency
        if customer is not None and not isinstance(customer, Customer):
            customer = (
                self.get(self.customers, customer, "Customer")
                if not isinstance(customer, dict)
                else (
                    self.customer_save(
                        {
                            "email": customer.get("email"),
                            "firstName": customer.get("first_name"),
                            "lastName": customer.get("last_name"),
                            "phone": customer.get("phone"),
                        }
                    )
                )
            )
        location = (
            self.get(self.locations, location, "Location")
            if location is not None
            else self.primary_location()
        )
        lines = []
        for spec in line_items:
            variant = None
            if spec.get("variant_id") is not None:
                variant = self.get(self.variants, spec["variant_id"], "ProductVariant")
            elif spec.get("sku"):
                variant = self.variant_by_sku(spec["sku"])
            if variant is None and not spec.get("title"):
                raise ValueError(f"no variant for line item {spec!r}")
            product = self.products.get(variant.product_id) if variant else None
            price = (
                money(spec["price"])
                if spec.get("price") is not None
                else (variant.price if variant else Decimal("0"))
            )
            item = self.inventory_items.get(variant.inventory_item_id) if variant else None
            lines.append(
                LineItem(
                    id=self.next_id("LineItem"),
                    title=spec.get("title") or product.title,
                    quantity=int(spec.get("quantity", 1)),
                    price=price,
                    variant_id=variant.id if variant else None,
                    product_id=product.id if product else None,
                    sku=variant.sku if variant else spec.get("sku"),
                    variant_title=(
                        None if not variant or variant.title == "Default Title" else variant.title
                    ),
                    vendor=product.vendor if product else None,
                    requires_shipping=item.requires_shipping if item else spec.get("requires_shipping", True),
                    taxable=variant.taxable if variant else True,
                )
            )
        ships = []
        for spec in shipping_lines or []:
            ships.append(
                ShippingLine(
                    id=self.next_id("ShippingLine"),
                    title=spec.get("title", "Standard"),
                    price=money(spec.get("price", 0)),
                    code=spec.get("code"),
                    source=spec.get("source", "shopify"),
                )
            )
        order = Order(
            id=self.next_id("Order"),
            number=self.order_count + 1,
            created_at=created,
            updated_at=created,
            processed_at=created,
            currency=currency,
            line_items=lines,
            shipping_lines=ships,
            email=email or (customer.email if customer else None),
            phone=phone,
            customer_id=customer.id if customer else None,
            shipping_address=self._address(shipping_address),
            billing_address=self._address(billing_address),
            note=note,
            tags=sorted(set(tags or [])),
            taxes_included=taxes_included,
            financial_status=financial_status,
            test=test,
            source_name=source_name,
            custom_attributes=list(custom_attributes or []),
            gateway=gateway or DEFAULT_GATEWAY.get(financial_status, SHOPIFY_PAYMENTS),
        )
        self.order_count += 1
        self._discounts(order, discount_codes or [])
        if tax_rate:
            rate = Decimal(str(tax_rate))
            for line in lines:
                if line.taxable:
                    line.tax_lines = [
                        TaxLine(
                            tax_title,
                            rate,
                            _tax(line.price * line.quantity - line.discount_total, rate, taxes_included),
                        )
                    ]
            for ship in ships:
                ship.tax_lines = [TaxLine(tax_title, rate, _tax(ship.price, rate, taxes_included))]
        if financial_status == "PAID":
            order.paid_amount = order.total
        elif financial_status == "PARTIALLY_PAID":
            order.paid_amount = money(order.total / 2)
        self.orders[order.id] = order
        shippable = [li for li in lines if li.requires_shipping]
        if shippable:
            fo = FulfillmentOrder(
                id=self.next_id("FulfillmentOrder"),
                order_id=order.id,
                location_id=location.id,
                created_at=created,
                updated_at=created,
                lines=[
                    FulfillmentOrderLine(
                        self.next_id("FulfillmentOrderLineItem"), li.id, li.quantity, li.quantity
                    )
                    for li in shippable
                ],
            )
            self.fulfillment_orders[fo.id] = fo
            order.fulfillment_order_ids.append(fo.id)
            if reserve_inventory:
                for li in shippable:
                    level = self._line_level(li, location.id)
                    if level is not None:
                        self._move(level, "available", "committed", li.quantity)
                        self.emit("inventory_levels/update", payloads.inventory_level(self, level))
        self.emit("orders/create", payloads.order(self, order))
        self.open_payment(order, financial_status)
        if financial_status == "PAID":
            self.emit("orders/paid", payloads.order(self, order))
        return order

    def _line_level(self, line, location_id):
        variant = self.variants.get(line.variant_id) if line.variant_id else None
        if variant is None:
            return None
        item = self.inventory_items.get(variant.inventory_item_id)
        if item is None or not item.tracked:
            return None
        return self.levels.get((item.id, location_id))

    def _discounts(self, order, codes):
        """Discount codes allocated across the line items pro rata (allocation method ACROSS)."""
        base = order.line_items_total
        for index, spec in enumerate(codes):
            kind = spec.get("type", "fixed_amount")
            value = Decimal(str(spec.get("value", spec.get("amount", 0))))
            amount = money(base * value / 100) if kind == "percentage" else money(value)
            amount = min(amount, base)
            order.discount_applications.append(
                {"index": index, "code": spec["code"], "type": kind, "value": value, "amount": amount}
            )
            remaining = amount
            for position, line in enumerate(order.line_items):
                share = (
                    remaining
                    if position == len(order.line_items) - 1
                    else (money(amount * line.price * line.quantity / base) if base else Decimal("0"))
                )
                share = min(share, remaining)
                remaining -= share
                if share:
                    line.discount_allocations.append((share, index))

    def touch_order(self, order, *topics):
        order.updated_at = self.now()
        for topic in topics:
            self.emit(topic, payloads.order(self, order))
        self.emit("orders/updated", payloads.order(self, order))

    def fulfillment_status(self, order):
        total = sum(li.quantity - li.refunded_quantity for li in order.line_items if li.requires_shipping)
        done = sum(li.fulfilled_quantity for li in order.line_items if li.requires_shipping)
        if total and done >= total:
            return "FULFILLED"
        if done:
            return "PARTIALLY_FULFILLED"
        return "UNFULFILLED"

    def create_fulfillment(self, groups, tracking=None, notify_customer=False):
        """fulfillmentCreate. `groups`: [(fulfillment order GID, [(FO line item GID, qty)] or None)]."""
        errors = []
        plan, order = [], None
        if not groups:
            raise UserErrors(
                [
                    (
                        ["fulfillment", "lineItemsByFulfillmentOrder"],
                        "Line items by fulfillment order can't be blank.",
                        None,
                    )
                ]
            )
        for gi, (fo_gid, line_specs) in enumerate(groups):
            path = ["fulfillment", "lineItemsByFulfillmentOrder", str(gi)]
            fo = self.get(self.fulfillment_orders, fo_gid, "FulfillmentOrder")
            if fo is None:
                errors.append(([*path, "fulfillmentOrderId"], "Fulfillment order does not exist.", None))
                continue
            if order is not None and fo.order_id != order.id:
                errors.append(
                    (
                        [*path, "fulfillmentOrderId"],
                        "All fulfillment orders must belong to the same order.",
                        None,
                    )
                )
                continue
            order = self.orders[fo.order_id]
            if fo.status not in ("OPEN", "IN_PROGRESS"):
                errors.append(
                    (
                        [*path, "fulfillmentOrderId"],
                        f"Fulfillment order {fo.id} has an unfulfillable status= {fo.status.lower()}.",
                        None,
                    )
                )
                continue
            lines = {gid("FulfillmentOrderLineItem", line.id): line for line in fo.lines}
            if not line_specs:
                picks = [(line, line.remaining_quantity) for line in fo.lines if line.remaining_quantity > 0]
            else:
                picks = []
                for li_index, (line_gid, qty) in enumerate(line_specs):
                    line = lines.get(line_gid)
                    lpath = [*path, "fulfillmentOrderLineItems", str(li_index)]
                    if line is None:
                        errors.append(([*lpath, "id"], "Fulfillment order line item does not exist.", None))
                    elif qty <= 0 or qty > line.remaining_quantity:
                        errors.append(
                            (
                                [*lpath, "quantity"],
                                "Invalid fulfillment order line item quantity requested.",
                                None,
                            )
                        )
                    else:
                        picks.append((line, qty))
            if not picks and not errors:
                errors.append((path, "Fulfillment order has no remaining line items to fulfill.", None))
            plan.append((fo, picks))
        if errors:
            raise UserErrors(errors)
        now = self.now()
        line_items = {li.id: li for li in order.line_items}
        fulfilled = []
        for fo, picks in plan:
            for line, qty in picks:
                line.remaining_quantity -= qty
                line_item = line_items[line.line_item_id]
                line_item.fulfilled_quantity += qty
                fulfilled.append((line_item.id, qty))
                level = self._line_level(line_item, fo.location_id)
                if level is not None:
                    level.quantities["committed"] -= qty
                    level.quantities["on_hand"] -= qty
                    level.updated_at = now
                    self.emit("inventory_levels/update", payloads.inventory_level(self, level))
            fo.status = "CLOSED" if all(line.remaining_quantity == 0 for line in fo.lines) else "IN_PROGRESS"
            fo.updated_at = now
        tracking = tracking or {}
        numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
        urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
        infos = [
            {"company": tracking.get("company"), "number": number, "url": urls[i] if i < len(urls) else None}
            for i, number in enumerate(numbers)
        ] or (
            [{"company": tracking.get("company"), "number": None, "url": urls[0] if urls else None}]
            if tracking.get("company") or urls
            else []
        )
        fulfillment = Fulfillment(
            id=self.next_id("Fulfillment"),
            order_id=order.id,
            location_id=plan[0][0].location_id,
            name=f"{order.name}.{len(order.fulfillment_ids) + 1}",
            created_at=now,
            updated_at=now,
            lines=fulfilled,
            tracking=infos,
            notify_customer=notify_customer,
            line_ids=[self.next_id("FulfillmentLineItem") for _ in fulfilled],
        )
        self.fulfillments[fulfillment.id] = fulfillment
        order.fulfillment_ids.append(fulfillment.id)
        for fo, _picks in plan:
            fo.fulfillment_ids.append(fulfillment.id)
        self.emit("fulfillments/create", payloads.fulfillment(self, fulfillment))
        status = self.fulfillment_status(order)
        self.touch_order(order, "orders/fulfilled" if status == "FULFILLED" else "orders/partially_fulfilled")
        return fulfillment

    def cancel_order(self, order, reason="CUSTOMER", restock=True):
        now = self.now()
        order.cancelled_at, order.cancel_reason, order.closed_at = now, reason, now
        for fo_id in order.fulfillment_order_ids:
            fo = self.fulfillment_orders[fo_id]
            if fo.status in ("OPEN", "IN_PROGRESS"):
                for line in fo.lines:
                    line_item = next(li for li in order.line_items if li.id == line.line_item_id)
                    level = self._line_level(line_item, fo.location_id)
                    if level is not None and restock and line.remaining_quantity:
                        self._move(level, "committed", "available", line.remaining_quantity)
                        self.emit("inventory_levels/update", payloads.inventory_level(self, level))
                    line.remaining_quantity = 0
                fo.status, fo.updated_at = "CLOSED", now
        self.void_authorizations(order)  # the authorization no longer holds the customer's money
        if order.financial_status in ("AUTHORIZED", "PENDING"):
            order.financial_status = "VOIDED"
        self.touch_order(order, "orders/cancelled")
        return order

    def mark_paid(self, order):
        """The merchant marks the order paid (orderMarkAsPaid): the outstanding amount is captured or
        recorded as a sale (payments.record_payment); emits order_transactions/create, orders/paid."""
        self.record_payment(order)
        self.settle_payment_status(order)
        order.financial_status = "PAID"
        order.paid_amount = order.total
        self.touch_order(order, "orders/paid")
        return order

    def refund(self, order, lines=(), amount=None, note=None, restock=True, shipping=None, transactions=None):
        """Refund line items and/or shipping and/or an amount; emits refunds/create (after the refund's
        order_transactions/create) and orders/updated.

        `lines`: (line item id, GID or sku, quantity) pairs, or dicts {"ref", "quantity", "restock_type",
        "location_id"} (refundCreate: an explicit NO_RESTOCK, CANCEL or RETURN, and where a returned
        unit goes back). `shipping`: True (what is left of the first shipping line) or an amount (before
        tax); its tax is refunded in proportion. `amount` replaces the computed total. `transactions`:
        None gives the total back through the order's captured transactions (payments.py); a list of
        dicts {"amount", "gateway", "parent" (OrderTransaction or None)} records exactly those
        (refundCreate: the money refunded is what its transactions say)."""
        now = self.now()
        refund_lines, total = [], Decimal("0")
        for spec in lines:
            if isinstance(spec, dict):
                ref, qty = spec["ref"], spec["quantity"]
                restock_type, to_location = spec.get("restock_type"), spec.get("location_id")
            else:
                (ref, qty), restock_type, to_location = spec, None, None
            line_restock = restock if restock_type is None else restock_type != "NO_RESTOCK"
            line = next(
                (
                    li
                    for li in order.line_items
                    if li.id == ref or li.sku == ref or gid("LineItem", li.id) == ref
                ),
                None,
            )
            if line is None or qty <= 0 or qty > line.quantity - line.refunded_quantity:
                raise ValueError(f"cannot refund {qty} of {ref!r}")
            unit_discount = line.discount_total / line.quantity if line.quantity else Decimal("0")
            subtotal = money((line.price - unit_discount) * qty)
            tax = money(sum((t.price for t in line.tax_lines), Decimal("0")) * qty / line.quantity)
            # the unfulfilled part leaves its fulfillment orders (CANCEL); the rest was shipped (RETURN)
            remaining, location_id = qty, None
            for fo_id in order.fulfillment_order_ids:
                fo = self.fulfillment_orders[fo_id]
                for fo_line in fo.lines:
                    if fo_line.line_item_id != line.id or not fo_line.remaining_quantity or not remaining:
                        continue
                    take = min(fo_line.remaining_quantity, remaining)
                    remaining -= take
                    fo_line.remaining_quantity -= take
                    fo_line.total_quantity -= take
                    location_id = fo.location_id
                    level = self._line_level(line, fo.location_id)
                    if level is not None:
                        if line_restock:
                            self._move(level, "committed", "available", take)
                        else:
                            level.quantities["committed"] -= take
                            level.quantities["on_hand"] -= take
                        self.emit("inventory_levels/update", payloads.inventory_level(self, level))
                if fo.status in ("OPEN", "IN_PROGRESS") and all(
                    fl.remaining_quantity == 0 for fl in fo.lines
                ):
                    fo.status, fo.updated_at = "CLOSED", now
            if line_restock and remaining:
                fulfillment = next(
                    (
                        self.fulfillments[f]
                        for f in order.fulfillment_ids
                        if any(li == line.id for li, _q in self.fulfillments[f].lines)
                    ),
                    None,
                )
                location_id = to_location or (
                    fulfillment.location_id if fulfillment else self.primary_location().id
                )
                level = self._line_level(line, location_id)
                if level is not None:
                    self._adjust(level, "available", remaining)
                    self.emit("inventory_levels/update", payloads.inventory_level(self, level))
            if restock_type is None:
                restock_type = "NO_RESTOCK" if not restock else ("RETURN" if remaining else "CANCEL")
            line.refunded_quantity += qty
            total += subtotal + (Decimal("0") if order.taxes_included else tax)
            refund_lines.append(
                {
                    "id": self.next_id("RefundLineItem"),
                    "line_item_id": line.id,
                    "quantity": qty,
                    "restock_type": restock_type,
                    "subtotal": subtotal,
                    "tax": tax,
                    "location_id": location_id,
                }
            )
        shipping_refunds = []
        if shipping is not None and shipping is not False:
            ship = order.shipping_lines[0] if order.shipping_lines else None
            if ship is None:
                raise ValueError(f"order {order.name} has no shipping to refund")
            left = self.shipping_refundable(order, ship)
            subtotal = left if shipping is True else money(shipping)
            if subtotal < 0 or subtotal > left:
                raise ValueError(f"cannot refund {subtotal} of shipping, {left} is left")
            ship_tax = sum((t.price for t in ship.tax_lines), Decimal("0"))
            tax = money(ship_tax * subtotal / ship.price) if ship.price else Decimal("0")
            if subtotal:
                shipping_refunds.append(
                    {
                        "id": self.next_id("RefundShippingLine"),
                        "shipping_line_id": ship.id,
                        "subtotal": subtotal,
                        "tax": tax,
                    }
                )
                total += subtotal + (Decimal("0") if order.taxes_included else tax)
        if amount is not None:
            total = money(amount)
        refund = Refund(
            id=self.next_id("Refund"),
            order_id=order.id,
            created_at=now,
            note=note,
            lines=refund_lines,
            amount=total,
            restock=restock,
            shipping_lines=shipping_refunds,
            adjustment_id=self.next_id("OrderAdjustment") if shipping_refunds else None,
        )
        self.refunds[refund.id] = refund
        order.refund_ids.append(refund.id)
        if transactions is None:
            self.refund_transactions(order, refund, total)
        else:
            for spec in transactions:
                self.add_transaction(
                    order, "REFUND", spec["amount"], spec["gateway"], parent=spec.get("parent"), refund=refund
                )
            refund.amount = sum((self.transactions[t].amount for t in refund.transaction_ids), Decimal("0"))
        if refund.amount > 0:
            if not self.settle_payment_status(order) and not order.transaction_ids:
                refunded = self.refunded_total(order)
                order.financial_status = "REFUNDED" if refunded >= order.total else "PARTIALLY_REFUNDED"
        self.emit("refunds/create", payloads.refund(self, refund))
        self.touch_order(order)
        return refund

    def shipping_refundable(self, order, ship):
        """What is left to refund of a shipping line (its price after discounts, before tax)."""
        discounted = ship.price - sum((a for a, _i in ship.discount_allocations), Decimal("0"))
        done = sum(
            (s["subtotal"] for r in order.refund_ids for s in self.refunds[r].shipping_lines
             if s["shipping_line_id"] == ship.id),
            Decimal("0"),
        )
        return discounted - done

    def refunded_total(self, order):
        return sum((self.refunds[r].amount for r in order.refund_ids), Decimal("0"))

    # ------------------------------------------------------------------------------------------ webhooks

    def subscription_topic(self, sub):
        return WEBHOOK_TOPICS[sub.topic]


def _tax(amount, rate, included):
    if included:
        return money(amount - amount / (1 + rate))
    return money(amount * rate)
