import psycopg2.errors

from odoo.tools import mute_logger

from .common_products import ProductSyncCase


class TestFulfillment(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.write({"allow_orders_push": True, "auto_sync_inventory": False})
        # The store's outbound status mapping names the platform statuses of the fulfillment stages.
        for line in cls.store.order_status_map_ids.filtered(lambda line: line.direction == "outbound"):
            line.platform_status = f"test-{line.stage}"
        cls.customer = cls.env["res.partner"].create({"name": "Store Customer"})
        cls.carrier = cls.env["delivery.carrier"].create({
            "name": "SC Express",
            "delivery_type": "fixed",
            "fixed_price": 5.0,
            "tracking_url": "https://track.example.com/?n=<shipmenttrackingnumber>",
            "product_id": cls.env["product.product"].create({"name": "SC shipping", "type": "service"}).id,
        })

    def setUp(self):
        super().setUp()
        self.set_stock(self.mug, 20)
        self.set_stock(self.red, 20)

    def imported_order(self, lines, store=None):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [
                (0, 0, {"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
            ],
        })
        self.env["store.order.binding"].create({
            "store_id": (store or self.store).id, "order_id": order.id, "external_id": f"EXT-{order.id}",
            # As the import leaves a paid order (confirming it here sends no status back).
            "platform_stage": "processing",
        })
        order.action_confirm()
        return order

    def ship(self, picking, quantities, tracking="TRK123"):
        """Validate `picking` delivering {product: quantity}; the rest goes to a backorder."""
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0)
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")

    def test_delivery_done_enqueues_and_runs_fulfillment(self):
        order = self.imported_order([(self.mug, 2), (self.red, 1)])
        picking = order.picking_ids
        self.ship(picking, {self.mug: 2, self.red: 1})
        job = self.pending_jobs(operation="orders.fulfillment")
        self.assertEqual((len(job), job.model_name, job.res_ids), (1, "stock.picking", picking.ids))
        self.assertEqual(job.identity_key, f"fulfillment:{picking.id}")
        self.run_job(job)
        [(store_id, call)] = self.recorder.of("push_fulfillment")
        self.assertEqual(store_id, self.store.id)
        self.assertEqual(call["order"], f"EXT-{order.id}")
        fulfillment = call["fulfillment"]
        self.assertEqual(fulfillment["carrier"], "SC Express")
        self.assertEqual(fulfillment["tracking_number"], "TRK123")
        self.assertEqual(fulfillment["tracking_url"], "https://track.example.com/?n=TRK123")
        self.assertTrue(fulfillment["notify_customer"])
        self.assertEqual(
            sorted((line["sku"], line["quantity"]) for line in fulfillment["lines"]),
            [("MUG-1", 2.0), ("TS-RED", 1.0)],
        )
        self.assertEqual(picking.store_fulfillment_ref, "F1")
        # then the mapped status, in its own job
        status_job = self.pending_jobs(operation="orders.status")
        self.assertEqual(status_job.payload, {"status": "test-shipped", "stage": "shipped"})
        self.run_job(status_job)
        self.assertEqual(self.recorder.of("update_order_status"),
                         [(self.store.id, {"order": f"EXT-{order.id}", "status": "test-shipped"})])

    def test_partial_delivery_sends_only_what_shipped(self):
        order = self.imported_order([(self.mug, 5)])
        picking = order.picking_ids
        self.ship(picking, {self.mug: 2}, tracking="PART-1")
        self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        fulfillment = self.recorder.of("push_fulfillment")[0][1]["fulfillment"]
        self.assertEqual([(line["sku"], line["quantity"]) for line in fulfillment["lines"]], [("MUG-1", 2.0)])
        # What a platform without fulfillments of its own (a note on the order) needs: the delivery's
        # name to find what it already sent, its date, and whether the order is now complete.
        self.assertEqual(fulfillment["reference"], picking.name)
        self.assertEqual(fulfillment["shipped_on"], str(picking.date_done.date()))
        self.assertFalse(fulfillment["order_complete"])
        status_job = self.pending_jobs(operation="orders.status")
        self.assertEqual(status_job.payload["status"], "test-processing",
                         "part of the order is still to ship")
        # the backorder ships the rest, as its own fulfillment
        backorder = order.picking_ids - picking
        self.assertEqual(len(backorder), 1)
        self.ship(backorder, {self.mug: 3}, tracking="PART-2")
        self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        second = self.recorder.of("push_fulfillment")[1][1]["fulfillment"]
        self.assertEqual([(line["sku"], line["quantity"]) for line in second["lines"]], [("MUG-1", 3.0)])
        self.assertEqual(second["tracking_number"], "PART-2")
        self.assertTrue(second["order_complete"])
        self.assertEqual(self.pending_jobs(operation="orders.status").payload["status"], "test-shipped")

    def test_lines_of_another_order_are_not_sent_with_a_delivery(self):
        """A delivery of order X carrying a move linked to a line of order Y (added by hand, or by a
        merge of deliveries) must not report Y's platform line as shipped on X's fulfillment."""
        order_x = self.imported_order([(self.mug, 2)])
        order_y = self.imported_order([(self.red, 1)])
        order_y.order_line.store_external_line_id = "LINE-OF-Y"
        picking = order_x.picking_ids
        self.env["stock.move"].create({
            "name": "Red shirt of another order", "picking_id": picking.id,
            "product_id": self.red.id, "product_uom_qty": 1, "product_uom": self.red.uom_id.id,
            "location_id": picking.location_id.id, "location_dest_id": picking.location_dest_id.id,
            "sale_line_id": order_y.order_line.id,
        })._action_confirm()
        self.ship(picking, {self.mug: 2, self.red: 1})
        self.run_job(self.pending_jobs(operation="orders.fulfillment").filtered(
            lambda job: job.res_ids == picking.ids))
        [(_store_id, call)] = self.recorder.of("push_fulfillment")
        self.assertEqual(call["order"], f"EXT-{order_x.id}")
        self.assertEqual(call["fulfillment"]["lines"],
                         [{"external_line_id": "", "sku": "MUG-1", "name": "[MUG-1] SC Mug",
                           "quantity": 2.0}])

    def test_no_tracking_url_without_carrier(self):
        order = self.imported_order([(self.mug, 1)])
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = 1
            move.picked = True
        picking.button_validate()
        self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        fulfillment = self.recorder.of("push_fulfillment")[0][1]["fulfillment"]
        self.assertEqual(
            (fulfillment["carrier"], fulfillment["tracking_number"], fulfillment["tracking_url"]),
            ("", "", ""),
        )

    def test_orders_not_imported_or_not_permitted_get_no_job(self):
        plain = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "order_line": [(0, 0, {"product_id": self.mug.id, "product_uom_qty": 1})],
        })
        plain.action_confirm()
        self.ship(plain.picking_ids, {self.mug: 1})
        self.assertFalse(self.pending_jobs(operation="orders.fulfillment"))
        self.store.allow_orders_push = False
        order = self.imported_order([(self.mug, 1)])
        self.ship(order.picking_ids, {self.mug: 1})
        self.assertEqual(order.picking_ids.state, "done", "the warehouse is never blocked")
        self.assertFalse(self.pending_jobs(operation="orders.fulfillment"))
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "orders.fulfillment")
        self.assertIn("was not sent to the store", log.message)

    def test_fulfillment_is_not_sent_twice(self):
        order = self.imported_order([(self.mug, 1)])
        self.ship(order.picking_ids, {self.mug: 1})
        job = self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        job.write({"state": "pending"})  # run again (e.g. by hand, or after a lost commit)
        self.run_job(job)
        self.assertIn("already sent", job.result)
        self.assertEqual(len(self.recorder.of("push_fulfillment")), 1)

    def test_no_status_job_when_the_store_maps_no_status(self):
        self.store.order_status_map_ids.filtered(
            lambda line: line.direction == "outbound" and line.stage in ("processing", "shipped")
        ).unlink()
        order = self.imported_order([(self.mug, 1)])
        self.ship(order.picking_ids, {self.mug: 1})
        self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        self.assertEqual(len(self.recorder.of("push_fulfillment")), 1)
        self.assertFalse(self.pending_jobs(operation="orders.status"))

    def test_store_order_binding_lookup(self):
        order = self.imported_order([(self.mug, 1)])
        self.assertEqual(order._store_order_binding().external_id, f"EXT-{order.id}")
        self.assertFalse(self.env["sale.order"].browse()._store_order_binding())

    def test_imported_order_ships_its_platform_lines(self):
        """An order of the order pipeline: its lines matched through the product bindings, the
        platform's line ids sent back with the fulfillment."""
        self.store._publish_products(self.mug)
        # Another product with the same reference: the one bound to the store is the one it sells.
        self.env["product.product"].create({"name": "Old mug", "default_code": "MUG-1"})
        currency = self.env.company.currency_id.name
        order = {
            "id": "W-500", "number": "500", "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-01T10:00:00Z", "currency": currency, "status": "processing",
            "customer": {"email": "buyer@example.com", "first_name": "Ann", "last_name": "Buyer"},
            "lines": [{"id": "LINE-77", "sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "8.50"}],
            "total": "17.00",
        }
        result = self.env["store.order.importer"]._import_orders(self.store, [order], raise_on_error=True)
        sale = self.env["sale.order"].browse(result["created"])
        self.assertEqual(sale.store_id, self.store)
        self.assertEqual(sale.order_line.product_id, self.mug)
        self.assertEqual(sale.order_line.store_external_line_id, "LINE-77")
        self.assertEqual(sale.state, "sale", "stores confirm paid orders by default")
        self.ship(sale.picking_ids, {self.mug: 2})
        self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        [(_store_id, call)] = self.recorder.of("push_fulfillment")
        self.assertEqual(call["order"], "W-500")
        self.assertEqual(call["fulfillment"]["lines"],
                         [{"external_line_id": "LINE-77", "sku": "MUG-1", "name": "Mug", "quantity": 2.0}])
        self.run_job(self.pending_jobs(operation="orders.status"))
        self.assertEqual(self.recorder.of("update_order_status"),
                         [(self.store.id, {"order": "W-500", "status": "test-shipped"})])

    # ------------------------------------------------------------------ carrier mapping
    # The store's carrier mapping (store.carrier.map) names the carrier of a fulfillment as the
    # platform knows it; a platform that only knows its codes refuses an unmapped carrier.
    def map_carrier(self, platform_carrier, store=None, carrier=None):
        return self.env["store.carrier.map"].create({
            "store_id": (store or self.store).id,
            "carrier_id": (carrier or self.carrier).id,
            "platform_carrier": platform_carrier,
        })

    def ship_and_run(self, expect="done", tracking="TRK123"):
        order = self.imported_order([(self.mug, 1)])
        picking = order.picking_ids
        self.ship(picking, {self.mug: 1}, tracking=tracking)
        job = self.run_job(self.pending_jobs(operation="orders.fulfillment"), expect=expect)
        return picking, job

    def pushed(self):
        return [call["fulfillment"] for _store_id, call in self.recorder.of("push_fulfillment")]

    def test_mapped_carrier_is_sent_under_the_platform_name(self):
        self.map_carrier("UPS")
        # Another store's mapping of the same carrier is not this store's.
        self.map_carrier("ups-other", store=self.other_store)
        self.ship_and_run()
        [fulfillment] = self.pushed()
        self.assertEqual(
            (fulfillment["carrier"], fulfillment["carrier_name"], fulfillment["carrier_mapped"]),
            ("UPS", "SC Express", True),
        )
        self.assertEqual(fulfillment["tracking_number"], "TRK123")

    def test_unmapped_carrier_goes_by_its_name_where_the_platform_takes_names(self):
        self.map_carrier("ups-other", store=self.other_store)
        self.ship_and_run()
        [fulfillment] = self.pushed()
        self.assertEqual(
            (fulfillment["carrier"], fulfillment["carrier_name"], fulfillment["carrier_mapped"]),
            ("SC Express", "SC Express", False),
        )

    def test_unmapped_carrier_fails_where_the_platform_needs_codes_until_mapped(self):
        self.recorder.carrier_code_required = True
        picking, job = self.ship_and_run(expect="failed")
        self.assertFalse(self.pushed(), "nothing may be sent without the platform's carrier code")
        self.assertIn('"SC Express"', job.last_error)
        self.assertIn("Carrier Mapping", job.last_error)
        self.assertIn(picking.name, job.last_error)
        self.assertFalse(picking.store_fulfillment_ref)
        # The merchant maps the carrier and retries: the delivery goes with the platform's code.
        self.map_carrier(" USPS ")
        job.action_retry()
        self.run_job(job)
        [fulfillment] = self.pushed()
        self.assertEqual((fulfillment["carrier"], fulfillment["carrier_mapped"]), ("USPS", True))
        self.assertEqual(picking.store_fulfillment_ref, "F1")

    def test_tracking_number_without_carrier_fails_where_the_platform_needs_codes(self):
        self.recorder.carrier_code_required = True
        order = self.imported_order([(self.mug, 1)])
        picking = order.picking_ids
        picking.carrier_tracking_ref = "LOOSE-1"
        for move in picking.move_ids:
            move.quantity = 1
            move.picked = True
        picking.button_validate()
        job = self.run_job(self.pending_jobs(operation="orders.fulfillment"), expect="failed")
        self.assertIn("LOOSE-1", job.last_error)
        self.assertIn("no carrier", job.last_error)
        self.assertFalse(self.pushed())

    def test_no_carrier_and_no_tracking_is_sent_where_the_platform_needs_codes(self):
        self.recorder.carrier_code_required = True
        order = self.imported_order([(self.mug, 1)])
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = 1
            move.picked = True
        picking.button_validate()
        self.run_job(self.pending_jobs(operation="orders.fulfillment"))
        [fulfillment] = self.pushed()
        self.assertEqual((fulfillment["carrier"], fulfillment["carrier_mapped"]), ("", False))

    def test_a_carrier_is_mapped_once_per_store(self):
        self.map_carrier("UPS")
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), \
                self.cr.savepoint():
            self.map_carrier("DHL")
