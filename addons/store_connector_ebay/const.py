"""eBay constants: hosts, OAuth, marketplaces, quotas, the Trading API's level.

Sources: the platform notes (shared/platforms/ebay.md, sections 3.1-3.9) and eBay's developer pages
(developer.ebay.com: OAuth, API call limits, Trading API).
"""

# --------------------------------------------------------------------------- environments
# Notes 3.1. REST, the token endpoint and Trading share the API host; the consent page has its own.
ENVIRONMENTS = [("sandbox", "Sandbox"), ("production", "Production")]
DEFAULT_ENVIRONMENT = "sandbox"  # the issue: "sandbox first is the recommended path"
API_HOSTS = {"sandbox": "https://api.sandbox.ebay.com", "production": "https://api.ebay.com"}
AUTH_HOSTS = {"sandbox": "https://auth.sandbox.ebay.com", "production": "https://auth.ebay.com"}
#: eBay serves the Finances API (payouts, monetary transactions) on a host of its own (its docs:
#: "https://apiz.ebay.com/sell/finances/v1"); a simulator serves it on its one root.
FINANCES_HOSTS = {"sandbox": "https://apiz.sandbox.ebay.com", "production": "https://apiz.ebay.com"}
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/identity/v1/oauth2/token"
TRADING_PATH = "/ws/api.dll"

# REST API paths (absolute, under the API host).
INVENTORY_PATH = "/sell/inventory/v1"
FULFILLMENT_PATH = "/sell/fulfillment/v1"
ACCOUNT_PATH = "/sell/account/v1"
FINANCES_PATH = "/sell/finances/v1"
TAXONOMY_PATH = "/commerce/taxonomy/v1"
METADATA_PATH = "/sell/metadata/v1"
NOTIFICATION_PATH = "/commerce/notification/v1"
ANALYTICS_PATH = "/developer/analytics/v1_beta"

# --------------------------------------------------------------------------- OAuth (notes 3.2)
SCOPE_PREFIX = "https://api.ebay.com/oauth/api_scope"
#: The app token's scope (client credentials): Taxonomy, notification public keys, rate limits.
APP_SCOPE = SCOPE_PREFIX
#: What a user grants at Connect with eBay (the base scope first, as eBay's consent URLs put it).
USER_SCOPES = (
    SCOPE_PREFIX,
    SCOPE_PREFIX + "/sell.inventory",
    SCOPE_PREFIX + "/sell.fulfillment",
    SCOPE_PREFIX + "/sell.account",
    SCOPE_PREFIX + "/sell.finances",
    SCOPE_PREFIX + "/commerce.notification.subscription",
)
#: An app token is minted again this long before eBay says it lapses (7200 s tokens).
APP_TOKEN_REFRESH_MARGIN = 300
#: eBay answers a token request with an unknown, expired or revoked refresh token with this error.
OAUTH_REVOKED_ERRORS = ("invalid_grant",)

# --------------------------------------------------------------------------- credentials
CRED_APP_ID = "app_id"  # App ID (Client ID)
CRED_CERT_ID = "cert_id"  # Cert ID (Client Secret)
CRED_DEV_ID = "dev_id"  # Dev ID (Trading API headers)
CRED_RUNAME = "runame"  # eBay Redirect URL name (RuName): the redirect_uri eBay expects
#: The app token (client credentials), cached with its expiry; nobody types it.
CRED_APP_TOKEN = "app_token"

# --------------------------------------------------------------------------- marketplaces
# (marketplace id, name, Trading site id, content language, currency); notes 3.1 and eBay's
# "Marketplace ID values" and "eBay site IDs" tables.
MARKETPLACES = [
    ("EBAY_US", "eBay United States", "0", "en-US", "USD"),
    ("EBAY_MOTORS_US", "eBay Motors (United States)", "100", "en-US", "USD"),
    ("EBAY_CA", "eBay Canada (English)", "2", "en-CA", "CAD"),
    ("EBAY_GB", "eBay United Kingdom", "3", "en-GB", "GBP"),
    ("EBAY_AU", "eBay Australia", "15", "en-AU", "AUD"),
    ("EBAY_AT", "eBay Austria", "16", "de-AT", "EUR"),
    ("EBAY_BE", "eBay Belgium (French)", "23", "fr-BE", "EUR"),
    ("EBAY_FR", "eBay France", "71", "fr-FR", "EUR"),
    ("EBAY_DE", "eBay Germany", "77", "de-DE", "EUR"),
    ("EBAY_IT", "eBay Italy", "101", "it-IT", "EUR"),
    ("EBAY_NL", "eBay Netherlands", "146", "nl-NL", "EUR"),
    ("EBAY_ES", "eBay Spain", "186", "es-ES", "EUR"),
    ("EBAY_CH", "eBay Switzerland", "193", "de-CH", "CHF"),
    ("EBAY_HK", "eBay Hong Kong", "201", "zh-HK", "HKD"),
    ("EBAY_IE", "eBay Ireland", "205", "en-IE", "EUR"),
    ("EBAY_PL", "eBay Poland", "212", "pl-PL", "PLN"),
    ("EBAY_SG", "eBay Singapore", "216", "en-US", "SGD"),
]
DEFAULT_MARKETPLACE = "EBAY_US"
MARKETPLACE_SELECTION = [(row[0], row[1]) for row in MARKETPLACES]
MARKETPLACE_SITE_ID = {row[0]: row[2] for row in MARKETPLACES}
MARKETPLACE_LANGUAGE = {row[0]: row[3] for row in MARKETPLACES}
MARKETPLACE_CURRENCY = {row[0]: row[4] for row in MARKETPLACES}

# --------------------------------------------------------------------------- daily quotas (notes 3.7)
# Per API per day, the day starting at US-Pacific midnight. eBay's defaults for a new keyset; the
# Application Growth Check raises them (the real figures: Analytics getRateLimits). Guesses are said.
QUOTA_TIMEZONE = "America/Los_Angeles"
#: eBay's call limits are daily and its HTTP 429 gives no Retry-After: after one, the API is tried again in
#: this many seconds (or at the quota day's start, when sooner), not every few seconds all day.
QUOTA_429_WAIT_SECONDS = 900
QUOTAS = [
    # (quota name, label, default daily calls)
    ("inventory", "Inventory", 2_000_000),  # "higher" in the notes [?]: eBay's table, not verified here
    ("fulfillment", "Fulfillment", 100_000),  # "higher" in the notes [?]: a guess
    ("account", "Account", 25_000),  # [doc]
    ("finances", "Finances", 15_000),  # [doc]
    ("notification", "Notification", 10_000),  # [doc]
    ("analytics", "Analytics", 5_000),  # [doc]
    ("taxonomy", "Taxonomy", 5_000),  # a guess: the default of the Buy/Commerce APIs
    ("metadata", "Metadata", 5_000),  # a guess
    ("trading", "Trading", 5_000),  # [doc/KB]: Trading/Shopping for new keysets
]
DEFAULT_QUOTAS = {name: calls for name, _label, calls in QUOTAS}
#: The order prefix of a new eBay store's sale orders ("EB-12-34567-89012").
DEFAULT_ORDER_PREFIX = "EB-"

# --------------------------------------------------------------------------- Trading API (notes 3.5)
#: X-EBAY-API-COMPATIBILITY-LEVEL: the schema version current when this was written (notes 3.1,
#: "schema ~1455"); an old level gives legacy order-id formats.
TRADING_COMPATIBILITY_LEVEL = "1455"
#: Ack Failure codes meaning the token is invalid, expired or revoked: the store is paused.
TRADING_AUTH_ERROR_CODES = frozenset({"931", "932", "16110", "17470", "21916984", "21917053"})
#: Call-limit codes: retried when the quota day turns, never failed.
TRADING_LIMIT_ERROR_CODES = frozenset({"518", "21919165"})
#: Codes eBay gives for a passing system problem: retried.
TRADING_RETRY_ERROR_CODES = frozenset({"10007", "16100"})

# REST client
#: (connect, read) seconds of every REST and Trading request.
HTTP_TIMEOUT = (10, 60)
#: The largest page of an offset-paged list (Fulfillment's getOrders: 200).
MAX_PAGE_LIMIT = 200

# --------------------------------------------------------------------------- orders (notes 3.4)
# The derived order statuses are defined here and imported by
# models/ebay_order_mapper.py (const.py imports nothing, so no import cycle).
FULFILLMENT_ORDER_PATH = FULFILLMENT_PATH + "/order"
QUOTA_FULFILLMENT = "fulfillment"
#: getOrders' `limit` maximum (more fails); also the pull's page size.
ORDER_PAGE_LIMIT = MAX_PAGE_LIMIT
#: eBay's order API keeps 90 days of orders: a Full Sync pulls them all.
FULL_SYNC_ORDER_DAYS = 90
#: A pull narrows its lastmodifieddate window (halving it) until the window holds at most this
#: many orders, so that each window is read in one call and no offset page can shift (see
#: store_adapter_orders._import_orders); a window of one second is read whatever it holds.
ORDER_WINDOW_MAX_HALVINGS = 24

# The statuses ebay_order_mapper.order_status derives from eBay's payment, cancel and fulfillment
# statuses (eBay has no single order status).
STATUS_PENDING = "PAYMENT_PENDING"
STATUS_FAILED = "PAYMENT_FAILED"
STATUS_PAID = "PAID"
STATUS_IN_PROGRESS = "PARTIALLY_SHIPPED"
STATUS_FULFILLED = "FULFILLED"
STATUS_CANCEL_REQUESTED = "CANCEL_REQUESTED"
STATUS_CANCELLED = "CANCELLED"
STATUS_REFUNDED = "FULLY_REFUNDED"

# Default status table: the derived statuses -> the base's stages. eBay's order status cannot be set
# through the API (shipping goes through shipping fulfillments), so nothing is mapped outbound.
STATUS_MAPPING_INBOUND = [
    (STATUS_PENDING, "pending"),
    (STATUS_PAID, "processing"),
    (STATUS_IN_PROGRESS, "processing"),
    (STATUS_FULFILLED, "shipped"),
    (STATUS_CANCEL_REQUESTED, "pending"),
    (STATUS_CANCELLED, "cancelled"),
    (STATUS_FAILED, "cancelled"),
    (STATUS_REFUNDED, "returned"),
]
STATUS_MAPPING_OUTBOUND = []

# Notification API topics whose notification names an order: the job reads the order again
# (Register Webhooks subscribes to them; store_adapter_orders handles them).
ORDER_NOTIFICATION_TOPICS = ("ORDER_CONFIRMATION", "ITEM_MARKED_SHIPPED")

# --------------------------------------------------------------------------- buyer messages
# Trading GetMemberMessages (the REST Message API references listings only).
MESSAGES_OPERATION = "ebay.messages"
#: The first poll of a store reads this many days back; later ones from the last poll, less a margin.
MESSAGES_FIRST_POLL_DAYS = 7
MESSAGES_POLL_MARGIN_MINUTES = 10
MESSAGES_PAGE_SIZE = 100
#: Seller Hub's order page, where the seller answers the buyer (per environment).
SELLER_HUB_ORDER_URLS = {
    "production": "https://www.ebay.com/sh/ord/details?orderid=%s",
    "sandbox": "https://www.sandbox.ebay.com/sh/ord/details?orderid=%s",
}

# Test mode (the base's ApiClient._request_writes): Trading API calls that only read (the rest,
# ReviseInventoryStatus, CompleteSale..., write), and REST POSTs that only read (the last segment of
# their path).
TRADING_READ_CALL_PREFIXES = ("Get", "Verify")
REST_READ_POST_PREFIXES = ("bulk_get_",)

# --------------------------------------------------------------------------- money (issue #14)
QUOTA_FINANCES = "finances"
#: The scope the Finances API needs (no .readonly variant): a seller who connected before it was asked
#: for must connect again before payouts can be read.
FINANCES_SCOPE = SCOPE_PREFIX + "/sell.finances"
FINANCES_PAYOUT_PATH = FINANCES_PATH + "/payout"
FINANCES_TRANSACTION_PATH = FINANCES_PATH + "/transaction"
#: getPayouts' largest page; getTransactions'.
PAYOUT_PAGE_LIMIT = 200
FINANCES_TRANSACTION_PAGE_LIMIT = 1000
#: The payouts read when the base names no start: this many days back.
PAYOUT_DEFAULT_DAYS = 60
#: getOrders takes at most this many orderIds in one call.
ORDER_IDS_PER_CALL = 50
#: Payout.payoutStatus -> the normalized payout status (a payout eBay retries is failed until it is paid).
PAYOUT_STATUSES = {
    "INITIATED": "in_transit",
    "SUCCEEDED": "paid",
    "RETRYABLE_FAILED": "failed",
    "TERMINAL_FAILED": "failed",
    "REVERSED": "failed",
}
#: Transaction.transactionType -> the normalized payout line type (others: "other").
PAYOUT_LINE_TYPES = {
    "SALE": "charge",
    "REFUND": "refund",
    "SHIPPING_LABEL": "fee",
    "NON_SALE_CHARGE": "fee",
    "DISPUTE": "dispute",
    "ADJUSTMENT": "adjustment",
}
