"""End to end: a full import of 2,000 variants and 500 orders from the simulator through Full Sync
(bulk operations, JSONL results) and the real queue."""

import logging
import time

from odoo.tests import tagged

from .common import ShopifySimulatorCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestShopifyFullImport(ShopifySimulatorCase):
    # The Full Sync's speed and totals: the payment workflow of the paid orders (an invoice and a
    # payment each) is tested in test_shopify_money.py; its cost at volume is #14's benchmark.
    store_vals = {"allow_products_sync": True, "allow_orders_pull": True, "payment_workflow": False}

    def _warm_up_planner_statistics(self):
        """The product tables were emptied by earlier rolled-back runs, and autovacuum records them
        as empty (no rows on many pages): the planner then expects no rows at all while this
        transaction fills them, and picks nested loops that make the import quadratic. A few
        variants made here and ANALYZE (which counts this transaction's own rows) give it a
        density to scale with; they roll back with the test."""
        attribute = self.env["product.attribute"].create(
            {"name": "Warm-up", "value_ids": [(0, 0, {"name": f"W{i}"}) for i in range(8)]}
        )
        self.env["product.template"].create(
            [
                {
                    "name": f"Warm-up {i}",
                    "attribute_line_ids": [
                        (0, 0, {"attribute_id": attribute.id, "value_ids": [(6, 0, attribute.value_ids.ids)]})
                    ],
                }
                for i in range(10)
            ]
        )
        self.env.flush_all()
        self.env.cr.execute(
            "ANALYZE product_template, product_product, product_variant_combination,"
            " product_template_attribute_line, product_template_attribute_value, product_attribute,"
            " product_attribute_value, product_attribute_value_product_template_attribute_line_rel"
        )

    def test_full_import_2000_variants_500_orders(self):
        started = time.monotonic()
        self._warm_up_planner_statistics()
        skus = self.sim.seed_catalog(products=250, variants_per_product=8, prefix="E2E")
        order_gids = self.sim.seed_orders(count=500, lines_per_order=2, spread_days=30)
        self.assertEqual((len(skus), len(order_gids)), (2000, 500))

        self.store.action_full_sync()
        self.run_queue()
        self.sim.complete_bulk_operations()
        adapter = self.store._get_adapter()
        for event in self.sim.events:
            if event["topic"] == "bulk_operations/finish":  # what the webhook hands over
                adapter._shopify_webhook_bulk_finish(self.store, None, event["payload"])
        for _round in range(5):
            if not self.run_queue():
                break

        _logger.info("full import of 2,000 variants and 500 orders: %.1f s", time.monotonic() - started)
        jobs = self.env["sync.job"].search([("store_id", "=", self.store.id)])
        self.assertFalse(
            jobs.filtered(lambda j: j.state in ("failed", "dead")),
            jobs.filtered(lambda j: j.state in ("failed", "dead")).mapped("last_error"),
        )
        self.assertFalse(jobs.filtered(lambda j: j.state == "pending"), "everything ran")

        # every variant bound, with its Shopify ids
        bindings = self.env["store.product.binding"].search(
            [("store_id", "=", self.store.id), ("sku", "in", skus)]
        )
        self.assertEqual(len(bindings), 2000)
        self.assertFalse(bindings.filtered(lambda b: not b.external_variant_id or not b.product_id))
        self.assertEqual(len(bindings.product_id), 2000)
        self.assertEqual(len(bindings.product_id.product_tmpl_id), 250, "variants as attribute values")
        sample = self.sim.product("E2E-0042-05")
        variant = next(v for v in sample["variants"] if v["sku"] == "E2E-0042-05")
        binding = bindings.filtered(lambda b: b.sku == "E2E-0042-05")
        self.assertEqual(binding.external_variant_id, variant["id"])
        self.assertEqual(binding.external_data["inventory_item_id"], variant["inventory_item_id"])

        # every order a sale order, with Shopify's totals
        orders = self.env["store.order.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(orders), 500)
        self.assertEqual(len(orders.order_id), 500)
        by_external = {b.external_id: b for b in orders}
        for index in range(0, 500, 50):  # ten spot checks
            shopify = self.sim.order(order_gids[index])
            binding = by_external[str(shopify["legacy_id"])]
            sale = binding.order_id
            self.assertAlmostEqual(sale.amount_total, float(shopify["total"]), places=2, msg=shopify["name"])
            lines = sale.order_line.filtered(lambda line: line.product_id in bindings.product_id)
            self.assertEqual(len(lines), 2, f"{shopify['name']}: its two variants, bound")
            self.assertAlmostEqual(binding.platform_total, float(shopify["total"]), places=2)
            self.assertEqual(sale.partner_id.email, f"buyer{index}@example.com")
