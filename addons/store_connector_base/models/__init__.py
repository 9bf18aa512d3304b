# isort: skip_file
# The order matters: a model is defined before the files that extend it or inherit from it.
from . import (
    store_adapter,
    store_adapter_oauth,
    store_owned_mixin,
    store_binding_mixin,
    connector_store,
    connector_store_oauth,
    connector_store_queue,
    connector_store_outage,
    integration_credential,
    sync_job,
    store_webhook,
    store_webhook_delivery,
    store_activity_log,
    ir_http,
)

# Sync API, events and dashboard.
from . import (
    store_api_request,
    res_users,
    res_users_apikeys,
    store_sync_api_key_wizard,
    connector_store_api,
    connector_store_events,
    connector_store_dashboard,
)

# Products, stock and fulfillment.
from . import (
    store_product_binding,
    store_product_image,
    store_category_map,
    store_field_mapping,
    store_product_publish_wizard,
    connector_store_products,
    connector_store_product_import,
    connector_store_inventory,
    connector_store_stock_baseline,
    store_stock_drift,
    connector_store_stock_drift,
    store_stock_baseline_wizard,
    store_inventory_sync_wizard,
    store_channel_mixin,
    product_product_channels,
    product_template_channels,
    product_template_attribute_value,
    product_pricelist_item,
    stock_move_inventory,
    stock_picking_fulfillment,
)

# Orders and customers.
from . import (
    store_order_status_map,
    store_payment_method_map,
    store_carrier_map,
    store_order_binding,
    store_customer_binding,
    connector_store_orders,
    connector_store_redaction,
    store_order_importer,
    sale_order,
    res_partner,
    sale_order_status_push,
)

# Webhook health (the scheduled check of platforms that disable webhooks on their own).
from . import connector_store_webhooks
from . import store_order_route, connector_store_routing

# Daily API quotas per API (today's use, the warning before one is spent).
from . import connector_store_quota
from . import store_api_quota

# The queue's runner crons follow their System Parameter.
from . import ir_config_parameter

# Test mode: writes to the platform held back and recorded (store.test.request).
from . import store_test_request, connector_store_test_mode
# Plain language: labels of job operations and platform statuses, job summaries and advice.
from . import store_adapter_labels, sync_job_labels, store_order_binding_labels
# Platform API calls per store and hour, for the dashboard (issue #13).
from . import store_api_call_stat, store_order_binding_dashboard
# Replay of webhook deliveries, and Recover an Order.
from . import store_webhook_replay, connector_store_recover, store_order_recover_wizard
# The setup assistant of a new store (issue #13).
from . import connector_store_setup, store_adapter_setup, store_setup_wizard
# Full Sync progress (its runs, their steps, the jobs that carry them).
from . import store_full_sync_run, connector_store_full_sync, sync_job_full_sync
# Webhook topics in words (their platform's labels).
from . import store_webhook_labels
# The payment workflow (issue #14): transactions, gateway mappings' workflow, the orders.payments job.
from . import store_order_transaction, connector_store_payments, store_order_binding_payments
from . import sale_order_payments, stock_picking_payments, sync_job_payments
# Payouts and fees (issue #14): payouts booked as bank statements, the payouts.import job.
from . import store_payout, connector_store_payouts
# Refunds (issue #14): credit notes, refund payments and restocking in the payment workflow job.
from . import connector_store_refunds, store_order_binding_refunds
