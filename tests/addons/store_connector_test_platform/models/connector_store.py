import threading
import time
from contextlib import contextmanager

import requests

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
)
from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform
from odoo.addons.store_connector_base.services.rate_limiter import throttled_error

from .rest_client import RestClient

# Jobs of each store running right now in this process, and the most seen at once ("peak"), for
# the tests of the per-store cap on parallel jobs (payload "track_concurrency").
CONCURRENCY = {}
_concurrency_lock = threading.Lock()


@contextmanager
def _tracked(store_id):
    with _concurrency_lock:
        entry = CONCURRENCY.setdefault(store_id, {"running": 0, "peak": 0, "runs": 0})
        entry["running"] += 1
        entry["runs"] += 1
        entry["peak"] = max(entry["peak"], entry["running"])
    try:
        yield
    finally:
        with _concurrency_lock:
            entry["running"] -= 1


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    platform = fields.Selection(
        selection_add=[("test", "Test Platform")], ondelete={"test": keep_stores_of_removed_platform},
    )

    def _test_platform_client(self, **kwargs):
        """The store's REST client (models/rest_client.py), as a platform addon offers its own."""
        self.ensure_one()
        return RestClient(self, **kwargs)

    def _job_test_api_call(self, job):
        """One call of the test platform's API through its client, as a sync job makes them.

        payload: {"method": "GET" (default), "path": "/system_status" (default), "params": {...}}
        :returns: the answer's JSON document.
        """
        payload = job.payload or {}
        return self._test_platform_client().request_json(
            payload.get("method") or "GET", payload.get("path") or "/system_status",
            params=payload.get("params"),
        )

    def _job_noop(self, job):
        """Does nothing: measures the queue's own overhead."""
        return None

    def _job_scripted(self, job):
        """Behaves as the payload says, so tests can script every outcome.

        payload keys, applied in this order:
          "write_name": renames the target stores (an effect that must commit or roll back with
              the job); flushed at once unless "flush" is false (then the pending ORM write is
              sent by the runner, as a handler's that ends on a write);
          "concurrent_write": before writing, another transaction renames the target stores to
              this value and commits, so that "write_name" then fails with a genuine serialization
              failure (REPEATABLE READ); needs committed stores;
          "sleep": seconds (counted in CONCURRENCY while it sleeps when "track_concurrency" is set);
          "api_calls": calls to make through the store's shared rate limiter (the adapter's
              `_test_api_call`), as a platform client paces its requests;
          "use_credential": key to read; returns a fingerprint of it, never the secret;
          "use_oauth_token": reads the access token as an OAuth platform's client does
              (`_oauth_access_token`: refreshed first when it lapses); returns a fingerprint;
          "leak_credential": key to read; raises a crash whose message contains the secret;
          "raise": retryable | throttled | permanent | auth | crash | usererror | validation |
              network | timeout, with "message" and, for retryable and throttled (the rate
              limiter's "wait longer than allowed"), "retry_after" (seconds);
          "result": what to return otherwise (default "ok").
        """
        payload = job.payload or {}
        if payload.get("concurrent_write"):
            # Take this transaction's snapshot first, then commit a change it cannot see.
            self.env.cr.execute("SELECT id FROM connector_store WHERE id = ANY(%s)", [self.ids])
            with self.env.registry.cursor() as other:
                other.execute(
                    "UPDATE connector_store SET name = %s WHERE id = ANY(%s)",
                    [payload["concurrent_write"], self.ids],
                )
        if payload.get("write_name"):
            self.write({"name": payload["write_name"]})
            if payload.get("flush", True):
                self.env.flush_all()
        if payload.get("sleep"):
            if payload.get("track_concurrency"):
                with _tracked(self.id):
                    time.sleep(payload["sleep"])
            else:
                time.sleep(payload["sleep"])
        for _call in range(payload.get("api_calls") or 0):
            self._get_adapter()._test_api_call(self)
        if payload.get("use_credential"):
            # Returns a fingerprint, never the secret: results are shown to users.
            secret = self._get_credential(payload["use_credential"])
            return {"credential_length": len(secret), "credential_tail": secret[-2:]}
        if payload.get("use_oauth_token"):
            token = self._oauth_access_token()
            return {"credential_length": len(token), "credential_tail": token[-2:]}
        if payload.get("leak_credential"):
            secret = self._get_credential(payload["leak_credential"])
            raise RuntimeError(f"the platform echoed our request: Authorization: Bearer {secret}")
        kind = payload.get("raise")
        message = payload.get("message", "scripted failure")
        if kind == "retryable":
            raise RetryableJobError(message, retry_after=payload.get("retry_after"))
        if kind == "throttled":
            raise throttled_error(message, payload.get("retry_after", 1))
        if kind == "permanent":
            raise PermanentJobError(message)
        if kind == "auth":
            raise StoreAuthError(message)
        if kind == "crash":
            raise RuntimeError(message)
        if kind == "usererror":
            raise UserError(message)
        if kind == "validation":
            raise ValidationError(message)
        if kind == "network":
            raise requests.ConnectionError(message)
        if kind == "timeout":
            raise requests.Timeout(message)
        return payload.get("result", "ok")
