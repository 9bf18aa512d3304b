"""Human labels for the codes the suite stores: job operations and platform order statuses.

The codes stay what is stored, filtered on and returned by the sync API; people read these labels
(lists, forms, filters, group-bys). The base knows the operations and statuses every platform shares;
a platform addon adds its own through `store.adapter._operation_labels` and
`store.adapter._order_status_labels`. A code nobody labels is shown in a readable form of itself
(`readable_code`), never as nothing.
"""
import re

from odoo.tools.misc import formatLang
from odoo.tools.translate import LazyGettext, LazyTranslate

_lt = LazyTranslate(__name__)

# Job operations (sync.job.operation) and the activity log's operations, which share the codes.
OPERATION_LABELS = {
    # orders
    "orders.import": _lt("Order pull"),
    "orders.pull": _lt("Order pull request"),
    "orders.import.order": _lt("Order import"),
    "orders.recover": _lt("Order recovery (by its number)"),
    "orders.push": _lt("Order export"),
    "orders.status": _lt("Order status update"),
    "orders.fulfillment": _lt("Shipment export"),
    # the payment workflow of an order (payment_const.OP_ORDER_PAYMENTS)
    "orders.payments": _lt("Order invoice and payments"),
    # the payout import (payout_const.OP_PAYOUTS_IMPORT)
    "payouts.import": _lt("Payout import"),
    # customers
    "customers.import": _lt("Customer import"),
    "customers.export": _lt("Customer export"),
    # products
    "products.import": _lt("Product import"),
    "products.export": _lt("Product export"),
    "products.unpublish": _lt("Product unpublishing"),
    "products.archive": _lt("Product archiving"),
    "products.sync": _lt("Product sync"),
    # stock
    "inventory.sync": _lt("Stock export"),
    "stock.reconcile": _lt("Stock check"),
    "stock.baseline": _lt("Stock baseline"),
    # full sync (the order pull of a Full Sync runs under this identity)
    "full_sync.orders": _lt("Full sync: orders"),
    # webhooks: the job of a delivery is "webhook.<kind>"
    "webhook.orders": _lt("Order notification"),
    "webhook.products": _lt("Product notification"),
    "webhook.inventory": _lt("Stock notification"),
    "webhook.customers": _lt("Customer notification"),
    "webhook.compliance": _lt("Customer data request"),
    "webhook.app": _lt("App authorization change"),
    "webhooks.register": _lt("Webhook registration"),
    "webhooks.health": _lt("Webhook health check"),
    # the store itself
    "connection.test": _lt("Connection test"),
    "platform.uninstall": _lt("Platform addon removal"),
}

# Operations only the activity log (store.activity.log.operation) names: what happened to a store that
# is no job of its own.
ACTIVITY_LABELS = {
    "auth": _lt("Credentials and authorization"),
    "connection": _lt("Connection"),
    "setup": _lt("Store set-up"),
    "quota": _lt("API quota"),
    "full_sync": _lt("Full sync"),
    "platform_outage": _lt("Platform outage"),
    "webhook": _lt("Webhook notification"),
    "order.received": _lt("Order received"),
    "order.refund": _lt("Order refund"),
}

# Platform order statuses (store.order.binding.platform_status) many platforms share, in lower case
# as the platforms send them; a platform addon labels its own (`store.adapter._order_status_labels`).
ORDER_STATUS_LABELS = {
    "pending": _lt("Pending"),
    "processing": _lt("Processing"),
    "confirmed": _lt("Confirmed"),
    "on-hold": _lt("On hold"),
    "authorized": _lt("Payment authorized"),
    "partially_paid": _lt("Partially paid"),
    "paid": _lt("Paid"),
    "partially_fulfilled": _lt("Partially shipped"),
    "fulfilled": _lt("Fulfilled"),
    "shipped": _lt("Shipped"),
    "picked": _lt("Picked"),
    "packed": _lt("Packed"),
    "out_for_delivery": _lt("Out for delivery"),
    "delivered": _lt("Delivered"),
    "completed": _lt("Completed"),
    "partially_refunded": _lt("Partially refunded"),
    "refunded": _lt("Refunded"),
    "returned": _lt("Returned"),
    "voided": _lt("Payment voided"),
    "expired": _lt("Payment expired"),
    "failed": _lt("Payment failed"),
    "cancelled": _lt("Cancelled"),
}

_SEPARATORS = re.compile(r"[._\-:/]+")


def readable_code(code):
    """A code nobody labelled, readable: "full_sync.bulk" -> "Full sync bulk",
    "FULLY_REFUNDED" -> "Fully refunded". Empty for an empty code."""
    words = _SEPARATORS.sub(" ", code or "").strip()
    return words[:1].upper() + words[1:].lower() if words else ""


def translate(env, label):
    """A label of the tables above or of a platform addon (lazy or plain text), in env's language."""
    return env._(label) if isinstance(label, LazyGettext) else str(label)


def number(env, value):
    """A count or a figure as people of the user's language write it: grouped by thousands with
    the language's separator ("12,345" in English and Arabic, "12 345" in French). Whole numbers get
    no decimals; other numbers keep theirs (up to 6). A value that is no number is returned as is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    digits = 0
    if isinstance(value, float) and not value.is_integer():
        digits = len(f"{value:.6f}".rstrip("0").split(".")[1])
    return formatLang(env, value, digits=digits)


def count_text(count, one, many, env=None):
    """`one` for a count of 1, else `many`, each a translated message (e.g. _("%(count)s order"),
    _("%(count)s orders")) formatted with the count: never "1 orders" nor "2 order". With `env`, the
    count is written as the user's language writes numbers (`number`): "12,345 orders"."""
    return (one if count == 1 else many) % {"count": number(env, count) if env is not None else count}


def duration_text(env, seconds):
    """A run time as people read it, in env's language: "0.4 s", "12 s", "3 min 4 s", "2 h 5 min"."""
    seconds = max(float(seconds or 0.0), 0.0)
    if seconds < 10:
        return env._("%(seconds)s s", seconds=number(env, round(seconds, 1)))
    if seconds < 60:
        return env._("%(seconds)s s", seconds=number(env, round(seconds)))
    whole = round(seconds)
    if whole < 3600:
        return env._("%(minutes)s min %(seconds)s s", minutes=number(env, whole // 60),
                     seconds=number(env, whole % 60))
    return env._("%(hours)s h %(minutes)s min", hours=number(env, whole // 3600),
                 minutes=number(env, whole % 3600 // 60))
