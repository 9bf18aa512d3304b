"""Issue #10, "Order routing to warehouses": the store's routing rules, in order, give an imported
order its warehouse (shipping country or state; the first warehouse with every line in free stock;
else the store's warehouse), with the reason on the order; rules stay in their company."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests.common import TransactionCase

from .common import create_test_store
from .common_attack import RpcAttackCase


class OrderRoutingCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Warehouse = cls.env["stock.warehouse"]
        cls.main_wh = Warehouse.search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.wh_texas = Warehouse.create({"name": "Routing Texas", "code": "RTX"})
        cls.wh_eu = Warehouse.create({"name": "Routing Europe", "code": "REU"})
        cls.wh_backup = Warehouse.create({"name": "Routing Backup", "code": "RBK"})
        cls.store = create_test_store(cls.env, "Routing Shop", warehouse_id=cls.main_wh.id,
                                      auto_sync_inventory=False)
        cls.mug = cls.env["product.product"].create({
            "name": "Routing Mug", "default_code": "RT-MUG", "type": "consu", "is_storable": True})
        cls.cap = cls.env["product.product"].create({
            "name": "Routing Cap", "default_code": "RT-CAP", "type": "consu", "is_storable": True})
        cls.gift_wrap = cls.env["product.product"].create({
            "name": "Gift wrap", "default_code": "RT-WRAP", "type": "service"})
        cls.us = cls.env.ref("base.us")
        cls.texas = cls.env.ref("base.state_us_44")
        cls.france = cls.env.ref("base.fr")
        cls.number = 0

    def stock(self, warehouse, product, quantity):
        self.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, quantity)

    def rule(self, rule_type, warehouse, **vals):
        return self.env["store.order.route"].create({
            "store_id": self.store.id, "rule_type": rule_type, "warehouse_id": warehouse.id,
            "sequence": len(self.store.order_route_ids) + 1, **vals})

    def order(self, lines, country="US", state="CA"):
        type(self).number += 1
        number = f"RT{self.number}"
        return {
            "id": number, "number": number, "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-01T10:00:00Z", "currency": self.env.company.currency_id.name,
            "status": "pending",
            "customer": {"email": f"{number.lower()}@example.com", "first_name": "Ann", "last_name": "Lee"},
            "shipping_address": {"first_name": "Ann", "last_name": "Lee", "street": "1 Main St",
                                 "city": "Somewhere", "zip": "75001", "country_code": country,
                                 "state_code": state},
            "lines": [{"id": f"{number}-{i}", "sku": product.default_code, "name": product.name,
                       "quantity": quantity, "unit_price": "10.00"}
                      for i, (product, quantity) in enumerate(lines)],
            "total": f"{10 * sum(quantity for _product, quantity in lines):.2f}",
        }

    def import_orders(self, *orders):
        result = self.env["store.order.importer"]._import_orders(self.store, list(orders),
                                                                 raise_on_error=True)
        sales = self.env["sale.order"].browse(result["created"])
        # In the orders' order, whatever the order of the result.
        by_ref = {sale.client_order_ref: sale for sale in sales}
        return self.env["sale.order"].concat(*(by_ref[f"{self.store.order_prefix or ''}{o['number']}"]
                                               for o in orders))

    def notes(self, sale):
        return " ".join(sale.message_ids.mapped("body"))


class TestOrderRouting(OrderRoutingCase):
    def test_without_rules_the_store_warehouse_and_no_note(self):
        sale = self.import_orders(self.order([(self.mug, 1)]))
        self.assertEqual(sale.warehouse_id, self.main_wh)
        self.assertNotIn("Routed", self.notes(sale))

    def test_by_country(self):
        self.rule("country_state", self.wh_eu, country_ids=[(6, 0, self.france.ids)])
        sale = self.import_orders(self.order([(self.mug, 1)], country="FR", state=""))
        self.assertEqual(sale.warehouse_id, self.wh_eu)
        self.assertIn("Routed to Routing Europe: shipping to France.", self.notes(sale))

    def test_by_state_and_other_states_fall_through(self):
        self.rule("country_state", self.wh_texas, state_ids=[(6, 0, self.texas.ids)])
        texan, californian = self.import_orders(self.order([(self.mug, 1)], state="TX"),
                                                self.order([(self.mug, 1)], state="CA"))
        self.assertEqual(texan.warehouse_id, self.wh_texas)
        self.assertIn("Routed to Routing Texas: shipping to Texas.", self.notes(texan))
        self.assertEqual(californian.warehouse_id, self.main_wh)
        self.assertIn(f"Routed to the store's warehouse {self.main_wh.name}: no routing rule matched.",
                      self.notes(californian))

    def test_rules_apply_in_their_order(self):
        self.rule("availability", self.wh_backup)
        self.rule("country_state", self.wh_texas, state_ids=[(6, 0, self.texas.ids)])
        self.stock(self.wh_backup, self.mug, 5)
        sale = self.import_orders(self.order([(self.mug, 1)], state="TX"))
        self.assertEqual(sale.warehouse_id, self.wh_backup, "the first rule that matches wins")

    def test_availability_first_warehouse(self):
        self.rule("availability", self.wh_texas)
        self.rule("availability", self.wh_backup)
        self.stock(self.wh_texas, self.mug, 2)
        self.stock(self.wh_texas, self.cap, 1)
        self.stock(self.wh_backup, self.mug, 10)
        self.stock(self.wh_backup, self.cap, 10)
        sale = self.import_orders(self.order([(self.mug, 2), (self.cap, 1), (self.gift_wrap, 1)]))
        self.assertEqual(sale.warehouse_id, self.wh_texas)
        self.assertIn("Routed to Routing Texas: it has every item of the order in stock.", self.notes(sale))

    def test_availability_second_warehouse_when_the_first_lacks_a_line(self):
        self.rule("availability", self.wh_texas)
        self.rule("availability", self.wh_backup)
        self.stock(self.wh_texas, self.mug, 5)  # no cap in Texas
        self.stock(self.wh_backup, self.mug, 5)
        self.stock(self.wh_backup, self.cap, 5)
        sale = self.import_orders(self.order([(self.mug, 1), (self.cap, 1)]))
        self.assertEqual(sale.warehouse_id, self.wh_backup)

    def test_availability_counts_reserved_stock_out_and_the_orders_of_the_batch(self):
        self.rule("availability", self.wh_texas)
        self.rule("availability", self.wh_backup)
        self.stock(self.wh_texas, self.mug, 3)
        self.stock(self.wh_backup, self.mug, 10)
        first, second = self.import_orders(self.order([(self.mug, 2)]), self.order([(self.mug, 2)]))
        self.assertEqual(first.warehouse_id, self.wh_texas)
        self.assertEqual(second.warehouse_id, self.wh_backup, "Texas has 1 mug left for the second order")
        # Reserved by a confirmed order: not free for the next import.
        first.action_confirm()
        self.assertEqual(first.picking_ids.move_ids.quantity, 2)
        third = self.import_orders(self.order([(self.mug, 2)]))
        self.assertEqual(third.warehouse_id, self.wh_backup)

    def test_none_available_goes_to_the_store_warehouse_saying_what_lacked(self):
        self.rule("availability", self.wh_texas)
        self.rule("availability", self.wh_backup)
        self.stock(self.wh_texas, self.mug, 1)
        sale = self.import_orders(self.order([(self.mug, 2)]))
        self.assertEqual(sale.warehouse_id, self.main_wh)
        notes = self.notes(sale)
        self.assertIn(f"Routed to the store's warehouse {self.main_wh.name}: no routing rule matched", notes)
        self.assertIn("Routing Texas lacks [RT-MUG] Routing Mug", notes)
        self.assertIn("Routing Backup lacks [RT-MUG] Routing Mug", notes)

    def test_services_and_consumables_without_stock_count_as_available(self):
        self.rule("availability", self.wh_texas)
        leaflet = self.env["product.product"].create({
            "name": "Leaflet", "default_code": "RT-LEAF", "type": "consu", "is_storable": False})
        sale = self.import_orders(self.order([(self.gift_wrap, 1), (leaflet, 3)]))
        self.assertEqual(sale.warehouse_id, self.wh_texas)

    def test_availability_rule_limited_to_its_countries(self):
        self.rule("availability", self.wh_eu, country_ids=[(6, 0, self.france.ids)])
        self.stock(self.wh_eu, self.mug, 5)
        american = self.import_orders(self.order([(self.mug, 1)]))
        french = self.import_orders(self.order([(self.mug, 1)], country="FR", state=""))
        self.assertEqual((american.warehouse_id, french.warehouse_id), (self.main_wh, self.wh_eu))

    def test_archived_rules_do_not_route(self):
        rule = self.rule("country_state", self.wh_texas, state_ids=[(6, 0, self.texas.ids)])
        rule.active = False
        sale = self.import_orders(self.order([(self.mug, 1)], state="TX"))
        self.assertEqual(sale.warehouse_id, self.main_wh)

    def test_a_country_rule_names_a_country_or_a_state(self):
        with self.assertRaises(ValidationError):
            self.rule("country_state", self.wh_texas)

    def test_a_rule_cannot_point_to_another_company_warehouse(self):
        other = self.env["res.company"].create({"name": "Routing Other Co"})
        foreign = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        self.assertTrue(foreign)
        with self.assertRaises(UserError):
            self.rule("availability", foreign)
        rule = self.rule("availability", self.wh_backup)
        with self.assertRaises(UserError):
            rule.warehouse_id = foreign


class TestOrderRoutingAttacks(RpcAttackCase):
    """Another company's users can neither read nor change a store's routing rules; a store's
    manager cannot route to another company's warehouse."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wh_a = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_a.id)], limit=1)
        cls.wh_b = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_b.id)], limit=1)
        cls.rule_a = cls.env["store.order.route"].create({
            "store_id": cls.store_a.id, "rule_type": "availability", "warehouse_id": cls.wh_a.id})

    def test_other_company_cannot_read_or_write_rules(self):
        for user in (self.user_b, self.manager_b):
            self.assertEqual(self.rpc(user, "store.order.route", "search", [("id", "=", self.rule_a.id)]), [])
            self.assertRpcRefused(user, "store.order.route", "read", [self.rule_a.id], ["warehouse_id"])
        self.assertRpcRefused(self.manager_b, "store.order.route", "write", [self.rule_a.id],
                              {"sequence": 99})
        self.assertRpcRefused(self.manager_b, "store.order.route", "unlink", [self.rule_a.id])
        self.assertRpcRefused(self.manager_b, "store.order.route", "create",
                              {"store_id": self.store_a.id, "rule_type": "availability",
                               "warehouse_id": self.wh_b.id})

    def test_users_read_managers_write_own_company_only(self):
        [read] = self.rpc(self.user_a, "store.order.route", "read", [self.rule_a.id], ["sequence"])
        self.assertEqual(read["id"], self.rule_a.id)
        self.assertRpcRefused(self.user_a, "store.order.route", "write", [self.rule_a.id], {"sequence": 3})
        self.assertRpcRefused(self.internal_a, "store.order.route", "read", [self.rule_a.id], ["sequence"])
        self.rpc(self.manager_a, "store.order.route", "write", [self.rule_a.id], {"sequence": 3})
        self.assertRpcRefused(self.manager_a, "store.order.route", "write", [self.rule_a.id],
                              {"warehouse_id": self.wh_b.id}, error="UserError")
