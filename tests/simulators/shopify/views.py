"""GraphQL object views over the Store's records, and cursor pagination.

graphql-core's default resolver reads an attribute named after the field and calls it with
(info, **arguments) when it is a method, so each GraphQL type is a small class with camelCase members.
"""

import re
from datetime import timedelta
from decimal import Decimal

from graphql import GraphQLError

from . import payloads, search
from .util import (
    decode_cursor,
    encode_cursor,
    gid,
    iso,
    money_bag,
    money_str,
    money_v2,
    parse_gid,
)

SCOPE_DOC = "https://shopify.dev/api/usage/access-scopes"
ORDER_WINDOW_DAYS = 60


class Ctx:
    """Per-request context: the simulator, the served API version, granted scopes, search warnings."""

    def __init__(self, sim, version, bulk=False):
        self.sim = sim
        self.store = sim.store
        self.version = version
        self.bulk = bulk
        self.scopes = set(sim.scopes)
        self.search_warnings = []

    def has_scope(self, *required):
        granted = self.scopes
        for scope in required:
            if scope in granted or (scope.startswith("read_") and "write_" + scope[5:] in granted):
                return True
        return False

    def require(self, field_name, *required):
        if not self.has_scope(*required):
            access = " or ".join(f"`{s}`" for s in required) + " access scope."
            raise GraphQLError(
                f"Access denied for {field_name} field. Required access: {access}",
                extensions={"code": "ACCESS_DENIED", "documentation": SCOPE_DOC, "requiredAccess": access},
            )

    def order_visible(self, order):
        if self.has_scope("read_all_orders"):
            return True
        return order.created_at >= self.store.clock.now() - timedelta(days=ORDER_WINDOW_DAYS)

    @property
    def pii(self):
        return self.sim.protected_customer_data


# ------------------------------------------------------------------------------------------ pagination


def _cursor_value(value):
    """JSON-friendly sort value stored in a cursor (datetimes as ISO strings, tuples as lists)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_cursor_value(v) for v in value]
    return value


def _norm(value):
    """Total order over cursor values (None first, numbers, lists, then strings)."""
    if value is None:
        return (0,)
    if isinstance(value, bool | int | float):
        return (1, value)
    if isinstance(value, list):
        return (2, tuple(_norm(v) for v in value))
    return (3, str(value))


def paginate(
    ctx,
    items,
    wrap,
    *,
    sort=None,
    first=None,
    after=None,
    last=None,
    before=None,
    reverse=False,
    query=None,
    search_fields=None,
    text_fields=(),
    path=None,
):
    """Relay connection (edges, nodes, pageInfo) over records, Shopify-style.

    `sort(record) -> value` orders the records (ties broken by id); `query` filters with the search
    syntax over `search_fields`. Cursors hold the last id and sort value ({"last_id", "last_value"}, as
    Shopify's do), so a page boundary is a position in the sort order: a record updated while a client
    pages by UPDATED_AT moves behind the cursor and shows up again on a later page. In a bulk query every
    record is returned.
    """
    if query and search_fields is not None:
        predicate, warnings = search.build_filter(query, search_fields, text_fields)
        if warnings:
            ctx.search_warnings.append({"path": path or [], "query": query, "warnings": warnings})
        items = [item for item in items if predicate(item)]
    sort = sort or (lambda r: r.id)
    rows = []
    for record in items:
        value = _cursor_value(sort(record))
        rows.append(((_norm(value), record.id), value, record))
    rows.sort(key=lambda row: row[0], reverse=reverse)
    start, end = 0, len(rows)
    if not ctx.bulk:
        if after:
            target = _cursor_key(after)
            start = next((i for i, row in enumerate(rows) if _beyond(row[0], target, reverse)), len(rows))
        if before:
            target = _cursor_key(before)
            end = next((i for i, row in enumerate(rows) if not _beyond(target, row[0], reverse)), len(rows))
            end = max(end, start)
        window = rows[start:end]
        if first is not None:
            if first < 0:
                raise GraphQLError("first must be greater than or equal to 0")
            has_next = len(window) > first or end < len(rows)
            window = window[:first]
            has_prev = start > 0
        elif last is not None:
            has_prev = len(window) > last or start > 0
            window = window[-last:] if last else []
            has_next = end < len(rows)
        else:
            has_next, has_prev = end < len(rows), start > 0
    else:
        window, has_next, has_prev = rows, False, False
    edges = [
        {"cursor": encode_cursor(record.id, value), "node": wrap(record)} for _k, value, record in window
    ]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _beyond(key, target, reverse):
    """Whether `key` comes after `target` in the connection's order."""
    return key < target if reverse else key > target


def _cursor_key(cursor):
    decoded = decode_cursor(cursor)
    if decoded is None:
        raise GraphQLError("Invalid cursor for current pagination sort.", extensions={"code": "BAD_REQUEST"})
    last_id, last_value = decoded
    return (_norm(last_value), last_id)


def _slice_list(items, first):
    return items[:first] if isinstance(first, int) else items


# ------------------------------------------------------------------------------------------ helpers


def _addr_view(ctx, addr):
    return AddressView(ctx, addr) if addr is not None else None


def _tax_line(tax, currency):
    return {
        "title": tax.title,
        "rate": float(tax.rate),
        "ratePercentage": float(tax.rate * 100),
        "priceSet": money_bag(tax.price, currency),
        "channelLiable": False,
    }


def _application(app, currency):
    if app["type"] == "percentage":
        value = {"__typename": "PricingPercentageValue", "percentage": float(app["value"])}
    else:
        value = money_v2(app["amount"], currency)
    return {
        "__typename": "DiscountCodeApplication",
        "allocationMethod": "ACROSS",
        "code": app["code"],
        "index": app["index"],
        "targetSelection": "ALL",
        "targetType": "LINE_ITEM",
        "value": value,
    }


class View:
    __slots__ = ("ctx", "r")

    def __init__(self, ctx, record):
        self.ctx = ctx
        self.r = record


# ------------------------------------------------------------------------------------------ shop


class ShopView:
    __typename = "Shop"

    def __init__(self, ctx):
        self.ctx = ctx
        store = ctx.store
        self.id = gid("Shop", store.shop_id)
        self.name = store.shop_name
        self.email = self.contactEmail = f"owner@{store.shop_domain}"
        self.myshopifyDomain = store.shop_domain
        self.url = f"https://{store.shop_domain}"
        self.currencyCode = store.currency
        self.enabledPresentmentCurrencies = [store.currency]
        self.ianaTimezone = "Etc/UTC"
        self.timezoneAbbreviation = "UTC"
        self.weightUnit = "KILOGRAMS"
        self.taxesIncluded = False
        plan = ctx.sim.plan_name
        self.plan = {
            "displayName": plan,
            "publicDisplayName": plan,
            "partnerDevelopment": plan == "Development",
            "shopifyPlus": plan == "Shopify Plus",
        }
        self.primaryDomain = {
            "id": gid("Domain", 1),
            "host": store.shop_domain,
            "url": self.url,
            "sslEnabled": True,
        }
        self.billingAddress = {
            "address1": "1 Loopback Road",
            "city": "Ottawa",
            "countryCodeV2": "CA",
            "zip": "K1A 0A1",
        }
        self.createdAt = self.updatedAt = iso(store.created_at)


class AppInstallationView:
    __typename = "AppInstallation"

    def __init__(self, ctx):
        sim = ctx.sim
        self.id = gid("AppInstallation", 1)
        self.accessScopes = [{"handle": s, "description": s.replace("_", " ")} for s in sorted(ctx.scopes)]
        self.launchUrl = (
            f"https://admin.shopify.com/store/{ctx.store.shop_domain.split('.')[0]}/apps/store-connector"
        )
        self.app = {
            "__typename": "App",
            "id": gid("App", 1),
            "title": "Store Connector",
            "handle": "store-connector",
            "apiKey": sim.client_id,
        }


# ------------------------------------------------------------------------------------------ locations


class LocationView(View):
    __typename = "Location"

    @property
    def id(self):
        return gid("Location", self.r.id)

    @property
    def legacyResourceId(self):
        return self.r.id

    @property
    def name(self):
        return self.r.name

    @property
    def isActive(self):
        return self.r.is_active

    @property
    def isPrimary(self):
        return self.r.id == self.ctx.store.primary_location().id

    @property
    def fulfillsOnlineOrders(self):
        return self.r.fulfills_online_orders

    @property
    def shipsInventory(self):
        return True

    @property
    def address(self):
        r = self.r
        return {
            "address1": r.address1,
            "address2": None,
            "city": r.city,
            "province": None,
            "provinceCode": r.province_code or None,
            "country": r.country_code,
            "countryCode": r.country_code,
            "zip": r.zip,
            "phone": None,
        }

    @property
    def createdAt(self):
        return iso(self.r.created_at)

    @property
    def updatedAt(self):
        return iso(self.r.updated_at)

    def inventoryLevel(self, info, inventoryItemId):
        item_id = parse_gid(inventoryItemId, "InventoryItem")
        level = self.ctx.store.levels.get((item_id, self.r.id))
        return InventoryLevelView(self.ctx, level) if level else None

    def inventoryLevels(self, info, query=None, **page):
        levels = [lvl for lvl in self.ctx.store.levels.values() if lvl.location_id == self.r.id]
        return paginate(
            self.ctx,
            levels,
            lambda lvl: InventoryLevelView(self.ctx, lvl),
            query=query,
            search_fields=LEVEL_SEARCH,
            **page,
        )


# ------------------------------------------------------------------------------------------ products


class MetafieldView(View):
    __typename = "Metafield"

    @property
    def id(self):
        return gid("Metafield", self.r.id)

    namespace = property(lambda self: self.r.namespace)
    key = property(lambda self: self.r.key)
    value = property(lambda self: self.r.value)
    type = property(lambda self: self.r.type)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))


def _metafields(ctx, records, namespace=None, keys=None, **page):
    chosen = [
        m
        for m in records
        if (namespace is None or m.namespace == namespace)
        and (keys is None or f"{m.namespace}.{m.key}" in keys)
    ]
    return paginate(ctx, chosen, lambda m: MetafieldView(ctx, m), **page)


def _metafield(ctx, records, namespace, key):
    for m in records:
        if m.key == key and (namespace is None or m.namespace == namespace):
            return MetafieldView(ctx, m)
    return None


class ProductView(View):
    __typename = "Product"

    id = property(lambda self: gid("Product", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    title = property(lambda self: self.r.title)
    handle = property(lambda self: self.r.handle)
    descriptionHtml = property(lambda self: self.r.description_html)
    vendor = property(lambda self: self.r.vendor)
    productType = property(lambda self: self.r.product_type)
    status = property(lambda self: self.r.status)
    tags = property(lambda self: list(self.r.tags))
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))
    publishedAt = property(lambda self: iso(self.r.published_at))

    @property
    def description(self):
        return re.sub(r"<[^>]+>", "", self.r.description_html or "")

    @property
    def totalInventory(self):
        store = self.ctx.store
        return sum(
            lvl.quantities["available"]
            for v in self.r.variant_ids
            for lvl in store.item_levels(store.variants[v].inventory_item_id)
        )

    @property
    def tracksInventory(self):
        store = self.ctx.store
        return any(
            store.inventory_items[store.variants[v].inventory_item_id].tracked for v in self.r.variant_ids
        )

    @property
    def hasOnlyDefaultVariant(self):
        return [o.name for o in self.r.options] == ["Title"] and len(self.r.variant_ids) == 1

    def options(self, info, first=None):
        return [OptionView(self.ctx, o, self.r) for o in _slice_list(self.r.options, first)]

    def variants(self, info, sortKey="POSITION", **page):
        store = self.ctx.store
        records = [store.variants[v] for v in self.r.variant_ids]
        return paginate(
            self.ctx, records, lambda v: VariantView(self.ctx, v), sort=VARIANT_SORTS[sortKey], **page
        )

    @property
    def variantsCount(self):
        return {"count": len(self.r.variant_ids), "precision": "EXACT"}

    def metafield(self, info, key, namespace=None):
        return _metafield(self.ctx, self.r.metafields, namespace, key)

    def metafields(self, info, **kwargs):
        return _metafields(self.ctx, self.r.metafields, **kwargs)


class OptionView:
    __typename = "ProductOption"

    def __init__(self, ctx, option, product):
        self.ctx, self.o, self.p = ctx, option, product

    id = property(lambda self: gid("ProductOption", self.o.id))
    name = property(lambda self: self.o.name)
    position = property(lambda self: self.o.position)

    @property
    def values(self):
        used = self._used()
        return [v for v in self.o.values if v in used]

    def _used(self):
        index = self.o.position - 1
        store = self.ctx.store
        return {
            store.variants[v].option_values[index]
            for v in self.p.variant_ids
            if len(store.variants[v].option_values) > index
        }

    @property
    def optionValues(self):
        used = self._used()
        return [
            {
                "__typename": "ProductOptionValue",
                "id": gid("ProductOptionValue", self.o.value_ids.get(v, 0)),
                "name": v,
                "hasVariants": v in used,
            }
            for v in self.o.values
        ]


class VariantView(View):
    __typename = "ProductVariant"

    id = property(lambda self: gid("ProductVariant", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    title = property(lambda self: self.r.title)
    sku = property(lambda self: self.r.sku)
    barcode = property(lambda self: self.r.barcode)
    price = property(lambda self: money_str(self.r.price))
    position = property(lambda self: self.r.position)
    taxable = property(lambda self: self.r.taxable)
    inventoryPolicy = property(lambda self: self.r.inventory_policy)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))

    @property
    def displayName(self):
        return f"{self.ctx.store.products[self.r.product_id].title} - {self.r.title}"

    @property
    def compareAtPrice(self):
        return money_str(self.r.compare_at_price) if self.r.compare_at_price is not None else None

    @property
    def inventoryQuantity(self):
        return sum(
            lvl.quantities["available"] for lvl in self.ctx.store.item_levels(self.r.inventory_item_id)
        )

    @property
    def availableForSale(self):
        return self.r.inventory_policy == "CONTINUE" or self.inventoryQuantity > 0

    @property
    def product(self):
        return ProductView(self.ctx, self.ctx.store.products[self.r.product_id])

    @property
    def inventoryItem(self):
        return InventoryItemView(self.ctx, self.ctx.store.inventory_items[self.r.inventory_item_id])

    @property
    def selectedOptions(self):
        product = self.ctx.store.products[self.r.product_id]
        return [
            {"name": o.name, "value": value}
            for o, value in zip(product.options, self.r.option_values, strict=False)
        ]

    def metafield(self, info, key, namespace=None):
        return _metafield(self.ctx, self.r.metafields, namespace, key)

    def metafields(self, info, **kwargs):
        return _metafields(self.ctx, self.r.metafields, **kwargs)


class ProductOperationView:
    def __init__(self, ctx, record):
        self.ctx, self.r = ctx, record
        self._typename = "ProductSetOperation" if record.kind == "set" else "ProductDeleteOperation"
        setattr(self, f"_{type(self).__name__}__typename", self._typename)

    id = property(lambda self: gid(self._typename, self.r.id))
    status = property(lambda self: self.r.status)

    @property
    def product(self):
        product = self.ctx.store.products.get(self.r.product_id) if self.r.product_id else None
        return ProductView(self.ctx, product) if product else None

    @property
    def deletedProductId(self):
        return gid("Product", self.r.deleted_product_id) if self.r.deleted_product_id else None

    @property
    def userErrors(self):
        return [{"field": f, "message": m, "code": c} for f, m, c in self.r.user_errors]


# ------------------------------------------------------------------------------------------ inventory


class InventoryItemView(View):
    __typename = "InventoryItem"

    id = property(lambda self: gid("InventoryItem", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    tracked = property(lambda self: self.r.tracked)
    requiresShipping = property(lambda self: self.r.requires_shipping)
    countryCodeOfOrigin = property(lambda self: self.r.country_code_of_origin)
    harmonizedSystemCode = property(lambda self: self.r.harmonized_system_code)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))

    @property
    def sku(self):
        variant = self.ctx.store.variants.get(self.r.variant_id)
        return variant.sku if variant else None

    @property
    def unitCost(self):
        return money_v2(self.r.cost, self.ctx.store.currency) if self.r.cost is not None else None

    @property
    def measurement(self):
        weight = None
        if self.r.weight is not None:
            weight = {"__typename": "Weight", "value": self.r.weight[0], "unit": self.r.weight[1]}
        return {
            "__typename": "InventoryItemMeasurement",
            "id": gid("InventoryItemMeasurement", self.r.id),
            "weight": weight,
        }

    @property
    def variant(self):
        return VariantView(self.ctx, self.ctx.store.variants[self.r.variant_id])

    def inventoryLevel(self, info, locationId):
        level = self.ctx.store.levels.get((self.r.id, parse_gid(locationId, "Location")))
        return InventoryLevelView(self.ctx, level) if level else None

    def inventoryLevels(self, info, query=None, **page):
        return paginate(
            self.ctx,
            self.ctx.store.item_levels(self.r.id),
            lambda lvl: InventoryLevelView(self.ctx, lvl),
            query=query,
            search_fields=LEVEL_SEARCH,
            **page,
        )

    @property
    def locationsCount(self):
        return {"count": len(self.ctx.store.item_levels(self.r.id)), "precision": "EXACT"}


class InventoryLevelView(View):
    __typename = "InventoryLevel"

    id = property(lambda self: gid("InventoryLevel", self.r.id, f"inventory_item_id={self.r.item_id}"))
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))

    @property
    def canDeactivate(self):
        return all(v == 0 for k, v in self.r.quantities.items() if k != "available")

    @property
    def item(self):
        return InventoryItemView(self.ctx, self.ctx.store.inventory_items[self.r.item_id])

    @property
    def location(self):
        return LocationView(self.ctx, self.ctx.store.locations[self.r.location_id])

    def quantities(self, info, names):
        unknown = [n for n in names if n not in self.r.quantities]
        if unknown:
            raise GraphQLError(
                f"Invalid quantity names: {', '.join(unknown)}", extensions={"code": "BAD_REQUEST"}
            )
        return [
            {
                "__typename": "InventoryQuantity",
                "id": gid("InventoryQuantity", self.r.id, f"inventory_item_id={self.r.item_id}&name={n}"),
                "name": n,
                "quantity": self.r.quantities[n],
                "updatedAt": iso(self.r.updated_at),
            }
            for n in names
        ]


class AdjustmentGroupView(View):
    __typename = "InventoryAdjustmentGroup"

    id = property(lambda self: gid("InventoryAdjustmentGroup", self.r.id))
    createdAt = property(lambda self: iso(self.r.created_at))
    reason = property(lambda self: self.r.reason)
    referenceDocumentUri = property(lambda self: self.r.reference_document_uri)

    @property
    def app(self):
        return {
            "id": gid("App", 1),
            "title": "Store Connector",
            "handle": "store-connector",
            "apiKey": self.ctx.sim.client_id,
        }

    def changes(self, info, inventoryItemIds=None, locationIds=None, quantityNames=None):
        store = self.ctx.store
        out = []
        for change in self.r.changes:
            if inventoryItemIds and gid("InventoryItem", change["item_id"]) not in inventoryItemIds:
                continue
            if locationIds and gid("Location", change["location_id"]) not in locationIds:
                continue
            if quantityNames and change["name"] not in quantityNames:
                continue
            item = store.inventory_items.get(change["item_id"])
            location = store.locations.get(change["location_id"])
            out.append(
                {
                    "name": change["name"],
                    "delta": change["delta"],
                    "quantityAfterChange": change["quantity_after"],
                    "ledgerDocumentUri": change["ledger_document_uri"],
                    "item": InventoryItemView(self.ctx, item) if item else None,
                    "location": LocationView(self.ctx, location) if location else None,
                }
            )
        return out


# ------------------------------------------------------------------------------------------ customers


class AddressView(View):
    __typename = "MailingAddress"

    id = property(lambda self: gid("MailingAddress", self.r.id, "model_name=CustomerAddress"))
    province = property(lambda self: self.r.province)
    provinceCode = property(lambda self: self.r.province_code)
    country = property(lambda self: self.r.country)
    countryCodeV2 = property(lambda self: self.r.country_code)
    zip = property(lambda self: self.r.zip)
    city = property(lambda self: self.r.city)
    latitude = longitude = None

    def _pii(self, value):
        return value if self.ctx.pii else None

    firstName = property(lambda self: self._pii(self.r.first_name))
    lastName = property(lambda self: self._pii(self.r.last_name))
    name = property(lambda self: self._pii(self.r.name))
    company = property(lambda self: self._pii(self.r.company))
    address1 = property(lambda self: self._pii(self.r.address1))
    address2 = property(lambda self: self._pii(self.r.address2))
    phone = property(lambda self: self._pii(self.r.phone))


class CustomerView(View):
    __typename = "Customer"

    id = property(lambda self: gid("Customer", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    note = property(lambda self: self.r.note)
    tags = property(lambda self: list(self.r.tags))
    state = property(lambda self: self.r.state)
    verifiedEmail = property(lambda self: self.r.verified_email)
    taxExempt = property(lambda self: self.r.tax_exempt)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))

    def _pii(self, value):
        return value if self.ctx.pii else None

    firstName = property(lambda self: self._pii(self.r.first_name))
    lastName = property(lambda self: self._pii(self.r.last_name))
    email = property(lambda self: self._pii(self.r.email))
    phone = property(lambda self: self._pii(self.r.phone))

    @property
    def displayName(self):
        if not self.ctx.pii:
            return f"Customer {self.r.id}"
        name = " ".join(p for p in (self.r.first_name, self.r.last_name) if p)
        return name or self.r.email or self.r.phone or ""

    def _orders(self):
        return [o for o in self.ctx.store.orders.values() if o.customer_id == self.r.id]

    @property
    def numberOfOrders(self):
        return len(self._orders())

    @property
    def amountSpent(self):
        store = self.ctx.store
        total = sum((o.paid_amount - store.refunded_total(o) for o in self._orders()), Decimal("0"))
        return money_v2(total, store.currency)

    @property
    def defaultAddress(self):
        return _addr_view(self.ctx, self.r.addresses[0]) if self.r.addresses else None

    def addresses(self, info, first=None):
        return [AddressView(self.ctx, a) for a in _slice_list(self.r.addresses, first)]


# ------------------------------------------------------------------------------------------ orders


class OrderView(View):
    __typename = "Order"

    id = property(lambda self: gid("Order", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    name = property(lambda self: self.r.name)
    note = property(lambda self: self.r.note)
    tags = property(lambda self: list(self.r.tags))
    test = property(lambda self: self.r.test)
    confirmed = property(lambda self: True)
    closed = property(lambda self: self.r.closed_at is not None)
    sourceName = property(lambda self: self.r.source_name)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))
    processedAt = property(lambda self: iso(self.r.processed_at))
    closedAt = property(lambda self: iso(self.r.closed_at))
    cancelledAt = property(lambda self: iso(self.r.cancelled_at))
    cancelReason = property(lambda self: self.r.cancel_reason)
    displayFinancialStatus = property(lambda self: self.r.financial_status)
    currencyCode = property(lambda self: self.r.currency)
    presentmentCurrencyCode = property(lambda self: self.r.currency)
    taxesIncluded = property(lambda self: self.r.taxes_included)

    email = property(lambda self: self.r.email if self.ctx.pii else None)
    phone = property(lambda self: self.r.phone if self.ctx.pii else None)

    def _bag(self, amount):
        return money_bag(amount, self.r.currency)

    @property
    def displayFulfillmentStatus(self):
        return self.ctx.store.fulfillment_status(self.r)

    @property
    def fullyPaid(self):
        return self.r.paid_amount >= self.r.total

    @property
    def discountCode(self):
        return self.r.discount_applications[0]["code"] if self.r.discount_applications else None

    @property
    def discountCodes(self):
        return [d["code"] for d in self.r.discount_applications]

    totalPriceSet = property(lambda self: self._bag(self.r.total))
    subtotalPriceSet = property(lambda self: self._bag(self.r.subtotal))
    totalTaxSet = property(lambda self: self._bag(self.r.tax_total))
    totalShippingPriceSet = property(lambda self: self._bag(self.r.shipping_total))
    totalDiscountsSet = property(lambda self: self._bag(self.r.discounts_total))
    totalRefundedSet = property(lambda self: self._bag(self.ctx.store.refunded_total(self.r)))
    currentTotalPriceSet = property(
        lambda self: self._bag(self.r.total - self.ctx.store.refunded_total(self.r))
    )
    totalOutstandingSet = property(
        lambda self: self._bag(max(self.r.total - self.r.paid_amount, Decimal("0")))
    )

    @property
    def taxLines(self):
        return [_tax_line(t, self.r.currency) for t in self.r.tax_lines()]

    @property
    def customer(self):
        self.ctx.require("customer", "read_customers")
        customer = self.ctx.store.customers.get(self.r.customer_id) if self.r.customer_id else None
        return CustomerView(self.ctx, customer) if customer else None

    shippingAddress = property(lambda self: _addr_view(self.ctx, self.r.shipping_address))
    billingAddress = property(lambda self: _addr_view(self.ctx, self.r.billing_address))
    customAttributes = property(lambda self: [dict(a) for a in self.r.custom_attributes])

    def discountApplications(self, info, **page):
        apps = [_Rec(a["index"] + 1, a) for a in self.r.discount_applications]
        return paginate(self.ctx, apps, lambda a: _application(a.data, self.r.currency), **page)

    def lineItems(self, info, **page):
        return paginate(self.ctx, self.r.line_items, lambda li: LineItemView(self.ctx, li, self.r), **page)

    def shippingLines(self, info, includeRemovals=False, **page):
        return paginate(
            self.ctx, self.r.shipping_lines, lambda sl: ShippingLineView(self.ctx, sl, self.r), **page
        )

    @property
    def shippingLine(self):
        return ShippingLineView(self.ctx, self.r.shipping_lines[0], self.r) if self.r.shipping_lines else None

    def fulfillmentOrders(self, info, query=None, displayable=False, **page):
        store = self.ctx.store
        self.ctx.require(
            "fulfillmentOrders",
            "read_merchant_managed_fulfillment_orders",
            "read_assigned_fulfillment_orders",
            "read_third_party_fulfillment_orders",
        )
        records = [store.fulfillment_orders[f] for f in self.r.fulfillment_order_ids]
        if displayable:
            records = [fo for fo in records if fo.status not in ("CLOSED", "CANCELLED")]
        return paginate(
            self.ctx,
            records,
            lambda fo: FulfillmentOrderView(self.ctx, fo),
            query=query,
            search_fields=FO_SEARCH,
            path=["order", "fulfillmentOrders"],
            **page,
        )

    def fulfillments(self, info, first=None):
        store = self.ctx.store
        return [
            FulfillmentView(self.ctx, store.fulfillments[f])
            for f in _slice_list(self.r.fulfillment_ids, first)
        ]

    def refunds(self, info, first=None):
        store = self.ctx.store
        return [RefundView(self.ctx, store.refunds[r]) for r in _slice_list(self.r.refund_ids, first)]

    # payments (payments.py)

    def transactions(self, info, first=None, capturable=None, manuallyResolvable=None):
        store = self.ctx.store
        records = store.order_transactions(self.r)
        if capturable is not None:
            open_ids = {auth.id for auth, _left in store.open_authorizations(self.r)}
            records = [t for t in records if (t.id in open_ids) == capturable]
        if manuallyResolvable is not None:
            records = [t for t in records if (t.status == "PENDING" and t.manual) == manuallyResolvable]
        return [OrderTransactionView(self.ctx, t) for t in _slice_list(records, first)]

    @property
    def transactionsCount(self):
        return {"count": len(self.r.transaction_ids), "precision": "EXACT"}

    @property
    def paymentGatewayNames(self):
        return payloads.gateway_names(self.ctx.store, self.r)

    @property
    def capturable(self):
        return bool(self.ctx.store.open_authorizations(self.r)) and self.r.cancelled_at is None

    @property
    def totalCapturableSet(self):
        return self._bag(self.ctx.store.payment_totals(self.r)["capturable"])

    @property
    def totalReceivedSet(self):
        return self._bag(self.ctx.store.payment_totals(self.r)["captured"])

    @property
    def netPaymentSet(self):
        totals = self.ctx.store.payment_totals(self.r)
        return self._bag(totals["captured"] - totals["refunded"])


class _Rec:
    __slots__ = ("id", "data")

    def __init__(self, rid, data):
        self.id, self.data = rid, data


class LineItemView:
    __typename = "LineItem"

    def __init__(self, ctx, line, order):
        self.ctx, self.r, self.o = ctx, line, order

    id = property(lambda self: gid("LineItem", self.r.id))
    name = property(lambda self: self.r.name)
    title = property(lambda self: self.r.title)
    variantTitle = property(lambda self: self.r.variant_title)
    sku = property(lambda self: self.r.sku)
    vendor = property(lambda self: self.r.vendor)
    quantity = property(lambda self: self.r.quantity)
    currentQuantity = property(lambda self: self.r.quantity - self.r.refunded_quantity)
    requiresShipping = property(lambda self: self.r.requires_shipping)
    taxable = property(lambda self: self.r.taxable)
    customAttributes = property(lambda self: [])

    @property
    def unfulfilledQuantity(self):
        return max(self.r.quantity - self.r.refunded_quantity - self.r.fulfilled_quantity, 0)

    @property
    def refundableQuantity(self):
        return self.r.quantity - self.r.refunded_quantity

    @property
    def variant(self):
        variant = self.ctx.store.variants.get(self.r.variant_id) if self.r.variant_id else None
        return VariantView(self.ctx, variant) if variant else None

    @property
    def product(self):
        product = self.ctx.store.products.get(self.r.product_id) if self.r.product_id else None
        return ProductView(self.ctx, product) if product else None

    def _bag(self, amount):
        return money_bag(amount, self.o.currency)

    @property
    def _unit_discounted(self):
        return self.r.price - (self.r.discount_total / self.r.quantity if self.r.quantity else 0)

    originalUnitPriceSet = property(lambda self: self._bag(self.r.price))
    # discountedUnitPriceSet excludes order-level (ACROSS) discounts, like Shopify's field
    discountedUnitPriceSet = property(lambda self: self._bag(self.r.price))
    discountedUnitPriceAfterAllDiscountsSet = property(lambda self: self._bag(self._unit_discounted))
    originalTotalSet = property(lambda self: self._bag(self.r.price * self.r.quantity))
    discountedTotalSet = property(lambda self: self._bag(self.r.price * self.r.quantity))
    totalDiscountSet = property(lambda self: self._bag(self.r.discount_total))

    def taxLines(self, info, first=None):
        return [_tax_line(t, self.o.currency) for t in _slice_list(self.r.tax_lines, first)]

    @property
    def discountAllocations(self):
        apps = {a["index"]: a for a in self.o.discount_applications}
        return [
            {
                "allocatedAmountSet": self._bag(amount),
                "discountApplication": _application(apps[index], self.o.currency),
            }
            for amount, index in self.r.discount_allocations
        ]


class ShippingLineView:
    __typename = "ShippingLine"

    def __init__(self, ctx, line, order):
        self.ctx, self.r, self.o = ctx, line, order

    id = property(lambda self: gid("ShippingLine", self.r.id))
    title = property(lambda self: self.r.title)
    code = property(lambda self: self.r.code)
    source = property(lambda self: self.r.source)
    carrierIdentifier = property(lambda self: None)
    custom = property(lambda self: False)
    originalPriceSet = property(lambda self: money_bag(self.r.price, self.o.currency))
    taxLines = property(lambda self: [_tax_line(t, self.o.currency) for t in self.r.tax_lines])

    @property
    def discountedPriceSet(self):
        discount = sum((a for a, _i in self.r.discount_allocations), Decimal("0"))
        return money_bag(self.r.price - discount, self.o.currency)

    @property
    def discountAllocations(self):
        apps = {a["index"]: a for a in self.o.discount_applications}
        return [
            {
                "allocatedAmountSet": money_bag(amount, self.o.currency),
                "discountApplication": _application(apps[index], self.o.currency),
            }
            for amount, index in self.r.discount_allocations
        ]


class FulfillmentOrderView(View):
    __typename = "FulfillmentOrder"

    id = property(lambda self: gid("FulfillmentOrder", self.r.id))
    status = property(lambda self: self.r.status)
    requestStatus = property(lambda self: self.r.request_status)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))
    fulfillAt = property(lambda self: iso(self.r.created_at))
    orderId = property(lambda self: gid("Order", self.r.order_id))
    orderName = property(lambda self: self.ctx.store.orders[self.r.order_id].name)

    @property
    def order(self):
        return OrderView(self.ctx, self.ctx.store.orders[self.r.order_id])

    @property
    def assignedLocation(self):
        location = self.ctx.store.locations[self.r.location_id]
        return {
            "name": location.name,
            "location": LocationView(self.ctx, location),
            "address1": location.address1,
            "city": location.city,
            "countryCode": location.country_code,
            "zip": location.zip,
        }

    @property
    def destination(self):
        order = self.ctx.store.orders[self.r.order_id]
        addr = order.shipping_address
        if addr is None:
            return None
        pii = self.ctx.pii
        return {
            "id": gid("FulfillmentOrderDestination", self.r.id),
            "firstName": addr.first_name if pii else None,
            "lastName": addr.last_name if pii else None,
            "address1": addr.address1 if pii else None,
            "city": addr.city,
            "countryCode": addr.country_code,
            "zip": addr.zip,
            "email": order.email if pii else None,
        }

    @property
    def supportedActions(self):
        if self.r.status in ("OPEN", "IN_PROGRESS"):
            return [{"action": "CREATE_FULFILLMENT"}, {"action": "MOVE"}, {"action": "HOLD"}]
        return []

    def lineItems(self, info, **page):
        order = self.ctx.store.orders[self.r.order_id]
        by_id = {li.id: li for li in order.line_items}
        return paginate(
            self.ctx,
            self.r.lines,
            lambda line: FOLineView(self.ctx, line, by_id[line.line_item_id], order),
            **page,
        )

    def fulfillments(self, info, **page):
        store = self.ctx.store
        return paginate(
            self.ctx,
            [store.fulfillments[f] for f in self.r.fulfillment_ids],
            lambda f: FulfillmentView(self.ctx, f),
            **page,
        )


class FOLineView:
    __typename = "FulfillmentOrderLineItem"

    def __init__(self, ctx, line, line_item, order):
        self.ctx, self.r, self.li, self.o = ctx, line, line_item, order

    id = property(lambda self: gid("FulfillmentOrderLineItem", self.r.id))
    totalQuantity = property(lambda self: self.r.total_quantity)
    remainingQuantity = property(lambda self: self.r.remaining_quantity)
    sku = property(lambda self: self.li.sku)
    productTitle = property(lambda self: self.li.title)
    variantTitle = property(lambda self: self.li.variant_title)
    lineItem = property(lambda self: LineItemView(self.ctx, self.li, self.o))

    @property
    def variant(self):
        variant = self.ctx.store.variants.get(self.li.variant_id) if self.li.variant_id else None
        return VariantView(self.ctx, variant) if variant else None

    @property
    def inventoryItemId(self):
        variant = self.ctx.store.variants.get(self.li.variant_id) if self.li.variant_id else None
        return gid("InventoryItem", variant.inventory_item_id) if variant else None


class FulfillmentView(View):
    __typename = "Fulfillment"

    id = property(lambda self: gid("Fulfillment", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    name = property(lambda self: self.r.name)
    status = property(lambda self: self.r.status)
    displayStatus = property(lambda self: "FULFILLED")
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))
    totalQuantity = property(lambda self: sum(q for _l, q in self.r.lines))

    @property
    def order(self):
        return OrderView(self.ctx, self.ctx.store.orders[self.r.order_id])

    @property
    def location(self):
        location = self.ctx.store.locations.get(self.r.location_id)
        return LocationView(self.ctx, location) if location else None

    def trackingInfo(self, info, first=None):
        return [dict(t) for t in _slice_list(self.r.tracking, first)]

    def fulfillmentLineItems(self, info, **page):
        order = self.ctx.store.orders[self.r.order_id]
        by_id = {li.id: li for li in order.line_items}
        rows = [
            _Rec(fid, (line_id, qty))
            for fid, (line_id, qty) in zip(self.r.line_ids, self.r.lines, strict=True)
        ]
        return paginate(
            self.ctx,
            rows,
            lambda row: {
                "id": gid("FulfillmentLineItem", row.id),
                "quantity": row.data[1],
                "lineItem": LineItemView(self.ctx, by_id[row.data[0]], order),
            },
            **page,
        )


class RefundView(View):
    __typename = "Refund"

    id = property(lambda self: gid("Refund", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.created_at))
    processedAt = property(lambda self: iso(self.r.created_at))
    note = property(lambda self: self.r.note)

    @property
    def order(self):
        return OrderView(self.ctx, self.ctx.store.orders[self.r.order_id])

    def transactions(self, info, **page):
        store = self.ctx.store
        records = [store.transactions[t] for t in self.r.transaction_ids]
        return paginate(self.ctx, records, lambda t: OrderTransactionView(self.ctx, t), **page)

    def refundShippingLines(self, info, **page):
        order = self.ctx.store.orders[self.r.order_id]
        ships = {sl.id: sl for sl in order.shipping_lines}
        rows = [_Rec(line["id"], line) for line in self.r.shipping_lines]
        return paginate(
            self.ctx,
            rows,
            lambda row: {
                "id": gid("RefundShippingLine", row.id),
                "shippingLine": ShippingLineView(self.ctx, ships[row.data["shipping_line_id"]], order),
                "subtotalAmountSet": money_bag(row.data["subtotal"], order.currency),
                "taxAmountSet": money_bag(row.data["tax"], order.currency),
            },
            **page,
        )

    @property
    def totalRefundedSet(self):
        return money_bag(self.r.amount, self.ctx.store.orders[self.r.order_id].currency)

    def refundLineItems(self, info, **page):
        order = self.ctx.store.orders[self.r.order_id]
        by_id = {li.id: li for li in order.line_items}
        rows = [_Rec(line["id"], line) for line in self.r.lines]

        def wrap(row):
            line = row.data
            unit = line["subtotal"] / line["quantity"] if line["quantity"] else Decimal("0")
            return {
                "id": gid("RefundLineItem", line["id"]),
                "quantity": line["quantity"],
                "lineItem": LineItemView(self.ctx, by_id[line["line_item_id"]], order),
                "restockType": line["restock_type"],
                "location": (
                    LocationView(self.ctx, self.ctx.store.locations[line["location_id"]])
                    if line["location_id"] in self.ctx.store.locations
                    else None
                ),
                "restocked": line["restock_type"] != "NO_RESTOCK",
                "subtotalSet": money_bag(line["subtotal"], order.currency),
                "totalTaxSet": money_bag(line["tax"], order.currency),
                "priceSet": money_bag(unit, order.currency),
            }

        return paginate(self.ctx, rows, wrap, **page)


# ------------------------------------------------------------------------------------------ payments


def _date_attr(attr):
    return (lambda r: getattr(r, attr)), "date"



class OrderTransactionView(View):
    __typename = "OrderTransaction"

    id = property(lambda self: gid("OrderTransaction", self.r.id))
    kind = property(lambda self: self.r.kind)
    status = property(lambda self: self.r.status)
    gateway = property(lambda self: self.r.gateway)
    test = property(lambda self: self.r.test)
    errorCode = property(lambda self: self.r.error_code)
    manualPaymentGateway = property(lambda self: self.r.manual)
    createdAt = property(lambda self: iso(self.r.created_at))
    processedAt = property(lambda self: iso(self.r.processed_at))

    def _order(self):
        return self.ctx.store.orders[self.r.order_id]

    @property
    def formattedGateway(self):
        names = {"shopify_payments": "Shopify Payments", "manual": "Manual"}
        return names.get(self.r.gateway, self.r.gateway)

    @property
    def amountSet(self):
        return money_bag(self.r.amount, self._order().currency)

    @property
    def totalUnsettledSet(self):
        left = next((left for auth, left in self.ctx.store.open_authorizations(self._order())
                     if auth.id == self.r.id), Decimal("0"))
        return money_bag(left, self._order().currency)

    @property
    def manuallyCapturable(self):
        return any(auth.id == self.r.id for auth, _left in self.ctx.store.open_authorizations(self._order()))

    @property
    def multiCapturable(self):
        return self.r.kind == "AUTHORIZATION" and self.r.gateway == "shopify_payments"

    @property
    def paymentId(self):
        return f"{self._order().name}.{self.r.position}"

    @property
    def parentTransaction(self):
        parent = self.ctx.store.transactions.get(self.r.parent_id) if self.r.parent_id else None
        return OrderTransactionView(self.ctx, parent) if parent else None

    @property
    def order(self):
        return OrderView(self.ctx, self._order())


PAYOUT_SORTS = {
    "ISSUED_AT": lambda p: p.issued_at,
    "ID": lambda p: p.id,
    "AMOUNT": lambda p: p.net,
    "STATUS": lambda p: p.status,
    "CHARGE_GROSS": lambda p: p.summary["chargesGross"],
    "REFUND_GROSS": lambda p: p.summary["refundsFeeGross"],
    "ADJUSTMENT_GROSS": lambda p: p.summary["adjustmentsGross"],
    "FEE_AMOUNT": lambda p: p.summary["chargesFee"] + p.summary["refundsFee"] + p.summary["adjustmentsFee"],
}
PAYOUT_SEARCH = {
    "id": ((lambda p: p.id), "int"),
    "status": ((lambda p: p.status.lower()), "str"),
    "issued_at": _date_attr("issued_at"),
    "date": _date_attr("issued_at"),
}


class ShopifyPaymentsAccountView:
    __typename = "ShopifyPaymentsAccount"

    def __init__(self, ctx):
        self.ctx = ctx
        self.id = gid("ShopifyPaymentsAccount", ctx.store.shop_id)
        self.activated = True
        self.country = "CA"
        self.defaultCurrency = ctx.store.currency

    @property
    def balance(self):
        return [money_v2(self.ctx.store.payments_balance(), self.ctx.store.currency)]

    def payouts(self, info, query=None, sortKey="ISSUED_AT", transactionType=None, savedSearchId=None,
                **page):
        self.ctx.require("payouts", "read_shopify_payments_payouts")
        records = list(self.ctx.store.payouts.values())
        if transactionType:
            records = [p for p in records if p.transaction_type == transactionType]
        return paginate(
            self.ctx,
            records,
            lambda p: PayoutView(self.ctx, p),
            sort=PAYOUT_SORTS.get(sortKey, lambda p: p.id),
            query=query,
            search_fields=PAYOUT_SEARCH,
            path=info.path.as_list(),
            **page,
        )

    def balanceTransactions(self, info, query=None, sortKey="PROCESSED_AT", hideTransfers=False,
                            savedSearchId=None, **page):
        self.ctx.require("balanceTransactions", "read_shopify_payments_payouts")
        store = self.ctx.store
        records = list(store.balance_transactions.values())
        if hideTransfers:
            records = [b for b in records if b.type != "TRANSFER"]

        def payout_of(record):
            return store.payouts.get(record.payout_id) if record.payout_id else None

        fields = {
            "id": ((lambda b: b.id), "int"),
            "payout_id": ((lambda b: b.payout_id), "int"),
            "payout_status": ((lambda b: payout_of(b).status.lower() if payout_of(b) else None), "str"),
            "payout_date": ((lambda b: payout_of(b).issued_at if payout_of(b) else None), "date"),
            "processed_at": _date_attr("transaction_date"),
            "type": ((lambda b: b.type.lower()), "str"),
            "test": ((lambda b: str(b.test).lower()), "str"),
            "order_id": ((lambda b: b.order_id), "int"),
        }
        sorts = {
            "PROCESSED_AT": lambda b: b.transaction_date,
            "ID": lambda b: b.id,
            "AMOUNT": lambda b: b.amount,
            "FEE": lambda b: b.fee,
            "NET": lambda b: b.net,
            "TRANSACTION_TYPE": lambda b: b.type,
            "PAYOUT_DATE": lambda b: payout_of(b).issued_at if payout_of(b) else None,
            "PAYOUT_STATUS": lambda b: payout_of(b).status if payout_of(b) else None,
            "ORDER_NAME": lambda b: store.orders[b.order_id].number if b.order_id in store.orders else None,
        }
        return paginate(
            self.ctx,
            records,
            lambda b: BalanceTransactionView(self.ctx, b),
            sort=sorts.get(sortKey, lambda b: b.id),
            query=query,
            search_fields=fields,
            path=info.path.as_list(),
            **page,
        )


class PayoutView(View):
    __typename = "ShopifyPaymentsPayout"

    id = property(lambda self: gid("ShopifyPaymentsPayout", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    issuedAt = property(lambda self: iso(self.r.issued_at))
    status = property(lambda self: self.r.status)
    transactionType = property(lambda self: self.r.transaction_type)
    net = property(lambda self: money_v2(self.r.net, self.r.currency))

    @property
    def summary(self):
        return {name: money_v2(value, self.r.currency) for name, value in self.r.summary.items()}


class BalanceTransactionView(View):
    __typename = "ShopifyPaymentsBalanceTransaction"

    id = property(lambda self: gid("ShopifyPaymentsBalanceTransaction", self.r.id))
    type = property(lambda self: self.r.type)
    test = property(lambda self: self.r.test)
    sourceType = property(lambda self: self.r.source_type)
    sourceId = property(lambda self: self.r.source_id)
    sourceOrderTransactionId = property(lambda self: self.r.order_transaction_id)
    adjustmentReason = property(lambda self: self.r.adjustment_reason)
    transactionDate = property(lambda self: iso(self.r.transaction_date))
    amount = property(lambda self: money_v2(self.r.amount, self.r.currency))
    fee = property(lambda self: money_v2(self.r.fee, self.r.currency))
    net = property(lambda self: money_v2(self.r.net, self.r.currency))

    @property
    def associatedOrder(self):
        order = self.ctx.store.orders.get(self.r.order_id) if self.r.order_id else None
        return {"id": gid("Order", order.id), "name": order.name} if order else None

    @property
    def associatedPayout(self):
        payout = self.ctx.store.payouts.get(self.r.payout_id) if self.r.payout_id else None
        if payout is None:
            return {"id": None, "status": None}  # not in a payout yet [?]
        return {"id": gid("ShopifyPaymentsPayout", payout.id), "status": payout.status}


# ------------------------------------------------------------------------------------------ webhooks, bulk


class WebhookSubscriptionView(View):
    __typename = "WebhookSubscription"

    id = property(lambda self: gid("WebhookSubscription", self.r.id))
    legacyResourceId = property(lambda self: self.r.id)
    topic = property(lambda self: self.r.topic)
    uri = property(lambda self: self.r.uri)
    callbackUrl = property(lambda self: self.r.uri)
    format = property(lambda self: self.r.format)
    includeFields = property(lambda self: list(self.r.include_fields))
    metafieldNamespaces = property(lambda self: list(self.r.metafield_namespaces))
    filter = property(lambda self: self.r.filter)
    name = property(lambda self: self.r.name)
    createdAt = property(lambda self: iso(self.r.created_at))
    updatedAt = property(lambda self: iso(self.r.updated_at))

    @property
    def apiVersion(self):
        handle = self.r.api_version
        return {"handle": handle, "displayName": handle, "supported": handle in self.ctx.sim.api_versions}


class BulkOperationView(View):
    __typename = "BulkOperation"

    id = property(lambda self: gid("BulkOperation", self.r.id))
    errorCode = property(lambda self: self.r.error_code)
    type = property(lambda self: self.r.type)
    query = property(lambda self: self.r.query)
    createdAt = property(lambda self: iso(self.r.created_at))
    completedAt = property(lambda self: iso(self.r.completed_at))
    objectCount = property(lambda self: self.r.object_count)
    rootObjectCount = property(lambda self: self.r.root_object_count)
    partialDataUrl = property(lambda self: None)

    @property
    def status(self):
        return self.r.status

    @property
    def fileSize(self):
        return len(self.r.data) if self.r.status == "COMPLETED" and self.r.data else None

    @property
    def url(self):
        if self.r.status != "COMPLETED" or not self.r.data:
            return None
        return self.ctx.sim.bulk_url(self.r)


# ------------------------------------------------------------------------------------------ search fields



def _date(attr):
    return (lambda r: getattr(r, attr)), "date"


LEVEL_SEARCH = {
    "updated_at": _date("updated_at"),
    "created_at": _date("created_at"),
    "inventory_item_id": ((lambda lvl: lvl.item_id), "int"),
    "location_id": ((lambda lvl: lvl.location_id), "int"),
}
FO_SEARCH = {
    "status": ((lambda fo: fo.status.lower()), "str"),
    "updated_at": _date("updated_at"),
    "assigned_location_id": ((lambda fo: fo.location_id), "int"),
}
VARIANT_SORTS = {
    "POSITION": lambda v: v.position,
    "ID": lambda v: v.id,
    "SKU": lambda v: (v.sku or "").lower(),
    "TITLE": lambda v: v.title.lower(),
    "NAME": lambda v: v.title.lower(),
    "FULL_TITLE": lambda v: v.title.lower(),
    "INVENTORY_POLICY": lambda v: v.inventory_policy,
    "INVENTORY_MANAGEMENT": lambda v: v.id,
    "INVENTORY_QUANTITY": lambda v: v.id,
    "POPULAR": lambda v: v.id,
    "RELEVANCE": lambda v: v.id,
}
