"""Helpers of the WooCommerce addon's tests."""

from odoo.addons.store_connector_base.tests.common import registry_test_mode  # noqa: F401 - re-exported

CONSUMER_KEY = "ck_0123456789abcdef0123456789abcdef01234567"
CONSUMER_SECRET = "cs_89abcdef0123456789abcdef0123456789abcdef"
WEBHOOK_SECRET = "wc-webhook-secret-6d1f0a"


def create_woocommerce_store(env, name="Woo Shop", shop_url="https://shop.example.com", company=None,
                             consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET,
                             webhook_secret=WEBHOOK_SECRET, **vals):
    """A WooCommerce store with its keys (skipped when None); stock baseline chosen ("odoo") unless
    `vals` say otherwise."""
    store = env["connector.store"].create({
        "name": name,
        "platform": "woocommerce",
        "shop_url": shop_url,
        "company_id": (company or env.company).id,
        "stock_baseline": "odoo",
        **vals,
    })
    Credential = env["integration.credential"]
    for key, value in (("consumer_key", consumer_key), ("consumer_secret", consumer_secret),
                       ("webhook_secret", webhook_secret)):
        if value:
            Credential._set_value(store, key, value)
    return store
