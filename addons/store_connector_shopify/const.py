"""Shopify constants: API versions, scopes, webhook topics, client limits.

Facts from shopify.dev (versioning, rate limits, webhooks, OAuth); see /shared/platforms/shopify.md.
"""

import re
from datetime import timedelta

# Quarterly versions still supported (oldest first). Shopify supports each for at least 12 months;
# an unsupported version "falls forward" silently, so we never offer a retired one. Update this
# list each quarter (drop the retired, add the new stable).
SHOPIFY_API_VERSIONS = [
    ("2026-01", "2026-01"),
    ("2026-04", "2026-04"),
    ("2026-07", "2026-07"),
    ("2026-10", "2026-10 (recommended)"),
]
SHOPIFY_DEFAULT_API_VERSION = "2026-10"

# <name>.myshopify.com, as Shopify's own OAuth docs validate the `shop` parameter.
SHOPIFY_SHOP_DOMAIN_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")

# Access scopes the connector asks for (OAuth) or needs (an access token's app). Write implies read.
SHOPIFY_REQUIRED_SCOPES = (
    "write_products",
    "write_inventory",
    "read_locations",
    "write_orders",
    "write_customers",
    "write_fulfillments",
    "write_merchant_managed_fulfillment_orders",
    "write_assigned_fulfillment_orders",
)
# Scopes a missing one of which does not break the connector (shown as "missing", never required).
# read_shopify_payments_payouts: the Shopify Payments payouts and their balance transactions.
SHOPIFY_PAYOUT_SCOPE = "read_shopify_payments_payouts"
SHOPIFY_OPTIONAL_SCOPES = ("read_all_orders", SHOPIFY_PAYOUT_SCOPE)
# What the app asks for at install (OAuth), by default: the required scopes and the payouts'.
SHOPIFY_REQUESTED_SCOPES = SHOPIFY_REQUIRED_SCOPES + (SHOPIFY_PAYOUT_SCOPE,)

# What the Shopify connector implements (store.adapter._supported_features; keys of the base's
# const.PLATFORM_FEATURES). Shopify sets an order's status through its fulfillments, so the
# connector has no separate status update.
SHOPIFY_SUPPORTED_FEATURES = frozenset({
    "test_connection",
    "register_webhooks",
    "full_sync",
    "orders.pull",
    "orders.push",
    "products.export",
    "products.import",
    "inventory.sync",
    "customers.import",
    "customers.export",
})

# --------------------------------------------------------------------------- client
SHOPIFY_HTTP_TIMEOUT = (5, 60)  # (connect, read) seconds, for every request
SHOPIFY_GRAPHQL_PATH = "/admin/api/{version}/graphql.json"
SHOPIFY_TOKEN_PATH = "/admin/oauth/access_token"
SHOPIFY_AUTHORIZE_PATH = "/admin/oauth/authorize"
SHOPIFY_OAUTH_CALLBACK_ROUTE = "/store_connector_shopify/oauth/callback"
# How far the timestamp of a signed install hit or callback may be from our clock, either way
# (Shopify's own API libraries allow 90 s): an older signed query replayed is refused.
SHOPIFY_OAUTH_TIMESTAMP_TOLERANCE = 90
# How much of Shopify's words an error message quotes (after redaction).
SHOPIFY_ERROR_QUOTE_LIMIT = 300
# Shopify's GraphQL bucket on the Standard plan until the first answer tells us the real one.
SHOPIFY_DEFAULT_BUCKET = 2000
SHOPIFY_DEFAULT_RESTORE_RATE = 100
SHOPIFY_MAX_QUERY_COST = 1000
# Requested cost assumed for a query never sent before (its real cost is remembered afterwards).
SHOPIFY_DEFAULT_COST_ESTIMATE = 50
# THROTTLED answers are waited out and retried this many times inside one call, then the job is
# rescheduled (RetryableJobError marked throttled: not counted as a failure).
SHOPIFY_THROTTLE_RETRIES = 5
# The longest a client call waits for bucket points before rescheduling its job instead.
SHOPIFY_MAX_THROTTLE_WAIT = 30.0
SHOPIFY_PAGE_SIZE = 100
# GraphQL error codes (errors[].extensions.code) that are worth retrying later.
SHOPIFY_RETRYABLE_ERROR_CODES = ("THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT")

# --------------------------------------------------------------------------- credentials
# integration.credential keys
CRED_ACCESS_TOKEN = "access_token"
CRED_REFRESH_TOKEN = "refresh_token"
CRED_CLIENT_SECRET = "client_secret"
CRED_CLIENT_SECRET_PREVIOUS = "client_secret_previous"
CRED_WEBHOOK_SECRET = "webhook_secret"  # key shown in Settings > Notifications for hand-made webhooks

# --------------------------------------------------------------------------- webhooks
# Handled topic -> (intake kind, job operation). Registered by Register Webhooks.
SHOPIFY_WEBHOOK_TOPICS = {
    "orders/create": ("orders", "webhook.orders"),
    "orders/updated": ("orders", "webhook.orders"),
    "orders/cancelled": ("orders", "webhook.orders"),
    "orders/fulfilled": ("orders", "webhook.orders"),
    "orders/paid": ("orders", "webhook.orders"),
    "refunds/create": ("orders", "webhook.orders"),
    "order_transactions/create": ("orders", "webhook.orders"),
    "products/update": ("products", "webhook.products"),
    "products/delete": ("products", "webhook.products"),
    "inventory_levels/update": ("inventory", "webhook.inventory"),
    "app/uninstalled": ("app", "webhook.app"),
    "bulk_operations/finish": ("app", "webhook.bulk"),
}
# Order topics whose body is not the order but a transaction of it, naming the order by its
# "order_id": their deliveries share the order's job (identity key order:<order id>).
SHOPIFY_ORDER_CHILD_TOPICS = ("order_transactions/create",)
# Mandatory compliance topics: declared in the app's configuration (not through the API) with the
# intake URL of kind "compliance"; accepted on any kind.
SHOPIFY_COMPLIANCE_TOPICS = {
    "customers/data_request": "webhook.compliance",
    "customers/redact": "webhook.compliance",
    "shop/redact": "webhook.compliance",
}
SHOPIFY_WEBHOOK_KINDS = ("orders", "products", "inventory", "app", "compliance")

# Headers of a delivery (shopify.dev/docs/apps/build/webhooks/delivery-structure). The signature is
# never stored: with it, the body it signs could be posted again.
SHOPIFY_WEBHOOK_SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
SHOPIFY_WEBHOOK_TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"
# One per event (the same across retries, redeliveries and subscriptions): the duplicate key Shopify
# documents. The webhook id is one per delivery (the same on its retries).
SHOPIFY_WEBHOOK_EVENT_ID_HEADER = "X-Shopify-Event-Id"
SHOPIFY_WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
# "Webhooks will now be retried a total of 8 times over 4 hours using an exponential backoff
# schedule. [...] they will be delivered with the original payload from the time they were
# triggered. Partners should utilize the X-Shopify-Triggered-At timestamp [...] to determine if the
# payload is stale." (shopify.dev/changelog/updates-to-webhook-retry-mechanism, 2024-09-10).
# A delivery triggered longer ago than that is not Shopify retrying it. The margin covers the last
# backoff step landing after the 4th hour (about 4 h 15 min) and the time on the way.
# (Shopify's best practices also mention rare deliveries up to a day late: those are dropped, and
# the order pull and reconciliation jobs catch what they carried.)
SHOPIFY_WEBHOOK_RETRY_WINDOW = timedelta(hours=4)
SHOPIFY_WEBHOOK_MAX_AGE = SHOPIFY_WEBHOOK_RETRY_WINDOW + timedelta(hours=1)
# 2026-11-05T12:00:00Z, with optional fractional seconds (Shopify sends up to nanoseconds) or an offset.
SHOPIFY_TIMESTAMP_RE = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})$"
)

# What the body of each handled topic is (REST-shaped payloads, shopify.dev/docs/api/webhooks),
# checked at intake: the topic header is not signed, so a body signed for one topic must not be
# taken for another. "fields": keys the body must have, with their JSON type ("int", "str",
# "list", "dict"; "?" allows null); "gid": the resource type its admin_graphql_api_id names;
# "only": the body has no other key (tiny payloads another topic's body must not pass for);
# "shop": the keys naming the shop (its myshopify domain, its id), compared with the store's.
_ORDER_SHAPE = {"gid": "Order", "fields": {"id": "int", "line_items": "list"}}
_COMPLIANCE_SHOP = {"domain": "shop_domain", "id": "shop_id"}
SHOPIFY_WEBHOOK_SHAPES = {
    "orders/create": _ORDER_SHAPE,
    "orders/updated": _ORDER_SHAPE,
    "orders/cancelled": _ORDER_SHAPE,
    "orders/fulfilled": _ORDER_SHAPE,
    "orders/paid": _ORDER_SHAPE,
    "orders/partially_fulfilled": _ORDER_SHAPE,
    "refunds/create": {
        "gid": "Refund", "fields": {"id": "int", "order_id": "int", "refund_line_items": "list"},
    },
    "order_transactions/create": {
        "gid": "OrderTransaction", "fields": {"id": "int", "order_id": "int", "kind": "str", "status": "str"},
    },
    "products/update": {"gid": "Product", "fields": {"id": "int", "variants": "list"}},
    "products/delete": {"fields": {"id": "int"}, "only": True},
    "inventory_levels/update": {
        "gid": "InventoryLevel",
        "fields": {"inventory_item_id": "int", "location_id": "int", "available": "int?"},
    },
    "bulk_operations/finish": {"gid": "BulkOperation", "fields": {"status": "str"}},
    "app/uninstalled": {
        "fields": {"id": "int", "myshopify_domain": "str"},
        "shop": {"domain": "myshopify_domain", "id": "id"},
    },
    "customers/data_request": {
        "fields": {"shop_id": "int", "shop_domain": "str", "customer": "dict", "orders_requested": "list",
                   "data_request": "dict"},
        "shop": _COMPLIANCE_SHOP,
    },
    "customers/redact": {
        "fields": {"shop_id": "int", "shop_domain": "str", "customer": "dict", "orders_to_redact": "list"},
        "shop": _COMPLIANCE_SHOP,
    },
    "shop/redact": {
        "fields": {"shop_id": "int", "shop_domain": "str"}, "only": True, "shop": _COMPLIANCE_SHOP,
    },
}


def topic_to_enum(topic):
    """orders/create -> ORDERS_CREATE (GraphQL WebhookSubscriptionTopic)."""
    return topic.replace("/", "_").upper()


def enum_to_topic(value):
    """ORDERS_CREATE -> orders/create; APP_UNINSTALLED -> app/uninstalled."""
    for topic in list(SHOPIFY_WEBHOOK_TOPICS) + list(SHOPIFY_COMPLIANCE_TOPICS):
        if topic_to_enum(topic) == value:
            return topic
    return value.lower()


# The values the orders query's `financial_status:` filter takes (OrderDisplayFinancialStatus, lower
# case): the statuses the sync API's order pull accepts for a Shopify store.
SHOPIFY_ORDER_FINANCIAL_STATUSES = (
    "authorized", "expired", "paid", "partially_paid", "partially_refunded", "pending", "refunded", "voided",
)

# Test mode: mutations that change nothing in the shop (a bulk query only exports its data), sent
# even when the store is in test mode (ShopifyClient._request_writes).
SHOPIFY_READ_ONLY_MUTATIONS = ("bulkOperationRunQuery",)
