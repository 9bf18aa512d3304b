from . import shopify_location, connector_store, store_adapter
