"""Uninstalling a platform's addon keeps the merchant's data: its stores are archived with their
credentials, bindings and mappings (Odoo's "cascade" would have deleted them, and a reinstalled
connector would then export every product again as a duplicate)."""

from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform

from .common import API_KEY, StoreConnectorCase, create_test_store


class TestPlatformUninstall(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.archived_store = create_test_store(env, "Old Shop", api_key="old-shop-key-4411aa", active=False)
        cls.product = env["product.product"].create({"name": "Kept Mug", "default_code": "KEPT-1"})
        cls.partner = env["res.partner"].create({"name": "Kept Customer"})
        cls.order = env["sale.order"].create({"partner_id": cls.partner.id})
        cls.kept = {
            "store.product.binding": env["store.product.binding"].create(
                {"store_id": cls.store.id, "product_id": cls.product.id}),
            "store.order.binding": env["store.order.binding"].create(
                {"store_id": cls.store.id, "order_id": cls.order.id, "external_id": "O-1"}),
            "store.customer.binding": env["store.customer.binding"].create(
                {"store_id": cls.store.id, "partner_id": cls.partner.id, "external_id": "C-1"}),
            "store.payment.method.map": env["store.payment.method.map"].create(
                {"store_id": cls.store.id, "gateway": "stripe"}),
            "store.carrier.map": env["store.carrier.map"].create({
                "store_id": cls.store.id, "platform_carrier": "UPS",
                "carrier_id": env["delivery.carrier"].create({
                    "name": "Kept Carrier",
                    "product_id": env["product.product"].create({"name": "Kept ship", "type": "service"}).id,
                }).id,
            }),
            "sync.job": env["sync.job"]._enqueue(cls.store, "security.check", "_job_noop"),
        }
        cls.credentials = env["integration.credential"].search(
            [("store_id", "in", (cls.store | cls.archived_store).ids)])

    def _platform_value(self):
        """The `ir.model.fields.selection` record Odoo deletes when the test platform's addon is
        uninstalled (its `_process_ondelete` applies the addon's ondelete policy)."""
        return self.env["ir.model.fields.selection"].search([
            ("field_id.model", "=", "connector.store"), ("field_id.name", "=", "platform"),
            ("value", "=", "test"),
        ])

    def test_the_addon_declares_the_policy_that_keeps_the_stores(self):
        field = self.env["connector.store"]._fields["platform"]
        for platform in field.get_values(self.env):
            with self.subTest(platform=platform):
                self.assertIs(field.ondelete[platform], keep_stores_of_removed_platform)

    def test_uninstalling_the_platform_archives_its_stores_and_keeps_their_data(self):
        stores = self.store | self.archived_store
        self._platform_value()._process_ondelete()
        self.env.invalidate_all()
        stores = stores.with_context(active_test=False).exists()
        self.assertEqual(len(stores), 2, "the stores are kept")
        self.assertEqual(stores.mapped("active"), [False, False])
        self.assertEqual(stores.mapped("platform"), ["test", "test"], "so that a reinstall finds them")
        for model, record in self.kept.items():
            with self.subTest(model=model):
                self.assertTrue(record.exists(), f"{model} was deleted")
                self.assertEqual(record.store_id, self.store)
        self.assertEqual(self.credentials.exists(), self.credentials)
        self.assertEqual(self.store._get_credential("api_key"), API_KEY, "the secret is still readable")
        self.assertEqual(self.archived_store._get_credential("api_key"), "old-shop-key-4411aa")
        self.assertEqual(self.order.store_id, self.store, "the order still knows its store")
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "platform.uninstall")])
        self.assertEqual(len(log), 1)
        self.assertIn("Reinstall the addon, then unarchive the store", log.message)
        # An archived store runs no job: what was queued waits for the reinstall.
        self.assertEqual(self.kept["sync.job"].state, "pending")

    def test_a_reinstalled_platform_finds_its_stores_again(self):
        self._platform_value()._process_ondelete()
        self.env.invalidate_all()
        # Here the addon is still installed, as after a reinstall: the archived store is found by
        # its platform and unarchived as any store.
        found = self.env["connector.store"].with_context(active_test=False).search(
            [("platform", "=", "test"), ("active", "=", False), ("name", "=", self.store.name)])
        self.assertEqual(found, self.store)
        found.action_unarchive()
        self.assertTrue(found.active)
        self.assertEqual(found.product_binding_ids, self.kept["store.product.binding"])
