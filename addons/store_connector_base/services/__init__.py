from . import crypto, rate_limiter, redact
