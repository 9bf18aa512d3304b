"""Queue benchmarks: how fast one worker runs trivial jobs, and whether claiming stays fast when
the queue is long.

Jobs are cloned in SQL (``generate_series``) from one job made by ``sync.job._enqueue``, so that
every column a future version adds is filled like the real thing, and filling 100,000 jobs takes
seconds. Everything created here belongs to benchmark stores that are deleted at the end.
"""

import cProfile
import io
import json
import pstats
import subprocess
import sys
import textwrap
import time

from tests.benchmarks.bench_common import Figure, cpu_count, create_store, fmt, median, say, section

CLAIM_LIMIT = 100

# One runner as a process of its own (a cron worker of a prefork server, or of another server): loads
# the registry, says it is ready, waits for "go" on stdin, runs the queue of the benchmark store until
# it is empty, and prints what it ran.
RUNNER_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import odoo
    from odoo import SUPERUSER_ID, api
    config, database, store_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(database)
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    with registry.cursor() as cr:
        ran = api.Environment(cr, SUPERUSER_ID, {})["sync.job"]._process_queue(store_ids=[store_id], commit=True)
    print(json.dumps({"ran": ran, "seconds": time.perf_counter() - started}), flush=True)
""")


class QueueBench:
    def __init__(self, odoo_env, args):
        self.oe = odoo_env
        self.args = args
        self.store_ids = []
        self.columns = None
        self.template_id = None

    # ------------------------------------------------------------------ set-up helpers
    def _new_store(self, name):
        with self.oe.env() as env:
            store = create_store(env, name)
            self.store_ids.append(store.id)
            return store.id

    def _make_template(self, store_id):
        """One real job made by `_enqueue`, whose row the SQL clones copy."""
        with self.oe.env() as env:
            store = env["connector.store"].browse(store_id)
            job = env["sync.job"]._enqueue(store, "bench.noop", "_job_noop")
            env.flush_all()
            self.template_id = job.id
            env.cr.execute(
                """SELECT column_name FROM information_schema.columns
                    WHERE table_name = 'sync_job' AND column_name != 'id'"""
            )
            self.columns = [row[0] for row in env.cr.fetchall()]
            # The template itself is not a job of the benchmark.
            env.cr.execute("UPDATE sync_job SET state = 'cancelled' WHERE id = %s", [job.id])

    def _clone(self, count, store_id, state="pending", due_in_seconds=-1, finished_ago_seconds=None):
        """Insert `count` copies of the template job. :returns: (first id, last id)."""
        overrides = {
            "store_id": "%(store)s",
            "state": "%(state)s",
            "next_attempt_at": "(now() AT TIME ZONE 'UTC') + %(due)s * interval '1 second'",
            "identity_key": "NULL",
            "worker": "NULL",
            "started_at": "NULL",
            "finished_at": "NULL" if finished_ago_seconds is None
            else "(now() AT TIME ZONE 'UTC') - %(ago)s * interval '1 second'",
            "create_date": "(now() AT TIME ZONE 'UTC')",
            "write_date": "(now() AT TIME ZONE 'UTC')",
            "res_ids": "jsonb_build_array(%(store)s)",
        }
        cols = ", ".join(f'"{c}"' for c in self.columns)
        values = ", ".join(overrides.get(c, f't."{c}"') for c in self.columns)
        rows = self.oe.sql(
            f"""INSERT INTO sync_job ({cols})
                SELECT {values} FROM sync_job t, generate_series(1, %(count)s)
                 WHERE t.id = %(template)s
             RETURNING id""",
            {"store": store_id, "state": state, "due": due_in_seconds, "ago": finished_ago_seconds or 0,
             "count": count, "template": self.template_id},
        )
        ids = [row[0] for row in rows]
        return min(ids), max(ids)

    def _vacuum(self):
        # What autovacuum does after a bulk insert; without it the planner works from stale counts.
        self.oe.sql("VACUUM ANALYZE sync_job", autocommit=True)

    def cleanup(self):
        if not self.store_ids:
            return
        self.oe.sql("DELETE FROM sync_job WHERE store_id = ANY(%s) OR id = %s",
                    [self.store_ids, self.template_id or 0])
        with self.oe.env() as env:
            env["connector.store"].browse(self.store_ids).exists().unlink()
        self._vacuum()
        self.store_ids = []

    # ------------------------------------------------------------------ throughput
    def throughput(self):
        """Jobs per second of one `_process_queue(commit=True)` on trivial jobs."""
        args = self.args
        section(f"queue throughput: one worker, {args.queue_jobs} x _job_noop, commit per job")
        store_id = self._new_store("Benchmark queue throughput")
        self._make_template(store_id)
        # A first small batch warms the caches (registry, ORM, prepared plans) outside the timing.
        self._clone(200, store_id)
        with self.oe.env() as env:
            env["sync.job"]._process_queue(store_ids=[store_id], commit=True)
        self._clone(args.queue_jobs, store_id)
        self._vacuum()
        profiler = cProfile.Profile() if args.profile else None
        with self.oe.env() as env:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            ran = env["sync.job"]._process_queue(store_ids=[store_id], commit=True)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - started
        states = dict(self.oe.sql(
            "SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state", [store_id]))
        rate = ran / elapsed if elapsed else 0.0
        say(f"ran {ran} jobs in {elapsed:.2f} s: {rate:.0f} jobs/s "
            f"({1000 * elapsed / max(ran, 1):.2f} ms a job); job states now {states}")
        if profiler:
            self._print_profile(profiler)
        left = args.queue_jobs + 200 - states.get("done", 0)
        return [
            Figure("queue: jobs/s (one worker)", rate, "/s", "min", args.queue_target,
                   note=f"{ran} _job_noop jobs, _process_queue(commit=True), one process"),
            Figure("queue: jobs not done after the run", left, "", "equal", 0),
        ]

    @staticmethod
    def _print_profile(profiler):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(30)
        say("cProfile of the measured run (top 30 by cumulative time):")
        say("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:8000])

    # ------------------------------------------------------------------ several runners
    def _run_runners(self, count, store_id):
        """`count` runner processes on the store's queue at once. :returns: (jobs run by each,
        wall seconds from "go" to the last one's end)."""
        procs = [
            subprocess.Popen([sys.executable, "-c", RUNNER_SCRIPT, self.args.config, self.args.database,
                              str(store_id)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _i in range(count)
        ]
        try:
            for proc in procs:
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError("a runner process did not start")
            started = time.perf_counter()
            for proc in procs:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            results = [json.loads(proc.stdout.readline()) for proc in procs]
            elapsed = time.perf_counter() - started
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.wait(60)
        return [result["ran"] for result in results], elapsed

    def runners_throughput(self):
        """Jobs per second of 1 then 2 runner processes on the same backlog (the queue's scale-out)."""
        args = self.args
        jobs = args.queue_jobs
        section(f"queue throughput: 1 and 2 runners (separate processes), {jobs} x _job_noop each time")
        store_id = self._new_store("Benchmark queue runners")
        if self.template_id is None:
            self._make_template(store_id)
        figures, rates = [], {}
        for count in (1, 2):
            self._clone(jobs, store_id)
            self._vacuum()
            ran, elapsed = self._run_runners(count, store_id)
            rates[count] = sum(ran) / elapsed if elapsed else 0.0
            say(f"{count} runner(s): ran {sum(ran)} jobs ({', '.join(map(str, ran))}) in {elapsed:.2f} s: "
                f"{rates[count]:.0f} jobs/s")
            left = self.oe.sql("SELECT count(*) FROM sync_job WHERE store_id = %s AND state != 'done'",
                               [store_id])[0][0]
            figures.append(Figure(f"queue: jobs/s, {count} runner process(es)", rates[count], "/s", "info",
                                  note=f"{jobs} _job_noop jobs, {cpu_count()} CPUs on the machine"))
            figures.append(Figure(f"queue: jobs not done after {count} runner(s)", left, "", "equal", 0))
            figures.append(Figure(f"queue: jobs run by a runner with {count} runner(s), least",
                                  min(ran), "", "min", 1))
        say(f"2 runners / 1 runner: {rates[2] / rates[1]:.2f}x (the machine's other load counts: see uptime)")
        figures.append(Figure("queue: 2 runners / 1 runner", rates[2] / rates[1], "x", "info"))
        return figures

    # ------------------------------------------------------------------ claim scaling
    def _time_claims(self, expected):
        """Median seconds of `_claim(limit=100)` over the samples, each rolled back."""
        samples = []
        for n in range(self.args.claim_samples + 3):
            with self.oe.registry.cursor() as cr:
                from odoo import SUPERUSER_ID, api

                env = api.Environment(cr, SUPERUSER_ID, {})
                started = time.perf_counter()
                jobs = env["sync.job"]._claim(CLAIM_LIMIT, commit=False)
                elapsed = time.perf_counter() - started
                claimed = len(jobs)
                cr.rollback()  # the jobs stay pending: every sample claims the same batch
            if claimed != expected:
                raise RuntimeError(f"_claim returned {claimed} jobs, expected {expected}")
            if n >= 3:  # the first samples warm the caches
                samples.append(elapsed)
        return median(samples), min(samples), max(samples)

    def claim_scaling(self):
        """`_claim(limit=100)` with 100 pending jobs against 100,000, with a history of done jobs."""
        args = self.args
        big = args.claim_pending
        section(f"claim scaling: _claim(limit={CLAIM_LIMIT}) with 100 vs {big:,} pending jobs, "
                f"{args.claim_history:,} done jobs in the history")
        store_id = self._new_store("Benchmark claim")
        paused_store_id = self._new_store("Benchmark claim (paused)")
        if self.template_id is None:
            self._make_template(store_id)
        self._clone(args.claim_history, store_id, state="done", due_in_seconds=-7200,
                    finished_ago_seconds=3600)
        results = {}

        first_small, _last = self._clone(CLAIM_LIMIT, store_id)
        self._vacuum()
        results["small"] = self._time_claims(CLAIM_LIMIT)
        say(f"100 pending, all due:                     median {1000 * results['small'][0]:.2f} ms "
            f"(min {1000 * results['small'][1]:.2f}, max {1000 * results['small'][2]:.2f})")

        self._clone(big - CLAIM_LIMIT, store_id)
        self._vacuum()
        results["due"] = self._time_claims(CLAIM_LIMIT)
        say(f"{big:,} pending, all due:                 median {1000 * results['due'][0]:.2f} ms "
            f"(min {1000 * results['due'][1]:.2f}, max {1000 * results['due'][2]:.2f})")

        # A throttled backlog: every pending job waits (backoff, Retry-After, eta) except the
        # 100 newest, which sit at the end of the (priority, id) order the claim walks.
        self.oe.sql(
            """UPDATE sync_job SET next_attempt_at = (now() AT TIME ZONE 'UTC') + interval '1 day'
                WHERE store_id = %s AND state = 'pending'""", [store_id])
        self.oe.sql(
            """UPDATE sync_job SET next_attempt_at = (now() AT TIME ZONE 'UTC') - interval '1 second'
                WHERE id IN (SELECT id FROM sync_job WHERE store_id = %s AND state = 'pending'
                              ORDER BY id DESC LIMIT %s)""", [store_id, CLAIM_LIMIT])
        self._vacuum()
        results["future"] = self._time_claims(CLAIM_LIMIT)
        say(f"{big:,} pending, {big - CLAIM_LIMIT:,} not yet due:       median "
            f"{1000 * results['future'][0]:.2f} ms (min {1000 * results['future'][1]:.2f}, "
            f"max {1000 * results['future'][2]:.2f})")

        # A store paused for authentication keeps its backlog, due but not runnable, while another
        # store's 100 jobs (later in the claim order) must be found behind it.
        self.oe.sql(
            """UPDATE sync_job SET next_attempt_at = (now() AT TIME ZONE 'UTC') - interval '1 second',
                      store_id = CASE WHEN id IN (SELECT id FROM sync_job WHERE store_id = %(s)s
                                                     AND state = 'pending' ORDER BY id DESC LIMIT %(n)s)
                                      THEN %(s)s ELSE %(p)s END
                WHERE store_id = %(s)s AND state = 'pending'""",
            {"s": store_id, "p": paused_store_id, "n": CLAIM_LIMIT})
        self.oe.sql("UPDATE connector_store SET paused = TRUE WHERE id = %s", [paused_store_id])
        self._vacuum()
        results["paused"] = self._time_claims(CLAIM_LIMIT)
        say(f"{big:,} pending, {big - CLAIM_LIMIT:,} of a paused store: median "
            f"{1000 * results['paused'][0]:.2f} ms (min {1000 * results['paused'][1]:.2f}, "
            f"max {1000 * results['paused'][2]:.2f})")

        small = results["small"][0]
        limit = args.claim_ratio_limit
        figures = [Figure("claim: median, 100 pending", small * 1000, "ms", "info",
                          note=f"_claim(limit={CLAIM_LIMIT}, commit=False) then rollback, "
                               f"median of {args.claim_samples}")]
        labels = {"due": f"{big:,} pending due", "future": f"{big:,} pending, 100 due",
                  "paused": f"{big:,} pending, paused store"}
        for key, label in labels.items():
            figures.append(Figure(f"claim: median, {label}", results[key][0] * 1000, "ms", "info"))
            figures.append(Figure(f"claim: ratio {label} / 100", results[key][0] / small, "x", "max",
                                  limit))
        say("ratios to 100 pending: " + ", ".join(
            f"{labels[k]} {results[k][0] / small:.2f}x" for k in labels) + f" (limit {fmt(limit)}x)")
        return figures


def run(odoo_env, args):
    bench = QueueBench(odoo_env, args)
    figures = []
    try:
        figures += bench.throughput()
        figures += bench.runners_throughput()
        figures += bench.claim_scaling()
    finally:
        bench.cleanup()
    return figures
