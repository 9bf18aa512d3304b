"""Pure product mapping: Odoo values in, the normalized product dict out (no database, no I/O).

`connector.store._product_export_rows` reads the records; the functions here decide the shape that
`store.adapter._export_products` receives, so that fixture rows drive their tests.

The normalized product (one per product template and store)::

    {
        "odoo_id": int,                 # product.template id
        "title": str, "description": str or None,
        "status": "active" | "unpublished" | "archived",
        "currency": "EUR",
        "options": [{"name": "Color", "values": ["Red", "Blue"]}],
        "extra": {platform field: value},          # mapped template-level fields
        "external_ids": {"product_id": ...},       # what the store's bindings know
        "images": [{"url": str, "alt": str}],      # main image first, then the variants' own;
                                                   #   public URLs Odoo serves (store.product.image)
        "categories": [{"id": str, "name": str}],  # the store's category mapping for the product's
                                                   #   category (platform ids or names); may be []
        "listing": {name: value},                  # the listing fields the platform declares
                                                   #   (store.adapter._listing_fields), with defaults
        "variants": [{
            "odoo_id": int,             # product.product id
            "sku": str, "barcode": str or None,
            "price": float, "compare_at_price": float or None,
            "weight": float or None, "weight_unit": "kg" | "lb",
            "status": "active" | "unpublished" | "archived",
            "attributes": [{"name": "Color", "value": "Red"}],
            "extra": {platform field: value},      # mapped variant-level fields
            "external_ids": {"variant_id": ..., "inventory_item_id": ..., ...},
            "image": {"url": str, "alt": str} or None,  # the variant's own image (also in "images")
        }],
    }

Images are only sent for published products: an unpublished or archived product's tokens are
revoked, and its dict carries no images.
"""

import html
import re
import string

TRANSFORMS = [
    ("none", "As is"),
    ("upper", "UPPER CASE"),
    ("lower", "lower case"),
    ("strip_html", "Strip HTML"),
    ("g_to_kg", "Grams to kilograms"),
    ("kg_to_lb", "Kilograms to pounds"),
    ("format", "Format string"),
]

KG_PER_LB = 0.45359237
UNIT_AFTER_TRANSFORM = {"g_to_kg": "kg", "kg_to_lb": "lb"}

# Platform fields with a fixed place in the normalized dict; any other platform field goes to "extra".
TEMPLATE_KEYS = ("title", "description")
VARIANT_KEYS = ("sku", "barcode", "price", "weight")

_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


class MappingError(ValueError):
    """A value the mapping cannot transform; the message names the field and the value."""


def check_format_string(fmt):
    """Refuse a format string with anything but ``{value}`` placeholders (with an optional format
    spec such as ``{value:.2f}``): attribute or index access would let a mapping read internals.

    :raises MappingError: with the reason.
    """
    if not fmt:
        raise MappingError("A format transform needs a format string, e.g. 'Part {value}'.")
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise MappingError(f"Invalid format string {fmt!r}: {exc}") from None
    names = [name for _text, name, _spec, _conv in parsed if name is not None]
    if not names:
        raise MappingError(f"The format string {fmt!r} has no {{value}} placeholder.")
    for name in names:
        if name != "value":
            raise MappingError(f"The format string {fmt!r} may only use {{value}}, not {{{name}}}.")


def _number(value, label):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise MappingError(f"{label}: {value!r} is not a number.") from None
    return float(value)


def apply_transform(value, transform="none", fmt=None, label="value"):
    """Transform one mapped value.

    Empty values (None) pass through untouched, so an unset field stays unset on the platform.

    :param transform: a key of TRANSFORMS.
    :param fmt: the format string of the "format" transform.
    :param label: names the field in error messages.
    :raises MappingError: the value does not suit the transform.
    """
    if value is None or transform in (None, "none"):
        return value
    if transform == "upper":
        return str(value).upper()
    if transform == "lower":
        return str(value).lower()
    if transform == "strip_html":
        text = html.unescape(_TAG_RE.sub(" ", str(value)))
        return _SPACE_RE.sub(" ", text).strip()
    if transform == "g_to_kg":
        return round(_number(value, label) / 1000.0, 6)
    if transform == "kg_to_lb":
        return round(_number(value, label) / KG_PER_LB, 6)
    if transform == "format":
        check_format_string(fmt)
        try:
            return fmt.format(value=value)
        except (ValueError, TypeError) as exc:
            raise MappingError(f"{label}: cannot format {value!r} with {fmt!r} ({exc}).") from None
    raise MappingError(f"Unknown transform {transform!r}.")


def map_fields(values, mappings, level):
    """Apply the mappings of one level to a row of Odoo values.

    :param values: {odoo field name: value}
    :param mappings: [{"field", "platform_field", "transform", "format", "level"}]
    :param level: "template" or "variant": only the mappings of that level apply.
    :returns: {platform field: transformed value}
    """
    mapped = {}
    for mapping in mappings:
        if mapping["level"] != level or mapping["field"] not in values:
            continue
        mapped[mapping["platform_field"]] = apply_transform(
            values[mapping["field"]], mapping.get("transform"), mapping.get("format"),
            label=mapping["field"],
        )
    return mapped


def mapping_level(platform_field, field_is_template_level):
    """Where a mapped platform field goes: fixed keys have a fixed level, others follow the Odoo field."""
    if platform_field in TEMPLATE_KEYS:
        return "template"
    if platform_field in VARIANT_KEYS:
        return "variant"
    return "template" if field_is_template_level else "variant"


def build_product(template, rows, mappings, status):
    """The normalized product of one template.

    :param template: {"odoo_id": int, "external_ids": dict, "currency": str, "weight_unit": str,
        "image": main image URL or None, "image_alt": str, "categories": [{"id", "name"}],
        "listing": {name: value} (see `listing_values`)}
    :param rows: one per variant: {"odoo_id", "values": {odoo field: value}, "attributes": [(name, value)],
        "list_price": float, "status": str, "external_ids": dict, "image": the variant's own image URL
        or None}; "values" holds the mapped fields, the price already through the store's pricelist.
    :param mappings: see `map_fields`; each with its "level" (see `mapping_level`).
    :param status: the product's status on the platform.
    :returns: the normalized product dict (see the module docstring).
    :raises MappingError: a value does not suit its transform.
    """
    if not rows:
        raise MappingError("A product needs at least one variant to be exported.")
    head = map_fields(rows[0]["values"], mappings, "template")
    alt = template.get("image_alt") or None
    images = [{"url": template["image"], "alt": alt}] if template.get("image") else []
    product = {
        "odoo_id": template["odoo_id"],
        "title": head.pop("title", None),
        "description": head.pop("description", None),
        "status": status,
        "currency": template.get("currency"),
        "options": [],
        "extra": head,
        "external_ids": dict(template.get("external_ids") or {}),
        "images": images,
        "categories": [dict(category) for category in template.get("categories") or ()],
        "listing": dict(template.get("listing") or {}),
        "variants": [],
    }
    weight_unit = template.get("weight_unit") or "kg"
    for mapping in mappings:
        # The unit conversions say what unit the platform receives.
        if mapping["platform_field"] == "weight" and mapping.get("transform") in UNIT_AFTER_TRANSFORM:
            weight_unit = UNIT_AFTER_TRANSFORM[mapping["transform"]]
    options = {}
    for row in rows:
        mapped = map_fields(row["values"], mappings, "variant")
        price = mapped.pop("price", None)
        list_price = row.get("list_price")
        # A price below the list price is a discount: platforms show the list price struck through.
        compare_at = list_price if price is not None and list_price and list_price > price + 1e-9 else None
        attributes = [{"name": name, "value": value} for name, value in row.get("attributes") or ()]
        for attribute in attributes:
            values = options.setdefault(attribute["name"], [])
            if attribute["value"] not in values:
                values.append(attribute["value"])
        product["variants"].append({
            "odoo_id": row["odoo_id"],
            "sku": mapped.pop("sku", None),
            "barcode": mapped.pop("barcode", None),
            "price": price,
            "compare_at_price": compare_at,
            "weight": mapped.pop("weight", None),
            "weight_unit": weight_unit,
            "status": row.get("status") or status,
            "attributes": attributes,
            "extra": mapped,
            "external_ids": dict(row.get("external_ids") or {}),
            "image": {"url": row["image"], "alt": alt} if row.get("image") else None,
        })
        if row.get("image") and all(image["url"] != row["image"] for image in images):
            images.append({"url": row["image"], "alt": alt})
    product["options"] = [{"name": name, "values": values} for name, values in options.items()]
    return product


def product_status(variant_statuses):
    """The product-level status from its variants': active if any variant is, else archived when
    all are archived, else unpublished."""
    statuses = set(variant_statuses)
    if "active" in statuses:
        return "active"
    if statuses == {"archived"}:
        return "archived"
    return "unpublished"


LISTING_FIELD_TYPES = ("char", "selection", "boolean", "integer", "float")


def listing_values(declared, stored):
    """The listing field values of one product: for each field the platform declares, the first
    value set on one of its bindings, else the field's default.

    :param declared: the adapter's `_listing_fields` list ({"name", "label", "type", "selection"?,
        "required"?, "default"?}).
    :param stored: the bindings' stored values ({name: value} dicts, or None), in binding order.
    :returns: {name: value} for every declared field that has a value.
    :raises MappingError: a value does not suit its field, or a required field has none.
    """
    result = {}
    for spec in declared or ():
        name, label = spec["name"], spec.get("label") or spec["name"]
        value = next(
            (values[name] for values in stored if values and values.get(name) not in (None, "", False)),
            spec.get("default"),
        )
        if value in (None, ""):
            if spec.get("required"):
                raise MappingError(
                    f"The platform requires the listing field {label}: set it on the product's "
                    "store listing before exporting it."
                )
            continue
        result[name] = check_listing_value(spec, value)
    return result


def check_listing_value(spec, value):
    """`value` as the type of the listing field `spec` wants.

    :raises MappingError: naming the field and the value.
    """
    label = spec.get("label") or spec["name"]
    kind = spec.get("type") or "char"
    if kind == "selection":
        allowed = [key for key, _label in spec.get("selection") or ()]
        if value not in allowed:
            raise MappingError(
                f"{label}: {value!r} is not one of the platform's values ({', '.join(map(str, allowed))})."
            )
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise MappingError(f"{label}: {value!r} is not true or false.")
        return value
    if kind == "integer":
        if isinstance(value, bool):
            raise MappingError(f"{label}: {value!r} is not a whole number.")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise MappingError(f"{label}: {value!r} is not a whole number.") from None
        if number != _number(value, label):
            raise MappingError(f"{label}: {value!r} is not a whole number.")
        return number
    if kind == "float":
        return _number(value, label)
    return str(value)
