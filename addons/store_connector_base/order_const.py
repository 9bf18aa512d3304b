"""Constants of the order pipeline (kept apart from const.py, which the foundation owns)."""

# The fulfilment stages a platform status can mean on our side. Each store maps its platform's
# statuses to these (store.order.status.map); USAGE.md says what each stage does to the order.
ORDER_STAGES = [
    ("pending", "Pending"),
    ("processing", "Processing"),
    ("confirmed", "Confirmed"),
    ("picked", "Picked"),
    ("packed", "Packed"),
    ("shipped", "Shipped"),
    ("out_for_delivery", "Out for Delivery"),
    ("delivered", "Delivered"),
    ("cancelled", "Cancelled"),
    ("returned", "Returned"),
]
# Stages meaning the customer's order stands: with auto-confirm, the quotation is confirmed.
CONFIRMED_STAGES = frozenset(
    {
        "processing",
        "confirmed",
        "picked",
        "packed",
        "shipped",
        "out_for_delivery",
        "delivered",
    }
)
CANCELLED_STAGES = frozenset({"cancelled"})
RETURNED_STAGES = frozenset({"returned"})

# What the order import does with goods the platform already shipped itself (a fulfillment made
# in the platform's admin, by another app or a fulfillment service).
PLATFORM_SHIPPED_POLICIES = [
    ("done", "Validate them in Odoo"),
    ("hold", "Hold them on the delivery"),
]

UNKNOWN_SKU_POLICIES = [
    ("fail", "Fail the import"),
    ("placeholder", "Use a placeholder product"),
]

# Scheduled and full-sync pulls.
DEFAULT_ORDER_PAGE_SIZE = 100
FULL_SYNC_ORDER_DAYS = 60

# Job operations of the pipeline (labels; the permission checked is said where they are queued).
OP_ORDERS_IMPORT = "orders.import"
OP_ORDER_IMPORT_ONE = "orders.import.order"
OP_CUSTOMERS_IMPORT = "customers.import"
OP_CUSTOMER_EXPORT = "customers.export"
#: An order that cannot be imported while a product import of its store runs (Full Sync queues both at
#: once: the order's products may be on the next page) waits this long, then tries again.
ORDER_WAITS_FOR_PRODUCT_IMPORT_SECONDS = 60

# Partner fields whose change is exported to the platforms of the partner's customer bindings.
CUSTOMER_SYNC_FIELDS = frozenset(
    {
        "name",
        "email",
        "phone",
        "mobile",
        "street",
        "street2",
        "city",
        "zip",
        "state_id",
        "country_id",
        "company_name",
    }
)
