"""Webhook intake benchmark through a real Odoo HTTP server (odoo-bin) on loopback.

An absolute rate is no fair target on a machine shared with other work, so the intake is judged by
two figures measured in one run on one server, both relative to the machine it runs on:

* CPU per delivery as a ratio to CPU per refused request (a delivery to an unknown store: the same
  route and body answered 404 before any intake work, the floor of any Odoo request), both at the
  same low rate, CPU of the server's processes (prefork workers included) and of their PostgreSQL
  backends (`bench_common.server_cpu_snapshot`);
* the highest rate the server answers with p99 under the limit, found by a short rate sweep of
  open-loop signed deliveries (bench_loadgen.py), as a share of the capacity the CPU figure implies
  (cores / CPU per delivery, the queue runner's work included when it runs).

A fresh store of the test platform with a webhook secret; an odoo-bin server on free loopback ports
(threaded, or prefork with --workers=2), with the queue runner cron on or off; then the database is
checked: every event answered 200 stored once, each with its job. The server is always stopped, the
store and its deliveries and jobs deleted.
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
from types import SimpleNamespace

from tests.benchmarks.bench_common import (
    Figure,
    cpu_count,
    create_store,
    fmt,
    percentile,
    say,
    section,
    server_cpu_snapshot,
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


# Where the refused requests of the CPU floor go. The unknown store is the judged floor: the very
# request of a delivery (same route, same body bytes, Odoo's WSGI app, its database routing, a
# transaction, the store's lookup) answered 404 before any intake work, so that the ratio shows what
# the intake adds to what every request pays. An unknown path (Odoo's own 404: a second transaction
# for the fallback, its error page) is reported beside it.
UNKNOWN_STORE_CODE = "no-such-store"
UNKNOWN_PATH = "/store_connector/bench/no-such-page"
# A sweep step counts as kept up only if the runner's backlog when its load ended is at most this
# many seconds of the offered rate: the runner takes deliveries in batches, one batch behind at most.
BACKLOG_SECONDS = 2.0


class IntakeRun:
    """One intake measurement on one odoo-bin server (a mode, the runner on or off, its own store):

    1. the CPU floor: refused requests (404) at a low rate, then deliveries at the same rate, CPU of
       the server's processes and PostgreSQL backends measured around each: CPU per delivery as a
       ratio to CPU per refused request;
    2. the capacity that CPU implies (cores / CPU per delivery, the runner's share included when it
       runs), and a short rate sweep from a fraction of it to past it: the highest rate answered with
       p99 under the limit, as a share of that capacity;
    3. the database: every delivery answered 200 stored once, each with its job.
    """

    def __init__(self, odoo_env, args, mode, runner):
        self.oe = odoo_env
        self.args = args
        self.mode = mode
        self.runner = runner
        self.label = f"intake[{mode}, runner {'on' if runner else 'off'}]"
        # Names the server's log files: per database, so that runs on other databases do not mix.
        self.tag = f"{args.database}-{mode}-{'runner' if runner else 'norunner'}"
        self.store_id = None
        self.code = None
        self.prefix = f"bench{int(time.time())}{secrets.token_hex(2)}"
        self.secret = secrets.token_urlsafe(24)
        # Every delivery load's events: planned, written to a connection, answered 200.
        self.events_sent, self.events_acked = set(), set()
        self.duplicates = self.duplicates_acked = 0
        self.errors = Counter()  # answers that are neither the expected status nor a timeout

    # ------------------------------------------------------------------ set-up / tear-down
    def setup_store(self):
        with self.oe.env() as env:
            store = create_store(env, f"Benchmark {self.label}")
            env["integration.credential"]._set_value(store, "webhook_secret", self.secret)
            self.store_id, self.code = store.id, store.code
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
        return self.code

    def cleanup(self):
        if not self.store_id:
            return
        self.oe.sql("DELETE FROM store_webhook_delivery WHERE store_id = %s", [self.store_id])
        self.oe.sql("DELETE FROM sync_job WHERE store_id = %s", [self.store_id])
        with self.oe.env() as env:
            env["connector.store"].browse(self.store_id).exists().unlink()
        self.store_id = None

    def delivery_path(self, code=None):
        return f"/api/v1/stores/{code or self.code}/webhooks/orders"

    # ------------------------------------------------------------------ load
    def generate(self, port, path, prefix, rate, warmup_slots, window_slots, cool_slots):
        """Run the open-loop generator processes (bench_loadgen.py): their result dicts."""
        args = self.args
        total = warmup_slots + window_slots + cool_slots
        workdir = tempfile.mkdtemp(prefix="sc-bench-")
        procs = []
        try:
            for k in range(args.generators):
                spec = {
                    "host": "127.0.0.1", "port": port, "path": path,
                    "secret": self.secret, "prefix": prefix, "rate": rate, "total_slots": total,
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
            for proc, path_ in procs:
                proc.wait(timeout=max(bound - (time.time() - start_at), 1))
                if proc.returncode:
                    raise RuntimeError(f"load generator exited with {proc.returncode}")
                with open(path_) as f:
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

    def load(self, server, path, prefix, rate, warmup, window, cool, expected=200):
        """Send `rate` requests/s to `path` for `warmup` + `window` + `cool` seconds, open loop.

        :returns: a SimpleNamespace: the latency percentiles of the measured window (ms, from the
            scheduled send time), `sustained` (requests of the window answered `expected` by the
            window's end + the p99 limit, per second), `kept_pace` (all of them were), `answered`
            (requests answered with any status), `unsent`, the generator's CPU seconds, the wall time.
        """
        args = self.args
        p99_limit = args.p99_limit / 1000
        warmup_slots = int(round(warmup * rate))
        window_slots = max(int(round(window * rate)), 1)
        cool_slots = int(round(cool * rate))
        t_load = time.monotonic()
        results = self.generate(server.port, path, prefix, rate, warmup_slots, window_slots, cool_slots)
        seconds = time.monotonic() - t_load
        rows = []  # (slot, status, latency s, lag s, answered by the window's end + p99 limit, written)
        for res in results:
            window_end = res["t0"] + (warmup_slots + window_slots) / rate
            for slot, status, scheduled, started, done, written in res["results"]:
                latency = (done - scheduled) if done is not None else float("inf")
                lag = (started - scheduled) if started is not None else float("inf")
                rows.append((slot, status, latency, lag, done is not None and done <= window_end + p99_limit,
                             written))
        rows.sort()
        measured = [r for r in rows if warmup_slots <= r[0] < warmup_slots + window_slots]
        latencies_ms = [1000 * (r[2] if isinstance(r[1], int) else float("inf")) for r in measured]
        in_time = sum(1 for r in measured if r[1] == expected and r[4])
        for r in rows:
            if isinstance(r[1], int) and r[1] != expected:
                self.errors[r[1]] += 1
        if expected == 200:
            self.events_sent |= {event_id(prefix, slot_event(r[0])) for r in rows if r[5]}
            self.events_acked |= {event_id(prefix, slot_event(r[0])) for r in rows if r[1] == 200}
            dups = [r for r in rows if is_duplicate(r[0])]
            self.duplicates += len(dups)
            self.duplicates_acked += sum(1 for r in dups if r[1] == 200)
        p50, p95, p99 = (percentile(latencies_ms, p) for p in (50, 95, 99))
        return SimpleNamespace(
            rate=rate, rows=rows, measured=measured, p50=p50, p95=p95, p99=p99,
            worst=max(latencies_ms) if latencies_ms else float("nan"),
            sustained=in_time / window, kept_pace=in_time == len(measured),
            statuses=Counter(r[1] for r in rows), answered=sum(1 for r in rows if isinstance(r[1], int)),
            unsent=sum(1 for r in rows if not r[5]),
            lag_p99=percentile([1000 * r[3] for r in measured], 99),
            generator_cpu=sum(res["cpu_seconds"] for res in results), seconds=seconds,
            connections=sum(res["connections_opened"] for res in results),
        )

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

    def pending_jobs(self):
        return self.oe.sql("""SELECT count(*) FROM sync_job
                               WHERE store_id = %s AND state IN ('pending', 'processing')""",
                           [self.store_id])[0][0]

    def wait_for_queue(self):
        """Seconds until the runner has run every job of this store (None: not within the bound)."""
        started = time.monotonic()
        while time.monotonic() - started < self.args.drain_timeout:
            if not self.pending_jobs():
                return time.monotonic() - started
            time.sleep(0.2)
        return None

    # ------------------------------------------------------------------ the CPU floor
    def cpu_probe(self, server, what, path, prefix, expected):
        """`--cpu-rate` requests/s to `path` for `--cpu-seconds`, the server's CPU measured around it.

        :returns: (the load, {role: ms of CPU per answered request}); for deliveries with the runner
            on, the runner's CPU is measured until the queue is empty, so that it covers their jobs.
        """
        args = self.args
        sessions_before = self.sessions_opened()
        before = server_cpu_snapshot(server.proc.pid, self.oe)
        spy = self.start_profiler(server, args.cpu_seconds) if expected == 200 else None
        load = self.load(server, path, prefix, args.cpu_rate, 0, args.cpu_seconds, 0, expected)
        after = server_cpu_snapshot(server.proc.pid, self.oe)
        used = after.used_since(before)
        if spy:
            self.report_profile(*spy)
        if self.runner and expected == 200:
            self.wait_for_queue()
            drained = server_cpu_snapshot(server.proc.pid, self.oe)
            later = drained.used_since(after)
            used["runner"] += later["runner"]
            used["pg-runner"] += later["pg-runner"]
        by_label = after.used_by_label(before)
        if self.runner and expected == 200:
            # As for the roles: what the drain adds is the runner's (its cron worker and backends).
            for label, seconds in drained.used_by_label(after).items():
                if label.endswith("cron worker"):
                    by_label[label] += seconds
        per_request = {role: 1000 * seconds / max(load.answered, 1) for role, seconds in used.items()}
        for role in ("odoo", "pg-odoo", "runner", "pg-runner"):
            per_request.setdefault(role, 0.0)
        # A session that starts and ends between two snapshots (a connection opened for one
        # statement) escapes the CPU figures: counted here instead, it should stay near 0.
        per_request["sessions"] = (self.sessions_opened() - sessions_before) / max(load.answered, 1)
        answered_expected = load.statuses.get(expected, 0)
        say(f"{what}: {answered_expected}/{len(load.rows)} answered {expected} at {args.cpu_rate:g}/s; CPU per "
            f"request: odoo-bin {per_request['odoo']:.2f} ms + its PostgreSQL {per_request['pg-odoo']:.2f} ms"
            + (f"; queue runner {per_request['runner']:.2f} ms + its PostgreSQL {per_request['pg-runner']:.2f} ms"
               if self.runner and expected == 200 else "")
            + f" (generator {1000 * load.generator_cpu / max(len(load.rows), 1):.2f} ms); PostgreSQL "
              f"sessions opened per request: {per_request['sessions']:.2f}")
        n = max(load.answered, 1)
        say("  by process (ms per request): " + ", ".join(
            f"{label} {1000 * seconds / n:.2f}" for label, seconds in sorted(by_label.items(), key=lambda kv: -kv[1])
            if 1000 * seconds / n >= 0.01))
        return load, per_request

    def sessions_opened(self):
        """Sessions opened so far on the benchmark's database and on `postgres` (PostgreSQL's
        statistics, flushed within a second)."""
        return self.oe.sql("SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname IN (%s, 'postgres')",
                           [self.args.database])[0][0]

    # ------------------------------------------------------------------ the rate sweep
    def sweep(self, server, capacity):
        """Deliveries at each `--sweep` share of `capacity` for `--warmup` + `--duration` seconds.

        A step is kept up when every delivery of its window was answered 200 in time, its p99 is
        under the limit, and (runner on) the runner's backlog when the load ended was at most
        BACKLOG_SECONDS of the rate. Stops after two steps in a row that were not kept up.
        :returns: the steps (SimpleNamespace each).
        """
        args = self.args
        steps, misses = [], 0
        for n, pct in enumerate(args.sweep):
            rate = max(capacity * pct / 100, 1.0)
            before = server_cpu_snapshot(server.proc.pid, self.oe)
            load = self.load(server, self.delivery_path(), f"{self.prefix}s{n}", rate, args.warmup,
                             args.duration, COOL_DOWN_SECONDS)
            after = server_cpu_snapshot(server.proc.pid, self.oe)
            backlog = self.pending_jobs() if self.runner else 0
            drained = self.wait_for_queue() if self.runner else None
            used = after.used_since(before)
            step = SimpleNamespace(
                pct=pct, load=load, backlog=backlog, drained=drained,
                server_share=sum(used.values()) / max(load.seconds, 1e-9) / cpu_count(),
                machine_busy=after.machine_busy_share(before),
                kept_up=(load.kept_pace and load.p99 < args.p99_limit
                         and backlog <= BACKLOG_SECONDS * rate and (drained is not None or not self.runner)),
            )
            steps.append(step)
            say(f"{pct:g}% of the capacity, {rate:.0f}/s: answered 200 in time {load.sustained:.1f}/s, p50 "
                f"{fmt(load.p50)} ms, p99 {fmt(load.p99)} ms, jobs waiting at the end {backlog}: "
                f"{'kept up' if step.kept_up else 'NOT kept up'}")
            misses = 0 if step.kept_up else misses + 1
            if misses == 2:
                break
        return steps

    def print_sweep(self, steps, capacity):
        rows = [("% capacity", "offered/s", "answered/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                 "not 200", "not sent", "jobs waiting", "odoo-bin+PG CPU", "machine busy", "kept up")]
        for s in steps:
            load = s.load
            not_200 = sum(1 for r in load.measured if r[1] != 200)
            rows.append((f"{s.pct:g}%", f"{load.rate:.0f}", f"{load.sustained:.0f}", fmt(load.p50),
                         fmt(load.p95), fmt(load.p99), fmt(load.worst), str(not_200), str(load.unsent),
                         str(s.backlog), f"{100 * s.server_share:.0f}%", f"{100 * s.machine_busy:.0f}%",
                         "yes" if s.kept_up else "no"))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        say(f"rate sweep ({self.args.duration:g} s per step after {self.args.warmup:g} s of warm-up; capacity "
            f"{capacity:.0f}/s; CPU as a share of the machine's {cpu_count()} cores):")
        for row in rows:
            say("  " + "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))

    # ------------------------------------------------------------------ the run
    def run(self):
        args = self.args
        section(f"{self.label}: CPU per delivery vs a refused request at {args.cpu_rate:g}/s for "
                f"{args.cpu_seconds:g} s each, then a rate sweep ({', '.join(f'{p:g}' for p in args.sweep)}% "
                f"of the capacity that CPU implies)")
        say(f"machine load average (1, 5, 15 min) at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
            f" on {cpu_count()} cores")
        log_path = os.path.join(SC_ROOT, ".local", f"bench-{self.tag}.log")
        server = OdooServer(args, self.mode, self.runner, log_path)
        watch = None
        try:
            self.setup_store()
            t_start = time.monotonic()
            server.start()
            say(f"odoo-bin {self.mode} ({' '.join(server.command()[3:])}) answered in "
                f"{time.monotonic() - t_start:.1f} s on 127.0.0.1:{server.port}")
            if self.runner:
                watch = RunnerWatch(self.oe, self.store_id)
                watch.start()
            # Warm both paths (workers load their caches on their first requests), not measured.
            warm = max(1.0, args.cpu_seconds / 5)
            self.load(server, self.delivery_path(), f"{self.prefix}w", args.cpu_rate, 0, warm, 0)
            self.load(server, self.delivery_path(UNKNOWN_STORE_CODE), f"{self.prefix}x", args.cpu_rate, 0, warm,
                      0, 404)
            if self.runner:
                self.wait_for_queue()
            floor_load, floor = self.cpu_probe(server, "refused: unknown store (404)",
                                               self.delivery_path(UNKNOWN_STORE_CODE), f"{self.prefix}x", 404)
            path_load, path_404 = self.cpu_probe(server, f"refused: unknown path {UNKNOWN_PATH} (404)",
                                                 UNKNOWN_PATH, f"{self.prefix}x", 404)
            probe, delivery = self.cpu_probe(server, "deliveries (200)", self.delivery_path(),
                                             f"{self.prefix}p", 200)
            intake_ms = delivery["odoo"] + delivery["pg-odoo"]
            runner_ms = delivery["runner"] + delivery["pg-runner"]
            floor_ms = floor["odoo"] + floor["pg-odoo"]
            path_ms = path_404["odoo"] + path_404["pg-odoo"]
            capacity = 1000 * cpu_count() / max(intake_ms + runner_ms, 1e-9)
            ratio = intake_ms / max(floor_ms, 1e-9)
            say(f"CPU per delivery, the intake's own (HTTP workers and their PostgreSQL backends) {intake_ms:.2f} "
                f"ms = {ratio:.2f}x a refused request ({floor_ms:.2f} ms; an unknown path: {path_ms:.2f} ms)"
                + (f"; with its job run by the queue runner (cron worker and its backends) {intake_ms + runner_ms:.2f}"
                   f" ms = {(intake_ms + runner_ms) / max(floor_ms, 1e-9):.2f}x" if self.runner else "")
                + f": capacity {capacity:.0f} deliveries/s on {cpu_count()} idle cores")
            steps = self.sweep(server, capacity)
            problems = server.log_problems()
        finally:
            if watch:
                watch.stop()
            server.stop()
        try:
            self.print_sweep(steps, capacity)
            say(f"machine load average (1, 5, 15 min) at the end: "
                f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
            return self.report(floor_load, path_load, probe, floor, path_404, delivery, capacity, steps,
                               watch, problems, log_path)
        finally:
            if not args.keep_data:
                self.cleanup()

    # ------------------------------------------------------------------ figures
    def report(self, floor_load, path_load, probe, floor, path_404, delivery, capacity, steps, watch, problems,
               log_path):
        args = self.args
        intake_ms = delivery["odoo"] + delivery["pg-odoo"]
        runner_ms = delivery["runner"] + delivery["pg-runner"]
        floor_ms = floor["odoo"] + floor["pg-odoo"]
        path_ms = path_404["odoo"] + path_404["pg-odoo"]
        kept = [s for s in steps if s.kept_up]
        best = max(kept, key=lambda s: s.load.rate) if kept else None
        best_rate = best.load.rate if best else 0.0

        # What the database holds: every event sent once, each with its job.
        stored = dict(self.oe.sql(
            "SELECT event_id, count(*) FROM store_webhook_delivery WHERE store_id = %s GROUP BY event_id",
            [self.store_id]))
        lost = len(self.events_acked - stored.keys())
        not_stored = len(self.events_sent - stored.keys())
        twice = sum(1 for n in stored.values() if n > 1)
        foreign = len(stored.keys() - self.events_sent)  # stored, never sent: must stay 0
        jobs = dict(self.oe.sql(
            "SELECT state, count(*) FROM sync_job WHERE store_id = %s GROUP BY state", [self.store_id]))
        without_job = self.oe.sql(
            "SELECT count(*) FROM store_webhook_delivery WHERE store_id = %s AND job_id IS NULL",
            [self.store_id])[0][0]
        say(f"stored deliveries {len(stored)} == unique events sent {len(self.events_sent)}: "
            f"{'yes' if len(stored) == len(self.events_sent) and not foreign else 'NO'}; sent but not stored "
            f"{not_stored} (answered 200: {lost}); stored twice {twice}; stored but never sent {foreign}; "
            f"deliveries without a job {without_job}; duplicates answered 200: "
            f"{self.duplicates_acked}/{self.duplicates}")
        say(f"jobs created {sum(jobs.values())} ({', '.join(f'{k} {v}' for k, v in sorted(jobs.items()))})")
        say(f"answers other than the expected status or a timeout: {dict(self.errors) or 'none'}")
        if watch and watch.idle_seconds:
            say(f"WARNING: for {watch.idle_seconds:.1f} s, up to {watch.most_waiting} jobs were due (for "
                f"more than {watch.WAIT_GRACE} s) while no cron run was under way: nothing woke the runner")
        if problems[0]:
            say(f"server log has {problems[0]} ERROR/traceback lines ({log_path}), first: {problems[1]}")

        name = self.label
        split_note = (" (the runner shares the threaded server's process: its jobs are included)"
                      if self.runner and self.mode != "prefork" else "")
        probe_missed = sum(1 for r in probe.rows if r[1] != 200)
        floor_missed = sum(1 for r in floor_load.rows if r[1] != 404)
        path_missed = sum(1 for r in path_load.rows if r[1] != 404)
        figures = [
            Figure(f"{name} CPU per delivery (intake's own) / per refused request", intake_ms / max(floor_ms, 1e-9),
                   "x", "max", args.cpu_ratio_limit,
                   note=f"the HTTP side only: the server's processes but the cron worker, and the PostgreSQL "
                        f"backends at the other end of their connections; {intake_ms:.2f} ms (odoo-bin {delivery['odoo']:.2f} + PostgreSQL "
                        f"{delivery['pg-odoo']:.2f}) vs {floor_ms:.2f} ms (odoo-bin {floor['odoo']:.2f} + "
                        f"PostgreSQL {floor['pg-odoo']:.2f}) for a delivery to an unknown store: the same route "
                        f"and body answered 404 before any intake work, the floor of any Odoo request; both at "
                        f"{args.cpu_rate:g}/s for {args.cpu_seconds:g} s, server processes and their PostgreSQL "
                        f"backends{split_note}; PostgreSQL sessions opened per delivery "
                        f"{delivery['sessions']:.2f} (their CPU is not in the figure)"),
            Figure(f"{name} CPU per refused request (unknown path)", path_ms, "ms", "info",
                   note=f"Odoo's own 404 (fallback transaction, error page): the delivery costs "
                        f"{intake_ms / max(path_ms, 1e-9):.2f}x this; not answered 404 at {args.cpu_rate:g}/s: "
                        f"{path_missed}"),
        ]
        if self.runner:
            figures.append(Figure(
                f"{name} CPU per delivery with its job", intake_ms + runner_ms, "ms", "info",
                note=(f"intake {intake_ms:.2f} ms + queue runner {runner_ms:.2f} ms (cron worker "
                      f"{delivery['runner']:.2f} + PostgreSQL {delivery['pg-runner']:.2f})")
                if self.mode == "prefork" else "threaded: the runner's CPU is in the intake's figure"))
            if self.mode == "prefork":
                # Printed, never hidden: the total the platform's deliveries cost this server, judged
                # against the same floor (the refused request runs no job), with no target of its own.
                figures.append(Figure(
                    f"{name} CPU per delivery with its job / per refused request",
                    (intake_ms + runner_ms) / max(floor_ms, 1e-9), "x", "info",
                    note=f"{intake_ms + runner_ms:.2f} ms (the intake's {intake_ms:.2f} + the queue runner's "
                         f"{runner_ms:.2f} for the delivery's job) vs {floor_ms:.2f} ms; the 1.5x target is the "
                         f"intake's own figure above"))
        figures += [
            Figure(f"{name} capacity the CPU implies", capacity, "/s", "info",
                   note=f"{cpu_count()} cores / {intake_ms + runner_ms:.2f} ms of CPU per delivery"
                        + (" (its job included)" if self.runner else "")),
            Figure(f"{name} highest rate with p99 < {args.p99_limit:g} ms", best_rate, "/s", "info",
                   note=(f"{best.pct:g}% step of the sweep: p50 {fmt(best.load.p50)} ms, p95 {fmt(best.load.p95)} "
                         f"ms, p99 {fmt(best.load.p99)} ms, max {fmt(best.load.worst)} ms" if best
                         else "no step of the sweep was kept up")),
            Figure(f"{name} highest sustained rate / capacity", 100 * best_rate / max(capacity, 1e-9), "%",
                   "min", args.capacity_share_target,
                   note="the share of the CPU's capacity the servers answer within the p99 limit; the load "
                        "generator and the machine's other work share the same cores"),
            Figure(f"{name} deliveries at {args.cpu_rate:g}/s not answered 200", probe_missed, "", "equal", 0),
            Figure(f"{name} deliveries to an unknown store not answered 404", floor_missed, "", "equal", 0),
            Figure(f"{name} answers with an unexpected status", sum(self.errors.values()), "", "equal", 0,
                   note="any status but 200 for a delivery or 404 for a refused request, over the whole run; "
                        "timeouts past the capacity are not counted here"),
            Figure(f"{name} events answered 200, not stored", lost, "", "equal", 0,
                   note=f"events sent and not stored: {not_stored} (unanswered past the capacity)"),
            Figure(f"{name} events stored twice", twice, "", "equal", 0),
            Figure(f"{name} events stored, never sent", foreign, "", "equal", 0),
            Figure(f"{name} deliveries without a job", without_job, "", "equal", 0),
        ]
        if args.smoke and steps:
            point = steps[0]
            figures += [
                Figure(f"{name} smoke point: deliveries not answered 200",
                       sum(1 for r in point.load.rows if r[1] != 200), "", "equal", 0,
                       note=f"{point.load.rate:.0f}/s = {point.pct:g}% of the capacity, p99 {fmt(point.load.p99)} ms"),
                Figure(f"{name} smoke point: deliveries not sent", point.load.unsent, "", "equal", 0),
            ]
        if self.runner:
            figures.append(Figure(
                f"{name} runner idle while jobs were due", watch.idle_seconds, "s", "max", args.runner_idle_limit,
                note=f"time during which jobs due for over {watch.WAIT_GRACE} s waited and no cron run was "
                     f"under way (most jobs waiting: {watch.most_waiting})"))
        return figures


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

    def backends_cpu():
        """CPU seconds used so far by the PostgreSQL backends of this process's connections (the
        benchmark database's and the `postgres` one the wake-up notifies on), {pid: seconds}."""
        import psutil

        used = {}
        for (pid,) in odoo_env.sql("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                   [f"odoo-{os.getpid()}"]):
            with contextlib.suppress(psutil.Error):
                cpu = psutil.Process(pid).cpu_times()
                used[pid] = cpu.user + cpu.system
        return used

    def serve(environs, profiler=None):
        """:returns: ms per request: (CPU of this process, wall, CPU of its PostgreSQL backends)."""
        # The wake-up's NOTIFY goes out a moment after a delivery: let the last ones of the
        # previous batch go before measuring.
        time.sleep(0.2)
        b0, r0, t0 = backends_cpu(), resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        if profiler:
            profiler.enable()
        for env in environs:
            b"".join(odoo.http.root(env, start_response))
        if profiler:
            profiler.disable()
        time.sleep(0.2)
        r1, t1, b1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), backends_cpu()
        n = max(len(environs), 1)
        cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        pg = sum(seconds - b0.get(pid, 0.0) for pid, seconds in b1.items())
        return 1000 * cpu / n, 1000 * (t1 - t0 - 0.2) / n, 1000 * pg / n

    try:
        # Slots are numbered past the duplicates' reach so that every delivery is a new event.
        environs = [environ(100_000 + i) for i in range(warm + count)]
        serve(environs[:warm])
        statuses.clear()
        profiler = cProfile.Profile() if args.profile else None
        cpu_ms, wall_ms, pg_ms = serve(environs[warm:], profiler)
        ok = statuses.get("200", 0)
        refused = [environ(200_000 + i, path=f"/api/v1/stores/no-such-store-{i}/webhooks/orders")
                   for i in range(warm + count)]
        serve(refused[:warm])
        floor_cpu, floor_wall, floor_pg = serve(refused[warm:])
        ratio = (cpu_ms + pg_ms) / max(floor_cpu + floor_pg, 1e-9)
        say(f"{ok}/{count} answered 200: {cpu_ms:.2f} ms CPU + its PostgreSQL {pg_ms:.2f} ms, {wall_ms:.2f} ms "
            f"wall per delivery; a request refused at once (404, unknown store): {floor_cpu:.2f} ms CPU + "
            f"its PostgreSQL {floor_pg:.2f} ms, {floor_wall:.2f} ms wall: {ratio:.2f}x (no queue runner)")
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
        Figure("intake in process: PostgreSQL CPU per delivery", pg_ms, "ms", "info",
               note="the backends of this process's connections"),
        Figure("intake in process: PostgreSQL CPU per refused request", floor_pg, "ms", "info"),
        Figure("intake in process: CPU per delivery / per refused request, PostgreSQL included", ratio, "x",
               "info", note="no queue runner: the intake's own cost"),
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
