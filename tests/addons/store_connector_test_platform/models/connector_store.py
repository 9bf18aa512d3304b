import time

from odoo import fields, models

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
)


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    platform = fields.Selection(selection_add=[("test", "Test Platform")], ondelete={"test": "cascade"})

    def _job_noop(self, job):
        """Does nothing: measures the queue's own overhead."""
        return None

    def _job_scripted(self, job):
        """Behaves as the payload says, so tests can script every outcome.

        payload keys: "raise" (retryable|permanent|auth|crash|usererror), "retry_after" (seconds),
        "message", "write_name" (renames the store: an effect that must commit or roll back with
        the job), "sleep" (seconds), "use_credential" (key to read, returned as the job's result).
        """
        payload = job.payload or {}
        if payload.get("write_name"):
            self.write({"name": payload["write_name"]})
        if payload.get("sleep"):
            time.sleep(payload["sleep"])
        if payload.get("use_credential"):
            # Returns a fingerprint, never the secret: results are shown to users.
            secret = self._get_credential(payload["use_credential"])
            return {"credential_length": len(secret), "credential_tail": secret[-2:]}
        kind = payload.get("raise")
        message = payload.get("message", "scripted failure")
        if kind == "retryable":
            raise RetryableJobError(message, retry_after=payload.get("retry_after"))
        if kind == "permanent":
            raise PermanentJobError(message)
        if kind == "auth":
            raise StoreAuthError(message)
        if kind == "crash":
            raise RuntimeError(message)
        return payload.get("result", "ok")
