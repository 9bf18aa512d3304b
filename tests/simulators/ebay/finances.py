"""Sell Finances API (`/sell/finances/v1`): the seller's monetary transactions (sales with their fees,
refunds, shipping labels, other charges) and the payouts that settle them.

Real eBay serves this API on its own host, `https://apiz.ebay.com` (sandbox `apiz.sandbox.ebay.com`);
the simulator serves every API on its one loopback host, as it does the consent page: a store pointed at
the simulator (`ebay_api_url`) reaches it at `base_url + "/sell/finances/v1/..."`.

Sources: developer.ebay.com/api-docs/sell/finances/resources/payout/methods/getPayouts, getPayout,
transaction/methods/getTransactions, getTransactionSummary; types Transaction, Payout, OrderLineItem,
Fee, PayoutStatusEnum, TransactionTypeEnum, TransactionStatusEnum, BookingEntryEnum; the fields are
ebay-rest's sell_finances models (checked on every answer by schema.py).

Money model (what the e2e tests reconcile against, see README "Finances"):
- a paid order makes one SALE (CREDIT): `totalFeeBasisAmount` = the order total (eBay-collected tax
  included, as eBay charges its final value fee on it), `marketplaceFees` per line (FINAL_VALUE_FEE =
  `FINAL_VALUE_FEE_RATE` of the line total; FINAL_VALUE_FEE_FIXED_PER_ORDER on the first line),
  `eBayCollectedTaxAmount`, and `amount` = total - eBay-collected tax - fees (what reaches the seller);
- a refund makes one REFUND (DEBIT) of the refunded amount less the eBay-collected tax it gives back
  (eBay refunds the tax it collected itself: a line refund the tax of what it refunds on the line, a
  refund of the order its share of the tax still held); fees are not credited back (a
  simplification, README);
- `add_charge` makes SHIPPING_LABEL / NON_SALE_CHARGE / ... DEBITs;
- `pay_out()` groups every unpaid transaction into one payout of their net amount (CREDITs - DEBITs).
"""

import copy
import itertools
import re
import threading
import urllib.parse
from decimal import Decimal

from .api import SimApi, SimResponse, rest_error
from .oauth import SCOPE_ROOT
from .util import amount, ebay_date, money, parse_ebay_date

FINAL_VALUE_FEE_RATE = Decimal("0.1325")
FIXED_FEE_PER_ORDER = Decimal("0.30")
PAYOUT_LIMIT = (20, 200)  # (default, maximum) of getPayouts' `limit`
TRANSACTION_LIMIT = (20, 1000)  # getTransactions'
TRANSACTION_TYPES = (
    "SALE",
    "REFUND",
    "CREDIT",
    "DISPUTE",
    "SHIPPING_LABEL",
    "TRANSFER",
    "NON_SALE_CHARGE",
    "ADJUSTMENT",
    "WITHDRAWAL",
    "LOAN_REPAYMENT",
    "PURCHASE",
)
TRANSACTION_STATUSES = (
    "FUNDS_ON_HOLD",
    "FUNDS_PROCESSING",
    "FUNDS_AVAILABLE_FOR_PAYOUT",
    "PAYOUT",
    "COMPLETED",
    "FAILED",
)
PAYOUT_STATUSES = ("INITIATED", "SUCCEEDED", "REVERSED", "RETRYABLE_FAILED", "TERMINAL_FAILED")
DEBIT_TYPES = (
    "REFUND",
    "DISPUTE",
    "SHIPPING_LABEL",
    "TRANSFER",
    "NON_SALE_CHARGE",
    "WITHDRAWAL",
    "LOAN_REPAYMENT",
    "PURCHASE",
)
# getTransactionSummary's groups: response prefix -> transaction types (credits: sales and credits)
SUMMARY_GROUPS = {
    "credit": ("SALE", "CREDIT"),
    "refund": ("REFUND",),
    "dispute": ("DISPUTE",),
    "shippingLabel": ("SHIPPING_LABEL",),
    "transfer": ("TRANSFER",),
    "nonSaleCharge": ("NON_SALE_CHARGE",),
    "adjustment": ("ADJUSTMENT",),
    "withdrawal": ("WITHDRAWAL",),
    "loanRepayment": ("LOAN_REPAYMENT",),
    "purchase": ("PURCHASE",),
}
_RANGE = re.compile(r"^(\w+):\[([^\]]*)\]$")
_SET = re.compile(r"^(\w+):\{([^}]*)\}$")


def finances_error(status, error_id, message, long_message=None, **kwargs):
    return rest_error(status, error_id, message, long_message, domain="API_FINANCES", **kwargs)


def invalid_filter(detail):
    # [approx] eBay's Finances API answers 400 errorId 135001-family errors for a bad filter
    return finances_error(400, 135001, "Invalid filter", detail, parameters={"filter": detail})


class FinancesApi(SimApi):
    prefix = "/sell/finances/v1"
    quota_name = "finances"
    scopes = (f"{SCOPE_ROOT}/sell.finances",)

    def __init__(self, sim):
        super().__init__(sim)
        self.lock = threading.RLock()
        self.transactions = {}  # transactionId -> Transaction (eBay's shape, plus "_date" datetime)
        self.payouts = {}  # payoutId -> Payout (plus "_date")
        self._transaction_ids = itertools.count(1)
        self._payout_ids = itertools.count(6_000_000_001)

    # ------------------------------------------------------------------ control helpers

    def _new_id(self, when):
        return f"{when:%d}-{next(self._transaction_ids):05d}-{when:%y%m}"

    def _add(self, transaction, when):
        transaction["transactionDate"] = ebay_date(when)
        transaction["_date"] = when
        with self.lock:
            self.transactions[transaction["transactionId"]] = transaction
        return self._render(transaction)

    @staticmethod
    def line_fees(line_total, first_line, currency):
        """eBay's marketplace fees of one order line: the final value fee on the line total and, on
        the first line, the per-order fixed part."""
        fees = [
            {
                "feeType": "FINAL_VALUE_FEE",
                "amount": amount(money(line_total * FINAL_VALUE_FEE_RATE), currency),
            }
        ]
        if first_line:
            fees.append(
                {
                    "feeType": "FINAL_VALUE_FEE_FIXED_PER_ORDER",
                    "amount": amount(FIXED_FEE_PER_ORDER, currency),
                }
            )
        return fees

    def record_sale(self, order, when=None):
        """The SALE transaction of a paid order (FulfillmentApi.add_order calls this). Returns it."""
        currency = order["pricingSummary"]["total"]["currency"]
        when = when or order.get("_created") or self.sim.clock.now()
        lines, fee_total, tax_total = [], money(0), money(0)
        for index, line in enumerate(order["lineItems"]):
            line_total = money(line["total"]["value"])
            fees = self.line_fees(line_total, index == 0, currency)
            fee_total += sum((money(f["amount"]["value"]) for f in fees), money(0))
            for tax in line.get("ebayCollectAndRemitTaxes") or []:
                tax_total += money(tax["amount"]["value"])
            lines.append(
                {
                    "lineItemId": line["lineItemId"],
                    "feeBasisAmount": amount(line_total, currency),
                    "marketplaceFees": fees,
                }
            )
        gross = money(order["pricingSummary"]["total"]["value"])
        transaction = {
            "transactionId": order["orderId"],  # eBay: a sale's transaction id is the order id
            "orderId": order["orderId"],
            "salesRecordReference": order.get("salesRecordReference"),
            "buyer": {"username": order["buyer"]["username"]},
            "transactionType": "SALE",
            "bookingEntry": "CREDIT",
            "transactionStatus": "FUNDS_AVAILABLE_FOR_PAYOUT",
            "amount": amount(gross - tax_total - fee_total, currency),
            "totalFeeBasisAmount": amount(gross, currency),
            "totalFeeAmount": amount(fee_total, currency),
            "orderLineItems": lines,
            "paymentsEntity": "eBay Inc.",
            "references": [],
            "transactionMemo": "",
        }
        if tax_total:
            transaction["eBayCollectedTaxAmount"] = amount(tax_total, currency)
        return self._add(transaction, when)

    def record_refund(self, order, refund, when=None, tax=None):
        """The REFUND transaction of an order refund (FulfillmentApi.refund_order calls this): the
        refunded amount less the eBay-collected tax eBay gives back itself (`tax`, as refund_order
        computes it: the tax of what is refunded; None: the refund's share of the order's tax), a
        DEBIT. Returns it."""
        currency = refund["amount"]["currency"]
        when = when or self.sim.clock.now()
        refunded = money(refund["amount"]["value"])
        if tax is None:
            total = money(order["pricingSummary"]["total"]["value"])
            collected = sum(
                (
                    money(t["amount"]["value"])
                    for line in order["lineItems"]
                    for t in line.get("ebayCollectAndRemitTaxes") or []
                ),
                money(0),
            )
            tax = money(collected * refunded / total) if total else money(0)
        tax_share = money(tax)
        transaction = {
            "transactionId": refund["refundId"],
            "orderId": order["orderId"],
            "buyer": {"username": order["buyer"]["username"]},
            "transactionType": "REFUND",
            "bookingEntry": "DEBIT",
            "transactionStatus": "FUNDS_AVAILABLE_FOR_PAYOUT",
            "amount": amount(refunded - tax_share, currency),
            "totalFeeAmount": amount(0, currency),
            "references": [],
            "paymentsEntity": "eBay Inc.",
            "transactionMemo": refund.get("_reason") or "",
        }
        if tax_share:
            transaction["eBayCollectedTaxAmount"] = amount(tax_share, currency)
        return self._add(transaction, when)

    def add_charge(
        self,
        transaction_type,
        value,
        memo="",
        order_id=None,
        fee_type=None,
        when=None,
        booking_entry=None,
        currency=None,
    ):
        """Another monetary transaction: SHIPPING_LABEL, NON_SALE_CHARGE (with a `fee_type`, e.g.
        "AD_FEE"), CREDIT, ... `value` positive; DEBIT unless the type is a credit. Returns it."""
        if transaction_type not in TRANSACTION_TYPES:
            raise ValueError(f"unknown transaction type {transaction_type!r}")
        when = when or self.sim.clock.now()
        currency = currency or self.sim.currency
        with self.lock:
            transaction_id = self._new_id(when)
        transaction = {
            "transactionId": transaction_id,
            "transactionType": transaction_type,
            "bookingEntry": booking_entry or ("DEBIT" if transaction_type in DEBIT_TYPES else "CREDIT"),
            "transactionStatus": "FUNDS_AVAILABLE_FOR_PAYOUT",
            "amount": amount(value, currency),
            "totalFeeAmount": amount(0, currency),
            "transactionMemo": memo,
            "references": [],
        }
        if order_id:
            transaction["orderId"] = order_id
            transaction["references"].append({"referenceId": order_id, "referenceType": "ORDER_ID"})
        if fee_type:
            transaction["feeType"] = fee_type
        return self._add(transaction, when)

    def pay_out(self, when=None, status="SUCCEEDED", hold=()):
        """eBay's payout run: every transaction available for payout (and not in `hold`, transaction
        ids) goes into one payout of their net amount (CREDITs - DEBITs); they turn PAYOUT and carry
        its id. Returns the payout, or None when nothing is due (no transaction, or a net <= 0)."""
        when = when or self.sim.clock.now()
        with self.lock:
            due = [
                t
                for t in self.transactions.values()
                if t["transactionStatus"] == "FUNDS_AVAILABLE_FOR_PAYOUT"
                and "payoutId" not in t
                and t["transactionId"] not in hold
            ]
            if not due:
                return None
            net = sum((signed(t) for t in due), money(0))
            fees = sum((money(t["totalFeeAmount"]["value"]) for t in due), money(0))
            if net <= 0:
                return None
            currency = due[0]["amount"]["currency"]
            payout_id = str(next(self._payout_ids))
            payout = {
                "payoutId": payout_id,
                "payoutStatus": status,
                "payoutStatusDescription": {
                    "INITIATED": "Payout initiated",
                    "SUCCEEDED": "Funds sent",
                    "REVERSED": "Payout reversed",
                    "RETRYABLE_FAILED": "Payout failed, will retry",
                    "TERMINAL_FAILED": "Payout failed",
                }.get(status, status),
                "amount": amount(net, currency),
                "payoutDate": ebay_date(when),
                "transactionCount": len(due),
                "totalFee": amount(fees, currency),
                "payoutInstrument": {
                    "instrumentType": "BANK",
                    "nickname": "Checking",
                    "accountLastFourDigits": "4321",
                },
                "bankReference": f"EBAY PAYOUT {payout_id}",
                "payoutMemo": "",
                "_date": when,
            }
            if status in ("RETRYABLE_FAILED", "TERMINAL_FAILED"):
                payout["lastAttemptedPayoutDate"] = ebay_date(when)
            self.payouts[payout_id] = payout
            for transaction in due:
                transaction["payoutId"] = payout_id
                transaction["transactionStatus"] = "PAYOUT"
            return self._render(payout)

    def transaction(self, transaction_id):
        with self.lock:
            found = self.transactions.get(transaction_id)
            return self._render(found) if found else None

    def payout(self, payout_id):
        with self.lock:
            found = self.payouts.get(payout_id)
            return self._render(found) if found else None

    def totals(self):
        """What the simulator says happened to the seller's money, for reconciliation tests:
        {"sales", "refunds", "fees", "ebay_collected_tax", "charges", "paid_out", "unpaid"} (Decimals;
        `sales` gross of fees and tax, `refunds` what the seller was debited)."""
        result = dict.fromkeys(
            ("sales", "refunds", "fees", "ebay_collected_tax", "charges", "paid_out", "unpaid"), money(0)
        )
        with self.lock:
            for t in self.transactions.values():
                kind = t["transactionType"]
                if kind == "SALE":
                    result["sales"] += money(t["totalFeeBasisAmount"]["value"])
                    result["fees"] += money(t["totalFeeAmount"]["value"])
                    result["ebay_collected_tax"] += money(
                        (t.get("eBayCollectedTaxAmount") or {}).get("value")
                    )
                elif kind == "REFUND":
                    result["refunds"] += money(t["amount"]["value"])
                elif t["bookingEntry"] == "DEBIT":
                    result["charges"] += money(t["amount"]["value"])
                if "payoutId" not in t:
                    result["unpaid"] += signed(t)
            for payout in self.payouts.values():
                if payout["payoutStatus"] in ("INITIATED", "SUCCEEDED"):
                    result["paid_out"] += money(payout["amount"]["value"])
        return result

    @staticmethod
    def _render(record):
        return copy.deepcopy({k: v for k, v in record.items() if not k.startswith("_")})

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        sub = request.path[len(self.prefix) :].strip("/")
        parts = sub.split("/") if sub else []
        if request.method != "GET":
            return None
        with self.lock:
            if parts == ["payout"]:
                return self._payouts(request)
            if len(parts) == 2 and parts[0] == "payout":
                payout = self.payouts.get(parts[1])
                if payout is None:
                    # [approx] id
                    return finances_error(
                        404,
                        135002,
                        "Invalid payout ID",
                        f"The payout {parts[1]} was not found.",
                        parameters={"payout_Id": parts[1]},
                    )
                return SimResponse(200, self._render(payout))
            if parts == ["payout_summary"]:
                return self._payout_summary(request)
            if parts == ["transaction"]:
                return self._transactions(request)
            if parts == ["transaction_summary"]:
                return self._transaction_summary(request)
        return None

    # --- filters
    @staticmethod
    def _parse_filter(request, ranges, sets):
        """{name: (low, high)} for range fields and {name: set} for set fields, from every `filter`
        parameter (comma-separated criteria, or the parameter repeated); (criteria, error)."""
        criteria = {}
        texts = request.query.get("filter") or []
        for text in texts:
            for part in re.split(r",(?=\w+:[\[{])", text):
                part = part.strip()
                if not part:
                    continue
                match = _RANGE.match(part)
                if match and match.group(1) in ranges:
                    bounds = match.group(2)
                    if ".." not in bounds:
                        return None, invalid_filter(f"Invalid date range: {part}.")
                    low_text, high_text = bounds.split("..", 1)
                    try:
                        low = parse_ebay_date(low_text) if low_text else None
                        high = parse_ebay_date(high_text) if high_text else None
                    except ValueError:
                        return None, invalid_filter(
                            f"Invalid date in {part}: use YYYY-MM-DDTHH:MM:SS.SSSZ (UTC)."
                        )
                    criteria[match.group(1)] = (low, high)
                    continue
                match = _SET.match(part)
                if match and match.group(1) in sets:
                    values = {v.strip() for v in match.group(2).split("|") if v.strip()}
                    allowed = sets[match.group(1)]
                    if not values or (allowed and not values <= set(allowed)):
                        return None, invalid_filter(f"Invalid value in {part}.")
                    criteria[match.group(1)] = values
                    continue
                return None, invalid_filter(f"Invalid filter: {part}.")
        return criteria, None

    @staticmethod
    def _paging(request, limits):
        default, maximum = limits
        try:
            limit = int(request.arg("limit", default))
            offset = int(request.arg("offset", 0))
        except ValueError:
            return (
                None,
                None,
                finances_error(400, 135003, "Invalid limit or offset", "limit and offset must be integers."),
            )
        if not 1 <= limit <= maximum:
            return (
                None,
                None,
                finances_error(
                    400,
                    135003,
                    "Invalid limit",
                    f"limit must be between 1 and {maximum}.",
                    parameters={"limit": limit},
                ),
            )
        if offset < 0:
            return (
                None,
                None,
                finances_error(
                    400, 135003, "Invalid offset", "offset must be 0 or more.", parameters={"offset": offset}
                ),
            )
        return limit, offset, None

    def _page(self, request, records, key, limit, offset):
        body = {
            "href": self._href(request),
            "total": len(records),
            "limit": limit,
            "offset": offset,
            key: [self._render(r) for r in records[offset : offset + limit]],
        }
        if offset + limit < len(records):
            body["next"] = self._href(request, offset=offset + limit)
        if offset > 0:
            body["prev"] = self._href(request, offset=max(offset - limit, 0))
        return SimResponse(200, body)

    def _href(self, request, **changes):
        query = [
            (name, value) for name, values in request.query.items() if name not in changes for value in values
        ]
        query += [(k, str(v)) for k, v in changes.items()]
        encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        return f"{self.sim.base_url}{request.path}" + (f"?{encoded}" if encoded else "")

    @staticmethod
    def _sort(request, records, field):
        """eBay: newest first by default; `sort=<field>` ascending, `sort=-<field>` descending."""
        sort = request.arg("sort")
        if sort not in (None, field, f"-{field}"):
            return None, finances_error(
                400,
                135004,
                "Invalid sort",
                f"Results can only be sorted by {field}.",
                parameters={"sort": sort},
            )
        records.sort(
            key=lambda r: (r["_date"], r.get("payoutId") or r.get("transactionId")), reverse=sort != field
        )
        return records, None

    @staticmethod
    def _in_range(when, bounds):
        low, high = bounds
        return (low is None or when >= low) and (high is None or when <= high)

    # --- payouts
    def _matching_payouts(self, request):
        criteria, error = self._parse_filter(
            request,
            ranges=("payoutDate", "lastAttemptedPayoutDate"),
            sets={"payoutStatus": PAYOUT_STATUSES, "payoutReference": ()},
        )
        if error:
            return None, error
        if len(criteria.get("payoutStatus", ())) > 1:
            return None, invalid_filter("Only one payoutStatus may be given.")
        matched = [
            p
            for p in self.payouts.values()
            if ("payoutDate" not in criteria or self._in_range(p["_date"], criteria["payoutDate"]))
            and ("payoutStatus" not in criteria or p["payoutStatus"] in criteria["payoutStatus"])
            and (
                "lastAttemptedPayoutDate" not in criteria
                or (
                    "lastAttemptedPayoutDate" in p
                    and self._in_range(p["_date"], criteria["lastAttemptedPayoutDate"])
                )
            )
        ]
        return matched, None

    def _payouts(self, request):
        limit, offset, error = self._paging(request, PAYOUT_LIMIT)
        if error:
            return error
        matched, error = self._matching_payouts(request)
        if error:
            return error
        matched, error = self._sort(request, matched, "payoutDate")
        if error:
            return error
        return self._page(request, matched, "payouts", limit, offset)

    def _payout_summary(self, request):
        matched, error = self._matching_payouts(request)
        if error:
            return error
        currency = self.sim.currency
        return SimResponse(
            200,
            {
                "amount": amount(sum((money(p["amount"]["value"]) for p in matched), money(0)), currency),
                "payoutCount": len(matched),
                "transactionCount": sum(p["transactionCount"] for p in matched),
            },
        )

    # --- transactions
    def _matching_transactions(self, request):
        criteria, error = self._parse_filter(
            request,
            ranges=("transactionDate",),
            sets={
                "transactionType": TRANSACTION_TYPES,
                "transactionStatus": TRANSACTION_STATUSES,
                "buyerUsername": (),
                "payoutId": (),
                "transactionId": (),
                "orderId": (),
            },
        )
        if error:
            return None, None, error
        if "transactionId" in criteria and "transactionType" not in criteria:
            return None, None, invalid_filter("The transactionId filter needs the transactionType filter.")
        checks = {
            "transactionType": lambda t: t["transactionType"],
            "transactionStatus": lambda t: t["transactionStatus"],
            "buyerUsername": lambda t: (t.get("buyer") or {}).get("username"),
            "payoutId": lambda t: t.get("payoutId"),
            "transactionId": lambda t: t["transactionId"],
            "orderId": lambda t: t.get("orderId"),
        }
        matched = [
            t
            for t in self.transactions.values()
            if ("transactionDate" not in criteria or self._in_range(t["_date"], criteria["transactionDate"]))
            and all(getter(t) in criteria[name] for name, getter in checks.items() if name in criteria)
        ]
        return matched, criteria, None

    def _transactions(self, request):
        limit, offset, error = self._paging(request, TRANSACTION_LIMIT)
        if error:
            return error
        matched, _criteria, error = self._matching_transactions(request)
        if error:
            return error
        matched, error = self._sort(request, matched, "transactionDate")
        if error:
            return error
        return self._page(request, matched, "transactions", limit, offset)

    def _transaction_summary(self, request):
        matched, criteria, error = self._matching_transactions(request)
        if error:
            return error
        if "transactionStatus" not in criteria:
            return invalid_filter("The transactionStatus filter is required.")
        currency = self.sim.currency
        body = {}
        for prefix, kinds in SUMMARY_GROUPS.items():
            group = [t for t in matched if t["transactionType"] in kinds]
            if not group:
                continue
            net = sum((signed(t) for t in group), money(0))
            body[f"{prefix}Count"] = len(group)
            body[f"{prefix}Amount"] = amount(abs(net), currency)
            body[f"{prefix}BookingEntry"] = "CREDIT" if net >= 0 else "DEBIT"
        held = [t for t in matched if t["transactionStatus"] == "FUNDS_ON_HOLD"]
        if held:
            body["onHoldCount"] = len(held)
            body["onHoldAmount"] = amount(abs(sum((signed(t) for t in held), money(0))), currency)
            body["onHoldBookingEntry"] = "CREDIT"
        return SimResponse(200, body)


def signed(transaction):
    """The transaction's amount as it moves the seller's balance (+ CREDIT, - DEBIT)."""
    value = money(transaction["amount"]["value"])
    return value if transaction["bookingEntry"] == "CREDIT" else -value
