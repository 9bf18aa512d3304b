"""Test mode in the base (issue #13): the client core holds back a write of a store in test mode
(what counts as a write is the client's `_request_writes`), the job ends done with the request
recorded on it and its work rolled back; reads are sent; only managers switch test mode; users of
another company never read the recorded requests; they hold no credential."""

import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.store_connector_base.exceptions import TestModeNotSent

from .common_attack import USER, RpcAttackCase
from .test_api_client import API_SECRET, ApiClientCase


class TestTestModeClient(ApiClientCase):
    def setUp(self):
        super().setUp()
        self.server = self.serve(lambda request: (200, {}, {"id": 7}))
        self.store.test_mode = True

    def test_a_write_is_held_with_a_readable_body_and_no_credential(self):
        self.env["integration.credential"]._set_value(self.store, "api_secret", API_SECRET)
        with self.assertRaises(TestModeNotSent) as caught:
            self.client().request_json("PUT", "/products/7", json={"regular_price": "9.90"},
                                       params={"context": "edit"},
                                       headers={"X-Request-Tag": "price", "X-Api-Token": self.api_key})
        self.assertEqual(self.server.requests, [], "nothing reached the platform")
        vals = caught.exception.request_vals
        self.assertEqual(vals["method"], "PUT")
        self.assertEqual(vals["operation"], "PUT /api/products/7")
        self.assertTrue(vals["url"].endswith("/api/products/7?context=edit"), vals["url"])
        self.assertEqual(json.loads(vals["body"]), {"regular_price": "9.90"})
        self.assertIn("\n", vals["body"], "indented")
        self.assertEqual(json.loads(vals["headers"]), {"X-Request-Tag": "price"})
        self.assertNoSecret(json.dumps(vals))
        self.assertIn("Test mode", str(caught.exception))

    def test_reads_are_sent(self):
        self.assertEqual(self.client().request_json("GET", "/system_status"), {"id": 7})
        self.assertEqual(len(self.server.requests), 1)

    def test_a_job_that_writes_ends_done_with_the_request_recorded_and_its_work_rolled_back(self):
        job = self.env["sync.job"]._enqueue(self.store, "test.api_call", "_job_test_api_call",
                                            payload={"method": "DELETE", "path": "/webhooks/12"})
        self.run_queue()
        self.assertEqual(self.server.requests, [])
        self.assertEqual(job.state, "done")
        self.assertIn("Test mode: not sent", job.result)
        self.assertEqual((job.test_request_method, job.test_request_operation),
                         ("DELETE", "DELETE /api/webhooks/12"))
        [request] = self.store.test_request_ids
        self.assertEqual(request.job_id, job)
        self.assertEqual(request.platform_name, "Test Platform")
        self.assertEqual(self.store.test_request_count, 1)
        self.assertFalse(self.store.paused)
        # Live: the same job is sent.
        self.store.test_mode = False
        job = self.env["sync.job"]._enqueue(self.store, "test.api_call", "_job_test_api_call",
                                            payload={"method": "DELETE", "path": "/webhooks/13"})
        self.run_queue()
        self.assertEqual(job.state, "done")
        self.assertEqual([r["method"] for r in self.server.requests], ["DELETE"])

    def test_only_managers_switch_test_mode(self):
        user = new_test_user(self.env, "tm_user", groups=f"base.group_user,{USER}")
        with self.assertRaises(AccessError):
            self.store.with_user(user).write({"test_mode": False})
        manager = new_test_user(self.env, "tm_manager",
                                groups="base.group_user,store_connector_base.group_store_connector_manager")
        self.store.with_user(manager).write({"test_mode": False})
        self.assertFalse(self.store.test_mode)

    def test_the_banner_names_the_platform(self):
        self.assertIn("Test mode: nothing is sent to Test Platform", self.store.test_mode_banner)
        self.store.test_mode = False
        self.assertFalse(self.store.test_mode_banner)


@tagged("post_install", "-at_install")
class TestTestModeAttacks(RpcAttackCase):
    def test_a_user_cannot_switch_test_mode_over_rpc(self):
        self.assertRpcRefused(self.user_a, "connector.store", "write", [self.store_a.id], {"test_mode": True})
        self.assertFalse(self.store_a.test_mode)
        self.rpc(self.manager_a, "connector.store", "write", [self.store_a.id], {"test_mode": True})
        self.assertTrue(self.store_a.test_mode)
        self.assertRpcRefused(self.manager_b, "connector.store", "write", [self.store_a.id],
                              {"test_mode": False})

    def test_recorded_requests_stay_in_their_company_and_are_written_by_the_connector_only(self):
        request = self.env["store.test.request"].create({
            "store_id": self.store_a.id, "method": "POST", "operation": "POST /api/products", "body": "{}"})
        self.assertEqual(self.rpc(self.user_b, "store.test.request", "search", []), [])
        self.assertEqual(self.rpc(self.user_a, "store.test.request", "search", []), [request.id])
        self.assertRpcRefused(self.manager_a, "store.test.request", "create",
                              {"store_id": self.store_a.id, "method": "GET"})
        self.assertRpcRefused(self.manager_a, "store.test.request", "write", [request.id], {"body": "x"})
