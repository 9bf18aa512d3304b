"""The store's buttons answer with a notification in sentences: Test Connection worded from the
platform's labelled facts (`store.adapter._connection_summary`), Register Webhooks, Full Sync, Process
Queue, Resume, and the counts of the main messages with 1 and with 2 (never "1 jobs")."""

from unittest.mock import patch

from odoo.tests import new_test_user

from odoo.addons.store_connector_base import const

from .common import StoreConnectorCase

MANAGER_GROUPS = "base.group_user,store_connector_base.group_store_connector_manager"


class TestButtonNotifications(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "sc_notify_manager", groups=MANAGER_GROUPS)
        cls.adapter_class = type(cls.env["store.adapter.test"])

    def setUp(self):
        super().setUp()
        # The test platform registers webhooks but does not declare it (the base's tests check that
        # the button is refused): declared here, as a platform that has them.
        supported = self.adapter_class._supported_features
        patcher = patch.object(self.adapter_class, "_supported_features",
                               lambda adapter, store: supported(adapter, store) | {"register_webhooks"})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.env["connector.store"].invalidate_model(
            [*const.PLATFORM_FEATURES.values(), "platform_implemented"])

    def params(self, action):
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["className"], "o_store_connector_notification")
        return action["params"]

    def summary(self, **summary):
        return patch.object(self.adapter_class, "_connection_summary", lambda self, store, facts: summary,
                            create=True)

    # ------------------------------------------------------------------ Test Connection
    def test_test_connection_answers_in_sentences(self):
        with self.summary(shop="demo.example.com", plan="Basic", currency="EUR", locations=3, problems=[],
                          details={"Shop name": "Demo"}):
            params = self.params(self.store.with_user(self.manager).action_test_connection())
        self.assertEqual(params["type"], "success")
        self.assertEqual(params["title"], f"Connection to {self.store.name} works.")
        first, *details = params["message"].split("\n")
        self.assertTrue(first.startswith(
            "Connected to demo.example.com (Test Platform, plan Basic, currency EUR). 3 stock locations. "
            "Webhooks: none of 5 in place yet; click Register Webhooks."), first)
        self.assertTrue(first.endswith("Nothing to fix: the store is ready."), first)
        self.assertEqual(details, ["Shop name: Demo"])
        self.assertNotIn("{", params["message"], "sentences, not a dict")
        log = self.store.log_ids.filtered(lambda line: line.operation == "connection.test")[:1]
        self.assertEqual(log.message, params["message"], "the activity log holds the same sentences")

    def test_one_location_and_webhooks_in_place(self):
        self.store.with_user(self.manager).action_register_webhooks()
        with self.summary(shop="demo.example.com", locations=1, problems=["Switch stock management on."]):
            params = self.params(self.store.with_user(self.manager).action_test_connection())
        # The connection works, but something is to fix: a warning, not a success (issue #13).
        self.assertEqual(params["type"], "warning", "the connection works, with something to fix")
        self.assertIn("(Test Platform). 1 stock location. Webhooks: 5 of 5 in place.\n"
                      "To fix: Switch stock management on.", params["message"])
        self.assertNotIn("1 stock locations", params["message"])

    def test_default_summary_lists_the_facts(self):
        params = self.params(self.store.with_user(self.manager).action_test_connection())
        self.assertEqual(params["message"].split("\n")[1], f"shop: {self.store.name}")
        self.assertTrue(params["message"].startswith(f"Connected to {self.store.name} (Test Platform)."))

    # ------------------------------------------------------------------ Register Webhooks
    def test_register_webhooks_counts(self):
        params = self.params(self.store.with_user(self.manager).action_register_webhooks())
        self.assertTrue(params["message"].startswith("5 webhook subscriptions are in place:"), params)
        self.assertEqual(params["next"], {"type": "ir.actions.client", "tag": "soft_reload"})
        register = self.adapter_class._register_webhooks

        def register_one(adapter, store, topics=None):
            return register(adapter, store, topics=["orders/create"])

        with patch.object(self.adapter_class, "_register_webhooks", register_one):
            params = self.params(self.store.with_user(self.manager).action_register_webhooks())
        self.assertTrue(params["message"].startswith("1 webhook subscription is in place:"), params)

    # ------------------------------------------------------------------ sync buttons
    def test_full_sync_says_it_started_or_why_not(self):
        params = self.params(self.store.action_full_sync())
        self.assertEqual(params["type"], "success")
        self.assertIn(f"Full Sync of {self.store.name} started", params["message"])
        params = self.params(self.store.action_full_sync())
        self.assertEqual(params["type"], "warning", "a second click while it runs starts nothing")
        self.assertIn("already running", params["message"])

    def test_process_queue_counts(self):
        Job = self.env["sync.job"]
        self.assertEqual(Job._processed_text(1), "1 job ran: its result is on the Jobs list.")
        self.assertEqual(Job._processed_text(2), "2 jobs ran: their results are on the Jobs list.")
        self.assertTrue(Job._processed_text(0).startswith("No job was due"))
        Job._enqueue(self.store, "test.noop", "_job_noop")
        params = self.params(self.store.action_process_queue())
        self.assertEqual(params["message"], "1 job ran: its result is on the Jobs list.")

    def test_resume_says_what_it_did(self):
        self.store.sudo().write({"paused": True, "paused_reason": "401"})
        params = self.params(self.store.with_user(self.manager).action_resume())
        self.assertEqual(params["message"],
                         f"Store {self.store.name} is resumed: its waiting jobs run again.")
        self.assertFalse(self.store.paused)
        params = self.params(self.store.with_user(self.manager).action_resume())
        self.assertEqual(params["type"], "info")
        self.assertIn("was not paused", params["message"])

    def test_run_now_counts(self):
        Job = self.env["sync.job"]
        job = Job._enqueue(self.store, "test.noop", "_job_noop")
        message = job.action_run_now()["params"]["message"]
        self.assertTrue(message.startswith("1 job run: 1 done"), message)
        jobs = Job._enqueue(self.store, "test.noop", "_job_noop", identity_key="a") | Job._enqueue(
            self.store, "test.noop", "_job_noop", identity_key="b")
        message = jobs.action_run_now()["params"]["message"]
        self.assertTrue(message.startswith("2 jobs run: 2 done"), message)
