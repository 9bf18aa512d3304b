"""Pure mapping between the base's normalized product (store_connector_base/services/product_mapper.py)
and WooCommerce's REST (wc/v3) products and variations. No database, no I/O.

Shapes (WooCommerce REST API docs, "Products" and "Product variations"):

* A product without attributes is a ``simple`` product: its SKU, prices, weight, dimensions and
  stock are on the product itself. Its binding keeps the product id as both ``product_id`` and
  ``variant_id`` (WooCommerce's order lines name it by ``product_id`` with ``variation_id`` 0).
* A product with attributes is a ``variable`` product: the parent carries the name, description,
  images, categories and its ``attributes`` (``variation: true``, with every option); each Odoo
  variant is a variation, its own resource (``/products/<id>/variations``), with its SKU, prices,
  weight, dimensions, image and ``attributes`` ``[{name, option}]``. The parent gets no SKU: an Odoo
  template has none of its own, and WooCommerce wants SKUs unique across products and variations.
* The barcode is WooCommerce's ``global_unique_id`` (GTIN, UPC, EAN or ISBN; WooCommerce 9.2+).
* Prices are strings: ``regular_price`` is the list price, ``sale_price`` the store's pricelist
  price when it is lower (the normalized ``compare_at_price`` is then the list price), else empty.
* Status: published -> ``publish``, unpublished -> ``draft``, archived -> ``draft`` (or the trash,
  a store option the adapter applies with a DELETE). A variation has no draft: an unpublished or
  archived variant of a published product is a ``private`` (disabled) variation.
* Field mapping: a mapped platform field ``dimensions.length``, ``dimensions.width`` or
  ``dimensions.height`` fills ``dimensions``; ``short_description`` and ``tax_class`` their field;
  ``attribute:<Name>`` a visible, non-variation attribute of the product; any other name is a
  ``meta_data`` entry ``{key, value}``.
* Images: WooCommerce downloads every ``images[].src`` it is sent again, as a new attachment. The
  URLs sent last are kept on the bindings (IMAGE_SOURCES_KEY) and images are only sent when Odoo's
  changed (a changed image has a new URL), so that an update does not pile up copies.
"""

import html

STATUS_TO_WOOCOMMERCE = {"active": "publish", "unpublished": "draft", "archived": "draft"}
STATUS_FROM_WOOCOMMERCE = {"publish": "active", "future": "active", "draft": "unpublished",
                           "pending": "unpublished", "private": "unpublished", "trash": "archived"}
VARIATION_STATUS = {"active": "publish", "unpublished": "private", "archived": "private"}
DIMENSION_KEYS = ("length", "width", "height")
PRODUCT_SCALARS = ("short_description", "tax_class")
ATTRIBUTE_PREFIX = "attribute:"
# external_data keys of a binding: the image URLs WooCommerce got in the last export (the product's
# gallery, the variation's own image).
IMAGE_SOURCES_KEY = "woocommerce_image_sources"
VARIATION_IMAGE_KEY = "woocommerce_image_source"
# external_data key: "simple" or "variation", what the binding stands for on WooCommerce (the
# stock export writes a simple product through /products/batch, a variation through its parent).
TYPE_KEY = "woocommerce_type"


def money(value):
    """WooCommerce's price string ("12.50"), or "" for no price."""
    if value in (None, False, ""):
        return ""
    return f"{float(value):.2f}"


def is_variable(product):
    """Whether a normalized product is a WooCommerce variable product: it has attributes."""
    return any(variant.get("attributes") for variant in product.get("variants") or [])


def _text(value):
    return "" if value in (None, False) else str(value)


def _extra_fields(extra, target, attributes):
    """Apply a normalized "extra" dict (mapped platform fields) to a WooCommerce payload `target`;
    `attributes` (a list, or None where attributes cannot go, i.e. a variation) receives the
    ``attribute:<Name>`` ones."""
    meta = []
    for name, value in sorted((extra or {}).items()):
        if value in (None, False, ""):
            continue
        if name.startswith("dimensions."):
            key = name.split(".", 1)[1]
            if key in DIMENSION_KEYS:
                target.setdefault("dimensions", {})[key] = _text(value)
                continue
        if name in PRODUCT_SCALARS:
            target[name] = _text(value)
            continue
        if name.startswith(ATTRIBUTE_PREFIX) and attributes is not None:
            values = value if isinstance(value, list) else [value]
            attributes.append({"name": name[len(ATTRIBUTE_PREFIX):], "options": [_text(v) for v in values],
                               "visible": True, "variation": False})
            continue
        meta.append({"key": name, "value": value if isinstance(value, (int, float, bool)) else _text(value)})
    if meta:
        target["meta_data"] = target.get("meta_data", []) + meta


def _prices(variant):
    """(regular_price, sale_price) strings of a normalized variant."""
    price = money(variant.get("price"))
    compare_at = money(variant.get("compare_at_price"))
    if compare_at and price and float(compare_at) > float(price):
        return compare_at, price
    return price, ""


def _image(image):
    item = {"src": image["url"]}
    if image.get("alt"):
        item["alt"] = image["alt"]
    return item


def sent_image_sources(product):
    """The gallery URLs WooCommerce got last for the product (see IMAGE_SOURCES_KEY), or None."""
    for variant in product.get("variants") or []:
        sources = (variant.get("external_ids") or {}).get(IMAGE_SOURCES_KEY)
        if sources is not None:
            return list(sources)
    return None


def images_to_send(product):
    """The product's images as WooCommerce's ``images`` list, or None to leave its images as they
    are: only a published product's, and only when they differ from what WooCommerce got last (a
    product Odoo never sent images to keeps those the merchant gave it)."""
    if (product.get("status") or "active") != "active":
        return None
    urls = [image["url"] for image in product.get("images") or []]
    if urls == (sent_image_sources(product) or []):
        return None
    return [_image(image) for image in product.get("images") or []]


def _categories(product):
    """WooCommerce ``categories`` ([{id}]) of the store's category mapping, or None (none mapped:
    the categories the product has on WooCommerce stay)."""
    ids = []
    for category in product.get("categories") or []:
        value = str(category.get("id") or "").strip()
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return [{"id": value} for value in ids] or None


def _variant_fields(variant, target):
    """SKU, prices, weight, stock management and mapped fields of one variant into `target`."""
    regular, sale = _prices(variant)
    target.update({
        "sku": _text(variant.get("sku")),
        "regular_price": regular,
        "sale_price": sale,
        # Odoo manages the stock of everything it publishes (the quantities follow from the stock
        # export): without it WooCommerce ignores stock_quantity.
        "manage_stock": True,
    })
    if variant.get("weight") is not None:
        target["weight"] = _text(variant["weight"])
    if variant.get("barcode"):
        # WooCommerce 9.2+ "GTIN, UPC, EAN or ISBN" (older versions ignore the unknown field).
        target["global_unique_id"] = _text(variant["barcode"])
    return target


def product_payload(product, status=None):
    """The WooCommerce payload of the parent product (simple or variable), without its id.

    :param product: a normalized product.
    :param status: the WooCommerce status to send (default: from the product's status).
    :returns: a dict for ``POST /products`` or a batch's create/update item.
    """
    variable = is_variable(product)
    data = {
        "name": _text(product.get("title")),
        "type": "variable" if variable else "simple",
        "status": status or STATUS_TO_WOOCOMMERCE.get(product.get("status") or "active", "draft"),
    }
    if product.get("description") is not None:
        data["description"] = _text(product.get("description"))
    images = images_to_send(product)
    if images is not None:
        data["images"] = images
    categories = _categories(product)
    if categories is not None:
        data["categories"] = categories
    attributes = []
    if variable:
        for position, option in enumerate(product.get("options") or []):
            attributes.append({"name": option["name"], "position": position, "visible": True,
                               "variation": True, "options": [_text(v) for v in option.get("values") or []]})
    _extra_fields(product.get("extra"), data, attributes)
    if not variable:
        variant = (product.get("variants") or [{}])[0]
        _variant_fields(variant, data)
        _extra_fields(variant.get("extra"), data, attributes)
    if attributes:
        data["attributes"] = attributes
    return data


def variation_payload(product, variant):
    """The payload of one variation of a variable product, without its id."""
    data = {
        "status": VARIATION_STATUS.get(variant.get("status") or product.get("status") or "active", "publish"),
        "attributes": [{"name": a["name"], "option": _text(a["value"])}
                       for a in variant.get("attributes") or []],
    }
    _variant_fields(variant, data)
    _extra_fields(variant.get("extra"), data, None)
    image = variation_image_to_send(product, variant)
    if image is not None:
        data["image"] = image
    return data


def variation_image_to_send(product, variant):
    """A variation's ``image`` when Odoo's changed since the last export (see VARIATION_IMAGE_KEY),
    else None. ``{}`` is never sent: a variation whose image Odoo removed keeps WooCommerce's."""
    if (product.get("status") or "active") != "active" or not variant.get("image"):
        return None
    if (variant.get("external_ids") or {}).get(VARIATION_IMAGE_KEY) == variant["image"]["url"]:
        return None
    return _image(variant["image"])


def export_facts(product, variant):
    """The external_data facts a successful export leaves on a variant's binding (what was sent)."""
    facts = {TYPE_KEY: "variation" if is_variable(product) else "simple"}
    if images_to_send(product) is not None:
        facts[IMAGE_SOURCES_KEY] = [image["url"] for image in product.get("images") or []]
    if is_variable(product) and variation_image_to_send(product, variant) is not None:
        facts[VARIATION_IMAGE_KEY] = variant["image"]["url"]
    return facts


def product_from_rest(product, variations=()):
    """A normalized product for the base's import (`connector.store._import_product_page`) from a
    WooCommerce product and, for a variable one, its variations.

    Names are HTML-entity decoded (WooCommerce sends ``&amp;``, ``&ndash;``); an empty SKU stays
    None (the importer then matches the variant by its binding, by id, and never by an empty SKU).
    """
    product_id = str(product.get("id"))
    status = STATUS_FROM_WOOCOMMERCE.get(product.get("status"), "unpublished")
    record = {
        "title": html.unescape(_text(product.get("name"))).strip(),
        "description": product.get("description") or None,
        "status": status,
        "updated_at": product.get("date_modified_gmt"),
        "external_ids": {"product_id": product_id},
    }
    if product.get("type") == "variable":
        record["variants"] = [_variation_from_rest(product_id, variation) for variation in variations]
    else:
        record["variants"] = [{
            "sku": _text(product.get("sku")).strip() or None,
            "barcode": _text(product.get("global_unique_id")).strip() or None,
            "price": _price(product),
            "weight": _number(product.get("weight")),
            "attributes": [],
            "external_ids": {"product_id": product_id, "variant_id": product_id, TYPE_KEY: "simple"},
        }]
    return record


def _variation_from_rest(product_id, variation):
    return {
        "sku": _text(variation.get("sku")).strip() or None,
        "barcode": _text(variation.get("global_unique_id")).strip() or None,
        "price": _price(variation),
        "weight": _number(variation.get("weight")),
        "attributes": [
            {"name": html.unescape(_text(a.get("name"))), "value": html.unescape(_text(a.get("option")))}
            for a in variation.get("attributes") or [] if a.get("option")
        ],
        "external_ids": {"product_id": product_id, "variant_id": str(variation.get("id")),
                         TYPE_KEY: "variation"},
    }


def _price(item):
    """The price a customer pays as a float (the regular price; WooCommerce's ``price`` is the
    active one, sale included), or None."""
    return _number(item.get("regular_price")) if item.get("regular_price") not in (None, "") else _number(
        item.get("price"))


def _number(value):
    if value in (None, "", False):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
