"""Fault 5: credentials revoked in the middle of a batch: the store pauses with the reason, nothing is
marked done that was not, saving new credentials resumes everything.

A Shopify store and a WooCommerce store, each against its simulator, served by one prefork odoo-bin (2 HTTP
workers, 2 cron workers). Each queues a stock export per SKU (one job, one platform call each; Shopify's
bucket is small so that the batch takes a while). Once a part of a store's batch is done, its credentials
are revoked on the platform (Shopify: the access token rotated; WooCommerce: the REST key revoked and a new
one made). Checks while paused: the store is paused with the platform's words; every job is done (and the
platform holds its SKU's Odoo quantity) or pending (the platform still holds its SKU's first quantity) with
its retries untouched; none failed; nothing runs while paused. Then the merchant saves the new credentials
on the store's credential lines (in this process, as the form does): everything finishes, each SKU reached
the platform once (a second stock call for a SKU counts as run twice), the platform holds Odoo's quantities.
The recovery time is from saving the credentials to the last job done.
"""

import time

from tests.faults import platform_stores
from tests.faults.harness import Row

TITLE = "5. credentials revoked mid-batch"
PLATFORM_WORDS = {"shopify": "Invalid API key or access token", "woocommerce": "Consumer key is invalid"}


def revoke(s):
    """Revoke the store's credentials on the platform; :returns: {credential key: new value}."""
    if s.platform == "shopify":
        return {"access_token": s.sim.rotate_access_token()}
    s.sim.revoke_key(platform_stores.WOO_KEY)
    key, secret = s.sim.add_key("read_write")
    return {"consumer_key": key, "consumer_secret": secret}


def save_credentials(oe, s, values):
    """What the merchant does: type the new values into the store's credential lines and save."""
    with oe.env() as env:
        store = env["connector.store"].browse(s.store_id)
        for line in store.credential_ids:
            if line.key in values:
                line.write({"value": values[line.key]})


def run(ctx):
    sku_count = 40 if ctx.short else 200
    db = ctx.database()
    oe = ctx.env(db)
    stores = []
    for platform in platform_stores.PLATFORMS:
        # Shopify: 10 points a stock call, 20 restored a second: two calls a second, the batch lasts.
        sim_kwargs = {"bucket": {"maximumAvailable": 40, "restoreRate": 20}} if platform == "shopify" else {}
        stores.append(platform_stores.create_store(ctx, oe, platform, sku_count, lambda n: 10 + n,
                                                   sim_kwargs=sim_kwargs))
    server = ctx.server(db, workers=2, max_cron_threads=2)
    problems = []
    for s in stores:
        s.enqueue_exports(oe, list(s.skus))
    by_binding = {s.platform: {binding_id: sku for sku, binding_id in s.skus.items()} for s in stores}
    new_values = {}
    revoked_at_done = {}
    deadline = time.monotonic() + 120
    # Revoke each store's credentials once a fifth of its batch is done (watched closely: a batch is quick).
    while len(new_values) < len(stores) and time.monotonic() < deadline:
        for s in stores:
            if s.platform in new_values:
                continue
            done = platform_stores.job_states(oe, s.store_id).get("done", 0)
            if done >= max(3, sku_count // 5):
                new_values[s.platform] = revoke(s)
                revoked_at_done[s.platform] = done
                ctx.log(f"{s.platform}: credentials revoked after {done} of {sku_count} jobs done")
        time.sleep(0.05)
    for s in stores:
        if s.platform not in new_values:
            problems.append(f"{s.platform}: a fifth of the batch was not done within 120 s; not revoked")
            new_values[s.platform] = revoke(s)

    def all_paused():
        """both stores paused"""
        return all(oe.sql("SELECT paused FROM connector_store WHERE id = %s", [s.store_id])[0][0]
                   for s in stores)

    try:
        ctx.wait_until(all_paused, 90)
    except TimeoutError:
        problems.append("a store was not paused within 90 s of its credentials being revoked")
    def claims_given_back():
        """the runner gave back the jobs it had claimed when the store paused"""
        return not any(platform_stores.job_states(oe, s.store_id).get("processing") for s in stores)

    # The runner that met the revoked credentials puts the rest of its batch back to pending once the
    # store is paused: that is not a run. From then on, nothing runs while paused.
    try:
        ctx.wait_until(claims_given_back, 60)
    except TimeoutError:
        problems.append("jobs still processing 60 s after the stores paused")
    before = {s.platform: platform_stores.job_states(oe, s.store_id) for s in stores}
    time.sleep(5 if ctx.short else 20)
    notes = []
    for s in stores:
        states = platform_stores.job_states(oe, s.store_id)
        if states != before[s.platform]:
            problems.append(f"{s.platform}: jobs changed while the store was paused: {before[s.platform]} -> "
                            f"{states}")
        paused, reason = oe.sql("SELECT paused, paused_reason FROM connector_store WHERE id = %s",
                                [s.store_id])[0]
        if paused and PLATFORM_WORDS[s.platform] not in (reason or ""):
            problems.append(f"{s.platform}: the pause reason does not quote the platform: {reason!r}")
        odoo = s.odoo_quantities(oe)
        pending = 0
        for job_id, state, retries, kind, error, _operation in platform_stores.jobs_of(oe, s.store_id):
            [binding_id] = oe.sql("SELECT res_ids FROM sync_job WHERE id = %s", [job_id])[0][0]
            sku = by_binding[s.platform][binding_id]
            platform_quantity = s.platform_quantity(sku)
            if state == "done" and platform_quantity != odoo[sku]:
                problems.append(f"{s.platform} job {job_id} is done but the platform holds "
                                f"{platform_quantity} for {sku}, not Odoo's {odoo[sku]}")
            elif state == "pending":
                pending += 1
                if retries:
                    problems.append(f"{s.platform} job {job_id} waits for credentials with {retries} retries "
                                    "spent")
                if platform_quantity != platform_stores.SIM_START_QUANTITY:
                    problems.append(f"{s.platform} job {job_id} is pending but {sku} already changed on the "
                                    f"platform ({platform_quantity})")
            elif state not in ("done", "pending"):
                problems.append(f"{s.platform} job {job_id} is {state} while its store was paused ({kind}: "
                                f"{(error or '').splitlines()[0][:160] if error else ''})")
        notes.append(f"{s.platform}: revoked after {revoked_at_done.get(s.platform)} done, "
                     f"{pending} waited for credentials")
        if not pending:
            problems.append(f"{s.platform}: no job was left waiting when the credentials were revoked "
                            "(the batch ended first: revoke earlier)")

    saved = time.monotonic()
    for s in stores:
        save_credentials(oe, s, new_values[s.platform])
    ctx.log("new credentials saved; waiting for every job to finish")
    recovery = None
    try:
        recovery = platform_stores.wait_for_runner_idle(ctx, oe, [s.store_id for s in stores], 300)
    except TimeoutError:
        problems.append(f"jobs were still pending {time.monotonic() - saved:.0f} s after the new credentials "
                        "were saved")

    accepted = done = failed = retried = lost = run_twice = 0
    for s in stores:
        paused = oe.sql("SELECT paused FROM connector_store WHERE id = %s", [s.store_id])[0][0]
        if paused:
            problems.append(f"{s.platform}: the store is still paused after its new credentials were saved")
        jobs = platform_stores.jobs_of(oe, s.store_id)
        accepted += len(jobs)
        for job_id, state, retries, kind, error, _operation in jobs:
            retried += retries
            done += state == "done"
            lost += state in ("pending", "processing")
            if state == "failed":
                failed += 1
                first_line = (error or "").splitlines()[0][:200] if error else ""
                problems.append(f"{s.platform} job {job_id} failed ({kind}): {first_line}")
        odoo = s.odoo_quantities(oe)
        wrong = [sku for sku in s.skus if s.platform_quantity(sku) != odoo[sku]]
        for sku in wrong[:10]:
            problems.append(f"{s.platform} SKU {sku}: the platform holds {s.platform_quantity(sku)}, Odoo "
                            f"{odoo[sku]}")
        calls = s.stock_set_calls()
        doubled = sorted(sku for sku, count in calls.items() if count > 1)
        run_twice += len(doubled)
        if doubled:
            problems.append(f"{s.platform}: stock sent more than once for {len(doubled)} SKUs, "
                            f"e.g. {doubled[:5]}")
    for line in server.log_problems():
        if "Traceback" in line or "crashed" in line or " CRITICAL " in line:
            problems.append(f"server log: {line}")
    return Row(
        fault=TITLE,
        load=f"2 stores (Shopify, WooCommerce), {sku_count} SKU exports each, credentials revoked mid-batch",
        accepted=accepted, done=done, retried=retried, failed=failed, lost=lost, run_twice=run_twice,
        recovery_seconds=recovery, problems=problems, note="; ".join(notes),
    )
