import select
import threading
import time
from unittest.mock import patch

import psycopg2

import odoo.sql_db
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services import cron_wakeup


class TestCronWakeup(TransactionCase):
    """The NOTIFY that wakes the cron workers after jobs are queued: one per burst, none lost."""

    def setUp(self):
        super().setUp()
        self.sent = []
        self.fired = threading.Event()

        def execute(query):
            self.sent.append(query)
            self.fired.set()

        patcher = patch.object(cron_wakeup, "_execute_on_postgres", execute)
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

    def test_one_thread_sends_every_notify_of_the_process(self):
        threads = []
        original = cron_wakeup._notify

        def notify(dbname):
            original(dbname)
            threads.append(threading.current_thread())

        patcher = patch.object(cron_wakeup, "_notify", notify)
        patcher.start()
        self.addCleanup(patcher.stop)
        for attempt in range(1, 4):
            cron_wakeup.wake_cron_workers("db_kept")
            for _ in range(100):
                if len(threads) >= attempt:
                    break
                self.fired.wait(0.05)
                self.fired.clear()
        self.assertEqual(len(threads), 3)
        self.assertEqual(len(set(threads)), 1, "no thread started per NOTIFY: starting one costs a delivery")

    def test_databases_are_notified_separately(self):
        cron_wakeup.wake_cron_workers("db_a")
        cron_wakeup.wake_cron_workers("db_b")
        self.wait_for(2)
        self.assertEqual(sorted(q.params[0] for q in self.sent), ["db_a", "db_b"])


class TestCronWakeupConnection(TransactionCase):
    """The NOTIFY itself, on a real connection to PostgreSQL's `postgres` database, where the cron
    workers LISTEN: it reaches them, always on the same session of this process (a new session
    per NOTIFY cost each webhook delivery a PostgreSQL backend's start), and a session that died
    is replaced."""

    def setUp(self):
        super().setUp()
        _dbname, params = odoo.sql_db.connection_info_for("postgres")
        self.listener = psycopg2.connect(**params)
        self.listener.autocommit = True
        self.addCleanup(self.listener.close)
        with self.listener.cursor() as cursor:
            cursor.execute("LISTEN cron_trigger")

    def received(self, payload, count=1, timeout=10):
        """The notifications of `payload` the listener got: [(sending backend's pid)]."""
        pids, deadline = [], time.monotonic() + timeout
        while len(pids) < count and time.monotonic() < deadline:
            select.select([self.listener], [], [], 0.2)
            self.listener.poll()
            while self.listener.notifies:
                notify = self.listener.notifies.pop(0)
                # Other servers on this PostgreSQL wake their own databases' workers too.
                if notify.payload == payload:
                    pids.append(notify.pid)
        return pids

    def test_every_notify_reaches_the_workers_on_one_kept_session(self):
        payload = f"sc-wakeup-kept-{time.time_ns()}"
        for _ in range(3):
            cron_wakeup._notify(payload)
        pids = self.received(payload, count=3)
        self.assertEqual(len(pids), 3, "every NOTIFY reaches a LISTEN on the postgres database")
        self.assertEqual(len(set(pids)), 1, f"one PostgreSQL session for all of them, got backends {pids}")

    def test_a_session_that_died_is_opened_again(self):
        payload = f"sc-wakeup-again-{time.time_ns()}"
        cron_wakeup._notify(payload)
        (first,) = self.received(payload)
        with self.listener.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [first])
        # The backend's end takes a moment to reach this process's socket.
        for _ in range(50):
            with self.listener.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [first])
                if not cursor.fetchone()[0]:
                    break
            time.sleep(0.1)
        with self.assertNoLogs("odoo.store_connector.base.services.cron_wakeup", level="WARNING"):
            cron_wakeup._notify(payload)
        pids = self.received(payload)
        self.assertEqual(len(pids), 1, "the NOTIFY after the session died still reaches the workers")
        self.assertNotEqual(pids[0], first)
