"""Products without SKU end to end against the WooCommerce simulator over real HTTP (OAuth 1.0a):
WooCommerce lets a shop leave a product's or a variation's SKU empty, so such products are
imported and bound by their WooCommerce id, imported again without duplicates, their stock sent
by id through products/batch and variations/batch, and the orders that buy them imported with
their products (issue #10, "Import: products and variations by page, matched or created by SKU")."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.woocommerce import WooCommerceSimulator

from .common import CONSUMER_KEY, CONSUMER_SECRET, create_woocommerce_store

BUYER = {"first_name": "Nora", "last_name": "Nosku", "email": "nora.nosku@example.com", "country": "US",
         "address_1": "1 Loopback Street", "city": "Springfield", "postcode": "00000"}


class TestWooCommerceE2EProductsWithoutSku(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sim = WooCommerceSimulator(seed="none", consumer_key=CONSUMER_KEY,
                                       consumer_secret=CONSUMER_SECRET, products=0, orders=0)
        base_url = cls.sim.start()
        cls.addClassCleanup(cls.sim.stop)
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store = create_woocommerce_store(cls.env, shop_url=base_url, auto_sync_products=False,
                                             warehouse_id=cls.warehouse.id)
        with cls.sim.quiet():
            cls.sticker = cls.sim.add_product("Sticker", sku="", regular_price="3.00", stock_quantity=50)
            cls.scarf = cls.sim.add_variable_product("Scarf", variations=[
                {"sku": "NOSKU-SCARF-RED", "regular_price": "20", "attributes": {"Color": "Red"},
                 "stock_quantity": 5},
                {"sku": "", "regular_price": "22", "attributes": {"Color": "Blue"}, "stock_quantity": 6},
            ])
        cls.blue_id = next(variation_id for variation_id in cls.scarf["variations"]
                           if not cls.sim.variation(variation_id)["sku"])

    def binding(self, external_variant_id):
        return self.env["store.product.binding"].search([
            ("store_id", "=", self.store.id), ("external_variant_id", "=", str(external_variant_id))])

    def import_products(self):
        self.store._enqueue_product_import()
        run_queue(self.env, self.store)
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "products.import")], limit=1)
        self.assertEqual(log.status, "done", log.message)
        return log

    def test_imported_bound_by_id_stock_sent_by_id_and_orders_imported(self):
        # Import: created, bound by their WooCommerce ids, no SKU invented.
        self.import_products()
        sticker, blue = self.binding(self.sticker["id"]), self.binding(self.blue_id)
        red = self.env["product.product"].search([("default_code", "=", "NOSKU-SCARF-RED")])
        self.assertEqual(len(sticker), 1)
        self.assertEqual(len(blue), 1)
        self.assertEqual((sticker.product_id.name, sticker.product_id.default_code), ("Sticker", False))
        self.assertEqual(sticker.external_product_id, str(self.sticker["id"]))
        self.assertFalse(blue.product_id.default_code)
        self.assertEqual(blue.product_id.product_template_attribute_value_ids.name, "Blue")
        self.assertEqual(blue.product_tmpl_id, red.product_tmpl_id)
        self.assertEqual(blue.external_product_id, str(self.scarf["id"]))

        # Imported again: matched through the bindings, nothing duplicated.
        templates = self.env["product.template"].search_count([])
        self.sim.advance(5)
        self.sim.update_product(self.sticker["id"], emit=False, regular_price="3.50")
        self.import_products()
        self.assertEqual(self.env["product.template"].search_count([]), templates)
        self.assertEqual(self.binding(self.sticker["id"]), sticker)
        self.assertEqual(len(self.env["store.product.binding"].search([("store_id", "=", self.store.id)])), 3)

        # Stock: sent by id, the simple product through products/batch, the variation through its
        # parent's variations/batch.
        lot_stock = self.warehouse.lot_stock_id
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(sticker.product_id, lot_stock, 17)
        Quant._update_available_quantity(blue.product_id, lot_stock, 4)
        Quant._update_available_quantity(red, lot_stock, 2)
        self.sim.reset_requests()
        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)
        self.assertEqual((sticker.inventory_error, blue.inventory_error), (False, False))
        self.assertEqual((sticker.inventory_quantity, blue.inventory_quantity), (17, 4))
        self.assertEqual(self.sim.product(self.sticker["id"])["stock_quantity"], 17)
        self.assertEqual(self.sim.variation(self.blue_id)["stock_quantity"], 4)
        self.assertEqual(self.sim.stock("NOSKU-SCARF-RED"), 2)
        batches = sorted(r["path"] for r in self.sim.requests if r["method"] == "POST")
        self.assertEqual(batches, sorted(["/wp-json/wc/v3/products/batch",
                                          f"/wp-json/wc/v3/products/{self.scarf['id']}/variations/batch"]))

        # An order buying both: its lines have no SKU, their ids name the bound products.
        order = self.sim.add_order(
            [{"product_id": self.sticker["id"], "quantity": 2},
             {"variation_id": self.blue_id, "quantity": 1}],
            status="processing", billing=BUYER, emit=False)
        self.assertEqual([item["sku"] for item in order["line_items"]], ["", ""])
        self.store._enqueue_order_pull()
        run_queue(self.env, self.store)
        sale = self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(order["id"]))]).order_id
        self.assertTrue(sale, "the order is imported")
        lines = sale.order_line.filtered(lambda line: line.product_id.type == "consu"
                                         and line.product_id in (sticker | blue).product_id)
        self.assertEqual({(line.product_id, line.product_uom_qty) for line in lines},
                         {(sticker.product_id, 2.0), (blue.product_id, 1.0)})
        self.assertEqual(f"{sale.amount_total:.2f}", self.sim.order(order["id"])["total"])

    def test_deleted_on_woocommerce_the_binding_without_sku_goes_and_the_product_stays(self):
        self.import_products()
        sticker, blue = self.binding(self.sticker["id"]), self.binding(self.blue_id)
        product = sticker.product_id
        adapter = self.env["store.adapter.woocommerce"]
        result = adapter._woocommerce_webhook_product_delete(self.store, None, {"id": self.sticker["id"]})
        self.assertEqual(result["unbound"], sticker.ids)
        self.assertFalse(sticker.exists(), "nothing identifies it any more")
        self.assertTrue(product.exists())
        self.assertTrue(blue.exists(), "the other product's binding is untouched")
