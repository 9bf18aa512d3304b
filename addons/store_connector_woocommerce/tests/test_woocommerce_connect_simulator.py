"""Connecting a store to the WooCommerce simulator, end to end through Odoo's real HTTP server: with
pasted keys (Test Connection over OAuth 1.0a and over https with Basic auth), a read-only key's first
write, a wrong secret, and Connect with WooCommerce (wc-auth: the simulator posts the new key to
Odoo's callback route)."""

import tempfile
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.exceptions import StoreAuthError
from odoo.addons.store_connector_base.services.http_transport import HttpTransport
from odoo.addons.store_connector_base.tests.http_servers import self_signed_tls

from tests.simulators.woocommerce import WooCommerceSimulator

from .common import create_woocommerce_store

MANAGER = "store_connector_base.group_store_connector_manager"


class SimulatorCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def simulator(self, **kwargs):
        sim = WooCommerceSimulator(seed="none", webhook_mode="manual", **kwargs)
        sim.start()
        self.addCleanup(sim.stop)
        return sim

    def store_of(self, sim, consumer_key=None, consumer_secret=None, **vals):
        return create_woocommerce_store(
            self.env,
            shop_url=sim.base_url,
            consumer_key=consumer_key or sim.consumer_key,
            consumer_secret=consumer_secret or sim.consumer_secret,
            **vals,
        )


class TestConnectToTheSimulator(SimulatorCase):
    def test_test_connection_with_pasted_keys_over_oauth1(self):
        sim = self.simulator(currency="EUR", prices_include_tax=True)
        store = self.store_of(sim)

        result = store.action_test_connection()

        # It works; the simulator is reached over plain http, which Test Connection says to fix:
        # a warning, not a success (issue #13).
        self.assertEqual(result["params"]["type"], "warning", result["params"])
        facts = self.env["store.adapter.woocommerce"]._test_connection(store)
        self.assertEqual(
            {
                label: facts[label]
                for label in ("WooCommerce", "WordPress", "Currency", "Taxes", "Stock management")
            },
            {
                "WooCommerce": "9.4.1",
                "WordPress": "6.7.1",
                "Currency": "EUR",
                "Taxes": "on; prices are entered with tax.",
                "Stock management": "on.",
            },
        )
        self.assertEqual({request["auth"] for request in sim.requests}, {"oauth1"})
        self.assertEqual(
            {request["method"] for request in sim.requests}, {"GET"}, "Test Connection writes nothing"
        )

    def test_stock_management_off_in_the_shop_is_named(self):
        sim = self.simulator(manage_stock=False)
        facts = self.env["store.adapter.woocommerce"]._test_connection(self.store_of(sim))
        self.assertEqual(facts["Stock management"], "off.")
        self.assertIn("Stock management is off in WooCommerce", facts["To fix"])

    def test_basic_auth_over_https(self):
        context, cert = self_signed_tls(tempfile.mkdtemp(), "localhost")
        sim = self.simulator(ssl_context=context)
        store = self.store_of(sim)
        original = type(store)._woocommerce_client
        with patch.object(
            type(store),
            "_woocommerce_client",
            lambda record, **kwargs: original(record, transport=HttpTransport(verify=cert), **kwargs),
        ):
            facts = self.env["store.adapter.woocommerce"]._test_connection(store)
        self.assertEqual(facts["WooCommerce"], "9.4.1")
        self.assertEqual(facts["To fix"], "nothing, the store is ready.")
        self.assertEqual({request["auth"] for request in sim.requests}, {"basic"})

    def test_a_wrong_secret_is_named(self):
        sim = self.simulator()
        store = self.store_of(sim, consumer_secret="cs_" + "0" * 40)
        result = store.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn(
            "WooCommerce knows the consumer key but not this consumer secret", result["params"]["message"]
        )

    def test_a_read_only_key_reads_and_its_first_write_says_it_is_read_only(self):
        sim = self.simulator()
        consumer_key, consumer_secret = sim.add_key("read")
        store = self.store_of(sim, consumer_key=consumer_key, consumer_secret=consumer_secret)

        # Reading works (a warning only for the simulator's plain http): not a "danger".
        self.assertEqual(store.action_test_connection()["params"]["type"], "warning")
        with self.assertRaises(StoreAuthError) as caught:
            store._woocommerce_client().batch("/products", update=[{"id": 1, "stock_quantity": 3}])
        self.assertIn(
            "The key is read-only, or its WordPress user may not change this: generate a Read/Write key",
            str(caught.exception),
        )


class TestConnectWithWooCommerceSimulator(SimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Woo Manager",
                "login": "woo_connect_manager",
                "password": "woo_connect_manager",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.env.ref(MANAGER).id])],
            }
        )

    def test_connect_with_woocommerce_end_to_end(self):
        sim = self.simulator(consumer_key=None)  # the shop has no key yet
        store = create_woocommerce_store(
            self.env, shop_url=sim.base_url, consumer_key=None, consumer_secret=None
        )
        self.assertTrue(store.credential_missing)

        action = store.with_user(self.manager).action_woocommerce_connect()
        self.env.flush_all()  # the button's request commits; here Odoo's server shares the test's cursor
        target = sim.approve_auth(action["url"])  # the merchant approves in WooCommerce

        callback = sim.wc_auth.callbacks[-1]
        self.assertEqual(callback["status"], 200, callback)
        self.assertEqual(urlsplit(callback["url"]).path, f"/store_connector/woocommerce/keys/{store.id}")
        back = urlsplit(target)
        self.assertEqual(back.path, f"/odoo/action-store_connector_base.connector_store_action/{store.id}")
        self.assertEqual(dict(parse_qsl(back.query))["success"], "1")
        self.env.invalidate_all()
        sent = callback["body"]
        self.assertEqual(
            (store.sudo()._get_credential("consumer_key"), store.sudo()._get_credential("consumer_secret")),
            (sent["consumer_key"], sent["consumer_secret"]),
        )
        facts = self.env["store.adapter.woocommerce"]._test_connection(store)
        self.assertEqual(
            facts["Key permissions"],
            f"Read/Write (the key Connect with WooCommerce generated, ending in "
            f"{sent['consumer_key'][-7:]}).",
        )

    def test_a_denied_connection_saves_nothing(self):
        sim = self.simulator()
        store = self.store_of(sim)
        before = store.sudo()._get_credential("consumer_key")

        action = store.with_user(self.manager).action_woocommerce_connect()
        self.env.flush_all()  # the button's request commits; here Odoo's server shares the test's cursor
        target = sim.approve_auth(action["url"], approve=False)

        self.assertEqual(dict(parse_qsl(urlsplit(target).query))["success"], "0")
        self.env.invalidate_all()
        self.assertEqual(store.sudo()._get_credential("consumer_key"), before)
        self.assertFalse(store.woocommerce_key_ending)
