"""The sync API's order pull, webhook registration and single-item inventory body over Odoo's real
HTTP server (issue #10), through the test platform's in-memory orders and subscriptions."""

import json
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from odoo.addons.store_connector_base import order_const
from odoo.addons.store_connector_base.exceptions import RetryableJobError, StoreAuthError
from odoo.addons.store_connector_test_platform.models import store_adapter as test_adapter

from .sync_api_common import SyncApiFixtures

T0 = datetime(2026, 5, 1, 10, 0, 0)
ADDRESS = {"first_name": "Ann", "last_name": "Lee", "street": "1 Main St", "city": "Springfield",
           "zip": "12345", "country_code": "US"}


def platform_order(number, minutes=0, status="processing", sku="SKU-A"):
    """A normalized order of the test platform: one line of `sku` at 10.00, updated T0 + minutes."""
    return {
        "id": f"O{number}", "number": f"#{number}", "status": status, "currency": "USD",
        "created_at": (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "customer": {"id": "c-1", "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"},
        "billing_address": dict(ADDRESS), "shipping_address": dict(ADDRESS),
        "lines": [{"id": f"l{number}", "sku": sku, "name": "Product A", "quantity": 1,
                   "unit_price": "10.00"}],
        "total": "10.00",
    }


@tagged("post_install", "-at_install")
class TestSyncApiPull(SyncApiFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.manager_key = cls._new_api_key(cls.manager)
        cls.adapter = cls.env["store.adapter.test"]

    def setUp(self):
        super().setUp()
        self.addCleanup(self.adapter._test_reset, self.store)
        self.addCleanup(test_adapter.WEBHOOK_SUBSCRIPTIONS.clear)

    # ------------------------------------------------------------------ helpers
    def _post(self, path, body=None, key=None):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        return self.opener.post(self.base_url() + path, data=data, headers=headers, timeout=60)

    def _get(self, url, key=None):
        return self.opener.get(url if url.startswith("http") else self.base_url() + url, timeout=60,
                               headers={"Authorization": f"Bearer {key or self.key}"})

    def _url(self, tail, store=None):
        return f"/api/v1/stores/{(store or self.store).code}/{tail}"

    def assertApiError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], code, error)
        self.assertTrue(error["message"])
        return error

    def _sale(self, external_id):
        return self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", external_id)]).order_id

    def _jobs(self, operation):
        return self.env["sync.job"].search([("store_id", "=", self.store.id), ("operation", "=", operation)])

    @contextmanager
    def _webhook_registration(self):
        """The test platform declares "register_webhooks" meanwhile (it implements it)."""
        adapter_class = type(self.adapter)
        features = set(test_adapter.SUPPORTED_FEATURES) | {"register_webhooks"}
        with patch.object(adapter_class, "_supported_features", lambda self, store: features):
            yield

    # ------------------------------------------------------------------ pull in the request
    def test_small_pull_imports_in_the_request_and_answers_the_outcome(self):
        orders = [platform_order(1), platform_order(2, 1), platform_order(3, 2, sku="NO-SUCH-SKU")]
        self.adapter._test_set_orders(self.store, orders, page_size=10)
        response = self._post(self._url("sync/orders"))
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()["data"]
        self.assertEqual({key: data[key] for key in ("total_orders", "synced", "failed", "created", "more")},
                         {"total_orders": 3, "synced": 2, "failed": 1, "created": 2, "more": False})
        self.assertEqual(data["state"], "done")
        [error] = data["errors"]
        self.assertEqual(error["order"], "O3")
        self.assertIn("NO-SUCH-SKU", error["message"])
        # The failed order has its own job, to retry once fixed, as in a queued pull.
        failed_job = self.env["sync.job"].browse(error["job"])
        self.assertEqual((failed_job.operation, failed_job.identity_key),
                         (order_const.OP_ORDER_IMPORT_ONE, f"{order_const.OP_ORDER_IMPORT_ONE}:O3"))
        self.assertTrue(self._sale("O1") and self._sale("O2"))
        self.assertFalse(self._jobs(order_const.OP_ORDERS_IMPORT), "nothing was left to the queue")
        # The whole pull ran: the store's cursor moved to the newest order read.
        self.assertEqual(self.store.order_import_cursor, T0 + timedelta(minutes=2))
        # Again: nothing new, everything unchanged.
        data = self._post(self._url("sync/orders"), {"since": "2026-05-01T00:00:00Z"}).json()["data"]
        self.assertEqual((data["total_orders"], data["unchanged"], data["created"]), (3, 2, 0))

    def test_large_pull_queues_the_rest_and_is_polled(self):
        self.adapter._test_set_orders(self.store, [platform_order(n, n) for n in range(1, 6)], page_size=2)
        response = self._post(self._url("sync/orders"))
        self.assertEqual(response.status_code, 202, response.text)
        data = response.json()["data"]
        self.assertEqual((data["state"], data["total_orders"], data["created"], data["more"]),
                         ("queued", 2, 2, True))
        [job] = data["jobs"]
        self.assertEqual(job["operation"], order_const.OP_ORDERS_IMPORT)
        poll = data["links"]["poll"]
        self.assertTrue(poll.endswith(self._url(f"sync/orders/{data['pull_id']}")), poll)
        self.assertFalse(self.store.order_import_cursor, "not before the pull ended")

        polled = self._get(poll).json()["data"]
        self.assertEqual((polled["state"], polled["total_orders"], polled["pages"]), ("queued", 2, 1))

        self._run_queue(self.store)
        polled = self._get(poll).json()["data"]
        self.assertEqual((polled["state"], polled["total_orders"], polled["synced"], polled["failed"]),
                         ("done", 5, 5, 0))
        self.assertEqual(polled["pages"], 3)
        self.assertEqual(len(polled["jobs"]), 2, "pages 2 and 3")
        self.assertTrue(all(self._sale(f"O{n}") for n in range(1, 6)))
        self.assertEqual(self.store.order_import_cursor, T0 + timedelta(minutes=5))

    def test_limit_bounds_the_pull_and_queues_nothing(self):
        self.adapter._test_set_orders(self.store, [platform_order(n, n) for n in range(1, 6)], page_size=2)
        response = self._post(self._url("sync/orders"), {"limit": 3})
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()["data"]
        self.assertEqual((data["total_orders"], data["synced"], data["more"], data["pages"]), (3, 3, True, 2))
        self.assertEqual([call[3] for call in self.adapter._test_calls(self.store)], [2, 1],
                         "the second page asks for what is left of the limit")
        self.assertFalse(self._sale("O4"))
        self.assertFalse(self._jobs(order_const.OP_ORDERS_IMPORT))
        self.assertFalse(self.store.order_import_cursor, "orders were left: the cursor stays")

    def test_status_and_since_filter_the_pull_and_keep_the_cursor(self):
        orders = [platform_order(1, 1, status="pending"), platform_order(2, 2, status="completed"),
                  platform_order(3, 3, status="processing")]
        self.adapter._test_set_orders(self.store, orders, page_size=10)
        data = self._post(self._url("sync/orders"), {"status": ["processing", "completed"]}).json()["data"]
        self.assertEqual(data["total_orders"], 2)
        self.assertFalse(self._sale("O1"))
        self.assertFalse(self.store.order_import_cursor, "a pull of some statuses does not move the cursor")
        data = self._post(self._url("sync/orders"), {"since": "2026-05-01T10:01:30Z"}).json()["data"]
        self.assertEqual((data["total_orders"], data["unchanged"]), (2, 2))
        self.assertFalse(self.store.order_import_cursor, "a pull from after the cursor does not move it")
        data = self._post(self._url("sync/orders"), {"status": "pending"}).json()["data"]
        self.assertEqual(data["created"], 1)

    def test_bad_pull_requests_are_422_and_pull_nothing(self):
        self.adapter._test_set_orders(self.store, [platform_order(1)], page_size=10)
        cases = [
            ({"limit": 0}, "invalid_limit"), ({"limit": 101}, "invalid_limit"),
            ({"limit": "5"}, "invalid_limit"),
            ({"limit": True}, "invalid_limit"), ({"limit": 2.5}, "invalid_limit"),
            ({"since": "yesterday"}, "invalid_since"), ({"since": "2999-01-01"}, "invalid_since"),
            ({"since": 20240101}, "invalid_since"),
            ({"status": "shipped"}, "invalid_status"), ({"status": [1]}, "invalid_status"),
            ({"page": 2}, "invalid_body"),
        ]
        for body, code in cases:
            with self.subTest(body=body):
                self.assertApiError(self._post(self._url("sync/orders"), body), 422, code)
        error = self.assertApiError(self._post(self._url("sync/orders"), {"status": "shipped"}), 422,
                                    "invalid_status")
        self.assertEqual(error["details"]["allowed"], test_adapter.ORDER_PULL_STATUSES)
        self.assertEqual(self.adapter._test_calls(self.store), [], "the platform was not called")
        self.assertFalse(self._sale("O1"))

    def test_a_platform_without_a_status_filter_refuses_status(self):
        self.adapter._test_set_orders(self.store, [platform_order(1)], page_size=10)
        with patch.object(type(self.adapter), "_order_pull_statuses", lambda self, store: None):
            error = self.assertApiError(self._post(self._url("sync/orders"), {"status": "processing"}),
                                        422, "invalid_status")
        self.assertIn("cannot filter an order pull by status", error["message"])

    def test_pull_rights_and_permissions(self):
        self.adapter._test_set_orders(self.store, [platform_order(1)], page_size=10)
        self.assertApiError(self._post(self._url("sync/orders"), key=self.no_rights_key), 403, "forbidden")
        self.assertApiError(self._post(self._url("sync/orders"), key=self.other_company_key), 404,
                            "store_not_found")
        self.store.allow_orders_pull = False
        self.assertApiError(self._post(self._url("sync/orders")), 403, "operation_not_permitted")
        self.assertFalse(self._sale("O1"))
        self.store.allow_orders_pull = True
        # A Store Connector User may pull, as with the Pull Orders button.
        self.assertEqual(self._post(self._url("sync/orders")).status_code, 200)
        self.assertTrue(self._sale("O1"))

    def test_platform_failure_is_a_json_error(self):
        adapter_class = type(self.adapter)
        busy = RetryableJobError("HTTP 503 from the platform.", retry_after=30)
        with patch.object(adapter_class, "_import_orders", side_effect=busy, autospec=True):
            response = self._post(self._url("sync/orders"))
        error = self.assertApiError(response, 503, "platform_unavailable")
        self.assertIn("HTTP 503 from the platform.", error["message"])
        self.assertEqual(response.headers["Retry-After"], "30")
        refused = StoreAuthError("HTTP 401: invalid token.")
        with patch.object(adapter_class, "_import_orders", side_effect=refused, autospec=True):
            response = self._post(self._url("sync/orders"))
        error = self.assertApiError(response, 502, "platform_auth_failed")
        self.assertIn("Enter new credentials", error["message"])

    def test_poll_of_an_unknown_pull_or_another_store_is_404(self):
        self.adapter._test_set_orders(self.store, [platform_order(n, n) for n in range(1, 4)], page_size=2)
        pull_id = self._post(self._url("sync/orders")).json()["data"]["pull_id"]
        self.assertEqual(self._get(self._url(f"sync/orders/{pull_id}")).status_code, 200)
        self.assertApiError(self._get(self._url(f"sync/orders/{pull_id}", self.store_b)), 404,
                            "pull_not_found")
        self.assertApiError(self._get(self._url("sync/orders/AAAAAAAAAAAAAAAA")), 404, "pull_not_found")
        self.assertApiError(self._get(self._url("sync/orders/'; DROP TABLE x")), 404, "pull_not_found")
        self.assertApiError(self._get(self._url(f"sync/orders/{pull_id}"), key=self.other_company_key), 404,
                            "store_not_found")

    def test_rate_limit_applies_to_the_pull(self):
        self.env["ir.config_parameter"].sudo().set_param("store_connector.api_rate_limit", "1")
        self.adapter._test_set_orders(self.store, [platform_order(1)], page_size=10)
        with freeze_time("2030-01-01 12:00:00"):
            self.assertEqual(self._post(self._url("sync/orders")).status_code, 200)
            response = self._post(self._url("sync/orders"))
            self.assertApiError(response, 429, "rate_limited")
            self.assertEqual(len(self.adapter._test_calls(self.store)), 1, "the refused pull called nobody")

    # ------------------------------------------------------------------ webhooks
    def test_manager_registers_all_webhooks_or_some_topics(self):
        with self._webhook_registration():
            response = self._post(self._url("webhooks"), key=self.manager_key)
            self.assertEqual(response.status_code, 200, response.text)
            data = response.json()["data"]
            self.assertEqual({hook["topic"] for hook in data["registered"]},
                             set(test_adapter.REGISTERED_TOPICS))
            order_hook = next(hook for hook in data["registered"] if hook["topic"] == "orders/create")
            self.assertEqual((order_hook["status"], order_hook["kind"]), ("active", "orders"))
            self.assertTrue(order_hook["address"].endswith(f"/api/v1/stores/{self.store.code}/webhooks/orders"))

            # Repair one topic: only it is touched, the answer lists every subscription.
            test_adapter.WEBHOOK_SUBSCRIPTIONS[self.store.id]["orders/create"]["address"] = "https://old/"
            self.env["store.webhook"].search([("store_id", "=", self.store.id)]).write({"status": "error"})
            response = self._post(self._url("webhooks"), {"topics": ["orders/create"]}, key=self.manager_key)
            self.assertEqual(response.status_code, 200, response.text)
            data = response.json()["data"]
            self.assertEqual([hook["topic"] for hook in data["registered"]], ["orders/create"])
            self.assertEqual(data["registered"][0]["status"], "active")
            self.assertEqual(len(data["webhooks"]), len(test_adapter.REGISTERED_TOPICS))
            others = {hook["status"] for hook in data["webhooks"] if hook["topic"] != "orders/create"}
            self.assertEqual(others, {"error"})
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "webhooks.register")])
        self.assertEqual(len(log), 2)

    def test_webhook_registration_refusals(self):
        with self._webhook_registration():
            # A Store Connector User may not (Register Webhooks is the managers').
            self.assertApiError(self._post(self._url("webhooks")), 403, "forbidden")
            self.assertFalse(test_adapter.WEBHOOK_SUBSCRIPTIONS)
            error = self.assertApiError(
                self._post(self._url("webhooks"), {"topics": ["orders/create", "orders/paid"]},
                           key=self.manager_key),
                422, "unknown_topic")
            self.assertEqual(error["details"]["allowed"], list(test_adapter.REGISTERED_TOPICS))
            for body in ({"topics": []}, {"topics": "orders/create"}, {"topics": [""]}, {"topic": ["x"]}):
                with self.subTest(body=body):
                    response = self._post(self._url("webhooks"), body, key=self.manager_key)
                    self.assertEqual(response.status_code, 422, response.text)
            self.assertFalse(test_adapter.WEBHOOK_SUBSCRIPTIONS, "nothing registered on a refusal")
            # Another company's store is not found.
            response = self._post(self._url("webhooks", self.store_other_company), key=self.manager_key)
            self.assertApiError(response, 404, "store_not_found")
            # A platform addon that registers everything at once only.
            with patch.object(type(self.adapter), "_webhook_registration_topics", lambda self, store: ()):
                self.assertApiError(self._post(self._url("webhooks"), {"topics": ["orders/create"]},
                                               key=self.manager_key), 501, "not_supported")
        # The test platform does not declare registration by default: nothing to call.
        self.assertApiError(self._post(self._url("webhooks"), key=self.manager_key), 501, "not_supported")
        self.assertFalse(test_adapter.WEBHOOK_SUBSCRIPTIONS)

    # ------------------------------------------------------------------ inventory: one item
    def test_inventory_accepts_one_item_as_the_body(self):
        response = self._post(self._url("sync/inventory"), {"sku": "SKU-A", "quantity": 4})
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["data"]["items"], 1)
        [job] = self._jobs("inventory.sync")
        self.assertEqual(job.sudo().payload.get("quantities"), {"SKU-A": 4}, job.sudo().payload)
        for body, code in (({"sku": "SKU-A"}, "invalid_quantity"), ({"quantity": 3}, "invalid_sku"),
                           ({"sku": "SKU-A", "quantity": -1}, "invalid_quantity"),
                           ({"sku": "SKU-A", "quantity": 1, "items": []}, "invalid_body"),
                           ({"sku": "NOPE", "quantity": 1}, "unknown_sku")):
            with self.subTest(body=body):
                self.assertApiError(self._post(self._url("sync/inventory"), body), 422, code)
        self.assertEqual(len(self._jobs("inventory.sync")), 1)
