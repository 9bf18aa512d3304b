"""Constants shared by the base addon and the platform addons."""

JOB_STATES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]

JOB_DIRECTIONS = [("import", "Import"), ("export", "Export"), ("internal", "Internal")]

# Operations a store may be forbidden to perform; the key is what `_check_operation_allowed` takes.
STORE_PERMISSIONS = {
    "products.sync": "allow_products_sync",
    "orders.pull": "allow_orders_pull",
    "orders.push": "allow_orders_push",
    "inventory.sync": "allow_inventory_sync",
}

# What a platform addon can do, as it declares with `store.adapter._supported_features`, and the
# store's computed field that says so (the store form shows a feature's buttons only when it is
# supported). A platform that supports none of them has nothing to connect: no store is created or
# activated for it.
PLATFORM_FEATURES = {
    "test_connection": "supports_test_connection",
    "register_webhooks": "supports_register_webhooks",
    "full_sync": "supports_full_sync",
    "orders.pull": "supports_orders_pull",
    "orders.push": "supports_orders_push",
    "products.export": "supports_products_export",
    "products.import": "supports_products_import",
    "inventory.sync": "supports_inventory_sync",
    "customers.import": "supports_customers_import",
    "customers.export": "supports_customers_export",
}

DEFAULT_MAX_RETRIES = 5
# Exponential backoff: BASE * 2**retry seconds, capped, then jittered by +/- JITTER (fraction).
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600
BACKOFF_JITTER = 0.25
#: A platform's Retry-After is spread by up to 10%, but never by more than this: a quota that resets at
#: midnight (eBay's daily quotas) must not leave jobs waiting hours after the reset.
RETRY_AFTER_JITTER_MAX_SECONDS = 300
# A store whose jobs fail this many times in a row notifies its managers.
CONSECUTIVE_FAILURES_ALERT = 3
# Platform outage (the queue's circuit breaker, models/connector_store_outage.py): after this many jobs
# of a store in a row failed because its platform did not answer (time-out, refused connection, HTTP
# 5xx or 429), its jobs wait without spending retries, and one job at a time probes the platform, every
# BASE seconds at first, doubling up to MAX, until one succeeds.
PLATFORM_OUTAGE_THRESHOLD = 3
PLATFORM_OUTAGE_PROBE_BASE_SECONDS = 10
PLATFORM_OUTAGE_PROBE_MAX_SECONDS = 60
# How long a claimed probe holds the store's next probe back: longer than any platform request may take.
PLATFORM_OUTAGE_PROBE_LEASE_SECONDS = 600
# After an outage of this long, failures spend retries again: a job that fails every time (the platform
# crashes on it alone) still ends failed, a day later.
PLATFORM_OUTAGE_HOLD_SECONDS = 24 * 3600

# Server options (odoo.conf [options]) read by the suite; documented in odoo.conf.example.
CONFIG_ENCRYPTION_KEY = "store_connector_encryption_key"
ENV_ENCRYPTION_KEY = "STORE_CONNECTOR_ENCRYPTION_KEY"
CONFIG_ALLOW_PRIVATE_URLS = "store_connector_allow_private_urls"
CONFIG_WEBHOOK_MAX_BYTES = "store_connector_webhook_max_bytes"
# The longest (seconds) any request to a platform waits to connect and for its answer; default: each
# platform client's own timeout (60 s for Shopify, 120 s for WooCommerce). Lower it so that a hanging
# platform holds a worker for less time.
CONFIG_PLATFORM_TIMEOUT = "store_connector_platform_timeout"
DEFAULT_WEBHOOK_MAX_BYTES = 2 * 1024 * 1024
# The most header bytes (names and values) a webhook or sync API request may carry: the platforms
# send a few KB; Odoo's HTTP server alone takes up to 100 lines of 64 KiB, which a delivery would
# store (issue #12: hostile input).
MAX_REQUEST_HEADER_BYTES = 32 * 1024

# ir.config_parameter keys (editable in Settings > Technical > System Parameters).
PARAM_JOB_RETENTION_DAYS = "store_connector.job_retention_days"
PARAM_JOB_TIMEOUT_MINUTES = "store_connector.job_timeout_minutes"
PARAM_RUNNER_BATCH = "store_connector.runner_batch_size"
PARAM_RUNNER_TIME_LIMIT = "store_connector.runner_time_limit_seconds"
DEFAULT_JOB_RETENTION_DAYS = 7
# Processed webhook deliveries are deleted after this (store.webhook.delivery._cron_purge_processed).
PARAM_WEBHOOK_DELIVERY_RETENTION_DAYS = "store_connector.webhook_delivery_retention_days"
DEFAULT_WEBHOOK_DELIVERY_RETENTION_DAYS = 30
DEFAULT_JOB_TIMEOUT_MINUTES = 15
DEFAULT_RUNNER_BATCH = 200
RUNNER_MAX_JOB_BATCH = 50  # jobs of one batchable handler run together (sync.job._run_batch)
DEFAULT_RUNNER_TIME_LIMIT = 240
# How many runner crons (lanes) run the queue side by side (sync.job._sync_runner_crons). Each enqueue
# wakes one, the first that is not running; more are woken when the backlog needs them. Three by default
# (the lanes of the first multi-worker version): on one server with Odoo's default max_cron_threads = 2,
# the lanes after the first come after Odoo's other crons in each round and give their thread back after
# every call while another cron is due, so those still run; with more servers, more lanes run at once.
PARAM_RUNNER_COUNT = "store_connector.runner_count"
DEFAULT_RUNNER_COUNT = 3
MAX_RUNNER_COUNT = 32
# A helper runner's calls are shorter than the first runner's, so that another cron waiting for its
# thread waits at most about this long (see sync.job._cron_process_queue).
HELPER_RUNNER_TIME_LIMIT = 60

# Webhook kinds every platform shares; a platform adapter may declare more (see `_webhook_kinds`).
BASE_WEBHOOK_KINDS = ("orders", "products", "inventory")
# Request headers never stored with a delivery, whatever the platform declares: a signature beside
# the body it signs is all it takes to post the delivery again (matched case-insensitively, anywhere
# in the name: X-Shopify-Hmac-Sha256, X-WC-Webhook-Signature, X-EBAY-SIGNATURE...).
WEBHOOK_SIGNATURE_HEADER_PATTERN = r"hmac|signature"
# How far ahead of this server's clock a platform's delivery timestamp may be (clock skew), seconds.
WEBHOOK_CLOCK_SKEW_SECONDS = 300

MASK = "\u2022" * 8

# Stock baseline of a store (connector.store.stock_baseline): how Odoo's stock and the shop's were
# lined up when the store was connected. Until one is chosen, no stock is exported (a new store's
# Odoo may hold none of the shop's stock yet: publishing it would set every SKU on the shop to 0).
STOCK_BASELINE_NONE = "none"
STOCK_BASELINES = [
    (STOCK_BASELINE_NONE, "Not chosen"),
    ("platform", "Platform's quantities imported"),
    ("odoo", "Odoo's quantities published"),
]
# Operations refused while a store has no stock baseline (see connector.store._check_operation_allowed).
STOCK_BASELINE_OPERATIONS = ("inventory.sync", "stock.reconcile")
# Job operation of the stock reconciliation (drift check).
OP_STOCK_RECONCILE = "stock.reconcile"
# Context key the connector's own product imports (import pages, bulk imports, product webhooks) set:
# what they write into products came from the platform, so it queues no export back to it (no echo
# loop). Honoured for superuser writes only: a user's RPC context cannot hold back an export.
CONTEXT_PRODUCT_IMPORT = "store_connector_product_import"
# What a store publishes as a SKU's quantity, before its safety stock (connector.store's
# inventory_publish_basis; see _published_quantities). The default holds back what confirmed
# outgoing transfers (deliveries of confirmed sale orders...) still need but have not reserved yet.
INVENTORY_PUBLISH_BASES = [
    ("sellable", "Free minus open demand"),
    ("free", "Free (on hand minus reserved)"),
    ("on_hand", "On hand"),
    ("forecast", "Forecasted"),
]
DEFAULT_INVENTORY_PUBLISH_BASIS = "sellable"
# Sync Inventory asks before it lowers "many" SKUs from a positive platform quantity to 0: at least
# this many SKUs, or more than this share of the SKUs it publishes.
INVENTORY_ZEROING_CONFIRM_MIN_SKUS = 5
INVENTORY_ZEROING_CONFIRM_SHARE = 0.10

# --------------------------------------------------------------------------- OAuth (connector_store_oauth.py)
# Credential keys of the OAuth token lifecycle, the same on every platform.
CRED_OAUTH_ACCESS_TOKEN = "access_token"
CRED_OAUTH_REFRESH_TOKEN = "refresh_token"
CRED_OAUTH_CLIENT_ID = "client_id"
CRED_OAUTH_CLIENT_SECRET = "client_secret"
# The base's callback route, for platforms whose authorization server redirects back with the
# standard ?code&state (RFC 6749 4.1.2); a platform may route its own (store.adapter._oauth_callback_path).
OAUTH_CALLBACK_ROUTE = "/store_connector/oauth/callback"
# An authorization (its state and the browser's nonce) is good for this many seconds, once.
OAUTH_STATE_TTL = 600
# The cookie binding an authorization to the browser that started it (per store, so that two installs
# started in one browser do not undo each other); only sent to the store's callback route.
OAUTH_NONCE_COOKIE = "sc_oauth_{store_id}"
# Expiring access tokens are refreshed when they have less than this many seconds left.
OAUTH_TOKEN_REFRESH_MARGIN = 300
# The refresh cron (every 10 minutes) refreshes the access tokens lapsing within this many seconds,
# so that a token never lapses between two jobs of an idle store.
OAUTH_TOKEN_CRON_HORIZON = 900
# The managers are warned this many days before a refresh token ends (eBay's last about 18 months):
# after that only a new install gives the store a token.
OAUTH_REFRESH_TOKEN_WARNING_DAYS = 30
# How long a refresh waits for another worker refreshing the same store's token, in seconds, and
# how often it looks whether that worker is done.
OAUTH_REFRESH_LOCK_WAIT = 10
OAUTH_REFRESH_LOCK_POLL = 0.2
# (connect, read) timeout of a token request, in seconds.
OAUTH_HTTP_TIMEOUT = (5, 60)
# How much of the token endpoint's words an error message quotes (after redaction).
OAUTH_ERROR_QUOTE_LIMIT = 300
# Standard error codes of a token endpoint (RFC 6749 5.2) meaning the grant or the client is no
# longer accepted: the store is paused until it is installed again.
OAUTH_REVOKED_ERRORS = ("invalid_grant", "invalid_client", "unauthorized_client")

# --------------------------------------------------------------------------- daily API quotas
# A store's managers are warned once a day when this share of a daily quota is spent (the client
# core, services/api_client.py `_acquire`; connector.store._rate_limit_quota_warning).
RATE_LIMIT_QUOTA_WARNING_SHARE = 0.8

# The dashboard warns this many days before a credential or an OAuth grant ends (store.adapter
# `_credential_expiries`).
CREDENTIAL_EXPIRY_WARNING_DAYS = 30

# --------------------------------------------------------------------------- Full Sync progress
# A Full Sync run (store.full.sync.run) follows its jobs through this payload key: the jobs a Full
# Sync queues carry it, and so does every job queued while one of them runs (the next pages, an
# order of a page handed to a job of its own, a platform's bulk poll): see sync.job._enqueue_many.
FULL_SYNC_RUN_KEY = "full_sync_run_id"
# What a Full Sync imports, in the order it is shown.
FULL_SYNC_ENTITIES = [("products", "Products"), ("customers", "Customers"), ("orders", "Orders")]
# The paged imports of a Full Sync, by operation: when a page job fails for good, its entity stops there.
FULL_SYNC_PAGE_OPERATIONS = {"products.import": "products", "customers.import": "customers",
                             "orders.import": "orders"}
# Jobs of one record that a page handed on (an order that failed on its page retries in a job of its
# own): its record waits; the job's success or failure settles it.
FULL_SYNC_RECORD_OPERATIONS = {"orders.import.order": "orders"}
# How often the store form reloads a running Full Sync's progress, in milliseconds.
FULL_SYNC_REFRESH_MS = 3000
# The store's form where a platform's consent page sends the merchant back (Connect with ...): in the
# Stores menu's action, so that the app's menu and the breadcrumb are there (a bare
# /odoo/connector.store/<id> opens the form without them).
STORE_FORM_PATH = "/odoo/action-store_connector_base.connector_store_action/%s"
