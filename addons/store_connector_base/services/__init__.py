from . import cron_wakeup, crypto, rate_limiter, redact
