from . import connector_store, store_adapter
from . import store_adapter_products
from . import store_adapter_orders
