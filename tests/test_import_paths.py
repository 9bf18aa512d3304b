"""Imports (issue #9, maintainability): the platform packages are loaded only where they are used, and
the repository's `tests` package is importable as is (no module edits sys.path to reach the Shopify
simulator, the demo set-up or the benchmarks' helpers)."""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

import odoo
from odoo.tools import config

import tests

REPO = Path(__file__).resolve().parents[1]
PLATFORM_PACKAGES = ("shopify", "woocommerce", "ebaysdk")

# Loads every addon of the suite as Odoo does at start (the addon packages, their models and
# controllers), then prints which platform packages that imported.
_LOAD_ADDONS = """
import sys
from odoo.tools import config
config.parse_config(["--addons-path", sys.argv[1]])
import odoo.addons.store_connector_base
import odoo.addons.store_connector_shopify
import odoo.addons.store_connector_woocommerce
import odoo.addons.store_connector_ebay
print(",".join(name for name in sys.argv[2:] if name in sys.modules))
"""


def run_python(code, *args):
    """Run `code` in a fresh interpreter started from the repository root, as the scripts start theirs."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


class TestImportPaths(unittest.TestCase):
    """Plain unittest: what is checked is Python's import system, outside any database."""

    def test_loading_the_addons_imports_no_platform_package(self):
        addons_path = ",".join([config["addons_path"] or "", str(Path(odoo.__file__).parent / "addons")])
        done = run_python(_LOAD_ADDONS, addons_path, *PLATFORM_PACKAGES)
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        self.assertEqual(done.stdout.strip(), "", "imported when Odoo loads the addons: " + done.stdout)

    def test_tests_is_the_repository_package(self):
        self.assertEqual(Path(tests.__file__).resolve().parent, REPO / "tests")
        self.assertNotIn(str(REPO / "tests"), [os.path.abspath(p) for p in sys.path if p])

    def test_simulator_demo_and_benchmarks_import_without_path_changes(self):
        done = run_python(
            "import sys; before = list(sys.path)\n"
            "import tests.simulators.shopify, tests.demo.setup_demo\n"
            "import tests.benchmarks.bench_main, tests.benchmarks.bench_queue\n"
            "import tests.benchmarks.bench_webhook, tests.benchmarks.bench_shopify\n"
            "assert sys.path == before, sys.path\n"
            "print(tests.simulators.shopify.ShopifySimulator.__module__)"
        )
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        self.assertEqual(done.stdout.strip(), "tests.simulators.shopify.simulator")

    def test_no_module_edits_sys_path(self):
        offenders = []
        for top in ("addons", "tests"):
            for path in (REPO / top).rglob("*.py"):
                if path == Path(__file__).resolve():
                    continue
                if re.search(r"sys\.path\.(insert|append|extend)|sys\.path\s*[+]?=", path.read_text()):
                    offenders.append(str(path.relative_to(REPO)))
        self.assertEqual(offenders, [])
