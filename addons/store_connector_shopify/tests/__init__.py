from . import test_shopify_client
from . import test_shopify_mappers
