"""Stock and customers end to end against the WooCommerce simulator (tests/simulators/woocommerce),
over real HTTP with OAuth 1.0a: Sync Inventory of simple products and variations (the calls made,
nothing read, a variation using its parent's stock switched to its own), the stock baseline read,
the customer pull and export."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.woocommerce import WooCommerceSimulator

from .common import create_woocommerce_store


class WooCommerceSimCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)

    def setUp(self):
        super().setUp()
        self.sim = WooCommerceSimulator(seed="none")
        base_url = self.sim.start()
        self.addCleanup(self.sim.stop)
        self.store = create_woocommerce_store(
            self.env, shop_url=base_url, consumer_key=self.sim.consumer_key,
            consumer_secret=self.sim.consumer_secret, warehouse_id=self.warehouse.id,
            auto_sync_products=False, auto_sync_customers=True)
        self.Binding = self.env["store.product.binding"].sudo()

    def make_product(self, sku):
        return self.env["product.product"].create(
            {"name": f"Woo {sku}", "default_code": sku, "type": "consu", "is_storable": True})

    def bind(self, product, product_id, variant_id=None):
        return self.Binding.create({
            "store_id": self.store.id, "product_id": product.id,
            "external_product_id": str(product_id), "external_variant_id": variant_id and str(variant_id),
        })

    def set_stock(self, product, quantity):
        if quantity:
            self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, quantity)


class TestWooCommerceStockSim(WooCommerceSimCase):
    def test_sync_inventory_of_simple_products_and_variations(self):
        products = {}
        for index in range(120):
            sku = f"S-{index:03d}"
            record = self.sim.add_product(f"Simple {index}", sku=sku, stock_quantity=1, emit=False)
            products[sku] = self.make_product(sku)
            self.bind(products[sku], record["id"])
            self.set_stock(products[sku], index % 7)
        parents = []
        for parent_index in range(2):
            sizes = [f"S{i}" for i in range(30)]
            variations = [{"sku": f"V{parent_index}-{i:02d}", "attributes": {"Size": size}}
                          for i, size in enumerate(sizes)]
            # Without a stock of their own, the variations use the parent's (manage_stock "parent").
            parent = self.sim.add_variable_product(
                f"Variable {parent_index}", attributes={"Size": sizes},
                variations=variations, manage_stock=True, stock_quantity=50, emit=False)
            parents.append(parent)
            for variation_id in parent["variations"]:
                variation = self.sim.variation(variation_id)
                products[variation["sku"]] = self.make_product(variation["sku"])
                self.bind(products[variation["sku"]], parent["id"], variation_id)
                self.set_stock(products[variation["sku"]], 3)
        self.assertEqual(self.sim.product(parents[0]["variations"][0])["manage_stock"], "parent")
        self.sim.reset_requests()

        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)

        requests = list(self.sim.requests)
        self.assertTrue(all(r["method"] == "POST" and r["status"] == 200 for r in requests),
                        [(r["method"], r["path"], r["status"]) for r in requests])
        paths = sorted(r["path"].removeprefix("/wp-json/wc/v3") for r in requests)
        self.assertEqual(paths, sorted(["/products/batch", "/products/batch"] + [
            f"/products/{parent['id']}/variations/batch" for parent in parents]),
            "ceil(120/100) + one call per parent of 30 variations, nothing read")
        for sku in products:
            expected = 3 if sku.startswith("V") else int(sku[2:]) % 7
            self.assertEqual(self.sim.stock(sku), expected, sku)
        variation = self.sim.product(parents[0]["variations"][0])
        self.assertIs(variation["manage_stock"], True, "the variation now has its own stock")
        self.assertEqual(self.sim.product(parents[0]["id"])["stock_quantity"], 50)
        bindings = self.Binding.search([("store_id", "=", self.store.id)])
        self.assertFalse(any(bindings.mapped("inventory_error")))

    def test_baseline_reads_the_managed_stock(self):
        mug = self.sim.add_product("Mug", sku="MUG", stock_quantity=7, emit=False)
        cup = self.sim.add_product("Cup", sku="CUP", emit=False)  # stock not managed
        parent = self.sim.add_variable_product(
            "Shirt", attributes={"Color": ["Red", "Blue"]},
            variations=[{"sku": "TS-RED", "attributes": {"Color": "Red"}, "stock_quantity": 4},
                        {"sku": "TS-BLUE", "attributes": {"Color": "Blue"}}],
            manage_stock=True, stock_quantity=9, emit=False)
        red_id, blue_id = parent["variations"]
        self.bind(self.make_product("MUG"), mug["id"])
        self.bind(self.make_product("CUP"), cup["id"])
        self.bind(self.make_product("TS-RED"), parent["id"], red_id)
        self.bind(self.make_product("TS-BLUE"), parent["id"], blue_id)
        rows = {row["sku"]: row["platform_available"] for row in self.store._stock_baseline_rows()}
        self.assertEqual(rows, {"MUG": 7, "TS-RED": 4})


    def test_stock_changed_on_woocommerce_is_imported_when_switched_on(self):
        self.store.woocommerce_import_inventory = True
        parent = self.sim.add_variable_product(
            "Shirt", attributes={"Color": ["Red"]},
            variations=[{"sku": "TS-RED", "attributes": {"Color": "Red"}, "stock_quantity": 4,
                         "manage_stock": True}], emit=False)
        [red_id] = parent["variations"]
        red = self.make_product("TS-RED")
        self.bind(red, parent["id"], red_id)
        self.set_stock(red, 6)
        adapter = self.store._get_adapter()
        # Our own sync, then WooCommerce's product.updated body for the variation: an echo.
        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)
        self.assertEqual(self.sim.stock("TS-RED"), 6)
        echo = adapter._woocommerce_product_stock_changed(self.store, self.sim.product(red_id))
        self.assertIn("echo", echo["ignored"])
        # A count made in the WordPress admin: Odoo's quantity follows.
        self.sim.advance(5)
        self.sim.update_product(red_id, stock_quantity=2, emit=False)
        payload = self.sim.product(red_id)
        self.assertEqual((payload["type"], payload["parent_id"]), ("variation", parent["id"]))
        result = adapter._woocommerce_product_stock_changed(self.store, payload)
        self.assertEqual((result["sku"], result["quantity"]), ("TS-RED", 2))
        self.assertEqual(self.store._stock_on_hand(red, self.warehouse.lot_stock_id)[red.id], 2)


class TestWooCommerceCustomersSim(WooCommerceSimCase):
    def test_pull_and_export(self):
        for index in range(5):
            self.sim.add_customer(f"buyer{index}@example.com", first_name="Buyer", last_name=str(index),
                                  emit=False)
        self.store._enqueue_paged_import("customers.import", "_job_import_customers")
        run_queue(self.env, self.store)
        bindings = self.env["store.customer.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(sorted(bindings.partner_id.mapped("email")),
                         [f"buyer{index}@example.com" for index in range(5)])
        # A change in Odoo goes back to WooCommerce.
        binding = bindings.filtered(lambda b: b.partner_id.email == "buyer2@example.com")
        binding.partner_id.write({"city": "Lyon"})
        binding._enqueue_export()
        run_queue(self.env, self.store)
        self.assertEqual(self.sim.customer(int(binding.external_id))["billing"]["city"], "Lyon")
        # A contact WooCommerce does not know is created there.
        result = self.store._get_adapter()._export_customer(self.store, {
            "id": None, "email": "new@example.com", "first_name": "New", "last_name": "Buyer",
            "billing_address": None, "shipping_address": None})
        self.assertEqual(self.sim.customer(int(result["id"]))["email"], "new@example.com")
