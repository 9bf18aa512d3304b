"""Issue #8, stock baseline and drift over RPC: only a Store Connector Manager of the store's company
chooses its stock baseline (an inventory adjustment of that company's stock); drift is the store's
company's, repaired by its Users."""

from odoo import fields

from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

from .common_attack import RpcAttackCase


class TestStockBaselineAttacks(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mug = cls.env["product.product"].create(
            {"name": "Attack Mug", "default_code": "ATK-MUG", "is_storable": True})
        cls.store_a._publish_products(cls.mug)
        cls.store_a.stock_baseline = "none"

    def setUp(self):
        super().setUp()
        RECORDER.reset()
        self.addCleanup(RECORDER.reset)
        RECORDER.platform_stock = {"ATK-MUG": 6}

    def open_as(self, user):
        action = self.rpc(user, "connector.store", "action_choose_stock_baseline", [self.store_a.id])
        return action["res_id"]

    def test_only_the_store_managers_choose_its_baseline(self):
        for user in (self.user_a, self.internal_a, self.manager_b, self.user_b):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "connector.store", "action_choose_stock_baseline",
                                      [self.store_a.id])
                self.assertRpcRefused(user, "store.stock.baseline.wizard", "create",
                                      [{"store_id": self.store_a.id}])
        wizard_id = self.open_as(self.manager_a)
        lines = self.rpc(self.manager_a, "store.stock.baseline.wizard.line", "search_read",
                         [("wizard_id", "=", wizard_id)], ["sku", "platform_available"])
        self.assertEqual([(line["sku"], line["platform_available"]) for line in lines], [("ATK-MUG", 6)])
        # Another company's manager cannot read the window nor apply it.
        for method in ("read", "action_import_platform", "action_publish_odoo"):
            with self.subTest(method=method):
                self.assertRpcRefused(self.manager_b, "store.stock.baseline.wizard", method, [wizard_id])
        self.assertRpcRefused(self.user_a, "store.stock.baseline.wizard", "action_publish_odoo", [wizard_id])
        self.env.invalidate_all()
        self.assertEqual(self.store_a.stock_baseline, "none")
        # Its own manager can.
        self.rpc(self.manager_a, "store.stock.baseline.wizard", "action_import_platform", [wizard_id])
        self.env.invalidate_all()
        self.assertEqual(self.store_a.stock_baseline, "platform")
        self.assertEqual(self.store_a.stock_baseline_user_id, self.manager_a)
        self.assertEqual(self.mug.with_company(self.company_a).qty_available, 6)

    def test_the_window_lines_do_not_decide_what_is_imported(self):
        wizard_id = self.open_as(self.manager_a)
        [line_id] = self.rpc(self.manager_a, "store.stock.baseline.wizard.line", "search",
                             [("wizard_id", "=", wizard_id)])
        self.rpc(self.manager_a, "store.stock.baseline.wizard.line", "write", [line_id],
                 {"import_quantity": 500, "platform_available": 500, "platform_on_hand": 500})
        self.rpc(self.manager_a, "store.stock.baseline.wizard", "action_import_platform", [wizard_id])
        self.env.invalidate_all()
        self.assertEqual(self.mug.with_company(self.company_a).qty_available, 6, "read from the platform")

    def test_drift_is_the_store_company_s_and_its_users_repair_it(self):
        self.store_a.stock_baseline = "odoo"
        now = fields.Datetime.now()
        drift = self.env["store.stock.drift"].create({
            "store_id": self.store_a.id, "binding_id": self.mug.store_binding_ids.id, "sku": "ATK-MUG",
            "platform_quantity": 6, "odoo_quantity": 0, "first_seen_at": now, "last_checked_at": now,
        })
        for user in (self.user_b, self.manager_b, self.internal_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.stock.drift", "action_repair", [drift.id])
                self.assertRpcRefused(user, "connector.store", "action_repair_stock_drift", [self.store_a.id])
        self.assertRpcRefused(self.manager_a, "store.stock.drift", "write", [drift.id], {"odoo_quantity": 9})
        self.assertRpcRefused(self.user_a, "store.stock.drift", "unlink", [drift.id])
        self.assertFalse(self.env["sync.job"].search([("operation", "=", "inventory.sync")]))
        self.rpc(self.user_a, "store.stock.drift", "action_repair", [drift.id])
        self.assertEqual(self.env["sync.job"].search([("operation", "=", "inventory.sync")]).identity_key,
                         "inventory:ATK-MUG")
