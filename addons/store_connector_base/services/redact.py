"""Keep secrets out of log lines and error messages.

Platform errors sometimes echo what they were sent (a token in a URL, a key in a form body, the
whole form of a token request), so every message that is stored, logged, mailed or shown goes
through `safe_message` with the store's secrets and the values the request itself sent.

Redact first, then cut: a message cut before redaction can keep the start of a secret, which no
longer matches the secret and so stays in the text.
"""

from urllib.parse import quote, quote_plus

REDACTED = "***"
# Shorter strings would blank out ordinary words and numbers while hiding almost nothing.
MIN_SECRET_LENGTH = 4
# What a cut message ends with, so that a reader knows there was more.
ELLIPSIS = "..."


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
        if secret and isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
            needles |= _variants(secret)
    # Longest first, so that a secret containing another one is replaced whole.
    for needle in sorted(needles, key=len, reverse=True):
        text = text.replace(needle, REDACTED)
    return text


def safe_message(text, secrets, limit=None):
    """The one way to turn an error text into something that may be stored, logged or shown:
    the whole text redacted, then cut to `limit` characters.

    Use it wherever a message leaves the code that made it: job errors, pause reasons, activity
    log lines, notifications, log lines, HTTP answers.

    :param text: str, an exception or anything with a str() (None and "" give "").
    :param secrets: iterable of plaintext secrets: the store's (see
        ``integration.credential._store_secrets``) plus whatever the request sent that is not
        stored (an OAuth code, a token refreshed in another transaction).
    :param limit: the longest result in characters (an ellipsis included), or None for no cut.
    :returns: str.
    """
    if text is None:
        return ""
    text = redact(str(text), secrets)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS
    return text
