from . import test_ebay_stock
