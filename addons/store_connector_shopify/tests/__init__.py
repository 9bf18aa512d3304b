from . import test_shopify_client, test_shopify_connection, test_shopify_oauth, test_shopify_webhooks
