from . import test_woocommerce_client
from . import test_woocommerce_fulfillment
from . import test_woocommerce_fulfillment_simulator
