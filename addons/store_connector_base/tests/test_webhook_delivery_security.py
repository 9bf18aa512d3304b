"""Webhook deliveries as an attacker reads and replays them (issue #7, point 3).

A delivery keeps the raw body a platform signed. With the signature next to it, anyone who could
read the delivery could post it again; so signatures are never stored, and the body and headers
are for Store Connector Managers only (Users see when what arrived and how it was processed).
"""

import json
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from lxml import etree

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    StoreAdapterTest,
    sign,
)

from .common import create_test_store
from .common_attack import WEBHOOK_SECRET_A as SECRET_A
from .common_attack import RpcAttackCase

METADATA = ["store_id", "kind", "topic", "event_id", "received_at", "job_id", "job_state"]


class TestWebhookDeliveryAccess(RpcAttackCase):
    """Over Odoo's external API, as each user of company A."""

    def setUp(self):
        super().setUp()
        body = json.dumps({"id": 4711, "order": "secret-ish customer data"}).encode()
        response = self.url_open(
            f"/api/v1/stores/{self.store_a.code}/webhooks/orders", data=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(SECRET_A, body),
                     EVENT_HEADER: "evt-4711", TOPIC_HEADER: "orders/create"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.delivery = self.env["store.webhook.delivery"].search([("store_id", "=", self.store_a.id)])
        self.assertEqual(len(self.delivery), 1)

    def test_signature_is_not_stored(self):
        stored = {key.lower() for key in self.delivery.headers}
        self.assertNotIn(SIGNATURE_HEADER.lower(), stored)
        self.assertIn(EVENT_HEADER.lower(), stored, "the other headers are kept")

    def test_user_reads_metadata_not_body_or_headers(self):
        rows = self.rpc(self.user_a, "store.webhook.delivery", "search_read",
                        [("id", "=", self.delivery.id)], fields=METADATA)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["event_id"], "evt-4711")
        self.assertEqual(rows[0]["topic"], "orders/create")
        self.assertEqual(rows[0]["job_state"], "pending")
        for field in ("body", "headers"):
            with self.subTest(field=field):
                self.assertRpcRefused(self.user_a, "store.webhook.delivery", "read",
                                      self.delivery.ids, [field])
                self.assertRpcRefused(self.user_a, "store.webhook.delivery", "search_read",
                                      [("id", "=", self.delivery.id)], fields=[field])
                self.assertRpcRefused(self.user_a, "store.webhook.delivery", "search_read",
                                      [(field, "!=", False)], fields=["event_id"])
        # a read of every field leaves the restricted ones out rather than failing
        row = self.rpc(self.user_a, "store.webhook.delivery", "read", self.delivery.ids)[0]
        self.assertNotIn("body", row)
        self.assertNotIn("headers", row)
        # the web client's route refuses the same way
        with self.assertRaises(Exception) as caught:
            self.call_kw(self.user_a, "store.webhook.delivery", "web_read", self.delivery.ids,
                         specification={"body": {}})
        self.assertIn("AccessError", str(caught.exception))

    def test_manager_reads_body_and_headers(self):
        row = self.rpc(self.manager_a, "store.webhook.delivery", "read", self.delivery.ids,
                       ["body", "headers"])[0]
        self.assertEqual(json.loads(row["body"])["id"], 4711)
        self.assertEqual(row["headers"][EVENT_HEADER], "evt-4711")
        self.assertNotIn(SIGNATURE_HEADER, row["headers"])

    def test_other_company_and_other_users_see_nothing(self):
        for user in (self.manager_b, self.user_b):
            rows = self.rpc(user, "store.webhook.delivery", "search_read",
                            [("id", "=", self.delivery.id)], fields=["event_id"])
            self.assertEqual(rows, [], user.login)
        for user in (self.internal_a, self.portal_a):
            self.assertRpcRefused(user, "store.webhook.delivery", "search_read",
                                  [("id", "=", self.delivery.id)], fields=["event_id"])

    def test_views_load_for_user_without_body_and_headers(self):
        for user, sees_body in ((self.user_a, False), (self.manager_a, True)):
            for view_type in ("form", "list", "search"):
                with self.subTest(user=user.login, view_type=view_type):
                    result = self.rpc(user, "store.webhook.delivery", "get_views", [[False, view_type]])
                    arch = etree.fromstring(result["views"][view_type]["arch"])
                    names = {node.get("name") for node in arch.iter("field")}
                    self.assertIn("event_id", names)
                    if view_type == "form":
                        self.assertEqual("body" in names, sees_body)
                        self.assertEqual("headers" in names, sees_body)
                        sections = {node.get("name") for node in arch.iter("page", "details")}
                        self.assertEqual({"body", "headers"} <= sections, sees_body,
                                         "no empty Body/Headers section for a User")
            # what the form asks for loads too
            form_fields = [name for name in METADATA + ["body", "headers"]
                           if sees_body or name not in ("body", "headers")]
            self.rpc(user, "store.webhook.delivery", "web_read", self.delivery.ids,
                     specification={name: {} for name in form_fields})


class TestWebhookHeaderAndTimestampHooks(TransactionCase):
    """The generic parts of the intake, through `_receive` with the test platform's adapter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_test_store(cls.env, "Hook Store", webhook_secret="hook-secret-0123456789")
        cls.Delivery = cls.env["store.webhook.delivery"]

    def _receive(self, body=None, event_id="evt-1", extra=None):
        body = body or json.dumps({"id": 1}).encode()
        headers = {SIGNATURE_HEADER: sign("hook-secret-0123456789", body), EVENT_HEADER: event_id,
                   **(extra or {})}
        return self.Delivery._receive(self.store, "orders", headers, body)

    def _stored(self):
        return self.Delivery.search([("store_id", "=", self.store.id)])

    def test_declared_signature_headers_are_not_stored(self):
        with patch.object(StoreAdapterTest, "_webhook_signature_headers", create=True,
                          return_value=("X-Platform-Proof",)):
            self._receive(extra={"X-Platform-Proof": "abc", "X-Other": "kept"})
        headers = {key.lower(): value for key, value in self._stored().headers.items()}
        self.assertNotIn("x-platform-proof", headers)
        self.assertNotIn(SIGNATURE_HEADER.lower(), headers, "signature-like names are dropped too")
        self.assertEqual(headers.get("x-other"), "kept")

    def test_timestamp_window_from_the_adapter(self):
        now = datetime.now(UTC)
        window = timedelta(hours=1)

        def receive(when, event_id):
            with patch.object(StoreAdapterTest, "_webhook_timestamp", create=True, return_value=when), \
                    patch.object(StoreAdapterTest, "_webhook_max_age", create=True, return_value=window):
                return self._receive(event_id=event_id)

        self.assertEqual(receive(now - timedelta(hours=2), "old"), (200, "stale"))
        with self.assertRaises(Exception) as caught:
            receive(now + timedelta(hours=1), "future")
        self.assertEqual(getattr(caught.exception, "status", None), 400)
        self.assertFalse(self._stored())
        self.assertEqual(receive(now - timedelta(minutes=30), "fresh"), (200, "queued"))
        self.assertEqual(receive(now + timedelta(seconds=20), "skewed"), (200, "queued"))
        self.assertEqual(receive(None, "no-timestamp"), (200, "queued"), "platforms that send none")
        self.assertEqual(len(self._stored()), 3)

    def test_stored_signatures_are_forgotten(self):
        """Deliveries stored before this version lose their signature headers (the migration)."""
        self._receive()
        delivery = self._stored()
        self.env.cr.execute(
            "UPDATE store_webhook_delivery SET headers = %s WHERE id = %s",
            [json.dumps({"X-Test-Signature": "c2lnbmF0dXJl", "x-shopify-hmac-sha256": "aG1hYw==",
                         "X-Test-Event-Id": "evt-1"}), delivery.id],
        )
        delivery.invalidate_recordset()
        count = self.Delivery._forget_stored_signatures()
        self.assertEqual(count, 1)
        delivery.invalidate_recordset()
        self.assertEqual(delivery.headers, {"X-Test-Event-Id": "evt-1"})
        self.assertEqual(self.Delivery._forget_stored_signatures(), 0, "nothing left to do")
