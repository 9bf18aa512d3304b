"""Pure mapping of eBay Fulfillment API orders (``GET /sell/fulfillment/v1/order[/{orderId}]``) to the
base's normalized order (store_connector_base/services/normalized.py). No database, no I/O: fixture
payloads drive the tests (tests/data/order_*.json).

What eBay says and how it is read (field names from eBay's OpenAPI contract, as ``ebay-rest``'s
``sell_fulfillment`` models carry them; the platform notes, section 3.4):

* Amounts are ``{"value": "12.50", "currency": "USD"}`` (strings). Discounts in ``pricingSummary``
  (``priceDiscount``, ``deliveryDiscount``) are negative; a line's ``appliedPromotions[].discountAmount``
  is read by its size.
* **eBay-collected tax is not the seller's revenue.** Where eBay collects and remits the tax itself
  (US state sales tax, GST, UK/EU VAT on imports...), the line lists it twice: in
  ``ebayCollectAndRemitTaxes`` and, with the same type and amount, in ``taxes``; eBay's documentation
  says such an amount is then *included* in ``lineItems.total``, ``pricingSummary.total``,
  ``paymentSummary.payments.amount`` and ``paymentSummary.totalDueSeller``. None of eBay's totals
  therefore is what the seller earns on the goods: the sale order's total is ``pricingSummary.total``
  less the eBay-collected tax included in it, i.e. goods, shipping, fees and the seller's own tax
  after discounts. (``totalDueSeller`` is no better: it holds the same tax and deducts no eBay fee;
  eBay's selling fees, ``totalMarketplaceFee``, are the seller's costs, invoiced by eBay, and stay
  out of the sale.) The collected amount travels as the normalized order's ``marketplace_tax`` and
  is recorded on the order binding for reference.
* Seller-collected tax: what ``taxes`` lists beyond eBay's entries, imported as the line's taxes
  (amounts; the importer derives the rate).
* Shipping: one delivery line, ``pricingSummary.deliveryCost`` less ``deliveryDiscount``, named after
  the first shipping step's service code. ``fee`` and ``adjustment`` become fee lines.
* Lines: by ``sku``; the legacy item and variation ids travel as ``external_ids`` (``product_id`` =
  ``legacyItemId``, ``variant_id`` = ``legacyVariationId``), so that a line without a SKU is matched
  to the store's product binding of that listing (``external_product_id`` = the item id,
  ``external_variant_id`` = the variation id). ``lineItemId`` is the line's id (shipping fulfillments
  name it).
* Buyer: keyed on eBay's immutable user id. The Fulfillment API's ``buyer`` has one identifier,
  ``username``; since 2025-09-26 eBay returns the immutable user id in its place for some developers,
  and where a payload carries both ``userId`` and ``username`` the id is taken. The name, e-mail
  (eBay's relay address, stable per buyer) and phone come from ``buyer.buyerRegistrationAddress``,
  the ship-to address from ``fulfillmentStartInstructions[].shippingStep.shipTo``.
* Order number: ``orderId`` (``12-34567-89012``), the number Seller Hub shows and buyers quote;
  ``legacyOrderId`` (item id - transaction id) is the pre-2020 form.
* Money (issue #14): ``paymentSummary.payments`` are the order's sale transactions and
  ``paymentSummary.refunds`` (with the lines' ``refunds``) its refund transactions and refunds, each
  without its share of the eBay-collected tax, as the order's total is (`transactions`, `refunds`,
  `money_back`).
* Status: eBay has none single; `order_status` derives one from the payment status, the cancel state
  and the fulfillment status (const.STATUS_* and the default status table).
"""

from decimal import ROUND_HALF_UP, Decimal

from odoo.tools import email_normalize

from odoo.addons.store_connector_base.services.normalized import lenient_decimal

# Derived platform statuses (one per order), see `order_status`; defined in const.py.
from ..const import (  # noqa: F401 - STATUS_* are this module's vocabulary too (tests read them here)
    STATUS_CANCEL_REQUESTED,
    STATUS_CANCELLED,
    STATUS_FAILED,
    STATUS_FULFILLED,
    STATUS_IN_PROGRESS,
    STATUS_PAID,
    STATUS_PENDING,
    STATUS_REFUNDED,
)

ZERO = Decimal(0)

#: cancelStatus.cancelState of an order nobody asked to cancel (others: IN_PROGRESS, CANCELED).
CANCEL_NONE = "NONE_REQUESTED"


# ---------------------------------------------------------------------------- small helpers
def text(value):
    """A stripped string, None when empty."""
    if value in (None, False):
        return None
    value = str(value).strip()
    return value or None


def amount(value):
    """An eBay Amount (``{"value": "1.00", "currency": "USD"}``) as Decimal (0 when absent)."""
    return lenient_decimal(value.get("value") if isinstance(value, dict) else value)


def _currency(payload):
    summary = payload.get("pricingSummary") or {}
    for key in ("total", "priceSubtotal"):
        currency = text((summary.get(key) or {}).get("currency"))
        if currency:
            return currency
    for line in payload.get("lineItems") or []:
        currency = text((line.get("lineItemCost") or {}).get("currency"))
        if currency:
            return currency
    return None


def _email(value):
    """An e-mail address eBay gives, or None when it is not one (eBay masks some as "Invalid Request")."""
    value = text(value)
    return value if value and email_normalize(value) else None


def _address(contact):
    """A normalized address of an eBay ExtendedContact (``fullName``, ``companyName``,
    ``contactAddress``, ``primaryPhone``, ``email``), or None."""
    if not contact:
        return None
    address = contact.get("contactAddress") or {}
    state = text(address.get("stateOrProvince"))
    # US, CA, AU give the state's code; other marketplaces may give its name.
    is_code = bool(state) and len(state) <= 3 and state.isalnum()
    return {
        "name": text(contact.get("fullName")),
        "company": text(contact.get("companyName")),
        "street": text(address.get("addressLine1")),
        "street2": text(address.get("addressLine2")),
        "city": text(address.get("city")),
        "zip": text(address.get("postalCode")),
        "state_code": state if is_code else None,
        "state": None if is_code else state,
        "country_code": text(address.get("countryCode")),
        "phone": text((contact.get("primaryPhone") or {}).get("phoneNumber")),
        "email": _email(contact.get("email")),
    }


def ship_to(payload):
    """The ship-to contact of the order's first shipping step (ExtendedContact), or {}."""
    for instruction in payload.get("fulfillmentStartInstructions") or []:
        step = instruction.get("shippingStep") or {}
        if step.get("shipTo"):
            return step["shipTo"]
    return {}


def buyer_key(payload):
    """The buyer's immutable key: ``buyer.userId`` where eBay gives it, else ``buyer.username``
    (which is the immutable user id for developers under eBay's 2025 data-handling rule)."""
    buyer = payload.get("buyer") or {}
    return text(buyer.get("userId")) or text(buyer.get("username"))


def _customer(payload):
    buyer = payload.get("buyer") or {}
    key = buyer_key(payload)
    registration = buyer.get("buyerRegistrationAddress") or {}
    if not key and not registration:
        return None
    return {
        "id": key,
        "username": text(buyer.get("username")),
        "email": _email(registration.get("email")) or _email(ship_to(payload).get("email")),
        "name": text(registration.get("fullName")) or text(buyer.get("username")),
        "phone": text((registration.get("primaryPhone") or {}).get("phoneNumber")),
        "company": text(registration.get("companyName")),
    }


# ---------------------------------------------------------------------------- taxes
def split_line_taxes(line):
    """(seller taxes, eBay-collected total, eBay-collected part included in the order's totals) of
    one line item.

    An ``ebayCollectAndRemitTaxes`` entry that ``taxes`` lists too (same type and amount) is included
    in eBay's totals (eBay's documentation); it is taken out of the seller's taxes. What ``taxes``
    lists beyond is the seller's own tax.
    """
    seller = [(text(tax.get("taxType")), amount(tax.get("amount"))) for tax in line.get("taxes") or []]
    collected = included = ZERO
    for entry in line.get("ebayCollectAndRemitTaxes") or []:
        value = amount(entry.get("amount"))
        collected += value
        key = (text(entry.get("taxType")), value)
        if key in seller:
            seller.remove(key)
            included += value
    taxes = [{"amount": str(value), "title": tax_type} for tax_type, value in seller if value]
    return taxes, collected, included


# ---------------------------------------------------------------------------- lines
def _line_discount(line):
    """What the seller's promotions took off the line (all units), >= 0."""
    promotions = sum((abs(amount(p.get("discountAmount"))) for p in line.get("appliedPromotions") or []),
                     ZERO)
    if promotions:
        return promotions
    if line.get("discountedLineItemCost"):
        return max(amount(line.get("lineItemCost")) - amount(line.get("discountedLineItemCost")), ZERO)
    return ZERO


def _spread(total, weights):
    """`total` split over `weights` in proportion, to the cent, the last taking the remainder."""
    whole = sum(weights, ZERO)
    if not whole or not total:
        return [ZERO for _weight in weights]
    shares, given = [], ZERO
    for index, weight in enumerate(weights):
        if index == len(weights) - 1:
            share = total - given
        else:
            share = (total * weight / whole).quantize(Decimal("0.01"))
        shares.append(share)
        given += share
    return shares


def _lines(payload):
    items = payload.get("lineItems") or []
    costs = [amount(item.get("lineItemCost")) for item in items]
    discounts = [min(_line_discount(item), cost) for item, cost in zip(items, costs, strict=True)]
    # An order-level price discount the lines do not carry is spread over them by price.
    order_discount = abs(amount((payload.get("pricingSummary") or {}).get("priceDiscount")))
    rest = order_discount - sum(discounts, ZERO)
    if rest > 0:
        room = [cost - discount for cost, discount in zip(costs, discounts, strict=True)]
        discounts = [d + s for d, s in zip(discounts, _spread(rest, room), strict=True)]
    lines = []
    for item, cost, discount in zip(items, costs, discounts, strict=True):
        quantity = int(item.get("quantity") or 0)
        taxes, _collected, _included = split_line_taxes(item)
        lines.append({
            "id": text(item.get("lineItemId")),
            "sku": text(item.get("sku")),
            "name": text(item.get("title")),
            "quantity": quantity,
            "unit_price": str(cost / quantity) if quantity else "0",
            "discount": str(discount),
            "taxes": taxes,
            "shipped_quantity": quantity if item.get("lineItemFulfillmentStatus") == "FULFILLED" else 0,
            "external_ids": {
                "product_id": text(item.get("legacyItemId")),
                "variant_id": text(item.get("legacyVariationId")),
            },
        })
    return lines


def _shipping(payload):
    summary = payload.get("pricingSummary") or {}
    if summary.get("deliveryCost") is not None:
        price = amount(summary.get("deliveryCost"))
    else:
        price = sum((amount((item.get("deliveryCost") or {}).get("shippingCost"))
                     + amount((item.get("deliveryCost") or {}).get("handlingCost"))
                     for item in payload.get("lineItems") or []), ZERO)
    discount = min(abs(amount(summary.get("deliveryDiscount"))), price)
    if not price:
        return []
    step = next((i.get("shippingStep") for i in payload.get("fulfillmentStartInstructions") or []
                 if i.get("shippingStep")), None) or {}
    return [{"title": text(step.get("shippingServiceCode")) or "eBay shipping",
             "price": str(price), "discount": str(discount)}]


def _fees(payload):
    summary = payload.get("pricingSummary") or {}
    fees = []
    for key, title in (("fee", "eBay special fee"), ("adjustment", "eBay price adjustment")):
        value = amount(summary.get(key))
        if value:
            fees.append({"id": key, "title": title, "amount": str(value)})
    return fees


# ---------------------------------------------------------------------------- status
def order_status(payload):
    """The order's status for the store's status table, from eBay's three dimensions.

    Cancelled (``cancelState`` CANCELED) first, then a cancellation in progress, a full refund, a
    failed or pending payment; a paid (or partly refunded) order then says how far it shipped:
    PAID (nothing shipped), PARTIALLY_SHIPPED, FULFILLED.
    """
    cancel = text((payload.get("cancelStatus") or {}).get("cancelState")) or CANCEL_NONE
    payment = text(payload.get("orderPaymentStatus")) or "PENDING"
    fulfillment = text(payload.get("orderFulfillmentStatus")) or "NOT_STARTED"
    if cancel == "CANCELED":
        return STATUS_CANCELLED
    if cancel == "IN_PROGRESS":
        return STATUS_CANCEL_REQUESTED
    if payment == "FULLY_REFUNDED":
        return STATUS_REFUNDED
    if payment == "FAILED":
        return STATUS_FAILED
    if payment == "PENDING":
        return STATUS_PENDING
    if fulfillment == "FULFILLED":
        return STATUS_FULFILLED
    if fulfillment == "IN_PROGRESS":
        return STATUS_IN_PROGRESS
    return STATUS_PAID


def has_cancel_request(payload):
    """Whether the order's cancel status names a request (getOrders leaves the requests out)."""
    return (text((payload.get("cancelStatus") or {}).get("cancelState")) or CANCEL_NONE) != CANCEL_NONE


def _note(payload):
    parts = []
    if text(payload.get("buyerCheckoutNotes")):
        parts.append(text(payload["buyerCheckoutNotes"]))
    for request in (payload.get("cancelStatus") or {}).get("cancelRequests") or []:
        initiator = (text(request.get("cancelInitiator")) or "the buyer").lower()
        parts.append(f"Cancellation requested by {initiator} on "
                     f"{text(request.get('cancelRequestedDate')) or '?'}: "
                     f"{text(request.get('cancelReason')) or 'no reason given'} "
                     f"({text(request.get('cancelRequestState')) or '?'}).")
    return "\n".join(parts) or None


# ---------------------------------------------------------------------------- money
#: PaymentStatusEnum -> the normalized TRANSACTION status (a refunded order's payment stays PAID).
PAYMENT_STATUSES = {"PAID": "success", "PENDING": "pending", "FAILED": "failure"}
#: OrderRefund.refundStatus -> the normalized TRANSACTION status of the money going back.
REFUND_STATUSES = {"REFUNDED": "success", "PENDING": "pending", "FAILED": "failure"}
CENT = Decimal("0.01")


def _money(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def payment_id(payload, payment, index):
    """The transaction id of one of ``paymentSummary.payments``: its ``paymentReferenceId``, else a
    stable id made from the order and the payment's place (the same on every import). The payout
    lines name the same id (store_adapter_payouts)."""
    return text(payment.get("paymentReferenceId")) or f"{text(payload.get('orderId'))}-payment-{index + 1}"


def sale_payment_id(payload):
    """The id of the order's payment a sale in eBay's Finances API settles: its first PAID payment
    (else its first payment), or None when the order lists none."""
    payments = (payload.get("paymentSummary") or {}).get("payments") or []
    for index, payment in enumerate(payments):
        if text(payment.get("paymentStatus")) == "PAID":
            return payment_id(payload, payment, index)
    return payment_id(payload, payments[0], 0) if payments else None


def _share(value, part, whole):
    """`value`'s share of `part` in `whole`, to the cent (0 when `whole` is 0)."""
    return _money(value * part / whole) if whole else ZERO


def _line_refund_split(item, value, line_tax):
    """(refund line or None, shipping, eBay-collected tax share) of `value` refunded on one line item.

    The line's ``total`` is its goods after discount, its shipping and its taxes. The whole total
    refunded is every unit, the shipping and the line's tax; a whole number of units with their
    taxes (a returned unit) is those units and their tax share, no shipping; anything else (a price
    adjustment) is split in proportion to the total and names no units: the base credits it on its
    own.
    """
    line_total = amount(item.get("total"))
    quantity = int(item.get("quantity") or 0)
    goods = amount(item.get("lineItemCost")) - _line_discount(item)
    delivery = item.get("deliveryCost") or {}
    shipping = amount(delivery.get("shippingCost")) + amount(delivery.get("handlingCost"))
    line_id = text(item.get("lineItemId"))
    if abs(value - line_total) <= CENT and quantity:
        return {"line_id": line_id, "quantity": quantity, "amount": str(goods)}, shipping, line_tax
    if quantity and goods > 0:
        unit_gross = (line_total - shipping) / quantity
        units = (value / unit_gross).to_integral_value() if unit_gross > 0 else ZERO
        if 1 <= units <= quantity and abs(units * unit_gross - value) <= CENT * units:
            line = {"line_id": line_id, "quantity": int(units),
                    "amount": str(_money(goods * units / quantity))}
            return line, ZERO, _money(line_tax * units / quantity)
    return None, _share(value, shipping, line_total), _share(value, line_tax, line_total)


def _line_refunds(payload, deducted):
    """{refundId: {"lines": [REFUND_LINE], "shipping": Decimal, "tax": Decimal eBay-collected share,
    "amount": Decimal refunded, "date": str}} from the lines' ``refunds`` (LineItemRefund: refundId,
    amount, refundDate; eBay names no quantity: `_line_refund_split` reads it from the amount)."""
    found = {}
    items = payload.get("lineItems") or []
    # Which of each line's eBay-collected tax the order's total held: what the total left out.
    included_total = sum((split_line_taxes(item)[2] for item in items), ZERO)
    held_included = deducted == included_total
    for item in items:
        _taxes, collected, included = split_line_taxes(item)
        line_tax = (included if held_included else collected) if deducted else ZERO
        for refund in item.get("refunds") or []:
            refund_id = text(refund.get("refundId")) or text(refund.get("refundReferenceId"))
            value = abs(amount(refund.get("amount")))
            if not refund_id or not value:
                continue
            entry = found.setdefault(refund_id, {"lines": [], "shipping": ZERO, "tax": ZERO,
                                                 "amount": ZERO, "date": text(refund.get("refundDate"))})
            line, shipping, tax = _line_refund_split(item, value, line_tax)
            entry["amount"] += value
            entry["tax"] += tax
            entry["shipping"] += shipping
            if line:
                entry["lines"].append(line)
    return found


def _refund_id(refund):
    return text(refund.get("refundId")) or text(refund.get("refundReferenceId"))


def money_back(payload, stated=None, deducted=ZERO):
    """Every refund of the order, oldest first: [{"id", "status" (REFUNDED, PENDING, FAILED), "value"
    (what the buyer got back), "tax" (its share of the eBay-collected tax the order's total left
    out), "lines", "shipping", "date"}], from ``paymentSummary.refunds`` and the lines' ``refunds``.

    eBay gives its own tax back: a line refund takes the tax of what it refunds (`_line_refund_split`),
    a refund of the order the share of the tax still held in what is still to refund, so that refunding
    everything gives back the seller's total and eBay's tax, whatever the order of the refunds.

    :param stated: eBay's order total (``pricingSummary.total``); :param deducted: the eBay-collected
        tax the normalized total left out of it (see `order_from_rest`).
    """
    stated = amount((payload.get("pricingSummary") or {}).get("total")) if stated is None else stated
    by_line = _line_refunds(payload, deducted)
    summary = payload.get("paymentSummary") or {}
    listed = [(refund, _refund_id(refund)) for refund in summary.get("refunds") or []]
    listed_ids = {refund_id for _refund, refund_id in listed}
    # A line refund the order's paymentSummary does not list (yet) counts as made.
    listed += [({"refundId": refund_id, "refundStatus": "REFUNDED", "refundDate": lines["date"],
                 "amount": {"value": str(lines["amount"])}}, refund_id)
               for refund_id, lines in by_line.items() if refund_id not in listed_ids]
    found, seen = [], set()
    tax_left, value_left = deducted, stated
    for refund, refund_id in listed:
        if not refund_id or refund_id in seen:
            continue
        seen.add(refund_id)
        status = text(refund.get("refundStatus")) or "REFUNDED"
        value = abs(amount(refund.get("amount")))
        lines = by_line.get(refund_id)
        if lines:
            tax = lines["tax"]
        else:
            tax = _share(value, tax_left, value_left)
        tax = max(min(tax, tax_left, value), ZERO)
        if status != "FAILED":
            tax_left -= tax
            value_left -= value
        found.append({"id": refund_id, "status": status, "value": value, "tax": tax,
                      "lines": lines["lines"] if lines else [],
                      "shipping": lines["shipping"] if lines else ZERO,
                      "date": text(refund.get("refundDate"))})
    return found


def refunds(payload, stated=None, deducted=ZERO):
    """The refunds eBay made (REFUNDED), for the base's refund record: the money the seller gave back
    (without eBay's tax, `money_back`), the lines and shipping a line refund paid back."""
    found = []
    for refund in money_back(payload, stated, deducted):
        if refund["status"] != "REFUNDED":
            continue
        entry = {"id": refund["id"], "amount": str(refund["value"] - refund["tax"]), "note": None}
        if refund["date"]:
            entry["created_at"] = refund["date"]
        if refund["lines"]:
            entry["lines"] = refund["lines"]
        if refund["shipping"]:
            entry["shipping"] = str(refund["shipping"])
        found.append(entry)
    return found


def transactions(payload, stated=None, deducted=ZERO):
    """The order's money movements as normalized TRANSACTIONs: one sale per ``paymentSummary.payments``
    entry (id `payment_id`; PAID success, PENDING pending, FAILED failure; gateway the
    ``paymentMethod``, e.g. EBAY) and one refund per refund (id the ``refundId``, as the Finances API
    names the refund's transaction; it names the REFUND it pays back once eBay made it).

    eBay's payment amount holds the tax eBay collects and remits; the order's total does not (see
    `order_from_rest`): each payment is taken without its share of that tax, and each refund without
    its share (`money_back`), so that the payments of a paid order add up to the sale order's total.
    """
    currency = _currency(payload)
    payments = (payload.get("paymentSummary") or {}).get("payments") or []
    values = [abs(amount(payment.get("amount"))) for payment in payments]
    taxes = _spread(deducted, values) if deducted else [ZERO for _value in values]
    found, seen = [], set()
    for index, (payment, value, tax) in enumerate(zip(payments, values, taxes, strict=True)):
        transaction_id = payment_id(payload, payment, index)
        if transaction_id in seen:
            continue
        seen.add(transaction_id)
        found.append({
            "id": transaction_id,
            "kind": "sale",
            "status": PAYMENT_STATUSES.get(text(payment.get("paymentStatus")), "pending"),
            "gateway": text(payment.get("paymentMethod")),
            "amount": str(max(value - tax, ZERO)),
            "currency": text((payment.get("amount") or {}).get("currency")) or currency,
            "processed_at": text(payment.get("paymentDate")),
        })
    parent = sale_payment_id(payload)
    gateway = found[0]["gateway"] if found else None
    for refund in money_back(payload, stated, deducted):
        if refund["id"] in seen:
            continue
        seen.add(refund["id"])
        transaction = {
            "id": refund["id"],
            "kind": "refund",
            "status": REFUND_STATUSES.get(refund["status"], "pending"),
            "gateway": gateway,
            "amount": str(refund["value"] - refund["tax"]),
            "currency": currency,
            "processed_at": refund["date"],
            "parent_id": parent,
        }
        if refund["status"] == "REFUNDED":
            transaction["refund_id"] = refund["id"]
        found.append(transaction)
    return found


# ---------------------------------------------------------------------------- order
def order_from_rest(payload):
    """A normalized order from an eBay Fulfillment API order."""
    summary = payload.get("pricingSummary") or {}
    lines = _lines(payload)
    shipping = _shipping(payload)
    fees = _fees(payload)
    collected = included = ZERO
    for item in payload.get("lineItems") or []:
        _taxes, line_collected, line_included = split_line_taxes(item)
        collected += line_collected
        included += line_included
    stated = amount(summary.get("total"))
    # What the parts add up to without eBay's tax: the stated total less the eBay-collected tax it
    # includes. eBay's rule (a collected tax listed in `taxes` too is in the totals) decides; an
    # order whose stated total holds all of it without listing it is read as such too.
    parts = sum((Decimal(line["unit_price"]) * line["quantity"] - Decimal(line["discount"])
                 + sum((Decimal(t["amount"]) for t in line["taxes"]), ZERO) for line in lines), ZERO)
    parts += sum((Decimal(s["price"]) - Decimal(s["discount"]) for s in shipping), ZERO)
    parts += sum((Decimal(f["amount"]) for f in fees), ZERO)
    candidates = sorted({included, collected}, key=lambda value: abs(stated - value - parts))
    # The eBay-collected tax the order's total leaves out: its payments and refunds leave it out too.
    deducted = candidates[0] if summary.get("total") else ZERO
    total = stated - deducted if summary.get("total") else parts
    payments = (payload.get("paymentSummary") or {}).get("payments") or []
    shipping_contact = ship_to(payload)
    registration = (payload.get("buyer") or {}).get("buyerRegistrationAddress")
    created = text(payload.get("creationDate"))
    order_id = text(payload.get("orderId"))
    return {
        "id": order_id,
        "number": order_id,
        "created_at": created,
        "updated_at": text(payload.get("lastModifiedDate")) or created,
        "currency": _currency(payload),
        "taxes_included": False,
        "status": order_status(payload),
        "customer": _customer(payload),
        "billing_address": _address(registration),
        "shipping_address": _address(shipping_contact),
        "lines": lines,
        "shipping_lines": shipping,
        "fee_lines": fees,
        "discounts": [
            {"code": text(p.get("promotionId")) or text(p.get("description")),
             "amount": str(abs(amount(p.get("discountAmount"))))}
            for item in payload.get("lineItems") or [] for p in item.get("appliedPromotions") or []
        ],
        "payment_method": text(payments[0].get("paymentMethod")) if payments else None,
        "note": _note(payload),
        "total": str(total),
        "total_tax": str(amount(summary.get("tax")) - candidates[0]) if summary.get("tax") else None,
        "marketplace_tax": str(collected) if collected else None,
        "refunds": refunds(payload, stated, deducted),
        "transactions": transactions(payload, stated, deducted),
    }
