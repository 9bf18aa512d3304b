from . import test_woocommerce_client
from . import test_woocommerce_stock
from . import test_woocommerce_customers
from . import test_woocommerce_stock_customers_sim
