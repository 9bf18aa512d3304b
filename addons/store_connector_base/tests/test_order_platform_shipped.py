"""Issue #8 "Never ship twice", "A person on every follow-up", "Readable totals" (discounts) and the
order defaults, on the test platform."""

from odoo import SUPERUSER_ID
from odoo.tests import new_test_user

from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

from .common_orders import OrderPipelineCase


class PlatformShippedCase(OrderPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A store as created today: orders confirm, deliveries go back (the defaults).
        cls.store.write({"auto_sync_inventory": False})
        for product in (cls.mug, cls.tee):
            product.is_storable = True
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, 50)

    def setUp(self):
        super().setUp()
        RECORDER.reset()

    def shipped_order(self, order_id="5001", mug=(3, 0), tee=(1, 0), fulfillments=(), updated=None):
        """A paid order of (quantity, shipped quantity) mugs and tees."""
        return self.make_order(
            order_id,
            status="processing",
            updated=updated,
            lines=[
                {
                    "id": "L-MUG",
                    "sku": "MUG",
                    "name": "Mug",
                    "quantity": mug[0],
                    "unit_price": "12.50",
                    "shipped_quantity": mug[1],
                },
                {
                    "id": "L-TEE",
                    "sku": "TEE",
                    "name": "Tee",
                    "quantity": tee[0],
                    "unit_price": "20.00",
                    "shipped_quantity": tee[1],
                },
            ],
            fulfillments=list(fulfillments),
        )

    def deliveries(self, sale):
        return sale.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing").sorted("id")

    def done_quantities(self, sale):
        return {
            move.product_id.default_code: move.quantity
            for move in sale.picking_ids.move_ids.filtered(lambda m: m.state == "done")
        }

    def open_quantities(self, sale):
        return {
            move.product_id.default_code: move.product_uom_qty
            for move in sale.picking_ids.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        }

    def ship_in_odoo(self, picking, quantities, tracking="ODOO-1"):
        picking.carrier_tracking_ref = tracking
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id.default_code, 0)
            move.picked = bool(move.quantity)
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()


class TestNeverShipTwice(PlatformShippedCase):
    def test_partly_fulfilled_order_is_validated_for_what_shipped(self):
        self.import_orders(
            [
                self.shipped_order(
                    mug=(3, 2),
                    tee=(1, 1),
                    fulfillments=[
                        {
                            "id": "F-77",
                            "tracking_number": "1Z999",
                            "tracking_company": "UPS",
                            "tracking_url": "https://ups.example/1Z999",
                        },
                    ],
                )
            ]
        )
        sale = self.sale_of("5001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(
            sale.order_line.filtered(lambda line: line.product_id == self.mug).store_platform_shipped_qty, 2
        )
        done, backorder = self.deliveries(sale)
        self.assertEqual(done.state, "done")
        self.assertEqual(self.done_quantities(sale), {"MUG": 2, "TEE": 1})
        self.assertEqual(done.carrier_tracking_ref, "1Z999", "the platform's tracking is kept")
        self.assertEqual(done.store_fulfillment_ref, "F-77")
        self.assertIn(
            "already shipped these goods", done.message_ids[:3].mapped("body")[0] if done.message_ids else ""
        )
        self.assertTrue(
            any(f"Delivery {done.name} validated by the Store Connector" in body and "1Z999" in body
                for body in sale.message_ids.mapped("body")),
            "the order says why its goods count as delivered",
        )
        # The rest waits in a backorder, not flagged: the platform has not shipped it.
        self.assertEqual(backorder.backorder_id, done)
        self.assertEqual(self.open_quantities(sale), {"MUG": 1})
        self.assertFalse(sale.store_shipped_on_platform)
        self.assertFalse(backorder.store_shipped_on_platform)
        # Nothing goes back to the platform for what it shipped itself.
        self.assertFalse(self.jobs("orders.fulfillment"))
        # Odoo ships the rest: only that is pushed.
        self.ship_in_odoo(backorder, {"MUG": 1})
        self.run_jobs()
        [(_store, call)] = RECORDER.of("push_fulfillment")
        self.assertEqual(
            [(line["external_line_id"], line["quantity"]) for line in call["fulfillment"]["lines"]],
            [("L-MUG", 1.0)],
        )

    def test_same_order_again_does_not_validate_twice(self):
        order = self.shipped_order(
            mug=(3, 2), tee=(1, 0), fulfillments=[{"id": "F-1", "tracking_number": "T1"}]
        )
        self.import_orders([order])
        sale = self.sale_of("5001")
        self.assertEqual(self.done_quantities(sale), {"MUG": 2})
        # The same payload again (a webhook retry), then a newer one saying the same shipped quantities.
        self.import_orders([order])
        self.import_orders(
            [
                self.shipped_order(
                    mug=(3, 2),
                    tee=(1, 0),
                    updated=self.later(5),
                    fulfillments=[{"id": "F-1", "tracking_number": "T1"}],
                )
            ]
        )
        self.assertEqual(len(self.deliveries(sale).filtered(lambda p: p.state == "done")), 1)
        self.assertEqual(self.open_quantities(sale), {"MUG": 1, "TEE": 1})

    def test_fulfilled_on_the_platform_after_the_import(self):
        self.import_orders([self.shipped_order()])
        sale = self.sale_of("5001")
        self.assertEqual(self.open_quantities(sale), {"MUG": 3, "TEE": 1})
        self.assertFalse(self.done_quantities(sale))
        # The platform ships two mugs, then the rest: each update validates only what is new.
        self.import_orders(
            [
                self.shipped_order(
                    mug=(3, 2), updated=self.later(5), fulfillments=[{"id": "F-1", "tracking_number": "T1"}]
                )
            ]
        )
        self.assertEqual(self.done_quantities(sale), {"MUG": 2})
        self.import_orders(
            [
                self.shipped_order(
                    mug=(3, 3),
                    tee=(1, 1),
                    updated=self.later(10),
                    fulfillments=[
                        {"id": "F-1", "tracking_number": "T1"},
                        {"id": "F-2", "tracking_number": "T2"},
                    ],
                )
            ]
        )
        deliveries = self.deliveries(sale)
        self.assertEqual(deliveries.mapped("state"), ["done", "done"])
        self.assertEqual(
            deliveries.mapped("carrier_tracking_ref"),
            ["T1", "T2"],
            "each delivery keeps the tracking of its own shipment",
        )
        self.assertEqual(
            sum(sale.picking_ids.move_ids.filtered(lambda m: m.product_id == self.mug).mapped("quantity")), 3
        )
        self.assertFalse(self.jobs("orders.fulfillment"))

    def test_odoo_own_shipment_coming_back_is_not_validated_again(self):
        """Odoo ships one mug and pushes it: the platform's next update reports it shipped; that is
        Odoo's shipment, not a new one."""
        self.import_orders([self.shipped_order(mug=(2, 0), tee=(1, 0))])
        sale = self.sale_of("5001")
        self.ship_in_odoo(self.deliveries(sale), {"MUG": 1})
        self.run_jobs()
        self.assertEqual(len(RECORDER.of("push_fulfillment")), 1)
        self.import_orders(
            [
                self.shipped_order(
                    mug=(2, 1),
                    tee=(1, 0),
                    updated=self.later(5),
                    fulfillments=[{"id": "F1", "tracking_number": "ODOO-1"}],
                )
            ]
        )
        self.assertEqual(self.done_quantities(sale), {"MUG": 1})
        self.assertEqual(self.open_quantities(sale), {"MUG": 1, "TEE": 1})
        self.assertFalse(sale.store_shipped_on_platform)

    def test_confirmed_by_hand_applies_the_shipped_quantities(self):
        self.store.order_auto_confirm = False
        self.import_orders(
            [
                self.shipped_order(
                    mug=(3, 3), tee=(1, 1), fulfillments=[{"id": "F-9", "tracking_number": "T9"}]
                )
            ]
        )
        sale = self.sale_of("5001")
        self.assertEqual(sale.state, "draft")
        salesman = new_test_user(self.env, "sc_salesman", groups="sales_team.group_sale_salesman_all_leads")
        sale.with_user(salesman).action_confirm()
        self.assertEqual(self.deliveries(sale).mapped("state"), ["done"])
        self.assertEqual(self.deliveries(sale).carrier_tracking_ref, "T9")

    def test_hold_flags_the_delivery_and_the_order(self):
        self.store.order_platform_shipped_policy = "hold"
        manager = new_test_user(self.env, "sc_orders_lead", groups="sales_team.group_sale_salesman")
        self.team.user_id = manager
        self.import_orders(
            [self.shipped_order(mug=(3, 2), fulfillments=[{"id": "F-1", "tracking_number": "T1"}])]
        )
        sale = self.sale_of("5001")
        delivery = self.deliveries(sale)
        self.assertEqual(delivery.state, "assigned", "nothing is validated")
        self.assertTrue(sale.store_shipped_on_platform)
        self.assertTrue(delivery.store_shipped_on_platform)
        activity = sale.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Shipped on the platform: do not ship")
        self.assertIn("Mug x 2", activity.note)
        self.assertEqual(activity.user_id, manager)
        # The next update of the order neither validates nor adds a second activity.
        self.import_orders(
            [
                self.shipped_order(
                    mug=(3, 2), updated=self.later(5), fulfillments=[{"id": "F-1", "tracking_number": "T1"}]
                )
            ]
        )
        self.assertEqual(len(sale.activity_ids), 1)
        self.assertEqual(delivery.state, "assigned")
        # Once the warehouse validates those two mugs, the flag is gone.
        self.ship_in_odoo(delivery, {"MUG": 2})
        sale.invalidate_recordset()
        self.assertFalse(sale.store_shipped_on_platform)

    def test_shipped_quantity_above_the_ordered_one_is_refused(self):
        result = self.import_orders([self.shipped_order(mug=(1, 2))])
        self.assertIn("lines[0].shipped_quantity", result["failed"][0]["error"])


class TestOrderDefaults(PlatformShippedCase):
    def test_new_store_pushes_shipments_and_confirms_paid_orders(self):
        store = self.env["connector.store"].create({"name": "Fresh Shop", "platform": "test"})
        self.assertTrue(store.allow_orders_push)
        self.assertTrue(store.order_auto_confirm)
        self.assertEqual(store.order_platform_shipped_policy, "done")

    def test_delivery_not_pushed_says_so_on_the_delivery_and_the_order(self):
        self.store.allow_orders_push = False
        self.import_orders([self.shipped_order()])
        sale = self.sale_of("5001")
        delivery = self.deliveries(sale)
        self.ship_in_odoo(delivery, {"MUG": 3, "TEE": 1})
        self.assertFalse(self.jobs("orders.fulfillment"))
        for record in (delivery, sale):
            self.assertTrue(
                any(
                    "was not sent to the store" in (body or "") for body in record.message_ids.mapped("body")
                ),
                record,
            )


class TestResponsibleUser(PlatformShippedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        manager_group = "store_connector_base.group_store_connector_manager,sales_team.group_sale_salesman"
        cls.sc_manager = new_test_user(cls.env, "sc_chain_manager", groups=manager_group)

    def test_store_salesperson_first(self):
        seller = new_test_user(self.env, "sc_seller", groups="sales_team.group_sale_salesman")
        self.store.order_salesperson_id = seller
        self.import_orders([self.shipped_order()])
        self.assertEqual(self.sale_of("5001").user_id, seller)

    def test_team_leader_then_manager_never_odoobot(self):
        leader = new_test_user(self.env, "sc_leader", groups="sales_team.group_sale_salesman")
        self.team.user_id = leader
        self.import_orders([self.shipped_order("6001")])
        self.assertEqual(self.sale_of("6001").user_id, leader)
        # An archived leader does not count: a Store Connector manager of the company answers.
        leader.active = False
        self.env["crm.team"].search([("id", "!=", self.team.id)]).user_id = False
        self.import_orders([self.shipped_order("6002")])
        user = self.sale_of("6002").user_id
        self.assertTrue(user)
        self.assertNotEqual(user.id, SUPERUSER_ID)
        self.assertIn(user, self.store._get_managers())
        self.assertFalse(user.share)

    def test_default_team_leader_when_the_store_has_no_team(self):
        leader = new_test_user(self.env, "sc_default_leader", groups="sales_team.group_sale_salesman")
        self.store.team_id = False
        default_team = self.env["crm.team"].search(
            [("company_id", "in", [False, self.company.id])], order="sequence, id", limit=1
        )
        default_team.user_id = leader
        self.import_orders([self.shipped_order("6003")])
        self.assertEqual(self.sale_of("6003").user_id, leader)

    def test_activities_of_an_order_of_odoobot_go_to_a_person(self):
        leader = new_test_user(self.env, "sc_leader2", groups="sales_team.group_sale_salesman")
        self.team.user_id = leader
        self.import_orders([self.shipped_order("6004")])
        sale = self.sale_of("6004")
        # An order imported before this fix: OdooBot is its salesperson.
        sale.user_id = SUPERUSER_ID
        self.import_orders([self.shipped_order("6004", mug=(5, 0), updated=self.later(5))])
        activity = sale.activity_ids.filtered(lambda a: a.summary == "Order changed on the platform")
        self.assertEqual(activity.user_id, leader)

    def test_partial_refund_gets_an_activity_for_a_person(self):
        self.store.refund_policy = "activity"  # refunds credited instead: test_refund_workflow
        leader = new_test_user(self.env, "sc_leader3", groups="sales_team.group_sale_salesman")
        self.team.user_id = leader
        self.import_orders([self.shipped_order("6005")])
        sale = self.sale_of("6005")
        result = self.store._event_order_refunded(
            {
                "order_id": "6005",
                "refund_id": "R-1",
                "amount": "12.50",
                "note": "broken",
                "lines": [{"line_id": "L-MUG", "sku": "MUG", "quantity": 1}],
            }
        )
        self.assertTrue(result["recorded"])
        activity = sale.activity_ids.filtered(lambda a: "refund" in a.summary)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, leader)
        self.assertIn("MUG x 1", activity.note)
        self.assertIn("12.50", activity.note)
        self.assertFalse(
            self.store._event_order_refunded({"order_id": "nope", "refund_id": "R-2"})["recorded"]
        )


class TestDiscountColumn(PlatformShippedCase):
    def test_an_imported_discount_shows_the_discount_column(self):
        group = self.env.ref("sale.group_discount_per_so_line")
        internal = self.env.ref("base.group_user")
        internal.implied_ids -= group
        seller = new_test_user(self.env, "sc_discount_seller", groups="sales_team.group_sale_salesman")
        self.assertFalse(seller.has_group("sale.group_discount_per_so_line"))
        self.import_orders(
            [
                self.make_order(
                    "7001",
                    lines=[
                        {
                            "id": "1",
                            "sku": "MUG",
                            "name": "Mug",
                            "quantity": 2,
                            "unit_price": "12.50",
                            "discount": "2.50",
                        },
                    ],
                )
            ]
        )
        self.assertEqual(self.sale_of("7001").order_line.discount, 10.0)
        seller.invalidate_recordset()
        self.env.registry.clear_cache()
        self.assertTrue(seller.has_group("sale.group_discount_per_so_line"))
        arch = self.env["sale.order"].with_user(seller).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="discount"', arch)
