"""Fault 3: two servers on one database, 20,000 queued jobs and webhook deliveries spread over both:
each runs once (short form: 2,000).

Two prefork servers (two HTTP workers and a cron worker each) share one database. Probe jobs are queued in
chunks while signed webhook deliveries of the test platform's probe topic are posted, alternately to one
server and the other, by a few concurrent clients. Checks afterwards: every job ran exactly once (the probe's
record of each start, committed apart); every delivery answered 2xx is stored once and its processing ran
exactly once; no 5xx; both servers' cron workers ran jobs (jobs per server), and the time from the last
enqueue to the last job done.
"""

import base64
import hashlib
import hmac
import http.client
import json
import queue
import secrets
import threading
import time
from collections import Counter

import psutil

from tests.faults import probe
from tests.faults.harness import Row

TITLE = "3. two servers, one database"
PROBE_TOPIC = "products/probe"
CLIENTS = 6            # concurrent delivery posters
JOB_CHUNK = 500        # jobs queued per statement


def _sign(secret, raw):
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


class Poster:
    """Posts signed deliveries to the servers in turn (delivery n to server n % len(servers)) from
    CLIENTS threads over keep-alive connections; records each answer's status by event id."""

    def __init__(self, servers, code, secret, prefix, count):
        self.servers = servers
        self.code = code
        self.secret = secret
        self.prefix = prefix
        self.todo = queue.Queue()
        for n in range(count):
            self.todo.put(n)
        self.status = {}           # event id -> HTTP status (0: no answer)
        self.by_server = Counter()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(CLIENTS)]

    def event_id(self, n):
        return f"{self.prefix}-{n:06d}"

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    def _work(self):
        conns = {}
        while True:
            try:
                n = self.todo.get_nowait()
            except queue.Empty:
                break
            server = self.servers[n % len(self.servers)]
            body = json.dumps({"id": n, "probe": self.event_id(n)}).encode()
            headers = {"Content-Type": "application/json", "X-Test-Signature": _sign(self.secret, body),
                       "X-Test-Event-Id": self.event_id(n), "X-Test-Topic": PROBE_TOPIC}
            status = 0
            for _attempt in range(2):  # a keep-alive connection the server closed meanwhile: once more
                if server.port not in conns:
                    conns[server.port] = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                conn = conns[server.port]
                try:
                    conn.request("POST", f"/api/v1/stores/{self.code}/webhooks/products", body, headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conns.pop(server.port, None)
            with self.lock:
                self.status[self.event_id(n)] = status
                self.by_server[server.name] += 1
        for conn in conns.values():
            conn.close()


def _server_of(servers):
    """{pid: server name} of every process of the servers (masters and their children)."""
    owners = {}
    for server in servers:
        if not server.pid:
            continue
        owners[server.pid] = server.name
        try:
            for child in psutil.Process(server.pid).children(recursive=True):
                owners[child.pid] = server.name
        except psutil.Error:
            continue
    return owners


def run(ctx):
    total = 2_000 if ctx.short else 20_000
    deliveries = total // 5
    jobs = total - deliveries
    db = ctx.database()
    oe = ctx.env(db)
    secret = secrets.token_urlsafe(24)
    with oe.env() as env:
        store = env["connector.store"].create({"name": "Fault: two servers", "platform": "test"})
        env["integration.credential"]._set_value(store, "webhook_secret", secret)
        store_id, code = store.id, store.code
    servers = [ctx.server(db, workers=2, max_cron_threads=1), ctx.server(db, workers=2, max_cron_threads=1)]
    # Every process a server forks from now on is its child: the owners are read at the end too.
    owners = _server_of(servers)
    prefix = f"two-{secrets.token_hex(3)}"
    poster = Poster(servers, code, secret, prefix, deliveries)
    started = time.monotonic()
    poster.start()
    job_ids = []
    for start in range(0, jobs, JOB_CHUNK):
        job_ids += probe.enqueue(oe, store_id, [{}] * min(JOB_CHUNK, jobs - start), f"two{start}")
        time.sleep(0.2)
    poster.join(600)
    last_enqueue = time.monotonic()
    ctx.log(f"{len(job_ids)} jobs queued, {len(poster.status)} deliveries posted in "
            f"{last_enqueue - started:.0f} s")
    problems = []

    def queue_empty():
        return not oe.sql("""SELECT count(*) FROM sync_job WHERE store_id = %s
                              AND state IN ('pending', 'processing')""", [store_id])[0][0]

    drain_bound = 600 if ctx.short else 1800
    try:
        ctx.wait_until(queue_empty, drain_bound, interval=1)
    except TimeoutError:
        problems.append(f"jobs were still pending or processing {drain_bound} s after the last enqueue")
    drained = time.monotonic() - last_enqueue
    owners.update(_server_of(servers))

    # The jobs: queued probe jobs and the deliveries' jobs, each started and finished once.
    counted = probe.count(oe, store_id)
    for job_id, error in counted.failures[:10]:
        problems.append(f"job {job_id} failed: {error}")
    # The deliveries: every 2xx stored once, processed once.
    statuses = Counter(poster.status.values())
    accepted = [event for event, status in poster.status.items() if 200 <= status < 300]
    refused = {event: status for event, status in poster.status.items() if not 200 <= status < 300}
    if refused:
        problems.append(f"{len(refused)} deliveries were not answered 2xx: {dict(Counter(refused.values()))} "
                        f"(e.g. {next(iter(refused))})")
    stored = dict(oe.sql(
        """SELECT d.event_id, count(*) FROM store_webhook_delivery d
            WHERE d.store_id = %s GROUP BY d.event_id""", [store_id]))
    processed = dict(oe.sql(
        """SELECT d.event_id, count(f.run_id) FROM store_webhook_delivery d
             LEFT JOIN fault_probe_run r ON r.delivery_id = d.id
             LEFT JOIN fault_probe_finish f ON f.run_id = r.id
            WHERE d.store_id = %s GROUP BY d.event_id""", [store_id]))
    missing = [event for event in accepted if event not in stored]
    twice_stored = [event for event, n in stored.items() if n > 1]
    not_processed = [event for event in accepted if processed.get(event, 0) == 0]
    twice_processed = [event for event, n in processed.items() if n > 1]
    if missing:
        problems.append(f"{len(missing)} deliveries answered 2xx are not in the database (e.g. {missing[0]})")
    if twice_stored:
        problems.append(f"{len(twice_stored)} deliveries are stored twice (e.g. {twice_stored[0]})")
    if not_processed:
        problems.append(f"{len(not_processed)} stored deliveries were never processed "
                        f"(e.g. {not_processed[0]})")
    # Jobs per server, from the pid of each finished run.
    per_server = Counter()
    for pid, runs in oe.sql("""SELECT r.pid, count(*) FROM fault_probe_run r
                                 JOIN fault_probe_finish f ON f.run_id = r.id
                                 JOIN sync_job j ON j.id = r.job_id
                                WHERE j.store_id = %s GROUP BY r.pid""",
                            [store_id]):
        per_server[owners.get(pid, f"pid {pid}")] += runs
    idle = [server.name for server in servers if not per_server.get(server.name)]
    if idle:
        problems.append(f"the cron workers of {', '.join(idle)} ran no job: the queue is not shared by every "
                        f"server (runs per server: {dict(per_server)})")
    for server in servers:
        for line in server.log_problems()[:3]:
            problems.append(f"{server.name} logged: {line}")
    run_twice = counted.run_twice + len(twice_processed) + len(twice_stored)
    return Row(
        fault=TITLE,
        load=f"{jobs:,} jobs + {deliveries:,} deliveries over 2 prefork servers",
        accepted=len(job_ids) + len(accepted),
        done=counted.done,
        retried=counted.retried,
        failed=counted.failed,
        lost=counted.lost + len(missing) + len(not_processed),
        run_twice=run_twice,
        recovery_seconds=None,
        problems=problems,
        note=(f"runs per server {dict(per_server)}; deliveries per server {dict(poster.by_server)}, answers "
              f"{dict(statuses)}; last job done {drained:.0f} s after the last enqueue "
              f"({(counted.done / max(time.monotonic() - started, 1)):.0f} jobs/s overall)"),
    )
