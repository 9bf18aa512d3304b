from . import (
    store_adapter,
    connector_store,
    integration_credential,
    sync_job,
    store_webhook,
    store_webhook_delivery,
    store_activity_log,
)

# Order pipeline (issue 3)
from . import (
    store_order_status_map,
    store_payment_method_map,
    store_order_binding,
    store_customer_binding,
    store_adapter_orders,
    connector_store_orders,
    store_order_importer,
    sale_order,
    res_partner,
)
