"""WooCommerce tells a Full Sync how many orders there are: X-WP-Total of the first page."""

from unittest.mock import patch

from odoo.addons.store_connector_woocommerce import const

from .test_woocommerce_orders import WooOrdersCase, woo_order


class TestWooCommerceFullSyncTotal(WooOrdersCase):
    def test_the_first_page_says_how_many_orders_there_are(self):
        for index in range(5):
            self.shop.add(woo_order(400 + index, f"2026-05-01T10:00:0{index}"))
        with patch.object(const, "PAGE_SIZE", 2):
            first = self.adapter._import_orders(self.store, limit=2)
            second = self.adapter._import_orders(self.store, limit=2, cursor=first["next_cursor"])
        self.assertEqual(first["total"], 5, "X-WP-Total of the first request")
        self.assertIsNone(second["total"], "a later page's X-WP-Total counts only what follows its cursor")
