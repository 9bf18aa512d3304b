"""Shopify constants: API versions, scopes, webhook topics, client limits.

Facts from shopify.dev (versioning, rate limits, webhooks, OAuth); see /shared/platforms/shopify.md.
"""

import re

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
SHOPIFY_OPTIONAL_SCOPES = ("read_all_orders",)

# --------------------------------------------------------------------------- client
SHOPIFY_HTTP_TIMEOUT = (5, 60)  # (connect, read) seconds, for every request
SHOPIFY_GRAPHQL_PATH = "/admin/api/{version}/graphql.json"
SHOPIFY_TOKEN_PATH = "/admin/oauth/access_token"
SHOPIFY_AUTHORIZE_PATH = "/admin/oauth/authorize"
# Values of a token request that are secrets (redacted from every error text quoting the answer).
SHOPIFY_TOKEN_REQUEST_SECRETS = ("client_secret", "refresh_token", "code")
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
# Expiring offline tokens are refreshed when they have less than this many seconds left.
SHOPIFY_TOKEN_REFRESH_MARGIN = 300
# The refresh cron (every 10 minutes) refreshes the tokens lapsing within this many seconds.
SHOPIFY_TOKEN_CRON_HORIZON = 900
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
    "products/update": ("products", "webhook.products"),
    "products/delete": ("products", "webhook.products"),
    "inventory_levels/update": ("inventory", "webhook.inventory"),
    "app/uninstalled": ("app", "webhook.app"),
    "bulk_operations/finish": ("app", "webhook.bulk"),
}
# Mandatory compliance topics: declared in the app's configuration (not through the API) with the
# intake URL of kind "compliance"; accepted on any kind.
SHOPIFY_COMPLIANCE_TOPICS = {
    "customers/data_request": "webhook.compliance",
    "customers/redact": "webhook.compliance",
    "shop/redact": "webhook.compliance",
}
SHOPIFY_WEBHOOK_KINDS = ("orders", "products", "inventory", "app", "compliance")


def topic_to_enum(topic):
    """orders/create -> ORDERS_CREATE (GraphQL WebhookSubscriptionTopic)."""
    return topic.replace("/", "_").upper()


def enum_to_topic(value):
    """ORDERS_CREATE -> orders/create; APP_UNINSTALLED -> app/uninstalled."""
    for topic in list(SHOPIFY_WEBHOOK_TOPICS) + list(SHOPIFY_COMPLIANCE_TOPICS):
        if topic_to_enum(topic) == value:
            return topic
    return value.lower()
