"""Shopify customers: the paged pull and the export (customerCreate / customerUpdate)."""

from odoo import api, models

from . import shopify_order_mapper as om
from .store_adapter_sync import _search_since

CUSTOMER_PAGE_MAX = 50
CUSTOMERS_QUERY = """
query ConnectorCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId email firstName lastName phone updatedAt
      defaultAddress { firstName lastName name company address1 address2 city provinceCode province
                       countryCodeV2 zip phone } }
  }
}"""
CUSTOMER_CREATE = """
mutation ConnectorCustomerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id legacyResourceId } userErrors { field message } }
}"""
CUSTOMER_UPDATE = """
mutation ConnectorCustomerUpdate($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id legacyResourceId } userErrors { field message } }
}"""



def normalized_customer(node):
    """A Shopify Customer node (a page's or a bulk export's) as a normalized customer."""
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

class StoreAdapterShopifyCustomers(models.AbstractModel):
    """Shopify customers: `_import_customers` and `_export_customer`."""

    _inherit = "store.adapter.shopify"

    # ------------------------------------------------------------------ customers
    @api.model
    def _import_customers(self, store, since=None, cursor=None, limit=None):
        nodes, next_cursor = self._shopify_page(
            store, CUSTOMERS_QUERY, "customers", CUSTOMER_PAGE_MAX, limit, cursor, _search_since(since))
        return {"records": [normalized_customer(node) for node in nodes], "next_cursor": next_cursor}

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
