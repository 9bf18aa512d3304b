"""Sell Fulfillment API (`/sell/fulfillment/v1`): orders (search with filters and paging, by ids, one
order) and shipping fulfillments (create, list, get).

Sources: developer.ebay.com/api-docs/sell/fulfillment/resources/order/methods/getOrders, getOrder,
order/shipping_fulfillment/methods/createShippingFulfillment; types PricingSummary, PaymentSummary,
EbayCollectAndRemitTax ("the tax amount ... will be included in the lineItems.total,
paymentSummary.payments.amount, paymentSummary.totalDueSeller, and pricingSummary.total fields");
the fields are ebay-rest's sell_fulfillment models; notes in shared/platforms/ebay.md 3.4.
"""

import copy
import itertools
import re
import secrets
import threading
import urllib.parse
from datetime import timedelta
from decimal import Decimal

from .api import SimApi, SimResponse, rest_error
from .oauth import SCOPE_ROOT
from .util import amount, ebay_date, money, parse_ebay_date

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_ORDER_IDS = 50
DEFAULT_WINDOW = timedelta(days=90)
_FILTER = re.compile(r"^(creationdate|lastmodifieddate):\[([^\]]*)\]$|^(orderfulfillmentstatus):\{([^}]*)\}$")
ALLOWED_STATUS_SETS = ({"NOT_STARTED", "IN_PROGRESS"}, {"FULFILLED", "IN_PROGRESS"})


def fulfillment_error(status, error_id, message, long_message=None, **kwargs):
    return rest_error(
        status, error_id, message, long_message, domain="API_FULFILLMENT", subdomain="Selling", **kwargs
    )


DEFAULT_SHIP_TO = {
    "fullName": "Jane Buyer",
    "contactAddress": {
        "addressLine1": "2145 Hamilton Ave",
        "city": "San Jose",
        "stateOrProvince": "CA",
        "postalCode": "95125",
        "countryCode": "US",
    },
    "primaryPhone": {"phoneNumber": "4085551234"},
    "email": "jane.buyer@members.ebay.com",
}


class FulfillmentApi(SimApi):
    prefix = "/sell/fulfillment/v1"
    quota_name = "fulfillment"
    scopes = (f"{SCOPE_ROOT}/sell.fulfillment", f"{SCOPE_ROOT}/sell.fulfillment.readonly")

    def __init__(self, sim):
        super().__init__(sim)
        self.lock = threading.RLock()
        self.orders = {}  # orderId -> order dict (eBay's shape, plus "_created" / "_modified" datetimes)
        self.fulfillments = {}  # orderId -> [ShippingFulfillment]
        self._numbers = itertools.count(1)
        self._line_ids = itertools.count(10_034_567_890_001)
        self._record = itertools.count(1001)
        self.relay_emails = {}  # username -> the buyer's relay e-mail (kept when the username changes)

    # ------------------------------------------------------------------ control helpers

    def add_order(
        self,
        lines,
        buyer=None,
        ship_to=None,
        ebay_collected_tax=None,
        seller_tax=None,
        payment_status="PAID",
        fulfillment_status="NOT_STARTED",
        shipping_cost="0.00",
        shipping_service="USPSPriority",
        created=None,
        order_id=None,
        buyer_user_id=None,
        currency=None,
        record_sale=True,
        record_finances=True,
    ):
        """An order as getOrders answers it. `lines` [{"sku", "quantity", "price" (unit), "title",
        "legacy_item_id", "legacy_variation_id"}]; `buyer` a username (default "buyer_jane");
        `buyer_user_id` an immutable user id the API answers instead of the username (data-handling
        update, 2025-09-26); `ebay_collected_tax` / `seller_tax` rates ("0.0825") applied to each line's
        cost; `shipping_cost` for the order (on the first line); `created` a datetime (default now).
        A line's `discount` (the seller's promotion, for all its units) shows as eBay shows a promotion:
        `appliedPromotions`, `discountedLineItemCost`, the negative `pricingSummary.priceDiscount`, and
        totals (and tax) after it. Without `ship_to`, the buyer's relay e-mail is made from the
        username (eBay's relay address is one per buyer, and stays when the username changes).
        A line with a listed SKU reduces the listing's quantity (`record_sale`). A paid order (not PENDING
        or FAILED) makes its SALE transaction in the Finances API (`record_finances`). Returns the order."""
        sim = self.sim
        currency = currency or sim.currency
        now = sim.clock.now()
        created = created or now
        with self.lock:
            number = next(self._numbers)
            order_id = order_id or f"{number:02d}-{10000 + number:05d}-{20000 + number:05d}"
            line_items, subtotal, tax_total, discount_total = [], money(0), money(0), money(0)
            shipping = money(shipping_cost)
            for index, line in enumerate(lines):
                quantity = int(line.get("quantity", 1))
                cost = money(line.get("price", "10.00")) * quantity
                discount = min(money(line.get("discount") or 0), cost)
                ship = shipping if index == 0 else money(0)
                rate = ebay_collected_tax if ebay_collected_tax is not None else seller_tax
                tax = money((cost - discount) * Decimal(str(rate))) if rate is not None else money(0)
                listing_id = None
                if record_sale and line.get("sku"):
                    listing_id = sim.inventory.record_sale(line["sku"], quantity)
                item = {
                    "lineItemId": str(next(self._line_ids)),
                    "legacyItemId": str(line.get("legacy_item_id") or listing_id or "110554000000"),
                    "title": line.get("title") or f"Item {line.get('sku') or index + 1}",
                    "lineItemCost": amount(cost, currency),
                    "quantity": quantity,
                    "soldFormat": "FIXED_PRICE",
                    "listingMarketplaceId": sim.marketplace,
                    "purchaseMarketplaceId": sim.marketplace,
                    "lineItemFulfillmentStatus": "NOT_STARTED",
                    "total": amount(cost - discount + ship + tax, currency),
                    "deliveryCost": {"shippingCost": amount(ship, currency)},
                    "appliedPromotions": [
                        {
                            "promotionId": f"PROMO-{index + 1}",
                            "description": "Seller's promotion",
                            "discountAmount": amount(discount, currency),
                        }
                    ]
                    if discount
                    else [],
                    "taxes": [{"amount": amount(tax, currency), "taxType": "STATE_SALES_TAX"}] if tax else [],
                    "properties": {"buyerProtection": True},
                    "lineItemFulfillmentInstructions": {
                        "minEstimatedDeliveryDate": ebay_date(created + timedelta(days=3)),
                        "maxEstimatedDeliveryDate": ebay_date(created + timedelta(days=6)),
                        "shipByDate": ebay_date(created + timedelta(days=2)),
                        "guaranteedDelivery": False,
                    },
                }
                if discount:
                    item["discountedLineItemCost"] = amount(cost - discount, currency)
                if line.get("sku"):
                    item["sku"] = line["sku"]
                if line.get("legacy_variation_id"):
                    item["legacyVariationId"] = str(line["legacy_variation_id"])
                if ebay_collected_tax is not None and tax:
                    item["ebayCollectAndRemitTaxes"] = [
                        {
                            "taxType": "STATE_SALES_TAX",
                            "amount": amount(tax, currency),
                            "collectionMethod": "NET",
                        }
                    ]
                line_items.append(item)
                subtotal += cost
                tax_total += tax
                discount_total += discount
            total = subtotal - discount_total + shipping + tax_total
            username = buyer_user_id or buyer or "buyer_jane"
            if ship_to is None:
                ship_to = copy.deepcopy(DEFAULT_SHIP_TO)
                if username != "buyer_jane":
                    relay = re.sub(r"[^a-z0-9]+", ".", username.lower()).strip(".")
                    ship_to["email"] = self.relay_emails.setdefault(username, f"{relay}@members.ebay.com")
            ship_to = copy.deepcopy(ship_to)
            pricing = {
                "priceSubtotal": amount(subtotal, currency),
                "deliveryCost": amount(shipping, currency),
                "total": amount(total, currency),
            }
            if discount_total:
                pricing["priceDiscount"] = amount(-discount_total, currency)
            if tax_total:
                pricing["tax"] = amount(tax_total, currency)
            order = {
                "orderId": order_id,
                "creationDate": ebay_date(created),
                "lastModifiedDate": ebay_date(created),
                "orderFulfillmentStatus": fulfillment_status,
                "orderPaymentStatus": payment_status,
                "sellerId": sim.seller_username,
                "buyer": {
                    "username": username,
                    "taxAddress": {
                        k: ship_to["contactAddress"][k]
                        for k in ("city", "stateOrProvince", "postalCode", "countryCode")
                        if k in ship_to["contactAddress"]
                    },
                    "buyerRegistrationAddress": copy.deepcopy(ship_to),
                },
                "pricingSummary": pricing,
                "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
                "paymentSummary": {
                    "totalDueSeller": amount(total, currency),
                    "refunds": [],
                    "payments": [
                        {
                            "paymentMethod": "EBAY",
                            "paymentReferenceId": secrets.token_hex(8).upper(),
                            "paymentDate": ebay_date(created),
                            "amount": amount(total, currency),
                            # PaymentStatusEnum: FAILED, PAID, PENDING (a refunded order's payment was paid)
                            "paymentStatus": payment_status
                            if payment_status in ("PENDING", "FAILED")
                            else "PAID",
                        }
                    ],
                },
                "fulfillmentStartInstructions": [
                    {
                        "fulfillmentInstructionsType": "SHIP_TO",
                        "minEstimatedDeliveryDate": ebay_date(created + timedelta(days=3)),
                        "maxEstimatedDeliveryDate": ebay_date(created + timedelta(days=6)),
                        "ebaySupportedFulfillment": False,
                        "shippingStep": {"shipTo": ship_to, "shippingServiceCode": shipping_service},
                    }
                ],
                "fulfillmentHrefs": [],
                "lineItems": line_items,
                "salesRecordReference": str(next(self._record)),
                "totalFeeBasisAmount": amount(total, currency),
                # the same fees as the Finances API's SALE transaction (finances.line_fees)
                "totalMarketplaceFee": amount(
                    sum(
                        (
                            money(fee["amount"]["value"])
                            for index, line in enumerate(line_items)
                            for fee in sim.finances.line_fees(
                                money(line["total"]["value"]), index == 0, currency
                            )
                        ),
                        money(0),
                    ),
                    currency,
                ),
                "_created": created,
                "_modified": created,
            }
            if ebay_collected_tax is not None:
                order["ebayCollectAndRemitTax"] = True
            self.orders[order_id] = order
            self.fulfillments[order_id] = []
            if payment_status not in ("PENDING", "FAILED") and record_finances:
                sim.finances.record_sale(order, created)
            return self._render(order)

    def refund_order(self, order_id, amount_value=None, line_item_id=None, reason=None, status="REFUNDED"):
        """The seller refunds the buyer (Seller Hub or issueRefund): an `OrderRefund` in
        `paymentSummary.refunds` (and a `LineItemRefund` in the line's `refunds` when `line_item_id` is
        given), `orderPaymentStatus` PARTIALLY_REFUNDED or FULLY_REFUNDED, `lastModifiedDate` moves, and a
        REFUND transaction in the Finances API (status REFUNDED only). `amount_value` defaults to what is
        left to refund; more than that raises ValueError. Returns the refund."""
        sim = self.sim
        with self.lock:
            order = self._get(order_id)
            currency = order["pricingSummary"]["total"]["currency"]
            total = money(order["pricingSummary"]["total"]["value"])
            done = sum(
                (
                    money(r["amount"]["value"])
                    for r in order["paymentSummary"]["refunds"]
                    if r["refundStatus"] != "FAILED"
                ),
                money(0),
            )
            value = money(amount_value) if amount_value is not None else total - done
            if value <= 0 or value > total - done:
                raise ValueError(f"cannot refund {value}: {total - done} is left to refund on {order_id}")
            now = sim.clock.now()
            refund = {
                "refundId": f"5{next(self._numbers):04d}{secrets.randbelow(10**6):06d}",
                "refundDate": ebay_date(now),
                "amount": amount(value, currency),
                "refundStatus": status,
                "refundReferenceId": secrets.token_hex(9).upper(),
            }
            line = None
            if line_item_id is not None:
                line = next((li for li in order["lineItems"] if li["lineItemId"] == str(line_item_id)), None)
                if line is None:
                    raise KeyError(f"unknown line item {line_item_id!r}")
            tax = self._refund_tax(order, value, total - done, line) if status != "FAILED" else money(0)
            order["paymentSummary"]["refunds"].append(refund)
            if line is not None:
                line.setdefault("refunds", []).append(
                    {
                        k: copy.deepcopy(refund[k])
                        for k in ("refundId", "refundDate", "amount", "refundReferenceId")
                    }
                )
            if status != "FAILED":
                order["orderPaymentStatus"] = (
                    "FULLY_REFUNDED" if done + value >= total else "PARTIALLY_REFUNDED"
                )
            self._touch(order)
            if status == "REFUNDED":
                sim.finances.record_refund(order, dict(refund, _reason=reason), now, tax)
            return copy.deepcopy(refund)

    @staticmethod
    def _refund_tax(order, value, left, line=None):
        """The eBay-collected tax eBay gives back itself with a refund of `value` (`left` was still to
        refund), recorded on the order: the seller is debited the rest (finances.record_refund).

        eBay refunds the tax of what is refunded. A refund of a line (`line`) takes that line's tax in
        proportion of the refund to the line's taxed part (its total less its shipping, which bears no
        tax here), at most what is left of it: a returned unit with its tax gives back the unit's tax,
        the whole line's total all of it. A refund of the order takes the share of the tax still held in
        what is left to refund, so that refunding everything gives back all the tax, whatever came
        before."""

        def collected(item):
            return sum(
                (money(t["amount"]["value"]) for t in item.get("ebayCollectAndRemitTaxes") or []), money(0)
            )

        refunded = order.setdefault("_refunded_tax", {"total": money(0), "lines": {}})
        tax_left = sum((collected(item) for item in order["lineItems"]), money(0)) - refunded["total"]
        if tax_left <= 0:
            return money(0)
        if line is not None:
            line_tax = collected(line)
            line_left = line_tax - refunded["lines"].get(line["lineItemId"], money(0))
            shipping = ((line.get("deliveryCost") or {}).get("shippingCost") or {}).get("value")
            taxed = money(line["total"]["value"]) - money(shipping)
            share = money(line_tax * value / taxed) if taxed > 0 else money(0)
            tax = max(min(share, line_left, tax_left, value), money(0))
            refunded["lines"][line["lineItemId"]] = refunded["lines"].get(line["lineItemId"], money(0)) + tax
        else:
            tax = tax_left if value >= left else min(money(tax_left * value / left), tax_left, value)
        refunded["total"] += tax
        return tax

    def complete_payment(self, order_id):
        """The buyer's pending payment goes through now (eBay waited for the money, e.g. a bank
        payment): the order's PENDING payments turn PAID dated now, `orderPaymentStatus` PAID,
        `lastModifiedDate` moves, and the order's SALE transaction is made in the Finances API, dated
        now. An order that is not PENDING raises ValueError. Returns the order."""
        sim = self.sim
        with self.lock:
            order = self._get(order_id)
            if order["orderPaymentStatus"] != "PENDING":
                raise ValueError(f"order {order_id} is {order['orderPaymentStatus']}, not PENDING")
            now = sim.clock.now()
            for payment in order["paymentSummary"]["payments"]:
                if payment["paymentStatus"] == "PENDING":
                    payment["paymentStatus"] = "PAID"
                    payment["paymentDate"] = ebay_date(now)
            order["orderPaymentStatus"] = "PAID"
            self._touch(order)
            sim.finances.record_sale(order, now)
            return self._render(order)

    def update_order(self, order_id, **changes):
        """Change an order (camelCase fields of eBay's order, e.g. orderPaymentStatus="FULLY_REFUNDED",
        cancelStatus={...}); `lastModifiedDate` moves to now. Returns the order."""
        with self.lock:
            order = self._get(order_id)
            for key, value in changes.items():
                order[key] = copy.deepcopy(value)
            self._touch(order)
            return self._render(order)

    def rename_buyer(self, old_username, new_username):
        """The buyer changes their eBay username: every order of theirs shows the new one (the
        reason to key buyers on something else). Returns how many orders changed."""
        changed = 0
        with self.lock:
            if old_username in self.relay_emails:
                self.relay_emails[new_username] = self.relay_emails.pop(old_username)
            for order in self.orders.values():
                if order["buyer"]["username"] == old_username:
                    order["buyer"]["username"] = new_username
                    self._touch(order)
                    changed += 1
        return changed

    def order_view(self, order_id):
        with self.lock:
            order = self.orders.get(order_id)
            return self._render(order) if order else None

    def fulfillments_of(self, order_id):
        with self.lock:
            return copy.deepcopy(self.fulfillments.get(order_id, []))

    def _get(self, order_id):
        order = self.orders.get(order_id)
        if order is None:
            raise KeyError(f"unknown order {order_id!r}")
        return order

    def _touch(self, order):
        now = self.sim.clock.now()
        order["_modified"] = max(now, order["_modified"])
        order["lastModifiedDate"] = ebay_date(order["_modified"])

    @staticmethod
    def _render(order):
        return copy.deepcopy({k: v for k, v in order.items() if not k.startswith("_")})

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        sub = request.path[len(self.prefix) :].strip("/")
        parts = sub.split("/") if sub else []
        with self.lock:
            if parts == ["order"] and request.method == "GET":
                return self._search(request)
            if len(parts) == 2 and parts[0] == "order" and request.method == "GET":
                order = self.orders.get(parts[1])
                if order is None:
                    return fulfillment_error(
                        404, 32100, "Invalid order ID: " + parts[1], parameters={"orderId": parts[1]}
                    )
                return SimResponse(200, self._render(order))
            if len(parts) >= 3 and parts[0] == "order" and parts[2] == "shipping_fulfillment":
                order = self.orders.get(parts[1])
                if order is None:
                    return fulfillment_error(
                        404, 32100, "Invalid order ID: " + parts[1], parameters={"orderId": parts[1]}
                    )
                if len(parts) == 3 and request.method == "POST":
                    return self._ship(request, order)
                if len(parts) == 3 and request.method == "GET":
                    found = copy.deepcopy(self.fulfillments[order["orderId"]])
                    return SimResponse(200, {"fulfillments": found, "total": len(found)})
                if len(parts) == 4 and request.method == "GET":
                    for fulfillment in self.fulfillments[order["orderId"]]:
                        if fulfillment["fulfillmentId"] == parts[3]:
                            return SimResponse(200, copy.deepcopy(fulfillment))
                    return fulfillment_error(
                        404, 32400, "Invalid fulfillment ID", parameters={"fulfillmentId": parts[3]}
                    )
        return None

    def _search(self, request):
        sim = self.sim
        order_ids = request.arg("orderIds")
        if order_ids is not None:
            ids = [i.strip() for i in order_ids.split(",") if i.strip()]
            if not ids or len(ids) > MAX_ORDER_IDS:
                return fulfillment_error(
                    400, 30400, f"Invalid orderIds. The maximum number of order IDs is {MAX_ORDER_IDS}."
                )
            found = [self._render(self.orders[i]) for i in ids if i in self.orders]
            for order in found:
                order["cancelStatus"]["cancelRequests"] = []  # getOrders leaves them out (use getOrder)
            return SimResponse(
                200,
                {
                    "href": self._href(request),
                    "total": len(found),
                    "limit": len(ids),
                    "offset": 0,
                    "orders": found,
                },
            )
        try:
            limit = int(request.arg("limit", DEFAULT_LIMIT))
            offset = int(request.arg("offset", 0))
        except ValueError:
            return fulfillment_error(400, 30850, "Invalid limit or offset value.")
        if not 1 <= limit <= MAX_LIMIT:
            return fulfillment_error(
                400, 30850, f"Invalid limit. Supported ranges 1 - {MAX_LIMIT}.", parameters={"limit": limit}
            )
        if offset < 0:
            return fulfillment_error(400, 30850, "Invalid offset.", parameters={"offset": offset})
        criteria, error = self._parse_filter(request.arg("filter"))
        if error:
            return error
        now = sim.clock.now()
        field = (
            "_created" if "creationdate" in criteria or "lastmodifieddate" not in criteria else "_modified"
        )
        low, high = (
            criteria.get("creationdate") or criteria.get("lastmodifieddate") or (now - DEFAULT_WINDOW, None)
        )
        statuses = criteria.get("orderfulfillmentstatus")
        matched = [
            o
            for o in self.orders.values()
            if (low is None or o[field] >= low)
            and (high is None or o[field] <= high)
            and (statuses is None or o["orderFulfillmentStatus"] in statuses)
        ]
        matched.sort(key=lambda o: (o["_created"], o["orderId"]), reverse=True)
        page = [self._render(o) for o in matched[offset : offset + limit]]
        for order in page:
            order["cancelStatus"]["cancelRequests"] = []
        body = {
            "href": self._href(request),
            "total": len(matched),
            "limit": limit,
            "offset": offset,
            "orders": page,
        }
        if offset + limit < len(matched):
            body["next"] = self._href(request, offset=offset + limit)
        if offset > 0:
            body["prev"] = self._href(request, offset=max(offset - limit, 0))
        return SimResponse(200, body)

    def _href(self, request, **changes):
        query = {name: values[0] for name, values in request.query.items()}
        query.update({k: str(v) for k, v in changes.items()})
        encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        return f"{self.sim.base_url}{request.path}" + (f"?{encoded}" if encoded else "")

    @staticmethod
    def _parse_filter(text):
        """({"creationdate": (low, high), "orderfulfillmentstatus": {...}}, error SimResponse or None)."""
        criteria = {}
        if not text:
            return criteria, None
        for part in re.split(r",(?=[a-z]+:)", text):
            match = _FILTER.match(part.strip())
            if not match:
                return None, fulfillment_error(
                    400, 30700, "Invalid filter", f"Invalid filter: {part}.", parameters={"filter": part}
                )
            if match.group(1):
                name, bounds = match.group(1), match.group(2)
                if ".." not in bounds:
                    return None, fulfillment_error(
                        400, 30700, "Invalid filter", f"Invalid date range: {bounds}."
                    )
                low_text, high_text = bounds.split("..", 1)
                try:
                    low = parse_ebay_date(low_text) if low_text else None
                    high = parse_ebay_date(high_text) if high_text else None
                except ValueError:
                    return None, fulfillment_error(
                        400,
                        30700,
                        "Invalid filter",
                        f"Invalid date format in {part}: use ISO 8601 UTC (2026-11-01T00:00:00.000Z).",
                    )
                if low is None:
                    return None, fulfillment_error(
                        400, 30700, "Invalid filter", "The start of a date range is required."
                    )
                criteria[name] = (low, high)
            else:
                statuses = set(match.group(4).split("|"))
                if statuses not in ALLOWED_STATUS_SETS:
                    return None, fulfillment_error(
                        400,
                        30700,
                        "Invalid filter",
                        "orderfulfillmentstatus takes {NOT_STARTED|IN_PROGRESS} or {FULFILLED|IN_PROGRESS}.",
                    )
                criteria["orderfulfillmentstatus"] = statuses
        return criteria, None

    def _ship(self, request, order):
        try:
            body = request.json() or {}
        except ValueError:
            return rest_error(400, 2004, "Invalid request", "The request has errors.")
        lines = body.get("lineItems") or []
        if not lines:
            return fulfillment_error(400, 32100, "Invalid line items", "lineItems is required.")
        carrier, tracking = body.get("shippingCarrierCode"), body.get("trackingNumber")
        if bool(carrier) != bool(tracking):
            return fulfillment_error(
                400,
                32200,
                "Invalid shipping carrier or tracking number",
                "shippingCarrierCode and trackingNumber must be given together.",
            )
        if tracking and not re.fullmatch(r"[A-Za-z0-9]{1,40}", tracking):
            return fulfillment_error(
                400,
                32200,
                "Invalid tracking number",
                "The tracking number may only contain letters and digits.",
            )
        shipped = self._shipped_quantities(order)
        by_id = {line["lineItemId"]: line for line in order["lineItems"]}
        for entry in lines:
            line = by_id.get(str(entry.get("lineItemId")))
            if line is None:
                return fulfillment_error(
                    400, 32100, "Invalid line item ID", parameters={"lineItemId": entry.get("lineItemId")}
                )
            quantity = entry.get("quantity", line["quantity"])
            if (
                not isinstance(quantity, int)
                or quantity < 1
                or shipped.get(line["lineItemId"], 0) + quantity > line["quantity"]
            ):
                return fulfillment_error(
                    400,
                    32100,
                    "Invalid quantity",
                    "The quantity exceeds the quantity left to ship on the line item.",
                    parameters={"lineItemId": line["lineItemId"]},
                )
        shipped_date = body.get("shippedDate")
        if shipped_date:
            try:
                parse_ebay_date(shipped_date)
            except ValueError:
                return fulfillment_error(
                    400, 32300, "Invalid shippedDate", "Use ISO 8601 UTC (2026-11-03T17:02:11.000Z)."
                )
        fulfillment_id = tracking or str(9_000_000_000 + sum(len(v) for v in self.fulfillments.values()) + 1)
        fulfillment = {
            "fulfillmentId": fulfillment_id,
            "shippedDate": shipped_date or ebay_date(self.sim.clock.now()),
            "lineItems": [
                {
                    "lineItemId": str(e["lineItemId"]),
                    "quantity": e.get("quantity", by_id[str(e["lineItemId"])]["quantity"]),
                }
                for e in lines
            ],
        }
        if tracking:
            fulfillment["shipmentTrackingNumber"] = tracking
            fulfillment["shippingCarrierCode"] = carrier
        self.fulfillments[order["orderId"]].append(fulfillment)
        shipped = self._shipped_quantities(order)
        for line in order["lineItems"]:
            done = shipped.get(line["lineItemId"], 0)
            line["lineItemFulfillmentStatus"] = (
                "FULFILLED" if done >= line["quantity"] else "IN_PROGRESS" if done else "NOT_STARTED"
            )
        statuses = {line["lineItemFulfillmentStatus"] for line in order["lineItems"]}
        order["orderFulfillmentStatus"] = "FULFILLED" if statuses == {"FULFILLED"} else "IN_PROGRESS"
        location = (
            f"{self.sim.base_url}{self.prefix}/order/{order['orderId']}/shipping_fulfillment/{fulfillment_id}"
        )
        order["fulfillmentHrefs"].append(location)
        self._touch(order)
        return SimResponse(201, {}, {"Location": location})

    def _shipped_quantities(self, order):
        shipped = {}
        for fulfillment in self.fulfillments[order["orderId"]]:
            for line in fulfillment["lineItems"]:
                shipped[line["lineItemId"]] = shipped.get(line["lineItemId"], 0) + int(line["quantity"])
        return shipped
