"""The order pull against the simulator while the shop changes orders between two pages: Shopify's
cursors are keyset cursors (the last node's sort value and id), so nothing is skipped."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import ShopifySimulatorCase
from .test_shopify_orders import ShopifyOrdersMixin


@tagged("post_install", "-at_install")
class TestShopifyOrderPullKeyset(ShopifyOrdersMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def test_an_order_updated_between_two_pages_skips_no_other_order(self):
        orders = [self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email=f"keyset{i}@example.com")
                  for i in range(5)]
        self.store._enqueue_order_pull()
        self.env.flush_all()
        first_page = self.env["sync.job"]._claim(1, store_ids=self.store.ids, commit=False)
        first_page._run(commit=False)
        self.assertEqual(first_page.state, "done", first_page.last_error)
        read = [order for order in orders if self.binding(order)]
        self.assertEqual(len(read), 3, "a page holds 3 orders")
        # The first order changes on Shopify: it moves to the end of the UPDATED_AT order; with an
        # offset for a cursor, the fourth order would now sit on the page already read.
        self.sim.clock.advance(2)  # Shopify's times are to the second: the update is a later one
        self.sim.update_order(orders[0]["id"], note="Leave at the door")
        Importer = type(self.env["store.order.importer"])
        original = Importer._import_orders
        pages = []

        def spy(importer, store, records, **kwargs):
            pages.append([str(record["id"]) for record in records])
            return original(importer, store, records, **kwargs)

        with patch.object(Importer, "_import_orders", spy):
            self.run_queue()
        for order in orders:
            self.assertTrue(self.binding(order), f"order {order['legacy_id']} imported")
        pulls = [c for c in self.sim.calls if c.get("operation_name") == "ConnectorOrders"]
        self.assertEqual(len(pulls), 2)
        self.assertIsNotNone(pulls[1]["variables"]["after"], "the second page follows Shopify's cursor")
        self.assertEqual(pages, [[str(o["legacy_id"]) for o in (orders[3], orders[4], orders[0])]],
                         "the second page: the two unread orders, then the updated one again")
        self.assertEqual(self.store.order_import_cursor, self.binding(orders[0]).platform_updated_at)
