from odoo.addons.store_connector_base.exceptions import OperationNotPermitted

from .common_products import ProductSyncCase


class TestProductSyncJobs(ProductSyncCase):
    def test_publish_enqueues_one_export_job_per_template(self):
        self.store._publish_products(self.tshirt.product_variant_ids | self.mug)
        jobs = self.pending_jobs(operation="products.export")
        self.assertEqual(len(jobs), 2)
        self.assertEqual(set(jobs.mapped("identity_key")),
                         {f"products:{self.tshirt.id}", f"products:{self.mug.product_tmpl_id.id}"})
        job = jobs.filtered(lambda j: j.identity_key == f"products:{self.tshirt.id}")
        self.assertEqual(job.model_name, "store.product.binding")
        self.assertEqual(set(job.res_ids), set(self.tshirt.store_binding_ids.ids))
        self.assertEqual(job.method_name, "_job_export_products")
        self.assertEqual(job.direction, "export")
        self.assertEqual(job.payload["status"], "active")

    def test_export_job_runs_and_writes_back_platform_ids(self):
        self.store._publish_products(self.tshirt.product_variant_ids)
        job = self.pending_jobs(operation="products.export")
        self.run_job(job)
        [(store_id, products)] = self.recorder.of("export_products")
        self.assertEqual(store_id, self.store.id)
        self.assertEqual(len(products), 1)
        self.assertEqual(products[0]["status"], "active")
        self.assertEqual({v["sku"] for v in products[0]["variants"]}, {"TS-RED", "TS-BLUE"})
        red = self.red.store_binding_ids
        self.assertEqual(red.sync_state, "synced")
        self.assertEqual(red.external_product_id, f"P{self.tshirt.id}")
        self.assertEqual(red.external_variant_id, f"V{self.red.id}")
        # The platform's own ids (the test platform's inventory item, as Shopify's) in external_data.
        self.assertEqual(red.external_data,
                         {"inventory_item_id": f"I{self.red.id}", "handle": f"h-{self.tshirt.id}"})
        self.assertTrue(red.last_sync_at)
        self.assertEqual(job.result and '"exported": 2' in job.result, True)
        # the event: a line in the activity log with what was synced
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "products.export")
        self.assertEqual(log.status, "done")
        self.assertEqual(log.records, 2)
        self.assertEqual(log.job_id, job)
        # a second export (the published product, synced or not) sends the known platform ids
        self.store.action_export_products()
        self.run_job(self.pending_jobs(operation="products.export"))
        sent = self.recorder.of("export_products")[-1][1][0]
        self.assertEqual(sent["external_ids"], {"product_id": f"P{self.tshirt.id}"})
        by_sku = {v["sku"]: v for v in sent["variants"]}
        self.assertEqual(by_sku["TS-RED"]["external_ids"]["variant_id"], f"V{self.red.id}")

    def test_export_job_records_per_sku_errors(self):
        self.recorder.export_errors = {"TS-BLUE": "Title too long"}
        self.store._publish_products(self.tshirt.product_variant_ids)
        job = self.run_job(self.pending_jobs(operation="products.export"))
        blue, red = self.blue.store_binding_ids, self.red.store_binding_ids
        self.assertEqual((blue.sync_state, blue.last_error), ("failed", "Title too long"))
        self.assertFalse(blue.external_variant_id)
        self.assertEqual(red.sync_state, "synced")
        self.assertIn('"failed": 1', job.result)
        # One ProductSyncedToStore line for the job: what went through, and what was refused.
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "products.export")
        self.assertEqual((log.status, log.records), ("done", 1))
        self.assertIn("TS-BLUE: Title too long", log.message)

    def test_publish_twice_merges_into_one_pending_job(self):
        self.store._publish_products(self.red)
        self.store._publish_products(self.blue)
        job = self.pending_jobs(operation="products.export")
        self.assertEqual(len(job), 1)
        self.assertEqual(set(job.res_ids), set(self.tshirt.store_binding_ids.ids))

    def test_unpublish_enqueues_and_runs(self):
        self.store._publish_products(self.mug)
        self.run_job(self.pending_jobs(operation="products.export"))
        self.store._unpublish_products(self.mug)
        job = self.pending_jobs(operation="products.unpublish")
        self.assertEqual(len(job), 1)
        self.assertEqual(job.payload["status"], "unpublished")
        self.run_job(job)
        sent = self.recorder.of("export_products")[-1][1][0]
        self.assertEqual(sent["status"], "unpublished")
        self.assertEqual(sent["variants"][0]["status"], "unpublished")
        binding = self.mug.store_binding_ids
        self.assertEqual((binding.platform_status, binding.sync_state), ("unpublished", "disabled"))
        self.assertFalse(self.mug.published_store_ids)

    def test_archive_enqueues_and_runs(self):
        self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_job(self.pending_jobs(operation="products.export"))
        self.tshirt.active = False
        job = self.pending_jobs(operation="products.archive")
        self.assertEqual(len(job), 1)
        self.assertEqual(job.payload["status"], "archived")
        self.run_job(job)
        sent = self.recorder.of("export_products")[-1][1][0]
        self.assertEqual(sent["status"], "archived")
        self.assertEqual(set(self.tshirt.store_binding_ids.mapped("sync_state")), {"disabled"})
        # restoring the product publishes it again
        self.tshirt.active = True
        job = self.pending_jobs(operation="products.export")
        self.assertEqual(job.payload["status"], "active")
        self.run_job(job)
        self.assertEqual(set(self.tshirt.store_binding_ids.mapped("sync_state")), {"synced"})

    def test_no_job_when_product_sync_is_off(self):
        self.store.auto_sync_products = False
        # Publishing is asking for the product on the platform: exported, sync on or off.
        bindings = self.store._publish_products(self.mug)
        self.assertEqual(bindings.sync_state, "pending", "the binding waits for its export")
        self.assertEqual(self.pending_jobs().operation, "products.export")
        self.pending_jobs().unlink()
        self.mug.active = False
        self.assertFalse(self.pending_jobs())
        self.assertEqual(bindings.platform_status, "archived")
        # the Export Products button exports what waits, sync on or off
        self.store.action_export_products()
        self.assertEqual(len(self.pending_jobs(operation="products.export")), 1)

    def test_refused_when_not_permitted(self):
        self.store._publish_products(self.mug)
        self.pending_jobs().unlink()
        self.store.allow_products_sync = False
        with self.assertRaises(OperationNotPermitted):
            self.store._unpublish_products(self.mug)
        with self.assertRaises(OperationNotPermitted):
            self.mug.active = False
        with self.assertRaises(OperationNotPermitted):
            self.store.action_export_products()
        self.assertFalse(self.pending_jobs())
        self.assertTrue(self.mug.active, "the refused archive was rolled back")
        # a store that does not sync products automatically does not stand in the way of archiving
        self.store.auto_sync_products = False
        self.mug.active = False
        self.assertFalse(self.mug.active)
        self.assertEqual(self.mug.store_binding_ids.platform_status, "archived")

    def test_export_job_fails_when_permission_withdrawn(self):
        self.store._publish_products(self.mug)
        job = self.pending_jobs(operation="products.export")
        self.store.allow_products_sync = False
        self.run_job(job, expect="failed")
        self.assertIn("products.sync", job.last_error)
        self.assertFalse(self.recorder.of("export_products"))
        self.assertEqual(self.mug.store_binding_ids.sync_state, "pending")
