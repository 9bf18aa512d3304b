import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError
from odoo.addons.store_connector_base.models.store_product_binding import LOCK_INVENTORY
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.services.webhook_dispatch import WebhookHandler

from . import shopify_order_mapper as om
from . import shopify_product_mapper as pm

_logger = logging.getLogger(__name__)

INVENTORY_BATCH = 250
# An order of ORDER_FIELDS costs about 230 points (20 line items, 3 shipping lines, 5 fulfillments): 4 stay
# under the 1000 points a single query may request.
ORDER_PAGE_MAX = 4
# A product with 100 variants costs about 304 points: three per page stay under 1000.
PRODUCT_PAGE_MAX = 3
CUSTOMER_PAGE_MAX = 50
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/paid")
STALE_CODE = "CHANGE_FROM_QUANTITY_STALE"
# Answered by inventorySetQuantities before API 2026-10 for an item not stocked at the location; from
# 2026-10 quantities can be set at any location (the item is stocked there) and the code is gone from the
# schema (Shopify changelog "Removal of ITEM_NOT_STOCKED_AT_LOCATION error"). Kept for the stores
# pinned to an older version (const.SHOPIFY_API_VERSIONS).
NOT_STOCKED_CODE = "ITEM_NOT_STOCKED_AT_LOCATION"
FULL_SYNC_ORDER_DAYS = 60
BULK_KINDS = ("products", "customers", "orders")
BULK_POLL_SECONDS = 10
BULK_DOWNLOAD_TIMEOUT = (10, 120)
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1f2b1e-6a55-4c8e-9d57-0c7a5e1d5a10")

ORDERS_QUERY = """
query ConnectorOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}""".replace("%s", om.ORDER_FIELDS)
PRODUCTS_QUERY = """
query ConnectorProducts($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}""".replace("%s", pm.PRODUCT_FIELDS)
PRODUCT_QUERY = """
query ConnectorProduct($id: ID!) { product(id: $id) { %s } }""".replace("%s", pm.PRODUCT_FIELDS)
PRODUCT_SET = """
mutation ConnectorProductSet($identifier: ProductSetIdentifiers, $input: ProductSetInput!) {
  productSet(identifier: $identifier, input: $input, synchronous: true) { %s }
}""".replace("%s", pm.PRODUCT_SET_RESULT)
INVENTORY_SET = """
mutation ConnectorInventorySet($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    userErrors { field message code }
  }
}"""
INVENTORY_READ = """
query ConnectorInventoryRead($ids: [ID!]!, $location: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id tracked inventoryLevel(locationId: $location) {
      quantities(names: ["available", "on_hand"]) { name quantity } } }
  }
}"""
# Inventory items per INVENTORY_READ query (nodes(ids:) takes at most 250; 100 keeps the cost low).
INVENTORY_READ_PAGE = 100
# Before 2026-10 only: stocks an item at a location. The @idempotent key is required from 2026-04.
INVENTORY_ACTIVATE = """
mutation ConnectorInventoryActivate($item: ID!, $location: ID!, $key: String!) {
  inventoryActivate(inventoryItemId: $item, locationId: $location) @idempotent(key: $key) {
    userErrors { field message }
  }
}"""
LOCATIONS_QUERY = "query ConnectorLocations { locations(first: 1) { nodes { id } } }"
FULFILLMENT_ORDERS_QUERY = """
query ConnectorFulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 5) { nodes { id status
      lineItems(first: 50) { nodes { id remainingQuantity sku lineItem { id } } } } }
  }
}"""
FULFILLMENT_CREATE = """
mutation ConnectorFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id legacyResourceId status }
    userErrors { field message }
  }
}"""
CUSTOMERS_QUERY = """
query ConnectorCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId email firstName lastName phone updatedAt
      defaultAddress { firstName lastName name company address1 address2 city provinceCode province
                       countryCodeV2 zip phone } }
  }
}"""
BULK_RUN = """
mutation ConnectorBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}"""
BULK_STATUS = """
query ConnectorBulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}"""
BULK_PRODUCTS = """{ products { edges { node { id legacyResourceId title descriptionHtml status
  variants { edges { node { id legacyResourceId sku barcode price compareAtPrice
    selectedOptions { name value } inventoryItem { id legacyResourceId } } } } } } } }"""
# %s: the search term (already escaped for a GraphQL string inside the bulk query)
BULK_ORDERS = """{ orders(query: "%s") { edges { node {
  id legacyResourceId name email phone note createdAt updatedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus currencyCode taxesIncluded discountCodes
  totalPriceSet { shopMoney { amount currencyCode } } totalTaxSet { shopMoney { amount } }
  customer { id legacyResourceId email firstName lastName phone }
  shippingAddress { firstName lastName name company address1 address2 city provinceCode province
                    countryCodeV2 zip phone }
  billingAddress { firstName lastName name company address1 address2 city provinceCode province
                   countryCodeV2 zip phone }
  fulfillments { legacyResourceId status trackingInfo { company number url } }
  lineItems { edges { node { id name sku quantity currentQuantity unfulfilledQuantity
    originalUnitPriceSet { shopMoney { amount } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } } } } }
  shippingLines { edges { node { id title originalPriceSet { shopMoney { amount } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } } } } } } } } }"""
BULK_CUSTOMERS = """{ customers { edges { node { id legacyResourceId email firstName lastName phone updatedAt
  defaultAddress { firstName lastName name company address1 address2 city provinceCode province
                   countryCodeV2 zip phone } } } } }"""
CUSTOMER_CREATE = """
mutation ConnectorCustomerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id legacyResourceId } userErrors { field message } }
}"""
CUSTOMER_UPDATE = """
mutation ConnectorCustomerUpdate($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id legacyResourceId } userErrors { field message } }
}"""


def _search_since(since):
    """Shopify search syntax for "updated at or after `since`" (a datetime, naive UTC)."""
    if not since:
        return None
    moment = fields.Datetime.to_datetime(since)
    return f"updated_at:>='{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def _user_errors_text(errors):
    return "; ".join(
        (".".join(str(p) for p in e["field"]) + ": " if e.get("field") else "") + str(e.get("message"))
        for e in errors
    )


def _error_index(error):
    """The index of the quantity a userError is about (field ["input", "quantities", "3", ...])."""
    return next((int(p) for p in error.get("field") or [] if str(p).isdigit()), None)


class StoreAdapterShopifySync(models.AbstractModel):
    """Shopify sync: products (productSet), inventory (inventorySetQuantities), orders (pull and
    webhooks), fulfillment (fulfillmentCreate) and customers, over the GraphQL client of the
    connection part (`_shopify_sync_graphql` is the one place that calls it)."""

    _inherit = "store.adapter.shopify"

    # ------------------------------------------------------------------ client
    @api.model
    def _shopify_sync_graphql(self, store, query, variables=None):
        """Run one GraphQL document through the store's client.

        :returns: the response's ``data`` dict (errors were raised by the client as job errors).
        """
        return store._shopify_client().query(query, variables or {})

    @api.model
    def _shopify_sync_payload(self, data, field):
        """The payload of mutation `field`; its userErrors become a PermanentJobError."""
        payload = (data or {}).get(field) or {}
        if payload.get("userErrors"):
            raise PermanentJobError(
                _(
                    "Shopify refused %(operation)s: %(errors)s",
                    operation=field,
                    errors=_user_errors_text(payload["userErrors"]),
                )
            )
        return payload

    # ------------------------------------------------------------------ statuses
    @api.model
    def _default_status_mapping(self, store):
        return {"inbound": list(om.STATUS_INBOUND), "outbound": list(om.STATUS_OUTBOUND)}

    # ------------------------------------------------------------------ orders
    @api.model
    def _order_page_size(self, store):
        return ORDER_PAGE_MAX

    @api.model
    def _import_orders(self, store, since=None, status=None, limit=None, cursor=None):
        """One page of orders changed since `since`, oldest change first (sortKey UPDATED_AT), so
        that a pull interrupted half way resumes without a gap. Shopify's cursors are keyset
        cursors (the last node's sort value and id, as the adapter contract asks): an order
        updated between two pages comes again at the end and none is skipped."""
        terms = [t for t in (_search_since(since),) if t]
        if status:
            terms.append("(" + " OR ".join(f"financial_status:{s}" for s in status) + ")")
        nodes, next_cursor = self._shopify_page(
            store, ORDERS_QUERY, "orders", ORDER_PAGE_MAX, limit, cursor, " ".join(terms))
        for node in nodes:
            self._shopify_complete_lines(store, node)
        return {"records": [om.order_from_graphql(node) for node in nodes], "next_cursor": next_cursor}

    @api.model
    def _shopify_page(self, store, query, root, page_max, limit=None, cursor=None, search=None):
        """One page of the connection `root` of `query`, which takes $first, $after and $query and
        selects nodes{...} and pageInfo{hasNextPage endCursor}. The queries sort by UPDATED_AT, so
        Shopify's endCursor names the last node by its update time and id (a keyset cursor, see
        `store.adapter._import_orders`), which no change during the pull can shift.

        :returns: (nodes, cursor of the next page or None)
        """
        data = self._shopify_sync_graphql(store, query, {
            "first": max(1, min(limit or page_max, page_max)),
            "after": cursor or None,
            "query": search or None,
        })
        connection = data[root]
        page = connection.get("pageInfo") or {}
        return connection.get("nodes") or [], page.get("endCursor") if page.get("hasNextPage") else None

    @api.model
    def _shopify_complete_lines(self, store, node):
        """Fetch the line items beyond the first page of an order (orders with more than 20 lines)."""
        lines = node.get("lineItems") or {}
        info = lines.get("pageInfo") or {}
        while info.get("hasNextPage"):
            data = self._shopify_sync_graphql(
                store, om.LINES_QUERY, {"id": node["id"], "after": info["endCursor"]}
            )
            more = data["order"]["lineItems"]
            lines["nodes"] = (lines.get("nodes") or []) + (more.get("nodes") or [])
            info = more.get("pageInfo") or {}
        return node

    # ------------------------------------------------------------------ products
    @api.model
    def _complete_variants(self, store, products):
        """productSet deletes the variants an export omits: give every product all the bound
        variants of its template, not only those of the job."""
        bindings = self.env["store.product.binding"].sudo()
        result = []
        for product in products:
            template_bindings = bindings.search(
                [
                    ("store_id", "=", store.id),
                    ("product_tmpl_id", "=", product["odoo_id"]),
                ]
            )
            sent = {v["odoo_id"] for v in product.get("variants") or []}
            if set(template_bindings.product_id.ids) - sent:
                rebuilt, _errors = store._build_export_products(template_bindings)
                if rebuilt:
                    product = dict(
                        rebuilt[0], external_ids=product.get("external_ids") or rebuilt[0]["external_ids"]
                    )
            result.append(product)
        return result

    @api.model
    def _export_products(self, store, products):
        """One synchronous productSet per product, with all its variants and mapped metafields."""
        results = []
        for product in self._complete_variants(store, products):
            identifier, data = pm.product_set_input(product)
            answer = self._shopify_sync_graphql(store, PRODUCT_SET, {"identifier": identifier, "input": data})
            payload = answer.get("productSet") or {}
            if payload.get("userErrors") or not payload.get("product"):
                message = _(
                    "Shopify refused the product: %(errors)s",
                    errors=_user_errors_text(payload.get("userErrors") or []) or _("no product returned"),
                )
                results += [
                    {"sku": v.get("sku"), "external_ids": {}, "error": message}
                    for v in product.get("variants") or []
                ]
                continue
            results += pm.export_results(product, payload["product"])
        return results

    @api.model
    def _import_products(self, store, since=None, cursor=None, limit=None):
        nodes, next_cursor = self._shopify_page(
            store, PRODUCTS_QUERY, "products", PRODUCT_PAGE_MAX, limit, cursor, _search_since(since))
        return {"records": [pm.product_from_graphql(node) for node in nodes], "next_cursor": next_cursor}

    # ------------------------------------------------------------------ inventory
    @api.model
    def _inventory_batch_size(self, store):
        return INVENTORY_BATCH

    @api.model
    def _shopify_inventory_targets(self, store, bindings):
        """Where and how much to publish: [(Shopify location GID, {binding id: quantity} or None)].

        Shopify locations mapped to an Odoo location (shopify.location.location_id) each get what the
        base publishes for their Odoo location (`store._published_quantities`: the store's publish
        basis, minus its safety stock, never below zero); without any mapping,
        the store's default Shopify location (else the shop's first) gets the quantity the base
        computed for the store (None: use the items' quantities).
        """
        mapped = store.shopify_location_ids.filtered(lambda loc: loc.location_id and loc.active_on_shopify)
        if not mapped:
            location = store.shopify_location_id.shopify_gid
            if not location:
                nodes = self._shopify_sync_graphql(store, LOCATIONS_QUERY)["locations"]["nodes"]
                if not nodes:
                    raise PermanentJobError(_("The Shopify shop has no location to publish stock to."))
                location = nodes[0]["id"]
            return [(location, None)]
        targets = []
        products = bindings.product_id
        for shop_location in mapped:
            quantities = store._published_quantities(products, locations=shop_location.location_id)
            targets.append(
                (shop_location.shopify_gid, {b.id: quantities.get(b.product_id.id, 0) for b in bindings})
            )
        return targets

    @api.model
    def _shopify_idempotency_key(self, store, quantities, salt):
        """A key stable across retries of one publication and new for the next one.

        Inside an inventory job (``sync_job_id`` in the store's context, set by the base's job
        handler), the key is derived from the job id and the batch (its items, locations and
        quantities, and whether it is the stale-quantity resend): a retry of the same job sends the
        same key, and Shopify answers with the original result instead of applying the change
        twice; another job gets another key. Outside a job (a direct call), the job is replaced by
        `salt` (the bindings' last publication times, which only a successful publication changes).
        The quantities are part of the key so that a retry computing other quantities (stock moved
        meanwhile) is a new publication, not an IDEMPOTENCY_KEY_PARAMETER_MISMATCH.
        """
        job_id = store.env.context.get("sync_job_id")
        if job_id:
            flags = [s for s in salt if s == "stale-retry"]
            digest = json.dumps([store.id, "job", job_id, quantities, flags], sort_keys=True, default=str)
        else:
            digest = json.dumps([store.id, quantities, salt], sort_keys=True, default=str)
        return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, hashlib.sha256(digest.encode()).hexdigest()))

    @api.model
    def _shopify_read_available(self, store, pairs):
        """{(inventory item GID, location GID): available quantity} read from Shopify."""
        return {key: level["available"] for key, level in self._shopify_read_levels(store, pairs).items()}

    @api.model
    def _shopify_read_levels(self, store, pairs):
        """The inventory levels of (inventory item GID, location GID) pairs, read in pages of
        INVENTORY_READ_PAGE items per location.

        :returns: {(item GID, location GID): {"available": int or None, "on_hand": int or None,
            "tracked": bool, "stocked": bool}}; "stocked" is False (and the quantities None) when
            the item is not stocked at that location. Items Shopify does not know are left out.
        """
        current = {}
        by_location = {}
        for item, location in pairs:
            by_location.setdefault(location, []).append(item)
        for location, items in by_location.items():
            for start in range(0, len(items), INVENTORY_READ_PAGE):
                data = self._shopify_sync_graphql(
                    store,
                    INVENTORY_READ,
                    {
                        "ids": items[start : start + INVENTORY_READ_PAGE],
                        "location": location,
                    },
                )
                for node in data.get("nodes") or []:
                    if not node:
                        continue
                    level = node.get("inventoryLevel")
                    quantities = {q["name"]: q["quantity"] for q in (level or {}).get("quantities") or []}
                    current[(node["id"], location)] = {
                        "available": quantities.get("available"),
                        "on_hand": quantities.get("on_hand"),
                        "tracked": node.get("tracked", True),
                        "stocked": level is not None,
                    }
        return current

    @api.model
    def _read_inventory(self, store, bindings):
        """The shop's available and on hand quantities of the bound variants, read in bulk: per
        Shopify location mapped to an Odoo location (one entry per SKU and mapped location), else
        at the store's default Shopify location (else the shop's first), as the export publishes
        them. A variant not stocked at a location has 0 there; variants whose quantity Shopify
        does not track, and those not exported yet (no inventory item), are left out."""
        items = {}
        for binding in bindings:
            item = (binding.external_data or {}).get("inventory_item_id")
            if item:
                items[item] = binding.sku
        if not items:
            return []
        mapped = store.shopify_location_ids.filtered(lambda loc: loc.location_id and loc.active_on_shopify)
        if mapped:
            targets = [(loc.shopify_gid, loc.location_id.id) for loc in mapped]
        else:
            targets = [(self._shopify_default_location_gid(store), False)]
        levels = self._shopify_read_levels(store, [(item, gid) for gid, _loc in targets for item in items])
        entries = []
        for location_gid, location_id in targets:
            for item, sku in items.items():
                level = levels.get((item, location_gid))
                if level is None or not level["tracked"]:
                    continue
                entries.append({
                    "sku": sku,
                    "available": int(level["available"] or 0),
                    "on_hand": int(level["on_hand"] or 0) if level["stocked"] else 0,
                    "location_id": location_id,
                })
        return entries

    @api.model
    def _shopify_default_location_gid(self, store):
        """The Shopify location of a store without mapped locations: its default one, else the
        shop's first. :raises PermanentJobError: the shop has no location."""
        location = store.shopify_location_id.shopify_gid
        if location:
            return location
        nodes = self._shopify_sync_graphql(store, LOCATIONS_QUERY)["locations"]["nodes"]
        if not nodes:
            raise PermanentJobError(_("The Shopify shop has no location to read or publish stock."))
        return nodes[0]["id"]

    @api.model
    def _shopify_set_quantities(self, store, quantities, key):
        data = self._shopify_sync_graphql(
            store,
            INVENTORY_SET,
            {
                "key": key,
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "referenceDocumentUri": f"odoo://connector.store/{store.id}/inventory",
                    "quantities": quantities,
                },
            },
        )
        return (data.get("inventorySetQuantities") or {}).get("userErrors") or []

    @api.model
    def _update_inventory(self, store, items):
        """Set the available quantities of up to 250 variants with inventorySetQuantities (at most
        250 quantities per call: several calls when several Shopify locations are mapped).

        Odoo is the master of the stock: each quantity states what it changes from
        (changeFromQuantity, required per quantity from API 2026-04) as the last quantity Odoo
        published there, or null (no check) before the first publication. When Shopify answers
        CHANGE_FROM_QUANTITY_STALE (someone changed the quantity on Shopify since), the current
        quantities are read and the call is made again from them: Odoo's quantity wins, knowingly.
        Every call carries an @idempotent key, the same when a job retries (see
        `_shopify_idempotency_key`).
        """
        results, sendable = [], []
        for item in items:
            if not (item.get("external_ids") or {}).get("inventory_item_id"):
                results.append(
                    {
                        "sku": item["sku"],
                        "error": _(
                            "SKU %(sku)s has no Shopify inventory item yet: export the product first.",
                            sku=item["sku"],
                        ),
                    }
                )
            else:
                sendable.append(item)
        if not sendable:
            return results
        bindings = (
            self.env["store.product.binding"]
            .sudo()
            .search(
                [
                    ("store_id", "=", store.id),
                    ("sku", "in", [i["sku"] for i in sendable]),
                ]
            )
        )
        by_sku = {b.sku: b for b in bindings}
        entries = []  # (item, location, quantity, change_from, salt)
        targets = self._shopify_inventory_targets(store, bindings)
        per_location = targets[0][1] is not None
        for location, quantities in targets:
            for item in sendable:
                binding = by_sku.get(item["sku"])
                if not per_location:
                    quantity = int(item["quantity"])
                    previous = binding.inventory_quantity if binding and binding.inventory_synced_at else None
                else:
                    quantity = quantities.get(binding.id, 0) if binding else 0
                    previous = (
                        ((binding.external_data or {}).get("shopify_levels") or {}).get(location)
                        if binding
                        else None
                    )
                entries.append(
                    (
                        item,
                        location,
                        quantity,
                        previous,
                        str(binding.inventory_synced_at or "") if binding else "",
                    )
                )
        refused = {}
        for start in range(0, len(entries), INVENTORY_BATCH):
            chunk = entries[start : start + INVENTORY_BATCH]
            for sku, message in self._shopify_publish_chunk(store, chunk).items():
                refused.setdefault(sku, message)
        if per_location:
            # The base remembers one quantity per binding; the per-location ones live here.
            for item, location, quantity, _previous, _salt in entries:
                binding = by_sku.get(item["sku"])
                if binding and item["sku"] not in refused:
                    data = dict(binding.external_data or {})
                    data["shopify_levels"] = dict(data.get("shopify_levels") or {}, **{location: quantity})
                    binding.external_data = data
        results += [{"sku": item["sku"], "error": refused.get(item["sku"])} for item in sendable]
        return results

    @api.model
    def _shopify_publish_chunk(self, store, chunk):
        """One inventorySetQuantities call (retried once from re-read quantities when stale).
        :returns: {sku: error message} (all or nothing: on an error Shopify applied none)."""
        quantities = [
            {
                "inventoryItemId": item["external_ids"]["inventory_item_id"],
                "locationId": location,
                "quantity": quantity,
                "changeFromQuantity": previous,
            }
            for item, location, quantity, previous, _salt in chunk
        ]
        salt = [entry[4] for entry in chunk]
        errors = self._shopify_set_quantities(
            store, quantities, self._shopify_idempotency_key(store, quantities, salt)
        )
        codes = {e.get("code") for e in errors}
        if errors and codes <= {STALE_CODE, NOT_STOCKED_CODE}:
            # Before API 2026-10 a variant not yet stocked at a mapped location is refused there
            # (NOT_STOCKED_CODE): it is activated there first. From 2026-10 the set itself stocks it.
            for error in errors:
                index = _error_index(error)
                if error.get("code") == NOT_STOCKED_CODE and index is not None and index < len(quantities):
                    pair = {
                        "item": quantities[index]["inventoryItemId"],
                        "location": quantities[index]["locationId"],
                    }
                    key = self._shopify_idempotency_key(store, [pair], salt + ["activate"])
                    self._shopify_sync_graphql(store, INVENTORY_ACTIVATE, dict(pair, key=key))
            # Re-read what Shopify holds now and change from that: Odoo is the master.
            current = self._shopify_read_available(
                store, [(q["inventoryItemId"], q["locationId"]) for q in quantities]
            )
            for quantity in quantities:
                quantity["changeFromQuantity"] = current.get(
                    (quantity["inventoryItemId"], quantity["locationId"])
                )
            key = self._shopify_idempotency_key(store, quantities, salt + ["stale-retry"])
            errors = self._shopify_set_quantities(store, quantities, key)
        if not errors:
            return {}
        refused = {}
        for error in errors:
            index = _error_index(error)
            if index is not None and index < len(chunk):
                refused[chunk[index][0]["sku"]] = error.get("message")
        generic = _user_errors_text(errors)
        return {entry[0]["sku"]: refused.get(entry[0]["sku"]) or generic for entry in chunk}

    # ------------------------------------------------------------------ fulfillment
    @api.model
    def _push_fulfillment(self, store, external_order_id, fulfillment):
        """fulfillmentCreate on the order's open fulfillment orders, for the delivered quantities.

        Lines are matched by their Shopify line item id (the sale order line's
        store_external_line_id), else by SKU; the quantities are spread over the fulfillment order
        line items that still have something to fulfil.
        """
        data = self._shopify_sync_graphql(
            store, FULFILLMENT_ORDERS_QUERY, {"id": om.gid("Order", external_order_id)}
        )
        order = data.get("order")
        if not order:
            raise PermanentJobError(_("Shopify has no order %(order)s.", order=external_order_id))
        open_items = []
        for fo in order["fulfillmentOrders"]["nodes"]:
            if fo["status"] not in ("OPEN", "IN_PROGRESS"):
                continue
            for line in fo["lineItems"]["nodes"]:
                if line["remainingQuantity"] > 0:
                    open_items.append(
                        {
                            "fo": fo["id"],
                            "id": line["id"],
                            "remaining": line["remainingQuantity"],
                            "line_id": om.legacy_id(line["lineItem"]["id"]),
                            "sku": line.get("sku"),
                        }
                    )
        wanted = {}
        for line in fulfillment.get("lines") or []:
            quantity = int(round(float(line.get("quantity") or 0)))
            if quantity <= 0:
                continue
            candidates = [
                i
                for i in open_items
                if line.get("external_line_id") and i["line_id"] == om.legacy_id(line["external_line_id"])
            ]
            candidates = candidates or [i for i in open_items if line.get("sku") and i["sku"] == line["sku"]]
            for item in candidates:
                take = min(quantity, item["remaining"])
                if take <= 0:
                    continue
                item["remaining"] -= take
                wanted[(item["fo"], item["id"])] = wanted.get((item["fo"], item["id"]), 0) + take
                quantity -= take
            if quantity > 0:
                raise PermanentJobError(
                    _(
                        "Shopify order %(order)s has nothing left to fulfil for %(line)s.",
                        order=external_order_id,
                        line=line.get("sku") or line.get("external_line_id"),
                    )
                )
        if not wanted:
            raise PermanentJobError(
                _("Nothing to fulfil on Shopify order %(order)s.", order=external_order_id)
            )
        by_fo = {}
        for (fo, item_id), quantity in wanted.items():
            by_fo.setdefault(fo, []).append({"id": item_id, "quantity": quantity})
        tracking = {
            k: v
            for k, v in {
                "company": fulfillment.get("carrier"),
                "number": fulfillment.get("tracking_number"),
                "url": fulfillment.get("tracking_url"),
            }.items()
            if v
        }
        payload = {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": lines} for fo, lines in by_fo.items()
            ],
            "notifyCustomer": bool(fulfillment.get("notify_customer") and store.shopify_notify_customer),
        }
        if tracking:
            payload["trackingInfo"] = tracking
        answer = self._shopify_sync_graphql(store, FULFILLMENT_CREATE, {"fulfillment": payload})
        created = self._shopify_sync_payload(answer, "fulfillmentCreate")
        return created["fulfillment"]["id"]

    # ------------------------------------------------------------------ customers
    @api.model
    def _import_customers(self, store, since=None, cursor=None, limit=None):
        nodes, next_cursor = self._shopify_page(
            store, CUSTOMERS_QUERY, "customers", CUSTOMER_PAGE_MAX, limit, cursor, _search_since(since))
        records = []
        for node in nodes:
            address = om._gql_address(node.get("defaultAddress"))
            records.append(
                {
                    "id": om.legacy_id(node.get("legacyResourceId") or node.get("id")),
                    "email": node.get("email"),
                    "first_name": node.get("firstName"),
                    "last_name": node.get("lastName"),
                    "phone": node.get("phone"),
                    "billing_address": address,
                    "shipping_address": address,
                    "updated_at": node.get("updatedAt"),
                }
            )
        return {"records": records, "next_cursor": next_cursor}

    @api.model
    def _export_customer(self, store, customer):
        """customerCreate, or customerUpdate when the customer has a Shopify id."""
        data = {
            k: v
            for k, v in {
                "email": customer.get("email"),
                "phone": customer.get("phone"),
                "firstName": customer.get("first_name"),
                "lastName": customer.get("last_name"),
            }.items()
            if v
        }
        if customer.get("id"):
            data["id"] = om.gid("Customer", customer["id"])
            answer = self._shopify_sync_graphql(store, CUSTOMER_UPDATE, {"input": data})
            payload = self._shopify_sync_payload(answer, "customerUpdate")
        else:
            answer = self._shopify_sync_graphql(store, CUSTOMER_CREATE, {"input": data})
            payload = self._shopify_sync_payload(answer, "customerCreate")
        return {"id": om.legacy_id(payload["customer"]["legacyResourceId"])}

    # ------------------------------------------------------------------ webhooks
    @api.model
    def _webhook_topic_handlers(self, store):
        """The syncs' topics: orders through the base's batch order import (their bodies read by
        `_webhook_normalized_order`), refunds, products, stock and the Full Sync's bulk operations."""
        handlers = super()._webhook_topic_handlers(store)
        for topic in ORDER_TOPICS:
            handlers[topic] = WebhookHandler("_webhook_import_orders", batch=True)
        handlers["refunds/create"] = "_shopify_webhook_refund"
        handlers["bulk_operations/finish"] = "_shopify_webhook_bulk_finish"
        handlers["products/update"] = "_shopify_webhook_product"
        handlers["products/delete"] = "_shopify_webhook_product_delete"
        handlers["inventory_levels/update"] = "_shopify_webhook_inventory_level"
        return handlers

    @api.model
    def _webhook_is_echo(self, store, kind, topic, headers, parsed):
        """inventory_levels/update saying the quantity Odoo last published at that location, and
        products/update of a product as Odoo's last export left it (same update time, same facts):
        Shopify's answer to our own update. Anything else is stored and its job decides."""
        payload = parsed.get("payload") or {}
        if topic == "inventory_levels/update":
            return self._shopify_inventory_is_echo(store, payload)
        if topic == "products/update":
            return self._shopify_product_is_echo(store, payload)
        return False

    @api.model
    def _shopify_inventory_is_echo(self, store, payload):
        """Whether an inventory_levels/update body reports the quantity Odoo last published for
        that item at that location (one indexed lookup of the binding)."""
        available = payload.get("available")
        if not isinstance(available, int) or isinstance(available, bool):
            return False
        item_gid = om.gid("InventoryItem", payload.get("inventory_item_id"))
        binding = self._shopify_binding_of_item(store, item_gid)
        if not binding:
            return False
        location_gid = om.gid("Location", payload.get("location_id"))
        published = self._shopify_published_level(store, binding, location_gid)
        return published is not None and int(published) == available

    @api.model
    def _shopify_binding_of_item(self, store, item_gid):
        """The product binding of `store` whose Shopify inventory item is `item_gid` (one indexed
        lookup in the bindings' external data), or an empty recordset."""
        Binding = self.env["store.product.binding"].sudo()
        return Binding._find_by_external_ids(store, [item_gid], data_key="inventory_item_id").get(
            item_gid, Binding)[:1]

    @api.model
    def _shopify_published_level(self, store, binding, location_gid):
        """The quantity Odoo last published for `binding` at a Shopify location, or None (never
        published there, or a location Odoo does not publish to)."""
        if not self._shopify_inventory_location(store, location_gid):
            return None
        if store.shopify_location_ids.filtered("location_id"):
            return ((binding.external_data or {}).get("shopify_levels") or {}).get(location_gid)
        return binding.inventory_quantity if binding.inventory_synced_at else None

    @api.model
    def _shopify_product_is_echo(self, store, payload):
        """Whether a products/update body is the product exactly as Odoo's last export left it:
        the update time Shopify answered to that export and the same title, status and variants
        (`pm.export_fingerprint`). A change made since on Shopify has a later update time; one
        made within the same second still changes what the digest covers, or else changes
        nothing the import would read."""
        product_gid = payload.get("admin_graphql_api_id") or om.gid("Product", payload.get("id"))
        bindings = self.env["store.product.binding"].sudo()._find_by_external_ids(
            store, [product_gid], "external_product_id").get(product_gid)
        if not bindings:
            return False
        fingerprint = pm.export_fingerprint(payload)
        for binding in bindings:
            export = (binding.external_data or {}).get(pm.EXPORT_ECHO_KEY) or {}
            if (fingerprint and export.get("fingerprint") == fingerprint
                    and pm.same_moment(export.get("updated_at"), payload.get("updated_at"))):
                return True
        return False

    @api.model
    def _webhook_latest_delivery(self, store, deliveries):
        """The delivery with the latest updated_at in its body (Shopify delivers out of order);
        among equals, the last received."""

        def moment(delivery):
            try:
                stamp = (delivery._payload() or {}).get("updated_at")
                when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
            except (TypeError, ValueError, AttributeError):
                when = None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return (when is not None, when or datetime.min.replace(tzinfo=UTC), delivery.id)

        return max(deliveries, key=moment)

    @api.model
    def _shopify_inventory_location(self, store, location_gid):
        """The Odoo location a Shopify location's stock is in: its mapping, else (for the store's
        default Shopify location, or any when none is mapped) the store's warehouse stock."""
        shop_location = store.shopify_location_ids.filtered(lambda loc: loc.shopify_gid == location_gid)
        if shop_location.location_id:
            return shop_location.location_id
        mapped = store.shopify_location_ids.filtered("location_id")
        default = store.shopify_location_id.shopify_gid
        if (not mapped and (not default or default == location_gid)) or default == location_gid:
            return store.warehouse_id.lot_stock_id
        return self.env["stock.location"]

    @api.model
    def _shopify_webhook_inventory_level(self, store, delivery, payload):
        """inventory_levels/update: only with the store's "Import Stock Changes from Shopify" on
        (off by default: Odoo is the master). Then the bound variant's on hand quantity in the
        Odoo location of that Shopify location changes by Shopify's available quantity minus what
        Odoo would publish there now (`_published_quantities`, whatever the store's basis), as an
        applied inventory adjustment (`connector.store._set_platform_stock`: lots, packages and
        owners kept; a lot- or serial-tracked product that would need new lots fails the job with
        a message naming the SKU, nothing written). Ignored: the echo of our own export (the
        quantity Odoo last published there), a payload older than the last one applied, unknown
        items and unmapped locations."""
        if not store.shopify_import_inventory:
            return {"ignored": "stock import from Shopify is off (Odoo is the master)"}
        item_gid = om.gid("InventoryItem", payload.get("inventory_item_id"))
        location_gid = om.gid("Location", payload.get("location_id"))
        available = payload.get("available")
        if available is None:
            return {"ignored": "no available quantity"}
        binding = self._shopify_binding_of_item(store, item_gid)
        if not binding or not binding.product_id.is_storable:
            return {"ignored": f"unknown inventory item {item_gid}"}
        location = self._shopify_inventory_location(store, location_gid)
        if not location:
            return {"ignored": f"Shopify location {location_gid} is not mapped to an Odoo location"}
        data = dict(binding.external_data or {})
        levels = data.get("shopify_levels") or {}
        per_location = bool(store.shopify_location_ids.filtered("location_id"))
        # Usually recognised at intake already (_webhook_is_echo); a delivery stored before our
        # export committed is recognised here.
        published = self._shopify_published_level(store, binding, location_gid)
        if published is not None and int(published) == int(available):
            return {"ignored": "echo of Odoo's own export"}
        stamps = data.get("shopify_level_updated") or {}
        updated_at = payload.get("updated_at") or ""
        # Equal is the same event again (a retry, or its body posted anew): applied once.
        if updated_at and stamps.get(location_gid, "") >= updated_at:
            return {"ignored": "older than the quantity already applied, or the same event again"}
        binding._sync_lock(LOCK_INVENTORY)
        product = binding.product_id
        # The change that makes Odoo publish Shopify's quantity back unchanged, whatever the store's
        # publish basis holds back; applied through the base so that lots, packages and owners are
        # kept, and what needs a lot Odoo cannot choose is refused.
        change = store._platform_stock_change(product, location, int(available))
        named = store.with_context(inventory_name=_("%(store)s: stock changed on Shopify", store=store.name))
        try:
            named._set_platform_stock(product, location, change, sku=binding.sku)
        except UserError as exc:
            raise PermanentJobError(exc.args[0]) from None
        target = store._stock_on_hand(product, location)[product.id]
        # What Shopify has now is what Odoo would publish: the export the move queues is a no-op.
        data["shopify_level_updated"] = dict(stamps, **{location_gid: updated_at})
        if per_location:
            data["shopify_levels"] = dict(levels, **{location_gid: int(available)})
        vals = {"external_data": data}
        if not per_location:
            vals.update(inventory_quantity=int(available), inventory_synced_at=fields.Datetime.now())
        binding.write(vals)
        return {"sku": binding.sku, "location": location.complete_name, "change": change, "quantity": target}

    @api.model
    def _shopify_webhook_product(self, store, delivery, payload):
        """products/update: re-read the product from Shopify (the body may be old: deliveries
        come late and unordered) and import it like a pulled page: bound and SKU-matched variants
        get their ids refreshed (Odoo stays the master of their data), new ones are created."""
        store._check_operation_allowed("products.sync")
        product_id = payload.get("admin_graphql_api_id") or om.gid("Product", payload.get("id"))
        node = self._shopify_sync_graphql(store, PRODUCT_QUERY, {"id": product_id}).get("product")
        if not node:
            return {"product": product_id, "found": False}
        return store._import_product_page([pm.product_from_graphql(node)])

    @api.model
    def _shopify_webhook_product_delete(self, store, delivery, payload):
        """products/delete: the bindings forget the deleted product's ids and say why; publishing
        the variants again creates a new Shopify product."""
        product_id = om.gid("Product", payload.get("id"))
        Binding = self.env["store.product.binding"].sudo()
        found = Binding._find_by_external_ids(store, [product_id], "external_product_id")
        bindings = found.get(product_id, Binding)
        for binding in bindings:
            vals = binding._external_ids_values(
                {"product_id": None, "variant_id": None, "inventory_item_id": None}, binding.external_data
            )
            vals.update(sync_state="failed", last_error=_("The product was deleted on Shopify."))
            binding.write(vals)
        return {"product": product_id, "bindings": bindings.ids}

    @api.model
    def _shopify_webhook_bulk_finish(self, store, delivery, payload):
        """bulk_operations/finish: the Full Sync poll waiting for this operation runs now rather
        than at its next scheduled look."""
        operation = payload.get("admin_graphql_api_id")
        polls = (
            self.env["sync.job"]
            .sudo()
            .search(
                [
                    ("store_id", "=", store.id),
                    ("state", "=", "pending"),
                    ("method_name", "=", "_job_shopify_bulk_poll"),
                ]
            )
        )
        polls = polls.filtered(
            lambda job: operation in ((job.payload or {}).get("operations") or {}).values()
        )
        polls.write({"next_attempt_at": fields.Datetime.now()})
        return {"operation": operation, "polls": polls.ids}

    @api.model
    def _webhook_normalized_order(self, store, delivery, payload):
        """orders/create, updated, cancelled, fulfilled, paid: the REST body of the order. The
        pipeline ignores a payload older than what is already imported (updated_at)."""
        return om.order_from_rest(payload)

    @api.model
    def _shopify_webhook_refund(self, store, delivery, payload):
        """refunds/create: mapped, then the base's OrderRefunded event records it on the sale order
        (a note and an activity for a person, partial refunds too; no automatic credit note). The
        order itself follows through orders/updated."""
        return store._event_order_refunded(om.refund_summary(payload))

    # ------------------------------------------------------------------ full sync (bulk)
    @api.model
    def _shopify_bulk_queries(self, store):
        """{kind: bulk query} of a Full Sync: products, orders of the last 60 days, customers;
        only what the store permits."""
        queries = {}
        if store.allow_products_sync:
            queries["products"] = BULK_PRODUCTS
        if store.allow_orders_pull:
            since = fields.Datetime.now() - timedelta(days=FULL_SYNC_ORDER_DAYS)
            queries["orders"] = BULK_ORDERS.replace("%s", _search_since(since).replace('"', '\\"'))
        if store.auto_sync_customers:
            queries["customers"] = BULK_CUSTOMERS
        return queries

    @api.model
    def _full_sync(self, store):
        """Full Sync through bulk operations: one bulkOperationRunQuery per kind (Shopify runs up
        to five at once since 2026-01), then a job polls them and streams each JSONL result into
        the generic import pipelines."""
        return self.env["sync.job"]._enqueue(
            store,
            "full_sync.bulk",
            "_job_shopify_bulk_start",
            identity_key="shopify:bulk:start",
        )

    @api.model
    def _shopify_bulk_start(self, store):
        """Start the bulk queries; :returns: {kind: bulk operation GID}."""
        operations = {}
        for kind, query in self._shopify_bulk_queries(store).items():
            answer = self._shopify_sync_graphql(store, BULK_RUN, {"query": query})
            payload = self._shopify_sync_payload(answer, "bulkOperationRunQuery")
            operations[kind] = payload["bulkOperation"]["id"]
        return operations

    @api.model
    def _shopify_bulk_status(self, store, operation_id):
        return self._shopify_sync_graphql(store, BULK_STATUS, {"id": operation_id})["node"]

    @api.model
    def _shopify_bulk_lines(self, url):
        """Parsed JSONL lines of a bulk result, read from the HTTP response line by line (never the
        whole file in memory). The download URL is a signed, token-free link: it does not go
        through the API client (no API cost, no token). The shop's answer chose it, so it goes
        through the base's HttpTransport: a public https address, no redirect followed."""
        transport = HttpTransport(timeout=BULK_DOWNLOAD_TIMEOUT)
        try:
            with transport.get(url, stream=True) as response:
                if response.status_code >= 400:
                    raise RetryableJobError(
                        _("The bulk result download answered %(status)s.", status=response.status_code),
                        retry_after=30,
                    )
                for raw in response.iter_lines():
                    if raw:
                        yield json.loads(raw)
        finally:
            transport.close()

    @api.model
    def _shopify_bulk_records(self, lines, child_key):
        """Group children (lines with __parentId) under their parent as they stream by: Shopify
        writes a parent before its children, so each parent is complete when the next one comes.
        Children go to parent[child_key] (a list). Yields parents; memory holds one at a time."""
        current = None
        for line in lines:
            parent_id = line.pop("__parentId", None)
            if parent_id is None:
                if current is not None:
                    yield current
                current = line
                current[child_key] = []
            elif current is not None and parent_id == current.get("id"):
                current[child_key].append(line)
            else:
                _logger.warning("Shopify bulk: child of %s arrived out of order; ignored", parent_id)
        if current is not None:
            yield current

    @api.model
    def _shopify_bulk_import(self, store, kind, url, chunk=100):
        """Stream one completed bulk result into the base's pipelines by chunks. :returns: counts."""
        lines = self._shopify_bulk_lines(url)
        counts = {"records": 0}
        batch = []

        def flush(batch):
            if not batch:
                return
            if kind == "products":
                result = store._import_product_page(batch)
            elif kind == "orders":
                result = self.env["store.order.importer"]._import_orders(store, batch)
                errors = counts.setdefault("errors", [])
                errors += [f"{failure['id']}: {failure['error']}" for failure in result["failed"]][
                    : 20 - len(errors)
                ]
                # As the paged pull does: each failed order gets a job of its own, shown and retryable.
                for failure in result["failed"]:
                    store._enqueue_order_import(failure["order"], error=failure["error"])
                result = {key: len(value) for key, value in result.items() if isinstance(value, list)}
            else:
                result = store._import_customer_page(batch)
            for key, value in result.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    counts[key] = counts.get(key, 0) + value

        if kind == "products":
            records = (
                pm.product_from_graphql(dict(p, _variants=p.pop("_children")))
                for p in self._shopify_bulk_records(lines, "_children")
            )
        elif kind == "orders":
            records = (
                om.order_from_graphql(_bulk_order(o)) for o in self._shopify_bulk_records(lines, "_children")
            )
        else:
            records = (_bulk_customer(c) for c in lines)
        for record in records:
            batch.append(record)
            counts["records"] += 1
            if len(batch) >= chunk:
                flush(batch)
                batch = []
        flush(batch)
        return counts


def _bulk_order(order):
    """A bulk order line with its children (line items, shipping lines) in the GraphQL shape."""
    children = order.pop("_children")
    order["lineItems"] = [c for c in children if "quantity" in c]
    order["shippingLines"] = [c for c in children if "quantity" not in c]
    return order


def _bulk_customer(node):
    address = om._gql_address(node.get("defaultAddress"))
    return {
        "id": om.legacy_id(node.get("legacyResourceId") or node.get("id")),
        "email": node.get("email"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "phone": node.get("phone"),
        "billing_address": address,
        "shipping_address": address,
        "updated_at": node.get("updatedAt"),
    }

