"""eBay stock, legacy listings, their migration and shipping end to end: the real REST and Trading
clients against the eBay simulator (tests/simulators/ebay), the jobs run by the real queue runner.
Every request is checked against eBay's published contracts (`sim.assert_contract_kept`).

* Stock: Sync Inventory of 60 bound SKUs = ceil(60/25) ``bulk_update_price_quantity`` calls and no
  other request; the quantities eBay lists equal Odoo's; a SKU eBay no longer has fails its binding
  only. A spent daily quota makes the jobs wait for eBay's quota day (no job fails), and they run
  once it has turned (US-Pacific midnight).
* Legacy listings: found by Full Sync (``GetMyeBaySelling``) next to an Inventory API listing,
  bound, their stock and price revised through Trading ``ReviseInventoryStatus`` (4 a call) and
  their details through ``ReviseFixedPriceItem``, never through the Inventory API; then migrated
  (``bulk_migrate_listing``, 5 a call) and revised through the Inventory API only, Trading refusing
  them from then on (eBay's 21919474).
* Shipping: an eBay order imported by the order pull, shipped in two packages with tracking numbers
  and the mapped carrier (its code loaded from ``GeteBayDetails``), gives two shipping fulfillments
  with their line items and quantities; a retried job does not send a package twice.
"""

import math
from datetime import timedelta

from odoo.sql_db import db_connect
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.ebay import EbaySimulator
from tests.simulators.ebay.seed import list_items

from ..models import ebay_stock_mapper as sm
from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store

BULK_PRICE_QUANTITY = "/sell/inventory/v1/bulk_update_price_quantity"
BULK_MIGRATE = "/sell/inventory/v1/bulk_migrate_listing"
TRADING = "/ws/api.dll"


class EbayE2eCase(HttpCase):
    """HttpCase: its registry test mode lets the work done in transactions of their own (a token
    refresh, the app token's mint) see the test's records, as they see committed ones in production."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1)

    def setUp(self):
        super().setUp()
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                                 access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.addCleanup(self.sim.assert_contract_kept)
        self.store = create_ebay_store(
            self.env, api_url=self.sim.base_url, warehouse_id=self.warehouse.id,
            auto_sync_inventory=False, auto_sync_products=False, auto_sync_orders=False)

    # ------------------------------------------------------------------ helpers
    def products(self, skus):
        return self.env["product.product"].create([
            {"name": f"Product {sku}", "default_code": sku, "is_storable": True, "type": "consu",
             "list_price": 10.0}
            for sku in skus
        ])

    def set_stock(self, product, quantity):
        if quantity:
            self.env["stock.quant"]._update_available_quantity(
                product, self.warehouse.lot_stock_id, quantity)

    def bind_listed(self, products, listed):
        """Bindings of Inventory API listings (as the listing export leaves them)."""
        return self.env["store.product.binding"].sudo().create([
            {"store_id": self.store.id, "product_id": product.id, "sync_state": "synced",
             "external_data": {sm.LISTING_API: sm.API_INVENTORY,
                               sm.OFFER_ID: listed[product.default_code]["offerId"],
                               sm.LISTING_ID: listed[product.default_code]["listingId"]}}
            for product in products
        ])

    def requests(self, path=None, method=None):
        return [r for r in self.sim.requests
                if (path is None or r["path"] == path) and (method is None or r["method"] == method)]

    def trading_calls(self, verb=None):
        return [call for call, _headers in self.sim.trading.calls if verb is None or call == verb]

    def jobs(self, operation):
        return self.env["sync.job"].search([("store_id", "=", self.store.id), ("operation", "=", operation)])


class TestEbayE2eStock(EbayE2eCase):
    def setUp(self):
        super().setUp()
        skus = [f"E2E-{n:03d}" for n in range(60)]
        self.listed = list_items(self.sim, [{"sku": sku, "quantity": 1, "price": "12.00"} for sku in skus])
        self.variants = self.products(skus)
        for index, product in enumerate(self.variants):
            self.set_stock(product, index % 7)
        self.bindings = self.bind_listed(self.variants, self.listed)

    def test_sixty_skus_take_three_bulk_calls_and_a_missing_sku_fails_its_binding_only(self):
        # One SKU was deleted on eBay (Seller Hub) after it was bound.
        gone = self.variants[30]
        self.sim.inventory.items.pop(gone.default_code)
        self.sim.reset_requests()
        self.store.action_sync_inventory()
        jobs = self.jobs("inventory.sync")
        self.assertEqual(len(jobs), math.ceil(60 / 25))
        run_queue(self.env, self.store)

        self.assertEqual([(r["method"], r["path"]) for r in self.sim.requests],
                         [("POST", BULK_PRICE_QUANTITY)] * 3, "one bulk call per 25 SKUs, nothing read")
        self.assertEqual([len(r["json"]["requests"]) for r in self.sim.requests], [25, 25, 10])
        self.assertFalse(self.trading_calls(), "no Trading call for Inventory API listings")
        for index, product in enumerate(self.variants):
            if product != gone:
                self.assertEqual(self.sim.quantity(product.default_code), index % 7, product.default_code)
        refused = self.bindings.filtered(lambda b: b.product_id == gone)
        self.assertIn("E2E-030", refused.inventory_error)
        self.assertIn("25702", refused.inventory_error)
        self.assertFalse(any((self.bindings - refused).mapped("inventory_error")))
        self.assertEqual(set(jobs.mapped("state")), {"done"})

    def test_spent_daily_quota_makes_the_jobs_wait_for_ebays_midnight_then_they_run(self):
        # The seller's keyset allows 2 Inventory calls today, and the store knows it (its quota line).
        self.sim.set_quota("inventory", 2)
        self.store.api_quota_ids.filtered(lambda q: q.api_name == "inventory").daily_limit = 2
        self.sim.reset_requests()
        self.store.action_sync_inventory()
        run_queue(self.env, self.store)
        jobs = self.jobs("inventory.sync")
        self.assertEqual(len(self.requests(BULK_PRICE_QUANTITY)), 2)
        self.assertEqual(len(self.sim.requests), 2, "nothing sent to eBay past the quota")
        waiting = jobs.filtered(lambda j: j.state == "pending")
        self.assertEqual(len(waiting), 1)
        self.assertNotIn("failed", jobs.mapped("state"))
        self.assertEqual(waiting.retry_count, 0, "waiting for the quota uses no retry")
        reset_in = self.store._get_adapter()._ebay_quota_reset_in(self.store)
        self.assertGreater(waiting.next_attempt_at, self.env.cr.now().replace(tzinfo=None))
        # Due when eBay's quota day turns (US-Pacific midnight), plus the queue's spread (up to 10%).
        wait = (waiting.next_attempt_at - self.env.cr.now().replace(tzinfo=None)).total_seconds()
        self.assertGreaterEqual(wait, reset_in - 60)
        self.assertLessEqual(wait, (reset_in + 60) * 1.1 + 60)
        self.assertIn("waits for the quota", waiting.last_error or "")
        # Running the queue again before the turn sends nothing.
        run_queue(self.env, self.store)
        self.assertEqual(len(self.sim.requests), 2)

        # Midnight in California: eBay's day turns, and so does the store's count.
        self.sim.advance((self.sim.clock.next_quota_reset() - self.sim.clock.now()).total_seconds() + 1)
        # The store's counts live in committed rows of their own (every worker shares them): the day
        # they were counted becomes yesterday.
        key = self.store._get_adapter()._rate_limit_bucket_key(self.store, "inventory")
        with db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(f"UPDATE {rate_limiter.TABLE} SET quota_day = quota_day - 1 WHERE key = %s", [key])
        usage = {line["api"]: line["used"] for line in self.store._rate_limit_usage()}
        self.assertEqual(usage["inventory"], 0)
        self.env.flush_all()
        self.env.cr.execute("UPDATE sync_job SET next_attempt_at = now() AT TIME ZONE 'UTC' WHERE id = %s",
                            [waiting.id])
        self.env.invalidate_all()
        run_queue(self.env, self.store)
        self.assertEqual(waiting.state, "done", waiting.last_error)
        bulk = self.requests(BULK_PRICE_QUANTITY)
        self.assertEqual([r["status"] for r in bulk], [200, 200, 401, 200],
                         "the third batch once the day turned (its token, a day old, refreshed first)")
        for index, product in enumerate(self.variants):
            self.assertEqual(self.sim.quantity(product.default_code), index % 7)
        self.assertEqual(self.sim.token_refreshes, 1, "the day-old token was refreshed once")

    def test_ebays_own_quota_answer_makes_the_job_wait_not_fail(self):
        # The store's quota line is higher than what eBay grants today: eBay's 429 decides.
        self.sim.set_quota("inventory", 1)
        self.store.action_sync_inventory()
        run_queue(self.env, self.store)
        jobs = self.jobs("inventory.sync")
        self.assertEqual(jobs.mapped("state").count("done"), 1)
        self.assertNotIn("failed", jobs.mapped("state"))
        waiting = jobs.filtered(lambda j: j.state == "pending")
        self.assertTrue(waiting)
        self.assertEqual(set(waiting.mapped("retry_count")), {0})
        self.assertTrue(all(j.next_attempt_at > self.env.cr.now().replace(tzinfo=None) for j in waiting))


class TestEbayE2eLegacy(EbayE2eCase):
    def setUp(self):
        super().setUp()
        # On eBay: one Inventory API listing, five legacy listings and a legacy listing of two
        # variations (made on eBay's site or by the old Trading integration).
        self.listed = list_items(self.sim, [{"sku": "NEW-1", "quantity": 4, "price": "20.00"}])
        self.legacy = {f"OLD-{n}": self.sim.add_legacy_listing(f"OLD-{n}", f"Old lamp {n}", "30.00", 2)
                       for n in range(5)}
        self.legacy_tee = self.sim.add_legacy_listing("OLD-TEE", "Old tee", "15.00", 0, variations=[
            {"sku": "OLD-TEE-S", "price": "15.00", "quantity": 3, "aspects": {"Size": "S"}},
            {"sku": "OLD-TEE-M", "price": "15.00", "quantity": 3, "aspects": {"Size": "M"}},
        ])
        self.skus = ["NEW-1", *self.legacy, "OLD-TEE-S", "OLD-TEE-M"]
        self.variants = self.products(self.skus)
        self.stock = {sku: 5 + index for index, sku in enumerate(self.skus)}
        for product in self.variants:
            self.set_stock(product, self.stock[product.default_code])

    def legacy_quantity(self, sku):
        if sku.startswith("OLD-TEE-"):
            variations = self.sim.legacy_listings[self.legacy_tee]["variations"]
            return next(v["quantity"] for v in variations if v["sku"] == sku)
        return self.sim.legacy_listings[self.legacy[sku]]["quantity"]

    def binding(self, sku):
        return self.env["store.product.binding"].search(
            [("store_id", "=", self.store.id), ("sku", "=", sku)])

    def test_the_stock_baseline_reads_what_ebay_offers_of_both_kinds_of_listings(self):
        # A shop connected with stock on eBay: the baseline shows eBay's quantities beside Odoo's
        # (Choose Stock Baseline), read in bulk for the Inventory API and per legacy listing.
        self.sim.legacy_listings[self.legacy["OLD-1"]]["quantity_sold"] = 1
        self.store.action_full_sync()
        run_queue(self.env, self.store)
        self.sim.reset_requests()
        pages_before = len(self.trading_calls("GetMyeBaySelling"))
        rows = {row["sku"]: row for row in self.store._stock_baseline_rows()}
        self.assertEqual(set(rows), set(self.skus))
        self.assertEqual(rows["NEW-1"]["platform_available"], self.sim.quantity("NEW-1"))
        for sku in self.skus[1:]:
            self.assertEqual(rows[sku]["platform_available"], self.legacy_quantity(sku), sku)
        self.assertEqual(rows["OLD-TEE-S"]["platform_available"], 3)
        self.assertIsNone(rows["NEW-1"]["platform_on_hand"])
        # One bulk read for the Inventory API's listing, one page of My eBay's active list for the six
        # legacy listings, nothing written.
        self.assertEqual(len(self.requests("/sell/inventory/v1/bulk_get_inventory_item", "POST")), 1)
        self.assertEqual(len(self.trading_calls("GetMyeBaySelling")) - pages_before, 1)
        reads = ("/sell/inventory/v1/bulk_get_inventory_item", "/ws/api.dll")
        self.assertEqual([r for r in self.sim.requests if r["path"] not in reads], [])

    def test_found_bound_revised_through_trading_then_migrated_and_revised_through_inventory_api(self):
        # Full Sync finds both kinds of listings and binds them by SKU.
        self.store.action_full_sync()
        run_queue(self.env, self.store)
        self.assertEqual(len(self.trading_calls("GetMyeBaySelling")), 1)
        [offers_read] = self.requests("/sell/inventory/v1/offer", "GET")
        self.assertEqual(offers_read["query"].get("sku"), "NEW-1")
        self.assertEqual(offers_read["query"].get("marketplace_id"), "EBAY_US",
                         "the offers of the store's marketplace")
        self.assertEqual(len(self.binding("NEW-1")), 1)
        modern = self.binding("NEW-1")
        self.assertEqual(modern._external_ids().get(sm.LISTING_API), sm.API_INVENTORY)
        self.assertEqual(modern._external_ids().get(sm.OFFER_ID), self.listed["NEW-1"]["offerId"])
        self.assertEqual(modern._external_ids().get(sm.LISTING_ID), self.listed["NEW-1"]["listingId"])
        for sku, item_id in self.legacy.items():
            ids = self.binding(sku)._external_ids()
            self.assertEqual((ids.get(sm.LISTING_API), ids.get(sm.LISTING_ID)), (sm.API_TRADING, item_id),
                             sku)
        for sku in ("OLD-TEE-S", "OLD-TEE-M"):
            ids = self.binding(sku)._external_ids()
            self.assertEqual((ids.get(sm.LISTING_ID), ids.get(sm.VARIATION)), (self.legacy_tee, True), sku)
        self.assertEqual(self.binding("OLD-0").product_id, self.variants.filtered(
            lambda p: p.default_code == "OLD-0"), "bound to the Odoo variant of its SKU")

        # Stock: the legacy listings through Trading (4 a call), never through the Inventory API.
        self.sim.reset_requests()
        self.sim.trading.calls.clear()
        self.store.action_sync_inventory()
        run_queue(self.env, self.store)
        self.assertEqual(len(self.trading_calls("ReviseInventoryStatus")), math.ceil(7 / 4))
        self.assertEqual(len(self.trading_calls()), 2, "nothing else asked of Trading")
        [bulk] = self.requests(BULK_PRICE_QUANTITY)
        self.assertEqual([r["sku"] for r in bulk["json"]["requests"]], ["NEW-1"],
                         "the Inventory API gets its own listing only")
        self.assertEqual(len(self.sim.requests), 1 + 2)
        self.assertEqual(self.sim.quantity("NEW-1"), self.stock["NEW-1"])
        for sku in self.skus[1:]:
            self.assertEqual(self.legacy_quantity(sku), self.stock[sku], sku)
            self.assertFalse(self.binding(sku).inventory_error, sku)

        # Details and price: ReviseFixedPriceItem and ReviseInventoryStatus, still no Inventory API call.
        lamp = self.variants.filtered(lambda p: p.default_code == "OLD-1")
        lamp.product_tmpl_id.write({"name": "Brass desk lamp", "list_price": 34.5})
        self.sim.reset_requests()
        self.sim.trading.calls.clear()
        self.store._enqueue_product_sync(self.binding("OLD-1"), "products.export", force=True)
        run_queue(self.env, self.store)
        self.assertEqual(self.trading_calls(), ["ReviseFixedPriceItem", "ReviseInventoryStatus"])
        self.assertEqual([r["path"] for r in self.sim.requests], [TRADING, TRADING])
        listing = self.sim.legacy_listings[self.legacy["OLD-1"]]
        self.assertEqual((listing["title"], listing["price"]), ("Brass desk lamp", "34.50"))
        self.assertEqual(self.binding("OLD-1").sync_state, "synced")

        # The store counts its legacy listings (the Migrate button shows only then).
        self.assertEqual(self.store.ebay_legacy_listing_count, 6)
        # Migration: bulkMigrateListing, 5 listings a call; the bindings switch to the Inventory API.
        self.sim.reset_requests()
        self.store.action_ebay_migrate_listings()
        self.assertEqual(len(self.jobs("products.migrate")), 2)
        run_queue(self.env, self.store)
        migrations = self.requests(BULK_MIGRATE, "POST")
        self.assertEqual(sorted(len(r["json"]["requests"]) for r in migrations), [1, 5])
        self.assertEqual(sorted(r["listingId"] for m in migrations for r in m["json"]["requests"]),
                         sorted([*self.legacy.values(), self.legacy_tee]))
        for sku in self.skus[1:]:
            ids = self.binding(sku)._external_ids()
            self.assertEqual(ids.get(sm.LISTING_API), sm.API_INVENTORY, sku)
            self.assertEqual(ids.get(sm.OFFER_ID), self.sim.offers(sku)[0]["offerId"], sku)
            self.assertFalse(ids.get(sm.VARIATION), sku)
            self.assertFalse(self.binding(sku).last_error, sku)
        self.assertTrue(self.sim.trading.is_migrated(self.legacy["OLD-0"]))
        self.store.invalidate_recordset(["ebay_legacy_listing_count"])
        self.assertEqual(self.store.ebay_legacy_listing_count, 0)

        # From now on the Inventory API only: one bulk call for the eight SKUs, no Trading call.
        for product in self.variants:
            self.set_stock(product, 1)
        self.sim.reset_requests()
        self.sim.trading.calls.clear()
        self.store.action_sync_inventory()
        run_queue(self.env, self.store)
        self.assertEqual([(r["method"], r["path"]) for r in self.sim.requests],
                         [("POST", BULK_PRICE_QUANTITY)])
        self.assertFalse(self.trading_calls())
        for sku in self.skus:
            self.assertEqual(self.sim.quantity(sku), self.stock[sku] + 1, sku)
            self.assertFalse(self.binding(sku).inventory_error, sku)
        # And Trading refuses them now (eBay: Inventory API listings cannot be revised with Trading).
        with self.assertRaises(PermanentJobError) as refused:
            self.store._ebay_trading().execute(
                "ReviseInventoryStatus",
                {"InventoryStatus": [{"ItemID": self.legacy["OLD-0"], "Quantity": "2"}]})
        self.assertIn("21919474", str(refused.exception))

        # A later Full Sync finds the migrated listings in My eBay again: they stay Inventory API ones.
        self.store.action_full_sync()
        run_queue(self.env, self.store)
        for sku in self.skus:
            self.assertEqual(self.binding(sku)._external_ids().get(sm.LISTING_API), sm.API_INVENTORY, sku)


class TestEbayE2eShipping(EbayE2eCase):
    def setUp(self):
        super().setUp()
        self.listed = list_items(self.sim, [{"sku": "MUG-1", "quantity": 10, "price": "9.90"},
                                            {"sku": "TEE-1", "quantity": 10, "price": "15.00"}])
        self.mug, self.tee = self.products(["MUG-1", "TEE-1"])
        for product in (self.mug, self.tee):
            self.set_stock(product, 10)
        self.bind_listed(self.mug | self.tee, self.listed)
        self.carrier = self.env["delivery.carrier"].create({
            "name": "UPS Ground", "delivery_type": "fixed", "fixed_price": 5.0,
            "product_id": self.env["product.product"].create({"name": "Shipping", "type": "service"}).id,
        })

    def ship(self, picking, quantities, tracking):
        picking.write({"carrier_id": self.carrier.id, "carrier_tracking_ref": tracking})
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0)
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()

    def test_imported_order_shipped_in_two_packages_with_tracking_and_the_mapped_carrier(self):
        # The carrier codes eBay knows (GeteBayDetails), then the Carrier Mapping uses one of them.
        self.store.action_ebay_load_carrier_codes()
        self.assertEqual(self.trading_calls(), ["GeteBayDetails"])
        self.assertIn("UPS", self.store.ebay_carrier_codes)
        self.env["store.carrier.map"].create(
            {"store_id": self.store.id, "carrier_id": self.carrier.id, "platform_carrier": "UPS"})

        # A buyer's order on eBay, imported by the order pull.
        order = self.sim.add_order([{"sku": "MUG-1", "quantity": 3, "price": "9.90"},
                                    {"sku": "TEE-1", "quantity": 1, "price": "15.00"}],
                                   created=self.sim.clock.now() - timedelta(minutes=5))
        line_ids = {line["sku"]: line["lineItemId"] for line in order["lineItems"]}
        self.store.action_pull_orders()
        run_queue(self.env, self.store)
        binding = self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", order["orderId"])])
        sale = binding.order_id
        self.assertEqual(sale.state, "sale", "a paid eBay order is confirmed")
        self.assertEqual(sorted(sale.order_line.mapped("store_external_line_id")), sorted(line_ids.values()))

        # First package: two mugs.
        first = sale.picking_ids
        self.sim.reset_requests()
        self.ship(first, {self.mug: 2}, "1Z 999-AA1 0123456784")
        run_queue(self.env, self.store)
        self.assertEqual(first.store_fulfillment_ref, "1Z999AA10123456784")
        # Second package: the backorder, the last mug and the T-shirt.
        second = sale.picking_ids - first
        self.assertEqual(len(second), 1)
        self.ship(second, {self.mug: 1, self.tee: 1}, "1Z999AA10123456795")
        run_queue(self.env, self.store)

        sent = self.sim.shipping_fulfillments(order["orderId"])
        self.assertEqual(len(sent), 2)
        by_tracking = {f["shipmentTrackingNumber"]: f for f in sent}
        self.assertEqual(
            sorted((i["lineItemId"], i["quantity"]) for i in by_tracking["1Z999AA10123456784"]["lineItems"]),
            [(line_ids["MUG-1"], 2)])
        self.assertEqual(
            sorted((i["lineItemId"], i["quantity"]) for i in by_tracking["1Z999AA10123456795"]["lineItems"]),
            sorted([(line_ids["MUG-1"], 1), (line_ids["TEE-1"], 1)]))
        self.assertEqual({f["shippingCarrierCode"] for f in sent}, {"UPS"})
        self.assertEqual(self.sim.order(order["orderId"])["orderFulfillmentStatus"], "FULFILLED")
        posts = self.requests(method="POST")
        self.assertEqual(len(posts), 2)
        self.assertEqual({r["api"] for r in self.requests()}, {"fulfillment"})

        # eBay took the second package but its answer was lost: the retried job finds it, sends nothing.
        self.env.flush_all()
        self.env.cr.execute("UPDATE stock_picking SET store_fulfillment_ref = NULL WHERE id = %s",
                            [second.id])
        self.env.invalidate_all()
        jobs = second._store_enqueue_fulfillment()
        self.assertTrue(jobs)
        run_queue(self.env, self.store)
        self.assertEqual(len(self.requests(method="POST")), 2, "not sent twice")
        self.assertEqual(len(self.sim.shipping_fulfillments(order["orderId"])), 2)
        self.assertEqual(second.store_fulfillment_ref, "1Z999AA10123456795")
