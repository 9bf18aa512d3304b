"""eBay stock, price, legacy listings and shipping: pure translations (no I/O), so that fixture
payloads drive their tests.

Which API a listing is revised through is decided here, from its binding's platform data
(`listing_api`): a listing made on eBay's site or by the old Trading integration ("legacy") is
revised only through Trading (``ReviseInventoryStatus``, ``ReviseFixedPriceItem``) until it is
migrated; a listing of the Inventory API only through the Inventory API (eBay refuses Trading
revisions of those, platform notes 3.3). Field names: ``ebay-rest``'s generated models
(``sell_inventory`` ``PriceQuantity``, ``OfferPriceQuantity``, ``MigrateListingResponse``;
``sell_fulfillment`` ``ShippingFulfillmentDetails``, ``LineItemReference``).
"""

import datetime as dt
import re

# API paths (Sell Inventory v1, Sell Fulfillment v1).
BULK_PRICE_QUANTITY_PATH = "/sell/inventory/v1/bulk_update_price_quantity"
BULK_MIGRATE_LISTING_PATH = "/sell/inventory/v1/bulk_migrate_listing"
INVENTORY_ITEMS_PATH = "/sell/inventory/v1/inventory_item"
OFFERS_PATH = "/sell/inventory/v1/offer"
SHIPPING_FULFILLMENT_PATH = "/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment"

# eBay's limits (platform notes 3.3, 3.5, 3.9).
PRICE_QUANTITY_LIMIT = 25  # bulkUpdatePriceQuantity: SKUs per call
INVENTORY_STATUS_LIMIT = 4  # ReviseInventoryStatus: InventoryStatus per call
MIGRATE_LISTING_LIMIT = 5  # bulkMigrateListing: listing ids per call
INVENTORY_ITEM_PAGE_SIZE = 100  # getInventoryItems limit (eBay: 1..200)
SELLING_PAGE_SIZE = 100  # GetMyeBaySelling ActiveList.Pagination.EntriesPerPage (eBay: <= 200)

# Binding platform data (store.product.binding.external_data) keys.
LISTING_ID = "listing_id"  # eBay's item id (the listing), both APIs
OFFER_ID = "offer_id"  # the Inventory API offer
LISTING_API = "ebay_listing_api"  # "trading" (legacy) or "inventory"; absent: inventory
VARIATION = "ebay_variation"  # the SKU is a variation of a multi-variation legacy listing
API_TRADING = "trading"
API_INVENTORY = "inventory"


def listing_api(external_ids):
    """Which API revises the listing of a binding's platform ids: "trading" for a legacy listing,
    else "inventory" (what the Inventory API export binds, with or without the key)."""
    return API_TRADING if (external_ids or {}).get(LISTING_API) == API_TRADING else API_INVENTORY


def amount(value, currency):
    """eBay's Amount: the value as a string with two decimals."""
    return {"value": f"{float(value):.2f}", "currency": currency}


def price_quantity_request(sku, quantity=None, offer_id=None, price=None, currency=None):
    """One ``PriceQuantity`` of bulkUpdatePriceQuantity.

    The quantity goes to the inventory item (``shipToLocationAvailability.quantity``) and, when
    the offer is known, to the offer too (``availableQuantity``): eBay lists min(item quantity,
    offer quantity), so an offer created with a quantity would otherwise cap a raised stock. The
    price goes to the offer only (an inventory item has none); without an offer id it is not sent.
    """
    request = {"sku": sku}
    if quantity is not None:
        request["shipToLocationAvailability"] = {"quantity": max(0, int(quantity))}
    offer = {}
    if offer_id:
        offer["offerId"] = str(offer_id)
        if quantity is not None:
            offer["availableQuantity"] = max(0, int(quantity))
        if price is not None and currency:
            offer["price"] = amount(price, currency)
    if len(offer) > 1:
        request["offers"] = [offer]
    return request


def inventory_status(item_id, sku=None, quantity=None, price=None, variation=False):
    """One ``InventoryStatus`` of ReviseInventoryStatus: the item id, the SKU when the listing is a
    variation's (eBay requires it there) or known, the quantity and/or the start price."""
    status = {"ItemID": str(item_id)}
    if sku and variation:
        status["SKU"] = sku
    if quantity is not None:
        status["Quantity"] = str(max(0, int(quantity)))
    if price is not None:
        status["StartPrice"] = f"{float(price):.2f}"
    return status


def as_list(value):
    """A Trading reply node as a list (one element comes as a dict, none as None)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value):
    if isinstance(value, dict):  # an amount with its currencyID attribute
        return value.get("value")
    return value


def legacy_listing_products(items):
    """Normalized products (base `_import_product_page`) of GetMyeBaySelling ActiveList items:
    fixed-price listings only, one product per listing, one variant per SKU (a multi-variation
    listing's variations, each with its attributes), bound as legacy ("trading") listings.

    :param items: ``ActiveList.ItemArray.Item`` entries (dicts as the Trading client returns them).
    :returns: (products, [item ids skipped with the reason])
    """
    products, skipped = [], []
    for item in items:
        item_id = str(item.get("ItemID") or "")
        if not item_id:
            continue
        if item.get("ListingType") not in (None, "FixedPriceItem", "StoresFixedPrice"):
            skipped.append((item_id, "not a fixed-price listing"))
            continue
        variations = as_list((item.get("Variations") or {}).get("Variation"))
        ids = {LISTING_ID: item_id, LISTING_API: API_TRADING}
        if variations:
            variants = []
            for variation in variations:
                specifics = as_list((variation.get("VariationSpecifics") or {}).get("NameValueList"))
                variants.append(
                    {
                        "sku": (variation.get("SKU") or "").strip() or None,
                        "price": _text(variation.get("StartPrice")),
                        "attributes": [
                            {"name": spec.get("Name"), "value": as_list(spec.get("Value"))[0]}
                            for spec in specifics
                            if spec.get("Name") and spec.get("Value")
                        ],
                        "external_ids": dict(ids, **{VARIATION: True}),
                    }
                )
        else:
            price = (
                _text(item.get("BuyItNowPrice"))
                or _text((item.get("SellingStatus") or {}).get("CurrentPrice"))
                or _text(item.get("StartPrice"))
            )
            variants = [
                {"sku": (item.get("SKU") or "").strip() or None, "price": price, "external_ids": dict(ids)}
            ]
        # The item id is the listing's platform product id too (the bindings' external_product_id):
        # an order line without SKU names it (legacyItemId) and is matched through it.
        products.append({"title": item.get("Title") or "", "status": "active", "variants": variants,
                         "external_ids": {"product_id": item_id}})
    return products, skipped


def inventory_item_product(item, offers, marketplace_id):
    """The normalized product of one Inventory API inventory item (``getInventoryItems``) and its
    offers (``getOffers?sku=``): the offer of the store's marketplace gives the offer id, the
    listing id and the price; a published offer is an active listing."""
    sku = item.get("sku")
    offer = next((o for o in offers or () if o.get("marketplaceId") == marketplace_id), None)
    offer = offer or next(iter(offers or ()), None) or {}
    ids = {LISTING_API: API_INVENTORY}
    if offer.get("offerId"):
        ids[OFFER_ID] = offer["offerId"]
    listing = (offer.get("listing") or {}).get("listingId")
    if listing:
        ids[LISTING_ID] = listing
    price = ((offer.get("pricingSummary") or {}).get("price") or {}).get("value")
    status = "active" if offer.get("status") == "PUBLISHED" else "unpublished"
    return {
        "title": ((item.get("product") or {}).get("title") or sku or ""),
        "description": (item.get("product") or {}).get("description"),
        "status": status,
        "variants": [{"sku": sku, "price": price, "external_ids": ids}],
    }


def migrated_listing_ids(response):
    """The ids one ``MigrateListingResponse`` gives: (listing id, {sku: {"listing_id",
    "offer_id"}}) for the inventory items (and offers) eBay made of the listing."""
    listing = str(response.get("listingId") or "")
    skus = {}
    for entry in response.get("inventoryItems") or ():
        if entry.get("sku"):
            skus[entry["sku"]] = {"listing_id": listing, "offer_id": entry.get("offerId")}
    return listing, skus


def shipped_date(value):
    """eBay's ``shippedDate`` (ISO 8601 UTC with milliseconds) of the delivery's date or datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12, 0))
    value = (
        value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    )
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def tracking_number_text(value):
    """A tracking number as eBay takes it: letters and digits only (spaces and dashes removed)."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "")


def shipping_fulfillment(lines, shipped_on, carrier_code=None, tracking_number=None):
    """The body of createShippingFulfillment for one package.

    ``shippingCarrierCode`` and ``trackingNumber`` go together (eBay refuses one without the
    other): without a tracking number neither is sent, and eBay marks the line items shipped
    without tracking.

    :param lines: [(eBay lineItemId, quantity shipped)].
    """
    body = {
        "lineItems": [{"lineItemId": str(line_id), "quantity": int(quantity)} for line_id, quantity in lines],
        "shippedDate": shipped_date(shipped_on),
    }
    if tracking_number and carrier_code:
        body["shippingCarrierCode"] = carrier_code
        body["trackingNumber"] = tracking_number_text(tracking_number)
    return body
