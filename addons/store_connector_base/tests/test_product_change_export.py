"""A change in Odoo of what a store sends (mapped fields, prices through the store's pricelist,
variants) reaches the platform: the published bindings wait for an export, queued per template."""

from unittest.mock import patch

from lxml import etree

from odoo.tests import new_test_user

from odoo.addons.store_connector_base import const

from .common_products import ProductSyncCase


class TestProductChangeExport(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist = cls.env["product.pricelist"].create({"name": "SC Shop Prices"})
        cls.store.pricelist_id = cls.pricelist

    def setUp(self):
        super().setUp()
        self.store._publish_products(self.mug | self.tshirt.product_variant_ids)
        for job in self.pending_jobs():
            self.run_job(job)
        self.assertEqual(set(self.store.product_binding_ids.mapped("sync_state")), {"synced"})
        self.recorder.reset()

    @property
    def mug_key(self):
        return f"products:{self.mug.product_tmpl_id.id}"

    def export_jobs(self, store=None):
        return self.pending_jobs(store=store, operation="products.export")

    def run_exports(self):
        """Run the pending exports; :returns: {sku: exported variant dict} of what was sent."""
        for job in self.export_jobs():
            self.run_job(job)
        return {
            variant["sku"]: dict(variant, product=product)
            for _store, products in self.recorder.of("export_products")
            for product in products
            for variant in product["variants"]
        }

    # ------------------------------------------------------------------ mapped fields
    def test_price_change_of_published_product_is_exported(self):
        self.mug.product_tmpl_id.list_price = 9.9
        job = self.export_jobs()
        self.assertEqual(len(job), 1, "a price change queues the product's export")
        self.assertEqual(job.identity_key, f"products:{self.mug.product_tmpl_id.id}")
        self.assertEqual(self.mug.store_binding_ids.filtered(
            lambda b: b.store_id == self.store).sync_state, "pending")
        # A second change before the job ran merges into it.
        self.mug.lst_price = 10.5
        self.assertEqual(len(self.export_jobs()), 1)
        sent = self.run_exports()
        self.assertEqual(sent["MUG-1"]["price"], 10.5, "the latest price is sent")
        self.assertEqual(self.mug.store_binding_ids.sync_state, "synced")
        self.assertNotIn("TS-RED", sent, "the other products are not exported")

    def test_each_mapped_field_queues_the_export(self):
        self.env["store.field.mapping"].create([
            {"store_id": self.store.id, "field_name": "volume", "platform_field": "custom.volume"},
            {"store_id": self.store.id, "field_name": "description_purchase",
             "platform_field": "custom.purchase_note"},
        ])
        template = self.mug.product_tmpl_id
        changes = [
            (template, {"name": "SC Big Mug"}, ("product", "title"), "SC Big Mug"),
            (template, {"description_sale": "A bigger mug"}, ("product", "description"), "A bigger mug"),
            (self.mug, {"weight": 0.5}, ("variant", "weight"), 0.5),
            (self.mug, {"barcode": "4006381333948"}, ("variant", "barcode"), "4006381333948"),
            (self.mug, {"default_code": "MUG-2"}, ("variant", "sku"), "MUG-2"),
            (self.mug, {"volume": 0.75}, ("extra", "custom.volume"), 0.75),
            (template, {"description_purchase": "Fragile"}, ("product-extra", "custom.purchase_note"),
             "Fragile"),
        ]
        for record, vals, (where, key), expected in changes:
            with self.subTest(field=next(iter(vals))):
                self.recorder.reset()
                record.write(vals)
                self.assertEqual(len(self.export_jobs()), 1, f"{vals} queues the export")
                variant = next(iter(self.run_exports().values()))
                sent = {
                    "product": variant["product"], "variant": variant, "extra": variant["extra"],
                    "product-extra": variant["product"]["extra"],
                }[where][key]
                self.assertEqual(sent, expected)

    def test_unmapped_field_or_unpublished_product_queues_nothing(self):
        Binding = type(self.env["store.product.binding"])
        with patch.object(Binding, "search_fetch", autospec=True,
                          side_effect=Binding.search_fetch) as searched:
            # No store sends these fields: nothing is searched, nothing queued.
            self.mug.write({"sale_ok": True, "description_purchase": "Fragile"})
            self.mug.product_tmpl_id.write({"sale_delay": 3})
            self.assertFalse(searched.called)
            self.mug.write({"barcode": "4006381333948"})
            self.assertTrue(searched.called, "a field a store sends is looked up")
        self.export_jobs().unlink()
        self.assertFalse(self.pending_jobs())
        # A product published nowhere: one search finds nothing to export.
        lamp = self.env["product.product"].create({"name": "SC Lamp", "default_code": "LAMP-1"})
        lamp.product_tmpl_id.list_price = 30
        self.assertFalse(self.pending_jobs())
        self.assertFalse(lamp.store_binding_ids)
        # A product unpublished from the store is not exported for a price change.
        self.store._unpublish_products(self.mug)
        self.run_job(self.pending_jobs(operation="products.unpublish"))
        self.mug.lst_price = 11
        self.assertFalse(self.pending_jobs())

    def test_sync_off_marks_pending_without_job_and_export_products_sends_it(self):
        self.store.auto_sync_products = False
        self.mug.lst_price = 12
        self.assertFalse(self.pending_jobs())
        binding = self.mug.store_binding_ids.filtered(lambda b: b.store_id == self.store)
        self.assertEqual(binding.sync_state, "pending", "the change waits for an export")
        self.store.action_export_products()
        self.assertEqual(self.run_exports()["MUG-1"]["price"], 12)

    def test_only_the_stores_that_send_the_field_export(self):
        self.other_store._publish_products(self.mug)
        self.run_job(self.export_jobs(store=self.other_store))
        self.other_store.field_mapping_ids.filtered(lambda m: m.field_name == "weight").unlink()
        self.mug.weight = 1.5
        self.assertEqual(len(self.export_jobs()), 1)
        self.assertFalse(self.export_jobs(store=self.other_store), "the other store does not send weights")
        self.mug.lst_price = 14
        self.assertEqual(len(self.export_jobs(store=self.other_store)), 1)

    def test_a_users_import_context_does_not_hold_back_the_export(self):
        user = new_test_user(self.env, "sc_product_editor", groups="sales_team.group_sale_manager")
        self.mug.with_user(user).with_context(**{const.CONTEXT_PRODUCT_IMPORT: True}).lst_price = 13
        self.assertEqual(len(self.export_jobs()), 1, "only the connector's own imports skip the export")

    # ------------------------------------------------------------------ prices through the pricelist
    def test_pricelist_rule_changes_export_the_products_it_prices(self):
        item = self.env["product.pricelist.item"].create({
            "pricelist_id": self.pricelist.id, "applied_on": "1_product",
            "product_tmpl_id": self.mug.product_tmpl_id.id, "compute_price": "fixed", "fixed_price": 7.0,
        })
        self.assertEqual(self.export_jobs().mapped("identity_key"), [self.mug_key])
        sent = self.run_exports()
        self.assertEqual(sent["MUG-1"]["price"], 7.0)
        self.assertEqual(sent["MUG-1"]["compare_at_price"], 8.5, "the list price shows the discount")
        self.recorder.reset()
        item.fixed_price = 6.5
        self.assertEqual(self.run_exports()["MUG-1"]["price"], 6.5)
        # The rule moves to the T-shirt: both lose or gain its price.
        self.recorder.reset()
        item.product_tmpl_id = self.tshirt
        self.assertEqual(len(self.export_jobs()), 2)
        sent = self.run_exports()
        self.assertEqual((sent["MUG-1"]["price"], sent["TS-RED"]["price"]), (8.5, 6.5))
        self.recorder.reset()
        item.unlink()
        self.assertEqual(self.run_exports()["TS-BLUE"]["price"], 20.0)

    def test_global_and_category_rules_and_other_pricelists(self):
        category = self.env["product.category"].create({"name": "SC Mugs"})
        self.mug.categ_id = category
        self.assertFalse(self.pending_jobs(), "the category is not sent")
        self.env["product.pricelist.item"].create({
            "pricelist_id": self.pricelist.id, "applied_on": "2_product_category", "categ_id": category.id,
            "compute_price": "percentage", "percent_price": 10,
        })
        self.assertEqual(self.export_jobs().mapped("identity_key"), [self.mug_key])
        self.export_jobs().unlink()
        # A pricelist no store uses: nothing.
        other = self.env["product.pricelist"].create({"name": "SC Wholesale"})
        item = self.env["product.pricelist.item"].create({
            "pricelist_id": other.id, "compute_price": "percentage", "percent_price": 30,
        })
        self.assertFalse(self.pending_jobs())
        # ...until the store's pricelist bases its prices on it: then its rules price the store's products.
        self.env["product.pricelist.item"].create({
            "pricelist_id": self.pricelist.id, "compute_price": "formula", "base": "pricelist",
            "base_pricelist_id": other.id,
        })
        self.assertEqual(len(self.export_jobs()), 2, "a global rule prices every product")
        self.export_jobs().unlink()
        item.percent_price = 40
        self.assertEqual(len(self.export_jobs()), 2)
        self.assertEqual(self.run_exports()["TS-RED"]["price"], 12.0)

    def test_price_extra_of_an_attribute_value_is_exported(self):
        red_value = self.red.product_template_attribute_value_ids
        red_value.price_extra = 3
        self.assertEqual(self.export_jobs().mapped("identity_key"), [f"products:{self.tshirt.id}"])
        sent = self.run_exports()
        self.assertEqual((sent["TS-RED"]["price"], sent["TS-BLUE"]["price"]), (23.0, 20.0))

    # ------------------------------------------------------------------ variants
    def test_new_variant_of_a_published_product_is_published_with_its_sku(self):
        green = self.env["product.attribute.value"].create({"name": "Green", "attribute_id": self.color.id})
        self.tshirt.attribute_line_ids.write({"value_ids": [(4, green.id)]})
        new = self.variant(self.tshirt, "Green")
        self.assertTrue(new)
        self.assertFalse(new.store_binding_ids, "no SKU yet: it cannot be published")
        self.assertFalse(self.pending_jobs())
        new.default_code = "TS-GREEN"
        binding = new.store_binding_ids
        self.assertEqual((binding.store_id, binding.platform_status), (self.store, "active"),
                         "published to the store of its product only")
        sent = self.run_exports()
        self.assertEqual(set(sent), {"TS-RED", "TS-BLUE", "TS-GREEN"})
        self.assertEqual(binding.sync_state, "synced")

    def test_variant_created_with_sku_is_published(self):
        self.store.auto_sync_products = False
        green = self.env["product.attribute.value"].create({"name": "Green", "attribute_id": self.color.id})
        line = self.tshirt.attribute_line_ids
        line.write({"value_ids": [(4, green.id)]})
        self.variant(self.tshirt, "Green").unlink()  # gone again: created below, with its SKU
        ptav = line.product_template_value_ids.filtered(lambda v: v.product_attribute_value_id == green)
        new = self.env["product.product"].create({
            "product_tmpl_id": self.tshirt.id, "default_code": "TS-GREEN",
            "product_template_attribute_value_ids": [(6, 0, ptav.ids)],
        })
        self.assertEqual(new.store_binding_ids.sync_state, "pending", "it waits for Export Products")
        self.assertFalse(self.pending_jobs(), "the store does not sync products automatically")

    def test_archived_variant_is_archived_on_the_store(self):
        self.red.active = False
        job = self.pending_jobs(operation="products.archive")
        self.assertEqual(job.identity_key, f"products:{self.tshirt.id}")
        self.run_job(job)
        sent = self.recorder.of("export_products")[-1][1][0]
        self.assertEqual({v["sku"]: v["status"] for v in sent["variants"]},
                         {"TS-RED": "archived", "TS-BLUE": "active"})

    # ------------------------------------------------------------------ no echo
    def test_imports_write_products_without_queueing_exports(self):
        record = {
            "title": "SC T-Shirt", "external_ids": {"product_id": f"P{self.tshirt.id}"},
            "variants": [
                {"sku": sku, "price": 20.0, "attributes": [{"name": "SC Color", "value": value}],
                 "external_ids": {"variant_id": f"V-{sku}"}}
                for sku, value in (("TS-RED", "Red"), ("TS-BLUE", "Blue"), ("TS-GREEN", "Green"))
            ],
        }
        summary = self.store._import_product_page([record])
        self.assertEqual(summary["created"], 1, summary["errors"])
        green = self.env["product.product"].search([("default_code", "=", "TS-GREEN")])
        self.assertEqual(green.product_tmpl_id, self.tshirt, "a variant added by the import")
        self.assertEqual(green.store_binding_ids.sync_state, "synced", "bound by the import itself")
        self.assertFalse(self.pending_jobs(), "what came from the platform is not sent back")

    # ------------------------------------------------------------------ Export Products
    def test_export_products_exports_every_published_product(self):
        action = self.store.action_export_products()
        self.assertEqual(action["params"]["message"], "2 products queued for export in 2 jobs.")
        sent = self.run_exports()
        self.assertEqual(set(sent), {"MUG-1", "TS-RED", "TS-BLUE"})
        # Unpublished, synced: not exported again.
        self.store._unpublish_products(self.mug)
        self.run_job(self.pending_jobs(operation="products.unpublish"))
        action = self.store.action_export_products()
        self.assertEqual(action["params"]["message"], "1 product queued for export (1 job).")
        self.assertEqual(self.export_jobs().identity_key, f"products:{self.tshirt.id}")

    def test_publish_wizard_exports_whatever_sync_products_says(self):
        self.other_store.auto_sync_products = False
        wizard = self.env["store.product.publish.wizard"].create({
            "product_ids": [(6, 0, self.mug.ids)], "store_ids": [(6, 0, self.other_store.ids)],
        })
        wizard.action_apply()
        job = self.export_jobs(store=self.other_store)
        self.assertEqual(job.identity_key, self.mug_key)
        self.run_job(job)
        self.assertEqual(self.mug.store_binding_ids.filtered(
            lambda b: b.store_id == self.other_store).sync_state, "synced")

    def test_archived_mapping_sends_nothing_and_queues_nothing(self):
        self.store.field_mapping_ids.filtered(lambda m: m.field_name == "barcode").active = False
        self.mug.with_context(active_test=False).barcode = "4006381333948"
        self.assertFalse(self.pending_jobs(), "no active mapping of the store sends the barcode")

    def test_export_products_says_when_nothing_is_published(self):
        action = self.other_store.action_export_products()
        self.assertEqual(action["params"]["message"],
                         "No product to export: publish products to Other Shop first.")

    def test_new_stores_sync_products_automatically(self):
        store = self.env["connector.store"].create({"name": "New Shop", "platform": "test"})
        self.assertTrue(store.auto_sync_products)

    def test_store_form_says_when_changes_wait_for_export_products(self):
        arch = etree.fromstring(
            self.env["connector.store"].get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [notice] = arch.xpath("//page[@name='field_mappings']//div[@role='status']")
        self.assertEqual(notice.get("invisible"), "auto_sync_products or not allow_products_sync")
        self.assertIn("waits (Pending) until Export Products", " ".join("".join(notice.itertext()).split()))
