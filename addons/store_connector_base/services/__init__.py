from . import cron_wakeup, crypto, rate_limiter, redact, secret_logging

secret_logging.install()
