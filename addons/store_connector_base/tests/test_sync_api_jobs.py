"""What the sync API's products and inventory syncs do once queued: they run the product and
inventory pipelines (store.product.binding jobs), which hand normalized data to the adapter, write
the outcome on the bindings and emit the events."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestSyncApiJobs(SyncApiFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    def setUp(self):
        super().setUp()
        RECORDER.reset()

    def _logs(self, store, operation):
        return self.env["store.activity.log"].search(
            [("store_id", "=", store.id), ("operation", "=", operation)], order="id")

    def _binding(self, sku, store=None):
        return self.env["store.product.binding"].search(
            [("store_id", "=", (store or self.store).id), ("sku", "=", sku)]
        )

    def _exported(self):
        """{sku: (normalized product, variant)} of every _export_products call."""
        return {
            variant["sku"]: (product, variant)
            for _store_id, products in RECORDER.of("export_products")
            for product in products
            for variant in product["variants"]
        }

    # ------------------------------------------------------------------ products
    def test_products_sync_exports_the_named_skus_and_reports(self):
        RECORDER.export_errors = {"SKU-B": "title too long"}
        self.store.pricelist_id = self.env["product.pricelist"].create({
            "name": "Shop prices", "item_ids": [(0, 0, {"applied_on": "0_product_variant",
                                                         "product_id": self.product_a.id,
                                                         "compute_price": "fixed", "fixed_price": 9.5})],
        })
        jobs = self.store._api_sync_products(["SKU-A", "SKU-B"])
        self.assertEqual(len(jobs), 2, "one job per product template")
        self.assertEqual(self._run_queue(self.store), 2)
        self.assertEqual(jobs.mapped("state"), ["done", "done"], jobs.mapped("last_error"))
        self.assertEqual({store_id for store_id, _products in RECORDER.of("export_products")},
                         {self.store.id})
        exported = self._exported()
        self.assertEqual(set(exported), {"SKU-A", "SKU-B"})
        self.assertEqual(exported["SKU-A"][0]["title"], "Product A")
        self.assertEqual(exported["SKU-A"][1]["price"], 9.5)  # the store's pricelist
        self.assertEqual(exported["SKU-B"][1]["price"], 20.0)  # no rule: the list price

        # The outcome is written on the bindings ...
        binding_a, binding_b = self._binding("SKU-A"), self._binding("SKU-B")
        self.assertEqual((binding_a.sync_state, binding_a.external_variant_id),
                         ("synced", f"V{self.product_a.id}"))
        self.assertEqual((binding_b.sync_state, binding_b.last_error), ("failed", "title too long"))
        # ... and each job emits ProductSyncedToStore: done when something went through.
        logs = self._logs(self.store, "products.export")
        self.assertEqual(logs.mapped("job_id"), jobs.sorted("id"))
        by_job = {log.job_id: log for log in logs}
        job_a = jobs.filtered(lambda job: binding_a.id in job.res_ids)
        self.assertEqual((by_job[job_a].status, by_job[job_a].records), ("done", 1))
        refused = by_job[jobs - job_a]
        self.assertEqual((refused.status, refused.records), ("failed", 0))
        self.assertIn("SKU-B: title too long", refused.message)

    def test_products_sync_without_skus_exports_every_bound_product(self):
        self.env["product.product"].create({"name": "Not published", "default_code": "SKU-LOOSE"})
        self.store._api_sync_products(None)
        self._run_queue(self.store)
        self.assertEqual(set(self._exported()), {"SKU-A", "SKU-B", "SKU-C"})
        self.assertEqual(sum(self._logs(self.store, "products.export").mapped("records")), 3)
        self.assertFalse(self._logs(self.store_b, "products.export"), "another store's products stay")

    def test_products_sync_groups_variants_under_their_template(self):
        size = self.env["product.attribute"].create({
            "name": "Size", "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "M"})]})
        template = self.env["product.template"].create({
            "name": "Shirt",
            "attribute_line_ids": [
                (0, 0, {"attribute_id": size.id, "value_ids": [(6, 0, size.value_ids.ids)]})
            ],
        })
        for variant in template.product_variant_ids:
            variant.default_code = "SHIRT-" + variant.product_template_attribute_value_ids.name
        self.store._publish_products(template.product_variant_ids)

        self.store._api_sync_products(["SHIRT-S", "SHIRT-M", "SKU-A"])
        self._run_queue(self.store)
        [(_store_id, products_a), (_store_id2, products_shirt)] = sorted(
            RECORDER.of("export_products"), key=lambda call: call[1][0]["title"])
        shirt = products_shirt[0]
        self.assertEqual((len(products_a), len(products_shirt)), (1, 1))
        self.assertEqual(shirt["title"], "Shirt")
        self.assertEqual({variant["sku"]: variant["attributes"] for variant in shirt["variants"]},
                         {"SHIRT-S": [{"name": "Size", "value": "S"}],
                          "SHIRT-M": [{"name": "Size", "value": "M"}]})
        self.assertEqual(shirt["options"], [{"name": "Size", "values": ["S", "M"]}])

    # ------------------------------------------------------------------ inventory
    def test_inventory_sync_computes_missing_quantities_and_honours_given_ones(self):
        self._set_stock(self.product_a, 10)
        self._set_stock(self.product_b, 3)
        self.store.safety_stock = 2
        RECORDER.batch_size = 2
        jobs = self.store._api_sync_inventory([
            {"sku": "SKU-A", "quantity": None},
            {"sku": "SKU-B", "quantity": None},
            {"sku": "SKU-C", "quantity": 7},
        ])
        self.assertEqual(len(jobs), 2, "one job per platform-sized batch")
        self._run_queue(self.store)
        self.assertEqual(jobs.mapped("state"), ["done", "done"], jobs.mapped("last_error"))
        calls = RECORDER.of("update_inventory")
        self.assertEqual(sorted(len(items) for _store_id, items in calls), [1, 2])
        sent = {item["sku"]: item["quantity"] for _store_id, items in calls for item in items}
        # Free stock minus the safety stock; the given quantity as given (SKU-C has no stock at all).
        self.assertEqual(sent, {"SKU-A": 8, "SKU-B": 1, "SKU-C": 7})
        self.assertEqual(self._binding("SKU-C").inventory_quantity, 7)
        logs = self._logs(self.store, "inventory.sync")
        self.assertEqual(logs.mapped("job_id"), jobs.sorted("id"))
        self.assertEqual(set(logs.mapped("status")), {"done"})
        self.assertEqual(sum(logs.mapped("records")), 3)

    def test_inventory_sync_never_publishes_below_zero_and_reports_refusals(self):
        self._set_stock(self.product_a, 1)
        self.store.safety_stock = 5
        RECORDER.inventory_errors = {"SKU-B": "unknown inventory item"}
        self.store._api_sync_inventory(None)
        self._run_queue(self.store)
        [(_store_id, items)] = RECORDER.of("update_inventory")
        quantities = {item["sku"]: item["quantity"] for item in items}
        self.assertEqual(quantities, {"SKU-A": 0, "SKU-B": 0, "SKU-C": 0})
        self.assertEqual(self._binding("SKU-B").inventory_error, "unknown inventory item")
        log = self._logs(self.store, "inventory.sync")
        self.assertEqual((log.status, log.records), ("done", 2))
        self.assertIn("SKU-B: unknown inventory item", log.message)

    def test_forbidden_operation_fails_the_queued_job(self):
        jobs = self.store._api_sync_inventory(None)
        self.assertTrue(jobs)
        self.store.allow_inventory_sync = False
        self._run_queue(self.store)
        self.assertEqual(set(jobs.mapped("state")), {"failed"})
        self.assertIn("Inventory: Sync", jobs[0].last_error)
        self.assertFalse(RECORDER.of("update_inventory"))
