import time
from datetime import timedelta

from odoo import _, api, fields, models

from .. import order_const
from ..exceptions import PermanentJobError
from ..services.normalized import order_to_json, raw_order_id, to_datetime
from ..services.rate_limiter import throttled_error


class ConnectorStore(models.Model):
    """Order pipeline settings of a store, its scheduled and full pulls, and the order events."""

    _inherit = "connector.store"

    order_import_cursor = fields.Datetime(
        string="Orders Pulled Up To",
        copy=False,
        readonly=True,
        help="The latest platform update time seen by a completed pull; the next pull asks for "
        "orders updated since then.",
    )
    # On by default: a paid order is a sale, and only a confirmed order gets its delivery. Existing
    # stores keep the value they had (a new default does not rewrite them).
    order_auto_confirm = fields.Boolean(
        string="Confirm Orders",
        default=True,
        help="Confirm the quotation when the platform status maps to a confirming stage (processing, "
        "confirmed, shipped...).",
    )
    order_platform_shipped_policy = fields.Selection(
        order_const.PLATFORM_SHIPPED_POLICIES,
        string="Shipped on the Platform",
        required=True,
        default="done",
        help="Goods the platform already shipped itself (fulfilled in its admin, by another app or a "
        "fulfillment service). Validate them in Odoo: when the order is confirmed, its delivery is "
        "validated for those quantities with the platform's tracking number (the rest goes to a "
        "backorder) and nothing is sent back to the platform for them. Hold them on the delivery: the "
        "delivery stays open, flagged 'Shipped on the platform', and the salesperson gets an activity, "
        "so that nobody ships them a second time.",
    )
    order_unknown_sku_policy = fields.Selection(
        order_const.UNKNOWN_SKU_POLICIES,
        string="Unknown SKUs",
        required=True,
        default="fail",
        help="What to do with an order line whose SKU matches no product: fail the order's import "
        "(naming the SKUs), or import it with a placeholder product and say so in the order's chatter.",
    )
    order_placeholder_product_id = fields.Many2one(
        "product.product",
        string="Placeholder Product",
        check_company=True,
        help="Product of lines with unknown SKUs. Empty: the connector's 'Unknown store product'.",
    )
    order_shipping_product_id = fields.Many2one(
        "product.product",
        string="Shipping Product",
        check_company=True,
        help="Product of shipping lines. Empty: the connector's 'Shipping (store)'.",
    )
    order_salesperson_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain="[('share', '=', False)]",
        check_company=True,
        help="Salesperson of imported orders; also receives the activities the import raises.",
    )
    order_status_map_ids = fields.One2many("store.order.status.map", "store_id", string="Status Mapping")
    order_payment_map_ids = fields.One2many("store.payment.method.map", "store_id", string="Payment Mapping")
    carrier_map_ids = fields.One2many("store.carrier.map", "store_id", string="Carrier Mapping")
    order_binding_count = fields.Integer(compute="_compute_order_binding_count")

    def _compute_order_binding_count(self):
        counts = {
            store.id: count
            for store, count in self.env["store.order.binding"]._read_group(
                [("store_id", "in", self.ids)], ["store_id"], ["__count"]
            )
        }
        for store in self:
            store.order_binding_count = counts.get(store.id, 0)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        stores._ensure_status_mapping()
        return stores

    # ------------------------------------------------------------------ actions
    def action_reset_status_mapping(self):
        """Replace the store's status mapping by its platform's defaults."""
        self._check_store_manager()
        self.order_status_map_ids.unlink()
        self._ensure_status_mapping()
        return self._notify_user(
            _("The status mapping of %(store)s is back to its platform's defaults.", store=self[:1].name)
            if len(self) == 1
            else _("The status mappings of these stores are back to their platforms' defaults."),
            reload=True)

    def action_pull_orders(self):
        """Pull Orders button: queue a pull of what changed since the last one."""
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("orders.pull", _("Pull Orders"))
        job = self._enqueue_order_pull(since=self.order_import_cursor)
        return self._notify_user(_(
            "Order pull of %(store)s queued: the orders changed since the last pull are imported in the "
            "background (job %(job)s).", store=self.name, job=job.id), reload=True)

    def action_view_order_bindings(self):
        self._check_store_user()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "store_connector_base.store_order_binding_action"
        )
        action["domain"] = [("store_id", "=", self.id)]
        action["context"] = {"default_store_id": self.id}
        return action

    # ------------------------------------------------------------------ status mapping
    def _ensure_status_mapping(self):
        """Give the stores without a status mapping their platform's default one."""
        for store in self.filtered(lambda s: not s.order_status_map_ids and s.platform):
            table = store._get_adapter()._default_status_mapping(store)
            vals = [
                {
                    "store_id": store.id,
                    "direction": "inbound",
                    "platform_status": status,
                    "stage": stage,
                    "sequence": seq,
                }
                for seq, (status, stage) in enumerate(table.get("inbound", []))
            ] + [
                {
                    "store_id": store.id,
                    "direction": "outbound",
                    "platform_status": status,
                    "stage": stage,
                    "sequence": seq,
                }
                for seq, (stage, status) in enumerate(table.get("outbound", []))
            ]
            self.env["store.order.status.map"].sudo().create(vals)

    def _get_inbound_status_map(self):
        """{platform status (case-folded): stage} of this store."""
        self.ensure_one()
        self._ensure_status_mapping()
        return {
            line.platform_status.casefold(): line.stage
            for line in self.order_status_map_ids
            if line.direction == "inbound"
        }

    def _map_stage_to_platform(self, stage):
        """The platform status to set for an Odoo-side stage (outbound mapping), or None."""
        self.ensure_one()
        self._ensure_status_mapping()
        for line in self.order_status_map_ids:
            if line.direction == "outbound" and line.stage == stage:
                return line.platform_status
        return None

    # ------------------------------------------------------------------ pulls
    @api.model
    def _cron_pull_orders(self):
        """Cron: queue an incremental order pull for every store that syncs orders automatically
        and is not pulling already. A store that lacks what its platform's API needs (webhooks
        only: a webhook secret, no API token, see `store.adapter._api_credentials_missing`) is not
        pulled: its activity log says what is missing (once, not at every run), the store is not
        paused, and its webhooks go on."""
        stores = self.search(
            [
                ("auto_sync_orders", "=", True),
                ("allow_orders_pull", "=", True),
                ("paused", "=", False),
            ]
        )
        busy = set(
            self.env["sync.job"]
            .search(
                [
                    ("store_id", "in", stores.ids),
                    ("operation", "=", order_const.OP_ORDERS_IMPORT),
                    ("state", "in", ("pending", "processing")),
                ]
            )
            .store_id.ids
        )
        queued = self.env["sync.job"]
        # A platform whose addon cannot pull orders (yet) gets no job that could only fail.
        pullable = stores.filtered(lambda s: s.id not in busy and "orders.pull" in s._platform_features())
        for store in pullable:
            missing = store._get_adapter()._api_credentials_missing(store)
            if missing:
                store._log_pull_skipped(missing)
                continue
            queued |= store._enqueue_order_pull(since=store.order_import_cursor)
        return queued

    def _log_pull_skipped(self, missing):
        """Say on the store's activity log that its scheduled order pull did not run, and what it
        lacks; written once (not again while the last order pull line already says it).

        :param missing: names of the missing credentials, for people.
        :returns: the log line written, or an empty recordset.
        """
        self.ensure_one()
        message = _(
            "The scheduled order pull did not run: the store has no %(missing)s. Webhooks are still "
            "received and processed, and the store is not paused. Enter it on the store to pull orders "
            "as well.",
            missing=", ".join(missing),
        )
        last = self.env["store.activity.log"].sudo().search(
            [("store_id", "=", self.id), ("operation", "=", order_const.OP_ORDERS_IMPORT)], limit=1)
        if last.message == message:
            return self.env["store.activity.log"]
        return self._log_activity(order_const.OP_ORDERS_IMPORT, "info", message=message)

    def _enqueue_order_pull(self, since=None, full=False, identity_key=None):
        """Queue the first page of an order pull.

        :param since: only orders updated at or after it (None: everything the platform gives).
        :param full: a full sync's pull (logged as such).
        :raises OperationNotPermitted: the store does not permit pulling orders.
        """
        self.ensure_one()
        self._check_operation_allowed("orders.pull")
        return self.env["sync.job"]._enqueue(
            self,
            order_const.OP_ORDERS_IMPORT,
            "_job_import_orders_page",
            payload={
                "since": since.isoformat() if since else None,
                "cursor": None,
                "page": 1,
                "max_seen": None,
                "full": full,
            },
            identity_key=identity_key,
        )

    def _job_import_orders_page(self, job):
        """Import one page of orders, then queue the next page; the last page advances the cursor.

        Orders of the page that fail get their own job (`_job_import_order`) so that the failure is
        visible and can be retried once fixed, while the pull goes on.
        """
        self.ensure_one()
        self._check_operation_allowed("orders.pull")
        payload = dict(job.payload or {})
        since = to_datetime(payload.get("since"), "since", required=False)
        records, next_cursor, total = self._fetch_page(
            "_import_orders", payload, since=since, limit=self._get_adapter()._order_page_size(self),
            status=payload.get("status"), with_total=True,
        )
        result = self.env["store.order.importer"]._import_orders(self, records)
        for failure in result["failed"]:
            self._enqueue_order_import(failure["order"], error=failure["error"])
        # A Full Sync's progress: the failed orders wait in jobs of their own (which settle them).
        self._full_sync_record_page(job, records, waiting=len(result["failed"]), total=total,
                                    last_page=next_cursor is None, since=since)
        max_seen = to_datetime(payload.get("max_seen"), "max_seen", required=False)
        for candidate in [result["max_updated_at"]] + [
            self._lenient_datetime((f["order"] or {}).get("updated_at")) for f in result["failed"]
        ]:
            if candidate and (not max_seen or candidate > max_seen):
                max_seen = candidate
        if next_cursor is not None:
            self.env["sync.job"]._enqueue(
                self,
                order_const.OP_ORDERS_IMPORT,
                "_job_import_orders_page",
                payload=dict(
                    payload,
                    cursor=next_cursor,
                    page=payload.get("page", 1) + 1,
                    max_seen=max_seen.isoformat() if max_seen else None,
                ),
            )
        elif max_seen and not payload.get("keep_cursor") and (
                not self.order_import_cursor or max_seen > self.order_import_cursor):
            # (A pull of some statuses only, or from after the cursor, keeps it: moving it would
            # skip the orders that pull did not read.)
            self.sudo().write({"order_import_cursor": max_seen})
        summary = {
            "page": payload.get("page", 1),
            "received": len(records),
            "created": len(result["created"]),
            "updated": len(result["updated"]),
            "ignored": len(result["ignored"]),
            "failed": [f["id"] for f in result["failed"]],
            "next_cursor": next_cursor,
        }
        self._log_activity(
            order_const.OP_ORDERS_IMPORT,
            "failed" if result["failed"] else "done",
            records=len(records),
            message=_(
                "Page %(page)s: %(created)s created, %(updated)s updated, %(ignored)s unchanged, "
                "%(failed)s failed.",
                page=summary["page"],
                created=summary["created"],
                updated=summary["updated"],
                ignored=summary["ignored"],
                failed=len(summary["failed"]),
            ),
            job=job,
        )
        return summary

    @api.model
    def _lenient_datetime(self, value):
        try:
            return to_datetime(value, "updated_at", required=False)
        except PermanentJobError:
            return None

    # ------------------------------------------------------------------ one order (webhooks, retries)
    def _import_order(self, order):
        """Import one platform order now, in the caller's transaction.

        The bridge from a platform addon's webhook to the order pipeline: `_process_webhook`
        (which runs in the delivery's job) translates the platform's payload into a normalized
        order (services/normalized.py) and calls this; validation, matching, taxes, totals,
        status mapping and the OrderReceivedFromStore event are the pipeline's. An order older
        than the one already imported is ignored.

        :param order: a normalized order dict (as `store.adapter._import_orders` returns them).
        :returns: {"created": [sale.order ids], "updated": [ids], "ignored": [platform ids]}
        :raises PermanentJobError: the reason the order cannot be imported (the job fails with it
            and can be retried once the cause is fixed).
        :raises OperationNotPermitted: the store does not permit pulling orders.
        """
        self.ensure_one()
        result = self.env["store.order.importer"]._import_orders(self, [order], raise_on_error=True)
        return {key: result[key] for key in ("created", "updated", "ignored")}

    def _enqueue_order_import(self, order, error=None):
        """Queue the import of one platform order in a job of its own (orders.import.order,
        `_job_import_order`): for a platform addon that prefers to answer its webhook job at once,
        and for the orders of a page that failed (so that each failure shows and can be retried).
        While pending, the jobs of one platform order merge: the later payload wins.

        :param order: a normalized order dict (JSON-safe: strings rather than Decimals and datetimes,
            see `normalized.order_to_json`).
        :param error: why an earlier attempt failed (kept in the payload as "first_error").
        :returns: the sync.job.
        :raises OperationNotPermitted: the store does not permit pulling orders.
        """
        self.ensure_one()
        self._check_operation_allowed("orders.pull")
        order_id = raw_order_id(order)
        payload = {"order": order_to_json(order)}
        if error:
            payload["first_error"] = error
        return self.env["sync.job"]._enqueue(
            self,
            order_const.OP_ORDER_IMPORT_ONE,
            "_job_import_order",
            payload=payload,
            identity_key=f"{order_const.OP_ORDER_IMPORT_ONE}:{order_id}" if order_id else None,
        )

    def _job_import_order(self, job):
        """Job orders.import.order: import the order of the payload ({"order": normalized order});
        fails with the reason when it cannot be imported.

        While a product import of the store is queued or running (a Full Sync queues the orders and
        the products at once), an order that cannot be imported waits for it instead of failing: its
        SKUs may be on a product page not imported yet. The wait uses no retry; once the import is
        over, the order is imported or fails with its reason."""
        try:
            result = self._import_order((job.payload or {}).get("order"))
        except PermanentJobError as exc:
            if not self._product_import_in_progress():
                raise
            raise throttled_error(
                _("Waiting for the store's product import to finish before importing this order "
                  "again (%(reason)s).", reason=str(exc)),
                order_const.ORDER_WAITS_FOR_PRODUCT_IMPORT_SECONDS,
            ) from exc
        self._full_sync_record_order_settled(job)
        return result

    def _product_import_in_progress(self):
        """Whether an import of the store's products is queued or running."""
        self.ensure_one()
        return bool(self.env["sync.job"].sudo().search_count([
            ("store_id", "=", self.id), ("operation", "=", "products.import"),
            ("state", "in", ("pending", "processing")),
        ], limit=1))

    # ------------------------------------------------------------------ full sync
    def _enqueue_full_sync(self):
        """Queue the first pages of a full synchronisation (see store.adapter._full_sync):
        orders of the last 60 days (`store.adapter._full_sync_order_days`) if the store may pull
        orders, all products if it may sync products, all customers if it syncs customers, each
        only if its platform addon imports them (`store.adapter._supported_features`). Each
        pipeline pages on by itself; a second click merges into the pending first pages.
        :returns: the sync.job records."""
        self.ensure_one()
        jobs = self.env["sync.job"]
        entities = self._full_sync_entities()
        if "orders" in entities:
            days = self._get_adapter()._full_sync_order_days(self)
            since = fields.Datetime.now() - timedelta(days=days)
            jobs |= self._enqueue_order_pull(since=since, full=True, identity_key="full_sync.orders")
        if "products" in entities:
            jobs |= self._enqueue_product_import()
        if "customers" in entities:
            jobs |= self._enqueue_paged_import(order_const.OP_CUSTOMERS_IMPORT, "_job_import_customers")
        return jobs

    def _job_import_customers(self, job):
        """Job customers.import: one page of platform customers (`_import_customer_page`); queues
        the next page."""
        self.ensure_one()
        return self._import_paged(job, "_import_customers", self._import_customer_page)

    def _import_customer_page(self, records, job=None):
        """Import one page of normalized platform customers (create or update contacts).

        :returns: {"created", "updated", "ignored", "failed"} counts and failures.
        """
        self.ensure_one()
        started = time.monotonic()
        result = self.env["store.order.importer"]._import_customers(self, records)
        self._log_activity(
            order_const.OP_CUSTOMERS_IMPORT, "failed" if result["failed"] else "done",
            records=result["created"] + result["updated"], duration=time.monotonic() - started, job=job,
            message=_("%(created)s created, %(updated)s updated, %(ignored)s unchanged, %(failed)s failed.",
                      created=result["created"], updated=result["updated"], ignored=result["ignored"],
                      failed=len(result["failed"])),
        )
        return result

    # ------------------------------------------------------------------ paged imports
    def _enqueue_paged_import(self, operation, handler, payload=None):
        """Queue the first page of a paged import (products, customers). The pages of one import
        share the identity `operation`: a second request merges into the pending page."""
        self.ensure_one()
        return self.env["sync.job"]._enqueue(
            self, operation, handler, payload=dict(payload or {}, cursor=None, page=1),
            identity_key=operation, direction="import",
        )

    def _fetch_page(self, adapter_method, payload, since=None, limit=None, status=None, with_total=False):
        """Ask the adapter for the page of a paged import (`_import_orders`, `_import_products`,
        `_import_customers`) at the payload's cursor.

        :param status: platform statuses to filter on (`_import_orders` only; None: all).
        :param with_total: also return the page's "total" (how many records the whole import has, when
            the platform says it with its pages; None otherwise), for a Full Sync's progress.

        :returns: (records, next cursor or None), or (records, next cursor, total) `with_total`
        :raises PermanentJobError: the adapter returned something else than a page, or the cursor
            it was given as the next one (the import would never end).
        """
        # Not named "cursor": _() takes a local of that name for the database cursor.
        current = payload.get("cursor")
        adapter = self._get_adapter()
        filters = {"status": status} if status else {}
        page = getattr(adapter, adapter_method)(
            self, since=since, cursor=current, limit=limit, **filters) or {}
        if not isinstance(page, dict) or not isinstance(page.get("records") or [], list):
            raise PermanentJobError(
                _("The platform adapter's %(method)s returned something else than a page of records.",
                  method=adapter_method)
            )
        next_cursor = page.get("next_cursor")
        if next_cursor is not None and next_cursor == current:
            raise PermanentJobError(
                _("The platform returned the same page cursor twice (%(cursor)s): stopping.",
                  cursor=next_cursor)
            )
        if with_total:
            total = page.get("total")
            return page.get("records") or [], next_cursor, total if isinstance(total, int) else None
        return page.get("records") or [], next_cursor

    def _import_paged(self, job, adapter_method, consumer):
        """One page of a paged import job: fetch the page of the job's cursor (`_fetch_page`), hand
        its records to `consumer(records, job=job)`, then queue the next page (same handler,
        operation and identity).

        payload: {"cursor": opaque cursor (None: the first page), "page": its number, "since":
        datetime string or None, "limit": page size or None}.
        """
        payload = dict(job.payload or {})
        since = fields.Datetime.to_datetime(payload["since"]) if payload.get("since") else None
        records, next_cursor, total = self._fetch_page(
            adapter_method, payload, since=since, limit=payload.get("limit"), with_total=True,
        )
        result = consumer(records, job=job) or {}
        # A Full Sync's progress; the consumers count failures as a number or a list.
        failed = result.get("failed") or 0
        self._full_sync_record_page(job, records, failed=failed if isinstance(failed, int) else len(failed),
                                    total=total, last_page=next_cursor is None, since=since)
        if next_cursor is not None:
            self.env["sync.job"]._enqueue(
                self, job.operation, job.method_name,
                payload=dict(payload, cursor=next_cursor, page=payload.get("page", 1) + 1),
                identity_key=job.operation, direction="import",
            )
        return dict(result, received=len(records), page=payload.get("page", 1), next_cursor=next_cursor)
