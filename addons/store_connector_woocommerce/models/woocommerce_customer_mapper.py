"""Pure translations between WooCommerce customers (REST API v3 ``/customers``) and the base's
normalized customers (store_connector_base/services/normalized.py): no I/O, driven by fixture
payloads in the tests.

A WooCommerce customer: ``{"id", "email", "first_name", "last_name", "username", "role",
"date_created_gmt", "date_modified_gmt", "billing": {first_name, last_name, company, address_1,
address_2, city, state, postcode, country, email, phone}, "shipping": {the same without email},
"meta_data"}``. ``state`` is the state's code (``CA``), ``country`` the ISO code; dates in GMT
without a zone designator.
"""

import html

# WooCommerce address field -> normalized address key.
ADDRESS_FIELDS = (
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("company", "company"),
    ("address_1", "street"),
    ("address_2", "street2"),
    ("city", "city"),
    ("state", "state_code"),
    ("postcode", "zip"),
    ("country", "country_code"),
    ("phone", "phone"),
    ("email", "email"),
)


def _text(value):
    """A stripped text with HTML entities decoded (WordPress stores `&amp;`), or None."""
    if value in (None, False):
        return None
    text = html.unescape(str(value)).strip()
    return text or None


def gmt_time(value):
    """WooCommerce's ``*_gmt`` date (``2026-11-03T09:15:00``, no zone) as an ISO text in UTC, or None."""
    text = _text(value)
    if not text:
        return None
    return text if text.endswith("Z") or "+" in text[10:] else text + "Z"


def address_from_woocommerce(data):
    """A WooCommerce ``billing``/``shipping`` object as a normalized address dict (None when empty)."""
    if not isinstance(data, dict):
        return None
    address = {key: _text(data.get(field)) for field, key in ADDRESS_FIELDS}
    return address if any(address.values()) else None


def customer_from_woocommerce(data):
    """A WooCommerce customer as a normalized customer dict (for the base's customer import)."""
    billing = address_from_woocommerce(data.get("billing"))
    shipping = address_from_woocommerce(data.get("shipping"))
    return {
        "id": str(data["id"]) if data.get("id") not in (None, "", 0) else None,
        "email": _text(data.get("email")) or (billing or {}).get("email"),
        "first_name": _text(data.get("first_name")) or (billing or {}).get("first_name"),
        "last_name": _text(data.get("last_name")) or (billing or {}).get("last_name"),
        "phone": (billing or {}).get("phone") or (shipping or {}).get("phone"),
        "company": (billing or {}).get("company"),
        "billing_address": billing,
        "shipping_address": shipping,
        "updated_at": gmt_time(data.get("date_modified_gmt") or data.get("date_created_gmt")),
    }


def address_to_woocommerce(address, with_email=True):
    """A normalized address as a WooCommerce ``billing``/``shipping`` object: only the values Odoo
    has (an empty one never blanks WooCommerce's); the first and last names from the name when
    the address has no split names."""
    if not address:
        return {}
    address = dict(address)
    if not (address.get("first_name") or address.get("last_name")) and address.get("name"):
        first, _sep, last = address["name"].partition(" ")
        address.update(first_name=first, last_name=last or None)
    data = {}
    for field, key in ADDRESS_FIELDS:
        if field == "email" and not with_email:
            continue
        if address.get(key):
            data[field] = address[key]
    return data


def customer_to_woocommerce(customer):
    """A normalized customer (`store.order.importer._partner_to_customer`) as the body of a
    WooCommerce customer create or update (``email``, ``first_name``, ``last_name``, ``billing``,
    ``shipping``); empty values are left out."""
    data = {
        "email": customer.get("email"),
        "first_name": customer.get("first_name"),
        "last_name": customer.get("last_name"),
        "billing": address_to_woocommerce(customer.get("billing_address")),
        "shipping": address_to_woocommerce(customer.get("shipping_address"), with_email=False),
    }
    if customer.get("email") and data["billing"] and not data["billing"].get("email"):
        data["billing"]["email"] = customer["email"]
    if customer.get("phone") and data["billing"] and not data["billing"].get("phone"):
        data["billing"]["phone"] = customer["phone"]
    return {key: value for key, value in data.items() if value}
