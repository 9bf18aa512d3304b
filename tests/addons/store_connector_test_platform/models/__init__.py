from . import connector_store, store_adapter
from . import store_adapter_products, store_order_binding
from . import store_adapter_orders
