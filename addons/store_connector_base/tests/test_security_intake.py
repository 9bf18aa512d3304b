"""What the webhook intake keeps, and what the jobs it queues run with (issue #7 follow-up).

* A delivery's body is what a superuser job processes: nobody writes it but the intake, and the
  activity log is written by the connector's code alone (attacks over RPC as a Manager).
* A job's payload may carry customers' data: Managers only, as the body of a delivery.
* A job runs in its store's company, whatever the company of the user running the queue.
* An archived store still receives what its platform declares it must (data-erasure requests),
  and those jobs run; nothing else reaches an archived store.
"""

import json
from datetime import timedelta
from unittest.mock import patch

from lxml import etree

from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import HttpCase, TransactionCase

from odoo.addons.store_connector_base.exceptions import StoreAuthError
from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    StoreAdapterTest,
    sign,
)

from .common import create_test_store, run_queue
from .common_attack import WEBHOOK_SECRET_A as SECRET_A
from .common_attack import RpcAttackCase


def post_delivery(case, store, secret, body, event_id, kind="orders", topic=None):
    """POST a signed delivery of the test platform to the real intake route."""
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, raw),
               EVENT_HEADER: event_id}
    if topic:
        headers[TOPIC_HEADER] = topic
    return case.url_open(f"/api/v1/stores/{store.code}/webhooks/{kind}", data=raw, headers=headers)


class TestDeliveriesAndLogAreWrittenByTheConnectorOnly(RpcAttackCase):
    """A Manager could rewrite a delivery's body (or create one) and retry its job: the runner would
    then process the forged body as superuser (a forged customers/redact, a forged order)."""

    def setUp(self):
        super().setUp()
        genuine = {"id": 4711, "order": "as the platform sent it"}
        response = post_delivery(self, self.store_a, SECRET_A, genuine, "evt-4711")
        self.assertEqual(response.status_code, 200, response.text)
        self.delivery = self.env["store.webhook.delivery"].search([("store_id", "=", self.store_a.id)])
        self.assertEqual(len(self.delivery), 1)
        self.job = self.delivery.job_id

    def test_manager_cannot_rewrite_a_delivery_and_retry_it(self):
        forged = json.dumps({"id": 4711, "order": "forged by a manager"})
        # the job may be cancelled and retried (queue buttons), never fed another body
        self.rpc(self.manager_a, "sync.job", "action_cancel", self.job.ids)
        for vals in ({"body": forged}, {"headers": {"X-Forged": "1"}}, {"topic": "customers/redact"},
                     {"kind": "customers", "event_id": "evt-other"}):
            with self.subTest(vals=list(vals)):
                self.assertRpcRefused(self.manager_a, "store.webhook.delivery", "write",
                                      self.delivery.ids, vals)
        self.rpc(self.manager_a, "sync.job", "action_retry", self.job.ids)
        run_queue(self.env, self.store_a)
        self.job.invalidate_recordset()
        self.assertEqual(self.job.state, "done")
        self.assertEqual(json.loads(self.job.result)["payload"]["order"], "as the platform sent it")
        self.delivery.invalidate_recordset()
        self.assertEqual((self.delivery.topic, self.delivery.kind), ("orders", "orders"))

    def test_manager_cannot_create_or_delete_a_delivery(self):
        forged = {"store_id": self.store_a.id, "kind": "orders", "topic": "orders", "event_id": "evt-forged",
                  "body": json.dumps({"id": 1, "order": "forged"})}
        for user in (self.manager_a, self.user_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.webhook.delivery", "create", [forged])
                self.assertRpcRefused(user, "store.webhook.delivery", "unlink", self.delivery.ids)
        self.assertFalse(self.env["store.webhook.delivery"].search([("event_id", "=", "evt-forged")]))
        self.assertTrue(self.delivery.exists())

    def test_activity_log_is_written_by_the_connector_only(self):
        log = self.store_a._log_activity("orders.import", "failed", message="what really happened")
        line = {"store_id": self.store_a.id, "operation": "orders.import", "status": "done",
                "message": "nothing happened"}
        for user in (self.manager_a, self.user_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.activity.log", "create", [line])
                self.assertRpcRefused(user, "store.activity.log", "write", log.ids, {"message": "rewritten"})
                self.assertRpcRefused(user, "store.activity.log", "unlink", log.ids)
        # nor through the store's list of log lines
        for command in (Command.create(line), Command.update(log.id, {"status": "done"}),
                        Command.delete(log.id)):
            with self.subTest(command=command[0]):
                self.assertRpcRefused(self.manager_a, "connector.store", "write", self.store_a.ids,
                                      {"log_ids": [command]})
        log.invalidate_recordset()
        self.assertEqual((log.status, log.message), ("failed", "what really happened"))
        self.assertEqual(
            self.env["store.activity.log"].search_count([("message", "=", "nothing happened")]), 0)
        # they still read it
        rows = self.rpc(self.user_a, "store.activity.log", "read", log.ids, ["message"])
        self.assertEqual(rows[0]["message"], "what really happened")


class TestDeliveryPurge(TransactionCase):
    """Deliveries are purged by a cron once processed and older than the retention."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_test_store(cls.env, "Purge Store")
        cls.Delivery = cls.env["store.webhook.delivery"].sudo()

    def _delivery(self, event_id, days_old, job_state):
        delivery = self.Delivery.browse(self.Delivery._insert_delivery(
            self.store, "orders", "orders", event_id, {}, "{}", operation="webhook.orders",
            method_name="_job_process"))
        self.env.cr.execute("UPDATE store_webhook_delivery SET received_at = received_at - %s WHERE id = %s",
                            [timedelta(days=days_old), delivery.id])
        if job_state is None:
            self.env.cr.execute("DELETE FROM sync_job WHERE id = %s", [delivery.job_id.id])
        else:
            self.env.cr.execute("UPDATE sync_job SET state = %s WHERE id = %s",
                                [job_state, delivery.job_id.id])
        self.env.invalidate_all()
        return delivery

    def test_processed_deliveries_older_than_the_retention_are_purged(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "store_connector.webhook_delivery_retention_days", "30")
        old_done = self._delivery("old-done", 40, "done")
        old_cancelled = self._delivery("old-cancelled", 40, "cancelled")
        old_job_purged = self._delivery("old-job-purged", 40, None)
        old_failed = self._delivery("old-failed", 40, "failed")
        old_pending = self._delivery("old-pending", 40, "pending")
        recent_done = self._delivery("recent-done", 10, "done")
        with patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress:
            deleted = self.Delivery._cron_purge_processed()
        self.assertEqual(deleted, 3)
        progress.assert_called_once_with(done=3, remaining=0)
        self.assertFalse((old_done | old_cancelled | old_job_purged).exists())
        kept = old_failed | old_pending | recent_done
        self.assertEqual(kept.exists(), kept, "failed and pending deliveries, and recent ones, are kept")
        cron = self.env.ref("store_connector_base.ir_cron_webhook_delivery_purge")
        self.assertEqual(cron.code.strip(), "model._cron_purge_processed()")


class TestOrderPayloadForManagersOnly(RpcAttackCase):
    """An order binding keeps the platform's order as imported (the customer's e-mail and
    addresses): Managers only; the order binding views still load for a User."""

    def setUp(self):
        super().setUp()
        order = self.env["sale.order"].create({"partner_id": self.manager_a.partner_id.id})
        self.binding = self.env["store.order.binding"].create({
            "store_id": self.store_a.id, "order_id": order.id, "external_id": "PAYLOAD-1",
            "last_payload": {"email": "jane.doe@example.com", "address": "1 Private Lane"},
        })

    def test_user_cannot_read_the_last_payload(self):
        model = "store.order.binding"
        self.assertRpcRefused(self.user_a, model, "read", self.binding.ids, ["last_payload"])
        self.assertRpcRefused(self.user_a, model, "search_read", [("last_payload", "!=", False)],
                              fields=["external_id"])
        row = self.rpc(self.user_a, model, "read", self.binding.ids)[0]
        self.assertNotIn("last_payload", row)
        self.assertEqual(row["external_id"], "PAYLOAD-1", "the rest of the binding is readable")
        manager_row = self.rpc(self.manager_a, model, "read", self.binding.ids, ["last_payload"])[0]
        self.assertEqual(manager_row["last_payload"]["email"], "jane.doe@example.com")

    def test_order_binding_views_load_for_a_user(self):
        for user, sees_payload in ((self.user_a, False), (self.manager_a, True)):
            result = self.call_kw(user, "store.order.binding", "get_views",
                                  [[False, "list"], [False, "form"]])
            arch = etree.fromstring(result["views"]["form"]["arch"])
            names = {node.get("name") for node in arch.iter("field")}
            with self.subTest(user=user.login):
                self.assertEqual("last_payload" in names, sees_payload)
                self.call_kw(user, "store.order.binding", "web_read", self.binding.ids,
                             specification={name: {} for name in names})


class TestJobPayloadForManagersOnly(RpcAttackCase):
    """A job's payload may carry an order or a customer (personal data): Managers only, like the
    body of a delivery; the job form still loads for a User."""

    def setUp(self):
        super().setUp()
        self.job = self.env["sync.job"]._enqueue(
            self.store_a, "security.check", "_job_noop",
            payload={"order": {"email": "jane.doe@example.com", "address": "1 Private Lane"}})

    def test_user_cannot_read_the_payload(self):
        model = "sync.job"
        self.assertRpcRefused(self.user_a, model, "read", self.job.ids, ["payload"])
        self.assertRpcRefused(self.user_a, model, "search_read", [("id", "=", self.job.id)],
                              fields=["payload"])
        self.assertRpcRefused(self.user_a, model, "search_read", [("payload", "!=", False)], fields=["state"])
        row = self.rpc(self.user_a, model, "read", self.job.ids)[0]
        self.assertNotIn("payload", row)
        self.assertEqual(row["operation"], "security.check", "the rest of the job is readable")
        with self.assertRaises(Exception) as caught:
            self.call_kw(self.user_a, model, "web_read", self.job.ids, specification={"payload": {}})
        self.assertIn("AccessError", str(caught.exception))

    def test_manager_reads_the_payload(self):
        row = self.rpc(self.manager_a, "sync.job", "read", self.job.ids, ["payload"])[0]
        self.assertEqual(row["payload"]["order"]["email"], "jane.doe@example.com")

    def test_job_views_load_for_a_user_without_the_payload(self):
        for user, sees_payload in ((self.user_a, False), (self.manager_a, True)):
            result = self.call_kw(user, "sync.job", "get_views", [[False, "list"], [False, "form"],
                                                                  [False, "search"]])
            for view_type in ("list", "form", "search"):
                with self.subTest(user=user.login, view_type=view_type):
                    arch = etree.fromstring(result["views"][view_type]["arch"])
                    # The job's own fields: not those of a one2many's list inside the form.
                    names = {node.get("name") for node in arch.iter("field")
                             if not any(parent.tag == "field" for parent in node.iterancestors())}
                    self.assertTrue({"operation", "operation_label"} & names, "the view loaded")
                    self.assertEqual("payload" in names, sees_payload and view_type == "form")
                    if not sees_payload:
                        self.assertNotIn("payload", etree.tostring(arch).decode(), "not even in a modifier")
                    if view_type == "form":
                        # The payload's folded section (<details>), or a tab in a customized view.
                        sections = {node.get("name") for node in arch.iter("page", "details")}
                        self.assertEqual("payload" in sections, sees_payload,
                                         "no empty Payload section for a User")
                        # what the form reads loads, as the web client asks for it
                        self.call_kw(user, "sync.job", "web_read", self.job.ids,
                                     specification={name: {} for name in names})


class TestJobsRunInTheStoreCompany(TransactionCase):
    """The runner runs as the cron's user (company A here); a job of store B must read and write
    company B's values: costs, properties, default taxes, `env.company`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Runner Company B"})
        cls.store_b = create_test_store(cls.env, "Company B Shop", company=cls.company_b)
        cls.runner = new_test_user(cls.env, "sc_runner_a", groups="base.group_user",
                                   company_id=cls.company_a.id, company_ids=[Command.set(cls.company_a.ids)])
        country = cls.company_a.account_fiscal_country_id or cls.env.ref("base.us")
        cls.tax_of = {}
        for company in (cls.company_a, cls.company_b):
            group = cls.env["account.tax.group"].create(
                {"name": f"Group {company.name}", "company_id": company.id, "country_id": country.id})
            tax = cls.env["account.tax"].create({
                "name": f"Sales tax {company.name}", "amount": 10 if company == cls.company_a else 20,
                "type_tax_use": "sale", "company_id": company.id, "country_id": country.id,
                "tax_group_id": group.id,
            })
            company.account_sale_tax_id = tax
            cls.tax_of[company] = tax
        cls.shared = cls.env["product.product"].create({"name": "Shared Cost Mug", "company_id": False})
        cls.shared.with_company(cls.company_a).standard_price = 1.0
        cls.shared.with_company(cls.company_b).standard_price = 2.0

    def run_as_runner(self):
        """The queue as the cron runs it: as superuser, with the cron user's company (A)."""
        self.env.flush_all()
        return self.env["sync.job"].with_user(self.runner)._process_queue(
            store_ids=self.store_b.ids, commit=False, time_limit=600)

    def test_product_import_of_store_b_works_for_a_runner_outside_company_b(self):
        """In company B, a new product's company-dependent defaults must not point at the runner's
        user, who is not of company B (Odoo refuses such a link): the import creates it all the same."""
        adapter = self.store_b._get_adapter()
        adapter._test_set_products(self.store_b, [{
            "title": "Company B Import", "updated_at": "2026-11-01T00:00:00Z",
            "external_ids": {"product_id": "P-B-1"},
            "variants": [{"sku": "RUNNER-B-1", "price": 5.0, "attributes": [],
                          "external_ids": {"variant_id": "V-B-1"}}],
        }], page_size=10)
        self.store_b._enqueue_product_import()
        self.run_as_runner()
        job = self.env["sync.job"].search([("store_id", "=", self.store_b.id),
                                           ("operation", "=", "products.import")])
        self.assertEqual(job.mapped("state"), ["done"], job.mapped("last_error"))
        product = self.env["product.product"].search([("default_code", "=", "RUNNER-B-1")])
        self.assertTrue(product, job.result)
        self.assertIn(self.tax_of[self.company_b], product.taxes_id)
        self.assertFalse(product.with_company(self.company_b).responsible_id)

    def _deliveries(self, count):
        Delivery = self.env["store.webhook.delivery"].sudo()
        return Delivery.browse([
            Delivery._insert_delivery(self.store_b, "orders", "orders", f"cost-{count}-{index}", {}, "{}",
                                      operation="webhook.orders", method_name="_job_process")
            for index in range(count)
        ])

    def _read_cost(self, store):
        return {"company": store.env.company.id, "companies": store.env.companies.ids,
                "cost": store.env["product.product"].browse(self.shared.id).standard_price}

    def test_a_handler_reads_company_dependent_values_of_the_store_company(self):
        expected = {"company": self.company_b.id, "companies": self.company_b.ids, "cost": 2.0}
        # one job: its handler alone
        [delivery] = self._deliveries(1)
        with patch.object(StoreAdapterTest, "_process_webhook", create=True,
                          new=lambda adapter, store, delivery: self._read_cost(store)):
            self.run_as_runner()
        self.assertEqual(delivery.job_id.state, "done", delivery.job_id.last_error)
        self.assertEqual(json.loads(delivery.job_id.result), expected)
        # several jobs of one batchable handler: the batch handler
        deliveries = self._deliveries(3)
        calls = []

        def process_webhook_batch(adapter, store, batch):
            calls.append(batch.ids)
            return {d.id: self._read_cost(store) for d in batch}

        with patch.object(StoreAdapterTest, "_process_webhook_batch", process_webhook_batch, create=True):
            self.run_as_runner()
        self.assertEqual(calls, [deliveries.ids], "they ran as one batch")
        for delivery in deliveries:
            self.assertEqual(json.loads(delivery.job_id.result), expected)


class TestArchivedStoreIntake(HttpCase):
    """After an uninstall the store is archived; the platform may still send what the law requires
    (data-erasure requests). The adapter declares which kinds and topics an archived store still
    receives: those are stored and their jobs run; everything else answers 404 as for no store."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.secret = "archived-secret-0123456789"
        cls.store = create_test_store(cls.env, "Archived Shop", webhook_secret=cls.secret)

    def declared(self, topics=None):
        """The test platform declaring `topics` ({kind: topics}) for archived stores."""
        return patch.object(StoreAdapterTest, "_webhook_archived_store_topics", create=True,
                            return_value={"customers": ("customers/redact",)} if topics is None else topics)

    def _post(self, kind, topic, event_id):
        return post_delivery(self, self.store, self.secret, {"id": event_id, "customer": 7}, event_id,
                             kind=kind, topic=topic)

    def _deliveries(self):
        return self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])

    def test_archived_store_receives_and_runs_only_what_its_platform_declares(self):
        with self.declared():
            self._archived_store_receives_and_runs_only_what_its_platform_declares()

    def _archived_store_receives_and_runs_only_what_its_platform_declares(self):
        # queued while active, not yet run when the store is archived
        self.assertEqual(self._post("orders", "orders/create", "before-archive").status_code, 200)
        self.assertEqual(self._post("customers", "customers/redact", "redact-1").status_code, 200)
        self.store.active = False
        self.env.flush_all()
        # an archived store: other kinds, and other topics of the declared kind, are not found
        for kind, topic in (("orders", "orders/create"), ("customers", "customers/create"),
                            ("customers", None)):
            with self.subTest(kind=kind, topic=topic):
                response = self._post(kind, topic, f"refused-{kind}-{topic}")
                self.assertEqual(response.status_code, 404, response.text)
        # an unsigned one is refused as for any store
        response = self.url_open(f"/api/v1/stores/{self.store.code}/webhooks/customers", data=b"{}",
                                 headers={"Content-Type": "application/json", EVENT_HEADER: "unsigned",
                                          TOPIC_HEADER: "customers/redact"})
        self.assertEqual(response.status_code, 401, response.text)
        response = self._post("customers", "customers/redact", "redact-2")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "queued")
        self.assertEqual(sorted(self._deliveries().mapped("event_id")),
                         ["before-archive", "redact-1", "redact-2"])
        # the store is also paused (its token died with the uninstall): the declared jobs run all the same
        self.store.sudo().write({"paused": True, "paused_reason": "token refused"})
        ran = run_queue(self.env, self.store)
        self.assertEqual(ran, 2)
        by_event = {d.event_id: d.job_id for d in self._deliveries()}
        self.assertEqual(by_event["redact-1"].state, "done")
        self.assertEqual(by_event["redact-2"].state, "done")
        self.assertEqual(json.loads(by_event["redact-2"].result)["topic"], "customers/redact")
        self.assertEqual(by_event["before-archive"].state, "pending", "an archived store's other jobs wait")
        self.assertEqual(self.env["sync.job"]._count_due(self.store.ids), 0)

    def test_a_declared_job_refused_by_the_platform_waits_for_credentials(self):
        """A declared job that hits an authentication error pauses the store and waits for new
        credentials, as any job: it is not run again and again while the store is paused."""
        with self.declared():
            self._a_declared_job_refused_by_the_platform_waits_for_credentials()

    def _a_declared_job_refused_by_the_platform_waits_for_credentials(self):
        self.assertEqual(self._post("customers", "customers/redact", "redact-auth").status_code, 200)
        self.store.active = False
        with patch.object(StoreAdapterTest, "_process_webhook", create=True,
                          side_effect=StoreAuthError("token refused")):
            self.assertEqual(run_queue(self.env, self.store), 1)
        job = self._deliveries().job_id
        self.assertEqual((job.state, job.error_kind), ("pending", "auth"))
        self.assertTrue(self.store.paused)
        self.assertEqual(run_queue(self.env, self.store), 0)
        self.store._resume_after_auth()
        self.assertEqual(run_queue(self.env, self.store), 1)
        self.assertEqual(job.state, "done")

    def test_nothing_is_declared_by_default(self):
        self.store.active = False
        self.assertEqual(self._post("customers", "customers/redact", "default-1").status_code, 404)
        self.assertFalse(self._deliveries())
