from . import connector_store, store_adapter
from . import connector_store_orders, store_adapter_orders, woocommerce_order_mapper
from . import connector_store_fulfillment, store_adapter_fulfillment
