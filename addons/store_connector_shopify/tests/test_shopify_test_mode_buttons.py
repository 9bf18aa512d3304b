"""Issue #13, test mode (second round): the buttons that change the shop (Publish to Store, Export
Products, Sync Inventory and its confirmation window, Publish Odoo's Quantities of the stock baseline,
Repair of a stock drift) queue jobs; in test mode each says that nothing is sent, and its jobs record
the mutation they would have sent instead of sending it (the simulator receives none). Fetch Locations
and Choose Stock Baseline only read: they work in test mode."""

from odoo import fields
from odoo.tests import tagged

from ..models.shopify_order_mapper import gid
from .common import ShopifySimulatorCase
from .test_shopify_products import ShopifyCatalogMixin
from .test_shopify_test_mode import ShopifyTestModeMixin

NOTE = "Test mode: nothing is sent to the platform of"


@tagged("post_install", "-at_install")
class TestShopifyTestModeButtons(ShopifyTestModeMixin, ShopifyCatalogMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def setUp(self):
        super().setUp()
        self.bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        primary = gid("Location", self.sim._location_id(None))
        self.store.shopify_location_id = self.env["shopify.location"].create(
            {"store_id": self.store.id, "name": "Primary", "shopify_gid": primary})
        self.store.test_mode = True
        self.sim.reset_calls()
        self.env["stock.quant"]._update_available_quantity(
            self.variant("Red"), self.warehouse.lot_stock_id, 7)

    def assertHeldOnly(self, action):
        """The button's notification says test mode; its jobs ran without sending a mutation."""
        message = action["params"]["message"]
        self.assertIn(NOTE, message)
        self.assertIn(self.store.name, message)
        before = self.store.test_request_ids
        self.run_queue()
        self.assertEqual(self.mutations(), [], "nothing that changes the shop reached Shopify")
        held = self.store.test_request_ids - before
        self.assertTrue(held, "the jobs recorded what they would have sent")
        self.assertTrue(all(request.job_id.state == "done" for request in held))
        return held

    def test_sync_inventory_and_its_confirmation(self):
        held = self.assertHeldOnly(self.store.action_sync_inventory())
        self.assertIn("ConnectorInventorySet", " ".join(held.mapped("operation")))
        action = self.env["store.inventory.sync.wizard"].create(
            {"store_id": self.store.id}).action_confirm()
        self.assertHeldOnly(action)
        self.assertEqual(self.sim.inventory("TS-RED"), 0)

    def test_export_products_and_publish_to_store(self):
        held = self.assertHeldOnly(self.store.action_export_products())
        self.assertTrue(any("mutation" in request.operation for request in held), held.mapped("operation"))
        other = self.env["product.product"].create({"name": "Mug", "default_code": "MUG-TM", "list_price": 9})
        wizard = self.env["store.product.publish.wizard"].create(
            {"store_ids": [(6, 0, self.store.ids)], "product_ids": [(6, 0, other.ids)], "mode": "publish"})
        held = self.assertHeldOnly(wizard.action_apply())
        self.assertIn("MUG-TM", " ".join(held.mapped("body")))

    def test_publish_odoo_s_quantities_and_repair_a_drift(self):
        self.store.stock_baseline = "none"
        baseline = self.env["store.stock.baseline.wizard"].browse(
            self.store.action_choose_stock_baseline()["res_id"])
        self.assertTrue(baseline.line_count, "reading the shop's quantities works in test mode")
        self.assertHeldOnly(baseline.action_publish_odoo())
        binding = self.bindings.filtered(lambda b: b.sku == "TS-RED")
        drift = self.env["store.stock.drift"].create({
            "store_id": self.store.id, "binding_id": binding.id, "sku": "TS-RED", "platform_quantity": 0,
            "odoo_quantity": 7, "first_seen_at": fields.Datetime.now(),
            "last_checked_at": fields.Datetime.now()})
        self.assertHeldOnly(drift.action_repair())
        self.assertEqual(self.sim.inventory("TS-RED"), 0)

    def test_out_of_test_mode_the_notifications_say_nothing_of_it(self):
        self.store.test_mode = False
        action = self.store.action_sync_inventory()
        self.assertNotIn("Test mode", action["params"]["message"])
