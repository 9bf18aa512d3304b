"""The webhook topic table's entries (see `store.adapter._webhook_topic_handlers`). No ORM here."""

from collections import namedtuple

WebhookHandler = namedtuple("WebhookHandler", ["method", "batch"], defaults=[False])
WebhookHandler.__doc__ = """How a platform adapter handles one webhook topic.

:param method: name of a private method of the adapter. Called as
    ``method(store, delivery, payload)`` (one delivery; returns the job's result) or, with
    ``batch=True``, as ``method(store, deliveries)`` (returns {delivery id: outcome}, see
    `store.adapter._process_webhook_batch`).
:param batch: whether the method takes several deliveries at once.
"""


def as_handler(entry):
    """A table entry as a WebhookHandler: a method name alone is a handler of one delivery; a
    tuple is (method, batch). :returns: WebhookHandler, or None for no entry."""
    if not entry:
        return None
    if isinstance(entry, str):
        return WebhookHandler(entry)
    return WebhookHandler(*entry)
