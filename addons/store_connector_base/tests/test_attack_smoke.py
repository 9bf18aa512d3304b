"""The attack harness itself: a call over XML-RPC runs as the user it names, with that user's rights."""

from .common_attack import RpcAttackCase


class TestAttackHarness(RpcAttackCase):
    def test_rpc_runs_as_the_named_user(self):
        # A manager of company A reads its store and not company B's.
        found = self.rpc(self.manager_a, "connector.store", "search_read",
                         [("id", "in", (self.store_a | self.store_b).ids)], fields=["name"])
        self.assertEqual([row["id"] for row in found], self.store_a.ids)
        self.assertRpcRefused(self.internal_a, "connector.store", "search_read", [], fields=["name"])
        self.assertRpcRefused(self.portal_a, "connector.store", "search_read", [], fields=["name"])

    def test_call_kw_runs_in_the_users_session(self):
        found = self.call_kw(self.user_b, "connector.store", "search_read",
                             [("id", "in", (self.store_a | self.store_b).ids)], fields=["name"])
        self.assertEqual([row["id"] for row in found], self.store_b.ids)
