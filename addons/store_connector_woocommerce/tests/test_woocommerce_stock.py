"""WooCommerce stock: batches through products/batch and each parent's variations/batch (the
fewest calls WooCommerce allows, nothing read), item errors on their bindings, stock management
switched on for what we manage (a variation using its parent's stock gets its own), the bulk read
for the stock baseline, and the optional import of WooCommerce's stock changes."""

from odoo import fields
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.tests.common import run_queue

from ..models.store_adapter_stock import stock_target
from .common import create_woocommerce_store
from .fake_shop import FakeShop

PARENTS = (9001, 9002, 9003)


class WooCommerceStockCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)
        cls.store = create_woocommerce_store(
            cls.env, shop_url="http://127.0.0.1:1", warehouse_id=cls.warehouse.id, auto_sync_products=False)
        cls.Binding = cls.env["store.product.binding"].sudo()

    def setUp(self):
        super().setUp()
        self.shop = FakeShop()
        self.store.shop_url = self.shop.start(self)

    def make_products(self, skus):
        return self.env["product.product"].create(
            [{"name": f"Woo {sku}", "default_code": sku, "type": "consu", "is_storable": True}
             for sku in skus])

    def bind(self, product, product_id, variant_id=None):
        return self.Binding.create({
            "store_id": self.store.id, "product_id": product.id,
            "external_product_id": str(product_id), "external_variant_id": variant_id and str(variant_id),
        })

    def set_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, quantity)

    def item(self, product, quantity):
        """An `_update_inventory` item of a bound product, as the stock job builds it."""
        binding = product.store_binding_ids
        return {"sku": binding.sku, "quantity": quantity, "external_ids": binding._external_ids()}


class TestStockTarget(TransactionCase):
    def test_where_a_binding_s_stock_lives(self):
        self.assertEqual(stock_target({"product_id": "11"}), ("product", "11"))
        self.assertEqual(stock_target({"product_id": "11", "variant_id": "11"}), ("product", "11"))
        self.assertEqual(stock_target({"product_id": "11", "parent_id": "0"}), ("product", "11"))
        self.assertEqual(stock_target({"product_id": "20", "variant_id": "21"}), ("variation", "20", "21"))
        self.assertEqual(stock_target({"variant_id": "21", "parent_id": 20}), ("variation", "20", "21"))
        self.assertIsNone(stock_target({}))


class TestWooCommerceStockExport(WooCommerceStockCase):
    def test_feature_and_batch_size(self):
        self.assertTrue(self.store.supports_inventory_sync)
        self.assertEqual(self.store._get_adapter()._inventory_batch_size(self.store), 100)

    def test_stock_import_switch_on_the_form(self):
        arch = self.env["connector.store"].get_view(view_type="form")["arch"]
        self.assertIn('name="woocommerce_import_inventory"', arch)
        self.assertFalse(self.store.woocommerce_import_inventory, "off by default: Odoo is the master")

    def test_250_simple_and_120_variations_of_3_parents_take_the_fewest_calls_and_no_read(self):
        simple = self.make_products([f"S-{i:03d}" for i in range(250)])
        variations = self.make_products([f"V-{p}-{i:02d}" for p in PARENTS for i in range(40)])
        # Bound interleaved (as products published over time are): cut in order, a job of 100
        # bindings would mix simple products and the three parents' variations.
        by_parent = {parent: variations[index * 40:(index + 1) * 40] for index, parent in enumerate(PARENTS)}
        queue = [(product, 1000 + i, None) for i, product in enumerate(simple)]
        for parent, products in by_parent.items():
            queue += [(product, parent, parent * 100 + i) for i, product in enumerate(products)]
        queue.sort(key=lambda entry: entry[0].default_code[-2:])
        for product, product_id, variant_id in queue:
            self.bind(product, product_id, variant_id)
        self.set_stock(simple[0], 12)
        self.set_stock(by_parent[9002][5], 4)

        jobs = self.store._enqueue_inventory_sync()
        self.assertEqual(len(jobs), 4, "370 SKUs in jobs of at most 100")
        self.assertTrue(all(len(job.res_ids) <= 100 for job in jobs))
        run_queue(self.env, self.store)

        calls = self.shop.calls()
        self.assertFalse([call for call in calls if call[0] != "POST"], "nothing is read to send stock")
        simple_calls = [body["update"] for method, path, _q, body in calls if path == "/products/batch"]
        self.assertEqual(sorted(len(update) for update in simple_calls), [50, 100, 100])
        for parent in PARENTS:
            [update] = [body["update"] for method, path, _q, body in calls
                        if path == f"/products/{parent}/variations/batch"]
            self.assertEqual(sorted(item["id"] for item in update), [parent * 100 + i for i in range(40)],
                             "one call carries every variation of the parent")
        self.assertEqual(len(calls), 6, "ceil(250/100) + one call per parent of 40 variations")
        self.assertTrue(all(set(body) == {"update"} for _m, _p, _q, body in calls))
        sent = {item["id"]: item for _m, _p, _q, body in calls for item in body["update"]}
        self.assertEqual(sent[1000], {"id": 1000, "manage_stock": True, "stock_quantity": 12})
        self.assertEqual(sent[900205], {"id": 900205, "manage_stock": True, "stock_quantity": 4})
        self.assertEqual(sent[1001]["stock_quantity"], 0)
        bindings = self.Binding.search([("store_id", "=", self.store.id)])
        self.assertTrue(all(bindings.mapped("inventory_synced_at")))
        self.assertFalse(any(bindings.mapped("inventory_error")))
        self.assertEqual(set(jobs.mapped("state")), {"done"})

    def test_refused_item_keeps_its_error_and_the_others_are_saved(self):
        mug, cup, red = self.make_products(["MUG", "CUP", "TS-RED"])
        self.bind(mug, 11)
        self.bind(cup, 12)
        self.bind(red, 20, 21)
        self.set_stock(mug, 3)
        self.shop.refused[12] = ("woocommerce_rest_product_invalid_id", "Invalid ID.")
        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)
        mug_binding, cup_binding, red_binding = (p.store_binding_ids for p in (mug, cup, red))
        self.assertEqual((mug_binding.inventory_quantity, mug_binding.inventory_error), (3, False))
        self.assertTrue(red_binding.inventory_synced_at)
        self.assertFalse(cup_binding.inventory_synced_at)
        self.assertIn("Invalid ID. (woocommerce_rest_product_invalid_id)", cup_binding.inventory_error)
        self.assertIn("CUP", cup_binding.inventory_error)

    def test_products_batch_does_not_take_variation_ids_so_variations_go_to_their_parent(self):
        red, blue = self.make_products(["TS-RED", "TS-BLUE"])
        self.bind(red, 20, 21)
        self.bind(blue, 20, 22)
        adapter = self.store._get_adapter()
        results = adapter._update_inventory(self.store, [
            {"sku": "TS-RED", "quantity": 5, "external_ids": red.store_binding_ids._external_ids()},
            {"sku": "TS-BLUE", "quantity": 0, "external_ids": blue.store_binding_ids._external_ids()},
        ])
        self.assertEqual(results, [{"sku": "TS-RED", "error": None}, {"sku": "TS-BLUE", "error": None}])
        [(method, path, _query, body)] = self.shop.calls()
        self.assertEqual((method, path), ("POST", "/products/20/variations/batch"))
        self.assertEqual(body["update"], [{"id": 21, "manage_stock": True, "stock_quantity": 5},
                                          {"id": 22, "manage_stock": True, "stock_quantity": 0}])

    def test_a_variation_using_its_parents_stock_gets_its_own(self):
        red, = self.make_products(["TS-RED"])
        self.bind(red, 20, 21)
        self.shop.variations[20] = {21: {"id": 21, "manage_stock": "parent", "stock_quantity": 40}}
        self.shop.products[20] = {"id": 20, "type": "variable", "manage_stock": True, "stock_quantity": 40}
        results = self.store._get_adapter()._update_inventory(
            self.store, [self.item(red, 6)])
        self.assertEqual(results, [{"sku": "TS-RED", "error": None}])
        self.assertEqual(self.shop.variations[20][21]["manage_stock"], True)
        self.assertEqual(self.shop.variations[20][21]["stock_quantity"], 6)
        self.assertEqual(self.shop.products[20]["stock_quantity"], 40,
                         "the parent's shared stock is left alone")

    def test_stock_management_off_in_the_shop_is_an_item_error(self):
        mug, = self.make_products(["MUG"])
        self.bind(mug, 11)
        self.shop.stock_management = False
        [result] = self.store._get_adapter()._update_inventory(
            self.store, [self.item(mug, 2)])
        self.assertIn("stock management is switched off", result["error"])
        self.assertIn("Enable stock management", result["error"])

    def test_a_call_refused_as_a_whole_fails_its_items_only(self):
        mug, red = self.make_products(["MUG", "TS-RED"])
        self.bind(mug, 11)
        self.bind(red, 20, 21)
        self.shop.missing_parents.add(20)
        results = self.store._get_adapter()._update_inventory(self.store, [
            {"sku": "MUG", "quantity": 1, "external_ids": mug.store_binding_ids._external_ids()},
            {"sku": "TS-RED", "quantity": 1, "external_ids": red.store_binding_ids._external_ids()},
        ])
        errors = {result["sku"]: result["error"] for result in results}
        self.assertIsNone(errors["MUG"])
        self.assertIn("Invalid ID.", errors["TS-RED"])

    def test_a_variant_never_exported_is_not_sent(self):
        mug, = self.make_products(["MUG"])
        [result] = self.store._get_adapter()._update_inventory(
            self.store, [{"sku": "MUG", "quantity": 1, "external_ids": {}}])
        self.assertIn("not on WooCommerce yet", result["error"])
        self.assertFalse(self.shop.calls())


class TestWooCommerceStockRead(WooCommerceStockCase):
    def setUp(self):
        super().setUp()
        self.mug, self.cup, self.red, self.blue = self.make_products(["MUG", "CUP", "TS-RED", "TS-BLUE"])
        self.bind(self.mug, 11)
        self.bind(self.cup, 12)
        self.bind(self.red, 20, 21)
        self.bind(self.blue, 20, 22)
        self.shop.products.update({
            11: {"id": 11, "sku": "MUG", "manage_stock": True, "stock_quantity": 7},
            12: {"id": 12, "sku": "CUP", "manage_stock": False, "stock_quantity": None},
            20: {"id": 20, "type": "variable", "manage_stock": True, "stock_quantity": 10},
        })
        self.shop.variations[20] = {
            21: {"id": 21, "sku": "TS-RED", "manage_stock": True, "stock_quantity": 3},
            22: {"id": 22, "sku": "TS-BLUE", "manage_stock": "parent", "stock_quantity": 10},
        }

    def test_read_in_bulk_managed_stock_only(self):
        bindings = self.Binding.search([("store_id", "=", self.store.id)])
        entries = self.store._get_adapter()._read_inventory(self.store, bindings)
        self.assertEqual(sorted(entries, key=lambda e: e["sku"]), [
            {"sku": "MUG", "available": 7, "on_hand": None, "location_id": False},
            {"sku": "TS-RED", "available": 3, "on_hand": None, "location_id": False},
        ])
        calls = self.shop.calls()
        self.assertEqual(len(calls), 2, "one request for the simple products, one per parent")
        paths = {path: query for _m, path, query, _b in calls}
        self.assertEqual(sorted(paths["/products"]["include"].split(",")), ["11", "12"])
        self.assertEqual(sorted(paths["/products/20/variations"]["include"].split(",")), ["21", "22"])
        self.assertEqual(paths["/products"]["per_page"], "100")

    def test_stock_baseline_imports_what_woocommerce_manages(self):
        self.set_stock(self.cup, 9)
        rows = {row["sku"]: row for row in self.store._stock_baseline_rows()}
        self.assertEqual(set(rows), {"MUG", "TS-RED"}, "unmanaged and parent-stock SKUs are unknown")
        self.assertEqual(rows["MUG"]["platform_available"], 7)
        self.store._import_stock_baseline()
        on_hand = self.store._stock_on_hand(self.mug | self.cup | self.red | self.blue,
                                            self.warehouse.lot_stock_id)
        self.assertEqual(on_hand, {self.mug.id: 7, self.cup.id: 9, self.red.id: 3, self.blue.id: 0})

    def test_a_deleted_variable_product_leaves_its_variations_unknown(self):
        self.shop.missing_parents.add(20)
        bindings = self.Binding.search([("store_id", "=", self.store.id)])
        entries = self.store._get_adapter()._read_inventory(self.store, bindings)
        self.assertEqual([entry["sku"] for entry in entries], ["MUG"])


class TestWooCommerceStockImport(WooCommerceStockCase):
    def setUp(self):
        super().setUp()
        self.mug, self.red = self.make_products(["MUG", "TS-RED"])
        self.mug_binding = self.bind(self.mug, 11)
        self.red_binding = self.bind(self.red, 20, 21)
        self.set_stock(self.mug, 5)
        self.adapter = self.store._get_adapter()

    def on_hand(self, product):
        return self.store._stock_on_hand(product, self.warehouse.lot_stock_id)[product.id]

    def test_off_by_default_nothing_changes(self):
        self.assertFalse(self.store.woocommerce_import_inventory)
        result = self.adapter._woocommerce_product_stock_changed(
            self.store, {"id": 11, "type": "simple", "manage_stock": True, "stock_quantity": 2})
        self.assertIn("off", result["ignored"])
        self.assertEqual(self.on_hand(self.mug), 5)

    def test_on_a_simple_product_quantity_becomes_odoos(self):
        self.store.woocommerce_import_inventory = True
        result = self.adapter._woocommerce_product_stock_changed(self.store, {
            "id": 11, "type": "simple", "parent_id": 0, "manage_stock": True, "stock_quantity": 2,
            "date_modified_gmt": "2026-12-01T10:00:00"})
        self.assertEqual((result["sku"], result["change"], result["quantity"]), ("MUG", -3, 2))
        self.assertEqual(self.on_hand(self.mug), 2)
        self.assertEqual(self.mug_binding.inventory_quantity, 2,
                         "what WooCommerce has is what Odoo publishes")
        # The same change delivered again, and an older one, are not applied twice.
        again = self.adapter._woocommerce_product_stock_changed(self.store, {
            "id": 11, "manage_stock": True, "stock_quantity": 9, "date_modified_gmt": "2026-12-01T10:00:00"})
        self.assertIn("older", again["ignored"])
        self.assertEqual(self.on_hand(self.mug), 2)

    def test_a_variations_delivery_sets_the_variations_stock(self):
        self.store.woocommerce_import_inventory = True
        result = self.adapter._woocommerce_product_stock_changed(self.store, {
            "id": 21, "type": "variation", "parent_id": 20, "manage_stock": True, "stock_quantity": 8,
            "date_modified_gmt": "2026-12-01T10:00:00"})
        self.assertEqual(result["sku"], "TS-RED")
        self.assertEqual(self.on_hand(self.red), 8)
        self.assertEqual(self.on_hand(self.mug), 5)

    def test_the_echo_of_our_export_is_ignored(self):
        self.store.woocommerce_import_inventory = True
        self.mug_binding.write({"inventory_quantity": 5, "inventory_synced_at": fields.Datetime.now()})
        self.set_stock(self.mug, -1)  # Odoo moved on meanwhile: the echo must not bring 5 back
        result = self.adapter._woocommerce_product_stock_changed(self.store, {
            "id": 11, "manage_stock": True, "stock_quantity": 5, "date_modified_gmt": "2026-12-01T10:00:00"})
        self.assertIn("echo", result["ignored"])
        self.assertEqual(self.on_hand(self.mug), 4)

    def test_unmanaged_or_parent_stock_or_unknown_records_are_ignored(self):
        self.store.woocommerce_import_inventory = True
        for payload in ({"id": 11, "manage_stock": False, "stock_quantity": None},
                        {"id": 21, "parent_id": 20, "manage_stock": "parent", "stock_quantity": 3},
                        {"id": 20, "type": "variable", "manage_stock": True, "stock_quantity": 3},
                        {"id": 77, "manage_stock": True, "stock_quantity": 3},
                        {"id": 21, "parent_id": 99, "manage_stock": True, "stock_quantity": 3}):
            self.assertIn("ignored", self.adapter._woocommerce_product_stock_changed(self.store, payload))
        self.assertEqual((self.on_hand(self.mug), self.on_hand(self.red)), (5, 0))

    def test_a_change_needing_lots_fails_with_the_sku(self):
        self.store.woocommerce_import_inventory = True
        self.red.tracking = "serial"
        with self.assertRaises(PermanentJobError) as caught:
            self.adapter._woocommerce_product_stock_changed(self.store, {
                "id": 21, "parent_id": 20, "manage_stock": True, "stock_quantity": 2})
        self.assertIn("TS-RED", str(caught.exception))
