"""Suite-wide pytest rules: a skipped test proves nothing, so any skip makes the run fail."""


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
