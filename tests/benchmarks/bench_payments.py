"""Benchmark: the payment workflow against Odoo's own invoice and payment wizards (issue #14).

Target: 1,000 paid orders invoiced and paid through the workflow (the orders.payments jobs, run by
the queue's runner) at no less than 60% of the rate of doing the same with Odoo's wizards in
batches, in the same run: "Create Invoices" (sale.advance.payment.inv, one invoice per order),
"Confirm", then "Register Payment" (account.payment.register, one payment per invoice, reconciled).

Both sides start from the same 1,000 imported orders (3 lines, 10 % tax, confirmed, each paid by one
platform transaction of its total): the orders are imported once, then each side runs in a savepoint
rolled back afterwards, --repeat times alternating which goes first, its best run counting. The
workflow side includes queueing the jobs and what the runner does around each job (claim, store
checks, outcome), in savepoints as the test suite runs it (the runner commits each job: not
measured here). Prints both times and the rate ratio; exits 1 when the ratio is under the target.

Run:  scripts/bench --only payments [--payment-orders 1000]
  or: python -m tests.benchmarks.bench_payments --config odoo.conf --database DB
"""

import argparse
import sys

from tests.benchmarks import bench_order_import


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="odoo.conf of the benchmark database")
    p.add_argument("--database", required=True)
    p.add_argument("--orders", type=int, default=1000)
    p.add_argument("--lines", type=int, default=3, help="product lines per order")
    p.add_argument("--batch", type=int, default=100, help="orders per wizard call (Odoo's side)")
    p.add_argument("--repeat", type=int, default=3, help="measure each side this many times, keep the best")
    p.add_argument("--rate-target", type=float, default=0.6,
                   help="the workflow's rate as a share of the wizards' rate, at least")
    p.add_argument("--report-only", action="store_true", help="exit 0 even when the target is missed")
    p.add_argument("--profile", action="store_true", help="print a cProfile of one workflow run")
    return p.parse_args(argv)


def paid_orders(count, lines, seed=11):
    """Normalized orders each paid in full by one successful platform transaction."""
    orders = bench_order_import.make_orders(count, lines, seed=seed)
    for order in orders:
        order["status"] = "processing"  # paid: the import confirms it
        order["transactions"] = [{
            "id": f"{order['id']}-charge", "kind": "sale", "status": "success", "gateway": "stripe",
            "amount": order["total"], "processed_at": order["updated_at"],
        }]
    return orders


def setup(env, args):
    """The store, its products and customers, and the imported orders (workflow off while importing:
    each side starts from the same confirmed, unpaid orders). :returns: (store, bindings, journal)"""
    store, _products, _customers = bench_order_import.setup_data(env)
    journal = env["account.journal"].search(
        [("company_id", "=", store.company_id.id), ("type", "=", "bank")], order="sequence, id", limit=1)
    if not journal:
        raise RuntimeError("the benchmark database's company has no bank journal (no chart of accounts?)")
    store.write({"order_auto_confirm": True, "payment_workflow": False, "payment_journal_id": journal.id})
    importer = env["store.order.importer"]
    for chunk in bench_order_import.pages(paid_orders(args.orders, args.lines), 100):
        result = importer._import_orders(store, chunk)
        if result["failed"]:
            raise RuntimeError(f"import failed orders: {result['failed'][:2]}")
    bindings = env["store.order.binding"].search([("store_id", "=", store.id)])
    if len(bindings) != args.orders or set(bindings.order_id.mapped("state")) != {"sale"}:
        raise RuntimeError("the imported orders are not all confirmed")
    env.flush_all()
    return store, bindings, journal


# ---------------------------------------------------------------------------- the two sides
def run_workflow(env, store, bindings, journal, batch):
    """The platform's transactions pay the orders: the orders.payments jobs, queued and run by the
    queue's runner (in savepoints, as the test suite runs it)."""
    store.payment_workflow = True
    bindings._enqueue_order_payments()
    env.flush_all()
    env["sync.job"]._process_queue(store_ids=store.ids, commit=False, time_limit=3600)
    return _paid_count(env, bindings.order_id)


def run_wizards(env, store, bindings, journal, batch):
    """A person doing it with Odoo's wizards, `batch` orders at a time: Create Invoices (one per
    order), Confirm, Register Payment (one payment per invoice, on the bank journal)."""
    orders = bindings.order_id
    for start in range(0, len(orders), batch):
        chunk = orders[start:start + batch]
        wizard = env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=chunk.ids).create({
                "advance_payment_method": "delivered", "consolidated_billing": False})
        invoices = wizard._create_invoices(chunk)
        invoices.action_post()
        register = env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids).create({
                "group_payment": False, "journal_id": journal.id})
        register.action_create_payments()
    env.flush_all()
    return _paid_count(env, orders)


def _paid_count(env, orders):
    """Orders whose one posted invoice is paid (reconciled with a payment)."""
    env.flush_all()
    env.invalidate_all()
    invoices = orders.invoice_ids.filtered(lambda move: move.state == "posted")
    return len(invoices.filtered(lambda move: move.payment_state in ("paid", "in_payment")))


# Each side in a savepoint rolled back afterwards, timed as the order import benchmark times its sides.
timed = bench_order_import.timed


def run(env, args):
    """Measure both sides; returns a dict of figures."""
    store, bindings, journal = setup(env, args)
    warm = bindings[:10]
    timed(env, run_wizards, store, warm, journal, args.batch)
    timed(env, run_workflow, store, warm, journal, args.batch)
    results = {"wizards": [], "workflow": []}
    sides = [("wizards", run_wizards), ("workflow", run_workflow)]
    for round_ in range(args.repeat):
        for name, fn in sides if round_ % 2 == 0 else reversed(sides):
            elapsed, cpu, count = timed(env, fn, store, bindings, journal, args.batch)
            if count != len(bindings):
                raise RuntimeError(f"{name} paid {count} of {len(bindings)} orders")
            results[name].append((elapsed, cpu))
    wizards, workflow = min(results["wizards"]), min(results["workflow"])
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        timed(env, run_workflow, store, bindings, journal, args.batch)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(50)
        stats.sort_stats("tottime").print_stats(30)
    return {
        "orders": len(bindings),
        "wizards_seconds": wizards[0],
        "workflow_seconds": workflow[0],
        "wizards_cpu_seconds": wizards[1],
        "workflow_cpu_seconds": workflow[1],
        # Rates: orders per second; the workflow's as a share of the wizards'.
        "rate_share": wizards[0] / workflow[0],
        "runs": {name: [round(e, 2) for e, _c in runs] for name, runs in results.items()},
        "rate_target": args.rate_target,
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
    print(f"\n=== payments: {n} paid orders invoiced and paid ===")
    for name in ("wizards", "workflow"):
        seconds = figures[f"{name}_seconds"]
        print(f"{name:9}: {seconds:.2f} s ({n / seconds:.1f} orders/s, CPU {figures[f'{name}_cpu_seconds']:.2f} s)")
    passed = figures["rate_share"] >= figures["rate_target"]
    print(f"workflow rate / wizards rate: {figures['rate_share']:.2f} (target at least "
          f"{figures['rate_target']:.2f}) {'PASS' if passed else 'FAIL'}; every run: {figures['runs']}")
    return 0 if passed or args.report_only else 1


if __name__ == "__main__":
    sys.exit(main())
