"""The fault suite's harness: a private PostgreSQL, one template database, real odoo-bin servers, the
platform simulators, and the rows of the final table (see /README.md "Fault suite" and README.md here).

Everything a fault opens through its `Context` (databases' registries, servers, simulators) is closed
after its `run` returns or raises. The machine's own PostgreSQL cluster is never touched: other people
run tests on it, and a fault restarts the server.
"""

import base64
import contextlib
import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from tests.benchmarks.bench_common import OdooEnv
from tests.benchmarks.bench_webhook import OdooServer, free_port

SC_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE_DIR = os.path.join(SC_ROOT, ".local", "faults")
PG_BIN = os.environ.get("SC_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin")
# odoo-bin refuses to connect as "postgres": the servers log in as this superuser role.
DB_USER = "sc_faults"
TEMPLATE_DB = "sc_faults_template"
ADDONS = ("store_connector_base,store_connector_shopify,store_connector_woocommerce,store_connector_ebay,"
          "store_connector_test_platform,sale_management,stock")
# The queue runner's crons (ir_cron_sync_job_runner and its lanes).
RUNNER_XMLID_PREFIX = "ir_cron_sync_job_runner"
SIMULATORS = {
    "shopify": ("tests.simulators.shopify", "ShopifySimulator"),
    "woocommerce": ("tests.simulators.woocommerce", "WooCommerceSimulator"),
    "ebay": ("tests.simulators.ebay", "EbaySimulator"),
}


def log(text):
    print(f"[faults] {text}", file=sys.stderr, flush=True)


# ============================================================================ rows and the table
@dataclass
class Row:
    """What one fault measured: one row of the table.

    `accepted` counts deliveries answered 2xx plus jobs queued; `lost` what was accepted and never
    done nor failed with a reason; `run_twice` jobs started twice without a recorded crash between,
    or platform side effects doubled. Every failed check of the fault is a sentence in `problems`.
    """

    fault: str
    load: str = ""
    accepted: int | None = None
    done: int | None = None
    retried: int | None = None
    failed: int | None = None
    lost: int | None = None
    run_twice: int | None = None
    recovery_seconds: float | None = None
    problems: list = field(default_factory=list)
    note: str = ""
    seconds: float | None = None  # the fault's own wall time (set by the runner)

    @property
    def passed(self):
        return not self.problems and not self.lost and not self.run_twice


COLUMNS = ("fault", "load", "accepted", "done", "retried", "failed", "lost", "run twice", "recovery (s)",
           "result")


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def format_table(rows):
    """The table: one line per fault, then its problems and notes indented under it."""
    cells = [COLUMNS] + [
        (row.fault, row.load, _cell(row.accepted), _cell(row.done), _cell(row.retried), _cell(row.failed),
         _cell(row.lost), _cell(row.run_twice), _cell(row.recovery_seconds), "PASS" if row.passed else "FAIL")
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    out = []
    for n, line in enumerate(cells):
        out.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                             for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
            continue
        row = rows[n - 1]
        for problem in row.problems:
            out.append(f"    PROBLEM: {problem}")
        if row.note:
            out.append(f"    note: {row.note}")
    return "\n".join(out)


# ============================================================================ private PostgreSQL
def _as_postgres(cmd, **kwargs):
    """Run a PostgreSQL binary as the postgres OS user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


PG_HOME_BASE = "/var/tmp/store-connector-faults"


def postgres_home(root):
    """Where the private instance of the state folder `root` keeps its data and log: a folder the
    postgres user can reach whatever the checkout's permissions (a clone inside a 0700 folder,
    `.local` made 0700 by scripts/test), one per checkout, kept between runs for the reuse."""
    digest = hashlib.sha1(os.path.abspath(root).encode()).hexdigest()[:12]
    home = os.path.join(PG_HOME_BASE, digest)
    os.makedirs(home, exist_ok=True)
    for path in (PG_HOME_BASE, home):
        # Traversal for the postgres user, no listing.
        os.chmod(path, 0o711)
    return home


class PrivatePostgres:
    """A PostgreSQL instance of the suite alone: its own data directory, a free port on 127.0.0.1,
    trust authentication, and a login superuser role `DB_USER` for Odoo."""

    def __init__(self, root):
        self.root = root
        home = postgres_home(root)
        self.data = os.path.join(home, "pg")
        self.log_path = os.path.join(home, "pg.log")
        self.host = "127.0.0.1"
        self.port = free_port()
        self.user = DB_USER

    def _pg_ctl(self, *args):
        return _as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, *args])

    def running(self):
        if not os.path.isdir(self.data):
            return False
        try:
            self._pg_ctl("status")
        except subprocess.CalledProcessError:
            return False
        return True

    def create(self):
        """A new, empty instance (what a previous run left is stopped and removed first)."""
        if self.running():
            log("stopping the private PostgreSQL a previous run left running (--keep)")
            self._pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(self.data, ignore_errors=True)
        os.makedirs(self.data)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            with open(self.log_path, "w"):
                pass
            shutil.chown(self.log_path, "postgres", "postgres")
        os.chmod(self.data, 0o700)
        _as_postgres([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
        with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
            conf.write(
                "\n# Store Connector fault suite\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.data}'\n"
                "max_connections = 300\n"
                "shared_buffers = 256MB\n"
                # Durable commits (the restart fault checks what was acknowledged), but no checkpoint
                # storms on a small shared machine.
                "max_wal_size = 2GB\n"
                "log_min_messages = warning\n"
            )
        self.start()
        _as_postgres([os.path.join(PG_BIN, "psql"), "-h", self.host, "-p", str(self.port), "-U", "postgres",
                      "-d", "postgres", "-qc", f"CREATE ROLE {DB_USER} LOGIN SUPERUSER"])

    def start(self):
        self._pg_ctl("start", "-w", "-t", "120", "-l", self.log_path, "-o", f"-p {self.port}")

    def stop(self, mode="fast"):
        if self.running():
            self._pg_ctl("stop", "-m", mode, "-w", "-t", "120")

    def restart(self, down_seconds=5, mode="fast"):
        """Stop (fast: open connections are cut), stay down `down_seconds`, start again."""
        self.stop(mode)
        time.sleep(down_seconds)
        self.start()

    def connect(self, dbname="postgres", autocommit=True):
        import psycopg2

        cnx = psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname=dbname)
        cnx.autocommit = autocommit
        return cnx

    def execute(self, query, params=None, dbname="postgres"):
        """One statement in autocommit; returns the rows (or None)."""
        cnx = self.connect(dbname)
        try:
            with cnx.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None
        finally:
            cnx.close()


# ============================================================================ Odoo in this process
class FaultEnv(OdooEnv):
    """The benchmarks' OdooEnv on a fault's database: `env()` (a superuser environment committed on
    success, as a context manager) and `sql(query, params)`; `close()` drops its registry and
    connections. Odoo's configuration is parsed once per process (a second parse fails in Odoo 18):
    the next environments only open their database's registry."""

    _configured = False

    def __init__(self, config_path, database):
        if not FaultEnv._configured:
            super().__init__(config_path, database)
            FaultEnv._configured = True
            return
        import odoo
        from odoo.modules.registry import Registry

        self.odoo = odoo
        self.database = database
        self.registry = Registry(database)

    def close(self):
        from odoo.modules.registry import Registry
        from odoo.sql_db import close_db

        with contextlib.suppress(Exception):
            Registry.delete(self.database)
        with contextlib.suppress(Exception):
            close_db(self.database)


# ============================================================================ odoo-bin servers
class Server(OdooServer):
    """A real odoo-bin on loopback serving one database of the private PostgreSQL, threaded
    (`workers=0`) or prefork, with its own config file and log. Started by `Context.server`.

    `worker_pids()`: the processes that serve HTTP (prefork workers; the server itself when
    threaded); `cron_pids()`: those that run crons (prefork cron workers; the server itself when
    threaded with cron threads). `kill9(pid)` kills one of them (default: the server, all of it).
    """

    def __init__(self, suite, database, name, workers=2, max_cron_threads=1, options=None):
        self.name = name
        self.workers = workers
        self.max_cron_threads = max_cron_threads
        self.options = dict(options or {})
        self.config_path = os.path.join(suite.root, f"{name}.conf")
        log_path = os.path.join(suite.root, f"{name}.log")
        args = SimpleNamespace(odoo_bin=suite.odoo_bin, config=self.config_path, database=database,
                               keep_dbfilter=True, workers=workers, server_start_timeout=180)
        super().__init__(args, "prefork" if workers else "threaded", max_cron_threads > 0, log_path)
        suite.write_config(self.config_path, database, [
            "log_level = info",
            f"logfile = {log_path}",
            f"dbfilter = ^{re.escape(database)}$",
            *(f"{key} = {value}" for key, value in self.options.items()),
        ])

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command(self):
        return [
            sys.executable, self.args.odoo_bin, "-c", self.args.config, "-d", self.args.database,
            "--http-interface=127.0.0.1", f"--http-port={self.port}", f"--gevent-port={free_port()}",
            f"--workers={self.workers}", f"--max-cron-threads={self.max_cron_threads}",
        ]

    def _spawned(self, kind):
        """Live children of the server that its log says are `kind` workers (WorkerHTTP/WorkerCron)."""
        import psutil

        if not self.proc or self.proc.poll() is not None:
            return []
        try:
            with open(self.log_path, errors="replace") as f:
                pids = [int(m) for m in re.findall(rf"Worker {kind} \((\d+)\) alive", f.read())]
        except FileNotFoundError:
            return []
        try:
            children = {p.pid for p in psutil.Process(self.proc.pid).children()
                        if p.status() != psutil.STATUS_ZOMBIE}
        except psutil.Error:
            return []
        return sorted({pid for pid in pids if pid in children})

    def worker_pids(self):
        if not self.workers:
            return [self.pid] if self.pid and self.proc.poll() is None else []
        return self._spawned("WorkerHTTP")

    def cron_pids(self):
        if not self.workers:
            return [self.pid] if self.max_cron_threads and self.proc.poll() is None else []
        return self._spawned("WorkerCron")

    def kill9(self, pid=None):
        """SIGKILL `pid` (one of this server's processes) or, by default, the whole server."""
        if pid is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            return
        os.kill(pid, signal.SIGKILL)

    def alive(self):
        return bool(self.proc) and self.proc.poll() is None

    def log_problems(self):
        """The tracebacks and ERROR/CRITICAL lines of its log (first line of each, shortened)."""
        lines = []
        for path in (self.log_path, getattr(self, "out_path", None)):
            if not path:
                continue
            try:
                with open(path, errors="replace") as f:
                    lines += f.read().splitlines()
            except FileNotFoundError:
                continue
        return [line[:240] for line in lines
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")]


# ============================================================================ the suite and a fault's context
class Suite:
    """One run: the private PostgreSQL, the config files, the template database."""

    def __init__(self, root=STATE_DIR, odoo_bin=None, keep=False, fresh=False):
        self.root = root
        self.keep = keep
        self.fresh = fresh
        os.makedirs(root, exist_ok=True)
        self.odoo_bin = odoo_bin or self._find_odoo_bin()
        self.data_dir = os.path.join(root, "data")
        self.config_path = os.path.join(root, "odoo.conf")
        # The credential key of this run's databases: new each run (the databases are too).
        self.encryption_key = base64.b64encode(os.urandom(32)).decode()
        self.pg = PrivatePostgres(root)
        self.counter = 0

    @staticmethod
    def _find_odoo_bin():
        import odoo

        return os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")

    def addons_path(self):
        return ",".join([os.path.join(os.path.dirname(self.odoo_bin), "addons"),
                         os.path.join(SC_ROOT, "addons"), os.path.join(SC_ROOT, "tests", "addons")])

    def write_config(self, path, database, extra=()):
        lines = [
            "[options]",
            f"addons_path = {self.addons_path()}",
            f"data_dir = {self.data_dir}",
            f"db_host = {self.pg.host}",
            f"db_port = {self.pg.port}",
            f"db_user = {DB_USER}",
            "db_password = False",
            f"db_name = {database}",
            "list_db = False",
            "without_demo = all",
            f"store_connector_encryption_key = {self.encryption_key}",
            "store_connector_allow_private_urls = True",
            *extra,
        ]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")

    def addons_hash(self):
        """What the template is built from: the addons' files (not their tests) and the Odoo version."""
        import odoo.release

        digest = hashlib.sha256(f"{odoo.release.version}|{ADDONS}|{PG_BIN}".encode())
        for top in (os.path.join(SC_ROOT, "addons"), os.path.join(SC_ROOT, "tests", "addons")):
            for folder, dirs, files in sorted(os.walk(top)):
                dirs[:] = sorted(d for d in dirs if d not in ("tests", "__pycache__"))
                for name in sorted(files):
                    if name.endswith(".pyc"):
                        continue
                    path = os.path.join(folder, name)
                    digest.update(os.path.relpath(path, SC_ROOT).encode())
                    with open(path, "rb") as f:
                        digest.update(hashlib.sha256(f.read()).digest())
        return digest.hexdigest()[:16]

    def _reuse(self, wanted):
        """Restart the instance and template an earlier run left, if built from the same addons: the
        faults' databases are dropped, the template kept. :returns: whether it was reused."""
        stamp = os.path.join(self.root, "template.hash")
        try:
            with open(stamp) as f:
                if f.read().strip() != wanted:
                    return False
        except FileNotFoundError:
            return False
        if not os.path.exists(os.path.join(self.pg.data, "PG_VERSION")):
            return False
        try:
            if self.pg.running():
                self.pg.stop("fast")
            self.pg.start()
            names = [row[0] for row in self.pg.execute(
                "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('postgres', %s)",
                [TEMPLATE_DB])]
            if TEMPLATE_DB not in [row[0] for row in self.pg.execute("SELECT datname FROM pg_database")]:
                raise RuntimeError("no template database")
            for name in names:
                self.pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                shutil.rmtree(os.path.join(self.data_dir, "filestore", name), ignore_errors=True)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            log(f"the private PostgreSQL of an earlier run cannot be reused ({exc}): building anew")
            with contextlib.suppress(Exception):
                self.pg.stop("immediate")
            return False
        return True

    def start(self):
        started = time.monotonic()
        wanted = self.addons_hash()
        log(f"private PostgreSQL in {self.pg.data} on 127.0.0.1:{self.pg.port}")
        self.write_config(self.config_path, TEMPLATE_DB, ["log_level = warn"])
        if not self.fresh and self._reuse(wanted):
            log(f"reusing the template database {TEMPLATE_DB} of an earlier run (same addons; "
                "--fresh rebuilds it)")
            # The config the in-process environments read (the start of a run removes the old one).
            self.write_config(self.config_path, TEMPLATE_DB, ["log_level = warn"])
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.root, "template.hash"))
        self.pg.create()
        log(f"building the template database {TEMPLATE_DB} ({ADDONS}); a few minutes")
        shutil.rmtree(os.path.join(self.data_dir, "filestore"), ignore_errors=True)
        proc = subprocess.run(
            [sys.executable, self.odoo_bin, "-c", self.config_path, "-d", TEMPLATE_DB, "-i", ADDONS,
             "--stop-after-init", "--log-level=warn", f"--logfile={os.path.join(self.root, 'template.log')}"],
            cwd=SC_ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"building the template database failed ({proc.returncode}); see "
                               f"{os.path.join(self.root, 'template.log')}\n{proc.stderr[-2000:]}")
        with open(os.path.join(self.root, "template.hash"), "w") as f:
            f.write(wanted)
        log(f"template ready in {time.monotonic() - started:.0f} s")

    def new_database(self, slug):
        """A fresh copy of the template (and of its filestore); returns its name."""
        self.counter += 1
        name = f"f{self.counter:02d}_{slug}"[:60]
        self.pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.pg.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
        # Crons that have nothing to do with the queue would wake up in the middle of a fault (a fresh
        # database has them all due): postponed by a day. The runner's lanes keep their schedule.
        self.pg.execute(
            """UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day'
                WHERE active AND id NOT IN (SELECT res_id FROM ir_model_data
                                             WHERE model = 'ir.cron' AND module = 'store_connector_base'
                                               AND name LIKE %s)""",
            [RUNNER_XMLID_PREFIX + "%"], dbname=name)
        source = os.path.join(self.data_dir, "filestore", TEMPLATE_DB)
        if os.path.isdir(source):
            target = os.path.join(self.data_dir, "filestore", name)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        return name

    def stop(self):
        if self.keep:
            log(f"--keep: the private PostgreSQL stays up on 127.0.0.1:{self.pg.port} (user {DB_USER}), "
                f"data in {self.pg.data}, logs in {self.root}")
            return
        with contextlib.suppress(Exception):
            self.pg.stop("fast")


class Context:
    """What a fault's `run(ctx)` works with (see the contract in tests/faults/README.md)."""

    def __init__(self, suite, slug, short):
        self.suite = suite
        self.slug = slug
        self.short = short
        self.pg = suite.pg
        self._closers = []
        self._servers = 0

    def database(self):
        return self.suite.new_database(self.slug)

    def env(self, database):
        odoo_env = FaultEnv(self.suite.config_path, database)
        self._closers.append(odoo_env.close)
        return odoo_env

    def server(self, database, workers=2, max_cron_threads=1, options=None):
        self._servers += 1
        name = f"{database}-s{self._servers}"
        server = Server(self.suite, database, name, workers=workers, max_cron_threads=max_cron_threads,
                        options=options)
        self._closers.append(server.stop)
        t0 = time.monotonic()
        server.start()
        mode = f"prefork, {workers} workers" if workers else "threaded"
        self.log(f"server {name} ({mode}, "
                 f"{max_cron_threads} cron) up on {server.url} in {time.monotonic() - t0:.1f} s, "
                 f"log {server.log_path}")
        return server

    def simulator(self, platform, **kwargs):
        import importlib

        module, cls = SIMULATORS[platform]
        sim = getattr(importlib.import_module(module), cls)(**kwargs)
        sim.start()
        self._closers.append(sim.stop)
        return sim

    @staticmethod
    def wait_until(predicate, timeout, interval=0.5):
        """Seconds until `predicate()` is true; TimeoutError after `timeout` seconds."""
        started = time.monotonic()
        while True:
            if predicate():
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                what = getattr(predicate, "__doc__", None) or getattr(predicate, "__name__", predicate)
                raise TimeoutError(f"not true within {timeout} s: {what}")
            time.sleep(interval)

    def log(self, text):
        log(f"{self.slug}: {text}")

    def close(self):
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception as exc:  # noqa: BLE001 - close the rest whatever one of them does
                log(f"{self.slug}: closing {closer} failed: {exc!r}")


def leftover_files(root=STATE_DIR):
    """Logs and configs of earlier runs in the state folder (removed at the start of a run)."""
    kept = ("pg", "pg.log", "data", "template.hash", "template.log")
    return [p for p in glob.glob(os.path.join(root, "*")) if os.path.basename(p) not in kept]
