"""The sync API on a WooCommerce store against the simulator, through Odoo's real HTTP server:
``POST /api/v1/stores/<store>/sync/orders`` with status, since and limit (and a pull too large to
wait for, queued and polled), ``POST /api/v1/stores/<store>/webhooks`` with topics (issue #10)."""

import json
from datetime import timedelta

from odoo.tests import new_test_user, tagged

from odoo.addons.store_connector_base.services.sync_api import API_KEY_SCOPE

from .e2e_common import WooCommerceE2ECase

BUYER = {"first_name": "Ann", "last_name": "Api", "email": "ann.api@example.com", "country": "US"}


class WooSyncApiE2ECase(WooCommerceE2ECase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        manager = new_test_user(
            cls.env, "sc_woo_e2e_api_manager",
            groups="base.group_user,store_connector_base.group_store_connector_manager,"
                   "sales_team.group_sale_salesman_all_leads")
        cls.key = cls.env["res.users.apikeys"].with_user(manager).sudo()._generate(
            API_KEY_SCOPE, "WooCommerce end-to-end sync API test", None)

    def api(self, method, tail, body=None):
        return self.opener.request(
            method, f"{self.base_url()}/api/v1/stores/{self.store.code}/{tail}",
            data=json.dumps(body) if body is not None else None, timeout=120,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})


@tagged("post_install", "-at_install")
class TestWooCommerceE2ESyncApiOrders(WooSyncApiE2ECase):
    def setUp(self):
        super().setUp()
        self.products(["API-MUG"])
        self.sim.add_product("Mug", sku="API-MUG", regular_price="9.90", stock_quantity=500, emit=False)

    def place(self, status, quantity=1):
        return self.sim.add_order([{"sku": "API-MUG", "quantity": quantity}], status=status, tax_rate="0.1",
                                  billing=BUYER, emit=False)

    def test_pull_by_status_since_and_limit(self):
        old_hold = self.place("on-hold")
        # (Seconds, not hours: WooCommerce refuses OAuth timestamps 15 minutes off its clock.)
        self.sim.advance(5)
        since = self.sim.clock.now() - timedelta(seconds=2)
        held = [self.place("on-hold", quantity=n) for n in (1, 2, 3)]
        paid = self.place("processing")
        response = self.api("POST", "sync/orders", {
            "status": ["on-hold"], "since": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": 2})
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()["data"]
        self.assertEqual((data["total_orders"], data["synced"], data["failed"], data["errors"], data["more"]),
                         (2, 2, 0, [], True), data)
        imported = [order for order in held + [paid, old_hold] if self.binding(order["id"])]
        self.assertEqual(imported, held[:2], "the two oldest changes among the on-hold orders since then")
        query = next(request["query"] for request in self.sim.requests
                     if request["path"] == "/wp-json/wc/v3/orders")
        self.assertEqual(query["status"], "on-hold")
        self.assertEqual(query["dates_are_gmt"], "true")
        margin = since - timedelta(seconds=1)
        self.assertEqual(query["modified_after"], margin.strftime("%Y-%m-%dT%H:%M:%S"))
        for order in imported:
            sale = self.binding(order["id"]).order_id
            self.assertEqual(f"{sale.amount_total:.2f}", order["total"])
        self.assertFalse(self.store.order_import_cursor, "a filtered pull does not move the store's cursor")
        # Without a filter: every order, the store's cursor moved.
        response = self.api("POST", "sync/orders", {})
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()["data"]
        self.assertEqual((data["total_orders"], data["created"], data["unchanged"], data["more"]),
                         (5, 3, 2, False), data)
        self.assertEqual(self.binding(paid["id"]).order_id.state, "sale")
        self.assertTrue(self.store.order_import_cursor)

    def test_unknown_status_is_refused_with_the_known_ones(self):
        response = self.api("POST", "sync/orders", {"status": "paid"})
        self.assertEqual(response.status_code, 422, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], "invalid_status")
        self.assertIn("processing", response.text)
        self.assertFalse([request for request in self.sim.requests if request["path"].endswith("/orders")])

    def test_a_pull_longer_than_a_page_is_queued_and_polled(self):
        orders = [self.place("processing") for _index in range(130)]
        response = self.api("POST", "sync/orders")
        self.assertEqual(response.status_code, 202, response.text)
        data = response.json()["data"]
        self.assertEqual((data["state"], data["total_orders"], data["more"]), ("queued", 100, True), data)
        poll = data["links"]["poll"]
        self.run_jobs()
        polled = self.opener.get(poll, timeout=60, headers={"Authorization": f"Bearer {self.key}"})
        self.assertEqual(polled.status_code, 200, polled.text)
        outcome = polled.json()["data"]
        self.assertEqual((outcome["state"], outcome["total_orders"], outcome["synced"], outcome["failed"]),
                         ("done", 130, 130, 0), outcome)
        self.assertTrue(all(self.binding(order["id"]).order_id.state == "sale" for order in orders))


@tagged("post_install", "-at_install")
class TestWooCommerceE2ESyncApiWebhooks(WooSyncApiE2ECase):
    # WooCommerce pings a webhook's address before it answers its creation. Here that address is
    # the very Odoo whose API request is waiting for the answer, and the test server serves one
    # request at a time (one test cursor): the ping would wait for the request that waits for it.
    # Register Webhooks' pings are answered in test_woocommerce_webhooks_simulator.py.
    sim_options = {"seed": "none", "ping_on_create": False}

    def test_register_some_topics_then_all(self):
        response = self.api("POST", "webhooks", {"topics": ["order.created", "order.updated"]})
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()["data"]
        self.assertEqual(sorted(hook["topic"] for hook in data["registered"]),
                         ["order.created", "order.updated"])
        hooks = self.sim.webhooks_list()
        self.assertEqual(sorted(hook["topic"] for hook in hooks), ["order.created", "order.updated"])
        self.assertTrue(all(hook["status"] == "active" for hook in hooks))
        self.assertNotIn(self.store.sudo()._get_credential("webhook_secret"), response.text)
        # A topic WooCommerce has but the connector does not register.
        response = self.api("POST", "webhooks", {"topics": ["coupon.created"]})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("order.created", response.json()["error"]["details"]["allowed"])
        self.assertEqual(len(self.sim.webhooks_list()), 2)
        # All of them: the two already there are kept, the others created.
        kept = {hook["id"] for hook in hooks}
        response = self.api("POST", "webhooks")
        self.assertEqual(response.status_code, 200, response.text)
        topics = self.store._get_adapter()._webhook_registration_topics(self.store)
        hooks = self.sim.webhooks_list()
        self.assertEqual(sorted(hook["topic"] for hook in hooks), sorted(topics))
        self.assertLessEqual(kept, {hook["id"] for hook in hooks})
        self.assertEqual(len(response.json()["data"]["webhooks"]), len(topics))
        # They deliver: an order placed on the shop reaches Odoo signed and is imported.
        self.products(["HOOK-MUG"])
        self.sim.add_product("Mug", sku="HOOK-MUG", regular_price="9.90", stock_quantity=5, emit=False)
        order = self.sim.add_order([{"sku": "HOOK-MUG", "quantity": 1}], status="processing", billing=BUYER)
        self.deliver()
        self.run_jobs()
        self.assertEqual(self.binding(order["id"]).order_id.state, "sale")
