"""The base products.sync and inventory.sync jobs queued by the sync API: what they hand to the
adapter and what they report."""

from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from .sync_api_common import SyncApiFixtures


@tagged("post_install", "-at_install")
class TestSyncApiJobs(SyncApiFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()
        cls.adapter_class = type(cls.env["store.adapter.test"])

    def _last_log(self, store, operation):
        return self.env["store.activity.log"].search(
            [("store_id", "=", store.id), ("operation", "=", operation)], limit=1)

    # ------------------------------------------------------------------ products
    def test_products_job_exports_the_named_skus_and_reports(self):
        sent = []

        def export_products(_adapter, store, products):
            sent.append((store, products))
            return [{"sku": variant["sku"], "external_ids": {"id": variant["sku"].lower()},
                     "error": "title too long" if variant["sku"] == "SKU-B" else None}
                    for product in products for variant in product["variants"]]

        self.store.pricelist_id = self.env["product.pricelist"].create({
            "name": "Shop prices", "item_ids": [(0, 0, {"applied_on": "0_product_variant",
                                                         "product_id": self.product_a.id,
                                                         "compute_price": "fixed", "fixed_price": 9.5})],
        })
        job = self.store._api_sync_products(["SKU-A", "SKU-B"])
        with patch.object(self.adapter_class, "export_products", export_products):
            self.assertEqual(self._run_queue(self.store), 1)
        self.assertEqual(job.state, "done", job.last_error)
        (store, products), = sent
        self.assertEqual(store, self.store)
        by_sku = {product["variants"][0]["sku"]: product for product in products}
        self.assertEqual(set(by_sku), {"SKU-A", "SKU-B"})
        self.assertEqual(by_sku["SKU-A"]["name"], "Product A")
        self.assertEqual(by_sku["SKU-A"]["variants"][0]["price"], 9.5)  # the store's pricelist
        self.assertEqual(by_sku["SKU-B"]["variants"][0]["price"], 20.0)  # no rule: the list price

        log = self._last_log(self.store, "products.sync")
        self.assertEqual(log.status, "done")
        self.assertEqual(log.records, 1)
        self.assertEqual(log.job_id, job)
        self.assertIn("SKU-B: title too long", log.message)

    def test_products_job_without_skus_exports_the_store_company_products(self):
        foreign = self.env["product.product"].create({
            "name": "Foreign", "default_code": "SKU-FOREIGN", "company_id": self.other_company.id})
        not_for_sale = self.env["product.product"].create({
            "name": "Internal", "default_code": "SKU-INTERNAL", "sale_ok": False})
        sent = []

        def export_products(_adapter, store, products):
            sent.extend(variant["sku"] for product in products for variant in product["variants"])
            return []

        self.store._api_sync_products(None)
        with patch.object(self.adapter_class, "export_products", export_products):
            self._run_queue(self.store)
        self.assertTrue({"SKU-A", "SKU-B", "SKU-C"} <= set(sent))
        self.assertNotIn(foreign.default_code, sent)
        self.assertNotIn(not_for_sale.default_code, sent)
        self.assertEqual(self._last_log(self.store, "products.sync").records, len(sent))

    def test_products_job_groups_variants_under_their_template(self):
        size = self.env["product.attribute"].create({
            "name": "Size", "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "M"})]})
        template = self.env["product.template"].create({
            "name": "Shirt",
            "attribute_line_ids": [(0, 0, {"attribute_id": size.id, "value_ids": [(6, 0, size.value_ids.ids)]})],
        })
        for variant in template.product_variant_ids:
            variant.default_code = "SHIRT-" + variant.product_template_attribute_value_ids.name
        sent = []

        def export_products(_adapter, store, products):
            sent.extend(products)
            return []

        self.store._api_sync_products(["SHIRT-S", "SHIRT-M", "SKU-A"])
        with patch.object(self.adapter_class, "export_products", export_products):
            self._run_queue(self.store)
        shirt = next(product for product in sent if product["name"] == "Shirt")
        self.assertEqual(len(sent), 2)
        self.assertIsNone(shirt["sku"])  # two variants, no template SKU
        self.assertEqual({variant["sku"]: variant["attributes"] for variant in shirt["variants"]},
                         {"SHIRT-S": {"Size": "S"}, "SHIRT-M": {"Size": "M"}})
        self.assertEqual(self._last_log(self.store, "products.sync").records, 3)

    def test_products_job_all_refused_logs_a_failure(self):
        def export_products(_adapter, store, products):
            return [{"sku": "SKU-A", "error": "duplicate handle"}]

        job = self.store._api_sync_products(["SKU-A"])
        with patch.object(self.adapter_class, "export_products", export_products):
            self._run_queue(self.store)
        self.assertEqual(job.state, "done")
        log = self._last_log(self.store, "products.sync")
        self.assertEqual((log.status, log.records), ("failed", 0))

    # ------------------------------------------------------------------ inventory
    def test_inventory_job_computes_missing_quantities_and_batches(self):
        self._set_stock(self.product_a, 10)
        self._set_stock(self.product_b, 3)
        self.store.safety_stock = 2
        calls = []

        def update_inventory(_adapter, store, items):
            calls.append([dict(item) for item in items])
            return [{"sku": item["sku"], "error": None} for item in items]

        job = self.store._api_sync_inventory([
            {"sku": "SKU-A", "quantity": None},
            {"sku": "SKU-B", "quantity": None},
            {"sku": "SKU-C", "quantity": 7},
        ])
        with patch.object(self.adapter_class, "update_inventory", update_inventory), \
                patch.object(self.adapter_class, "_inventory_batch_size", lambda _adapter, store: 2):
            self._run_queue(self.store)
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual([len(batch) for batch in calls], [2, 1])
        sent = {item["sku"]: item["quantity"] for batch in calls for item in batch}
        # Free stock minus the safety stock; the given quantity as given.
        self.assertEqual(sent, {"SKU-A": 8, "SKU-B": 1, "SKU-C": 7})
        log = self._last_log(self.store, "inventory.sync")
        self.assertEqual((log.status, log.records, log.job_id), ("done", 3, job))

    def test_inventory_job_never_publishes_below_zero_and_reports_refusals(self):
        self._set_stock(self.product_a, 1)
        self.store.safety_stock = 5

        def update_inventory(_adapter, store, items):
            return [{"sku": item["sku"], "error": "unknown inventory item" if item["sku"] == "SKU-B" else None}
                    for item in items]

        sent = []

        def recording(adapter, store, items):
            sent.extend(items)
            return update_inventory(adapter, store, items)

        self.store._api_sync_inventory(None)
        with patch.object(self.adapter_class, "update_inventory", recording):
            self._run_queue(self.store)
        quantities = {item["sku"]: item["quantity"] for item in sent}
        self.assertEqual(quantities["SKU-A"], 0)
        self.assertEqual(quantities["SKU-B"], 0)
        log = self._last_log(self.store, "inventory.sync")
        self.assertEqual(log.records, len(sent) - 1)
        self.assertIn("SKU-B: unknown inventory item", log.message)

    def test_forbidden_operation_fails_the_queued_job(self):
        job = self.store._api_sync_inventory(None)
        self.store.allow_inventory_sync = False
        self._run_queue(self.store)
        self.assertEqual(job.state, "failed")
        self.assertIn("Inventory: Sync", job.last_error)
