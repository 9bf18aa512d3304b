from . import test_woocommerce_skeleton
