import json
from decimal import Decimal
from pathlib import Path

from odoo.tests.common import BaseCase

from odoo.addons.store_connector_base.services.normalized import normalize_order

from ..models import shopify_order_mapper as om
from ..models import shopify_product_mapper as pm

DATA = Path(__file__).parent / "data"


def load(name):
    return json.loads((DATA / name).read_text())


class TestShopifyOrderMapper(BaseCase):
    """GraphQL orders and REST-shaped webhook orders become the same normalized order."""

    def test_graphql_order(self):
        order = normalize_order(om.order_from_graphql(load("order_graphql.json")))
        self.assertEqual(order["id"], "6100000000001")
        self.assertEqual(order["number"], "1001")
        self.assertEqual(order["currency"], "EUR")
        self.assertEqual(order["status"], "paid")
        self.assertFalse(order["taxes_included"])
        self.assertEqual(order["total"], Decimal("71.52"))
        self.assertEqual(order["customer"]["email"], "ann@example.com")
        self.assertEqual(order["customer"]["id"], "7600000000001")
        self.assertEqual(order["shipping_address"]["street"], "5 Rue Neuve")
        self.assertEqual(order["shipping_address"]["country_code"], "FR")
        first, second = order["lines"]
        self.assertEqual((first["id"], first["sku"], first["quantity"]), ("15100000000001", "TS-S", 2))
        self.assertEqual(first["unit_price"], Decimal("19.9"))
        self.assertEqual(first["discount"], Decimal("3.33"), "discount allocations are summed per line")
        self.assertEqual(first["taxes"][0]["rate"], Decimal("20"), "Shopify's 0.2 is 20 percent")
        self.assertEqual(first["taxes"][0]["amount"], Decimal("7.29"))
        self.assertEqual(second["discount"], Decimal("1.67"))
        [ship] = order["shipping_lines"]
        self.assertEqual((ship["title"], ship["price"]), ("Standard", Decimal("4.9")))
        self.assertEqual(order["discounts"][0]["code"], "TEN")
        self.assertEqual(order["payment_method"], "shopify_payments", "the gateway mapping's key")

    def test_webhook_order_is_the_same_order(self):
        rest = normalize_order(om.order_from_rest(load("webhook_orders_create.json")))
        gql = normalize_order(om.order_from_graphql(load("order_graphql.json")))
        for key in ("id", "number", "currency", "status", "total", "taxes_included", "payment_method"):
            self.assertEqual(rest[key], gql[key], key)
        for rest_line, gql_line in zip(rest["lines"], gql["lines"], strict=True):
            for key in ("id", "sku", "quantity", "unit_price", "discount"):
                self.assertEqual(rest_line[key], gql_line[key], key)
            self.assertEqual(rest_line["taxes"][0]["amount"], gql_line["taxes"][0]["amount"])
        self.assertEqual(rest["shipping_lines"][0]["price"], gql["shipping_lines"][0]["price"])
        self.assertEqual(rest["discounts"], [{"code": "TEN", "amount": Decimal("5.00")}])

    def test_statuses(self):
        self.assertEqual(om.order_from_rest(load("webhook_orders_cancelled.json"))["status"], "cancelled")
        self.assertEqual(om.order_status(None, "PAID", "FULFILLED"), "fulfilled")
        self.assertEqual(om.order_status(None, "paid", "partial"), "partially_fulfilled")
        self.assertEqual(om.order_status(None, "REFUNDED", "FULFILLED"), "refunded")
        self.assertEqual(om.order_status(None, "AUTHORIZED", "UNFULFILLED"), "authorized")
        self.assertEqual(om.order_status("2026-01-01T00:00:00Z", "PAID", None), "cancelled")
        inbound = dict(om.STATUS_INBOUND)
        for status in (
            "pending",
            "authorized",
            "paid",
            "partially_fulfilled",
            "fulfilled",
            "refunded",
            "cancelled",
        ):
            self.assertIn(status, inbound)

    def test_refund_summary(self):
        refund = om.refund_summary(load("webhook_refunds_create.json"))
        self.assertEqual(refund["order_id"], "6100000000001")
        self.assertEqual(refund["refund_id"], "1000000000001")
        self.assertEqual(refund["lines"], [{"line_id": "15100000000002", "sku": "TS-M", "quantity": 1}])
        self.assertEqual(Decimal(refund["amount"]), Decimal("21.88"))

    def test_ids(self):
        self.assertEqual(om.legacy_id("gid://shopify/Order/12"), "12")
        self.assertEqual(om.legacy_id("gid://shopify/InventoryLevel/5?inventory_item_id=9"), "5")
        self.assertEqual(om.legacy_id(12), "12")
        self.assertEqual(om.gid("Order", 12), "gid://shopify/Order/12")
        self.assertEqual(om.gid("Order", "gid://shopify/Order/12"), "gid://shopify/Order/12")


class TestShopifyShippedMapping(BaseCase):
    """Shipped quantities and fulfillments: the same numbers from a webhook and from a pull."""

    def test_rest_and_graphql_give_the_same_shipped_quantities(self):
        rest = load("webhook_orders_create.json")
        for item in rest["line_items"]:
            item.update(current_quantity=item["quantity"], fulfillable_quantity=item["quantity"] - 1)
        rest["fulfillments"] = [
            {
                "id": 91,
                "status": "success",
                "tracking_company": "UPS",
                "tracking_number": "1Z1",
                "tracking_url": "https://ups.example/1Z1",
            },
            {"id": 92, "status": "cancelled", "tracking_number": "GONE"},
        ]
        order = om.order_from_rest(rest)
        self.assertEqual([line["shipped_quantity"] for line in order["lines"]], [1] * len(order["lines"]))
        self.assertEqual(
            order["fulfillments"],
            [
                {
                    "id": "91",
                    "tracking_number": "1Z1",
                    "tracking_company": "UPS",
                    "tracking_url": "https://ups.example/1Z1",
                },
            ],
        )
        normalize_order(order)  # valid for the base

        node = load("order_graphql.json")
        for item in om._nodes(node["lineItems"]):
            item.update(currentQuantity=item["quantity"] - 1, unfulfilledQuantity=0)
        node["fulfillments"] = [
            {
                "legacyResourceId": "93",
                "status": "SUCCESS",
                "trackingInfo": [{"number": "1Z2", "company": "DHL", "url": None}],
            },
            {"legacyResourceId": "94", "status": "FAILURE", "trackingInfo": []},
        ]
        order = om.order_from_graphql(node)
        self.assertEqual(
            [line["shipped_quantity"] for line in order["lines"]],
            [item["quantity"] - 1 for item in om._nodes(node["lineItems"])],
        )
        self.assertEqual([f["id"] for f in order["fulfillments"]], ["93"])
        self.assertEqual(order["fulfillments"][0]["tracking_company"], "DHL")

    def test_unknown_quantities_ship_nothing(self):
        self.assertEqual(om.shipped_quantity(None, 2), 0)
        self.assertEqual(om.shipped_quantity(2, None), 0)
        self.assertEqual(om.shipped_quantity(1, 3), 0, "never below zero")


class TestShopifyProductMapper(BaseCase):
    def test_product_set_input_is_the_whole_product(self):
        identifier, data = pm.product_set_input(load("product_normalized.json"))
        self.assertEqual(identifier, {"id": "gid://shopify/Product/8100000000001"})
        self.assertEqual(data["title"], "Mug")
        self.assertEqual(data["status"], "ACTIVE")
        self.assertEqual(data["vendor"], "Acme")
        self.assertEqual(data["tags"], ["kitchen", "gifts"])
        self.assertEqual(data["productOptions"][0]["name"], "Color")
        self.assertEqual(
            [v["inventoryItem"]["sku"] for v in data["variants"]],
            ["MUG-RED", "MUG-BLUE"],
            "the archived variant is left out: Shopify deletes it",
        )
        red, blue = data["variants"]
        self.assertEqual(red["id"], "gid://shopify/ProductVariant/45100000000001")
        self.assertEqual(red["optionValues"], [{"optionName": "Color", "name": "Red"}])
        self.assertEqual((red["price"], red["compareAtPrice"]), ("12.50", "15.00"))
        self.assertEqual(red["barcode"], "4006381333931")
        self.assertEqual(
            red["metafields"],
            [{"namespace": "custom", "key": "capacity_ml", "type": "number_integer", "value": "330"}],
        )
        self.assertIsNone(blue["compareAtPrice"], "a compare-at price equal to the price is no sale")
        self.assertEqual(
            data["metafields"],
            [
                {
                    "namespace": "custom",
                    "key": "material",
                    "type": "single_line_text_field",
                    "value": "stoneware",
                }
            ],
        )

    def test_weight_when_enabled(self):
        _identifier, data = pm.product_set_input(load("product_normalized.json"), with_weight=True)
        self.assertEqual(
            data["variants"][0]["inventoryItem"]["measurement"],
            {"weight": {"value": 0.35, "unit": "KILOGRAMS"}},
        )
        _identifier, data = pm.product_set_input(load("product_normalized.json"), with_weight=False)
        self.assertNotIn("measurement", data["variants"][0]["inventoryItem"])
        _identifier, data = pm.product_set_input(load("product_normalized.json"))
        self.assertIn("measurement", data["variants"][0]["inventoryItem"], "exported by default")

    def test_new_simple_product_and_statuses(self):
        product = {
            "title": "Poster",
            "status": "unpublished",
            "options": [],
            "external_ids": {},
            "variants": [
                {
                    "sku": "P-1",
                    "price": 9,
                    "attributes": [],
                    "status": "unpublished",
                    "external_ids": {"variant_id": "gid://stale"},
                }
            ],
        }
        identifier, data = pm.product_set_input(product)
        self.assertIsNone(identifier)
        self.assertEqual(data["status"], "DRAFT")
        self.assertEqual(data["productOptions"][0]["values"], [{"name": "Default Title"}])
        self.assertNotIn("id", data["variants"][0], "no variant id on a product Shopify does not know")
        product["status"] = "archived"
        product["variants"][0]["status"] = "archived"
        _identifier, data = pm.product_set_input(product)
        self.assertEqual(data["status"], "ARCHIVED")
        self.assertEqual(len(data["variants"]), 1, "an archived product keeps its variants")

    def test_export_results(self):
        product = load("product_normalized.json")
        answer = load("product_graphql.json")
        results = {r["sku"]: r for r in pm.export_results(product, answer)}
        self.assertEqual(
            results["MUG-RED"]["external_ids"]["inventory_item_id"],
            "gid://shopify/InventoryItem/47100000000001",
        )
        self.assertEqual(results["MUG-RED"]["external_ids"]["variant_legacy_id"], "45100000000001")
        self.assertIsNone(results["MUG-GREEN"]["external_ids"]["variant_id"])
        self.assertIsNone(results["MUG-GREEN"]["error"])

    def test_import(self):
        product = pm.product_from_graphql(load("product_graphql.json"))
        self.assertEqual(product["title"], "Mug")
        self.assertEqual([v["sku"] for v in product["variants"]], ["MUG-RED", "MUG-BLUE"])
        self.assertEqual(product["variants"][0]["attributes"], [{"name": "Color", "value": "Red"}])
        self.assertEqual(product["variants"][0]["price"], 12.5)
        self.assertEqual(product["variants"][0]["external_ids"]["inventory_item_legacy_id"], "47100000000001")
