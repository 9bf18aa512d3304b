from . import connector_store, store_adapter
from . import connector_store_connect, store_adapter_connect
from . import connector_store_orders, store_adapter_orders, woocommerce_order_mapper
from . import store_adapter_webhooks
from . import store_adapter_api
from . import connector_store_products, store_adapter_products, woocommerce_product_mapper
from . import connector_store_fulfillment, store_adapter_fulfillment
from . import connector_store_stock, store_adapter_stock, store_adapter_customers
from . import store_adapter_labels
from . import store_adapter_setup
