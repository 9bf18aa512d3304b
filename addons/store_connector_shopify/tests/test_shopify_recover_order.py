"""Issue #13, Recover an Order on Shopify: the order found by its name (#1001) with the search
syntax's ``name:`` filter, against the simulator, and imported as it is now."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ShopifySimulatorCase
from .test_shopify_orders import ShopifyOrdersMixin


@tagged("post_install", "-at_install")
class TestShopifyRecoverOrder(ShopifyOrdersMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def lookups(self):
        return [call for call in self.sim.calls if call.get("operation_name") == "ConnectorOrderByName"]

    def test_an_order_is_recovered_by_its_name_or_its_number(self):
        first = self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email="first@example.com")
        second = self.sim.add_order([{"sku": "OC-1", "quantity": 2}], email="second@example.com")
        self.assertTrue(second["name"].startswith("#"))
        action = self.store._recover_order(second["name"])
        sale = self.binding(second).order_id
        self.assertTrue(sale, "the order named was imported")
        self.assertFalse(self.binding(first), "and only that one")
        self.assertEqual(action["params"]["links"][0]["label"], sale.name)
        self.assertEqual(f"{sale.amount_total:.2f}", f"{float(second['total']):.2f}")
        self.assertIn(f"name:'{second['name']}'", self.lookups()[-1]["variables"]["query"])
        # The number without its "#", as a customer quotes it: the same order, imported again.
        self.store._recover_order(second["name"].lstrip("#"))
        job = self.env["sync.job"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "orders.recover")], limit=1)
        self.assertEqual(job.state, "done")
        self.assertEqual(json.loads(job.result)["updated"], sale.ids, "forced: the same update again")

    def test_an_unknown_name_is_a_clear_error(self):
        self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email="only@example.com")
        with self.assertRaisesRegex(UserError, "Shopify has no order #99999 in store Shopify Test"):
            self.store._recover_order("#99999")
        self.assertTrue(self.lookups(), "Shopify was asked")
