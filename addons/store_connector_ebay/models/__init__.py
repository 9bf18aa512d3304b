from . import connector_store, store_adapter
from . import store_adapter_oauth, store_adapter_connect
from . import (
    ebay_category_info,
    ebay_category_suggestion_wizard,
    ebay_product_compatibility,
    product_template,
    product_product,
    connector_store_listings,
    store_adapter_listings,
)

# Stock and prices, legacy listings through Trading and their migration, shipping (issue #11).
from . import store_adapter_stock, store_adapter_legacy, store_adapter_fulfillment
from . import connector_store_legacy, connector_store_carriers, store_product_binding
from . import ebay_order_mapper, store_adapter_orders
from . import store_adapter_payouts
from . import connector_store_messages, store_adapter_messages
from . import connector_store_notifications, store_adapter_notifications
from . import store_adapter_inventory_read
from . import store_adapter_labels
from . import store_adapter_setup
from . import store_setup_wizard
