"""The webhook intake's fast path: decrypted secrets cached per process, never stale; the delivery
and its job written together by one statement."""

import json
from unittest.mock import patch

from odoo.tests.common import HttpCase, TransactionCase
from odoo.tools import config

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import CredentialDecryptError
from odoo.addons.store_connector_base.models import integration_credential as credential_module
from odoo.addons.store_connector_test_platform.models.store_adapter import EVENT_HEADER, SIGNATURE_HEADER, sign

SECRET = "whsec-fast-current-0123"
ROTATED = "whsec-fast-rotated-4567"


class SecretCacheCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = cls.env["connector.store"].create({"name": "Cache Store", "platform": "test"})
        cls.adapter = cls.env["store.adapter.test"]
        cls.Credential = cls.env["integration.credential"].sudo()

    def _decrypts(self):
        return patch.object(credential_module.crypto, "decrypt", wraps=credential_module.crypto.decrypt)

    def test_unchanged_secret_is_decrypted_once(self):
        self.Credential._set_value(self.store, "webhook_secret", SECRET)
        with self._decrypts() as decrypt:
            for _i in range(3):
                self.assertEqual(self.adapter._webhook_secrets(self.store), [SECRET])
        self.assertEqual(decrypt.call_count, 1, "later deliveries use the cached secret")

    def test_rotated_secret_is_used_at_once(self):
        # Both writes in one transaction: same write_date, but a new ciphertext.
        self.Credential._set_value(self.store, "webhook_secret", SECRET)
        self.assertEqual(self.adapter._webhook_secrets(self.store), [SECRET])
        self.Credential._set_value(self.store, "webhook_secret", ROTATED)
        self.assertEqual(self.adapter._webhook_secrets(self.store), [ROTATED])
        self.Credential._set_value(self.store, "webhook_secret", SECRET)
        self.assertEqual(self.adapter._webhook_secrets(self.store), [SECRET])

    def test_removed_secret_is_not_served_from_the_cache(self):
        cred = self.Credential._set_value(self.store, "webhook_secret", SECRET)
        self.assertEqual(self.adapter._webhook_secrets(self.store), [SECRET])
        cred.unlink()
        self.assertEqual(self.adapter._webhook_secrets(self.store), [])

    def test_changed_encryption_key_is_not_served_from_the_cache(self):
        self.Credential._set_value(self.store, "webhook_secret", SECRET)
        self.assertEqual(self.adapter._webhook_secrets(self.store), [SECRET])
        with patch.dict(config.options, {const.CONFIG_ENCRYPTION_KEY: "another-key-entirely"}):
            with self.assertRaises(CredentialDecryptError):
                self.adapter._webhook_secrets(self.store)

    def test_cache_is_bounded(self):
        self.Credential._set_value(self.store, "webhook_secret", SECRET)
        with patch.object(credential_module, "_DECRYPTED_MAX", 2):
            credential_module._DECRYPTED.clear()
            for value in ("s-1", "s-2", "s-3", "s-4"):
                self.Credential._set_value(self.store, "webhook_secret", value)
                self.assertEqual(self.adapter._webhook_secrets(self.store), [value])
                self.assertLessEqual(len(credential_module._DECRYPTED), 2)


class FastIntakeCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = cls.env["connector.store"].create({"name": "Fast Store", "platform": "test"})
        cls.env["integration.credential"].create(
            {"store_id": cls.store.id, "key": "webhook_secret", "value": SECRET})

    def _post(self, event_id, secret):
        body = json.dumps({"id": event_id}).encode()
        return self.url_open(
            f"/api/v1/stores/{self.store.code}/webhooks/orders", data=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
                     EVENT_HEADER: event_id},
        )

    def test_rotation_between_two_deliveries_takes_effect_at_once(self):
        self.assertEqual(self._post("fast-1", SECRET).status_code, 200)  # the secret is now cached
        self.env["integration.credential"]._set_value(self.store, "webhook_secret", ROTATED)
        self.env.flush_all()
        self.assertEqual(self._post("fast-2", SECRET).status_code, 401, "the replaced secret is refused")
        self.assertEqual(self._post("fast-3", ROTATED).status_code, 200)
        deliveries = self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])
        self.assertEqual(sorted(deliveries.mapped("event_id")), ["fast-1", "fast-3"])

    def test_delivery_and_job_are_written_together(self):
        self.assertEqual(self._post("fast-job", SECRET).status_code, 200)
        self.assertEqual(self._post("fast-job", SECRET).json(), {"status": "duplicate"})
        delivery = self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(delivery), 1)
        job = delivery.job_id
        self.assertEqual(self.env["sync.job"].search([("store_id", "=", self.store.id)]), job,
                         "a duplicate queues no job")
        self.assertEqual(
            (job.store_id, job.company_id, job.state, job.model_name, job.res_ids, job.method_name,
             job.operation, job.direction, job.priority, job.retry_count, job.max_retries),
            (self.store, self.store.company_id, "pending", "store.webhook.delivery", [delivery.id],
             "_job_process", "webhook.orders", "import", 5, 0, const.DEFAULT_MAX_RETRIES),
        )
        self.assertTrue(job.next_attempt_at and job.create_date and delivery.received_at)
        self.assertEqual((delivery.create_uid.id, job.create_uid.id), (1, 1), "written as superuser")
