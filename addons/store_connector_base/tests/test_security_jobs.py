"""Issue #7, points 1, 4 and 6 (base): forged jobs, the queue run by anyone, the actions of the store
form and of the job list over RPC.

Every attack goes through Odoo's external JSON-RPC (or the web client's call_kw) as the user who
makes it (see common_attack.py); the runner's own checks are exercised by jobs that a superuser
wrote, as a bug or a compromised module would, and run by the real queue runner.
"""

import json

from odoo.models import regex_private

from .common import run_queue
from .common_attack import RpcAttackCase, RpcError

# The normalized order of the forged "import an order" job (see services/normalized.py).
FORGED_ORDER = {
    "id": "forged-1",
    "number": "FORGED-1",
    "created_at": "2026-05-01T10:00:00Z",
    "updated_at": "2026-05-01T10:00:00Z",
    "currency": "USD",
    "status": "pending",
    "customer": {"id": "c-forged", "email": "forged@example.com", "first_name": "Mal", "last_name": "Lory"},
    "billing_address": {"first_name": "Mal", "last_name": "Lory", "street": "1 Main St",
                        "city": "Springfield", "zip": "12345", "country_code": "US"},
    "lines": [{"id": "l1", "sku": "SEC-MUG", "name": "Mug", "quantity": 1, "unit_price": "10.00"}],
    "payment_method": "stripe",
    "total": "10.00",
}

# What a job runs: no caller may set it, whatever their group (only the enqueue API does).
JOB_SPEC_VALUES = {
    "model_name": "connector.store",
    "method_name": "_job_scripted",
    "operation": "forged.operation",
    "direction": "export",
    "identity_key": "forged-key",
    "state": "pending",
    "retry_count": 0,
}

# The public methods of connector.store and sync.job that only a Store Connector Manager may call
# (credentials and the store's platform set-up); every other public method is for Users. A new
# public method must be added to one of the two sets: the enumeration test fails until it is.
MANAGER_ONLY = {
    "connector.store": {
        "create", "write", "action_test_connection", "action_register_webhooks", "action_resume",
        "action_reset_status_mapping", "action_shopify_fetch_locations", "action_oauth_install",
        "action_choose_stock_baseline",
        "action_open_setup",
        "action_woocommerce_connect",
        "action_ebay_suggest_categories",

        "action_ebay_migrate_listings", "action_ebay_load_carrier_codes",
        # Payouts (issue #14): the import books into accounting.
        "action_import_payouts",
    },
    "sync.job": {"create", "write"},
}
USER_ACTIONS = {
    "connector.store": {
        "action_full_sync", "action_process_queue", "action_pull_orders", "action_sync_inventory",
        "action_export_products", "action_import_products", "action_view_jobs", "action_view_failed_jobs",
        "action_view_job_analysis", "action_view_recent_jobs", "action_view_order_bindings",
        "action_view_product_bindings", "action_new_sync_api_key",
        # The latest Full Sync's failed jobs (connector_store_full_sync.py).
        "action_view_full_sync_failed_jobs",
        # ... and its records refused inside pages that were imported (the activity log's lines).
        "action_view_full_sync_failed_records",
        "action_reconcile_stock", "action_view_stock_drift", "action_repair_stock_drift",
        "action_view_test_requests", "action_recover_order",
        # The dashboard's links (issue #13): charts and filtered lists, read-only.
        "action_view_webhook_problems", "action_view_api_calls", "action_view_order_chart",
        "action_view_payouts",
    },
    "sync.job": {"action_process_queue", "action_retry", "action_cancel", "action_run_now"},
}


def public_methods(env, model):
    """The names of the public methods (callable over RPC) that our addons define on `model`."""
    cls = type(env[model])
    names = set()
    for klass in cls.__mro__:
        if not (getattr(klass, "__module__", None) or "").startswith("odoo.addons.store_connector"):
            continue
        for name, value in vars(klass).items():
            if callable(value) and not regex_private.match(name) and name not in cls._fields:
                names.add(name)
    return names


class JobAttackCase(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job_a = cls.env["sync.job"]._enqueue(cls.store_a, "security.check", "_job_noop")
        cls.job_b = cls.env["sync.job"]._enqueue(cls.store_b, "security.check", "_job_noop")
        cls.env["product.product"].create({"name": "Mug", "default_code": "SEC-MUG", "type": "consu"})

    def forged_job(self, store, records, method_name, payload=None):
        """A job of `store` on `records`, written by a superuser: what a forged RPC create or
        write would have left in the queue."""
        return self.env["sync.job"].create({
            "store_id": store.id,
            "operation": "forged.operation",
            "model_name": records._name,
            "res_ids": records.ids,
            "method_name": method_name,
            "payload": payload,
        })

    def assertRefusedByRunner(self, job, payload=None):
        self.env.invalidate_all()
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.error_kind, "permanent")
        self.assertIn("do not belong to store", job.last_error)
        self.assertEqual(job.payload or None, payload)


class TestForgedJobs(JobAttackCase):
    """Point 1: only the enqueue API says what a job runs; the runner checks its targets."""

    def test_manager_cannot_create_a_job_over_rpc(self):
        forged = {
            "store_id": self.store_a.id, "operation": "orders.import.order",
            "model_name": "connector.store", "res_ids": [self.store_b.id],
            "method_name": "_job_import_order", "payload": {"order": FORGED_ORDER},
        }
        for user in (self.manager_a, self.manager_b, self.user_a, self.internal_a, self.portal_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "sync.job", "create", [forged])
        # The web client's route and a copy of an existing job are refused too.
        with self.assertRaises(RpcError) as caught:
            self.call_kw(self.manager_a, "sync.job", "create", [forged])
        self.assertEqual(caught.exception.name.rsplit(".", 1)[-1], "AccessError")
        self.assertRpcRefused(self.manager_a, "sync.job", "copy", self.job_a.id)
        self.assertFalse(self.env["sync.job"].search([("operation", "=", "orders.import.order")]))

    def test_manager_cannot_rewrite_what_a_job_runs(self):
        job = self.job_a
        rewrites = dict(JOB_SPEC_VALUES, store_id=self.store_b.id, res_ids=[self.store_b.id],
                        payload={"write_name": "pwned"})
        for user in (self.manager_a, self.manager_b):
            for field, value in rewrites.items():
                with self.subTest(user=user.login, field=field):
                    self.assertRpcRefused(user, "sync.job", "write", [job.id], {field: value})
        self.env.invalidate_all()
        self.assertEqual((job.store_id, job.model_name, job.res_ids, job.method_name, job.payload or None),
                         (self.store_a, "connector.store", self.store_a.ids, "_job_noop", None))
        # What the job form offers a manager (when it runs, how often it is retried) still works.
        self.rpc(self.manager_a, "sync.job", "write", [job.id], {"priority": 3, "max_retries": 2})
        self.env.invalidate_all()
        self.assertEqual((job.priority, job.max_retries), (3, 2))

    def test_job_form_shows_what_a_job_runs_read_only(self):
        view = self.rpc(self.manager_a, "sync.job", "get_views", [[False, "form"]])["views"]["form"]
        fields = self.rpc(self.manager_a, "sync.job", "fields_get", [], attributes=["readonly"])
        for name in ("store_id", "operation", "direction", "model_name", "res_ids", "method_name",
                     "payload", "identity_key", "state"):
            with self.subTest(field=name):
                self.assertTrue(fields[name]["readonly"], f"{name} is editable")
        self.assertIn('name="store_id"', view["arch"])

    def test_runner_refuses_a_job_creating_a_sale_order_in_another_company(self):
        # The audit's job: a job of store A whose target is store B imports an order into company B.
        payload = {"order": FORGED_ORDER}
        job = self.forged_job(self.store_a, self.store_b, "_job_import_order", payload)
        orders_before = self.env["sale.order"].search_count([("company_id", "=", self.company_b.id)])
        run_queue(self.env, self.store_a)
        self.assertRefusedByRunner(job, payload)
        self.assertEqual(self.env["sale.order"].search_count([("company_id", "=", self.company_b.id)]),
                         orders_before)
        self.assertFalse(self.env["store.order.binding"].search([("external_id", "=", "forged-1")]))

    def test_runner_refuses_a_job_changing_another_companys_store(self):
        payload = {"write_name": "Taken over"}
        job = self.forged_job(self.store_a, self.store_b, "_job_scripted", payload)
        run_queue(self.env, self.store_a)
        self.assertRefusedByRunner(job, payload)
        self.assertEqual(self.store_b.name, "Attack Shop B")

    def test_runner_refuses_another_stores_webhook_delivery(self):
        # A delivery of store B (an order for company B) run by a job of store A, alone or in a batch.
        delivery_b = self.env["store.webhook.delivery"].create({
            "store_id": self.store_b.id, "kind": "orders", "event_id": "evt-forged",
            "body": json.dumps({"order": FORGED_ORDER}),
        })
        delivery_a = self.env["store.webhook.delivery"].create({
            "store_id": self.store_a.id, "kind": "orders", "event_id": "evt-own", "body": "{}",
        })
        own = self.forged_job(self.store_a, delivery_a, "_job_process")
        forged = self.forged_job(self.store_a, delivery_b, "_job_process")
        run_queue(self.env, self.store_a)
        self.assertRefusedByRunner(forged)
        self.assertEqual(own.state, "done")
        self.assertFalse(self.env["store.order.binding"].search([("external_id", "=", "forged-1")]))

    def test_runner_refuses_records_of_another_company(self):
        # An Odoo record tied to a store by its company and order: a delivery of company B pushed
        # to the platform by a job of store A.
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", self.company_b.id)], limit=1)
        picking_b = self.env["stock.picking"].create({
            "picking_type_id": warehouse_b.out_type_id.id,
            "location_id": warehouse_b.lot_stock_id.id,
            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
            "company_id": self.company_b.id,
        })
        self.store_a.allow_orders_push = True
        job = self.forged_job(self.store_a, picking_b, "_job_push_fulfillment")
        run_queue(self.env, self.store_a)
        self.assertRefusedByRunner(job)
        self.assertFalse(picking_b.store_fulfillment_ref)

    def test_every_job_handler_model_declares_its_store_check(self):
        # The runner asks each target model which of its records belong to the job's store
        # (_sync_job_store_records); a model with job handlers that declares nothing is refused
        # by the default, so every model with a handler must declare its rule.
        default = type(self.env["base"])._sync_job_store_records
        for name, model in self.env.items():
            handlers = [attr for attr in dir(type(model)) if attr.startswith("_job_")
                        and attr != "_job_batch_handlers" and callable(getattr(type(model), attr))]
            if handlers:
                with self.subTest(model=name):
                    self.assertIsNot(type(model)._sync_job_store_records, default,
                                     f"{name} has job handlers {handlers} but no store check")
        self.assertFalse(self.env["res.partner"].browse(self.env.user.partner_id.id)
                         ._sync_job_store_records(self.store_a))

    def test_enqueued_jobs_still_run(self):
        # The store's own records pass the check: the legitimate queue is unaffected.
        job = self.env["sync.job"]._enqueue(self.store_a, "security.check", "_job_scripted",
                                            payload={"result": "fine"})
        run_queue(self.env, self.store_a)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.result, "fine")


class TestQueueAccess(JobAttackCase):
    """Point 4: the queue actions are for Store Connector users, on the stores they may read."""

    def test_process_queue_refused_to_portal_and_internal_users(self):
        for user in (self.portal_a, self.internal_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "sync.job", "action_process_queue")
                self.assertRpcRefused(user, "connector.store", "action_process_queue", [self.store_a.id])
        self.env.invalidate_all()
        self.assertEqual((self.job_a.state, self.job_b.state), ("pending", "pending"))

    def test_process_queue_runs_only_the_callers_companies(self):
        self.rpc(self.user_b, "sync.job", "action_process_queue")
        self.env.invalidate_all()
        self.assertEqual((self.job_a.state, self.job_b.state), ("pending", "done"))
        # Not even by naming company A in the request's context.
        self.assertRpcRefused(self.user_b, "sync.job", "action_process_queue",
                              context={"allowed_company_ids": self.company_a.ids})
        self.assertRpcRefused(self.user_b, "connector.store", "action_process_queue", [self.store_a.id])
        self.env.invalidate_all()
        self.assertEqual(self.job_a.state, "pending")
        self.rpc(self.user_a, "sync.job", "action_process_queue")
        self.env.invalidate_all()
        self.assertEqual(self.job_a.state, "done")

    def test_job_buttons_refused_on_another_companys_jobs(self):
        self.job_a.action_cancel()
        for user in (self.user_b, self.internal_a, self.portal_a):
            for method in ("action_retry", "action_run_now", "action_cancel"):
                with self.subTest(user=user.login, method=method):
                    self.assertRpcRefused(user, "sync.job", method, [self.job_a.id])
        self.env.invalidate_all()
        self.assertEqual(self.job_a.state, "cancelled")
        self.rpc(self.user_a, "sync.job", "action_retry", [self.job_a.id])
        self.rpc(self.user_a, "sync.job", "action_run_now", [self.job_a.id])
        self.env.invalidate_all()
        self.assertEqual(self.job_a.state, "done")


class TestStoreActionAccess(JobAttackCase):
    """Point 6: every public method of the store and the queue checks its caller on the server."""

    def _call(self, user, model, method):
        """`method` over RPC as `user` on company A's record of `model` (in company A's context for
        the methods that take no record), with the arguments its signature needs.

        :returns: the error's class name (AccessError, UserError...), or None when it was accepted.
        """
        func = getattr(type(self.env[model]), method)
        record = {"connector.store": self.store_a, "sync.job": self.job_a}[model]
        args, kwargs = [], {}
        if getattr(func, "_api", None) in ("model", "model_create"):
            kwargs["context"] = {"allowed_company_ids": self.company_a.ids}
        else:
            args.append(record.ids)
        if method == "create":
            args.append([{"store_id": self.store_a.id, "name": "Forged", "platform": "test",
                          "operation": "forged", "model_name": "connector.store", "method_name": "_job_noop"}
                         if model == "sync.job" else {"name": "Forged", "platform": "test"}])
        elif method == "write":
            args.append({"priority": 1} if model == "sync.job" else {"name": "Forged"})
        try:
            self.rpc(user, model, method, *args, **kwargs)
        except RpcError as refusal:
            return refusal.name.rsplit(".", 1)[-1]
        return None

    def test_methods_are_all_classified(self):
        for model in ("connector.store", "sync.job"):
            with self.subTest(model=model):
                self.assertEqual(public_methods(self.env, model), MANAGER_ONLY[model] | USER_ACTIONS[model])

    def test_every_public_method_refused_to_outsiders(self):
        for model in ("connector.store", "sync.job"):
            for method in sorted(public_methods(self.env, model)):
                for user in (self.internal_a, self.portal_a, self.user_b):
                    with self.subTest(model=model, method=method, user=user.login):
                        self.assertEqual(self._call(user, model, method), "AccessError")

    def test_manager_only_methods_refused_to_users(self):
        self.store_a._pause_for_auth("the platform refused the key")
        for model, methods in MANAGER_ONLY.items():
            for method in sorted(methods):
                with self.subTest(model=model, method=method):
                    self.assertEqual(self._call(self.user_a, model, method), "AccessError")
        self.env.invalidate_all()
        self.assertTrue(self.store_a.paused)
        self.assertEqual(self.store_a.name, "Attack Shop A")
        self.assertFalse(self.store_a.log_ids.filtered(lambda log: log.operation == "connection.test"))

    def test_users_keep_sync_triggers_and_queue_buttons(self):
        # Accepted, or refused for a reason other than rights (e.g. retrying a job that did not fail).
        for model, methods in USER_ACTIONS.items():
            for method in sorted(methods):
                with self.subTest(model=model, method=method):
                    self.assertNotEqual(self._call(self.user_a, model, method), "AccessError")
        self.env.invalidate_all()
        self.assertTrue(self.env["sync.job"].search([("store_id", "=", self.store_a.id),
                                                     ("create_uid", "=", self.user_a.id)]))

    def test_manager_resumes_a_paused_store(self):
        self.store_a._pause_for_auth("the platform refused the key")
        self.rpc(self.manager_a, "connector.store", "action_resume", [self.store_a.id])
        self.env.invalidate_all()
        self.assertFalse(self.store_a.paused)
        self.assertRpcRefused(self.manager_b, "connector.store", "action_resume", [self.store_a.id])
