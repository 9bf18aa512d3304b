"""Register Webhooks and the webhook health check against a loopback server answering
WooCommerce's /wp-json/wc/v3/webhooks as WooCommerce does (pages of at most 100 with X-WP-Total
and X-WP-TotalPages, the secret write-only, DELETE only with force=true)."""

import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_base.tests.http_servers import RecordingServer

from .common import WEBHOOK_SECRET, create_woocommerce_store

HANDLED = ("order.created", "order.updated", "order.deleted", "product.updated", "customer.deleted")
PREFIX = "/wp-json/wc/v3/webhooks"


class FakeWooCommerceWebhooks:
    """The webhooks endpoints of one WooCommerce shop, in memory (`respond` for RecordingServer)."""

    def __init__(self):
        self.hooks = {}
        self.secrets = {}
        self.next_id = 100
        self.writes = []

    def add(self, topic, delivery_url, status="active", secret="unknown"):
        self.next_id += 1
        self.hooks[self.next_id] = {
            "id": self.next_id, "name": f"Webhook {self.next_id}", "status": status, "topic": topic,
            "resource": topic.split(".")[0], "event": topic.split(".")[-1], "hooks": [],
            "delivery_url": delivery_url, "date_created_gmt": "2026-11-01T10:00:00",
            "date_modified_gmt": "2026-11-01T10:00:00"}
        self.secrets[self.next_id] = secret
        return self.hooks[self.next_id]

    def respond(self, request):
        parts = urlsplit(request["path"])
        # OAuth 1.0a signs plain-http requests with oauth_* parameters: not the endpoint's own.
        query = {key: value for key, value in parse_qsl(parts.query) if not key.startswith("oauth_")}
        body = json.loads(request["body"] or b"null")
        method, path = request["method"], parts.path
        if not path.startswith(PREFIX):
            return 404, {}, {"code": "rest_no_route", "message": "No route was found.",
                             "data": {"status": 404}}
        if method == "GET" and path == PREFIX:
            per_page = min(int(query.get("per_page", 10)), 100)
            page = int(query.get("page", 1))
            rows = [self.hooks[key] for key in sorted(self.hooks)]
            pages = max(1, -(-len(rows) // per_page))
            chunk = rows[(page - 1) * per_page:page * per_page]
            return 200, {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)}, chunk
        self.writes.append((method, path, body, query))
        if method == "POST" and path == PREFIX:
            hook = self.add(body["topic"], body["delivery_url"], body.get("status", "active"),
                            body.get("secret"))
            return 201, {}, hook
        hook_id = int(path.rsplit("/", 1)[-1])
        if hook_id not in self.hooks:
            return 404, {}, {"code": "woocommerce_rest_shop_webhook_invalid_id", "message": "Invalid ID.",
                             "data": {"status": 404}}
        if method == "PUT":
            hook = self.hooks[hook_id]
            for key in ("delivery_url", "status", "topic", "name"):
                if body.get(key):
                    hook[key] = body[key]
            if body.get("secret"):
                self.secrets[hook_id] = body["secret"]
            return 200, {}, hook
        if method == "DELETE":
            if query.get("force") != "true":
                return 501, {}, {"code": "woocommerce_rest_trash_not_supported",
                                 "message": "Webhooks do not support trashing.", "data": {"status": 501}}
            return 200, {}, self.hooks.pop(hook_id)
        return 405, {}, {}


class TestWooCommerceWebhookRegister(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1")
        cls.adapter = cls.env["store.adapter.woocommerce"]

    def setUp(self):
        super().setUp()
        self.shop = FakeWooCommerceWebhooks()
        self.server = RecordingServer(self.shop.respond)
        self.store.shop_url = self.server.start()
        self.addCleanup(self.server.stop)
        patcher = patch.object(type(self.adapter), "_webhook_topic_handlers",
                               lambda adapter, store: dict.fromkeys(HANDLED, "_webhook_ignored"))
        patcher.start()
        self.addCleanup(patcher.stop)

    def register(self):
        self.shop.writes.clear()
        return self.adapter._register_webhooks(self.store)

    def ours(self):
        return {hook["topic"]: hook for hook in self.shop.hooks.values()
                if hook["delivery_url"].startswith(self.store._webhook_url(""))}

    def test_creates_one_active_webhook_per_handled_topic(self):
        webhooks = self.register()
        self.assertEqual(sorted(webhooks.mapped("topic")), sorted(HANDLED))
        self.assertEqual([write[0] for write in self.shop.writes], ["POST"] * len(HANDLED))
        kinds = {"order": "orders", "product": "products", "customer": "customers"}
        for _method, _path, body, _query in self.shop.writes:
            kind = kinds[body["topic"].split(".")[0]]
            self.assertEqual(body["delivery_url"], self.store._webhook_url(kind))
            self.assertEqual(body["secret"], WEBHOOK_SECRET)
            self.assertEqual(body["status"], "active")
            self.assertNotIn("api_version", body, "the v3 endpoint sets wp_api_v3 itself")
        for webhook in webhooks:
            hook = self.shop.hooks[int(webhook.external_id)]
            self.assertEqual(webhook.address, hook["delivery_url"])
            self.assertEqual(webhook.status, "active")
            self.assertTrue(webhook.checked_at)
        self.assertEqual(self.store.webhook_ids, webhooks)

    def test_second_run_changes_nothing(self):
        first = self.register()
        ids = sorted(first.mapped("external_id"))
        again = self.register()
        self.assertEqual(self.shop.writes, [], "only reads the second time")
        self.assertEqual(sorted(again.mapped("external_id")), ids)
        self.assertEqual(len(self.shop.hooks), len(HANDLED))

    def test_store_without_secret_gets_one_generated_never_shown(self):
        self.env["integration.credential"].search([("store_id", "=", self.store.id),
                                                    ("key", "=", "webhook_secret")]).unlink()
        action = self.store.action_register_webhooks()
        secret = self.store._get_credential("webhook_secret")
        self.assertGreaterEqual(len(secret), 40)
        self.assertEqual(set(self.shop.secrets.values()), {secret})
        self.assertNotIn(secret, json.dumps(action))
        self.assertIn(f"{len(HANDLED)} webhook subscriptions", action["params"]["message"])
        logs = self.env["store.activity.log"].search([("store_id", "=", self.store.id)])
        self.assertFalse(any(secret in (log.message or "") for log in logs))

    def test_disabled_webhook_is_reactivated(self):
        self.register()
        hook = self.ours()["order.updated"]
        hook["status"] = "disabled"
        webhooks = self.register()
        # The secret goes with it: refused signatures may be why WooCommerce disabled it.
        self.assertEqual(self.shop.writes, [("PUT", f"{PREFIX}/{hook['id']}",
                                             {"status": "active", "secret": WEBHOOK_SECRET}, {})])
        self.assertEqual(hook["status"], "active")
        self.assertEqual(webhooks.filtered(lambda w: w.topic == "order.updated").status, "active")

    def test_paused_and_misaddressed_webhooks_are_fixed_with_one_put(self):
        self.register()
        hook = self.ours()["product.updated"]
        hook.update(status="paused",
                    delivery_url="https://old-odoo.example.com/api/v1/stores/x/webhooks/products")
        self.register()
        self.assertEqual(len(self.shop.writes), 1)
        method, _path, body, _query = self.shop.writes[0]
        self.assertEqual(method, "PUT")
        self.assertEqual(body, {"status": "active", "delivery_url": self.store._webhook_url("products"),
                                "secret": WEBHOOK_SECRET})

    def test_new_secret_is_sent_to_every_webhook(self):
        self.register()
        Credential = self.env["integration.credential"]
        Credential._set_value(self.store, "webhook_secret", "rotated-secret-0123456789")
        self.register()
        self.assertEqual(sorted(write[0] for write in self.shop.writes), ["PUT"] * len(HANDLED))
        self.assertEqual(set(self.shop.secrets.values()), {"rotated-secret-0123456789"})
        self.register()
        self.assertEqual(self.shop.writes, [])

    def test_adopted_webhook_gets_our_secret_and_duplicates_are_deleted(self):
        url = self.store._webhook_url("orders")
        made_by_hand = self.shop.add("order.updated", url, secret="typed-by-someone")
        duplicate = self.shop.add("order.updated", url, status="disabled")
        stale_topic = self.shop.add("coupon.updated", self.store._webhook_url("coupons"))
        foreign = self.shop.add("order.updated", "https://erp.example.net/hooks/orders")
        other_odoo = self.shop.add("order.updated", "https://staging.example.com/api/v1/stores/x/webhooks/orders")
        self.register()
        self.assertEqual(self.shop.secrets[made_by_hand["id"]], WEBHOOK_SECRET)
        self.assertNotIn(duplicate["id"], self.shop.hooks)
        self.assertNotIn(stale_topic["id"], self.shop.hooks, "ours, for a topic no longer handled")
        self.assertIn(foreign["id"], self.shop.hooks, "never touch other webhooks")
        self.assertIn(other_odoo["id"], self.shop.hooks, "nor another Odoo's")
        deletes = [write for write in self.shop.writes if write[0] == "DELETE"]
        self.assertTrue(all(write[3] == {"force": "true"} for write in deletes))
        self.assertEqual(len(self.ours()), len(HANDLED))

    def test_finds_ours_on_later_pages(self):
        for number in range(150):
            self.shop.add("order.updated", f"https://crm.example.org/hook/{number}")
        self.register()
        self.shop.writes.clear()
        self.register()
        self.assertEqual(self.shop.writes, [])
        listed = [request for request in self.server.requests if request["method"] == "GET"]
        self.assertTrue(any("page=2" in request["path"] for request in listed))

    def test_registry_follows_a_handler_removed(self):
        self.register()
        with patch.object(type(self.adapter), "_webhook_topic_handlers",
                          lambda adapter, store: dict.fromkeys(HANDLED[:2], "_webhook_ignored")):
            webhooks = self.register()
        self.assertEqual(sorted(webhooks.mapped("topic")), sorted(HANDLED[:2]))
        self.assertEqual(self.store.webhook_ids, webhooks)
        self.assertEqual(sorted(self.ours()), sorted(HANDLED[:2]))

    def test_nothing_handled_or_woocommerce_refusing_says_what_to_do(self):
        with patch.object(type(self.adapter), "_webhook_topic_handlers", lambda adapter, store: {}), \
                self.assertRaisesRegex(UserError, "acts on no webhook topic"):
            self.register()
        self.server.respond = lambda request: (401, {}, {
            "code": "woocommerce_rest_cannot_create",
            "message": "Sorry, you are not allowed to create resources.", "data": {"status": 401}})
        with self.assertRaisesRegex(UserError, "Read/Write"):
            self.register()
        self.server.respond = self.shop.respond

    def test_register_is_a_manager_action(self):
        self.assertIn("register_webhooks", self.adapter._supported_features(self.store))
        self.assertTrue(self.store.supports_register_webhooks)

    # ------------------------------------------------------------------ health
    def test_health_check_says_when_woocommerce_disabled_one_and_register_repairs_it(self):
        self.register()
        hook = self.ours()["order.created"]
        hook["status"] = "disabled"
        self.store.webhook_ids.sudo().write({"checked_at": fields.Datetime.now() - timedelta(hours=2)})
        self.env["connector.store"]._cron_pull_orders()
        run_queue(self.env, self.store)
        webhook = self.store.webhook_ids.filtered(lambda w: w.topic == "order.created")
        self.assertEqual(webhook.status, "disabled")
        self.assertIn("WooCommerce disabled it after repeated failed deliveries", webhook.last_error)
        self.assertEqual(self.store.webhook_problem_count, 1)
        log = self.env["store.activity.log"].search([("store_id", "=", self.store.id),
                                                     ("operation", "=", "webhooks.health")])
        self.assertEqual(log.status, "failed")
        self.assertIn("order.created", log.message)
        self.assertIn("Register Webhooks", log.message)
        self.store.action_register_webhooks()
        self.assertEqual(hook["status"], "active")
        self.assertEqual(webhook.status, "active")
        self.assertFalse(webhook.last_error)
        self.assertEqual(self.store.webhook_problem_count, 0)

    def test_health_check_sees_a_deleted_webhook(self):
        webhooks = self.register()
        removed = webhooks.filtered(lambda w: w.topic == "product.updated")
        del self.shop.hooks[int(removed.external_id)]
        result = self.store._job_check_webhook_health(self.env["sync.job"])
        self.assertEqual(result["stopped"], ["product.updated"])
        self.assertEqual(removed.status, "error")
