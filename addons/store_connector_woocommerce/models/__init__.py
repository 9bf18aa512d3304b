from . import connector_store, store_adapter
