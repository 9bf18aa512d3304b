"""Plain language on jobs: the label of each operation, what a job is about (links to the records),
what it did (one sentence from its result) and, when it failed, what to do next.

Kept apart from sync_job.py (the queue's mechanics): nothing here runs while a job runs; everything
is computed when a person reads the job.
"""
import json

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.tools.translate import LazyTranslate

from .. import labels

_lt = LazyTranslate(__name__)

# Summaries of the base's pipelines, by handler: sync.job method names, each taking the decoded result.
_SUMMARIZERS = {
    "_job_import_order": "_summary_order_import",
    "_job_import_orders_page": "_summary_orders_page",
    "_job_import_products": "_summary_products_page",
    "_job_import_customers": "_summary_customers_page",
    "_job_export_inventory": "_summary_inventory_export",
    "_job_export_products": "_summary_products_export",
    "_job_push_fulfillment": "_summary_fulfillment",
    "_job_push_order_status": "_summary_order_status",
    "_job_push_order_stage": "_summary_order_status",
    "_job_reconcile_stock": "_summary_stock_check",
    "_job_check_webhook_health": "_summary_webhook_health",
    "_job_export_customer": "_summary_customer_export",
    "_job_process": "_summary_webhook",
    "_job_replay": "_summary_webhook",
    "_job_recover_order": "_summary_order_import",
    "_job_order_payments": "_summary_order_payments",
    "_job_import_payouts": "_summary_payouts_import",
}
# What a job is about, for people: the record of a target model they would open instead (a product
# binding's product, a transfer's sale order...), by field of the target.
_RELATED_FIELDS = {
    "store.product.binding": ("product_id",),
    "store.customer.binding": ("partner_id",),
    "stock.picking": ("sale_id",),
}
# What people call the records of these models in a job's "About" block (the others: their model's
# description): "Connected Store" and "Product Variant" are the technical descriptions.
_KIND_LABELS = {
    "connector.store": _lt("Store"),
    "product.product": _lt("Product"),
    "store.webhook.delivery": _lt("Notification"),
}
# The most links of one kind a job shows (a stock export names up to 250 products).
_MAX_LINKS = 20
# Advice for a failed job refused by the platform or by Odoo (error kind "permanent"), by handler.
_IMPORT_HANDLERS = ("_job_import_order", "_job_import_orders_page", "_job_process", "_job_replay",
                    "_job_recover_order")
_EXPORT_HANDLERS = ("_job_export_inventory", "_job_export_products", "_job_export_customer")
_FULFILLMENT_HANDLERS = ("_job_push_fulfillment", "_job_push_order_status", "_job_push_order_stage")


class SyncJobLabels(models.Model):
    _inherit = "sync.job"

    # Stored as before (a code: filters, the sync API and existing jobs keep working); a selection
    # whose values come from a method accepts any code, and shows each known code's label in lists,
    # filters and group-bys.
    operation = fields.Selection(
        selection="_selection_operation", required=True, readonly=True,
        help="What the job does. The code (e.g. orders.import) is what filters and the sync API use.",
    )
    operation_label = fields.Char(string="Operation Name", compute="_compute_operation_label")
    result_summary = fields.Char(string="Outcome", compute="_compute_result_summary")
    next_step = fields.Char(string="What to Do", compute="_compute_next_step")
    related_links = fields.Html(string="About", compute="_compute_related_links", sanitize=True)
    duration_text = fields.Char(string="Run Time", compute="_compute_duration_text",
                                help="How long the job's last run took.")

    # ------------------------------------------------------------------ labels
    @api.model
    def _selection_operation(self):
        known = self._operation_labels()
        return sorted(known.items(), key=lambda item: item[1].casefold())

    @api.model
    def _platform_adapters(self):
        """The adapter of every platform installed (`store.adapter.<platform>`)."""
        platforms = self.env["connector.store"]._fields["platform"].get_values(self.env)
        names = [f"store.adapter.{code}" for code in platforms]
        return [self.env[name] for name in names if name in self.env]

    @api.model
    def _operation_labels(self):
        """{operation code: label in the user's language}: the base's (labels.OPERATION_LABELS) and
        every installed platform's (`store.adapter._operation_labels`)."""
        found = dict(labels.OPERATION_LABELS)
        for adapter in self._platform_adapters():
            found.update(adapter._operation_labels())
        return {code: labels.translate(self.env, label) for code, label in found.items()}

    @api.depends("operation")
    def _compute_operation_label(self):
        known = self._operation_labels()
        for job in self:
            job.operation_label = known.get(job.operation) or labels.readable_code(job.operation)

    @api.depends("operation", "store_id")
    def _compute_display_name(self):
        known = self._operation_labels()
        for job in self:
            label = known.get(job.operation) or labels.readable_code(job.operation)
            job.display_name = f"{job.store_id.name or ''} / {label} #{job.id}"

    @api.depends("duration", "finished_at")
    def _compute_duration_text(self):
        for job in self:
            job.duration_text = labels.duration_text(self.env, job.duration) if job.finished_at else False

    # ------------------------------------------------------------------ what happened
    @api.depends("result", "state")
    def _compute_result_summary(self):
        for job in self:
            job.result_summary = job._result_summary() if job.result else False

    def _decoded_result(self):
        """The job's result as its handler returned it (JSON decoded), or the raw text."""
        self.ensure_one()
        try:
            return json.loads(self.result)
        except (TypeError, ValueError):
            return self.result

    def _result_summary(self):
        """One sentence saying what the job did: the platform's summary of its own jobs
        (`store.adapter._summarize_job_result`), else the base's for its pipeline (_SUMMARIZERS), else
        the result's counts in words.

        :returns: str, or False without a result.
        """
        self.ensure_one()
        result = self._decoded_result()
        if not result and result != 0:
            return False
        if isinstance(result, str):
            # A text result is already a sentence (a cancelled job's reason).
            return result.strip().splitlines()[0] if result.strip() else False
        store = self.store_id
        summary = store._get_adapter()._summarize_job_result(store, self, result)
        method = _SUMMARIZERS.get(self.method_name)
        if not summary and method:
            summary = getattr(self, method)(result)
        return summary or self._summary_generic(result)

    def _orders_names(self, order_ids):
        """Names of the store's sale orders (read as superuser: the job names them, and only those of
        the job's company are read)."""
        orders = self.env["sale.order"].sudo().browse(order_ids or []).exists()
        return orders.filtered(lambda o: o.company_id == self.company_id)

    def _platform_number(self, order):
        binding = self.env["store.order.binding"].sudo().search(
            [("order_id", "=", order.id), ("store_id", "=", self.store_id.id)], limit=1)
        return binding.external_number or binding.external_id or ""

    def _summary_order_import(self, result):
        if not isinstance(result, dict):
            return False
        created = self._orders_names(result.get("created"))
        updated = self._orders_names(result.get("updated"))
        ignored = [str(number) for number in result.get("ignored") or []]
        parts = []
        if len(created) == 1:
            parts.append(_("Imported order %(number)s as %(order)s.",
                           number=self._platform_number(created) or "?", order=created.name))
        elif created:
            parts.append(_("Imported %(count)s orders: %(orders)s.", count=len(created),
                           orders=", ".join(created.mapped("name"))))
        if len(updated) == 1:
            parts.append(_("Updated %(order)s from order %(number)s on the platform.",
                           order=updated.name, number=self._platform_number(updated) or "?"))
        elif updated:
            parts.append(_("Updated %(count)s orders: %(orders)s.", count=len(updated),
                           orders=", ".join(updated.mapped("name"))))
        if ignored and not parts:
            parts.append(_("Nothing to do: Odoo already holds this version of order %(numbers)s, or a "
                           "newer one.", numbers=", ".join(ignored)))
        return " ".join(parts)

    def _summary_page(self, result, noun_one, noun_many):
        """A page of a paged import (orders, products, customers): what was read and what became of it."""
        if not isinstance(result, dict):
            return False
        failed = result.get("failed") or 0
        failed = len(failed) if isinstance(failed, list) else failed
        received = result.get("received") or 0
        unchanged = result.get("ignored", result.get("matched")) or 0
        sentence = _(
            "Page %(page)s: %(read)s read; %(created)s new, %(updated)s updated, %(unchanged)s unchanged, "
            "%(failed)s failed.",
            page=labels.number(self.env, result.get("page") or 1),
            read=labels.count_text(received, noun_one, noun_many, env=self.env),
            created=labels.number(self.env, result.get("created") if isinstance(result.get("created"), int)
                                  else len(result.get("created") or [])),
            updated=labels.number(self.env, result.get("updated") if isinstance(result.get("updated"), int)
                                  else len(result.get("updated") or [])),
            unchanged=labels.number(self.env, unchanged),
            failed=labels.number(self.env, failed),
        )
        if result.get("next_cursor"):
            sentence += " " + _("The next page is queued.")
        else:
            sentence += " " + _("This was the last page.")
        return sentence

    def _summary_orders_page(self, result):
        return self._summary_page(result, _("%(count)s order"), _("%(count)s orders"))

    def _summary_products_page(self, result):
        return self._summary_page(result, _("%(count)s product"), _("%(count)s products"))

    def _summary_customers_page(self, result):
        return self._summary_page(result, _("%(count)s customer"), _("%(count)s customers"))

    def _summary_inventory_export(self, result):
        if not isinstance(result, dict):
            return False
        sent = labels.count_text(result.get("updated") or 0, _("Sent %(count)s quantity"),
                           _("Sent %(count)s quantities"), env=self.env)
        failed = result.get("failed") or 0
        if not failed:
            return _("%(sent)s to the platform.", sent=sent)
        refused = "; ".join(
            f"{item.get('sku')}: {item.get('error')}" for item in (result.get("refused") or [])[:5]
            if isinstance(item, dict))
        return _("%(sent)s, %(failed)s refused: %(reasons)s", sent=sent, failed=failed,
                 reasons=refused or _("see the stock errors on the product bindings."))

    def _summary_products_export(self, result):
        if not isinstance(result, dict):
            return False
        sent = labels.count_text(result.get("exported") or 0, _("Sent %(count)s product"),
                           _("Sent %(count)s products"), env=self.env)
        if not result.get("failed"):
            return _("%(sent)s to the platform.", sent=sent)
        return _("%(sent)s, %(failed)s refused: the reason is on each refused product's binding.",
                 sent=sent, failed=result["failed"])

    def _summary_fulfillment(self, result):
        if not isinstance(result, dict):
            return False
        if result.get("skipped") == "already sent":
            return _("Nothing to do: this delivery was already sent to the platform.")
        if result.get("skipped") == "nothing delivered":
            return _("Nothing to do: nothing of this transfer was delivered.")
        if "fulfillment_id" in result:
            return labels.count_text(result.get("lines") or 0,
                               _("Sent the shipment (%(count)s line) to the platform."),
                               _("Sent the shipment (%(count)s lines) to the platform."), env=self.env)
        return self._summary_order_status(result)

    def _summary_order_status(self, result):
        if not isinstance(result, dict) or "status" not in result:
            return False
        status = self.env["store.order.binding"]._platform_status_label(result.get("status"))
        if result.get("skipped"):
            return _("Nothing to do: the platform already shows order %(order)s as “%(status)s”.",
                     order=result.get("order") or "?", status=status)
        return _("Set order %(order)s to “%(status)s” on the platform.",
                 order=result.get("order") or "?", status=status)

    def _summary_stock_check(self, result):
        if not isinstance(result, dict):
            return False
        checked = labels.count_text(result.get("checked") or 0, _("Compared %(count)s SKU with the platform"),
                              _("Compared %(count)s SKUs with the platform"), env=self.env)
        drift = result.get("drift") or 0
        if not drift:
            return _("%(checked)s: the quantities agree.", checked=checked)
        differ = labels.count_text(drift, _("%(count)s differs"), _("%(count)s differ"), env=self.env)
        return _("%(checked)s: %(differ)s, listed under Stock Differences.", checked=checked, differ=differ)

    def _summary_webhook_health(self, result):
        if not isinstance(result, dict):
            return False
        checked = labels.count_text(result.get("checked") or 0, _("Checked %(count)s webhook subscription"),
                              _("Checked %(count)s webhook subscriptions"), env=self.env)
        stopped = result.get("stopped") or []
        if not stopped:
            return _("%(checked)s: all of them receive notifications.", checked=checked)
        return _("%(checked)s: the platform stopped %(topics)s; click Register Webhooks on the store.",
                 checked=checked, topics=", ".join(map(str, stopped)))

    def _summary_customer_export(self, result):
        if not isinstance(result, dict):
            return False
        return _("Sent the customer to the platform (its id there: %(id)s).",
                 id=result.get("customer") or "?")

    def _summary_webhook(self, result):
        """A delivery's job: what its platform's processing returned, plus the older deliveries of
        the same record it covered."""
        covered = []
        if isinstance(result, dict) and "covered_deliveries" in result:
            covered = result.get("covered_deliveries") or []
            result = result.get("result")
        summary = False
        if isinstance(result, dict) and isinstance(result.get("ignored"), str) and result.get("reason"):
            # `store.adapter._webhook_ignored`: a topic nothing acts on, or an event that changes nothing.
            summary = _("Nothing to do: %(reason)s", reason=result["reason"])
        elif isinstance(result, dict) and {"created", "updated", "ignored"} & set(result):
            summary = self._summary_order_import(result)
        if not summary:
            summary = _("Processed the notification (%(operation)s).", operation=self.operation_label)
        if isinstance(result, dict) and result.get("replay_note"):
            summary += " " + result["replay_note"]
        if covered:
            summary += " " + labels.count_text(
                len(covered), _("It also covered %(count)s older notification of the same record."),
                _("It also covered %(count)s older notifications of the same record."), env=self.env)
        return summary

    def _summary_generic(self, result):
        """The result's counts in words, for a job no summary knows."""
        if isinstance(result, dict):
            parts = []
            for key, value in result.items():
                if isinstance(value, list):
                    value = len(value)
                if isinstance(value, (bool, dict)) or value is None:
                    continue
                parts.append(f"{labels.readable_code(key)}: {value}")
            if parts:
                return _("Done (%(details)s).", details=", ".join(parts[:8]))
        return _("Done.")

    # ------------------------------------------------------------------ what to do next
    @api.depends("state", "error_kind", "last_error")
    def _compute_next_step(self):
        for job in self:
            # A job the platform refused the credentials of waits (pending) for new ones: it needs the
            # same advice as a failed one.
            waiting = job.state == "pending" and job.error_kind == "auth"
            job.next_step = job._failure_advice() if job.state == "failed" or waiting else False

    def _failure_advice(self):
        """What to do about this failed job, in a sentence: the platform's advice
        (`store.adapter._advise_on_failed_job`), else the base's by kind of error and pipeline."""
        self.ensure_one()
        store = self.store_id
        advice = store._get_adapter()._advise_on_failed_job(store, self)
        if advice:
            return advice
        if self.error_kind == "auth":
            return _("The platform refused the store's credentials: enter valid ones on the store (saving "
                     "them resumes the store), then click Retry.")
        if store.sudo().platform_outage_since:
            return _("The platform is not answering. Nothing to do: the queue checks it regularly and "
                     "resumes by itself; click Retry on this job once the store works again.")
        if self.error_kind == "retryable":
            return _("The platform did not answer after several attempts. Check that it works (its "
                     "status page), then click Retry.")
        if self.error_kind == "crash":
            return _("The server running this job stopped during it several times. Look in the server "
                     "log for what stopped it, then click Retry.")
        if self.method_name in _IMPORT_HANDLERS:
            return _("Fix what the error names, then click Retry: for an unknown SKU, create the product "
                     "with that internal reference (or bind it on the store); for a currency or a "
                     "pricelist, set it up in Odoo.")
        if self.method_name in _EXPORT_HANDLERS:
            return _("The platform refused the data: correct the product or customer the error names in "
                     "Odoo, then click Retry.")
        if self.method_name in _FULFILLMENT_HANDLERS:
            return _("Correct what the error names (a carrier to map on the store, a tracking number, an "
                     "order status), then click Retry.")
        return _("Correct what the error names, in Odoo or on the platform, then click Retry; or click "
                 "Cancel if the job is not needed any more.")

    # ------------------------------------------------------------------ what it is about
    @api.depends("store_id", "model_name", "res_ids", "result")
    def _compute_related_links(self):
        for job in self:
            job.related_links = job._related_links_html()

    def _related_records(self):
        """[(kind label, records)] the job is about, as the reader may open them: its store, its target
        records (or what people know them by: a binding's product, a transfer's sale order) and the
        orders its result names."""
        self.ensure_one()
        groups = []

        def add(records):
            records = records.exists()._filtered_access("read") if records else records
            if records:
                kind = _KIND_LABELS.get(records._name)
                kind = labels.translate(self.env,
                                        kind) if kind else self.env["ir.model"]._get(records._name).name
                groups.append((kind, records))

        add(self.store_id)
        if self.model_name and self.model_name in self.env and self.model_name != "connector.store":
            targets = self.env[self.model_name].browse([i for i in self.res_ids or [] if isinstance(i, int)])
            targets = targets.exists()
            if self.model_name in _RELATED_FIELDS:
                if self.model_name == "stock.picking":
                    add(targets)
                for fname in _RELATED_FIELDS[self.model_name]:
                    add(targets.sudo()[fname].with_env(self.env))
            else:
                add(targets)
        result = self._decoded_result() if self.result else None
        if isinstance(result, dict) and "covered_deliveries" in result:
            result = result.get("result")
        if isinstance(result, dict) and self.method_name in _IMPORT_HANDLERS:
            order_ids = [i for key in ("created", "updated") if isinstance(result.get(key), list)
                         for i in result[key] if isinstance(i, int)]
            if order_ids:
                add(self._orders_names(order_ids).with_env(self.env))
        return groups

    def _related_links_html(self, leave_out=None):
        """The "About" block: a line of links per kind of record (`_related_records`), without the
        records `leave_out` (the form showing them: a delivery does not link to itself)."""
        lines = []
        for label, records in self._related_records():
            if leave_out is not None and records._name == leave_out._name:
                records -= leave_out
                if not records:
                    continue
            links = [Markup('<a href="/odoo/%s/%s">%s</a>') % (record._name, record.id, record.display_name)
                     for record in records[:_MAX_LINKS]]
            more = ""
            if len(records) > _MAX_LINKS:
                more = " " + _("and %(count)s more", count=len(records) - _MAX_LINKS)
            lines.append(Markup('<li><span class="text-muted">%s:</span> %s%s</li>')
                         % (label, Markup(", ").join(links), escape(more)))
        return Markup('<ul class="list-unstyled mb-0">%s</ul>') % Markup("").join(lines) if lines else False


class StoreWebhookDeliveryLabels(models.Model):
    """A delivery's form says what its job did, what to do when it failed and what it is about."""

    _inherit = "store.webhook.delivery"

    job_summary = fields.Char(related="job_id.result_summary", string="Outcome")
    job_next_step = fields.Char(related="job_id.next_step", string="What to Do")
    job_error = fields.Text(related="job_id.last_error", string="Error")
    job_related_links = fields.Html(string="About", compute="_compute_job_related_links", sanitize=True)

    @api.depends("job_id.related_links")
    def _compute_job_related_links(self):
        for delivery in self:
            delivery.job_related_links = (
                delivery.job_id._related_links_html(leave_out=delivery) if delivery.job_id else False)
