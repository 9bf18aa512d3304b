"""Order statuses sent back to the platform when a person moves an imported order in Odoo.

The fulfillment push sets the platform status of a shipped order (stock_picking_fulfillment.py);
here, the other stages a person reaches in Odoo: confirming an imported quotation ("confirmed",
e.g. a bank transfer received) and cancelling an imported order ("cancelled"). The store's outbound
status mapping (store.order.status.map) says which platform status expresses the stage; a stage it
does not map leaves the platform's status alone (Shopify maps none: its statuses follow payments
and fulfillments).

What the platform itself said is never sent back: the import confirms and cancels orders under
the context key ``store_connector_from_platform``, and a status the platform already shows
(`store.order.binding.platform_status`) is not sent again. Statuses only move forward: confirming
sends nothing for an order the platform already has past pending.
"""

from odoo import _, models

from ..exceptions import PermanentJobError

#: The operation (and job label) of a status sent back to the platform.
OP_ORDER_STATUS = "orders.status"
#: Stages of the binding from which confirming the order in Odoo moves the platform's status on.
CONFIRMABLE_STAGES = (False, "pending")
#: Stages after which cancelling in Odoo sends nothing (the platform has it cancelled or returned).
CLOSED_STAGES = ("cancelled", "returned")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_confirm(self):
        res = super()._action_confirm()
        self._store_push_stage("confirmed")
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        self._store_push_stage("cancelled")
        return res

    def _store_push_stage(self, stage):
        """Queue the platform status the store maps `stage` to, for the imported orders of `self`
        that a person (not the import) moved to it (see the module docstring).

        :param stage: a key of order_const.ORDER_STAGES ("confirmed", "cancelled").
        :returns: the sync.job records queued.
        """
        jobs = self.env["sync.job"]
        if self.env.context.get("store_connector_from_platform"):
            return jobs
        for order in self:
            for binding in order._store_order_binding():
                store = binding.store_id
                if not store.active or not store.allow_orders_push:
                    continue
                if stage == "confirmed" and binding.platform_stage not in CONFIRMABLE_STAGES:
                    continue
                if stage == "cancelled" and binding.platform_stage in CLOSED_STAGES:
                    continue
                if "orders.push" not in store._platform_features():
                    continue
                status = store._map_stage_to_platform(stage)
                if not status or status == binding.platform_status:
                    continue
                jobs |= self.env["sync.job"]._enqueue(
                    store, OP_ORDER_STATUS, "_job_push_order_stage", records=order,
                    payload={"status": status, "stage": stage}, identity_key=f"order_status:{order.id}",
                    direction="export",
                )
        return jobs

    def _job_push_order_stage(self, job):
        """Job orders.status: set the platform status of this order (payload "status", the stage's
        mapped status) through the adapter's `_update_order_status`."""
        self.ensure_one()
        store = job.store_id
        store._check_operation_allowed("orders.push")
        binding = self._store_order_binding().filtered(lambda b: b.store_id == store)
        if not binding:
            raise PermanentJobError(_("Order %(order)s was not imported from store %(store)s.",
                                      order=self.name, store=store.name))
        status = (job.payload or {}).get("status")
        if status == binding.platform_status:
            return {"order": self.name, "status": status, "skipped": "the platform shows it already"}
        store._get_adapter()._update_order_status(store, binding.external_id, status)
        store._log_activity(OP_ORDER_STATUS, "done", records=1, job=job, message=_(
            "%(order)s: status %(status)s sent to the platform.", order=self.name, status=status))
        return {"order": self.name, "status": status}
