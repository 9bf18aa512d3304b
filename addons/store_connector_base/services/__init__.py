from . import cron_wakeup, crypto, database_outage, paging, rate_limiter, redact, secret_logging

secret_logging.install()
