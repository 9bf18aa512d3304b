"""Issue #13, Recover an Order on eBay: the order found by the order number Seller Hub shows (the
Fulfillment API's orderId) with ``GET /order?orderIds=``, against the simulator (its contracts
checked), and imported as it is now."""

import json

from odoo.exceptions import UserError

from .test_ebay_e2e_orders import ORDER_PATH, EbayOrdersE2ECase


class TestEbayRecoverOrder(EbayOrdersE2ECase):
    def test_an_order_is_recovered_by_its_order_number(self):
        wanted = self.sim.add_order([{"sku": "EB-MUG", "quantity": 2, "price": "10.00"}], buyer="hana",
                                    created=self.ago(days=3))
        other = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}], buyer="ivan",
                                   created=self.ago(days=2))
        action = self.store._recover_order(f" {wanted['orderId']} ")
        sale = self.binding(wanted["orderId"]).order_id
        self.assertTrue(sale, "the order named was imported")
        self.assertFalse(self.binding(other["orderId"]), "and only that one")
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["links"][0]["label"], sale.name)
        lookups = [call for call in self.order_calls() if "orderIds" in call["query"]]
        self.assertEqual([call["query"]["orderIds"] for call in lookups], [wanted["orderId"]])
        # Again: imported again although Odoo holds the same update (the merchant asked).
        self.store._recover_order(wanted["orderId"])
        job = self.env["sync.job"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "orders.recover")], limit=1)
        self.assertEqual(json.loads(job.result)["updated"], sale.ids)

    def test_an_unknown_order_number_is_a_clear_error(self):
        with self.assertRaisesRegex(UserError, "eBay has no order 99-99999-99999 in store"):
            self.store._recover_order("99-99999-99999")
        self.assertTrue([r for r in self.sim.requests if r["path"] == ORDER_PATH], "eBay was asked")
