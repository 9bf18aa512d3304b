from . import test_ebay_skeleton
