from . import shopify_location, connector_store, store_adapter, store_adapter_oauth

from . import store_adapter_sync
from . import store_adapter_orders
from . import store_adapter_customers
from . import store_adapter_products
from . import store_adapter_inventory
from . import store_adapter_webhooks
from . import store_adapter_bulk
from . import connector_store_sync
from . import sale_order
from . import store_adapter_labels
from . import store_adapter_setup
from . import store_setup_wizard
from . import store_adapter_payouts
