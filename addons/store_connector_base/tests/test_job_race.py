"""A job that loses a race with another worker is retried, not failed (issue #12, found by the fault
suite's webhook storm once several runner lanes ran the queue at once): two deliveries of one order,
the second queued while the first one's job already ran, are imported by two workers at the same
time; both create the order's binding, the unique index refuses the second, and its retry finds the
binding and updates the order."""

from unittest.mock import patch

import psycopg2.errors

from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger

from .common import create_test_store


class TestJobRace(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = create_test_store(cls.env, name="Race Store")
        cls.Job = cls.env["sync.job"]

    def test_a_unique_violation_is_retried_as_a_race(self):
        job = self.Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={"result": "ok"})
        store_class = type(self.env["connector.store"])
        original = store_class._job_scripted

        def created_meanwhile(records, job):
            # What the second worker meets: the row it inserts was committed by the first one.
            records.env.cr.execute("SELECT key FROM ir_config_parameter LIMIT 1")
            key = records.env.cr.fetchone()[0]
            records.env.cr.execute("INSERT INTO ir_config_parameter (key, value) VALUES (%s, 'x')", [key])
            return original(records, job)

        with patch.object(store_class, "_job_scripted", created_meanwhile), mute_logger("odoo.sql_db"):
            self.Job._process_queue(store_ids=self.store.ids, commit=False)
        job.invalidate_recordset()
        self.assertEqual((job.state, job.retry_count, job.error_kind), ("pending", 1, "retryable"))
        self.assertIn("Another process changed the same records at the same time", job.last_error)
        self.assertNotIn("Traceback", job.last_error)
        # The retry, the race over, succeeds.
        job.next_attempt_at = job.create_date
        self.Job._process_queue(store_ids=self.store.ids, commit=False)
        self.assertEqual(job.state, "done")

    def test_the_race_is_classified_as_other_concurrency_errors(self):
        kind, retryable, retry_after = self.Job._classify(psycopg2.errors.UniqueViolation("duplicate key"))
        self.assertEqual((kind, retryable, retry_after), ("retryable", True, None))
