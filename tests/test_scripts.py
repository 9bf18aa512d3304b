"""The development scripts (issue #7, point 10): the Odoo configuration files they write hold the
credential encryption key, so only their owner may read them; no script writes a published key."""

import os
import re
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"


def write_config(path, *lines):
    """Run scripts/lib.sh's write_config as the scripts do."""
    command = 'source "$0"; write_config "$@"'
    subprocess.run(
        ["bash", "-c", command, str(SCRIPTS / "lib.sh"), str(path), "some_db", *lines],
        check=True, capture_output=True, env={**os.environ, "ODOO_SRC": "/nonexistent", "SC_STATE": "/tmp/x"},
    )


class TestScriptConfigFiles(unittest.TestCase):
    """Shell scripts, outside Odoo: a plain unittest case."""

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="sc-config-"))
        self.addCleanup(subprocess.run, ["rm", "-rf", str(self.tmp)], check=False)

    def _mode(self, path):
        return stat.S_IMODE(path.stat().st_mode)

    def test_a_new_config_is_readable_by_its_owner_only(self):
        old_umask = os.umask(0o022)  # the usual umask, which made the configs 0644
        try:
            path = self.tmp / ".local" / "run-db.conf"
            write_config(path, "store_connector_encryption_key = k3y-of-this-machine")
        finally:
            os.umask(old_umask)
        self.assertIn("store_connector_encryption_key = k3y-of-this-machine", path.read_text())
        self.assertEqual(self._mode(path), 0o600, oct(self._mode(path)))
        # No copy of the key left beside it.
        self.assertEqual([p.name for p in path.parent.iterdir()], ["run-db.conf"])

    def test_an_existing_world_readable_config_is_replaced_private(self):
        path = self.tmp / "test-db.conf"
        path.write_text("[options]\nstore_connector_encryption_key = old\n")
        path.chmod(0o644)
        write_config(path, "store_connector_encryption_key = new-k3y")
        self.assertEqual(self._mode(path), 0o600, oct(self._mode(path)))
        self.assertNotIn("= old", path.read_text())

    def test_every_script_writes_its_config_through_write_config(self):
        for script in ("run", "test", "demo", "bench"):
            with self.subTest(script=script):
                text = (SCRIPTS / script).read_text()
                self.assertIn('write_config "$conf"', text)
                self.assertNotRegex(text, r'>\s*"?\$conf')

    def test_no_script_writes_a_fixed_key(self):
        """A fixed key is a published one: the suite refuses it outside test mode, and Odoo's module
        update before the tests is not in test mode either. Every script uses the machine's random key."""
        for script in ("run", "test", "demo", "bench"):
            with self.subTest(script=script):
                text = (SCRIPTS / script).read_text()
                self.assertIn('"store_connector_encryption_key = $key"', text)
                self.assertIn("machine_key", text)
                self.assertNotIn("test-key-not-for-production", text)


def ensure_shopify_schemas(state, mode, path_dir):
    """Run scripts/lib.sh's ensure_shopify_schemas with `path_dir` first on PATH (a fake npm there);
    prints the variables it exported."""
    command = ('source "$0"; ensure_shopify_schemas "$1"; '
               'echo "DIR=${SHOPIFY_ADMIN_SCHEMA_DIR:-} REQUIRED=${SHOPIFY_ADMIN_SCHEMA_REQUIRED:-}"')
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOPIFY_ADMIN_SCHEMA")}
    env.update(ODOO_SRC="/nonexistent", SC_STATE=str(state), PATH=f"{path_dir}:{os.environ['PATH']}")
    return subprocess.run(["bash", "-c", command, str(SCRIPTS / "lib.sh"), mode],
                          capture_output=True, text=True, env=env, check=False)


class TestShopifySchemaFetch(unittest.TestCase):
    """scripts/lib.sh fetches Shopify's published Admin schemas for the simulator (issue #9): from the
    cache when there, with npm otherwise; a failed fetch stops the tests and only warns elsewhere."""

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="sc-schemas-"))
        self.addCleanup(subprocess.run, ["rm", "-rf", str(self.tmp)], check=False)
        self.bin = self.tmp / "bin"
        self.bin.mkdir()
        self.npm_log = self.tmp / "npm.log"
        npm = self.bin / "npm"
        npm.write_text(f'#!/bin/sh\necho "$@" >> {self.npm_log}\nexit 1\n')  # the registry is unreachable
        npm.chmod(0o755)
        lib = (SCRIPTS / "lib.sh").read_text()
        self.version = re.search(r'^SHOPIFY_DEV_MCP_VERSION="([^"]+)"', lib, re.M)[1]

    def test_a_failed_fetch_stops_the_tests(self):
        result = ensure_shopify_schemas(self.tmp / "state", "required", self.bin)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("could not fetch Shopify's published Admin schemas", result.stderr)
        self.assertIn(f"pack --silent @shopify/dev-mcp@{self.version}", self.npm_log.read_text())
        self.assertNotIn("DIR=", result.stdout)

    def test_a_failed_fetch_elsewhere_runs_without_the_check_and_says_so(self):
        result = ensure_shopify_schemas(self.tmp / "state", "optional", self.bin)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("WITHOUT the real schema check", result.stderr)
        self.assertIn("DIR= REQUIRED=", result.stdout)

    def test_cached_schemas_are_used_without_npm(self):
        cache = self.tmp / "state" / "shopify-admin-schemas" / f"dev-mcp-{self.version}"
        cache.mkdir(parents=True)
        for version in ("2026-01", "2026-04", "2026-07", "2026-10", "unstable"):
            (cache / f"admin_{version}.json.gz").write_bytes(b"x")
        result = ensure_shopify_schemas(self.tmp / "state", "required", self.bin)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"DIR={cache} REQUIRED=1", result.stdout)
        self.assertFalse(self.npm_log.exists(), "npm was not called")


class TestDemoPlatformChoice(unittest.TestCase):
    """scripts/demo runs against the Shopify, the WooCommerce or the eBay simulator (issues #10, #11)."""

    def test_an_unknown_platform_is_refused_before_anything_is_set_up(self):
        env = {**os.environ, "SC_DEMO_PLATFORM": "magento", "ODOO_SRC": "/nonexistent",
               "SC_STATE": "/nonexistent"}
        result = subprocess.run(["bash", str(SCRIPTS / "demo")], capture_output=True, text=True, env=env,
                                check=False, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('unknown demo platform "magento": choose shopify, woocommerce or ebay', result.stderr)
