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
