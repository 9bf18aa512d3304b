from . import test_ebay_skeleton
from . import test_ebay_client, test_ebay_trading, test_ebay_oauth
from . import test_ebay_quota
from . import test_ebay_connection
from . import test_ebay_simulator
