from odoo.sql_db import db_connect

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted
from odoo.addons.store_connector_base.models.store_product_binding import LOCK_INVENTORY

from .common_products import ProductSyncCase


class TestInventorySync(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False  # no export jobs in the way: these tests are about stock
        cls.store._publish_products(cls.tshirt.product_variant_ids | cls.mug)

    def inventory_jobs(self):
        return self.pending_jobs(operation="inventory.sync")

    def test_ten_moves_make_one_job_with_the_latest_quantity(self):
        self.set_stock(self.mug, 5)
        self.assertFalse(self.inventory_jobs(), "a quant update without a move queues nothing")
        for _i in range(10):
            self.move(self.mug, 1)
        job = self.inventory_jobs()
        self.assertEqual(len(job), 1, "coalesced per store and SKU")
        self.assertEqual(job.identity_key, "inventory:MUG-1")
        self.assertEqual(job.res_ids, self.mug.store_binding_ids.ids)
        self.assertEqual(job.method_name, "_job_export_inventory")
        # more stock arrives after the last move but before the job runs: the job sends it
        self.set_stock(self.mug, 17)
        self.run_job(job)
        [(store_id, items)] = self.recorder.of("update_inventory")
        self.assertEqual(store_id, self.store.id)
        self.assertEqual(items, [{"sku": "MUG-1", "quantity": 17, "external_ids": {}}])
        binding = self.mug.store_binding_ids
        self.assertEqual(binding.inventory_quantity, 17)
        self.assertTrue(binding.inventory_synced_at)
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "inventory.sync")
        self.assertEqual((log.status, log.records), ("done", 1))

    def test_one_job_per_sku_and_store(self):
        self.other_store.auto_sync_inventory = True
        self.other_store._publish_products(self.mug)
        self.move(self.mug, 3)
        self.move(self.red, 2)
        self.assertEqual(set(self.inventory_jobs().mapped("identity_key")),
                         {"inventory:MUG-1", "inventory:TS-RED"})
        self.assertEqual(self.pending_jobs(store=self.other_store, operation="inventory.sync").identity_key,
                         "inventory:MUG-1")

    def test_quantity_is_free_quantity_minus_safety_stock_never_below_zero(self):
        self.store.safety_stock = 4
        self.set_stock(self.mug, 10)
        self.set_stock(self.red, 3)
        self.assertEqual(self.store._published_quantities(self.mug | self.red | self.blue),
                         {self.mug.id: 6, self.red.id: 0, self.blue.id: 0})
        # reserved stock is not free: a confirmed delivery of 5 mugs leaves 5 free, 1 to publish
        picking = self.env["stock.picking"].create({
            "picking_type_id": self.warehouse.out_type_id.id,
            "location_id": self.stock_location.id,
            "location_dest_id": self.customer_location.id,
            "move_ids": [(0, 0, {"name": "out", "product_id": self.mug.id, "product_uom_qty": 5,
                                 "product_uom": self.mug.uom_id.id, "location_id": self.stock_location.id,
                                 "location_dest_id": self.customer_location.id})],
        })
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(self.store._published_quantities(self.mug), {self.mug.id: 1})
        self.store.safety_stock = 0
        self.set_stock(self.mug, -2)
        self.assertEqual(self.store._published_quantities(self.mug), {self.mug.id: 0})

    def test_only_the_store_locations_count_and_trigger(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shop shelf", "location_id": self.stock_location.id}
        )
        elsewhere = self.env["stock.location"].create({
            "name": "Other building", "location_id": self.stock_location.location_id.id,
        })
        self.set_stock(self.mug, 2, shelf)
        self.set_stock(self.mug, 50, elsewhere)
        # default: the warehouse stock location and its children
        self.assertEqual(self.store._published_quantities(self.mug)[self.mug.id], 2)
        self.move(self.mug, 1, destination=elsewhere)
        self.assertFalse(self.inventory_jobs(), "a move outside the store's locations queues nothing")
        self.move(self.mug, 1, destination=shelf)
        self.assertEqual(len(self.inventory_jobs()), 1)
        self.store.location_ids = elsewhere
        self.assertEqual(self.store._published_quantities(self.mug)[self.mug.id], 51)

    def test_no_job_when_sync_off_not_permitted_or_not_published(self):
        self.store.auto_sync_inventory = False
        self.move(self.mug, 1)
        self.assertFalse(self.inventory_jobs())
        self.store.auto_sync_inventory = True
        self.store.allow_inventory_sync = False
        self.move(self.mug, 1)
        self.assertFalse(self.inventory_jobs())
        self.store.allow_inventory_sync = True
        unbound = self.env["product.product"].create(
            {"name": "Unbound", "is_storable": True, "default_code": "U-1"}
        )
        self.move(unbound, 1)
        self.assertFalse(self.inventory_jobs())
        self.store._unpublish_products(self.mug)
        self.move(self.mug, 1)
        self.assertFalse(self.inventory_jobs())
        with self.assertRaises(OperationNotPermitted):
            self.store.allow_inventory_sync = False
            self.store.action_sync_inventory()

    def test_per_item_errors_are_recorded_on_bindings(self):
        self.recorder.inventory_errors = {"TS-BLUE": "Inventory item not stocked at location"}
        self.set_stock(self.red, 4)
        self.store.action_sync_inventory()
        job = self.inventory_jobs()
        self.assertEqual(len(job), 1)
        self.run_job(job)
        blue, red = self.blue.store_binding_ids, self.red.store_binding_ids
        self.assertEqual(blue.inventory_error, "Inventory item not stocked at location")
        self.assertFalse(blue.inventory_synced_at)
        self.assertEqual((red.inventory_quantity, red.inventory_error), (4, False))
        self.assertIn('"failed": 1', job.result)

    def test_job_sends_platform_ids(self):
        binding = self.mug.store_binding_ids
        binding.write({"external_data": {"inventory_item_id": "I-9"}, "external_variant_id": "V-9"})
        self.move(self.mug, 2)
        self.run_job(self.inventory_jobs())
        [(_store, items)] = self.recorder.of("update_inventory")
        self.assertEqual(items[0]["external_ids"], {"inventory_item_id": "I-9", "variant_id": "V-9"})

    def test_adapter_gets_the_running_job_in_the_store_context(self):
        self.move(self.mug, 2)
        job = self.inventory_jobs()
        self.run_job(job)
        self.assertEqual(self.recorder.inventory_job_ids, [job.id])


    def test_binding_synced_by_another_worker_is_retried_later(self):
        self.move(self.mug, 2)
        job = self.inventory_jobs()
        binding = self.mug.store_binding_ids
        with db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_INVENTORY, binding.id])
            self.run_job(job, expect="pending")
            other_worker.rollback()
        self.assertEqual(job.error_kind, "retryable")
        self.assertEqual(job.retry_count, 1, job.last_error)
        self.assertFalse(self.recorder.of("update_inventory"), "nothing sent while the other worker syncs")


class TestSyncInventoryBatching(ProductSyncCase):
    def test_250_skus_in_batches_of_100_make_3_jobs_and_3_calls(self):
        self.store.auto_sync_products = False
        products = self.env["product.product"].create([
            {"name": f"Bulk {i}", "is_storable": True, "default_code": f"BULK-{i:03d}"} for i in range(250)
        ])
        self.store._publish_products(products)
        for product in products[:3]:
            self.set_stock(product, 7)
        self.recorder.batch_size = 100
        self.store.action_sync_inventory()
        jobs = self.pending_jobs(operation="inventory.sync").sorted("id")
        self.assertEqual(len(jobs), 3)
        self.assertEqual(sorted(len(job.res_ids) for job in jobs), [50, 100, 100])
        self.assertEqual(set(jobs.mapped("identity_key")),
                         {"inventory:all:0", "inventory:all:1", "inventory:all:2"})
        # pressing the button again does not queue the batches twice
        self.store.action_sync_inventory()
        self.assertEqual(len(self.pending_jobs(operation="inventory.sync")), 3)
        for job in jobs:
            self.run_job(job)
        calls = self.recorder.of("update_inventory")
        self.assertEqual(len(calls), 3, "one _update_inventory call per job")
        self.assertEqual(sorted(len(items) for _store, items in calls), [50, 100, 100])
        sent = {item["sku"]: item["quantity"] for _store, items in calls for item in items}
        self.assertEqual(len(sent), 250)
        self.assertEqual(sent["BULK-000"], 7)
        self.assertEqual(sent["BULK-249"], 0)
        logs = self.store.log_ids.filtered(lambda entry: entry.operation == "inventory.sync")
        self.assertEqual(len(logs), 3)

    def test_sync_inventory_skips_unpublished_and_archived(self):
        self.store.auto_sync_products = False
        self.store._publish_products(self.tshirt.product_variant_ids | self.mug)
        self.store._unpublish_products(self.red)
        self.mug.active = False
        self.store.action_sync_inventory()
        job = self.pending_jobs(operation="inventory.sync")
        self.assertEqual(job.res_ids, self.blue.store_binding_ids.ids)
