"""Shopify Full Sync: bulk operations (bulkOperationRunQuery) whose JSONL results stream into the
base's import pipelines; the jobs that start and poll them are in connector_store_sync.py."""

import json
from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import RetryableJobError
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.services.logs import get_logger

from . import shopify_order_mapper as om
from . import shopify_product_mapper as pm
from .store_adapter_customers import normalized_customer
from .store_adapter_sync import _search_since

_logger = get_logger(__name__)

FULL_SYNC_ORDER_DAYS = 60
BULK_KINDS = ("products", "customers", "orders")
BULK_POLL_SECONDS = 10
BULK_DOWNLOAD_TIMEOUT = (10, 120)
BULK_RUN = """
mutation ConnectorBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}"""
BULK_STATUS = """
query ConnectorBulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount url } }
}"""
BULK_PRODUCTS = """{ products { edges { node { id legacyResourceId title descriptionHtml status
  variants { edges { node { id legacyResourceId sku barcode price compareAtPrice
    selectedOptions { name value } inventoryItem { id legacyResourceId } } } } } } } }"""
# %s: the search term (already escaped for a GraphQL string inside the bulk query)
BULK_ORDERS = """{ orders(query: "%s") { edges { node {
  id legacyResourceId name email phone note createdAt updatedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus currencyCode taxesIncluded discountCodes
  paymentGatewayNames
  totalPriceSet { shopMoney { amount currencyCode } } totalTaxSet { shopMoney { amount } }
  customer { id legacyResourceId email firstName lastName phone }
  shippingAddress { firstName lastName name company address1 address2 city provinceCode province
                    countryCodeV2 zip phone }
  billingAddress { firstName lastName name company address1 address2 city provinceCode province
                   countryCodeV2 zip phone }
  fulfillments { legacyResourceId status trackingInfo { company number url } }
  transactions { %TRANSACTION }
  lineItems { edges { node { id name sku quantity currentQuantity unfulfilledQuantity
    originalUnitPriceSet { shopMoney { amount } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } } } } }
  shippingLines { edges { node { id title originalPriceSet { shopMoney { amount } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } } } } } } } } }""".replace(
    "%TRANSACTION", om.TRANSACTION_FIELDS)
BULK_CUSTOMERS = """{ customers { edges { node { id legacyResourceId email firstName lastName phone updatedAt
  defaultAddress { firstName lastName name company address1 address2 city provinceCode province
                   countryCodeV2 zip phone } } } } }"""


class StoreAdapterShopifyBulk(models.AbstractModel):
    """Shopify Full Sync through bulk operations: `_full_sync` and the bulk import."""

    _inherit = "store.adapter.shopify"

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
    def _shopify_bulk_import(self, store, kind, url, chunk=100, total=None):
        """Stream one completed bulk result into the base's pipelines by chunks. Each chunk is a page
        of the Full Sync's progress (`store.full.sync.run._full_sync_record`), when the poll job
        belongs to one.

        :param total: how many records the result holds (the bulk operation's rootObjectCount).
        :returns: counts."""
        lines = self._shopify_bulk_lines(url)
        counts = {"records": 0}
        batch = []
        run = store._full_sync_current_run()
        pages = [0]

        def flush(batch):
            if not batch:
                return
            waiting = failed = 0
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
                # Those orders wait in jobs of their own, which settle them on the Full Sync's run.
                waiting = len(result["failed"])
                result = {key: len(value) for key, value in result.items() if isinstance(value, list)}
            else:
                result = store._import_customer_page(batch)
                failed = len(result["failed"])
            if kind == "products":
                failed = result["failed"]
            if run:
                pages[0] += 1
                run._full_sync_record(kind, page=pages[0], done=len(batch) - failed - waiting, failed=failed,
                                      waiting=waiting, total=total)
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
            records = (normalized_customer(c) for c in lines)
        for record in records:
            batch.append(record)
            counts["records"] += 1
            if len(batch) >= chunk:
                flush(batch)
                batch = []
        flush(batch)
        if run:
            run._full_sync_record(kind, total=total, last_page=True)
        return counts


def _bulk_order(order):
    """A bulk order line with its children (line items, shipping lines) in the GraphQL shape."""
    children = order.pop("_children")
    order["lineItems"] = [c for c in children if "quantity" in c]
    order["shippingLines"] = [c for c in children if "quantity" not in c]
    return order


