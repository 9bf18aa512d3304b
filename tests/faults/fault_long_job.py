"""Fault 2: a job that runs three times longer than the stuck-job timeout on a live worker is never
started twice.

The stuck-job timeout (System Parameter store_connector.job_timeout_minutes) is set to its minimum, one
minute. One probe job sleeps 3 minutes (short form: 75 s, just over the timeout) on a live worker, while
two servers' runners are kept busy: a small probe job is queued every couple of seconds, and every run of
the runner first looks for stuck jobs to requeue. Checks: the long job started once, ended done, no
retry spent on it; every small job ran once; nothing left pending.
"""

import time

from tests.faults import probe
from tests.faults.harness import Row

TITLE = "2. job 3x the stuck-job timeout, live worker"
TIMEOUT_MINUTES = 1
FILLER_EVERY = 2.0  # seconds between two small jobs queued while the long one runs


def run(ctx):
    long_seconds = 75 if ctx.short else 3 * 60 * TIMEOUT_MINUTES
    db = ctx.database()
    oe = ctx.env(db)
    with oe.env() as env:
        env["ir.config_parameter"].set_param("store_connector.job_timeout_minutes", str(TIMEOUT_MINUTES))
    store_id = probe.create_store(oe, "Fault: long job")
    # A cron worker is killed past limit_time_real_cron: give the long job room, as a merchant whose
    # jobs are long must.
    options = {"limit_time_real_cron": long_seconds + 300, "limit_time_real": long_seconds + 300}
    ctx.server(db, workers=2, max_cron_threads=1, options=options)
    ctx.server(db, workers=0, max_cron_threads=2, options=options)

    [long_id] = probe.enqueue(oe, store_id, [{"sleep": long_seconds}], "long")
    ctx.log(f"long job {long_id} queued ({long_seconds} s, timeout {TIMEOUT_MINUTES} min)")
    problems = []

    def long_started():
        return bool(probe.starts_of(oe, long_id))

    try:
        ctx.wait_until(long_started, 90)
    except TimeoutError:
        problems.append(f"the long job {long_id} did not start within 90 s of being queued")
    fillers = 0
    deadline = time.monotonic() + long_seconds + 240

    def long_state():
        return oe.sql("SELECT state FROM sync_job WHERE id = %s", [long_id])[0][0]

    while not problems and long_state() in ("pending", "processing") and time.monotonic() < deadline:
        probe.enqueue(oe, store_id, [{}], f"filler{fillers}")
        fillers += 1
        time.sleep(FILLER_EVERY)
    ctx.log(f"long job ended {long_state()}; {fillers} small jobs queued meanwhile")

    def queue_empty():
        return not oe.sql("""SELECT count(*) FROM sync_job WHERE store_id = %s
                              AND state IN ('pending', 'processing')""", [store_id])[0][0]

    try:
        ctx.wait_until(queue_empty, 120)
    except TimeoutError:
        problems.append("jobs were still pending or processing 120 s after the long job ended")

    counted = probe.count(oe, store_id)
    starts = probe.starts_of(oe, long_id)
    state, retries = oe.sql("SELECT state, COALESCE(retry_count, 0) FROM sync_job WHERE id = %s",
                            [long_id])[0]
    if len(starts) != 1:
        problems.append(f"the long job {long_id} started {len(starts)} times: "
                        + "; ".join(f"attempt {a} on {w} at {s:%H:%M:%S}" for a, w, _p, s, _f in starts))
    if state != "done":
        problems.append(f"the long job {long_id} ended {state}, not done")
    if retries:
        problems.append(f"the long job {long_id} spent {retries} retries while its worker was alive")
    for job_id, error in counted.failures:
        problems.append(f"job {job_id} failed: {error}")
    ran_for = (starts[0][4] - starts[0][3]).total_seconds() if starts and starts[0][4] else None
    return Row(
        fault=TITLE,
        load=f"1 job of {long_seconds} s vs a {TIMEOUT_MINUTES} min timeout, +{fillers} jobs, 2 servers",
        accepted=counted.jobs, done=counted.done, retried=counted.retried, failed=counted.failed,
        lost=counted.lost, run_twice=counted.run_twice,
        problems=problems,
        note=(f"the long job ran {ran_for:.0f} s, started {len(starts)} time(s); runs per process "
              f"{counted.by_worker}" if ran_for else f"runs per process {counted.by_worker}"),
    )
