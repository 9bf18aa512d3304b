"""Benchmark: building the stock export jobs of 10,000 bound SKUs (target: under 10 s).

Measures, on a real database, in one transaction rolled back at the end (nothing is left behind):
  * Sync Inventory: the store button's job building for all bound SKUs (platform-sized batches);
  * the Sync Inventory button's check of the SKUs it would lower to 0 on the platform, and its
    confirmation window listing them (one SKU in 50 has no stock);
  * per-SKU jobs: one coalescing job per SKU (what done stock moves queue), created, then merged
    into the pending ones a second time;
  * the stock move hook: done moves of all the SKUs queue their per-SKU jobs;
  * running the Sync Inventory jobs against the in-memory test platform (free quantities in bulk),
    for information.

Run (the suite's test database has the test platform installed):
    $PY tests/benchmarks/bench_stock_export.py -c .local/test-<db>.conf -d <db> [--skus 10000]
It prints each figure and its ratio to the 10 s target, and exits 1 when a job build misses it.
"""

import argparse
import sys
import time

TARGET_SECONDS = 10.0


def _setup(env, skus):
    """A store of the test platform and `skus` published variants with stock (SQL for the bulk)."""
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    store = env["connector.store"].create({
        "name": "Benchmark Shop",
        "code": f"bench-stock-{time.time_ns()}",
        "platform": "test",
        "warehouse_id": warehouse.id,
        "auto_sync_products": False,
        "auto_sync_inventory": True,
        "stock_baseline": "odoo",
    })
    templates = env["product.template"].with_context(tracking_disable=True).create([
        {"name": f"Bench product {i}", "is_storable": True, "default_code": f"BENCH-{i:06d}"}
        for i in range(skus)
    ])
    products = templates.product_variant_ids
    env["store.product.binding"].create([{"store_id": store.id, "product_id": p.id} for p in products])
    env.cr.execute(
        """INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity,
                                    in_date, create_date, write_date, create_uid, write_uid)
           SELECT id, %s, %s, (id %% 50)::numeric, 0, now(), now(), now(), 1, 1
             FROM product_product WHERE id = ANY(%s)""",
        [warehouse.lot_stock_id.id, company.id, products.ids],
    )
    env.flush_all()
    env.invalidate_all()
    return store


def _moves(env, store, products):
    """Draft moves into the store's stock location, one per product (their hook input only)."""
    stock = store._inventory_locations()
    supplier = env.ref("stock.stock_location_suppliers")
    moves = env["stock.move"].create([
        {"name": "bench", "product_id": p.id, "product_uom": p.uom_id.id, "product_uom_qty": 1,
         "location_id": supplier.id, "location_dest_id": stock.id}
        for p in products
    ])
    env.flush_all()
    env.invalidate_all()
    return moves


def _timed(label, func, results, target=None):
    started = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - started
    line = f"{label}: {seconds:.2f} s"
    if target:
        line += f" (ratio to {target:.0f} s target: {seconds / target:.3f})"
    print(line, flush=True)
    results.append((label, seconds, target))
    return value


def run(env, skus=10000):
    """Run the benchmark in `env`'s transaction (the caller rolls back). :returns: [(label, seconds, target)]"""
    from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

    results = []
    RECORDER.reset()
    RECORDER.batch_size = 250
    store = _timed(f"setup: {skus} products, bindings and quants", lambda: _setup(env, skus), results)
    Job = env["sync.job"]

    def sync_inventory():
        jobs = store._enqueue_inventory_sync()
        env.flush_all()
        return jobs

    batch_jobs = _timed(f"Sync Inventory: build jobs for {skus} SKUs", sync_inventory, results, TARGET_SECONDS)
    print(f"  {len(batch_jobs)} jobs of up to {RECORDER.batch_size} SKUs")
    bindings = store._inventory_bindings()

    # The button first checks which SKUs it would lower to 0 on the platform: here every SKU was
    # published with 1 before, and the SKUs with 0 in stock (one in 50) make it ask first.
    env.cr.execute("UPDATE store_product_binding SET inventory_quantity = 1, inventory_synced_at = now()"
                   " WHERE store_id = %s", [store.id])
    env.invalidate_all()

    def sync_inventory_button():
        action = store.action_sync_inventory()
        env.flush_all()
        return action

    action = _timed(f"Sync Inventory button: check {skus} SKUs, open the confirmation", sync_inventory_button,
                    results, TARGET_SECONDS)
    assert action.get("res_model") == "store.inventory.sync.wizard", action
    wizard = env["store.inventory.sync.wizard"].browse(action["res_id"])
    print(f"  {wizard.zeroing_count} SKUs to lower to 0 listed")

    def per_sku():
        jobs = bindings._enqueue_inventory(store)
        env.flush_all()
        return jobs

    sku_jobs = _timed(f"per-SKU jobs: create {skus}", per_sku, results, TARGET_SECONDS)
    assert len(sku_jobs) == skus, len(sku_jobs)
    merged = _timed(f"per-SKU jobs: merge {skus} into the pending ones", per_sku, results, TARGET_SECONDS)
    assert merged == sku_jobs, "the second enqueue must merge, not create"
    sku_jobs.unlink()

    # What done stock moves call (stock.move._action_done): here for one move per SKU, as an
    # inventory adjustment of the whole warehouse would make.
    moves = _timed(f"setup: {skus} stock moves", lambda: _moves(env, store, bindings.product_id), results)

    def moved():
        env["store.product.binding"]._on_stock_moved(moves)
        env.flush_all()
        return Job.search([("store_id", "=", store.id), ("state", "=", "pending"),
                           ("identity_key", "=like", "inventory:%"), ("identity_key", "not like", "inventory:all:%")])

    moved_jobs = _timed(f"stock moves done: queue the jobs of {skus} SKUs", moved, results, TARGET_SECONDS)
    assert len(moved_jobs) == skus, len(moved_jobs)
    moved_jobs.unlink()

    def run_batches():
        for job in batch_jobs:
            job.write({"state": "processing"})
            job._run(commit=False)
        return batch_jobs

    _timed(f"run the {len(batch_jobs)} Sync Inventory jobs (test platform)", run_batches, results)
    failed = batch_jobs.filtered(lambda j: j.state != "done")
    assert not failed, failed.mapped("last_error")[:3]
    sent = sum(len(items) for _store, items in RECORDER.of("update_inventory"))
    assert sent == skus, sent
    print(f"  {len(RECORDER.of('update_inventory'))} update_inventory calls, {sent} SKUs sent")
    assert Job.search_count([("store_id", "=", store.id), ("state", "=", "failed")]) == 0
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--skus", type=int, default=10000)
    args = parser.parse_args(argv)

    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level", "warn"])
    odoo.service.server.load_server_wide_modules()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            results = run(env, skus=args.skus)
        finally:
            cr.rollback()
    missed = [(label, seconds) for label, seconds, target in results if target and seconds > target]
    for label, seconds in missed:
        print(f"MISSED: {label} took {seconds:.2f} s (target {TARGET_SECONDS:.0f} s)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
