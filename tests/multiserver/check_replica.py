"""Two odoo-bin servers on one database, one of them reading from a real streaming replica (issue #12).

Run by `scripts/check-replica` (which builds the source database). What it sets up, on loopback:

* a private PostgreSQL 15 primary (initdb under /tmp, never the machine's cluster), the source
  database restored into it, and a hot-standby replica of it (`pg_basebackup -R`, streaming);
* server A: prefork, 2 HTTP workers, NO cron (`max_cron_threads = 0`), `db_replica_host/port` set to
  the replica; server B: prefork, 2 HTTP workers, 1 cron worker, no replica.

What it proves (one line each, and a non-zero exit when one fails):

1. the sync API's GET routes on A answer 200 and are served from the replica: the replica's
   `pg_stat_database.xact_commit` of the database grows by at least one transaction per request,
   while the same requests on B (no replica) leave it still; their rate-limit counts are written on
   the primary (one row per request);
2. a write route on A (POST .../sync/products) is served by the primary and its job, queued through
   A whose cron is off, runs on B within seconds: the wake-up (NOTIFY cron_trigger on the primary's
   `postgres` database) reaches the other server's cron worker, not only the one-minute poll;
3. the sync API's 60 requests a minute hold across the two servers: requests spread over A and B
   get exactly the allowance, the rest 429.
"""

import argparse
import configparser
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import requests

PG_BIN = "/usr/lib/postgresql/15/bin"
DB_USER = "odoo_check"  # odoo-bin refuses to run as the "postgres" role


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def say(text):
    print(text, flush=True)


def as_postgres(*command, **kwargs):
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                          capture_output=True, text=True, **kwargs)


class PrivateCluster:
    """A PostgreSQL instance of its own: `primary()` runs initdb, `replica_of(primary)` pg_basebackup."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        self.port = free_port()
        self.log = os.path.join(root, f"{name}.log")
        self.socket_dir = root

    def start(self):
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.dir, "-l", self.log, "-w", "-t", "120", "-o",
                    f"-p {self.port} -c listen_addresses=127.0.0.1"
                    f" -c unix_socket_directories={self.socket_dir} -c fsync=off -c max_connections=200"
                    " -c hot_standby=on", "start")

    def stop(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.dir, "-m", "fast", "-w", "stop")

    def init_primary(self):
        as_postgres(f"{PG_BIN}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self.execute("postgres", f"CREATE ROLE {DB_USER} LOGIN SUPERUSER", user="postgres")

    def init_replica(self, primary):
        as_postgres(f"{PG_BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", self.dir, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")
        self.start()

    def connect(self, dbname, user=DB_USER):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, dbname=dbname, user=user)
        conn.autocommit = True
        return conn

    def execute(self, dbname, query, params=None, user=DB_USER):
        conn = self.connect(dbname, user=user)
        try:
            with conn.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None
        finally:
            conn.close()


class Server:
    """An odoo-bin (prefork) on the private primary."""

    def __init__(self, root, name, python, odoo_bin, source_options, primary, database, cron, replica=None):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(root, f"odoo-{name}.log")
        options = dict(source_options)
        options.update({
            "db_host": "127.0.0.1", "db_port": str(primary.port), "db_user": DB_USER, "db_password": "",
            "db_name": database, "http_port": str(self.port), "http_interface": "127.0.0.1",
            "gevent_port": str(free_port()), "workers": "2", "max_cron_threads": str(cron),
            "logfile": self.log, "log_level": "info",
            "data_dir": os.path.join(root, "data"), "proxy_mode": "False", "limit_time_real": "120",
        })
        options.pop("dbfilter", None)
        if replica:
            options.update({"db_replica_host": "127.0.0.1", "db_replica_port": str(replica.port)})
        self.config = os.path.join(root, f"odoo-{name}.conf")
        parser = configparser.ConfigParser(interpolation=None)
        parser["options"] = options
        with open(self.config, "w") as handle:
            parser.write(handle)
        self.process = subprocess.Popen([python, odoo_bin, "-c", self.config], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited; see {self.log}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/web/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise TimeoutError(f"server {self.name} not ready in {timeout} s; see {self.log}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)


def prepare(primary, database, source_config, root):
    """Store, published product, sync API user and key, in the primary's copy, with the ORM."""
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    conf = os.path.join(root, "setup.conf")
    shutil.copy(source_config, conf)
    config.parse_config(["-c", conf, "-d", database, "--db_host", "127.0.0.1", "--db_port", str(primary.port),
                         "-r", DB_USER, "--log-level", "warn"])
    odoo.netsvc.init_logger()
    from odoo.addons.store_connector_base.services.sync_api import API_KEY_SCOPE

    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        store = env["connector.store"].create({"name": "Replica check", "platform": "test",
                                               "stock_baseline": "odoo"})
        product = env["product.product"].create({"name": "Replica check product",
                                                 "default_code": f"RC-{secrets.token_hex(3)}"})
        store._publish_products(product)
        user = env["res.users"].create({
            "name": "Replica check API", "login": f"replica-check-{secrets.token_hex(3)}",
            "groups_id": [(6, 0, [env.ref("base.group_user").id,
                                  env.ref("store_connector_base.group_store_connector_user").id,
                                  env.ref("sales_team.group_sale_salesman_all_leads").id])],
        })
        key = env["res.users.apikeys"].with_user(user).sudo()._generate(API_KEY_SCOPE, "replica check", None)
        return store.id, store.code, product.default_code, key


def replica_commits(replica, database):
    """Transactions committed on the replica in `database` (read from another database, so that
    reading does not count)."""
    # A backend flushes its statistics when it goes idle, at most once a second, else after 10 s.
    time.sleep(11)
    rows = replica.execute("postgres", "SELECT xact_commit FROM pg_stat_database WHERE datname = %s",
                           [database])
    return rows[0][0]


def run(args):
    results = []

    def check(ok, text):
        results.append(ok)
        say(f"{'PASS' if ok else 'FAIL'}  {text}")

    root = tempfile.mkdtemp(prefix="sc-replica-")
    os.chmod(root, 0o777)
    primary, replica = PrivateCluster(root, "primary"), PrivateCluster(root, "replica")
    servers = []
    try:
        say(f"private PostgreSQL primary on 127.0.0.1:{primary.port} ({root})")
        primary.init_primary()
        primary.execute("postgres", f'CREATE DATABASE "{args.database}"')
        dump = subprocess.Popen(["pg_dump", "-Fc", "-d", args.source_database], stdout=subprocess.PIPE)
        subprocess.run(["pg_restore", "-h", "127.0.0.1", "-p", str(primary.port), "-U", DB_USER, "--no-owner",
                        "-d", args.database], stdin=dump.stdout, check=True, capture_output=True)
        dump.wait()
        store_id, store_code, sku, key = prepare(primary, args.database, args.config, root)
        say(f"replica by pg_basebackup -R on 127.0.0.1:{replica.port}")
        replica.init_replica(primary)
        in_recovery = replica.execute("postgres", "SELECT pg_is_in_recovery()")[0][0]
        check(in_recovery, "the replica is a hot standby streaming from the primary")

        source = configparser.ConfigParser(interpolation=None)
        source.read(args.config)
        options = dict(source["options"])
        odoo_bin = os.path.join(args.odoo_src, "odoo-bin")
        a = Server(root, "A", sys.executable, odoo_bin, options, primary, args.database, cron=0,
                   replica=replica)
        b = Server(root, "B", sys.executable, odoo_bin, options, primary, args.database, cron=1)
        servers += [a, b]
        a.wait_ready()
        b.wait_ready()
        say(f"server A {a.url} (2 workers, no cron, replica), server B {b.url} (2 workers, 1 cron worker)")
        headers = {"Authorization": f"Bearer {key}"}
        # Let B's cron run the exports the set-up queued, so that the queue is idle.
        deadline = time.monotonic() + 120
        busy = "SELECT count(*) FROM sync_job WHERE state IN ('pending', 'processing')"
        while time.monotonic() < deadline and primary.execute(args.database, busy)[0][0]:
            time.sleep(1)

        # 1. read-only routes from the replica
        paths = [f"/api/v1/stores/{store_code}/orders", f"/api/v1/stores/{store_code}", "/api/v1/stores"]
        requests_per_server = 12
        primary.execute(args.database, "DELETE FROM store_api_request")
        before = replica_commits(replica, args.database)
        answers = [requests.get(a.url + paths[i % len(paths)], headers=headers, timeout=30).status_code
                   for i in range(requests_per_server)]
        after_a = replica_commits(replica, args.database)
        answers_b = [requests.get(b.url + paths[i % len(paths)], headers=headers, timeout=30).status_code
                     for i in range(requests_per_server)]
        after_b = replica_commits(replica, args.database)
        counted = primary.execute(args.database, "SELECT count(*) FROM store_api_request WHERE store_id = %s",
                                  [store_id])[0][0]
        check(set(answers) == {200} and set(answers_b) == {200},
              f"{requests_per_server} GETs on A and {requests_per_server} on B answered 200 "
              f"(A: {sorted(set(answers))}, B: {sorted(set(answers_b))})")
        check(after_a - before >= requests_per_server,
              f"the replica committed {after_a - before} transactions in the database while A served "
              f"{requests_per_server} GETs (at least one each: served from the replica)")
        check(after_b - after_a < requests_per_server,
              f"... and {after_b - after_a} while B (no replica) served {requests_per_server}")
        # The store's routes count per store, /api/v1/stores per user: 2 of every 3 paths are the store's.
        expected = 2 * 2 * requests_per_server // 3
        check(counted == expected, f"the rate limit counted {counted} of the store's {expected} requests "
                                   "on the primary")

        # 2. a job queued through A (cron off) runs on B, woken by NOTIFY
        primary.execute(args.database, "DELETE FROM store_api_request")
        started = time.monotonic()
        response = requests.post(f"{a.url}/api/v1/stores/{store_code}/sync/products", json={"skus": [sku]},
                                 headers=headers, timeout=30)
        job_ids = [job["id"] for job in response.json().get("data", {}).get("jobs", [])] \
            if response.status_code == 202 else []
        check(response.status_code == 202 and job_ids, f"POST sync/products on A: {response.status_code}, "
                                                       f"jobs {job_ids}")
        took = None
        while job_ids and time.monotonic() - started < 90:
            states = {row[0] for row in primary.execute(
                args.database, "SELECT state FROM sync_job WHERE id = ANY(%s)", [job_ids])}
            if states <= {"done", "failed", "cancelled"}:
                took = time.monotonic() - started
                break
            time.sleep(0.2)
        worker = primary.execute(args.database, "SELECT string_agg(DISTINCT worker, ', ') FROM sync_job "
                                               "WHERE id = ANY(%s)", [job_ids or [0]])[0][0]
        check(took is not None and took < 15,
              f"the job queued through A ran on B in {took:.1f} s (worker {worker}); the cron poll alone "
              "would take up to 60 s" if took is not None else "the job queued through A never ran on B")

        # 3. 60 requests a minute across both servers
        primary.execute(args.database, "DELETE FROM store_api_request")
        url = f"/api/v1/stores/{store_code}/orders"
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda i: requests.get((a if i % 2 else b).url + url, headers=headers,
                                                         timeout=60).status_code, range(90)))
        allowed = codes.count(200)
        check(allowed == 60 and codes.count(429) == 30,
              f"90 GETs at once spread over A and B: {allowed} answered 200, {codes.count(429)} answered 429 "
              "(allowance 60 a minute per store)")
        # Odoo's access log ends with the cursor mode: "ro", or "ro->rw" when a read-only attempt
        # wrote and Odoo ran the request again on the primary.
        with open(a.log, errors="replace") as handle:
            modes = [line.split()[-1] for line in handle if '"GET /api/v1/' in line]
        check(modes and set(modes) == {"ro"},
              f"A's access log: {len(modes)} GETs of the sync API, cursor modes {sorted(set(modes))} "
              "(never ro->rw: nothing on those routes writes)")
        for server in servers:
            with open(server.log, errors="replace") as handle:
                problems = [line for line in handle if " ERROR " in line or "Traceback" in line]
            check(not problems, f"server {server.name}'s log has no error" +
                  (f": {problems[0].strip()[:200]}" if problems else ""))
    finally:
        for server in servers:
            server.stop()
        replica.stop()
        primary.stop()
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if results and all(results) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="Odoo config of the source database (addons, key)")
    parser.add_argument("--source-database", required=True, help="database of the machine's cluster to copy")
    parser.add_argument("--database", default="sc_replica_check", help="its name in the private cluster")
    parser.add_argument("--odoo-src", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the clusters' directory and logs")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
