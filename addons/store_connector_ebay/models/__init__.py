from . import connector_store, store_adapter
from . import connector_store_notifications, store_adapter_notifications
