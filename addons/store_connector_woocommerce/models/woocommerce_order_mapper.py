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
  "refunds", recorded once each on the sale order (store._event_order_refunded).
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


def order_from_rest(payload):
    """A normalized order from a WooCommerce order (REST v3 JSON)."""
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
    return {
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
    }


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
