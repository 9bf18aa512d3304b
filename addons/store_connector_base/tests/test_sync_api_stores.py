"""The sync API's stores endpoints over Odoo's real HTTP server (issue #10): GET /api/v1/stores lists
what the key's user may read, GET /api/v1/stores/<store> one of them, POST /api/v1/stores creates one
with its credentials (managers only, secrets never echoed, nothing half-created)."""

import json
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .sync_api_common import SyncApiFixtures

MANAGER_GROUPS = "base.group_user,store_connector_base.group_store_connector_manager"
STORES = "/api/v1/stores"
SECRET = "sk-live-very-secret-value-93f1a7"


@tagged("post_install", "-at_install")
class TestSyncApiStores(SyncApiFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.manager_key = cls._new_api_key(cls.manager)
        cls.other_manager = new_test_user(
            cls.env, "sc_api_other_manager", groups=MANAGER_GROUPS,
            company_id=cls.other_company.id, company_ids=[Command.set(cls.other_company.ids)])
        cls.other_manager_key = cls._new_api_key(cls.other_manager)

    # ------------------------------------------------------------------ helpers
    def _call(self, method, path, body=None, key=None, params=None):
        headers = {"Authorization": f"Bearer {key or self.key}"} if key is not False else {}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        return self.opener.request(method, self.base_url() + path, data=data, params=params,
                                   headers=headers, timeout=30)

    def assertApiError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        error = response.json()["error"]
        self.assertEqual(error["code"], code, error)
        self.assertTrue(error["message"])
        return error

    def _stores_named(self, name):
        Store = self.env["connector.store"].with_context(active_test=False).sudo()
        return Store.search([("name", "=", name)])

    def _create_body(self, **values):
        return {"name": "API Shop", "platform": "test", "shop_url": "https://api-shop.example.com",
                "credentials": {"api_key": SECRET}, **values}

    @contextmanager
    def _platform_features(self, *features):
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_supported_features", lambda self, store: set(features)):
            yield

    # ------------------------------------------------------------------ list
    def test_list_shows_the_stores_of_the_users_companies_only(self):
        response = self._call("GET", STORES)
        self.assertEqual(response.status_code, 200, response.text)
        stores = {store["id"]: store for store in response.json()["data"]}
        self.assertIn(self.store.id, stores)
        self.assertIn(self.store_b.id, stores)
        self.assertNotIn(self.store_other_company.id, stores, "a store of a company the user is not in")
        shown = stores[self.store.id]
        self.assertEqual(shown["code"], self.store.code)
        self.assertEqual((shown["name"], shown["platform"], shown["platform_name"]),
                         ("Shop A", "test", "Test Platform"))
        self.assertEqual(shown["company"], {"id": self.company.id, "name": self.company.name})
        self.assertEqual((shown["status"], shown["paused_reason"]), ("active", None))
        self.assertIn("orders.pull", shown["features"])
        self.assertNotIn("credentials", shown)

        # The other company's user sees theirs, and only theirs.
        response = self._call("GET", STORES, key=self.other_company_key)
        self.assertEqual([store["id"] for store in response.json()["data"]], [self.store_other_company.id])

    def test_list_says_paused_archived_and_last_sync(self):
        self.store_b._pause_for_auth("The platform answered 401: the access token was revoked.")
        job = self.env["sync.job"]._enqueue(self.store, "test.scripted", "_job_scripted", payload={})
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET state = 'done', finished_at = %s WHERE id = %s",
                            [datetime(2030, 1, 2, 3, 4, 5), job.id])
        archived = self._new_store(name="Closed shop", active=False)

        stores = {store["id"]: store for store in self._call("GET", STORES).json()["data"]}
        self.assertEqual(stores[self.store.id]["last_sync_at"], "2030-01-02T03:04:05Z")
        self.assertIsNone(stores[self.store_b.id]["last_sync_at"])
        self.assertEqual(stores[self.store_b.id]["status"], "paused")
        self.assertIn("access token was revoked", stores[self.store_b.id]["paused_reason"])
        self.assertNotIn(archived.id, stores, "archived stores are left out by default")

        response = self._call("GET", STORES, params={"include_archived": "true"})
        stores = {store["id"]: store for store in response.json()["data"]}
        self.assertEqual(stores[archived.id]["status"], "archived")
        self.assertApiError(self._call("GET", STORES, params={"include_archived": "maybe"}),
                            422, "invalid_parameter")
        self.assertApiError(self._call("GET", STORES, params={"page": "2"}), 422, "invalid_parameter")

    def test_list_needs_a_key_and_store_connector_rights(self):
        self.assertApiError(self._call("GET", STORES, key=False), 401, "unauthorized")
        self.assertApiError(self._call("GET", STORES, key="not-a-key-at-all"), 401, "invalid_api_key")
        self.assertApiError(self._call("GET", STORES, key=self.no_rights_key), 403, "forbidden")

    def test_one_store(self):
        response = self._call("GET", f"/api/v1/stores/{self.store.code}")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["data"]["id"], self.store.id)
        self.assertEqual(self._call("GET", f"/api/v1/stores/{self.store.id}").json()["data"]["code"],
                         self.store.code)
        # Another company's store is "not found", as every store endpoint answers.
        response = self._call("GET", f"/api/v1/stores/{self.store.code}", key=self.other_company_key)
        self.assertApiError(response, 404, "store_not_found")

    def test_rate_limit_of_the_store_list_is_per_user(self):
        self.env["ir.config_parameter"].sudo().set_param("store_connector.api_rate_limit", "2")
        with freeze_time("2030-01-01 12:00:00"):
            self.assertEqual(self._call("GET", STORES).status_code, 200)
            self.assertEqual(self._call("GET", STORES).status_code, 200)
            response = self._call("GET", STORES)
            self.assertApiError(response, 429, "rate_limited")
            self.assertEqual(response.headers["Retry-After"], "60")
            # Creating counts against the same allowance, and creates nothing when refused.
            self.assertApiError(self._call("POST", STORES, self._create_body(), key=self.key),
                                429, "rate_limited")
            # Another user has their own allowance.
            self.assertEqual(self._call("GET", STORES, key=self.other_company_key).status_code, 200)
            self.assertEqual(self._call("POST", STORES, self._create_body(),
                                        key=self.manager_key).status_code, 201)

    # ------------------------------------------------------------------ create
    def test_manager_creates_a_store_with_its_credentials_never_echoed(self):
        body = self._create_body(options={"order_prefix": "API-", "auto_sync_inventory": False,
                                          "warehouse_id": self.warehouse.id,
                                          "order_unknown_sku_policy": "placeholder"},
                                 credentials={"api_key": SECRET, "webhook_secret": SECRET + "-hook"})
        response = self._call("POST", STORES, body, key=self.manager_key)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertNotIn(SECRET, response.text, "a secret was echoed back")
        data = response.json()["data"]
        self.assertEqual(data["credentials"], {"set": ["api_key", "webhook_secret"], "missing": []})
        store = self.env["connector.store"].browse(data["id"])
        self.assertEqual((store.name, store.platform, store.shop_url, store.company_id),
                         ("API Shop", "test", "https://api-shop.example.com", self.company))
        self.assertEqual((store.order_prefix, store.auto_sync_inventory, store.warehouse_id),
                         ("API-", False, self.warehouse))
        self.assertEqual(store.order_unknown_sku_policy, "placeholder")
        self.assertEqual(data["code"], store.code)
        self.assertEqual(store.sudo()._get_credential("api_key"), SECRET)
        self.assertEqual(store.sudo()._get_credential("webhook_secret"), SECRET + "-hook")
        # Encrypted at rest, as the form stores them.
        self.env.cr.execute("SELECT value_encrypted FROM integration_credential WHERE store_id = %s",
                            [store.id])
        self.assertFalse([row for row in self.env.cr.fetchall() if row[0] and SECRET in row[0]])
        # The platform's other declared keys are listed to fill in, as on a new store's form.
        self.assertIn("client_secret", store.sudo().credential_ids.mapped("key"))
        # The new store is then usable with the same key.
        response = self._call("GET", f"/api/v1/stores/{store.code}", key=self.manager_key)
        self.assertEqual(response.status_code, 200)

    def test_missing_required_credentials_are_named(self):
        response = self._call("POST", STORES, self._create_body(credentials={}), key=self.manager_key)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["data"]["credentials"], {"set": [], "missing": ["api_key"]})

    def test_a_store_connector_user_cannot_create_a_store(self):
        for key in (self.key, self.no_rights_key):
            with self.subTest(key=key[:6]):
                response = self._call("POST", STORES, self._create_body(), key=key)
                self.assertApiError(response, 403, "forbidden")
                self.assertNotIn(SECRET, response.text)
        self.assertFalse(self._stores_named("API Shop"))
        self.assertApiError(self._call("POST", STORES, self._create_body(), key=False),
                            401, "unauthorized")

    def test_bad_requests_are_422_and_create_nothing(self):
        cases = [
            ({"name": "API Shop"}, "invalid_platform"),
            (self._create_body(platform="magento"), "invalid_platform"),
            (self._create_body(name=""), "invalid_name"),
            (self._create_body(shop_url="ftp://api-shop.example.com"), "invalid_shop_url"),
            (self._create_body(shop_url="https://user:pw@api-shop.example.com"), "invalid_shop_url"),
            (self._create_body(credentials={"api_key": SECRET, "password": SECRET}), "unknown_credential"),
            (self._create_body(credentials={"api_key": 12345}), "invalid_credentials"),
            (self._create_body(credentials={"api_key": SECRET + "\x00"}), "invalid_credentials"),
            (self._create_body(credentials=[SECRET]), "invalid_credentials"),
            (self._create_body(options={"paused": True}), "invalid_options"),
            (self._create_body(options={"code": "mine"}), "invalid_options"),
            (self._create_body(options={"auto_sync_orders": "yes"}), "invalid_options"),
            (self._create_body(options={"safety_stock": -1}), "invalid_options"),
            (self._create_body(options={"order_unknown_sku_policy": "explode"}), "invalid_options"),
            (self._create_body(options={"warehouse_id": 999999}), "invalid_options"),
            (self._create_body(company=self.other_company.id), "invalid_company"),
            (self._create_body(color="red"), "invalid_body"),
        ]
        for body, code in cases:
            with self.subTest(body=body, code=code):
                response = self._call("POST", STORES, body, key=self.manager_key)
                error = self.assertApiError(response, 422, code)
                self.assertNotIn(SECRET, response.text, "a secret was quoted in an error")
                if code == "unknown_credential" or body.get("platform") == "magento":
                    self.assertIn("allowed", error["details"])
        self.assertFalse(self._stores_named("API Shop"))
        Credential = self.env["integration.credential"].sudo()
        self.assertFalse(Credential.search([("store_id.name", "=", "API Shop")]))

    def test_platform_that_implements_nothing_cannot_have_a_store(self):
        with self._platform_features():
            response = self._call("POST", STORES, self._create_body(), key=self.manager_key)
        error = self.assertApiError(response, 422, "platform_not_supported")
        self.assertIn("does not implement anything yet", error["message"])
        self.assertFalse(self._stores_named("API Shop"))

    def test_a_refusal_after_the_store_is_written_leaves_nothing(self):
        """A refusal once the store is written (here: its credentials) undoes the store too."""
        Credential = type(self.env["integration.credential"])

        def refuse(self, vals_list):
            raise UserError("The credentials cannot be saved now.")

        with patch.object(Credential, "create", refuse):
            response = self._call("POST", STORES, self._create_body(), key=self.manager_key)
        error = self.assertApiError(response, 422, "invalid_request")
        self.assertEqual(error["message"], "The credentials cannot be saved now.")
        self.assertFalse(self._stores_named("API Shop"))
        # The warehouse of another company than the store's is not found in the store's company.
        both = new_test_user(self.env, "sc_api_two_companies", groups=MANAGER_GROUPS,
                             company_ids=[Command.set((self.company | self.other_company).ids)])
        response = self._call("POST", STORES, self._create_body(company=self.other_company.id,
                                                                options={"warehouse_id": self.warehouse.id}),
                              key=self._new_api_key(both))
        self.assertApiError(response, 422, "invalid_options")
        response = self._call("POST", STORES, self._create_body(company=self.other_company.id),
                              key=self._new_api_key(both))
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._stores_named("API Shop").company_id, self.other_company)

    def test_a_manager_cannot_create_in_another_company(self):
        response = self._call("POST", STORES, self._create_body(company=self.company.id),
                              key=self.other_manager_key)
        self.assertApiError(response, 422, "invalid_company")
        self.assertFalse(self._stores_named("API Shop"))
        # Without "company", the store goes to the key user's own company.
        response = self._call("POST", STORES, self._create_body(), key=self.other_manager_key)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._stores_named("API Shop").company_id, self.other_company)
        # ... which the first company's users do not see.
        listed = [store["id"] for store in self._call("GET", STORES).json()["data"]]
        self.assertNotIn(self._stores_named("API Shop").id, listed)

    def test_create_body_must_be_json(self):
        response = self.opener.post(self.base_url() + "/api/v1/stores", data={"name": "API Shop"}, timeout=30,
                                    headers={"Authorization": f"Bearer {self.manager_key}"})
        self.assertApiError(response, 415, "unsupported_media_type")
        self.assertFalse(self._stores_named("API Shop"))

    def test_platform_option_fields_come_from_the_adapter(self):
        adapter_class = type(self.env["store.adapter.test"])
        body = self._create_body(options={"api_version": "2030-01"})
        self.assertApiError(self._call("POST", STORES, body, key=self.manager_key),
                            422, "invalid_options")
        with patch.object(adapter_class, "_api_store_option_fields", lambda self, store: ["api_version"]):
            response = self._call("POST", STORES, body, key=self.manager_key)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._stores_named("API Shop").api_version, "2030-01")
