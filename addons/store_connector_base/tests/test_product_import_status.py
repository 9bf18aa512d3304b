"""A product's status on the platform (draft, archived) is kept by the import: its bindings are not
"Published", and it gets no stock while so."""

from .common_products import ProductSyncCase


def record(sku, status=None, title=None, variant_id=None):
    data = {
        "title": title or f"Imported {sku}",
        "external_ids": {"product_id": f"gid://P/{sku}"},
        "variants": [{"sku": sku, "price": 10.0, "attributes": [],
                      "external_ids": {"variant_id": variant_id or f"gid://V/{sku}"}}],
    }
    if status:
        data["status"] = status
    return data


class TestProductImportStatus(ProductSyncCase):
    def binding(self, sku):
        return self.env["store.product.binding"].search([("store_id", "=", self.store.id), ("sku", "=", sku)])

    def test_platform_statuses_are_kept(self):
        summary = self.store._import_product_page([
            record("ST-LIVE", "active"), record("ST-DRAFT", "unpublished"), record("ST-GONE", "archived"),
            record("ST-PLAIN"),
        ])
        self.assertEqual((summary["created"], summary["failed"]), (4, 0), summary["errors"])
        states = {sku: (self.binding(sku).platform_status, self.binding(sku).sync_state)
                  for sku in ("ST-LIVE", "ST-DRAFT", "ST-GONE", "ST-PLAIN")}
        self.assertEqual(states, {
            "ST-LIVE": ("active", "synced"),
            "ST-DRAFT": ("unpublished", "disabled"),
            "ST-GONE": ("archived", "disabled"),
            "ST-PLAIN": ("active", "synced"),  # a platform that gives no status: published
        })
        draft = self.binding("ST-DRAFT").product_id
        self.assertFalse(draft.published_store_ids, "a draft on the platform is not published")
        self.assertEqual(self.store.product_binding_count, 2)
        # Matched by SKU to an existing product: the binding takes the platform's status too.
        self.store._import_product_page([record("MUG-1", "archived")])
        self.assertEqual(self.mug.store_binding_ids.platform_status, "archived")

    def test_unknown_status_is_refused_clearly(self):
        summary = self.store._import_product_page([record("ST-ODD", "deleted")])
        self.assertEqual(summary["failed"], 1)
        self.assertIn('Unknown product status "deleted"', summary["errors"][0])
        self.assertFalse(self.env["product.product"].search([("default_code", "=", "ST-ODD")]))

    def test_archived_product_gets_no_stock(self):
        self.store._import_product_page([record("ST-LIVE", "active"), record("ST-GONE", "archived")])
        live, gone = self.binding("ST-LIVE").product_id, self.binding("ST-GONE").product_id
        self.move(live, 5)
        self.move(gone, 5)
        jobs = self.pending_jobs(operation="inventory.sync")
        self.assertEqual(jobs.mapped("identity_key"), ["inventory:ST-LIVE"], "none for the archived one")
        jobs.unlink()
        self.store.action_sync_inventory()
        for job in self.pending_jobs(operation="inventory.sync"):
            self.run_job(job)
        sent = {item["sku"] for _store, items in self.recorder.of("update_inventory") for item in items}
        self.assertIn("ST-LIVE", sent)
        self.assertNotIn("ST-GONE", sent, "Sync Inventory leaves it out")

    def test_status_changed_on_the_platform_is_taken_unless_odoo_waits_to_send_its_own(self):
        self.store._import_product_page([record("ST-1", "active")])
        binding = self.binding("ST-1")
        self.store._import_product_page([record("ST-1", "archived")])
        self.assertEqual((binding.platform_status, binding.sync_state), ("archived", "disabled"))
        # Published again in Odoo, not exported yet: the import does not undo it.
        self.store._publish_products(binding.product_id)
        self.store._import_product_page([record("ST-1", "archived")])
        self.assertEqual((binding.platform_status, binding.sync_state), ("active", "pending"))

    def test_a_variant_unpublished_in_odoo_stays_so_when_the_product_is_active(self):
        """A platform with one status per product (Shopify) says "active" for a product with a
        variant Odoo unpublished: that variant stays unpublished."""
        self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_job(self.pending_jobs(operation="products.export"))
        self.store._unpublish_products(self.red)
        self.run_job(self.pending_jobs(operation="products.unpublish"))
        shirt = {
            "title": "SC T-Shirt", "status": "active", "external_ids": {"product_id": f"P{self.tshirt.id}"},
            "variants": [
                {"sku": p.default_code, "attributes": [], "external_ids": {"variant_id": f"V{p.id}"}}
                for p in (self.red, self.blue)
            ],
        }
        summary = self.store._import_product_page([shirt])
        self.assertEqual(summary["matched"], 1, summary["errors"])
        self.assertEqual(self.red.store_binding_ids.platform_status, "unpublished")
        self.assertEqual(self.blue.store_binding_ids.platform_status, "active")
