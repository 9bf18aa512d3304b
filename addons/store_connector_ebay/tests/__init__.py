from . import test_ebay_stock, test_ebay_legacy, test_ebay_shipping, test_ebay_stock_attack
