"""Two Odoo workers needing a new eBay token at the same moment, against the eBay simulator: each worker
has its own database transaction (real concurrency, a committed store deleted afterwards), and eBay's
token endpoint is slow enough for both to ask. eBay's user token is refreshed once (the base's row lock,
in a transaction of its own) and the application token is minted once (the eBay client's advisory lock);
both workers use the same new token."""

import threading

from odoo import SUPERUSER_ID, api
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.models import connector_store_oauth
from odoo.addons.store_connector_base.services import rate_limiter

from tests.simulators.ebay import EbaySimulator

from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store


class TestEbayTokensTwoWorkers(TransactionCase):
    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                                 access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.sim.oauth.token_delay = 0.5
        with self.registry.cursor() as cr:
            store = create_ebay_store(self.env_of(cr), name="eBay two workers", api_url=self.sim.base_url)
            self.store_id = store.id
        self.addCleanup(self._delete_store)
        self.addCleanup(connector_store_oauth._fresh_tokens.pop, (self.env.cr.dbname, self.store_id), None)

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _delete_store(self):
        with self.registry.cursor() as cr:
            self.env_of(cr)["connector.store"].browse(self.store_id).exists().unlink()

    def _two_workers(self, call):
        barrier = threading.Barrier(2)
        results, errors = [], []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    store = self.env_of(cr)["connector.store"].browse(self.store_id)
                    store.name  # noqa: B018 - the worker's snapshot, taken before the other one commits
                    barrier.wait(timeout=30)
                    results.append(call(store))
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertFalse(errors, errors)
        self.assertEqual(len(results), 2)
        return results

    def test_a_lapsed_user_token_is_refreshed_once_for_two_workers(self):
        self.sim.expire_access_tokens()
        with self.registry.cursor() as cr:
            # The token Odoo holds lapsed too (eBay's last 2 hours): both workers must refresh it.
            cr.execute("UPDATE integration_credential SET expires_at = now() AT TIME ZONE 'UTC' - "
                       "interval '1 minute' WHERE store_id = %s AND key = 'access_token'", [self.store_id])
        answers = self._two_workers(lambda store: store._ebay_client().request_json(
            "GET", "/sell/account/v1/privilege", api="account"))
        self.assertEqual(self.sim.token_refreshes, 1, "the second worker used the first one's token")
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(self.sim.take_schema_violations(), [])

    def test_the_application_token_is_minted_once_for_two_workers(self):
        self._two_workers(lambda store: store._ebay_client().request_json(
            "GET", "/commerce/taxonomy/v1/get_default_category_tree_id", api="taxonomy",
            params={"marketplace_id": "EBAY_US"}, app=True))
        grants = [call for call in self.sim.token_calls if call["grant_type"] == "client_credentials"]
        self.assertEqual(len(grants), 1, "one mint, the other worker waited and used it")
        self.assertEqual(self.sim.take_schema_violations(), [])
