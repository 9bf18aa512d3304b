"""Shopify's sync settings on the store, and the Full Sync's bulk-operation jobs (start, poll)."""

from datetime import timedelta

from odoo import _, fields, models

from .store_adapter_bulk import BULK_KINDS, BULK_POLL_SECONDS


class ConnectorStore(models.Model):
    """Shopify sync settings and Full Sync jobs (bulk operations)."""

    _inherit = "connector.store"

    shopify_notify_customer = fields.Boolean(
        string="Notify Customers of Shipments",
        default=True,
        help="Shopify e-mails the customer when Odoo sends a fulfillment (with its tracking).",
    )

    def _job_shopify_bulk_start(self, job):
        """Job full_sync.bulk: start the bulk queries, then queue the poll."""
        self.ensure_one()
        operations = self._get_adapter()._shopify_bulk_start(self)
        self.env["sync.job"]._enqueue(
            self,
            "full_sync.bulk",
            "_job_shopify_bulk_poll",
            payload={"operations": operations},
            identity_key="shopify:bulk:poll",
            eta=fields.Datetime.now() + timedelta(seconds=BULK_POLL_SECONDS),
        )
        return {"started": operations}

    def _job_shopify_bulk_poll(self, job):
        """Job full_sync.bulk: import every completed bulk result; while some still run, queue
        this poll again (the imported kinds are dropped from the payload)."""
        self.ensure_one()
        adapter = self._get_adapter()
        pending, done = {}, {}
        operations = (job.payload or {}).get("operations") or {}
        # Products and customers before orders: order lines are matched to the imported products.
        for kind in sorted(operations, key=lambda k: BULK_KINDS.index(k) if k in BULK_KINDS else 99):
            operation_id = operations[kind]
            status = adapter._shopify_bulk_status(self, operation_id) or {}
            if status.get("status") in ("CREATED", "RUNNING"):
                pending[kind] = operation_id
            elif status.get("status") == "COMPLETED":
                total = status.get("rootObjectCount")
                if status.get("url"):
                    done[kind] = adapter._shopify_bulk_import(
                        self, kind, status["url"], total=int(total) if total not in (None, "") else None)
                else:
                    done[kind] = {"records": 0}
                    run = self._full_sync_current_run()
                    if run:
                        run._full_sync_record(kind, total=0, last_page=True)
            else:
                done[kind] = {
                    "error": _(
                        "Bulk operation %(status)s: %(code)s",
                        status=status.get("status"),
                        code=status.get("errorCode"),
                    )
                }
                # The Full Sync's progress: this kind stops here.
                run = self._full_sync_current_run()
                if run:
                    run._full_sync_record(kind, job=job, stopped=True, message=done[kind]["error"])
        if pending:
            self.env["sync.job"]._enqueue(
                self,
                "full_sync.bulk",
                "_job_shopify_bulk_poll",
                payload={"operations": pending},
                identity_key=f"shopify:bulk:poll:{job.id}",
                eta=fields.Datetime.now() + timedelta(seconds=BULK_POLL_SECONDS),
            )
        return {"imported": done, "pending": sorted(pending)}
