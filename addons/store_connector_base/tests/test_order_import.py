"""The order pipeline: what a platform order becomes, re-imports, statuses, SKUs, payments."""

from unittest.mock import patch

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted, PermanentJobError

from .common_orders import T0, OrderPipelineCase


class TestOrderImport(OrderPipelineCase):
    def test_new_order_becomes_a_sale_order(self):
        result = self.import_orders([self.make_order("1001", note="Leave at the door")])
        self.assertEqual(len(result["created"]), 1)
        binding = self.binding_of("1001")
        sale = binding.order_id
        self.assertEqual(sale.client_order_ref, "TS-N1001")
        self.assertEqual(sale.date_order, T0)
        self.assertEqual(sale.warehouse_id, self.warehouse)
        self.assertEqual(sale.team_id, self.team)
        self.assertEqual(sale.company_id, self.company)
        self.assertEqual(sale.state, "draft")
        self.assertEqual(sale.partner_id.email, "ann@example.com")
        self.assertEqual(sale.partner_id.company_id, self.company)
        # Billing and shipping equal the new customer's address: no child contacts.
        self.assertEqual(sale.partner_invoice_id, sale.partner_id)
        self.assertEqual(sale.partner_shipping_id, sale.partner_id)
        self.assertEqual(sale.partner_id.state_id.code, "IL")
        line = sale.order_line
        self.assertEqual((line.product_id, line.product_uom_qty, line.price_unit), (self.mug, 2.0, 12.5))
        self.assertEqual(
            (
                binding.external_number,
                binding.platform_status,
                binding.platform_stage,
                binding.platform_updated_at,
            ),
            ("N1001", "pending", "pending", T0),
        )
        self.assertEqual(binding.last_payload["id"], "1001")
        self.assertTrue(any("Leave at the door" in (m.body or "") for m in sale.message_ids))
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "order.received")]
        )
        self.assertEqual(len(log), 1)
        self.assertIn(sale.name, log.message)

    def test_reimport_is_idempotent(self):
        order = self.make_order("1002")
        self.import_orders([order])
        result = self.import_orders([order])
        self.assertEqual(result["ignored"], ["1002"])
        self.assertEqual(len(self.env["store.order.binding"].search([("store_id", "=", self.store.id)])), 1)
        self.assertEqual(self.env["sale.order"].search_count([("client_order_ref", "=", "TS-N1002")]), 1)
        # The same order twice in one page is imported once, newest payload first.
        newer = self.make_order("1003", updated=self.later(5), status="processing")
        result = self.import_orders([self.make_order("1003"), newer])
        self.assertEqual(len(result["created"]), 1)
        self.assertEqual(self.binding_of("1003").platform_status, "processing")

    def test_newer_payload_replaces_lines_of_a_quotation(self):
        self.import_orders([self.make_order("1004")])
        sale = self.sale_of("1004")
        changed = self.make_order(
            "1004",
            updated=self.later(10),
            lines=[
                {"sku": "TEE", "name": "Tee", "quantity": 1, "unit_price": "20.00"},
                {"sku": "MUG", "name": "Mug", "quantity": 3, "unit_price": "12.50"},
            ],
        )
        result = self.import_orders([changed])
        self.assertEqual(result["updated"], [sale.id])
        self.assertEqual(self.sale_of("1004"), sale)
        self.assertEqual(sorted(sale.order_line.mapped("product_id.default_code")), ["MUG", "TEE"])
        self.assertEqual(sale.amount_total, 57.5)
        self.assertEqual(self.binding_of("1004").platform_updated_at, self.later(10))

    def test_older_or_equal_payload_never_overwrites(self):
        self.import_orders([self.make_order("1005", updated=self.later(10), status="processing")])
        sale = self.sale_of("1005")
        older = self.make_order(
            "1005",
            updated=self.later(5),
            status="cancelled",
            lines=[{"sku": "TEE", "name": "Tee", "quantity": 9, "unit_price": "20.00"}],
        )
        # The same order of the same second, worded otherwise (a webhook's body, then a pull's).
        same_time = self.make_order("1005", updated=self.later(10), status="processing", note="Other words")
        result = self.import_orders([older])
        self.assertEqual(result["ignored"], ["1005"])
        result = self.import_orders([same_time])
        self.assertEqual(result["ignored"], ["1005"])
        binding = self.binding_of("1005")
        self.assertEqual(
            (binding.platform_status, binding.platform_updated_at), ("processing", self.later(10))
        )
        self.assertEqual(sale.order_line.product_id, self.mug)
        self.assertNotEqual(sale.state, "cancel")

    def test_another_state_of_the_same_second_is_a_change(self):
        """Platforms date changes to the second: an order placed and paid within one second
        arrives as two payloads of the same update time; the second one is not lost."""
        self.import_orders([self.make_order("1006", updated=self.later(10), status="pending")])
        paid = self.make_order("1006", updated=self.later(10), status="processing")
        result = self.import_orders([paid])
        self.assertEqual(result["updated"], [self.sale_of("1006").id])
        self.assertEqual(self.binding_of("1006").platform_status, "processing")
        result = self.import_orders([paid])
        self.assertEqual(result["ignored"], ["1006"], "the same state again is nothing new")

    def test_confirmed_order_gets_status_only_and_an_activity(self):
        self.store.order_auto_confirm = True
        self.import_orders([self.make_order("1006", status="processing")])
        sale = self.sale_of("1006")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.date_order, T0, "confirmation keeps the platform's date")
        changed = self.make_order(
            "1006",
            updated=self.later(3),
            status="on-the-way",
            lines=[{"sku": "MUG", "name": "Mug", "quantity": 5, "unit_price": "12.50"}],
        )
        self.import_orders([changed])
        self.assertEqual(sale.order_line.product_uom_qty, 2.0, "lines of a confirmed order are not replaced")
        self.assertEqual(self.binding_of("1006").platform_status, "on-the-way")
        activity = sale.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("changed the lines", activity.note)
        # A status-only update raises no further activity.
        self.import_orders(
            [
                self.make_order(
                    "1006",
                    updated=self.later(4),
                    status="shipped",
                    lines=[{"sku": "MUG", "name": "Mug", "quantity": 5, "unit_price": "12.50"}],
                )
            ]
        )
        self.assertEqual(len(sale.activity_ids), 1)

    def _ship(self, sale):
        picking = sale.picking_ids
        self.assertTrue(picking, "a confirmed order of goods has a delivery")
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")

    def test_cancellation_before_shipping_cancels(self):
        self.store.order_auto_confirm = True
        self.import_orders([self.make_order("1007", status="processing")])
        sale = self.sale_of("1007")
        self.assertEqual(sale.state, "sale")
        self.import_orders([self.make_order("1007", status="cancelled", updated=self.later(1))])
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(sale.picking_ids.mapped("state"), ["cancel"])
        # An order that arrives cancelled is created cancelled.
        self.import_orders([self.make_order("1008", status="cancelled")])
        self.assertEqual(self.sale_of("1008").state, "cancel")

    def test_cancellation_after_shipping_leaves_the_order_with_an_activity(self):
        self.store.order_auto_confirm = True
        self.store.order_salesperson_id = self.env.ref("base.user_admin")
        self.import_orders([self.make_order("1009", status="processing")])
        sale = self.sale_of("1009")
        self._ship(sale)
        self.import_orders([self.make_order("1009", status="cancelled", updated=self.later(1))])
        self.assertEqual(sale.state, "sale")
        activity = sale.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertIn("already shipped", activity.note)
        self.assertEqual(self.binding_of("1009").platform_stage, "cancelled")

    def test_salesperson_follows_imported_orders_without_an_assignment_message_each(self):
        seller = self.env["res.users"].create({
            "name": "Shop Seller", "login": "shop-seller-import", "email": "seller@example.com",
            "groups_id": [(6, 0, self.env.ref("sales_team.group_sale_salesman").ids)],
        })
        self.store.order_salesperson_id = seller
        # With the chatter on, as in production (the pipeline tests switch tracking off).
        tracked = self.env(context=dict(self.env.context, tracking_disable=False))
        tracked["store.order.importer"]._import_orders(
            self.store.with_env(tracked), [self.make_order("1012", status="processing")]
        )
        sale = self.sale_of("1012").with_env(tracked)
        self.assertEqual(sale.user_id, seller)
        self.assertIn(seller.partner_id, sale.message_partner_ids)
        assigned = self.env["mail.message"].search([
            ("model", "=", "sale.order"), ("res_id", "=", sale.id), ("subject", "ilike", "assigned"),
        ])
        self.assertFalse(assigned, "the salesperson is not sent an assignment message per imported order")
        # Assigning an order by hand still tells the new salesperson.
        other = seller.copy({"login": "shop-seller-import-2", "name": "Other Seller"})
        sale.user_id = other
        self.assertTrue(self.env["mail.message"].search([
            ("model", "=", "sale.order"), ("res_id", "=", sale.id), ("subject", "ilike", "assigned"),
        ]))

    def test_returned_raises_an_activity(self):
        self.import_orders([self.make_order("1010", status="returned")])
        sale = self.sale_of("1010")
        self.assertIn("returned", sale.activity_ids.note)
        self.assertEqual(sale.state, "draft")

    def test_unknown_sku_fails_naming_them(self):
        order = self.make_order(
            "1011",
            lines=[
                {"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "12.50"},
                {"sku": "GHOST-1", "name": "Ghost", "quantity": 1, "unit_price": "1.00"},
                {"sku": "GHOST-2", "name": "Ghost 2", "quantity": 1, "unit_price": "1.00"},
                {"sku": None, "name": "Gift card", "quantity": 1, "unit_price": "5.00"},
            ],
        )
        with self.assertRaises(PermanentJobError) as caught:
            self.import_orders([order], raise_on_error=True)
        message = str(caught.exception)
        for expected in ("GHOST-1", "GHOST-2", "Gift card", "N1011"):
            self.assertIn(expected, message)
        self.assertNotIn("MUG", message)
        self.assertFalse(self.binding_of("1011"))
        # In a page, the other orders go on.
        result = self.import_orders([order, self.make_order("1012")])
        self.assertEqual(len(result["created"]), 1)
        self.assertEqual([f["id"] for f in result["failed"]], ["1011"])

    def test_unknown_sku_with_placeholder(self):
        self.store.order_unknown_sku_policy = "placeholder"
        order = self.make_order(
            "1013",
            lines=[
                {"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "12.50"},
                {"sku": "GHOST-1", "name": "Ghost", "quantity": 2, "unit_price": "3.00"},
            ],
        )
        self.import_orders([order], raise_on_error=True)
        sale = self.sale_of("1013")
        placeholder = self.env.ref("store_connector_base.product_store_placeholder")
        line = sale.order_line.filtered(lambda line: line.product_id == placeholder)
        self.assertEqual((line.product_uom_qty, line.price_unit), (2.0, 3.0))
        self.assertIn("GHOST-1", line.name)
        self.assertEqual(sale.amount_total, 18.5)
        self.assertTrue(
            any("GHOST-1" in (m.body or "") and "placeholder" in (m.body or "") for m in sale.message_ids)
        )

    def test_ambiguous_sku_fails(self):
        self.env["product.product"].create({"name": "Mug bis", "default_code": "MUG"})
        with self.assertRaisesRegex(PermanentJobError, "several products have the SKU MUG"):
            self.import_orders([self.make_order("1014")], raise_on_error=True)

    def test_invalid_data_names_the_field(self):
        order = self.make_order("1015")
        order["lines"][0]["quantity"] = "-1"
        with self.assertRaisesRegex(PermanentJobError, r"lines\[0\]\.quantity: must be at least 0"):
            self.import_orders([order], raise_on_error=True)
        order = self.make_order("1015")
        del order["updated_at"]
        with self.assertRaisesRegex(PermanentJobError, "updated_at: is required"):
            self.import_orders([order], raise_on_error=True)

    def test_inactive_currency_is_refused_clearly(self):
        with self.assertRaisesRegex(PermanentJobError, "currency EUR is not active"):
            self.import_orders([self.make_order("1016", currency="EUR")], raise_on_error=True)

    def test_order_in_a_pricelist_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        pricelist = self.env["product.pricelist"].create({"name": "EUR web", "currency_id": eur.id})
        self.import_orders([self.make_order("1017", currency="EUR")], raise_on_error=True)
        sale = self.sale_of("1017")
        self.assertEqual((sale.pricelist_id, sale.currency_id), (pricelist, eur))
        self.assertEqual(sale.amount_total, 25.0)

    def test_orders_pull_permission_is_respected(self):
        self.store.allow_orders_pull = False
        with self.assertRaises(OperationNotPermitted):
            self.import_orders([self.make_order("1018")])

    def test_payment_mapping(self):
        term = self.env["account.payment.term"].create({"name": "Paid online"})
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        self.env["store.payment.method.map"].create(
            {
                "store_id": self.store.id,
                "gateway": "stripe",
                "payment_term_id": term.id,
                "journal_id": journal.id,
            }
        )
        self.import_orders([self.make_order("1019"), self.make_order("1020", payment_method="cod")])
        self.assertEqual(self.sale_of("1019").payment_term_id, term)
        self.assertEqual(self.binding_of("1019").payment_journal_id, journal)
        self.assertEqual(self.binding_of("1019").payment_method, "stripe")
        self.assertNotEqual(self.sale_of("1020").payment_term_id, term)
        self.assertFalse(self.binding_of("1020").payment_journal_id)

    def test_event_hook_is_called_on_create_and_update(self):
        calls = []
        original = type(self.store)._event_order_received_from_store

        def spy(store, order, binding):
            calls.append((order.id, binding.external_id, binding.platform_status))
            return original(store, order, binding)

        self.patch(type(self.store), "_event_order_received_from_store", spy)
        self.import_orders([self.make_order("1021")])
        self.import_orders([self.make_order("1021", status="processing", updated=self.later(1))])
        sale = self.sale_of("1021")
        self.assertEqual(calls, [(sale.id, "1021", "pending"), (sale.id, "1021", "processing")])


class TestStatusMapping(OrderPipelineCase):
    def test_neutral_default_mapping(self):
        inbound = self.store._get_inbound_status_map()
        self.assertEqual(inbound["processing"], "processing")
        self.assertEqual(inbound["cancelled"], "cancelled")
        self.assertEqual(self.store._map_stage_to_platform("shipped"), "shipped")

    def test_edited_mapping_drives_auto_confirm(self):
        self.store.order_auto_confirm = True
        self.env["store.order.status.map"].create(
            {
                "store_id": self.store.id,
                "direction": "inbound",
                "platform_status": "paid",
                "stage": "confirmed",
            }
        )
        self.import_orders(
            [self.make_order("2001", status="PAID"), self.make_order("2002", status="pending")]
        )
        self.assertEqual(self.sale_of("2001").state, "sale")
        self.assertEqual(self.binding_of("2001").platform_stage, "confirmed")
        self.assertEqual(self.sale_of("2002").state, "draft")
        # An unmapped status changes nothing.
        self.import_orders([self.make_order("2003", status="weird")])
        self.assertFalse(self.binding_of("2003").platform_stage)
        self.assertEqual(self.sale_of("2003").state, "draft")

    def test_without_auto_confirm_orders_stay_quotations(self):
        self.store.order_auto_confirm = False
        self.import_orders([self.make_order("2004", status="processing")])
        self.assertEqual(self.sale_of("2004").state, "draft")

    def test_duplicate_inbound_status_is_refused(self):
        with self.assertRaisesRegex(Exception, "maps platform status processing twice"):
            self.env["store.order.status.map"].create(
                {
                    "store_id": self.store.id,
                    "direction": "inbound",
                    "platform_status": "processing",
                    "stage": "shipped",
                }
            )

    def test_platform_default_status_table(self):
        # A platform addon's own status table (WooCommerce's is tested in its addon) drives the
        # import of a new store's orders, and stays editable and resettable per store.
        table = {
            "inbound": [("on-hold", "pending"), ("processing", "processing"), ("completed", "delivered"),
                        ("failed", "cancelled")],
            "outbound": [("confirmed", "processing"), ("delivered", "completed")],
        }
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_default_status_mapping", lambda self, store: table):
            woo = self.env["connector.store"].create(
                {
                    "name": "Woo-like",
                    "platform": "test",
                    "company_id": self.company.id,
                    "order_prefix": "WC-",
                    "order_auto_confirm": True,
                }
            )
            inbound = woo._get_inbound_status_map()
            self.assertEqual(inbound, dict(table["inbound"]))
            self.assertEqual(woo._map_stage_to_platform("confirmed"), "processing")
            self.assertEqual(woo._map_stage_to_platform("delivered"), "completed")
            self.assertFalse(woo._map_stage_to_platform("shipped"), "an unmapped stage sets nothing")
            importer = self.env["store.order.importer"]
            importer._import_orders(
                woo,
                [
                    self.make_order("12345", status="on-hold"),
                    self.make_order("12346", status="processing"),
                    self.make_order("12347", status="failed"),
                ],
                raise_on_error=True,
            )
            self.assertEqual(self.sale_of("12345", woo).state, "draft")
            self.assertEqual(self.sale_of("12345", woo).client_order_ref, "WC-N12345")
            self.assertEqual(self.sale_of("12346", woo).state, "sale")
            self.assertEqual(self.sale_of("12347", woo).state, "cancel")
            # Editable per store and resettable to the defaults.
            woo.order_status_map_ids.filtered(lambda m: m.platform_status == "on-hold").stage = "confirmed"
            self.assertEqual(woo._get_inbound_status_map()["on-hold"], "confirmed")
            woo.action_reset_status_mapping()
            self.assertEqual(woo._get_inbound_status_map()["on-hold"], "pending")
