from . import (
    connector_store,
    store_adapter,
    store_adapter_oauth,
    store_adapter_orders,
    store_adapter_payouts,
    store_adapter_products,
)
# The fault suite's probe extends the test adapter defined above.
from . import fault_probe  # noqa: E402, I001
