from odoo import _, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class StoreAdapterShopifyLabels(models.AbstractModel):
    """Shopify's words for its own jobs (see store.adapter._operation_labels)."""

    _inherit = "store.adapter.shopify"

    def _operation_labels(self):
        return dict(super()._operation_labels(), **{
            "full_sync.bulk": _lt("Full sync (Shopify bulk export)"),
            "webhook.bulk": _lt("Bulk export finished"),
        })

    def _summarize_job_result(self, store, job, result):
        """The bulk full sync's jobs: which bulk exports started, which were imported."""
        if job.method_name == "_job_shopify_bulk_start" and isinstance(result, dict):
            kinds = ", ".join(sorted(result.get("started") or {}))
            return _("Asked Shopify for a bulk export of %(kinds)s; the import follows once it is ready.",
                     kinds=kinds or "-")
        if job.method_name == "_job_shopify_bulk_poll" and isinstance(result, dict):
            imported = result.get("imported") or {}
            parts = [
                _("%(kind)s: %(error)s", kind=kind, error=value["error"]) if value.get("error")
                else _("%(kind)s: 1 record", kind=kind) if value.get("records") == 1
                else _("%(kind)s: %(count)s records", kind=kind, count=value.get("records", 0))
                for kind, value in sorted(imported.items()) if isinstance(value, dict)
            ]
            sentence = ""
            if parts:
                sentence = _("Imported the bulk exports (%(details)s).", details="; ".join(parts))
            if result.get("pending"):
                sentence = (sentence + " " + _("Still waiting for Shopify: %(kinds)s.",
                                                kinds=", ".join(result["pending"]))).strip()
            return sentence or None
        return super()._summarize_job_result(store, job, result)
