"""Suite-wide pytest rules: a skipped test proves nothing, so any skip makes the run fail; the sync
API's rate-limit counts, committed on connections of their own, are forgotten after each test."""

import pytest


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
            "FAILED: %d test(s) skipped; a skipped test proves nothing (is --odoo-http missing?)"
            % len(terminalreporter.stats["skipped"]), red=True)
