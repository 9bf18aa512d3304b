"""The fault suite's runner and table (plain unittest, no Odoo, no PostgreSQL): a missing or crashing fault
fails the run, lost or doubled work fails its row, every problem is printed under its row."""

import types
import unittest
from unittest import mock

from tests.faults import main
from tests.faults.harness import Row, format_table


class TestFaultTable(unittest.TestCase):
    def test_a_row_fails_on_loss_double_run_or_any_problem(self):
        self.assertTrue(Row(fault="f", accepted=3, done=3, lost=0, run_twice=0).passed)
        self.assertFalse(Row(fault="f", lost=1).passed)
        self.assertFalse(Row(fault="f", run_twice=1).passed)
        self.assertFalse(Row(fault="f", problems=["job 12 failed for a transient cause"]).passed)

    def test_the_table_has_one_line_per_fault_and_its_problems_under_it(self):
        text = format_table([
            Row(fault="1. kill", load="1 job", accepted=1, done=1, retried=1, failed=0, lost=0, run_twice=0,
                recovery_seconds=41.26),
            Row(fault="2. long", load="1 job", accepted=1, done=0, lost=1,
                problems=["job 7 stays processing"]),
        ])
        lines = text.splitlines()
        self.assertEqual(lines[0].split()[:3], ["fault", "load", "accepted"])
        self.assertIn("recovery (s)", lines[0])
        self.assertTrue(lines[2].startswith("1. kill") and lines[2].endswith("PASS") and "41.3" in lines[2])
        self.assertTrue(lines[3].startswith("2. long") and lines[3].endswith("FAIL"))
        self.assertEqual(lines[4].strip(), "PROBLEM: job 7 stays processing")


class TestFaultRunner(unittest.TestCase):
    def test_every_fault_of_the_issue_is_listed_in_order(self):
        self.assertEqual(len(main.FAULT_MODULES), 8)
        self.assertEqual(main.FAULT_MODULES[:3], ["fault_kill_worker", "fault_long_job", "fault_two_servers"])
        self.assertEqual(main.parse_args(["--only", "long_job,fault_kill_worker"]).faults,
                         ["fault_long_job", "fault_kill_worker"])
        with self.assertRaises(SystemExit), mock.patch("sys.stderr"):
            main.parse_args(["--only", "no_such_fault"])

    def test_a_fault_not_built_fails_the_run(self):
        with mock.patch.object(main, "load", return_value=None):
            row = main.run_fault(suite=None, name="fault_webhook_storm", short=True)
        self.assertFalse(row.passed)
        self.assertIn("not built", row.problems[0])

    def test_a_crashing_fault_is_a_failed_row_and_its_context_is_closed(self):
        closed = []

        def run(ctx):
            ctx._closers.append(lambda: closed.append(True))
            raise RuntimeError("the simulator would not start")

        module = types.SimpleNamespace(TITLE="9. crash", run=run)
        suite = types.SimpleNamespace(pg=None)
        with mock.patch.object(main, "load", return_value=module), mock.patch.object(main, "log"):
            row = main.run_fault(suite=suite, name="fault_crash", short=True)
        self.assertEqual(row.fault, "9. crash")
        self.assertFalse(row.passed)
        self.assertIn("the simulator would not start", row.problems[0])
        self.assertEqual(closed, [True])


if __name__ == "__main__":
    unittest.main()
