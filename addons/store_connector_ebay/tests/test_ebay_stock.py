"""eBay stock: quantities through bulkUpdatePriceQuantity (25 SKUs a call, per-SKU errors on the
binding), legacy listings through Trading ReviseInventoryStatus (4 a call), never both, and a
batch that today's quota cannot hold waits for the quota day to turn."""

from unittest.mock import patch

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common import run_queue

from .common_stock import (
    FakeEbayClient,
    FakeTrading,
    create_ebay_test_store,
    trading_failure,
    use_fake_clients,
)

BULK = "/sell/inventory/v1/bulk_update_price_quantity"


class EbayStockCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_ebay_test_store(cls.env)
        cls.location = cls.store.warehouse_id.lot_stock_id

    def make_bindings(self, count, prefix="SKU", data=None):
        products = self.env["product.product"].create(
            [
                {
                    "name": f"{prefix} {n}",
                    "default_code": f"{prefix}-{n:03d}",
                    "is_storable": True,
                    "type": "consu",
                }
                for n in range(count)
            ]
        )
        Binding = self.env["store.product.binding"].sudo()
        return Binding.create(
            [
                {
                    "store_id": self.store.id,
                    "product_id": p.id,
                    "sync_state": "synced",
                    "external_data": data(n)
                    if data
                    else {"offer_id": f"OFFER-{n}", "listing_id": f"11{n:04d}"},
                }
                for n, p in enumerate(products)
            ]
        )

    def set_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(product, self.location, quantity)

    def jobs(self, **domain):
        return self.env["sync.job"].search(
            [("store_id", "=", self.store.id)] + [(key, "=", value) for key, value in domain.items()]
        )


class TestEbayStock(EbayStockCase):
    def test_sixty_skus_take_three_calls_and_one_refused_sku_fails_its_binding_only(self):
        bindings = self.make_bindings(60)
        self.set_stock(bindings[0].product_id, 7)
        self.set_stock(bindings[59].product_id, 3)

        def answer(method, path, params, body):
            return {
                "responses": [
                    {"sku": r["sku"], "offerId": r["offers"][0]["offerId"], "statusCode": 200}
                    if r["sku"] != "SKU-030"
                    else {
                        "sku": "SKU-030",
                        "statusCode": 400,
                        "errors": [
                            {"errorId": 25604, "longMessage": "The offer is not available for this SKU."}
                        ],
                    }
                    for r in body["requests"]
                ]
            }

        client, trading = use_fake_clients(self, FakeEbayClient(answer))
        jobs = self.store._enqueue_inventory_sync()
        self.assertEqual(len(jobs), 3)
        run_queue(self.env, self.store)

        self.assertEqual(
            [(c["method"], c["path"], c["api"]) for c in client.calls],
            [("POST", BULK, "inventory")] * 3,
            "one bulk call per 25 SKUs and nothing read",
        )
        self.assertEqual([len(c["json"]["requests"]) for c in client.calls], [25, 25, 10])
        self.assertFalse(trading.calls)
        first = client.calls[0]["json"]["requests"][0]
        self.assertEqual(
            first,
            {
                "sku": "SKU-000",
                "shipToLocationAvailability": {"quantity": 7},
                "offers": [{"offerId": "OFFER-0", "availableQuantity": 7}],
            },
        )
        refused = bindings.filtered(lambda b: b.sku == "SKU-030")
        self.assertIn("25604: The offer is not available for this SKU.", refused.inventory_error)
        self.assertIn("SKU-030", refused.inventory_error)
        others = bindings - refused
        self.assertFalse(any(others.mapped("inventory_error")))
        self.assertTrue(all(others.mapped("inventory_synced_at")))
        self.assertEqual(bindings[59].inventory_quantity, 3)
        self.assertEqual(set(jobs.mapped("state")), {"done"})

    def test_price_goes_on_the_offer_only_when_its_id_is_known(self):
        client, _trading = use_fake_clients(self, FakeEbayClient(lambda *a: {"responses": []}))
        adapter = self.store._get_adapter()
        results = adapter._ebay_price_quantity_batch(
            self.store,
            [
                {"sku": "A", "quantity": None, "offer_id": "9", "price": 12.5, "currency": "USD"},
                {"sku": "B", "quantity": 2, "offer_id": None, "price": 3.0, "currency": "USD"},
            ],
        )
        self.assertEqual(
            client.calls[0]["json"]["requests"],
            [
                {"sku": "A", "offers": [{"offerId": "9", "price": {"value": "12.50", "currency": "USD"}}]},
                {"sku": "B", "shipToLocationAvailability": {"quantity": 2}},
            ],
        )
        self.assertEqual(results, [{"sku": "A", "error": None}, {"sku": "B", "error": None}])

    def test_a_batch_that_todays_quota_cannot_hold_waits_for_the_reset(self):
        self.make_bindings(30)
        client, _trading = use_fake_clients(self)
        adapter = type(self.store._get_adapter())
        with patch.object(adapter, "_ebay_quota_left", lambda self, store, quota: (0, 1800)):
            jobs = self.store._enqueue_inventory_sync()
            run_queue(self.env, self.store)
        self.assertFalse(client.calls, "nothing is sent when the quota cannot hold the batch")
        self.assertEqual(set(jobs.mapped("state")), {"pending"}, "the jobs wait, none fails")
        self.assertEqual(set(jobs.mapped("retry_count")), {0}, "waiting for the quota uses no retry")
        for job in jobs:
            self.assertGreater(job.next_attempt_at, job.create_date)
            self.assertIn("too few calls left today", job.last_error)

    def test_quota_with_room_lets_the_batch_through(self):
        self.make_bindings(3)
        client, _trading = use_fake_clients(self, FakeEbayClient(lambda *a: {"responses": []}))
        adapter = type(self.store._get_adapter())
        with patch.object(adapter, "_ebay_quota_left", lambda self, store, quota: (1, 1800)):
            self.store._enqueue_inventory_sync()
            run_queue(self.env, self.store)
        self.assertEqual(len(client.calls), 1)


class TestEbayLegacyStock(EbayStockCase):
    def legacy(self, n):
        data = {"listing_id": f"2200{n // 2}", "ebay_listing_api": "trading"}
        if n % 2:
            data["ebay_variation"] = True
        return data

    def test_legacy_listings_go_through_trading_four_a_call_and_never_the_inventory_api(self):
        legacy = self.make_bindings(6, prefix="OLD", data=self.legacy)
        modern = self.make_bindings(3, prefix="NEW")
        self.set_stock(legacy[1].product_id, 5)
        client, trading = use_fake_clients(
            self,
            FakeEbayClient(lambda *a: {"responses": []}),
            FakeTrading(lambda verb, data: {"Ack": "Success", "InventoryStatus": data["InventoryStatus"]}),
        )
        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)

        self.assertEqual([verb for verb, _data in trading.calls], ["ReviseInventoryStatus"] * 2)
        self.assertEqual([len(data["InventoryStatus"]) for _verb, data in trading.calls], [4, 2])
        sent = [s for _verb, data in trading.calls for s in data["InventoryStatus"]]
        self.assertEqual(sent[0], {"ItemID": "22000", "Quantity": "0"}, "a single-SKU listing: by item id")
        self.assertEqual(
            sent[1],
            {"ItemID": "22000", "SKU": "OLD-001", "Quantity": "5"},
            "a variation: the SKU is mandatory",
        )
        sent_to_inventory_api = {r["sku"] for c in client.calls for r in c["json"]["requests"]}
        self.assertEqual(sent_to_inventory_api, set(modern.mapped("sku")))
        self.assertFalse(set(legacy.mapped("sku")) & sent_to_inventory_api)
        self.assertTrue(all((legacy | modern).mapped("inventory_synced_at")))

    def test_a_refused_call_is_sent_again_item_by_item_and_the_error_lands_on_its_binding(self):
        legacy = self.make_bindings(4, prefix="OLD", data=self.legacy)

        def answer(verb, data):
            if any(s.get("SKU") == "OLD-003" for s in data["InventoryStatus"]):
                raise trading_failure(21916750, "The variation SKU OLD-003 was not found in listing 22001.")
            return {"Ack": "Success", "InventoryStatus": data["InventoryStatus"]}

        _client, trading = use_fake_clients(self, trading=FakeTrading(answer))
        self.store._enqueue_inventory_sync()
        run_queue(self.env, self.store)
        self.assertEqual([len(data["InventoryStatus"]) for _verb, data in trading.calls], [4, 1, 1, 1, 1])
        failed = legacy.filtered("inventory_error")
        self.assertEqual(failed.mapped("sku"), ["OLD-003"])
        self.assertIn("21916750", failed.inventory_error)
        self.assertIn("legacy listing 22001", failed.inventory_error)
        self.assertEqual(len((legacy - failed).filtered("inventory_synced_at")), 3)
