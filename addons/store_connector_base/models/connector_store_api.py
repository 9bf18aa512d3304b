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

import json

from odoo import _, api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .. import labels, order_const
from ..exceptions import OperationNotPermitted
from ..labels import number as lang_number
from ..services import sync_api
from ..services.sync_api import SyncApiError
from .connector_store import MANAGER_GROUP

# The platform feature (store.adapter._supported_features) each sync API operation needs.
API_OPERATION_FEATURES = {"products.sync": "products.export", "inventory.sync": "inventory.sync"}
# The base's store settings POST /api/v1/stores accepts in "options" (a platform addon adds its own
# with store.adapter._api_store_option_fields). Credentials go in "credentials", never here.
API_STORE_OPTION_FIELDS = (
    "order_prefix", "safety_stock", "warehouse_id", "pricelist_id", "team_id",
    "auto_sync_orders", "auto_sync_products", "auto_sync_inventory", "auto_sync_customers",
    "allow_products_sync", "allow_orders_pull", "allow_orders_push", "allow_inventory_sync",
    "order_auto_confirm", "order_unknown_sku_policy", "order_platform_shipped_policy",
)
# The field types an option may have, and the JSON types their values take.
_OPTION_JSON_TYPES = {"boolean": (bool,), "char": (str,), "integer": (int,), "float": (int, float),
                      "selection": (str,), "many2one": (int,)}
# The most errors an order pull's answer lists (the activity log and the jobs keep them all).
PULL_MAX_ERRORS = 100


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
                _("Too many requests for this store; retry in a second.") if retry_after == 1 else
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
            skus_text = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
            message = _(
                "SKU %(skus)s names no product published to this store. Publish it first (the product's "
                "Store Channels).", skus=skus_text,
            ) if len(missing) == 1 else _(
                "%(count)s SKUs name no product published to this store: %(skus)s. Publish them first "
                "(the product's Store Channels).", count=lang_number(self.env, len(missing)), skus=skus_text,
            )
            raise SyncApiError(422, "unknown_sku", message, details={"skus": missing[:100]})

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

    # ------------------------------------------------------------------ stores
    @api.model
    def _api_check_store_connector_user(self):
        """:raises SyncApiError(403): the key's user has no Store Connector rights."""
        if not self.browse().has_access("read"):
            raise SyncApiError(403, "forbidden",
                               _("This API key's user has no access to the Store Connector."))

    @api.model
    def _api_request_list_stores(self, params):
        """GET /api/v1/stores: the stores the key's user may read (record rules decide).

        :param params: the query string (mapping): include_archived (true/false, default false).
        :returns: (200, {"data": [store]}).
        """
        self._api_check_store_connector_user()
        unknown = set(params) - {"include_archived"}
        if unknown:
            raise sync_api.invalid("invalid_parameter", _(
                "Unknown query parameters: %(names)s. Use include_archived.",
                names=", ".join(sorted(unknown))))
        include_archived = sync_api.parse_include_archived(params)
        stores = self.with_context(active_test=not include_archived).search([])
        return 200, {"data": stores._api_store_values()}

    def _api_request_store(self):
        """GET /api/v1/stores/<store>: the store's summary. :returns: (200, {"data": store})."""
        self.ensure_one()
        return 200, {"data": self._api_store_values()[0]}

    def _api_store_values(self):
        """JSON of stores for the API (no secret, nothing a Store Connector User cannot read).
        Extension point: add keys, keep the existing ones.

        "status" is "active", "paused" (the platform refused the credentials: "paused_reason" says
        why) or "archived"; "last_sync_at" is when the store's last job finished well.
        """
        last_sync = dict(self.env["sync.job"].sudo()._read_group(
            [("store_id", "in", self.ids), ("state", "=", "done")], ["store_id"], ["finished_at:max"]))
        labels = dict(self._fields["platform"]._description_selection(self.env))
        values = []
        for store in self:
            status = "archived" if not store.active else "paused" if store.paused else "active"
            values.append({
                "id": store.id,
                "code": store.code,
                "name": store.name,
                "platform": store.platform,
                "platform_name": labels.get(store.platform, store.platform),
                "shop_url": store.shop_url or None,
                "company": {"id": store.company_id.id, "name": store.company_id.name},
                "status": status,
                "paused_reason": (store.paused_reason or None) if store.paused else None,
                "features": sorted(store._platform_features()),
                "last_sync_at": sync_api.iso_utc(last_sync.get(store)),
                "orders_pulled_up_to": sync_api.iso_utc(store.order_import_cursor),
            })
        return values

    @api.model
    def _api_request_create_store(self, body):
        """POST /api/v1/stores: create a store with its credentials, as the form does (managers only).

        Everything is checked before anything is written, and the caller's savepoint undoes what a
        later refusal would leave. The answer lists which credentials are set, never their values.

        :param body: {"name", "platform", "shop_url"?, "company"?, "credentials"?, "options"?}.
        :returns: (201, {"data": store + {"credentials": {"set": [keys], "missing": [labels]}}}).
        :raises SyncApiError: 403 for a non-manager, 422 naming what is wrong.
        """
        if not self.env.user.has_group(MANAGER_GROUP) or not self.browse().has_access("create"):
            raise SyncApiError(403, "forbidden", _(
                "Only Store Connector managers can create stores: this API key's user is not one."))
        request = sync_api.parse_store_create(body)
        platform = request["platform"]
        implemented = [value for value in self._fields["platform"].get_values(self.env)
                       if self.new({"platform": value})._platform_features()]
        if platform not in self._fields["platform"].get_values(self.env):
            raise SyncApiError(422, "invalid_platform", _(
                'No installed connector handles the platform "%(platform)s". Use one of: %(platforms)s.',
                platform=sync_api.printable(platform), platforms=", ".join(implemented)),
                details={"allowed": implemented})
        if platform not in implemented:
            raise SyncApiError(422, "platform_not_supported", _(
                'The connector of the platform "%(platform)s" does not implement anything yet, so it cannot '
                "have a store. Use one of: %(platforms)s.",
                platform=platform, platforms=", ".join(implemented)),
                details={"allowed": implemented})
        company = self.env.company
        if request["company"] is not None:
            company = self.env.user.company_ids.filtered(lambda c: c.id == request["company"])
            if not company:
                raise SyncApiError(422, "invalid_company", _(
                    "Company %(company)s is not one of the companies of this API key's user.",
                    company=request["company"]))
        Store = self.with_company(company)
        candidate = Store.new({"platform": platform, "company_id": company.id})
        if request["shop_url"]:
            try:
                self._validate_shop_url(request["shop_url"])
            except ValidationError as exc:
                raise SyncApiError(422, "invalid_shop_url", exc.args[0]) from None
        declared = candidate._credential_declarations()
        unknown = sorted(set(request["credentials"]) - set(declared)) if declared else []
        if unknown:
            raise SyncApiError(422, "unknown_credential", _(
                "The %(platform)s connector has no credential %(keys)s. Its credentials are: %(allowed)s.",
                platform=candidate._get_adapter()._platform_name(candidate), keys=", ".join(unknown),
                allowed=", ".join(declared)), details={"allowed": list(declared)})
        vals = {"name": request["name"], "platform": platform, "company_id": company.id,
                "shop_url": request["shop_url"] or False}
        vals.update(Store._api_store_options(candidate, request["options"]))
        store = Store.create(vals)
        credentials = request["credentials"]
        self.env["integration.credential"].create(
            [{"store_id": store.id, "key": key, "value": value} for key, value in credentials.items()]
            + [{"store_id": store.id, "key": key} for key in declared if key not in credentials]
        )
        data = store._api_store_values()[0]
        data["credentials"] = {
            "set": sorted(credentials),
            "missing": [declaration["key"] for declaration in declared.values()
                        if declaration["required"] and declaration["key"] not in credentials],
        }
        return 201, {"data": data}

    @api.model
    def _api_store_options(self, candidate, options):
        """The store values of a create request's "options", checked field by field.

        :param candidate: the new store (not saved), for the platform's own option fields.
        :returns: dict of connector.store values.
        :raises SyncApiError(422): an option that is not a setting the API accepts, or a value of
            the wrong type, or a record the user cannot read.
        """
        allowed = list(API_STORE_OPTION_FIELDS) + [
            name for name in candidate._get_adapter()._api_store_option_fields(candidate) or ()
            if name in self._fields and self._fields[name].type in _OPTION_JSON_TYPES
        ]
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise SyncApiError(422, "invalid_options", _(
                "Unknown options: %(names)s. The options are: %(allowed)s.",
                names=", ".join(sync_api.printable(name) for name in unknown[:10]),
                allowed=", ".join(allowed)),
                details={"allowed": allowed})
        vals = {}
        for name, value in options.items():
            field = self._fields[name]
            wrong = SyncApiError(422, "invalid_options", _(
                'The option "%(name)s" takes %(kind)s.', name=name, kind={
                    "boolean": _("true or false"), "char": _("a string"), "integer": _("a whole number"),
                    "float": _("a number"), "selection": _("one of its values"),
                    "many2one": _("a record id"),
                }[field.type]))
            if value is None and field.type not in ("boolean", "selection"):
                vals[name] = False
                continue
            if isinstance(value, bool) and field.type != "boolean" or \
                    not isinstance(value, _OPTION_JSON_TYPES[field.type]):
                raise wrong
            if field.type in ("integer", "float") and not 0 <= value <= sync_api.MAX_QUANTITY:
                raise SyncApiError(422, "invalid_options", _(
                    'The option "%(name)s" takes a number from 0 to %(max)s.',
                    name=name, max=sync_api.MAX_QUANTITY))
            if field.type == "char" and (
                    len(value) > sync_api.MAX_NAME_LENGTH or not sync_api.is_printable(value)):
                raise wrong
            if field.type == "selection":
                values = [key for key, _label in field._description_selection(self.env)]
                if value not in values:
                    raise SyncApiError(422, "invalid_options", _(
                        'The option "%(name)s" takes one of: %(values)s.',
                        name=name, values=", ".join(values)))
            if field.type == "many2one":
                if not 1 <= value <= sync_api.MAX_ID or not self.env[field.comodel_name].search(
                        [("id", "=", value)], limit=1):
                    raise SyncApiError(422, "invalid_options", _(
                        'The option "%(name)s" names no %(model)s of yours with id %(id)s.',
                        name=name, model=self.env[field.comodel_name]._description, id=value))
            vals[name] = value
        return vals

    # ------------------------------------------------------------------ orders: pull now
    def _api_request_pull_orders(self, body, poll_url):
        """POST .../sync/orders: pull orders from the platform now (Store Connector Users, as the
        Pull Orders button).

        :param body: {"status"?: platform statuses, "since"?: ISO 8601, "limit"?: 1..100}.
        :param poll_url: the URL of this store's order pulls; a queued pull is polled at
            ``<poll_url>/<pull id>``.
        :returns: (200, outcome) when the pull ended in the request, (202, outcome of the first page
            + the queued job and the poll URL) when more pages were left to the queue.
        :raises SyncApiError: 403, 422 on bad input, 501 when the platform's addon cannot pull.
        """
        self.ensure_one()
        self._check_store_user()
        self._api_check_operation("orders.pull")
        adapter = self._get_adapter()
        request = sync_api.parse_order_pull(
            body, adapter._order_pull_statuses(self), adapter._platform_name(self))
        # As the queue runs the pull: the pipeline creates orders and contacts, reads credentials.
        return self.sudo()._api_pull_orders(request["status"], request["since"], request["limit"], poll_url)

    def _api_pull_orders(self, status, since, limit, poll_url):
        """Pull orders through the order pipeline, in the request, within bounds.

        Without `limit`: the first page (the platform's page size, at most 100 orders) is imported
        now; further pages are queued as the Pull Orders button queues them (orders.import jobs,
        tagged with a pull id to poll). With `limit`: up to `limit` orders are imported now, over at
        most PULL_MAX_INLINE_PAGES platform pages, and nothing is queued ("more" says whether
        orders were left). Orders that fail get their own orders.import.order job, as in a pull.

        The store's "Orders Pulled Up To" moves only when the pull read everything from it on:
        no status filter, `since` not after it (or absent: the pull starts at it), no order left.

        :param status: platform statuses, or None. :param since: naive UTC datetime, or None for
            the store's "Orders Pulled Up To". :param limit: 1..100, or None.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        current = self.order_import_cursor
        start = since if since is not None else current
        keep_cursor = bool(status) or (since is not None and (not current or since > current))
        page_size = adapter._order_page_size(self) or order_const.DEFAULT_ORDER_PAGE_SIZE
        outcome = {"total_orders": 0, "created": 0, "updated": 0, "unchanged": 0, "failed": 0, "errors": []}
        page_cursor, pages, max_seen, truncated = None, 0, None, False
        while True:
            ask = page_size if limit is None else min(page_size, limit - outcome["total_orders"])
            records, next_cursor = self._fetch_page(
                "_import_orders", {"cursor": page_cursor}, since=start, limit=ask, status=status)
            if len(records) > ask:  # an adapter that gave more than asked: keep the bound
                records, truncated = records[:ask], True
            pages += 1
            max_seen = self._api_import_order_page(records, outcome, max_seen)
            page_cursor = next_cursor
            if next_cursor is None or limit is None or truncated:
                break
            if outcome["total_orders"] >= limit or pages >= sync_api.PULL_MAX_INLINE_PAGES:
                break
        more = next_cursor is not None or truncated
        outcome["synced"] = outcome["created"] + outcome["updated"] + outcome["unchanged"]
        outcome["pages"] = pages
        # Translated first: Odoo's extractor misses a translation call nested in another's arguments.
        read = labels.count_text(outcome["total_orders"], _("1 order read"), _("%(count)s orders read"),
                                 env=self.env)
        self._log_activity(
            order_const.OP_ORDERS_IMPORT, "failed" if outcome["failed"] else "done",
            records=outcome["total_orders"],
            message=_("Sync API pull: %(read)s; %(created)s created, %(updated)s updated, "
                      "%(unchanged)s unchanged, %(failed)s failed.",
                      read=read,
                      created=lang_number(self.env, outcome["created"]),
                      updated=lang_number(self.env, outcome["updated"]),
                      unchanged=lang_number(self.env, outcome["unchanged"]),
                      failed=lang_number(self.env, outcome["failed"])))
        if not more and not keep_cursor and max_seen and (not current or max_seen > current):
            self.write({"order_import_cursor": max_seen})
        if limit is not None or not more:
            return 200, {"data": dict(outcome, more=more, state="done")}
        pull_id = sync_api.new_pull_id()
        first_page = {key: outcome[key] for key in ("total_orders", "created", "updated", "unchanged")}
        first_page["errors"] = outcome["errors"]
        job = self.env["sync.job"]._enqueue(
            self, order_const.OP_ORDERS_IMPORT, "_job_import_orders_page",
            payload={"since": start.isoformat() if start else None, "cursor": next_cursor, "page": 2,
                     "max_seen": max_seen.isoformat() if max_seen else None, "full": False,
                     "status": status, "keep_cursor": keep_cursor, "api_pull_id": pull_id,
                     "api_first_page": first_page},
        )
        return 202, {"data": dict(outcome, more=True, state="queued", pull_id=pull_id,
                                  jobs=self._api_job_values(job),
                                  links={"poll": f"{poll_url}/{pull_id}"})}

    def _api_import_order_page(self, records, outcome, max_seen):
        """Import one page of normalized orders, add it to `outcome`; a failed order gets its own
        job (`_enqueue_order_import`). :returns: the newest update time seen so far."""
        result = self.env["store.order.importer"]._import_orders(self, records)
        outcome["total_orders"] += len(records)
        outcome["created"] += len(result["created"])
        outcome["updated"] += len(result["updated"])
        outcome["unchanged"] += len(result["ignored"])
        for failure in result["failed"]:
            job = self._enqueue_order_import(failure["order"], error=failure["error"])
            outcome["failed"] += 1
            if len(outcome["errors"]) < PULL_MAX_ERRORS:
                outcome["errors"].append({"order": failure["id"], "message": failure["error"], "job": job.id})
        for candidate in [result["max_updated_at"]] + [
                self._lenient_datetime((failure["order"] or {}).get("updated_at"))
                for failure in result["failed"]]:
            if candidate and (not max_seen or candidate > max_seen):
                max_seen = candidate
        return max_seen

    def _api_request_order_pull(self, pull_id):
        """GET .../sync/orders/<pull id>: how a queued order pull is going (Store Connector Users).

        :returns: (200, {"data": {"pull_id", "state": "queued"|"running"|"done"|"failed", "pages",
            "total_orders", "synced", "created", "updated", "unchanged", "failed", "errors", "jobs"}}).
        :raises SyncApiError(404): no pull of that id on this store.
        """
        self.ensure_one()
        self._check_store_user()
        sync_api.check_pull_id(pull_id)
        Job = self.env["sync.job"].sudo()
        Job.flush_model(["store_id", "operation", "payload"])
        self.env.cr.execute(SQL(
            "SELECT id FROM sync_job WHERE store_id = %s AND operation = %s AND payload->>'api_pull_id' = %s "
            "ORDER BY id", self.id, order_const.OP_ORDERS_IMPORT, pull_id))
        jobs = Job.browse([row[0] for row in self.env.cr.fetchall()])
        if not jobs:
            raise SyncApiError(404, "pull_not_found",
                               _("No order pull %(pull)s on this store.", pull=pull_id))
        first = jobs[0].payload.get("api_first_page") or {}
        totals = {key: first.get(key, 0) for key in ("total_orders", "created", "updated", "unchanged")}
        errors, failed_ids, pages = list(first.get("errors") or []), [], 1
        for job in jobs:
            if job.state == "done":
                result = self._api_job_result(job)
                pages += 1
                totals["total_orders"] += result.get("received", 0)
                totals["created"] += result.get("created", 0)
                totals["updated"] += result.get("updated", 0)
                totals["unchanged"] += result.get("ignored", 0)
                failed_ids += [str(order_id) for order_id in result.get("failed") or []]
            elif job.state == "failed":
                errors.append({"page": (job.payload or {}).get("page"), "message": job.last_error,
                               "job": job.id})
        if failed_ids:
            keys = [f"{order_const.OP_ORDER_IMPORT_ONE}:{order_id}" for order_id in failed_ids]
            order_jobs = {job.identity_key: job for job in Job.search(
                [("store_id", "=", self.id), ("identity_key", "in", keys)], order="id")}
            for order_id, key in zip(failed_ids, keys, strict=True):
                job = order_jobs.get(key)
                errors.append({"order": order_id, "job": job.id if job else None,
                               "message": job and (job.last_error or (job.payload or {}).get("first_error"))})
        states = set(jobs.mapped("state"))
        if states & {"pending", "processing"}:
            state = "running" if len(jobs) > 1 or "processing" in states else "queued"
        else:
            state = "failed" if "failed" in states or "cancelled" in states else "done"
        totals["failed"] = len(first.get("errors") or []) + len(failed_ids)
        totals["synced"] = totals["created"] + totals["updated"] + totals["unchanged"]
        return 200, {"data": dict(totals, pull_id=pull_id, state=state, pages=pages,
                                  errors=errors[:PULL_MAX_ERRORS], jobs=self._api_job_values(jobs))}

    @api.model
    def _api_job_result(self, job):
        try:
            result = json.loads(job.result or "{}")
        except ValueError:
            return {}
        return result if isinstance(result, dict) else {}

    # ------------------------------------------------------------------ webhooks
    def _api_request_register_webhooks(self, body):
        """POST .../webhooks: register or repair the store's webhooks (Store Connector Managers, as
        the Register Webhooks button), all of them or the topics named.

        :param body: {} or {"topics": [...]}.
        :returns: (200, {"data": {"registered": [webhook], "webhooks": [webhook]}}): those just
            registered or repaired, and every subscription the store has.
        :raises SyncApiError: 403 for a non-manager, 422 for a topic the platform does not
            register, 501 when its addon cannot register webhooks (or not by topic).
        """
        self.ensure_one()
        self._check_store_manager()
        topics = sync_api.parse_webhook_topics(body)
        self._api_check_operation("register_webhooks")
        adapter = self._get_adapter()
        if topics is not None:
            known = list(adapter._webhook_registration_topics(self) or ())
            if not known:
                raise SyncApiError(501, "not_supported", _(
                    "The %(platform)s connector registers all its webhooks at once: omit \"topics\".",
                    platform=adapter._platform_name(self)))
            unknown = [topic for topic in topics if topic not in known]
            if unknown:
                raise SyncApiError(422, "unknown_topic", _(
                    "The %(platform)s connector does not register %(topics)s. It registers: %(known)s.",
                    platform=adapter._platform_name(self),
                    topics=", ".join(sync_api.printable(topic) for topic in unknown[:10]),
                    known=", ".join(known)),
                    details={"allowed": known})
        registered = self._register_platform_webhooks(topics)
        webhooks = self.env["store.webhook"].search([("store_id", "=", self.id)])
        return 200, {"data": {"registered": registered._api_webhook_values(),
                              "webhooks": webhooks._api_webhook_values()}}
