"""The platform endpoint /store_connector/webhook/<platform> (issue #9), over Odoo's real HTTP
server: one URL per platform (per app) that answers the platform's GET verification challenge and,
for POSTs, finds the store from the delivery and goes through the store route's intake."""

import hashlib
import json

from odoo.tests.common import HttpCase
from odoo.tools import mute_logger

from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SHOP_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    VERIFICATION_TOKEN_PARAM,
    sign,
)

from .common import create_test_store

SECRET = "whsec-platform-0123456789"
OTHER_SECRET = "another-secret-000000"
TOKEN = "verification-token-0123456789-abcdefghij"
CONTROLLER_LOGGER = "odoo.store_connector.base.controllers.main"


class TestPlatformEndpoint(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_test_store(cls.env, "Platform Shop", webhook_secret=SECRET)
        cls.other_store = create_test_store(cls.env, "Other Platform Shop", webhook_secret=OTHER_SECRET)
        cls.Delivery = cls.env["store.webhook.delivery"]

    def _deliveries(self):
        return self.Delivery.search([("store_id", "in", (self.store | self.other_store).ids)])

    def _post(self, body, shop=None, secret=SECRET, event_id="evt-p1", topic="orders/create",
              platform="test"):
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", EVENT_HEADER: event_id, TOPIC_HEADER: topic,
                   SIGNATURE_HEADER: sign(secret, raw)}
        if shop is not False:
            headers[SHOP_HEADER] = shop or self.store.code
        with mute_logger(CONTROLLER_LOGGER):
            return self.url_open(f"/store_connector/webhook/{platform}", data=raw, headers=headers)

    def _challenge(self, platform="test", code="challenge-abc-123"):
        query = f"?challenge_code={code}" if code is not None else ""
        with mute_logger(CONTROLLER_LOGGER):
            return self.url_open(f"/store_connector/webhook/{platform}{query}")

    # ------------------------------------------------------------------ GET: the challenge
    def test_challenge_answered_as_ebay_documents_it(self):
        self.env["ir.config_parameter"].sudo().set_param(VERIFICATION_TOKEN_PARAM, TOKEN)
        endpoint = self.Delivery._platform_webhook_url("test")
        self.assertTrue(endpoint.endswith("/store_connector/webhook/test"))
        response = self._challenge()
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        expected = hashlib.sha256(("challenge-abc-123" + TOKEN + endpoint).encode()).hexdigest()
        self.assertEqual(response.json(), {"challengeResponse": expected})
        self.assertEqual(self._challenge(code=None).status_code, 400, "a challenge without its code")
        self.assertFalse(self._deliveries(), "a challenge stores nothing")

    def test_challenge_refused_where_no_platform_uses_one(self):
        self.env["ir.config_parameter"].sudo().set_param(VERIFICATION_TOKEN_PARAM, TOKEN)
        for platform in ("nosuchplatform", "shopify", "store.adapter", "TEST", "a" * 40):
            with self.subTest(platform=platform):
                self.assertEqual(self._challenge(platform=platform).status_code, 404)
        self.env["ir.config_parameter"].sudo().set_param(VERIFICATION_TOKEN_PARAM, False)
        self.assertEqual(self._challenge().status_code, 404, "no verification token set: no challenge")

    # ------------------------------------------------------------------ POST: the intake
    def test_delivery_resolved_to_its_store_goes_through_the_intake(self):
        body = {"id": 1, "note": "through the platform endpoint"}
        response = self._post(body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "queued")
        delivery = self._deliveries()
        self.assertEqual(len(delivery), 1)
        self.assertEqual((delivery.store_id, delivery.kind, delivery.topic, delivery.event_id),
                         (self.store, "orders", "orders/create", "evt-p1"))
        self.assertEqual(json.loads(delivery.body), body)
        self.assertEqual(delivery.job_id.state, "pending")
        # the same event again: a duplicate, as at the store's own address
        response = self._post(body)
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(len(self._deliveries()), 1)
        # the other store's delivery, resolved to it and checked with its own secret
        response = self._post(body, shop=self.other_store.code, secret="another-secret-000000")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self._deliveries().store_id, self.store | self.other_store)

    def test_refused_deliveries_store_nothing(self):
        body = {"id": 2}
        cases = {
            "bad signature": (self._post, {"secret": "wrong-secret-00000000", "event_id": "e1"}, 401),
            "another store's secret": (self._post, {"shop": self.other_store.code, "event_id": "e2"}, 401),
            "unknown shop": (self._post, {"shop": "nosuchstorecode", "event_id": "e3"}, 404),
            "no shop named": (self._post, {"shop": False, "event_id": "e4"}, 400),
            "unknown platform": (self._post, {"platform": "nosuchplatform", "event_id": "e5"}, 404),
            "platform without the hook": (self._post, {"platform": "shopify", "event_id": "e6"}, 404),
            "unknown kind": (self._post, {"topic": "secrets/steal", "event_id": "e7"}, 404),
        }
        for name, (post, kwargs, status) in cases.items():
            with self.subTest(case=name):
                response = post(body, **kwargs)
                self.assertEqual(response.status_code, status, response.text)
        self.assertFalse(self._deliveries())
        stores = self.store | self.other_store
        self.assertFalse(self.env["sync.job"].search([("store_id", "in", stores.ids)]))
