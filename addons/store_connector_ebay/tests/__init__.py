from . import test_ebay_skeleton
from . import test_ebay_client, test_ebay_trading, test_ebay_oauth
from . import test_ebay_listings
from . import test_ebay_listings_attack
from . import test_ebay_e2e_listings
from . import test_ebay_stock, test_ebay_legacy, test_ebay_shipping, test_ebay_stock_attack
from . import test_ebay_orders
from . import test_ebay_notifications
from . import test_ebay_simulator_contract
from . import test_ebay_quota
from . import test_ebay_connection
from . import test_ebay_simulator
from . import test_ebay_e2e_notifications
from . import test_ebay_quota_attack
from . import test_ebay_e2e_stock
from . import test_ebay_e2e_demo
from . import test_ebay_e2e_token_race
from . import test_ebay_test_mode
from . import test_ebay_job_summaries
from . import test_ebay_e2e_token_refused
from . import test_ebay_notification_sellers
from . import test_ebay_money
