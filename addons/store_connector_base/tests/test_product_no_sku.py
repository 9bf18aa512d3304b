"""Variants without SKU on a platform that identifies variants by its own id (adapter hook
`_identifies_variants_by_id`, switched by RECORDER.identifies_variants_by_id on the test platform):
imported and bound by their platform id, their stock sent by id, their order lines matched by id;
refused with a clear message where the platform does not identify variants by id, or the variant
has no id."""

from odoo import fields
from odoo.exceptions import ValidationError

from .common_orders import OrderPipelineCase
from .common_products import RECORDER, ProductSyncCase


def lamp_record(variant_ids=("LV-1", "LV-2"), skus=(None, "LAMP-BLUE")):
    """A platform product with two colours: the first without SKU."""
    colors = ("Red", "Blue")
    return {
        "title": "Imported Lamp",
        "external_ids": {"product_id": "LP-1"},
        "variants": [
            {"sku": sku, "price": 30.0, "attributes": [{"name": "SC Color", "value": colors[index]}],
             "external_ids": {"variant_id": variant_id}}
            for index, (variant_id, sku) in enumerate(zip(variant_ids, skus, strict=True))
        ],
    }


def poster_record(sku=None, variant_id="PV-9"):
    """A simple platform product (no variants list) without SKU."""
    external_ids = {"product_id": "PP-9"}
    if variant_id:
        external_ids["variant_id"] = variant_id
    return {"title": "Imported Poster", "sku": sku, "price": 12.0, "external_ids": external_ids}


class TestProductWithoutSku(ProductSyncCase):
    def setUp(self):
        super().setUp()
        RECORDER.identifies_variants_by_id = True

    def bindings_of(self, *variant_ids):
        return self.env["store.product.binding"].search([
            ("store_id", "=", self.store.id), ("external_variant_id", "in", list(variant_ids)),
        ])

    # ------------------------------------------------------------------ import
    def test_import_creates_and_binds_variants_without_sku_by_their_id(self):
        summary = self.store._import_product_page([lamp_record(), poster_record()])
        self.assertEqual((summary["created"], summary["failed"]), (2, 0), summary["errors"])
        red, blue = self.bindings_of("LV-1"), self.bindings_of("LV-2")
        self.assertEqual(len(red), 1)
        # No SKU invented: Odoo's Internal Reference stays empty.
        self.assertFalse(red.product_id.default_code)
        self.assertFalse(red.sku)
        self.assertEqual(red.product_id.product_template_attribute_value_ids.name, "Red")
        self.assertEqual(blue.sku, "LAMP-BLUE")
        self.assertEqual(red.product_tmpl_id, blue.product_tmpl_id)
        poster = self.bindings_of("PV-9")
        self.assertEqual((poster.product_id.name, poster.external_product_id), ("Imported Poster", "PP-9"))
        self.assertFalse(poster.product_id.default_code)
        self.assertEqual(poster.display_name, "Test Shop / Imported Poster (no SKU, platform id PV-9)")

        # The second import finds them through their bindings: nothing new.
        imported = [("name", "in", ("Imported Lamp", "Imported Poster"))]
        templates = self.env["product.template"].search_count(imported)
        summary = self.store._import_product_page([lamp_record(), poster_record()])
        self.assertEqual((summary["created"], summary["matched"], summary["failed"]), (0, 2, 0),
                         summary["errors"])
        self.assertEqual(self.env["product.template"].search_count(imported), templates)
        self.assertEqual(self.bindings_of("LV-1", "LV-2", "PV-9"), red | blue | poster)

    def test_sku_given_later_on_the_platform_fills_the_empty_internal_reference(self):
        self.store._import_product_page([poster_record()])
        poster = self.bindings_of("PV-9")
        summary = self.store._import_product_page([poster_record(sku="POSTER-9")])
        self.assertEqual(summary["matched"], 1, summary["errors"])
        self.assertEqual((poster.product_id.default_code, poster.sku), ("POSTER-9", "POSTER-9"))
        # A SKU Odoo has is never overwritten from the platform.
        summary = self.store._import_product_page([poster_record(sku="OTHER")])
        self.assertEqual(summary["matched"], 1, summary["errors"])
        self.assertEqual(poster.product_id.default_code, "POSTER-9")

    def test_variant_without_sku_and_without_id_is_still_refused(self):
        summary = self.store._import_product_page([poster_record(variant_id=None)])
        self.assertEqual(summary["failed"], 1)
        self.assertIn("Imported Poster: A variant (no attributes) has no SKU: give it one on the platform",
                      summary["errors"][0])
        self.assertFalse(self.env["product.product"].search([("name", "=", "Imported Poster")]))

    def test_platform_that_does_not_identify_by_id_refuses_variants_without_sku(self):
        RECORDER.identifies_variants_by_id = False
        summary = self.store._import_product_page([poster_record()])
        self.assertEqual(summary["failed"], 1)
        self.assertIn("has no SKU: give it one on the platform", summary["errors"][0])
        self.assertFalse(self.bindings_of("PV-9"))

    def test_variant_without_sku_is_not_bound_to_an_odoo_variant_with_another_sku(self):
        # A matched variant (by SKU) puts the product on the T-shirt; its sibling without SKU would
        # be the Blue T-shirt, which has SKU TS-BLUE: refused, never bound under another SKU.
        record = {"title": "Shirt", "variants": [
            {"sku": "TS-RED", "attributes": [{"name": "SC Color", "value": "Red"}],
             "external_ids": {"variant_id": "SV-1"}},
            {"sku": None, "attributes": [{"name": "SC Color", "value": "Blue"}],
             "external_ids": {"variant_id": "SV-2"}},
        ]}
        summary = self.store._import_product_page([record])
        self.assertEqual(summary["failed"], 1)
        self.assertIn("(no SKU, SC Color: Blue, platform id SV-2) would be Odoo variant",
                      summary["errors"][0])
        self.assertIn('already has SKU "TS-BLUE"', summary["errors"][0])

    # ------------------------------------------------------------------ bindings
    def test_two_bindings_without_sku_of_one_store_do_not_collide(self):
        self.store._import_product_page([lamp_record(skus=(None, None)), poster_record()])
        bindings = self.bindings_of("LV-1", "LV-2", "PV-9")
        self.assertEqual(len(bindings), 3)
        self.assertFalse(any(bindings.mapped("sku")))
        bindings._check_sku()  # the uniqueness check leaves empty SKUs out

    def test_binding_without_sku_needs_the_platform_id_and_a_platform_that_identifies_by_it(self):
        self.store._import_product_page([poster_record()])
        binding = self.bindings_of("PV-9")
        with self.assertRaises(ValidationError) as caught:
            binding.external_variant_id = False
        self.assertIn("has no SKU (Internal Reference)", str(caught.exception))
        RECORDER.identifies_variants_by_id = False
        with self.assertRaises(ValidationError):
            binding._check_sku()

    def test_product_without_sku_is_not_exported_and_says_why(self):
        self.store._import_product_page([lamp_record()])
        red, blue = self.bindings_of("LV-1"), self.bindings_of("LV-2")
        jobs = self.store._enqueue_product_sync(red | blue, "products.export", force=True)
        self.run_job(jobs)
        self.assertFalse(self.recorder.of("export_products"), "nothing sent")
        for binding in red | blue:
            self.assertEqual(binding.sync_state, "failed")
            self.assertIn("Not exported: Imported Lamp (Red) has no SKU (Internal Reference)",
                          binding.last_error)
            self.assertIn("give it one in Odoo, then export again", binding.last_error)

    # ------------------------------------------------------------------ stock
    def test_stock_of_variants_without_sku_is_sent_by_their_platform_id(self):
        self.store._import_product_page([lamp_record(), poster_record()])
        red, blue, poster = self.bindings_of("LV-1"), self.bindings_of("LV-2"), self.bindings_of("PV-9")
        self.set_stock(red.product_id, 4)
        self.set_stock(poster.product_id, 7)
        self.set_stock(blue.product_id, 2)
        self.assertEqual(self.store._inventory_bindings(), red | blue | poster)
        RECORDER.inventory_errors = {"PV-9": "Poster refused"}
        for job in self.store._enqueue_inventory_sync():
            self.run_job(job)
        [(_store, items)] = self.recorder.of("update_inventory")
        by_variant = {item["external_ids"]["variant_id"]: item for item in items}
        self.assertEqual(by_variant["LV-1"], {
            "sku": None, "quantity": 4, "ref": red.id,
            "label": "Imported Lamp (Red) (no SKU, platform id LV-1)",
            "external_ids": {"product_id": "LP-1", "variant_id": "LV-1"},
        })
        self.assertEqual(by_variant["LV-2"]["sku"], "LAMP-BLUE")
        self.assertNotIn("ref", by_variant["LV-2"])
        self.assertEqual((red.inventory_quantity, red.inventory_error), (4, False))
        self.assertEqual((blue.inventory_quantity, blue.inventory_error), (2, False))
        # The refusal of one item without SKU lands on its binding only.
        self.assertEqual((poster.inventory_quantity, poster.inventory_error), (0, "Poster refused"))

    def test_a_stock_move_queues_the_stock_of_a_variant_without_sku(self):
        self.store._import_product_page([poster_record()])
        poster = self.bindings_of("PV-9")
        self.move(poster.product_id, 3)
        job = self.pending_jobs(operation="inventory.sync")
        self.assertEqual(job.identity_key, f"inventory-binding:{poster.id}")
        self.run_job(job)
        self.assertEqual(poster.inventory_quantity, 3)

    def test_baseline_and_drift_read_variants_without_sku_by_their_binding(self):
        self.store._import_product_page([poster_record()])
        poster = self.bindings_of("PV-9")
        self.set_stock(poster.product_id, 5)
        self.recorder.platform_stock = {"PV-9": 2}
        [row] = self.store._stock_baseline_rows()
        self.assertEqual((row["binding"], row["sku"], row["platform_available"], row["odoo_on_hand"]),
                         (poster, "Imported Poster (no SKU, platform id PV-9)", 2, 5.0))
        [job] = self.store._enqueue_stock_reconcile()
        self.run_job(job)
        drift = self.store.stock_drift_ids
        self.assertEqual((drift.binding_id, drift.sku, drift.platform_quantity, drift.odoo_quantity),
                         (poster, "Imported Poster (no SKU, platform id PV-9)", 2, 5))

    def test_sync_inventory_confirmation_lists_variants_without_sku(self):
        self.store._import_product_page([lamp_record(), poster_record()])
        bindings = self.bindings_of("LV-1", "LV-2", "PV-9")
        bindings.sudo().write({"inventory_quantity": 3, "inventory_synced_at": fields.Datetime.now()})
        action = self.store.action_sync_inventory()  # no stock in Odoo: all three would go to 0
        self.assertEqual(action["res_model"], "store.inventory.sync.wizard")
        wizard = self.env["store.inventory.sync.wizard"].browse(action["res_id"])
        self.assertEqual(set(wizard.line_ids.binding_id), set(bindings))


class TestOrderLineWithoutSku(OrderPipelineCase):
    def setUp(self):
        super().setUp()
        RECORDER.reset()
        self.addCleanup(RECORDER.reset)
        RECORDER.identifies_variants_by_id = True

    def test_order_line_without_sku_becomes_a_line_of_the_product_bound_by_its_id(self):
        self.store._import_product_page([lamp_record(), poster_record()])
        Binding = self.env["store.product.binding"]
        lamp_red = Binding.search([("store_id", "=", self.store.id), ("external_variant_id", "=", "LV-1")])
        poster = Binding.search([("store_id", "=", self.store.id), ("external_variant_id", "=", "PV-9")])
        order = self.make_order(lines=[
            # A variation without SKU: its id (WooCommerce shows the parent's SKU or none).
            {"id": "l1", "sku": "", "name": "Imported Lamp - Red", "quantity": 1, "unit_price": "30.00",
             "external_ids": {"product_id": "LP-1", "variant_id": "LV-1"}},
            # A simple product without SKU, named by its product id alone.
            {"id": "l2", "sku": None, "name": "Imported Poster", "quantity": 2, "unit_price": "12.00",
             "external_ids": {"product_id": "PP-9"}},
        ])
        result = self.import_orders([order])
        sale = self.sale_of("1001")
        self.assertTrue(sale, result)
        lines = sale.order_line.filtered(lambda line: not line.display_type).sorted("store_external_line_id")
        self.assertEqual(lines.mapped("product_id"), lamp_red.product_id | poster.product_id)
        self.assertEqual(lines.mapped("product_uom_qty"), [1.0, 2.0])
