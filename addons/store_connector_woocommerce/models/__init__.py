from . import connector_store, store_adapter
from . import connector_store_connect, store_adapter_connect
