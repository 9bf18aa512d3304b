"""Full Sync runs over RPC: a user of another company neither reads nor opens a run, nobody writes
one (only the connector's jobs do), and an internal user without Store Connector groups sees none."""

from .common_attack import RpcAttackCase, RpcError


class TestFullSyncRunAttacks(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_a = cls.env["store.full.sync.run"].create(
            {"store_id": cls.store_a.id, "entities": "products"})
        cls.env["store.full.sync.step"].create(
            {"run_id": cls.run_a.id, "store_id": cls.store_a.id, "entity": "products", "page": 1,
             "records_done": 3})

    def test_the_owner_company_reads_its_run(self):
        [row] = self.rpc(self.user_a, "store.full.sync.run", "read", self.run_a.ids,
                         ["records_done", "state"])
        self.assertEqual((row["records_done"], row["state"]), (3, "running"))

    def test_another_company_neither_reads_nor_opens_it(self):
        self.assertRpcRefused(self.user_b, "store.full.sync.run", "read", self.run_a.ids, ["summary"])
        self.assertRpcRefused(self.user_b, "store.full.sync.run", "action_view_failed_jobs", self.run_a.ids)
        self.assertFalse(self.rpc(self.user_b, "store.full.sync.run", "search", []))
        self.assertFalse(self.rpc(self.manager_b, "store.full.sync.step", "search", []))

    def test_nobody_writes_a_run_by_hand(self):
        for user in (self.user_a, self.manager_a):
            self.assertRpcRefused(user, "store.full.sync.run", "write", self.run_a.ids, {"state": "done"})
            self.assertRpcRefused(user, "store.full.sync.run", "create",
                                  {"store_id": self.store_a.id, "entities": "orders"})
            self.assertRpcRefused(user, "store.full.sync.step", "create",
                                  {"run_id": self.run_a.id, "store_id": self.store_a.id, "entity": "orders",
                                   "records_done": 1000})

    def test_an_internal_user_without_the_connector_sees_nothing(self):
        with self.assertRaises(RpcError):
            self.rpc(self.internal_a, "store.full.sync.run", "read", self.run_a.ids, ["summary"])
        self.assertRpcRefused(self.internal_a, "connector.store", "action_view_full_sync_failed_jobs",
                              self.store_a.ids)
