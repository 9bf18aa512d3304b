"""The order-reference prefix a new store gets from its platform (store.adapter._default_order_prefix)."""

from unittest.mock import patch

from .common_orders import OrderPipelineCase


class TestOrderPrefixDefault(OrderPipelineCase):
    def new_store(self, **vals):
        return self.env["connector.store"].create({
            "name": "Prefix Shop", "platform": "test", "company_id": self.company.id,
            "warehouse_id": self.warehouse.id, "stock_baseline": "odoo", **vals,
        })

    def test_a_new_store_takes_its_platforms_prefix_and_orders_carry_it(self):
        store = self.new_store()

        self.assertEqual(store.order_prefix, "TS-", "the test platform's _default_order_prefix")
        self.importer._import_orders(store, [self.make_order("7301")], raise_on_error=True)
        self.assertEqual(self.sale_of("7301", store).client_order_ref, "TS-N7301")

    def test_the_managers_prefix_wins_and_is_kept(self):
        store = self.new_store(order_prefix="SHOP-")
        self.assertEqual(store.order_prefix, "SHOP-", "a prefix given at creation is not replaced")
        store.order_prefix = False
        self.assertFalse(store.order_prefix, "no prefix at all is a choice too")
        store.name = "Renamed"
        self.assertFalse(store.order_prefix, "only a change of platform computes it again")

    def test_the_default_is_the_adapters_and_none_unless_the_platform_says(self):
        self.assertEqual(self.env["store.adapter"]._default_order_prefix(self.store), "",
                         "the base's default: no prefix (Shopify keeps its order names as they are)")
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_default_order_prefix", return_value="ACME-"):
            store = self.new_store()
        self.assertEqual(store.order_prefix, "ACME-")
        self.assertEqual(self.store.order_prefix, "TS-", "an existing store keeps its prefix")
