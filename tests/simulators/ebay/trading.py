"""Trading API (XML, `POST /ws/api.dll`): legacy listings (made on eBay's site or by an old Trading
integration), their stock and price, carriers, the seller, buyer messages.

Source: eBay's Trading API reference (ReviseInventoryStatus, ReviseFixedPriceItem, GetItem, GetMyeBaySelling,
GeteBayDetails, GetUser, GetMemberMessages, GetMyMessages; "Errors by number") and `ebaysdk` 2.2.0, which the
connector uses: every reply here parses with `ebaysdk.response.Response` as a real one does (namespace
`urn:ebay:apis:eBLBaseComponents`, `<Ack>`, `<Errors>`; `Ack=Failure` makes ebaysdk raise ConnectionError).

Requests: headers X-EBAY-API-CALL-NAME (must name the root element `<{Verb}Request>`), -SITEID,
-COMPATIBILITY-LEVEL, -APP-NAME/-DEV-NAME/-CERT-NAME, and X-EBAY-API-IAF-TOKEN (an OAuth user token; the
connector sends no RequesterCredentials).

Interface with the simulator's front and its other APIs (agreed with ebsim):
* The front mounts `TradingApi(sim)` and keeps it as `sim.trading`; it counts the "trading" daily quota
  and, when it is spent, answers `quota_exceeded_response()` (ErrorCode 518) instead of calling `handle`.
  The front does not check a bearer token for this API (`token_header` names the header): `handle` checks
  the IAF token itself with `sim.check_user_token(token)` -> {"kind", "scopes", "user"} or None (when the
  front already filled `request.auth`, that is used).
* Legacy listings live HERE: `sim.trading.add_legacy_listing(item_id, sku, title, price, quantity,
  variations=None, ...)` (the front may re-export it as `sim.add_legacy_listing`).
* Migration (`bulk_migrate_listing`, the Inventory API side): `sim.trading.take_legacy_listing(item_id)` ->
  the listing's data (sku, title, price, currency, quantity, category_id, condition_id, description,
  variations) and marks it migrated, or None when there is no such active legacy listing (already migrated
  included); after that every revise call on it fails with ErrorCode 21919474 ("This operation is not allowed
  for inventory items."), GetItem still answers. `sim.trading.is_migrated(item_id)`.
* A listing the Inventory API published (not migrated) is refused the same way when the front offers
  `sim.inventory_listing(item_id)` (truthy when the Inventory API owns that listing id).
* Carriers (GeteBayDetails) are `CARRIERS`; the Fulfillment API side may validate shippingCarrierCode
  against `carrier_codes()`.
* Messages: `sim.trading.add_member_message(item_id, sender, body, ...)` (a buyer's question about an item
  or an order's item).
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
        self._lock = threading.RLock()
        self.listings = {}  # item_id -> listing dict
        self.messages = []  # member messages (GetMemberMessages / GetMyMessages)
        self._message_ids = itertools.count(2_000_000_001)
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
        currency="USD",
        category_id="88433",
        condition_id="1000",
        description="",
        site="US",
        quantity_sold=0,
    ):
        """An active fixed-price listing made outside the Inventory API. `variations`: [{"sku", "price",
        "quantity", "specifics": {"Size": "M"}, "quantity_sold": 0}]; `quantity` is the quantity
        available (eBay's Quantity minus QuantitySold)."""
        listing = {
            "item_id": str(item_id),
            "sku": sku or "",
            "title": title,
            "price": _money(price),
            "currency": currency,
            "quantity": int(quantity),
            "quantity_sold": int(quantity_sold),
            "category_id": str(category_id),
            "condition_id": str(condition_id),
            "description": description,
            "site": site,
            "status": "Active",
            "migrated": False,
            "start_time": _now(self.sim),
            "revisions": 0,
            "variations": [
                {
                    "sku": v["sku"],
                    "price": _money(v.get("price", price)),
                    "quantity": int(v.get("quantity", 0)),
                    "quantity_sold": int(v.get("quantity_sold", 0)),
                    "specifics": dict(v.get("specifics") or {}),
                }
                for v in (variations or ())
            ],
        }
        with self._lock:
            self.listings[listing["item_id"]] = listing
        return listing

    def legacy_listing(self, item_id):
        return self.listings.get(str(item_id))

    def end_listing(self, item_id):
        with self._lock:
            self.listings[str(item_id)]["status"] = "Completed"

    def take_legacy_listing(self, item_id):
        """For bulk_migrate_listing: the listing's data, marking it migrated (None when it is not an active
        legacy listing, or was migrated already)."""
        with self._lock:
            listing = self.listings.get(str(item_id))
            if listing is None or listing["migrated"] or listing["status"] != "Active":
                return None
            listing["migrated"] = True
            data = copy.deepcopy(listing)
        data["price"] = str(data["price"])
        for variation in data["variations"]:
            variation["price"] = str(variation["price"])
        return data

    def is_migrated(self, item_id):
        listing = self.listings.get(str(item_id))
        return bool(listing and listing["migrated"])

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
        order_line_item_id=None,
    ):
        """A buyer's message to the seller about an item (and the order of it, when bought)."""
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
            "order_line_item_id": order_line_item_id,
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
                TradingError(
                    21917053,
                    "Invalid access token.",
                    "Invalid access token. Check the value of the X-EBAY-API-IAF-TOKEN header.",
                    classification="RequestError",
                ),
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
        if request.auth:
            return request.auth.get("kind") == "user"
        token = request.headers.get(self.token_header, "")
        if not token:
            return False
        check = getattr(self.sim, "check_user_token", None)
        if check is None:
            return False
        auth = check(token)
        if not auth:
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
            if sku and listing["variations"]:
                variation = next((v for v in listing["variations"] if v["sku"] == sku), None)
                if variation is None:
                    raise TradingError(
                        21916635,
                        "Invalid Multi-SKU item id.",
                        "Invalid Multi-SKU item id supplied with variations.",
                        params=[item_id],
                    )
                return listing, variation
            if sku and listing["sku"] != sku:
                raise TradingError(
                    21916271,
                    "SKU does not match the item.",
                    f'The SKU "{sku}" does not match item "{item_id}".',
                    params=[sku],
                )
            return listing, None
        for listing in self.listings.values():
            if listing["status"] != "Active":
                continue
            if listing["sku"] == sku and not listing["variations"]:
                return listing, None
            for variation in listing["variations"]:
                if variation["sku"] == sku:
                    return listing, variation
        raise TradingError(
            21916543, "SKU not found.", f'No active listing of this seller has the SKU "{sku}".', params=[sku]
        )

    def _check_revisable(self, listing):
        inventory_owned = getattr(self.sim, "inventory_listing", None)
        if listing["migrated"] or (inventory_owned and inventory_owned(listing["item_id"])):
            raise TradingError(
                21919474,
                "This operation is not allowed for inventory items.",
                "Inventory-based listing management is not currently supported by this tool. "
                "Please refer to the tool used to create this listing.",
                params=[listing["item_id"]],
            )
        if listing["status"] != "Active":
            raise TradingError(
                291,
                "Auction ended.",
                "You are not allowed to revise ended listings.",
                params=[listing["item_id"]],
            )

    def _item_xml(self, listing, detail=True):
        currency = listing["currency"]
        variations = listing["variations"]
        total_quantity = (
            sum(v["quantity"] + v["quantity_sold"] for v in variations)
            if variations
            else listing["quantity"] + listing["quantity_sold"]
        )
        sold = sum(v["quantity_sold"] for v in variations) if variations else listing["quantity_sold"]
        price = (
            min((v["price"] for v in variations), default=listing["price"])
            if variations
            else listing["price"]
        )
        parts = [f"<ItemID>{listing['item_id']}</ItemID>"]
        if listing["sku"]:
            parts.append(f"<SKU>{escape(listing['sku'])}</SKU>")
        parts += [
            f"<Title>{escape(listing['title'])}</Title>",
            f"<Quantity>{total_quantity}</Quantity>",
            "<ListingType>FixedPriceItem</ListingType>",
            "<ListingDuration>GTC</ListingDuration>",
            f"<Currency>{currency}</Currency>",
            _amount("StartPrice", price, currency),
            f"<Site>{listing['site']}</Site>",
            f"<InventoryTrackingMethod>{'SKU' if listing['sku'] else 'ItemID'}</InventoryTrackingMethod>",
            f"<ListingDetails><StartTime>{xml_date(listing['start_time'])}</StartTime>"
            f"<ViewItemURL>https://www.ebay.com/itm/{listing['item_id']}</ViewItemURL></ListingDetails>",
            f"<SellingStatus>{_amount('CurrentPrice', price, currency)}<QuantitySold>{sold}</QuantitySold>"
            f"<ListingStatus>{listing['status']}</ListingStatus></SellingStatus>",
        ]
        if detail:
            parts += [
                f"<PrimaryCategory><CategoryID>{listing['category_id']}</CategoryID></PrimaryCategory>",
                f"<ConditionID>{listing['condition_id']}</ConditionID>",
                f"<Description>{escape(listing['description'])}</Description>",
                f"<Seller><UserID>{escape(self.seller['UserID'])}</UserID></Seller>",
            ]
        else:
            parts.append(f"<QuantityAvailable>{total_quantity - sold}</QuantityAvailable>")
        if variations:
            parts.append(
                "<Variations>"
                + "".join(
                    f"<Variation><SKU>{escape(v['sku'])}</SKU>{_amount('StartPrice', v['price'], currency)}"
                    f"<Quantity>{v['quantity'] + v['quantity_sold']}</Quantity><VariationSpecifics>"
                    + "".join(
                        f"<NameValueList><Name>{escape(name)}</Name><Value>{escape(value)}</Value></NameValueList>"
                        for name, value in v["specifics"].items()
                    )
                    + f"</VariationSpecifics><SellingStatus><QuantitySold>{v['quantity_sold']}</QuantitySold>"
                    "</SellingStatus></Variation>"
                    for v in variations
                )
                + "</Variations>"
            )
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
                listing for _id, listing in sorted(self.listings.items()) if listing["status"] == "Active"
            ]
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
                if listing["variations"] and variation is None:
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
                    target["price"] = price
                if quantity is not None:
                    target["quantity"] = quantity
                listing["revisions"] += 1
                results.append(
                    f"<InventoryStatus><SKU>{escape(target['sku'])}</SKU><ItemID>{listing['item_id']}</ItemID>"
                    f"{_amount('StartPrice', target['price'], listing['currency'])}"
                    f"<Quantity>{target['quantity']}</Quantity></InventoryStatus>"
                )
                fees[listing["item_id"]] = listing["currency"]
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
                changes[key] = value
        category = _text(item, "PrimaryCategory/CategoryID")
        if category is not None:
            changes["category_id"] = category
        price = _price(item, "StartPrice")
        if price is not None:
            changes["price"] = price
        quantity = _int(item, "Quantity", name="Quantity")
        if quantity is not None:
            changes["quantity"] = quantity
        variation_changes = []
        for variation in _findall(item, "Variations/Variation"):
            variation_sku = _text(variation, "SKU")
            match = next((v for v in listing["variations"] if v["sku"] == variation_sku), None)
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
                match["price"] = variation_price
            if variation_quantity is not None:
                match["quantity"] = variation_quantity
        listing["revisions"] += 1
        body = (
            f"<ItemID>{listing['item_id']}</ItemID><StartTime>{xml_date(listing['start_time'])}</StartTime>"
            "<EndTime>2036-01-01T00:00:00.000Z</EndTime><Fees><Fee><Name>ListingFee</Name>"
            f"{_amount('Fee', 0, listing['currency'])}</Fee></Fees>"
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
