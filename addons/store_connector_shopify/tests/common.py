"""Shared test base of the Shopify addon: a loopback Shopify simulator and a store pointing at it.

    class TestX(ShopifySimulatorCase):          # TransactionCase
        def test_y(self):
            self.sim.add_product(...)            # the simulator (tests/simulators/shopify)
            self.client().query(...)             # the store's real client, over HTTP
            self.run_queue()                     # the base's queue runner

`ShopifySimulatorHttpCase` is the same on an HttpCase (Odoo's HTTP server runs: webhooks from the
simulator reach the real intake route; web.base.url points at it).

Class attributes: `sim`, `store` (platform shopify, shop domain `sim.shop`, shop_url the
simulator's base URL, credentials access_token and client_secret), `sim_kwargs` (override to
configure the simulator, e.g. {"bucket": {"maximumAvailable": 100, "restoreRate": 50}}).

Every document the connector sends is also checked against Shopify's published Admin schema of its
API version (scripts/test fetches it; see tests/simulators/shopify/published.py): a test after which
the simulator holds a document that schema refuses fails, even if the connector coped with the error
answer. A test that sends such a document on purpose takes it with `self.sim.take_schema_violations()`.
"""

from odoo.tests.common import HttpCase, TransactionCase

from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters
from odoo.addons.store_connector_base.tests.common import run_queue

# The repository's tests/ package (pytest.ini puts the repository root first on the import path).
from tests.simulators.shopify import ShopifySimulator

SIM_TOKEN = "shpat_simulator_test_token_5a8c1e"
SIM_CLIENT_ID = "sim-client-id"
SIM_CLIENT_SECRET = "sim-client-secret-0d3b9f7e"
SIM_SHOP = "odoo-test.myshopify.com"


class ShopifySimulatorMixin:
    sim_kwargs = {}
    store_vals = {}

    @classmethod
    def _setup_shopify(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        reset_limiters()
        kwargs = {"shop": SIM_SHOP, "access_token": SIM_TOKEN, "client_id": SIM_CLIENT_ID,
                  "client_secret": SIM_CLIENT_SECRET, **cls.sim_kwargs}
        cls.sim = ShopifySimulator(**kwargs)
        cls.sim_url = cls.sim.start()
        cls.addClassCleanup(cls.sim.stop)
        cls.addClassCleanup(reset_limiters)
        cls.store = cls.create_shopify_store()

    @classmethod
    def create_shopify_store(cls, name="Shopify Test", token=SIM_TOKEN, **vals):
        """A Shopify store pointing at the simulator, with an access token and the client secret;
        its stock baseline is chosen ("Odoo's quantities published") unless `vals` say otherwise."""
        store = cls.env["connector.store"].create({
            "name": name,
            "platform": "shopify",
            "company_id": cls.env.company.id,
            "stock_baseline": "odoo",
            "shopify_shop_domain": cls.sim.shop,
            "shop_url": cls.sim_url,
            "shopify_client_id": cls.sim.client_id,
            **cls.store_vals,
            **vals,
        })
        Credential = cls.env["integration.credential"]
        if token:
            Credential._set_value(store, "access_token", token)
        Credential._set_value(store, "client_secret", cls.sim.client_secret)
        return store

    def setUp(self):
        super().setUp()
        self.addCleanup(self._assert_shopify_would_accept)

    def _assert_shopify_would_accept(self):
        refused = self.sim.take_schema_violations()
        if refused:
            documents = "\n\n".join(
                f"[{v['version']}] {'; '.join(e['message'] for e in v['errors'])}\n{v['query']}"
                for v in refused
            )
            self.fail(
                f"Shopify's published Admin schema refuses {len(refused)} document(s) this test sent; "
                f"the real API answers them with an error:\n{documents}"
            )

    def client(self, store=None, **kwargs):
        """The store's real Shopify client."""
        return (store or self.store)._shopify_client(**kwargs)

    def _customer_partner(self, external_id, name):
        """A contact bound to `self.store` as the platform customer `external_id`, with personal
        data to redact."""
        partner = self.env["res.partner"].create({"name": name, "email": f"{name}@example.com",
                                                  "phone": "+1 555 0100", "street": "1 Main St"})
        self.env["store.customer.binding"].create({"store_id": self.store.id, "partner_id": partner.id,
                                                   "external_id": external_id})
        return partner

    def run_queue(self, stores=None):
        return run_queue(self.env, stores or self.store)


class ShopifySimulatorCase(ShopifySimulatorMixin, TransactionCase):
    """TransactionCase with `cls.sim` (a running simulator) and `cls.store` (see module docstring)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shopify()


class ShopifySimulatorHttpCase(ShopifySimulatorMixin, HttpCase):
    """HttpCase variant: Odoo's HTTP server serves the intake route the simulator delivers to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shopify()

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
