from . import test_shopify_client
