"""The connector's events: each writes the store's activity log; StoreConnectionFailed also tells
the store's managers, and comes from failed connection tests and authentication pauses."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestStoreEvents(SyncApiFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.adapter_class = type(cls.env["store.adapter.test"])

    def _logs(self, store, operation):
        return self.env["store.activity.log"].search(
            [("store_id", "=", store.id), ("operation", "=", operation)]
        )

    def _manager_notices(self, store):
        """Messages on the store addressed to its manager."""
        return store.message_ids.filtered(lambda message: self.manager.partner_id in message.partner_ids)

    # ------------------------------------------------------------------ the three sync events
    def _bindings(self, store):
        return self.env["store.product.binding"].search([("store_id", "=", store.id)], order="sku")

    def test_product_synced_event_logs(self):
        bindings = self._bindings(self.store)
        log = self.store._event_product_synced_to_store(bindings[:2], duration=1.5)
        self.assertEqual((log.store_id, log.operation, log.status, log.records, log.duration),
                         (self.store, "products.export", "done", 2, 1.5))
        self.assertIn("SKU-A, SKU-B", log.message)
        self.assertTrue(log.create_date)
        partly = self.store._event_product_synced_to_store(
            bindings[:1], operation="products.archive", errors=[{"sku": "SKU-B", "error": "locked"}])
        self.assertEqual((partly.operation, partly.status, partly.records), ("products.archive", "done", 1))
        self.assertIn("SKU-B: locked", partly.message)
        refused = self.store._event_product_synced_to_store(
            bindings.browse(), errors=[{"sku": "SKU-A", "error": "no"}])
        self.assertEqual((refused.status, refused.records), ("failed", 0))

    def test_order_received_event_logs(self):
        order = self._new_order(self.store)
        binding = order.store_binding_ids
        job = self.env["sync.job"]._enqueue(self.store, "orders.import", "_job_noop")
        log = self.store._event_order_received_from_store(order, binding, duration=0.25, job=job)
        self.assertEqual((log.operation, log.status, log.records, log.duration, log.job_id),
                         ("order.received", "done", 1, 0.25, job))
        self.assertIn(order.name, log.message)
        self.assertIn(f"#{order.id}", log.message)
        # the status's label, as the order's form shows it (issue #13), not its code
        self.assertIn("(Processing)", log.message)

    def test_inventory_completed_event_logs(self):
        log = self.store._event_inventory_sync_completed(
            40, duration=2.0, errors=[{"sku": "SKU-X", "error": "not tracked"}])
        self.assertEqual((log.operation, log.status, log.records), ("inventory.sync", "done", 40))
        self.assertIn("SKU-X: not tracked", log.message)
        failed = self.store._event_inventory_sync_completed(0, errors=[{"sku": "SKU-X", "error": "no"}])
        self.assertEqual(failed.status, "failed")

    def test_events_can_be_extended(self):
        seen = []
        store_class = type(self.env["connector.store"])
        original = store_class._event_order_received_from_store

        def listener(store, order, binding, **kwargs):
            seen.append((order, binding))
            return original(store, order, binding, **kwargs)

        with patch.object(store_class, "_event_order_received_from_store", listener):
            order = self._new_order(self.store)
            self.store._event_order_received_from_store(order, order.store_binding_ids)
        self.assertEqual(seen, [(order, order.store_binding_ids)])

    # ------------------------------------------------------------------ StoreConnectionFailed
    def test_connection_failed_event_logs_and_notifies_managers(self):
        self.store._event_store_connection_failed("timeout after 30s")
        log = self._logs(self.store, "connection")
        self.assertEqual((log.status, log.message), ("failed", "timeout after 30s"))
        notices = self._manager_notices(self.store)
        self.assertEqual(len(notices), 1)
        self.assertIn("timeout after 30s", notices.body)
        # The manager finds it in their inbox.
        self.assertTrue(self.env["mail.notification"].search([
            ("mail_message_id", "=", notices.id), ("res_partner_id", "=", self.manager.partner_id.id)]))
        # A plain user of the connector is not a manager: not notified.
        self.assertNotIn(self.api_user.partner_id, notices.partner_ids)

    def test_failed_connection_test_is_reported_not_raised(self):
        # The test platform's connection test reads the "api_key" credential, which is missing.
        action = self.store.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        log = self._logs(self.store, "connection")
        self.assertEqual(log.status, "failed")
        self.assertIn("api_key", log.message)
        self.assertEqual(action["params"]["message"], log.message)
        self.assertEqual(len(self._manager_notices(self.store)), 1)

    def test_successful_connection_test_emits_nothing(self):
        self.env["integration.credential"].create({"store_id": self.store.id, "key": "api_key",
                                                   "value": "k3y-value-123"})
        action = self.store.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(self._logs(self.store, "connection"))
        self.assertEqual(self._logs(self.store, "connection.test").status, "done")
        self.assertFalse(self._manager_notices(self.store))

    def test_connection_failure_message_hides_secrets(self):
        secret = "sk_live_very_secret_value"
        self.env["integration.credential"].create(
            {"store_id": self.store.id, "key": "api_key", "value": secret}
        )

        def _test_connection(_adapter, store):
            raise UserError(f"The platform refused key {secret}.")

        with patch.object(self.adapter_class, "_test_connection", _test_connection):
            self.store.with_user(self.manager).action_test_connection()
        log = self._logs(self.store, "connection")
        self.assertNotIn(secret, log.message)
        self.assertIn("***", log.message)
        self.assertNotIn(secret, self._manager_notices(self.store).body)

    def test_connection_test_without_rights_still_raises(self):
        # Reading credentials is for managers: a missing right is not a connection failure.
        with self.assertRaises(AccessError):
            self.store.with_user(self.api_user).action_test_connection()
        self.assertFalse(self._logs(self.store, "connection"))

    def test_authentication_pause_emits_connection_failed_once(self):
        job = self.env["sync.job"]._enqueue(self.store, "orders.import", "_job_scripted",
                                            payload={"raise": "auth", "message": "token revoked"})
        self._run_queue(self.store)
        self.assertTrue(self.store.paused)
        self.assertEqual(job.state, "pending")
        log = self._logs(self.store, "connection")
        self.assertEqual((len(log), log.status), (1, "failed"))
        self.assertIn("token revoked", log.message)
        # One line in the log, one notice to the managers, saying the store is paused.
        self.assertEqual(self.store.log_ids.filtered(lambda line: line.status == "failed"), log)
        notices = self._manager_notices(self.store)
        self.assertEqual(len(notices), 1)
        self.assertIn("token revoked", notices.body)
        self.assertIn("is paused", notices.body)
        # A store already paused is not paused (nor reported) again.
        self.store._pause_for_auth("token revoked again")
        self.assertEqual(len(self._logs(self.store, "connection")), 1)
