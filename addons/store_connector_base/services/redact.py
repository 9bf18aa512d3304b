"""Keep secrets out of log lines and error messages.

Platform errors sometimes echo what they were sent (a token in a URL, a key in a form body), so
every message that is stored or logged by the queue goes through `redact` with the store's secrets.
"""

from urllib.parse import quote, quote_plus

REDACTED = "***"
# Shorter strings would blank out ordinary words and numbers while hiding almost nothing.
MIN_SECRET_LENGTH = 4


def _variants(secret):
    # A secret may appear as is, or URL-encoded when it travelled in a query string or a form.
    return {secret, quote(secret, safe=""), quote_plus(secret, safe="")}


def redact(text, secrets):
    """`text` with every secret in `secrets` (4 characters or more) replaced by ***.

    :param text: str (or anything with a str(); None and "" are returned unchanged).
    :param secrets: iterable of plaintext secrets.
    """
    if not text:
        return text
    text = str(text)
    needles = set()
    for secret in secrets or ():
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            needles |= _variants(secret)
    # Longest first, so that a secret containing another one is replaced whole.
    for needle in sorted(needles, key=len, reverse=True):
        text = text.replace(needle, REDACTED)
    return text
