from . import connector_store, store_adapter
from . import ebay_order_mapper, store_adapter_orders
from . import connector_store_messages, store_adapter_messages
