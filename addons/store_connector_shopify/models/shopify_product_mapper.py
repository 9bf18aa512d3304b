"""Pure mapping between the base's normalized product (services/product_mapper.py) and Shopify's
`productSet` input and GraphQL `Product`. No database, no I/O.

`productSet` *replaces* list fields (variants, options, metafields): whatever an export omits is
deleted on Shopify. `product_set_input` therefore always describes the whole product: every variant
and every mapped metafield, never a delta. The caller (the adapter) makes sure the normalized
product carries all the template's bound variants.

Field mapping: the store's field mapping names platform fields. Besides the fixed ones (title,
description, sku, barcode, price, weight), ``vendor``, ``product_type`` and ``tags`` set the
product's scalars, and a platform field written ``namespace.key`` (e.g. ``custom.material``) is a
metafield, on the product (template-level mapping) or on the variant (variant-level mapping).
"""

import hashlib
import json
from datetime import datetime

from .shopify_order_mapper import legacy_id

STATUS_TO_SHOPIFY = {"active": "ACTIVE", "unpublished": "DRAFT", "archived": "ARCHIVED"}
STATUS_FROM_SHOPIFY = {value: key for key, value in STATUS_TO_SHOPIFY.items()}
DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"
WEIGHT_UNITS = {"kg": "KILOGRAMS", "lb": "POUNDS"}
PRODUCT_SCALARS = {"vendor": "vendor", "product_type": "productType", "tags": "tags"}
# Shopify has the weight on the inventory item (InventoryItemInput.measurement.weight {value, unit}).
EXPORT_WEIGHT = True
# external_data key of a binding: what Shopify answered to Odoo's last export of the product (its
# update time and `export_fingerprint`), to recognise the products/update webhook it causes.
EXPORT_ECHO_KEY = "shopify_export"
# external_data key of a binding: the image URLs (ProductSetInput.files originalSource) Shopify got
# in the last export of the product. productSet replaces a product's files with the list given, and
# Shopify downloads every originalSource again: files are sent only when Odoo's images changed
# (a changed image has a new URL, see store.product.image), otherwise left out and kept as they are.
MEDIA_SOURCES_KEY = "shopify_media_sources"
COLLECTION_GID = "gid://shopify/Collection/"

PRODUCT_FIELDS = """
  id legacyResourceId title descriptionHtml status updatedAt
  options { name values }
  variants(first: 100) { nodes { id legacyResourceId sku barcode price compareAtPrice
    selectedOptions { name value } inventoryItem { id legacyResourceId } } }
"""
PRODUCT_SET_RESULT = """
  product { id legacyResourceId status title updatedAt
    variants(first: 250) { nodes { id legacyResourceId sku inventoryItem { id legacyResourceId } } } }
  userErrors { field message code }
"""


def _metafield(name, value):
    namespace, key = name.split(".", 1)
    if isinstance(value, bool):
        kind, value = "boolean", "true" if value else "false"
    elif isinstance(value, int):
        kind, value = "number_integer", str(value)
    elif isinstance(value, float):
        kind, value = "number_decimal", repr(value)
    else:
        kind, value = "single_line_text_field", str(value)
    return {"namespace": namespace, "key": key, "type": kind, "value": value}


def _metafields(extra):
    return [
        _metafield(name, value)
        for name, value in sorted((extra or {}).items())
        if "." in name and value not in (None, False, "")
    ]


def _money(value):
    if value in (None, False, ""):
        return None
    return f"{float(value):.2f}"


def variants_to_send(product):
    """The variants a productSet must carry: all of them, except archived ones while the product
    itself stays (archiving a variant deletes it on Shopify; archiving every variant archives the
    product and keeps them)."""
    variants = product.get("variants") or []
    if product.get("status") == "archived":
        return variants
    return [v for v in variants if v.get("status") != "archived"]


def _file(image):
    """FileSetInput of a normalized image ({"url", "alt"}): Shopify fetches it from Odoo's URL."""
    item = {"originalSource": image["url"], "contentType": "IMAGE"}
    if image.get("alt"):
        item["alt"] = image["alt"]
    return item


def media_sources(product):
    """The image URLs of the product Shopify got last (see MEDIA_SOURCES_KEY), or None when Odoo
    never sent it images."""
    for variant in product.get("variants") or []:
        sources = (variant.get("external_ids") or {}).get(MEDIA_SOURCES_KEY)
        if sources is not None:
            return list(sources)
    return None


def files_to_send(product):
    """The image URLs to send as the product's files, or None to leave its files alone: only a
    published product's, and only when they differ from what Shopify got last (a product Odoo never
    sent images keeps the media the merchant gave it on Shopify)."""
    if (product.get("status") or "active") != "active":
        return None
    urls = [image["url"] for image in product.get("images") or []]
    previous = media_sources(product)
    if urls == (previous or []):
        return None
    return urls


def collection_ids(product):
    """Shopify collection GIDs of the product's mapped categories (a bare number is a collection's
    legacy id); None when the store maps its category to none, so that the collections the product
    has on Shopify stay."""
    ids = []
    for category in product.get("categories") or []:
        value = str(category.get("id") or "").strip()
        if value.isdigit():
            value = COLLECTION_GID + value
        if value and value not in ids:
            ids.append(value)
    return ids or None


def product_set_input(product, with_weight=EXPORT_WEIGHT):
    """(identifier or None, ProductSetInput) for a normalized product.

    :returns: identifier {"id": product GID} when the product is known on Shopify (else None:
        productSet creates it), and the input describing the whole product.
    """
    variants = variants_to_send(product)
    options = [o for o in product.get("options") or [] if o.get("values")]
    product_id = (product.get("external_ids") or {}).get("product_id")
    data = {
        "title": product.get("title"),
        "status": STATUS_TO_SHOPIFY.get(product.get("status") or "active", "ACTIVE"),
    }
    if product.get("description") is not None:
        data["descriptionHtml"] = product["description"] or ""
    for name, key in PRODUCT_SCALARS.items():
        value = (product.get("extra") or {}).get(name)
        if value not in (None, False):
            data[key] = [t.strip() for t in value.split(",") if t.strip()] if name == "tags" else str(value)
    if options:
        data["productOptions"] = [
            {
                "name": option["name"],
                "position": index,
                "values": [{"name": str(v)} for v in option["values"]],
            }
            for index, option in enumerate(options, start=1)
        ]
    else:
        data["productOptions"] = [
            {"name": DEFAULT_OPTION, "position": 1, "values": [{"name": DEFAULT_VALUE}]}
        ]
    option_names = [o["name"] for o in options]
    files = files_to_send(product)
    if files is not None:
        data["files"] = [_file(image) for image in product.get("images") or []]
    collections = collection_ids(product)
    if collections is not None:
        data["collections"] = collections
    data["variants"] = []
    for position, variant in enumerate(variants, start=1):
        values = {a["name"]: str(a["value"]) for a in variant.get("attributes") or []}
        if option_names:
            option_values = [{"optionName": name, "name": values.get(name, "")} for name in option_names]
        else:
            option_values = [{"optionName": DEFAULT_OPTION, "name": DEFAULT_VALUE}]
        item = {"sku": variant.get("sku"), "tracked": True}
        if with_weight and variant.get("weight") is not None:
            item["measurement"] = {
                "weight": {
                    "value": variant["weight"],
                    "unit": WEIGHT_UNITS.get(variant.get("weight_unit"), "KILOGRAMS"),
                }
            }
        entry = {
            "position": position,
            "optionValues": option_values,
            "price": _money(variant.get("price")) or "0.00",
            "compareAtPrice": _money(variant.get("compare_at_price")),
            "barcode": variant.get("barcode") or None,
            "inventoryItem": item,
            "metafields": _metafields(variant.get("extra")),
        }
        if files is not None and variant.get("image"):
            # A variant's file must be one of the product's files (sent just above).
            entry["file"] = _file(variant["image"])
        variant_id = (variant.get("external_ids") or {}).get("variant_id")
        if variant_id and product_id:
            entry["id"] = variant_id
        # A compare-at price at or below the price is no sale: Shopify shows none; send none.
        if entry["compareAtPrice"] and float(entry["compareAtPrice"]) <= float(entry["price"]):
            entry["compareAtPrice"] = None
        data["variants"].append(entry)
    data["metafields"] = _metafields(product.get("extra"))
    return ({"id": product_id} if product_id else None), data


def export_results(product, shopify_product):
    """The adapter's per-SKU results ({"sku", "external_ids", "error"}) of one productSet answer.

    Variants are matched by SKU; an archived variant left out of the productSet is reported with
    its ids cleared (Shopify deleted it).
    """
    by_sku = {}
    for node in ((shopify_product or {}).get("variants") or {}).get("nodes") or []:
        if node.get("sku"):
            by_sku[node["sku"]] = node
    sent = {v.get("sku") for v in variants_to_send(product)}
    results = []
    for variant in product.get("variants") or []:
        sku = variant.get("sku")
        node = by_sku.get(sku)
        ids = {
            "product_id": shopify_product.get("id"),
            "product_legacy_id": legacy_id(shopify_product.get("legacyResourceId")),
        }
        if sku not in sent:
            ids.update(
                {
                    "variant_id": None,
                    "inventory_item_id": None,
                    "variant_legacy_id": None,
                    "inventory_item_legacy_id": None,
                }
            )
            results.append({"sku": sku, "external_ids": ids, "error": None})
        elif node is None:
            results.append({"sku": sku, "external_ids": {}, "error": f"Shopify did not return SKU {sku}."})
        else:
            item = node.get("inventoryItem") or {}
            ids.update(
                {
                    "variant_id": node.get("id"),
                    "variant_legacy_id": legacy_id(node.get("legacyResourceId")),
                    "inventory_item_id": item.get("id"),
                    "inventory_item_legacy_id": legacy_id(item.get("legacyResourceId")),
                }
            )
            ids[EXPORT_ECHO_KEY] = {
                "updated_at": shopify_product.get("updatedAt"),
                "fingerprint": export_fingerprint(shopify_product),
            }
            if files_to_send(product) is not None:
                ids[MEDIA_SOURCES_KEY] = [image["url"] for image in product.get("images") or []]
            results.append({"sku": sku, "external_ids": ids, "error": None})
    return results


def export_fingerprint(product):
    """A digest of what the products/update webhook and our import read of a product: its title,
    status and variants (id, SKU, inventory item). Computed alike from a GraphQL Product (the
    productSet answer) and from a REST-shaped webhook body, so that equal digests mean Shopify's
    product is still as Odoo's export left it, for all the import would read.

    :returns: a hex digest, or None when the product has no id.
    """
    if not product or not product.get("id"):
        return None
    if isinstance(product.get("variants"), list):  # REST-shaped (a webhook body)
        variants = [
            (legacy_id(v.get("id")), v.get("sku") or "", legacy_id(v.get("inventory_item_id")))
            for v in product.get("variants") or [] if isinstance(v, dict)
        ]
    else:
        variants = [
            (legacy_id(v.get("legacyResourceId") or v.get("id")), v.get("sku") or "",
             legacy_id((v.get("inventoryItem") or {}).get("legacyResourceId")
                       or (v.get("inventoryItem") or {}).get("id")))
            for v in ((product.get("variants") or {}).get("nodes") or [])
        ]
    facts = {
        "title": product.get("title") or "",
        "status": str(product.get("status") or "").lower(),
        "variants": sorted([str(part or "") for part in variant] for variant in variants),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def same_moment(first, second):
    """Whether two Shopify timestamps (GraphQL "...Z", REST "...+02:00") name the same moment;
    False when either is missing or unreadable."""
    if not first or not second:
        return False
    try:
        moments = [datetime.fromisoformat(str(value).replace("Z", "+00:00")) for value in (first, second)]
    except ValueError:
        return False
    if any(moment.tzinfo is None for moment in moments):
        return False
    return moments[0] == moments[1]


def product_from_graphql(node):
    """A normalized product for the base's import (`_import_product_page`) from a GraphQL Product."""
    variants = []
    for variant in ((node.get("variants") or {}).get("nodes")) or node.get("_variants") or []:
        attributes = [
            {"name": opt["name"], "value": opt["value"]}
            for opt in variant.get("selectedOptions") or []
            if not (opt["name"] == DEFAULT_OPTION and opt["value"] == DEFAULT_VALUE)
        ]
        item = variant.get("inventoryItem") or {}
        variants.append(
            {
                "sku": variant.get("sku") or None,
                "barcode": variant.get("barcode") or None,
                "price": float(variant["price"]) if variant.get("price") not in (None, "") else None,
                "compare_at_price": float(variant["compareAtPrice"])
                if variant.get("compareAtPrice")
                else None,
                "attributes": attributes,
                "external_ids": {
                    "product_id": node.get("id"),
                    "product_legacy_id": legacy_id(node.get("legacyResourceId")),
                    "variant_id": variant.get("id"),
                    "variant_legacy_id": legacy_id(variant.get("legacyResourceId")),
                    "inventory_item_id": item.get("id"),
                    "inventory_item_legacy_id": legacy_id(item.get("legacyResourceId")),
                },
            }
        )
    return {
        "title": node.get("title"),
        "description": node.get("descriptionHtml") or None,
        "status": STATUS_FROM_SHOPIFY.get(node.get("status"), "active"),
        "external_ids": {
            "product_id": node.get("id"),
            "product_legacy_id": legacy_id(node.get("legacyResourceId")),
        },
        "variants": variants,
    }
