"""The OAuth install hit, attacked as the real callers make it: Shopify's signed hit reaches the
public route, and a manager of another company sets up a store over RPC."""

from urllib.parse import parse_qs, urlencode, urlsplit

from odoo.tests import tagged

from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .common import ShopifySimulatorMixin

INSTALL_ROUTE = "/store_connector_shopify/oauth/install"


@tagged("post_install", "-at_install")
class TestShopifyOAuthInstallAttacks(ShopifySimulatorMixin, RpcAttackCase):
    """`store` (company A, the simulator's shop and app) next to the attack harness' users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shopify()
        cls.store.shopify_auth_method = "oauth"

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())

    def test_another_companys_store_of_the_same_shop_does_not_capture_the_install(self):
        # Company B's manager names company A's shop on a store of B's own app, sorted first.
        rogue_id = self.rpc(self.manager_b, "connector.store", "create", {
            "name": "AAA Rogue Shop", "platform": "shopify", "sequence": 0,
            "company_id": self.company_b.id, "shopify_shop_domain": self.sim.shop,
            "shopify_auth_method": "oauth", "shopify_client_id": "rogue-client-id",
        })
        rogue = self.env["connector.store"].browse(rogue_id)
        self.env["integration.credential"]._set_value(rogue, "client_secret", "rogue-app-secret-51c2")
        self.assertEqual(self.env["connector.store"].search(
            [("shopify_shop_domain", "=", self.sim.shop)], limit=1), rogue)

        # Shopify's hit for company A's app still starts company A's install.
        response = self.url_open(f"{INSTALL_ROUTE}?{urlencode(self.sim.install_params())}",
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:200])
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        self.assertEqual(query["client_id"], [self.sim.client_id])
        self.env.invalidate_all()
        self.assertEqual(query["state"], [self.store.sudo().shopify_oauth_state])
        self.assertFalse(rogue.sudo().shopify_oauth_state)

        # A hit no store's app signed is refused.
        params = self.sim.install_params()
        params["hmac"] = "0" * 64
        response = self.url_open(f"{INSTALL_ROUTE}?{urlencode(params)}", allow_redirects=False)
        self.assertEqual(response.status_code, 401)
