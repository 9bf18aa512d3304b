from odoo.addons.store_connector_base.services import paging

from .common_products import ProductSyncCase


def shirt_record(skus=("IMP-S-RED", "IMP-S-BLUE", "IMP-M-RED"), title="Imported Shirt"):
    sizes_colors = {"IMP-S-RED": ("S", "Red"), "IMP-S-BLUE": ("S", "Blue"), "IMP-M-RED": ("M", "Red"),
                    "IMP-M-BLUE": ("M", "Blue")}
    return {
        "title": title,
        "description": "Soft cotton",
        "external_ids": {"product_id": "gid://P/1"},
        "variants": [
            {
                "sku": sku,
                "barcode": None,
                "price": 25.0 if sizes_colors[sku][0] == "S" else 27.0,
                "weight": 0.2,
                "attributes": [{"name": "SC Size", "value": sizes_colors[sku][0]},
                               {"name": "SC Color", "value": sizes_colors[sku][1]}],
                "external_ids": {"variant_id": f"gid://V/{sku}", "inventory_item_id": f"gid://I/{sku}"},
            }
            for sku in skus
        ],
    }


class TestProductImport(ProductSyncCase):
    def test_import_creates_product_with_variants(self):
        summary = self.store._import_product_page([shirt_record()])
        self.assertEqual((summary["created"], summary["failed"]), (1, 0), summary["errors"])
        products = self.env["product.product"].search([("default_code", "like", "IMP-")])
        self.assertEqual(set(products.mapped("default_code")), {"IMP-S-RED", "IMP-S-BLUE", "IMP-M-RED"})
        template = products.product_tmpl_id
        self.assertEqual(len(template), 1)
        self.assertEqual(template.name, "Imported Shirt")
        self.assertEqual(template.list_price, 25.0)
        self.assertTrue(template.is_storable)
        # Odoo made the four combinations; the one the platform does not have is archived.
        self.assertEqual(len(template.product_variant_ids), 3)
        m_blue = template.with_context(active_test=False).product_variant_ids - template.product_variant_ids
        self.assertEqual(set(m_blue.product_template_attribute_value_ids.mapped("name")), {"M", "Blue"})
        size = self.env["product.attribute"].search([("name", "=", "SC Size")])
        self.assertEqual(set(size.value_ids.mapped("name")), {"S", "M"}, "attribute values created as needed")
        self.assertEqual(self.color.value_ids.mapped("name").count("Red"), 1, "existing values reused")
        s_red = products.filtered(lambda p: p.default_code == "IMP-S-RED")
        self.assertEqual(s_red.weight, 0.2)
        bindings = products.store_binding_ids
        self.assertEqual(len(bindings), 3)
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"})
        self.assertEqual(set(bindings.mapped("external_product_id")), {"gid://P/1"})
        self.assertEqual(s_red.store_binding_ids.external_variant_id, "gid://V/IMP-S-RED")
        self.assertEqual(s_red.store_binding_ids.external_data["inventory_item_id"], "gid://I/IMP-S-RED")
        log = self.store.log_ids.filtered(lambda log: log.operation == "products.import")
        self.assertEqual(log.records, 1)

    def test_import_matches_by_sku(self):
        record = {
            "title": "Platform name of the mug",
            "external_ids": {"product_id": "55"},
            "variants": [
                {"sku": "MUG-1", "price": 99.0, "attributes": [], "external_ids": {"variant_id": "56"}}
            ],
        }
        before = self.env["product.product"].search_count([])
        summary = self.store._import_product_page([record])
        self.assertEqual(summary["matched"], 1)
        self.assertEqual(self.env["product.product"].search_count([]), before)
        self.assertEqual(self.mug.name, "SC Mug", "Odoo stays the master of matched products")
        self.assertEqual(self.mug.lst_price, 8.5)
        binding = self.mug.store_binding_ids
        self.assertEqual((binding.external_product_id, binding.external_variant_id), ("55", "56"))
        # Importing again finds the binding by the platform's variant id, even if the SKU changed there.
        record["variants"][0]["sku"] = "MUG-RENAMED"
        summary = self.store._import_product_page([record])
        self.assertEqual(summary["matched"], 1)
        self.assertEqual(len(self.mug.store_binding_ids), 1)

    def test_import_adds_new_variant_to_matched_product(self):
        self.store._import_product_page([shirt_record(("IMP-S-RED", "IMP-S-BLUE"))])
        template = self.env["product.product"].search([("default_code", "=", "IMP-S-RED")]).product_tmpl_id
        summary = self.store._import_product_page([shirt_record(("IMP-S-RED", "IMP-S-BLUE", "IMP-M-BLUE"))])
        self.assertEqual(summary["created"], 1, summary["errors"])
        m_blue = self.env["product.product"].search([("default_code", "=", "IMP-M-BLUE")])
        self.assertEqual(m_blue.product_tmpl_id, template)
        self.assertEqual(m_blue.store_binding_ids.external_variant_id, "gid://V/IMP-M-BLUE")

    def test_simple_product_without_variants(self):
        record = {"title": "Poster", "sku": "POSTER-1", "price": 12.0, "barcode": "5901234123457",
                  "external_ids": {"product_id": "77", "variant_id": "78"}}
        summary = self.store._import_product_page([record])
        self.assertEqual(summary["created"], 1, summary["errors"])
        poster = self.env["product.product"].search([("default_code", "=", "POSTER-1")])
        self.assertEqual((poster.name, poster.lst_price, poster.barcode), ("Poster", 12.0, "5901234123457"))
        self.assertEqual(poster.store_binding_ids.external_variant_id, "78")

    def test_bad_products_are_reported_and_others_imported(self):
        duplicate = shirt_record(("IMP-S-RED", "IMP-S-RED"), title="Twice")
        no_sku = {"title": "No SKU",
                  "variants": [{"sku": "", "attributes": [{"name": "SC Color", "value": "Red"}]}]}
        summary = self.store._import_product_page(
            [duplicate, no_sku, "garbage", {"title": "Poster", "sku": "P-2"}]
        )
        self.assertEqual((summary["created"], summary["failed"]), (1, 3))
        self.assertIn('Twice: SKU "IMP-S-RED" appears twice', summary["errors"][0])
        self.assertIn("No SKU: A variant (SC Color: Red) has no SKU", summary["errors"][1])
        self.assertFalse(self.env["product.product"].search([("default_code", "=", "IMP-S-RED")]),
                         "nothing of a refused product is written")
        self.assertFalse(self.env["product.template"].search([("name", "=", "Twice")]))
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "products.import")
        self.assertEqual(log.status, "failed")
        self.assertIn("appears twice", log.message)

    def test_sku_matching_several_odoo_products_is_an_error(self):
        self.env["product.product"].create({"name": "Mug copy", "default_code": "MUG-1"})
        summary = self.store._import_product_page([{"title": "Mug", "sku": "MUG-1"}])
        self.assertEqual(summary["failed"], 1)
        self.assertIn('SKU "MUG-1" matches several Odoo products', summary["errors"][0])

    def test_import_job_enqueued_and_runs_page_by_page(self):
        self.adapter._test_set_products(
            self.store, [shirt_record(("IMP-S-RED",)), {"title": "Poster", "sku": "P-1000"}], page_size=1)
        self.store.action_import_products()
        job = self.pending_jobs(operation="products.import")
        self.assertEqual((len(job), job.method_name, job.model_name),
                         (1, "_job_import_products", "connector.store"))
        self.run_job(job)
        self.assertEqual(self.adapter._test_calls(self.store), [("import_products", None, None, None)])
        # Pages follow the platform's ids (no update times here): the poster's SKU, then the shirt's id.
        self.assertTrue(self.env["product.product"].search([("default_code", "=", "P-1000")]))
        self.assertFalse(self.env["product.product"].search([("default_code", "=", "IMP-S-RED")]))
        next_job = self.pending_jobs(operation="products.import")
        self.assertEqual(next_job.payload["cursor"], paging.cursor_of({"id": "P-1000"}),
                         "the cursor names the page's last product (keyset), not an offset")
        self.run_job(next_job)
        self.assertTrue(self.env["product.product"].search([("default_code", "=", "IMP-S-RED")]))
        self.assertFalse(self.pending_jobs(operation="products.import"), "the last page queues nothing")

    def test_a_product_updated_during_the_pull_skips_no_other_product(self):
        """A product changed on the platform between two pages moves to the end of the pull's
        (update time, id) order; with an offset as cursor the one behind it would be skipped."""
        products = [
            {"title": title, "sku": sku, "external_ids": {"product_id": pid}, "updated_at": moment}
            for title, sku, pid, moment in [
                ("Alpha", "KS-A", "101", "2026-03-01T10:00:00Z"),
                ("Bravo", "KS-B", "102", "2026-03-01T11:00:00Z"),
                ("Charlie", "KS-C", "103", "2026-03-01T12:00:00Z"),
            ]
        ]
        self.adapter._test_set_products(self.store, products, page_size=1)
        self.store.action_import_products()
        self.run_job(self.pending_jobs(operation="products.import"))
        # The merchant edits Alpha on the platform while the pull runs.
        products[0]["updated_at"] = "2026-03-01T13:00:00Z"
        for _page in range(5):
            job = self.pending_jobs(operation="products.import")
            if not job:
                break
            self.run_job(job)
        imported = self.env["product.product"].search([("default_code", "in", ["KS-A", "KS-B", "KS-C"])])
        self.assertEqual(sorted(imported.mapped("default_code")), ["KS-A", "KS-B", "KS-C"],
                         "every product is imported although one moved during the pull")
