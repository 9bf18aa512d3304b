from . import cron_wakeup, crypto, paging, rate_limiter, redact, secret_logging

secret_logging.install()
