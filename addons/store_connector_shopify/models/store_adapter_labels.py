from odoo import _, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class StoreAdapterShopifyLabels(models.AbstractModel):
    """Shopify's words for its own jobs and its webhook topics (see store.adapter._operation_labels,
    _webhook_topic_labels)."""

    _inherit = "store.adapter.shopify"

    def _operation_labels(self):
        return dict(super()._operation_labels(), **{
            "full_sync.bulk": _lt("Full sync (Shopify bulk export)"),
            "webhook.bulk": _lt("Bulk export finished"),
        })

    def _webhook_topic_labels(self):
        """Every topic Register Webhooks subscribes to (const.SHOPIFY_WEBHOOK_TOPICS) and the
        mandatory compliance topics (const.SHOPIFY_COMPLIANCE_TOPICS)."""
        return dict(super()._webhook_topic_labels(), **{
            "orders/create": _lt("Order placed"),
            "orders/updated": _lt("Order updated"),
            "orders/cancelled": _lt("Order cancelled"),
            "orders/fulfilled": _lt("Order fulfilled"),
            "orders/paid": _lt("Order paid"),
            "order_transactions/create": _lt("Payment transaction recorded"),
            "refunds/create": _lt("Refund issued"),
            "products/update": _lt("Product updated"),
            "products/delete": _lt("Product deleted"),
            "inventory_levels/update": _lt("Stock level changed"),
            "app/uninstalled": _lt("App uninstalled"),
            "bulk_operations/finish": _lt("Bulk export finished"),
            "customers/data_request": _lt("Customer data request"),
            "customers/redact": _lt("Customer data erasure"),
            "shop/redact": _lt("Shop data erasure"),
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
