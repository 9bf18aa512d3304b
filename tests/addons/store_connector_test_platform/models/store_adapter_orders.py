"""Order, product and customer pages served from memory, for the order pipeline's tests.

A test puts normalized records in `TEST_DATA` (through the adapter's `_test_set_*` helpers)
and the adapter serves them in pages like a platform would: orders and customers sorted by update
time then id, filtered by `since`, `limit` per page, with a keyset cursor naming the last record
of the page (services/paging.py), so that a record updated during a pull cannot make another one
skip a page; products likewise, by update time then their platform product id (else their
first SKU). A test may change the records between two pages, as a shop does during a pull.
Calls are recorded for assertions.
"""

from odoo import api, models

from odoo.addons.store_connector_base.services import paging
from odoo.addons.store_connector_base.services.normalized import to_datetime

from .paid_orders import with_transactions

# {store id: {"orders": [...], "products": [...], "customers": [...], "calls": [...],
#             "exported": [...], "page_size": int}}
TEST_DATA = {}


def _data(store):
    return TEST_DATA.setdefault(
        store.id,
        {
            "orders": [],
            "products": [],
            "customers": [],
            "calls": [],
            "exported": [],
            "page_size": 2,
        },
    )


def _product_key(product):
    """A product record's platform id: its external product id, else its (first variant's) SKU."""
    variants = product.get("variants") or [product]
    return str(
        (product.get("external_ids") or {}).get("product_id")
        or next((variant.get("sku") for variant in variants if variant.get("sku")), "")
    )


class StoreAdapterTestOrders(models.AbstractModel):
    _inherit = "store.adapter.test"

    # ------------------------------------------------------------------ test helpers
    @api.model
    def _test_set_orders(self, store, orders, page_size=2):
        data = _data(store)
        data["orders"] = list(orders)
        data["page_size"] = page_size

    @api.model
    def _test_set_products(self, store, products, page_size=None):
        data = _data(store)
        data["products"] = list(products)
        if page_size:
            data["page_size"] = page_size

    @api.model
    def _test_set_customers(self, store, customers):
        _data(store)["customers"] = list(customers)

    @api.model
    def _test_calls(self, store):
        return _data(store)["calls"]

    @api.model
    def _test_exported(self, store):
        return _data(store)["exported"]

    @api.model
    def _test_reset(self, store):
        TEST_DATA.pop(store.id, None)

    # ------------------------------------------------------------------ interface
    @api.model
    def _order_page_size(self, store):
        return _data(store)["page_size"]

    @api.model
    def _import_orders(self, store, since=None, status=None, limit=None, cursor=None):
        """The orders updated at or after `since`, after the keyset `cursor`, oldest change first."""
        data = _data(store)
        data["calls"].append(("import_orders", since, cursor, limit))
        orders = data["orders"]
        if since:
            orders = [o for o in orders if to_datetime(o["updated_at"], "updated_at") >= since]
        if status:
            orders = [o for o in orders if o.get("status") in status]
        page = paging.keyset_page(orders, cursor, limit or data["page_size"])
        return dict(page, records=[with_transactions(order) for order in page["records"]])

    @api.model
    def _fetch_order_by_number(self, store, number):
        """The order of `TEST_DATA` whose number (or id) is `number`, as the test set it."""
        data = _data(store)
        data["calls"].append(("fetch_order_by_number", number))
        for order in data["orders"]:
            if number in (str(order.get("number") or ""), str(order.get("id") or "")):
                return with_transactions(order)
        return None

    @api.model
    def _import_products(self, store, since=None, cursor=None, limit=None):
        data = _data(store)
        data["calls"].append(("import_products", since, cursor, limit))
        # Keyset over (update time, platform id) of each product, the records themselves returned.
        keyed = [
            {"updated_at": product.get("updated_at"), "id": _product_key(product), "record": product}
            for product in data["products"]
        ]
        page = paging.keyset_page(keyed, cursor, limit or data["page_size"])
        # The total with each page, as WooCommerce's X-WP-Total or eBay's total: a Full Sync shows it.
        return {"records": [entry["record"] for entry in page["records"]], "next_cursor": page["next_cursor"],
                "total": len(keyed)}

    @api.model
    def _full_sync_total(self, store, entity, since=None):
        """Customers are counted by a call of their own (as Shopify's customersCount); orders are not
        counted (their progress shows the orders done so far)."""
        data = _data(store)
        data["calls"].append(("full_sync_total", entity, since))
        return len(data["customers"]) if entity == "customers" else None

    @api.model
    def _import_customers(self, store, since=None, cursor=None, limit=None):
        data = _data(store)
        data["calls"].append(("import_customers", since, cursor, limit))
        return paging.keyset_page(data["customers"], cursor, limit or data["page_size"])

    @api.model
    def _export_customer(self, store, customer):
        data = _data(store)
        data["exported"].append(customer)
        return {"id": customer.get("id") or f"new-{len(data['exported'])}"}
