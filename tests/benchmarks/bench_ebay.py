"""eBay benchmarks (issue 11), against the loopback eBay simulator (tests/simulators/ebay).

1. Stock (`run_stock`): 10,000 bound SKUs (Inventory API listings) through the store's Sync Inventory
   jobs run by the real queue runner (`sync.job._process_queue`, in this process, one transaction
   rolled back at the end), over HTTP with the seller's OAuth token. The issue asks for
   ceil(10,000 / 25) = 400 ``bulk_update_price_quantity`` calls (eBay's limit: 25 SKUs a call) and
   no other read, and for the share of the daily Inventory API quota the sync used: eBay's count (the
   simulator's) and the store's own count (`connector.store._rate_limit_usage`, which the jobs check
   before they call) against the store's Inventory quota line.
2. Orders (`run_orders`): order import from the pull, against the ORM baseline of the same run.

Run: scripts/bench --only ebay [--ebay-skus 10000]
"""

import math
import time

from tests.benchmarks.bench_common import Figure, say, section
from tests.simulators.ebay import EbaySimulator
from tests.simulators.ebay.seed import list_items

BATCH = 25  # bulkUpdatePriceQuantity: SKUs per call
BULK_PATH = "/sell/inventory/v1/bulk_update_price_quantity"
USER_TOKEN = "v^1.1#i^1#p^3#r^1#I^3#f^0#t^YmVuY2gtZWJheS1zdG9jaw=="
REFRESH_TOKEN = "v^1.1#i^1#p^3#r^1#f^0#I^3#t^YmVuY2gtZWJheS1yZWZyZXNo"


def run(oe, args):
    figures = run_stock(oe, args)
    figures += run_orders(oe, args)
    return figures


def run_stock(oe, args):
    skus = args.ebay_skus
    section(f"ebay stock export: {skus} bound SKUs (Inventory API listings), bulkUpdatePriceQuantity")
    sim = EbaySimulator(seed="none", access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
    sim.start()
    try:
        t0 = time.perf_counter()
        names = [f"EBSKU-{index:06d}" for index in range(skus)]
        listed = list_items(sim, [{"sku": sku, "quantity": 1, "price": "10.00"} for sku in names])
        say(f"simulator: {len(listed)} listings in {time.perf_counter() - t0:.1f} s")
        with oe.env() as env:
            try:
                return _stock_in(env, sim, listed)
            finally:
                env.cr.rollback()
    finally:
        sim.stop()


def _ebay_store(env, sim, warehouse):
    """An eBay store of the simulator's seller, connected (valid user token), publishing the
    warehouse's stock."""
    from datetime import timedelta

    from odoo import fields

    store = env["connector.store"].create({
        "name": "Bench eBay inventory", "platform": "ebay", "company_id": env.company.id,
        "warehouse_id": warehouse.id, "stock_baseline": "odoo", "auto_sync_products": False,
        "auto_sync_inventory": True, "auto_sync_orders": False,
    })
    store.sudo().ebay_api_url = sim.base_url
    now = fields.Datetime.now()
    Credential = env["integration.credential"]
    for key, value, expires_at in (
        ("app_id", sim.app_id, None), ("cert_id", sim.cert_id, None), ("dev_id", sim.dev_id, None),
        ("runame", sim.runame, None),
        ("access_token", USER_TOKEN, now + timedelta(hours=2)),
        ("refresh_token", REFRESH_TOKEN, now + timedelta(days=547)),
    ):
        Credential._set_value(store, key, value, expires_at=expires_at)
    return store


def _stock_in(env, sim, listed):
    from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters

    t0 = time.perf_counter()
    reset_limiters()
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    store = _ebay_store(env, sim, warehouse)
    skus = sorted(listed)
    templates = env["product.template"].with_context(tracking_disable=True).create([
        {"name": f"Bench eBay {sku}", "is_storable": True, "default_code": sku} for sku in skus
    ])
    products = templates.product_variant_ids
    env["store.product.binding"].create([
        {"store_id": store.id, "product_id": p.id, "sync_state": "synced",
         "external_data": {"ebay_listing_api": "inventory",
                           "offer_id": listed[p.default_code]["offerId"],
                           "listing_id": listed[p.default_code]["listingId"]}}
        for p in products
    ])
    env.cr.execute(
        """INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity,
                                    in_date, create_date, write_date, create_uid, write_uid)
           SELECT id, %s, %s, (id %% 50)::numeric, 0, now(), now(), now(), 1, 1
             FROM product_product WHERE id = ANY(%s)""",
        [warehouse.lot_stock_id.id, env.company.id, products.ids],
    )
    Job = env["sync.job"]
    Job.search([("store_id", "=", store.id)]).unlink()
    env.flush_all()
    env.invalidate_all()
    say(f"Odoo: store, {len(skus)} products, bindings and quants in {time.perf_counter() - t0:.1f} s")

    store._queue_inventory_sync()  # what Sync Inventory queues (no confirmation: nothing goes to 0)
    env.flush_all()
    jobs = Job.search([("store_id", "=", store.id), ("operation", "=", "inventory.sync")])
    say(f"Sync Inventory: {len(jobs)} jobs")
    sim.reset_requests()
    quota_before = sim.quota_used("inventory")
    started = time.monotonic()
    runs = 0
    while True:
        Job._process_queue(store_ids=store.ids, commit=False, time_limit=900)
        runs += 1
        env.flush_all()
        pending = Job.search_count([("store_id", "=", store.id), ("state", "in", ("pending", "processing"))])
        if not pending or time.monotonic() - started > 900:
            break
        # A job the rate limiter rescheduled: make it due now and run the queue again.
        env.cr.execute("UPDATE sync_job SET next_attempt_at = now() AT TIME ZONE 'UTC' "
                       "WHERE store_id = %s AND state = 'pending'", [store.id])
    elapsed = time.monotonic() - started
    requests = list(sim.requests)
    batches = [r for r in requests if r["method"] == "POST" and r["path"] == BULK_PATH]
    others = len(requests) - len(batches)
    sizes = [len((r.get("json") or {}).get("requests") or []) for r in batches]
    env.cr.execute("SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state", [store.id])
    states = dict(env.cr.fetchall())
    failed = states.get("failed", 0)
    errors = env["store.product.binding"].search_count(
        [("store_id", "=", store.id), ("inventory_error", "!=", False)])
    ebay_used = sim.quota_used("inventory") - quota_before
    usage = {line["api"]: line for line in store._rate_limit_usage()}["inventory"]
    limit = usage["limit"] or 0
    share = 100.0 * ebay_used / limit if limit else 0.0
    fewest = math.ceil(len(skus) / BATCH)
    say(f"queue runs {runs}; jobs by state {states}; {elapsed:.1f} s "
        f"({len(skus) / elapsed if elapsed else 0:.0f} SKUs/s)")
    say(f"bulk calls {len(batches)} (largest {max(sizes, default=0)} SKUs, {sum(sizes)} SKUs in all); "
        f"other requests {others}; SKUs refused {errors}")
    say(f"Inventory quota: eBay counted {ebay_used} calls, the store {usage['used']}, of {limit} a day "
        f"({share:.3f}%)")
    sample = skus[:: max(1, len(skus) // 20)]
    for sku in sample:
        product = products.filtered(lambda p, sku=sku: p.default_code == sku)
        assert sim.quantity(sku) == product.id % 50, (sku, sim.quantity(sku), product.id % 50)
    say(f"simulator quantities checked for {len(sample)} sampled SKUs: equal to Odoo's")
    violations = sim.take_schema_violations()
    assert not violations, violations[:3]
    reset_limiters()
    return [
        Figure("ebay stock: bulkUpdatePriceQuantity calls", len(batches), "", "equal", fewest,
               note=f"ceil({len(skus)}/{BATCH})"),
        Figure("ebay stock: SKUs per call (max)", max(sizes, default=0), "", "max", BATCH),
        Figure("ebay stock: other requests (reads)", others, "", "equal", 0),
        Figure("ebay stock: failed jobs", failed, "", "equal", 0),
        Figure("ebay stock: SKUs refused", errors, "", "equal", 0),
        Figure("ebay stock: Inventory calls the store counted", usage["used"], "", "equal", ebay_used,
               note="the store's quota count (the jobs' check before calling) equals eBay's"),
        Figure("ebay stock: share of the daily Inventory quota", round(share, 4), "%", "info",
               note=f"{ebay_used} of {limit} calls (the store's Inventory quota line, eBay's default)"),
        Figure("ebay stock: elapsed", elapsed, "s", "info"),
    ]


def run_orders(oe, args):
    """Part 2 (orders), added by the orders benchmark."""
    return []
