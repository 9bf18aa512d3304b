"""Shared pieces of the benchmarks: figures with targets, percentiles, the Odoo environment."""

import contextlib
import logging
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

_logger = logging.getLogger("store_connector.bench")


@dataclass
class Figure:
    """One measured figure against its target.

    `kind` says how the target reads: "min" (the value must reach the target), "max" (the value
    must stay at or under the limit), "equal" (the value must be exactly the target), or "info"
    (a figure printed for context, with no target).
    """

    name: str
    value: float
    unit: str
    kind: str = "info"
    target: float | None = None
    note: str = ""

    @property
    def passed(self):
        if self.kind == "min":
            return self.value >= self.target
        if self.kind == "max":
            return self.value <= self.target
        if self.kind == "equal":
            return self.value == self.target
        return None

    @property
    def ratio(self):
        if self.kind in ("min", "max") and self.target:
            return self.value / self.target
        return None

    def verdict(self):
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]

    def describe(self):
        """E.g. "rate 200.0/s = 1.00x target 200/s"."""
        value = fmt(self.value, self.unit)
        if self.kind == "min":
            return f"{self.name} {value} = {self.ratio:.2f}x target {fmt(self.target, self.unit)}"
        if self.kind == "max":
            return f"{self.name} {value} = {self.ratio:.2f}x limit {fmt(self.target, self.unit)}"
        if self.kind == "equal":
            return f"{self.name} {value} (must be {fmt(self.target, self.unit)})"
        return f"{self.name} {value}"


def fmt(value, unit=""):
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        text = "inf"
    elif isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        text = f"{int(value)}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if not unit or unit == "x" or unit.startswith("/"):
        return f"{text}{unit}"
    return f"{text} {unit}"


def percentile(values, pct):
    """Nearest-rank percentile (no interpolation: the value a real request had). inf sorts last."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values):
    return percentile(values, 50)


def section(title):
    print(f"\n=== {title} ===", flush=True)


def say(text=""):
    print(text, flush=True)


def print_summary(figures):
    """The final table: every figure, its target and verdict."""
    rows = [("figure", "value", "target", "ratio", "verdict")]
    for fig in figures:
        target = "-"
        if fig.kind == "min":
            target = ">= " + fmt(fig.target, fig.unit)
        elif fig.kind == "max":
            target = "<= " + fmt(fig.target, fig.unit)
        elif fig.kind == "equal":
            target = "== " + fmt(fig.target, fig.unit)
        ratio = f"{fig.ratio:.2f}x" if fig.ratio is not None else "-"
        rows.append((fig.name, fmt(fig.value, fig.unit), target, ratio, fig.verdict()))
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    line = "  ".join("-" * w for w in widths)
    print("\n=== summary ===")
    for n, row in enumerate(rows):
        print("  ".join(str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            print(line)
    notes = [fig for fig in figures if fig.note]
    if notes:
        print()
        for fig in notes:
            print(f"  {fig.name}: {fig.note}")
    sys.stdout.flush()


class OdooEnv:
    """Odoo loaded in this process on the benchmark database (for set-up, the queue, checks)."""

    def __init__(self, config_path, database):
        import odoo
        from odoo.tools import config

        config.parse_config(["-c", config_path, "-d", database, "--log-level", "warn"])
        odoo.netsvc.init_logger()
        from odoo.modules.registry import Registry

        self.odoo = odoo
        self.database = database
        self.registry = Registry(database)

    @contextlib.contextmanager
    def env(self):
        """A superuser environment on a fresh cursor, committed on success."""
        from odoo import SUPERUSER_ID, api

        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def sql(self, query, params=None, autocommit=False):
        """Run one statement on its own cursor; returns the rows (or None)."""
        with self.registry.cursor() as cr:
            if autocommit:
                cr._cnx.autocommit = True
            cr.execute(query, params or ())
            rows = cr.fetchall() if cr.description else None
            if autocommit:
                cr._cnx.autocommit = False
            return rows


def create_store(env, name):
    """A connector.store of the test platform (its webhook key is the field's default)."""
    return env["connector.store"].create({"name": name, "platform": "test"})


def cpu_snapshot(pids=(), database=None):
    """CPU seconds used so far: (machine busy, machine total, the process trees of `pids`,
    the PostgreSQL backends serving `database`). Processes that end in between are not counted:
    Odoo keeps its database connections open, prefork workers live for thousands of requests."""
    import psutil

    times = psutil.cpu_times()
    busy = sum(times) - times.idle - getattr(times, "iowait", 0.0)
    tree = backends = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    cpu = p.cpu_times()
                    tree += cpu.user + cpu.system
    if database:
        for p in psutil.process_iter(["name", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                cmdline = " ".join(p.info["cmdline"] or ())
                if cmdline.startswith("postgres:") and f" {database} " in cmdline:
                    cpu = p.cpu_times()
                    backends += cpu.user + cpu.system
    return busy, sum(times), tree, backends


@dataclass
class ServerCpu:
    """CPU seconds used so far by one odoo-bin server, per process (see `server_cpu_snapshot`)."""

    machine_busy: float
    machine_total: float
    #: pid -> (role, CPU seconds); roles: "odoo" (the master, HTTP workers, gevent process, or the one
    #: process of a threaded server), "runner" (a prefork server's cron worker), "pg-odoo" and
    #: "pg-runner" (the PostgreSQL backends of their connections).
    processes: dict
    #: pid -> what the process is: "master", "http worker", "gevent", "cron worker", "threaded server",
    #: or for a backend "PostgreSQL (<database>) of <its owner's label>".
    labels: dict = None

    def used_by_label(self, before):
        """CPU seconds per process label between `before` and this snapshot: {label: seconds}, to
        see which processes and backends a role's figure is made of."""
        used = Counter()
        for pid, (role, seconds) in self.processes.items():
            previous = before.processes.get(pid)
            used[(self.labels or {}).get(pid, role)] += seconds - (
                previous[1] if previous and previous[0] == role else 0.0)
        return used

    def used_since(self, before):
        """CPU seconds per role between `before` and this snapshot: {role: seconds}.

        Per process, so that a process that starts in between counts from zero and one that ended
        (a recycled prefork worker, a closed connection) takes nothing away from the others; what
        it used since `before` is lost (rare: workers serve thousands of requests, Odoo keeps its
        connections).
        """
        used = Counter()
        for pid, (role, seconds) in self.processes.items():
            previous = before.processes.get(pid)
            used[role] += seconds - (previous[1] if previous and previous[0] == role else 0.0)
        return used

    def machine_busy_share(self, before):
        """Share (0-1) of the machine's cores busy between `before` and this snapshot."""
        return (self.machine_busy - before.machine_busy) / max(self.machine_total - before.machine_total, 1e-9)


_SS_BACKEND_RE = re.compile(r"(\d+)\s+\*\s+(\d+)\s+users:\(\(\"postgres\",pid=(\d+),")


def backend_owners(pids):
    """Which of the processes `pids` each PostgreSQL backend serves: {backend pid: client pid}.

    Matched through the connection itself, never through `application_name`: Odoo names a
    connection after the process that built its connection info, and a prefork server's registry
    (its cursors, the queue runner's jobs included) is built by the master before the workers fork,
    so every worker's connections carry the master's pid. A Unix socket is matched by its peer
    (`ss`), a TCP connection by its port. Backends not found are left out (`server_cpu_snapshot`
    then falls back on their names).
    """
    import psutil

    inode_owner, port_owner = {}, {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:["):
                        inode_owner[int(link[8:-1])] = pid
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            # psutil >= 6 renamed connections() to net_connections().
            list_connections = getattr(proc, "net_connections", None) or proc.connections
            for conn in list_connections(kind="tcp"):
                if conn.laddr:
                    port_owner[conn.laddr.port] = pid
    owners = {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        listing = subprocess.run(["ss", "-xpn"], capture_output=True, text=True, timeout=20).stdout
        for _local, peer, backend in _SS_BACKEND_RE.findall(listing):
            if int(peer) in inode_owner:
                owners[int(backend)] = inode_owner[int(peer)]
    return owners, port_owner


def server_cpu_snapshot(root_pid, odoo_env):
    """CPU used so far by the odoo-bin server whose process group leader is `root_pid`, and by the
    PostgreSQL backends of its connections, split between the request side and the queue runner.

    A prefork server's cron worker is told from its HTTP workers by its niceness (Odoo's WorkerCron
    runs at nice 10); a backend belongs to the process at the other end of its connection
    (`backend_owners`: not its `application_name`, which in prefork names the master for the
    workers' connections, the cron worker's job cursors included). Backends of the benchmark's own
    process (its checks of the queue) are left out. In a threaded server the cron thread shares the one
    process: the runner's CPU is then in "odoo".
    """
    import psutil

    times = psutil.cpu_times()
    busy = sum(times) - times.idle - getattr(times, "iowait", 0.0)
    roles = {}
    processes = {}
    labels = {}
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(root_pid)
        children = root.children(recursive=True)
        for proc in [root, *children]:
            with contextlib.suppress(psutil.Error):
                role = "runner" if proc is not root and proc.nice() >= 10 else "odoo"
                cpu = proc.cpu_times()
                roles[proc.pid] = role
                processes[proc.pid] = (role, cpu.user + cpu.system)
                if role == "runner":
                    labels[proc.pid] = "cron worker"
                elif proc is root:
                    labels[proc.pid] = "master" if children else "threaded server"
                elif "gevent" in proc.cmdline():
                    labels[proc.pid] = "gevent"
                else:
                    labels[proc.pid] = "http worker"
    owners, port_owner = backend_owners(list(roles))
    backends = odoo_env.sql(
        """SELECT pid, application_name, datname, client_port FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid != pg_backend_pid()""")
    for backend_pid, app_name, datname, client_port in backends:
        owner = owners.get(backend_pid) or port_owner.get(client_port)
        if owner is None and not owners and (app_name or "").startswith("odoo-") and app_name[5:].isdigit():
            owner = int(app_name[5:])  # no `ss`, no TCP: by name (see backend_owners)
        role = roles.get(owner)
        if role is None:
            continue
        with contextlib.suppress(psutil.Error):
            cpu = psutil.Process(backend_pid).cpu_times()
            processes[backend_pid] = (f"pg-{role}", cpu.user + cpu.system)
            labels[backend_pid] = f"PostgreSQL ({datname}) of {labels.get(owner, role)}"
    return ServerCpu(busy, sum(times), processes, labels)


def cpu_count():
    return os.cpu_count() or 1


def insert_quants(env, products, location):
    """Stock for the stock benchmarks, in one statement: `product id % 50` units of each product in
    `location` (one in fifty has none)."""
    env.cr.execute(
        """INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity,
                                    in_date, create_date, write_date, create_uid, write_uid)
           SELECT id, %s, %s, (id %% 50)::numeric, 0, now(), now(), now(), 1, 1
             FROM product_product WHERE id = ANY(%s)""",
        [location.id, env.company.id, products.ids],
    )


def drain_store_queue(env, store, time_limit=900):
    """Run the store's jobs through the real queue runner (in this transaction) until none is pending;
    a job the rate limiter rescheduled is made due again at once.

    :returns: (queue runs, seconds).
    """
    Job = env["sync.job"]
    started = time.monotonic()
    runs = 0
    while True:
        Job._process_queue(store_ids=store.ids, commit=False, time_limit=time_limit)
        runs += 1
        env.flush_all()
        pending = Job.search_count([("store_id", "=", store.id), ("state", "in", ("pending", "processing"))])
        if not pending or time.monotonic() - started > 900:
            return runs, time.monotonic() - started
        env.cr.execute("UPDATE sync_job SET next_attempt_at = now() AT TIME ZONE 'UTC' "
                       "WHERE store_id = %s AND state = 'pending'", [store.id])
