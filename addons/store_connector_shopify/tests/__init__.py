from . import test_shopify_mappers
