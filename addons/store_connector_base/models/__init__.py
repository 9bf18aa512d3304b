from . import (
    store_adapter,
    connector_store,
    integration_credential,
    sync_job,
    store_webhook,
    store_webhook_delivery,
    store_activity_log,
    ir_http,
)
from . import (
    store_api_request,
    sale_order_store,
    connector_store_api,
    connector_store_events,
    connector_store_dashboard,
)
