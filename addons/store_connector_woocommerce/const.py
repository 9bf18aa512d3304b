"""WooCommerce constants."""

# Default order-status mapping (product requirements; the platform notes, section 2.6).
# Stages are the base's order stages (store_connector_base/order_const.py); editable per store.
STATUS_MAPPING_INBOUND = [
    ("pending", "pending"),
    ("processing", "processing"),
    ("on-hold", "pending"),
    ("completed", "delivered"),
    ("cancelled", "cancelled"),
    ("refunded", "returned"),
    ("failed", "cancelled"),
]
STATUS_MAPPING_OUTBOUND = [
    ("pending", "pending"),
    ("confirmed", "processing"),
    ("processing", "processing"),
    ("picked", "processing"),
    ("packed", "processing"),
    ("shipped", "processing"),
    ("out_for_delivery", "processing"),
    ("delivered", "completed"),
    ("cancelled", "cancelled"),
    ("returned", "refunded"),
]

# REST API (wc/v3): the platform notes, section 2.
API_VERSION = "wc/v3"
API_PATH = "/wp-json/" + API_VERSION
#: WooCommerce's per_page maximum (and our page size).
PAGE_SIZE = 100
#: Items per batch call, all actions together (woocommerce_rest_batch_items_limit; beyond: 413).
BATCH_LIMIT = 100

# Credentials (integration.credential keys).
CRED_CONSUMER_KEY = "consumer_key"
CRED_CONSUMER_SECRET = "consumer_secret"
CRED_WEBHOOK_SECRET = "webhook_secret"
CRED_WEBHOOK_SECRET_PREVIOUS = "webhook_secret_previous"

#: A WooCommerce store runs at most this many of its jobs at once (shared hosting, PHP workers).
DEFAULT_MAX_PARALLEL_JOBS = 2
DEFAULT_ORDER_PREFIX = "WC-"

# Shipping (models/store_adapter_fulfillment.py): the Shipment Tracking extension's REST API
# (woocommerce.com/document/shipment-tracking; the platform notes, section 2.7).
TRACKING_API_PATH = "/wp-json/wc-shipment-tracking/v3"
#: Public list of the extension's carriers, grouped by region: {"United States": {"USPS": url}}.
TRACKING_PROVIDERS_PATH = "/shipment-trackings/providers"
#: Hours a detection of the extension (present or absent) is trusted before it is checked again.
TRACKING_DETECTION_HOURS = 24
#: The extension answers these where it is not installed (WordPress knows no such route).
TRACKING_ABSENT_CODES = ("rest_no_route",)
