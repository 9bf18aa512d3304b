"""Fault 4: the platform answers 429 to every call for a minute (without, then with Retry-After), then 5xx
bursts, then hangs past the client timeout, then refuses connections: no job fails for a transient cause,
all finish after.

A Shopify store and a WooCommerce store, each against its simulator (`sim.outage(...)`,
tests/simulators/outage.py), served by one prefork odoo-bin (2 HTTP workers, 2 cron workers). Load: a stock
export per SKU (one job each) and an order pull per platform, queued before the outage; during it, a SKU's
stock changes (and is queued again) every couple of seconds and orders are placed and pulled each phase.
Both platforms go through the same phases at the same time; after each phase the platforms answer again
until both stores have seen it (their outage ended), so that every mode meets jobs and opens an outage of
its own, and each return is timed. The full form keeps the platforms' own
timeouts (60 s for Shopify; WooCommerce's 120 s is capped to half the workers' 120 s real-time limit), the
short form caps them at 4 s (server option store_connector_platform_timeout) to keep its hang phase short.

Checks: no job failed (a transient cause never fails a job: the store's platform outage holds them,
connector_store_outage.py); every job done after the outage (none pending or processing); each SKU's
quantity on the platform is Odoo's; every order placed was imported once; the stores' outages ended. The
recovery time is the longest of: from the end of a phase to both stores' outage ended, and from the end of
the last phase to the last job done (target: a minute or two, the outage's probe interval, not the backoff
ceiling).
"""

import time

from tests.faults import platform_stores
from tests.faults.harness import Row

TITLE = "4. platform outage: 429s, 5xx bursts, hang, refused"
RECOVERY_TARGET = 150  # seconds: the probe interval (60 s at most) plus a runner's latency, with margin


def phases(short):
    """[(mode, seconds, options)], in order."""
    if short:
        return [("429", 8, {}), ("429", 12, {"retry_after": 2}), ("5xx", 10, {"burst": (3.0, 1.0)}),
                ("hang", 14, {}), ("refuse", 8, {})]
    return [("429", 60, {}), ("429", 60, {"retry_after": 10}), ("5xx", 60, {"burst": (8.0, 2.0)}),
            ("hang", 150, {}), ("refuse", 60, {})]


def run(ctx):
    sku_count = 15 if ctx.short else 40
    db = ctx.database()
    oe = ctx.env(db)
    stores = [platform_stores.create_store(ctx, oe, platform, sku_count, lambda n: 10 + n)
              for platform in platform_stores.PLATFORMS]
    store_ids = [s.store_id for s in stores]
    options = {"store_connector_platform_timeout": 4} if ctx.short else {}
    server = ctx.server(db, workers=2, max_cron_threads=2, options=options)

    for s in stores:
        for _order in range(3):
            s.place_order()
        s.enqueue_exports(oe, list(s.skus))
        s.enqueue_order_pull(oe)
    problems = []
    try:
        ctx.wait_until(lambda: any(platform_stores.job_states(oe, sid).get("done") for sid in store_ids), 90)
    except TimeoutError:
        problems.append("no job of the stores was done within 90 s of being queued, before any outage")

    outage_seen = {s.platform: [] for s in stores}
    waiting_max = {s.platform: 0 for s in stores}
    changes = 0

    def drive(label, until):
        """Every couple of seconds, a SKU's stock changes on each store and is queued, until `until()`;
        watch the stores' outage state. :returns: whether `until()` came true (within 240 s)."""
        nonlocal changes
        deadline = time.monotonic() + 240
        while not until():
            if time.monotonic() > deadline:
                return False
            time.sleep(2.0)
            for s in stores:
                sku = list(s.skus)[changes % len(s.skus)]
                s.set_quantities(oe, {sku: 500 + changes})
                s.enqueue_exports(oe, [sku])
                since, waiting = outage_of(s)
                if since and label not in outage_seen[s.platform]:
                    outage_seen[s.platform].append(label)
                if since:
                    waiting_max[s.platform] = max(waiting_max[s.platform], waiting)
            changes += 1
        return True

    def outage_of(s):
        return oe.sql("""SELECT platform_outage_since,
                                (SELECT count(*) FROM sync_job WHERE store_id = %s AND state = 'pending')
                           FROM connector_store WHERE id = %s""", [s.store_id, s.store_id])[0]

    # Each phase, then the platform answers again until both stores saw it (their outage ended): every
    # mode meets jobs of its own and starts an outage of its own, and each return is timed.
    recoveries = {}
    for mode, seconds, opts in phases(ctx.short):
        label = mode + (f" (Retry-After {opts['retry_after']} s)" if opts.get("retry_after") else "")
        ctx.log(f"phase {label} for {seconds} s")
        for s in stores:
            s.sim.outage(mode, seconds, **opts)
            for _order in range(2):
                s.place_order()
            s.enqueue_order_pull(oe)
        ends = time.monotonic() + seconds
        drive(label, lambda ends=ends: time.monotonic() >= ends)
        for s in stores:
            s.sim.end_outage()
        back = time.monotonic()
        if drive(label, lambda: not any(outage_of(s)[0] for s in stores)):
            recoveries[label] = time.monotonic() - back
        else:
            problems.append(f"a store still showed its platform unavailable 240 s after the {label} phase "
                            "ended")
    ended = time.monotonic()
    ctx.log("outage over; waiting for every job to finish")
    recovery = None
    try:
        drained = platform_stores.wait_for_runner_idle(ctx, oe, store_ids, 300 if ctx.short else 600)
        recovery = max([*recoveries.values(), drained])
    except TimeoutError:
        problems.append(f"jobs were still pending or processing {time.monotonic() - ended:.0f} s after the "
                        "outage ended")
    if recovery is not None and recovery > RECOVERY_TARGET:
        problems.append(f"the stores took {recovery:.0f} s to recover after a phase ended "
                        f"(target {RECOVERY_TARGET} s)")

    accepted = done = failed = retried = lost = run_twice = 0
    notes = []
    for s in stores:
        jobs = platform_stores.jobs_of(oe, s.store_id)
        accepted += len(jobs)
        for job_id, state, retries, kind, error, operation in jobs:
            retried += retries
            done += state == "done"
            lost += state in ("pending", "processing")
            if state == "failed":
                failed += 1
                cause = "a transient cause" if kind == "retryable" else f"a {kind} error"
                problems.append(f"{s.platform} job {job_id} ({operation}) failed for {cause}: "
                                f"{(error or '').splitlines()[0][:200]}")
        odoo = s.odoo_quantities(oe)
        wrong = [(sku, s.platform_quantity(sku), odoo[sku]) for sku in s.skus
                 if s.platform_quantity(sku) != odoo[sku]]
        for sku, platform_quantity, odoo_quantity in wrong[:10]:
            problems.append(f"{s.platform} SKU {sku}: the platform holds {platform_quantity}, "
                            f"Odoo {odoo_quantity}")
        imported, doubled = s.imported_orders(oe)
        run_twice += doubled
        if imported != s.orders_placed:
            problems.append(f"{s.platform}: {imported} orders imported of {s.orders_placed} placed")
        since, streak = oe.sql("SELECT platform_outage_since, platform_error_streak FROM connector_store "
                               "WHERE id = %s", [s.store_id])[0]
        if since:
            problems.append(f"{s.platform}: the store still shows its platform unavailable since {since}")
        answered = s.sim.outage_state()["answered"]
        if not outage_seen[s.platform]:
            problems.append(f"{s.platform}: the store never recorded the platform outage")
        for mode, _seconds, opts in phases(ctx.short):
            label = mode + (f" (Retry-After {opts['retry_after']} s)" if opts.get("retry_after") else "")
            # A refused connection never reaches the simulator: that phase shows in the store's outage.
            if not answered.get(mode) and label not in outage_seen[s.platform]:
                problems.append(f"{s.platform}: no job met the {label} phase")
        seen = ", ".join(outage_seen[s.platform])
        notes.append(f"{s.platform}: outage recorded in the phases {seen}; up to "
                     f"{waiting_max[s.platform]} jobs waiting; calls the platform failed: "
                     + ", ".join(f"{count} ({mode})" for mode, count in sorted(answered.items())))
    notes.append("back to normal after each phase in " + ", ".join(
        f"{label} {seconds:.0f} s" for label, seconds in recoveries.items()))
    for line in server.log_problems():
        if "Traceback" in line or "crashed" in line or " CRITICAL " in line:
            problems.append(f"server log: {line}")
    total = sum(seconds for _m, seconds, _o in phases(ctx.short))
    return Row(
        fault=TITLE,
        load=f"2 stores (Shopify, WooCommerce), {2 * sku_count} SKU exports + {changes * 2} changes + order "
             f"pulls; outage {total} s",
        accepted=accepted, done=done, retried=retried, failed=failed, lost=lost, run_twice=run_twice,
        recovery_seconds=recovery, problems=problems, note="; ".join(notes),
    )
