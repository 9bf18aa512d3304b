"""WooCommerce stock export benchmark (issue 10), against the loopback WooCommerce simulator.

Stock for 10,000 bound SKUs, simple products and variations, through the store's Sync Inventory jobs
run by the real queue runner (`sync.job._process_queue`, in this process, one transaction rolled back
at the end), over HTTP with OAuth 1.0a (the simulator serves plain http on loopback).

The issue asks for ceil(items / 100) batch calls and no other reads. WooCommerce's
``products/batch`` refuses variation ids item by item (`WC_REST_Products_Controller::
prepare_object_for_database`: "To manipulate product variations you should use the
/products/<product_id>/variations/<id> endpoint."), so the variations of each variable product go
through that product's own ``variations/batch``. The fewest calls WooCommerce allows are therefore
ceil(simple products / 100) plus, per variable product, ceil(its variations / 100): that is the
target (exactly), with no read at all; ceil(items / 100) is printed beside it for comparison.

Default mix of 10,000 SKUs: 4,000 simple products, 30 variable products of 100 variations and 20 of
150 (WooCommerce sets no limit on variations through the API): 40 + 30 + 40 = 110 calls, against
ceil(10,000 / 100) = 100 if every item could share a call.

Run: scripts/bench --only woocommerce [--woocommerce-skus 10000]
"""

import math
import time

from tests.benchmarks.bench_common import Figure, drain_store_queue, insert_quants, say, section
from tests.simulators.woocommerce import WooCommerceSimulator

BATCH = 100
# (number of variable products, variations each) of the default 10,000; the rest are simple.
VARIABLE_MIX = ((30, 100), (20, 150))


def _mix(skus):
    """[(variations of each variable product)], simple product count, for `skus` SKUs: the default
    mix scaled down to `skus` (at least one simple product)."""
    scale = skus / 10000
    variables = []
    for count, size in VARIABLE_MIX:
        variables += [size] * max(0, round(count * scale))
    while variables and sum(variables) >= skus:
        variables.pop()
    return variables, skus - sum(variables)


def run(oe, args):
    skus = args.woocommerce_skus
    variables, simple = _mix(skus)
    section(f"woocommerce stock export: {skus} bound SKUs ({simple} simple products, {len(variables)} "
            f"variable products with {sum(variables)} variations)")
    sim = WooCommerceSimulator(seed="none")
    sim.start()
    try:
        t0 = time.perf_counter()
        platform_ids = {}  # sku -> (product id, variation id or None)
        with sim.quiet():
            for index in range(simple):
                sku = f"WSKU-{index:06d}"
                record = sim.add_product(f"Bench {index}", sku=sku, stock_quantity=1, emit=False)
                platform_ids[sku] = (record["id"], None)
            for number, size in enumerate(variables):
                options = [f"O{i}" for i in range(size)]
                parent = sim.add_variable_product(
                    f"Bench variable {number}", attributes={"Option": options},
                    variations=[{"sku": f"WVAR-{number:03d}-{i:03d}", "attributes": {"Option": option},
                                 "stock_quantity": 1, "manage_stock": True}
                                for i, option in enumerate(options)],
                    emit=False)
                for variation_id in parent["variations"]:
                    platform_ids[sim.variation(variation_id)["sku"]] = (parent["id"], variation_id)
        say(f"simulator: {len(platform_ids)} SKUs in {time.perf_counter() - t0:.1f} s")
        with oe.env() as env:
            try:
                return _inventory_in(env, sim, platform_ids, simple, variables)
            finally:
                env.cr.rollback()
    finally:
        sim.stop()


def _inventory_in(env, sim, platform_ids, simple, variables):
    from odoo.addons.store_connector_base.services.rate_limiter import reset_limiters

    t0 = time.perf_counter()
    reset_limiters()
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    store = env["connector.store"].create({
        "name": "Bench WooCommerce inventory", "platform": "woocommerce", "company_id": env.company.id,
        "warehouse_id": warehouse.id, "shop_url": sim.base_url, "stock_baseline": "odoo",
        "auto_sync_products": False, "auto_sync_inventory": True,
    })
    Credential = env["integration.credential"]
    Credential._set_value(store, "consumer_key", sim.consumer_key)
    Credential._set_value(store, "consumer_secret", sim.consumer_secret)
    skus = sorted(platform_ids)
    templates = env["product.template"].with_context(tracking_disable=True).create([
        {"name": f"Bench WooCommerce {sku}", "is_storable": True, "default_code": sku} for sku in skus
    ])
    products = templates.product_variant_ids
    # Bound in SKU order: the simple products and the variable products' variations come in runs,
    # as published products do; the batches group the variations of each parent anyway.
    env["store.product.binding"].create([
        {"store_id": store.id, "product_id": p.id, "sync_state": "synced",
         "external_product_id": str(platform_ids[p.default_code][0]),
         "external_variant_id": platform_ids[p.default_code][1] and str(platform_ids[p.default_code][1])}
        for p in products
    ])
    insert_quants(env, products, warehouse.lot_stock_id)
    Job = env["sync.job"]
    Job.search([("store_id", "=", store.id)]).unlink()
    env.flush_all()
    env.invalidate_all()
    say(f"Odoo: store, {len(skus)} products, bindings and quants in {time.perf_counter() - t0:.1f} s")

    jobs = store._enqueue_inventory_sync()
    env.flush_all()
    say(f"Sync Inventory: {len(jobs)} jobs")
    sim.reset_requests()
    runs, elapsed = drain_store_queue(env, store, time_limit=900)
    requests = list(sim.requests)
    batches = [r for r in requests if r["method"] == "POST" and r["path"].endswith("/batch")]
    others = len(requests) - len(batches)
    sizes = [len((r.get("json") or {}).get("update") or []) for r in batches]
    states = dict(env.cr.execute("SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state",
                                 [store.id]) or env.cr.fetchall())
    failed = states.get("failed", 0)
    fewest = math.ceil(simple / BATCH) + sum(math.ceil(size / BATCH) for size in variables)
    naive = math.ceil(len(skus) / BATCH)
    say(f"queue runs {runs}; jobs by state {states}; {elapsed:.1f} s")
    say(f"batch calls {len(batches)} (largest {max(sizes, default=0)} items, {sum(sizes)} items in all); "
        f"other requests {others}")
    sample = skus[:: max(1, len(skus) // 20)]
    for sku in sample:
        product = products.filtered(lambda p, sku=sku: p.default_code == sku)
        assert sim.stock(sku) == product.id % 50, (sku, sim.stock(sku), product.id % 50)
    say(f"simulator quantities checked for {len(sample)} sampled SKUs: equal to Odoo's")
    reset_limiters()
    return [
        Figure("woocommerce stock: batch calls", len(batches), "", "equal", fewest,
               note=f"ceil({simple}/{BATCH}) simple + per variable product ceil(variations/{BATCH}); "
                    f"ceil(items/{BATCH}) would be {naive}, but products/batch refuses variation ids"),
        Figure("woocommerce stock: items per call (max)", max(sizes, default=0), "", "max", BATCH),
        Figure("woocommerce stock: other requests (reads)", others, "", "equal", 0),
        Figure("woocommerce stock: failed jobs", failed, "", "equal", 0),
        Figure("woocommerce stock: elapsed", elapsed, "s", "info"),
    ]
