"""eBay's Marketplace Account Deletion endpoint and Notification API deliveries, through Odoo's real
HTTP server and the base's platform endpoint (/store_connector/webhook/ebay): the challenge, signed
messages (ECDSA-SHA1 with a key made here, its public half served by a loopback Notification API),
duplicates, the deletion's anonymisation, the revocation's pause."""

import hashlib
import json
from unittest.mock import patch

from odoo.tests.common import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_ebay.ebay_notification import PUBLIC_KEYS

from .notification_common import (
    KID,
    FakeNotificationApi,
    StandInEbayClient,
    make_key,
    message,
    sign,
)

ENDPOINT = "/store_connector/webhook/ebay"
CONTROLLER_LOGGER = "odoo.store_connector.base.controllers.main"
DELETION = "MARKETPLACE_ACCOUNT_DELETION"
BUYER = {
    "username": "jane_buyer",
    "userId": "ma8vp1jySJC",
    "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZ",
}


def create_ebay_store(env, name, base_url, **vals):
    return env["connector.store"].create(
        {
            "name": name,
            "platform": "ebay",
            "company_id": env.company.id,
            "stock_baseline": "odoo",
            "shop_url": base_url,
            **vals,
        }
    )


@tagged("post_install", "-at_install")
class EbayNotificationCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.key = make_key()
        cls.api = FakeNotificationApi({KID: cls.key})
        cls.api_url = cls.api.start()
        cls.addClassCleanup(cls.api.stop)
        cls.store = create_ebay_store(cls.env, "eBay US", cls.api_url)
        cls.Delivery = cls.env["store.webhook.delivery"]

    def setUp(self):
        super().setUp()
        PUBLIC_KEYS.clear()
        self.addCleanup(PUBLIC_KEYS.clear)
        self.api.requests.clear()
        self.api.destinations.clear()
        self.api.subscriptions.clear()
        # The foundation's client once it is there; until then, a stand-in with its contract.
        Store = type(self.env["connector.store"])
        patcher = patch.object(
            Store, "_ebay_client", lambda store: StandInEbayClient(store.sudo()), create=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def post(self, raw, signature=None, key=None, kid=KID):
        headers = {
            "Content-Type": "application/json",
            "X-EBAY-SIGNATURE": signature if signature is not None else sign(key or self.key, raw, kid),
        }
        with mute_logger(CONTROLLER_LOGGER):
            return self.url_open(ENDPOINT, data=raw, headers=headers)

    def deliveries(self):
        return self.Delivery.search([("store_id.platform", "=", "ebay")])

    def key_fetches(self):
        return [call for call in self.api.calls("GET", "/public_key/")]


class TestEbayChallenge(EbayNotificationCase):
    def test_challenge_answer_is_byte_exact(self):
        """A known vector: sha256 over code + token + endpoint, hex, the only key of the JSON."""
        self.store.write(
            {
                "ebay_verification_token": "a" * 16 + "-" + "B" * 16 + "_0123456789",
                "ebay_notification_endpoint": "https://shop.example.com/store_connector/webhook/ebay",
            }
        )
        # Computed once, independently: sha256("71745723-...f20a" + token + endpoint), hex.
        expected = "912ff12ed1bb95bca94449c353c9b6c6f7bc29509236038a8770f32eea456fc1"
        with mute_logger(CONTROLLER_LOGGER):
            response = self.url_open(f"{ENDPOINT}?challenge_code=71745723-d031-455c-bfa5-f90d11b4f20a")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        self.assertEqual(response.json(), {"challengeResponse": expected})

    def test_registered_endpoint_used_behind_a_proxy(self):
        """The request reaches Odoo at 127.0.0.1:<port>, eBay registered the proxy's address: the
        registered one is hashed."""
        registered = "https://proxy.example.org/ebay-hooks/store_connector/webhook/ebay"
        self.store.ebay_notification_endpoint = registered
        token = self.store.ebay_verification_token
        with mute_logger(CONTROLLER_LOGGER):
            answer = self.url_open(f"{ENDPOINT}?challenge_code=abc").json()
        self.assertEqual(
            answer["challengeResponse"], hashlib.sha256(f"abc{token}{registered}".encode()).hexdigest()
        )
        local = self.Delivery._platform_webhook_url("ebay")
        self.assertNotEqual(
            answer["challengeResponse"], hashlib.sha256(f"abc{token}{local}".encode()).hexdigest()
        )

    def test_new_store_gets_endpoint_and_shares_the_token(self):
        self.assertRegex(self.store.ebay_verification_token, r"^[A-Za-z0-9_-]{32,80}$")
        self.assertEqual(self.store.ebay_notification_endpoint, self.Delivery._platform_webhook_url("ebay"))
        other = create_ebay_store(self.env, "eBay DE", self.api_url)
        self.assertEqual(other.ebay_verification_token, self.store.ebay_verification_token)

    def test_bad_token_refused(self):
        with self.assertRaises(Exception) as caught:
            self.store.ebay_verification_token = "short"
        self.assertIn("32 to 80", str(caught.exception))

    def test_no_challenge_code_400(self):
        with mute_logger(CONTROLLER_LOGGER):
            response = self.url_open(ENDPOINT)
        self.assertEqual(response.status_code, 400)


class TestEbayAccountDeletion(EbayNotificationCase):
    def _buyer(self, store=None, external_id=BUYER["userId"]):
        partner = self.env["res.partner"].create(
            {
                "name": "Jane Buyer",
                "email": "jane.buyer@example.com",
                "phone": "+1 555 0100",
                "street": "1 Main St",
                "city": "San Jose",
                "zip": "95125",
            }
        )
        self.env["store.customer.binding"].sudo().create(
            {"store_id": (store or self.store).id, "partner_id": partner.id, "external_id": external_id}
        )
        return partner

    def test_signed_deletion_accepted_and_buyer_anonymised_by_the_job(self):
        partner = self._buyer()
        raw = message(DELETION, BUYER, "del-1")
        response = self.post(raw)
        self.assertEqual(response.status_code, 200)
        delivery = self.deliveries()
        self.assertEqual(len(delivery), 1)
        self.assertEqual(
            (delivery.topic, delivery.event_id, delivery.kind), (DELETION, "del-1", "compliance")
        )
        self.assertNotIn("x-ebay-signature", {key.lower() for key in delivery.sudo().headers or {}})
        # Acknowledged before anything is done: the buyer is still there until the job runs.
        self.assertEqual(partner.email, "jane.buyer@example.com")
        self.assertEqual(self.key_fetches(), [("GET", f"/commerce/notification/v1/public_key/{KID}", "app")])
        run_queue(self.env, self.store)
        partner.invalidate_recordset()
        self.assertEqual(delivery.job_id.state, "done", delivery.job_id.last_error)
        self.assertFalse(partner.email)
        self.assertFalse(partner.phone)
        self.assertFalse(partner.street)
        self.assertIn("Redacted customer", partner.name)
        self.assertFalse(self.env["store.customer.binding"].sudo().search([("partner_id", "=", partner.id)]))
        log = (
            self.env["store.activity.log"]
            .sudo()
            .search([("store_id", "=", self.store.id), ("operation", "=", "webhook.compliance")])
        )
        self.assertTrue(log, "the redaction is logged")

    def test_deletion_reaches_every_ebay_store_and_keeps_legal_records(self):
        other = create_ebay_store(self.env, "eBay UK", self.api_url)
        in_other = self._buyer(other, external_id=BUYER["username"])
        ordered = self._buyer()
        product = self.env["product.product"].create({"name": "Widget", "list_price": 10})
        order = self.env["sale.order"].create(
            {
                "partner_id": ordered.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        self.assertEqual(self.post(message(DELETION, BUYER, "del-2")).status_code, 200)
        run_queue(self.env, self.store | other)
        (in_other | ordered).invalidate_recordset()
        self.assertFalse(in_other.email, "the other store's customer named by the username is anonymised")
        self.assertEqual(
            ordered.email,
            "jane.buyer@example.com",
            "a customer of a confirmed order keeps what the legal record needs",
        )
        self.assertEqual(order.partner_id, ordered)

    def test_bad_signature_412_and_nothing_stored(self):
        self._buyer()
        raw = message(DELETION, BUYER, "del-3")
        forged = sign(make_key(), raw)
        self.assertEqual(self.post(raw, signature=forged).status_code, 412)
        tampered = raw.replace(b"jane_buyer", b"john_buyer")
        self.assertEqual(self.post(tampered, signature=sign(self.key, raw)).status_code, 412)
        self.assertEqual(self.post(raw, signature="").status_code, 412)
        self.assertEqual(self.post(raw, signature="bm90IGpzb24=").status_code, 412)
        self.assertFalse(self.deliveries())
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]))

    def test_unknown_kid_412(self):
        raw = message(DELETION, BUYER, "del-4")
        self.assertEqual(self.post(raw, kid="unknown-kid-1").status_code, 412)
        self.assertFalse(self.deliveries())
        self.assertEqual(
            self.key_fetches(), [("GET", "/commerce/notification/v1/public_key/unknown-kid-1", "app")]
        )

    def test_public_key_cached_one_fetch_for_two_deliveries(self):
        self.assertEqual(self.post(message(DELETION, BUYER, "del-5")).status_code, 200)
        self.assertEqual(self.post(message(DELETION, BUYER, "del-6")).status_code, 200)
        self.assertEqual(len(self.key_fetches()), 1)
        self.assertEqual(len(self.deliveries()), 2)

    def test_duplicate_notification_id_stored_once(self):
        raw = message(DELETION, BUYER, "del-7")
        self.assertEqual(self.post(raw).json(), {"status": "queued"})
        self.assertEqual(self.post(raw).json(), {"status": "duplicate"})
        self.assertEqual(len(self.deliveries()), 1)
        self.assertEqual(len(self.env["sync.job"].search([("store_id", "=", self.store.id)])), 1)

    def test_reindented_body_still_verifies(self):
        """eBay's SDK verifies over the compact JSON: a body re-indented on the way still passes."""
        raw = message(DELETION, BUYER, "del-8")
        pretty = json.dumps(json.loads(raw), indent=2).encode()
        self.assertEqual(self.post(pretty, signature=sign(self.key, raw)).status_code, 200)

    def test_deletion_without_ebay_store_acknowledged_nothing_stored(self):
        self.store.unlink()
        self.assertEqual(self.post(message(DELETION, BUYER, "del-9")).status_code, 200)
        self.assertFalse(self.deliveries())


class TestEbayNotificationTopics(EbayNotificationCase):
    def test_order_topic_queued_for_the_order_import_once_per_order(self):
        raw = message("ORDER_CONFIRMATION", {"orderId": "12-34567-89012"}, "ord-1")
        self.assertEqual(self.post(raw).status_code, 200)
        delivery = self.deliveries()
        self.assertEqual((delivery.kind, delivery.topic), ("orders", "ORDER_CONFIRMATION"))
        self.assertEqual(delivery.job_id.identity_key, "webhook:order:12-34567-89012")
        handler = self.env["store.adapter.ebay"]._webhook_handler(self.store, "ITEM_MARKED_SHIPPED")
        self.assertEqual((handler.method, handler.batch), ("_webhook_import_orders", True))

    def test_revocation_pauses_the_sellers_store(self):
        # What Connect with eBay / Test Connection record of the seller (GetUser's UserID).
        self.store.sudo().ebay_seller_username = "seller_one"
        raw = message(
            "AUTHORIZATION_REVOCATION",
            {"username": "seller_one", "userId": "u1", "revokeReason": "USER_REVOKED"},
            "rev-1",
        )
        self.assertEqual(self.post(raw).status_code, 200)
        stranger = message("AUTHORIZATION_REVOCATION", {"username": "someone_else"}, "rev-2")
        self.assertEqual(self.post(stranger).status_code, 200)
        self.assertEqual(
            len(self.deliveries()), 1, "a revocation of another seller is acknowledged, not kept"
        )
        run_queue(self.env, self.store)
        self.assertTrue(self.store.paused)
        self.assertIn("revoked", self.store.paused_reason)
        self.assertIn("seller_one", self.store.paused_reason)


class TestEbayRegisterWebhooks(EbayNotificationCase):
    def test_register_creates_destination_and_subscriptions_then_repairs(self):
        records = self.env["store.adapter.ebay"]._register_webhooks(self.store)
        destination = list(self.api.destinations.values())
        self.assertEqual(len(destination), 1)
        self.assertEqual(
            destination[0]["deliveryConfig"],
            {
                "endpoint": self.store.ebay_notification_endpoint,
                "verificationToken": self.store.ebay_verification_token,
            },
        )
        self.assertEqual(destination[0]["status"], "ENABLED")
        subscriptions = {sub["topicId"]: sub for sub in self.api.subscriptions.values()}
        self.assertEqual(
            set(subscriptions), {"AUTHORIZATION_REVOCATION", "ORDER_CONFIRMATION", "ITEM_MARKED_SHIPPED"}
        )
        for sub in subscriptions.values():
            self.assertEqual(sub["destinationId"], destination[0]["destinationId"])
            self.assertEqual(sub["status"], "ENABLED")
            self.assertEqual(
                sub["payload"], {"format": "JSON", "schemaVersion": "2.0", "deliveryProtocol": "HTTPS"}
            )
        self.assertEqual(subscriptions["AUTHORIZATION_REVOCATION"]["token"], "app")
        self.assertEqual(subscriptions["ORDER_CONFIRMATION"]["token"], "user")
        self.assertEqual(
            self.api.calls("POST", "/destination"), [("POST", "/commerce/notification/v1/destination", "app")]
        )
        self.assertEqual(sorted(records.mapped("topic")), sorted(subscriptions))
        self.assertEqual(set(records.mapped("status")), {"active"})
        self.assertEqual(self.store.ebay_notification_destination_id, destination[0]["destinationId"])

        # Someone disables a subscription on eBay: Register Webhooks enables it again, creates nothing.
        shipped = subscriptions["ITEM_MARKED_SHIPPED"]
        shipped["status"] = "DISABLED"
        self.api.requests.clear()
        records = self.env["store.adapter.ebay"]._register_webhooks(self.store)
        self.assertEqual(shipped["status"], "ENABLED")
        self.assertEqual(
            self.api.calls("PUT"),
            [("PUT", f"/commerce/notification/v1/subscription/{shipped['subscriptionId']}", "user")],
        )
        self.assertFalse(self.api.calls("POST"))
        self.assertEqual(len(self.api.subscriptions), 3)
        self.assertEqual(len(records), 3)

    def test_health_reports_a_disabled_subscription(self):
        adapter = self.env["store.adapter.ebay"]
        adapter._register_webhooks(self.store)
        sub = next(sub for sub in self.api.subscriptions.values() if sub["topicId"] == "ORDER_CONFIRMATION")
        sub["status"] = "DISABLED"
        report = {row["topic"]: row for row in adapter._check_webhook_health(self.store)}
        self.assertEqual(report["ORDER_CONFIRMATION"]["status"], "disabled")
        self.assertIn("Register Webhooks", report["ORDER_CONFIRMATION"]["reason"])
        self.assertEqual(report["ITEM_MARKED_SHIPPED"]["status"], "active")
