"""Issue #13, Replay and Recover an Order over RPC, as another company's users and as a Store
Connector User: a replay runs a stored body again as superuser, so it is a Manager's of the
delivery's store; Recover an Order pulls one order, a User's of the store."""

import json

from .common_attack import RpcAttackCase

ORDER = {
    "id": "atk-1", "number": "ATK-1", "created_at": "2026-05-01T10:00:00Z",
    "updated_at": "2026-05-01T10:00:00Z", "currency": "USD", "status": "pending",
    "customer": {"id": "c-atk", "email": "atk@example.com", "first_name": "At", "last_name": "Tack"},
    "billing_address": {"first_name": "At", "last_name": "Tack", "street": "1 Main St",
                        "city": "Springfield", "zip": "12345", "country_code": "US"},
    "lines": [{"id": "l1", "sku": "ATK-MUG", "name": "Mug", "quantity": 1, "unit_price": "10.00"}],
    "payment_method": "stripe", "total": "10.00",
}


class TestReplayAttacks(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.delivery_a = cls.env["store.webhook.delivery"].create({
            "store_id": cls.store_a.id, "kind": "orders", "topic": "orders/updated", "event_id": "evt-atk-a",
            "body": json.dumps({"order": ORDER}),
        })
        cls.Replay = cls.env["store.webhook.replay"]

    def test_only_a_manager_of_the_store_replays_its_delivery(self):
        for user in (self.user_a, self.internal_a, self.portal_a, self.manager_b, self.user_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.webhook.delivery", "action_replay", [self.delivery_a.id])
        self.assertFalse(self.Replay.search([]), "no replay recorded")
        self.assertFalse(self.env["sync.job"].search([("method_name", "=", "_job_replay")]), "nothing queued")
        # The store's own manager may.
        action = self.rpc(self.manager_a, "store.webhook.delivery", "action_replay", [self.delivery_a.id])
        self.assertEqual(action["tag"], "display_notification")
        replay = self.Replay.search([("delivery_id", "=", self.delivery_a.id)])
        self.assertEqual(replay.create_uid, self.manager_a)

    def test_nobody_writes_a_replay_or_reads_another_companys(self):
        self.rpc(self.manager_a, "store.webhook.delivery", "action_replay", [self.delivery_a.id])
        replay = self.Replay.search([("delivery_id", "=", self.delivery_a.id)])
        values = {"store_id": self.store_a.id, "delivery_id": self.delivery_a.id}
        for user in (self.manager_a, self.user_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.webhook.replay", "create", [values])
                self.assertRpcRefused(user, "store.webhook.replay", "write", [replay.id], {"job_id": False})
                self.assertRpcRefused(user, "store.webhook.replay", "unlink", [replay.id])
        self.assertRpcRefused(self.manager_b, "store.webhook.replay", "read", [replay.id], ["job_id"])
        self.assertEqual(self.rpc(self.user_a, "store.webhook.replay", "search_count", []), 1)
        self.assertEqual(self.rpc(self.manager_b, "store.webhook.replay", "search_count", []), 0)


class TestRecoverOrderAttacks(RpcAttackCase):
    def test_recover_is_for_users_of_the_store(self):
        for user in (self.internal_a, self.portal_a, self.manager_b, self.user_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "connector.store", "action_recover_order", [self.store_a.id])
        action = self.rpc(self.user_a, "connector.store", "action_recover_order", [self.store_a.id])
        self.assertEqual(action["res_model"], "store.order.recover.wizard")

    def test_another_company_cannot_recover_into_a_store_or_use_its_window(self):
        values = {"store_id": self.store_a.id, "order_number": "ATK-1"}
        for user in (self.user_b, self.manager_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.order.recover.wizard", "create", [values])
        wizard_ids = self.rpc(self.user_a, "store.order.recover.wizard", "create", [values])
        # Another user's window, even of the same company, is not theirs to run.
        for user in (self.manager_a, self.user_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.order.recover.wizard", "action_recover", wizard_ids)
        self.assertFalse(self.env["sync.job"].search([("operation", "=", "orders.recover")]))
