"""Trading API (XML, `POST /ws/api.dll`): legacy listings (made on eBay's site or by an old Trading
integration), their stock and price, carriers, the seller, buyer messages.

Source: eBay's Trading API reference (ReviseInventoryStatus, ReviseFixedPriceItem, GetItem, GetMyeBaySelling,
GeteBayDetails, GetUser, GetMemberMessages, GetMyMessages; "Errors by number") and `ebaysdk` 2.2.0, which the
connector uses: every reply here parses with `ebaysdk.response.Response` as a real one does (namespace
`urn:ebay:apis:eBLBaseComponents`, `<Ack>`, `<Errors>`; `Ack=Failure` makes ebaysdk raise ConnectionError).

Requests: headers X-EBAY-API-CALL-NAME (must name the root element `<{Verb}Request>`), -SITEID,
-COMPATIBILITY-LEVEL, -APP-NAME/-DEV-NAME/-CERT-NAME, and X-EBAY-API-IAF-TOKEN (an OAuth user token; the
connector sends no RequesterCredentials).

Interface with the simulator's front and its other APIs (ebsim's front, tests/simulators/ebay/simulator.py):
* The front mounts `TradingApi(sim)` as `sim.trading`, counts the "trading" daily quota and answers eBay's
  ErrorCode 518 itself when it is spent (`quota_exceeded_response()` here gives the same shape). It checks the
  X-EBAY-API-IAF-TOKEN (an OAuth user token; ErrorCode 21916984 when invalid) and fills `request.auth`;
  without a front, `handle` checks the token with `sim.check_user_token(token)` or `sim.oauth.check(token)`.
* Legacy listings live in the front's `sim.legacy_listings` (ItemID -> dict; this module's own dict when the
  sim has none): keys item_id, sku, title, price (string), quantity (available), quantity_sold,
  category_id, condition_id (int), aspects, image_urls, variations [{sku, price, quantity, aspects,
  quantity_sold}], status ("Active"/"Completed"), migrated, listing_policies; this module adds currency,
  site, description, start_time, revisions when it creates one (`sim.trading.add_legacy_listing(item_id,
  sku, title, price, quantity, variations=None, ...)`; the front's `sim.add_legacy_listing(sku, ...)` makes
  them too). ReviseInventoryStatus / ReviseFixedPriceItem write price and quantity back into that dict.
* Migration: the Inventory API's `bulk_migrate_listing` reads the dict and sets `migrated`; a listing that
  is migrated, or that the Inventory API manages (its id in `sim.inventory.listings`, or
  `sim.inventory_listing(item_id)` truthy), is refused by every revise call with ErrorCode 21919474 ("This
  operation is not allowed for inventory items."); GetItem still answers. Without the front's migration,
  `sim.trading.take_legacy_listing(item_id)` hands over the data once and marks it migrated;
  `is_migrated(item_id)`.
* Carriers (GeteBayDetails) are `CARRIERS` / `carrier_codes()` (the codes the Fulfillment API takes).
* Buyer messages: `sim.trading.add_member_message(item_id, sender, body, ...)`.
"""

import copy
import itertools
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.sax.saxutils import escape, quoteattr

from .api import SimApi, SimResponse

NS = "urn:ebay:apis:eBLBaseComponents"
PATH = "/ws/api.dll"
VERSION = "1451"  # the schema version the replies carry
BUILD = "E1451_CORE_APISIGNIN_sim"
MAX_INVENTORY_STATUS = 4
MAX_ENTRIES_PER_PAGE = 200  # GetMyeBaySelling Pagination.EntriesPerPage
SITE_IDS = {
    "0": ("US", "USD"),
    "2": ("Canada", "CAD"),
    "3": ("UK", "GBP"),
    "15": ("Australia", "AUD"),
    "16": ("Austria", "EUR"),
    "71": ("France", "EUR"),
    "77": ("Germany", "EUR"),
    "100": ("eBayMotors", "USD"),
    "101": ("Italy", "EUR"),
    "146": ("Netherlands", "EUR"),
    "186": ("Spain", "EUR"),
}

#: GeteBayDetails DetailName=ShippingCarrierDetails (US site; the codes the Fulfillment API takes).
CARRIERS = [
    ("USPS", "USPS"),
    ("UPS", "UPS"),
    ("FedEx", "FedEx"),
    ("DHL", "DHL Express"),
    ("DHLEcommerce", "DHL eCommerce"),
    ("OnTrac", "OnTrac"),
    ("LaserShip", "LaserShip"),
    ("CanadaPost", "Canada Post"),
    ("RoyalMail", "Royal Mail"),
    ("DeutschePost", "Deutsche Post"),
    ("Hermes", "Hermes"),
    ("GLS", "GLS"),
    ("Other", "Other"),
]


def carrier_codes():
    return [code for code, _name in CARRIERS]


def _now(sim):
    clock = getattr(sim, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


def xml_date(dt):
    """Trading's timestamps: UTC with milliseconds and Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class TradingError(Exception):
    """One Trading error: raised inside a call, answered as `<Errors>` (per item where the call allows)."""

    def __init__(self, code, short, long=None, classification="RequestError", severity="Error", params=()):
        super().__init__(long or short)
        self.code = str(code)
        self.short = short
        self.long = long or short
        self.classification = classification
        self.severity = severity
        self.params = list(params)

    def xml(self):
        params = "".join(
            f'<ErrorParameters ParamID="{i}"><Value>{escape(str(value))}</Value></ErrorParameters>'
            for i, value in enumerate(self.params)
        )
        return (
            f"<Errors><ShortMessage>{escape(self.short)}</ShortMessage>"
            f"<LongMessage>{escape(self.long)}</LongMessage><ErrorCode>{self.code}</ErrorCode>"
            f"<SeverityCode>{self.severity}</SeverityCode>{params}"
            f"<ErrorClassification>{self.classification}</ErrorClassification></Errors>"
        )


def reply(verb, ack, body="", errors=(), timestamp=None):
    """A `<{verb}Response>` document as eBay sends it."""
    timestamp = timestamp or datetime.now(UTC)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<{verb}Response xmlns="{NS}"><Timestamp>{xml_date(timestamp)}</Timestamp><Ack>{ack}</Ack>'
        + "".join(error.xml() for error in errors)
        + f"<Version>{VERSION}</Version><Build>{BUILD}</Build>{body}</{verb}Response>"
    )
    return SimResponse(200, xml.encode(), {"Content-Type": "text/xml;charset=utf-8"})


def trading_error_response(verb, error, timestamp=None):
    """A whole call refused with one error (HTTP 200, as eBay answers Trading errors)."""
    return reply(verb or "Generic", "Failure", errors=[error], timestamp=timestamp)


def quota_exceeded_response(verb=None, timestamp=None):
    """What the front answers when the Trading daily quota is spent (eBay's ErrorCode 518)."""
    return trading_error_response(
        verb,
        TradingError(
            518,
            "Call usage limit has been reached.",
            "Your application has exceeded usage limit on this call, please make call to Developer "
            "Analytics API to check your call usage.",
            classification="RequestError",
        ),
        timestamp,
    )


def _tag(name):
    return f"{{{NS}}}{name}"


def _find(element, path):
    """The child element at 'A/B' (namespace added), or None."""
    if element is None:
        return None
    return element.find("/".join(_tag(part) for part in path.split("/")))


def _findall(element, path):
    if element is None:
        return []
    return element.findall("/".join(_tag(part) for part in path.split("/")))


def _text(element, path, default=None):
    found = _find(element, path)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _int(element, path, default=None, name=None):
    value = _text(element, path)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise TradingError(
            37,
            "Input data is invalid.",
            f"Input data for tag <{name or path}> is invalid or missing. Please check API documentation.",
            params=[name or path],
        ) from None


def _price(element, path):
    value = _text(element, path)
    if value is None:
        return None
    try:
        price = _money(value)
    except InvalidOperation:
        price = None
    if price is None or price <= 0:
        raise TradingError(
            37,
            "Input data is invalid.",
            f"Input data for tag <{path}> is invalid or missing. Please check API documentation.",
            params=[path],
        )
    return price


def _amount(tag, value, currency):
    return f"<{tag} currencyID={quoteattr(currency)}>{_money(value):.2f}</{tag}>"


class TradingApi(SimApi):
    """The Trading API: its legacy listings, carriers, seller and messages."""

    prefix = PATH
    quota_name = "trading"
    scopes = ()  # the IAF token is checked in handle(), not as a bearer token
    token_header = "x-ebay-api-iaf-token"

    def __init__(self, sim):
        super().__init__(sim)
        self._lock = getattr(sim, "lock", None) or threading.RLock()
        # Legacy listings: the front's `sim.legacy_listings` (ItemID -> dict) when it has one, which the
        # Inventory API's bulk_migrate_listing reads and marks migrated; else a store of our own.
        store = getattr(sim, "legacy_listings", None)
        self.listings = store if isinstance(store, dict) else {}
        self.messages = []  # member messages (GetMemberMessages / GetMyMessages)
        self._message_ids = itertools.count(2_000_000_001)
        self._item_ids = itertools.count(110_000_000_001)
        self.calls = []  # (verb, headers) of every call answered, for tests
        self.seller = {
            "UserID": getattr(sim, "seller_username", None) or "sim_seller",
            "Email": "seller@example.com",
            "FeedbackScore": "152",
            "RegistrationDate": "2015-03-02T10:00:00.000Z",
            "Site": "US",
            "Status": "Confirmed",
            "EIASToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wFk4GlDpSLpwSdj6x9nY+seQ==",
        }

    # ------------------------------------------------------------------ state other modules use

    def add_legacy_listing(
        self,
        item_id,
        sku,
        title,
        price,
        quantity,
        variations=None,
        *,
        currency=None,
        category_id="88433",
        condition_id=1000,
        description="",
        site="US",
        quantity_sold=0,
        aspects=None,
        image_urls=None,
    ):
        """An active fixed-price listing made outside the Inventory API (item_id None: a new one).
        `variations`: [{"sku", "price", "quantity", "aspects": {"Size": "M"}, "quantity_sold": 0}];
        `quantity` is the quantity available (eBay's Quantity minus QuantitySold). The dict has the keys
        the front's `legacy_listings` use (price as a string)."""
        item_id = str(item_id or next(self._item_ids))
        listing = {
            "item_id": item_id,
            "sku": sku or "",
            "title": title,
            "price": f"{_money(price):.2f}",
            "currency": currency or getattr(self.sim, "currency", None) or "USD",
            "quantity": int(quantity),
            "quantity_sold": int(quantity_sold),
            "category_id": str(category_id),
            "condition_id": int(condition_id),
            "aspects": dict(aspects or {}),
            "image_urls": list(image_urls or ["https://i.ebayimg.com/images/g/sim/s-l1600.jpg"]),
            "description": description,
            "site": site,
            "status": "Active",
            "migrated": False,
            "listing_policies": None,
            "start_time": _now(self.sim),
            "revisions": 0,
            "variations": [
                {
                    "sku": v["sku"],
                    "price": f"{_money(v.get('price', price)):.2f}",
                    "quantity": int(v.get("quantity", 0)),
                    "quantity_sold": int(v.get("quantity_sold", 0)),
                    "aspects": dict(v.get("aspects") or v.get("specifics") or {}),
                }
                for v in (variations or ())
            ],
        }
        with self._lock:
            self.listings[item_id] = listing
        return listing

    def legacy_listing(self, item_id):
        return self.listings.get(str(item_id))

    def end_listing(self, item_id):
        with self._lock:
            self.listings[str(item_id)]["status"] = "Completed"

    def take_legacy_listing(self, item_id):
        """For a migration held outside the front's store: the listing's data, marking it migrated (None
        when it is not an active legacy listing, or was migrated already)."""
        with self._lock:
            listing = self.listings.get(str(item_id))
            if listing is None or listing.get("migrated") or listing.get("status") != "Active":
                return None
            listing["migrated"] = True
            return copy.deepcopy(listing)

    def is_migrated(self, item_id):
        listing = self.listings.get(str(item_id))
        return bool(listing and listing.get("migrated"))

    def inventory_owned(self, item_id):
        """True when the Inventory API manages this listing (migrated, or published with the Inventory
        API): Trading revise calls are refused then."""
        listing = self.listings.get(str(item_id))
        if listing is not None and listing.get("migrated"):
            return True
        hook = getattr(self.sim, "inventory_listing", None)
        if callable(hook) and hook(str(item_id)):
            return True
        inventory = getattr(self.sim, "inventory", None)
        listings = getattr(inventory, "listings", None)
        return isinstance(listings, dict) and str(item_id) in listings

    def add_member_message(
        self,
        item_id,
        sender,
        body,
        *,
        subject=None,
        recipient=None,
        question_type="General",
        message_type="AskSellerQuestion",
    ):
        """A buyer's message to the seller about an item (the item of an order, when bought)."""
        listing = self.listings.get(str(item_id)) or {}
        now = _now(self.sim)
        message = {
            "message_id": str(next(self._message_ids)),
            "item_id": str(item_id),
            "item_title": listing.get("title", ""),
            "sender": sender,
            "recipient": recipient or self.seller["UserID"],
            "subject": subject or f"{sender} sent a message about {listing.get('title') or item_id}",
            "body": body,
            "question_type": question_type,
            "message_type": message_type,
            "created": now,
            "status": "Unanswered",
            "read": False,
        }
        with self._lock:
            self.messages.append(message)
        return message

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        if request.path != PATH:
            return None
        verb = request.headers.get("x-ebay-api-call-name", "")
        now = _now(self.sim)
        if request.method != "POST":
            return trading_error_response(
                verb,
                TradingError(
                    2, "Unsupported API call.", "The API call is not valid or not supported in this release."
                ),
                now,
            )
        try:
            root = ET.fromstring(request.body or b"")
        except ET.ParseError as error:
            return trading_error_response(
                verb,
                TradingError(
                    5, "XML Parse error.", f'XML Error Text: "{error}".', classification="RequestError"
                ),
                now,
            )
        if not verb or root.tag != _tag(f"{verb}Request"):
            return trading_error_response(
                verb,
                TradingError(
                    2,
                    "Unsupported API call.",
                    f'The API call "{verb}" is invalid or not supported in this release.',
                ),
                now,
            )
        handler = getattr(self, f"_call_{verb}", None)
        if handler is None:
            return trading_error_response(
                verb,
                TradingError(
                    2,
                    "Unsupported API call.",
                    f'The API call "{verb}" is invalid or not supported in this release.',
                ),
                now,
            )
        if not self._authorized(request):
            return trading_error_response(
                verb,
                TradingError(21916984, "Invalid IAF token.", "IAF token supplied is invalid."),
                now,
            )
        site = request.headers.get("x-ebay-api-siteid", "0")
        if site not in SITE_IDS:
            return trading_error_response(
                verb,
                TradingError(
                    10012,
                    'Invalid value for header "X-EBAY-API-SITEID".',
                    f'Header "X-EBAY-API-SITEID" has an invalid value "{site}".',
                ),
                now,
            )
        with self._lock:
            self.calls.append((verb, dict(request.headers)))
            try:
                return handler(root, now)
            except TradingError as error:
                return trading_error_response(verb, error, now)

    def _authorized(self, request):
        """The front fills `request.auth` from the IAF token (ebsim's front does, and refuses a bad one
        itself); else check the token here with the front's token check."""
        if request.auth:
            return request.auth.get("kind") == "user"
        token = request.headers.get(self.token_header, "")
        check = getattr(self.sim, "check_user_token", None) or getattr(
            getattr(self.sim, "oauth", None), "check", None
        )
        auth = check(token) if token and check else None
        if not auth or auth.get("kind") != "user":
            return False
        request.auth = auth
        return True

    # ------------------------------------------------------------------ listings

    def _listing(self, item_id=None, sku=None):
        """The listing (and the variation, when `sku` names one) an ItemID and/or SKU point to."""
        if item_id:
            listing = self.listings.get(item_id)
            if listing is None:
                raise TradingError(
                    17,
                    "This item cannot be accessed because the listing has been deleted, is a "
                    "Half.com listing, or you are not the seller.",
                    f'Item "{item_id}" is invalid, not activated, or no longer in our database.',
                    params=[item_id],
                )
            if sku and listing.get("variations"):
                variation = next((v for v in listing["variations"] if v["sku"] == sku), None)
                if variation is None:
                    raise TradingError(
                        21916635,
                        "Invalid Multi-SKU item id.",
                        "Invalid Multi-SKU item id supplied with variations.",
                        params=[item_id],
                    )
                return listing, variation
            if sku and listing.get("sku") != sku:
                raise TradingError(
                    21916271,
                    "SKU does not match the item.",
                    f'The SKU "{sku}" does not match item "{item_id}".',
                    params=[sku],
                )
            return listing, None
        for listing in self.listings.values():
            if listing.get("status") != "Active":
                continue
            if listing.get("sku") == sku and not listing.get("variations"):
                return listing, None
            for variation in listing.get("variations") or ():
                if variation["sku"] == sku:
                    return listing, variation
        raise TradingError(
            21916543, "SKU not found.", f'No active listing of this seller has the SKU "{sku}".', params=[sku]
        )

    def _check_revisable(self, listing):
        if self.inventory_owned(listing["item_id"]):
            raise TradingError(
                21919474,
                "This operation is not allowed for inventory items.",
                "Inventory-based listing management is not currently supported by this tool. "
                "Please refer to the tool used to create this listing.",
                params=[listing["item_id"]],
            )
        if listing.get("status") != "Active":
            raise TradingError(
                291,
                "Auction ended.",
                "You are not allowed to revise ended listings.",
                params=[listing["item_id"]],
            )

    def _currency(self, listing):
        return listing.get("currency") or getattr(self.sim, "currency", None) or "USD"

    def _start_time(self, listing):
        return listing.setdefault("start_time", _now(self.sim))

    @staticmethod
    def _specifics(variation):
        values = variation.get("aspects") or variation.get("specifics") or {}
        return {
            name: value[0] if isinstance(value, list | tuple) else value for name, value in values.items()
        }

    def _item_xml(self, listing, detail=True):
        currency = self._currency(listing)
        variations = listing.get("variations") or []
        if variations:
            sold = sum(int(v.get("quantity_sold", 0)) for v in variations)
            total_quantity = sum(int(v["quantity"]) for v in variations) + sold
            price = min(_money(v["price"]) for v in variations)
        else:
            sold = int(listing.get("quantity_sold", 0))
            total_quantity = int(listing["quantity"]) + sold
            price = _money(listing["price"])
        parts = [f"<ItemID>{listing['item_id']}</ItemID>"]
        if listing.get("sku"):
            parts.append(f"<SKU>{escape(listing['sku'])}</SKU>")
        parts += [
            f"<Title>{escape(listing['title'])}</Title>",
            f"<Quantity>{total_quantity}</Quantity>",
            "<ListingType>FixedPriceItem</ListingType>",
            "<ListingDuration>GTC</ListingDuration>",
            f"<Currency>{currency}</Currency>",
            _amount("StartPrice", price, currency),
            f"<Site>{listing.get('site') or 'US'}</Site>",
            f"<InventoryTrackingMethod>{'SKU' if listing.get('sku') else 'ItemID'}</InventoryTrackingMethod>",
            f"<ListingDetails><StartTime>{xml_date(self._start_time(listing))}</StartTime>"
            f"<ViewItemURL>https://www.ebay.com/itm/{listing['item_id']}</ViewItemURL></ListingDetails>",
            f"<SellingStatus>{_amount('CurrentPrice', price, currency)}<QuantitySold>{sold}</QuantitySold>"
            f"<ListingStatus>{listing.get('status', 'Active')}</ListingStatus></SellingStatus>",
        ]
        if detail:
            parts += [
                f"<PrimaryCategory><CategoryID>{listing.get('category_id', '')}</CategoryID>"
                "</PrimaryCategory>",
                f"<ConditionID>{listing.get('condition_id', 1000)}</ConditionID>",
                f"<Description>{escape(listing.get('description') or '')}</Description>",
                f"<Seller><UserID>{escape(self.seller['UserID'])}</UserID></Seller>",
            ]
            pictures = listing.get("image_urls") or []
            if pictures:
                parts.append(
                    "<PictureDetails>"
                    + "".join(f"<PictureURL>{escape(url)}</PictureURL>" for url in pictures)
                    + "</PictureDetails>"
                )
        else:
            parts.append(f"<QuantityAvailable>{total_quantity - sold}</QuantityAvailable>")
        if variations:
            rows = []
            for v in variations:
                v_sold = int(v.get("quantity_sold", 0))
                specifics = "".join(
                    f"<NameValueList><Name>{escape(name)}</Name><Value>{escape(str(value))}</Value>"
                    "</NameValueList>"
                    for name, value in self._specifics(v).items()
                )
                rows.append(
                    f"<Variation><SKU>{escape(v['sku'])}</SKU>{_amount('StartPrice', v['price'], currency)}"
                    f"<Quantity>{int(v['quantity']) + v_sold}</Quantity>"
                    f"<VariationSpecifics>{specifics}</VariationSpecifics>"
                    f"<SellingStatus><QuantitySold>{v_sold}</QuantitySold></SellingStatus></Variation>"
                )
            parts.append("<Variations>" + "".join(rows) + "</Variations>")
        return "<Item>" + "".join(parts) + "</Item>"

    def _call_GetItem(self, root, now):
        item_id = _text(root, "ItemID")
        sku = _text(root, "SKU")
        if not item_id and not sku:
            raise TradingError(10019, "Missing ItemID or SKU.", "No ItemID or SKU was specified.")
        listing, _variation = self._listing(item_id, None if item_id else sku)
        return reply("GetItem", "Success", self._item_xml(listing), timestamp=now)

    def _call_GetMyeBaySelling(self, root, now):
        active = _find(root, "ActiveList")
        body = ""
        if active is not None and _text(active, "Include", "true") != "false":
            per_page = _int(active, "Pagination/EntriesPerPage", 25, "EntriesPerPage")
            page = _int(active, "Pagination/PageNumber", 1, "PageNumber")
            if not 1 <= per_page <= MAX_ENTRIES_PER_PAGE or page < 1:
                raise TradingError(
                    340,
                    "Invalid pagination.",
                    f"EntriesPerPage must be between 1 and {MAX_ENTRIES_PER_PAGE} and PageNumber at least 1.",
                    params=[per_page, page],
                )
            items = [
                listing for _id, listing in sorted(self.listings.items()) if listing.get("status") == "Active"
            ]
            # My eBay shows every active listing of the seller, whatever made it: the Inventory API's too.
            items += self._inventory_api_listings(known=set(self.listings))
            total = len(items)
            pages = max(1, -(-total // per_page)) if total else 0
            chunk = items[(page - 1) * per_page : page * per_page]
            body += (
                "<ActiveList><ItemArray>"
                + "".join(self._item_xml(listing, detail=False) for listing in chunk)
                + f"</ItemArray><PaginationResult><TotalNumberOfPages>{pages}</TotalNumberOfPages>"
                f"<TotalNumberOfEntries>{total}</TotalNumberOfEntries></PaginationResult></ActiveList>"
            )
        return reply("GetMyeBaySelling", "Success", body, timestamp=now)

    def _inventory_api_listings(self, known):
        """The live listings the Inventory API published (not migrated from `known` legacy listings),
        in the legacy listings' shape, for GetMyeBaySelling."""
        inventory = getattr(self.sim, "inventory", None)
        if inventory is None or not isinstance(getattr(inventory, "listings", None), dict):
            return []
        rows = []
        with inventory.lock:
            for listing_id, listing in sorted(inventory.listings.items()):
                if listing.get("status") != "ACTIVE" or listing_id in known:
                    continue
                offers = [
                    inventory.offers[offer_id]
                    for offer_id in listing.get("offerIds") or ()
                    if offer_id in inventory.offers and inventory.offers[offer_id]["status"] == "PUBLISHED"
                ]
                if not offers:
                    continue
                variants = [
                    {
                        "sku": offer["sku"],
                        "price": ((offer.get("pricingSummary") or {}).get("price") or {}).get("value") or "0",
                        "quantity": inventory._listed_quantity(offer),
                        "aspects": {},
                    }
                    for offer in offers
                ]
                product = (inventory.items.get(offers[0]["sku"]) or {}).get("product") or {}
                group = inventory.groups.get(listing.get("group") or "") or {}
                rows.append(
                    {
                        "item_id": listing_id,
                        "sku": listing.get("group") if group else offers[0]["sku"],
                        "title": group.get("title") or product.get("title") or offers[0]["sku"],
                        "price": variants[0]["price"],
                        "quantity": variants[0]["quantity"],
                        "variations": variants if group else [],
                        "status": "Active",
                    }
                )
        return rows

    def _call_ReviseInventoryStatus(self, root, now):
        statuses = _findall(root, "InventoryStatus")
        if not statuses:
            raise TradingError(
                37,
                "Input data is invalid.",
                "No InventoryStatus container was given.",
                params=["InventoryStatus"],
            )
        if len(statuses) > MAX_INVENTORY_STATUS:
            raise TradingError(
                21919150,
                "Too many InventoryStatus containers.",
                f"You can revise at most {MAX_INVENTORY_STATUS} items or variations in one "
                "ReviseInventoryStatus call.",
                params=[len(statuses)],
            )
        results, errors, fees = [], [], {}
        for status in statuses:
            item_id, sku = _text(status, "ItemID"), _text(status, "SKU")
            try:
                if not item_id and not sku:
                    raise TradingError(
                        21916588,
                        "ItemID or SKU is required.",
                        "Either the ItemID or the SKU of the item must be specified.",
                    )
                listing, variation = self._listing(item_id, sku)
                if listing.get("variations") and variation is None:
                    raise TradingError(
                        21916735,
                        "Cannot revise a Multi-SKU item when item level SKU is supplied.",
                        "Variation level SKU or Variation level SKU and ItemID should be supplied "
                        "to revise a Multi-SKU item.",
                        params=[listing["item_id"]],
                    )
                self._check_revisable(listing)
                price = _price(status, "StartPrice")
                quantity = _int(status, "Quantity", name="Quantity")
                if quantity is not None and quantity < 0:
                    raise TradingError(
                        515, "Quantity is not valid.", "The quantity must be 0 or more.", params=[quantity]
                    )
                target = variation or listing
                if price is not None:
                    target["price"] = f"{price:.2f}"
                if quantity is not None:
                    target["quantity"] = quantity
                listing["revisions"] = listing.get("revisions", 0) + 1
                results.append(
                    f"<InventoryStatus><SKU>{escape(target['sku'])}</SKU><ItemID>{listing['item_id']}</ItemID>"
                    f"{_amount('StartPrice', target['price'], self._currency(listing))}"
                    f"<Quantity>{target['quantity']}</Quantity></InventoryStatus>"
                )
                fees[listing["item_id"]] = self._currency(listing)
            except TradingError as error:
                errors.append(error)
        body = "".join(results) + "".join(
            f"<Fees><ItemID>{item}</ItemID><Fee><Name>ListingFee</Name>"
            f"{_amount('Fee', 0, currency)}</Fee></Fees>"
            for item, currency in fees.items()
        )
        # All failed: Failure; some failed: Warning, with the failed items' errors (severity Error) [?].
        ack = "Success" if not errors else ("Warning" if results else "Failure")
        return reply("ReviseInventoryStatus", ack, body, errors, timestamp=now)

    def _call_ReviseFixedPriceItem(self, root, now):
        item = _find(root, "Item")
        if item is None:
            raise TradingError(37, "Input data is invalid.", "No Item container was given.", params=["Item"])
        item_id, sku = _text(item, "ItemID"), _text(item, "SKU")
        if not item_id and not sku:
            raise TradingError(
                21916588,
                "ItemID or SKU is required.",
                "Either the ItemID or the SKU of the item must be specified.",
            )
        listing, _variation = self._listing(item_id, None if item_id else sku)
        self._check_revisable(listing)
        changes = {}
        for tag, key in (("Title", "title"), ("Description", "description"), ("ConditionID", "condition_id")):
            value = _text(item, tag)
            if value is not None:
                if tag == "Title" and len(value) > 80:
                    raise TradingError(
                        70,
                        "Title too long.",
                        "The title may not be longer than 80 characters.",
                        params=["Title"],
                    )
                if key == "condition_id":
                    if not value.isdigit():
                        raise TradingError(
                            37,
                            "Input data is invalid.",
                            "Input data for tag <Item.ConditionID> is invalid or missing.",
                            params=["ConditionID"],
                        )
                    value = int(value)
                changes[key] = value
        category = _text(item, "PrimaryCategory/CategoryID")
        if category is not None:
            changes["category_id"] = category
        price = _price(item, "StartPrice")
        if price is not None:
            changes["price"] = f"{price:.2f}"
        quantity = _int(item, "Quantity", name="Quantity")
        if quantity is not None:
            changes["quantity"] = quantity
        variation_changes = []
        for variation in _findall(item, "Variations/Variation"):
            variation_sku = _text(variation, "SKU")
            match = next((v for v in listing.get("variations") or () if v["sku"] == variation_sku), None)
            if match is None:
                raise TradingError(
                    21916635,
                    "Invalid Multi-SKU item id.",
                    "Invalid Multi-SKU item id supplied with variations.",
                    params=[variation_sku],
                )
            variation_changes.append(
                (
                    match,
                    _price(variation, "StartPrice"),
                    _int(variation, "Quantity", name="Variation.Quantity"),
                )
            )
        listing.update(changes)
        for match, variation_price, variation_quantity in variation_changes:
            if variation_price is not None:
                match["price"] = f"{variation_price:.2f}"
            if variation_quantity is not None:
                match["quantity"] = variation_quantity
        listing["revisions"] = listing.get("revisions", 0) + 1
        body = (
            f"<ItemID>{listing['item_id']}</ItemID><StartTime>{xml_date(self._start_time(listing))}</StartTime>"
            "<EndTime>2036-01-01T00:00:00.000Z</EndTime><Fees><Fee><Name>ListingFee</Name>"
            f"{_amount('Fee', 0, self._currency(listing))}</Fee></Fees>"
        )
        return reply("ReviseFixedPriceItem", "Success", body, timestamp=now)

    # ------------------------------------------------------------------ details, seller, messages

    def _call_GeteBayDetails(self, root, now):
        names = [element.text.strip() for element in _findall(root, "DetailName") if element.text]
        body = ""
        if not names or "ShippingCarrierDetails" in names:
            body += "".join(
                f"<ShippingCarrierDetails><ShippingCarrierID>{i}</ShippingCarrierID>"
                f"<Description>{escape(name)}</Description><ShippingCarrier>{code}</ShippingCarrier>"
                f"<UpdateTime>2025-06-01T00:00:00.000Z</UpdateTime><DetailVersion>12</DetailVersion>"
                "</ShippingCarrierDetails>"
                for i, (code, name) in enumerate(CARRIERS, start=1)
            )
        return reply("GeteBayDetails", "Success", body, timestamp=now)

    def _call_GetUser(self, root, now):
        seller = self.seller
        body = (
            "<User>"
            + "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in seller.items())
            + "<SellerInfo><StoreOwner>false</StoreOwner></SellerInfo></User>"
        )
        return reply("GetUser", "Success", body, timestamp=now)

    def _call_GetMemberMessages(self, root, now):
        mail_type = _text(root, "MailMessageType")
        if mail_type not in ("All", "AskSellerQuestion"):
            raise TradingError(
                37,
                "Input data is invalid.",
                "Input data for tag <MailMessageType> is invalid or missing.",
                params=["MailMessageType"],
            )
        item_id = _text(root, "ItemID")
        status = _text(root, "MessageStatus")
        start, end = _text(root, "StartCreationTime"), _text(root, "EndCreationTime")
        if not item_id and not (start and end):
            raise TradingError(
                21916349,
                "Missing time range.",
                "StartCreationTime and EndCreationTime are required when no ItemID is given.",
            )
        per_page = _int(root, "Pagination/EntriesPerPage", 25, "EntriesPerPage")
        page = _int(root, "Pagination/PageNumber", 1, "PageNumber")
        selected = []
        for message in self.messages:
            if mail_type == "AskSellerQuestion" and message["message_type"] != "AskSellerQuestion":
                continue
            if item_id and message["item_id"] != item_id:
                continue
            if status and message["status"] != status:
                continue
            created = xml_date(message["created"])
            if start and created < start.replace("+00:00", "Z"):
                continue
            if end and created > end.replace("+00:00", "Z"):
                continue
            selected.append(message)
        total = len(selected)
        chunk = selected[(page - 1) * per_page : page * per_page]
        exchanges = "".join(
            f"<MemberMessageExchange><Item><ItemID>{m['item_id']}</ItemID><Title>{escape(m['item_title'])}</Title>"
            f"</Item><Question><MessageType>{m['message_type']}</MessageType>"
            f"<QuestionType>{m['question_type']}</QuestionType><DisplayToPublic>false</DisplayToPublic>"
            f"<SenderID>{escape(m['sender'])}</SenderID><RecipientID>{escape(m['recipient'])}</RecipientID>"
            f"<Subject>{escape(m['subject'])}</Subject><Body>{escape(m['body'])}</Body>"
            f"<MessageID>{m['message_id']}</MessageID></Question>"
            f"<MessageStatus>{m['status']}</MessageStatus><CreationDate>{xml_date(m['created'])}</CreationDate>"
            f"<LastModifiedDate>{xml_date(m['created'])}</LastModifiedDate></MemberMessageExchange>"
            for m in chunk
        )
        pages = -(-total // per_page) if total else 0
        body = (
            (f"<MemberMessage>{exchanges}</MemberMessage>" if exchanges else "")
            + f"<PaginationResult><TotalNumberOfPages>{pages}</TotalNumberOfPages>"
            f"<TotalNumberOfEntries>{total}</TotalNumberOfEntries></PaginationResult>"
            f"<HasMoreItems>{'true' if page < pages else 'false'}</HasMoreItems>"
        )
        return reply("GetMemberMessages", "Success", body, timestamp=now)

    def _call_GetMyMessages(self, root, now):
        detail = _text(root, "DetailLevel", "ReturnHeaders")
        wanted = {element.text.strip() for element in _findall(root, "MessageIDs/MessageID") if element.text}
        if detail == "ReturnMessages" and not wanted:
            raise TradingError(
                21916337,
                "MessageIDs required.",
                "MessageIDs are required when DetailLevel is ReturnMessages.",
            )
        selected = [m for m in self.messages if not wanted or m["message_id"] in wanted]
        if detail == "ReturnSummary":
            body = (
                f"<Summary><TotalMessageCount>{len(selected)}</TotalMessageCount>"
                f"<NewMessageCount>{sum(1 for m in selected if not m['read'])}</NewMessageCount></Summary>"
            )
            return reply("GetMyMessages", "Success", body, timestamp=now)
        messages = []
        for m in selected:
            text = f"<Text>{escape(m['body'])}</Text>" if detail == "ReturnMessages" else ""
            messages.append(
                f"<Message><Sender>{escape(m['sender'])}</Sender><RecipientUserID>{escape(m['recipient'])}"
                f"</RecipientUserID><SendToName>{escape(m['recipient'])}</SendToName>"
                f"<Subject>{escape(m['subject'])}</Subject><MessageID>{m['message_id']}</MessageID>"
                f"<ExternalMessageID>{m['message_id']}</ExternalMessageID>{text}"
                f"<Flagged>false</Flagged><Read>{'true' if m['read'] else 'false'}</Read>"
                f"<ReceiveDate>{xml_date(m['created'])}</ReceiveDate><ItemID>{m['item_id']}</ItemID>"
                f"<Replied>{'true' if m['status'] == 'Answered' else 'false'}</Replied>"
                f"<MessageType>{m['message_type']}</MessageType><Folder><FolderID>0</FolderID></Folder></Message>"
            )
            if detail == "ReturnMessages":
                m["read"] = True
        body = f"<Messages>{''.join(messages)}</Messages>" if messages else ""
        return reply("GetMyMessages", "Success", body, timestamp=now)
