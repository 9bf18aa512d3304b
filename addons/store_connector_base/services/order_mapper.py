"""Pure mapping from a normalized order (see `normalized`) to sale order values.

No database access here: the importer (`store.order.importer`) looks up products, taxes,
partners and countries in batches and passes plain dicts of ids; these functions only compute.
That keeps the money arithmetic testable on fixture dicts.

Money policy (documented for merchants in readme/USAGE.md):

* a product line keeps the platform's unit price; the platform's line discount becomes the line's
  discount percentage when that percentage (at Odoo's "Discount" precision) gives the platform's
  discounted amount to the cent, otherwise a separate discount line (same taxes, negative price)
  carries the exact amount;
* each line carries Odoo taxes of the platform's rates, tax-included when the platform's prices
  include taxes (the importer finds or creates one Odoo tax per rate and mode);
* shipping becomes a delivery line at the shipping price less its discount, fees a fee line;
* whatever Odoo's rounding still leaves between its total and the platform's (a cent per line
  at most, more when unit prices have more decimals than Odoo keeps) goes on a rounding line.
"""

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from .normalized import tax_amounts


def quantize(value, digits):
    """Round half up (as Odoo rounds money) to `digits` decimals."""
    return Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def tax_key(rate, included):
    """The key of one Odoo tax: (rate as a normalized string, tax-included flag)."""
    rate = Decimal(rate).normalize()
    # normalize() turns 20.00 into 2E+1: print it plainly.
    return (format(rate, "f"), bool(included))


def line_tax_keys(net, taxes, taxes_included):
    """The tax keys of one line, in the platform's order, without duplicates."""
    keys = []
    for rate, _amount in tax_amounts(net, taxes, taxes_included):
        key = tax_key(rate, taxes_included)
        if key not in keys:
            keys.append(key)
    return keys


def discount_percent(price_unit, quantity, target, discount_digits, currency_digits):
    """The discount percentage that turns price_unit x quantity into `target` in Odoo, or None.

    Odoo computes a line as round(price_unit * quantity * (1 - discount / 100)); the percentage
    is kept at `discount_digits` decimals, so only some amounts can be expressed exactly.
    """
    gross = Decimal(price_unit) * Decimal(quantity)
    if not gross:
        return None
    percent = quantize((1 - target / gross) * 100, discount_digits)
    if percent <= 0 or percent > 100:
        return None
    if quantize(gross * (1 - percent / 100), currency_digits) == quantize(target, currency_digits):
        return percent
    return None


def build_order_lines(order, ctx):
    """Sale order line values for a normalized order.

    :param ctx: dict with
        products: {sku: product id} for every known SKU,
        placeholder_product_id: product for unknown SKUs (None: the importer refused them before),
        tax_ids: {tax_key: account.tax id},
        shipping_product_id, discount_product_id, fee_product_id: product ids,
        price_digits, discount_digits, currency_digits: Odoo precisions,
        discount_label: format string with {name} and {codes} for discount lines,
        placeholder_label: format string with {sku} and {name}.
    :returns: (list of sale.order.line values dicts, rounding tolerance as Decimal): the tolerance
        is how far Odoo's total may honestly drift from the platform's because of rounding.
    """
    included = order["taxes_included"]
    cur = ctx["currency_digits"]
    unit = Decimal(1).scaleb(-cur)
    codes = ", ".join(d["code"] for d in order["discounts"] if d.get("code"))
    vals_list = []
    tolerance = unit  # the order's own rounding

    def taxes_of(net, taxes):
        return [ctx["tax_ids"][key] for key in line_tax_keys(net, taxes, included)]

    for line in order["lines"]:
        tax_ids = taxes_of(line["unit_price"] * line["quantity"] - line["discount"], line["taxes"])
        product_lines, price_rounding = _product_line_values(line, tax_ids, codes, ctx)
        vals_list += product_lines
        tolerance += unit * (1 + len(tax_ids)) + price_rounding
    for ship in order["shipping_lines"]:
        net = ship["price"] - ship["discount"]
        tax_ids = taxes_of(net, ship["taxes"])
        tolerance += unit * (1 + len(tax_ids))
        vals_list.append(_charge_line_values(ctx["shipping_product_id"], ship["title"], quantize(net, cur),
                                             tax_ids, is_delivery=True))
    for fee in order["fee_lines"]:
        tax_ids = taxes_of(fee["amount"], fee["taxes"])
        tolerance += unit * (1 + len(tax_ids))
        vals_list.append(_charge_line_values(ctx["fee_product_id"], fee["title"],
                                             quantize(fee["amount"], cur), tax_ids))
    for position, vals in enumerate(vals_list, start=1):
        vals["sequence"] = 10 * position
    return vals_list, tolerance


def _product_line_values(line, tax_ids, codes, ctx):
    """The sale order line of a normalized product line (see `build_order_lines` for `ctx`), and the
    line of its platform discount when Odoo cannot express it as a percentage of that line.

    :param tax_ids: the line's account.tax ids
    :param codes: the order's discount codes, for the discount line's name
    :returns: ([line values] or [line values, discount line values] without sequence, the rounding
        tolerance Odoo's shorter unit price adds as Decimal)
    """
    cur = ctx["currency_digits"]
    quantity = line["quantity"]
    target = quantize(line["unit_price"] * quantity - line["discount"], cur)
    price_unit = quantize(line["unit_price"], ctx["price_digits"])
    odoo_gross = quantize(price_unit * quantity, cur)
    price_rounding = Decimal(0)
    if price_unit != line["unit_price"]:
        # Odoo keeps fewer decimals than the platform: half a unit of the last kept digit per item.
        price_rounding = Decimal(1).scaleb(-ctx["price_digits"]) / 2 * quantity
    sku = line["sku"]
    # "bound_product_id": the importer found the line's variant through its platform id (a binding
    # without SKU); the others are matched by SKU.
    product_id = line.get("bound_product_id") or (ctx["products"].get(sku) if sku else None)
    name = line["name"] or sku or ""
    if product_id is None:
        product_id = ctx["placeholder_product_id"]
        name = ctx["placeholder_label"].format(sku=sku or "-", name=line["name"] or "")
    vals = {
        "product_id": product_id,
        "name": name or False,
        "product_uom_qty": float(quantity),
        "price_unit": float(price_unit),
        "discount": 0.0,
        "tax_id": [(6, 0, tax_ids)],
        # The fulfillment push names the shipped lines by it.
        "store_external_line_id": line["id"] or False,
        # What the platform shipped itself: the order's confirmation acts on it (see
        # sale.order._store_apply_platform_shipments).
        "store_platform_shipped_qty": float(line.get("shipped_quantity") or 0),
    }
    # Without a platform discount a gap is the unit price's rounding: left to the rounding line, as
    # announced by the tolerance.
    if odoo_gross == target or not line["discount"]:
        return [vals], price_rounding
    percent = discount_percent(price_unit, quantity, target, ctx["discount_digits"], cur)
    if percent is not None:
        vals["discount"] = float(percent)
        return [vals], price_rounding
    discount_name = ctx["discount_label"].format(name=name, codes=codes)
    return [vals, _charge_line_values(ctx["discount_product_id"], discount_name, target - odoo_gross,
                                      tax_ids)], price_rounding


def _charge_line_values(product_id, name, price, tax_ids, **extra):
    """A one-unit sale order line without sequence (shipping, fee, discount) of `price` (Decimal)."""
    return {
        "product_id": product_id,
        "name": name or False,
        "product_uom_qty": 1.0,
        "price_unit": float(price),
        "discount": 0.0,
        "tax_id": [(6, 0, tax_ids)],
        **extra,
    }


def all_tax_keys(order):
    """Every tax key an order needs (for one batched lookup)."""
    included = order["taxes_included"]
    keys = set()
    for line in order["lines"]:
        keys.update(
            line_tax_keys(line["unit_price"] * line["quantity"] - line["discount"], line["taxes"], included)
        )
    for ship in order["shipping_lines"]:
        keys.update(line_tax_keys(ship["price"] - ship["discount"], ship["taxes"], included))
    for fee in order["fee_lines"]:
        keys.update(line_tax_keys(fee["amount"], fee["taxes"], included))
    return keys


def canonical_number(value):
    """One text per value of a number, whatever its spelling: a plain fixed-point string without
    exponent and without trailing zeros ("10.00", "10.0", Decimal("1E+1") and 10 all give "10";
    "0E-2" and "-0.00" give "0"). The same order read through two APIs writes its amounts with
    other exponents (Shopify's GraphQL "10.0" and tax rate "2E+1", its REST body "10.00" and "20").

    :param value: Decimal, int, float or a numeric string (as a normalized order or its JSON copy
        holds them); None gives "".
    """
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not number:
        return "0"
    # format "f" never uses an exponent, and neither it nor rstrip rounds (normalize() would round
    # to the context's 28 digits).
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def lines_fingerprint(order):
    """A short hash of what the lines, shipping and fees of an order say; equal fingerprints mean
    a re-import would not change the order's lines. Numbers count by value (`canonical_number`).

    :param order: a normalized order, or its JSON copy (`normalized.order_to_json`, as a binding's
        last payload holds it): both give the same fingerprint.
    """
    number = canonical_number
    parts = []
    for line in order["lines"]:
        parts.append(
            (
                "l",
                line["sku"] or "",
                number(line["quantity"]),
                number(line["unit_price"]),
                number(line["discount"]),
                tuple((number(t["rate"]), number(t["amount"])) for t in line["taxes"]),
            )
        )
    for ship in order["shipping_lines"]:
        parts.append(("s", ship["title"] or "", number(ship["price"]), number(ship["discount"])))
    for fee in order["fee_lines"]:
        parts.append(("f", fee["title"] or "", number(fee["amount"])))
    return hashlib.sha1(repr(parts).encode()).hexdigest()


# ---------------------------------------------------------------------------- partners
ADDRESS_FIELDS = ("name", "street", "street2", "city", "zip", "state_id", "country_id", "phone")


def address_values(address, countries, states):
    """res.partner values of a normalized address.

    :param countries: {ISO code: res.country id}
    :param states: {(country id, state code or lower-cased name): res.country.state id}
    """
    country_id = countries.get(address.get("country_code") or "")
    state_id = None
    if country_id:
        state_id = states.get((country_id, address.get("state_code") or "")) or states.get(
            (country_id, (address.get("state") or "").lower())
        )
    name = address.get("name") or address.get("company")
    return {
        "name": name or False,
        "street": address.get("street") or False,
        "street2": address.get("street2") or False,
        "city": address.get("city") or False,
        "zip": address.get("zip") or False,
        "state_id": state_id or False,
        "country_id": country_id or False,
        "phone": address.get("phone") or False,
    }


# Contact details an address may leave out without being a different address.
OPTIONAL_ADDRESS_FIELDS = ("phone",)


def address_key(values, omit=()):
    """A comparable form of address values (from `address_values` or a partner's read).

    :param omit: fields left out of the comparison (replaced by "*").
    """
    key = []
    for field in ADDRESS_FIELDS:
        value = values.get(field)
        if field in omit:
            key.append("*")
            continue
        if isinstance(value, (list, tuple)):  # many2one as read: (id, name)
            value = value[0] if value else False
        if isinstance(value, str):
            value = " ".join(value.split()).casefold()
        key.append(value or False)
    return tuple(key)


def address_lookup_key(values):
    """The key to look an address up with: an address without a phone matches a contact
    with one (the platform did not say, the contact is not different)."""
    omit = tuple(field for field in OPTIONAL_ADDRESS_FIELDS if not values.get(field))
    return address_key(values, omit)


def contact_keys(values):
    """The keys under which a contact can be found: its full key, and the keys without the
    optional fields (see `address_lookup_key`)."""
    keys = {address_key(values)}
    keys.add(address_key(values, OPTIONAL_ADDRESS_FIELDS))
    return keys


def customer_values(customer, address, countries, states):
    """res.partner values of a new customer: its name and contact details, with the billing
    address (or the shipping address) as its main address."""
    values = address_values(address, countries, states) if address else {}
    name = (customer or {}).get("name") or (address or {}).get("name") or (customer or {}).get("email")
    values.update(
        {
            "name": name or False,
            "email": (customer or {}).get("email") or (address or {}).get("email") or False,
            "phone": (customer or {}).get("phone") or values.get("phone") or False,
        }
    )
    company = (customer or {}).get("company") or (address or {}).get("company")
    if company:
        values["company_name"] = company
    return values
