from . import connector_store, store_adapter
from . import connector_store_connect, store_adapter_connect
from . import connector_store_orders, store_adapter_orders, woocommerce_order_mapper
from . import store_adapter_webhooks
from . import store_adapter_api
