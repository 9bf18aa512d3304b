from odoo import _, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class StoreAdapterWooCommerceLabels(models.AbstractModel):
    """WooCommerce's words: its coupon notifications, its webhook topics, its order statuses the
    base does not know, the outcome of its own notifications and what to do when it refuses the
    store's keys (see store.adapter._operation_labels, _webhook_topic_labels, _order_status_labels,
    _summarize_job_result, _advise_on_failed_job)."""

    _inherit = "store.adapter.woocommerce"

    def _operation_labels(self):
        return dict(super()._operation_labels(), **{"webhook.coupons": _lt("Coupon notification")})

    def _webhook_topic_labels(self):
        """The core topics (resource.event) of the resources the connector subscribes to."""
        return dict(super()._webhook_topic_labels(), **{
            "order.created": _lt("Order created"),
            "order.updated": _lt("Order updated"),
            "order.deleted": _lt("Order deleted"),
            "order.restored": _lt("Order restored"),
            "product.created": _lt("Product created"),
            "product.updated": _lt("Product updated"),
            "product.deleted": _lt("Product deleted"),
            "product.restored": _lt("Product restored"),
            "customer.created": _lt("Customer created"),
            "customer.updated": _lt("Customer updated"),
            "customer.deleted": _lt("Customer deleted"),
            "coupon.created": _lt("Coupon created"),
            "coupon.updated": _lt("Coupon updated"),
            "coupon.deleted": _lt("Coupon deleted"),
            "coupon.restored": _lt("Coupon restored"),
        })

    def _order_status_labels(self):
        return dict(super()._order_status_labels(), **{
            "checkout-draft": _lt("Checkout draft"),
            "trash": _lt("In the trash"),
        })

    def _summarize_job_result(self, store, job, result):
        """WooCommerce's own notifications (customers, deleted orders and products) in a sentence;
        the order notifications go through the base's order import and say so there."""
        topic = job.operation if job.method_name in ("_job_process", "_job_replay") else None
        if topic and isinstance(result, dict) and "covered_deliveries" not in result:
            sentence = self._woocommerce_notification_sentence(job, result)
            if sentence:
                return sentence
        return super()._summarize_job_result(store, job, result)

    def _woocommerce_notification_sentence(self, job, result):
        """The sentence of a WooCommerce notification's result, or None for the base's."""
        if job.operation == "webhook.customers":
            if result.get("ignored") == "customer sync is off for this store":
                return _("Nothing imported: Sync Customers is off for this store.")
            if "customer" in result and "redacted" in result:
                redacted, kept = len(result.get("redacted") or ()), len(result.get("kept") or ())
                if not (redacted or kept):
                    return _("WooCommerce deleted customer %(id)s, of whom Odoo holds no contact.",
                             id=result["customer"])
                customer = result["customer"]
                if redacted == 1:
                    sentence = _("WooCommerce deleted customer %(id)s: anonymised 1 contact.", id=customer)
                else:
                    sentence = _("WooCommerce deleted customer %(id)s: anonymised %(count)s contacts.",
                                 id=customer, count=redacted)
                if kept:
                    sentence += " " + (_("1 contact was kept for a legal record: see the activity log.")
                                       if kept == 1 else
                                       _("%(count)s contacts were kept for a legal record: see the activity "
                                         "log.", count=kept))
                return sentence
            if {"created", "updated"} <= set(result):
                return self._woocommerce_import_sentence(result, _("customer"), _("customers"))
        if job.operation == "webhook.orders" and "cancelled" in result and "order" in result:
            if result.get("already"):
                return _("WooCommerce deleted the order; its sale order was already cancelled.")
            if result.get("cancelled"):
                return _("WooCommerce deleted the order: its sale order is cancelled.")
            return _("WooCommerce deleted the order after it shipped: the sale order is left as it is, "
                     "with an activity for its salesperson.")
        if job.operation == "webhook.products":
            if result.get("found") is False:
                return _("WooCommerce no longer has product %(id)s: nothing was imported.",
                         id=result.get("product") or "?")
            if "bindings" in result and "unbound" in result:
                return _("WooCommerce deleted product %(id)s: its Odoo variants are no longer bound to it, "
                         "and publishing them again creates it anew.", id=result.get("product") or "?")
            if "created" in result and "matched" in result:
                return self._woocommerce_import_sentence(result, _("product variant"), _("product variants"))
        return None

    def _woocommerce_import_sentence(self, result, noun_one, noun_many):
        """A notification imported like a pulled page: new, updated (or matched) and failed, in words."""
        def number(key):
            value = result.get(key) or 0
            return len(value) if isinstance(value, list) else value
        created, updated, failed = number("created"), number("updated") or number("matched"), number("failed")
        total = created + updated + failed
        sentence = _("Read the %(what)s again from WooCommerce: %(created)s new, %(updated)s up to date, "
                     "%(failed)s failed.", what=noun_one if total <= 1 else noun_many,
                     created=created, updated=updated, failed=failed)
        if isinstance(result.get("stock"), dict) and not result["stock"].get("ignored"):
            sentence += " " + _("The stock WooCommerce reported was applied in Odoo.")
        return sentence

    def _advise_on_failed_job(self, store, job):
        """WooCommerce refused the store's REST API keys (HTTP 401 or 403, or its
        woocommerce_rest_cannot_* errors): new keys, or connect again."""
        error = (job.last_error or "").lower()
        if job.error_kind == "auth" or "woocommerce_rest_cannot" in error:
            return _("WooCommerce refused the store's REST API keys (they were revoked, or lack Read/Write "
                     "permission): click Connect with WooCommerce on the store, or create a Read/Write key "
                     "in WooCommerce › Settings › Advanced › REST API and enter it on the store; then click "
                     "Retry.")
        return super()._advise_on_failed_job(store, job)
