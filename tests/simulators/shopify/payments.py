"""Money after the checkout: order transactions, and the Shopify Payments balance and its payouts.

An order's payment state is the sum of its transactions (`OrderTransaction`: kind SALE, AUTHORIZATION,
CAPTURE, VOID or REFUND; status SUCCESS, PENDING, FAILURE or ERROR): the captured amount (successful
sales and captures) is what was paid, refunds are taken back from it, an authorization not yet
captured nor voided is capturable. `displayFinancialStatus` follows from those sums, as Shopify derives
it (shopify.dev, OrderDisplayFinancialStatus; orderMarkAsPaid: "either create a new sale transaction
for the full outstanding amount or capture an existing authorized transaction").

Every successful sale, capture or refund made through the `shopify_payments` gateway also moves the
shop's Shopify Payments balance: a CHARGE balance transaction (the gross amount, the processing fee, the
net), a REFUND one (a negative amount, no fee) **[?]**; `pay_out()` (the simulator's stand-in for
Shopify's payout schedule) groups the balance transactions not yet paid out into a payout with its
summary and a TRANSFER balance transaction taking the payout's net out of the balance.
The fee is `fee_rate` x amount + `fee_fixed` per charge (2.9% + 0.30 by default, Shopify's online rate
on the Basic plan in the US), rounded to the cent.

Store methods (this is a mixin of state.Store); all are called under `Store.lock`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from . import payloads
from .util import money

SHOPIFY_PAYMENTS = "shopify_payments"
CAPTURED_KINDS = ("SALE", "CAPTURE")
TRANSACTION_KINDS = ("AUTHORIZATION", "CAPTURE", "SALE", "VOID", "REFUND")
TRANSACTION_STATUSES = ("SUCCESS", "PENDING", "FAILURE", "ERROR")
PAYOUT_STATUSES = ("SCHEDULED", "IN_TRANSIT", "PAID", "FAILED", "CANCELED")
# The financial statuses an order can be seeded with through the control API, and the transactions
# that give it (the gateway is the order's, default below).
SEEDED_PAYMENTS = ("PAID", "AUTHORIZED", "PARTIALLY_PAID", "PENDING")
DEFAULT_GATEWAY = {"PENDING": "manual"}  # any other seeded status: shopify_payments


@dataclass(slots=True)
class OrderTransaction:
    id: int
    order_id: int
    kind: str
    status: str
    gateway: str
    amount: Decimal
    created_at: object
    processed_at: object
    position: int  # 1, 2, ... within the order (REST `payment_id` "#1001.2")
    parent_id: int | None = None
    refund_id: int | None = None
    test: bool = False
    error_code: str | None = None

    @property
    def manual(self):
        """A manual payment method (cash on delivery, bank deposit, `manual`): nothing is charged by a
        provider, the merchant records the money by hand."""
        return self.gateway != SHOPIFY_PAYMENTS and self.gateway != "bogus"


@dataclass(slots=True)
class BalanceTransaction:
    id: int
    type: str  # ShopifyPaymentsTransactionType: CHARGE, REFUND, ADJUSTMENT, TRANSFER
    source_type: str  # ShopifyPaymentsSourceType
    amount: Decimal
    fee: Decimal
    transaction_date: object
    currency: str
    test: bool = False
    source_id: int | None = None
    order_id: int | None = None
    order_transaction_id: int | None = None
    payout_id: int | None = None
    adjustment_reason: str | None = None

    @property
    def net(self):
        return self.amount - self.fee


@dataclass(slots=True)
class Payout:
    id: int
    issued_at: object
    status: str
    net: Decimal
    currency: str
    summary: dict  # ShopifyPaymentsPayoutSummary field -> Decimal
    balance_transaction_ids: list = field(default_factory=list)

    @property
    def transaction_type(self):
        return "DEPOSIT" if self.net >= 0 else "WITHDRAWAL"


SUMMARY_FIELDS = (
    "adjustmentsFee",
    "adjustmentsGross",
    "advanceFees",
    "advanceGross",
    "chargesFee",
    "chargesGross",
    "refundsFee",
    "refundsFeeGross",
    "reservedFundsFee",
    "reservedFundsGross",
    "retriedPayoutsFee",
    "retriedPayoutsGross",
    "usdcRebateCreditAmount",
)
# balance transaction type -> (summary gross field, summary fee field)
SUMMARY_BY_TYPE = {
    "CHARGE": ("chargesGross", "chargesFee"),
    "REFUND": ("refundsFeeGross", "refundsFee"),
    "ADJUSTMENT": ("adjustmentsGross", "adjustmentsFee"),
}


class PaymentsMixin:
    """Order transactions and Shopify Payments (balance transactions, payouts) of a Store."""

    def _init_payments(self):
        self.transactions, self.balance_transactions, self.payouts = {}, {}, {}
        self.payments_enabled = True  # Shopify Payments activated on the shop
        self.payments_fee_rate, self.payments_fee_fixed = Decimal("0.029"), Decimal("0.30")

    # ------------------------------------------------------------------ transactions

    def add_transaction(self, order, kind, amount, gateway, status="SUCCESS", parent=None, refund=None,
                        error_code=None, processed_at=None):
        """Record a transaction on `order` (emits order_transactions/create); a successful one through
        shopify_payments moves the Shopify Payments balance. Does not change the order's status:
        `settle_payment_status` does."""
        if kind not in TRANSACTION_KINDS or status not in TRANSACTION_STATUSES:
            raise ValueError(f"invalid transaction {kind}/{status}")
        now = processed_at or self.now()
        txn = OrderTransaction(
            id=self.next_id("OrderTransaction"),
            order_id=order.id,
            kind=kind,
            status=status,
            gateway=gateway,
            amount=money(amount),
            created_at=now,
            processed_at=now,
            position=len(order.transaction_ids) + 1,
            parent_id=parent.id if parent is not None else None,
            refund_id=refund.id if refund is not None else None,
            test=order.test,
            error_code=error_code,
        )
        self.transactions[txn.id] = txn
        order.transaction_ids.append(txn.id)
        if refund is not None:
            refund.transaction_ids.append(txn.id)
        if status == "SUCCESS" and gateway == SHOPIFY_PAYMENTS and kind in (*CAPTURED_KINDS, "REFUND"):
            self._balance_for(order, txn)
        self.emit("order_transactions/create", payloads.order_transaction(self, txn))
        return txn

    def order_transactions(self, order):
        return [self.transactions[t] for t in order.transaction_ids]

    def captured_transactions(self, order):
        return [
            t for t in self.order_transactions(order) if t.kind in CAPTURED_KINDS and t.status == "SUCCESS"
        ]

    def open_authorizations(self, order):
        """[(authorization, amount still capturable)] of the order, oldest first."""
        txns = self.order_transactions(order)
        out = []
        for auth in txns:
            if auth.kind != "AUTHORIZATION" or auth.status != "SUCCESS":
                continue
            children = [t for t in txns if t.parent_id == auth.id and t.status == "SUCCESS"]
            if any(t.kind == "VOID" for t in children):
                continue
            left = auth.amount - sum((t.amount for t in children if t.kind == "CAPTURE"), Decimal("0"))
            if left > 0:
                out.append((auth, left))
        return out

    def refundable(self, txn):
        """What is left to refund of a successful sale or capture."""
        refunded = sum(
            (t.amount for t in self.transactions.values()
             if t.parent_id == txn.id and t.kind == "REFUND" and t.status == "SUCCESS"),
            Decimal("0"),
        )
        return txn.amount - refunded

    def payment_totals(self, order):
        txns = self.order_transactions(order)
        ok = [t for t in txns if t.status == "SUCCESS"]
        return {
            "captured": sum((t.amount for t in ok if t.kind in CAPTURED_KINDS), Decimal("0")),
            "refunded": sum((t.amount for t in ok if t.kind == "REFUND"), Decimal("0")),
            "capturable": sum((left for _a, left in self.open_authorizations(order)), Decimal("0")),
            "voided": any(t.kind == "VOID" for t in ok),
            "pending": any(t.status == "PENDING" and t.kind in CAPTURED_KINDS for t in txns),
        }

    def settle_payment_status(self, order):
        """Derive `financial_status` and the paid amount from the order's transactions (an order seeded
        without any keeps its own). :returns: True when this made the order PAID (orders/paid)."""
        if not order.transaction_ids:
            return False
        before = order.financial_status
        totals = self.payment_totals(order)
        captured = totals["captured"]
        if totals["refunded"] > 0:
            status = "REFUNDED" if totals["refunded"] >= (captured or order.total) else "PARTIALLY_REFUNDED"
        elif captured > 0 and captured >= order.total:
            status = "PAID"
        elif captured > 0:
            status = "PARTIALLY_PAID"
        elif totals["capturable"] > 0:
            status = "AUTHORIZED"
        elif totals["voided"]:
            status = "VOIDED"
        elif totals["pending"]:
            status = "PENDING"
        else:
            status = before
        order.financial_status = status
        if any(t.kind != "REFUND" for t in self.order_transactions(order)):
            order.paid_amount = captured  # an order seeded without payments keeps its paid amount
        return status == "PAID" and before != "PAID"

    def open_payment(self, order, financial_status):
        """The checkout's transactions of an order seeded as `financial_status` (SEEDED_PAYMENTS):
        PAID one sale, AUTHORIZED one authorization, PARTIALLY_PAID an authorization of the total with
        half of it captured, PENDING a pending sale (a manual payment method, e.g. cash on delivery)."""
        total, gateway, at = order.total, order.gateway, order.created_at  # paid at the checkout
        if financial_status not in SEEDED_PAYMENTS or total <= 0:
            return
        if financial_status == "PAID":
            self.add_transaction(order, "SALE", total, gateway, processed_at=at)
        elif financial_status == "PENDING":
            self.add_transaction(order, "SALE", total, gateway, status="PENDING", processed_at=at)
        else:
            auth = self.add_transaction(order, "AUTHORIZATION", total, gateway, processed_at=at)
            if financial_status == "PARTIALLY_PAID":
                half = money(total / 2)
                self.add_transaction(order, "CAPTURE", half, gateway, parent=auth, processed_at=at)
        self.settle_payment_status(order)

    def capture(self, order, amount=None, parent=None):
        """Capture (part of) an open authorization (emits order_transactions/create, orders/updated, and
        orders/paid when the order is now paid in full). :returns: the CAPTURE transaction."""
        opened = self.open_authorizations(order)
        if parent is not None:
            opened = [(a, left) for a, left in opened if a.id == parent.id]
        if not opened:
            raise ValueError(f"order {order.name} has no authorization left to capture")
        auth, left = opened[0]
        amount = left if amount is None else money(amount)
        if amount <= 0 or amount > left:
            raise ValueError(f"cannot capture {amount} of {left} on order {order.name}")
        txn = self.add_transaction(order, "CAPTURE", amount, auth.gateway, parent=auth)
        became_paid = self.settle_payment_status(order)
        self.touch_order(order, *(("orders/paid",) if became_paid else ()))
        return txn

    def record_payment(self, order):
        """The merchant records the outstanding amount as paid (orderMarkAsPaid): an open authorization
        is captured, else a new successful sale on the gateway of the pending payment (a cash on delivery
        taken by hand). :returns: the new transaction, or None when nothing is outstanding."""
        outstanding = order.total - self.payment_totals(order)["captured"]
        if outstanding <= 0:
            return None
        opened = self.open_authorizations(order)
        if opened:
            auth, left = opened[0]
            return self.add_transaction(order, "CAPTURE", min(left, outstanding), auth.gateway, parent=auth)
        pending = [t for t in self.order_transactions(order) if t.status == "PENDING"]
        gateway = pending[-1].gateway if pending else (order.gateway or "manual")
        return self.add_transaction(order, "SALE", outstanding, gateway)

    def void_authorizations(self, order):
        for auth, left in self.open_authorizations(order):
            self.add_transaction(order, "VOID", left, auth.gateway, parent=auth)

    def refund_transactions(self, order, refund, amount):
        """Give `amount` back through the order's captured transactions, newest first (one REFUND
        transaction per parent, on its gateway); an order without any gets one `manual` refund."""
        remaining = money(amount)
        if remaining <= 0:
            return
        for parent in reversed(self.captured_transactions(order)):
            take = min(self.refundable(parent), remaining)
            if take > 0:
                self.add_transaction(order, "REFUND", take, parent.gateway, parent=parent, refund=refund)
                remaining -= take
            if remaining <= 0:
                return
        self.add_transaction(order, "REFUND", remaining, order.gateway or "manual", refund=refund)

    # ------------------------------------------------------------------ Shopify Payments

    def payments_fee(self, amount):
        return money(amount * self.payments_fee_rate + self.payments_fee_fixed)

    def _balance_for(self, order, txn):
        if txn.kind == "REFUND":
            kind, amount, fee, source = "REFUND", -txn.amount, Decimal("0"), txn.refund_id or txn.id
        else:
            kind, amount, fee, source = "CHARGE", txn.amount, self.payments_fee(txn.amount), None
        record = BalanceTransaction(
            id=self.next_id("ShopifyPaymentsBalanceTransaction"),
            type=kind,
            source_type=kind,
            amount=amount,
            fee=fee,
            transaction_date=txn.processed_at,
            currency=order.currency,
            test=txn.test,
            source_id=source or self.next_id("ShopifyPaymentsCharge"),
            order_id=order.id,
            order_transaction_id=txn.id,
        )
        self.balance_transactions[record.id] = record
        return record

    def payments_adjustment(self, amount, reason="Adjustment", fee=0):
        """A Shopify Payments adjustment (e.g. a correction of fees): an ADJUSTMENT balance transaction."""
        record = BalanceTransaction(
            id=self.next_id("ShopifyPaymentsBalanceTransaction"),
            type="ADJUSTMENT",
            source_type="ADJUSTMENT",
            amount=money(amount),
            fee=money(fee),
            transaction_date=self.now(),
            currency=self.currency,
            source_id=self.next_id("ShopifyPaymentsCharge"),
            adjustment_reason=reason,
        )
        self.balance_transactions[record.id] = record
        return record

    def unpaid_balance_transactions(self):
        return [b for b in self.balance_transactions.values() if b.payout_id is None and not b.test]

    def payments_balance(self):
        return sum((b.net for b in self.unpaid_balance_transactions()), Decimal("0"))

    def pay_out(self, status="PAID", issued_at=None):
        """Pay the balance out: the balance transactions not yet in a payout (test ones never are) go
        into a new payout, with its summary per type and a TRANSFER balance transaction of minus its
        net. :returns: the Payout, or None when there is nothing to pay out."""
        if status not in PAYOUT_STATUSES:
            raise ValueError(f"invalid payout status {status!r}")
        included = sorted(self.unpaid_balance_transactions(), key=lambda b: b.id)
        if not included:
            return None
        summary = {name: Decimal("0") for name in SUMMARY_FIELDS}
        for record in included:
            gross, fee = SUMMARY_BY_TYPE.get(record.type, ("adjustmentsGross", "adjustmentsFee"))
            summary[gross] += record.amount
            summary[fee] += record.fee
        net = sum((b.net for b in included), Decimal("0"))
        issued = issued_at or self.now()
        payout = Payout(
            id=self.next_id("ShopifyPaymentsPayout"),
            issued_at=issued,
            status=status,
            net=net,
            currency=self.currency,
            summary=summary,
        )
        transfer = BalanceTransaction(
            id=self.next_id("ShopifyPaymentsBalanceTransaction"),
            type="TRANSFER",
            source_type="TRANSFER",
            amount=-net,
            fee=Decimal("0"),
            transaction_date=issued,
            currency=self.currency,
            source_id=payout.id,
        )
        self.balance_transactions[transfer.id] = transfer
        for record in [*included, transfer]:
            record.payout_id = payout.id
            payout.balance_transaction_ids.append(record.id)
        self.payouts[payout.id] = payout
        return payout
