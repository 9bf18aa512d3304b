"""Raw SQL is composed with odoo.tools.SQL, never pasted together with f-strings or .format (issue #9):
values stay query parameters, identifiers are quoted, fragments carry their own parameters."""

import ast
from pathlib import Path

from odoo.tools import SQL

from .common import StoreConnectorCase

ADDONS = Path(__file__).resolve().parents[2]
# The claim queries and the outage probe's: static text built once at import from module constants
# (the database clock expression), no value of a caller in them.
STATIC_TEMPLATES = {("store_connector_base/models/sync_job.py", "_CLAIM_SQL"),
                    ("store_connector_base/models/sync_job.py", "_CLAIM_IDS_SQL"),
                    ("store_connector_base/models/sync_job.py", "_PROBE_STORES_SQL")}


def pasted(node):
    """Whether an expression builds text by pasting: an f-string with fields, .format(), % or +."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)) and (
        pasted(node.left) or pasted(node.right) or not (
            isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)))


class TestSqlComposition(StoreConnectorCase):

    def test_no_query_is_pasted_together(self):
        offenders = []
        for path in sorted(ADDONS.glob("store_connector_*/**/*.py")):
            relative = str(path.relative_to(ADDONS))
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "execute" and node.args:
                    if pasted(node.args[0]):
                        offenders.append(f"{relative}:{node.lineno}")
                elif isinstance(node, ast.Assign) and isinstance(node.value, ast.JoinedStr):
                    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                    if any(name.endswith("_SQL") and (relative, name) not in STATIC_TEMPLATES
                           for name in names) and pasted(node.value):
                        offenders.append(f"{relative}:{node.lineno}")
        self.assertEqual(offenders, [])

    def test_reopen_takes_its_assignments_as_sql_with_their_parameters(self):
        Job = self.env["sync.job"]
        job = Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={})
        with self.assertRaises(TypeError):
            Job._sql_reopen(job.ids, "worker = NULL")
        # A value that looks like SQL stays a value.
        text = "x', state = 'failed"
        states = Job._sql_reopen(job.ids, SQL("last_error = %s, worker = NULL", text))
        self.assertEqual(states, {job.id: "pending"})
        job.invalidate_recordset()
        self.assertEqual((job.state, job.last_error), ("pending", text))

    def test_purge_batch_runs_a_composed_query_on_the_model_table(self):
        Job = self.env["sync.job"]
        jobs = Job.browse([Job._enqueue(self.store, "test.scripted", "_job_scripted", payload={"n": n}).id
                           for n in range(3)])
        old_ids = SQL("SELECT id FROM sync_job WHERE id = ANY(%s) AND %s > 0", jobs.ids, 30)
        self.assertEqual(Job._purge_batch(Job, old_ids, 30, 2, "test jobs"), 2)
        self.assertEqual(len(jobs.exists()), 1)
