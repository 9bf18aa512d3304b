"""Constants of the payment workflow (issue #14: order to cash), kept apart from const.py and
order_const.py so that the workflow's slices can grow them without touching the others."""

import re

# Job operation of the workflow (models/store_order_binding_payments.py): one job per order, keyed by
# the order's binding, so that the events of an order coalesce into one run.
OP_ORDER_PAYMENTS = "orders.payments"

# When the workflow invoices an order, per gateway (store.payment.method.map.invoice_policy).
INVOICE_POLICY_NONE = "none"
INVOICE_POLICY_PAID = "paid"
INVOICE_POLICY_SHIPPED = "shipped"
INVOICE_POLICIES = [
    (INVOICE_POLICY_NONE, "Never (by hand)"),
    (INVOICE_POLICY_PAID, "When paid"),
    (INVOICE_POLICY_SHIPPED, "When shipped"),
]

# Gateways whose money arrives with the goods (the courier or the shop collects it): their orders are
# invoiced at delivery and their payment is registered by hand. Compared case-insensitively, with
# spaces, dashes and underscores alike ("Cash on Delivery" = "cash_on_delivery").
# Any gateway whose code starts with one of these prefixes, or has "cod" as a word of its own, is one
# ("Cash on Delivery (COD)" is Shopify's, "cod" WooCommerce's, "CASH_ON_PICKUP" eBay's).
CASH_ON_DELIVERY_PREFIXES = ("cash_on_", "pay_on_", "cash_in_person")
CASH_ON_DELIVERY_WORDS = frozenset({"cod"})

# The platform's transactions (normalized order "transactions").
TRANSACTION_KINDS = [
    ("sale", "Sale"),
    ("capture", "Capture"),
    ("authorization", "Authorization"),
    ("refund", "Refund"),
    ("void", "Void"),
]
#: Kinds whose successful transactions are money received: one Odoo payment each.
PAYMENT_KINDS = frozenset({"sale", "capture"})
TRANSACTION_STATUSES = [
    ("success", "Success"),
    ("pending", "Pending"),
    ("failure", "Failure"),
    ("error", "Error"),
]
# What the workflow did with a transaction.
TRANSACTION_STATES = [
    ("recorded", "Recorded"),
    ("paid", "Payment Registered"),
    ("skipped", "No Payment"),
]


def gateway_key(gateway):
    """A gateway code in a comparable form: lower case, every run of other characters than letters
    and digits an underscore ("Cash on Delivery (COD)" -> "cash_on_delivery_cod")."""
    return "_".join(re.findall(r"[^\W_]+", (gateway or "").casefold()))


def is_cash_on_delivery(gateway):
    """Whether `gateway` is a cash-on-delivery gateway (CASH_ON_DELIVERY_PREFIXES, _WORDS)."""
    key = gateway_key(gateway)
    return key.startswith(CASH_ON_DELIVERY_PREFIXES) or bool(CASH_ON_DELIVERY_WORDS & set(key.split("_")))


# What a store does with the platform's refunds (connector.store.refund_policy).
REFUND_POLICY_CREDIT_NOTE = "credit_note"
REFUND_POLICY_ACTIVITY = "activity"
REFUND_POLICIES = [
    (REFUND_POLICY_CREDIT_NOTE, "Credit note and refund payment"),
    (REFUND_POLICY_ACTIVITY, "Activity for someone to decide"),
]
