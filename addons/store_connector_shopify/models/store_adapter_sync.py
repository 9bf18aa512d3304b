"""Shopify sync, the part every sync shares: the GraphQL call, mutation payloads, connection
paging and the status tables. Each sync lives in a file of its own, inheriting
store.adapter.shopify: store_adapter_orders.py (orders, fulfillment), store_adapter_customers.py,
store_adapter_products.py, store_adapter_inventory.py, store_adapter_webhooks.py (the syncs'
webhook topics and echo checks) and store_adapter_bulk.py (Full Sync)."""

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from . import shopify_order_mapper as om


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


class StoreAdapterShopifySync(models.AbstractModel):
    """Shopify sync: products (productSet), inventory (inventorySetQuantities), orders (pull and
    webhooks), fulfillment (fulfillmentCreate) and customers, over the GraphQL client of the
    connection part (`_shopify_sync_graphql` is the one place that calls it). This file holds what
    they share; each lives in its own file (see the module's docstring)."""

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

    # ------------------------------------------------------------------ statuses
    @api.model
    def _default_status_mapping(self, store):
        return {"inbound": list(om.STATUS_INBOUND), "outbound": list(om.STATUS_OUTBOUND)}
