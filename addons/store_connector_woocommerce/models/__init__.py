from . import connector_store, store_adapter
from . import store_adapter_api
