"""Shared set-up of the product, stock and fulfillment tests: a store of the test platform (whose
adapter records every call in memory, see store_connector_test_platform), a warehouse, products."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER


class ProductSyncCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.store = cls.env["connector.store"].create({
            "name": "Test Shop",
            "platform": "test",
            "warehouse_id": cls.warehouse.id,
            "auto_sync_products": True,
            "auto_sync_inventory": True,
            "stock_baseline": "odoo",
        })
        cls.other_store = cls.env["connector.store"].create({
            "name": "Other Shop",
            "platform": "test",
            "warehouse_id": cls.warehouse.id,
            "auto_sync_products": True,
            "stock_baseline": "odoo",
        })
        cls.color = cls.env["product.attribute"].create({
            "name": "SC Color",
            "create_variant": "always",
            "value_ids": [(0, 0, {"name": "Red"}), (0, 0, {"name": "Blue"})],
        })
        cls.tshirt = cls.env["product.template"].create({
            "name": "SC T-Shirt",
            "type": "consu",
            "is_storable": True,
            "list_price": 20.0,
            "attribute_line_ids": [(0, 0, {
                "attribute_id": cls.color.id,
                "value_ids": [(6, 0, cls.color.value_ids.ids)],
            })],
        })
        cls.red, cls.blue = cls.variant(cls.tshirt, "Red"), cls.variant(cls.tshirt, "Blue")
        cls.red.default_code = "TS-RED"
        cls.blue.default_code = "TS-BLUE"
        cls.mug = cls.env["product.product"].create({
            "name": "SC Mug",
            "type": "consu",
            "is_storable": True,
            "default_code": "MUG-1",
            "barcode": "4006381333931",
            "list_price": 8.5,
            "weight": 0.35,
            "description_sale": "A mug for coffee",
        })

    def setUp(self):
        super().setUp()
        RECORDER.reset()
        self.recorder = RECORDER
        self.adapter = self.env["store.adapter.test"]
        for store in (self.store, self.other_store):
            self.addCleanup(self.adapter._test_reset, store)

    @classmethod
    def variant(cls, template, value_name):
        return template.product_variant_ids.filtered(
            lambda p: p.product_template_attribute_value_ids.name == value_name
        )

    # ------------------------------------------------------------------ helpers
    def pending_jobs(self, store=None, operation=None):
        domain = [("store_id", "=", (store or self.store).id), ("state", "=", "pending")]
        if operation:
            domain.append(("operation", "=", operation))
        return self.env["sync.job"].search(domain)

    def run_job(self, job, expect="done"):
        """Run one pending job now, in this transaction, as the queue runner would."""
        job.ensure_one()
        self.assertEqual(job.state, "pending")
        # Claimed first, as the runner does (Run Now): enqueueing during the run must not merge into it.
        self.assertEqual(self.env["sync.job"]._claim(1, commit=False, job_ids=job.ids), job)
        job._run(commit=False)
        job.invalidate_recordset()
        self.assertEqual(job.state, expect, job.last_error)
        return job

    def set_stock(self, product, quantity, location=None):
        """Set on-hand stock without a stock move (no job is queued by this)."""
        location = location or self.stock_location
        quant = self.env["stock.quant"]._gather(product, location)
        current = sum(quant.mapped("quantity"))
        self.env["stock.quant"]._update_available_quantity(product, location, quantity - current)

    def move(self, product, quantity, source=None, destination=None):
        """A done stock move of `quantity` (receipt into stock by default)."""
        move = self.env["stock.move"].create({
            "name": f"move {product.display_name}",
            "product_id": product.id,
            "product_uom_qty": quantity,
            "product_uom": product.uom_id.id,
            "location_id": (source or self.supplier_location).id,
            "location_dest_id": (destination or self.stock_location).id,
        })
        move._action_confirm()
        move._action_assign()
        move.quantity = quantity
        move.picked = True
        move._action_done()
        self.assertEqual(move.state, "done")
        return move
