from . import (
    connector_store,
    fault_probe,
    store_adapter,
    store_adapter_oauth,
    store_adapter_orders,
    store_adapter_products,
)
