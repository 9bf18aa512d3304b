"""Fault 1: kill -9 of the worker in the middle of a job that writes to Odoo and calls the platform.

The job: a Shopify stock export (`inventorySetQuantities` with an `@idempotent` key derived from the job, and
`changeFromQuantity`), which writes the published quantity on the product binding in Odoo. The Shopify
simulator applies the change, then holds its answer back (`sim.delay_answers`): the kill lands after the shop
did the work and before the worker heard of it, the worst moment. The worker running the job (the `worker`
column of the job: host:pid:thread) is a prefork cron worker of one of two servers; it is killed with SIGKILL.

Checks: the job is requeued with the default settings (no timeout lowered) within about a minute (time
reported), runs again on another worker and ends done once; the crash counted as an attempt; Shopify's stock
was changed once (the retry's key is replayed by Shopify, not applied again) and equals Odoo's; the binding
in Odoo records the publication. The full form kills the worker of three jobs in a row.
"""

import secrets
import time

from tests.faults.harness import Row

TITLE = "1. kill -9 of the worker mid-job"
TOKEN = "shpat_fault_token_" + secrets.token_hex(4)
CLIENT_SECRET = "fault-client-secret-" + secrets.token_hex(4)
MUTATION = "ConnectorInventorySet"
REQUEUE_BOUND = 150   # seconds: "within about a minute" (the runner's poll) plus room for a busy machine
HOLD_SECONDS = 300    # the simulator's hold on the answer: longer than anything waits for it


def _setup(oe, sim, rounds):
    """A Shopify store against the simulator, one bound product per round with stock in Odoo."""
    with sim.store.lock:
        primary = sim.store.primary_location()
    for n in range(rounds):
        variant = {"sku": f"FAULT-MUG-{n}", "price": "9.00", "inventory": 5}
        sim.add_product(f"Fault mug {n}", variants=[variant], webhooks=False)
    with sim.store.lock:
        items = {v.sku: (v.product_id, v.id, v.inventory_item_id) for v in sim.store.variants.values()}
    with oe.env() as env:
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        store = env["connector.store"].create({
            "name": "Fault: kill -9", "code": f"fault-kill-{secrets.token_hex(3)}", "platform": "shopify",
            "company_id": env.company.id, "warehouse_id": warehouse.id, "shopify_shop_domain": sim.shop,
            "shop_url": sim.base_url, "shopify_client_id": sim.client_id, "stock_baseline": "odoo",
            "auto_sync_products": False, "auto_sync_inventory": False,
        })
        env["integration.credential"]._set_value(store, "access_token", TOKEN)
        env["integration.credential"]._set_value(store, "client_secret", CLIENT_SECRET)
        store.shopify_location_id = env["shopify.location"].create({
            "store_id": store.id, "name": primary.name, "shopify_gid": f"gid://shopify/Location/{primary.id}",
            "shopify_legacy_id": str(primary.id)})
        bindings = env["store.product.binding"]
        quantities = {}
        for n in range(rounds):
            sku = f"FAULT-MUG-{n}"
            product = env["product.product"].create({"name": f"Fault mug {n}", "is_storable": True,
                                                     "default_code": sku})
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 17 + n)
            quantities[sku] = 17 + n
            product_id, variant_id, item_id = items[sku]
            bindings |= bindings.create({
                "store_id": store.id, "product_id": product.id, "sync_state": "synced",
                "external_product_id": f"gid://shopify/Product/{product_id}",
                "external_variant_id": f"gid://shopify/ProductVariant/{variant_id}",
                "external_data": {"inventory_item_id": f"gid://shopify/InventoryItem/{item_id}"}})
        return store.id, [(b.id, b.sku) for b in bindings], quantities


def _job_row(oe, job_id):
    return oe.sql("""SELECT state, worker, COALESCE(retry_count, 0), error_kind, last_error
                       FROM sync_job WHERE id = %s""", [job_id])[0]


def _kill_round(ctx, oe, sim, servers, store_id, binding_id, sku):
    """One job, one kill. :returns: (job id, requeue seconds, recovery seconds, problems)."""
    problems = []
    sim.delay_answers(HOLD_SECONDS, MUTATION)
    held_before = len(sim.delayed_answers)
    with oe.env() as env:
        store = env["connector.store"].browse(store_id)
        [job_id] = store._enqueue_inventory_sync(env["store.product.binding"].browse(binding_id)).ids
    ctx.log(f"stock export job {job_id} queued for {sku}")
    try:
        ctx.wait_until(lambda: len(sim.delayed_answers) > held_before, 120)
    except TimeoutError:
        sim.release_answers()
        return job_id, None, None, [f"job {job_id} never called Shopify within 120 s of being queued"]
    state, worker, _retries, _kind, _error = _job_row(oe, job_id)
    pid = int(worker.split(":")[1]) if worker and state == "processing" else None
    owner = next((s for s in servers if pid in s.cron_pids()), None)
    if owner is None:
        sim.release_answers()
        return job_id, None, None, [f"job {job_id} is {state} on worker {worker!r}, not a cron worker of the "
                                    "servers: nothing to kill"]
    owner.kill9(pid)
    killed_at = time.monotonic()
    ctx.log(f"killed cron worker {pid} of {owner.name} in the middle of job {job_id} (Shopify applied the "
            "change, its answer was held)")
    sim.release_answers()

    def requeued():
        return _job_row(oe, job_id)[0] != "processing"

    requeue_seconds = recovery_seconds = None
    try:
        ctx.wait_until(requeued, REQUEUE_BOUND)
        requeue_seconds = time.monotonic() - killed_at
    except TimeoutError:
        problems.append(f"job {job_id} of the killed worker was still processing {REQUEUE_BOUND} s after the "
                        "kill (not requeued)")
        return job_id, None, None, problems

    def finished():
        return _job_row(oe, job_id)[0] in ("done", "failed", "cancelled")

    try:
        ctx.wait_until(finished, 120)
        recovery_seconds = time.monotonic() - killed_at
    except TimeoutError:
        problems.append(f"job {job_id} was requeued but not done within 120 s")
    return job_id, requeue_seconds, recovery_seconds, problems


def run(ctx):
    rounds = 1 if ctx.short else 3
    db = ctx.database()
    oe = ctx.env(db)
    sim = ctx.simulator("shopify", shop="fault-shop.myshopify.com", access_token=TOKEN,
                        client_id="fault-client-id", client_secret=CLIENT_SECRET)
    store_id, bindings, quantities = _setup(oe, sim, rounds)
    servers = [ctx.server(db, workers=1, max_cron_threads=1), ctx.server(db, workers=1, max_cron_threads=1)]
    problems, job_ids, requeues, recoveries = [], [], [], []
    for binding_id, sku in bindings:
        job_id, requeue_seconds, recovery_seconds, round_problems = _kill_round(
            ctx, oe, sim, servers, store_id, binding_id, sku)
        job_ids.append(job_id)
        problems += round_problems
        if requeue_seconds is not None:
            requeues.append(requeue_seconds)
        if recovery_seconds is not None:
            recoveries.append(recovery_seconds)

    done = failed = retried = lost = 0
    for job_id in job_ids:
        state, _worker, retries, kind, error = _job_row(oe, job_id)
        retried += retries
        done += state == "done"
        failed += state == "failed"
        lost += state in ("pending", "processing")
        if state == "failed":
            problems.append(f"job {job_id} failed: {error}")
        if retries < 1:
            problems.append(f"job {job_id}: the crash was not counted as an attempt (retry count {retries})")
    # Shopify's side: one applied change per job; a second one (the retry not replayed) is a doubled effect.
    sets = sum(1 for call in sim.calls if call.get("operation_name") == MUTATION)
    replays = sim.stats["idempotent_replays"]
    applied = sets - replays
    run_twice = max(0, applied - len(job_ids))
    if applied != len(job_ids):
        problems.append(f"Shopify applied {applied} stock changes for {len(job_ids)} jobs "
                        f"({sets} calls, {replays} replayed by their idempotency key)")
    with oe.env() as env:
        for binding_id, sku in bindings:
            binding = env["store.product.binding"].browse(binding_id)
            want = quantities[sku]
            if sim.inventory(sku) != want:
                problems.append(f"Shopify holds {sim.inventory(sku)} of {sku}, Odoo published {want}")
            if binding.inventory_quantity != want or not binding.inventory_synced_at:
                problems.append(f"the binding of {sku} does not record the publication of {want} (it says "
                                f"{binding.inventory_quantity}, synced at {binding.inventory_synced_at})")
    return Row(
        fault=TITLE,
        load=f"{rounds} Shopify stock export(s), cron worker killed mid-call, 2 prefork servers",
        accepted=len(job_ids), done=done, retried=retried, failed=failed, lost=lost, run_twice=run_twice,
        recovery_seconds=max(recoveries) if recoveries else None,
        problems=problems,
        note=(f"requeued {', '.join(f'{s:.0f}' for s in requeues) or '-'} s after the kill (default "
              f"settings); Shopify: {sets} inventorySetQuantities calls, {replays} replayed by key, "
              f"{applied} applied"),
    )
