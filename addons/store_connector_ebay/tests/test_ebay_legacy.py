"""Legacy eBay listings (made on eBay's site or by the old Trading integration): found by Full
Sync and bound by SKU, revised through Trading only, migrated to the Inventory API by a manager's
action."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from odoo.addons.store_connector_base.tests.common import run_queue

from .common_stock import FakeEbayClient, FakeTrading, use_fake_clients
from .test_ebay_stock import EbayStockCase

ITEMS = "/sell/inventory/v1/inventory_item"
MIGRATE = "/sell/inventory/v1/bulk_migrate_listing"


def selling_reply(items, pages=1):
    return {
        "Ack": "Success",
        "ActiveList": {"ItemArray": {"Item": items}, "PaginationResult": {"TotalNumberOfPages": str(pages)}},
    }


SIMPLE = {
    "ItemID": "330001",
    "SKU": "MUG-1",
    "Title": "Blue mug",
    "ListingType": "FixedPriceItem",
    "StartPrice": {"value": "9.50", "_currencyID": "USD"},
}
VARIED = {
    "ItemID": "330002",
    "Title": "Tee",
    "ListingType": "FixedPriceItem",
    "Variations": {
        "Variation": [
            {
                "SKU": "TEE-S",
                "StartPrice": {"value": "15.00"},
                "VariationSpecifics": {"NameValueList": [{"Name": "Size", "Value": "S"}]},
            },
            {
                "SKU": "TEE-M",
                "StartPrice": {"value": "16.00"},
                "VariationSpecifics": {"NameValueList": [{"Name": "Size", "Value": "M"}]},
            },
        ]
    },
}
AUCTION = {"ItemID": "330003", "SKU": "RARE-1", "Title": "Rare", "ListingType": "Chinese"}
# An Inventory API listing shows in My eBay too.
MODERN = {"ItemID": "330004", "SKU": "NEW-1", "Title": "New", "ListingType": "FixedPriceItem"}


class TestEbayLegacyListings(EbayStockCase):
    def test_full_sync_finds_legacy_listings_and_binds_them_by_sku(self):
        products = self.env["product.product"].create(
            [
                {"name": name, "default_code": sku, "is_storable": True, "type": "consu"}
                for name, sku in (("Mug", "MUG-1"), ("Tee S", "TEE-S"), ("Tee M", "TEE-M"), ("New", "NEW-1"))
            ]
        )
        modern = (
            self.env["store.product.binding"]
            .sudo()
            .create(
                {
                    "store_id": self.store.id,
                    "product_id": products[3].id,
                    "external_data": {"listing_id": "330004", "offer_id": "77"},
                }
            )
        )

        def rest(method, path, params, body):
            self.assertEqual((method, path), ("GET", ITEMS))
            return {"inventoryItems": [], "total": 0}

        pages = [selling_reply([SIMPLE, AUCTION], pages=2), selling_reply([VARIED, MODERN], pages=2)]
        client, trading = use_fake_clients(
            self, FakeEbayClient(rest), FakeTrading(lambda verb, data: pages.pop(0))
        )
        self.store.action_full_sync()
        run_queue(self.env, self.store)

        self.assertEqual([verb for verb, _data in trading.calls], ["GetMyeBaySelling"] * 2)
        self.assertEqual(
            [data["ActiveList"]["Pagination"]["PageNumber"] for _v, data in trading.calls], ["1", "2"]
        )
        bindings = self.env["store.product.binding"].search([("store_id", "=", self.store.id)])
        by_sku = {b.sku: b for b in bindings}
        self.assertEqual(
            by_sku["MUG-1"].external_data, {"listing_id": "330001", "ebay_listing_api": "trading"}
        )
        self.assertEqual(
            by_sku["TEE-M"].external_data,
            {"listing_id": "330002", "ebay_listing_api": "trading", "ebay_variation": True},
        )
        self.assertEqual(by_sku["MUG-1"].product_id, products[0])
        self.assertNotIn("RARE-1", by_sku, "an auction is not a fixed-price listing")
        self.assertEqual(
            modern.external_data,
            {"listing_id": "330004", "offer_id": "77"},
            "an Inventory API listing is never bound as legacy",
        )

    def test_legacy_product_export_goes_through_trading_only(self):
        client, trading = use_fake_clients(
            self,
            FakeEbayClient(),
            FakeTrading(
                lambda verb, data: {"Ack": "Success", "InventoryStatus": data.get("InventoryStatus")}
            ),
        )
        ids = {"listing_id": "330002", "ebay_listing_api": "trading", "ebay_variation": True}
        results = self.store._get_adapter()._export_products(
            self.store,
            [
                {
                    "title": "Tee",
                    "description": "<p>Soft</p>",
                    "status": "active",
                    "variants": [
                        {"sku": "TEE-S", "price": 15.0, "external_ids": ids},
                        {"sku": "TEE-M", "price": 16.0, "external_ids": ids},
                    ],
                }
            ],
        )
        self.assertEqual(
            trading.calls,
            [
                (
                    "ReviseFixedPriceItem",
                    {"Item": {"ItemID": "330002", "Title": "Tee", "Description": "<p>Soft</p>"}},
                ),
                (
                    "ReviseInventoryStatus",
                    {
                        "InventoryStatus": [
                            {"ItemID": "330002", "SKU": "TEE-S", "StartPrice": "15.00"},
                            {"ItemID": "330002", "SKU": "TEE-M", "StartPrice": "16.00"},
                        ]
                    },
                ),
            ],
        )
        self.assertFalse(client.calls, "a legacy listing never gets an Inventory API call")
        self.assertEqual([r["error"] for r in results], [None, None])

    def test_an_unpublished_legacy_product_is_refused_in_words(self):
        _client, trading = use_fake_clients(self)
        results = self.store._get_adapter()._export_products(
            self.store,
            [
                {
                    "title": "Mug",
                    "status": "unpublished",
                    "variants": [
                        {
                            "sku": "MUG-1",
                            "price": 9.0,
                            "external_ids": {"listing_id": "1", "ebay_listing_api": "trading"},
                        }
                    ],
                }
            ],
        )
        self.assertFalse(trading.calls)
        self.assertIn("Migrate to the Inventory API", results[0]["error"])


class TestEbayMigration(EbayStockCase):
    def legacy(self, n):
        return {"listing_id": f"44{n:04d}", "ebay_listing_api": "trading"}

    def test_migration_binds_the_new_offers_and_keeps_refusals_on_the_bindings(self):
        bindings = self.make_bindings(7, prefix="OLD", data=self.legacy)
        modern = self.make_bindings(1, prefix="NEW")

        def rest(method, path, params, body):
            responses = []
            for request in body["requests"]:
                listing = request["listingId"]
                n = int(listing[2:])
                if n == 3:
                    responses.append(
                        {
                            "listingId": listing,
                            "statusCode": 400,
                            "errors": [
                                {"errorId": 25052, "longMessage": "The listing has an unsupported condition."}
                            ],
                        }
                    )
                else:
                    responses.append(
                        {
                            "listingId": listing,
                            "statusCode": 200,
                            "marketplaceId": "EBAY_US",
                            "inventoryItems": [{"sku": f"OLD-{n:03d}", "offerId": f"9{n}"}],
                        }
                    )
            return {"responses": responses}

        client, _trading = use_fake_clients(self, FakeEbayClient(rest))
        self.store.action_ebay_migrate_listings()
        run_queue(self.env, self.store)

        self.assertEqual([(c["method"], c["path"]) for c in client.calls], [("POST", MIGRATE)] * 2)
        self.assertEqual([len(c["json"]["requests"]) for c in client.calls], [5, 2], "5 listings a call")
        migrated = bindings.filtered(lambda b: b.sku != "OLD-003")
        for binding in migrated:
            n = int(binding.sku[4:])
            self.assertEqual(
                binding.external_data,
                {"listing_id": f"44{n:04d}", "offer_id": f"9{n}", "ebay_listing_api": "inventory"},
            )
            self.assertFalse(binding.last_error)
        refused = bindings - migrated
        self.assertEqual(
            refused.external_data["ebay_listing_api"], "trading", "a refused listing stays legacy"
        )
        self.assertIn("25052: The listing has an unsupported condition.", refused.last_error)
        self.assertFalse(modern.last_error)

        # Migrated: the stock now goes through the Inventory API, never Trading.
        client.calls.clear()
        client.handler = lambda *a: {"responses": []}
        _c, trading = use_fake_clients(self, client, FakeTrading())
        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)
        inventory_skus = {r["sku"] for c in client.calls for r in c["json"]["requests"]}
        self.assertEqual(inventory_skus, set((migrated | modern).mapped("sku")))
        self.assertEqual([s["ItemID"] for _v, d in trading.calls for s in d["InventoryStatus"]], ["440003"])

    def test_migration_is_a_managers_action(self):
        self.make_bindings(1, prefix="OLD", data=self.legacy)
        user = new_test_user(
            self.env, "ebay_stock_user", groups="store_connector_base.group_store_connector_user"
        )
        with self.assertRaises(AccessError):
            self.store.with_user(user).action_ebay_migrate_listings()
        self.assertFalse(self.jobs(operation="products.migrate"))

    def test_nothing_to_migrate_says_so(self):
        action = self.store.action_ebay_migrate_listings()
        self.assertIn("no legacy eBay listing", str(action))
