from . import connector_store, store_adapter

# Stock and prices, legacy listings through Trading and their migration, shipping (issue #11).
from . import store_adapter_stock, store_adapter_legacy, store_adapter_fulfillment
from . import connector_store_legacy, connector_store_carriers, store_product_binding
