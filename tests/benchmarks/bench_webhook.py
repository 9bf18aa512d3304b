"""Webhook intake benchmark through a real Odoo HTTP server (odoo-bin) on loopback.

One run: a fresh store of the test platform with a webhook secret; an odoo-bin server on free
loopback ports (threaded, or prefork with --workers=2), with the queue runner cron on or off; the
open-loop generator (bench_loadgen.py) sends signed order deliveries at a fixed rate for a warm-up,
the measured window and a short cool-down; then the database is checked: every event stored once,
each with its job. The server is always stopped, the store and its deliveries and jobs deleted.
"""

import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter

from tests.benchmarks.bench_common import (
    Figure,
    cpu_count,
    cpu_snapshot,
    create_store,
    fmt,
    percentile,
    say,
    section,
)
from tests.benchmarks.bench_loadgen import build_request, event_id, is_duplicate, slot_event

HERE = os.path.dirname(os.path.abspath(__file__))
SC_ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNER_XMLID = ("store_connector_base", "ir_cron_sync_job_runner")
COOL_DOWN_SECONDS = 1.0
# Innermost frames of threads that wait for work (not on a request): left out of the profile.
IDLE_FRAMES = ("select", "accept", "sleep", "wait (", "poll", "_wait_for_tstate_lock")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooServer:
    """odoo-bin on loopback, in its own process group so that stopping it stops all its processes."""

    def __init__(self, args, mode, runner, log_path):
        self.args = args
        self.mode = mode
        self.runner = runner
        self.log_path = log_path
        self.port = free_port()
        self.proc = None

    def command(self):
        cmd = [
            sys.executable, self.args.odoo_bin, "-c", self.args.config, "-d", self.args.database,
            "--http-interface=127.0.0.1", f"--http-port={self.port}", f"--gevent-port={free_port()}",
            f"--max-cron-threads={1 if self.runner else 0}", "--log-level=warn",
            f"--logfile={self.log_path}",
        ]
        if not self.args.keep_dbfilter:
            # One database named by db_name and no dbfilter: Odoo's mono-database set-up. With a
            # dbfilter, every request without a session cookie (every webhook) first lists the
            # databases of the PostgreSQL server, on a connection to its "postgres" database.
            cmd.append("--db-filter=")
        cmd.append(f"--workers={self.args.workers if self.mode == 'prefork' else 0}")
        return cmd

    def start(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log_path)
        # What escapes the log file (a child process that dies on start) lands in the .out file.
        self.out_path = self.log_path[:-4] + ".out"
        with open(self.out_path, "w") as out:
            self.proc = subprocess.Popen(self.command(), cwd=SC_ROOT, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{self.port}/web/health"
        deadline = time.monotonic() + self.args.server_start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"odoo-bin exited with {self.proc.returncode} while starting; "
                                   f"see {self.log_path}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        self.warm_up()
                        return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"odoo-bin did not answer {url} within {self.args.server_start_timeout} s; "
                           f"see {self.log_path}")

    def warm_up(self):
        """One request whose path has four segments, alone, before the load.

        Odoo computes the map of static folders (`Application.statics`, parsing every manifest) on
        the first such request. In a threaded server, a first burst of concurrent requests parses
        manifests in several threads at once, which CPython 3.11.7 can fail with "SystemError: AST
        constructor recursion depth mismatch" (python/cpython#106905): a few 500s on a cold server,
        not a property of the intake. Prefork workers are single-threaded and unaffected.
        """
        with contextlib.suppress(OSError):
            url = f"http://127.0.0.1:{self.port}/web/static/bench-warm-up"
            urllib.request.urlopen(url, timeout=10).close()

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        # Prefork workers and the cron worker share the group: make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def log_problems(self):
        """(count of ERROR/CRITICAL lines and tracebacks, the first few of them)."""
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read().splitlines()
        except FileNotFoundError:
            return 0, []
        with contextlib.suppress(FileNotFoundError):
            with open(self.out_path, errors="replace") as f:
                text += [line for line in f.read().splitlines()
                         if "Error" in line and not line.startswith(" ")]
        bad = [line for line in text
               if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
               or line.startswith(("Error", "SystemError", "RuntimeError")) or "DistributionNotFound" in line]
        # The first line of each, shortened: a failed query is logged with its parameters.
        return len(bad), [line[:160] for line in bad[:3]]


def gevent_process_can_start():
    """Whether Odoo's gevent process (spawned by every prefork server) can start in this venv.

    It dies at once when gevent's monkey-patching plugins cannot be loaded, for example when
    pkg_resources (setuptools < 70) does not recognise a dependency whose wheel uses the new
    underscore naming (zope_interface-8.x.dist-info): the prefork master then respawns it in a
    loop, each attempt importing Odoo, which eats a core and ruins a measurement.
    :returns: (bool, the error).
    """
    code = ("import warnings; warnings.simplefilter('ignore'); import pkg_resources, gevent.monkey\n"
            "[ep.load() for ep in pkg_resources.iter_entry_points('gevent.plugins.monkey.will_patch_all')]")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = proc.stderr.strip().splitlines()
    return proc.returncode == 0, (lines[-1] if lines else "")


class RunnerWatch(threading.Thread):
    """Watches, during the load and the drain, whether the runner leaves due jobs waiting.

    Every half second: are there jobs of the store due for more than WAIT_GRACE seconds while no
    cron run is under way? Then nothing is working on them: they wait for a cron worker's next
    wake-up (Odoo's cron workers poll every minute; a trigger wakes them at once through NOTIFY).
    Adds up that idle time and the most jobs seen waiting.
    """

    WAIT_GRACE = 2  # seconds: a trigger and a worker's wake-up take milliseconds

    def __init__(self, odoo_env, store_id, interval=0.5):
        super().__init__(daemon=True)
        self.oe = odoo_env
        self.store_id = store_id
        self.interval = interval
        self.stopped = threading.Event()
        self.idle_seconds = 0.0
        self.most_waiting = 0

    def run(self):
        last = time.monotonic()
        while not self.stopped.wait(self.interval):
            now = time.monotonic()
            # A cron worker running a cron keeps the transaction of Odoo 18's acquiring query
            # (WITH last_cron_progress ... FOR NO KEY UPDATE SKIP LOCKED) open and idle until the
            # run ends. Looked at from outside: locking the cron's row ourselves, even for a
            # moment, could make a cron worker skip its run.
            rows = self.oe.sql(
                """SELECT (SELECT count(*) FROM pg_stat_activity
                            WHERE datname = current_database() AND pid != pg_backend_pid()
                              AND state LIKE 'idle in transaction%%'
                              AND query LIKE '%%last_cron_progress%%'),
                          (SELECT count(*) FROM sync_job
                            WHERE store_id = %s AND state = 'pending'
                              AND next_attempt_at
                                  <= (now() AT TIME ZONE 'UTC') - %s * interval '1 second')""",
                [self.store_id, self.WAIT_GRACE])
            running, waiting = rows[0]
            if waiting and not running:
                self.idle_seconds += now - last
                self.most_waiting = max(self.most_waiting, waiting)
            last = now

    def stop(self):
        self.stopped.set()
        self.join(timeout=10)


class IntakeRun:
    """One intake measurement: a server mode, the runner on or off, its own store and events."""

    def __init__(self, odoo_env, args, mode, runner):
        self.oe = odoo_env
        self.args = args
        self.mode = mode
        self.runner = runner
        self.label = f"intake[{mode}, runner {'on' if runner else 'off'}]"
        # Names the server's log files: per database, so that runs on other databases do not mix.
        self.tag = f"{args.database}-{mode}-{'runner' if runner else 'norunner'}"
        self.store_id = None
        self.prefix = f"bench{int(time.time())}{secrets.token_hex(2)}"
        self.secret = secrets.token_urlsafe(24)

    # ------------------------------------------------------------------ set-up / tear-down
    def setup_store(self):
        with self.oe.env() as env:
            store = create_store(env, f"Benchmark {self.label}")
            env["integration.credential"]._set_value(store, "webhook_secret", self.secret)
            self.store_id, code = store.id, store.code
            # Crons that have nothing to do with the connector would otherwise wake up in the
            # middle of a measurement (a fresh database has them all due): postpone them.
            runner = env.ref(".".join(RUNNER_XMLID))
            env.cr.execute(
                """UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day'
                    WHERE id != %s AND active""", [runner.id])
            runner.write({"active": True})
            # The benchmark's earlier steps (queue, in-process intake) enqueued jobs with no server
            # running: their wake-ups of the runner are still due, and no cron worker was told.
            # A server started now would not run the runner before its first regular poll (up
            # to a minute), because enqueueing skips a wake-up while one is due: drop them.
            env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [runner.id])
        return code

    def cleanup(self):
        if not self.store_id:
            return
        self.oe.sql("DELETE FROM store_webhook_delivery WHERE store_id = %s", [self.store_id])
        self.oe.sql("DELETE FROM sync_job WHERE store_id = %s", [self.store_id])
        with self.oe.env() as env:
            env["connector.store"].browse(self.store_id).exists().unlink()
        self.store_id = None

    # ------------------------------------------------------------------ load
    def generate(self, port, code, rate, warmup_slots, window_slots, cool_slots):
        args = self.args
        total = warmup_slots + window_slots + cool_slots
        workdir = tempfile.mkdtemp(prefix="sc-bench-")
        procs = []
        try:
            for k in range(args.generators):
                spec = {
                    "host": "127.0.0.1", "port": port, "path": f"/api/v1/stores/{code}/webhooks/orders",
                    "secret": self.secret, "prefix": self.prefix, "rate": rate, "total_slots": total,
                    "index": k, "processes": args.generators, "concurrency": self.concurrency(),
                    "timeout": args.request_timeout,
                }
                spec_path = os.path.join(workdir, f"spec{k}.json")
                result_path = os.path.join(workdir, f"out{k}.json")
                with open(spec_path, "w") as f:
                    json.dump(spec, f)
                procs.append((subprocess.Popen(
                    [sys.executable, os.path.join(HERE, "bench_loadgen.py"), spec_path, result_path],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True), result_path))
            for proc, _path in procs:
                line = proc.stdout.readline().strip()
                if line != "ready":
                    raise RuntimeError(f"load generator failed to start (said {line!r})")
            start_at = time.time() + 0.5
            for proc, _path in procs:
                proc.stdin.write(f"{start_at}\n")
                proc.stdin.flush()
            bound = total / rate + args.request_timeout + 30
            results = []
            for proc, path in procs:
                proc.wait(timeout=max(bound - (time.time() - start_at), 1))
                if proc.returncode:
                    raise RuntimeError(f"load generator exited with {proc.returncode}")
                with open(path) as f:
                    results.append(json.load(f))
            return results
        finally:
            for proc, _path in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            for name in os.listdir(workdir):
                os.unlink(os.path.join(workdir, name))
            os.rmdir(workdir)

    def start_profiler(self, server, seconds):
        """py-spy sampling the server and its workers during the load (--profile), if installed."""
        if not self.args.profile:
            return None
        spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
        if not os.path.exists(spy):
            say("--profile: py-spy is not installed in the venv (pip install py-spy): no server profile")
            return None
        out = os.path.join(SC_ROOT, ".local", f"bench-{self.tag}-py-spy.txt")
        proc = subprocess.Popen(
            [spy, "record", "--pid", str(server.proc.pid), "--subprocesses", "--nonblocking", "--rate", "200",
             "--duration", str(int(seconds) + 1), "--format", "raw", "--output", out],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc, out

    @staticmethod
    def report_profile(proc, out, top=25):
        """Print where the server spent its samples: inclusive share per function, busy samples only."""
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        inclusive, own, total = Counter(), Counter(), 0
        try:
            with open(out) as f:
                for line in f:
                    stack, _sep, count = line.rstrip().rpartition(" ")
                    frames = stack.split(";")
                    # Idle threads wait in select/accept/sleep: not work of the request path.
                    if any(idle in frames[-1] for idle in IDLE_FRAMES):
                        continue
                    n = int(count)
                    total += n
                    own[frames[-1]] += n
                    for frame in set(frames[1:]):
                        inclusive[frame] += n
        except (FileNotFoundError, ValueError):
            say(f"--profile: no usable py-spy output in {out}")
            return
        if not total:
            say("--profile: py-spy recorded no busy samples")
            return
        say(f"py-spy: {total} busy samples of odoo-bin (raw stacks in {out}); inclusive share, top {top}:")
        for frame, n in inclusive.most_common(top):
            say(f"  {100 * n / total:5.1f}%  {frame[:150]}")
        say("self share, top 12:")
        for frame, n in own.most_common(12):
            say(f"  {100 * n / total:5.1f}%  {frame[:150]}")

    def concurrency(self):
        if self.args.concurrency:
            return self.args.concurrency
        return 8 * self.args.workers if self.mode == "prefork" else 32

    def wait_for_queue(self):
        """Seconds until the runner has run every job of this store (None: not within the bound)."""
        started = time.monotonic()
        while time.monotonic() - started < self.args.drain_timeout:
            left = self.oe.sql("""SELECT count(*) FROM sync_job
                                   WHERE store_id = %s AND state IN ('pending', 'processing')""",
                               [self.store_id])[0][0]
            if not left:
                return time.monotonic() - started
            time.sleep(0.5)
        return None

    # ------------------------------------------------------------------ the run
    def run(self):
        args = self.args
        section(f"{self.label}: {args.rate:g} deliveries/s for {args.duration:g} s "
                f"(+{args.warmup:g} s warm-up), {args.generators} generator process(es)")
        log_path = os.path.join(SC_ROOT, ".local", f"bench-{self.tag}.log")
        server = OdooServer(args, self.mode, self.runner, log_path)
        rate = args.rate
        warmup_slots = int(round(args.warmup * rate))
        window_slots = int(round(args.duration * rate))
        cool_slots = int(round(COOL_DOWN_SECONDS * rate))
        try:
            code = self.setup_store()
            t_start = time.monotonic()
            server.start()
            say(f"odoo-bin {self.mode} ({' '.join(server.command()[3:])}) answered in "
                f"{time.monotonic() - t_start:.1f} s on 127.0.0.1:{server.port}")
            watch = RunnerWatch(self.oe, self.store_id) if self.runner else None
            if watch:
                watch.start()
            cpu_before = cpu_snapshot([server.proc.pid], args.database)
            spy = self.start_profiler(server, args.warmup + args.duration)
            t_load = time.monotonic()
            results = self.generate(server.port, code, rate, warmup_slots, window_slots, cool_slots)
            load_seconds = time.monotonic() - t_load
            cpu_after = cpu_snapshot([server.proc.pid], args.database)
            if spy:
                self.report_profile(*spy)
            drained = self.wait_for_queue() if self.runner else None
            if watch:
                watch.stop()
            problems = server.log_problems()
        finally:
            server.stop()
        try:
            return self.report(results, warmup_slots, window_slots, load_seconds, cpu_before, cpu_after,
                               drained, watch, problems, log_path)
        finally:
            if not args.keep_data:
                self.cleanup()

    # ------------------------------------------------------------------ figures
    def report(self, results, warmup_slots, window_slots, load_seconds, cpu_before, cpu_after, drained,
               watch, problems, log_path):
        args = self.args
        rate = args.rate
        p99_limit = args.p99_limit / 1000
        rows = []  # (slot, status, latency s, lag s, done within the window's grace)
        for res in results:
            t0 = res["t0"]
            window_end = t0 + (warmup_slots + window_slots) / rate
            for slot, status, scheduled, started, done, written in res["results"]:
                latency = (done - scheduled) if done is not None else float("inf")
                lag = (started - scheduled) if started is not None else float("inf")
                in_time = done is not None and done <= window_end + p99_limit
                rows.append((slot, status, latency, lag, in_time, written))
        rows.sort()
        measured = [r for r in rows if warmup_slots <= r[0] < warmup_slots + window_slots]
        statuses = Counter(r[1] for r in rows)
        window_statuses = Counter(r[1] for r in measured)
        latencies_ms = [1000 * (r[2] if isinstance(r[1], int) else float("inf")) for r in measured]
        lags_ms = [1000 * r[3] for r in measured]
        sustained = sum(1 for r in measured if r[1] == 200 and r[4]) / args.duration
        p50, p95, p99 = (percentile(latencies_ms, p) for p in (50, 95, 99))
        worst = max(latencies_ms) if latencies_ms else float("nan")

        # What the database holds: every unique event of the run once, each with its job.
        sent_events = {slot_event(r[0]) for r in rows if r[5]}
        planned_events = {slot_event(r[0]) for r in rows}
        acked_events = {slot_event(r[0]) for r in rows if r[1] == 200}
        stored = dict(self.oe.sql(
            "SELECT event_id, count(*) FROM store_webhook_delivery WHERE store_id = %s GROUP BY event_id",
            [self.store_id]))
        sent_ids = {event_id(self.prefix, e) for e in sent_events}
        acked_ids = {event_id(self.prefix, e) for e in acked_events}
        lost = len(acked_ids - stored.keys())
        not_stored = len(sent_ids - stored.keys())
        twice = sum(1 for n in stored.values() if n > 1)
        foreign = len(stored.keys() - sent_ids)  # stored, never sent: must stay 0
        jobs = dict(self.oe.sql(
            "SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state", [self.store_id]))
        without_job = self.oe.sql(
            "SELECT count(*) FROM store_webhook_delivery WHERE store_id = %s AND job_id IS NULL",
            [self.store_id])[0][0]
        dup_slots = [r for r in rows if is_duplicate(r[0])]
        dup_acked = sum(1 for r in dup_slots if r[1] == 200)

        busy = (cpu_after[0] - cpu_before[0]) / max(cpu_after[1] - cpu_before[1], 1e-9) * 100
        server_cpu = (cpu_after[2] - cpu_before[2]) / load_seconds * 100
        gen_cpu = sum(res["cpu_seconds"] for res in results) / load_seconds * 100
        pg_cpu = (cpu_after[3] - cpu_before[3]) / load_seconds * 100
        answered = max(sum(1 for r in rows if isinstance(r[1], int)), 1)
        # CPU cost of one delivery, runner included when on: what decides the rate a quiet
        # machine can sustain, and a figure that other load on the machine disturbs less.
        server_ms = 1000 * (cpu_after[2] - cpu_before[2]) / answered
        pg_ms = 1000 * (cpu_after[3] - cpu_before[3]) / answered
        body = [min(r["body_bytes"][0] for r in results), max(r["body_bytes"][1] for r in results),
                sum(r["body_bytes"][2] for r in results) / len(results)]
        opened = sum(r["connections_opened"] for r in results)
        reconnects = sum(r["reconnects"] for r in results)

        errors = {str(k): v for k, v in statuses.items() if k not in (200, "not sent")}
        unsent = sum(1 for r in rows if not r[5])
        say(f"sent {len(rows) - unsent} of {len(rows)} planned deliveries ({len(sent_events)} of "
            f"{len(planned_events)} unique events, {len(dup_slots)} deliberate duplicates planned), "
            f"bodies {body[0]}-{body[1]} bytes (avg {body[2]:.0f})")
        say(f"answered 200: {statuses.get(200, 0)}; other outcomes: {errors or 'none'}; duplicates "
            f"answered 200: {dup_acked}/{len(dup_slots)}")
        say(f"measured window ({len(measured)} deliveries): sustained {sustained:.1f}/s, "
            f"non-200 in window {sum(v for k, v in window_statuses.items() if k != 200)}")
        say(f"acknowledgement latency from scheduled send: p50 {fmt(p50)} ms, p95 {fmt(p95)} ms, "
            f"p99 {fmt(p99)} ms, max {fmt(worst)} ms")
        say(f"generator: send lag p99 {fmt(percentile(lags_ms, 99))} ms, max {fmt(max(lags_ms or [0]))} ms; "
            f"{opened} connections opened, {reconnects} stale keep-alive retries")
        same = len(stored) == len(sent_events) and not not_stored and not foreign
        say(f"stored deliveries {len(stored)} == unique events sent {len(sent_events)}: "
            f"{'yes' if same else 'NO'}; sent but not stored {not_stored} (answered 200: {lost}); "
            f"stored twice {twice}; stored but never "
            f"sent {foreign}; deliveries without a job {without_job}")
        say(f"jobs created {sum(jobs.values())} ({', '.join(f'{k} {v}' for k, v in sorted(jobs.items()))})"
            + (f"; the runner finished the queue {drained:.1f} s after the load" if drained is not None
               else ("; the runner did NOT finish the queue within the drain bound" if self.runner
                     else "; runner off: jobs wait")))
        say(f"CPU during the load ({load_seconds:.0f} s, {cpu_count()} cores): machine busy {busy:.0f}%, "
            f"odoo-bin {server_cpu:.0f}% of one core, its PostgreSQL backends {pg_cpu:.0f}%, generator "
            f"{gen_cpu:.0f}% (other processes of the machine make up the rest)")
        say(f"CPU per answered delivery: odoo-bin {server_ms:.2f} ms + PostgreSQL {pg_ms:.2f} ms = "
            f"{server_ms + pg_ms:.2f} ms, i.e. at most "
            f"{1000 * cpu_count() / max(server_ms + pg_ms, 1e-9):.0f} "
            f"deliveries/s on {cpu_count()} idle cores")
        if watch and watch.idle_seconds:
            say(f"WARNING: for {watch.idle_seconds:.1f} s, up to {watch.most_waiting} jobs were due (for "
                f"more than {watch.WAIT_GRACE} s) while no cron run was under way: nothing woke the runner")
        if problems[0]:
            say(f"server log has {problems[0]} ERROR/traceback lines ({log_path}), first: {problems[1]}")

        name = f"{self.label}"
        return [
            Figure(f"{name} rate", sustained, "/s", "min", args.rate_target,
                   note=f"deliveries sent in the {args.duration:g} s window and answered 200 by its end "
                        f"+ {args.p99_limit:g} ms, per second"),
            Figure(f"{name} p50", p50, "ms", "info"),
            Figure(f"{name} p95", p95, "ms", "max", args.p95_limit),
            Figure(f"{name} p99", p99, "ms", "max", args.p99_limit),
            Figure(f"{name} max", worst, "ms", "info"),
            Figure(f"{name} sent, not answered 200", sum(errors.values()), "", "equal", 0),
            Figure(f"{name} deliveries not sent", unsent, "", "equal", 0,
                   note="still queued in the generator when time was up: the server fell behind"),
            Figure(f"{name} events sent, not stored", not_stored, "", "equal", 0,
                   note=f"of which answered 200: {lost}"),
            Figure(f"{name} events stored twice", twice, "", "equal", 0),
            Figure(f"{name} jobs created", sum(jobs.values()), "", "info"),
            *([Figure(f"{name} queue drained after the load",
                      drained if drained is not None else float("inf"), "s", "info",
                      note="the runner cron running every job of the deliveries"),
               Figure(f"{name} runner idle while jobs were due", watch.idle_seconds, "s", "max",
                      args.runner_idle_limit,
                      note=f"time during which jobs due for over {watch.WAIT_GRACE} s waited and no "
                           f"cron run was under way (most jobs waiting: {watch.most_waiting})")]
              if self.runner else []),
            Figure(f"{name} CPU per delivery", server_ms + pg_ms, "ms", "info",
                   note=f"odoo-bin {server_ms:.2f} ms + PostgreSQL {pg_ms:.2f} ms"),
        ]


def in_process(odoo_env, args, count=1000, warm=200):
    """The Odoo side of one delivery without the HTTP server: signed deliveries handed straight to
    Odoo's WSGI application (`odoo.http.root`) in this process, one after another.

    CPU per delivery here is the cost of Odoo's request handling and the intake code alone, little
    disturbed by other load on the machine; the same for a request refused at once (unknown store)
    gives the floor every Odoo request pays. With --profile, a cProfile of the deliveries.
    """
    from werkzeug.test import EnvironBuilder

    import odoo.http
    from odoo.service import server as odoo_server
    from odoo.tools import config

    section(f"intake in process: {count} deliveries through odoo.http.root, no HTTP server")
    if not args.keep_dbfilter:
        config["dbfilter"] = ""
    odoo_server.load_server_wide_modules()
    run = IntakeRun(odoo_env, args, "in-process", False)
    code = run.setup_store()
    spec = {"host": "127.0.0.1", "port": 80, "path": f"/api/v1/stores/{code}/webhooks/orders",
            "secret": run.secret, "prefix": run.prefix}

    def environ(slot, path=None):
        head, body = build_request(spec, slot).split(b"\r\n\r\n", 1)
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        builder = EnvironBuilder(path=path or spec["path"], method="POST", data=body, headers=headers)
        return builder.get_environ()

    statuses = Counter()

    def start_response(status, _headers, _exc_info=None):
        statuses[status.split(" ", 1)[0]] += 1

    def serve(environs, profiler=None):
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        if profiler:
            profiler.enable()
        for env in environs:
            b"".join(odoo.http.root(env, start_response))
        if profiler:
            profiler.disable()
        r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        n = max(len(environs), 1)
        cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        return 1000 * cpu / n, 1000 * (t1 - t0) / n

    try:
        # Slots are numbered past the duplicates' reach so that every delivery is a new event.
        environs = [environ(100_000 + i) for i in range(warm + count)]
        serve(environs[:warm])
        statuses.clear()
        profiler = cProfile.Profile() if args.profile else None
        cpu_ms, wall_ms = serve(environs[warm:], profiler)
        ok = statuses.get("200", 0)
        refused = [environ(200_000 + i, path=f"/api/v1/stores/no-such-store-{i}/webhooks/orders")
                   for i in range(warm + count)]
        serve(refused[:warm])
        floor_cpu, floor_wall = serve(refused[warm:])
        say(f"{ok}/{count} answered 200: {cpu_ms:.2f} ms CPU and {wall_ms:.2f} ms wall per delivery "
            f"(PostgreSQL's share not included); a request refused at once (404, unknown store): "
            f"{floor_cpu:.2f} ms CPU, {floor_wall:.2f} ms wall")
        if profiler:
            out = io.StringIO()
            pattern = ("store_connector|sql_db.py.*(execute|commit)|models.py.*(create|default_get)"
                       "|api.py.*(company|ref)")
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(pattern, 40)
            say("cProfile of the deliveries (Store Connector and the main Odoo costs), by cumulative time:")
            say("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:10000])
    finally:
        run.cleanup()
    return [
        Figure("intake in process: CPU per delivery", cpu_ms, "ms", "info",
               note=f"odoo.http.root, {count} deliveries, no HTTP server; PostgreSQL not included"),
        Figure("intake in process: CPU per refused request", floor_cpu, "ms", "info",
               note="404 for an unknown store: the floor of any Odoo request"),
        Figure("intake in process: deliveries not answered 200", count - ok, "", "equal", 0),
    ]


def run(odoo_env, args):
    figures = []
    modes = ["threaded", "prefork"] if args.server == "both" else [args.server]
    if "prefork" in modes:
        ok, error = gevent_process_can_start()
        if not ok:
            say(f"WARNING: Odoo's gevent process cannot start in this Python environment ({error}); "
                "a prefork server respawns it in a loop, which costs CPU during the measurement.")
        figures.append(Figure("prefork: Odoo's gevent process starts", int(ok), "", "equal", 1,
                              note="" if ok else f"{error} - see gevent_process_can_start()"))
    runners = {"on": [True], "off": [False], "both": [True, False]}[args.runner]
    figures += in_process(odoo_env, args)
    for mode in modes:
        for runner in runners:
            figures += IntakeRun(odoo_env, args, mode, runner).run()
    return figures
