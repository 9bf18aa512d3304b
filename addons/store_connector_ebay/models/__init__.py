from . import connector_store, store_adapter
from . import store_adapter_oauth, store_adapter_connect
