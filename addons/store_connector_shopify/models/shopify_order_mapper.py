"""Pure mapping of Shopify orders to the base's normalized order (services/normalized.py).

Two shapes reach us: GraphQL orders (pulls, bulk full sync) and REST-shaped webhook payloads
(snake_case, integer ids, money strings). Both end as the same normalized dict, so that a pull and
a webhook of one order import the same way. No database, no I/O: fixture payloads drive the tests.

Order status: Shopify has no single status but a financial status, a fulfillment status and a
cancellation. `order_status` folds them into one platform status, the key of the store's status
table (store.order.status.map; `STATUS_MAPPING` is the default table):
cancelled > refunded > fulfilled / partially_fulfilled > the financial status in lower case.

Ids: the normalized order, line and shipping line ids are Shopify's *legacy* (integer) ids, as
webhooks carry them; the GIDs are rebuilt when we call the GraphQL API (`gid`).

Money: the order's transactions (`Order.transactions`; REST bodies carry only the refunds'
transactions) become TRANSACTIONs with Shopify's kind and status in lower case (an EMV authorization is
an authorization; change given back and suggested refunds are not money the shop received and are
left out), the legacy transaction id (the id `order_transactions/create` and Shopify Payments'
`sourceOrderTransactionId` name), the parent's id and, for a refund, the refund it pays back. Test
transactions (`test: true`, a test-mode checkout) are kept like any other. The order's refunds become
REFUNDs: their lines name the order line by its legacy id, with the quantity, the subtotal Shopify
refunded (as the line's prices are) and whether the units went back to stock (any restock type but
NO_RESTOCK); the shipping refunded is the refund's shipping lines' subtotal (REST: its order
adjustments of kind shipping_refund).

Shipped quantities: a line's `shipped_quantity` is what Shopify fulfilled of what the customer still
has: `currentQuantity - unfulfilledQuantity` (REST: `current_quantity - fulfillable_quantity`), the
same number from a pull and from a webhook, and free in query cost (scalars). The order's successful
fulfillments give the tracking (number, company, URL).
"""

from decimal import Decimal

GID_PREFIX = "gid://shopify/"

ORDER_FIELDS = """
  id legacyResourceId name email phone note createdAt updatedAt processedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus currencyCode taxesIncluded discountCodes
  paymentGatewayNames
  totalPriceSet { shopMoney { amount currencyCode } }
  totalTaxSet { shopMoney { amount } }
  customer { id legacyResourceId email firstName lastName phone }
  shippingAddress { firstName lastName name company address1 address2 city provinceCode province
                    countryCodeV2 zip phone }
  billingAddress { firstName lastName name company address1 address2 city provinceCode province
                   countryCodeV2 zip phone }
  shippingLines(first: 3) { nodes { id title
    originalPriceSet { shopMoney { amount } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } } } }
  lineItems(first: 20) { pageInfo { hasNextPage endCursor } nodes { %s } }
  fulfillments(first: 5) { legacyResourceId status trackingInfo(first: 1) { company number url } }
  transactionsCount { count }
  transactions(first: $TRANSACTIONS) { $TRANSACTION }
  refunds(first: $REFUNDS) { id }
"""
# A line item costs about 9 points; orders with more than 20 lines fetch the rest with LINES_QUERY.
LINE_FIELDS = """id name sku quantity currentQuantity unfulfilledQuantity
    originalUnitPriceSet { shopMoney { amount } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } }"""
# The order's transactions: a plain list (no paging), 4 points each. Orders with more than
# TRANSACTIONS_FIRST (many partial captures) read them all with TRANSACTIONS_QUERY.
TRANSACTIONS_FIRST = 10
TRANSACTIONS_MAX = 100
TRANSACTION_FIELDS = """id kind status gateway test processedAt createdAt
    amountSet { shopMoney { amount currencyCode } } parentTransaction { id }"""
# The order query names its refunds only (1 point each): an order with refunds reads them with
# REFUNDS_QUERY (lines, shipping, the refund's transactions), about 100 points per refund; refund
# lines beyond the first REFUND_LINES_FIRST come with REFUND_LINES_QUERY. An order has few refunds:
# one that names REFUNDS_MAX of them may have more, whose ids REFUND_IDS_QUERY reads (1 point each, up
# to REFUND_IDS_MAX) and which REFUND_NODES_QUERY reads REFUNDS_MAX at a time. (Order.refunds is a
# plain list, which Shopify does not page: `first` is all it takes.)
REFUNDS_MAX = 8
REFUND_IDS_MAX = 250
REFUND_LINES_FIRST = 20
REFUND_LINE_FIELDS = """quantity restockType lineItem { id sku } subtotalSet { shopMoney { amount } }"""
REFUND_FIELDS = """id createdAt note totalRefundedSet { shopMoney { amount } }
    refundLineItems(first: $LINES) { pageInfo { hasNextPage endCursor } nodes { $LINE } }
    refundShippingLines(first: 3) { nodes { subtotalAmountSet { shopMoney { amount } } } }
    transactions(first: 5) { nodes { id } }""".replace("$LINES", str(REFUND_LINES_FIRST)).replace(
    "$LINE", REFUND_LINE_FIELDS)
ORDER_FIELDS = (ORDER_FIELDS.replace("%s", LINE_FIELDS).replace("$TRANSACTIONS", str(TRANSACTIONS_FIRST))
                .replace("$TRANSACTION", TRANSACTION_FIELDS).replace("$REFUNDS", str(REFUNDS_MAX)))
TRANSACTIONS_QUERY = """
query ConnectorOrderTransactions($id: ID!) {
  order(id: $id) { transactions(first: $MAX) { $FIELDS } }
}""".replace("$MAX", str(TRANSACTIONS_MAX)).replace("$FIELDS", TRANSACTION_FIELDS)
REFUNDS_QUERY = """
query ConnectorOrderRefunds($id: ID!) {
  order(id: $id) { refunds(first: $MAX) { $FIELDS } }
}""".replace("$MAX", str(REFUNDS_MAX)).replace("$FIELDS", REFUND_FIELDS)
REFUND_IDS_QUERY = """
query ConnectorOrderRefundIds($id: ID!) {
  order(id: $id) { refunds(first: $MAX) { id } }
}""".replace("$MAX", str(REFUND_IDS_MAX))
REFUND_NODES_QUERY = """
query ConnectorRefunds($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Refund { $FIELDS } }
}""".replace("$FIELDS", REFUND_FIELDS)
REFUND_LINES_QUERY = """
query ConnectorRefundLines($id: ID!, $after: String) {
  node(id: $id) { ... on Refund {
    refundLineItems(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { %s } } } }
}""".replace("%s", REFUND_LINE_FIELDS)
# Shopify's transaction kinds as the normalized order's (None: not money the shop received or gave back).
TRANSACTION_KINDS = {
    "sale": "sale", "capture": "capture", "authorization": "authorization",
    "emv_authorization": "authorization", "refund": "refund", "void": "void",
    "change": None, "suggested_refund": None,
}
# Shopify's transaction statuses as the normalized order's: one awaiting the gateway's answer, or
# whose outcome Shopify does not know, has moved no money yet.
TRANSACTION_STATUSES = {
    "success": "success", "pending": "pending", "failure": "failure", "error": "error",
    "awaiting_response": "pending", "unknown": "pending",
}
LINES_QUERY = """
query ConnectorOrderLines($id: ID!, $after: String) {
  order(id: $id) { lineItems(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { %s } } }
}""".replace("%s", LINE_FIELDS)

# Fulfillment statuses of shipments that happened (GraphQL FulfillmentStatus, REST status in lower
# case); cancelled, failed and errored ones shipped nothing.
SHIPPED_FULFILLMENT_STATUSES = ("success", "open", "pending")

# (platform status, Odoo stage): what a Shopify status means in Odoo; the merchant edits the table.
STATUS_INBOUND = [
    ("pending", "pending"),
    ("authorized", "processing"),
    ("partially_paid", "processing"),
    ("paid", "processing"),
    ("partially_fulfilled", "processing"),
    ("fulfilled", "shipped"),
    ("partially_refunded", "processing"),
    ("refunded", "returned"),
    ("voided", "cancelled"),
    ("expired", "cancelled"),
    ("cancelled", "cancelled"),
]
# (Odoo stage, platform status): none by default. Shopify has no status field to write: its
# fulfillment status follows the fulfillments Odoo creates (fulfillmentCreate), its financial
# status the payments. A stage the table does not map leaves Shopify's status alone.
STATUS_OUTBOUND = []
STATUS_MAPPING = {"inbound": STATUS_INBOUND, "outbound": STATUS_OUTBOUND}


# ---------------------------------------------------------------------------- small helpers
def legacy_id(value):
    """The integer id (as str) of a GID or legacy id: "gid://shopify/Order/12" -> "12"."""
    if value in (None, "", False):
        return None
    text = str(value)
    if text.startswith(GID_PREFIX):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text


def gid(resource, value):
    """The GID of a legacy id (a GID is returned as is)."""
    if value in (None, "", False):
        return None
    text = str(value)
    return text if text.startswith(GID_PREFIX) else f"{GID_PREFIX}{resource}/{text}"


def _amount(bag):
    """The shop-currency amount of a GraphQL MoneyBag (str), or None."""
    if not bag:
        return None
    money = bag.get("shopMoney") or {}
    return money.get("amount")


def _sum(amounts):
    return str(sum((Decimal(str(a)) for a in amounts if a not in (None, "")), Decimal(0)))


def _nodes(connection):
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    if "nodes" in connection:
        return connection["nodes"] or []
    return [edge["node"] for edge in connection.get("edges") or []]


def _rate_percent(rate):
    """Shopify tax rates are fractions (0.2); the normalized order wants percents ("20")."""
    if rate in (None, ""):
        return None
    return str((Decimal(str(rate)) * 100).normalize())


def shipped_quantity(current, unfulfilled):
    """Units of a line Shopify fulfilled: its current quantity (ordered less refunded and removed)
    less what is still to fulfill; 0 when either is unknown."""
    if current in (None, "") or unfulfilled in (None, ""):
        return 0
    return max(int(current) - int(unfulfilled), 0)


def _tracking_values(fulfillment_id, status, tracking):
    """A normalized fulfillment, or None for one that shipped nothing (cancelled, failed)."""
    if (status or "").lower() not in SHIPPED_FULFILLMENT_STATUSES:
        return None
    tracking = [t for t in tracking if t.get("number") or t.get("company") or t.get("url")]
    first = tracking[0] if tracking else {}
    return {
        "id": legacy_id(fulfillment_id),
        "tracking_number": ", ".join(t["number"] for t in tracking if t.get("number")) or None,
        "tracking_company": first.get("company"),
        "tracking_url": first.get("url"),
    }


def order_status(cancelled, financial, fulfillment):
    """One platform status from Shopify's cancellation, financial and fulfillment statuses
    (any case, GraphQL or REST spelling)."""
    financial = (financial or "").lower()
    fulfillment = (fulfillment or "").lower()
    if cancelled:
        return "cancelled"
    if financial == "refunded":
        return "refunded"
    if fulfillment == "fulfilled":
        return "fulfilled"
    if fulfillment in ("partially_fulfilled", "partial"):
        return "partially_fulfilled"
    return financial or "pending"


def transaction_values(txn_id, kind, status, gateway, amount, currency, processed_at, parent_id,
                       refund_id=None):
    """A normalized TRANSACTION from Shopify's values (any case, GID or legacy ids), or None for a
    kind that moves no money of the order (change given back, a suggested refund)."""
    kind = TRANSACTION_KINDS.get((kind or "").lower(), (kind or "").lower())
    if not kind:
        return None
    status = (status or "").lower()
    return {
        "id": legacy_id(txn_id),
        "kind": kind,
        "status": TRANSACTION_STATUSES.get(status, status),
        "gateway": gateway or None,
        "amount": amount,
        "currency": currency or None,
        "processed_at": processed_at,
        "parent_id": legacy_id(parent_id),
        "refund_id": legacy_id(refund_id),
    }


def _money_sum(amounts):
    """The sum of money strings (str), or None when there is none."""
    amounts = [a for a in amounts if a not in (None, "")]
    return _sum(amounts) if amounts else None


# ---------------------------------------------------------------------------- GraphQL
def _gql_address(addr):
    if not addr:
        return None
    return {
        "name": addr.get("name"),
        "first_name": addr.get("firstName"),
        "last_name": addr.get("lastName"),
        "company": addr.get("company"),
        "street": addr.get("address1"),
        "street2": addr.get("address2"),
        "city": addr.get("city"),
        "zip": addr.get("zip"),
        "state_code": addr.get("provinceCode"),
        "state": addr.get("province"),
        "country_code": addr.get("countryCodeV2"),
        "phone": addr.get("phone"),
    }


def _gql_taxes(tax_lines):
    return [
        {"title": t.get("title"), "rate": _rate_percent(t.get("rate")), "amount": _amount(t.get("priceSet"))}
        for t in tax_lines or []
    ]


def _gql_discount(allocations):
    return _sum(_amount(a.get("allocatedAmountSet")) for a in allocations or [])


def _gql_refund(refund):
    """A normalized REFUND from a GraphQL `Refund` as REFUND_FIELDS selects it."""
    lines = [
        {
            "line_id": legacy_id((item.get("lineItem") or {}).get("id")),
            "sku": (item.get("lineItem") or {}).get("sku"),
            "quantity": item.get("quantity"),
            "amount": _amount(item.get("subtotalSet")),
            "restock": (item.get("restockType") or "NO_RESTOCK").upper() != "NO_RESTOCK",
        }
        for item in _nodes(refund.get("refundLineItems"))
    ]
    shipping = _money_sum(
        _amount(ship.get("subtotalAmountSet")) for ship in _nodes(refund.get("refundShippingLines")))
    return {
        "id": legacy_id(refund.get("id")),
        "amount": _amount(refund.get("totalRefundedSet")),
        "note": refund.get("note"),
        "created_at": refund.get("createdAt"),
        "lines": lines,
        "shipping": shipping if shipping and Decimal(shipping) else None,
    }


def _gql_money(node):
    """(transactions, refunds) of a GraphQL order. Refunds only named (the order query's
    `refunds { id }`, not read with REFUNDS_QUERY) are left out: a refund is recorded once, so it
    must come with its lines."""
    refunds = [r for r in node.get("refunds") or [] if "refundLineItems" in r]
    refund_of = {
        legacy_id(txn.get("id")): legacy_id(refund.get("id"))
        for refund in refunds for txn in _nodes(refund.get("transactions"))
    }
    transactions = []
    for txn in node.get("transactions") or []:
        money = (txn.get("amountSet") or {}).get("shopMoney") or {}
        values = transaction_values(
            txn.get("id"), txn.get("kind"), txn.get("status"), txn.get("gateway"), money.get("amount"),
            money.get("currencyCode"), txn.get("processedAt") or txn.get("createdAt"),
            (txn.get("parentTransaction") or {}).get("id"), refund_of.get(legacy_id(txn.get("id"))))
        if values:
            transactions.append(values)
    return transactions, [_gql_refund(refund) for refund in refunds]


def order_from_graphql(node):
    """A normalized order from a GraphQL `Order` (as selected by ORDER_FIELDS; its refunds as
    REFUNDS_QUERY reads them)."""
    customer = node.get("customer") or None
    email = node.get("email") or (customer or {}).get("email")
    normalized_customer = None
    if customer or email:
        customer = customer or {}
        normalized_customer = {
            "id": legacy_id(customer.get("legacyResourceId") or customer.get("id")),
            "email": email,
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
            "phone": customer.get("phone") or node.get("phone"),
        }
    lines = [
        {
            "id": legacy_id(item.get("id")),
            "sku": item.get("sku"),
            "name": item.get("name"),
            "quantity": item.get("quantity"),
            "unit_price": _amount(item.get("originalUnitPriceSet")),
            "discount": _gql_discount(item.get("discountAllocations")),
            "taxes": _gql_taxes(item.get("taxLines")),
            "shipped_quantity": shipped_quantity(
                item.get("currentQuantity"), item.get("unfulfilledQuantity")
            ),
        }
        for item in _nodes(node.get("lineItems"))
    ]
    fulfillments = [
        _tracking_values(
            f.get("legacyResourceId") or f.get("id"),
            f.get("status"),
            [
                {"number": t.get("number"), "company": t.get("company"), "url": t.get("url")}
                for t in f.get("trackingInfo") or []
            ],
        )
        for f in node.get("fulfillments") or []
    ]
    shipping = [
        {
            "id": legacy_id(ship.get("id")),
            "title": ship.get("title"),
            "price": _amount(ship.get("originalPriceSet")),
            "discount": _gql_discount(ship.get("discountAllocations")),
            "taxes": _gql_taxes(ship.get("taxLines")),
        }
        for ship in _nodes(node.get("shippingLines"))
    ]
    total = node.get("totalPriceSet") or {}
    transactions, refunds = _gql_money(node)
    return {
        "id": legacy_id(node.get("legacyResourceId") or node.get("id")),
        "number": (node.get("name") or "").lstrip("#") or None,
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "currency": node.get("currencyCode") or (total.get("shopMoney") or {}).get("currencyCode"),
        "taxes_included": bool(node.get("taxesIncluded")),
        "status": order_status(
            node.get("cancelledAt"), node.get("displayFinancialStatus"), node.get("displayFulfillmentStatus")
        ),
        "customer": normalized_customer,
        "billing_address": _gql_address(node.get("billingAddress")),
        "shipping_address": _gql_address(node.get("shippingAddress")),
        "lines": lines,
        "shipping_lines": shipping,
        "discounts": [{"code": code} for code in node.get("discountCodes") or []],
        # The checkout's gateways, as the REST body's payment_gateway_names: the gateway mapping's
        # invoice policy and payment terms follow the first.
        "payment_method": (node.get("paymentGatewayNames") or [None])[0],
        "note": node.get("note"),
        "total": _amount(total),
        "total_tax": _amount(node.get("totalTaxSet")),
        "fulfillments": [f for f in fulfillments if f],
        "transactions": transactions,
        "refunds": refunds,
    }


# ---------------------------------------------------------------------------- REST (webhooks)
def _rest_address(addr):
    if not addr:
        return None
    return {
        "name": addr.get("name"),
        "first_name": addr.get("first_name"),
        "last_name": addr.get("last_name"),
        "company": addr.get("company"),
        "street": addr.get("address1"),
        "street2": addr.get("address2"),
        "city": addr.get("city"),
        "zip": addr.get("zip"),
        "state_code": addr.get("province_code"),
        "state": addr.get("province"),
        "country_code": addr.get("country_code"),
        "phone": addr.get("phone"),
    }


def _rest_taxes(tax_lines):
    return [
        {"title": t.get("title"), "rate": _rate_percent(t.get("rate")), "amount": t.get("price")}
        for t in tax_lines or []
    ]


def _rest_discount(allocations):
    return _sum(a.get("amount") for a in allocations or [])


def rest_transaction(txn, refund_id=None):
    """A normalized TRANSACTION from a REST Transaction (order_transactions/create, a refund's
    transactions), or None (see `transaction_values`)."""
    return transaction_values(
        txn.get("id"), txn.get("kind"), txn.get("status"), txn.get("gateway"), txn.get("amount"),
        txn.get("currency"), txn.get("processed_at") or txn.get("created_at"), txn.get("parent_id"),
        refund_id)


def _rest_refund(refund):
    """(REFUND, its transactions) from a REST Refund (an order's `refunds`, refunds/create)."""
    refund_id = legacy_id(refund.get("id"))
    transactions = [rest_transaction(t, refund_id) for t in refund.get("transactions") or []]
    transactions = [t for t in transactions if t]
    shipping = _money_sum(
        str(-Decimal(str(adj.get("amount"))))
        for adj in refund.get("order_adjustments") or []
        if adj.get("kind") == "shipping_refund" and adj.get("amount") not in (None, "")
    )
    lines = [
        {
            "line_id": legacy_id(item.get("line_item_id")),
            "sku": (item.get("line_item") or {}).get("sku"),
            "quantity": item.get("quantity"),
            "amount": None if item.get("subtotal") in (None, "") else str(item.get("subtotal")),
            "restock": (item.get("restock_type") or "no_restock").lower() != "no_restock",
        }
        for item in refund.get("refund_line_items") or []
    ]
    amount = _money_sum(
        t["amount"] for t in transactions if t["kind"] == "refund" and t["status"] == "success")
    return {
        "id": refund_id,
        "amount": amount,
        "note": refund.get("note"),
        "created_at": refund.get("created_at"),
        "lines": lines,
        "shipping": shipping if shipping and Decimal(shipping) else None,
    }, transactions


def order_from_rest(payload):
    """A normalized order from a REST-shaped order (orders/* webhooks)."""
    customer = payload.get("customer") or None
    email = payload.get("email") or payload.get("contact_email") or (customer or {}).get("email")
    normalized_customer = None
    if customer or email:
        customer = customer or {}
        normalized_customer = {
            "id": legacy_id(customer.get("id")),
            "email": email,
            "first_name": customer.get("first_name"),
            "last_name": customer.get("last_name"),
            "phone": customer.get("phone") or payload.get("phone"),
        }
    lines = [
        {
            "id": legacy_id(item.get("id")),
            "sku": item.get("sku"),
            "name": item.get("name") or item.get("title"),
            "quantity": item.get("quantity"),
            "unit_price": item.get("price"),
            "discount": _rest_discount(item.get("discount_allocations")),
            "taxes": _rest_taxes(item.get("tax_lines")),
            "shipped_quantity": shipped_quantity(
                item.get("current_quantity", item.get("quantity")), item.get("fulfillable_quantity")
            ),
        }
        for item in payload.get("line_items") or []
    ]
    fulfillments = [
        _tracking_values(
            f.get("id"),
            f.get("status"),
            [
                {
                    "number": f.get("tracking_number"),
                    "company": f.get("tracking_company"),
                    "url": f.get("tracking_url"),
                }
            ],
        )
        for f in payload.get("fulfillments") or []
    ]
    shipping = [
        {
            "id": legacy_id(ship.get("id")),
            "title": ship.get("title"),
            "price": ship.get("price"),
            "discount": _rest_discount(ship.get("discount_allocations")),
            "taxes": _rest_taxes(ship.get("tax_lines")),
        }
        for ship in payload.get("shipping_lines") or []
    ]
    gateways = payload.get("payment_gateway_names") or []
    refunds, transactions = [], []
    for refund in payload.get("refunds") or []:
        values, refund_transactions = _rest_refund(refund)
        refunds.append(values)
        transactions += refund_transactions
    return {
        "id": legacy_id(payload.get("id")),
        "number": str(payload.get("order_number") or (payload.get("name") or "").lstrip("#") or "") or None,
        "created_at": payload.get("created_at"),
        "updated_at": payload.get("updated_at") or payload.get("created_at"),
        "currency": payload.get("currency"),
        "taxes_included": bool(payload.get("taxes_included")),
        "status": order_status(
            payload.get("cancelled_at"), payload.get("financial_status"), payload.get("fulfillment_status")
        ),
        "customer": normalized_customer,
        "billing_address": _rest_address(payload.get("billing_address")),
        "shipping_address": _rest_address(payload.get("shipping_address")),
        "lines": lines,
        "shipping_lines": shipping,
        "discounts": [
            {"code": d.get("code"), "amount": d.get("amount")} for d in payload.get("discount_codes") or []
        ],
        "payment_method": gateways[0] if gateways else None,
        "note": payload.get("note"),
        "total": payload.get("total_price"),
        "total_tax": payload.get("total_tax"),
        "fulfillments": [f for f in fulfillments if f],
        # REST order bodies carry the refunds' transactions only (the webhook handler adds the ones
        # already known, see store_adapter_webhooks.py).
        "transactions": transactions,
        "refunds": refunds,
    }


def refund_summary(payload):
    """What a refunds/create payload says, for the activity logged on the order:
    {"order_id", "refund_id", "amount" (str), "note", "lines": [{"line_id", "sku", "quantity"}]}."""
    amounts = [
        t.get("amount") for t in payload.get("transactions") or [] if t.get("kind") in (None, "refund")
    ]
    lines = [
        {
            "line_id": legacy_id(item.get("line_item_id")),
            "sku": (item.get("line_item") or {}).get("sku"),
            "quantity": item.get("quantity"),
        }
        for item in payload.get("refund_line_items") or []
    ]
    if not amounts:
        amounts = [item.get("subtotal") for item in payload.get("refund_line_items") or []]
        amounts += [item.get("total_tax") for item in payload.get("refund_line_items") or []]
    return {
        "order_id": legacy_id(payload.get("order_id")),
        "refund_id": legacy_id(payload.get("id")),
        "amount": _sum(amounts),
        "note": payload.get("note"),
        "lines": lines,
    }
