from odoo import _, models
from odoo.tools.translate import LazyTranslate

from .. import const

_lt = LazyTranslate(__name__)

# Words of eBay's (and our client's) errors when a token expired or was revoked.
_EBAY_AUTH_WORDS = ("invalid_grant", "token is expired", "expired token", "invalid access token",
                    "auth token is invalid", "hard expired")


class StoreAdapterEbayLabels(models.AbstractModel):
    """eBay's words: its own jobs, its notification topics, the order statuses derived from eBay's
    payment, cancel and fulfillment statuses, the outcome of its own jobs and notifications, and
    what to do when eBay refuses the store's authorization (see store.adapter._operation_labels,
    _webhook_topic_labels, _order_status_labels, _summarize_job_result, _advise_on_failed_job)."""

    _inherit = "store.adapter.ebay"

    def _operation_labels(self):
        return dict(super()._operation_labels(), **{
            const.MESSAGES_OPERATION: _lt("Buyer messages"),
            "products.migrate": _lt("Listing migration to the Inventory API"),
        })

    def _webhook_topic_labels(self):
        """The Notification API topics the store subscribes to or receives
        (models/store_adapter_notifications.py)."""
        return dict(super()._webhook_topic_labels(), **{
            "MARKETPLACE_ACCOUNT_DELETION": _lt("eBay account deleted"),
            "AUTHORIZATION_REVOCATION": _lt("Authorization revoked by the seller"),
            "ORDER_CONFIRMATION": _lt("Order confirmed"),
            "ITEM_MARKED_SHIPPED": _lt("Item marked as shipped"),
        })

    def _order_status_labels(self):
        return dict(super()._order_status_labels(), **{
            const.STATUS_PENDING: _lt("Payment pending"),
            const.STATUS_FAILED: _lt("Payment failed"),
            const.STATUS_PAID: _lt("Paid"),
            const.STATUS_IN_PROGRESS: _lt("Partially shipped"),
            const.STATUS_FULFILLED: _lt("Shipped"),
            const.STATUS_CANCEL_REQUESTED: _lt("Cancellation requested"),
            const.STATUS_CANCELLED: _lt("Cancelled"),
            const.STATUS_REFUNDED: _lt("Refunded"),
        })

    def _summarize_job_result(self, store, job, result):
        """Buyer messages, listing migrations and eBay's account notifications in a sentence."""
        if isinstance(result, dict):
            if job.method_name == "_job_ebay_buyer_messages":
                return self._ebay_messages_sentence(result)
            if job.method_name == "_job_ebay_migrate_listings":
                return self._ebay_migration_sentence(result)
            if job.method_name in ("_job_process", "_job_replay"):
                if "user" in result and isinstance(result.get("stores"), dict):
                    return self._ebay_account_deletion_sentence(result)
                if set(result) == {"paused"}:
                    return _("eBay says the seller revoked this connector's access: the store is paused. "
                             "Click Connect with eBay on the store to resume it.")
        return super()._summarize_job_result(store, job, result)

    def _ebay_messages_sentence(self, result):
        """What a buyer messages poll did ({"posted", "known", "unmatched"} counts), in a sentence."""
        posted, known, unmatched = (result.get(key) or 0 for key in ("posted", "known", "unmatched"))
        if not (posted or known or unmatched):
            return _("No new buyer message on eBay.")
        parts = []
        if posted:
            parts.append(_("Posted 1 new buyer message on its order.") if posted == 1 else _(
                "Posted %(count)s new buyer messages on their orders.", count=posted))
        if known:
            parts.append(_("1 message was already posted.") if known == 1 else _(
                "%(count)s messages were already posted.", count=known))
        if unmatched:
            parts.append(_("1 message is not about an order imported into Odoo.") if unmatched == 1 else _(
                "%(count)s messages are not about an order imported into Odoo.", count=unmatched))
        return " ".join(parts)

    def _ebay_migration_sentence(self, result):
        """What a legacy listing migration did ({"migrated", "failed"} listings), in a sentence."""
        migrated, failed = result.get("migrated") or 0, result.get("failed") or 0
        if migrated == 1:
            sentence = _("Moved 1 legacy listing to eBay's Inventory API.")
        else:
            sentence = _("Moved %(count)s legacy listings to eBay's Inventory API.", count=migrated)
        if failed:
            sentence += " " + (
                _("eBay refused 1: the reason is on its product binding.") if failed == 1
                else _("eBay refused %(count)s: the reason is on each one's product binding.", count=failed))
        return sentence

    def _ebay_account_deletion_sentence(self, result):
        """What an eBay account deletion notification did: the customers anonymised and kept."""
        outcomes = [value for value in result["stores"].values() if isinstance(value, dict)]
        redacted = sum(len(value.get("redacted") or ()) for value in outcomes)
        kept = sum(len(value.get("kept") or ()) for value in outcomes)
        # Not "user": _() reads a local of that name as the user id.
        deleted = result.get("user") or "?"
        if not (redacted or kept):
            return _("eBay user %(user)s deleted their account; Odoo holds no customer of theirs.",
                     user=deleted)
        if redacted == 1:
            sentence = _("eBay user %(user)s deleted their account: anonymised 1 customer.", user=deleted)
        else:
            sentence = _("eBay user %(user)s deleted their account: anonymised %(count)s customers.",
                         user=deleted, count=redacted)
        if kept:
            sentence += " " + (_("1 customer was kept for a legal record: see the store's activity log.")
                               if kept == 1 else
                               _("%(count)s customers were kept for a legal record: see the store's activity "
                                 "log.", count=kept))
        return sentence

    def _advise_on_failed_job(self, store, job):
        """eBay refused the store's authorization (expired or revoked token): connect again."""
        error = (job.last_error or "").lower()
        if job.error_kind == "auth" or any(word in error for word in _EBAY_AUTH_WORDS):
            return _("eBay no longer accepts the store's authorization (it expired or was revoked): click "
                     "Connect with eBay on the store and sign in as the seller, then click Retry.")
        return super()._advise_on_failed_job(store, job)
