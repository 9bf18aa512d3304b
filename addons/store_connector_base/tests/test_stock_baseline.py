"""Issue #8, stock baseline: connecting a shop that already has stock never zeroes it.

A new store sends no stock until a manager chooses its baseline in the Stock Baseline window, which
shows the platform's quantities (the test platform's RECORDER.platform_stock) next to Odoo's; the
choice imports them into Odoo (an inventory adjustment, lots kept) or publishes Odoo's.
"""

import importlib.util
from pathlib import Path

from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted
from odoo.addons.store_connector_base.services.sync_api import SyncApiError

from .common_products import ProductSyncCase


class StockBaselineCase(ProductSyncCase):
    """`new_store`: a store of the test platform whose baseline is not chosen, publishing the mug
    and both T-shirt variants from the warehouse's stock location."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False
        cls.new_store = cls.env["connector.store"].create({
            "name": "New Shop",
            "platform": "test",
            "warehouse_id": cls.warehouse.id,
            "auto_sync_inventory": True,
        })
        cls.new_store._publish_products(cls.mug | cls.tshirt.product_variant_ids)
        cls.store._publish_products(cls.mug)

    def setUp(self):
        super().setUp()
        self.addCleanup(self.adapter._test_reset, self.new_store)

    def on_hand(self, product, location=None):
        return product.with_context(location=(location or self.stock_location).id).qty_available

    def open_window(self, store=None):
        action = (store or self.new_store).action_choose_stock_baseline()
        self.assertEqual((action["res_model"], action["target"]), ("store.stock.baseline.wizard", "new"))
        return self.env["store.stock.baseline.wizard"].browse(action["res_id"])

    def lines_by_sku(self, wizard):
        return {line.sku: line for line in wizard.line_ids}


class TestNoStockBeforeBaseline(StockBaselineCase):
    def test_a_new_store_has_no_baseline(self):
        self.assertEqual(self.new_store.stock_baseline, "none")
        copy = self.store.copy({"name": "Copied Shop"})
        self.assertEqual(copy.stock_baseline, "none", "a copy is a new connection: it chooses again")

    def test_sync_inventory_and_the_sync_api_refuse_and_say_why(self):
        self.set_stock(self.mug, 5)
        with self.assertRaises(OperationNotPermitted) as caught:
            self.new_store.action_sync_inventory()
        self.assertIn("stock baseline is not chosen", caught.exception.args[0])
        self.assertIn("Choose Stock Baseline", caught.exception.args[0])
        with self.assertRaises(OperationNotPermitted):
            self.new_store._enqueue_inventory_sync()
        with self.assertRaises(SyncApiError) as api_refusal:
            self.new_store._api_request_sync_inventory({})
        self.assertEqual(api_refusal.exception.status, 403)
        self.assertFalse(self.pending_jobs(store=self.new_store, operation="inventory.sync"))
        self.assertFalse(self.recorder.of("update_inventory"))

    def test_stock_moves_queue_nothing_for_a_store_without_baseline(self):
        self.move(self.mug, 4)
        self.assertFalse(self.pending_jobs(store=self.new_store, operation="inventory.sync"))
        # The store with a baseline publishing the same mug gets its job: the move did reach the hook.
        self.assertEqual(self.pending_jobs(operation="inventory.sync").identity_key, "inventory:MUG-1")

    def test_a_queued_stock_job_does_not_run_once_the_baseline_is_gone(self):
        self.new_store.stock_baseline = "odoo"
        [job] = self.new_store._enqueue_inventory_sync()
        self.new_store.stock_baseline = "none"
        self.run_job(job, expect="failed")
        self.assertIn("stock baseline is not chosen", job.last_error)
        self.assertFalse(self.recorder.of("update_inventory"), "nothing was sent to the shop")

    def test_full_sync_sends_no_stock(self):
        self.new_store.action_full_sync()
        self.assertFalse(self.pending_jobs(store=self.new_store, operation="inventory.sync"))

    def test_the_store_form_says_why_and_offers_the_choice(self):
        arch = self.new_store.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="stock_baseline_banner"', arch)
        self.assertIn("No stock is sent to this shop yet", arch)
        self.assertIn('name="action_choose_stock_baseline"', arch)
        self.assertIn("stock_baseline == 'none'", arch, "Sync Inventory is hidden without a baseline")


class TestStockBaselineWindow(StockBaselineCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.mug, 2)
        self.recorder.platform_stock = {
            "MUG-1": {"available": 7, "on_hand": 9},
            "TS-RED": 4,
            # TS-BLUE: not on the platform
        }
        self.recorder.read_page_size = 2

    def test_the_window_shows_the_platform_next_to_odoo_with_totals(self):
        wizard = self.open_window()
        self.assertEqual(len(self.recorder.of("read_inventory")), 2, "3 SKUs read in pages of 2")
        lines = self.lines_by_sku(wizard)
        self.assertEqual(set(lines), {"MUG-1", "TS-RED"})
        mug, red = lines["MUG-1"], lines["TS-RED"]
        self.assertEqual(
            (mug.platform_available, mug.platform_on_hand, mug.odoo_on_hand, mug.odoo_published,
             mug.import_quantity, mug.import_error),
            (7, 9, 2.0, 2, 9.0, False),
        )
        self.assertEqual(mug.location_name, self.stock_location.complete_name)
        self.assertEqual(mug.product_id, self.mug)
        self.assertFalse(red.platform_reports_on_hand)
        self.assertEqual((red.platform_available, red.odoo_on_hand, red.import_quantity), (4, 0.0, 4.0))
        self.assertEqual(
            (wizard.line_count, wizard.total_platform_available, wizard.total_odoo_on_hand,
             wizard.total_odoo_published, wizard.total_import_quantity),
            (2, 11, 2.0, 2, 13.0),
        )
        self.assertEqual(self.new_store.stock_baseline, "none", "opening the window chooses nothing")

    def test_import_sets_odoo_on_hand_to_the_platform_quantities(self):
        wizard = self.open_window()
        # The platform changes after the window opened: the import reads it again.
        self.recorder.platform_stock["TS-RED"] = 5
        wizard.action_import_platform()
        self.assertEqual(self.on_hand(self.mug), 9, "the platform's on hand, when it gives one")
        self.assertEqual(self.on_hand(self.red), 5, "else its available quantity, as read at import")
        self.assertEqual(self.on_hand(self.blue), 0, "not on the platform: untouched")
        moves = self.env["stock.move"].search([("product_id", "in", (self.mug | self.red).ids),
                                               ("is_inventory", "=", True)])
        self.assertEqual(len(moves), 2, "an inventory adjustment")
        self.assertIn("New Shop: stock imported from the platform", moves.mapped("name")[0])
        store = self.new_store
        self.assertEqual(store.stock_baseline, "platform")
        self.assertTrue(store.stock_baseline_date)
        self.assertEqual(store.stock_baseline_user_id, self.env.user)
        self.assertFalse(self.pending_jobs(store=store, operation="inventory.sync"),
                         "what the shop holds is what Odoo now has: nothing to send back")
        # From now on, stock moves publish.
        self.move(self.mug, 1)
        self.assertEqual(self.pending_jobs(store=store, operation="inventory.sync").identity_key,
                         "inventory:MUG-1")

    def test_import_waits_for_the_order_imports_still_queued(self):
        # A Full Sync's order pull still queued: its orders may validate deliveries of goods the shop
        # already shipped, which the shop's quantities already count.
        pull = self.new_store._enqueue_order_pull(since=None)
        self.assertTrue(pull)
        wizard = self.open_window()
        self.assertEqual(wizard.order_job_count, 1)
        with self.assertRaises(UserError) as caught:
            wizard.action_import_platform()
        self.assertIn("1 order import of New Shop is still waiting or running", caught.exception.args[0])
        self.assertEqual(self.on_hand(self.mug), 2, "nothing imported")
        self.assertEqual(self.new_store.stock_baseline, "none")
        pull.sudo().write({"state": "done"})
        wizard.action_import_platform()
        self.assertEqual(self.on_hand(self.mug), 9)

    def test_publish_odoo_quantities_queues_sync_inventory(self):
        wizard = self.open_window()
        wizard.action_publish_odoo()
        store = self.new_store
        self.assertEqual(store.stock_baseline, "odoo")
        self.assertEqual(self.on_hand(self.mug), 2, "Odoo's stock is not touched")
        jobs = self.pending_jobs(store=store, operation="inventory.sync")
        self.assertTrue(jobs)
        for job in jobs:
            self.run_job(job)
        sent = {item["sku"]: item["quantity"] for _store, items in self.recorder.of("update_inventory")
                for item in items}
        self.assertEqual(sent, {"MUG-1": 2, "TS-RED": 0, "TS-BLUE": 0})

    def test_publish_without_inventory_permission_sets_the_baseline_only(self):
        self.new_store.allow_inventory_sync = False
        self.open_window().action_publish_odoo()
        self.assertEqual(self.new_store.stock_baseline, "odoo")
        self.assertFalse(self.pending_jobs(store=self.new_store, operation="inventory.sync"))

    def test_import_covers_only_published_storable_variants(self):
        service = self.env["product.product"].create({
            "name": "Gift wrap", "type": "consu", "is_storable": False, "default_code": "WRAP-1"})
        self.new_store._publish_products(service)
        self.recorder.platform_stock["WRAP-1"] = 50
        self.new_store._unpublish_products(self.red)
        wizard = self.open_window()
        self.assertEqual(set(self.lines_by_sku(wizard)), {"MUG-1"})
        wizard.action_import_platform()
        self.assertEqual(self.on_hand(self.red), 0)


class TestPlatformQuantityInTrackedStock(StockBaselineCase):
    """The one method that writes a platform quantity into Odoo's stock keeps lots, packages and
    owners, and refuses what would need a lot it cannot choose."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lotted = cls.env["product.product"].create({
            "name": "SC Honey", "type": "consu", "is_storable": True, "tracking": "lot",
            "default_code": "HONEY-1"})
        cls.serial = cls.env["product.product"].create({
            "name": "SC Drone", "type": "consu", "is_storable": True, "tracking": "serial",
            "default_code": "DRONE-1"})
        cls.new_store._publish_products(cls.lotted | cls.serial)
        Lot = cls.env["stock.lot"]
        cls.lot_a = Lot.create({"name": "HONEY-A", "product_id": cls.lotted.id})
        cls.lot_b = Lot.create({"name": "HONEY-B", "product_id": cls.lotted.id})
        cls.sn_1 = Lot.create({"name": "SN-1", "product_id": cls.serial.id})

    def put(self, product, quantity, lot=None, package=None):
        self.env["stock.quant"]._update_available_quantity(
            product, self.stock_location, quantity, lot_id=lot, package_id=package)

    def quants(self, product):
        return self.env["stock.quant"].search([
            ("product_id", "=", product.id), ("location_id", "child_of", self.stock_location.id)])

    def test_lowering_takes_from_the_lots_and_adds_no_lotless_quant(self):
        self.put(self.lotted, 3, lot=self.lot_a)
        self.put(self.lotted, 2, lot=self.lot_b)
        self.recorder.platform_stock = {"HONEY-1": 4}
        wizard = self.open_window()
        self.assertFalse(self.lines_by_sku(wizard)["HONEY-1"].import_error)
        wizard.action_import_platform()
        quants = self.quants(self.lotted).filtered("quantity")
        self.assertEqual(sum(quants.mapped("quantity")), 4)
        self.assertFalse(quants.filtered(lambda q: not q.lot_id), "no lot-less quant next to the lots")
        self.assertEqual(self.on_hand(self.lotted), 4, "the location holds the platform's quantity, no more")

    def test_raising_a_product_with_several_lots_is_refused_and_nothing_is_written(self):
        self.put(self.lotted, 3, lot=self.lot_a)
        self.put(self.lotted, 2, lot=self.lot_b)
        self.set_stock(self.mug, 1)
        self.recorder.platform_stock = {"HONEY-1": 8, "MUG-1": 6}
        wizard = self.open_window()
        line = self.lines_by_sku(wizard)["HONEY-1"]
        self.assertIn("SKU HONEY-1", line.import_error)
        self.assertIn("HONEY-A", line.import_error)
        self.assertEqual(wizard.refused_count, 1)
        with self.assertRaises(UserError) as caught:
            wizard.action_import_platform()
        self.assertIn("Nothing was imported: 1 SKU cannot be set", caught.exception.args[0])
        self.assertIn("SKU HONEY-1", caught.exception.args[0])
        self.assertEqual(self.on_hand(self.lotted), 5)
        self.assertEqual(self.on_hand(self.mug), 1, "all or nothing: the mug is not imported either")
        self.assertEqual(self.new_store.stock_baseline, "none")

    def test_raising_a_product_with_one_lot_adds_to_that_lot(self):
        self.put(self.lotted, 3, lot=self.lot_a)
        quants = self.new_store._set_platform_stock(self.lotted, self.stock_location, 2)
        self.assertEqual(quants.lot_id, self.lot_a)
        self.assertEqual(self.on_hand(self.lotted), 5)
        self.assertFalse(self.quants(self.lotted).filtered(lambda q: not q.lot_id))

    def test_serial_numbers_are_never_invented(self):
        self.put(self.serial, 1, lot=self.sn_1)
        with self.assertRaises(UserError) as caught:
            self.new_store._set_platform_stock(self.serial, self.stock_location, 1, sku="DRONE-1")
        self.assertIn("SKU DRONE-1", caught.exception.args[0])
        self.assertIn("serial numbers", caught.exception.args[0])
        self.assertEqual(self.on_hand(self.serial), 1)
        # Lowering takes the serial number out.
        self.new_store._set_platform_stock(self.serial, self.stock_location, -1)
        self.assertEqual(self.on_hand(self.serial), 0)

    def test_packages_and_owners_are_kept_when_lowering(self):
        package = self.env["stock.quant.package"].create({"name": "PACK-1"})
        self.put(self.mug, 5, package=package)
        self.put(self.mug, 1)
        self.new_store._set_platform_stock(self.mug, self.stock_location, -3)
        quants = self.quants(self.mug)
        self.assertEqual(sum(quants.mapped("quantity")), 3)
        self.assertEqual(quants.filtered(lambda q: not q.package_id).quantity, 0, "the plain quant first")
        self.assertEqual(quants.filtered("package_id").quantity, 3, "then the package, still packed")

    def test_untracked_raise_goes_to_the_plain_quant_and_never_below_zero(self):
        self.set_stock(self.mug, 2)
        self.new_store._set_platform_stock(self.mug, self.stock_location, 4)
        self.assertEqual(self.on_hand(self.mug), 6)
        self.new_store._set_platform_stock(self.mug, self.stock_location, -10)
        self.assertEqual(self.on_hand(self.mug), 0)


class TestExistingStoresOnUpgrade(StockBaselineCase):
    def migrate(self):
        path = Path(__file__).resolve().parents[1] / "migrations" / "18.0.1.2.0" / "post-stock_baseline.py"
        spec = importlib.util.spec_from_file_location("stock_baseline_migration", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.env.flush_all()
        module.migrate(self.env.cr, "18.0.1.1.1")
        self.env.invalidate_all()

    def test_stores_that_published_stock_keep_publishing(self):
        published, quiet = self.new_store, self.other_store
        (published | quiet).write({"stock_baseline": "none"})
        published.product_binding_ids.filtered(lambda b: b.sku == "MUG-1").sudo().write(
            {"inventory_quantity": 3, "inventory_synced_at": "2026-03-01 10:00:00"})
        self.migrate()
        self.assertEqual(published.stock_baseline, "odoo")
        self.assertEqual(str(published.stock_baseline_date), "2026-03-01 10:00:00")
        self.assertEqual(quiet.stock_baseline, "none", "a store that never published chooses first")
