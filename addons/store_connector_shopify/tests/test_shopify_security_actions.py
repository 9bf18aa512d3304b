"""Issue #7, points 1 and 6 (Shopify): a User's Test Connection, Register Webhooks and Fetch Locations
no longer reach Shopify with a token kept in the process or refreshed for them; the token accessor
checks its caller first; a forged job cannot uninstall another company's store.

Attacks go through Odoo's external JSON-RPC as the user who makes them (common_attack.py); the
store talks to the loopback Shopify simulator, whose request log shows what reached "Shopify".
"""

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError

from odoo.addons.store_connector_base.models import connector_store_oauth
from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .common import SIM_TOKEN, ShopifySimulatorMixin

CREDENTIAL_ACTIONS = ("action_test_connection", "action_register_webhooks", "action_shopify_fetch_locations")


class TestShopifySecurityActions(ShopifySimulatorMixin, RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_shopify()  # cls.store: a Shopify store of company A, on the simulator

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.sim.reset_calls()

    def cache_token(self, store, token):
        """The token as this process keeps it after a refresh (what a User's click used to get)."""
        key = (self.env.cr.dbname, store.id)
        connector_store_oauth._fresh_tokens[key] = (token, fields.Datetime.now() + timedelta(hours=1))
        self.addCleanup(connector_store_oauth._fresh_tokens.pop, key, None)

    def test_user_cannot_use_the_token_kept_in_the_process(self):
        self.cache_token(self.store, SIM_TOKEN)
        for method in CREDENTIAL_ACTIONS:
            with self.subTest(method=method):
                self.assertRpcRefused(self.user_a, "connector.store", method, [self.store.id])
        self.assertFalse(list(self.sim.calls), "a User's click reached Shopify")
        self.env.invalidate_all()
        self.assertFalse(self.store.shopify_location_ids)
        self.assertFalse(self.store.log_ids.filtered(lambda log: log.operation == "connection.test"))

    def test_user_cannot_make_the_token_refresh(self):
        # An OAuth store whose expiring token lapses within the refresh margin: the next use
        # refreshes it, as superuser. A User's click must not be that use.
        store = self.create_shopify_store(name="OAuth Shop A", token=None, shopify_auth_method="oauth")
        tokens = self.sim.oauth._issue(self.sim.scopes, True)
        store._oauth_save_tokens(tokens)
        access = self.env["integration.credential"].search(
            [("store_id", "=", store.id), ("key", "=", "access_token")])
        access.expires_at = fields.Datetime.now() + timedelta(seconds=60)
        for method in CREDENTIAL_ACTIONS:
            with self.subTest(method=method):
                self.assertRpcRefused(self.user_a, "connector.store", method, [store.id])
        self.assertIsNone(self.sim.oauth.refresh_tokens[tokens["refresh_token"]].superseded_by,
                          "a User's click refreshed the token")
        self.assertFalse(list(self.sim.calls))
        self.env.invalidate_all()
        self.assertEqual(store._get_credential("access_token"), tokens["access_token"])

    def test_token_accessor_checks_the_caller_before_its_cache(self):
        self.cache_token(self.store, "shpat_cached_in_this_process")
        for user in (self.user_a, self.internal_a, self.manager_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.store.with_user(user)._shopify_access_token()
        self.assertEqual(self.store.with_user(self.manager_a)._shopify_access_token(),
                         "shpat_cached_in_this_process")
        self.assertEqual(self.store.sudo()._shopify_access_token(), "shpat_cached_in_this_process")

    def test_manager_still_fetches_locations_and_tests_the_connection(self):
        self.sim.add_location("Warehouse East")
        self.rpc(self.manager_a, "connector.store", "action_shopify_fetch_locations", [self.store.id])
        self.env.invalidate_all()
        self.assertIn("Warehouse East", self.store.shopify_location_ids.mapped("name"))
        result = self.rpc(self.manager_a, "connector.store", "action_test_connection", [self.store.id])
        # The connection works; the simulated app lacks a scope: a warning that says what to fix.
        self.assertEqual(result["params"]["title"],
                         "Connection to Shopify Test works, but something needs fixing.")
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("read_all_orders", result["params"]["store_connector_advice"])
        self.assertRpcRefused(self.manager_b, "connector.store", "action_shopify_fetch_locations",
                              [self.store.id])
        self.assertRpcRefused(self.manager_b, "connector.store", "action_oauth_install",
                              [self.store.id])

    def test_forged_job_cannot_uninstall_another_companys_store(self):
        # The audit's job: a job of company A's store processing company B's app/uninstalled delivery.
        store_b = self.create_shopify_store(name="Shopify Shop B", company_id=self.company_b.id)
        delivery_b = self.env["store.webhook.delivery"].create({
            "store_id": store_b.id, "kind": "app", "topic": "app/uninstalled", "event_id": "evt-uninstall-b",
            "body": json.dumps({"id": 1, "myshopify_domain": self.sim.shop}),
        })
        job = self.env["sync.job"].create({
            "store_id": self.store.id, "operation": "webhook.app", "model_name": "store.webhook.delivery",
            "res_ids": delivery_b.ids, "method_name": "_job_process",
        })
        run_queue(self.env, self.store)
        self.env.invalidate_all()
        self.assertEqual((job.state, job.error_kind), ("failed", "permanent"))
        self.assertIn("do not belong to store", job.last_error)
        self.assertTrue(store_b.active)
        self.assertTrue(self.store.active)
