"""Issue #8: "A Sync Inventory that would lower many SKUs to zero asks first, showing how many and
which", and no stock for archived or unpublished bindings."""

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import OperationNotPermitted

from .common_attack import USER, RpcAttackCase
from .common_products import ProductSyncCase


def mark_synced(bindings, quantity):
    """As if an earlier stock export had published `quantity` for `bindings`."""
    bindings.sudo().write({"inventory_quantity": quantity, "inventory_synced_at": fields.Datetime.now()})


class TestSyncInventoryConfirmation(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False
        cls.products = cls.env["product.product"].create([
            {"name": f"Zero {i}", "is_storable": True, "default_code": f"ZERO-{i:02d}"} for i in range(20)
        ])
        cls.bindings = cls.store._publish_products(cls.products).sorted("sku")
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, 3)

    def inventory_jobs(self):
        return self.pending_jobs(operation="inventory.sync")

    def empty(self, products):
        for product in products:
            self.set_stock(product, 0)

    def test_threshold(self):
        needs = self.store._inventory_zeroing_needs_confirmation
        self.assertEqual((const.INVENTORY_ZEROING_CONFIRM_MIN_SKUS, const.INVENTORY_ZEROING_CONFIRM_SHARE),
                         (5, 0.10))
        self.assertFalse(needs(0, 0))
        self.assertFalse(needs(0, 3))
        self.assertFalse(needs(4, 1000), "4 of 1,000: a few sold out")
        self.assertTrue(needs(5, 1000), "5 SKUs or more")
        self.assertFalse(needs(2, 20), "10% is not more than 10%")
        self.assertTrue(needs(3, 20), "more than 10% of the published SKUs")
        self.assertTrue(needs(1, 1))

    def test_many_skus_to_zero_asks_first_and_lists_them(self):
        mark_synced(self.bindings, 3)
        self.empty(self.products[:6])
        action = self.store.action_sync_inventory()
        self.assertEqual((action["type"], action["res_model"], action["target"]),
                         ("ir.actions.act_window", "store.inventory.sync.wizard", "new"))
        self.assertFalse(self.inventory_jobs(), "nothing queued before the merchant confirms")
        wizard = self.env["store.inventory.sync.wizard"].browse(action["res_id"])
        self.assertEqual((wizard.store_id, wizard.zeroing_count, wizard.published_count), (self.store, 6, 20))
        self.assertEqual(
            [(line.sku, line.product_id, line.platform_quantity, line.new_quantity)
             for line in wizard.line_ids],
            [(p.default_code, p, 3, 0) for p in self.products[:6]],
        )
        result = wizard.action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(result["params"]["message"], "Stock of 20 SKUs queued in 1 job.")
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        job = self.inventory_jobs()
        self.assertEqual(len(job.res_ids), 20)
        self.run_job(job)
        [(_store, items)] = self.recorder.of("update_inventory")
        self.assertEqual(sum(1 for item in items if item["quantity"] == 0), 6)

    def test_a_share_above_ten_percent_asks_too(self):
        mark_synced(self.bindings, 3)
        self.empty(self.products[:3])  # 3 of 20: 15%
        action = self.store.action_sync_inventory()
        self.assertEqual(action["res_model"], "store.inventory.sync.wizard")
        wizard = self.env["store.inventory.sync.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.summary,
                         "Sync Inventory would set 3 of the 20 SKUs published to Test Shop to 0 on the "
                         "platform, where they have stock now: customers could no longer buy them.")

    def test_summary_says_one_sku_in_the_singular(self):
        Wizard = self.env["store.inventory.sync.wizard"]
        one_of_five = Wizard.create({"store_id": self.store.id, "zeroing_count": 1, "published_count": 5})
        self.assertEqual(one_of_five.summary,
                         "Sync Inventory would set 1 of the 5 SKUs published to Test Shop to 0 on the "
                         "platform, where it has stock now: customers could no longer buy it.")
        only = Wizard.create({"store_id": self.store.id, "zeroing_count": 1, "published_count": 1})
        self.assertIn("the only SKU published to Test Shop", only.summary)

    def test_the_message_says_what_was_queued(self):
        self.recorder.batch_size = 8
        self.assertEqual(self.store.action_sync_inventory()["params"]["message"],
                         "Stock of 20 SKUs queued in 3 jobs.")
        message = self.other_store.action_sync_inventory()["params"]["message"]
        self.assertEqual(message, "No SKU is published to Other Shop: there is no stock to sync. "
                                  "Publish products first.")
        self.other_store._publish_products(self.mug)
        message = self.other_store.action_sync_inventory()["params"]["message"]
        self.assertEqual(message, "Stock of 1 SKU queued.")

    def test_few_skus_to_zero_queue_at_once(self):
        mark_synced(self.bindings, 3)
        self.empty(self.products[:2])  # 2 of 20: 10%, fewer than 5
        action = self.store.action_sync_inventory()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(len(self.inventory_jobs()), 1)

    def test_only_skus_with_stock_on_the_platform_count(self):
        # Never sent, or 0 on the platform already: publishing 0 lowers nothing.
        mark_synced(self.bindings[:10], 0)
        self.empty(self.products)
        action = self.store.action_sync_inventory()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(len(self.inventory_jobs()), 1)
        # Stock kept in Odoo is not lowered to zero.
        self.inventory_jobs().unlink()
        mark_synced(self.bindings, 3)
        for product in self.products[1:]:
            self.set_stock(product, 1)
        self.assertEqual(self.store.action_sync_inventory()["tag"], "display_notification")

    def test_the_permission_is_checked_first(self):
        mark_synced(self.bindings, 3)
        self.empty(self.products)
        self.store.allow_inventory_sync = False
        with self.assertRaises(OperationNotPermitted):
            self.store.action_sync_inventory()
        self.assertFalse(self.env["store.inventory.sync.wizard"].search([]))
        self.store.allow_inventory_sync = True
        wizard = self.env["store.inventory.sync.wizard"].browse(self.store.action_sync_inventory()["res_id"])
        self.store.allow_inventory_sync = False
        with self.assertRaises(OperationNotPermitted):
            wizard.action_confirm()
        self.assertFalse(self.inventory_jobs())


class TestNoStockForArchivedBindings(ProductSyncCase):
    """Point "Platform statuses are kept ... and receives no stock while archived": none of the three
    ways stock leaves for the platform publishes an archived or unpublished binding."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False
        cls.store._publish_products(cls.tshirt.product_variant_ids | cls.mug)
        cls.archived = cls.red.store_binding_ids
        cls.archived.sudo().platform_status = "archived"
        cls.unpublished = cls.blue.store_binding_ids
        cls.unpublished.sudo().platform_status = "unpublished"
        cls.active = cls.mug.store_binding_ids

    def test_sync_inventory_leaves_them_out(self):
        self.assertEqual(self.store._inventory_bindings(), self.active)
        self.store.action_sync_inventory()
        self.assertEqual(self.pending_jobs(operation="inventory.sync").res_ids, self.active.ids)

    def test_stock_moves_queue_nothing_for_them(self):
        for product in (self.red, self.blue):
            self.move(product, 4)
        self.assertFalse(self.pending_jobs(operation="inventory.sync"))
        self.move(self.mug, 4)
        self.assertEqual(self.pending_jobs(operation="inventory.sync").res_ids, self.active.ids)

    def test_a_job_queued_for_them_sends_them_nothing(self):
        # A job queued while they were published (or by the sync API) runs after they were archived.
        for product in (self.red, self.blue, self.mug):
            self.set_stock(product, 4)
        bindings = self.archived | self.unpublished | self.active
        self.store._enqueue_inventory_sync(bindings)
        self.run_job(self.pending_jobs(operation="inventory.sync"))
        [(_store, items)] = self.recorder.of("update_inventory")
        self.assertEqual([item["sku"] for item in items], ["MUG-1"])
        self.assertFalse((self.archived | self.unpublished).filtered("inventory_synced_at"))


class TestSyncInventoryConfirmationAttacks(RpcAttackCase):
    """The confirmation window over RPC: only its user, in the store's company, confirms it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        products = cls.env["product.product"].create([
            {"name": f"Attack zero {i}", "is_storable": True, "default_code": f"ATK-ZERO-{i}"}
            for i in range(5)
        ])
        cls.store_a.sudo().auto_sync_products = False
        # On the platform with 2 each, none in Odoo: Sync Inventory would set the 5 SKUs to 0.
        mark_synced(cls.store_a._publish_products(products), 2)
        # Another User of company A: the window is not theirs either.
        cls.user_a2 = new_test_user(
            cls.env, "atk_user_a2", groups=f"base.group_user,{USER}",
            company_id=cls.company_a.id, company_ids=[Command.set(cls.company_a.ids)],
        )

    def inventory_jobs(self):
        return self.env["sync.job"].search([
            ("store_id", "=", self.store_a.id), ("operation", "=", "inventory.sync"),
            ("state", "=", "pending"),
        ])

    def test_another_company_cannot_confirm_or_open_one(self):
        action = self.rpc(self.user_a, "connector.store", "action_sync_inventory", [self.store_a.id])
        self.assertEqual(action["res_model"], "store.inventory.sync.wizard")
        wizard_id = action["res_id"]
        self.assertFalse(self.inventory_jobs())
        for user in (self.user_b, self.manager_b, self.user_a2, self.internal_a, self.portal_a):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "store.inventory.sync.wizard", "action_confirm", [wizard_id])
                self.assertRpcRefused(user, "store.inventory.sync.wizard", "read", [wizard_id], ["store_id"])
        for user in (self.user_b, self.manager_b):
            with self.subTest(user=user.login, forged=True):
                # A window of their own on a store that is not theirs.
                self.assertRpcRefused(user, "store.inventory.sync.wizard", "create",
                                      {"store_id": self.store_a.id})
                self.assertRpcRefused(user, "connector.store", "action_sync_inventory", [self.store_a.id])
        self.assertFalse(self.inventory_jobs(), "nobody else queued the sync")
        result = self.rpc(self.user_a, "store.inventory.sync.wizard", "action_confirm", [wizard_id])
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(len(self.inventory_jobs()), 1)
