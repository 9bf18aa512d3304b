"""WooCommerce connector benchmarks (issue 10), against the loopback WooCommerce simulator.

1. Stock for 10,000 bound SKUs with variations (simple products and variable products' variations),
   through the store's Sync Inventory jobs and the real queue runner: `bench_woocommerce_stock`
   (requests counted by method and path on the simulator), whose docstring says why the target is
   ceil(simple / 100) + per variable product ceil(variations / 100) batch calls rather than
   ceil(items / 100): ``products/batch`` refuses variation ids, so each variable product's variations
   go through its own ``variations/batch`` (what the stock helper, models/store_adapter_stock.py,
   documents); and no read at all.

2. Orders by webhook, end to end: a real odoo-bin (prefork, queue runner cron on) receives the signed
   ``order.created`` and ``order.updated`` deliveries of the simulator (each order placed pending, then
   paid: processing, as a checkout does; WooCommerce builds a delivery's body when it runs, so both
   carry the paid order) until every order is a confirmed sale.order (the store's status table maps
   "processing", auto-confirm on); rate = orders / wall time from the first delivery sent to the last
   order seen confirmed. Baseline, in the same run: sale.order.create + action_confirm of the same
   orders (same partners, products, quantities, prices and taxes) directly through the ORM in batches
   of 100, rolled back (`bench_shopify._orm_baseline`, shared). Target: the end-to-end rate is at least
   0.60 x the ORM rate (3-line orders).

Run: scripts/bench --only woocommerce [--woocommerce-skus 10000] [--woocommerce-orders 300]
"""

import os
import secrets
import tempfile
import threading
import time

from tests.benchmarks.bench_common import say, section
from tests.benchmarks.bench_shopify import (
    ORDER_RATIO_TARGET,
    _cleanup_orders,
    _confirmed,
    _orm_baseline,
    order_figures,
)
from tests.simulators.woocommerce import WooCommerceSimulator

ORDER_PRODUCTS = 50
ORDER_CUSTOMERS = 100
WEBHOOK_SECRET = "bench-woocommerce-webhook-secret-4b7e"
ORDER_TOPICS = ("order.created", "order.updated")


def _order_fixtures(oe, sim):
    """Committed: a WooCommerce store (auto-confirm, WooCommerce's status table) with its keys and
    webhook secret; products with SKUs in Odoo and in the simulator."""
    with oe.env() as env:
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        store = env["connector.store"].create({
            "name": "Bench WooCommerce orders",
            "code": f"bench-woocommerce-{secrets.token_hex(4)}",
            "platform": "woocommerce",
            "company_id": env.company.id,
            "warehouse_id": warehouse.id,
            "shop_url": sim.base_url,
            "stock_baseline": "odoo",
            "order_auto_confirm": True,
            "auto_sync_inventory": False,
            "auto_sync_products": False,
        })
        Credential = env["integration.credential"]
        Credential._set_value(store, "consumer_key", sim.consumer_key)
        Credential._set_value(store, "consumer_secret", sim.consumer_secret)
        Credential._set_value(store, "webhook_secret", WEBHOOK_SECRET)
        tag = store.code[-8:]
        env["product.product"].create([
            {"name": f"Bench order product {i}", "default_code": f"WOP-{tag}-{i}", "type": "consu",
             "list_price": 10 + i}
            for i in range(ORDER_PRODUCTS)
        ])
        for i in range(ORDER_PRODUCTS):
            sim.add_product(f"Bench order product {i}", sku=f"WOP-{tag}-{i}", regular_price=f"{10 + i}.00",
                            stock_quantity=100000, emit=False)
        # Other crons postponed; stale runner wake-ups dropped (see bench_webhook.IntakeRun).
        runner = env.ref("store_connector_base.ir_cron_sync_job_runner")
        env.cr.execute("UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day' "
                       "WHERE id != %s AND active", [runner.id])
        runner.write({"active": True})
        env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [runner.id])
        return store.id, store.code, tag


def _place_orders(sim, tag, lines, count):
    """`count` orders of `lines` lines, each placed pending (order.created) then paid (order.updated),
    as a checkout does; their deliveries wait in the simulator's queue (manual mode)."""
    for n in range(count):
        c = n % ORDER_CUSTOMERS
        billing = {"first_name": "Bench", "last_name": f"Buyer{c}", "address_1": f"{c} Main St",
                   "city": "Lyon", "postcode": "69001", "country": "FR",
                   "email": f"bench-woocommerce-{tag}-{c}@example.com", "phone": ""}
        order = sim.add_order(
            [{"sku": f"WOP-{tag}-{(n * 7 + k * 13) % ORDER_PRODUCTS}", "quantity": 1 + (n + k) % 3}
             for k in range(lines)],
            status="pending",
            billing=billing,
            shipping={key: value for key, value in billing.items() if key not in ("email", "phone")},
            shipping_lines=[{"method_id": "flat_rate", "method_title": "Flat rate", "total": "4.90"}],
            tax_rate="0.2",
        )
        sim.update_order(order["id"], status="processing", set_paid=True)


def run_orders_once(oe, args, lines, count):
    from tests.benchmarks import bench_webhook

    mode = "threaded" if args.server == "threaded" else "prefork"
    section(f"woocommerce orders by webhook: {count} paid orders of {lines} lines, odoo-bin {mode} + queue "
            f"runner, vs ORM create + confirm")
    # No ping: the webhooks are made before Odoo listens (the ping is checked by the webhook tests).
    sim = WooCommerceSimulator(seed="none", webhook_mode="manual", ping_on_create=False)
    sim.start()
    store_id = None
    server = None
    t_end = None
    results = {}
    try:
        store_id, code, tag = _order_fixtures(oe, sim)
        log_path = os.path.join(tempfile.gettempdir(), f"sc-bench-{args.database}-woocommerce-orders.log")
        server = bench_webhook.OdooServer(args, mode, True, log_path)
        uri = f"http://127.0.0.1:{server.port}/api/v1/stores/{code}/webhooks/orders"
        for topic in ORDER_TOPICS:
            sim.create_webhook(topic, uri, secret=WEBHOOK_SECRET)
        _place_orders(sim, tag, lines, count)
        pending = len(sim.pending_webhooks)
        server.start()
        say(f"odoo-bin {mode} on 127.0.0.1:{server.port}; {pending} signed deliveries queued "
            f"({', '.join(ORDER_TOPICS)})")

        def deliver():
            results["t0"] = time.monotonic()
            results["attempts"] = sim.flush_webhooks()
            results["t_sent"] = time.monotonic()

        sender = threading.Thread(target=deliver, daemon=True)
        sender.start()
        deadline = time.monotonic() + args.drain_timeout + count
        done = 0
        while time.monotonic() < deadline:
            done = _confirmed(oe, store_id)
            if "t_sent" in results and "done_at_sent" not in results:
                results["done_at_sent"] = done
            if done >= count:
                break
            time.sleep(0.05)
        t_end = time.monotonic()
        sender.join(timeout=60)
        problems = server.log_problems()
    finally:
        if server:
            server.stop()
        sim.stop()
    try:
        wall = t_end - results["t0"]
        sent_s = results["t_sent"] - results["t0"]
        attempts = results.get("attempts") or []
        statuses = {}
        for attempt in attempts:
            statuses[str(attempt.get("status"))] = statuses.get(str(attempt.get("status")), 0) + 1
        jobs = dict(oe.sql("SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state", [store_id]))
        e2e_rate = done / wall if wall else 0.0
        say(f"{done}/{count} confirmed sale orders {wall:.1f} s after the first delivery "
            f"(all {len(attempts)} deliveries sent in {sent_s:.1f} s, answers {statuses}; "
            f"{results.get('done_at_sent', done)} orders confirmed by then); jobs {jobs}")
        if problems[0]:
            say(f"server log: {problems[0]} ERROR lines, first: {problems[1]}")
        orm_seconds, orm_count = _orm_baseline(oe, store_id)
        orm_rate = orm_count / orm_seconds if orm_seconds else 0.0
        ratio = e2e_rate / orm_rate if orm_rate else 0.0
        say(f"end to end {e2e_rate:.1f} orders/s; ORM create + confirm (batches of 100) {orm_count} orders in "
            f"{orm_seconds:.1f} s = {orm_rate:.1f} orders/s; ratio {ratio:.2f} (target >= {ORDER_RATIO_TARGET})")
        one_seconds, one_count = _orm_baseline(oe, store_id, batch=1)
        one_rate = one_count / one_seconds if one_seconds else 0.0
        say(f"ORM create + confirm one order at a time: {one_rate:.1f} orders/s; end to end / one at a time "
            f"{e2e_rate / one_rate if one_rate else 0:.2f}")
    finally:
        if not args.keep_data:
            _cleanup_orders(oe, store_id)
    return order_figures(
        f"woocommerce orders[{lines} lines]", lines, e2e_rate, orm_rate, one_rate, done, count, ratio,
        f"{done}/{count} confirmed in {wall:.1f} s from the first of {len(attempts)} deliveries")


def run(oe, args):
    from tests.benchmarks import bench_woocommerce_stock

    figures = bench_woocommerce_stock.run(oe, args)
    figures += run_orders_once(oe, args, 3, args.woocommerce_orders)
    if args.woocommerce_long_orders:
        figures += run_orders_once(oe, args, 20, args.woocommerce_long_orders)
    return figures
