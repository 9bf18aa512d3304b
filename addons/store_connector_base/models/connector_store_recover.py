"""Recover an Order: a platform order read again by its number and imported as it is now.

For an order that never arrived (a webhook lost, a pull that failed past its retries) or that
arrived wrong (fixed since on the platform, or in Odoo's mappings): the merchant types the number
the platform's admin shows, the platform addon finds it (`store.adapter._fetch_order_by_number`)
and a job imports it through the normal order pipeline, forced: even when Odoo already holds the
same update of the order, since the merchant asked.
"""

import json

from odoo import _, models
from odoo.exceptions import UserError

from ..exceptions import PermanentJobError, StoreConnectorError
from ..services.normalized import order_to_json, raw_order_id

OP_ORDER_RECOVER = "orders.recover"
# Before every scheduled job of the store: the merchant waits for it.
RECOVER_PRIORITY = 1
# The longest number a merchant types (an eBay order id is 26 characters, a Shopify name up to 255).
MAX_ORDER_NUMBER_LENGTH = 255


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    def action_recover_order(self):
        """Recover an Order button: the window asking for the platform's order number.

        :raises AccessError: the caller is not a Store Connector User of the store.
        :raises PlatformFeatureMissing: the platform addon does not pull orders.
        """
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("orders.pull", _("Recover an Order"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Recover an Order from %(store)s", store=self.name),
            "res_model": "store.order.recover.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_store_id": self.id},
        }

    def _recover_order(self, number):
        """Read the platform's order `number` and import it now, as a job of this store
        (orders.recover) run in this request: the merchant sees the sale order at once.

        :param number: the order's number as the platform's admin shows it.
        :returns: a notification linking the sale order (or the job, when it failed or waits).
        :raises UserError: no number; the store is archived or paused, or does not permit pulling
            orders; the platform could not be asked; the platform has no such order.
        """
        self.ensure_one()
        number = (number or "").strip()
        if not number:
            raise UserError(_("Enter the order's number as %(platform)s shows it.",
                              platform=self._get_adapter()._platform_name(self)))
        if len(number) > MAX_ORDER_NUMBER_LENGTH:
            raise UserError(_("%(number)s… is too long for an order number.", number=number[:40]))
        if not self.active:
            raise UserError(_("Store %(store)s is archived: it imports no orders.", store=self.name))
        if self.paused:
            raise UserError(_(
                "Store %(store)s is paused because the platform refused its credentials: no order can be "
                "read from it. Save new credentials (or click Resume) first.", store=self.name))
        self._check_operation_allowed("orders.pull")
        adapter = self._get_adapter()
        platform = adapter._platform_name(self)
        try:
            order = adapter._fetch_order_by_number(self, number)
        except StoreConnectorError as exc:
            raise UserError(_(
                "Order %(number)s could not be read from %(platform)s: %(error)s",
                number=number, platform=platform, error=str(exc))) from exc
        if not order:
            raise UserError(_(
                "%(platform)s has no order %(number)s in store %(store)s. Check the number as the "
                "%(platform)s admin shows it, and that the order belongs to this shop.",
                platform=platform, number=number, store=self.name))
        order_id = raw_order_id(order)
        job = self.env["sync.job"]._enqueue(
            self, OP_ORDER_RECOVER, "_job_recover_order",
            payload={"order": order_to_json(order), "number": number},
            identity_key=f"{OP_ORDER_RECOVER}:{order_id}" if order_id else None,
            priority=RECOVER_PRIORITY,
        )
        self._log_activity(OP_ORDER_RECOVER, "info", records=1, job=job, message=_(
            "Order %(number)s recovered from %(platform)s by %(user)s.",
            number=number, platform=platform, user=self.env.user.name))
        self._run_jobs_now(job)
        return self._recover_notification(job, number)

    def _run_jobs_now(self, jobs):
        """Run `jobs` now, in this request, as Run Now does; those another worker holds (or that the
        store's parallel jobs limit keeps back) are left to the queue runner."""
        self.env.flush_all()
        Job = self.env["sync.job"].sudo()
        rows = Job._claim_rows(len(jobs), commit=False, job_ids=jobs.ids)
        if rows:
            Job._run_claimed(rows, commit=False)
        jobs.invalidate_recordset()

    def _recover_notification(self, job, number):
        """What Recover an Order answers: the sale order (a link), the job's error, or that it waits."""
        job = job.sudo()
        if job.state == "done":
            sale = self._recovered_sale_order(job)
            if sale:
                created = sale.id in (json.loads(job.result or "{}") or {}).get("created", [])
                message = (_("Order %(number)s was imported as %%s.", number=number) if created else
                           _("Order %(number)s was read again and %%s brought up to date.", number=number))
                return self._notification(
                    message, "success", [{"label": sale.name, "url": f"/odoo/sale.order/{sale.id}"}])
        if job.state == "failed":
            return self._notification(
                _("Order %(number)s was found but could not be imported: %(error)s Fix the cause, then "
                  "click Retry on the job (%%s).", number=number, error=job.last_error or ""),
                "danger", [{"label": job.display_name, "url": f"/odoo/sync.job/{job.id}"}], sticky=True)
        return self._notification(
            _("Order %(number)s was found; its import is queued and runs shortly (%%s).", number=number),
            "info", [{"label": job.display_name, "url": f"/odoo/sync.job/{job.id}"}])

    def _recovered_sale_order(self, job):
        """The sale order a done recovery job imported (its result), as the caller may read it."""
        self.ensure_one()
        order_id = raw_order_id((job.payload or {}).get("order") or {})
        binding = self.env["store.order.binding"].sudo().search(
            [("store_id", "=", self.id), ("external_id", "=", order_id)], limit=1) if order_id else None
        return binding.order_id if binding else self.env["sale.order"]

    def _notification(self, message, kind, links, sticky=False):
        # The message is escaped by the web client, then each %s replaced by one link.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": sticky, "links": links,
                       "next": {"type": "ir.actions.act_window_close"}},
        }

    def _job_recover_order(self, job):
        """Job orders.recover: import the order of the payload ({"order", "number"}) as the platform
        sent it now, even if Odoo holds the same update (the merchant asked): the binding's update
        time is forgotten first, so the pipeline updates the order instead of ignoring it. The job
        fails with the pipeline's reason when the order cannot be imported."""
        self.ensure_one()
        order = (job.payload or {}).get("order")
        order_id = raw_order_id(order or {})
        if not order_id:
            raise PermanentJobError(_("The recovery job carries no order: recover it again from the store."))
        binding = self.env["store.order.binding"].sudo().search(
            [("store_id", "=", self.id), ("external_id", "=", order_id)], limit=1)
        if binding.platform_updated_at:
            binding.platform_updated_at = False
        result = self._import_order(order)
        result["number"] = (job.payload or {}).get("number")
        return result

