"""The webhook intake's fast path: decrypted secrets cached per process, never stale; the delivery
and its job written together by one statement."""

import json
import threading
import time
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests.common import HttpCase, TransactionCase
from odoo.tools import config

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import CredentialDecryptError
from odoo.addons.store_connector_base.models import integration_credential as credential_module
from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    sign,
)

from .common import create_test_store

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

    def test_intake_lookup_reads_store_and_credentials_together(self):
        self.Credential._set_value(self.store, "webhook_secret", SECRET)
        Store = self.env["connector.store"].sudo()
        store, rows = Store._find_for_webhook(self.store.code)
        self.assertEqual(store, self.store)
        self.assertEqual([row[0] for row in rows], ["webhook_secret"])
        self.assertFalse(rows[0][2], "not expired")
        with self.Credential._prefetched(store, rows), patch.object(
                type(self.env.cr), "execute", side_effect=AssertionError("no query")):
            self.assertEqual(self.adapter._webhook_secrets(store), [SECRET])
        # Outside the block the snapshot is forgotten: a rotation is read from the database.
        self.Credential._set_value(self.store, "webhook_secret", ROTATED)
        self.assertEqual(self.adapter._webhook_secrets(store), [ROTATED])
        # An archived store is found too (the intake decides what it still receives), its state cached.
        self.store.active = False
        self.env.flush_all()
        self.store.invalidate_recordset(["active"])
        store, rows = Store._find_for_webhook(self.store.code)
        self.assertEqual((store, [row[0] for row in rows]), (self.store, ["webhook_secret"]))
        with patch.object(type(self.env.cr), "execute", side_effect=AssertionError("no query")):
            self.assertFalse(store.active)
        self.assertEqual(Store._find_for_webhook("no-such-code"), (Store.browse(), []))
        self.assertEqual(Store._find_for_webhook(""), (Store.browse(), []))

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
        # No user: a user's foreign key would lock the user's row on every delivery.
        self.assertEqual((delivery.create_uid, delivery.write_uid, job.create_uid, job.write_uid),
                         (self.env["res.users"],) * 4, "written by no user")


class CommittedRunCase(TransactionCase):
    """The runner's own transactions (commit=True): a failed job is undone by rolling its transaction
    back, without touching the jobs before and after it. Commits its own store; deletes it."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _cleanup(self, store_ids, floor):
        with self.registry.cursor() as cr:
            self._env(cr)["connector.store"].browse(store_ids).exists().unlink()
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [floor])

    def test_failed_job_is_rolled_back_alone(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            floor = cr.fetchone()[0]
            env = self._env(cr)
            stores = [create_test_store(env, name=f"Committed {n}") for n in range(3)]
            store_ids = [store.id for store in stores]
        self.addCleanup(self._cleanup, store_ids, floor)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            store, first, second = env["connector.store"].browse(store_ids)
            # A job works on its own store's records only: one job per store.
            job_ids = [
                env["sync.job"]._enqueue(first, "test.scripted", "_job_scripted",
                                         payload={"write_name": "Renamed 1"}).id,
                env["sync.job"]._enqueue(second, "test.scripted", "_job_scripted",
                                         payload={"write_name": "Undone", "raise": "permanent",
                                                  "message": "refused by the platform"}).id,
                env["sync.job"]._enqueue(store, "test.scripted", "_job_scripted",
                                         payload={"write_name": "Renamed 0"}).id,
            ]
        with self.registry.cursor() as cr, patch.object(
                type(cr), "savepoint", side_effect=AssertionError("a job run alone needs no savepoint")):
            ran = self._env(cr)["sync.job"]._process_queue(store_ids=store_ids, commit=True)
        self.assertEqual(ran, 3)
        with self.registry.cursor() as cr:
            cr.execute("SELECT id, state, last_error FROM sync_job WHERE id = ANY(%s) ORDER BY id", [job_ids])
            rows = cr.fetchall()
            cr.execute("SELECT id, name FROM connector_store WHERE id = ANY(%s)", [store_ids])
            names = dict(cr.fetchall())
        self.assertEqual([(row[0], row[1]) for row in rows],
                         list(zip(job_ids, ["done", "failed", "done"], strict=True)))
        self.assertIn("refused by the platform", rows[1][2])
        self.assertEqual([names[i] for i in store_ids], ["Renamed 0", "Renamed 1", "Committed 2"],
                         "the failed job's write is undone, the others' kept")

    def test_duplicate_committed_concurrently_is_answered_duplicate(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            floor = cr.fetchone()[0]
            store_id = create_test_store(self._env(cr), name="Concurrent Intake").id
        self.addCleanup(self._cleanup, [store_id], floor)

        def insert(env, event_id):
            store = env["connector.store"].browse(store_id)
            return env["store.webhook.delivery"]._insert_delivery(
                store, "orders", "orders/create", event_id, {}, "{}", operation="webhook.orders",
                method_name="_job_process")

        with self.registry.cursor() as cr_late:
            env_late = self._env(cr_late)
            cr_late.execute("SELECT 1")  # this transaction's snapshot is taken now
            with self.registry.cursor() as cr_first:
                self.assertTrue(insert(self._env(cr_first), "evt-concurrent"))
            # Committed after the snapshot: ON CONFLICT cannot see it and fails; it is a duplicate.
            self.assertIsNone(insert(env_late, "evt-concurrent"))
            self.assertTrue(insert(env_late, "evt-next"), "the transaction goes on after a duplicate")
            cr_late.rollback()
        with self.registry.cursor() as cr:
            cr.execute("""SELECT d.event_id, j.res_ids FROM store_webhook_delivery d
                            JOIN sync_job j ON j.id = d.job_id WHERE d.store_id = %s""", [store_id])
            rows = cr.fetchall()
        self.assertEqual([row[0] for row in rows], ["evt-concurrent"])

    def _store_changed_under_lock(self, store_id, lock, held=0.5):
        """Another transaction locks the store's row (`lock`: the SELECT's locking clause), changes
        it, and commits `held` seconds later, in a thread: an insert referring to the store meanwhile
        waits for it. :returns: the thread, started once the lock is taken."""
        locked = threading.Event()

        def run():
            with self.registry.cursor() as cr:
                cr.execute(f"SELECT id FROM connector_store WHERE id = %s {lock}", [store_id])
                cr.execute("UPDATE connector_store SET platform_error_streak = 0 WHERE id = %s", [store_id])
                locked.set()
                time.sleep(held)
        thread = threading.Thread(target=run)
        thread.start()
        self.assertTrue(locked.wait(10))
        return thread

    def _committed_store(self, name):
        with self.registry.cursor() as cr:
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            floor = cr.fetchone()[0]
            store_id = create_test_store(self._env(cr), name=name).id
        self.addCleanup(self._cleanup, [store_id], floor)
        return store_id

    def _stored_events(self, store_id):
        with self.registry.cursor() as cr:
            cr.execute("SELECT event_id FROM store_webhook_delivery WHERE store_id = %s ORDER BY id",
                       [store_id])
            return [row[0] for row in cr.fetchall()]

    def test_a_store_locked_and_changed_concurrently_is_not_answered_duplicate(self):
        # The store's row locked FOR UPDATE and changed by another transaction: the delivery's foreign
        # key check then fails with a serialization failure. That is no duplicate (nothing is
        # stored): the error goes up, for Odoo to run the request again, never a 200 "duplicate".
        store_id = self._committed_store("Locked Store")
        for keyed in (False, True):
            event_id = f"evt-locked-{keyed}"
            with self.registry.cursor() as cr_late:
                env_late = self._env(cr_late)
                cr_late.execute("SELECT 1")  # this transaction's snapshot is taken now
                thread = self._store_changed_under_lock(store_id, "FOR UPDATE")
                try:
                    with self.assertRaises(psycopg2.errors.SerializationFailure):
                        env_late["store.webhook.delivery"]._insert_delivery(
                            env_late["connector.store"].browse(store_id), "orders", "orders/create", event_id,
                            {}, "{}", operation="webhook.orders", method_name="_job_process",
                            identity_key="webhook:order-1" if keyed else None)
                finally:
                    thread.join(10)
                cr_late.rollback()
            self.assertNotIn(event_id, self._stored_events(store_id))

    def test_the_end_of_a_platform_outage_never_fails_a_delivery(self):
        # The store's failure streak ends (a job succeeded) while a delivery is being stored: the
        # outage bookkeeping locks the store's row without blocking the key that deliveries refer to.
        store_id = self._committed_store("Outage Store")
        with self.registry.cursor() as cr:
            cr.execute("UPDATE connector_store SET platform_error_streak = 2 WHERE id = %s", [store_id])
        with self.registry.cursor() as cr_late:
            env_late = self._env(cr_late)
            cr_late.execute("SELECT 1")
            ended = threading.Event()

            def end_outage():
                with self.registry.cursor() as cr:
                    self._env(cr)["connector.store"].browse(store_id)._end_platform_outage()
                    ended.set()
                    time.sleep(0.5)
            thread = threading.Thread(target=end_outage)
            thread.start()
            self.assertTrue(ended.wait(10))
            delivery_id = env_late["store.webhook.delivery"]._insert_delivery(
                env_late["connector.store"].browse(store_id), "orders", "orders/create", "evt-outage",
                {}, "{}", operation="webhook.orders", method_name="_job_process")
            thread.join(10)
            self.assertTrue(delivery_id)
        self.assertEqual(self._stored_events(store_id), ["evt-outage"])
        with self.registry.cursor() as cr:
            cr.execute("SELECT platform_error_streak FROM connector_store WHERE id = %s", [store_id])
            self.assertEqual(cr.fetchone(), (0,))
