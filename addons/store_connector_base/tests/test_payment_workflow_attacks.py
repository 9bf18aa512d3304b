"""The payment workflow's records over RPC: another company's user reads none of a store's
transactions or gateway mappings, and a Store Connector User changes no mapping."""

from .common_attack import RpcAttackCase


class TestPaymentRecordsOverRpc(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.records = {}
        for key, store in (("a", cls.store_a), ("b", cls.store_b)):
            partner = cls.env["res.partner"].create(
                {"name": f"Buyer {key}", "company_id": store.company_id.id})
            order = cls.env["sale.order"].with_company(store.company_id).create(
                {"partner_id": partner.id, "company_id": store.company_id.id})
            binding = cls.env["store.order.binding"].create(
                {"store_id": store.id, "order_id": order.id, "external_id": f"o-{key}"})
            transaction = cls.env["store.order.transaction"].create({
                "store_id": store.id, "binding_id": binding.id, "order_id": order.id,
                "external_id": f"t-{key}", "kind": "sale", "status": "success", "amount": 10.0,
                "currency_id": store.company_id.currency_id.id,
            })
            mapping = store._payment_mappings(["stripe"])["stripe"]
            cls.records[key] = {"store.order.transaction": transaction, "store.payment.method.map": mapping}

    def test_other_company_reads_no_transaction_or_mapping(self):
        for model, record_b in self.records["b"].items():
            with self.subTest(model=model):
                found = self.rpc(self.user_a, model, "search_read", [], ["id"])
                self.assertNotIn(record_b.id, [row["id"] for row in found])
                self.assertIn(self.records["a"][model].id, [row["id"] for row in found])
                self.assertRpcRefused(self.user_a, model, "read", [record_b.id], ["id"])
                self.assertRpcRefused(self.manager_a, model, "read", [record_b.id], ["id"])

    def test_store_user_cannot_change_mappings_or_transactions(self):
        mapping = self.records["a"]["store.payment.method.map"]
        self.assertRpcRefused(self.user_a, "store.payment.method.map", "write", [mapping.id],
                              {"register_payment": False})
        self.assertRpcRefused(self.user_a, "store.payment.method.map", "create",
                              {"store_id": self.store_a.id, "gateway": "paypal"})
        transaction = self.records["a"]["store.order.transaction"]
        for user in (self.user_a, self.manager_a):
            self.assertRpcRefused(user, "store.order.transaction", "write", [transaction.id], {"amount": 0})
            self.assertRpcRefused(user, "store.order.transaction", "unlink", [transaction.id])

    def test_manager_changes_own_mapping_not_the_other_companys(self):
        mapping_a = self.records["a"]["store.payment.method.map"]
        self.rpc(self.manager_a, "store.payment.method.map", "write", [mapping_a.id],
                 {"invoice_policy": "none"})
        mapping_a.invalidate_recordset()
        self.assertEqual(mapping_a.invoice_policy, "none")
        mapping_b = self.records["b"]["store.payment.method.map"]
        self.assertRpcRefused(self.manager_a, "store.payment.method.map", "write", [mapping_b.id],
                              {"invoice_policy": "none"})
