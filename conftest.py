"""Suite-wide pytest rules: a skipped test proves nothing, so any skip makes the run fail; the sync
API's rate-limit counts, committed on connections of their own, are forgotten after each test; with
pytest-xdist, each worker's database copy gets a copy of the filestore."""

import contextlib
import os
import shutil

import pytest

try:
    import pytest_odoo
except ImportError:  # a run without Odoo (the simulators' own tests)
    pytest_odoo = None


@contextlib.contextmanager
def _filestore_of_its_own(original_db_name, db_name):
    """pytest-odoo lets the xdist workers' database copies share the original database's filestore.
    Odoo's attachment garbage collection then deletes files of one worker that the other's database
    does not name (the asset bundles of the browser tests first), so each copy gets its own."""
    if original_db_name == db_name:
        yield
        return
    from odoo.tools import config

    source, target = config.filestore(original_db_name), config.filestore(db_name)
    shutil.rmtree(target, ignore_errors=True)
    if os.path.isdir(source):
        shutil.copytree(source, target, symlinks=True)
    try:
        yield
    finally:
        shutil.rmtree(target, ignore_errors=True)


if pytest_odoo is not None and hasattr(pytest_odoo, "_shared_filestore"):
    pytest_odoo._shared_filestore = _filestore_of_its_own


@pytest.fixture(autouse=True)
def _forget_sync_api_rate_windows():
    """The sync API counts each request in a transaction of its own, committed at once (as every
    server must see it: store.api.request), which a test's rollback does not undo: forget the counts
    after each test, so that the requests of one test never spend another's allowance."""
    yield
    try:
        from odoo.tools import config

        from odoo.addons.store_connector_base.models.store_api_request import forget_windows
    except ImportError:
        return  # a run without Odoo (the simulators' own tests)
    if config.get("db_name"):
        forget_windows(config["db_name"])


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(
            f"FAILED: {len(terminalreporter.stats['skipped'])} test(s) skipped; a skipped test proves "
            "nothing (is --odoo-http missing?)", red=True)
