"""Issue #8, stock drift: a reconciliation (daily, and on demand) reads the platform's quantities in
bulk, compares them with what Odoo would publish now and shows the differences on the store (SKU,
platform, Odoo, since when) with a one-click repair; orders not imported yet are not drift."""

import json
from datetime import datetime, timedelta

from odoo import fields

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted

from .common_products import ProductSyncCase

T0 = datetime(2026, 5, 1, 10, 0, 0)


class TestStockDrift(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False
        cls.store._publish_products(cls.mug | cls.tshirt.product_variant_ids)
        cls.partner = cls.env["res.partner"].create({"name": "Drift Customer"})

    def setUp(self):
        super().setUp()
        self.set_stock(self.mug, 10)
        self.set_stock(self.red, 3)
        self.recorder.platform_stock = {"MUG-1": 10, "TS-RED": 1, "TS-BLUE": 0}

    def reconcile(self):
        [job] = self.store._enqueue_stock_reconcile()
        self.assertEqual((job.operation, job.method_name), ("stock.reconcile", "_job_reconcile_stock"))
        self.run_job(job)
        return json.loads(job.result)

    def drifts(self):
        return {d.sku: (d.platform_quantity, d.odoo_quantity) for d in self.store.stock_drift_ids}

    def platform_order(self, order_id, lines, status="paid", updated=T0):
        return {
            "id": order_id, "number": order_id, "created_at": updated.isoformat(),
            "updated_at": updated.isoformat(), "currency": "USD", "status": status, "total": "10.00",
            "lines": [{"id": f"{order_id}-{i}", "sku": sku, "name": sku, "quantity": qty, "unit_price": "1"}
                      for i, (sku, qty) in enumerate(lines)],
        }

    def test_reconciliation_lists_the_differences_and_keeps_since_when(self):
        result = self.reconcile()
        self.assertEqual(result["drift"], 1)
        self.assertEqual(self.drifts(), {"TS-RED": (1, 3)})
        drift = self.store.stock_drift_ids
        self.assertEqual((drift.binding_id, drift.product_id, drift.difference), (
            self.red.store_binding_ids, self.red, 2))
        self.assertEqual(self.store.stock_drift_count, 1)
        self.assertTrue(self.store.stock_reconciled_at)
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "stock.reconcile")
        self.assertIn("3 quantities compared, 1 differs from Odoo's", log.message)
        # Seen again later (with other numbers): still the same drift, since the first time.
        since = fields.Datetime.now() - timedelta(days=3)
        drift.sudo().write({"first_seen_at": since, "last_checked_at": since})
        self.recorder.platform_stock["TS-RED"] = 2
        self.reconcile()
        self.assertEqual(self.drifts(), {"TS-RED": (2, 3)})
        self.assertEqual(self.store.stock_drift_ids, drift)
        self.assertEqual(drift.first_seen_at, since)
        self.assertGreater(drift.last_checked_at, since)
        # Resolved on the platform: gone.
        self.recorder.platform_stock["TS-RED"] = 3
        self.assertEqual(self.reconcile()["resolved"], 1)
        self.assertFalse(self.store.stock_drift_ids)

    def test_orders_not_imported_yet_are_not_drift(self):
        self.store.sudo().order_import_cursor = T0 - timedelta(hours=1)
        # The shop sold 3 mugs and took them from its quantity; Odoo has not imported the orders yet.
        self.recorder.platform_stock["MUG-1"] = 7
        self.adapter._test_set_orders(self.store, [
            self.platform_order("5001", [("MUG-1", 2)]),
            self.platform_order("5002", [("MUG-1", 1), ("TS-RED", 2)]),
            # Older than the last pull: imported by it already.
            self.platform_order("4000", [("MUG-1", 5)], updated=T0 - timedelta(days=2)),
        ])
        result = self.reconcile()
        self.assertEqual(result["unimported_orders"], 2)
        self.assertEqual(self.drifts(), {}, "3 mugs and 2 red T-shirts on orders Odoo has yet to import")

    def test_imported_and_cancelled_orders_explain_nothing(self):
        self.store.sudo().order_import_cursor = T0 - timedelta(hours=1)
        self.recorder.platform_stock["MUG-1"] = 7
        order = self.env["sale.order"].create({"partner_id": self.partner.id})
        self.env["store.order.binding"].create({
            "store_id": self.store.id, "order_id": order.id, "external_id": "5001"})
        self.adapter._test_set_orders(self.store, [
            self.platform_order("5001", [("MUG-1", 2)]),
            self.platform_order("5003", [("MUG-1", 1)], status="cancelled"),
            self.platform_order("5004", [("MUG-1", 1)]),
        ])
        self.reconcile()
        self.assertEqual(self.drifts(), {"TS-RED": (1, 3), "MUG-1": (7, 10)},
                         "only the unimported open order (1 mug) is deducted: 2 mugs still differ")

    def test_per_location_entries_compare_with_that_location(self):
        shelf = self.env["stock.location"].create({
            "name": "Shelf D", "usage": "internal", "location_id": self.warehouse.view_location_id.id})
        self.set_stock(self.blue, 4, location=shelf)
        self.recorder.platform_stock["TS-BLUE"] = [
            {"available": 0},                              # the store's published locations
            {"available": 1, "location_id": shelf.id},     # a platform location mapped to the shelf
        ]
        self.reconcile()
        blue = self.store.stock_drift_ids.filtered(lambda d: d.sku == "TS-BLUE")
        self.assertEqual((blue.location_id, blue.platform_quantity, blue.odoo_quantity), (shelf, 1, 4))

    def test_repair_queues_the_export_of_odoo_quantities(self):
        self.recorder.platform_stock["MUG-1"] = 12
        self.reconcile()
        self.assertEqual(set(self.drifts()), {"MUG-1", "TS-RED"})
        red = self.store.stock_drift_ids.filtered(lambda d: d.sku == "TS-RED")
        red.action_repair()
        self.assertEqual(self.pending_jobs(operation="inventory.sync").mapped("identity_key"),
                         ["inventory:TS-RED"])
        self.assertTrue(red.repair_queued_at)
        self.store.action_repair_stock_drift()
        jobs = self.pending_jobs(operation="inventory.sync")
        self.assertEqual(set(jobs.mapped("identity_key")), {"inventory:TS-RED", "inventory:MUG-1"})
        for job in jobs:
            self.run_job(job)
        sent = {item["sku"]: item["quantity"] for _store, items in self.recorder.of("update_inventory")
                for item in items}
        self.assertEqual(sent, {"TS-RED": 3, "MUG-1": 10}, "Odoo's quantity wins")

    def test_on_demand_and_daily_only_with_a_baseline(self):
        self.other_store._publish_products(self.mug)
        self.other_store.stock_baseline = "none"
        with self.assertRaises(OperationNotPermitted):
            self.other_store.action_reconcile_stock()
        self.store.action_reconcile_stock()
        self.store.action_reconcile_stock()
        self.assertEqual(len(self.pending_jobs(operation="stock.reconcile")), 1, "a second click merges")
        self.pending_jobs(operation="stock.reconcile").unlink()
        jobs = self.env["connector.store"]._cron_reconcile_stock()
        self.assertIn(self.store, jobs.store_id)
        self.assertNotIn(self.other_store, jobs.store_id)
        self.assertTrue(self.env.ref("store_connector_base.ir_cron_reconcile_stock").active)

    def test_the_store_shows_its_drift(self):
        self.reconcile()
        action = self.store.action_view_stock_drift()
        self.assertEqual(action["res_model"], "store.stock.drift")
        self.assertEqual(self.env["store.stock.drift"].search(action["domain"]), self.store.stock_drift_ids)
        arch = self.store.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_view_stock_drift"', arch)
        self.assertIn('name="stock_drift_ids"', arch)
