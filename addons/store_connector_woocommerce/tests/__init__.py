from . import test_woocommerce_client
from . import test_woocommerce_connection
from . import test_woocommerce_connect
from . import test_woocommerce_connect_simulator
