"""Constants of eBay orders and buyer messages (to join const.py once the foundation's is on main)."""

from .models import ebay_order_mapper as _om

# Fulfillment API (the platform notes, section 3.4).
FULFILLMENT_ORDER_PATH = "/sell/fulfillment/v1/order"
QUOTA_FULFILLMENT = "fulfillment"
#: getOrders' `limit` maximum (more fails); also the pull's page size.
ORDER_PAGE_LIMIT = 200
#: eBay's order API keeps 90 days of orders: a Full Sync pulls them all.
FULL_SYNC_ORDER_DAYS = 90
#: A pull narrows its lastmodifieddate window (halving it) until the window holds at most this
#: many orders, so that each window is read in one call and no offset page can shift (see
#: store_adapter_orders._import_orders); a window of one second is read whatever it holds.
ORDER_WINDOW_MAX_HALVINGS = 24

# Default status table: the derived statuses of ebay_order_mapper.order_status -> the base's stages.
# eBay's order status cannot be set through the API (shipping goes through shipping fulfillments),
# so nothing is mapped outbound.
STATUS_MAPPING_INBOUND = [
    (_om.STATUS_PENDING, "pending"),
    (_om.STATUS_PAID, "processing"),
    (_om.STATUS_IN_PROGRESS, "processing"),
    (_om.STATUS_FULFILLED, "shipped"),
    (_om.STATUS_CANCEL_REQUESTED, "pending"),
    (_om.STATUS_CANCELLED, "cancelled"),
    (_om.STATUS_FAILED, "cancelled"),
    (_om.STATUS_REFUNDED, "returned"),
]
STATUS_MAPPING_OUTBOUND = []

# Notification API topics whose notification names an order: the job reads the order again.
ORDER_NOTIFICATION_TOPICS = ("ORDER_CONFIRMATION",)

# Buyer messages: Trading GetMemberMessages (the REST Message API references listings only).
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
