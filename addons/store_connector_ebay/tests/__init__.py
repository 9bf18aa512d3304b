from . import test_ebay_skeleton
from . import test_ebay_orders
