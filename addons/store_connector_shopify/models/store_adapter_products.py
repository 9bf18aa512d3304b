"""Shopify products: the export (one synchronous productSet per product, all its variants) and
the paged import."""

from odoo import _, api, models

from . import shopify_product_mapper as pm
from .store_adapter_sync import _search_since, _user_errors_text

# A product with 100 variants costs about 304 points: three per page stay under 1000.
PRODUCT_PAGE_MAX = 3
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


class StoreAdapterShopifyProducts(models.AbstractModel):
    """Shopify products: `_export_products` (productSet) and `_import_products`."""

    _inherit = "store.adapter.shopify"

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
