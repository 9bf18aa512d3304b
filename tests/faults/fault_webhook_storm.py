"""Fault 7: duplicate, reordered and stale webhook deliveries at 200/s across two servers.

A Shopify store against the Shopify simulator. Orders are placed, then paid, then fulfilled or
cancelled, a second apart (Shopify dates its updates to the second), so each order has several
events with increasing `updated_at` (orders/create, orders/paid, orders/updated, orders/fulfilled,
orders/cancelled, as Shopify emits them). Every delivery is exactly what the simulator would send
(body, HMAC, X-Shopify-* headers); then, instead of the simulator's one-by-one delivery, each is sent
1 to 3 times (same event id: Shopify's retries and redeliveries), all in a shuffled order (so older
updates arrive after newer ones: stale), at a fixed rate (200/s; short form 100/s) over two servers
(prefork and threaded, alternately).

Checks: every send answered 200 (new or duplicate); each event stored once; no job failed; one
sale order per Shopify order; each order's state (status, total, lines) is that of its newest event,
as the Shopify addon reads it (`_webhook_normalized_order` of the last event emitted for the order).
"""

import collections
import http.client
import random
import threading
import time

from tests.benchmarks.bench_shopify import CLIENT_ID, CLIENT_SECRET, TOKEN, _shopify_store
from tests.faults.harness import Row

TITLE = "7. duplicate, reordered, stale webhooks, 2 servers"
SHOP = "fault-storm.myshopify.com"
TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/fulfilled", "orders/cancelled")
PRODUCTS = 10
SENDERS = 16
SEED = 7


def _fixtures(oe, sim):
    """A committed Shopify store (auto-confirm) and products with SKUs in Odoo and in the simulator."""
    with oe.env() as env:
        store = _shopify_store(env, sim, "Fault: webhook storm", order_auto_confirm=True,
                               auto_sync_inventory=False, auto_sync_products=False)
        env["product.product"].create([
            {"name": f"Storm product {i}", "default_code": f"STORM-{i}", "type": "consu",
             "list_price": 10 + i}
            for i in range(PRODUCTS)])
        env.cr.execute("DELETE FROM ir_cron_trigger")
        store_id, code = store.id, store.code
    with sim.quiet():
        for i in range(PRODUCTS):
            sim.add_product(f"Storm product {i}",
                            variants=[{"sku": f"STORM-{i}", "price": f"{10 + i}.00", "inventory": 100000}],
                            webhooks=False)
    return store_id, code


def _place_and_update(sim, count, rng):
    """`count` orders, then their updates a second apart. :returns: their legacy ids."""
    orders = []
    for n in range(count):
        summary = sim.add_order(
            [{"sku": f"STORM-{(n + k) % PRODUCTS}", "quantity": 1 + (n + k) % 3} for k in range(2)],
            email=f"storm-{n % 20}@example.com", financial_status="PENDING",
            shipping_address={"first_name": "Storm", "last_name": f"Buyer{n % 20}",
                              "address1": f"{n} Main St", "city": "Lyon", "zip": "69001",
                              "country_code": "FR", "country": "France"},
            shipping_lines=[{"title": "Standard", "price": "4.90"}], tax_rate="0.2")
        orders.append(summary["legacy_id"])
    time.sleep(1.1)
    for legacy in orders:
        sim.mark_order_paid(legacy)
    time.sleep(1.1)
    for legacy in orders:
        if rng.random() < 0.25:
            sim.cancel_order(legacy)
        else:
            sim.fulfill_order(legacy)
    return orders


def _send_all(servers, code, sends, rate):
    """POST `sends` [(headers, body)] at `rate` per second over `servers` (in turn), from SENDERS
    threads. :returns: [(status or exception name, response head)] in the order of `sends`."""
    answers = [None] * len(sends)
    start = time.monotonic() + 0.2
    cursor = iter(range(len(sends)))
    lock = threading.Lock()

    def sender():
        connections = {}
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            server = servers[index % len(servers)]
            headers, body = sends[index]
            for _attempt in range(2):  # a keep-alive connection the server closed: once more
                connection = connections.get(server.port) or http.client.HTTPConnection(
                    "127.0.0.1", server.port, timeout=30)
                connections[server.port] = connection
                try:
                    connection.request("POST", f"/api/v1/stores/{code}/webhooks/orders", body=body,
                                       headers={**headers, "Content-Length": str(len(body))})
                    response = connection.getresponse()
                    answers[index] = (response.status, response.read(200))
                    break
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    connections.pop(server.port, None)
                    answers[index] = (type(exc).__name__, str(exc)[:120].encode())
        for connection in connections.values():
            connection.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(SENDERS)]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return answers, time.monotonic() - t0


def _expected_states(oe, store_id, newest):
    """{Shopify order GID: (status, total, lines fingerprint)} of each order's newest event body, as
    the Shopify addon reads it. The stored fingerprint of an order paid, read again through GraphQL
    (amounts with other exponents than the body's: "10.0", "10.00"), is the same: it counts numbers by
    value."""
    from odoo.addons.store_connector_base.services import order_mapper
    from odoo.addons.store_connector_base.services.normalized import normalize_order

    expected = {}
    with oe.env() as env:
        store = env["connector.store"].browse(store_id)
        adapter = store._get_adapter()
        for payload in newest.values():
            order = normalize_order(adapter._webhook_normalized_order(store, None, payload))
            expected[str(order["id"])] = (order["status"], float(order["total"]),
                                          order_mapper.lines_fingerprint(order))
        env.cr.rollback()
    return expected


def run(ctx):
    count, rate = (40, 100) if ctx.short else (300, 200)
    rng = random.Random(SEED)
    db = ctx.database()
    oe = ctx.env(db)
    sim = ctx.simulator("shopify", shop=SHOP, access_token=TOKEN, client_id=CLIENT_ID,
                        client_secret=CLIENT_SECRET, webhook_mode="manual",
                        bucket={"maximumAvailable": 2000, "restoreRate": 100})
    store_id, code = _fixtures(oe, sim)
    servers = [ctx.server(db, workers=2, max_cron_threads=1), ctx.server(db, workers=0, max_cron_threads=1)]
    for topic in TOPICS:
        sim.subscribe(topic, f"{servers[0].url}/api/v1/stores/{code}/webhooks/orders")
    _place_and_update(sim, count, rng)
    deliveries = sim.pending_webhooks
    sim.webhooks.pending.clear()   # sent here, not by the simulator
    newest = {}
    for event in sim.events:   # emitted in order: the last one of an order is its newest state
        if event["topic"] in TOPICS:
            newest[event["payload"]["id"]] = event["payload"]
    sends = []
    for delivery in deliveries:
        headers = sim.webhooks.headers(delivery)
        sends += [(headers, delivery.body)] * rng.choice((1, 1, 2, 3))
    rng.shuffle(sends)
    events = {headers["X-Shopify-Event-Id"] for headers, _body in sends}
    ctx.log(f"{count} orders, {len(deliveries)} deliveries of {len(events)} events, {len(sends)} sends "
            f"shuffled; sending at {rate}/s over 2 servers")
    answers, seconds = _send_all(servers, code, sends, rate)
    problems = []
    statuses = collections.Counter(status for status, _head in answers)
    duplicates = sum(1 for status, head in answers if status == 200 and b"duplicate" in head)
    for (headers, _body), (status, head) in zip(sends, answers, strict=True):
        if status != 200 and len(problems) < 5:
            problems.append(f"event {headers['X-Shopify-Event-Id']} ({headers['X-Shopify-Topic']}) was "
                            f"answered {status}: {head[:100].decode(errors='replace')}")

    def settled():
        return not oe.sql("""SELECT count(*) FROM sync_job WHERE store_id = %s
                              AND state IN ('pending', 'processing')""", [store_id])[0][0]
    try:
        settle = ctx.wait_until(settled, 600 if not ctx.short else 240, interval=1)
    except TimeoutError:
        settle = None
        problems.append("jobs were still pending or processing after the wait")

    stored = dict(oe.sql("""SELECT event_id, count(*) FROM store_webhook_delivery WHERE store_id = %s
                            GROUP BY event_id""", [store_id]))
    missing = events - set(stored)
    if missing:
        problems.append(f"{len(missing)} events answered 200 are not stored, e.g. {sorted(missing)[:3]}")
    twice = [event for event, n in stored.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} events stored more than once, e.g. {twice[:3]}")
    jobs = dict(oe.sql("SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state", [store_id]))
    for job_id, error in oe.sql("""SELECT id, last_error FROM sync_job
                                    WHERE store_id = %s AND state = 'failed' ORDER BY id LIMIT 5""",
                                [store_id]):
        problems.append(f"job {job_id} failed: {(error or '').splitlines()[0][:200]}")

    bindings = oe.sql(
        """SELECT b.external_id, count(*), count(DISTINCT b.order_id), max(b.platform_status),
                  max(b.platform_total), max(b.lines_fingerprint)
             FROM store_order_binding b WHERE b.store_id = %s GROUP BY b.external_id""", [store_id])
    sale_orders = oe.sql("""SELECT count(*) FROM sale_order s JOIN store_order_binding b ON b.order_id = s.id
                             WHERE b.store_id = %s""", [store_id])[0][0]
    expected = _expected_states(oe, store_id, newest)
    seen = {}
    for external_id, n, sales, status, total, fingerprint in bindings:
        seen[external_id] = (status, float(total or 0), fingerprint)
        if n != 1 or sales != 1:
            problems.append(f"Shopify order {external_id} has {n} bindings and {sales} sale orders")
    wrong = [(external_id, seen.get(external_id), state) for external_id, state in expected.items()
             if seen.get(external_id) != state]
    for external_id, got, want in wrong[:5]:
        problems.append(f"order {external_id} holds {got} where its newest event says {want}")
    if len(wrong) > 5:
        problems.append(f"... {len(wrong)} orders in all do not hold their newest state")
    lost = len(missing) + len(set(expected) - set(seen)) + jobs.get("pending", 0) + jobs.get("processing", 0)
    by_server = collections.Counter(
        servers[i % 2].mode for i, (status, _head) in enumerate(answers) if status == 200)
    return Row(
        fault=TITLE,
        load=(f"{count} orders, {len(events)} events sent {len(sends)} times shuffled at {rate}/s "
              f"(achieved {len(sends) / seconds:.0f}/s), 2 servers"),
        accepted=statuses.get(200, 0),
        done=jobs.get("done", 0) + jobs.get("cancelled", 0),
        retried=None,
        failed=jobs.get("failed", 0),
        lost=lost,
        run_twice=len(twice) + sum(1 for _e, n, sales, *_rest in bindings if n > 1 or sales > 1),
        problems=problems,
        note=(f"{duplicates} duplicates answered 200 and dropped; {len(expected)} orders, {sale_orders} sale "
              f"orders, {len(expected) - len(wrong)} hold their newest state; jobs {jobs}; 200s per server "
              f"{dict(by_server)}"
              + (f"; queue settled {settle:.0f} s after the last send" if settle else "")),
    )
