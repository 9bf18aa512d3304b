from . import connector_store, store_adapter
from . import connector_store_products, store_adapter_products, woocommerce_product_mapper
