from odoo.tests import tagged

from .common import ShopifySimulatorCase


@tagged("post_install", "-at_install")
class TestShopifyNativeOrders(ShopifySimulatorCase):
    store_vals = {"shopify_push_native_orders": True, "allow_orders_push": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Shopify team"})
        cls.other_team = cls.env["crm.team"].create({"name": "Phone sales"})
        cls.store.team_id = cls.team
        cls.lamp = cls.env["product.product"].create(
            {
                "name": "Native Lamp",
                "default_code": "NATIVE-LAMP",
                "list_price": 40.0,
                "taxes_id": False,
                "is_storable": True,
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Gift wrapping",
                "default_code": "WRAP",
                "type": "service",
                "list_price": 3.5,
                "taxes_id": False,
            }
        )
        shopify = cls.sim.add_product("Native Lamp", variants=[{"sku": "NATIVE-LAMP", "price": "40.00"}])
        variant = shopify["variants"][0]
        cls.env["store.product.binding"].create(
            {
                "store_id": cls.store.id,
                "product_id": cls.lamp.id,
                "sku": "NATIVE-LAMP",
                "external_product_id": shopify["id"],
                "external_variant_id": variant["id"],
                "external_data": {"inventory_item_id": variant["inventory_item_id"]},
                "sync_state": "synced",
            }
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Nora Native",
                "email": "nora@example.com",
                "street": "1 Rue Neuve",
                "city": "Lyon",
                "zip": "69001",
                "country_id": cls.env.ref("base.fr").id,
            }
        )

    def _order(self, team=None, **vals):
        return self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "team_id": (team or self.team).id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.lamp.id,
                            "product_uom_qty": 2,
                            "price_unit": 40.0,
                            "tax_id": False,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "product_id": self.service.id,
                            "product_uom_qty": 1,
                            "price_unit": 3.5,
                            "tax_id": False,
                        },
                    ),
                ],
                **vals,
            }
        )

    def _push_jobs(self):
        return self.env["sync.job"].search(
            [("store_id", "=", self.store.id), ("method_name", "=", "_job_shopify_create_order")]
        )

    def test_confirmed_native_order_is_created_in_shopify_and_bound(self):
        order = self._order()
        order.action_confirm()
        job = self._push_jobs()
        self.assertEqual(len(job), 1)
        self.run_queue()
        self.assertEqual(job.state, "done", job.last_error)
        binding = order.store_binding_ids
        self.assertEqual(binding.store_id, self.store)
        self.assertEqual(order.store_id, self.store)
        shopify = self.sim.order(f"gid://shopify/Order/{binding.external_id}")
        self.assertEqual(str(shopify["legacy_id"]), binding.external_id)
        self.assertEqual(shopify["financial_status"], "PENDING")
        self.assertAlmostEqual(float(shopify["total"]), order.amount_total, places=2)
        self.assertAlmostEqual(binding.platform_total, 83.5, places=2)
        data = self.client().query(
            "query O($id: ID!) { order(id: $id) { name note lineItems(first: 5) { nodes {"
            " sku quantity variant { id } } } } }",
            {"id": shopify["id"]},
        )["order"]
        lines = {n["sku"]: n for n in data["lineItems"]["nodes"]}
        self.assertEqual(lines["NATIVE-LAMP"]["quantity"], 2)
        self.assertEqual(
            lines["NATIVE-LAMP"]["variant"]["id"],
            self.lamp.store_binding_ids.external_variant_id,
            "bound variants by id",
        )
        self.assertIsNone(lines["WRAP"]["variant"], "an unbound product is a custom line")
        self.assertIn(order.name, data["note"])
        # The orders/create webhook of that order comes back: not newer, the importer leaves it.
        adapter = self.store._get_adapter()
        lines_before = order.order_line.ids
        [payload] = [
            e["payload"]
            for e in self.sim.events
            if e["topic"] == "orders/create" and e["payload"]["id"] == shopify["legacy_id"]
        ]
        self.store._import_order(adapter._webhook_normalized_order(self.store, None, payload))
        self.assertEqual(order.order_line.ids, lines_before)
        self.assertEqual(len(self.env["store.order.binding"].search([("store_id", "=", self.store.id)])), 1)

    def test_not_pushed_other_team_switch_off_or_imported(self):
        self._order(team=self.other_team).action_confirm()
        self.assertFalse(self._push_jobs(), "another sales team's order stays in Odoo")
        self.store.shopify_push_native_orders = False
        self._order().action_confirm()
        self.assertFalse(self._push_jobs(), "switched off")
        self.store.shopify_push_native_orders = True
        self.store.allow_orders_push = False
        self._order().action_confirm()
        self.assertFalse(self._push_jobs(), "orders.push not permitted")
        self.store.allow_orders_push = True
        imported = self._order()
        self.env["store.order.binding"].create(
            {"store_id": self.store.id, "order_id": imported.id, "external_id": "999"}
        )
        imported.action_confirm()
        self.assertFalse(self._push_jobs(), "an order that came from a store is not sent back")
