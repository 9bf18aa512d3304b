from odoo import fields
from odoo.tests import tagged

from .common import ShopifySimulatorCase


@tagged("post_install", "-at_install")
class TestShopifyBulkFullSync(ShopifySimulatorCase):
    store_vals = {"allow_products_sync": True, "allow_orders_pull": True, "auto_sync_customers": True}

    def test_full_sync_streams_products_orders_customers(self):
        self.sim.add_product(
            "Bulk Lamp",
            variants=[
                {"sku": "LAMP-S", "price": "30.00", "options": {"Size": "S"}},
                {"sku": "LAMP-L", "price": "45.00", "options": {"Size": "L"}},
            ],
        )
        self.sim.add_customer(email="bulk.buyer@example.com", first_name="Bulk", last_name="Buyer")
        recent = self.sim.add_order(
            [{"sku": "LAMP-S", "quantity": 2}],
            email="bulk.buyer@example.com",
            tax_rate="0.2",
            shipping_lines=[{"title": "Post", "price": "5.00"}],
        )
        old = self.sim.add_order([{"sku": "LAMP-L", "quantity": 1}], days_ago=90, email="old@example.com")
        self.store._get_adapter()._full_sync(self.store)
        self.run_queue()
        poll = self.env["sync.job"].search(
            [
                ("store_id", "=", self.store.id),
                ("method_name", "=", "_job_shopify_bulk_poll"),
                ("state", "=", "pending"),
            ]
        )
        self.assertEqual(len(poll), 1)
        self.assertEqual(set(poll.payload["operations"]), {"products", "orders", "customers"})
        self.sim.complete_bulk_operations()
        # bulk_operations/finish (here handed over directly) wakes the poll up.
        finished = [e["payload"] for e in self.sim.events if e["topic"] == "bulk_operations/finish"]
        self.assertEqual(len(finished), 3)
        adapter = self.store._get_adapter()
        for payload in finished:
            adapter._shopify_webhook_bulk_finish(self.store, None, payload)
        self.assertLessEqual(poll.next_attempt_at, fields.Datetime.now())
        self.run_queue()
        self.assertEqual(poll.state, "done", poll.last_error)
        lamps = self.env["product.product"].search([("default_code", "in", ["LAMP-S", "LAMP-L"])])
        self.assertEqual(len(lamps), 2)
        self.assertEqual(len(lamps.product_tmpl_id), 1)
        orders = self.env["store.order.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(
            orders.mapped("external_id"), [str(recent["legacy_id"])], "only the orders of the last 60 days"
        )
        self.assertNotIn(str(old["legacy_id"]), orders.mapped("external_id"))
        self.assertAlmostEqual(orders.order_id.amount_total, float(recent["total"]), places=2)
        self.assertTrue(self.env["res.partner"].search([("email", "=", "bulk.buyer@example.com")]))

    def test_grouping_streams_one_parent_at_a_time(self):
        """100,000 lines go through holding one parent at a time: each parent is handed on as soon
        as the next one starts, so the lines read so far never run ahead by more than one parent."""
        consumed = [0]

        def lines():
            for parent in range(20_000):
                consumed[0] += 1
                yield {"id": f"gid://shopify/Product/{parent}"}
                for child in range(4):
                    consumed[0] += 1
                    yield {
                        "id": f"gid://shopify/ProductVariant/{parent}-{child}",
                        "__parentId": f"gid://shopify/Product/{parent}",
                    }

        adapter = self.env["store.adapter.shopify"]
        count = 0
        for index, parent in enumerate(adapter._shopify_bulk_records(lines(), "_children")):
            self.assertEqual(len(parent["_children"]), 4)
            self.assertLessEqual(consumed[0], (index + 2) * 5)
            count += 1
        self.assertEqual((count, consumed[0]), (20_000, 100_000))
