import logging
from datetime import timedelta

from odoo import _, api, fields, models

from .. import order_const
from ..exceptions import PermanentJobError
from ..services.normalized import to_datetime

_logger = logging.getLogger(__name__)


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
    order_auto_confirm = fields.Boolean(
        string="Confirm Orders",
        help="Confirm the quotation when the platform status maps to a confirming stage (processing, "
        "confirmed, shipped...).",
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
        help="Salesperson of imported orders; also receives the activities the import raises.",
    )
    order_status_map_ids = fields.One2many("store.order.status.map", "store_id", string="Status Mapping")
    order_payment_map_ids = fields.One2many("store.payment.method.map", "store_id", string="Payment Mapping")
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
        self.order_status_map_ids.unlink()
        self._ensure_status_mapping()
        return True

    def action_pull_orders(self):
        """Pull Orders button: queue a pull of what changed since the last one."""
        self.ensure_one()
        job = self._enqueue_order_pull(since=self.order_import_cursor)
        return self._notify_user(_("Order pull queued (job %(job)s).", job=job.id), None)

    def action_view_order_bindings(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Store Orders"),
            "res_model": "store.order.binding",
            "view_mode": "list,form",
            "domain": [("store_id", "=", self.id)],
            "context": {"default_store_id": self.id},
        }

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

    # ------------------------------------------------------------------ events
    def _event_order_received_from_store(self, order, binding):
        """Called after an order of this store was created or updated from the platform.

        Extension point for notifications and automations; the default writes the activity log.
        :param order: the sale.order; :param binding: its store.order.binding.
        """
        self.ensure_one()
        self._log_activity(
            "order.received",
            "done",
            records=1,
            message=_(
                "%(order)s from platform order %(number)s (%(status)s)",
                order=order.name,
                number=binding.external_number,
                status=binding.platform_status,
            ),
            job=self.env["sync.job"].browse(self.env.context.get("sync_job_id")),
        )

    # ------------------------------------------------------------------ pulls
    @api.model
    def _cron_pull_orders(self):
        """Cron: queue an incremental order pull for every store that syncs orders automatically
        and is not pulling already."""
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
        for store in stores.filtered(lambda s: s.id not in busy):
            queued |= store._enqueue_order_pull(since=store.order_import_cursor)
        return queued

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
        adapter = self._get_adapter()
        page = (
            adapter.import_orders(
                self, since=since, cursor=payload.get("cursor"), limit=adapter._order_page_size(self)
            )
            or {}
        )
        records = page.get("records") or []
        result = self.env["store.order.importer"]._import_orders(self, records)
        for failure in result["failed"]:
            self._enqueue_order_retry(failure)
        max_seen = to_datetime(payload.get("max_seen"), "max_seen", required=False)
        for candidate in [result["max_updated_at"]] + [
            self._lenient_datetime((f["order"] or {}).get("updated_at")) for f in result["failed"]
        ]:
            if candidate and (not max_seen or candidate > max_seen):
                max_seen = candidate
        next_cursor = page.get("next_cursor")
        if next_cursor is not None and next_cursor == payload.get("cursor"):
            raise PermanentJobError(
                _(
                    "The platform returned the same page cursor twice (%(cursor)s): stopping the pull.",
                    cursor=next_cursor,
                )
            )
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
        elif max_seen and (not self.order_import_cursor or max_seen > self.order_import_cursor):
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

    def _enqueue_order_retry(self, failure):
        """A job of its own for an order that failed inside a page (merged per order while pending)."""
        self.ensure_one()
        key = f"{order_const.OP_ORDER_IMPORT_ONE}:{failure['id'] or 'unknown'}"
        return self.env["sync.job"]._enqueue(
            self,
            order_const.OP_ORDER_IMPORT_ONE,
            "_job_import_order",
            payload={"order": failure["order"], "first_error": failure["error"]},
            identity_key=key if failure["id"] else None,
        )

    def _job_import_order(self, job):
        """Import one order from the job's payload ({"order": normalized order}); fails with the
        reason when it cannot be imported (webhooks and page failures land here)."""
        self.ensure_one()
        order = (job.payload or {}).get("order")
        result = self.env["store.order.importer"]._import_orders(self, [order], raise_on_error=True)
        return {key: result[key] for key in ("created", "updated", "ignored")}

    # ------------------------------------------------------------------ full sync
    def _enqueue_full_sync(self):
        """Queue the first pages of a full synchronisation (see store.adapter.full_sync):
        orders of the last 60 days if the store may pull orders, all products if it may sync
        products, all customers if it syncs customers. :returns: the sync.job records."""
        self.ensure_one()
        jobs = self.env["sync.job"]
        if self.allow_orders_pull:
            since = fields.Datetime.now() - timedelta(days=order_const.FULL_SYNC_ORDER_DAYS)
            jobs |= self._enqueue_order_pull(since=since, full=True, identity_key="full_sync.orders")
        if self.allow_products_sync:
            jobs |= self.env["sync.job"]._enqueue(
                self,
                order_const.OP_PRODUCTS_IMPORT,
                "_job_import_products_page",
                payload={"cursor": None, "page": 1},
                identity_key="full_sync.products",
            )
        if self.auto_sync_customers:
            jobs |= self.env["sync.job"]._enqueue(
                self,
                order_const.OP_CUSTOMERS_IMPORT,
                "_job_import_customers_page",
                payload={"cursor": None, "page": 1},
                identity_key="full_sync.customers",
            )
        return jobs

    def _job_import_products_page(self, job):
        """One page of platform products handed to `_import_product_page`; queues the next page."""
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        return self._import_paged(
            job,
            "import_products",
            "_job_import_products_page",
            order_const.OP_PRODUCTS_IMPORT,
            self._import_product_page,
        )

    def _job_import_customers_page(self, job):
        """One page of platform customers handed to `_import_customer_page`; queues the next page."""
        self.ensure_one()
        return self._import_paged(
            job,
            "import_customers",
            "_job_import_customers_page",
            order_const.OP_CUSTOMERS_IMPORT,
            self._import_customer_page,
        )

    def _import_paged(self, job, adapter_method, handler, operation, consumer):
        payload = dict(job.payload or {})
        page = getattr(self._get_adapter(), adapter_method)(self, cursor=payload.get("cursor")) or {}
        records = page.get("records") or []
        result = consumer(records, job=job) or {}
        next_cursor = page.get("next_cursor")
        if next_cursor is not None and next_cursor == payload.get("cursor"):
            raise PermanentJobError(
                _(
                    "The platform returned the same page cursor twice (%(cursor)s): stopping.",
                    cursor=next_cursor,
                )
            )
        if next_cursor is not None:
            self.env["sync.job"]._enqueue(
                self,
                operation,
                handler,
                payload=dict(payload, cursor=next_cursor, page=payload.get("page", 1) + 1),
            )
        self._log_activity(
            operation,
            "done",
            records=len(records),
            job=job,
            message=_("Page %(page)s: %(result)s", page=payload.get("page", 1), result=result),
        )
        return dict(result, received=len(records), next_cursor=next_cursor)

    def _import_product_page(self, records, job=None):
        """Import one page of normalized platform products.

        Extension point for the product pipeline; the default only counts what it received.
        :returns: a dict summary (shown in the job's result).
        """
        self.ensure_one()
        _logger.info("store %s: %s products received, no product importer installed", self.id, len(records))
        return {"skipped": len(records)}

    def _import_customer_page(self, records, job=None):
        """Import one page of normalized platform customers (create or update contacts).

        :returns: {"created", "updated", "ignored", "failed"} counts and failures.
        """
        self.ensure_one()
        return self.env["store.order.importer"]._import_customers(self, records)
