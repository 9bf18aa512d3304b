"""The normalized order and customer: what every platform adapter hands to the base.

A platform adapter turns its own payloads (a Shopify GraphQL order, a WooCommerce REST order, an
eBay Fulfillment order) into the plain dicts described here; the base turns them into Odoo records
without knowing the platform. `normalize_order` and `normalize_customer` validate such a dict and
return a clean copy; bad input raises `PermanentJobError` naming the field (``lines[2].quantity``),
before anything is written.

Normalized order (keys not listed are ignored; "?" marks optional keys)::

    {
      "id": "5012",                       # platform order id (str, required): the binding key
      "number": "1042",                   # number the customer sees (str; defaults to id); shown
                                          #   with the store's prefix as the customer reference
      "created_at": "2026-05-01T10:00:00Z",   # ISO 8601 or datetime (required); naive = UTC
      "updated_at": "2026-05-01T10:05:00Z",   # required: newer payloads win, older are ignored
      "currency": "EUR",                  # ISO 4217 code (required)
      "taxes_included": False,            # ? unit prices, discounts, shipping and fee amounts
                                          #   include the taxes listed on them
      "status": "processing",             # platform status (str, required), mapped per store
      "customer": {                       # ? the buyer
        "id": "77",                       #   ? platform customer id
        "email": "ann@example.com",       #   ? matched within the store's company
        "first_name": "Ann", "last_name": "Lee", "name": "Ann Lee",   # ? name = first + last
        "phone": "+33 1 23 45 67 89",     #   ?
        "company": "Lee SARL",            #   ? company name
        "username": "ann_lee77",          #   ? the buyer's login name on the platform, kept on
                                          #   the customer binding (updated when it changes,
                                          #   e.g. eBay's, while "id" stays)
      },
      "billing_address": ADDRESS,         # ? see below
      "shipping_address": ADDRESS,        # ?
      "lines": [{                         # at least one
        "id": "9001",                     #   ? platform line id (fulfilment pushes need it)
        "sku": "MUG-RED",                 #   ? matched to Odoo products (empty = unknown)
        "name": "Red mug",                #   ? label shown on the line
        "quantity": 2,                    #   >= 0
        "unit_price": "12.50",            #   >= 0, before discount
        "discount": "2.50",               #   ? amount off the whole line (all units), >= 0
        "taxes": [TAX, ...],              #   ? taxes charged on the line
        "shipped_quantity": 1,            #   ? units the platform already shipped (fulfilled)
                                          #   itself, 0..quantity (default 0); see the store's
                                          #   "Shipped on the Platform" option
        "external_ids": {"product_id": "93", "variant_id": "94"},   # ? the platform's ids of
                                          #   the product and variant sold: a product binding of
                                          #   the store with these ids (store.product.binding
                                          #   external_variant_id, else external_product_id) gives
                                          #   the line's product before its SKU (a variant without
                                          #   its own SKU, a SKU changed on the platform)
      }],
      "shipping_lines": [{"id"?, "title", "price", "discount"?, "taxes"?: [TAX]}],   # ?
      "fee_lines": [{"id"?, "title", "amount", "taxes"?: [TAX]}],                     # ? (may be < 0)
      "discounts": [{"code": "SUMMER", "amount": "2.50"}],   # ? codes used; informative only:
                                          #   the amounts must also be allocated to the lines
      "payment_method": "stripe",         # ? gateway code, mapped per store to payment terms
      "payment_method_title": "Card",     # ?
      "note": "Leave at the door",        # ? customer note
      "total": "30.00",                   # the order total as the platform states it (required)
      "total_tax": "5.00",                # ? informative
      "marketplace_tax": "2.40",          # ? tax the marketplace itself collected from the buyer
                                          #   and remits (eBay's collect and remit): not the
                                          #   seller's revenue, not in "total" nor in the lines;
                                          #   recorded on the order binding for reference
      "fulfillments": [FULFILLMENT, ...], # ? the platform's shipments of the order, oldest first
      "refunds": [REFUND, ...],           # ? the refunds the order lists, each handled once: a
                                          #   credit note, refund payment and restock (the payment
                                          #   workflow, store_order_binding_refunds.py) or an activity
                                          #   (connector.store._event_order_refunded), per the store's
                                          #   refund policy
      "transactions": [TRANSACTION, ...], # ? the money movements of the order, as the platform
                                          #   lists them (each recorded once per store by its id:
                                          #   store.order.transaction; the payment workflow makes
                                          #   one Odoo payment per successful sale or capture)
    }

    ADDRESS = {"name"?, "first_name"?, "last_name"?, "company"?, "street"?, "street2"?, "city"?,
               "zip"?, "state_code"? (ISO 3166-2 suffix, e.g. "CA"), "state"? (name),
               "country_code"? (ISO 3166-1 alpha-2), "phone"?, "email"?}
    TAX = {"rate": "20" (percent, ?), "amount": "2.00" (?), "title": "VAT" (?)}
          at least one of rate and amount; a missing rate is derived from the amount.
    REFUND = {"id" (platform refund id, required), "amount"? (the money refunded in all, >= 0),
              "note"? (the reason), "created_at"? (default: the order's updated_at),
              "lines"?: [REFUND_LINE, ...] (the order lines refunded),
              "shipping"? (shipping refunded, >= 0, taxes included as the order's shipping is),
              "restocked"? (bool: the platform put the refunded lines back in stock; default: as
              each line says)}
          What the lines and shipping do not explain of "amount" (an amount not tied to lines) is
          credited on its own. The money going back is a TRANSACTION of kind "refund" whose
          "refund_id" names the refund (a platform that gives none may make one with a stable id,
          e.g. "<refund id>-refund").
    REFUND_LINE = {"line_id"? (the platform id of the order's line), "sku"? (when the platform
                   gives no line id), "quantity" (> 0), "amount"? (money refunded for these units,
                   >= 0, as the line's prices are: taxes included or not), "restock"? (bool: these
                   units went back to stock)}
    TRANSACTION = {"id" (platform transaction id, required: unique in the store; a retried or
                   reordered event never makes a second payment),
                   "kind": "sale" | "capture" | "authorization" | "refund" | "void" (required),
                   "status": "success" | "pending" | "failure" | "error" (required),
                   "gateway"? (the gateway code; default: the order's payment_method),
                   "amount" (>= 0, required), "currency"? (ISO 4217; default: the order's),
                   "processed_at"? (when the money moved; default: the order's updated_at),
                   "parent_id"? (the transaction this one captures, voids or refunds),
                   "refund_id"? (for a refund: the REFUND it pays back)}
          A platform that gives no transaction for a paid order (WooCommerce without a transaction
          id) may give one with a stable id it makes from the order (e.g. "<order id>-paid"): the
          same id on every import, so that it is paid once.
    FULFILLMENT = {"id"? (platform id), "tracking_number"?, "tracking_company"?, "tracking_url"?}
          only shipments that happened (not cancelled or failed ones); their tracking is kept on
          the delivery Odoo validates for the lines' shipped quantities.

Money values may be str, int, float or Decimal and come back as `Decimal`; dates come back as
naive UTC `datetime`. `order_to_json` turns a normalized order back into JSON-safe data (strings
for money and ISO strings for dates) that `normalize_order` accepts again, so it can be kept in job
payloads and bindings.
"""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from odoo.tools import email_normalize

from ..exceptions import PermanentJobError

CENT = Decimal("0.01")

ADDRESS_KEYS = (
    "name",
    "first_name",
    "last_name",
    "company",
    "street",
    "street2",
    "city",
    "zip",
    "state_code",
    "state",
    "country_code",
    "phone",
    "email",
)
CUSTOMER_KEYS = ("id", "email", "first_name", "last_name", "name", "phone", "company", "username")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def _fail(path, message):
    raise PermanentJobError(f"Invalid order data: {path}: {message}")


# ---------------------------------------------------------------------------- scalars
def to_decimal(value, path, required=True, minimum=None):
    """A money or quantity value as Decimal.

    :raises PermanentJobError: missing (when required), not a number, not finite or below `minimum`.
    """
    if value is None or value == "":
        if required:
            _fail(path, "is required")
        return None
    if isinstance(value, bool):
        _fail(path, f"must be a number, not {value!r}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _fail(path, f"must be a number, not {value!r}")
    if not number.is_finite():
        _fail(path, f"must be a finite number, not {value!r}")
    if minimum is not None and number < minimum:
        _fail(path, f"must be at least {minimum}, not {number}")
    return number


def to_datetime(value, path, required=True):
    """A naive UTC datetime from a datetime or an ISO 8601 string (``Z`` or an offset allowed)."""
    if value in (None, "", False):
        if required:
            _fail(path, "is required")
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            _fail(path, f"is not an ISO 8601 date and time: {value!r}")
    else:
        _fail(path, f"is not a date and time: {value!r}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    # Odoo stores datetimes to the second: compare what will be stored.
    return moment.replace(microsecond=0)


def to_text(value, path, required=False, max_length=None):
    """A stripped string (numbers are accepted and turned into strings), or None when empty."""
    if value is None or value is False:
        text = ""
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        _fail(path, f"must be text, not {type(value).__name__}")
    if not text:
        if required:
            _fail(path, "is required")
        return None
    if max_length and len(text) > max_length:
        _fail(path, f"is longer than {max_length} characters")
    return text


def _mapping(value, path, required=False):
    if value is None:
        if required:
            _fail(path, "is required")
        return None
    if not isinstance(value, dict):
        _fail(path, f"must be an object, not {type(value).__name__}")
    return value


def _list(value, path):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        _fail(path, f"must be a list, not {type(value).__name__}")
    return list(value)


# ---------------------------------------------------------------------------- parts
def normalize_address(data, path="address"):
    """A clean address dict (every key of ADDRESS_KEYS, None when absent), or None when empty."""
    data = _mapping(data, path)
    if not data:
        return None
    address = {key: to_text(data.get(key), f"{path}.{key}") for key in ADDRESS_KEYS}
    if address["country_code"]:
        address["country_code"] = address["country_code"].upper()
    if address["state_code"]:
        address["state_code"] = address["state_code"].upper()
    if address["email"]:
        address["email"] = email_normalize(address["email"]) or address["email"]
    if not address["name"]:
        address["name"] = " ".join(p for p in (address["first_name"], address["last_name"]) if p) or None
    if not any(address.values()):
        return None
    return address


def normalize_customer(data, path="customer"):
    """A clean customer dict: keys of CUSTOMER_KEYS plus billing_address, shipping_address and
    updated_at (when given, e.g. by a customer import). None when nothing identifies a customer."""
    data = _mapping(data, path)
    if not data:
        return None
    customer = {key: to_text(data.get(key), f"{path}.{key}") for key in CUSTOMER_KEYS}
    if customer["email"]:
        normalized = email_normalize(customer["email"])
        if not normalized:
            _fail(f"{path}.email", f"is not an email address: {customer['email']!r}")
        customer["email"] = normalized
    if not customer["name"]:
        customer["name"] = " ".join(p for p in (customer["first_name"], customer["last_name"]) if p) or None
    customer["billing_address"] = normalize_address(data.get("billing_address"), f"{path}.billing_address")
    customer["shipping_address"] = normalize_address(data.get("shipping_address"), f"{path}.shipping_address")
    customer["updated_at"] = to_datetime(data.get("updated_at"), f"{path}.updated_at", required=False)
    if not any(customer.values()):
        return None
    return customer


def normalize_taxes(data, path):
    """A list of {"rate": Decimal or None, "amount": Decimal or None, "title": str or None}."""
    taxes = []
    for index, item in enumerate(_list(data, path)):
        item_path = f"{path}[{index}]"
        item = _mapping(item, item_path, required=True)
        tax = {
            "rate": to_decimal(item.get("rate"), f"{item_path}.rate", required=False, minimum=0),
            "amount": to_decimal(item.get("amount"), f"{item_path}.amount", required=False),
            "title": to_text(item.get("title"), f"{item_path}.title"),
        }
        if tax["rate"] is None and tax["amount"] is None:
            _fail(item_path, "needs a rate or an amount")
        taxes.append(tax)
    return taxes


LINE_EXTERNAL_ID_KEYS = ("product_id", "variant_id")


def _external_ids(data, path):
    """A line's platform product ids: {"product_id", "variant_id"} (text or None)."""
    data = _mapping(data, path) or {}
    return {key: to_text(data.get(key), f"{path}.{key}") for key in LINE_EXTERNAL_ID_KEYS}


def _normalize_line(data, path):
    data = _mapping(data, path, required=True)
    line = {
        "id": to_text(data.get("id"), f"{path}.id"),
        "sku": to_text(data.get("sku"), f"{path}.sku"),
        "name": to_text(data.get("name"), f"{path}.name"),
        "quantity": to_decimal(data.get("quantity"), f"{path}.quantity", minimum=0),
        "unit_price": to_decimal(data.get("unit_price"), f"{path}.unit_price", minimum=0),
        "discount": to_decimal(data.get("discount"), f"{path}.discount", required=False, minimum=0)
        or Decimal(0),
        "taxes": normalize_taxes(data.get("taxes"), f"{path}.taxes"),
        "shipped_quantity": to_decimal(
            data.get("shipped_quantity"), f"{path}.shipped_quantity", required=False, minimum=0
        )
        or Decimal(0),
        "external_ids": _external_ids(data.get("external_ids"), f"{path}.external_ids"),
    }
    if line["discount"] > line["unit_price"] * line["quantity"]:
        _fail(f"{path}.discount", f"{line['discount']} is more than the line's amount")
    if line["shipped_quantity"] > line["quantity"]:
        _fail(f"{path}.shipped_quantity", f"{line['shipped_quantity']} is more than the line's quantity")
    return line


def _normalize_fulfillment(data, path):
    data = _mapping(data, path, required=True)
    return {
        "id": to_text(data.get("id"), f"{path}.id"),
        "tracking_number": to_text(data.get("tracking_number"), f"{path}.tracking_number"),
        "tracking_company": to_text(data.get("tracking_company"), f"{path}.tracking_company"),
        "tracking_url": to_text(data.get("tracking_url"), f"{path}.tracking_url"),
    }


def _normalize_refund(data, path):
    data = _mapping(data, path, required=True)
    restocked = data.get("restocked")
    return {
        "id": to_text(data.get("id"), f"{path}.id", required=True),
        "amount": to_decimal(data.get("amount"), f"{path}.amount", required=False, minimum=0),
        "note": to_text(data.get("note"), f"{path}.note"),
        "created_at": to_datetime(data.get("created_at"), f"{path}.created_at", required=False),
        "lines": [
            _normalize_refund_line(item, f"{path}.lines[{index}]")
            for index, item in enumerate(_list(data.get("lines"), f"{path}.lines"))
        ],
        "shipping": to_decimal(data.get("shipping"), f"{path}.shipping", required=False, minimum=0),
        "restocked": None if restocked is None else bool(restocked),
    }


def _normalize_refund_line(data, path):
    data = _mapping(data, path, required=True)
    line = {
        "line_id": to_text(data.get("line_id"), f"{path}.line_id"),
        "sku": to_text(data.get("sku"), f"{path}.sku"),
        "quantity": to_decimal(data.get("quantity"), f"{path}.quantity", minimum=0),
        "amount": to_decimal(data.get("amount"), f"{path}.amount", required=False, minimum=0),
        "restock": None if data.get("restock") is None else bool(data.get("restock")),
    }
    if not line["quantity"]:
        _fail(f"{path}.quantity", "a refunded line needs a quantity above 0")
    if not (line["line_id"] or line["sku"]):
        _fail(path, "a refunded line needs the order line's line_id or its sku")
    return line


TRANSACTION_KINDS = ("sale", "capture", "authorization", "refund", "void")
TRANSACTION_STATUSES = ("success", "pending", "failure", "error")


def _normalize_transaction(data, path):
    data = _mapping(data, path, required=True)
    transaction = {
        "id": to_text(data.get("id"), f"{path}.id", required=True, max_length=255),
        "kind": (to_text(data.get("kind"), f"{path}.kind", required=True) or "").lower(),
        "status": (to_text(data.get("status"), f"{path}.status", required=True) or "").lower(),
        "gateway": to_text(data.get("gateway"), f"{path}.gateway", max_length=255),
        "amount": to_decimal(data.get("amount"), f"{path}.amount", minimum=0),
        "currency": to_text(data.get("currency"), f"{path}.currency"),
        "processed_at": to_datetime(data.get("processed_at"), f"{path}.processed_at", required=False),
        "parent_id": to_text(data.get("parent_id"), f"{path}.parent_id", max_length=255),
        "refund_id": to_text(data.get("refund_id"), f"{path}.refund_id", max_length=255),
    }
    if transaction["kind"] not in TRANSACTION_KINDS:
        _fail(f"{path}.kind", f"must be one of {', '.join(TRANSACTION_KINDS)}, not {transaction['kind']!r}")
    if transaction["status"] not in TRANSACTION_STATUSES:
        _fail(f"{path}.status",
              f"must be one of {', '.join(TRANSACTION_STATUSES)}, not {transaction['status']!r}")
    if transaction["currency"]:
        transaction["currency"] = transaction["currency"].upper()
        if not _CURRENCY_RE.match(transaction["currency"]):
            _fail(f"{path}.currency", f"is not an ISO 4217 code: {transaction['currency']!r}")
    return transaction


def _normalize_shipping(data, path):
    data = _mapping(data, path, required=True)
    line = {
        "id": to_text(data.get("id"), f"{path}.id"),
        "title": to_text(data.get("title"), f"{path}.title"),
        "price": to_decimal(data.get("price"), f"{path}.price", minimum=0),
        "discount": to_decimal(data.get("discount"), f"{path}.discount", required=False, minimum=0)
        or Decimal(0),
        "taxes": normalize_taxes(data.get("taxes"), f"{path}.taxes"),
    }
    if line["discount"] > line["price"]:
        _fail(f"{path}.discount", f"{line['discount']} is more than the shipping price")
    return line


def _normalize_fee(data, path):
    data = _mapping(data, path, required=True)
    return {
        "id": to_text(data.get("id"), f"{path}.id"),
        "title": to_text(data.get("title"), f"{path}.title"),
        "amount": to_decimal(data.get("amount"), f"{path}.amount"),
        "taxes": normalize_taxes(data.get("taxes"), f"{path}.taxes"),
    }


# ---------------------------------------------------------------------------- amounts
def lenient_decimal(value):
    """A platform's amount (a string, a number, "" or None) as Decimal, 0 when empty or not a number:
    for mappers reading optional amounts (the normalized order's validation checks what it keeps)."""
    if value in (None, "", False):
        return Decimal(0)
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return Decimal(0)


def money(value):
    """Rounded to the cent, half up (as platforms and Odoo round money; Decimal's default is
    half even)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def derive_rate(base, amount):
    """The simplest percentage (fewest decimals, up to 4) that turns `base` into `amount` to the cent.

    Platforms often state only tax amounts; 19.99% and 20% both explain 2.00 on 10.00 and the
    right answer is the round one.
    """
    if not base:
        return Decimal(0)
    exact = amount / base * 100
    for digits in range(0, 5):
        rate = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if money(base * rate / 100) == money(amount):
            return rate
    return exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def tax_amounts(net, taxes, taxes_included):
    """Taxes of one line as [(rate, amount)], with every missing rate or amount filled in.

    :param net: the line's amount after discount (taxes included when `taxes_included`).
    """
    if not taxes:
        return []
    if taxes_included:
        known = sum((t["amount"] for t in taxes if t["amount"] is not None), Decimal(0))
        unknown_rates = sum((t["rate"] for t in taxes if t["amount"] is None), Decimal(0))
        # net = base + known + base * unknown_rates / 100
        base = (net - known) / (1 + unknown_rates / 100)
    else:
        base = net
    result = []
    for tax in taxes:
        amount = tax["amount"]
        rate = tax["rate"]
        if amount is None:
            amount = money(base * rate / 100)
        if rate is None:
            rate = derive_rate(base, amount)
        result.append((rate, amount))
    return result


def expected_total(order):
    """The total the order's lines, shipping, fees and taxes add up to (Decimal, not rounded)."""
    included = order["taxes_included"]
    total = Decimal(0)
    parts = [
        (line["unit_price"] * line["quantity"] - line["discount"], line["taxes"]) for line in order["lines"]
    ]
    parts += [(ship["price"] - ship["discount"], ship["taxes"]) for ship in order["shipping_lines"]]
    parts += [(fee["amount"], fee["taxes"]) for fee in order["fee_lines"]]
    for net, taxes in parts:
        total += net
        if not included:
            total += sum((amount for _rate, amount in tax_amounts(net, taxes, False)), Decimal(0))
    return total


def total_tolerance(order):
    """How far the platform's stated total may be from the sum of its parts: one cent per
    rounded amount (each line, shipping and fee line, plus the order itself)."""
    count = len(order["lines"]) + len(order["shipping_lines"]) + len(order["fee_lines"]) + 1
    return CENT * count


# ---------------------------------------------------------------------------- order
def normalize_order(data):
    """Validate a normalized order and return a clean copy (see the module docstring).

    :raises PermanentJobError: naming the first bad field, e.g.
        "Invalid order data: lines[1].quantity: must be at least 0, not -1".
    """
    data = _mapping(data, "order", required=True)
    order_id = to_text(data.get("id"), "id", required=True, max_length=255)
    currency = to_text(data.get("currency"), "currency", required=True)
    currency = currency.upper()
    if not _CURRENCY_RE.match(currency):
        _fail("currency", f"is not an ISO 4217 code: {currency!r}")
    taxes_included = data.get("taxes_included", False)
    if not isinstance(taxes_included, bool):
        _fail("taxes_included", f"must be true or false, not {taxes_included!r}")
    order = {
        "id": order_id,
        "number": to_text(data.get("number"), "number", max_length=255) or order_id,
        "created_at": to_datetime(data.get("created_at"), "created_at"),
        "updated_at": to_datetime(data.get("updated_at"), "updated_at"),
        "currency": currency,
        "taxes_included": taxes_included,
        "status": to_text(data.get("status"), "status", required=True),
        "customer": normalize_customer(data.get("customer"), "customer"),
        "billing_address": normalize_address(data.get("billing_address"), "billing_address"),
        "shipping_address": normalize_address(data.get("shipping_address"), "shipping_address"),
        "lines": [
            _normalize_line(line, f"lines[{index}]")
            for index, line in enumerate(_list(data.get("lines"), "lines"))
        ],
        "shipping_lines": [
            _normalize_shipping(line, f"shipping_lines[{index}]")
            for index, line in enumerate(_list(data.get("shipping_lines"), "shipping_lines"))
        ],
        "fee_lines": [
            _normalize_fee(line, f"fee_lines[{index}]")
            for index, line in enumerate(_list(data.get("fee_lines"), "fee_lines"))
        ],
        "discounts": [
            {
                "code": to_text(
                    _mapping(item, f"discounts[{index}]", required=True).get("code"),
                    f"discounts[{index}].code",
                ),
                "amount": to_decimal(item.get("amount"), f"discounts[{index}].amount", required=False),
            }
            for index, item in enumerate(_list(data.get("discounts"), "discounts"))
        ],
        "payment_method": to_text(data.get("payment_method"), "payment_method"),
        "payment_method_title": to_text(data.get("payment_method_title"), "payment_method_title"),
        "note": to_text(data.get("note"), "note"),
        "total": to_decimal(data.get("total"), "total"),
        "total_tax": to_decimal(data.get("total_tax"), "total_tax", required=False),
        "marketplace_tax": to_decimal(data.get("marketplace_tax"), "marketplace_tax", required=False,
                                      minimum=0),
        "fulfillments": [
            _normalize_fulfillment(item, f"fulfillments[{index}]")
            for index, item in enumerate(_list(data.get("fulfillments"), "fulfillments"))
        ],
        "refunds": [
            _normalize_refund(item, f"refunds[{index}]")
            for index, item in enumerate(_list(data.get("refunds"), "refunds"))
        ],
        "transactions": [
            _normalize_transaction(item, f"transactions[{index}]")
            for index, item in enumerate(_list(data.get("transactions"), "transactions"))
        ],
    }
    if not order["lines"]:
        _fail("lines", "an order needs at least one line")
    if order["updated_at"] < order["created_at"]:
        _fail("updated_at", "is before created_at")
    seen = set()
    for index, transaction in enumerate(order["transactions"]):
        if transaction["id"] in seen:
            _fail(f"transactions[{index}].id", f"{transaction['id']!r} is listed twice")
        seen.add(transaction["id"])
    refund_ids = set()
    for index, refund in enumerate(order["refunds"]):
        if refund["id"] in refund_ids:
            _fail(f"refunds[{index}].id", f"{refund['id']!r} is listed twice")
        refund_ids.add(refund["id"])
    # The stated total must be what the parts add up to: a mismatch means the adapter dropped
    # something (a fee, a discount allocation), and an order that does not add up is refused
    # rather than imported wrong.
    computed = expected_total(order)
    if abs(computed - order["total"]) > total_tolerance(order):
        _fail(
            "total",
            f"the platform states {order['total']} but the lines, shipping, fees and taxes add up "
            f"to {money(computed)}",
        )
    return order


PAYOUT_STATUSES = ("scheduled", "in_transit", "paid", "failed", "canceled")
PAYOUT_LINE_TYPES = ("charge", "refund", "adjustment", "fee", "dispute", "reserve", "other")


def normalize_payout(data):
    """Validate a platform payout (the money the platform pays into the merchant's bank account).

    ::

        {
          "id": "po_81",                  # platform payout id (required): the key
          "date": "2026-05-03",           # when it was (or will be) paid (required)
          "status": "paid",               # scheduled | in_transit | paid | failed | canceled
          "currency": "EUR",              # ISO 4217 (required)
          "amount": "951.20",             # net amount paid out (required; < 0 when the platform
                                          #   takes money back)
          "lines": [PAYOUT_LINE, ...],    # what the payout settles (its balance transactions)
        }
        PAYOUT_LINE = {"id" (platform balance transaction id, required: the key),
                       "type": charge | refund | adjustment | fee | dispute | reserve | other,
                       "amount" (gross, signed: a charge > 0, a refund < 0), "fee"? (>= 0: what
                       the platform kept; the line's net is amount - fee), "date"?,
                       "order_id"? (the platform order), "transaction_id"? (the order
                       TRANSACTION it settles: how the payout finds the Odoo payment),
                       "note"?}

    The lines' nets add up to the payout's amount (else PermanentJobError naming both).
    """
    try:
        return _normalize_payout(data)
    except PermanentJobError as exc:
        raise PermanentJobError(str(exc).replace("Invalid order data", "Invalid payout data", 1)) from None


def _normalize_payout(data):
    data = _mapping(data, "payout", required=True)
    payout = {
        "id": to_text(data.get("id"), "id", required=True, max_length=255),
        "date": to_datetime(data.get("date"), "date"),
        "status": (to_text(data.get("status"), "status", required=True) or "").lower(),
        "currency": (to_text(data.get("currency"), "currency", required=True) or "").upper(),
        "amount": to_decimal(data.get("amount"), "amount"),
        "lines": [],
    }
    if payout["status"] not in PAYOUT_STATUSES:
        _fail("status", f"must be one of {', '.join(PAYOUT_STATUSES)}, not {payout['status']!r}")
    if not _CURRENCY_RE.match(payout["currency"]):
        _fail("currency", f"is not an ISO 4217 code: {payout['currency']!r}")
    seen = set()
    for index, item in enumerate(_list(data.get("lines"), "lines")):
        path = f"lines[{index}]"
        item = _mapping(item, path, required=True)
        line = {
            "id": to_text(item.get("id"), f"{path}.id", required=True, max_length=255),
            "type": (to_text(item.get("type"), f"{path}.type", required=True) or "").lower(),
            "amount": to_decimal(item.get("amount"), f"{path}.amount"),
            "fee": to_decimal(item.get("fee"), f"{path}.fee", required=False, minimum=0) or Decimal(0),
            "date": to_datetime(item.get("date"), f"{path}.date", required=False),
            "order_id": to_text(item.get("order_id"), f"{path}.order_id"),
            "transaction_id": to_text(item.get("transaction_id"), f"{path}.transaction_id", max_length=255),
            "note": to_text(item.get("note"), f"{path}.note"),
        }
        if line["type"] not in PAYOUT_LINE_TYPES:
            _fail(f"{path}.type", f"must be one of {', '.join(PAYOUT_LINE_TYPES)}, not {line['type']!r}")
        if line["id"] in seen:
            _fail(f"{path}.id", f"{line['id']!r} is listed twice")
        seen.add(line["id"])
        payout["lines"].append(line)
    net = sum((line["amount"] - line["fee"] for line in payout["lines"]), Decimal(0))
    if payout["lines"] and money(net) != money(payout["amount"]):
        _fail("amount",
              f"the platform pays out {money(payout['amount'])} but its lines add up to {money(net)}")
    return payout


def _json_safe(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def order_to_json(order):
    """JSON-safe copy of a normalized order (or customer); `normalize_order` accepts it back."""
    return _json_safe(order)


def raw_order_id(data):
    """The platform id of a (possibly invalid) order payload, for error reports; never raises."""
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])
    return None
