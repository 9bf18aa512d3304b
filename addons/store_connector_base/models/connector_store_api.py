"""The sync API's logic on connector.store; controllers/sync_api.py only authenticates and answers.

Contract for the addons that implement the real synchronisations (documented on each method):

* ``_api_sync_products(skus)`` and ``_api_sync_inventory(items)`` queue the work and return the
  sync.job records; the base queues ``products.sync`` / ``inventory.sync`` jobs whose handlers
  hand normalized data to the adapter (``export_products`` / ``update_inventory``). An addon with
  its own exporters overrides them to queue its own jobs.
* ``_api_list_orders(status, since, limit, cursor)`` reads the sale orders that came from the
  store (``sale.order.store_id``, set by the order import).
* ``_api_order_values(orders)`` is the JSON shape of one order; extend it to add fields.

Everything here runs as the API key's user: access rights and record rules apply.
"""

import hashlib
import json
import math
import time
from collections import defaultdict

from odoo import _, api, models

from ..exceptions import OperationNotPermitted
from ..services import sync_api
from ..services.sync_api import SyncApiError


def _digest(value):
    """Short stable digest of a JSON-able value, for identity keys."""
    return hashlib.sha1(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    # ------------------------------------------------------------------ request handling
    @api.model
    def _api_resolve_store(self, ref):
        """The store an API URL names, as the current user sees it.

        `ref` is the store's code (its webhook key, as in the webhook URLs) or, for API clients
        that keep Odoo ids, its numeric id. The code is tried first: a code that happens to be
        all digits still names its own store. Record rules apply, so a store of a company the
        user does not work in is "not found", exactly like a store that does not exist.

        :raises SyncApiError: 403 when the user has no Store Connector rights, 404 when no
            active store of theirs matches.
        """
        stores = self.with_context(active_test=True)
        if not stores.browse().has_access("read"):
            raise SyncApiError(403, "forbidden",
                               _("This API key's user has no access to the Store Connector."))
        store = stores.search([("code", "=", ref)], limit=1) if ref else stores.browse()
        if not store and ref and ref.isdigit() and len(ref) < 10:
            store = stores.search([("id", "=", int(ref))], limit=1)
        if not store:
            raise SyncApiError(404, "store_not_found", _("No store %(store)s.", store=ref))
        return store

    def _api_check_rate_limit(self):
        """Count this request against the store's allowance (60 a minute by default).

        :raises SyncApiError(429): with a Retry-After header, when the allowance is spent.
        """
        self.ensure_one()
        retry_after = self.env["store.api.request"].sudo()._hit(self.id)
        if retry_after:
            raise SyncApiError(
                429, "rate_limited",
                _("Too many requests for this store; retry in %(seconds)s seconds.", seconds=retry_after),
                headers={"Retry-After": str(retry_after)},
            )

    def _api_request_sync_products(self, body):
        """POST .../sync/products: check the body, queue the sync.

        :param body: the parsed JSON body: {} (everything bound) or {"skus": [...]}.
        :returns: (HTTP status, JSON-able dict).
        :raises SyncApiError: 422 on bad input, 403 when the store forbids product sync.
        """
        self.ensure_one()
        skus = sync_api.parse_skus(body)
        if skus:
            self._api_check_known_skus(skus)
        self._api_check_operation("products.sync")
        jobs = self._api_sync_products(skus)
        return 202, {"data": {"jobs": self._api_job_values(jobs), "skus": skus}}

    def _api_request_sync_inventory(self, body):
        """POST .../sync/inventory: check the body, queue the sync.

        :param body: {} (everything bound), {"skus": [...]} (quantities from Odoo's stock) or
            {"items": [{"sku": str, "quantity": int}, ...]} (quantities given).
        :returns: (HTTP status, JSON-able dict).
        """
        self.ensure_one()
        items = sync_api.parse_inventory_items(body)
        if items:
            self._api_check_known_skus([item["sku"] for item in items])
        self._api_check_operation("inventory.sync")
        jobs = self._api_sync_inventory(items)
        return 202, {"data": {"jobs": self._api_job_values(jobs),
                              "items": len(items) if items is not None else None}}

    def _api_request_orders(self, params):
        """GET .../orders: check the query, read one page.

        :param params: the query string (mapping): status, since, limit, cursor.
        :returns: (200, {"data": [order], "next_cursor": str or None}).
        """
        self.ensure_one()
        unknown = set(params) - {"status", "since", "limit", "cursor"}
        if unknown:
            raise sync_api.invalid(
                "invalid_parameter",
                _("Unknown query parameters: %(names)s. Use status, since, limit and cursor.",
                  names=", ".join(sorted(unknown))),
            )
        status = sync_api.parse_status(params.get("status"), self._api_order_statuses())
        since = sync_api.parse_since(params.get("since"))
        limit = sync_api.parse_limit(params.get("limit"))
        cursor = sync_api.decode_cursor(params.get("cursor"))
        page = self._api_list_orders(status, since, limit, cursor)
        return 200, {"data": page["orders"], "next_cursor": page["next_cursor"]}

    def _api_check_operation(self, operation):
        """:raises SyncApiError(403): the store's permissions forbid `operation`."""
        try:
            self._check_operation_allowed(operation)
        except OperationNotPermitted as exc:
            raise SyncApiError(403, "operation_not_permitted", exc.args[0]) from None

    def _api_check_known_skus(self, skus):
        """Refuse SKUs that name no product the store can sell: nothing is queued for a typo.

        :raises SyncApiError(422): listing (up to 100 of) the unknown SKUs.
        """
        known = set(self._api_products_for_skus(skus).mapped("default_code"))
        missing = [sku for sku in skus if sku not in known]
        if missing:
            raise SyncApiError(
                422, "unknown_sku",
                _("%(count)s SKUs match no product: %(skus)s.", count=len(missing),
                  skus=", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")),
                details={"skus": missing[:100]},
            )

    @api.model
    def _api_job_values(self, jobs):
        return [{"id": job.id, "operation": job.operation, "state": job.state} for job in jobs]

    # ------------------------------------------------------------------ extension points: sync
    def _api_sync_products(self, skus):
        """Queue the export of products to the store (ProductSyncedToStore follows when it runs).

        Extension point: an addon with its own product exporter overrides this to queue its
        jobs instead; it must keep the signature and return the queued jobs.

        :param skus: list of SKUs (``product.product.default_code``) already checked to exist,
            or None for everything the store publishes.
        :returns: sync.job records (one in the base).
        :raises OperationNotPermitted: the store forbids products.sync.
        """
        self.ensure_one()
        return self.env["sync.job"]._enqueue(
            self, "products.sync", "_job_api_sync_products",
            payload={"skus": skus},
            identity_key=f"api.products:{_digest(skus) if skus else 'all'}",
            direction="export",
        )

    def _api_sync_inventory(self, items):
        """Queue the export of stock quantities (InventorySyncCompleted follows when it runs).

        Extension point, like `_api_sync_products`.

        :param items: None for every product the store publishes, or a list of
            {"sku": str, "quantity": int or None}; None quantities are computed from Odoo's stock
            (the store's published locations, minus its safety stock) when the job runs.
        :returns: sync.job records (one in the base).
        :raises OperationNotPermitted: the store forbids inventory.sync.
        """
        self.ensure_one()
        return self.env["sync.job"]._enqueue(
            self, "inventory.sync", "_job_api_sync_inventory",
            payload={"items": items},
            identity_key=f"api.inventory:{_digest(items) if items else 'all'}",
            direction="export",
        )

    # ------------------------------------------------------------------ job handlers (base)
    def _job_api_sync_products(self, job):
        """Queue handler of the base products.sync: normalize, hand to the adapter, report."""
        self.ensure_one()
        started = time.monotonic()
        skus = (job.payload or {}).get("skus")
        products = self._api_products_for_skus(skus)
        results = []
        if products:
            results = self._get_adapter().export_products(self, self._api_product_payloads(products)) or []
        errors = [result for result in results if result.get("error")]
        failed_skus = {result.get("sku") for result in errors}
        synced = products.filtered(lambda product: product.default_code not in failed_skus)
        self._event_product_synced_to_store(
            synced, duration=time.monotonic() - started, job=job, errors=errors
        )
        return {"products": len(products), "synced": len(synced), "errors": errors[:50]}

    def _job_api_sync_inventory(self, job):
        """Queue handler of the base inventory.sync: compute quantities, send them in batches.

        Quantities are absolute, so a retry that sends a batch again does no harm.
        """
        self.ensure_one()
        started = time.monotonic()
        items = self._api_inventory_items((job.payload or {}).get("items"))
        adapter = self._get_adapter()
        size = max(1, adapter._inventory_batch_size(self))
        errors = []
        for index in range(0, len(items), size):
            results = adapter.update_inventory(self, items[index:index + size]) or []
            errors.extend(result for result in results if result.get("error"))
        count = len(items) - len(errors)
        self._event_inventory_sync_completed(
            count, duration=time.monotonic() - started, job=job, errors=errors
        )
        return {"items": len(items), "updated": count, "errors": errors[:50]}

    # ------------------------------------------------------------------ data for the handlers
    def _api_products_domain(self):
        """Products the store publishes when a sync names none: saleable, with a SKU, of the
        store's company or shared. Products addons narrow it to the products bound to the store."""
        self.ensure_one()
        return [
            ("default_code", "!=", False),
            ("sale_ok", "=", True),
            ("company_id", "in", [False, self.company_id.id]),
        ]

    def _api_products_for_skus(self, skus):
        """product.product records with these SKUs, of the store's company or shared; all the
        published products (`_api_products_domain`) when `skus` is None."""
        self.ensure_one()
        if skus is None:
            domain = self._api_products_domain()
        else:
            domain = [("default_code", "in", skus), ("company_id", "in", [False, self.company_id.id])]
        return self.env["product.product"].with_company(self.company_id).search(domain, order="default_code, id")

    def _api_product_payloads(self, products):
        """Normalized product dicts, one per template with the given variants, for `export_products`.

        Minimal in the base (name, description, variant SKUs, prices, barcodes, weights,
        attribute values); product addons override this with their mapper.
        """
        self.ensure_one()
        prices = {}
        if self.pricelist_id:
            prices = self.pricelist_id._get_products_price(products, 1.0)
        by_template = defaultdict(lambda: self.env["product.product"])
        for product in products:
            by_template[product.product_tmpl_id] |= product
        payloads = []
        for template, variants in by_template.items():
            payloads.append({
                "name": template.name,
                "description": template.description_sale or "",
                "sku": template.default_code or (variants[:1].default_code if len(variants) == 1 else None),
                "variants": [
                    {
                        "sku": variant.default_code,
                        "barcode": variant.barcode or None,
                        "price": prices.get(variant.id, variant.lst_price),
                        "weight": variant.weight,
                        "attributes": {
                            value.attribute_id.name: value.name
                            for value in variant.product_template_attribute_value_ids
                        },
                    }
                    for variant in variants
                ],
            })
        return payloads

    def _api_inventory_items(self, items):
        """Items for `update_inventory`: {"sku", "quantity", "external_ids"}.

        :param items: None (every published storable product) or the job's list of
            {"sku", "quantity" or None}; given quantities are kept, missing ones computed.
        """
        self.ensure_one()
        if items is None:
            domain = self._api_products_domain() + [("is_storable", "=", True)]
            products = self.env["product.product"].with_company(self.company_id).search(
                domain, order="default_code, id")
            wanted = [(sku, None) for sku in dict.fromkeys(products.mapped("default_code"))]
        else:
            wanted = [(item["sku"], item.get("quantity")) for item in items]
            to_compute = [sku for sku, quantity in wanted if quantity is None]
            products = self._api_products_for_skus(to_compute) if to_compute else self.env["product.product"]
        quantities = self._api_stock_quantities(products)
        # When two products share a SKU, the first (lowest id) speaks for it.
        by_sku = {}
        for product in products.sorted("id"):
            by_sku.setdefault(product.default_code, quantities[product.id])
        return [
            {"sku": sku, "quantity": quantity if quantity is not None else by_sku.get(sku, 0), "external_ids": {}}
            for sku, quantity in wanted
        ]

    def _api_stock_locations(self):
        """Locations whose stock the store publishes: its locations, else its (or its company's
        first) warehouse's stock location."""
        self.ensure_one()
        locations = self.location_ids or self.warehouse_id.lot_stock_id
        if not locations:
            warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company_id.id)], limit=1)
            locations = warehouse.lot_stock_id
        return locations

    def _api_stock_quantities(self, products):
        """{product id: whole quantity to publish}: free quantity minus the safety stock, never < 0."""
        self.ensure_one()
        if not products:
            return {}
        located = products.with_company(self.company_id).with_context(location=self._api_stock_locations().ids)
        return {
            product.id: max(0, math.floor(product.free_qty - (self.safety_stock or 0.0)))
            for product in located
        }

    # ------------------------------------------------------------------ extension points: orders
    @api.model
    def _api_order_statuses(self):
        """Values the orders endpoint's `status` filter accepts: the sale order states."""
        return [value for value, _label in self.env["sale.order"]._fields["state"].selection]

    def _api_list_orders(self, status, since, limit, cursor):
        """One page of the sale orders imported from this store, newest first.

        Keyset pagination on the id: a page does not shift when new orders arrive meanwhile.

        :param status: list of sale order states, or None for all.
        :param since: naive UTC datetime; only orders changed at or after it (write_date).
        :param limit: page size (1..100).
        :param cursor: id of the last order of the previous page, or None for the first page.
        :returns: {"orders": [dict], "next_cursor": str or None}
        :raises AccessError: the user may not read sale orders.
        """
        self.ensure_one()
        domain = [("store_id", "=", self.id)]
        if status:
            domain.append(("state", "in", status))
        if since:
            domain.append(("write_date", ">=", since))
        if cursor:
            domain.append(("id", "<", cursor))
        orders = self.env["sale.order"].search(domain, order="id desc", limit=limit + 1)
        page = orders[:limit]
        next_cursor = sync_api.encode_cursor(page[-1].id) if len(orders) > limit else None
        return {"orders": self._api_order_values(page), "next_cursor": next_cursor}

    def _api_order_values(self, orders):
        """JSON of sale orders for the API. Extension point: add keys, keep the existing ones.

        When the order import's `store.order.binding` model is installed, its external id,
        number and platform status are included.
        """
        bindings = {}
        if "store.order.binding" in self.env and orders:
            Binding = self.env["store.order.binding"]
            wanted = [name for name in ("external_id", "external_number", "platform_status")
                      if name in Binding._fields]
            domain = [("sale_order_id", "in", orders.ids)]
            if "store_id" in Binding._fields:
                domain.append(("store_id", "=", self.id))
            # The user may read these orders; the bindings of exactly these orders tell nothing more.
            for binding in Binding.sudo().search(domain):
                bindings[binding.sale_order_id.id] = {name: binding[name] or None for name in wanted}
        values = []
        for order in orders:
            values.append({
                "id": order.id,
                "name": order.name,
                "client_order_ref": order.client_order_ref or None,
                "state": order.state,
                "date_order": sync_api.iso_utc(order.date_order),
                "updated_at": sync_api.iso_utc(order.write_date),
                "currency": order.currency_id.name,
                "amount_untaxed": order.amount_untaxed,
                "amount_tax": order.amount_tax,
                "amount_total": order.amount_total,
                "customer": {"id": order.partner_id.id, "name": order.partner_id.name,
                             "email": order.partner_id.email or None},
                "lines": [
                    {
                        "sku": line.product_id.default_code or None,
                        "name": line.name,
                        "quantity": line.product_uom_qty,
                        "price_unit": line.price_unit,
                        "price_subtotal": line.price_subtotal,
                    }
                    for line in order.order_line.filtered(lambda line: not line.display_type)
                ],
                **bindings.get(order.id, {}),
            })
        return values
