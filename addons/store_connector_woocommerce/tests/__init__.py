from . import test_woocommerce_client
from . import test_woocommerce_product_mapper
from . import test_woocommerce_products
from . import test_woocommerce_products_simulator
