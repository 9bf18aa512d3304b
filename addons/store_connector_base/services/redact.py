"""Keep secrets out of log lines and error messages."""

REDACTED = "***"


def redact(text, secrets):
    """`text` with every secret in `secrets` (4 characters or more) replaced by ***."""
    if not text:
        return text
    text = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
