"""Benchmark: the order pipeline against plain ORM creation of the same sale orders.

Target (issue 3): importing 1,000 normalized orders of 3 lines each through
`store.order.importer._import_orders` (pages of 100, as a pull does) takes at most 1.5 times as long
as creating the same sale orders directly with `sale.order.create` (lines included, the customers
looked up by email and the products by SKU, in batches) in the same run.

Both runs start from the same database state: each runs inside a savepoint that is rolled back
afterwards, after a small warm-up of both; each side runs --repeat times (alternating which goes
first) and its best run counts, so that load from other processes weighs less. The ORM side sets
the same fields the pipeline sets (pricelist included: leaving it to Odoo's compute makes the ORM
side slower, not the pipeline faster). Prints both times and the ratio; exits 1 when the ratio is
over the limit (unless --report-only).

Run:  scripts/bench --only orders [--orders 1000] [--lines 3] [--page 100] [--repeat 3]
  or: python tests/benchmarks/bench_order_import.py --config odoo.conf --database DB
"""

import argparse
import random
import secrets
import sys
import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CUSTOMERS = 200
PRODUCTS = 50
TAX_RATE = Decimal("10")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="odoo.conf of the benchmark database")
    p.add_argument("--database", required=True)
    p.add_argument("--orders", type=int, default=1000)
    p.add_argument("--lines", type=int, default=3, help="product lines per order")
    p.add_argument("--page", type=int, default=100, help="orders per importer call (a pull's page)")
    p.add_argument("--repeat", type=int, default=3, help="measure each side this many times, keep the best")
    p.add_argument("--ratio-limit", type=float, default=1.5)
    p.add_argument("--report-only", action="store_true", help="exit 0 even when the limit is missed")
    p.add_argument("--profile", action="store_true", help="print a cProfile of one pipeline run")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------- data
def setup_data(env):
    """A test-platform store, products with SKUs and customers with an email and an address."""
    company = env.company
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    team = env["crm.team"].create({"name": "Bench team", "company_id": company.id})
    # The webhook key is given: this branch's base defaults it with a function taking no record.
    store = env["connector.store"].create(
        {
            "name": "Bench orders",
            "platform": "test",
            "code": secrets.token_urlsafe(12),
            "company_id": company.id,
            "order_prefix": "B-",
            "warehouse_id": warehouse.id,
            "team_id": team.id,
        }
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {i}",
                "default_code": f"BENCH-SKU-{i}",
                "type": "consu",
                "list_price": 10 + i,
            }
            for i in range(PRODUCTS)
        ]
    )
    us = env.ref("base.us")
    customers = env["res.partner"].create(
        [
            {
                "name": f"Bench Customer {i}",
                "email": f"bench-customer-{i}@example.com",
                "street": f"{i} Bench Street",
                "city": "Springfield",
                "zip": "12345",
                "country_id": us.id,
                "company_id": company.id,
            }
            for i in range(CUSTOMERS)
        ]
    )
    env.flush_all()
    return store, products, customers


def make_orders(count, lines, seed=7):
    """`count` normalized orders of `lines` lines (10 % tax, excluded), deterministic."""
    rng = random.Random(seed)
    start = datetime(2026, 5, 1, 8, 0, 0)
    orders = []
    for n in range(count):
        c = rng.randrange(CUSTOMERS)
        address = {
            "name": f"Bench Customer {c}",
            "street": f"{c} Bench Street",
            "city": "Springfield",
            "zip": "12345",
            "country_code": "US",
        }
        order_lines, total = [], Decimal(0)
        for index in range(lines):
            quantity = rng.randint(1, 3)
            price = Decimal(rng.randint(500, 5000)) / 100
            net = price * quantity
            tax = (net * TAX_RATE / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            total += net + tax
            order_lines.append(
                {
                    "id": f"{n}-{index}",
                    "sku": f"BENCH-SKU-{rng.randrange(PRODUCTS)}",
                    "name": "Bench product",
                    "quantity": quantity,
                    "unit_price": str(price),
                    "taxes": [{"rate": str(TAX_RATE), "amount": str(tax)}],
                }
            )
        moment = (start + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        orders.append(
            {
                "id": f"bench-{n}",
                "number": str(100000 + n),
                "created_at": moment,
                "updated_at": moment,
                "currency": "USD",
                "status": "pending",
                "customer": {
                    "id": f"bench-c-{c}",
                    "email": f"bench-customer-{c}@example.com",
                    "name": f"Bench Customer {c}",
                },
                "billing_address": address,
                "shipping_address": address,
                "lines": order_lines,
                "payment_method": "stripe",
                "total": str(total),
            }
        )
    return orders


def pages(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------- the two sides
def run_pipeline(env, store, orders, page):
    importer = env["store.order.importer"]
    created = 0
    for chunk in pages(orders, page):
        result = importer._import_orders(store, chunk)
        if result["failed"]:
            raise RuntimeError(f"pipeline failed orders: {result['failed'][:2]}")
        created += len(result["created"])
    env.flush_all()
    return created


def run_orm(env, store, orders, page):
    """What an import would do without the pipeline: look the customers up by email and the
    products by SKU (a batch per page), find the tax, and create the sale orders with their lines."""
    created = 0
    company = store.company_id
    tax = env["account.tax"].search(
        [
            ("company_id", "=", company.id),
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
            ("amount", "=", float(TAX_RATE)),
            ("price_include", "=", False),
        ],
        limit=1,
    )
    if not tax:
        tax = env["account.tax"].create(
            {
                "name": "Bench 10%",
                "amount": float(TAX_RATE),
                "company_id": company.id,
                "price_include_override": "tax_excluded",
            }
        )
    for chunk in pages(orders, page):
        emails = list({o["customer"]["email"] for o in chunk})
        partners = {
            p.email_normalized: p
            for p in env["res.partner"].search(
                [
                    ("email_normalized", "in", emails),
                    ("company_id", "in", [False, company.id]),
                ]
            )
        }
        skus = list({line["sku"] for o in chunk for line in o["lines"]})
        products = {p.default_code: p for p in env["product.product"].search([("default_code", "in", skus)])}
        vals_list = []
        for order in chunk:
            partner = partners[order["customer"]["email"]]
            vals_list.append(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "partner_invoice_id": partner.id,
                    "partner_shipping_id": partner.id,
                    "client_order_ref": f"{store.order_prefix}{order['number']}",
                    "date_order": datetime.strptime(order["created_at"], "%Y-%m-%dT%H:%M:%SZ"),
                    "warehouse_id": store.warehouse_id.id,
                    "team_id": store.team_id.id,
                    "pricelist_id": store.pricelist_id.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": products[line["sku"]].id,
                                "name": line["name"],
                                "product_uom_qty": float(line["quantity"]),
                                "price_unit": float(line["unit_price"]),
                                "discount": 0.0,
                                "tax_id": [(6, 0, tax.ids)],
                            },
                        )
                        for line in order["lines"]
                    ],
                }
            )
        created += len(env["sale.order"].create(vals_list))
    env.flush_all()
    return created


def timed(env, fn, *args):
    """(wall seconds, CPU seconds of this process, result) of `fn`, in a savepoint rolled back
    afterwards so that the next run starts from the same data."""
    savepoint = env.cr.savepoint()
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        count = fn(env, *args)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()
    return elapsed, cpu, count


def run(env, args):
    """Measure both sides; returns a dict of figures."""
    store, _products, _customers = setup_data(env)
    orders = make_orders(args.orders, args.lines)
    # Warm-up of both: code paths, caches, the store's status mapping, the pipeline's tax.
    warm = make_orders(20, args.lines, seed=1)
    timed(env, run_orm, store, warm, args.page)
    timed(env, run_pipeline, store, warm, args.page)
    # The machine may be shared: alternate which side goes first and keep each side's best run.
    results = {"orm": [], "pipeline": []}
    sides = [("orm", run_orm), ("pipeline", run_pipeline)]
    for round_ in range(args.repeat):
        for name, fn in sides if round_ % 2 == 0 else reversed(sides):
            elapsed, cpu, count = timed(env, fn, store, orders, args.page)
            if count != len(orders):
                raise RuntimeError(f"{name} created {count} of {len(orders)} orders")
            results[name].append((elapsed, cpu))
    orm_best, pipe_best = min(results["orm"]), min(results["pipeline"])
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        timed(env, run_pipeline, store, orders, args.page)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(40)
        stats.print_stats("store_connector", 25)
        stats.sort_stats("tottime").print_stats(30)
    return {
        "orders": len(orders),
        "lines": args.lines,
        "orm_seconds": orm_best[0],
        "pipeline_seconds": pipe_best[0],
        "orm_cpu_seconds": orm_best[1],
        "pipeline_cpu_seconds": pipe_best[1],
        "ratio": pipe_best[0] / orm_best[0],
        "runs": {name: [round(e, 2) for e, _c in runs] for name, runs in results.items()},
        "ratio_limit": args.ratio_limit,
    }


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level", "warn"])
    odoo.netsvc.init_logger()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            figures = run(env, args)
        finally:
            cr.rollback()  # leave nothing behind
    n = figures["orders"]
    print(f"\n=== order import: {n} orders x {figures['lines']} lines ===")
    orm = figures["orm_seconds"]
    print(f"ORM sale.order.create : {orm:.2f} s ({1000 * orm / n:.2f} ms/order)")
    print(
        f"pipeline import       : {figures['pipeline_seconds']:.2f} s "
        f"({1000 * figures['pipeline_seconds'] / n:.2f} ms/order)"
    )
    print(
        f"  (Odoo process CPU: ORM {figures['orm_cpu_seconds']:.2f} s, pipeline "
        f"{figures['pipeline_cpu_seconds']:.2f} s; every run: {figures['runs']})"
    )
    passed = figures["ratio"] <= figures["ratio_limit"]
    print(
        f"ratio pipeline / ORM  : {figures['ratio']:.2f}x (limit {figures['ratio_limit']:.2f}x) "
        f"{'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed or args.report_only else 1


if __name__ == "__main__":
    sys.exit(main())
