from . import test_woocommerce_client
from . import test_woocommerce_order_mapper
from . import test_woocommerce_orders
from . import test_woocommerce_webhook_intake
from . import test_woocommerce_webhook_register
from . import test_woocommerce_webhooks_simulator
from . import test_woocommerce_sync_api
from . import test_woocommerce_e2e_orders
