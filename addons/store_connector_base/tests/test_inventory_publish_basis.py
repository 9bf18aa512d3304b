"""Issue #8, "Publish what can be sold, not what is on the shelf": the store's publish basis, then
its safety stock, never below zero."""

from .common_products import ProductSyncCase


class PublishBasisCase(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False
        cls.store._publish_products(cls.mug)
        cls.customer = cls.env["res.partner"].create({"name": "Basis Customer"})
        # Deliveries wait for someone to press Check Availability: a confirmed order reserves nothing.
        cls.warehouse.out_type_id.reservation_method = "manual"

    def confirmed_order(self, product, quantity):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": quantity})],
        })
        order.action_confirm()
        return order

    def open_move(self, product, quantity, source, destination, reserve=False):
        """A confirmed stock move (not done), reserved or not."""
        move = self.env["stock.move"].create({
            "name": "open move", "product_id": product.id, "product_uom_qty": quantity,
            "product_uom": product.uom_id.id, "location_id": source.id, "location_dest_id": destination.id,
        })
        move._action_confirm()
        if reserve:
            move._action_assign()
        return move

    def published(self, product=None):
        product = product or self.mug
        return self.store._published_quantities(product)[product.id]


class TestPublishBasis(PublishBasisCase):
    def test_default_basis_holds_back_a_confirmed_order_not_reserved_yet(self):
        self.assertEqual(self.store.inventory_publish_basis, "sellable")
        self.set_stock(self.mug, 25)
        order = self.confirmed_order(self.mug, 8)
        move = order.picking_ids.move_ids
        self.assertEqual((move.state, move.quantity), ("confirmed", 0.0), "the delivery reserved nothing")
        self.assertEqual(self.mug.with_context(location=self.stock_location.id).free_qty, 25)
        self.assertEqual(self.published(), 17, "25 on hand, 8 promised to a confirmed order: 17 can be sold")
        # What the inventory job sends, too.
        self.store._enqueue_inventory_sync()
        for job in self.pending_jobs(operation="inventory.sync"):  # the confirmation's, Sync Inventory's
            self.run_job(job)
        self.assertTrue(self.recorder.of("update_inventory"))
        for _store, items in self.recorder.of("update_inventory"):
            self.assertEqual(items, [{"sku": "MUG-1", "quantity": 17, "external_ids": {}}])
        # Reserving the delivery changes nothing: the 8 are reserved instead of awaited.
        order.picking_ids.action_assign()
        self.assertEqual(move.quantity, 8)
        self.assertEqual(self.published(), 17)
        # Cancelled, the order needs nothing any more.
        order._action_cancel()
        self.assertEqual(self.published(), 25)

    def test_partly_reserved_delivery_counts_once(self):
        self.set_stock(self.mug, 5)
        order = self.confirmed_order(self.mug, 8)
        order.picking_ids.action_assign()
        move = order.picking_ids.move_ids
        self.assertEqual((move.state, move.quantity), ("partially_available", 5.0))
        self.set_stock(self.mug, 25)
        # 5 reserved, 3 awaited: 25 - 5 - 3
        self.assertEqual(self.published(), 17)

    def test_two_step_delivery_counts_the_demand_once(self):
        self.warehouse.delivery_steps = "pick_ship"
        self.warehouse.pick_type_id.reservation_method = "manual"
        self.set_stock(self.mug, 25)
        order = self.confirmed_order(self.mug, 8)
        pick = order.picking_ids
        self.assertEqual(pick.location_dest_id, self.warehouse.wh_output_stock_loc_id)
        self.assertEqual(self.published(), 17)
        # Picked: the 8 wait in the output location for the ship step, outside the published stock.
        pick.action_assign()
        pick.move_ids.picked = True
        pick._action_done()
        self.assertEqual(pick.state, "done")
        ship = order.picking_ids - pick
        self.assertEqual(ship.move_ids.product_uom_qty, 8)
        self.assertEqual(self.published(), 17)

    def test_moves_between_published_locations_and_drafts_are_no_demand(self):
        shelf = self.env["stock.location"].create({"name": "Shelf", "location_id": self.stock_location.id})
        self.set_stock(self.mug, 25)
        self.open_move(self.mug, 4, self.stock_location, shelf)
        self.env["stock.move"].create({
            "name": "draft", "product_id": self.mug.id, "product_uom_qty": 6,
            "product_uom": self.mug.uom_id.id,
            "location_id": self.stock_location.id, "location_dest_id": self.customer_location.id,
        })
        self.assertEqual(self.published(), 25)
        # With the shelf alone published, the move to it is incoming, the stock location's is not counted.
        self.store.location_ids = shelf
        self.assertEqual(self.published(), 0)
        self.store.inventory_publish_basis = "forecast"
        self.assertEqual(self.published(), 4)

    def test_each_basis(self):
        self.set_stock(self.mug, 25)
        self.open_move(self.mug, 5, self.stock_location, self.customer_location, reserve=True)
        self.confirmed_order(self.mug, 8)
        self.open_move(self.mug, 10, self.supplier_location, self.stock_location)
        expected = {"on_hand": 25, "free": 20, "sellable": 12, "forecast": 22}
        for basis, quantity in expected.items():
            with self.subTest(basis=basis):
                self.store.inventory_publish_basis = basis
                self.assertEqual(self.published(), quantity)
                # An import of a platform quantity of 30 adds what makes the store publish 30.
                self.assertEqual(self.store._platform_stock_change(self.mug, self.stock_location, 30),
                                 30 - quantity)
        # Forecasted is Odoo's own forecast of the published locations.
        self.assertEqual(self.mug.with_context(location=self.stock_location.id).virtual_available, 22)
        # A product with stock on the way only.
        self.open_move(self.red, 3, self.supplier_location, self.stock_location)
        self.assertEqual(self.published(self.red), 3)
        self.store.inventory_publish_basis = "sellable"
        self.assertEqual(self.published(self.red), 0)

    def test_safety_stock_rounding_and_never_negative(self):
        self.set_stock(self.mug, 25)
        self.confirmed_order(self.mug, 8)
        self.store.safety_stock = 2.5
        self.assertEqual(self.published(), 14, "17 - 2.5, rounded down")
        self.store.safety_stock = 0
        self.confirmed_order(self.mug, 30)
        self.assertEqual(self.published(), 0, "more ordered than on hand: 0, not -13")
        for basis in ("on_hand", "free", "forecast"):
            with self.subTest(basis=basis):
                self.store.inventory_publish_basis = basis
                self.store.safety_stock = 40
                self.assertEqual(self.published(), 0)

    def test_published_quantities_of_given_locations(self):
        shelf = self.env["stock.location"].create(
            {"name": "Other shelf", "usage": "internal", "location_id": self.warehouse.view_location_id.id}
        )
        self.set_stock(self.mug, 25)
        self.set_stock(self.mug, 4, shelf)
        self.confirmed_order(self.mug, 8)
        self.assertEqual(self.store._published_quantities(self.mug, locations=shelf), {self.mug.id: 4},
                         "the order leaves the stock location, not the shelf")
        self.assertEqual(
            self.store._published_quantities(self.mug, locations=self.stock_location), {self.mug.id: 17}
        )
        both = shelf | self.stock_location
        self.assertEqual(self.store._published_quantities(self.mug | self.red, locations=both),
                         {self.mug.id: 21, self.red.id: 0})


class TestDemandChangesArePublished(PublishBasisCase):
    """What can be sold changes when an order is confirmed or cancelled, though no stock moved: the
    stores that publish it are told then, not at the next stock move."""

    def setUp(self):
        super().setUp()
        self.set_stock(self.mug, 25)
        self.env["sync.job"].search([("store_id", "in", (self.store | self.other_store).ids)]).unlink()

    def test_confirming_and_cancelling_an_order_queue_the_stock_update(self):
        order = self.confirmed_order(self.mug, 8)
        job = self.pending_jobs(operation="inventory.sync")
        self.assertEqual(job.identity_key, "inventory:MUG-1", "confirmed: 17 can be sold, the shop is told")
        self.run_job(job)
        self.assertEqual(self.recorder.of("update_inventory")[-1][1][0]["quantity"], 17)
        order._action_cancel()
        job = self.pending_jobs(operation="inventory.sync")
        self.assertTrue(job, "cancelled: 25 can be sold again, the shop is told")
        self.run_job(job)
        self.assertEqual(self.recorder.of("update_inventory")[-1][1][0]["quantity"], 25)

    def test_a_store_publishing_free_stock_is_not_told(self):
        self.store.inventory_publish_basis = "free"
        self.confirmed_order(self.mug, 8)
        self.assertFalse(self.pending_jobs(operation="inventory.sync"), "free stock did not change")

    def test_platform_quotations_awaiting_payment_count_as_demand(self):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [(0, 0, {"product_id": self.mug.id, "product_uom_qty": 3})],
        })
        self.assertEqual(self.published(), 25, "a quotation of Odoo's own sales team is no demand")
        self.env["store.order.binding"].sudo().create({
            "store_id": self.other_store.id, "external_id": "Q-1", "order_id": order.id,
        })
        self.assertEqual(order.store_id, self.other_store)
        self.assertEqual(self.published(), 22, "the platform committed the 3 units of its pending order")
        order._action_cancel()
        self.assertEqual(self.published(), 25)
        self.assertTrue(self.pending_jobs(operation="inventory.sync"), "cancelling it is published")
