"""eBay forgets or revokes a token Odoo still holds (the simulator restarted; eBay expires or revokes
tokens on its own), against the eBay simulator with real transactions (a committed store, deleted
afterwards), as on a server: each request's transaction reads the database as it was when it began.

* The application token (client credentials: Notification API, Taxonomy, public keys) refused with
  HTTP 401: dropped, one new one minted, the call sent once more with it and every later call of the
  same transaction uses it; a second 401 is a credentials error saying what to check, after one mint.
* The seller's user token refused: refreshed once with the refresh token, the call sent again.
"""

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import StoreAuthError
from odoo.addons.store_connector_base.models import connector_store_oauth
from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_ebay.models import ebay_client

from tests.simulators.ebay import EbaySimulator

from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store
from .test_ebay_e2e_notifications import NOTIFICATION, EbayNotificationsEndToEndCase

DESTINATIONS = "/commerce/notification/v1/destination"
PRIVILEGE = "/sell/account/v1/privilege"


class TestEbayRefusedTokens(TransactionCase):
    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.sim = self.start_simulator()
        with self.registry.cursor() as cr:
            store = create_ebay_store(self.env_of(cr), name="eBay refused tokens", api_url=self.sim.base_url)
            self.store_id = store.id
        self.addCleanup(self._delete_store)
        key = (self.env.cr.dbname, self.store_id)
        self.addCleanup(connector_store_oauth._fresh_tokens.pop, key, None)
        self.addCleanup(ebay_client._fresh_app_tokens.pop, key, None)

    def start_simulator(self, port=0):
        sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                            access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN, port=port)
        sim.start()
        self.addCleanup(sim.stop)
        return sim

    def restart_simulator(self):
        """eBay's simulator stopped and started again on its port: every token it issued is forgotten
        but the seller's (given again, as the demo's store keeps them)."""
        port = int(self.sim.base_url.rsplit(":", 1)[1])
        self.sim.stop()
        self.sim = self.start_simulator(port)

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _delete_store(self):
        with self.registry.cursor() as cr:
            self.env_of(cr)["connector.store"].browse(self.store_id).exists().unlink()

    def list_destinations(self, store):
        return store._ebay_client().request_json("GET", DESTINATIONS, api="notification", app=True)

    def app_mints(self):
        return [call for call in self.sim.token_calls if call["grant_type"] == "client_credentials"]

    def test_a_forgotten_app_token_is_minted_again_once_and_the_call_sent_again(self):
        with self.registry.cursor() as cr:
            self.list_destinations(self.env_of(cr)["connector.store"].browse(self.store_id))
        self.restart_simulator()  # the app token Odoo cached is unknown to eBay now

        with self.registry.cursor() as cr:
            store = self.env_of(cr)["connector.store"].browse(self.store_id)
            store.name  # noqa: B018 - this transaction's snapshot, taken before the new token is committed
            self.list_destinations(store)
            # Another client of the same transaction (Register Webhooks, a public key) uses it too.
            self.list_destinations(store)
        self.assertEqual([(c["status"], c["error"]) for c in self.app_mints()], [(200, None)],
                         "one new app token")
        calls = [(r["path"], r["auth"], r["status"]) for r in self.sim.requests if r["path"] == DESTINATIONS]
        self.assertEqual(calls[0][2], 401)
        self.assertEqual([status for _path, _auth, status in calls[1:]], [200, 200],
                         "the refused token is never sent again")
        self.assertEqual(self.sim.take_schema_violations(), [])

    def test_an_app_token_refused_twice_is_a_credentials_error_after_one_mint(self):
        with self.registry.cursor() as cr:
            self.list_destinations(self.env_of(cr)["connector.store"].browse(self.store_id))
        self.sim.reset_requests()
        refusal = {"errors": [{"errorId": 1001, "domain": "OAuth", "category": "REQUEST",
                               "message": "Invalid access token",
                               "longMessage": "Invalid access token. Check the value of the Authorization "
                                              "HTTP request header."}]}
        self.sim.fail_next(status=401, body=refusal, path_contains=DESTINATIONS, count=3)
        with self.registry.cursor() as cr:
            store = self.env_of(cr)["connector.store"].browse(self.store_id)
            with self.assertRaises(StoreAuthError) as caught:
                self.list_destinations(store)
        message = str(caught.exception)
        self.assertIn("eBay refused the application token of store eBay refused tokens", message)
        self.assertIn("App ID and Cert ID", message)
        self.assertEqual(len(self.app_mints()), 2, "the first token, then one new one: no loop")
        self.assertEqual([r["status"] for r in self.sim.requests if r["path"] == DESTINATIONS], [401, 401])
        self.sim.take_schema_violations()

    def test_a_forgotten_user_token_is_refreshed_once_and_the_call_sent_again(self):
        self.restart_simulator()
        self.sim.oauth.access_tokens.pop(USER_TOKEN)  # eBay forgot the seller's access token, not the grant
        with self.registry.cursor() as cr:
            store = self.env_of(cr)["connector.store"].browse(self.store_id)
            store.name  # noqa: B018 - the snapshot
            client = store._ebay_client()
            client.request_json("GET", PRIVILEGE, api="account")
            store._ebay_client().request_json("GET", PRIVILEGE, api="account")
        self.assertEqual(self.sim.token_refreshes, 1)
        self.assertEqual([r["status"] for r in self.sim.requests if r["path"] == PRIVILEGE], [401, 200, 200])
        self.assertEqual(self.sim.take_schema_violations(), [])


class TestEbayRegisterWebhooksRefusedTokens(EbayNotificationsEndToEndCase):
    """Register Webhooks, as the merchant clicks it, when eBay forgot a token (Odoo's HTTP server
    answers the simulator's challenge)."""

    def forget_app_tokens(self):
        with self.sim.oauth.lock:
            for token in [t for t, info in self.sim.oauth.access_tokens.items() if info["kind"] == "app"]:
                del self.sim.oauth.access_tokens[token]

    def test_register_webhooks_again_after_ebay_forgot_the_app_token(self):
        self.register()
        self.forget_app_tokens()
        self.sim.reset_requests()
        action = self.register()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len([c for c in self.sim.token_calls if c["grant_type"] == "client_credentials"]), 2)
        self.assertEqual([r["status"] for r in self.sim.requests if r["auth"] is None and
                          r["path"].startswith(NOTIFICATION)], [401], "one refusal, then the new token")

    def test_register_webhooks_when_the_sellers_grant_is_gone_says_to_connect_again(self):
        self.register()
        self.sim.revoke_user_token()
        self.sim.expire_access_tokens()
        with self.assertRaises(UserError) as caught:
            self.register()
        message = str(caught.exception)
        self.assertIn("eBay refused the credentials of store eBay Shop while setting up its notifications",
                      message)
        self.assertIn("Click Connect with eBay to connect the seller account again", message)
        self.assertNotIn(". .", message)
