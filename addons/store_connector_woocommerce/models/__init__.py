from . import connector_store, store_adapter
from . import connector_store_stock, store_adapter_stock, store_adapter_customers
