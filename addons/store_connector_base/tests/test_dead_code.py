"""No dead code in the base addon (issue #9): every method the suite defines on a model and every
constant of const.py / order_const.py is used somewhere in the suite (code, views, data, tests) besides
its own definition. A method that overrides one of Odoo's, or that the ORM calls by its prefix
(computes, constraints, actions, crons, job handlers), counts as used."""

import re
from collections import Counter
from pathlib import Path

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base import const, order_const

REPO = Path(__file__).resolve().parents[3]
CALLED_BY_NAME = re.compile(r"^(_compute_|_inverse_|_search_|_check_|_onchange_|action_|_cron_|_job_"
                            r"|_default_|_sync_job_store_records$|_table_query$)")


def word_counts():
    counts = Counter()
    for top in ("addons", "tests"):
        for path in (REPO / top).rglob("*"):
            if path.suffix in (".py", ".xml", ".csv", ".js") and path.is_file():
                counts.update(re.findall(r"[A-Za-z_]\w*", path.read_text(errors="ignore")))
    return counts


class TestNoDeadCode(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.counts = word_counts()

    def test_every_model_method_of_the_base_is_used(self):
        unused, seen = [], set()
        for name in self.env.registry:
            model_class = self.env.registry[name]
            for klass in model_class.__mro__:
                if klass.__dict__.get("_module") != "store_connector_base":
                    continue
                for attr, value in vars(klass).items():
                    if not callable(value) or attr.startswith("__") or CALLED_BY_NAME.match(attr):
                        continue
                    seen.add(attr)
                    # An override of Odoo's (or another addon's) method is called by it.
                    overrides = any(attr in vars(other) for other in model_class.__mro__
                                    if other is not klass and (other.__dict__.get("_module") or "")
                                    != "store_connector_base" and other is not object)
                    if not overrides and self.counts[attr] < 2:
                        unused.append(f"{name}.{attr}")
        # The walk sees the base's methods (the importer's, the queue's...), not nothing.
        self.assertGreater(len(seen), 200)
        self.assertLessEqual({"_resolve_partners", "_find_by_external_ids", "_sql_reopen"}, seen)
        self.assertEqual(sorted(set(unused)), [])

    def test_every_constant_is_used(self):
        for module in (const, order_const):
            with self.subTest(module=module.__name__):
                unused = [name for name in vars(module) if name.isupper() and self.counts[name] < 2]
                self.assertEqual(unused, [])
