"""eBay payouts: `_fetch_payouts` through the Sell Finances API (money_common: the base normalizes
and books them).

* ``GET /sell/finances/v1/payout?filter=payoutDate:[from..to]`` (newest first, pages of 200), then each
  payout's monetary transactions ``GET /sell/finances/v1/transaction?filter=payoutId:{id}`` (pages of
  1,000). eBay serves the Finances API on its own host, ``apiz.ebay.com`` (the client sends these
  calls there, ebay_client.py), and only to a token carrying ``sell.finances``.
* A payout's lines are its transactions, each signed as it moves the seller's balance (CREDIT +,
  DEBIT -): a SALE is a charge whose ``amount`` is what the buyer paid the seller (eBay's net amount
  plus its fees, i.e. the order total without the tax eBay collected and remits, as the order import
  has it) and whose ``fee`` is eBay's ``totalFeeAmount``; its ``transaction_id`` is the id the order
  mapping gave the order's payment (ebay_order_mapper.sale_payment_id: the order is read with getOrders
  by ``orderIds``). A REFUND is a refund whose transaction id is the ``refundId`` (the id the order
  mapping gave the refund's transaction). SHIPPING_LABEL and NON_SALE_CHARGE (ad fees...) are fees,
  DISPUTE a dispute, ADJUSTMENT an adjustment, anything else "other". The nets add up to the payout's
  amount, as eBay computes it.
"""

from datetime import UTC, timedelta

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError, StoreAuthError

from .. import const
from . import ebay_order_mapper as om
from .store_adapter_orders import ebay_time


class StoreAdapterEbayPayouts(models.AbstractModel):
    _inherit = "store.adapter.ebay"

    @api.model
    def _fetch_payouts(self, store, since):
        """Every eBay payout dated on or after `since` (None: const.PAYOUT_DEFAULT_DAYS back), newest
        state, each with all its transactions as lines (see the module docstring).

        :raises PermanentJobError: the seller's grant lacks ``sell.finances`` (connect again).
        :raises RetryableJobError, StoreAuthError: as every eBay call.
        """
        self._ebay_check_finances_scope(store)
        client = store._ebay_client()
        now = fields.Datetime.now().replace(microsecond=0)
        start = since or now - timedelta(days=const.PAYOUT_DEFAULT_DAYS)
        if getattr(start, "tzinfo", None):
            start = start.astimezone(UTC).replace(tzinfo=None)
        if not hasattr(start, "hour"):  # a date: from its first second
            start = fields.Datetime.to_datetime(start)
        payouts = list(self._ebay_finances_pages(
            store, client, const.FINANCES_PAYOUT_PATH, "payouts", const.PAYOUT_PAGE_LIMIT,
            {"filter": f"payoutDate:[{ebay_time(start)}..{ebay_time(now)}]"}))
        per_payout = {}
        for payout in payouts:
            payout_id = om.text(payout.get("payoutId"))
            if payout_id and payout_id not in per_payout:
                per_payout[payout_id] = list(self._ebay_finances_pages(
                    store, client, const.FINANCES_TRANSACTION_PATH, "transactions",
                    const.FINANCES_TRANSACTION_PAGE_LIMIT, {"filter": f"payoutId:{{{payout_id}}}"}))
        order_ids = {om.text(t.get("orderId")) for lines in per_payout.values() for t in lines
                     if t.get("transactionType") == "SALE" and om.text(t.get("orderId"))}
        payments = self._ebay_payment_ids(client, sorted(order_ids))
        result = []
        for payout in payouts:
            payout_id = om.text(payout.get("payoutId"))
            if payout_id not in per_payout:
                continue
            lines = [self._ebay_payout_line(transaction, payments)
                     for transaction in per_payout.pop(payout_id)]
            result.append({
                "id": payout_id,
                "date": om.text(payout.get("payoutDate")) or om.text(payout.get("lastAttemptedPayoutDate")),
                "status": const.PAYOUT_STATUSES.get(om.text(payout.get("payoutStatus")), "in_transit"),
                "currency": om.text((payout.get("amount") or {}).get("currency")),
                "amount": str(om.amount(payout.get("amount"))),
                "lines": lines,
            })
        return result

    @api.model
    def _ebay_check_finances_scope(self, store):
        """A seller whose recorded grant lacks ``sell.finances`` (connected before payouts were read)
        must connect again: said before any call, and not as a refusal of the store's credentials."""
        granted = set((store.sudo().ebay_granted_scopes or "").split())
        if granted and const.FINANCES_SCOPE not in granted:
            raise PermanentJobError(self._ebay_finances_scope_message(store))

    @api.model
    def _ebay_finances_scope_message(self, store):
        return _("Store %(store)s was connected to eBay without the permission to read payouts (eBay's "
                 "Finances API): nothing was imported, and the store's other jobs go on. Connect with "
                 "eBay again to allow payouts, accepting every permission eBay asks for.", store=store.name)

    @api.model
    def _ebay_finances_pages(self, store, client, path, key, limit, params):
        """Every record of a Finances list (offset pages, ``next`` links on the Finances host). eBay's
        HTTP 403 there means the token lacks ``sell.finances``: the store's other APIs still work, so
        it fails this job with the sentence to connect again instead of pausing the store."""
        try:
            yield from client.iter_offset_pages(path, key, api=const.QUOTA_FINANCES, params=params,
                                                limit=limit)
        except StoreAuthError:
            if getattr(client, "_last_status", None) == 403:
                raise PermanentJobError(self._ebay_finances_scope_message(store)) from None
            raise

    @api.model
    def _ebay_payment_ids(self, client, order_ids):
        """{order id: the id the order mapping gives its paid payment} for these orders, read with
        getOrders (``orderIds``, 50 a call). An order eBay no longer returns is left out: its payout
        line then names the order only."""
        found = {}
        for index in range(0, len(order_ids), const.ORDER_IDS_PER_CALL):
            chunk = order_ids[index:index + const.ORDER_IDS_PER_CALL]
            answer = client.request_json("GET", const.FULFILLMENT_ORDER_PATH, api=const.QUOTA_FULFILLMENT,
                                         params={"orderIds": ",".join(chunk)}) or {}
            for payload in answer.get("orders") or []:
                payment = om.sale_payment_id(payload)
                if payment and payload.get("orderId"):
                    found[str(payload["orderId"])] = payment
        return found

    @api.model
    def _ebay_payout_line(self, transaction, payments):
        """One PAYOUT line of a Finances transaction (see the module docstring)."""
        kind = om.text(transaction.get("transactionType")) or ""
        value = abs(om.amount(transaction.get("amount")))
        signed = value if om.text(transaction.get("bookingEntry")) != "DEBIT" else -value
        fee = abs(om.amount(transaction.get("totalFeeAmount")))
        order_id = om.text(transaction.get("orderId"))
        line = {
            "id": om.text(transaction.get("transactionId")),
            "type": const.PAYOUT_LINE_TYPES.get(kind, "other"),
            "date": om.text(transaction.get("transactionDate")),
            "order_id": order_id,
            "note": om.text(transaction.get("transactionMemo")) or om.text(transaction.get("feeType"))
            or kind.replace("_", " ").capitalize() or None,
        }
        if kind == "SALE":
            # eBay's amount is what reached the seller; the charge is the sale before eBay's fees.
            line.update(amount=str(signed + fee), fee=str(fee), transaction_id=payments.get(order_id))
        else:
            line.update(amount=str(signed), fee="0")
            if kind == "REFUND":
                line["transaction_id"] = line["id"]
        return line
