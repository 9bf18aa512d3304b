"""Issue #13, Recover an Order on WooCommerce: the order found by its number (``1042`` or ``#1042``,
as the admin's order list shows it) with ``GET /orders?search=``, against the simulator, and
imported as it is now."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_woocommerce_e2e_orders import WooOrdersE2ECase


@tagged("post_install", "-at_install")
class TestWooCommerceRecoverOrder(WooOrdersE2ECase):
    def test_a_lost_order_is_recovered_by_its_number(self):
        # No webhook registered: the shop never tells Odoo of these orders.
        first = self.place(status="processing")
        wanted = self.place(status="processing")
        self.assertEqual(str(wanted["number"]), str(wanted["id"]), "WooCommerce numbers orders by id")
        action = self.store._recover_order(f"#{wanted['number']}")
        sale = self.sale_of(wanted)
        self.assertFalse(self.binding(first["id"]), "only the order asked for")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["links"][0]["label"], sale.name)
        self.assert_total_to_the_cent(sale, wanted["id"])
        searches = [request for request in self.sim.requests
                    if request["path"] == "/wp-json/wc/v3/orders" and request["method"] == "GET"]
        self.assertEqual(searches[-1]["query"].get("search"), str(wanted["number"]))
        # Again, without its "#": imported again although Odoo holds the same update.
        self.store._recover_order(str(wanted["number"]))
        job = self.env["sync.job"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "orders.recover")], limit=1)
        self.assertEqual(json.loads(job.result)["updated"], sale.ids)

    def test_an_unknown_number_is_a_clear_error(self):
        order = self.place()
        unknown = str(int(order["id"]) + 1000)
        with self.assertRaisesRegex(UserError, f"WooCommerce has no order {unknown} in store"):
            self.store._recover_order(unknown)
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("operation", "=", "orders.recover")]))
