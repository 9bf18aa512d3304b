"""The sync API over Odoo's real HTTP server: authentication, rights, validation, rate limit,
orders, and the jobs the sync endpoints queue."""

import json
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged
from odoo.tools import config

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestSyncApi(SyncApiFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    # ------------------------------------------------------------------ helpers
    def _headers(self, key=None, **extra):
        headers = {"Authorization": f"Bearer {key or self.key}"} if key is not False else {}
        headers.update(extra)
        return headers

    def _post(self, path, body=None, key=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.opener.post(self.base_url() + path, data=data, timeout=30,
                                headers=self._headers(key, **{"Content-Type": "application/json"}))

    def _get(self, path, key=None, params=None):
        return self.opener.get(self.base_url() + path, params=params, timeout=30, headers=self._headers(key))

    def _url(self, store, tail):
        return f"/api/v1/stores/{store.code}/{tail}"

    def assertApiError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        error = response.json()["error"]
        self.assertEqual(error["code"], code, error)
        self.assertTrue(error["message"])
        return error

    def _jobs(self, store, operation):
        return self.env["sync.job"].search([("store_id", "=", store.id), ("operation", "=", operation)])

    # ------------------------------------------------------------------ authentication
    def test_no_key_is_401(self):
        response = self._get(self._url(self.store, "orders"), key=False)
        self.assertApiError(response, 401, "unauthorized")
        self.assertIn("Bearer", response.headers["WWW-Authenticate"])

    def test_bad_key_is_401(self):
        response = self._get(self._url(self.store, "orders"), key="0123456789abcdef-not-a-key")
        self.assertApiError(response, 401, "invalid_api_key")
        response = self._post(self._url(self.store, "sync/products"), key=self.key[:-1] + "x")
        self.assertApiError(response, 401, "invalid_api_key")
        self.assertFalse(self._jobs(self.store, "products.export"))

    def test_revoked_key_is_401(self):
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.api_user.id)])._remove()
        self.assertApiError(self._get(self._url(self.store, "orders")), 401, "invalid_api_key")

    def test_good_key_is_200_and_runs_as_its_user(self):
        response = self._get(self._url(self.store, "orders"))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["data"], [])
        # The job queued through the API is created by the key's user.
        response = self._post(self._url(self.store, "sync/products"))
        self.assertEqual(response.status_code, 202, response.text)
        job = self.env["sync.job"].browse(response.json()["data"]["jobs"][0]["id"])
        self.assertEqual(job.create_uid, self.api_user)
        self.assertEqual(job.store_id, self.store)

    # ------------------------------------------------------------------ rights and stores
    def test_user_without_store_connector_rights_is_403(self):
        response = self._get(self._url(self.store, "orders"), key=self.no_rights_key)
        self.assertApiError(response, 403, "forbidden")
        response = self._post(self._url(self.store, "sync/inventory"), key=self.no_rights_key)
        self.assertApiError(response, 403, "forbidden")
        self.assertFalse(self._jobs(self.store, "inventory.sync"))

    def test_store_of_another_company_is_404(self):
        response = self._get(self._url(self.store, "orders"), key=self.other_company_key)
        self.assertApiError(response, 404, "store_not_found")
        # ... while that user reaches the store of their own company.
        response = self._get(self._url(self.store_other_company, "orders"), key=self.other_company_key)
        self.assertEqual(response.status_code, 200, response.text)

    def test_unknown_store_is_404(self):
        self.assertApiError(self._get("/api/v1/stores/no-such-store/orders"), 404, "store_not_found")
        self.assertApiError(self._post("/api/v1/stores/999999999/sync/products"), 404, "store_not_found")

    def test_archived_store_is_404(self):
        self.store.active = False
        self.assertApiError(self._get(self._url(self.store, "orders")), 404, "store_not_found")

    def test_store_by_numeric_id(self):
        response = self._get(f"/api/v1/stores/{self.store.id}/orders")
        self.assertEqual(response.status_code, 200, response.text)
        response = self._post(f"/api/v1/stores/{self.store_b.id}/sync/products")
        self.assertEqual(response.status_code, 202, response.text)
        # One export job per product template bound to the store.
        self.assertEqual(len(self._jobs(self.store_b, "products.export")), 3)
        self.assertFalse(self._jobs(self.store, "products.export"))

    def test_user_without_sales_rights_cannot_list_orders(self):
        self.api_user.groups_id -= self.env.ref("sales_team.group_sale_salesman_all_leads")
        self.api_user.groups_id -= self.env.ref("sales_team.group_sale_salesman")
        self.assertApiError(self._get(self._url(self.store, "orders")), 403, "forbidden")

    # ------------------------------------------------------------------ validation
    def test_bad_since_and_limit_are_422(self):
        url = self._url(self.store, "orders")
        self.assertApiError(self._get(url, params={"since": "yesterday"}), 422, "invalid_since")
        self.assertApiError(self._get(url, params={"since": "2024-13-45"}), 422, "invalid_since")
        for limit in ("0", "101", "-5", "ten", "1.5"):
            self.assertApiError(self._get(url, params={"limit": limit}), 422, "invalid_limit")
        self.assertApiError(self._get(url, params={"status": "shipped"}), 422, "invalid_status")
        self.assertApiError(self._get(url, params={"cursor": "bm90LWEtY3Vyc29y"}), 422, "invalid_cursor")
        self.assertApiError(self._get(url, params={"page": "2"}), 422, "invalid_parameter")

    def test_bad_items_are_422_and_queue_nothing(self):
        url = self._url(self.store, "sync/inventory")
        cases = [
            ({"items": []}, "invalid_items"),
            ({"items": "SKU-A"}, "invalid_items"),
            ({"items": [{"quantity": 5}]}, "invalid_sku"),
            ({"items": [{"sku": "", "quantity": 5}]}, "invalid_sku"),
            ({"items": [{"sku": "SKU-A", "quantity": -1}]}, "invalid_quantity"),
            ({"items": [{"sku": "SKU-A", "quantity": 2.5}]}, "invalid_quantity"),
            ({"items": [{"sku": "SKU-A", "quantity": "5"}]}, "invalid_quantity"),
            ({"items": [{"sku": "SKU-A", "quantity": True}]}, "invalid_quantity"),
            ({"items": [{"sku": "SKU-A", "quantity": 1}, {"sku": "SKU-A", "quantity": 2}]}, "duplicate_sku"),
            ({"items": [{"sku": "SKU-A", "quantity": 1, "price": 3}]}, "invalid_items"),
            ({"items": [{"sku": "SKU-A", "quantity": 1}], "skus": ["SKU-B"]}, "invalid_body"),
            ({"things": []}, "invalid_body"),
        ]
        for body, code in cases:
            with self.subTest(body=body):
                self.assertApiError(self._post(url, body), 422, code)
        error = self.assertApiError(
            self._post(url, {"items": [{"sku": "SKU-A", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]}),
            422, "unknown_sku")
        self.assertEqual(error["details"], {"skus": ["NOPE"]})
        self.assertApiError(self._post(url, raw="{not json"), 422, "invalid_json")
        self.assertApiError(self._post(url, raw="[1, 2]"), 422, "invalid_json")
        self.assertFalse(self._jobs(self.store, "inventory.sync"))

    def test_bad_skus_are_422(self):
        url = self._url(self.store, "sync/products")
        self.assertApiError(self._post(url, {"skus": []}), 422, "invalid_skus")
        self.assertApiError(self._post(url, {"skus": [1, 2]}), 422, "invalid_sku")
        error = self.assertApiError(self._post(url, {"skus": ["SKU-A", "GHOST"]}), 422, "unknown_sku")
        self.assertEqual(error["details"]["skus"], ["GHOST"])
        # one SKU: a sentence in the singular (never "1 SKUs")
        self.assertTrue(error["message"].startswith("SKU GHOST names no product published"), error["message"])
        error = self.assertApiError(self._post(url, {"skus": ["GHOST", "PHANTOM"]}), 422, "unknown_sku")
        self.assertTrue(error["message"].startswith("2 SKUs name no product published"), error["message"])
        self.assertFalse(self._jobs(self.store, "products.export"))

    def test_too_large_body_is_413(self):
        with patch.dict(config.options, {"store_connector_webhook_max_bytes": 100}):
            response = self._post(self._url(self.store, "sync/products"),
                                  {"skus": ["SKU-A"] * 50})
        self.assertApiError(response, 413, "payload_too_large")

    # ------------------------------------------------------------------ rate limit
    def test_rate_limit_61st_request_is_429_other_store_unaffected(self):
        url = self._url(self.store, "orders")
        with freeze_time("2030-01-01 12:00:00") as frozen:
            for _i in range(30):
                self.assertEqual(self._get(url).status_code, 200)
            frozen.tick(timedelta(seconds=20))
            for _i in range(30):
                self.assertEqual(self._get(url).status_code, 200)
            frozen.tick(timedelta(seconds=10))
            response = self._get(url)
            error = self.assertApiError(response, 429, "rate_limited")
            # The oldest 30 requests leave the window at 12:01:00, 30 seconds from now.
            self.assertEqual(response.headers["Retry-After"], "30")
            self.assertIn("30", error["message"])
            # A refused request is not counted, a POST counts as much as a GET, and it queues nothing.
            self.assertApiError(self._post(self._url(self.store, "sync/products")), 429, "rate_limited")
            self.assertFalse(self._jobs(self.store, "products.export"))
            # Another store has its own allowance.
            self.assertEqual(self._get(self._url(self.store_b, "orders")).status_code, 200)
            self.assertEqual(self._post(self._url(self.store_b, "sync/products")).status_code, 202)
            # A sliding window: the first 30 requests leave it at 12:01:00, the next 30 at 12:01:20.
            frozen.tick(timedelta(seconds=30))
            for _i in range(30):
                self.assertEqual(self._get(url).status_code, 200)
            response = self._get(url)
            self.assertApiError(response, 429, "rate_limited")
            self.assertEqual(response.headers["Retry-After"], "20")

    def test_rate_limit_is_a_system_parameter(self):
        self.env["ir.config_parameter"].sudo().set_param("store_connector.api_rate_limit", "2")
        url = self._url(self.store, "orders")
        with freeze_time("2030-01-01 12:00:00"):
            self.assertEqual(self._get(url).status_code, 200)
            self.assertEqual(self._get(url).status_code, 200)
            self.assertEqual(self._get(url).status_code, 429)

    def test_unauthenticated_requests_do_not_spend_the_allowance(self):
        self.env["ir.config_parameter"].sudo().set_param("store_connector.api_rate_limit", "1")
        url = self._url(self.store, "orders")
        with freeze_time("2030-01-01 12:00:00"):
            for _i in range(3):
                self.assertEqual(self._get(url, key="bad-key-bad-key").status_code, 401)
            self.assertEqual(self._get(url).status_code, 200)
            self.assertEqual(self._get(url).status_code, 429)

    # ------------------------------------------------------------------ orders
    def test_orders_list_filters_and_pagination(self):
        orders = self.env["sale.order"]
        for index in range(5):
            orders |= self._new_order(self.store, client_order_ref=f"#100{index}", quantity=index + 1)
        self._new_order(self.store_b)  # another store's order never shows
        self.env["sale.order"].create({"partner_id": self.partner.id})  # not from a store
        orders[1].write({"state": "cancel"})
        orders[0].action_confirm()
        # Pretend orders 0 and 1 last changed long ago.
        self.env.flush_all()
        self.env.cr.execute("UPDATE sale_order SET write_date = %s WHERE id IN %s",
                            [datetime(2020, 1, 1), tuple(orders[:2].ids)])
        url = self._url(self.store, "orders")

        response = self._get(url, params={"limit": 2})
        self.assertEqual(response.status_code, 200, response.text)
        page = response.json()
        self.assertEqual([o["id"] for o in page["data"]], [orders[4].id, orders[3].id])
        self.assertTrue(page["next_cursor"])
        first = page["data"][0]
        self.assertEqual(first["client_order_ref"], "#1004")
        self.assertEqual(first["state"], "draft")
        self.assertEqual(first["customer"]["email"], "jane@example.com")
        self.assertEqual(first["lines"][0]["sku"], "SKU-A")
        self.assertEqual(first["lines"][0]["quantity"], 5.0)
        self.assertEqual(first["amount_untaxed"], 50.0)
        # The platform's order, from the order's binding.
        self.assertEqual((first["external_id"], first["external_number"], first["platform_status"]),
                         (f"P-{orders[4].id}", f"#{orders[4].id}", "processing"))

        # Follow the next links to the end.
        seen = [o["id"] for o in page["data"]]
        next_url = page["links"]["next"]
        while next_url:
            self.assertIn("limit=2", next_url)
            response = self.opener.get(next_url, headers=self._headers(), timeout=30)
            self.assertEqual(response.status_code, 200, response.text)
            page = response.json()
            seen += [o["id"] for o in page["data"]]
            next_url = page["links"]["next"]
        self.assertEqual(seen, orders.sorted("id", reverse=True).ids)
        self.assertIsNone(page["next_cursor"])

        by_status = self._get(url, params={"status": "sale,cancel"}).json()
        self.assertEqual({o["id"] for o in by_status["data"]}, set(orders[:2].ids))
        self.assertEqual(self._get(url, params={"status": "cancel"}).json()["data"][0]["id"], orders[1].id)

        recent = self._get(url, params={"since": "2024-06-01T00:00:00+02:00"}).json()
        self.assertEqual({o["id"] for o in recent["data"]}, set(orders[2:].ids))
        old = self._get(url, params={"since": "2019-12-31", "status": "cancel"}).json()
        self.assertEqual([o["id"] for o in old["data"]], [orders[1].id])

    def test_orders_default_page_is_50_and_max_100(self):
        orders = self.env["sale.order"].create([{"partner_id": self.partner.id} for _i in range(101)])
        self.env["store.order.binding"].create([
            {"store_id": self.store.id, "order_id": order.id, "external_id": str(order.id)}
            for order in orders
        ])
        url = self._url(self.store, "orders")
        self.assertEqual(len(self._get(url).json()["data"]), 50)
        page = self._get(url, params={"limit": 100}).json()
        self.assertEqual(len(page["data"]), 100)
        last = self.opener.get(page["links"]["next"], headers=self._headers(), timeout=30).json()
        self.assertEqual(len(last["data"]), 1)
        self.assertIsNone(last["links"]["next"])

    # ------------------------------------------------------------------ sync endpoints
    def test_sync_products_queues_the_product_pipeline(self):
        url = self._url(self.store, "sync/products")
        response = self._post(url, {"skus": ["SKU-B", "SKU-A", "SKU-B"]})
        self.assertEqual(response.status_code, 202, response.text)
        data = response.json()["data"]
        self.assertEqual(data["skus"], ["SKU-B", "SKU-A"])
        jobs = self._jobs(self.store, "products.export")
        self.assertEqual(len(jobs), 2, "one export job per product template")
        self.assertEqual(sorted(data["jobs"], key=lambda job: job["id"]),
                         [{"id": job.id, "operation": "products.export", "state": "pending"}
                          for job in jobs.sorted("id")])
        bindings = self.env["store.product.binding"].search([("store_id", "=", self.store.id)])
        by_sku = {binding.sku: binding for binding in bindings}
        self.assertEqual(set(jobs.mapped("method_name")), {"_job_export_products"})
        self.assertEqual(set(jobs.mapped("model_name")), {"store.product.binding"})
        self.assertEqual(sorted(id_ for job in jobs for id_ in job.res_ids),
                         sorted((by_sku["SKU-A"] | by_sku["SKU-B"]).ids))
        self.assertEqual(set(jobs.mapped("identity_key")),
                         {f"products:{self.product_a.product_tmpl_id.id}",
                          f"products:{self.product_b.product_tmpl_id.id}"})
        self.assertEqual(set(jobs.mapped("direction")), {"export"})
        # Asking again while the jobs wait merges into them.
        again = self._post(url, {"skus": ["SKU-A"]})
        self.assertIn(again.json()["data"]["jobs"][0]["id"], jobs.ids)
        # Without a body: every product bound to the store.
        everything = self._post(url)
        self.assertEqual(everything.status_code, 202, everything.text)
        self.assertEqual(len(everything.json()["data"]["jobs"]), 3)
        self.assertEqual(len(self._jobs(self.store, "products.export")), 3)

    def test_sync_products_of_a_product_not_published_is_422(self):
        self.env["product.product"].create({"name": "Unpublished", "default_code": "SKU-NEW"})
        error = self.assertApiError(self._post(self._url(self.store, "sync/products"), {"skus": ["SKU-NEW"]}),
                                    422, "unknown_sku")
        self.assertEqual(error["details"]["skus"], ["SKU-NEW"])
        self.assertFalse(self._jobs(self.store, "products.export"))

    def test_sync_inventory_queues_the_inventory_pipeline(self):
        url = self._url(self.store, "sync/inventory")
        bindings = {
            b.sku: b for b in self.env["store.product.binding"].search([("store_id", "=", self.store.id)])
        }
        response = self._post(url, {"items": [{"sku": "SKU-A", "quantity": 5},
                                              {"sku": "SKU-B", "quantity": 0}]})
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["data"]["items"], 2)
        job = self._jobs(self.store, "inventory.sync")
        self.assertEqual((job.model_name, job.method_name),
                         ("store.product.binding", "_job_export_inventory"))
        self.assertEqual(job.res_ids, (bindings["SKU-A"] | bindings["SKU-B"]).ids)
        # The quantities given are sent as given.
        self.assertEqual(job.payload, {"quantities": {"SKU-A": 5, "SKU-B": 0}})

        by_sku = self._post(url, {"skus": ["SKU-C"]})
        self.assertEqual(by_sku.status_code, 202, by_sku.text)
        job = self.env["sync.job"].browse(by_sku.json()["data"]["jobs"][0]["id"])
        self.assertEqual(job.res_ids, bindings["SKU-C"].ids)
        self.assertFalse(job.payload, "quantities computed when the job runs")

        everything = self._post(url)
        self.assertEqual(everything.status_code, 202, everything.text)
        self.assertIsNone(everything.json()["data"]["items"])
        job = self.env["sync.job"].browse(everything.json()["data"]["jobs"][0]["id"])
        self.assertEqual(job.identity_key, "inventory:all:0", "the same batches as Sync Inventory")
        self.assertEqual(len(self._jobs(self.store, "inventory.sync")), 3)

    def test_sync_inventory_of_an_unpublished_product_is_422(self):
        self.store._unpublish_products(self.product_c)
        error = self.assertApiError(self._post(self._url(self.store, "sync/inventory"), {"skus": ["SKU-C"]}),
                                    422, "unknown_sku")
        self.assertEqual(error["details"]["skus"], ["SKU-C"])
        self.assertFalse(self._jobs(self.store, "inventory.sync"))

    def test_store_forbidding_the_operation_is_403(self):
        self.store.allow_inventory_sync = False
        response = self._post(self._url(self.store, "sync/inventory"), {"skus": ["SKU-A"]})
        error = self.assertApiError(response, 403, "operation_not_permitted")
        self.assertIn("Inventory: Sync", error["message"])
        self.assertFalse(self._jobs(self.store, "inventory.sync"))

    def test_operation_the_platform_does_not_implement_is_501(self):
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_supported_features", lambda self, store: {"orders.pull"}):
            response = self._post(self._url(self.store, "sync/inventory"), {"skus": ["SKU-A"]})
            error = self.assertApiError(response, 501, "not_supported")
            self.assertIn('does not support "inventory.sync"', error["message"])
            self.assertApiError(self._post(self._url(self.store, "sync/products"), {}), 501, "not_supported")
        self.assertFalse(self._jobs(self.store, "inventory.sync"))
        self.assertFalse(self._jobs(self.store, "products.export"))

    def test_wrong_method_is_refused(self):
        response = self.opener.get(self.base_url() + self._url(self.store, "sync/products"),
                                   headers=self._headers(), timeout=30)
        self.assertEqual(response.status_code, 405)
