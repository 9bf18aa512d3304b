from unittest.mock import patch

from odoo.tests import tagged

from .common import ShopifySimulatorCase, ShopifySimulatorHttpCase


class ShopifyOrdersMixin:
    @classmethod
    def _setup_orders(cls):
        cls.shirt = cls.env["product.product"].create(
            {"name": "Order Shirt", "default_code": "OS-1", "list_price": 19.9, "is_storable": True}
        )
        cls.cap = cls.env["product.product"].create(
            {"name": "Order Cap", "default_code": "OC-1", "list_price": 9.0, "is_storable": True}
        )
        cls.sim.add_product("Order Shirt", variants=[{"sku": "OS-1", "price": "19.90", "inventory": 50}])
        cls.sim.add_product("Order Cap", variants=[{"sku": "OC-1", "price": "9.00", "inventory": 50}])

    def binding(self, sim_order):
        return self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(sim_order["legacy_id"]))]
        )


@tagged("post_install", "-at_install")
class TestShopifyOrderPull(ShopifyOrdersMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def test_pull_pages_with_taxes_discounts_shipping(self):
        orders = [
            self.sim.add_order(
                [{"sku": "OS-1", "quantity": 2}, {"sku": "OC-1", "quantity": 1}],
                tax_rate="0.2",
                discount_codes=[{"code": "TEN", "amount": "5.00"}],
                email=f"buyer{i}@example.com",
                shipping_lines=[{"title": "Standard", "price": "4.90"}],
            )
            for i in range(11)
        ]
        self.store._enqueue_order_pull()
        self.run_queue()
        first = self.binding(orders[0])
        self.assertTrue(first.order_id, "imported")
        sale = first.order_id
        self.assertAlmostEqual(sale.amount_total, float(orders[0]["total"]), places=2)
        self.assertEqual(
            set(sale.order_line.product_id.mapped("default_code")) & {"OS-1", "OC-1"}, {"OS-1", "OC-1"}
        )
        self.assertEqual(first.platform_status, "paid")
        self.assertEqual(first.platform_stage, "processing", "Shopify's status table: paid means processing")
        self.assertEqual(
            len(self.env["store.order.binding"].search([("store_id", "=", self.store.id)])),
            11,
            "11 orders over four pages of 3",
        )
        pulls = [c for c in self.sim.calls if c.get("operation_name") == "ConnectorOrders"]
        self.assertEqual(len(pulls), 4)


@tagged("post_install", "-at_install")
class TestShopifyLongOrder(ShopifyOrdersMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def test_long_order_fetches_all_lines(self):
        order = self.sim.add_order(
            [{"sku": "OS-1" if i % 2 else "OC-1", "quantity": 1} for i in range(25)], email="long@example.com"
        )
        self.store._enqueue_order_pull()
        self.run_queue()
        sale = self.binding(order).order_id
        self.assertEqual(
            sum(
                sale.order_line.filtered(lambda line: line.product_id in (self.shirt | self.cap)).mapped(
                    "product_uom_qty"
                )
            ),
            25,
        )
        self.assertAlmostEqual(sale.amount_total, float(order["total"]), places=2)
        self.assertTrue([c for c in self.sim.calls if c.get("operation_name") == "ConnectorOrderLines"])


@tagged("post_install", "-at_install")
class TestShopifyCustomers(ShopifySimulatorCase):
    def test_export_and_import_customers(self):
        adapter = self.env["store.adapter.shopify"]
        created = adapter._export_customer(
            self.store, {"email": "new.client@example.com", "first_name": "New", "last_name": "Client"}
        )
        self.assertTrue(created["id"])
        adapter._export_customer(
            self.store, {"id": created["id"], "email": "new.client@example.com", "first_name": "Renamed"}
        )
        page = adapter._import_customers(self.store)
        [mine] = [c for c in page["records"] if c["id"] == created["id"]]
        self.assertEqual(
            (mine["email"], mine["first_name"], mine["last_name"]),
            ("new.client@example.com", "Renamed", "Client"),
        )


@tagged("post_install", "-at_install")
class TestShopifyCustomerPipeline(ShopifyOrdersMixin, ShopifySimulatorCase):
    store_vals = {"auto_sync_customers": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def test_bound_contact_changes_go_to_shopify(self):
        customer = self.sim.add_customer(email="loyal@example.com", first_name="Loyal", last_name="Buyer")
        self.sim.add_order([{"sku": "OS-1", "quantity": 1}], customer=customer)
        self.store._enqueue_order_pull()
        self.run_queue()
        binding = self.env["store.customer.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(binding.external_id, str(customer["legacy_id"]))
        binding.partner_id.name = "Loyal Customer"
        self.run_queue()
        data = self.client().query(
            "query($id: ID!) { customer(id: $id) { firstName lastName } }", {"id": customer["id"]}
        )
        self.assertEqual(data["customer"], {"firstName": "Loyal", "lastName": "Customer"})


@tagged("post_install", "-at_install")
class TestShopifyOrderWebhooks(ShopifyOrdersMixin, ShopifySimulatorHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def setUp(self):
        super().setUp()
        self.store._get_adapter()._register_webhooks(self.store)

    def deliver(self):
        self.sim.flush_webhooks()
        self.run_queue()

    def test_create_update_cancel_refund(self):
        self.store.refund_policy = "activity"  # the refund as an activity (credit notes: the base's tests)
        order = self.sim.add_order(
            [{"sku": "OS-1", "quantity": 1}, {"sku": "OC-1", "quantity": 2}],
            tax_rate="0.1",
            email="web@example.com",
        )
        self.deliver()
        binding = self.binding(order)
        self.assertTrue(binding.order_id)
        self.assertEqual(binding.platform_status, "paid")
        self.sim.advance(60)
        self.sim.refund_order(order["id"], lines=[("OC-1", 1)], note="damaged")
        self.deliver()
        activity = binding.order_id.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("Shopify refund", activity.summary)
        self.assertIn("OC-1 x 1", activity.note)
        self.sim.advance(60)
        self.sim.cancel_order(order["id"])
        self.deliver()
        self.assertEqual(binding.platform_status, "cancelled")
        self.assertEqual(binding.platform_stage, "cancelled")

    def test_out_of_order_and_duplicates(self):
        order = self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email="late@example.com")
        self.sim.advance(60)
        self.sim.cancel_order(order["id"])
        pending = self.sim.pending_webhooks
        self.assertTrue(pending)
        # Deliver the newest first (the cancellation), then everything again in the original order.
        self.sim.webhooks.pending.reverse()
        self.deliver()
        binding = self.binding(order)
        self.assertEqual(
            binding.platform_status, "cancelled", "an older payload never overwrites a newer one"
        )


@tagged("post_install", "-at_install")
class TestShopifyOrderWebhookBatch(ShopifyOrdersMixin, ShopifySimulatorHttpCase):
    """Order deliveries due together import in one call of the importer (sync.job batches)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()
        cls.sim.add_product("Ghost", variants=[{"sku": "GHOST-1", "price": "5.00", "inventory": 5}])

    def setUp(self):
        super().setUp()
        self.store._get_adapter()._register_webhooks(self.store)
        importer = type(self.env["store.order.importer"])
        self.import_calls = []
        original = importer._import_orders

        def counting(this, store, orders, raise_on_error=False):
            self.import_calls.append(len(orders))
            return original(this, store, orders, raise_on_error=raise_on_error)

        patcher = patch.object(importer, "_import_orders", counting)
        patcher.start()
        self.addCleanup(patcher.stop)

    def order_jobs(self):
        deliveries = self.env["store.webhook.delivery"].search(
            [("store_id", "=", self.store.id), ("topic", "=", "orders/create")]
        )
        return deliveries.job_id

    def test_batch_of_good_deliveries_imports_all_at_once(self):
        orders = [
            self.sim.add_order([{"sku": "OS-1", "quantity": 1}, {"sku": "OC-1", "quantity": 2}],
                               email=f"batch{i}@example.com")
            for i in range(3)
        ]
        self.sim.flush_webhooks()
        self.run_queue()
        for order in orders:
            binding = self.binding(order)
            self.assertTrue(binding.order_id, "imported")
        jobs = self.order_jobs()
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        for job in jobs:
            self.assertIn('"created": [', job.result)
        self.assertIn(3, self.import_calls, "the three orders imported in one call")

    def test_one_bad_delivery_fails_alone(self):
        good = [
            self.sim.add_order([{"sku": "OS-1", "quantity": 1}], email=f"good{i}@example.com")
            for i in range(2)
        ]
        bad = self.sim.add_order([{"sku": "GHOST-1", "quantity": 1}], email="bad@example.com")
        self.sim.flush_webhooks()
        self.run_queue()
        for order in good:
            self.assertTrue(self.binding(order).order_id, "imported")
        self.assertFalse(self.binding(bad))
        self.assertIn(3, self.import_calls, "tried together first")
        jobs = self.order_jobs()
        self.assertEqual(len(jobs), 3)
        failed = jobs.filtered(lambda job: job.state == "failed")
        self.assertEqual(len(failed), 1)
        self.assertIn("GHOST-1", failed.last_error)
        self.assertEqual(failed.error_kind, "permanent")
        self.assertEqual(set((jobs - failed).mapped("state")), {"done"})
        orders_of_bad = self.env["sale.order"].search([("partner_id.email", "=", "bad@example.com")])
        self.assertEqual(len(orders_of_bad), 0)


class ShopifyShippedMixin(ShopifyOrdersMixin):
    """Orders fulfilled (wholly or partly) in Shopify's admin before or after they reach Odoo."""

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

    def paid_order(self, email):
        return self.sim.add_order(
            [{"sku": "OS-1", "quantity": 3}, {"sku": "OC-1", "quantity": 1}],
            financial_status="PAID",
            email=email,
        )


@tagged("post_install", "-at_install")
class TestShopifyShippedOnShopifyPull(ShopifyShippedMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def test_pulled_order_partly_fulfilled_on_shopify(self):
        order = self.paid_order("pulled@example.com")
        self.sim.fulfill_order(
            order["id"],
            tracking={"number": "1ZPULL", "company": "UPS", "url": "https://ups.example/1ZPULL"},
            lines=[("OS-1", 2)],
        )
        self.store._enqueue_order_pull()
        self.run_queue()
        sale = self.binding(order).order_id
        self.assertEqual(sale.state, "sale")
        done = self.deliveries(sale)[0]
        self.assertEqual(self.done_quantities(sale), {"OS-1": 2})
        self.assertEqual(done.carrier_tracking_ref, "1ZPULL")
        self.assertEqual(self.open_quantities(sale), {"OS-1": 1, "OC-1": 1})
        self.assertFalse(self.env["sync.job"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "orders.fulfillment")]))
        # Odoo ships the rest: Shopify receives only those units, as a second fulfillment.
        backorder = self.deliveries(sale)[1]
        for move in backorder.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        backorder.with_context(skip_sms=True).button_validate()
        self.run_queue()
        summary = self.sim.order(order["id"])
        self.assertEqual(summary["fulfillment_status"], "FULFILLED")
        self.assertEqual(len(summary["fulfillments"]), 2, "Shopify's own, then Odoo's for the rest")
        self.assertEqual([li["fulfilled"] for li in summary["line_items"]], [3, 1], "nothing shipped twice")

    def test_full_sync_maps_shipped_quantities(self):
        order = self.paid_order("bulk@example.com")
        self.sim.fulfill_order(order["id"], tracking={"number": "1ZBULK", "company": "DHL", "url": None})
        adapter = self.env["store.adapter.shopify"]
        query = adapter._shopify_bulk_queries(self.store)["orders"]
        self.assertIn("unfulfilledQuantity", query)
        self.store.action_full_sync()
        self.run_queue()
        self.sim.complete_bulk_operations()
        for event in self.sim.events:
            if event["topic"] == "bulk_operations/finish":
                adapter._shopify_webhook_bulk_finish(self.store, None, event["payload"])
        for _round in range(5):
            if not self.run_queue():
                break
        sale = self.binding(order).order_id
        self.assertTrue(sale, "imported by the full sync")
        self.assertEqual(self.done_quantities(sale), {"OS-1": 3, "OC-1": 1})
        self.assertEqual(self.deliveries(sale).carrier_tracking_ref, "1ZBULK")


@tagged("post_install", "-at_install")
class TestShopifyShippedOnShopifyWebhooks(ShopifyShippedMixin, ShopifySimulatorHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()

    def setUp(self):
        super().setUp()
        self.store._get_adapter()._register_webhooks(self.store)

    def deliver(self):
        self.sim.flush_webhooks()
        self.run_queue()

    def test_fulfilled_on_shopify_after_the_import(self):
        order = self.paid_order("hooked@example.com")
        self.deliver()
        sale = self.binding(order).order_id
        self.assertEqual(self.open_quantities(sale), {"OS-1": 3, "OC-1": 1})
        self.sim.advance(60)
        self.sim.fulfill_order(order["id"], tracking={"number": "1ZHOOK", "company": "UPS", "url": None},
                               lines=[("OC-1", 1)])
        self.deliver()
        self.assertEqual(self.done_quantities(sale), {"OC-1": 1})
        self.assertEqual(self.deliveries(sale)[0].carrier_tracking_ref, "1ZHOOK")
        # The rest, later: validated once, whatever the number of webhooks that say so.
        self.sim.advance(60)
        self.sim.fulfill_order(order["id"], tracking={"number": "1ZHOOK2", "company": "UPS", "url": None})
        self.deliver()
        self.assertEqual(self.done_quantities(sale), {"OC-1": 1, "OS-1": 3})
        self.assertFalse(self.open_quantities(sale))
        self.assertEqual(self.deliveries(sale).mapped("carrier_tracking_ref"), ["1ZHOOK", "1ZHOOK2"])
        # Nothing was sent back: Shopify has exactly its own two fulfillments.
        self.assertEqual(len(self.sim.order(order["id"])["fulfillments"]), 2)

    def test_hold_policy_flags_instead(self):
        self.store.order_platform_shipped_policy = "hold"
        order = self.paid_order("held@example.com")
        self.sim.advance(60)
        self.sim.fulfill_order(order["id"], tracking={"number": "1ZHELD", "company": "UPS", "url": None})
        self.deliver()
        sale = self.binding(order).order_id
        self.assertFalse(self.done_quantities(sale))
        self.assertTrue(sale.store_shipped_on_platform)
        self.assertTrue(self.deliveries(sale).store_shipped_on_platform)
        held = sale.activity_ids.filtered(lambda a: a.summary == "Shipped on the platform: do not ship")
        self.assertEqual(len(held), 1)
        self.assertIn("Order Shirt x 3", held.note)
