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

# Connect with WooCommerce: WooCommerce generates the keys and POSTs them to Odoo (wc-auth/v1; the
# platform notes, section 2.7; WC_Auth in includes/class-wc-auth.php).
WC_AUTH_AUTHORIZE_PATH = "/wc-auth/v1/authorize"
WC_AUTH_SCOPE = "read_write"
#: Odoo's route receiving the keys; the store's id follows (`<route>/<store id>`).
KEYS_CALLBACK_ROUTE = "/store_connector/woocommerce/keys"
#: The largest key callback body read (WooCommerce sends five short fields).
KEYS_CALLBACK_MAX_BYTES = 16 * 1024
KEY_PERMISSIONS = [("read", "Read"), ("write", "Write"), ("read_write", "Read/Write")]
#: The end of a consumer key WooCommerce shows in its key list (its `truncated_key`).
KEY_ENDING_LENGTH = 7
#: The app name WooCommerce shows on its approval page and in the key's description.
WC_AUTH_APP_NAME = "Odoo Store Connector"
# --------------------------------------------------------------------------- webhooks
# Platform notes 2.3 (WooCommerce's class-wc-webhook.php and the REST webhooks controllers).
WEBHOOK_SIGNATURE_HEADER = "X-WC-Webhook-Signature"
WEBHOOK_TOPIC_HEADER = "X-WC-Webhook-Topic"
WEBHOOK_SOURCE_HEADER = "X-WC-Webhook-Source"
WEBHOOK_ID_HEADER = "X-WC-Webhook-ID"
WEBHOOK_DELIVERY_ID_HEADER = "X-WC-Webhook-Delivery-ID"
#: Every header of a real delivery starts so; the ping carries none.
WEBHOOK_HEADER_PREFIX = "x-wc-webhook-"
#: The ping WooCommerce posts when a webhook is created or activated (form-encoded, unsigned).
WEBHOOK_PING_RE = r"webhook_id=\d{1,20}"
#: Resource of a topic (order.updated -> order) -> the intake kind its deliveries are posted to.
WEBHOOK_RESOURCE_KINDS = {
    "order": "orders", "product": "products", "customer": "customers", "coupon": "coupons",
}
#: Events of core topics (resource.event).
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored", "published")
#: What the body of a resource's topics has (checked at intake, the topic header not being signed):
#: keys a full REST representation always has, none of which another resource's has. `*.deleted`
#: bodies are exactly {"id": n}.
WEBHOOK_RESOURCE_KEYS = {
    "order": ("status", "line_items"),
    "product": ("name", "type"),
    "customer": ("email", "role"),
    "coupon": ("code", "discount_type"),
}
#: Webhook statuses (wc_get_webhook_statuses): active delivers; paused by a person; disabled by
#: WooCommerce after repeated failed deliveries.
WEBHOOK_STATUSES = ("active", "paused", "disabled")
#: How often the scheduled pull's cron asks WooCommerce how the store's webhooks are.
WEBHOOK_HEALTH_INTERVAL_MINUTES = 60

# Shipping (models/store_adapter_fulfillment.py): the Shipment Tracking extension's REST API
# (woocommerce.com/document/shipment-tracking; the platform notes, section 2.7).
TRACKING_API_PATH = "/wp-json/wc-shipment-tracking/v3"
#: Public list of the extension's carriers, grouped by region: {"United States": {"USPS": url}}.
TRACKING_PROVIDERS_PATH = "/shipment-trackings/providers"
#: Hours a detection of the extension (present or absent) is trusted before it is checked again.
TRACKING_DETECTION_HOURS = 24
#: The extension answers these where it is not installed (WordPress knows no such route).
TRACKING_ABSENT_CODES = ("rest_no_route",)

# Stock changes imported from WooCommerce (models/store_adapter_stock.py): the order statuses whose
# units WooCommerce has taken off its stock (wc_maybe_reduce_stock_levels), and how far before the
# store's last order pull the orders of a changed product are read again (seconds).
STOCK_HOLDING_ORDER_STATUSES = ("processing", "on-hold", "completed")
STOCK_ORDER_PULL_MARGIN_SECONDS = 300
