"""WooCommerce constants."""

# Default order-status mapping (product requirements, /work/shared/platforms/woocommerce.md §2.6).
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
