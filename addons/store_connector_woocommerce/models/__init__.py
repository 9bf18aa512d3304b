from . import connector_store, store_adapter
from . import connector_store_fulfillment, store_adapter_fulfillment
