from . import test_ebay_notifications
