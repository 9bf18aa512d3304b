"""eBay notifications and account deletion end to end: the eBay simulator (tests/simulators/ebay) talks to
Odoo's real HTTP server and Odoo to the simulator through the real eBay client, no stand-in.

* Register Webhooks creates the Notification API destination: the simulator really sends eBay's
  challenge to the registered endpoint and Odoo answers it; then the subscriptions (the application's
  with an app token, the seller's with the seller's token); a subscription disabled on eBay is enabled
  again.
* The simulator's signed deliveries: an account deletion accepted and the buyer of an imported eBay
  order anonymised by the job, with the log saying so; a tampered delivery or an unknown key id refused
  (412) with nothing stored; the public key fetched once for two deliveries; a duplicate notificationId
  stored once; an order confirmation importing the order it names; an authorization revocation pausing
  the store of the seller Test Connection recorded.

Every request is checked against eBay's published contracts (`sim.assert_contract_kept`).
"""

from odoo.tests.common import HttpCase
from odoo.tools import mute_logger

from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_ebay.ebay_notification import PUBLIC_KEYS

from tests.simulators.ebay import EbaySimulator

from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store

CONTROLLER_LOGGER = "odoo.store_connector.base.controllers.main"
NOTIFICATION = "/commerce/notification/v1"
DELETION = "MARKETPLACE_ACCOUNT_DELETION"
REVOCATION = "AUTHORIZATION_REVOCATION"
REGISTERED = {REVOCATION, "ORDER_CONFIRMATION", "ITEM_MARKED_SHIPPED"}
BUYER_ID = "ma8vp1jySJC"  # eBay's immutable user id of the buyer (orders answer it instead of a username)
BUYER_EIAS = "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZKkD5eFpAudj6x9nY+seQ=="
SHIP_TO = {
    "fullName": "Jane Buyer",
    "contactAddress": {
        "addressLine1": "1 Main St",
        "city": "San Jose",
        "stateOrProvince": "CA",
        "postalCode": "95125",
        "countryCode": "US",
    },
    "primaryPhone": {"phoneNumber": "4085550100"},
    "email": "jane.buyer@example.com",
}


class EbayNotificationsEndToEndCase(HttpCase):
    def setUp(self):
        super().setUp()
        self.env = self.env(context=dict(self.env.context, tracking_disable=True))
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        PUBLIC_KEYS.clear()
        self.addCleanup(PUBLIC_KEYS.clear)
        self.sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                                 access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.addCleanup(self.sim.assert_contract_kept)  # cleanups run last first: before the stop
        # The endpoint the store registers is this test server's: the simulator calls it for real.
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.store = create_ebay_store(self.env, api_url=self.sim.base_url)
        self.notification = self.sim.notification

    # ------------------------------------------------------------------ helpers
    def register(self):
        self.env.flush_all()  # eBay calls the endpoint back during the registration: see `deliver`
        return self.store.action_register_webhooks()

    def deliver(self, topic, data, user=None):
        """The simulator's signed delivery of `topic` to the store's endpoint (eBay retries a refusal
        twice more: every attempt is in `sim.notification.deliveries`)."""
        # Odoo's server reads this test's transaction through the database: write the ORM's pending
        # changes first, as HttpCase's url_open does.
        self.env.flush_all()
        with mute_logger(CONTROLLER_LOGGER):
            if topic == DELETION:
                # The deletion is subscribed in the developer portal, for the keyset's one endpoint.
                return self.notification.deliver(topic, data, url=self.store.ebay_notification_endpoint)
            return self.notification.deliver(topic, data, user=user)

    def deliveries(self):
        return self.env["store.webhook.delivery"].sudo().search([("store_id", "=", self.store.id)])

    def jobs(self):
        return self.env["sync.job"].sudo().search([("store_id", "=", self.store.id)])

    def key_fetches(self):
        return [r for r in self.sim.requests if r["path"].startswith(f"{NOTIFICATION}/public_key/")]

    def import_order_of_buyer(self, payment_status="PENDING"):
        """An eBay order of the buyer, imported through its ORDER_CONFIRMATION notification."""
        self.env["product.product"].create({"name": "Mug", "default_code": "MUG", "list_price": 9.9})
        order = self.sim.add_order([{"sku": "MUG", "quantity": 1, "price": "9.90"}], buyer_user_id=BUYER_ID,
                                   ship_to=SHIP_TO, payment_status=payment_status, record_sale=False)
        self.register()
        [result] = self.deliver("ORDER_CONFIRMATION", {"orderId": order["orderId"]}, user="sim_seller")
        self.assertEqual(result["status"], 200)
        run_queue(self.env, self.store)
        binding = self.env["store.order.binding"].sudo().search(
            [("store_id", "=", self.store.id), ("external_id", "=", order["orderId"])])
        self.assertTrue(binding, "the order named by the notification is imported")
        return order, binding.order_id


class TestEbayRegisterWebhooksEndToEnd(EbayNotificationsEndToEndCase):
    def test_register_answers_the_challenge_creates_destination_and_subscriptions_then_repairs(self):
        endpoint = self.store.ebay_notification_endpoint
        self.assertEqual(endpoint, f"{self.base_url()}/store_connector/webhook/ebay")
        self.register()

        # eBay's challenge went to the registered endpoint and Odoo's answer was the expected one.
        self.assertEqual([(c["endpoint"], c["status"], c["ok"]) for c in self.notification.challenges],
                         [(endpoint, 200, True)])
        [destination] = self.notification.destinations.values()
        self.assertEqual(destination["status"], "ENABLED")
        self.assertEqual(destination["deliveryConfig"],
                         {"endpoint": endpoint, "verificationToken": self.store.ebay_verification_token})
        self.assertEqual(self.store.ebay_notification_destination_id, destination["destinationId"])
        subscriptions = {s["topicId"]: s for s in self.notification.subscriptions.values()}
        self.assertEqual(set(subscriptions), REGISTERED)
        for subscription in subscriptions.values():
            self.assertEqual((subscription["status"], subscription["destinationId"]),
                             ("ENABLED", destination["destinationId"]))
        # The application's topic with the app token; the seller's order topics with the seller's.
        self.assertIsNone(subscriptions[REVOCATION]["_owner"])
        self.assertEqual(subscriptions["ORDER_CONFIRMATION"]["_owner"], "sim_seller")
        hooks = self.env["store.webhook"].sudo().search([("store_id", "=", self.store.id)])
        self.assertEqual(set(hooks.mapped("topic")), REGISTERED)
        self.assertEqual(set(hooks.mapped("status")), {"active"})
        self.assertEqual(set(hooks.mapped("address")), {endpoint})

        # Someone disables a subscription on eBay: the health check says so, Register Webhooks enables it.
        shipped = subscriptions["ITEM_MARKED_SHIPPED"]
        self.store._ebay_client().request_json(
            "POST", f"{NOTIFICATION}/subscription/{shipped['subscriptionId']}/disable", api="notification")
        self.assertEqual(shipped["status"], "DISABLED")
        adapter = self.env["store.adapter.ebay"]
        health = {row["topic"]: row for row in adapter._check_webhook_health(self.store)}
        self.assertEqual(health["ITEM_MARKED_SHIPPED"]["status"], "disabled")
        self.assertEqual(health["ORDER_CONFIRMATION"]["status"], "active")
        self.sim.reset_requests()
        self.register()
        self.assertEqual(shipped["status"], "ENABLED")
        self.assertEqual(len(self.notification.subscriptions), 3, "nothing created twice")
        self.assertEqual(len(self.notification.destinations), 1)
        writes = [(r["method"], r["path"]) for r in self.sim.requests if r["method"] != "GET"]
        self.assertEqual(writes, [("PUT", f"{NOTIFICATION}/subscription/{shipped['subscriptionId']}")])

    def test_a_disabled_destination_is_enabled_again_with_a_new_challenge(self):
        self.register()
        [destination] = self.notification.destinations.values()
        destination["status"] = "DISABLED"  # eBay marks an endpoint down after failed deliveries
        self.register()
        self.assertEqual(destination["status"], "ENABLED")
        self.assertEqual([c["ok"] for c in self.notification.challenges], [True, True])


class TestEbayAccountDeletionEndToEnd(EbayNotificationsEndToEndCase):
    def test_signed_deletion_accepted_and_the_imported_buyer_anonymised(self):
        order, sale = self.import_order_of_buyer()
        partner = sale.partner_id
        self.assertEqual(partner.email, "jane.buyer@example.com")
        self.assertEqual(sale.state, "draft", "an unpaid eBay order stays a quotation")
        binding = self.env["store.customer.binding"].sudo().search(
            [("store_id", "=", self.store.id), ("partner_id", "=", partner.id)])
        self.assertEqual(binding.external_id, BUYER_ID)

        [result] = self.deliver(DELETION, {"username": BUYER_ID, "userId": BUYER_ID, "eiasToken": BUYER_EIAS})
        self.assertEqual((result["status"], result["attempts"]), (200, 1))
        delivery = self.deliveries().filtered(lambda d: d.topic == DELETION)
        self.assertEqual((delivery.event_id, delivery.kind), (result["notificationId"], "compliance"))
        partner.invalidate_recordset()
        self.assertEqual(partner.email, "jane.buyer@example.com", "acknowledged first, anonymised by the job")

        run_queue(self.env, self.store)
        self.assertEqual(delivery.job_id.state, "done", delivery.job_id.last_error)
        partner.invalidate_recordset()
        self.assertIn("Redacted customer", partner.name)
        self.assertFalse(partner.email or partner.phone or partner.street or partner.city)
        self.assertFalse(binding.exists(), "the eBay id that named the buyer is gone")
        log = self.env["store.activity.log"].sudo().search(
            [("store_id", "=", self.store.id), ("operation", "=", "webhook.compliance")])
        self.assertEqual(len(log), 1)
        self.assertIn(f"anonymised partners {partner.id}", log.message)
        self.assertIn(DELETION, log.message)

    def test_paid_order_keeps_the_buyer_for_the_legal_record_and_says_so(self):
        _order, sale = self.import_order_of_buyer(payment_status="PAID")
        self.assertEqual(sale.state, "sale", "a paid eBay order is confirmed")
        partner = sale.partner_id
        self.deliver(DELETION, {"username": BUYER_ID, "userId": BUYER_ID, "eiasToken": BUYER_EIAS})
        run_queue(self.env, self.store)
        partner.invalidate_recordset()
        self.assertEqual(partner.email, "jane.buyer@example.com")
        log = self.env["store.activity.log"].sudo().search(
            [("store_id", "=", self.store.id), ("operation", "=", "webhook.compliance")])
        self.assertIn(f"kept {partner.id}", log.message)

    def test_tampered_delivery_refused_412_and_nothing_stored(self):
        self.notification.tamper_next()
        [result] = self.deliver(DELETION, {"username": "u1", "userId": "u1", "eiasToken": "e1"})
        self.assertEqual(result["status"], 412)
        self.assertEqual([d["status"] for d in self.notification.deliveries], [412] * 3,
                         "eBay retried, and each attempt was refused")
        self.assertFalse(self.deliveries())
        self.assertFalse(self.jobs())

    def test_unknown_kid_refused_412_and_nothing_stored(self):
        self.notification.unknown_kid_next()
        [result] = self.deliver(DELETION, {"username": "u1", "userId": "u1", "eiasToken": "e1"})
        self.assertEqual(result["status"], 412)
        self.assertFalse(self.deliveries())
        self.assertEqual({r["status"] for r in self.key_fetches()}, {404})
        self.assertEqual({r["auth"] for r in self.key_fetches()}, {"app"})

    def test_public_key_fetched_once_for_two_deliveries(self):
        for user in ("u1", "u2"):
            [result] = self.deliver(DELETION, {"username": user, "userId": user, "eiasToken": f"e-{user}"})
            self.assertEqual(result["status"], 200)
        self.assertEqual(len(self.deliveries()), 2)
        self.assertEqual([(r["status"], r["auth"]) for r in self.key_fetches()], [(200, "app")])
        self.assertEqual(self.notification.key_fetches, 1)

    def test_duplicate_notification_id_stored_once(self):
        [result] = self.deliver(DELETION, {"username": "u1", "userId": "u1", "eiasToken": "e1"})
        self.assertEqual(result["status"], 200)
        self.assertEqual(len(self.deliveries()), 1, self.notification.deliveries)
        first = self.notification.deliveries[-1]
        # eBay sends the same notification again (same notificationId, signed anew).
        body = first["body"]
        headers = {"Content-Type": "application/json", "X-EBAY-SIGNATURE": self.notification.sign(body)}
        with mute_logger(CONTROLLER_LOGGER):
            again = self.url_open(self.store.ebay_notification_endpoint, data=body, headers=headers)
        self.assertEqual((again.status_code, again.json()), (200, {"status": "duplicate"}))
        self.assertEqual(len(self.deliveries()), 1)
        self.assertEqual(len(self.jobs()), 1)


class TestEbaySellerNotificationsEndToEnd(EbayNotificationsEndToEndCase):
    def test_order_confirmation_queues_the_import_of_the_order(self):
        self.env["product.product"].create({"name": "Mug", "default_code": "MUG", "list_price": 9.9})
        order = self.sim.add_order([{"sku": "MUG", "quantity": 2, "price": "9.90"}], record_sale=False)
        self.register()
        [result] = self.deliver("ORDER_CONFIRMATION", {"orderId": order["orderId"]}, user="sim_seller")
        self.assertEqual(result["status"], 200)
        [delivery] = self.deliveries()
        self.assertEqual((delivery.kind, delivery.topic), ("orders", "ORDER_CONFIRMATION"))
        self.assertEqual(delivery.job_id.identity_key, f"webhook:order:{order['orderId']}")
        self.sim.reset_requests()
        run_queue(self.env, self.store)
        self.assertEqual(delivery.job_id.state, "done", delivery.job_id.last_error)
        self.assertIn(f"/sell/fulfillment/v1/order/{order['orderId']}",
                      [r["path"] for r in self.sim.requests], "the job read the order from eBay")
        binding = self.env["store.order.binding"].sudo().search(
            [("store_id", "=", self.store.id), ("external_id", "=", order["orderId"])])
        self.assertEqual(binding.order_id.order_line.filtered("product_id.default_code").product_uom_qty, 2)

    def test_revocation_pauses_the_store_of_the_seller_test_connection_recorded(self):
        self.assertFalse(self.store.ebay_seller_username)
        self.store.action_test_connection()
        self.assertEqual(self.store.ebay_seller_username, "sim_seller")
        self.assertTrue(self.store.sudo().ebay_seller_eias_token)
        other = create_ebay_store(self.env, name="Another seller", api_url=self.sim.base_url)
        other.sudo().ebay_seller_username = "another_seller"
        self.register()
        # eBay names the seller by its immutable ids (the username may be an immutable id too).
        data = {"username": "sim_seller", "userId": "s1mS3ll3rId",
                "eiasToken": self.store.sudo().ebay_seller_eias_token,
                "revokeReason": "REVOKED_BY_USER", "revocationDate": "2026-12-05T08:00:00.000Z"}
        [result] = self.deliver(REVOCATION, data)
        self.assertEqual(result["status"], 200)
        run_queue(self.env, self.store | other)
        self.assertTrue(self.store.paused)
        self.assertIn("sim_seller revoked", self.store.paused_reason)
        self.assertIn("Connect the store with eBay again", self.store.paused_reason)
        self.assertFalse(other.paused, "another seller's store goes on")

    def test_revocation_of_a_seller_not_connected_here_is_acknowledged_and_not_kept(self):
        self.store.action_test_connection()
        self.register()
        [result] = self.deliver(REVOCATION, {"username": "stranger", "userId": "x1", "eiasToken": "e-x1",
                                             "revokeReason": "REVOKED_BY_USER"})
        self.assertEqual(result["status"], 200)
        self.assertFalse(self.deliveries())
        self.assertFalse(self.store.paused)

    def test_connect_with_ebay_records_the_seller_who_granted_access(self):
        """The code exchange's tokens saved, GetUser names the seller (one Trading call)."""
        self.store.sudo().ebay_seller_username = "previous_account"
        tokens = self.sim.issue_user_tokens()
        granted = {"access_token": tokens["access_token"], "expires_in": 7200,
                   "refresh_token": tokens["refresh_token"]}
        self.store._oauth_save_tokens(granted, grant_type="authorization_code")
        self.assertEqual(self.store.ebay_seller_username, "sim_seller")
        self.assertEqual(self.store.sudo().ebay_seller_eias_token, self.sim.trading.seller["EIASToken"])
        self.assertEqual([r["path"] for r in self.sim.requests], ["/ws/api.dll"])
        # A token refresh reads nobody.
        self.sim.reset_requests()
        self.store._oauth_save_tokens({"access_token": tokens["access_token"], "expires_in": 7200},
                                      grant_type="refresh_token")
        self.assertFalse(self.sim.requests)


class TestEbayNotificationBox(EbayNotificationsEndToEndCase):
    def test_endpoint_warning_says_why_ebay_would_refuse_it(self):
        self.store.ebay_notification_endpoint = "http://shop.example.com/store_connector/webhook/ebay"
        self.assertIn("https", self.store.ebay_notification_endpoint_warning)
        self.store.ebay_notification_endpoint = "https://localhost/store_connector/webhook/ebay"
        self.assertIn("cannot reach localhost", self.store.ebay_notification_endpoint_warning)
        self.store.ebay_notification_endpoint = "https://shop.example.com/store_connector/webhook/ebay"
        self.assertFalse(self.store.ebay_notification_endpoint_warning)

    def test_the_form_lists_what_to_copy_in_the_portals_order(self):
        arch = self.env["connector.store"].get_view(view_type="form")["arch"]
        steps = [arch.index(text) for text in (
            "Marketplace account deletion", "Endpoint", "Verification Token", "Register Webhooks</b>")]
        self.assertEqual(steps, sorted(steps))
        self.assertIn('name="ebay_notification_endpoint_warning"', arch)
