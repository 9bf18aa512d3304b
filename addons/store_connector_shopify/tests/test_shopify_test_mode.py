"""Test mode against the Shopify simulator (issue #13): a stock export, a price export, a fulfillment
and a webhook registration of a store in test mode send no mutation to Shopify and are recorded on
their job; orders are still imported (queries and bulk queries are reads); switching test mode off
sends the next change."""

import re

from odoo.tests import tagged

from ..models.shopify_order_mapper import gid
from .common import ShopifySimulatorCase
from .test_shopify_orders import ShopifyOrdersMixin
from .test_shopify_products import ShopifyCatalogMixin

_MUTATION = re.compile(r"\s*mutation\b")


class ShopifyTestModeMixin:
    def mutations(self):
        """The GraphQL mutations the simulator received."""
        return [call for call in self.sim.calls if _MUTATION.match(call.get("query") or "")]

    def held(self, job):
        return self.env["store.test.request"].search([("job_id", "=", job.id)])

    def jobs(self, operation):
        return self.env["sync.job"].search([("store_id", "=", self.store.id), ("operation", "=", operation)])


@tagged("post_install", "-at_install")
class TestShopifyTestModeCatalog(ShopifyTestModeMixin, ShopifyCatalogMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def test_stock_and_price_exports_are_held_then_sent_once_live(self):
        red = self.variant("Red")
        bindings = self.store._publish_products(self.tshirt.product_variant_ids)
        self.run_queue()
        binding = bindings.filtered(lambda b: b.sku == "TS-RED")
        self.assertEqual(binding.sync_state, "synced")
        primary = gid("Location", self.sim._location_id(None))
        self.store.shopify_location_id = self.env["shopify.location"].create(
            {"store_id": self.store.id, "name": "Primary", "shopify_gid": primary})
        self.store.test_mode = True
        self.sim.reset_calls()
        # Stock: not sent, recorded on the job, the quantity not marked as published.
        self.env["stock.quant"]._update_available_quantity(red, self.warehouse.lot_stock_id, 7)
        [job] = self.store._enqueue_inventory_sync(bindings=binding)
        self.run_queue()
        self.assertEqual(self.mutations(), [], "nothing that changes the shop reached Shopify")
        self.assertEqual(self.sim.inventory("TS-RED"), 0)
        self.assertEqual(job.state, "done")
        self.assertIn("Test mode: not sent", job.result)
        [request] = self.held(job)
        self.assertEqual((request.method, request.operation),
                         ("POST", "GraphQL mutation ConnectorInventorySet"))
        self.assertIn("inventorySetQuantities", request.body)
        self.assertIn('"quantity": 7', request.body)
        self.assertEqual(job.test_request_id, request)
        self.assertNotEqual(binding.inventory_quantity, 7, "the quantity is not recorded as published")
        # Price: the product export is held too; the binding keeps its state.
        self.tshirt.list_price = 25.0
        self.store._enqueue_product_sync(binding, "products.export")
        self.run_queue()
        self.assertEqual(self.mutations(), [])
        self.assertEqual({float(v["price"]) for v in self.sim.product("TS-RED")["variants"]}, {20.0})
        export = self.jobs("products.export").sorted("id")[-1]
        self.assertEqual(export.state, "done")
        self.assertIn("productSet", self.held(export).body)
        self.assertIn("25.0", self.held(export).body)
        # Live again: the next change is sent.
        self.store.test_mode = False
        self.store._enqueue_inventory_sync(bindings=binding)
        self.store._enqueue_product_sync(binding, "products.export")
        self.run_queue()
        self.assertEqual(self.sim.inventory("TS-RED"), 7)
        self.assertEqual({float(v["price"]) for v in self.sim.product("TS-RED")["variants"]}, {25.0})
        self.assertEqual(binding.inventory_quantity, 7)

    def test_the_recorded_request_holds_no_secret(self):
        binding = self.store._publish_products(self.variant("Blue"))
        self.store.test_mode = True
        self.run_queue()
        [request] = self.env["store.test.request"].search([("store_id", "=", self.store.id)])
        self.assertEqual(request.operation, "GraphQL mutation ConnectorProductSet")
        self.assertEqual(binding.sync_state, "pending", "not marked as exported")
        recorded = " ".join(filter(None, (request.url, request.headers, request.body, request.operation)))
        self.assertNotIn(self.sim.access_token, recorded)
        self.assertNotIn(self.sim.client_secret, recorded)
        self.assertNotIn("X-Shopify-Access-Token", recorded)


@tagged("post_install", "-at_install")
class TestShopifyTestModeOrders(ShopifyTestModeMixin, ShopifyOrdersMixin, ShopifySimulatorCase):
    store_vals = {"allow_orders_push": True, "test_mode": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_orders()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store.warehouse_id = cls.warehouse
        cls.env["stock.quant"]._update_available_quantity(cls.shirt, cls.warehouse.lot_stock_id, 100)

    def test_orders_are_imported_and_a_fulfillment_is_held(self):
        order = self.sim.add_order([{"sku": "OS-1", "quantity": 2}], email="test.mode@example.com")
        self.sim.reset_calls()
        self.store._enqueue_order_pull()
        self.run_queue()
        sale = self.binding(order).order_id
        self.assertTrue(sale, "an order import still works in test mode")
        self.assertEqual(self.mutations(), [])
        if sale.state != "sale":
            sale.action_confirm()
        picking = sale.picking_ids
        picking.move_ids.write({"quantity": 2, "picked": True})
        picking.carrier_tracking_ref = "1ZTEST"
        picking._action_done()
        self.run_queue()
        self.assertEqual(self.mutations(), [], "the fulfillment was not sent")
        self.assertEqual(self.sim.order(order["id"])["fulfillment_status"], "UNFULFILLED")
        self.assertFalse(picking.store_fulfillment_ref, "the picking is not marked as sent to Shopify")
        [request] = self.env["store.test.request"].search([("store_id", "=", self.store.id)])
        self.assertEqual(request.operation, "GraphQL mutation ConnectorFulfillmentCreate")
        self.assertIn("1ZTEST", request.body)
        self.assertEqual(request.job_id.state, "done")

    def test_register_webhooks_sends_nothing_and_records_the_request(self):
        self.sim.reset_calls()
        action = self.store.action_register_webhooks()
        self.assertIn("Test mode", action["params"]["message"])
        self.assertEqual(self.mutations(), [])
        self.assertFalse(self.store.webhook_ids, "no subscription recorded that Shopify does not have")
        [request] = self.store.test_request_ids
        self.assertEqual(request.operation, "GraphQL mutation ShopifyWebhookCreate")
