from . import test_woocommerce_client
from . import test_woocommerce_stock
