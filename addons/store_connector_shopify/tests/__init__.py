from . import test_shopify_client, test_shopify_connection, test_shopify_oauth, test_shopify_webhooks
from . import test_shopify_mappers
from . import test_shopify_products
from . import test_shopify_inventory
from . import test_shopify_orders
from . import test_shopify_fulfillment
from . import test_shopify_bulk
from . import test_shopify_demo
from . import test_shopify_views
from . import test_shopify_native_orders
from . import test_shopify_full_import
from . import test_shopify_security_company
from . import test_shopify_oauth_attacks
from . import test_shopify_test_mode
from . import test_shopify_money
