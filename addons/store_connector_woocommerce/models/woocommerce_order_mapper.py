"""Pure mapping of WooCommerce orders (REST API wc/v3, as pulls and order webhooks carry them) to
the base's normalized order (store_connector_base/services/normalized.py). No database, no I/O:
fixture payloads drive the tests (tests/data/order_*.json).

What WooCommerce says and how it is read (platform notes, section 2.7):

* Amounts. Every line amount WooCommerce returns is **without tax**, whatever the shop's setting:
  a line's `subtotal` (before coupons) and `total` (after coupons), with `subtotal_tax` and
  `total_tax` beside them; shipping and fee lines likewise (`total`, `total_tax`). The order's
  `prices_include_tax` says how the prices were entered at checkout: when true, the normalized order
  carries prices with their taxes (`taxes_included`), so that Odoo shows the prices the customer
  saw with tax-included taxes; otherwise prices without tax. Either way the order's `total` is
  WooCommerce's, and the importer makes Odoo's total equal to it to the cent (a rounding line
  absorbs what Odoo's per-line rounding leaves).
* Coupons. WooCommerce spreads each coupon over the lines: `subtotal - total` of a line is what the
  coupons took off it (its tax likewise); `coupon_lines` only name the codes (informative).
* Taxes. A line's `taxes[]` lists `{id, total, subtotal}` per tax rate; `tax_lines[]` describe the
  rates (`rate_id`, `label`, `compound`, `rate_percent`). A simple rate keeps its percentage (Odoo
  gets a tax of that rate); a compound rate (charged on the price plus the other taxes) keeps only
  its amount, so that the importer derives the rate it is of the line's price. A rate WooCommerce
  lists with an empty total does not apply to the line.
* Fees may be negative (a discount added as a fee); shipping lines carry their own taxes.
* Names carry HTML entities (``&ndash;``, ``&amp;``): decoded.
* Products. A line names its product by `sku` (a variation's own SKU, or its parent's when it has
  none: WooCommerce shows the parent's), `product_id` and `variation_id` (0 for a simple product).
  The ids travel in the line's `external_ids` (`product_id`, `variant_id`): the importer matches a
  line to the store's product binding of that variation (or simple product) before its SKU.
* Customer: by the billing e-mail; a guest order has `customer_id` 0 (no platform customer id).
* Dates: the `_gmt` twins (naive, GMT), never the shop's local time.
* Refunds: `refunds[] {id, reason, total}` (total negative) become the normalized order's
  "refunds", recorded once each on the sale order (store._event_order_refunded). What a refund
  refunded is on ``/orders/<id>/refunds`` (`refund_from_rest`): the adapter reads it when the order
  lists a refund it does not hold yet and hands it in as `refund_details`. Whether WooCommerce put a
  refund's units back in stock is not on the refund (`api_restock` is write-only) but on the order's
  lines: wc_restock_refunded_items keeps the running total of the units restocked for the refunds in
  each line's ``_restock_refunded_items`` meta (`with_restocks`).
* Payment (issue #14). WooCommerce keeps no list of transactions: an order is paid when its
  `date_paid_gmt` is set (the gateway's payment-complete status: processing or completed, completed
  only for cash on delivery) and its status is still a paid one (PAID_STATUSES); the gateway's
  charge id is its `transaction_id` (empty for bank transfers, cheques and cash on delivery). A
  paid order gives one "sale" transaction of its total,
  of id the `transaction_id`, else ``"<order id>-paid"`` (the same on every import, so that it is
  paid once); an unpaid one (pending, on-hold, cash on delivery not completed) gives none. A refund
  WooCommerce sent back through the gateway (`refunded_payment`) gives a "refund" transaction of id
  ``"<refund id>-refund"``; a refund recorded by hand (money returned outside WooCommerce) gives none.
"""

import html
from decimal import Decimal

from odoo.addons.store_connector_base.services.normalized import lenient_decimal

ZERO = Decimal(0)


# ---------------------------------------------------------------------------- small helpers
def decimal(value):
    """A WooCommerce amount (a 2-decimal string, a number, "" or None) as Decimal (0 when empty)."""
    return lenient_decimal(value)


def text(value):
    """A WooCommerce string with its HTML entities decoded, stripped; None when empty."""
    if value in (None, False):
        return None
    decoded = html.unescape(str(value)).strip()
    return decoded or None


def platform_id(value):
    """A WooCommerce id (int or str) as text; None for 0, "" or None (WooCommerce's "none")."""
    if value in (None, "", False, 0, "0"):
        return None
    return str(value)


def gmt(value):
    """A ``*_gmt`` date (naive, GMT) as an ISO 8601 UTC string; None when empty."""
    if not value:
        return None
    stamp = str(value).strip()
    if stamp.endswith(("Z", "z")) or "+" in stamp[10:] or stamp[10:].count("-"):
        return stamp
    return stamp + "Z"


def _rates(payload):
    """{rate id: tax line} of an order's `tax_lines`."""
    return {str(line.get("rate_id")): line for line in payload.get("tax_lines") or [] if line.get("rate_id")}


def _taxes(entries, rates):
    """Normalized taxes of a line's `taxes[]` ({id, total, subtotal}), through the order's rates.

    A simple rate gives its percentage and amount; a compound one its amount only (its rate is of the
    price plus the other taxes, not of the price: the importer derives the rate that gives the
    amount). An entry with an empty total does not apply to the line.
    """
    taxes = []
    for entry in entries or []:
        if entry.get("total") in (None, ""):
            continue
        rate_line = rates.get(str(entry.get("id"))) or {}
        rate = rate_line.get("rate_percent")
        if rate_line.get("compound") or rate in (None, ""):
            rate = None
        taxes.append({
            "rate": str(rate) if rate is not None else None,
            "amount": str(decimal(entry.get("total"))),
            "title": text(rate_line.get("label")) or text(rate_line.get("rate_code")),
        })
    return taxes


def _address(data):
    if not data:
        return None
    return {
        "first_name": text(data.get("first_name")),
        "last_name": text(data.get("last_name")),
        "company": text(data.get("company")),
        "street": text(data.get("address_1")),
        "street2": text(data.get("address_2")),
        "city": text(data.get("city")),
        "zip": text(data.get("postcode")),
        # WooCommerce keeps the state's code (e.g. "CA", "NSW").
        "state_code": text(data.get("state")),
        "country_code": text(data.get("country")),
        "phone": text(data.get("phone")),
        "email": text(data.get("email")),
    }


def _customer(payload):
    billing = payload.get("billing") or {}
    email = text(billing.get("email"))
    customer_id = platform_id(payload.get("customer_id"))
    if not email and not customer_id:
        return None
    return {
        "id": customer_id,
        "email": email,
        "first_name": text(billing.get("first_name")),
        "last_name": text(billing.get("last_name")),
        "phone": text(billing.get("phone")),
        "company": text(billing.get("company")),
    }


def _line(item, rates, included):
    """A normalized product line: unit price before coupons, the coupons' share as its discount."""
    quantity = decimal(item.get("quantity"))
    subtotal, total = decimal(item.get("subtotal")), decimal(item.get("total"))
    if included:
        subtotal += decimal(item.get("subtotal_tax"))
        total += decimal(item.get("total_tax"))
    if total > subtotal:
        # A price raised after the coupons (an edited order): no discount, the price paid.
        subtotal = total
    unit_price = subtotal / quantity if quantity else ZERO
    # What the coupons took, from the same unit price (exact even when it has many decimals).
    discount = max(unit_price * quantity - total, ZERO) if quantity else ZERO
    return {
        "id": platform_id(item.get("id")),
        "sku": text(item.get("sku")),
        "name": text(item.get("name")),
        "quantity": str(quantity),
        "unit_price": str(unit_price),
        "discount": str(discount),
        "taxes": _taxes(item.get("taxes"), rates),
        "external_ids": {
            "product_id": platform_id(item.get("product_id")),
            "variant_id": platform_id(item.get("variation_id")),
        },
    }


def _charge(item, included):
    """A shipping or fee line's amount: its total, with its tax when prices include tax."""
    amount = decimal(item.get("total"))
    if included:
        amount += decimal(item.get("total_tax"))
    return amount


def _title(item, *keys):
    for key in keys:
        value = text(item.get(key))
        if value:
            return value
    return None


def order_from_rest(payload, refund_details=None):
    """A normalized order from a WooCommerce order (REST v3 JSON).

    :param refund_details: the order's refunds as ``GET /orders/<id>/refunds`` gives them (or None):
        the refunds of the order found there come with their lines, shipping and date, and those
        sent back through the gateway with their refund transaction.
    """
    included = bool(payload.get("prices_include_tax"))
    rates = _rates(payload)
    created = gmt(payload.get("date_created_gmt"))
    shipping = [
        {
            "id": platform_id(ship.get("id")),
            "title": _title(ship, "method_title", "method_id"),
            # A free-shipping coupon leaves a zero shipping line; a negative price is none.
            "price": str(max(_charge(ship, included), ZERO)),
            "taxes": _taxes(ship.get("taxes"), rates),
        }
        for ship in payload.get("shipping_lines") or []
    ]
    fees = [
        {
            "id": platform_id(fee.get("id")),
            "title": _title(fee, "name"),
            "amount": str(_charge(fee, included)),
            "taxes": _taxes(fee.get("taxes"), rates),
        }
        for fee in payload.get("fee_lines") or []
    ]
    order = {
        "id": platform_id(payload.get("id")),
        "number": text(payload.get("number")) or platform_id(payload.get("id")),
        "created_at": created,
        "updated_at": gmt(payload.get("date_modified_gmt")) or created,
        "currency": text(payload.get("currency")),
        "taxes_included": included,
        "status": text(payload.get("status")),
        "customer": _customer(payload),
        "billing_address": _address(payload.get("billing")),
        "shipping_address": _address(payload.get("shipping")),
        "lines": [_line(item, rates, included) for item in payload.get("line_items") or []],
        "shipping_lines": shipping,
        "fee_lines": fees,
        "discounts": [
            {"code": text(coupon.get("code")),
             "amount": str(decimal(coupon.get("discount")) + (decimal(coupon.get("discount_tax")) if included
                                                                else ZERO))}
            for coupon in payload.get("coupon_lines") or []
        ],
        "payment_method": text(payload.get("payment_method")),
        "payment_method_title": text(payload.get("payment_method_title")),
        "note": text(payload.get("customer_note")),
        "total": payload.get("total"),
        "total_tax": payload.get("total_tax"),
        "refunds": refunds(payload),
        "transactions": [],
    }
    sale = sale_transaction(payload)
    if sale:
        order["transactions"].append(sale)
    if refund_details:
        detailed = {}
        for refund in refund_details:
            refund_id = platform_id(refund.get("id")) if isinstance(refund, dict) else None
            if refund_id:
                detailed[refund_id] = refund
        mapped = []
        for listed in order["refunds"]:
            refund = detailed.get(listed["id"])
            if refund is None:
                mapped.append(listed)
                continue
            mapped.append(refund_from_rest(refund, included))
            transaction = refund_transaction(refund, payload)
            if transaction:
                order["transactions"].append(transaction)
        order["refunds"] = mapped
    return order


def refunds(payload):
    """The refunds an order lists (`refunds[] {id, reason, total}`, totals negative), as the
    normalized order's "refunds" (each recorded once on the sale order by the importer), oldest
    first: [{"id", "amount" (positive, str), "note"}]. The order body names no refunded lines (those
    are on /orders/<id>/refunds): the amount and reason tell the person who issues the credit note."""
    found = []
    for refund in payload.get("refunds") or []:
        refund_id = platform_id(refund.get("id"))
        if refund_id:
            found.append({"id": refund_id, "amount": str(abs(decimal(refund.get("total")))),
                          "note": text(refund.get("reason"))})
    return sorted(found, key=lambda refund: int(refund["id"]) if refund["id"].isdigit() else 0)


# ---------------------------------------------------------------------------- money (issue #14)
#: The statuses of a paid order: WooCommerce's `wc_get_is_paid_statuses()`, and refunded (paid, then
#: paid back: its payment and its refunds are both recorded, so that the money in and out adds up
#: even for an order met first refunded). An order moved back to pending or on-hold, cancelled or in
#: a plugin's status keeps its `date_paid` but is not paid now.
PAID_STATUSES = ("processing", "completed", "refunded")


def _sale_id(payload):
    """The id of an order's sale transaction: the gateway's `transaction_id`, else one made from the
    order (None for an order never paid)."""
    order_id = platform_id(payload.get("id"))
    if not order_id or not payload.get("date_paid_gmt"):
        return None
    return text(payload.get("transaction_id")) or f"{order_id}-paid"


def sale_transaction(payload):
    """The "sale" transaction of a paid order (`date_paid_gmt` set, a paid status), else None.

    Its id is the gateway's `transaction_id` (Stripe's ``ch_...``, PayPal's capture id), else
    ``"<order id>-paid"``: bank transfers, cheques and cash on delivery have no transaction, the
    status that marks them paid is the payment; the id made from the order is the same on every
    import, so that the order is paid once."""
    sale_id = _sale_id(payload)
    if not sale_id or payload.get("status") not in PAID_STATUSES:
        return None
    return {
        "id": sale_id,
        "kind": "sale",
        "status": "success",
        "gateway": text(payload.get("payment_method")),
        "amount": str(decimal(payload.get("total"))),
        "processed_at": gmt(payload.get("date_paid_gmt")),
    }


def _meta(item, key):
    """The value of `key` in a REST record's `meta_data` list, or None."""
    for entry in item.get("meta_data") or []:
        if isinstance(entry, dict) and entry.get("key") == key:
            return entry.get("value")
    return None


def _restock_flag(refund):
    """Whether the refund says itself that WooCommerce put its lines back in stock: `api_restock` is
    write-only in the REST API (never answered), so this is None unless a proxy or plugin echoes it;
    the order's lines tell the rest (`with_restocks`)."""
    flag = refund.get("api_restock")
    return flag if isinstance(flag, bool) else None


def refund_from_rest(refund, included):
    """A normalized REFUND from a WooCommerce refund (``GET /orders/<id>/refunds``).

    Its `line_items` carry negative quantities and totals (without tax, as every WooCommerce line
    amount) and name the order's line in their ``_refunded_item_id`` meta; the amounts take their
    tax when the order's prices include tax (`included`), as the order's lines do. A line refunded
    by amount only (quantity 0) is left to the refund's amount, credited on its own. Shipping lines
    refunded add up to its "shipping"; fees are left to the amount likewise."""
    restock = _restock_flag(refund)
    lines = []
    for item in refund.get("line_items") or []:
        quantity = abs(decimal(item.get("quantity")))
        line_id = platform_id(_meta(item, "_refunded_item_id"))
        sku = text(item.get("sku"))
        if not quantity or not (line_id or sku):
            continue
        amount = abs(decimal(item.get("total")))
        if included:
            amount += abs(decimal(item.get("total_tax")))
        lines.append({"line_id": line_id, "sku": None if line_id else sku, "quantity": str(quantity),
                      "amount": str(amount), "restock": restock})
    shipping = None
    for ship in refund.get("shipping_lines") or []:
        amount = abs(decimal(ship.get("total"))) + (abs(decimal(ship.get("total_tax"))) if included else ZERO)
        shipping = (shipping or ZERO) + amount
    return {
        "id": platform_id(refund.get("id")),
        "amount": str(abs(decimal(refund.get("amount")))),
        "note": text(refund.get("reason")),
        "created_at": gmt(refund.get("date_created_gmt")),
        "lines": lines,
        "shipping": None if shipping is None else str(shipping),
        "restocked": restock,
    }


def _restocked_units(payload):
    """{order line id: units WooCommerce put back in stock for the order's refunds}: the
    ``_restock_refunded_items`` meta wc_restock_refunded_items keeps on each order line, a running
    total over the order's refunds (no meta: none restocked)."""
    units = {}
    for item in payload.get("line_items") or []:
        line_id = platform_id(item.get("id"))
        if line_id:
            units[line_id] = max(decimal(_meta(item, "_restock_refunded_items")), ZERO)
    return units


def with_restocks(order, payload, held=None):
    """`order` (normalized, its refunds read from ``/orders/<id>/refunds``) with the restock of each
    line of the refunds `held` (the normalized order Odoo imported before) does not hold yet.

    WooCommerce restocks all the units of a refund's line or none (the merchant's "Restock refunded
    items", the API's `api_restock`) and records them on the order's line only, as a running total
    (`_restocked_units`). What the held refunds' lines were said to restock is taken off that total;
    the rest goes to the new refunds, oldest first: a line is restocked when the units left cover
    it. The held refunds are kept as they were imported (their restock already acted on). A line
    whose refund says itself whether it restocked (a proxy echoing `api_restock`) keeps its word."""
    held_refunds = {str(refund.get("id")): refund for refund in (held or {}).get("refunds") or []
                    if isinstance(refund, dict) and refund.get("created_at")}
    left = _restocked_units(payload)
    for refund in held_refunds.values():
        for line in refund.get("lines") or []:
            if line.get("restock") and line.get("line_id") in left:
                left[line["line_id"]] -= decimal(line.get("quantity"))
    refunds = []
    new = sorted((refund for refund in order.get("refunds") or []
                  if refund["id"] not in held_refunds and refund.get("created_at")),
                 key=lambda refund: int(refund["id"]) if refund["id"].isdigit() else 0)
    restocks = {}
    for refund in new:
        for index, line in enumerate(refund["lines"]):
            if line["restock"] is not None or line["line_id"] not in left:
                continue
            quantity = decimal(line["quantity"])
            restocks[(refund["id"], index)] = bool(quantity) and left[line["line_id"]] >= quantity
            if restocks[(refund["id"], index)]:
                left[line["line_id"]] -= quantity
    for refund in order.get("refunds") or []:
        if refund["id"] in held_refunds:
            refunds.append(held_refunds[refund["id"]])
            continue
        lines = [dict(line, restock=restocks[(refund["id"], index)]) if (refund["id"], index) in restocks
                 else line for index, line in enumerate(refund.get("lines") or [])]
        refunds.append(dict(refund, lines=lines))
    return dict(order, refunds=refunds)


def refund_transaction(refund, payload):
    """The "refund" transaction of a refund WooCommerce sent back through the order's gateway
    (`refunded_payment`), of id ``"<refund id>-refund"``; None for a refund recorded by hand (the
    money went back outside WooCommerce, or not yet)."""
    refund_id = platform_id(refund.get("id"))
    if not refund.get("refunded_payment") or not refund_id:
        return None
    return {
        "id": f"{refund_id}-refund",
        "kind": "refund",
        "status": "success",
        "gateway": text(payload.get("payment_method")),
        "amount": str(abs(decimal(refund.get("amount")))),
        "processed_at": gmt(refund.get("date_created_gmt")),
        "parent_id": _sale_id(payload),
        "refund_id": refund_id,
    }


def refunds_to_read(order):
    """The ids of the refunds `order` (normalized, as `order_from_rest` makes it) lists without their
    details (no date: only the order body's id, reason and total)."""
    return [refund["id"] for refund in order.get("refunds") or [] if not refund.get("created_at")]


def with_known_refunds(order, held):
    """`order` with the details of the refunds it lists taken from `held` (the normalized order
    Odoo imported before, the binding's last payload), with their refund transactions: WooCommerce
    never changes a refund (it deletes it), so a refund read once is not read again."""
    if not held or not order.get("refunds"):
        return order
    known = {str(refund.get("id")): refund for refund in held.get("refunds") or []
             if isinstance(refund, dict) and refund.get("created_at")}
    if not known:
        return order
    refunds, reused = [], set()
    for refund in order["refunds"]:
        detail = known.get(refund["id"]) if not refund.get("created_at") else None
        if detail:
            reused.add(refund["id"])
        refunds.append(detail or refund)
    have = {transaction["id"] for transaction in order.get("transactions") or []}
    transactions = list(order.get("transactions") or []) + [
        transaction for transaction in held.get("transactions") or []
        if isinstance(transaction, dict) and transaction.get("kind") == "refund"
        and str(transaction.get("refund_id")) in reused and transaction.get("id") not in have
    ]
    return dict(order, refunds=refunds, transactions=transactions)
