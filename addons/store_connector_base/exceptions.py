"""Errors raised by adapters and jobs; the queue runner decides what to do from their class."""

from odoo.exceptions import UserError


class StoreConnectorError(Exception):
    """Base class for errors the queue runner understands."""


class RetryableJobError(StoreConnectorError):
    """A transient failure: network error, timeout, HTTP 429 or 5xx, a serialization failure.

    :param retry_after: seconds the platform asked us to wait (HTTP Retry-After), if it said so.
    """

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class PlatformUnavailable(RetryableJobError):
    """The platform did not answer: no answer in time, a connection refused or cut, HTTP 5xx, HTTP 429,
    a 2xx answer that is not the API's (a proxy's page). Retried like any RetryableJobError; in a row,
    such failures put the store in a platform outage, during which its jobs wait without spending
    retries (models/connector_store_outage.py). Raised by the client core (services/api_client.py);
    a platform client raises it for its own words meaning the same (Shopify's INTERNAL_SERVER_ERROR).
    """


class PermanentJobError(StoreConnectorError):
    """A failure that retrying cannot fix (mapping or validation): the job fails at once.

    The message is shown to the merchant as is: say what is wrong and what to change.
    """


class StoreAuthError(StoreConnectorError):
    """The platform refused our credentials (revoked or expired): the store is paused, not retried."""


class StoreCredentialMissing(StoreAuthError):
    """A credential the operation needs was never entered (or was removed): not a refusal by the
    platform. The job fails with what to enter, and the store is not paused: what needs no such
    credential (webhooks signed with a secret the store has) goes on. A StoreAuthError for the code
    that catches those (Test Connection...)."""


class WebhookRejected(StoreConnectorError):
    """A webhook delivery refused at intake; `status` is the HTTP status to answer."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class OperationNotPermitted(UserError):
    """The store's permissions forbid this operation."""


class PlatformFeatureMissing(UserError):
    """The store's platform addon does not implement this operation (yet)."""


class MissingEncryptionKey(UserError):
    """No credential encryption key is configured on the server."""


class CredentialDecryptError(UserError):
    """A stored credential cannot be decrypted with the configured key (the key changed or was lost)."""


class OAuthStateError(UserError):
    """An OAuth callback whose `state` cannot be used: unknown, already used, expired, of another store
    or opened in another browser. `status` is the HTTP status the callback answers; the message
    says what to do (start the installation again)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class TestModeNotSent(Exception):  # noqa: N818 - it is no error: the request was held on purpose
    """A store in test mode reached a request that would change something on its platform: the
    client core (services/api_client.py) did not send it and raises this instead, carrying what it
    would have sent. Deliberately not a StoreConnectorError nor a UserError, so that no code that
    handles the platform's refusals (per item, per topic) mistakes it for one: it goes up to the
    queue runner, which rolls the job's work back (nothing is marked as synced), records the
    request on the job (store.test.request) and ends the job done, "Test mode: not sent".

    :param message: what was not sent, for people.
    :param request_vals: the store.test.request values (method, url, operation, body, headers),
        secrets already removed.
    :param store_id: the id of the store in test mode, so that code outside the queue that meets
        it (the sync API's routes) can record the request on that store.
    """

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, message, request_vals=None, store_id=None):
        super().__init__(message)
        self.request_vals = dict(request_vals or {})
        self.store_id = store_id
