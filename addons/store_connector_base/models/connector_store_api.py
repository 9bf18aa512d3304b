"""The sync API's logic on connector.store; controllers/sync_api.py only authenticates and answers.

The API has no pipeline of its own: it checks the request and hands it to the suite's pipelines.

* ``_api_sync_products(skus)`` queues the product pipeline's export jobs (store.product.binding,
  ``_job_export_products``) for the bindings of the SKUs named, or of every bound product.
* ``_api_sync_inventory(items)`` queues the inventory pipeline's jobs
  (``_job_export_inventory``), with the quantities the caller gave, if any.
* ``_api_list_orders(status, since, limit, cursor)`` reads the sale orders imported from the
  store (``sale.order.store_id``, kept by the order bindings).
* ``_api_order_values(orders)`` is the JSON shape of one order; extend it to add fields.

Everything here runs as the API key's user: access rights and record rules apply.
"""

from odoo import _, api, models

from ..exceptions import OperationNotPermitted
from ..services import sync_api
from ..services.sync_api import SyncApiError

# The platform feature (store.adapter._supported_features) each sync API operation needs.
API_OPERATION_FEATURES = {"products.sync": "products.export", "inventory.sync": "inventory.sync"}


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    # ------------------------------------------------------------------ actions
    def action_new_sync_api_key(self):
        """Open the wizard that makes a sync API key for the current user, named after this store.

        The key is the user's, not the store's: it opens every store the user may read.
        """
        self.ensure_one()
        self._check_store_user()
        return self.env["store.sync.api.key.wizard"]._action_open(store=self)

    # ------------------------------------------------------------------ request handling
    @api.model
    def _api_resolve_store(self, ref):
        """The store an API URL names, as the current user sees it.

        `ref` is the store's code (its webhook key, as in the webhook URLs) or, for API clients
        that keep Odoo ids, its numeric id. The code is tried first: a code that happens to be
        all digits still names its own store. Record rules apply, so a store of a company the
        user does not work in is "not found", exactly like a store that does not exist.

        :raises SyncApiError: 403 when the user has no Store Connector rights, 404 when no
            active store of theirs matches (or `ref` cannot name a store).
        """
        stores = self.with_context(active_test=True)
        if not stores.browse().has_access("read"):
            raise SyncApiError(403, "forbidden",
                               _("This API key's user has no access to the Store Connector."))
        store = stores.browse()
        # What cannot be a store's code or id is not looked up: a NUL or a lone surrogate would
        # fail in PostgreSQL (a 500), and an id beyond a PostgreSQL integer too.
        if ref and len(ref) <= sync_api.MAX_STORE_REF_LENGTH and sync_api.is_printable(ref):
            store = stores.search([("code", "=", ref)], limit=1)
            store_id = sync_api.parse_record_id(ref)
            if not store and store_id:
                store = stores.search([("id", "=", store_id)], limit=1)
        if not store:
            raise SyncApiError(404, "store_not_found",
                               _("No store %(store)s.", store=sync_api.printable(ref)))
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
            self._api_check_known_skus([item["sku"] for item in items], published_only=True)
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
        """:raises SyncApiError(501): the store's platform addon does not implement `operation`
            (its jobs could only fail);
        :raises SyncApiError(403): the store's permissions forbid `operation`."""
        feature = API_OPERATION_FEATURES.get(operation, operation)
        if feature not in self._platform_features():
            platform = dict(self._fields["platform"]._description_selection(self.env)).get(self.platform)
            raise SyncApiError(501, "not_supported", _(
                'The %(platform)s connector does not support "%(operation)s" yet: nothing was queued.',
                platform=platform or self.platform, operation=operation,
            ))
        try:
            self._check_operation_allowed(operation)
        except OperationNotPermitted as exc:
            raise SyncApiError(403, "operation_not_permitted", exc.args[0]) from None

    def _api_bindings(self, skus, published_only=False):
        """The product bindings of this store with these SKUs: what a sync request may name.

        :param skus: list of SKUs (the variants' Internal References).
        :param published_only: only bindings published on the store (inventory is synced for those).
        """
        self.ensure_one()
        domain = [("store_id", "=", self.id), ("sku", "in", skus)]
        if published_only:
            domain.append(("platform_status", "=", "active"))
        return self.env["store.product.binding"].sudo().search(domain, order="id")

    def _api_check_known_skus(self, skus, published_only=False):
        """Refuse SKUs that name no product bound to (published to) this store: nothing is queued
        for a typo, nor for a product that was never published there.

        :raises SyncApiError(422): listing (up to 100 of) the unknown SKUs.
        """
        known = set(self._api_bindings(skus, published_only=published_only).mapped("sku"))
        missing = [sku for sku in skus if sku not in known]
        if missing:
            raise SyncApiError(
                422, "unknown_sku",
                _("%(count)s SKUs name no product published to this store: %(skus)s. Publish them first "
                  "(the product's Store Channels).", count=len(missing),
                  skus=", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")),
                details={"skus": missing[:100]},
            )

    @api.model
    def _api_job_values(self, jobs):
        return [{"id": job.id, "operation": job.operation, "state": job.state} for job in jobs]

    # ------------------------------------------------------------------ extension points: sync
    def _api_sync_products(self, skus):
        """Queue the export of products to the store through the product pipeline (one
        products.export job per product template, see `_enqueue_product_sync`);
        ProductSyncedToStore follows when the jobs run.

        :param skus: list of SKUs already checked to be bound to the store, or None for every
            product bound to it (published, unpublished or archived: each is sent with its status).
        :returns: the sync.job records.
        :raises OperationNotPermitted: the store forbids products.sync.
        """
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        if skus is None:
            bindings = self.env["store.product.binding"].sudo().search([("store_id", "=", self.id)])
        else:
            bindings = self._api_bindings(skus)
        return self._enqueue_product_sync(bindings, "products.export", force=True)

    def _api_sync_inventory(self, items):
        """Queue the export of stock quantities through the inventory pipeline (inventory.sync jobs
        of platform-sized batches, see `_enqueue_inventory_sync`); InventorySyncCompleted follows
        when they run.

        :param items: None for every product published on the store, or a list of
            {"sku": str, "quantity": int or None}: a quantity given is sent as given, a None one is
            computed from Odoo's stock when the job runs (the store's published locations, minus
            its safety stock, never below zero).
        :returns: the sync.job records.
        :raises OperationNotPermitted: the store forbids inventory.sync.
        """
        self.ensure_one()
        self._check_operation_allowed("inventory.sync")
        if items is None:
            return self._enqueue_inventory_sync()
        bindings = self._api_bindings([item["sku"] for item in items], published_only=True)
        quantities = {item["sku"]: item["quantity"] for item in items if item.get("quantity") is not None}
        return self._enqueue_inventory_sync(bindings, quantities=quantities)

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

        Each order carries its platform order (`store.order.binding` of this store): external
        id, number and platform status.
        """
        # The user may read these orders; the bindings of exactly these orders tell nothing more.
        bindings = {
            binding.order_id.id: binding
            for binding in self.env["store.order.binding"].sudo().search(
                [("order_id", "in", orders.ids), ("store_id", "=", self.id)]
            )
        }
        values = []
        for order in orders:
            binding = bindings.get(order.id)
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
                "external_id": binding.external_id if binding else None,
                "external_number": (binding.external_number or None) if binding else None,
                "platform_status": (binding.platform_status or None) if binding else None,
            })
        return values
