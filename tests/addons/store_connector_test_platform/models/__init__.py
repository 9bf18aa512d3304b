from . import (
    connector_store,
    store_adapter,
    store_adapter_oauth,
    store_adapter_orders,
    store_adapter_products,
)
