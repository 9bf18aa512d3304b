"""WooCommerce products end to end against the WooCommerce simulator (tests/simulators/woocommerce)
over real HTTP with OAuth 1.0a: export then import (round trip), and the import of 1,000 products
with their variations (the simulator's bulk seed)."""

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.woocommerce import WooCommerceSimulator

from .common import CONSUMER_KEY, CONSUMER_SECRET, create_woocommerce_store


class WooCommerceSimulatorCase(TransactionCase):
    seed = "none"
    seed_products = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sim = WooCommerceSimulator(seed=cls.seed, consumer_key=CONSUMER_KEY,
                                       consumer_secret=CONSUMER_SECRET, products=cls.seed_products, orders=0)
        base_url = cls.sim.start()
        cls.addClassCleanup(cls.sim.stop)
        cls.store = create_woocommerce_store(cls.env, shop_url=base_url, auto_sync_products=False)

    def last_import_log(self):
        return self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "products.import")], limit=1)


class TestWooCommerceProductRoundTrip(WooCommerceSimulatorCase):
    def test_export_then_import(self):
        mugs = self.env["product.category"].create({"name": "SC Mugs"})
        woo_mugs = self.sim.store.category("Mugs")
        self.env["store.category.map"].create({"store_id": self.store.id, "category_id": mugs.id,
                                               "platform_category": str(woo_mugs["id"])})
        self.store.pricelist_id = self.env["product.pricelist"].create({
            "name": "Woo prices", "currency_id": self.store.company_id.currency_id.id,
            "item_ids": [(0, 0, {"applied_on": "3_global", "compute_price": "percentage",
                                 "percent_price": 10.0})]})
        mug = self.env["product.template"].create({
            "name": "SC Mug", "type": "consu", "is_storable": True, "list_price": 10.0,
            "categ_id": mugs.id, "default_code": "SCW-MUG", "weight": 0.35})
        color = self.env["product.attribute"].create({
            "name": "SC Color", "create_variant": "always",
            "value_ids": [(0, 0, {"name": "Red"}), (0, 0, {"name": "Blue"})]})
        size = self.env["product.attribute"].create({
            "name": "SC Size", "create_variant": "always",
            "value_ids": [(0, 0, {"name": "S"}), (0, 0, {"name": "M"})]})
        tee = self.env["product.template"].create({
            "name": "SC Tee", "type": "consu", "is_storable": True, "list_price": 20.0,
            "attribute_line_ids": [
                (0, 0, {"attribute_id": color.id, "value_ids": [(6, 0, color.value_ids.ids)]}),
                (0, 0, {"attribute_id": size.id, "value_ids": [(6, 0, size.value_ids.ids)]})]})
        for variant in tee.product_variant_ids:
            values = variant.product_template_attribute_value_ids.mapped("name")
            variant.default_code = "SCW-TEE-" + "-".join(values)
        bindings = self.store._publish_products(mug.product_variant_ids | tee.product_variant_ids)
        run_queue(self.env, self.store)
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"}, bindings.mapped("last_error"))

        on_woo = self.sim.product("SCW-MUG")
        self.assertEqual(on_woo["type"], "simple")
        self.assertEqual((on_woo["regular_price"], on_woo["sale_price"]), ("10.00", "9.00"))
        self.assertIs(on_woo["manage_stock"], True)
        self.assertEqual(on_woo["weight"], "0.35")
        self.assertEqual([c["id"] for c in on_woo["categories"]], [woo_mugs["id"]])
        mug_binding = bindings.filtered(lambda b: b.sku == "SCW-MUG")
        self.assertEqual(mug_binding.external_product_id, str(on_woo["id"]))

        red_s = self.sim.product("SCW-TEE-Red-S")
        self.assertEqual(red_s["type"], "variation")
        parent = self.sim.product(red_s["parent_id"])
        self.assertEqual(parent["type"], "variable")
        self.assertEqual(parent["name"], "SC Tee")
        self.assertEqual({a["name"]: (a["variation"], sorted(a["options"])) for a in parent["attributes"]},
                         {"SC Color": (True, ["Blue", "Red"]), "SC Size": (True, ["M", "S"])})
        self.assertEqual(len(parent["variations"]), 4)
        self.assertEqual(sorted((a["name"], a["option"]) for a in red_s["attributes"]),
                         [("SC Color", "Red"), ("SC Size", "S")])
        self.assertEqual((red_s["regular_price"], red_s["sale_price"]), ("20.00", "18.00"))
        red_binding = bindings.filtered(lambda b: b.sku == "SCW-TEE-Red-S")
        self.assertEqual((red_binding.external_product_id, red_binding.external_variant_id),
                         (str(parent["id"]), str(red_s["id"])))

        # Import back: everything is recognised, nothing created or duplicated.
        templates = self.env["product.template"].search_count([])
        self.store._enqueue_product_import()
        run_queue(self.env, self.store)
        log = self.last_import_log()
        self.assertEqual((log.status, log.records), ("done", 2), log.message)
        self.assertEqual(self.env["product.template"].search_count([]), templates)
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"})

        # A second export updates in place: no new product on WooCommerce.
        count = len([p for p in self.sim.store.products.values() if p["type"] != "variation"])
        self.store._enqueue_product_sync(bindings, "products.export", force=True)
        run_queue(self.env, self.store)
        self.assertEqual(
            len([p for p in self.sim.store.products.values() if p["type"] != "variation"]), count)
        self.assertEqual(len(self.sim.product(parent["id"])["variations"]), 4)


class TestWooCommerceBulkProductImport(WooCommerceSimulatorCase):
    seed = "bulk"
    seed_products = 1000

    def test_import_1000_products_with_variations(self):
        self.sim.reset_requests()
        self.store._enqueue_product_import()
        run_queue(self.env, self.store)
        bindings = self.env["store.product.binding"].search([("store_id", "=", self.store.id)])
        # 750 simple products and 250 variable ones with 3 variations each.
        self.assertEqual(len(bindings), 750 + 250 * 3)
        self.assertEqual(len(bindings.product_tmpl_id), 1000)
        hoodie = self.env["product.product"].search([("default_code", "=", "BULK-00004-M")])
        self.assertEqual(hoodie.product_template_attribute_value_ids.name, "M")
        self.assertEqual(len(hoodie.product_tmpl_id.product_variant_ids), 3)
        self.assertEqual(hoodie.product_tmpl_id.name, "Bulk Hoodie 4")
        failed = self.env["store.activity.log"].search([("store_id", "=", self.store.id),
                                                        ("operation", "=", "products.import"),
                                                        ("status", "=", "failed")])
        self.assertFalse(failed, failed.mapped("message"))
        list_reads = [r for r in self.sim.requests
                      if r["path"].endswith("/products") and r["method"] == "GET"]
        self.assertTrue(all(int(r["query"]["per_page"]) == 100 for r in list_reads))
        # The seed makes every product in the same second: a page's last second may go on over the
        # next pages, which are read before the cursor moves on. Worst case, as here: each of the
        # 10 pulls reads the 10 pages of that second (WooCommerce cannot sort by id within it).
        self.assertLessEqual(len(list_reads), 100)
        variation_reads = [r for r in self.sim.requests if r["path"].endswith("/variations")]
        self.assertEqual(len(variation_reads), 250, "one read per variable product (3 variations)")
