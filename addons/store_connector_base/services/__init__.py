from . import cron_wakeup, crypto, database_outage, paging, rate_limiter, redact, secret_logging

secret_logging.install()

from . import logs  # noqa: E402 - after the filters above: the suite's own log file, if the server asks for one

logs.install_file_handler()
