from . import shopify_location, connector_store, store_adapter, store_adapter_oauth

from . import store_adapter_sync
from . import connector_store_sync
from . import sale_order
