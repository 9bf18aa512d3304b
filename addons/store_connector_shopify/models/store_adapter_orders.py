"""Shopify orders: the paged pull (orders, their line items beyond the first page) and the
fulfillment sent back (fulfillmentCreate)."""

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from .. import const
from . import shopify_order_mapper as om
from .store_adapter_sync import _search_since

# An order of ORDER_FIELDS costs about 280 points (20 line items, 3 shipping lines, 5 fulfillments, 10
# transactions, its refunds' ids): 3 stay under the 1000 points a single query may request. What an
# order has beyond (more lines or transactions, its refunds' details) comes with the follow-up
# queries of `_shopify_complete_order`, only for the orders that need them.
ORDER_PAGE_MAX = 3
ORDERS_QUERY = """
query ConnectorOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}""".replace("%s", om.ORDER_FIELDS)
# Recover an Order: the orders whose name matches the number the merchant typed (a few: the search
# is a prefix and word match, the exact one is picked here), under the cost ORDER_PAGE_MAX keeps.
ORDER_BY_NAME_MATCHES = 3
ORDER_BY_NAME_QUERY = """
query ConnectorOrderByName($first: Int!, $query: String) {
  orders(first: $first, query: $query) {
    nodes { %s }
  }
}""".replace("%s", om.ORDER_FIELDS)
# One order by id (webhooks about its money read it anew); about 280 points.
ORDER_QUERY = """
query ConnectorOrder($id: ID!) {
  order(id: $id) { %s }
}""".replace("%s", om.ORDER_FIELDS)
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


class StoreAdapterShopifyOrders(models.AbstractModel):
    """Shopify orders: the pull (`_import_orders`) and fulfillments (`_push_fulfillment`)."""

    _inherit = "store.adapter.shopify"

    # ------------------------------------------------------------------ orders
    @api.model
    def _order_page_size(self, store):
        return ORDER_PAGE_MAX

    @api.model
    def _order_pull_statuses(self, store):
        """The pull filters on the financial status (search syntax `financial_status:`)."""
        return list(const.SHOPIFY_ORDER_FINANCIAL_STATUSES)

    @api.model
    def _import_orders(self, store, since=None, status=None, limit=None, cursor=None):
        """One page of orders changed since `since`, oldest change first (sortKey UPDATED_AT), so
        that a pull interrupted half way resumes without a gap. Shopify's cursors are keyset
        cursors (the last node's sort value and id, as the adapter contract asks): an order
        updated between two pages comes again at the end and none is skipped."""
        terms = [t for t in (_search_since(since),) if t]
        if status:
            alternatives = [f"financial_status:{s}" for s in status]
            # One status needs no group (the search syntax groups alternatives with parentheses).
            terms.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
        nodes, next_cursor = self._shopify_page(
            store, ORDERS_QUERY, "orders", ORDER_PAGE_MAX, limit, cursor, " ".join(terms))
        for node in nodes:
            self._shopify_complete_order(store, node)
        return {"records": [om.order_from_graphql(node) for node in nodes], "next_cursor": next_cursor}

    @api.model
    def _fetch_order_by_number(self, store, number):
        """The order named `number` (``#1042``; ``1042`` finds it too), with the search syntax's
        ``name:`` filter, which the admin's order search uses: ``orders(query: "name:'#1042'")``.
        Only an exact match of the name (with or without its ``#``) is returned."""
        wanted = number.strip()
        bare = wanted.lstrip("#").strip()
        if not bare or "'" in bare or "\\" in bare:
            return None
        names = [wanted] if wanted.startswith("#") or not bare.isdigit() else [f"#{bare}", bare]
        query = " OR ".join(f"name:'{name}'" for name in names)
        data = self._shopify_sync_graphql(store, ORDER_BY_NAME_QUERY,
                                          {"first": ORDER_BY_NAME_MATCHES, "query": query})
        nodes = ((data or {}).get("orders") or {}).get("nodes") or []
        for node in nodes:
            name = (node.get("name") or "").strip()
            if name.casefold() == wanted.casefold() or name.lstrip("#").casefold() == bare.casefold():
                self._shopify_complete_order(store, node)
                return om.order_from_graphql(node)
        return None

    @api.model
    def _shopify_complete_order(self, store, node):
        """Read what the order query leaves out of an order node: line items beyond the first
        page, transactions beyond TRANSACTIONS_FIRST (transactionsCount tells) and, for an order
        with refunds, the refunds' lines, shipping and transactions (REFUNDS_QUERY, refund lines
        paged with REFUND_LINES_QUERY; `_shopify_more_refunds` for an order with more than
        REFUNDS_MAX refunds). Orders without refunds and with few lines cost nothing more."""
        self._shopify_complete_lines(store, node)
        count = (node.get("transactionsCount") or {}).get("count") or 0
        if count > len(node.get("transactions") or []):
            data = self._shopify_sync_graphql(store, om.TRANSACTIONS_QUERY, {"id": node["id"]})
            node["transactions"] = ((data or {}).get("order") or {}).get("transactions") or []
        if node.get("refunds"):
            data = self._shopify_sync_graphql(store, om.REFUNDS_QUERY, {"id": node["id"]})
            refunds = ((data or {}).get("order") or {}).get("refunds") or []
            if len(node["refunds"]) >= om.REFUNDS_MAX:
                refunds += self._shopify_more_refunds(
                    store, node["id"], {refund.get("id") for refund in refunds})
            for refund in refunds:
                self._shopify_complete_refund_lines(store, refund)
            node["refunds"] = refunds
        return node

    @api.model
    def _shopify_more_refunds(self, store, order_gid, known):
        """The refunds of an order beyond those REFUNDS_QUERY read (`known`: their ids), read
        REFUNDS_MAX at a time with REFUND_NODES_QUERY: an order that named REFUNDS_MAX refunds may
        have more.

        :returns: [GraphQL Refund], in the order Shopify lists them.
        """
        data = self._shopify_sync_graphql(store, om.REFUND_IDS_QUERY, {"id": order_gid})
        ids = [named["id"] for named in ((data or {}).get("order") or {}).get("refunds") or []
               if named.get("id") not in known]
        more = []
        for start in range(0, len(ids), om.REFUNDS_MAX):
            answer = self._shopify_sync_graphql(
                store, om.REFUND_NODES_QUERY, {"ids": ids[start:start + om.REFUNDS_MAX]})
            more += [refund for refund in (answer or {}).get("nodes") or [] if refund]
        return more

    @api.model
    def _shopify_complete_refund_lines(self, store, refund):
        """Fetch the lines of a refund beyond its first REFUND_LINES_FIRST."""
        lines = refund.get("refundLineItems") or {}
        info = lines.get("pageInfo") or {}
        while info.get("hasNextPage"):
            data = self._shopify_sync_graphql(
                store, om.REFUND_LINES_QUERY, {"id": refund["id"], "after": info["endCursor"]})
            more = ((data or {}).get("node") or {}).get("refundLineItems") or {}
            lines["nodes"] = (lines.get("nodes") or []) + (more.get("nodes") or [])
            info = more.get("pageInfo") or {}
        return refund

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
