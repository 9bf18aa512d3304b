"""WooCommerce products over HTTP against a scripted loopback server (RecordingServer): the batch
export (≤ 100 items a call, per-item errors on the bindings, SKU matching in bulk, the trash
option), the paged import with keyset cursors, and the product webhooks."""

import itertools
import json
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_base.tests.http_servers import RecordingServer

from ..models import woocommerce_product_mapper as pm
from .common import create_woocommerce_store

API = "/wp-json/wc/v3"


class FakeWooCommerce:
    """Just enough of WooCommerce's product endpoints for the export and import: products and
    variations in memory, ``sku`` lists, batches with per-item errors, the trash, and page/per_page
    with X-WP-Total(Pages) over products sorted by modification time."""

    def __init__(self):
        self.products = {}
        self.variations = {}  # parent id -> {id: variation}
        self.ids = itertools.count(500)
        self.refuse_skus = {}
        self.calls = []

    def add_product(self, **values):
        product = {"id": next(self.ids), "type": "simple", "status": "publish", "sku": "",
                   "date_modified_gmt": "2026-01-01T00:00:00", "name": "P", **values}
        self.products[product["id"]] = product
        if product["type"] == "variable":
            self.variations[product["id"]] = {}
        return product

    def add_variation(self, parent, **values):
        variation = {"id": next(self.ids), "parent_id": parent["id"], "type": "variation", "sku": "",
                     "status": "publish", **values}
        self.variations[parent["id"]][variation["id"]] = variation
        return variation

    def respond(self, request):
        parts = urlsplit(request["path"])
        path = parts.path[len(API):]
        query = dict(parse_qsl(parts.query))
        body = json.loads(request["body"] or b"null")
        self.calls.append((request["method"], path, query, body))
        segments = path.strip("/").split("/")
        if request["method"] == "GET" and path == "/products":
            return self._list(query)
        if request["method"] == "POST" and path == "/products/batch":
            return 200, {}, self._batch(body, self.products, None)
        if request["method"] == "POST" and segments[2:] == ["variations", "batch"]:
            parent_id = int(segments[1])
            return 200, {}, self._batch(body, self.variations.setdefault(parent_id, {}), parent_id)
        if request["method"] == "GET" and segments[2:] == ["variations"]:
            rows = list(self.variations.get(int(segments[1]), {}).values())
            return self._page(rows, query)
        if request["method"] == "DELETE" and len(segments) == 2:
            product = self.products[int(segments[1])]
            if product["status"] == "trash":
                return 410, {}, {"code": "woocommerce_rest_already_trashed",
                                 "message": "The product has already been deleted.", "data": {"status": 410}}
            product["status"] = "trash"
            return 200, {}, product
        return 404, {}, {"code": "rest_no_route", "message": "No route", "data": {"status": 404}}

    def _list(self, query):
        if query.get("sku"):
            skus = query["sku"].split(",")
            rows = [p for p in self.products.values() if p.get("sku") in skus] + [
                v for vs in self.variations.values() for v in vs.values() if v.get("sku") in skus]
            return self._page(rows, query)
        if query.get("include"):
            rows = [p for p in self.products.values()
                    if str(p["id"]) in query["include"].split(",") and p["status"] != "trash"]
            return self._page(rows, query)
        rows = [p for p in self.products.values() if p["status"] != "trash"]
        if query.get("modified_after"):
            rows = [p for p in rows if p["date_modified_gmt"] > query["modified_after"]]
        # Ties of one second in an order of the database's choosing (here: newest id first).
        rows.sort(key=lambda p: (p["date_modified_gmt"], -p["id"]))
        return self._page(rows, query)

    def _page(self, rows, query):
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 10))
        assert per_page <= 100
        pages = max(1, -(-len(rows) // per_page))
        return 200, {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)}, rows[
            (page - 1) * per_page:page * per_page]

    def _batch(self, body, table, parent_id):
        assert sum(len(body.get(action) or []) for action in ("create", "update", "delete")) <= 100
        answer = {}
        for item in body.get("create") or []:
            if item.get("sku") in self.refuse_skus:
                answer.setdefault("create", []).append({"id": 0, "error": {
                    "code": "product_invalid_sku", "message": self.refuse_skus[item["sku"]],
                    "data": {"status": 400}}})
                continue
            record = {"id": next(self.ids), **item}
            if parent_id:
                record.update(parent_id=parent_id, type="variation")
            elif item.get("type") == "variable":
                self.variations[record["id"]] = {}
            table[record["id"]] = record
            answer.setdefault("create", []).append(record)
        for item in body.get("update") or []:
            table[item["id"]].update(item)
            answer.setdefault("update", []).append(table[item["id"]])
        return answer


class WooCommerceProductsCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1", auto_sync_products=False)

    def setUp(self):
        super().setUp()
        self.woo = FakeWooCommerce()
        server = RecordingServer(self.woo.respond)
        self.store.shop_url = server.start()
        self.addCleanup(server.stop)

    def template(self, name, attributes=(), price=20.0, sku=None):
        lines = []
        for attribute_name, values in attributes:
            attribute = self.env["product.attribute"].create({
                "name": attribute_name, "create_variant": "always",
                "value_ids": [(0, 0, {"name": value}) for value in values]})
            lines.append((0, 0, {"attribute_id": attribute.id,
                                 "value_ids": [(6, 0, attribute.value_ids.ids)]}))
        template = self.env["product.template"].create({
            "name": name, "type": "consu", "is_storable": True, "list_price": price,
            "attribute_line_ids": lines})
        for variant in template.product_variant_ids:
            values = variant.product_template_attribute_value_ids.mapped("name")
            variant.default_code = sku or "-".join([name.upper()[:3]] + values)
        return template

    def calls(self, method, path_end):
        return [call for call in self.woo.calls if call[0] == method and call[1].endswith(path_end)]


class TestWooCommerceProductExport(WooCommerceProductsCase):
    def test_features_declared(self):
        features = self.env["store.adapter.woocommerce"]._supported_features(self.store)
        self.assertLessEqual({"products.export", "products.import", "test_connection"}, features)

    def test_variable_product_150_variations_in_batches_of_100_one_refused(self):
        template = self.template("Tee", [("Color", [f"C{i}" for i in range(15)]),
                                         ("Size", [f"S{i}" for i in range(10)])])
        self.assertEqual(len(template.product_variant_ids), 150)
        refused = template.product_variant_ids[7].default_code
        self.woo.refuse_skus[refused] = "Invalid or duplicated SKU."
        bindings = self.store._publish_products(template.product_variant_ids)
        run_queue(self.env, self.store)
        lookups = self.calls("GET", "/products")
        self.assertTrue(lookups and all(len(call[2]["sku"].split(",")) <= 50 for call in lookups),
                        "SKUs looked up in bulk")
        self.assertEqual(len(lookups), 3, "150 SKUs in lists of 50")
        (parent_call,) = self.calls("POST", "/products/batch")
        (parent,) = parent_call[3]["create"]
        self.assertEqual(parent["type"], "variable")
        self.assertEqual([a["name"] for a in parent["attributes"]], ["Color", "Size"])
        self.assertTrue(all(a["variation"] for a in parent["attributes"]))
        self.assertEqual(len(parent["attributes"][0]["options"]), 15)
        variation_calls = self.calls("POST", "/variations/batch")
        self.assertEqual([len(call[3]["create"]) for call in variation_calls], [100, 50])
        product_id = next(iter(p for p in self.woo.products.values() if p["type"] == "variable"))["id"]
        self.assertTrue(all(call[1] == f"/products/{product_id}/variations/batch"
                            for call in variation_calls))
        sent = variation_calls[0][3]["create"][0]
        self.assertEqual(len(sent["attributes"]), 2)
        self.assertEqual(sent["regular_price"], "20.00")
        self.assertIs(sent["manage_stock"], True)
        failed = bindings.filtered(lambda b: b.sku == refused)
        self.assertEqual(failed.sync_state, "failed")
        self.assertIn("Invalid or duplicated SKU. (product_invalid_sku)", failed.last_error)
        others = bindings - failed
        self.assertEqual(set(others.mapped("sync_state")), {"synced"})
        self.assertEqual(set(others.mapped("external_product_id")), {str(product_id)})
        self.assertEqual(len(set(others.mapped("external_variant_id"))), 149)
        self.assertEqual(others[0].external_data[pm.TYPE_KEY], "variation")
        # The next export updates in place: no create, the variations by id.
        self.woo.calls.clear()
        self.woo.refuse_skus.clear()
        self.store._enqueue_product_sync(bindings, "products.export", force=True)
        run_queue(self.env, self.store)
        (parent_call,) = self.calls("POST", "/products/batch")
        self.assertEqual([item["id"] for item in parent_call[3]["update"]], [product_id])
        self.assertNotIn("create", parent_call[3])
        variation_calls = self.calls("POST", "/variations/batch")
        self.assertEqual(sum(len(call[3].get("update") or []) for call in variation_calls), 149)
        self.assertEqual(sum(len(call[3].get("create") or []) for call in variation_calls), 1,
                         "the refused one is created now")
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"})

    def test_existing_skus_are_matched_not_duplicated(self):
        mug_on_woo = self.woo.add_product(sku="MUG-1", name="Old mug")
        tee_on_woo = self.woo.add_product(type="variable", name="Old tee")
        red_on_woo = self.woo.add_variation(tee_on_woo, sku="TEE-Red")
        mug = self.template("Mug", sku="MUG-1", price=9.9)
        tee = self.template("Tee", [("Color", ["Red", "Blue"])])
        bindings = self.store._publish_products(mug.product_variant_ids | tee.product_variant_ids)
        run_queue(self.env, self.store)
        self.assertEqual(len(self.woo.products), 2, "nothing duplicated")
        mug_binding = bindings.filtered(lambda b: b.sku == "MUG-1")
        self.assertEqual((mug_binding.external_product_id, mug_binding.external_variant_id),
                         (str(mug_on_woo["id"]), str(mug_on_woo["id"])))
        self.assertEqual(mug_on_woo["name"], "Mug")
        self.assertEqual(mug_on_woo["regular_price"], "9.90")
        red = bindings.filtered(lambda b: b.sku == "TEE-Red")
        self.assertEqual((red.external_product_id, red.external_variant_id),
                         (str(tee_on_woo["id"]), str(red_on_woo["id"])))
        self.assertEqual(len(self.woo.variations[tee_on_woo["id"]]), 2, "Blue created, Red updated")
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"})

    def test_sku_of_a_variation_elsewhere_is_refused(self):
        other = self.woo.add_product(type="variable", name="Other")
        self.woo.add_variation(other, sku="CAP-1")
        cap = self.template("Cap", sku="CAP-1")
        binding = self.store._publish_products(cap.product_variant_ids)
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn(f"SKU CAP-1 is a variation of another WooCommerce product (#{other['id']})",
                      binding.last_error)
        self.assertFalse(self.calls("POST", "/products/batch"), "nothing created")

    def test_simple_product_turned_variable(self):
        """A product exported as simple, given attributes in Odoo: the same WooCommerce product
        becomes variable and its variants are created as variations (the old variant id was the
        product's own)."""
        mug = self.woo.add_product(sku="MUG-S", name="Mug")
        ids = {"product_id": str(mug["id"]), "variant_id": str(mug["id"]), pm.TYPE_KEY: "simple"}
        product = {
            "odoo_id": 1, "title": "Mug", "description": None, "status": "active", "currency": "EUR",
            "options": [{"name": "Size", "values": ["S", "L"]}], "extra": {}, "external_ids": {},
            "images": [], "categories": [], "listing": {}, "variants": [
                {"odoo_id": 1, "sku": "MUG-S", "price": 9.0, "compare_at_price": None, "weight": None,
                 "status": "active", "attributes": [{"name": "Size", "value": "S"}], "extra": {},
                 "external_ids": ids, "image": None},
                {"odoo_id": 2, "sku": "MUG-L", "price": 11.0, "compare_at_price": None, "weight": None,
                 "status": "active", "attributes": [{"name": "Size", "value": "L"}], "extra": {},
                 "external_ids": {}, "image": None},
            ],
        }
        results = self.env["store.adapter.woocommerce"]._export_products(self.store, [product])
        (parent_call,) = self.calls("POST", "/products/batch")
        self.assertEqual(parent_call[3]["update"][0]["id"], mug["id"])
        self.assertEqual(parent_call[3]["update"][0]["type"], "variable")
        (variation_call,) = self.calls("POST", f"/products/{mug['id']}/variations/batch")
        self.assertEqual(sorted(item["sku"] for item in variation_call[3]["create"]), ["MUG-L", "MUG-S"])
        self.assertNotIn("update", variation_call[3])
        self.assertTrue(all(not result["error"] for result in results))
        self.assertTrue(all(result["external_ids"]["variant_id"] != str(mug["id"]) for result in results))

    def test_archived_product_drafted_or_trashed(self):
        mug = self.template("Mug", sku="MUG-1")
        binding = self.store._publish_products(mug.product_variant_ids)
        run_queue(self.env, self.store)
        on_woo = self.woo.products[int(binding.external_product_id)]
        binding._set_platform_status("archived")
        self.store._enqueue_product_sync(binding, "products.archive", force=True)
        run_queue(self.env, self.store)
        self.assertEqual(on_woo["status"], "draft")
        self.store.woocommerce_archive_action = "trash"
        self.store._enqueue_product_sync(binding, "products.archive", force=True)
        run_queue(self.env, self.store)
        self.assertEqual(len(self.calls("DELETE", f"/products/{on_woo['id']}")), 1)
        self.assertEqual(on_woo["status"], "trash")
        self.assertEqual(binding.external_product_id, str(on_woo["id"]), "ids kept: restorable")
        self.assertEqual(binding.sync_state, "disabled")
        # Trashing again is harmless (WooCommerce answers 410 already trashed).
        self.store._enqueue_product_sync(binding, "products.archive", force=True)
        run_queue(self.env, self.store)
        self.assertEqual(binding.sync_state, "disabled")
        self.assertFalse(binding.last_error)


class TestWooCommerceProductImport(WooCommerceProductsCase):
    def test_pages_with_keyset_cursor_over_one_second(self):
        """250 products changed in the same second (a bulk import on WooCommerce): the pages come
        in the database's order, the keyset cursor still yields every product once."""
        for index in range(250):
            self.woo.add_product(sku=f"P{index:03d}", name=f"Product {index}",
                                 date_modified_gmt="2026-02-01T09:00:00")
        adapter = self.env["store.adapter.woocommerce"]
        seen, cursor = [], None
        for _round in range(10):
            page = adapter._import_products(self.store, cursor=cursor, limit=100)
            seen += [record["variants"][0]["sku"] for record in page["records"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(sorted(seen), [f"P{index:03d}" for index in range(250)])
        self.assertEqual(len(seen), 250, "none twice")
        listing = [call for call in self.calls("GET", "/products") if call[1] == "/products"]
        self.assertTrue(all(call[2]["orderby"] == "modified" and call[2]["order"] == "asc"
                            for call in listing))
        self.assertTrue(all(int(call[2]["per_page"]) == 100 for call in listing))
        later = [call for call in listing if "modified_after" in call[2]]
        self.assertTrue(later and all(call[2]["modified_after"] == "2026-02-01T08:59:59" for call in later),
                        "asked from the second before the cursor's: modified_after is exclusive")

    def test_import_variable_and_simple_products(self):
        tee = self.woo.add_product(type="variable", name="Tee &amp; Co",
                                   date_modified_gmt="2026-02-01T09:00:01")
        for color in ("Red", "Blue"):
            self.woo.add_variation(tee, sku=f"WT-{color}", regular_price="25.00",
                                   attributes=[{"id": 0, "name": "Color", "option": color}])
        green = self.woo.add_variation(tee, sku="", regular_price="25.00",
                                       attributes=[{"id": 0, "name": "Color", "option": "Green"}])
        self.woo.add_product(sku="WM-1", name="Mug", regular_price="8.00",
                             date_modified_gmt="2026-02-01T09:00:02")
        self.store._enqueue_product_import()
        run_queue(self.env, self.store)
        mug = self.env["product.product"].search([("default_code", "=", "WM-1")])
        self.assertEqual(mug.lst_price, 8.0)
        log = self.env["store.activity.log"].search([("store_id", "=", self.store.id),
                                                     ("operation", "=", "products.import")], limit=1)
        self.assertEqual(log.status, "done", log.message)
        # The variation without SKU is created and bound by its WooCommerce id; no SKU invented.
        green_binding = self.env["store.product.binding"].search([
            ("store_id", "=", self.store.id), ("external_variant_id", "=", str(green["id"]))])
        self.assertEqual(green_binding.product_id.product_template_attribute_value_ids.name, "Green")
        self.assertFalse(green_binding.product_id.default_code)
        # The merchant gives it a SKU on WooCommerce: the next import fills Odoo's empty one.
        green["sku"] = "WT-Green"
        self.store._enqueue_product_import()
        run_queue(self.env, self.store)
        self.assertEqual(green_binding.product_id.default_code, "WT-Green")
        red = self.env["product.product"].search([("default_code", "=", "WT-Red")])
        self.assertEqual(red.product_tmpl_id.name, "Tee & Co", "HTML entities decoded")
        self.assertEqual(red.product_template_attribute_value_ids.name, "Red")
        variants = red.product_tmpl_id.product_variant_ids
        self.assertEqual(sorted(variants.mapped("default_code")), ["WT-Blue", "WT-Green", "WT-Red"])
        bindings = self.env["store.product.binding"].search([("store_id", "=", self.store.id),
                                                             ("product_id", "in", variants.ids)])
        self.assertEqual(set(bindings.mapped("external_product_id")), {str(tee["id"])})
        # SKUs removed on WooCommerce later: the variations are still known by their ids, not merged.
        for variation in self.woo.variations[tee["id"]].values():
            variation["sku"] = ""
        self.store._enqueue_product_import()
        run_queue(self.env, self.store)
        self.assertEqual(len(red.product_tmpl_id.with_context(active_test=False).product_variant_ids), 3)
        self.assertEqual(red.default_code, "WT-Red")
        log = self.env["store.activity.log"].search([("store_id", "=", self.store.id),
                                                     ("operation", "=", "products.import")], limit=1)
        self.assertEqual(log.status, "done", log.message)
        self.assertEqual(len(self.env["store.product.binding"].search([("store_id", "=", self.store.id)])), 4)


class TestWooCommerceProductWebhooks(WooCommerceProductsCase):
    def test_variation_update_reads_the_parent_then_stock_hook(self):
        tee = self.woo.add_product(type="variable", name="Tee")
        red = self.woo.add_variation(tee, sku="WH-Red",
                                     attributes=[{"id": 0, "name": "Color", "option": "Red"}])
        adapter = self.env["store.adapter.woocommerce"]
        handler = adapter._webhook_topic_handlers(self.store)["product.updated"]
        self.assertEqual(handler, "_woocommerce_webhook_product")
        with patch.object(type(adapter), "_woocommerce_product_stock_changed", create=True,
                          return_value={"changed": 1}) as stock:
            result = adapter._woocommerce_webhook_product(self.store, None, dict(red))
        stock.assert_called_once()
        self.assertEqual(stock.call_args.args[-1]["id"], red["id"])
        self.assertEqual(result["stock"], {"changed": 1})
        self.assertEqual(result["created"], 1)
        (read,) = [call for call in self.calls("GET", "/products") if call[2].get("include")]
        self.assertEqual(read[2]["include"], str(tee["id"]), "the parent is read, not the variation")
        product = self.env["product.product"].search([("default_code", "=", "WH-Red")])
        self.assertTrue(product)
        # A product deleted on WooCommerce meanwhile: nothing to import, said so.
        del self.woo.products[tee["id"]]
        result = adapter._woocommerce_webhook_product_import(self.store, None, {"id": tee["id"]})
        self.assertEqual(result, {"product": str(tee["id"]), "found": False})

    def test_product_deleted_forgets_ids(self):
        mug = self.template("Mug", sku="MUG-D")
        binding = self.store._publish_products(mug.product_variant_ids)
        run_queue(self.env, self.store)
        product_id = binding.external_product_id
        self.assertTrue(product_id)
        adapter = self.env["store.adapter.woocommerce"]
        self.assertEqual(adapter._webhook_topic_handlers(self.store)["product.deleted"],
                         "_woocommerce_webhook_product_delete")
        result = adapter._woocommerce_webhook_product_delete(self.store, None, {"id": int(product_id)})
        self.assertEqual(result["bindings"], binding.ids)
        self.assertFalse(binding.external_product_id)
        self.assertFalse(binding.external_variant_id)
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("deleted on WooCommerce", binding.last_error)
