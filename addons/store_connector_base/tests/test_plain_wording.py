"""Plain language, second round (issue #13): counts in the singular and the plural, the activity log
and the lists read operations' labels (an unknown code in a readable form, never an empty cell), a
notification nothing acts on says why, a job waiting for credentials says what to do."""
import ast
import json
import pathlib
import re

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase

from .common import create_test_store

# "%(count)s orders", "%(products)s products", "%s webhook jobs": a number followed by a plural noun.
COUNTED_PLURAL = re.compile(
    r"%(\((\w+)\))?s (?:[a-z]+ )?(jobs|orders|SKUs|products|quantities|webhooks|stores|calls|listings|"
    r"messages|records|deliveries|customers|contacts|variants|subscriptions|locations|lines|units|"
    r"codes|imports|items|results|minutes|hours|days|seconds)\b")
# Names a function uses when it chooses its message by count.
COUNT_CHOICE = re.compile(r"==\s*1\b|!=\s*1\b|>\s*1\b|<\s*2\b|count_text\(|_count\(|_count_text\(")
# Placeholders that name things, not numbers ("%(model)s records": the records of a model).
NOT_A_NUMBER = {"model", "warehouse", "field", "store", "platform"}
# Small words between a number and its noun that are no adjective ("%(warehouse)s for orders").
NOT_AN_ADJECTIVE = {"for", "of", "to", "and", "or", "in", "on", "with"}


def _counted_plurals(env):
    """{(file, function): [messages]} of the four addons' code (tests and migrations left out): the
    translated messages with a counted plural, in a function that never compares a count to 1."""
    found = {}
    for module in ("store_connector_base", "store_connector_shopify", "store_connector_woocommerce",
                   "store_connector_ebay"):
        path = get_module_path(module)
        if not path:
            continue
        root = pathlib.Path(path)
        for file in root.rglob("*.py"):
            relative = file.relative_to(root).parts
            if relative[0] in ("tests", "migrations"):
                continue
            source = file.read_text()
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                body = ast.get_source_segment(source, node) or ""
                if COUNT_CHOICE.search(body):
                    continue
                translated = [
                    sub.args[0].value for sub in ast.walk(node)
                    if isinstance(sub, ast.Call) and sub.args and isinstance(sub.args[0], ast.Constant)
                    and isinstance(sub.args[0].value, str)
                    and (getattr(sub.func, "id", None) in ("_", "_lt")
                         or getattr(sub.func, "attr", None) == "_")
                ]
                messages = [text for text in translated if _counts_without_singular(text, translated)]
                if messages:
                    found[(f"{module}/{'/'.join(relative)}", node.name)] = messages
    return found


def _counts_without_singular(text, siblings):
    """Whether `text` counts a plural noun with no sibling message for one (the same words around
    another noun: "%(count)s order" next to "%(count)s orders")."""
    for match in COUNTED_PLURAL.finditer(text):
        if match.group(2) in NOT_A_NUMBER:
            continue
        between = match.group(0).split(" ")[1] if match.group(0).count(" ") == 2 else ""
        if between in NOT_AN_ADJECTIVE:
            continue
        before, after = text[:match.start(3)], text[match.end(3):]
        if any(other != text and other.startswith(before) and other.endswith(after) for other in siblings):
            continue
        return True
    return False


class TestPlainWording(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = create_test_store(cls.env)
        cls.Job = cls.env["sync.job"]
        cls.Log = cls.env["store.activity.log"]

    def test_no_counted_plural_without_its_singular(self):
        """A message that counts ("%(count)s jobs") sits in a function that chooses it by count (a
        message for 1, or labels.count_text): never "1 jobs" (a new one fails here)."""
        self.assertEqual(_counted_plurals(self.env), {})

    def test_the_sweep_sees_a_counted_plural(self):
        # The pattern the sweep relies on finds the old wording of the stock baseline window.
        self.assertTrue(COUNTED_PLURAL.search("%(count)s stock jobs queued."))
        self.assertTrue(COUNTED_PLURAL.search("Nothing was imported: %(count)s SKUs cannot be set"))
        self.assertFalse(COUNT_CHOICE.search("return _('%(count)s jobs', count=n)"))
        self.assertTrue(_counts_without_singular("%(count)s orders", ["%(count)s orders"]))
        self.assertFalse(_counts_without_singular("%(count)s orders",
                                                  ["%(count)s orders", "%(count)s order"]))
        self.assertFalse(_counts_without_singular("%(field)s leads to %(model)s records", []))

    def test_activity_log_reads_labels_and_keeps_codes(self):
        logs = self.store._log_activity("full_sync", "done", records=3)
        logs |= self.store._log_activity("inventory.sync", "done", records=1)
        logs |= self.store._log_activity("nothing.known_here", "info")
        self.assertEqual(logs.mapped("operation_label"), ["Full sync", "Stock export", "Nothing known here"])
        self.assertEqual(logs.mapped("operation"), ["full_sync", "inventory.sync", "nothing.known_here"])
        selection = dict(self.Log.fields_get(["operation"])["operation"]["selection"])
        self.assertEqual(selection["inventory.sync"], "Stock export")
        self.assertEqual(selection["platform_outage"], "Platform outage")
        # filters and group-bys keep the code
        self.assertEqual(self.Log.search([("operation", "=", "full_sync"), ("id", "in", logs.ids)]), logs[0])
        groups = self.Log.read_group([("id", "in", logs.ids)], ["operation"], ["operation"])
        self.assertEqual({group["operation"] for group in groups}, set(logs.mapped("operation")))

    def test_lists_show_the_label_column(self):
        for model, view in (("sync.job", "sync_job_view_list"),
                            ("store.activity.log", "store_activity_log_view_list")):
            arch = self.env[model].get_view(self.env.ref(f"store_connector_base.{view}").id, "list")["arch"]
            self.assertIn('name="operation_label"', arch, model)
        form = self.env["connector.store"].get_view(
            self.env.ref("store_connector_base.connector_store_view_form").id, "form")["arch"]
        log_list = form[form.index('name="log_ids"'):]
        self.assertLess(log_list.index('name="operation_label"'), log_list.index("</list>"))

    def test_an_unknown_operation_reads_in_words(self):
        job = self.Job._enqueue(self.store, "legacy.thing_sync", "_job_noop")
        self.assertEqual(job.operation_label, "Legacy thing sync")

    def _done_job(self, method_name, result, operation="webhook.orders"):
        job = self.Job._enqueue(self.store, operation, "_job_noop")
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET state = 'done', result = %s, method_name = %s WHERE id = %s",
                            [json.dumps(result), method_name, job.id])
        job.invalidate_recordset()
        return job

    def test_a_notification_nothing_acts_on_says_why(self):
        job = self._done_job("_job_process", {"ignored": "coupon.created",
                                              "reason": "The store does not import coupons."})
        self.assertEqual(job.result_summary, "Nothing to do: The store does not import coupons.")

    def test_a_replay_and_a_recovery_say_what_they_did(self):
        replay = self._done_job("_job_replay", {"ignored": ["1042"], "created": [], "updated": [],
                                                "replay_note": "The replay changed nothing."})
        self.assertIn("Odoo already holds this version of order 1042", replay.result_summary)
        self.assertIn("The replay changed nothing.", replay.result_summary)
        recover = self._done_job("_job_recover_order", {"created": [], "updated": [], "ignored": ["77"]},
                                 operation="orders.recover")
        self.assertIn("order 77", recover.result_summary)
        self.assertNotIn("Done (", recover.result_summary)

    def test_a_job_waiting_for_credentials_says_what_to_do(self):
        job = self.Job._enqueue(self.store, "inventory.sync", "_job_noop")
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET error_kind = 'auth', last_error = 'refused' WHERE id = %s",
                            [job.id])
        job.invalidate_recordset()
        self.assertEqual(job.state, "pending")
        self.assertIn("credentials", job.next_step)
        arch = self.Job.get_view(self.env.ref("store_connector_base.sync_job_view_form").id, "form")["arch"]
        self.assertIn('name="waiting_credentials"', arch)

    def test_dashboard_last_sync_reads_an_unknown_code_in_words(self):
        job = self._done_job("_job_noop", {}, operation="legacy.thing_sync")
        self.env.cr.execute("UPDATE sync_job SET finished_at = now() WHERE id = %s", [job.id])
        self.store.invalidate_recordset()
        html = str(self.store.dashboard_last_sync_html)
        self.assertIn("Legacy thing sync", html)
        self.assertNotIn("legacy.thing_sync", html)

    def test_stock_baseline_window_counts_jobs_in_words(self):
        def publish(store):
            store.sudo().stock_baseline = "none"
            action = store.action_choose_stock_baseline()
            wizard = self.env["store.stock.baseline.wizard"].browse(action["res_id"])
            return wizard.action_publish_odoo()["params"]["message"]

        # nothing published: no "0 stock jobs queued"
        self.assertIn("no SKU is published there yet", publish(self.store))
        product = self.env["product.product"].create(
            {"name": "Mug", "default_code": "MUG-W", "is_storable": True})
        self.store._publish_products(product)
        self.assertIn("1 stock job queued.", publish(self.store))
