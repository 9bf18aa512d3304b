"""Pure mapping of eBay listings (no database, no I/O): the normalized product (see the base's
services/product_mapper.py) to the Sell Inventory API's inventory item, inventory item group and
offer payloads, and the checks a listing must pass before anything is sent (required item specifics,
conditions the category allows).

Field names follow eBay's OpenAPI contract of the Inventory API (``InventoryItemWithSkuLocale``,
``Product``, ``PackageWeightAndSize``, ``InventoryItemGroup``, ``EbayOfferDetailsWithKeys`` and
``EbayOfferDetailsWithId``, ``Compatibility``).
"""

import html
import re

# The Inventory API's ConditionEnum values the connector offers, with the names shown to merchants
# and eBay's numeric condition ids (what the Metadata API's getItemConditionPolicies answers and the
# Trading API uses). eBay has no "USED" enum: its "Used" (3000) is USED_EXCELLENT; an unknown enum
# fails with "Could not serialize field [condition]". MANUFACTURER_REFURBISHED is retired.
CONDITIONS = [
    # (enum, name shown, condition id)
    ("NEW", "New", "1000"),
    ("LIKE_NEW", "Like new", "2750"),
    ("NEW_OTHER", "New other (see details)", "1500"),
    ("NEW_WITH_DEFECTS", "New with defects", "1750"),
    ("CERTIFIED_REFURBISHED", "Certified refurbished", "2000"),
    ("EXCELLENT_REFURBISHED", "Excellent - Refurbished", "2010"),
    ("VERY_GOOD_REFURBISHED", "Very good - Refurbished", "2020"),
    ("GOOD_REFURBISHED", "Good - Refurbished", "2030"),
    ("SELLER_REFURBISHED", "Seller refurbished", "2500"),
    ("USED_EXCELLENT", "Used", "3000"),
    ("USED_VERY_GOOD", "Used - Very good", "4000"),
    ("USED_GOOD", "Used - Good", "5000"),
    ("USED_ACCEPTABLE", "Used - Acceptable", "6000"),
    ("FOR_PARTS_OR_NOT_WORKING", "For parts or not working", "7000"),
]
CONDITION_SELECTION = [(enum, name) for enum, name, _id in CONDITIONS]
CONDITION_NAMES = {enum: name for enum, name, _id in CONDITIONS}
CONDITION_BY_ID = {condition_id: enum for enum, _name, condition_id in CONDITIONS}
CONDITION_IDS = {enum: condition_id for enum, _name, condition_id in CONDITIONS}
DEFAULT_CONDITION = "NEW"

# The Inventory API lists fixed-price offers Good 'Til Cancelled only (listingDuration GTC).
LISTING_FORMAT = "FIXED_PRICE"
LISTING_DURATIONS = [("GTC", "Good 'Til Cancelled")]
DEFAULT_LISTING_DURATION = "GTC"

# Calls of the Inventory API's bulk methods carry at most 25 items (bulkCreateOrReplaceInventoryItem,
# bulkCreateOffer, bulkPublishOffer).
BULK_LIMIT = 25

# external_data keys of a product binding (see the base's store.product.binding).
KEY_OFFER = "offer_id"
KEY_LISTING = "listing_id"
KEY_GROUP = "ebay_group_key"
KEY_API = "ebay_listing_api"
KEY_COMPATIBILITY = "ebay_compatibility"
API_INVENTORY = "inventory"
API_TRADING = "trading"

# Mapped platform fields with a place of their own in the item rather than in its item specifics
# (the field mapping's "platform field"): the package's dimensions, and a condition description.
DIMENSION_KEYS = {"package_length": "length", "package_width": "width", "package_height": "height"}
CONDITION_DESCRIPTION_KEY = "condition_description"
RESERVED_KEYS = frozenset(DIMENSION_KEYS) | {CONDITION_DESCRIPTION_KEY}
# Item specifics also sent as the product's own brand and manufacturer part number.
BRAND_ASPECT = "brand"
MPN_ASPECTS = ("mpn", "manufacturer part number")

WEIGHT_UNITS = {"kg": "KILOGRAM", "lb": "POUND"}
LENGTH_UNITS = {"kg": "CENTIMETER", "lb": "INCH"}
# eBay's group key: up to 50 characters.
GROUP_KEY_MAX = 50

_TAG_RE = re.compile(r"<[a-zA-Z/][^>]*>")


def condition_name(enum):
    """The name merchants see for a ConditionEnum value (the value itself when unknown)."""
    return CONDITION_NAMES.get(enum, enum or "")


def html_description(text, fallback):
    """The listing description as HTML: text with tags is sent as is, plain text escaped with its
    line breaks kept; empty: `fallback` (the title), since eBay needs a description to publish."""
    text = (text or "").strip() or (fallback or "")
    if _TAG_RE.search(text):
        return text
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _aspect_values(value):
    """An item specific's values: eBay takes a list of strings; empty values are left out."""
    values = value if isinstance(value, list | tuple) else [value]
    result = []
    for item in values:
        if item is None or item is False or item == "":
            continue
        if isinstance(item, float) and item.is_integer():
            item = int(item)
        text = str(item).strip()
        if text and text not in result:
            result.append(text)
    return result


def aspects_of(extra, attributes=()):
    """Item specifics ({name: [values]}) from mapped fields (the normalized product's or variant's
    "extra", less the reserved keys) and variant attributes ([{"name", "value"}])."""
    aspects = {}
    for name, value in (extra or {}).items():
        if name in RESERVED_KEYS:
            continue
        values = _aspect_values(value)
        if values:
            aspects[name] = values
    for attribute in attributes or ():
        values = _aspect_values(attribute.get("value"))
        if values:
            aspects[attribute["name"]] = values
    return aspects


def _aspect(aspects, names):
    wanted = {name.lower() for name in names}
    for name, values in aspects.items():
        if name.lower() in wanted and values:
            return values[0]
    return None


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def package_of(variant, extra):
    """``packageWeightAndSize`` of a variant: its weight, and the package dimensions when the
    three are mapped (``package_length``, ``package_width``, ``package_height``). None when empty."""
    system = variant.get("weight_unit") or "kg"
    package = {}
    weight = _number(variant.get("weight"))
    if weight:
        package["weight"] = {"value": round(weight, 3), "unit": WEIGHT_UNITS.get(system, "KILOGRAM")}
    sizes = {target: _number(extra.get(key)) for key, target in DIMENSION_KEYS.items()}
    if all(sizes.values()):
        package["dimensions"] = {**{k: round(v, 2) for k, v in sizes.items()},
                                 "unit": LENGTH_UNITS.get(system, "CENTIMETER")}
    return package or None


def _barcode_fields(barcode):
    """A barcode as the product's EAN (13 digits) or UPC (12 digits); nothing otherwise."""
    code = (barcode or "").strip()
    if code.isdigit() and len(code) == 13:
        return {"ean": [code]}
    if code.isdigit() and len(code) == 12:
        return {"upc": [code]}
    return {}


def is_group(product):
    """Whether a product lists as an inventory item group (it has variants that differ)."""
    variants = product.get("variants") or []
    return len(variants) > 1 or any(variant.get("attributes") for variant in variants)


def group_key(product):
    """The inventory item group key of a product with variants: the one it was listed under, or a
    new one from the Odoo product's id."""
    for variant in product.get("variants") or []:
        known = (variant.get("external_ids") or {}).get(KEY_GROUP)
        if known:
            return known
    return f"ODOO-{product['odoo_id']}"[:GROUP_KEY_MAX]


def image_urls(product, variant=None):
    """The public image URLs of a product (main image first), a variant's own image first."""
    urls = []
    own = (variant or {}).get("image") or {}
    if own.get("url"):
        urls.append(own["url"])
    for image in product.get("images") or ():
        if image.get("url") and image["url"] not in urls:
            urls.append(image["url"])
    return urls[:24]  # eBay takes at most 24 pictures per listing


def variant_aspects(product, variant):
    """All the item specifics of one variant: the product's mapped fields, the variant's, and its
    attributes (what varies in a group)."""
    return {**aspects_of(product.get("extra")), **aspects_of(variant.get("extra"), variant.get("attributes"))}


def inventory_item(product, variant, *, condition, quantity, locale, condition_description=None):
    """The ``InventoryItemWithSkuLocale`` of one variant (bulkCreateOrReplaceInventoryItem): a full
    replacement of the item on eBay, so every field the connector owns is sent each time."""
    aspects = variant_aspects(product, variant)
    extra = {**(product.get("extra") or {}), **(variant.get("extra") or {})}
    title = product.get("title") or variant.get("sku")
    item_product = {
        "title": title[:80],
        "description": html_description(product.get("description"), title),
        "aspects": aspects,
        "imageUrls": image_urls(product, variant),
        **_barcode_fields(variant.get("barcode")),
    }
    brand = _aspect(aspects, [BRAND_ASPECT])
    mpn = _aspect(aspects, MPN_ASPECTS)
    if brand:
        item_product["brand"] = brand
    if mpn:
        item_product["mpn"] = mpn
    item = {
        "sku": variant["sku"],
        "locale": locale,
        "condition": condition,
        "product": item_product,
        "availability": {"shipToLocationAvailability": {"quantity": max(0, int(quantity or 0))}},
    }
    description = condition_description or extra.get(CONDITION_DESCRIPTION_KEY)
    if description:
        item["conditionDescription"] = str(description)[:1000]
    package = package_of(variant, extra)
    if package:
        item["packageWeightAndSize"] = package
    return item


def inventory_item_group(product, key):
    """The ``InventoryItemGroup`` of a product with variants (PUT /inventory_item_group/{key}):
    the shared title, description, images and item specifics, the variants' SKUs and what varies
    (``variesBy.specifications``: each attribute with its values)."""
    title = product.get("title") or key
    return {
        "inventoryItemGroupKey": key,
        "title": title[:80],
        "description": html_description(product.get("description"), title),
        "imageUrls": image_urls(product),
        "aspects": aspects_of(product.get("extra")),
        "variantSKUs": [variant["sku"] for variant in product.get("variants") or []],
        "variesBy": {
            "specifications": [
                {"name": option["name"], "values": [str(value) for value in option["values"]]}
                for option in product.get("options") or ()
            ],
        },
    }


def offer(variant, *, currency, category_id, policies, location_key, marketplace_id=None,
          listing_duration=DEFAULT_LISTING_DURATION):
    """An offer of one variant. With `marketplace_id`: the ``EbayOfferDetailsWithKeys`` of a new
    offer (bulkCreateOffer: sku, marketplaceId and format identify it); without: the
    ``EbayOfferDetailsWithId`` of PUT /offer/{offerId}, a full replacement of the offer.

    No ``availableQuantity``: the item's quantity alone makes the listed quantity (eBay lists the
    lower of the two when both are set).
    """
    body = {
        "categoryId": str(category_id),
        "listingDuration": listing_duration or DEFAULT_LISTING_DURATION,
        "listingPolicies": {
            "fulfillmentPolicyId": policies["fulfillment"],
            "paymentPolicyId": policies["payment"],
            "returnPolicyId": policies["return"],
        },
        "merchantLocationKey": location_key,
        "pricingSummary": {"price": {"value": f"{float(variant.get('price') or 0.0):.2f}",
                                     "currency": currency}},
    }
    if marketplace_id:
        body = {"sku": variant["sku"], "marketplaceId": marketplace_id, "format": LISTING_FORMAT, **body}
    return body


def compatibility(rows):
    """The body of PUT /inventory_item/{sku}/product_compatibility from the product's rows
    ([{"year", "make", "model", "engine", "notes"}]): each row's set properties, named as eBay's
    motors compatibility properties."""
    products = []
    for row in rows:
        properties = [
            {"name": label, "value": str(row[key]).strip()}
            for key, label in (("year", "Year"), ("make", "Make"), ("model", "Model"), ("engine", "Engine"))
            if row.get(key) not in (None, False, "") and str(row[key]).strip()
        ]
        if not properties:
            continue
        entry = {"compatibilityProperties": properties}
        if row.get("notes"):
            entry["notes"] = str(row["notes"])[:500]
        products.append(entry)
    return {"compatibleProducts": products}


def missing_aspects(required, aspects):
    """The required item specifics (names as eBay spells them) that `aspects` lacks or leaves empty.
    Names compare case-insensitively, as merchants type them in the field mapping."""
    have = {name.strip().lower() for name, values in aspects.items() if values}
    return [name for name in required if name.strip().lower() not in have]


def category_aspect_facts(body):
    """What the connector keeps of getItemAspectsForCategory's answer: the required item specifics'
    names, the names of all of them (to tell a merchant which exist), and the values of the ones
    eBay takes only from its list (aspectMode SELECTION_ONLY)."""
    required, names, selection = [], [], {}
    for aspect in (body or {}).get("aspects") or ():
        name = aspect.get("localizedAspectName")
        if not name:
            continue
        names.append(name)
        constraint = aspect.get("aspectConstraint") or {}
        if constraint.get("aspectRequired"):
            required.append(name)
        values = [value["localizedValue"] for value in aspect.get("aspectValues") or ()
                  if value.get("localizedValue")]
        if constraint.get("aspectMode") == "SELECTION_ONLY" and values:
            selection[name] = values
    return {"required": required, "names": names, "selection": selection}


def refused_aspect_values(selection, aspects):
    """The values of `aspects` that the category's selection-only item specifics (`selection`: {name:
    [values eBay offers]}) do not offer: {name as eBay spells it: [values refused]}. Names and values
    compare case-insensitively."""
    by_name = {name.strip().lower(): (name, {v.strip().lower() for v in values})
               for name, values in (selection or {}).items()}
    refused = {}
    for name, values in aspects.items():
        known = by_name.get(name.strip().lower())
        if not known:
            continue
        wrong = [value for value in values if value.strip().lower() not in known[1]]
        if wrong:
            refused[known[0]] = wrong
    return refused


def category_condition_facts(body, category_id):
    """What the connector keeps of getItemConditionPolicies' answer for one category: the
    ConditionEnum values it allows (ids without an enum are left out) and whether a condition is
    required. ``allowed`` None: eBay named no condition for the category (nothing to check)."""
    for policy in (body or {}).get("itemConditionPolicies") or ():
        if str(policy.get("categoryId")) != str(category_id):
            continue
        allowed = []
        for condition in policy.get("itemConditions") or ():
            enum = CONDITION_BY_ID.get(str(condition.get("conditionId")))
            if enum and enum not in allowed:
                allowed.append(enum)
        return {"allowed": allowed or None, "required": bool(policy.get("itemConditionRequired"))}
    return {"allowed": None, "required": False}
