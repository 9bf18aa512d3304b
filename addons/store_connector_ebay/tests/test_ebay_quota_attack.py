"""Who may see and change a store's daily API quotas (store.api.quota), over RPC."""

from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .common import create_ebay_store


class TestEbayQuotaAttack(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ebay_a = create_ebay_store(cls.env, name="eBay A", company=cls.company_a)
        cls.ebay_b = create_ebay_store(cls.env, name="eBay B", company=cls.company_b)
        cls.quota_a = cls.ebay_a.api_quota_ids.filtered(lambda line: line.api_name == "trading")

    def test_user_reads_manager_writes_other_company_sees_nothing(self):
        [line] = self.rpc(self.user_a, "store.api.quota", "read", self.quota_a.ids,
                          ["daily_limit", "used_today"])
        self.assertEqual(line["daily_limit"], 5000)
        self.assertRpcRefused(self.user_a, "store.api.quota", "write", self.quota_a.ids, {"daily_limit": 1})
        self.assertRpcRefused(self.internal_a, "store.api.quota", "read", self.quota_a.ids, ["daily_limit"])
        self.assertRpcRefused(self.manager_b, "store.api.quota", "write", self.quota_a.ids,
                              {"daily_limit": 1})
        self.assertFalse(self.rpc(self.manager_b, "store.api.quota", "search",
                                  [("store_id", "=", self.ebay_a.id)]))
        self.assertRpcRefused(self.manager_b, "store.api.quota", "create",
                              {"store_id": self.ebay_a.id, "api_name": "extra", "name": "Extra"})
        self.rpc(self.manager_a, "store.api.quota", "write", self.quota_a.ids, {"daily_limit": 7000})
        self.quota_a.invalidate_recordset()
        self.assertEqual(self.quota_a.daily_limit, 7000)
        self.assertEqual(self.ebay_a._rate_limit_quota_of("trading"), 7000)
        self.assertRpcRefused(self.manager_a, "store.api.quota", "write", self.quota_a.ids,
                              {"store_id": self.ebay_b.id}, error="UserError")
