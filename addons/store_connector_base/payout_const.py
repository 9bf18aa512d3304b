"""Constants of the payout import (issue #14, Payouts and fees: models/store_payout.py,
models/connector_store_payouts.py), kept apart from payment_const.py so that the slices of the
order-to-cash workflow grow without touching each other's files."""

from .services.normalized import PAYOUT_LINE_TYPES, PAYOUT_STATUSES

# Job operation of the import: one job per store (identity key), so a second request merges.
OP_PAYOUTS_IMPORT = "payouts.import"

# The import asks the platform for payouts from the last imported payout's date minus this margin
# (days): a payout still scheduled or in transit then is read again and its new status recorded.
IMPORT_MARGIN_DAYS = 7

PAYOUT_STATUS_SELECTION = [
    ("scheduled", "Scheduled"),
    ("in_transit", "In Transit"),
    ("paid", "Paid"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
]
assert tuple(code for code, _label in PAYOUT_STATUS_SELECTION) == PAYOUT_STATUSES

LINE_TYPE_SELECTION = [
    ("charge", "Charge"),
    ("refund", "Refund"),
    ("adjustment", "Adjustment"),
    ("fee", "Fee"),
    ("dispute", "Dispute"),
    ("reserve", "Reserve"),
    ("other", "Other"),
]
assert tuple(code for code, _label in LINE_TYPE_SELECTION) == PAYOUT_LINE_TYPES

# Lines settled by an Odoo payment (matched with its outstanding line), by type: the kinds of
# store.order.transaction whose payment the line's transaction_id may name.
MATCHED_LINE_KINDS = {
    "charge": ("sale", "capture"),
    "refund": ("refund",),
}

# What the import did with a payout.
PAYOUT_STATES = [
    ("imported", "Imported"),
    ("partial", "Partly Matched"),
    ("reconciled", "Reconciled"),
]
# What the import did with a payout line.
LINE_STATES = [
    ("matched", "Matched"),
    ("booked", "Booked"),
    ("open", "Open"),
]
