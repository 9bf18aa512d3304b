"""Shared base for the suite's tests: a store of the test platform with fake credentials.

Other addons' tests import this module; keep what it offers stable.
"""

from odoo.tests.common import TransactionCase

# Fake secrets of `StoreConnectorCase.store`; long enough to be redacted (see services.redact).
API_KEY = "test-api-key-7f3a9c2e51d8"
WEBHOOK_SECRET = "test-webhook-secret-b64e0d97a2"


def create_test_store(env, name="Test Store", company=None, api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                      **vals):
    """A store of the "test" platform bound to `company` (default: the env's), with the
    credentials api_key and webhook_secret (skipped when None)."""
    store = env["connector.store"].create({
        "name": name,
        "platform": "test",
        "company_id": (company or env.company).id,
        **vals,
    })
    Credential = env["integration.credential"]
    if api_key:
        Credential._set_value(store, "api_key", api_key)
    if webhook_secret:
        Credential._set_value(store, "webhook_secret", webhook_secret)
    return store


class StoreConnectorCase(TransactionCase):
    """`cls.store`: a company-bound store on the test platform with credentials api_key
    (`cls.api_key`) and webhook_secret (`cls.webhook_secret`); mail tracking disabled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.api_key = API_KEY
        cls.webhook_secret = WEBHOOK_SECRET
        cls.store = create_test_store(cls.env, company=cls.company)
