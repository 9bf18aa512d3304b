"""Issue #13, the last rough edges found in a browser: the job and delivery forms name things as people
do (the store, the records as links, a run time with its unit; the technical fields in debug mode
only), a Test Connection that found something to fix does not look like a success, numbers are
written as the user's language writes them, empty platform lines are hidden, and a Full Sync's
"1 failed" leads to what failed."""

from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import new_test_user

from odoo.addons.store_connector_base import labels

from .common import StoreConnectorCase
from .test_full_sync_progress import FullSyncCase
from .test_store_setup import SetupCase

USER_GROUPS = "base.group_user,store_connector_base.group_store_connector_user"
MANAGER_GROUPS = "base.group_user,store_connector_base.group_store_connector_manager"


def view_fields(env, xmlid, view_type="form"):
    """The field names of a view as `env`'s user gets it (nodes of groups they lack removed)."""
    view = env.ref(xmlid).sudo()
    arch = env[view.model].get_view(view.id, view_type)["arch"]
    return {node.get("name") for node in etree.fromstring(arch).iter("field")}


def debug_only(env, xmlid):
    """The fields a view shows in debug mode only (groups="base.group_no_one")."""
    arch = etree.fromstring(env.ref(xmlid).arch_db)
    return {node.get("name") for node in arch.iter("field") if node.get("groups") == "base.group_no_one"}


class TestJobAndDeliveryForms(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "sc_plain_forms_user", groups=USER_GROUPS)

    def make_job(self, **values):
        return self.env["sync.job"].sudo().create({
            "store_id": self.store.id, "operation": "products.export", "model_name": "connector.store",
            "res_ids": [self.store.id], "method_name": "_job_export_products", **values})

    def test_the_job_form_hides_the_technical_fields_outside_debug_mode(self):
        shown = view_fields(self.env(user=self.user), "store_connector_base.sync_job_view_form")
        for technical in ("model_name", "res_ids", "method_name", "identity_key", "worker", "lease_key",
                          "duration"):
            self.assertNotIn(technical, shown, technical)
        self.assertIn("related_links", shown, "the records, as links")
        self.assertIn("duration_text", shown, "the run time, with its unit")
        # Kept for debug mode (the web client shows base.group_no_one's nodes in debug mode only).
        self.assertEqual(debug_only(self.env, "store_connector_base.sync_job_view_form"),
                         {"model_name", "res_ids", "method_name", "identity_key", "worker", "lease_key"})

    def test_the_delivery_form_hides_the_intake_code_outside_debug_mode(self):
        xmlid = "store_connector_base.store_webhook_delivery_view_form"
        self.assertNotIn("kind", view_fields(self.env(user=self.user), xmlid))
        self.assertIn("kind", debug_only(self.env, xmlid))
        self.assertIn("job_related_links", view_fields(self.env(user=self.user), xmlid))

    def test_the_store_is_called_a_store_in_the_links(self):
        job = self.make_job()
        html = str(job.with_user(self.user).related_links)
        self.assertIn("Store:", html)
        self.assertNotIn("Connected Store", html)
        self.assertIn(f"/odoo/connector.store/{self.store.id}", html)
        self.assertIn(self.store.display_name, html)

    def test_a_delivery_names_its_store_and_does_not_link_to_itself(self):
        delivery = self.env["store.webhook.delivery"].sudo().create(
            {"store_id": self.store.id, "kind": "orders", "topic": "orders/create",
             "event_id": "evt-plain-1"})
        job = self.make_job(operation="webhook.orders", model_name="store.webhook.delivery",
                            res_ids=[delivery.id], method_name="_job_process")
        delivery.job_id = job
        self.assertIn("Notification:", str(job.related_links), "the job links to its notification")
        about = str(delivery.with_user(self.user).job_related_links)
        self.assertIn("Store:", about)
        self.assertNotIn("evt-plain-1", about, "the delivery's own form does not link to itself")
        self.assertNotIn("Webhook Delivery", about)

    def test_the_run_time_has_its_unit(self):
        now = "2026-01-01 10:00:00"
        self.assertEqual(self.make_job(duration=1.234, finished_at=now).duration_text, "1.2 s")
        self.assertEqual(self.make_job(duration=42.4, finished_at=now).duration_text, "42 s")
        self.assertEqual(self.make_job(duration=184.0, finished_at=now).duration_text, "3 min 4 s")
        self.assertEqual(self.make_job(duration=7500.0, finished_at=now).duration_text, "2 h 5 min")
        self.assertFalse(self.make_job(duration=0.0).duration_text, "not run yet: no run time")

    def test_one_helper_counts_in_words(self):
        # sync.job._count repeated labels.count_text: the one helper left.
        self.assertFalse(hasattr(self.env["sync.job"], "_count"))
        self.assertEqual(self.make_job()._summary_stock_check({"checked": 1, "drift": 2}),
                         "Compared 1 SKU with the platform: 2 differ, listed under Stock Differences.")


class TestNumbersInTheUsersLanguage(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("ar_001", "fr_FR"):
            cls.env["res.lang"]._activate_lang(code)

    def env_in(self, lang):
        return self.env(context=dict(self.env.context, lang=lang))

    def test_counts_are_grouped_by_thousands_in_each_language(self):
        one, many = "%(count)s order", "%(count)s orders"
        self.assertEqual(labels.count_text(12345, one, many, env=self.env_in("en_US")), "12,345 orders")
        self.assertEqual(labels.count_text(12345, one, many, env=self.env_in("ar_001")), "12,345 orders")
        french = self.env["res.lang"]._lang_get("fr_FR").thousands_sep
        self.assertEqual(labels.count_text(12345, one, many, env=self.env_in("fr_FR")),
                         f"12{french}345 orders")
        self.assertEqual(labels.number(self.env_in("en_US"), 1234.5), "1,234.5")
        self.assertEqual(labels.count_text(1, "1 order", many, env=self.env), "1 order")

    def test_the_dashboard_groups_its_api_counts(self):
        html = str(self.store._dashboard_api_html(
            {"test": {"calls": 12345, "errors": 1002, "throttled": 0, "total_ms": 12345 * 1500,
                      "max_ms": 20000}}))
        for figure in ("12,345", "1,002", "1,500 ms", "20,000 ms"):
            self.assertIn(figure, html)
        self.assertEqual(
            labels.count_text(4321, "1 failed job to look at", "%(count)s failed jobs to look at",
                              env=self.env),
            "4,321 failed jobs to look at")

    def test_the_full_sync_summary_groups_its_counts(self):
        run = self.env["store.full.sync.run"].sudo().create(
            {"store_id": self.store.id, "entities": "products,orders"})
        entities = [
            {"entity": "products", "label": "Products", "done": 12345, "failed": 0, "failed_in_pages": 0,
             "state": "done"},
            {"entity": "orders", "label": "Orders", "done": 1500, "failed": 2000, "failed_in_pages": 0,
             "state": "done"},
        ]
        self.assertTrue(run._full_sync_summary(entities).startswith(
            "12,345 products, 1,500 orders imported; 2,000 failed."))

    def test_a_quota_warning_groups_its_counts(self):
        with patch.object(type(self.env["store.adapter.test"]), "_rate_limit_quotas",
                          lambda adapter, store: [("trading", "Trading API")], create=True):
            message = self.store._rate_limit_quota_warning("trading", 4000, 5000)
        self.assertIn("(4,000 of 5,000)", message)


class TestConnectionWithSomethingToFix(SetupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.adapter_class = type(cls.env["store.adapter.test"])

    def summary(self, **summary):
        return patch.object(self.adapter_class, "_connection_summary", lambda self, store, facts: summary,
                            create=True)

    def test_the_notification_warns_and_carries_the_advice_apart(self):
        with self.summary(shop="demo.example.com", problems=["Switch stock management on."]):
            params = self.store.action_test_connection()["params"]
        self.assertEqual(params["type"], "warning")
        self.assertEqual(params["title"],
                         f"Connection to {self.store.name} works, but something needs fixing.")
        self.assertEqual(params["store_connector_advice"], "To fix: Switch stock management on.")
        with self.summary(shop="demo.example.com", problems=[]):
            params = self.store.action_test_connection()["params"]
        self.assertEqual(params["type"], "success")
        self.assertNotIn("store_connector_advice", params)

    def test_the_assistant_shows_the_advice_in_a_warning_of_its_own(self):
        wizard = self.start()
        wizard = self.follow(wizard.action_next())
        wizard.credential_ids.filtered(lambda cred: cred.key == "api_key").value = "k" * 16
        wizard.step = "connection"
        with self.summary(shop="demo.example.com", problems=["Switch stock management on."]):
            wizard = self.follow(wizard.action_test_connection())
        self.assertTrue(wizard.connection_ok, "the connection works")
        self.assertEqual(wizard.connection_advice, "To fix: Switch stock management on.")
        self.assertNotIn("To fix", wizard.connection_result, "the advice is in its own block")
        self.assertIn("something needs fixing", wizard.connection_result)
        arch = etree.fromstring(self.env["store.setup.wizard"].get_view(
            self.env.ref("store_connector_base.store_setup_wizard_view_form").id, "form")["arch"])
        [success] = arch.xpath("//div[@name='connection_success']")
        self.assertIn("connection_advice", success.get("invisible"), "no green box with advice")
        [warning] = arch.xpath("//div[@name='connection_warning']")
        self.assertIn("alert-warning", warning.get("class"))
        self.assertTrue(warning.xpath(".//field[@name='connection_advice']"))
        # Tested again with nothing to fix: the advice goes.
        with self.summary(shop="demo.example.com", problems=[]):
            wizard = self.follow(wizard.action_test_connection())
        self.assertFalse(wizard.connection_advice)

    def test_a_failure_clears_the_advice(self):
        wizard = self.start()
        wizard = self.follow(wizard.action_next())
        wizard.step = "connection"
        wizard.connection_advice = "To fix: something."
        with patch.object(self.adapter_class, "_test_connection",
                          lambda adapter, store: (_ for _ in ()).throw(UserError("Refused."))):
            wizard = self.follow(wizard.action_test_connection())
        self.assertFalse(wizard.connection_ok)
        self.assertFalse(wizard.connection_advice)


class TestEmptyPlatformLines(StoreConnectorCase):
    def test_an_empty_api_version_is_no_line(self):
        arch = etree.fromstring(self.env["connector.store"].get_view(
            self.env.ref("store_connector_base.connector_store_view_form").id, "form")["arch"])
        [field] = arch.xpath("//group[@name='connection']/field[@name='api_version']")
        self.assertIn("not api_version", field.get("invisible"))


class TestFullSyncFailedRecords(FullSyncCase):
    def test_a_record_refused_inside_a_page_links_to_the_log_not_to_the_jobs(self):
        importer = type(self.store)._import_product
        refused_sku = "FSP-3"

        def refuse_one(store, record):
            if isinstance(record, dict) and record.get("sku") == refused_sku:
                raise UserError("The product FSP-3 has no price.")
            return importer(store, record)

        self.patch(type(self.store), "_import_product", refuse_one)
        self.store.action_full_sync()
        self.run_until_settled()
        run = self.store.full_sync_run_id
        run.invalidate_recordset()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.records_failed_in_pages, 1)
        # The failed jobs are the order's own (it failed for good), not the products' page, which finished.
        self.assertEqual(run.failed_job_ids, self.jobs("orders.import.order"))
        self.assertNotIn("products.import", run.failed_job_ids.mapped("operation"))
        self.assertEqual(self.store.full_sync_failed_record_count, 1)
        self.assertIn("1 record was refused inside a page that was imported: open the failed records",
                      run.summary)
        self.assertIn("Open the failed jobs", run.summary, "the order's own job failed too")
        action = self.store.action_view_full_sync_failed_records()
        self.assertEqual(action["res_model"], "store.activity.log")
        lines = self.env["store.activity.log"].search(action["domain"])
        self.assertEqual(lines.mapped("operation"), ["products.import"])
        self.assertIn("The product FSP-3 has no price.", lines.message)

    def test_only_failed_jobs_say_so(self):
        self.store.action_full_sync()
        self.run_until_settled()
        run = self.store.full_sync_run_id
        run.invalidate_recordset()
        self.assertEqual(run.records_failed_in_pages, 0)
        self.assertNotIn("failed records", run.summary)
        self.assertFalse(self.env["store.activity.log"].search(run._failed_records_domain()))
