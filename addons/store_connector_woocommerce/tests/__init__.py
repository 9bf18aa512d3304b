from . import test_woocommerce_client
from . import test_woocommerce_order_mapper
from . import test_woocommerce_orders
from . import test_woocommerce_fulfillment
from . import test_woocommerce_fulfillment_simulator
