"""Shopify Payments payouts: `_fetch_payouts`, the payouts of the shop's Shopify Payments account
with their balance transactions, in the base's PAYOUT shape (services/normalized.py
`normalize_payout`).

A payout (`shopifyPaymentsAccount.payouts`) is the money Shopify pays into the merchant's bank
account; its balance transactions (`balanceTransactions(query: "payout_id:<id>")`) are what it
settles: a CHARGE is a sale or capture through Shopify Payments with Shopify's fee, a REFUND the
money given back, an ADJUSTMENT Shopify's correction; the TRANSFER is the payout itself (minus its
net), not a line. Each line names the order transaction it settles by its legacy id
(`sourceOrderTransactionId`), the id the order mapping gives TRANSACTIONs, so that the payout
finds the Odoo payment. Needs the scope read_shopify_payments_payouts; a shop without Shopify
Payments (no account, or the scope not granted) has no payouts.
"""

from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from .. import const
from . import shopify_order_mapper as om

# Without a date, the payouts of the last PAYOUT_DEFAULT_DAYS days.
PAYOUT_DEFAULT_DAYS = 60
PAYOUT_PAGE = 50
BALANCE_PAGE = 100
# About 2 + 50 x 3 points.
PAYOUTS_QUERY = """
query ConnectorPayouts($first: Int!, $after: String, $query: String) {
  shopifyPaymentsAccount {
    payouts(first: $first, after: $after, query: $query, sortKey: ISSUED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes { id legacyResourceId issuedAt status net { amount currencyCode } }
    }
  }
}"""
# About 2 + 100 x 5 points.
BALANCE_TRANSACTIONS_QUERY = """
query ConnectorPayoutLines($first: Int!, $after: String, $query: String) {
  shopifyPaymentsAccount {
    balanceTransactions(first: $first, after: $after, query: $query, sortKey: ID) {
      pageInfo { hasNextPage endCursor }
      nodes { id type test transactionDate sourceType sourceOrderTransactionId adjustmentReason
        amount { amount currencyCode } fee { amount } net { amount } associatedOrder { id } }
    }
  }
}"""
PAYOUT_STATUSES = {
    "SCHEDULED": "scheduled", "IN_TRANSIT": "in_transit", "PAID": "paid", "FAILED": "failed",
    "CANCELED": "canceled",
}
# Balance transaction types as PAYOUT line types; any other type is "other"; TRANSFER is the payout.
LINE_TYPES = {"CHARGE": "charge", "REFUND": "refund", "ADJUSTMENT": "adjustment"}


class StoreAdapterShopifyPayouts(models.AbstractModel):
    """Shopify Payments payouts (`_fetch_payouts`)."""

    _inherit = "store.adapter.shopify"

    @api.model
    def _fetch_payouts(self, store, since):
        """The Shopify Payments payouts issued on or after `since` (a datetime; None: the last 60
        days), newest state, each with all its lines (PAYOUT dicts, raw: the base normalizes).

        A shop without Shopify Payments (the account is null) or an app without the scope
        read_shopify_payments_payouts has no payouts: [] and a line in the store's activity log
        saying why and what to do; not a failure.

        :raises RetryableJobError, PermanentJobError, StoreAuthError: as the client raises them.
        """
        moment = fields.Datetime.to_datetime(since) if since else (
            fields.Datetime.now() - timedelta(days=PAYOUT_DEFAULT_DAYS))
        search = f"issued_at:>='{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
        payouts, cursor = [], None
        while True:
            try:
                data = self._shopify_sync_graphql(
                    store, PAYOUTS_QUERY, {"first": PAYOUT_PAGE, "after": cursor, "query": search})
            except PermanentJobError as exc:
                if const.SHOPIFY_PAYOUT_SCOPE not in str(exc):
                    raise
                self._shopify_no_payouts(store, _(
                    "Shopify refused to show the Shopify Payments payouts: the app lacks the access "
                    "scope read_shopify_payments_payouts. Add it to the app's scopes, then install the "
                    "app again (or reconnect the store) to import payouts."))
                return []
            account = (data or {}).get("shopifyPaymentsAccount")
            if account is None:
                self._shopify_no_payouts(store, _(
                    "This Shopify shop does not use Shopify Payments: there are no payouts to import. "
                    "Payments through other gateways are paid out by those gateways."))
                return []
            connection = account.get("payouts") or {}
            for node in connection.get("nodes") or []:
                payouts.append(self._shopify_payout(store, node))
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return payouts
            cursor = page.get("endCursor")

    @api.model
    def _shopify_no_payouts(self, store, reason):
        """Say in the store's activity log why there are no payouts (once per fetch)."""
        store._log_activity("payouts", "info", message=reason)

    @api.model
    def _shopify_payout(self, store, node):
        """A PAYOUT dict of a `ShopifyPaymentsPayout` node, with its balance transactions as lines."""
        net = node.get("net") or {}
        return {
            "id": om.legacy_id(node.get("legacyResourceId") or node.get("id")),
            "date": node.get("issuedAt"),
            "status": PAYOUT_STATUSES.get(node.get("status"), (node.get("status") or "").lower()),
            "currency": net.get("currencyCode"),
            "amount": net.get("amount"),
            "lines": self._shopify_payout_lines(
                store, node.get("legacyResourceId") or om.legacy_id(node.get("id"))),
        }

    @api.model
    def _shopify_payout_lines(self, store, payout_id):
        """The PAYOUT lines of payout `payout_id` (legacy id): its balance transactions but the
        TRANSFER (the payout itself), paged."""
        lines, cursor = [], None
        while True:
            data = self._shopify_sync_graphql(store, BALANCE_TRANSACTIONS_QUERY, {
                "first": BALANCE_PAGE, "after": cursor, "query": f"payout_id:{payout_id}"})
            connection = ((data or {}).get("shopifyPaymentsAccount") or {}).get("balanceTransactions") or {}
            for node in connection.get("nodes") or []:
                if node.get("type") == "TRANSFER":
                    continue
                lines.append({
                    "id": om.legacy_id(node.get("id")),
                    "type": LINE_TYPES.get(node.get("type"), "other"),
                    "amount": (node.get("amount") or {}).get("amount"),
                    "fee": (node.get("fee") or {}).get("amount"),
                    "date": node.get("transactionDate"),
                    "order_id": om.legacy_id((node.get("associatedOrder") or {}).get("id")),
                    "transaction_id": om.legacy_id(node.get("sourceOrderTransactionId")),
                    "note": node.get("adjustmentReason"),
                })
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return lines
            cursor = page.get("endCursor")
