from . import test_woocommerce_client
