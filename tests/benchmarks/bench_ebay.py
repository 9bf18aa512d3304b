"""eBay benchmarks (issue 11), against the loopback eBay simulator (tests/simulators/ebay).

1. Stock (`run_stock`): 10,000 bound SKUs (Inventory API listings) through the store's Sync Inventory
   jobs run by the real queue runner (`sync.job._process_queue`, in this process, one transaction
   rolled back at the end), over HTTP with the seller's OAuth token. The issue asks for
   ceil(10,000 / 25) = 400 ``bulk_update_price_quantity`` calls (eBay's limit: 25 SKUs a call) and
   no other read, and for the share of the daily Inventory API quota the sync used: eBay's count (the
   simulator's) and the store's own count (`connector.store._rate_limit_usage`, which the jobs check
   before they call) against the store's Inventory quota line.
2. Orders from the pull, end to end: N orders (default 300, ``--ebay-orders``) of 3 lines are placed in
   the simulator (eBay-collected sales tax, shipping), then the store's order pull is queued as the
   Pull Orders button and the pull cron queue it, and a real odoo-bin (prefork workers, one cron
   thread: the queue runner) does what it does for a merchant: the pull's page jobs read
   ``GET /sell/fulfillment/v1/order`` (lastmodifieddate windows of at most 200 orders) over HTTP
   through the real client and import each page with the base's batch importer, until every order is
   a confirmed sale.order (a paid order maps to "processing", auto-confirm on). A real server rather
   than the runner in-process: the merchant's orders go through the cron runner's transactions and
   commits, which an in-process run inside one transaction would not measure.
   Rate = orders / wall time from the pull queued to the last order seen confirmed. Baseline, in the
   same run: sale.order.create + action_confirm of the same orders (same partners, products,
   quantities, prices, taxes, delivery lines) through the ORM in batches of 100, rolled back
   (`bench_shopify._orm_baseline`). Target: the pull's rate is at least 0.60 x the ORM rate.

Run: scripts/bench --only ebay [--ebay-skus 10000] [--ebay-orders 300]
"""

import math
import os
import secrets
import tempfile
import time
from datetime import timedelta

from tests.benchmarks.bench_common import Figure, drain_store_queue, insert_quants, say, section
from tests.benchmarks.bench_shopify import ORDER_RATIO_TARGET, _cleanup_orders, _confirmed, _orm_baseline
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
    insert_quants(env, products, warehouse.lot_stock_id)
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
    runs, elapsed = drain_store_queue(env, store, time_limit=900)
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


ORDER_PRODUCTS = 50
ORDER_CUSTOMERS = 100
ORDER_LINES = 3
ACCESS_TOKEN = "v^1.1#i^1#p^3#r^1#I^3#f^0#t^bench-ebay-orders-access"
ORDERS_REFRESH_TOKEN = "v^1.1#i^1#p^3#r^1#f^0#I^3#t^bench-ebay-orders-refresh"


def _order_fixtures(oe, sim):
    """Committed: an eBay store pointing at the simulator (auto-confirm, eBay's status table) with its
    keyset and a valid user token; products with SKUs. Other crons postponed; the queue runner on."""
    with oe.env() as env:
        from odoo import fields

        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        store = env["connector.store"].create({
            "name": "Bench eBay orders",
            "code": f"bench-ebay-{secrets.token_hex(4)}",
            "platform": "ebay",
            "company_id": env.company.id,
            "warehouse_id": warehouse.id,
            "stock_baseline": "odoo",
            "order_auto_confirm": True,
            "auto_sync_inventory": False,
            "auto_sync_products": False,
        })
        store.sudo().ebay_api_url = sim.base_url
        now = fields.Datetime.now()
        Credential = env["integration.credential"]
        for key, value, expires_at in (
            ("app_id", sim.app_id, None), ("cert_id", sim.cert_id, None), ("dev_id", sim.dev_id, None),
            ("runame", sim.runame, None),
            ("access_token", ACCESS_TOKEN, now + timedelta(hours=2)),
            ("refresh_token", ORDERS_REFRESH_TOKEN, now + timedelta(days=547)),
        ):
            Credential._set_value(store, key, value, expires_at=expires_at)
        tag = store.code[-8:]
        env["product.product"].create([
            {"name": f"Bench eBay product {i}", "default_code": f"EBP-{tag}-{i}", "type": "consu",
             "list_price": 10 + i}
            for i in range(ORDER_PRODUCTS)
        ])
        runner = env.ref("store_connector_base.ir_cron_sync_job_runner")
        env.cr.execute("UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day' "
                       "WHERE id != %s AND active", [runner.id])
        runner.write({"active": True})
        env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [runner.id])
        return store.id, tag


def _place_orders(sim, tag, lines, count):
    """`count` paid orders of `lines` lines over the last hours (one buyer in ORDER_CUSTOMERS each,
    US sales tax collected by eBay, shipping), as buyers checked out before the pull."""
    start = sim.clock.now() - timedelta(seconds=30 * count + 60)
    for n in range(count):
        sim.add_order(
            [{"sku": f"EBP-{tag}-{(n * 7 + k * 13) % ORDER_PRODUCTS}", "quantity": 1 + (n + k) % 3,
              "price": f"{10 + (n * 7 + k * 13) % ORDER_PRODUCTS}.00"} for k in range(lines)],
            buyer=f"bench_buyer_{tag}_{n % ORDER_CUSTOMERS}",
            ebay_collected_tax="0.0825", shipping_cost="4.90",
            created=start + timedelta(seconds=30 * n),
        )


def _queue_pull(oe, store_id, since):
    """The store's order pull queued and committed, as Pull Orders does (the runner is woken)."""
    with oe.env() as env:
        store = env["connector.store"].browse(store_id)
        return store._enqueue_order_pull(since=since).id


def run_orders_once(oe, args, lines, count):
    from tests.benchmarks import bench_webhook

    mode = "threaded" if args.server == "threaded" else "prefork"
    section(f"ebay orders from the pull: {count} paid orders of {lines} lines, odoo-bin {mode} + queue "
            f"runner, vs ORM create + confirm")
    sim = EbaySimulator(seed="none", access_token=ACCESS_TOKEN, refresh_token=ORDERS_REFRESH_TOKEN)
    sim.start()
    store_id = None
    server = None
    results = {}
    try:
        store_id, tag = _order_fixtures(oe, sim)
        _place_orders(sim, tag, lines, count)
        log_path = os.path.join(tempfile.gettempdir(), f"sc-bench-{args.database}-ebay-orders.log")
        server = bench_webhook.OdooServer(args, mode, True, log_path)
        server.start()
        say(f"odoo-bin {mode} on 127.0.0.1:{server.port}; {count} orders waiting on eBay")
        since = (sim.clock.now() - timedelta(days=1)).replace(tzinfo=None)
        sim.reset_requests()
        results["t0"] = time.monotonic()
        _queue_pull(oe, store_id, since)
        deadline = time.monotonic() + args.drain_timeout + count
        done = 0
        while time.monotonic() < deadline:
            done = _confirmed(oe, store_id)
            if done >= count:
                break
            time.sleep(0.05)
        results["t_end"] = time.monotonic()
        problems = server.log_problems()
    finally:
        if server:
            server.stop()
        sim.stop()
    try:
        wall = results["t_end"] - results["t0"]
        calls = [r for r in sim.requests if r["path"] == "/sell/fulfillment/v1/order"]
        violations = sim.take_schema_violations()
        jobs = dict(oe.sql("SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state",
                           [store_id]))
        e2e_rate = done / wall if wall else 0.0
        say(f"{done}/{count} confirmed sale orders {wall:.1f} s after the pull was queued; "
            f"{len(calls)} getOrders calls; jobs {jobs}; contract violations {len(violations)}")
        if problems[0]:
            say(f"server log: {problems[0]} ERROR lines, first: {problems[1]}")
        orm_seconds, orm_count = _orm_baseline(oe, store_id)
        orm_rate = orm_count / orm_seconds if orm_seconds else 0.0
        ratio = e2e_rate / orm_rate if orm_rate else 0.0
        say(f"pull end to end {e2e_rate:.1f} orders/s; ORM create + confirm (batches of 100) {orm_count} "
            f"orders in {orm_seconds:.1f} s = {orm_rate:.1f} orders/s; ratio {ratio:.2f} "
            f"(target >= {ORDER_RATIO_TARGET})")
    finally:
        if not args.keep_data:
            _cleanup_orders(oe, store_id)
    label = f"ebay orders[{lines} lines]"
    return [
        Figure(f"{label} pull end to end", e2e_rate, "/s", "info",
               note=f"{done}/{count} confirmed in {wall:.1f} s, {len(calls)} getOrders calls"),
        Figure(f"{label} ORM create + confirm", orm_rate, "/s", "info", note="batches of 100"),
        Figure(f"{label} confirmed", done, "", "equal", count),
        Figure(f"{label} contract violations", len(violations), "", "equal", 0),
        Figure(f"{label} ratio pull / ORM", ratio, "x", "min", ORDER_RATIO_TARGET),
    ]


def run_orders(oe, args):
    return run_orders_once(oe, args, ORDER_LINES, args.ebay_orders)
