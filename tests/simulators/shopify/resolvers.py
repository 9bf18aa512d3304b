"""Root resolvers: QueryRoot and Mutation fields of the served schema."""

import json
from decimal import Decimal

from graphql import GraphQLError
from graphql.execution.values import get_directive_values

from .state import TOPIC_SCOPES, WEBHOOK_TOPICS, ProductOperationRecord, UserErrors, WebhookSubscription
from .util import gid, gid_type, money, money_str, parse_gid, version_at_least
from .views import (
    AdjustmentGroupView,
    AppInstallationView,
    BalanceTransactionView,
    BulkOperationView,
    CustomerView,
    FulfillmentOrderView,
    FulfillmentView,
    InventoryItemView,
    InventoryLevelView,
    LocationView,
    OrderTransactionView,
    OrderView,
    PayoutView,
    ProductOperationView,
    ProductView,
    RefundView,
    ShopifyPaymentsAccountView,
    ShopView,
    VariantView,
    WebhookSubscriptionView,
    _date,
    paginate,
)

READ_FULFILLMENT_ORDERS = (
    "read_merchant_managed_fulfillment_orders",
    "read_assigned_fulfillment_orders",
    "read_third_party_fulfillment_orders",
)
WRITE_FULFILLMENT_ORDERS = (
    "write_merchant_managed_fulfillment_orders",
    "write_assigned_fulfillment_orders",
    "write_third_party_fulfillment_orders",
)
# shopifyPaymentsAccount: its payouts and balance transactions need the payouts scope
PAYOUT_SCOPES = ("read_shopify_payments_payouts",)
ACCOUNT_SCOPES = ("read_shopify_payments_payouts", "read_shopify_payments_accounts")
# Inventory mutations that take @idempotent (2026-01) and require it at runtime from 2026-04
# (changelog "Making idempotency mandatory for inventory adjustments and refund mutations").
IDEMPOTENT_FROM, IDEMPOTENT_REQUIRED_FROM = "2026-01", "2026-04"
CHANGE_FROM_REQUIRED_FROM = "2026-04"
# From 2026-10 inventory quantities can be set or adjusted at any location: an item not stocked there is
# stocked by the change, and ITEM_NOT_STOCKED_AT_LOCATION is gone from the schema (changelog "Removal of
# ITEM_NOT_STOCKED_AT_LOCATION error").
STOCKS_ANYWHERE_FROM = "2026-10"

PRODUCT_SEARCH = {
    "title": ((lambda p: p.title), "str"),
    "handle": ((lambda p: p.handle), "str"),
    "status": ((lambda p: p.status.lower()), "str"),
    "product_type": ((lambda p: p.product_type), "str"),
    "vendor": ((lambda p: p.vendor), "str"),
    "tag": ((lambda p: p.tags), "str"),
    "id": ((lambda p: p.id), "int"),
    "created_at": _date("created_at"),
    "updated_at": _date("updated_at"),
    "published_at": _date("published_at"),
}
PRODUCT_SORTS = {
    "ID": lambda p: p.id,
    "TITLE": lambda p: p.title.lower(),
    "UPDATED_AT": lambda p: p.updated_at,
    "CREATED_AT": lambda p: p.created_at,
    "PRODUCT_TYPE": lambda p: p.product_type.lower(),
    "VENDOR": lambda p: p.vendor.lower(),
    "PUBLISHED_AT": lambda p: p.published_at,
    "RELEVANCE": lambda p: p.id,
}
ORDER_SORTS = {
    "PROCESSED_AT": lambda o: o.processed_at,
    "UPDATED_AT": lambda o: o.updated_at,
    "CREATED_AT": lambda o: o.created_at,
    "ID": lambda o: o.id,
    "ORDER_NUMBER": lambda o: o.number,
    "TOTAL_PRICE": lambda o: o.total,
    "FINANCIAL_STATUS": lambda o: o.financial_status,
    "CUSTOMER_NAME": lambda o: o.email or "",
    "FULFILLMENT_STATUS": lambda o: o.id,
    "RELEVANCE": lambda o: o.id,
}
CUSTOMER_SEARCH = {
    "email": ((lambda c: c.email), "str"),
    "first_name": ((lambda c: c.first_name), "str"),
    "last_name": ((lambda c: c.last_name), "str"),
    "phone": ((lambda c: c.phone), "str"),
    "state": ((lambda c: c.state.lower()), "str"),
    "tag": ((lambda c: c.tags), "str"),
    "id": ((lambda c: c.id), "int"),
    "created_at": _date("created_at"),
    "updated_at": _date("updated_at"),
}
CUSTOMER_SORTS = {
    "ID": lambda c: c.id,
    "UPDATED_AT": lambda c: c.updated_at,
    "CREATED_AT": lambda c: c.created_at,
    "NAME": lambda c: f"{c.first_name or ''} {c.last_name or ''}".lower(),
    "LOCATION": lambda c: c.id,
    "RELEVANCE": lambda c: c.id,
}


def _user_errors(errors):
    return [
        {"field": [str(p) for p in field] if field else None, "message": message, "code": code}
        for field, message, code in errors
    ]


class QueryRoot:
    """QueryRoot fields."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.store = ctx.store

    # ------------------------------------------------------------------ shop

    def shop(self, info):
        return ShopView(self.ctx)

    def currentAppInstallation(self, info):
        return AppInstallationView(self.ctx)

    def node(self, info, id):
        return self._node(id)

    def nodes(self, info, ids):
        return [self._node(value) for value in ids]

    def _node(self, value):
        kind, store, ctx = gid_type(value), self.store, self.ctx
        table = {
            "Product": (store.products, ProductView, ("read_products",)),
            "ProductVariant": (store.variants, VariantView, ("read_products",)),
            "InventoryItem": (store.inventory_items, InventoryItemView, ("read_inventory", "read_products")),
            "Location": (store.locations, LocationView, ("read_locations",)),
            "Order": (store.orders, OrderView, ("read_orders",)),
            "FulfillmentOrder": (store.fulfillment_orders, FulfillmentOrderView, READ_FULFILLMENT_ORDERS),
            "Fulfillment": (store.fulfillments, FulfillmentView, ("read_fulfillments", "read_orders")),
            "Customer": (store.customers, CustomerView, ("read_customers",)),
            "WebhookSubscription": (store.webhook_subscriptions, WebhookSubscriptionView, ()),
            "BulkOperation": (store.bulk_operations, BulkOperationView, ()),
            "InventoryAdjustmentGroup": (store.adjustment_groups, AdjustmentGroupView, ("read_inventory",)),
            "OrderTransaction": (store.transactions, OrderTransactionView, ("read_orders",)),
            "Refund": (store.refunds, RefundView, ("read_orders",)),
            "ShopifyPaymentsPayout": (store.payouts, PayoutView, PAYOUT_SCOPES),
            "ShopifyPaymentsBalanceTransaction": (store.balance_transactions, BalanceTransactionView,
                                                  PAYOUT_SCOPES),
        }
        if kind == "InventoryLevel":
            level = store.levels_by_id.get(parse_gid(value))
            return InventoryLevelView(ctx, level) if level else None
        if kind not in table:
            if parse_gid(value) is None:
                raise GraphQLError(
                    f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
                )
            return None
        collection, view, scopes = table[kind]
        if scopes:
            ctx.require("node", *scopes)
        record = collection.get(parse_gid(value))
        if record is None:
            return None
        if kind == "Order" and not ctx.order_visible(record):
            return None
        if kind == "Refund" and not ctx.order_visible(store.orders[record.order_id]):
            return None
        if kind == "BulkOperation":
            ctx.sim.bulk.refresh(record)
        return view(ctx, record)

    # ------------------------------------------------------------------ locations

    def location(self, info, id=None):
        self.ctx.require("location", "read_locations")
        record = self.store.get(self.store.locations, id, "Location") if id else self.store.primary_location()
        return LocationView(self.ctx, record) if record else None

    def locations(self, info, query=None, sortKey="NAME", includeInactive=False, includeLegacy=False, **page):
        self.ctx.require("locations", "read_locations")
        records = [loc for loc in self.store.locations.values() if includeInactive or loc.is_active]
        sort = (lambda loc: loc.name.lower()) if sortKey == "NAME" else (lambda loc: loc.id)
        fields = {
            "name": ((lambda loc: loc.name), "str"),
            "id": ((lambda loc: loc.id), "int"),
            "active": ((lambda loc: str(loc.is_active).lower()), "str"),
        }
        return paginate(
            self.ctx,
            records,
            lambda loc: LocationView(self.ctx, loc),
            sort=sort,
            query=query,
            search_fields=fields,
            path=info.path.as_list(),
            **page,
        )

    # ------------------------------------------------------------------ products

    def _product_search(self):
        store = self.store
        fields = dict(PRODUCT_SEARCH)
        fields["sku"] = ((lambda p: [store.variants[v].sku for v in p.variant_ids]), "str")
        fields["barcode"] = ((lambda p: [store.variants[v].barcode for v in p.variant_ids]), "str")
        return fields

    def product(self, info, id):
        self.ctx.require("product", "read_products")
        record = self.store.get(self.store.products, id, "Product")
        return ProductView(self.ctx, record) if record else None

    def productByHandle(self, info, handle):
        self.ctx.require("productByHandle", "read_products")
        pid = self.store.handles.get(handle)
        return ProductView(self.ctx, self.store.products[pid]) if pid else None

    def products(self, info, query=None, sortKey="ID", **page):
        self.ctx.require("products", "read_products")
        return paginate(
            self.ctx,
            list(self.store.products.values()),
            lambda p: ProductView(self.ctx, p),
            sort=PRODUCT_SORTS[sortKey],
            query=query,
            search_fields=self._product_search(),
            text_fields=(lambda p: p.title,),
            path=info.path.as_list(),
            **page,
        )

    def productsCount(self, info, query=None, limit=10000):
        self.ctx.require("productsCount", "read_products")
        page = self.products(info, query=query, first=None)
        count = len(page["nodes"])
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    def productVariant(self, info, id):
        self.ctx.require("productVariant", "read_products")
        record = self.store.get(self.store.variants, id, "ProductVariant")
        return VariantView(self.ctx, record) if record else None

    def productVariants(self, info, query=None, sortKey="ID", **page):
        self.ctx.require("productVariants", "read_products")
        store = self.store
        fields = {
            "sku": ((lambda v: v.sku), "str"),
            "barcode": ((lambda v: v.barcode), "str"),
            "title": ((lambda v: v.title), "str"),
            "id": ((lambda v: v.id), "int"),
            "product_id": ((lambda v: v.product_id), "int"),
            "created_at": _date("created_at"),
            "updated_at": _date("updated_at"),
            "product_status": ((lambda v: store.products[v.product_id].status.lower()), "str"),
            "inventory_item_id": ((lambda v: v.inventory_item_id), "int"),
        }
        sorts = {
            "ID": lambda v: v.id,
            "SKU": lambda v: (v.sku or "").lower(),
            "TITLE": lambda v: v.title.lower(),
            "NAME": lambda v: v.title.lower(),
            "FULL_TITLE": lambda v: v.title.lower(),
            "POSITION": lambda v: (v.product_id, v.position),
        }
        return paginate(
            self.ctx,
            list(store.variants.values()),
            lambda v: VariantView(self.ctx, v),
            sort=sorts.get(sortKey, lambda v: v.id),
            query=query,
            search_fields=fields,
            text_fields=(lambda v: v.sku, lambda v: v.title),
            path=info.path.as_list(),
            **page,
        )

    def productOperation(self, info, id):
        self.ctx.require("productOperation", "read_products")
        record = self.store.product_operations.get(parse_gid(id))
        if record is None:
            return None
        if record.status != "COMPLETE":
            record.status = "COMPLETE"
        return ProductOperationView(self.ctx, record)

    # ------------------------------------------------------------------ inventory

    def inventoryItem(self, info, id):
        self.ctx.require("inventoryItem", "read_inventory", "read_products")
        record = self.store.get(self.store.inventory_items, id, "InventoryItem")
        return InventoryItemView(self.ctx, record) if record else None

    def inventoryItems(self, info, query=None, **page):
        self.ctx.require("inventoryItems", "read_inventory", "read_products")
        store = self.store
        fields = {
            "sku": ((lambda i: store.variants[i.variant_id].sku), "str"),
            "id": ((lambda i: i.id), "int"),
            "created_at": _date("created_at"),
            "updated_at": _date("updated_at"),
        }
        return paginate(
            self.ctx,
            list(store.inventory_items.values()),
            lambda i: InventoryItemView(self.ctx, i),
            query=query,
            search_fields=fields,
            path=info.path.as_list(),
            **page,
        )

    def inventoryLevel(self, info, id):
        self.ctx.require("inventoryLevel", "read_inventory")
        level = self.store.levels_by_id.get(parse_gid(id, "InventoryLevel"))
        return InventoryLevelView(self.ctx, level) if level else None

    # ------------------------------------------------------------------ orders

    def order(self, info, id):
        self.ctx.require("order", "read_orders")
        record = self.store.get(self.store.orders, id, "Order")
        return OrderView(self.ctx, record) if record and self.ctx.order_visible(record) else None

    def _order_fields(self):
        store = self.store

        def status(order):
            if order.cancelled_at:
                return ["cancelled", "closed"]
            return ["closed"] if order.closed_at else ["open"]

        def fulfillment(order):
            value = store.fulfillment_status(order)
            return {
                "FULFILLED": ["shipped", "fulfilled"],
                "PARTIALLY_FULFILLED": ["partial", "unshipped"],
                "UNFULFILLED": ["unshipped", "unfulfilled"],
            }[value]

        return {
            "name": ((lambda o: [o.name, str(o.order_number)]), "str"),
            "email": ((lambda o: o.email), "str"),
            "status": (status, "str"),
            "financial_status": ((lambda o: o.financial_status.lower()), "str"),
            "fulfillment_status": (fulfillment, "str"),
            "id": ((lambda o: o.id), "int"),
            "created_at": _date("created_at"),
            "updated_at": _date("updated_at"),
            "processed_at": _date("processed_at"),
            "tag": ((lambda o: o.tags), "str"),
            "sku": ((lambda o: [li.sku for li in o.line_items]), "str"),
            "customer_id": ((lambda o: o.customer_id), "int"),
            "test": ((lambda o: str(o.test).lower()), "str"),
        }

    def _visible_orders(self):
        return [o for o in self.store.orders.values() if self.ctx.order_visible(o)]

    def orders(self, info, query=None, sortKey="PROCESSED_AT", **page):
        self.ctx.require("orders", "read_orders")
        return paginate(
            self.ctx,
            self._visible_orders(),
            lambda o: OrderView(self.ctx, o),
            sort=ORDER_SORTS[sortKey],
            query=query,
            search_fields=self._order_fields(),
            text_fields=(lambda o: o.name,),
            path=info.path.as_list(),
            **page,
        )

    def ordersCount(self, info, query=None, limit=10000):
        self.ctx.require("ordersCount", "read_orders")
        page = paginate(
            self.ctx,
            self._visible_orders(),
            lambda o: o,
            query=query,
            search_fields=self._order_fields(),
            path=info.path.as_list(),
        )
        count = len(page["nodes"])
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    def fulfillmentOrder(self, info, id):
        self.ctx.require("fulfillmentOrder", *READ_FULFILLMENT_ORDERS)
        record = self.store.get(self.store.fulfillment_orders, id, "FulfillmentOrder")
        return FulfillmentOrderView(self.ctx, record) if record else None

    def fulfillment(self, info, id):
        self.ctx.require("fulfillment", "read_fulfillments", "read_orders")
        record = self.store.get(self.store.fulfillments, id, "Fulfillment")
        return FulfillmentView(self.ctx, record) if record else None

    # ------------------------------------------------------------------ customers

    def customer(self, info, id):
        self.ctx.require("customer", "read_customers")
        record = self.store.get(self.store.customers, id, "Customer")
        return CustomerView(self.ctx, record) if record else None

    def customers(self, info, query=None, sortKey="ID", **page):
        self.ctx.require("customers", "read_customers")
        return paginate(
            self.ctx,
            list(self.store.customers.values()),
            lambda c: CustomerView(self.ctx, c),
            sort=CUSTOMER_SORTS[sortKey],
            query=query,
            search_fields=CUSTOMER_SEARCH,
            text_fields=(lambda c: c.email, lambda c: c.first_name, lambda c: c.last_name),
            path=info.path.as_list(),
            **page,
        )

    # ------------------------------------------------------------------ webhooks & bulk

    def webhookSubscription(self, info, id):
        record = self.store.get(self.store.webhook_subscriptions, id, "WebhookSubscription")
        return WebhookSubscriptionView(self.ctx, record) if record else None

    def webhookSubscriptions(self, info, topics=None, uri=None, format=None, **page):
        records = [
            s
            for s in self.store.webhook_subscriptions.values()
            if (not topics or s.topic in topics)
            and (uri is None or s.uri == uri)
            and (format is None or s.format == format)
        ]
        return paginate(self.ctx, records, lambda s: WebhookSubscriptionView(self.ctx, s), **page)

    def currentBulkOperation(self, info, type="QUERY"):
        ops = [op for op in self.store.bulk_operations.values() if op.type == type]
        if not ops:
            return None
        op = max(ops, key=lambda op: op.id)
        self.ctx.sim.bulk.refresh(op)
        return BulkOperationView(self.ctx, op)

    def bulkOperation(self, info, id):
        op = self.store.bulk_operations.get(parse_gid(id, "BulkOperation"))
        if op is None:
            return None
        self.ctx.sim.bulk.refresh(op)
        return BulkOperationView(self.ctx, op)

    # ------------------------------------------------------------------ Shopify Payments

    def shopifyPaymentsAccount(self, info):
        """The shop's Shopify Payments account (null when Shopify Payments is not activated)."""
        self.ctx.require("shopifyPaymentsAccount", *ACCOUNT_SCOPES)
        return ShopifyPaymentsAccountView(self.ctx) if self.store.payments_enabled else None


class Mutation:
    """Mutation fields."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.store = ctx.store

    # ------------------------------------------------------------------ idempotency

    def _idempotent(self, info, name, args, run, error_payload):
        """Run `run()` once per @idempotent key; a retry with the same key returns the original payload."""
        directive = info.schema.get_directive("idempotent")
        values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
        key = values.get("key") if values else None
        version = self.ctx.version
        if key is None:
            if name in self.ctx.sim.idempotency_required and version_at_least(
                version, IDEMPOTENT_REQUIRED_FROM
            ):
                raise GraphQLError(
                    f"The @idempotent directive is required for {name} as of API version "
                    f"{IDEMPOTENT_REQUIRED_FROM}.",
                    extensions={"code": "BAD_REQUEST"},
                )
            return run()
        fingerprint = json.dumps(args, sort_keys=True, default=str)
        cached = self.store.idempotency.get((name, key))
        if cached is not None:
            if cached[0] != fingerprint:
                return error_payload(
                    [
                        (
                            None,
                            "The same idempotency key cannot be used with different operation parameters.",
                            "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        )
                    ]
                )
            self.ctx.sim.stats["idempotent_replays"] += 1
            return cached[1]
        payload = run()
        self.store.idempotency[(name, key)] = (fingerprint, payload)
        return payload

    # ------------------------------------------------------------------ products

    def productSet(self, info, input, identifier=None, synchronous=True):
        self.ctx.require("productSet", "write_products")
        errors, product = [], None
        try:
            product = self.store.product_set(input, identifier)
        except UserErrors as exc:
            errors = exc.errors
        if not synchronous:
            record = ProductOperationRecord(
                id=self.store.next_id("ProductSetOperation"),
                kind="set",
                product_id=product.id if product else None,
                status="CREATED",
                user_errors=errors,
            )
            self.store.product_operations[record.id] = record
            return {
                "product": None,
                "productSetOperation": ProductOperationView(self.ctx, record),
                "userErrors": [],
            }
        return {
            "product": ProductView(self.ctx, product) if product else None,
            "productSetOperation": None,
            "userErrors": _user_errors(errors),
        }

    def productUpdate(self, info, product=None, input=None):
        self.ctx.require("productUpdate", "write_products")
        data = product if product is not None else input
        if data is None:
            return {
                "product": None,
                "userErrors": _user_errors([(["product"], "Product input is required", None)]),
            }
        try:
            record = self.store.product_update(data)
        except UserErrors as exc:
            return {"product": None, "userErrors": _user_errors(exc.errors)}
        return {"product": ProductView(self.ctx, record), "userErrors": []}

    def productDelete(self, info, input, synchronous=True):
        self.ctx.require("productDelete", "write_products")
        try:
            deleted = self.store.product_delete(input["id"])
        except UserErrors as exc:
            return {
                "deletedProductId": None,
                "productDeleteOperation": None,
                "userErrors": _user_errors(exc.errors),
            }
        if not synchronous:
            record = ProductOperationRecord(
                id=self.store.next_id("ProductDeleteOperation"),
                kind="delete",
                product_id=None,
                status="CREATED",
                user_errors=[],
                deleted_product_id=deleted,
            )
            self.store.product_operations[record.id] = record
            return {
                "deletedProductId": None,
                "productDeleteOperation": ProductOperationView(self.ctx, record),
                "userErrors": [],
            }
        return {"deletedProductId": gid("Product", deleted), "productDeleteOperation": None, "userErrors": []}

    # ------------------------------------------------------------------ inventory

    def inventorySetQuantities(self, info, input):
        self.ctx.require("inventorySetQuantities", "write_inventory")
        version = self.ctx.version
        requires_cfq = version_at_least(version, CHANGE_FROM_REQUIRED_FROM)
        if requires_cfq:
            missing = [i for i, q in enumerate(input["quantities"]) if "changeFromQuantity" not in q]
            if missing:
                raise GraphQLError(
                    "changeFromQuantity must be provided for each quantity (pass null to skip the check); "
                    "missing "
                    "at quantities " + ", ".join(str(i) for i in missing) + ".",
                    extensions={"code": "BAD_REQUEST"},
                )
        entries = []
        for q in input["quantities"]:
            entry = dict(q)
            if not requires_cfq and input.get("ignoreCompareQuantity"):
                entry["_ignoreCompare"] = True
            entries.append(entry)

        def run():
            try:
                group = self.store.set_quantities(
                    input["name"],
                    input["reason"],
                    entries,
                    input.get("referenceDocumentUri"),
                    version_requires_cfq=requires_cfq,
                    stocks_anywhere=version_at_least(version, STOCKS_ANYWHERE_FROM),
                )
            except UserErrors as exc:
                return {"inventoryAdjustmentGroup": None, "userErrors": _user_errors(exc.errors)}
            return {"inventoryAdjustmentGroup": AdjustmentGroupView(self.ctx, group), "userErrors": []}

        return self._idempotent(
            info,
            "inventorySetQuantities",
            input,
            run,
            lambda errs: {"inventoryAdjustmentGroup": None, "userErrors": _user_errors(errs)},
        )

    def inventoryAdjustQuantities(self, info, input):
        self.ctx.require("inventoryAdjustQuantities", "write_inventory")

        def run():
            try:
                group = self.store.adjust_quantities(
                    input["name"],
                    input["reason"],
                    input["changes"],
                    input.get("referenceDocumentUri"),
                    stocks_anywhere=version_at_least(self.ctx.version, STOCKS_ANYWHERE_FROM),
                )
            except UserErrors as exc:
                return {"inventoryAdjustmentGroup": None, "userErrors": _user_errors(exc.errors)}
            return {"inventoryAdjustmentGroup": AdjustmentGroupView(self.ctx, group), "userErrors": []}

        return self._idempotent(
            info,
            "inventoryAdjustQuantities",
            input,
            run,
            lambda errs: {"inventoryAdjustmentGroup": None, "userErrors": _user_errors(errs)},
        )

    def inventoryActivate(self, info, inventoryItemId, locationId, available=None, onHand=None):
        """inventoryActivate: the @idempotent key is optional from 2026-01 and required from 2026-04."""
        self.ctx.require("inventoryActivate", "write_inventory")

        def run():
            item = self.store.get(self.store.inventory_items, inventoryItemId, "InventoryItem")
            location = self.store.get(self.store.locations, locationId, "Location")
            if item is None or location is None:
                field = "inventoryItemId" if item is None else "locationId"
                return {
                    "inventoryLevel": None,
                    "userErrors": _user_errors([([field], f"{field[:-2].capitalize()} not found", None)]),
                }
            level = self.store.activate(item.id, location.id, available if available is not None else None)
            if onHand is not None:
                self.store._set_quantity(level, "on_hand", onHand)
            return {"inventoryLevel": InventoryLevelView(self.ctx, level), "userErrors": []}

        args = {"inventoryItemId": inventoryItemId, "locationId": locationId, "available": available,
                "onHand": onHand}
        return self._idempotent(
            info, "inventoryActivate", args, run,
            lambda errs: {"inventoryLevel": None, "userErrors": _user_errors(errs)},  # UserError: no code
        )

    # ------------------------------------------------------------------ fulfillment

    def fulfillmentCreate(self, info, fulfillment, message=None):
        self.ctx.require("fulfillmentCreate", *WRITE_FULFILLMENT_ORDERS)
        groups = []
        for group in fulfillment["lineItemsByFulfillmentOrder"]:
            lines = group.get("fulfillmentOrderLineItems")
            groups.append(
                (
                    group["fulfillmentOrderId"],
                    [(line["id"], line["quantity"]) for line in lines] if lines else None,
                )
            )
        try:
            record = self.store.create_fulfillment(
                groups, fulfillment.get("trackingInfo"), fulfillment.get("notifyCustomer", False)
            )
        except UserErrors as exc:
            return {"fulfillment": None, "userErrors": _user_errors(exc.errors)}
        return {"fulfillment": FulfillmentView(self.ctx, record), "userErrors": []}

    # ------------------------------------------------------------------ orders

    def orderCreate(self, info, order, options=None):
        """orderCreate (2024-10+): an order made outside the checkout (write_orders). Prices come
        from each line's priceSet (else the variant's price); tax lines as given (their rate);
        inventory is claimed only when inventoryBehaviour asks for it (default BYPASS)."""
        self.ctx.require("orderCreate", "write_orders")
        options = options or {}
        errors, lines = [], []
        if not order.get("lineItems"):
            errors.append(
                (["order", "lineItems"], "Line items must contain at least one item.", "INVALID")
            )
        for index, line in enumerate(order.get("lineItems") or []):
            path = ["order", "lineItems", str(index)]
            spec = {"quantity": line["quantity"]}
            if line.get("quantity", 0) < 1:
                errors.append(([*path, "quantity"], "Quantity must be greater than or equal to 1", "INVALID"))
            if line.get("variantId"):
                if self.store.get(self.store.variants, line["variantId"], "ProductVariant") is None:
                    errors.append(
                        ([*path, "variantId"], "Product variant does not exist", "INVALID")
                    )
                    continue
                spec["variant_id"] = line["variantId"]
            elif line.get("title"):
                spec.update(
                    title=line["title"],
                    sku=line.get("sku"),
                    requires_shipping=line.get("requiresShipping", True),
                )
            else:
                errors.append((path, "A line item needs a variantId or a title.", "INVALID"))
                continue
            if line.get("priceSet"):
                spec["price"] = line["priceSet"]["shopMoney"]["amount"]
            lines.append(spec)
        if errors:
            return {
                "order": None,
                "userErrors": [{"field": f, "message": m, "code": c} for f, m, c in errors],
            }
        rates = [
            tax.get("rate")
            for line in order.get("lineItems") or []
            for tax in line.get("taxLines") or []
            if tax.get("rate") is not None
        ]
        customer = ((order.get("customer") or {}).get("toAssociate") or {}).get("id")
        # the engine holds the store's lock for the whole operation
        record = self.store.create_order(
            lines,
            customer=customer,
            email=order.get("email"),
            phone=order.get("phone"),
            shipping_address=order.get("shippingAddress"),
            billing_address=order.get("billingAddress"),
            shipping_lines=[
                {
                    "title": s["title"],
                    "code": s.get("code"),
                    "source": s.get("source") or "shopify",
                    "price": s["priceSet"]["shopMoney"]["amount"],
                }
                for s in order.get("shippingLines") or []
            ],
            tax_rate=rates[0] if rates else None,
            taxes_included=bool(order.get("taxesIncluded")),
            financial_status=order.get("financialStatus") or "PENDING",
            currency=order.get("currency"),
            note=order.get("note"),
            tags=order.get("tags"),
            source_name=order.get("sourceName") or "api",
            reserve_inventory=options.get("inventoryBehaviour", "BYPASS") != "BYPASS",
        )
        return {"order": OrderView(self.ctx, record), "userErrors": []}

    def refundCreate(self, info, input):
        """refundCreate: line items (restockType, default NO_RESTOCK, and locationId), shipping (amount
        before tax, or fullRefund) and the money given back, which is exactly `transactions` (kind
        REFUND; a parentId names the sale or capture refunded, else one on the same gateway is taken).
        @idempotent is required from 2026-04 like the inventory mutations (changelog "Making idempotency
        mandatory for inventory adjustments and refund mutations"). userError texts are approximate [?]."""
        self.ctx.require("refundCreate", "write_orders")

        def failed(errors):
            return {"order": None, "refund": None, "userErrors": _user_errors(errors)}

        def run():
            plan = self._refund_plan(input)
            if isinstance(plan, list):
                return failed(plan)
            order, kwargs = plan
            refund = self.store.refund(order, **kwargs)
            return {"order": OrderView(self.ctx, order), "refund": RefundView(self.ctx, refund),
                    "userErrors": []}

        return self._idempotent(info, "refundCreate", input, run, failed)

    def _refund_plan(self, data):
        """(order, Store.refund arguments) for a RefundInput, or the userErrors [(field, message, code)]."""
        store = self.store
        order = store.get(store.orders, data["orderId"], "Order")
        if order is None or not self.ctx.order_visible(order):
            return [(["orderId"], "Order does not exist", None)]
        errors, lines = [], []
        by_gid = {gid("LineItem", li.id): li for li in order.line_items}
        for index, spec in enumerate(data.get("refundLineItems") or []):
            path = ["refundLineItems", str(index)]
            line = by_gid.get(spec["lineItemId"])
            if line is None:
                errors.append(([*path, "lineItemId"], "Line item does not exist", None))
                continue
            left = line.quantity - line.refunded_quantity - sum(
                entry["quantity"] for entry in lines if entry["ref"] == line.id
            )
            if spec["quantity"] < 1 or spec["quantity"] > left:
                errors.append(([*path, "quantity"], f"Quantity must be between 1 and {left}", None))
                continue
            location_id = None
            if spec.get("locationId"):
                location = store.get(store.locations, spec["locationId"], "Location")
                if location is None:
                    errors.append(([*path, "locationId"], "Location does not exist", None))
                    continue
                location_id = location.id
            lines.append({
                "ref": line.id,
                "quantity": spec["quantity"],
                "restock_type": spec.get("restockType") or "NO_RESTOCK",  # REST's default no_restock [?]
                "location_id": location_id,
            })
        shipping = None
        if data.get("shipping"):
            ship = order.shipping_lines[0] if order.shipping_lines else None
            left = store.shipping_refundable(order, ship) if ship else Decimal("0")
            if data["shipping"].get("fullRefund"):
                shipping = True if left > 0 else None
            elif data["shipping"].get("amount") is not None:
                shipping = money(data["shipping"]["amount"])
                if shipping < 0 or shipping > left:
                    errors.append((["shipping", "amount"],
                                   f"Shipping refund amount must be between 0 and {money_str(left)}", None))
                shipping = shipping or None  # 0: no shipping refunded
        transactions, total = [], Decimal("0")
        captured = store.captured_transactions(order)
        over_refund = bool(data.get("allowOverRefunding"))
        for index, spec in enumerate(data.get("transactions") or []):
            path = ["transactions", str(index)]
            amount = money(spec["amount"])
            parent = None
            if spec["kind"] != "REFUND":
                errors.append(([*path, "kind"], "Kind must be refund", None))
                continue
            if spec["orderId"] != gid("Order", order.id):
                errors.append(([*path, "orderId"], "Transaction must belong to the order refunded", None))
                continue
            if spec.get("parentId"):
                parent = next(
                    (t for t in captured if gid("OrderTransaction", t.id) == spec["parentId"]), None
                )
                if parent is None:
                    errors.append(([*path, "parentId"], "Parent transaction does not exist", None))
                    continue
            else:
                parent = next((t for t in reversed(captured)
                               if t.gateway == spec["gateway"] and store.refundable(t) >= amount), None)
            if amount <= 0:
                errors.append(([*path, "amount"], "Amount must be greater than 0", None))
                continue
            if parent is not None and amount > store.refundable(parent) and not over_refund:
                errors.append(([*path, "amount"],
                               f"Amount exceeds the refundable {money_str(store.refundable(parent))} "
                               "of the parent transaction", None))
                continue
            transactions.append({"amount": amount, "gateway": spec["gateway"], "parent": parent})
            total += amount
        totals = store.payment_totals(order)
        if total > totals["captured"] - totals["refunded"] and not over_refund:
            errors.append((["transactions"],
                           f"Refund amount {money_str(total)} is greater than the net payment received "
                           f"{money_str(totals['captured'] - totals['refunded'])}", None))
        if errors:
            return errors
        return order, {"lines": lines, "note": data.get("note"), "shipping": shipping,
                       "transactions": transactions}

    # ------------------------------------------------------------------ customers

    def customerCreate(self, info, input):
        self.ctx.require("customerCreate", "write_customers")
        if input.get("id"):
            return {
                "customer": None,
                "userErrors": _user_errors([(["id"], "Id must be blank on create", None)]),
            }
        try:
            record = self.store.customer_save(input)
        except UserErrors as exc:
            return {"customer": None, "userErrors": _user_errors(exc.errors)}
        return {"customer": CustomerView(self.ctx, record), "userErrors": []}

    def customerUpdate(self, info, input):
        self.ctx.require("customerUpdate", "write_customers")
        record = self.store.get(self.store.customers, input.get("id"), "Customer")
        if record is None:
            return {"customer": None, "userErrors": _user_errors([(["id"], "Customer does not exist", None)])}
        try:
            record = self.store.customer_save(input, record)
        except UserErrors as exc:
            return {"customer": None, "userErrors": _user_errors(exc.errors)}
        return {"customer": CustomerView(self.ctx, record), "userErrors": []}

    # ------------------------------------------------------------------ webhooks

    def _check_uri(self, uri, topic, exclude_id=None):
        errors = []
        if not uri:
            return [(["webhookSubscription", "callbackUrl"], "Address can't be blank", None)]
        lowered = uri.lower()
        if lowered.startswith("http://"):
            host = lowered[7:].split("/")[0].split(":")[0]
            if not (
                self.ctx.sim.allow_http_loopback_webhooks and host in ("127.0.0.1", "localhost", "[::1]")
            ):
                errors.append(
                    (
                        ["webhookSubscription", "callbackUrl"],
                        "Address protocol http:// is not supported",
                        None,
                    )
                )
        elif not (
            lowered.startswith("https://")
            or lowered.startswith("pubsub://")
            or lowered.startswith("arn:aws:events:")
        ):
            errors.append((["webhookSubscription", "callbackUrl"], "Address is invalid", None))
        for sub in self.store.webhook_subscriptions.values():
            if sub.topic == topic and sub.uri == uri and sub.id != exclude_id:
                errors.append(
                    (
                        ["webhookSubscription", "callbackUrl"],
                        "Address for this topic has already been taken",
                        None,
                    )
                )
        return errors

    def webhookSubscriptionCreate(self, info, topic, webhookSubscription):
        scope = TOPIC_SCOPES.get(WEBHOOK_TOPICS[topic].split("/")[0])
        if scope:
            self.ctx.require("webhookSubscriptionCreate", scope)
        data = webhookSubscription
        uri = data.get("uri") or data.get("callbackUrl")
        errors = self._check_uri(uri, topic)
        if errors:
            return {"webhookSubscription": None, "userErrors": _user_errors(errors)}
        now = self.store.now()
        sub = WebhookSubscription(
            id=self.store.next_id("WebhookSubscription"),
            topic=topic,
            uri=uri,
            api_version=self.ctx.version,
            created_at=now,
            updated_at=now,
            format=data.get("format") or "JSON",
            include_fields=list(data.get("includeFields") or []),
            metafield_namespaces=list(data.get("metafieldNamespaces") or []),
            filter=data.get("filter"),
            name=data.get("name"),
        )
        self.store.webhook_subscriptions[sub.id] = sub
        return {"webhookSubscription": WebhookSubscriptionView(self.ctx, sub), "userErrors": []}

    def webhookSubscriptionUpdate(self, info, id, webhookSubscription):
        sub = self.store.get(self.store.webhook_subscriptions, id, "WebhookSubscription")
        if sub is None:
            return {
                "webhookSubscription": None,
                "userErrors": _user_errors([(["id"], "Webhook subscription does not exist", None)]),
            }
        data = webhookSubscription
        uri = data.get("uri") or data.get("callbackUrl") or sub.uri
        errors = self._check_uri(uri, sub.topic, exclude_id=sub.id)
        if errors:
            return {"webhookSubscription": None, "userErrors": _user_errors(errors)}
        sub.uri = uri
        for key, attr in (("format", "format"), ("filter", "filter"), ("name", "name")):
            if data.get(key) is not None:
                setattr(sub, attr, data[key])
        if data.get("includeFields") is not None:
            sub.include_fields = list(data["includeFields"])
        sub.api_version = self.ctx.version
        sub.updated_at = self.store.now()
        return {"webhookSubscription": WebhookSubscriptionView(self.ctx, sub), "userErrors": []}

    def webhookSubscriptionDelete(self, info, id):
        sub = self.store.get(self.store.webhook_subscriptions, id, "WebhookSubscription")
        if sub is None:
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": _user_errors([(["id"], "Webhook subscription does not exist", None)]),
            }
        del self.store.webhook_subscriptions[sub.id]
        return {"deletedWebhookSubscriptionId": gid("WebhookSubscription", sub.id), "userErrors": []}

    # ------------------------------------------------------------------ bulk

    def bulkOperationRunQuery(self, info, query, groupObjects=False):
        op, errors = self.ctx.sim.bulk.run(self.ctx, query, groupObjects)
        return {
            "bulkOperation": BulkOperationView(self.ctx, op) if op else None,
            "userErrors": _user_errors(errors),
        }

    def bulkOperationCancel(self, info, id):
        op = self.store.bulk_operations.get(parse_gid(id, "BulkOperation"))
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": _user_errors([(["id"], "Bulk operation does not exist", None)]),
            }
        if op.status in ("CREATED", "RUNNING"):
            op.status = "CANCELED"
            op.completed_at = None
        else:
            return {
                "bulkOperation": BulkOperationView(self.ctx, op),
                "userErrors": _user_errors(
                    [(None, f"A bulk operation cannot be canceled when it is {op.status.lower()}", None)]
                ),
            }
        return {"bulkOperation": BulkOperationView(self.ctx, op), "userErrors": []}


class Root(QueryRoot, Mutation):
    """Root value for both operation types (field names do not overlap)."""

    def __init__(self, ctx):
        QueryRoot.__init__(self, ctx)
