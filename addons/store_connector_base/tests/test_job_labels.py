"""Plain language on jobs (issue #13): every operation and platform order status has a label, the
code stays what is stored and searched."""
import ast
import pathlib
import re

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase

from odoo.addons.store_connector_base import labels

from .common import create_test_store

# What an operation code looks like: dotted words (orders.import, full_sync.bulk, webhook.orders).
CODE = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)+$")


def _source_strings(env):
    """Every string literal of the Python code of the installed store connector addons (their
    tests left out), with the file it is in."""
    modules = env["ir.module.module"].search(
        [("name", "=like", "store_connector%"), ("state", "=", "installed")])
    found = {}
    for module in modules.mapped("name"):
        root = pathlib.Path(get_module_path(module))
        for path in root.rglob("*.py"):
            relative = path.relative_to(root).parts
            if relative[0] in ("tests", "migrations"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.setdefault(node.value, f"{module}/{'/'.join(relative)}")
    return found


class TestJobOperationLabels(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = create_test_store(cls.env)
        cls.Job = cls.env["sync.job"]

    def test_every_operation_code_in_the_code_has_a_label(self):
        """A code of an operation family (orders., products., webhook.... or a platform's prefix)
        written anywhere in the addons' code must have a label: a new operation without one fails here."""
        known = self.Job._operation_labels()
        platforms = self.env["connector.store"]._fields["platform"].get_values(self.env)
        families = {code.split(".")[0] for code in known} | set(platforms) | {"full_sync"}
        strings = _source_strings(self.env)
        unlabelled = {
            text: where for text, where in strings.items()
            if CODE.match(text) and text.split(".")[0] in families
            and text not in self.env.registry and text not in known
        }
        self.assertFalse(unlabelled, "operation codes without a label (add them to labels.OPERATION_LABELS "
                                     "or to the platform's store.adapter._operation_labels)")
        # the scan sees the operations the platform addons queue
        self.assertIn("inventory.sync", strings)
        if "store.adapter.shopify" in self.env:
            self.assertIn("full_sync.bulk", strings)

    def test_every_webhook_kind_of_every_platform_has_a_label(self):
        """The job of a delivery is "webhook.<kind>", for each kind a platform declares."""
        known = self.Job._operation_labels()
        for adapter in self.Job._platform_adapters():
            for kind in adapter._webhook_kinds(self.env["connector.store"]):
                self.assertIn(f"webhook.{kind}", known, f"{adapter._name} declares the kind {kind}")

    def test_labels_are_shown_the_code_is_stored_and_searched(self):
        job = self.Job._enqueue(self.store, "inventory.sync", "_job_noop", direction="export")
        self.assertEqual(job.operation, "inventory.sync")
        self.assertEqual(job.operation_label, "Stock export")
        self.assertIn("Stock export", job.display_name)
        selection = dict(self.Job.fields_get(["operation"])["operation"]["selection"])
        self.assertEqual(selection["inventory.sync"], "Stock export")
        self.assertEqual(selection["webhook.orders"], "Order notification")
        # the sync API's and filters' code keeps working, in the ORM and in SQL
        self.assertEqual(self.Job.search([("operation", "=", "inventory.sync"), ("id", "=", job.id)]), job)
        groups = self.Job.read_group([("id", "=", job.id)], ["operation"], ["operation"])
        self.assertEqual(groups[0]["operation"], "inventory.sync")
        self.env.flush_all()
        self.env.cr.execute("SELECT operation FROM sync_job WHERE id = %s", [job.id])
        self.assertEqual(self.env.cr.fetchone()[0], "inventory.sync")

    def test_an_unknown_code_reads_as_words(self):
        job = self.Job._enqueue(self.store, "acme.reprice_all", "_job_noop")
        self.assertEqual(job.operation, "acme.reprice_all")
        self.assertEqual(job.operation_label, "Acme reprice all")
        self.assertEqual(labels.readable_code("FULLY_REFUNDED"), "Fully refunded")
        self.assertEqual(labels.readable_code("on-hold"), "On hold")
        self.assertEqual(labels.readable_code(False), "")

    def test_labels_follow_the_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        job = self.Job._enqueue(self.store, "inventory.sync", "_job_noop", direction="export")
        # no French translation shipped yet: the English label, never the code
        self.assertEqual(job.with_context(lang="fr_FR").operation_label, "Stock export")


class TestPlatformStatusLabels(TransactionCase):
    def test_every_default_inbound_status_of_every_platform_has_a_label(self):
        Binding = self.env["store.order.binding"]
        known = Binding._platform_status_labels()
        store = self.env["connector.store"]
        for adapter in self.env["sync.job"]._platform_adapters():
            for status, _stage in adapter._default_status_mapping(store)["inbound"]:
                self.assertIn(status, known, f"{adapter._name}: platform status {status} has no label")

    def test_the_status_code_is_stored_its_label_shown(self):
        Binding = self.env["store.order.binding"]
        selection = dict(Binding.fields_get(["platform_status"])["platform_status"]["selection"])
        self.assertEqual(selection["partially_refunded"], "Partially refunded")
        self.assertEqual(Binding._platform_status_label("partially_refunded"), "Partially refunded")
        self.assertEqual(Binding._platform_status_label("SOME_NEW_STATUS"), "Some new status")
        for platform_status, label in (("FULLY_REFUNDED", "Refunded"), ("checkout-draft", "Checkout draft")):
            if f"store.adapter.{'ebay' if platform_status.isupper() else 'woocommerce'}" in self.env:
                self.assertEqual(selection[platform_status], label)
