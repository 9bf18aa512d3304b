"""Sell Inventory API (`/sell/inventory/v1`): inventory locations, inventory items (single and bulk),
offers (create, replace, delete, publish, withdraw, bulk), item groups (variations), price and quantity
updates, the migration of legacy (Trading) listings, product compatibility.

Sources: developer.ebay.com/api-docs/sell/inventory/resources/* (methods and their error tables); the
contract (paths, fields) is ebay-rest's generated sell_inventory package; notes in shared/platforms/ebay.md
3.3 and 3.9.
"""

import copy
import itertools
import threading

from .api import SimApi, SimResponse, rest_error
from .oauth import SCOPE_ROOT

BULK_LIMIT = 25
MIGRATE_LIMIT = 5
#: ConditionEnum (developer.ebay.com/api-docs/sell/inventory/types/slr:ConditionEnum)
CONDITIONS = (
    "NEW",
    "LIKE_NEW",
    "NEW_OTHER",
    "NEW_WITH_DEFECTS",
    "MANUFACTURER_REFURBISHED",
    "CERTIFIED_REFURBISHED",
    "EXCELLENT_REFURBISHED",
    "VERY_GOOD_REFURBISHED",
    "GOOD_REFURBISHED",
    "SELLER_REFURBISHED",
    "USED_EXCELLENT",
    "USED_VERY_GOOD",
    "USED_GOOD",
    "USED_ACCEPTABLE",
    "FOR_PARTS_OR_NOT_WORKING",
    "PRE_OWNED_EXCELLENT",
    "PRE_OWNED_FAIR",
    "PRE_OWNED_GOOD",
)
#: condition enum -> Trading ConditionID (for the categories' allowed conditions)
CONDITION_IDS = {
    "NEW": 1000,
    "LIKE_NEW": 2750,
    "NEW_OTHER": 1500,
    "NEW_WITH_DEFECTS": 1750,
    "MANUFACTURER_REFURBISHED": 2000,
    "CERTIFIED_REFURBISHED": 2000,
    "EXCELLENT_REFURBISHED": 2010,
    "VERY_GOOD_REFURBISHED": 2020,
    "GOOD_REFURBISHED": 2030,
    "SELLER_REFURBISHED": 2500,
    "USED_EXCELLENT": 3000,
    "USED_VERY_GOOD": 4000,
    "USED_GOOD": 5000,
    "USED_ACCEPTABLE": 6000,
    "FOR_PARTS_OR_NOT_WORKING": 7000,
    "PRE_OWNED_EXCELLENT": 2990,
    "PRE_OWNED_FAIR": 3010,
    "PRE_OWNED_GOOD": 2990,
}
#: Categories used when TaxonomyApi is not mounted (the same leaves and rules as taxonomy.py's defaults):
#: id -> (name, required aspects, allowed condition enums, condition required)
DEFAULT_CATEGORIES = {
    "9355": (
        "Cell Phones & Smartphones",
        ("Brand", "Model"),
        (
            "NEW",
            "NEW_OTHER",
            "CERTIFIED_REFURBISHED",
            "EXCELLENT_REFURBISHED",
            "VERY_GOOD_REFURBISHED",
            "GOOD_REFURBISHED",
            "SELLER_REFURBISHED",
            "USED_EXCELLENT",
            "FOR_PARTS_OR_NOT_WORKING",
        ),
        True,
    ),
    "33567": (
        "Brake Pads & Shoes",
        ("Brand", "Manufacturer Part Number"),
        ("NEW", "SELLER_REFURBISHED", "USED_EXCELLENT", "FOR_PARTS_OR_NOT_WORKING"),
        True,
    ),
    "15687": (
        "Men's T-Shirts",
        ("Brand", "Size", "Color"),
        ("NEW", "NEW_OTHER", "NEW_WITH_DEFECTS", "USED_EXCELLENT"),
        True,
    ),
    "88433": ("Everything Else > Other", (), ("NEW", "USED_EXCELLENT"), False),
}
FORMATS = ("FIXED_PRICE", "AUCTION")


def inventory_error(status, error_id, message, long_message=None, **kwargs):
    return rest_error(
        status, error_id, message, long_message, domain="API_INVENTORY", subdomain="Selling", **kwargs
    )


def user_error(reason, **kwargs):
    """eBay's catch-all business error of the Inventory API (errorId 25002 "A user error has occurred")."""
    return inventory_error(400, 25002, f"A user error has occurred. {reason}", **kwargs)


def _error_item(response):
    """The `errors` list of an error SimResponse (for bulk per-item answers)."""
    return response.body["errors"]


class InventoryApi(SimApi):
    prefix = "/sell/inventory/v1"
    quota_name = "inventory"
    scopes = (f"{SCOPE_ROOT}/sell.inventory", f"{SCOPE_ROOT}/sell.inventory.readonly")

    def __init__(self, sim):
        super().__init__(sim)
        self.lock = threading.RLock()
        self.locations = {}  # key -> InventoryLocation fields + merchantLocationStatus
        self.items = {}  # sku -> item dict (as sent, plus "sku", "locale")
        self.offers = {}  # offerId -> offer dict (+ "status", "listing")
        self.groups = {}  # inventoryItemGroupKey -> group dict
        self.compatibility = {}  # sku -> {"compatibleProducts": [...]}
        self.listings = {}  # listingId -> {"listingId", "offerIds", "group", "status", "revisions"}
        self.categories = {
            cid: {"name": n, "aspects": a, "conditions": c, "condition_required": r}
            for cid, (n, a, c, r) in DEFAULT_CATEGORIES.items()
        }
        #: Legacy listings (made on the site or with Trading), ItemID -> dict, which the TradingApi reads and
        #: writes (see README "Legacy listings") and bulk_migrate_listing moves into the Inventory API.
        self.legacy_listings = sim.legacy_listings
        self._offer_ids = itertools.count(7_010_000_001)
        self._listing_ids = itertools.count(110_554_000_001)

    # ------------------------------------------------------------------ control helpers

    def add_location(self, key, **fields):
        with self.lock:
            location = {
                "merchantLocationKey": key,
                "merchantLocationStatus": "ENABLED",
                "location": {
                    "address": {
                        "city": "San Jose",
                        "stateOrProvince": "CA",
                        "postalCode": "95125",
                        "country": "US",
                    }
                },
                "locationTypes": ["WAREHOUSE"],
                "name": key,
                **fields,
            }
            self.locations[key] = location
            return dict(location)

    def add_category(
        self,
        category_id,
        name,
        required_aspects=(),
        conditions=("NEW", "USED_EXCELLENT"),
        condition_required=True,
    ):
        """A leaf category offers may use: added to TaxonomyApi when it is mounted (its rules win), else
        to this API's own table. `conditions` are condition enums."""
        taxonomy = getattr(self.sim, "taxonomy", None)
        if taxonomy is not None and hasattr(taxonomy, "add_category"):
            from .taxonomy import aspect  # noqa: PLC0415 - present whenever TaxonomyApi is

            aspects = [aspect(name, required=True) for name in required_aspects]
            taxonomy.add_category(
                str(category_id),
                name,
                aspects=aspects,
                conditions=tuple(conditions),
                condition_required=condition_required,
            )
            return
        self.categories[str(category_id)] = {
            "name": name,
            "aspects": tuple(required_aspects),
            "conditions": tuple(conditions),
            "condition_required": condition_required,
        }

    def new_listing_id(self):
        with self.lock:
            return str(next(self._listing_ids))

    def item_view(self, sku):
        with self.lock:
            item = self.items.get(sku)
            return self._render_item(item) if item else None

    def offers_of(self, sku):
        with self.lock:
            return [self._render_offer(o) for o in self.offers.values() if o["sku"] == sku]

    def listing(self, sku):
        """{"listingId", "offerId", "quantity", "price", "status", "title", "aspects", "condition",
        "categoryId", "revisions"} of the published offer of `sku`, or None."""
        with self.lock:
            for offer in self.offers.values():
                if offer["sku"] == sku and offer["status"] == "PUBLISHED":
                    item = self.items.get(sku, {})
                    listing = self.listings[offer["listing"]["listingId"]]
                    product = item.get("product", {})
                    return {
                        "listingId": listing["listingId"],
                        "offerId": offer["offerId"],
                        "quantity": self._listed_quantity(offer),
                        "price": offer.get("pricingSummary", {}).get("price"),
                        "status": offer["listing"]["listingStatus"],
                        "title": product.get("title"),
                        "aspects": product.get("aspects"),
                        "condition": item.get("condition"),
                        "categoryId": offer.get("categoryId"),
                        "group": listing.get("group"),
                        "revisions": listing["revisions"],
                    }
        return None

    def listed_quantity(self, sku):
        with self.lock:
            for offer in self.offers.values():
                if offer["sku"] == sku and offer["status"] == "PUBLISHED":
                    return self._listed_quantity(offer)
        return None

    def record_sale(self, sku, quantity):
        """A buyer bought `quantity` of `sku`: the item and its offer go down (Fulfillment's add_order)."""
        with self.lock:
            item = self.items.get(sku)
            if item is not None:
                ship = item.setdefault("availability", {}).setdefault("shipToLocationAvailability", {})
                ship["quantity"] = max(int(ship.get("quantity") or 0) - quantity, 0)
            for offer in self.offers.values():
                if offer["sku"] == sku and offer["status"] == "PUBLISHED":
                    if offer.get("availableQuantity") is not None:
                        offer["availableQuantity"] = max(offer["availableQuantity"] - quantity, 0)
                    offer["listing"]["soldQuantity"] = offer["listing"].get("soldQuantity", 0) + quantity
                    return offer["listing"]["listingId"]
        return None

    def _item_quantity(self, item):
        return int(
            ((item or {}).get("availability") or {}).get("shipToLocationAvailability", {}).get("quantity")
            or 0
        )

    def _listed_quantity(self, offer):
        item_quantity = self._item_quantity(self.items.get(offer["sku"]))
        if offer.get("availableQuantity") is None:
            return item_quantity
        return min(item_quantity, int(offer["availableQuantity"]))

    # ------------------------------------------------------------------ category rules

    def _taxonomy(self):
        taxonomy = getattr(self.sim, "taxonomy", None)
        return taxonomy if taxonomy is not None and hasattr(taxonomy, "required_aspects") else None

    def required_aspects(self, category_id):
        taxonomy = self._taxonomy()
        if taxonomy is not None:
            return tuple(taxonomy.required_aspects(category_id) or ())
        return tuple(self.categories.get(str(category_id), {}).get("aspects", ()))

    def allowed_conditions(self, category_id):
        """The condition enums the category allows (TaxonomyApi's, else this API's table)."""
        taxonomy = self._taxonomy()
        if taxonomy is not None:
            return tuple(taxonomy.allowed_conditions(category_id) or ())
        return tuple(self.categories.get(str(category_id), {}).get("conditions", ()))

    def condition_required(self, category_id):
        taxonomy = self._taxonomy()
        if taxonomy is not None:
            return bool((taxonomy.category(category_id) or {}).get("condition_required", True))
        return bool(self.categories.get(str(category_id), {}).get("condition_required", True))

    def category_known(self, category_id):
        """A leaf category of the marketplace's tree."""
        taxonomy = self._taxonomy()
        if taxonomy is not None:
            return bool(taxonomy.is_leaf(category_id))
        return str(category_id) in self.categories

    # ------------------------------------------------------------------ routing

    def handle(self, request):
        sub = request.path[len(self.prefix) :].strip("/")
        parts = sub.split("/") if sub else []
        method = request.method
        with self.lock:
            if parts[:1] == ["location"]:
                return self._location(request, parts[1:])
            if parts == ["inventory_item"] and method == "GET":
                return self._list_items(request)
            if len(parts) == 2 and parts[0] == "inventory_item":
                return self._item(request, parts[1])
            if len(parts) == 3 and parts[0] == "inventory_item" and parts[2] == "product_compatibility":
                return self._compatibility(request, parts[1])
            if len(parts) == 2 and parts[0] == "inventory_item_group":
                return self._group(request, parts[1])
            if method == "POST" and len(parts) == 1:
                handler = {
                    "bulk_create_or_replace_inventory_item": self._bulk_items,
                    "bulk_get_inventory_item": self._bulk_get_items,
                    "bulk_create_offer": self._bulk_create_offers,
                    "bulk_publish_offer": self._bulk_publish,
                    "bulk_update_price_quantity": self._bulk_price_quantity,
                    "bulk_migrate_listing": self._bulk_migrate,
                }.get(parts[0])
                if handler:
                    return handler(request)
            if parts == ["offer"]:
                if method == "POST":
                    return self._create_offer(request)
                if method == "GET":
                    return self._get_offers(request)
            if parts == ["offer", "publish_by_inventory_item_group"] and method == "POST":
                return self._publish_group(request)
            if parts == ["offer", "withdraw_by_inventory_item_group"] and method == "POST":
                return self._withdraw_group(request)
            if len(parts) == 2 and parts[0] == "offer":
                return self._offer(request, parts[1])
            if len(parts) == 3 and parts[0] == "offer" and method == "POST":
                if parts[2] == "publish":
                    return self._publish(parts[1])
                if parts[2] == "withdraw":
                    return self._withdraw(parts[1])
        return None

    # ------------------------------------------------------------------ locations

    def _location(self, request, rest):
        if not rest and request.method == "GET":
            found = [dict(v) for v in self.locations.values()]
            return SimResponse(
                200,
                {"href": request.path, "total": len(found), "limit": 100, "offset": 0, "locations": found},
            )
        if len(rest) != 1:
            return None
        key = rest[0]
        if request.method == "POST":
            body = request.json() or {}
            if key in self.locations:
                return inventory_error(
                    409,
                    25803,
                    f"{key} already exists",
                    "A location with this merchantLocationKey already exists.",
                    parameters={"merchantLocationKey": key},
                )
            if not (body.get("location") or {}).get("address"):
                return inventory_error(400, 25802, "Input error", "The location address is required.")
            self.add_location(key, **body)
            return SimResponse(204)
        if request.method == "GET":
            if key not in self.locations:
                return inventory_error(
                    404, 25804, "Input error. Location not found.", parameters={"merchantLocationKey": key}
                )
            return SimResponse(200, dict(self.locations[key]))
        if request.method == "DELETE":
            if self.locations.pop(key, None) is None:
                return inventory_error(404, 25804, "Input error. Location not found.")
            return SimResponse(204)
        return None

    # ------------------------------------------------------------------ inventory items

    def _render_item(self, item):
        view = copy.deepcopy({k: v for k, v in item.items() if not k.startswith("_")})
        groups = [key for key, group in self.groups.items() if item["sku"] in group.get("variantSKUs", [])]
        if groups:
            view["inventoryItemGroupKeys"] = groups
            view["groupIds"] = [self._group_listing_id(key) for key in groups if self._group_listing_id(key)]
            if not view["groupIds"]:
                del view["groupIds"]
        view.setdefault("availability", {"shipToLocationAvailability": {"quantity": 0}})
        return view

    def _validate_item(self, body, locale):
        """(clean item, None) or (None, error SimResponse)."""
        if not locale:
            return None, inventory_error(
                400,
                25709,
                "Invalid value for header Content-Language.",
                "Invalid value for header Content-Language. Accepted values: "
                "en-US, en-GB, de-DE, fr-FR, it-IT, es-ES, ...",
            )
        if not isinstance(body, dict):
            return None, rest_error(
                400,
                2004,
                "Invalid request",
                "The request has errors. For help, see the documentation for this API.",
            )
        condition = body.get("condition")
        if condition is not None and condition not in CONDITIONS:
            return None, rest_error(
                400,
                2004,
                "Invalid request",
                "The request has errors. For help, see the documentation for this API.",
                domain="ACCESS",
                parameters={"reason": "Could not serialize field [condition]"},
            )
        quantity = ((body.get("availability") or {}).get("shipToLocationAvailability") or {}).get("quantity")
        if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
            return None, inventory_error(
                400,
                25604,
                "Input error. The quantity must be a non-negative integer.",
                parameters={"quantity": quantity},
            )
        aspects = (body.get("product") or {}).get("aspects")
        if aspects is not None and not (
            isinstance(aspects, dict) and all(isinstance(v, list) for v in aspects.values())
        ):
            return None, rest_error(
                400,
                2004,
                "Invalid request",
                "The request has errors. For help, see the documentation for this API.",
                domain="ACCESS",
                parameters={"reason": "Could not serialize field [product.aspects]"},
            )
        item = copy.deepcopy(body)
        item["locale"] = locale.replace("-", "_")
        return item, None

    def _put_item(self, sku, body, locale):
        """Create or replace; (status, error SimResponse or None)."""
        if not sku or len(sku) > 50:
            return None, inventory_error(
                400,
                25707,
                "This is an invalid value for a SKU. Only alphanumeric "
                "characters can be used for SKUs, and their length must not exceed "
                "50 characters",
            )
        item, error = self._validate_item(body, locale)
        if error:
            return None, error
        item.pop("sku", None)
        item["sku"] = sku
        existed = sku in self.items
        self.items[sku] = item
        self._revise_listings_of(sku)
        return (200 if existed else 201), None

    def _item(self, request, sku):
        if request.method == "PUT":
            _status, error = self._put_item(sku, request.json(), request.headers.get("content-language"))
            return error or SimResponse(204)
        if request.method == "GET":
            item = self.items.get(sku)
            if item is None:
                return inventory_error(
                    404,
                    25710,
                    "We didn't find the resource/entity you are requesting. Please verify the request",
                )
            return SimResponse(200, self._render_item(item))
        if request.method == "DELETE":
            if self.items.pop(sku, None) is None:
                return inventory_error(
                    404,
                    25710,
                    "We didn't find the resource/entity you are requesting. Please verify the request",
                )
            for offer_id in [o["offerId"] for o in self.offers.values() if o["sku"] == sku]:
                self._end_offer(self.offers.pop(offer_id))
            self.compatibility.pop(sku, None)
            return SimResponse(204)
        return None

    def _list_items(self, request):
        limit, offset = int(request.arg("limit", 25)), int(request.arg("offset", 0))
        if not 1 <= limit <= 200:
            return inventory_error(
                400,
                25706,
                "You have provided invalid pagination values. The limit must be between 1 and 200.",
            )
        skus = sorted(self.items)
        page = [self._render_item(self.items[s]) for s in skus[offset : offset + limit]]
        body = {
            "href": f"{request.path}?limit={limit}&offset={offset}",
            "limit": limit,
            "size": len(page),
            "total": len(skus),
            "inventoryItems": page,
        }
        if offset + limit < len(skus):
            body["next"] = f"{request.path}?limit={limit}&offset={offset + limit}"
        return SimResponse(200, body)

    def _bulk_items(self, request):
        requests = (request.json() or {}).get("requests") or []
        if not requests or len(requests) > BULK_LIMIT:
            return inventory_error(
                400,
                25733,
                f"Valid SKUs and their quantity are required. The number of "
                f"requests must be between 1 and {BULK_LIMIT}.",
            )
        responses = []
        for entry in requests:
            entry = dict(entry)
            sku, locale = entry.pop("sku", None), entry.pop("locale", None)
            status, error = self._put_item(sku, entry, (locale or "").replace("_", "-"))
            response = {"sku": sku, "locale": locale, "statusCode": status or error.status}
            if error:
                response["errors"] = _error_item(error)
            responses.append(response)
        overall = 200 if all(r["statusCode"] < 300 for r in responses) else 207
        return SimResponse(overall, {"responses": responses})

    def _bulk_get_items(self, request):
        requests = (request.json() or {}).get("requests") or []
        if not requests or len(requests) > BULK_LIMIT:
            return inventory_error(400, 25733, f"The number of requests must be between 1 and {BULK_LIMIT}.")
        responses = []
        for entry in requests:
            sku = entry.get("sku")
            item = self.items.get(sku)
            if item is None:
                responses.append(
                    {
                        "sku": sku,
                        "statusCode": 404,
                        "errors": _error_item(
                            inventory_error(
                                404,
                                25710,
                                "We didn't find the resource/entity you are requesting. Please verify the "
                                "request",
                            )
                        ),
                    }
                )
            else:
                view = self._render_item(item)
                view.pop("groupIds", None)
                responses.append({"sku": sku, "statusCode": 200, "inventoryItem": view})
        overall = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return SimResponse(overall, {"responses": responses})

    def _compatibility(self, request, sku):
        if sku not in self.items:
            return inventory_error(
                404, 25710, "We didn't find the resource/entity you are requesting. Please verify the request"
            )
        if request.method == "PUT":
            body = request.json() or {}
            if not body.get("compatibleProducts"):
                return inventory_error(400, 25718, "Input error. compatibleProducts is required.")
            self.compatibility[sku] = copy.deepcopy(body)
            self._revise_listings_of(sku)
            return SimResponse(204)
        if request.method == "GET":
            if sku not in self.compatibility:
                return inventory_error(
                    404,
                    25710,
                    "We didn't find the resource/entity you are requesting. Please verify the request",
                )
            return SimResponse(200, copy.deepcopy(self.compatibility[sku]))
        if request.method == "DELETE":
            self.compatibility.pop(sku, None)
            return SimResponse(204)
        return None

    # ------------------------------------------------------------------ offers

    def _render_offer(self, offer):
        view = copy.deepcopy({k: v for k, v in offer.items() if not k.startswith("_")})
        if offer["status"] == "PUBLISHED" or offer.get("listing"):
            view["listing"] = dict(offer["listing"])
        else:
            view.pop("listing", None)
        return view

    def _validate_offer(self, body, locale, offer_id=None):
        if not locale:
            return inventory_error(400, 25709, "Invalid value for header Content-Language.")
        if not isinstance(body, dict):
            return rest_error(400, 2004, "Invalid request", "The request has errors.")
        for field in ("sku", "marketplaceId", "format"):
            if not body.get(field):
                return inventory_error(
                    400,
                    25709 if field == "sku" else 25702,
                    f"Invalid value for {field}. Provide a valid {field}.",
                    parameters={"field": field},
                )
        if body["format"] not in FORMATS:
            return rest_error(
                400,
                2004,
                "Invalid request",
                "The request has errors.",
                domain="ACCESS",
                parameters={"reason": "Could not serialize field [format]"},
            )
        if body.get("availableQuantity") is not None and (
            not isinstance(body["availableQuantity"], int) or body["availableQuantity"] < 0
        ):
            return inventory_error(
                400, 25604, "Input error. The availableQuantity must be a non-negative integer."
            )
        price = (body.get("pricingSummary") or {}).get("price")
        if price is not None:
            try:
                if float(price.get("value")) <= 0:
                    raise ValueError
            except (TypeError, ValueError, AttributeError):
                return inventory_error(
                    400,
                    25016,
                    "Invalid price. The price must be a positive number.",
                    parameters={"price": price},
                )
        return None

    def _create_offer_from(self, body, locale):
        """(offerId, error SimResponse or None)."""
        error = self._validate_offer(body, locale)
        if error:
            return None, error
        for offer in self.offers.values():
            if (offer["sku"], offer["marketplaceId"], offer["format"]) == (
                body["sku"],
                body["marketplaceId"],
                body["format"],
            ):
                return None, inventory_error(
                    400,
                    25002,
                    "A user error has occurred. Offer entity already exists.",
                    parameters={"offerId": offer["offerId"]},
                )
        offer_id = str(next(self._offer_ids))
        offer = copy.deepcopy(body)
        offer.update({"offerId": offer_id, "status": "UNPUBLISHED", "listing": None})
        offer.setdefault("listingDuration", "GTC")
        self.offers[offer_id] = offer
        return offer_id, None

    def _create_offer(self, request):
        offer_id, error = self._create_offer_from(request.json(), request.headers.get("content-language"))
        return error or SimResponse(201, {"offerId": offer_id})

    def _get_offers(self, request):
        sku = request.arg("sku")
        if not sku:
            return inventory_error(400, 25707, "This is an invalid value for a SKU.")
        if sku not in self.items:
            return inventory_error(404, 25713, "This Offer is not available.")
        found = [
            self._render_offer(o)
            for o in self.offers.values()
            if o["sku"] == sku
            and request.arg("marketplace_id") in (None, o["marketplaceId"])
            and request.arg("format") in (None, o["format"])
        ]
        if not found:
            return inventory_error(404, 25713, "This Offer is not available.")
        return SimResponse(
            200,
            {
                "href": f"{request.path}?sku={sku}",
                "limit": 100,
                "size": len(found),
                "total": len(found),
                "offers": found,
            },
        )

    def _offer(self, request, offer_id):
        offer = self.offers.get(offer_id)
        if offer is None:
            return inventory_error(404, 25713, "This Offer is not available.")
        if request.method == "GET":
            return SimResponse(200, self._render_offer(offer))
        if request.method == "PUT":
            body = dict(request.json() or {})
            body.setdefault("sku", offer["sku"])
            body.setdefault("marketplaceId", offer["marketplaceId"])
            body.setdefault("format", offer["format"])
            error = self._validate_offer(body, request.headers.get("content-language"), offer_id)
            if error:
                return error
            # a full replace: what the request leaves out is gone
            kept = {k: offer[k] for k in ("offerId", "status", "listing", "sku", "marketplaceId", "format")}
            offer.clear()
            offer.update(copy.deepcopy(body))
            offer.update(kept)
            offer.setdefault("listingDuration", "GTC")
            if offer["status"] == "PUBLISHED":
                problem = self._publish_problem(offer)
                if problem:
                    return problem
                self._revise(offer["listing"]["listingId"])
            return SimResponse(204)
        if request.method == "DELETE":
            self._end_offer(self.offers.pop(offer_id))
            return SimResponse(204)
        return None

    def _publish_problem(self, offer):
        """The error SimResponse eBay gives when publishing `offer`, or None."""
        sim = self.sim
        item = self.items.get(offer["sku"])
        if item is None:
            return inventory_error(
                404,
                25702,
                f"SKU {offer['sku']} is not available in the system",
                parameters={"sku": offer["sku"]},
            )
        product = item.get("product") or {}
        if not product.get("title"):
            return user_error("The title field is missing. Please add title to the request.")
        if not product.get("imageUrls"):
            return user_error(
                "At least 1 photo is required to list an item. Please add a photo and try again."
            )
        category_id = offer.get("categoryId")
        if not category_id:
            return user_error(
                "No <Item.PrimaryCategory.CategoryID> exists or <Item.PrimaryCategory.CategoryID> "
                "is specified as an empty tag in the request."
            )
        if not self.category_known(category_id):
            return inventory_error(
                400,
                25005,
                "The category ID is invalid. Provide a valid leaf category ID.",
                parameters={"categoryId": category_id},
            )
        if not item.get("condition") and self.condition_required(category_id):
            return user_error("Item condition is required for this category.")
        price = (offer.get("pricingSummary") or {}).get("price")
        if not price:
            return user_error(
                "No <StartPrice> exists or <StartPrice> is specified as an empty tag in the request."
            )
        if price.get("currency") and price["currency"] != sim.currency:
            return inventory_error(
                400,
                25002,
                f"A user error has occurred. Currency {price['currency']} is not valid for the "
                f"marketplace {offer.get('marketplaceId') or sim.marketplace}: list in {sim.currency}.",
                parameters={"currency": price["currency"]},
            )
        policies = offer.get("listingPolicies") or {}
        for kind, field, error_id in (
            ("fulfillment", "fulfillmentPolicyId", 25007),
            ("payment", "paymentPolicyId", 25008),
            ("return", "returnPolicyId", 25009),
        ):
            if (
                not policies.get(field)
                or sim.account.policy(kind, policies[field], offer["marketplaceId"]) is None
            ):
                return inventory_error(
                    400,
                    error_id,
                    f"Invalid {kind} policy information. Please specify a valid {kind} policy ID.",
                    parameters={field: policies.get(field, "")},
                )
        location_key = offer.get("merchantLocationKey")
        if not location_key or location_key not in self.locations:
            return user_error(
                "No <Item.Country> exists or <Item.Country> is specified as an empty tag in the request."
            )
        aspects = product.get("aspects") or {}
        group = self._group_of(offer["sku"])
        if group is not None:
            aspects = {**(group.get("aspects") or {}), **aspects}
        for name in self.required_aspects(category_id):
            if not any(value for value in aspects.get(name, [])):
                return user_error(
                    f"The item specific {name} is missing. Add {name} to this listing, enter a "
                    f"valid value, and then try again.",
                    parameters={"aspect": name},
                )
        taxonomy = self._taxonomy()
        selection = taxonomy.selection_only_values(category_id) if taxonomy is not None else {}
        for name, values in selection.items():
            wrong = [value for value in aspects.get(name, []) if value and values and value not in values]
            if wrong:
                return user_error(
                    f"The item specific {name} has an invalid value: {wrong[0]}. Select a value from "
                    f"the list for this category.",
                    parameters={"aspect": name, "value": wrong[0]},
                )
        allowed = self.allowed_conditions(category_id)
        if item.get("condition") and allowed and item["condition"] not in allowed:
            return inventory_error(
                400,
                25021,
                "Invalid item condition information.",
                "The condition is not supported by this category.",
                parameters={"condition": item["condition"], "categoryId": category_id},
            )
        return None

    def _publish_offer(self, offer, listing_id=None, group=None):
        """Publish (or revise when already published); returns the listing id."""
        if offer["status"] == "PUBLISHED":
            self._revise(offer["listing"]["listingId"])
            return offer["listing"]["listingId"]
        listing_id = listing_id or str(next(self._listing_ids))
        listing = self.listings.setdefault(
            listing_id,
            {"listingId": listing_id, "offerIds": [], "group": group, "revisions": 0, "status": "ACTIVE"},
        )
        listing["offerIds"].append(offer["offerId"])
        listing["status"] = "ACTIVE"
        offer["status"] = "PUBLISHED"
        offer["listing"] = {
            "listingId": listing_id,
            "listingStatus": "ACTIVE",
            "soldQuantity": (offer.get("listing") or {}).get("soldQuantity", 0),
            "listingOnHold": False,
        }
        return listing_id

    def _publish(self, offer_id):
        offer = self.offers.get(offer_id)
        if offer is None:
            return inventory_error(404, 25713, "This Offer is not available.")
        if self._group_of(offer["sku"]) is not None:
            return user_error(
                "This offer belongs to an inventory item group: publish it with "
                "publishOfferByInventoryItemGroup."
            )
        problem = self._publish_problem(offer)
        if problem:
            return problem
        return SimResponse(200, {"listingId": self._publish_offer(offer), "warnings": []})

    def _withdraw(self, offer_id):
        offer = self.offers.get(offer_id)
        if offer is None:
            return inventory_error(404, 25713, "This Offer is not available.")
        if offer["status"] != "PUBLISHED":
            return inventory_error(400, 25713, "This Offer is not available.", "The offer is not published.")
        listing_id = offer["listing"]["listingId"]
        self._end_offer(offer)
        return SimResponse(200, {"listingId": listing_id, "warnings": []})

    def _end_offer(self, offer):
        """The offer's listing ends (withdraw, offer or item deleted); the offer is unpublished."""
        if offer.get("status") != "PUBLISHED":
            return
        listing = self.listings.get(offer["listing"]["listingId"])
        offer["status"] = "UNPUBLISHED"
        offer["listing"] = dict(offer["listing"], listingStatus="ENDED")
        if listing is not None:
            listing["offerIds"] = [i for i in listing["offerIds"] if i != offer["offerId"]]
            if not listing["offerIds"]:
                listing["status"] = "ENDED"

    def _revise(self, listing_id):
        listing = self.listings.get(listing_id)
        if listing is not None:
            listing["revisions"] += 1

    def _revise_listings_of(self, sku):
        for offer in self.offers.values():
            if offer["sku"] == sku and offer["status"] == "PUBLISHED":
                self._revise(offer["listing"]["listingId"])

    def _bulk_create_offers(self, request):
        requests = (request.json() or {}).get("requests") or []
        if not requests or len(requests) > BULK_LIMIT:
            return inventory_error(400, 25733, f"The number of requests must be between 1 and {BULK_LIMIT}.")
        locale = request.headers.get("content-language")
        responses = []
        for entry in requests:
            offer_id, error = self._create_offer_from(entry, locale)
            response = {
                "sku": entry.get("sku"),
                "marketplaceId": entry.get("marketplaceId"),
                "format": entry.get("format"),
                "statusCode": error.status if error else 200,
            }
            if error:
                response["errors"] = _error_item(error)
            else:
                response["offerId"] = offer_id
            responses.append(response)
        overall = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return SimResponse(overall, {"responses": responses})

    def _bulk_publish(self, request):
        requests = (request.json() or {}).get("requests") or []
        if not requests or len(requests) > BULK_LIMIT:
            return inventory_error(400, 25733, f"The number of requests must be between 1 and {BULK_LIMIT}.")
        responses = []
        for entry in requests:
            offer_id = entry.get("offerId")
            answer = self._publish(offer_id)
            response = {"offerId": offer_id, "statusCode": answer.status}
            if answer.status == 200:
                response["listingId"] = answer.body["listingId"]
            else:
                response["errors"] = _error_item(answer)
            responses.append(response)
        overall = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return SimResponse(overall, {"responses": responses})

    def _bulk_price_quantity(self, request):
        requests = (request.json() or {}).get("requests") or []
        if not requests or len(requests) > BULK_LIMIT:
            return inventory_error(
                400,
                25733,
                f"Valid SKUs and their quantity are required. The number of "
                f"requests must be between 1 and {BULK_LIMIT}.",
            )
        responses = []
        for entry in requests:
            sku = entry.get("sku")
            item = self.items.get(sku)
            if item is None:
                responses.append(
                    {
                        "sku": sku,
                        "statusCode": 404,
                        "errors": _error_item(
                            inventory_error(404, 25702, f"SKU {sku} is not available in the system")
                        ),
                    }
                )
                continue
            ship = entry.get("shipToLocationAvailability")
            if ship is not None and "quantity" in ship:
                quantity = ship["quantity"]
                if not isinstance(quantity, int) or quantity < 0:
                    responses.append(
                        {
                            "sku": sku,
                            "statusCode": 400,
                            "errors": _error_item(
                                inventory_error(
                                    400, 25604, "Input error. The quantity must be a non-negative integer."
                                )
                            ),
                        }
                    )
                    continue
                item.setdefault("availability", {}).setdefault("shipToLocationAvailability", {})[
                    "quantity"
                ] = quantity
            offers = entry.get("offers") or []
            for change in offers:
                offer = self.offers.get(change.get("offerId"))
                if offer is None or offer["sku"] != sku:
                    responses.append(
                        {
                            "sku": sku,
                            "offerId": change.get("offerId"),
                            "statusCode": 404,
                            "errors": _error_item(
                                inventory_error(404, 25713, "This Offer is not available.")
                            ),
                        }
                    )
                    continue
                if "availableQuantity" in change:
                    offer["availableQuantity"] = change["availableQuantity"]
                if "price" in change:
                    offer.setdefault("pricingSummary", {})["price"] = change["price"]
                if offer["status"] == "PUBLISHED":
                    self._revise(offer["listing"]["listingId"])
                responses.append({"sku": sku, "offerId": offer["offerId"], "statusCode": 200})
            if not offers:
                self._revise_listings_of(sku)
                responses.append({"sku": sku, "statusCode": 200})
        overall = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return SimResponse(overall, {"responses": responses})

    # ------------------------------------------------------------------ item groups

    def _group_of(self, sku):
        for group in self.groups.values():
            if sku in group.get("variantSKUs", []):
                return group
        return None

    def _group_listing_id(self, key):
        for listing in self.listings.values():
            if listing.get("group") == key and listing["status"] == "ACTIVE":
                return listing["listingId"]
        return None

    def _group(self, request, key):
        if request.method == "PUT":
            body = request.json() or {}
            if not request.headers.get("content-language"):
                return inventory_error(400, 25709, "Invalid value for header Content-Language.")
            if not body.get("variantSKUs"):
                return inventory_error(400, 25717, "Input error. variantSKUs is required.")
            group = copy.deepcopy(body)
            group["inventoryItemGroupKey"] = key
            self.groups[key] = group
            listing_id = self._group_listing_id(key)
            if listing_id:
                self._revise(listing_id)
            return SimResponse(204)
        group = self.groups.get(key)
        if group is None:
            return inventory_error(
                404, 25710, "We didn't find the resource/entity you are requesting. Please verify the request"
            )
        if request.method == "GET":
            return SimResponse(200, copy.deepcopy(group))
        if request.method == "DELETE":
            if self._group_listing_id(key):
                return user_error("The inventory item group is in an active listing: withdraw it first.")
            del self.groups[key]
            return SimResponse(204)
        return None

    def _publish_group(self, request):
        body = request.json() or {}
        key, marketplace = body.get("inventoryItemGroupKey"), body.get("marketplaceId")
        group = self.groups.get(key)
        if group is None:
            return inventory_error(
                404, 25710, "We didn't find the resource/entity you are requesting. Please verify the request"
            )
        offers = []
        for sku in group["variantSKUs"]:
            offer = next(
                (o for o in self.offers.values() if o["sku"] == sku and o["marketplaceId"] == marketplace),
                None,
            )
            if offer is None:
                return user_error(
                    f"No offer found for SKU {sku} in marketplace {marketplace}: create an offer "
                    f"for every variant SKU first.",
                    parameters={"sku": sku},
                )
            problem = self._publish_problem(offer)
            if problem:
                return problem
            offers.append(offer)
        listing_id = self._group_listing_id(key) or str(next(self._listing_ids))
        for offer in offers:
            self._publish_offer(offer, listing_id=listing_id, group=key)
        self._revise(listing_id)
        return SimResponse(200, {"listingId": listing_id, "warnings": []})

    def _withdraw_group(self, request):
        body = request.json() or {}
        key = body.get("inventoryItemGroupKey")
        group = self.groups.get(key)
        if group is None or not self._group_listing_id(key):
            return inventory_error(404, 25713, "This Offer is not available.")
        for offer in self.offers.values():
            if offer["sku"] in group["variantSKUs"] and offer["marketplaceId"] == body.get("marketplaceId"):
                self._end_offer(offer)
        return SimResponse(204)

    # ------------------------------------------------------------------ legacy listings

    def add_legacy_listing(
        self,
        sku,
        title,
        price,
        quantity,
        category_id="88433",
        condition_id=1000,
        variations=None,
        aspects=None,
        item_id=None,
        image_urls=None,
    ):
        """A listing made on the site or with Trading (ItemID -> dict in `legacy_listings`); returns its
        ItemID. `variations` [{"sku", "price", "quantity", "aspects": {"Color": "Red"}}]."""
        with self.lock:
            item_id = item_id or str(next(self._listing_ids))
            self.legacy_listings[item_id] = {
                "item_id": item_id,
                "sku": sku,
                "title": title,
                "price": str(price),
                "quantity": quantity,
                "quantity_sold": 0,
                "category_id": str(category_id),
                "condition_id": condition_id,
                "aspects": dict(aspects or {}),
                "image_urls": list(image_urls or ["https://i.ebayimg.com/1.jpg"]),
                "variations": [dict(v) for v in variations or []],
                "status": "Active",
                "migrated": False,
                "listing_policies": None,
            }
            return item_id

    def _bulk_migrate(self, request):
        requests = (request.json() or {}).get("requests") or []
        if not requests or len(requests) > MIGRATE_LIMIT:
            return inventory_error(
                400, 25733, f"The number of listings must be between 1 and {MIGRATE_LIMIT}."
            )
        responses = []
        for entry in requests:
            listing_id = str(entry.get("listingId"))
            responses.append(self._migrate(listing_id))
        overall = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return SimResponse(overall, {"responses": responses})

    def _migrate(self, listing_id):
        legacy = self.legacy_listings.get(listing_id)
        marketplace = self.sim.marketplace

        def failed(status, error_id, message):
            return {
                "listingId": listing_id,
                "marketplaceId": marketplace,
                "statusCode": status,
                "errors": _error_item(inventory_error(status, error_id, message)),
            }

        if legacy is None or legacy["status"] != "Active":
            return failed(404, 25710, "We didn't find the listing you are requesting.")
        if legacy["migrated"]:
            return failed(
                400, 25002, "A user error has occurred. The listing is already managed by the Inventory API."
            )
        variants = legacy["variations"] or [
            {"sku": legacy["sku"], "price": legacy["price"], "quantity": legacy["quantity"], "aspects": {}}
        ]
        if any(not v.get("sku") for v in variants):
            return failed(
                400,
                25002,
                "A user error has occurred. Every listing and variation needs a SKU to be migrated.",
            )
        if any(v["sku"] in self.items for v in variants):
            return failed(
                400, 25002, "A user error has occurred. An inventory item with this SKU already exists."
            )
        policies = legacy.get("listing_policies") or {}
        if not policies:
            account = self.sim.account
            for kind, field in (
                ("fulfillment", "fulfillmentPolicyId"),
                ("payment", "paymentPolicyId"),
                ("return", "returnPolicyId"),
            ):
                first = next(
                    (pid for pid, p in account.policies[kind].items() if p["marketplaceId"] == marketplace),
                    None,
                )
                if first is None:
                    return failed(
                        400,
                        25002,
                        "A user error has occurred. The listing must use business policies to be migrated.",
                    )
                policies[field] = first
        condition = next(
            (name for name, cid in CONDITION_IDS.items() if cid == legacy["condition_id"]), "NEW"
        )
        location_key = next(iter(self.locations), None)
        if location_key is None:
            location_key = "migrated-location"
            self.add_location(location_key)
        group_key = None
        if legacy["variations"]:
            group_key = f"{legacy['sku'] or listing_id}-group"
            self.groups[group_key] = {
                "inventoryItemGroupKey": group_key,
                "title": legacy["title"],
                "aspects": {k: [v] if isinstance(v, str) else v for k, v in legacy["aspects"].items()},
                "imageUrls": legacy["image_urls"],
                "variantSKUs": [v["sku"] for v in variants],
                "variesBy": {"specifications": self._varies_by(variants)},
            }
        migrated = []
        for variant in variants:
            aspects = {k: [v] if isinstance(v, str) else v for k, v in legacy["aspects"].items()}
            aspects.update({k: [v] for k, v in (variant.get("aspects") or {}).items()})
            self.items[variant["sku"]] = {
                "sku": variant["sku"],
                "locale": "en_US",
                "condition": condition,
                "product": {"title": legacy["title"], "aspects": aspects, "imageUrls": legacy["image_urls"]},
                "availability": {"shipToLocationAvailability": {"quantity": int(variant["quantity"])}},
            }
            offer_id = str(next(self._offer_ids))
            self.offers[offer_id] = {
                "offerId": offer_id,
                "sku": variant["sku"],
                "marketplaceId": marketplace,
                "format": "FIXED_PRICE",
                "availableQuantity": int(variant["quantity"]),
                "categoryId": legacy["category_id"],
                "listingPolicies": dict(policies),
                "merchantLocationKey": location_key,
                "listingDuration": "GTC",
                "pricingSummary": {"price": {"value": str(variant["price"]), "currency": self.sim.currency}},
                "status": "UNPUBLISHED",
                "listing": None,
            }
            self._publish_offer(self.offers[offer_id], listing_id=listing_id, group=group_key)
            migrated.append({"sku": variant["sku"], "offerId": offer_id})
        legacy["migrated"] = True
        response = {
            "listingId": listing_id,
            "marketplaceId": marketplace,
            "statusCode": 200,
            "inventoryItems": migrated,
        }
        if group_key:
            response["inventoryItemGroupKey"] = group_key
        return response

    @staticmethod
    def _varies_by(variants):
        names = {}
        for variant in variants:
            for name, value in (variant.get("aspects") or {}).items():
                names.setdefault(name, [])
                if value not in names[name]:
                    names[name].append(value)
        return [{"name": name, "values": values} for name, values in names.items()]
