"""The development scripts (issue #7, point 10): the Odoo configuration files they write hold the
credential encryption key, so only their owner may read them; no script writes a published key."""

import os
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
