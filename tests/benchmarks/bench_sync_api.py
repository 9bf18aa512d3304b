"""Benchmarks of the sync API's rate limiter and of the dashboard figures.

Run against a database with the suite installed (e.g. the test database of scripts/test):

    ~/.cache/store-connector/venv/bin/python tests/benchmarks/bench_sync_api.py \
        -c .local/test-$SC_TEST_DB.conf -d $SC_TEST_DB

1. Rate limiter across processes: P worker processes (each its own Odoo registry and PostgreSQL
   connection, as Odoo workers are) send H requests each for one store within one instant.
   Exactly `limit` must be let through in total; a limiter kept in each process's memory would
   let through P x limit. Prints latency per counted request, alone and contended.
2. Dashboard: the figures of S stores over J jobs, computed at once, against one store alone:
   the query count must not grow with the number of stores.

The benchmark commits a store for part 1 (other processes must see it) and deletes it at the end;
part 2 runs in a transaction that is rolled back.
"""

import argparse
import multiprocessing
import secrets
import statistics
import time
from datetime import datetime

FIXED_NOW = datetime(2031, 1, 1, 12, 0, 0)


_configured = []


def _registry(config_file, database):
    import odoo
    from odoo.tools import config

    if not _configured:  # Odoo's configuration can be parsed once a process
        config.parse_config(["-c", config_file, "-d", database, "--log-level=warn"])
        _configured.append(True)
    return odoo.modules.registry.Registry(database)


def _hit_worker(arguments):
    config_file, database, store_id, hits = arguments
    from odoo import SUPERUSER_ID, api

    registry = _registry(config_file, database)
    allowed, latencies = 0, []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Request = env["store.api.request"]
        for _i in range(hits):
            started = time.perf_counter()
            if Request._hit(store_id, now=FIXED_NOW) == 0:
                allowed += 1
            latencies.append(time.perf_counter() - started)
    return allowed, latencies


def bench_rate_limiter(config_file, database, processes, hits):
    from odoo import SUPERUSER_ID, api

    registry = _registry(config_file, database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        limit = env["store.api.request"]._get_rate_limit()
        store = env["connector.store"].create({
            "name": "bench rate limit", "platform": "test", "code": secrets.token_urlsafe(12)})
        store_id = store.id
        cr.commit()
    try:
        # Alone: one process, an empty window, `limit` requests.
        alone_allowed, alone = _hit_worker((config_file, database, store_id, limit))
        with registry.cursor() as cr:
            cr.execute("DELETE FROM store_api_request WHERE store_id = %s", [store_id])
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            results = pool.map(_hit_worker, [(config_file, database, store_id, hits)] * processes)
        wall = time.perf_counter() - started
    finally:
        with registry.cursor() as cr:
            # The window has no foreign key to the store (store.api.request): its rows go first.
            cr.execute("DELETE FROM store_api_request WHERE store_id = %s", [store_id])
            cr.execute("DELETE FROM connector_store WHERE id = %s", [store_id])
    allowed = sum(result[0] for result in results)
    contended = [latency for result in results for latency in result[1]]
    print("== rate limiter (PostgreSQL sliding window, per store)")
    print(f"limit per window: {limit}; alone: {alone_allowed} of {limit} allowed, "
          f"median {statistics.median(alone) * 1000:.2f} ms per request")
    print(f"{processes} processes x {hits} requests at one instant: {allowed} allowed "
          f"(a per-process memory counter would allow up to {processes * min(hits, limit)})")
    print(f"contended: median {statistics.median(contended) * 1000:.2f} ms, "
          f"p95 {sorted(contended)[int(len(contended) * 0.95)] * 1000:.2f} ms per request, "
          f"wall {wall:.2f} s including process start-up")
    print(f"ratio contended/alone median latency: {statistics.median(contended) / statistics.median(alone):.2f}")
    print("RESULT:", "OK" if allowed == limit else f"WRONG: {allowed} != {limit}")
    return allowed == limit


def bench_dashboard(config_file, database, stores_count, jobs_per_store):
    from odoo import SUPERUSER_ID, api

    registry = _registry(config_file, database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Store = env["connector.store"]
        stores = Store.create([
            {"name": f"bench store {i}", "platform": "test", "code": secrets.token_urlsafe(12)}
            for i in range(stores_count)
        ])
        env.flush_all()
        states = ["done", "done", "done", "failed", "pending", "cancelled"]
        operations = ["products.sync", "inventory.sync", "orders.import"]
        cr.execute(
            """INSERT INTO sync_job (store_id, company_id, operation, direction, model_name, method_name,
                                     state, priority, retry_count, max_retries, next_attempt_at,
                                     finished_at, create_date, write_date, create_uid, write_uid)
               SELECT s.id, s.company_id, (%(ops)s)[1 + n %% 3], 'import', 'connector.store', '_job_noop',
                      (%(states)s)[1 + n %% 6], 10, 0, 5, now() AT TIME ZONE 'UTC',
                      (now() AT TIME ZONE 'UTC') - (n %% 72) * interval '1 hour',
                      (now() AT TIME ZONE 'UTC') - (n %% 72) * interval '1 hour',
                      now() AT TIME ZONE 'UTC', 1, 1
                 FROM connector_store s, generate_series(1, %(jobs)s) n
                WHERE s.id = ANY(%(ids)s)""",
            {"ops": operations, "states": states, "jobs": jobs_per_store, "ids": stores.ids},
        )
        cr.execute("ANALYZE sync_job")

        def measure(records):
            records.invalidate_recordset()
            before, started = cr.sql_log_count, time.perf_counter()
            records.mapped("dashboard_job_count")
            return cr.sql_log_count - before, time.perf_counter() - started

        measure(stores)  # warm caches
        one_queries, one_time = measure(stores[:1])
        all_queries, all_time = measure(stores)
        summary = env["store.dashboard.summary"].search([])
        summary_started = time.perf_counter()
        summary.mapped("dashboard_job_count")
        summary_time = time.perf_counter() - summary_started
        cr.rollback()
    print(f"== dashboard ({stores_count} stores x {jobs_per_store} jobs = {stores_count * jobs_per_store} jobs)")
    print(f"1 store: {one_queries} queries, {one_time * 1000:.1f} ms")
    print(f"{stores_count} stores: {all_queries} queries, {all_time * 1000:.1f} ms "
          f"({all_time / stores_count * 1000:.2f} ms per store)")
    print(f"company overview: {summary_time * 1000:.1f} ms")
    print(f"ratio queries {stores_count} stores / 1 store: {all_queries / one_queries:.2f}; "
          f"ratio time: {all_time / one_time:.2f} for {stores_count}x the stores")
    print("RESULT:", "OK" if all_queries == one_queries else "WRONG: queries grow with the stores")
    return all_queries == one_queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--hits", type=int, default=50, help="requests per process")
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=400, help="jobs per store")
    args = parser.parse_args()
    ok = bench_rate_limiter(args.config, args.database, args.processes, args.hits)
    ok = bench_dashboard(args.config, args.database, args.stores, args.jobs) and ok
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
