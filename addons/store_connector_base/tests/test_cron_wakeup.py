import threading
from unittest.mock import patch

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services import cron_wakeup


class TestCronWakeup(TransactionCase):
    """The NOTIFY that wakes the cron workers after jobs are queued: one per burst, none lost."""

    def setUp(self):
        super().setUp()
        self.sent = []
        self.fired = threading.Event()
        outer = self

        class FakeCursor:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, query):
                outer.sent.append(query)
                outer.fired.set()

        class FakeDb:
            def cursor(self):
                return FakeCursor()

        patcher = patch.object(cron_wakeup.odoo.sql_db, "db_connect", lambda name: FakeDb())
        patcher.start()
        self.addCleanup(patcher.stop)

    def wait_for(self, count):
        for _ in range(100):
            if len(self.sent) >= count:
                return
            self.fired.wait(0.05)
            self.fired.clear()
        self.fail(f"expected {count} NOTIFYs, got {len(self.sent)}")

    def test_a_burst_of_enqueues_sends_one_notify(self):
        for _ in range(50):
            cron_wakeup.wake_cron_workers("db_burst")
        self.wait_for(1)
        self.fired.wait(cron_wakeup.DELAY * 4)
        self.assertEqual(len(self.sent), 1)
        self.assertEqual(self.sent[0].params, ["db_burst"])
        self.assertIn("cron_trigger", self.sent[0].code)

    def test_an_enqueue_after_a_notify_gets_its_own(self):
        cron_wakeup.wake_cron_workers("db_again")
        self.wait_for(1)
        cron_wakeup.wake_cron_workers("db_again")
        self.wait_for(2)
        self.assertEqual(len(self.sent), 2)

    def test_databases_are_notified_separately(self):
        cron_wakeup.wake_cron_workers("db_a")
        cron_wakeup.wake_cron_workers("db_b")
        self.wait_for(2)
        self.assertEqual(sorted(q.params[0] for q in self.sent), ["db_a", "db_b"])
