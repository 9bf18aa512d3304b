"""Fault 6: PostgreSQL restarted while deliveries arrive and jobs run.

Two servers on one database, one prefork (2 HTTP workers, a cron worker) and one threaded (a cron
thread), with the connector's queue runner. A load generator posts signed deliveries of the test
platform to both, alternately, without pause, and probe jobs (tests/faults/probe.py) run, each a couple
of seconds; then the private PostgreSQL is restarted (fast stop: every connection cut, 5 seconds down,
start) while the load goes on.

Checks, from every answer recorded:
- every delivery answered 2xx is in the database afterwards (else "lost"), and its job ran;
- every other answer is a 5xx (503 with Retry-After expected), never a 404 or another 4xx, never a 500
  (Odoo's error page), never a dropped connection;
- after the restart both servers answer 2xx again and run the queue again without being restarted
  ("recovery": seconds from PostgreSQL's start until every server has done both; the runner's runs are
  read from each server's log);
- the probe jobs that were running or claimed are requeued (the crash counts as an attempt) and done:
  none lost, none run twice.

Requeueing the interrupted jobs needs their worker to be known dead: by the job lease when the branch
has it (a column `lease*` on sync_job), else by the stuck-job timeout, set then to its minimum (one
minute) and said in the note.
"""

import base64
import collections
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import signal
import threading
import time
from datetime import datetime

from tests.faults import probe
from tests.faults.harness import Row

TITLE = "6. PostgreSQL restart under load"
SECRET = "whsec-fault-pg-restart"
DOWN_SECONDS = 5
PROBE_SLEEP = 2.0
GENERATORS = 4
RUNNER_NAME = "Store Connector: run the sync queue"
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


class Generator:
    """Threads posting signed deliveries to the servers in turn; every answer is recorded as
    (event id, server name, status or the exception's name, Retry-After, body head, time sent)."""

    def __init__(self, servers, code):
        self.servers = servers
        self.code = code
        self.answers = []
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(k,), daemon=True)
                        for k in range(GENERATORS)]
        self.prefix = f"pgr-{secrets.token_hex(3)}"

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopped.set()
        for thread in self.threads:
            thread.join(30)

    def post(self, server, event_id):
        body = json.dumps({"id": event_id, "sku": "FAULT-PG"}).encode()
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        sent = time.time()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json", "X-Test-Signature": signature,
                       "X-Test-Event-Id": event_id, "X-Test-Topic": "products/update"}
            connection.request("POST", f"/api/v1/stores/{self.code}/webhooks/products", body=body,
                               headers=headers)
            response = connection.getresponse()
            answer = (response.status, response.getheader("Retry-After"), response.read(120))
        except (OSError, http.client.HTTPException) as exc:
            answer = (type(exc).__name__, None, str(exc)[:120].encode())
        finally:
            connection.close()
        with self.lock:
            self.answers.append((event_id, server.label, *answer, sent))
        return answer

    def _loop(self, k):
        n = 0
        while not self.stopped.is_set():
            server = self.servers[(n + k) % len(self.servers)]
            self.post(server, f"{self.prefix}-{k}-{n}")
            n += 1
            time.sleep(0.01)


def _runner_runs(server, since):
    """Times (epoch) at which the server's log says the queue runner cron started, after `since`."""
    times = []
    with open(server.log_path, errors="replace") as f:
        for line in f:
            if RUNNER_NAME in line and line.rstrip().endswith("starting"):
                match = LOG_TIME.match(line)
                if match:
                    when = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
                    if when >= since:
                        times.append(when)
    return times


def _log_times(server, pattern, since):
    """Times (epoch) of the server's log lines matching `pattern` (a regex), after `since`."""
    times = []
    with open(server.log_path, errors="replace") as f:
        for line in f:
            match = LOG_TIME.match(line)
            if match and re.search(pattern, line):
                when = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
                if when >= since:
                    times.append(when)
    return times


def _cron_ready_at(server, since):
    """When the server's crons were back after the restart, from its log: the first run of the queue
    runner; else (the other server ran it) its prefork cron worker alive now and started after the
    restart, or its threaded cron thread started again by the base's watchdog."""
    runs = _runner_runs(server, since)
    if runs:
        return runs[0]
    if server.workers:
        pids = "|".join(str(pid) for pid in server.cron_pids()) or "none"
        alive = _log_times(server, rf"Worker WorkerCron \(({pids})\) alive", since)
        return alive[-1] if alive else None
    restarted = _log_times(server, "cron threads .* started again", since)
    return restarted[-1] if restarted else None


def _runs_alone(ctx, oe, store_id, server, other):
    """Whether the server's queue runner runs a new job while the other server is frozen (SIGSTOP),
    so that it alone can: the proof that its runner works again. :returns: seconds, or None."""
    os.killpg(other.pid, signal.SIGSTOP)
    try:
        [job_id] = probe.enqueue(oe, store_id, [{}], f"alone-{server.label}")
        return ctx.wait_until(lambda: oe.sql("SELECT state FROM sync_job WHERE id = %s", [job_id])[0][0]
                              == "done", 150, interval=0.5)
    except TimeoutError:
        return None
    finally:
        os.killpg(other.pid, signal.SIGCONT)


def _has_lease(oe):
    return bool(oe.sql("""SELECT 1 FROM information_schema.columns
                           WHERE table_name = 'sync_job' AND column_name LIKE 'lease%%'"""))


def run(ctx):
    before, after = (6, 20) if ctx.short else (20, 40)
    jobs = 20 if ctx.short else 60
    db = ctx.database()
    oe = ctx.env(db)
    with oe.env() as env:
        store = env["connector.store"].create({"name": "Fault: PostgreSQL restart", "platform": "test"})
        env["integration.credential"]._set_value(store, "webhook_secret", SECRET)
        store_id, code = store.id, store.code
    lease = _has_lease(oe)
    if not lease:
        with oe.env() as env:
            env["ir.config_parameter"].set_param("store_connector.job_timeout_minutes", "1")
    prefork = ctx.server(db, workers=2, max_cron_threads=1)
    threaded = ctx.server(db, workers=0, max_cron_threads=1)
    servers = [prefork, threaded]
    prefork.label, threaded.label = "prefork", "threaded"

    generator = Generator(servers, code)
    generator.start()
    probe_ids = probe.enqueue(oe, store_id, [{"sleep": PROBE_SLEEP}] * jobs, "pgr")
    ctx.log(f"load on: deliveries to both servers, {jobs} probe jobs of {PROBE_SLEEP} s; "
            f"restart in {before} s")
    time.sleep(before)
    running = oe.sql("SELECT count(*) FROM sync_job WHERE store_id = %s AND state = 'processing'",
                     [store_id])[0][0]
    t_stop = time.time()
    ctx.pg.restart(down_seconds=DOWN_SECONDS)
    t_up = time.time()
    ctx.log(f"PostgreSQL restarted ({running} jobs were processing); load goes on for {after} s")
    time.sleep(after)
    generator.stop()
    problems = []

    # Recovery: each server answers 2xx and runs the queue again, by itself.
    recovered = {}
    for server in servers:
        first_ok = min((a[5] for a in generator.answers
                        if a[1] == server.label and a[2] == 200 and a[5] >= t_up), default=None)
        if first_ok is None:
            # The load stopped: ask once more, now.
            if generator.post(server, f"{generator.prefix}-late-{server.label}")[0] == 200:
                first_ok = time.time()
        ready = _cron_ready_at(server, t_up)
        if first_ok is None:
            problems.append(f"the {server.label} server answered no delivery 2xx after the restart")
        if ready is None:
            problems.append(f"the {server.label} server's log shows no cron back after the restart")
        if first_ok is not None and ready is not None:
            recovered[server.label] = max(first_ok, ready) - t_up

    # Everything queued ends, done or failed with a reason.
    def settled():
        return not oe.sql("""SELECT count(*) FROM sync_job WHERE store_id = %s
                              AND state IN ('pending', 'processing')""", [store_id])[0][0]
    wait = 240 if lease else 240 + 60
    try:
        settle_seconds = ctx.wait_until(settled, wait, interval=1)
    except TimeoutError:
        settle_seconds = None
        problems.append(f"jobs were still pending or processing {wait} s after the load stopped")

    # Each server's runner runs a job alone (the other one frozen meanwhile).
    alone = {}
    for server, other in ((prefork, threaded), (threaded, prefork)):
        alone[server.label] = _runs_alone(ctx, oe, store_id, server, other)
        if alone[server.label] is None:
            problems.append(f"the {server.label} server's queue runner did not run a job within 150 s "
                            "while it was the only server: it needs a restart")
    settled()

    # The answers.
    statuses = collections.Counter()
    for event_id, name, status, retry_after, head, _sent in generator.answers:
        statuses[(name, status)] += 1
        if status == 200:
            continue
        if not isinstance(status, int):
            problems.append(f"delivery {event_id} to the {name} server got no answer ({status}: "
                            f"{head.decode(errors='replace')})")
        elif status == 500 or status < 500:
            problems.append(f"delivery {event_id} to the {name} server was answered {status} "
                            f"({head[:60].decode(errors='replace')!r}), not 503")
        elif status == 503 and not retry_after:
            problems.append(f"delivery {event_id} to the {name} server was answered 503 without Retry-After")
    if len(problems) > 12:
        problems[12:] = [f"... and {len(problems) - 12} more problems of the same kinds"]
    acknowledged = {a[0] for a in generator.answers if a[2] == 200}
    stored = dict(oe.sql(
        """SELECT d.event_id, j.state FROM store_webhook_delivery d LEFT JOIN sync_job j ON j.id = d.job_id
            WHERE d.store_id = %s AND d.event_id = ANY(%s)""", [store_id, list(acknowledged)]))
    lost_deliveries = sorted(acknowledged - set(stored))
    for event_id in lost_deliveries[:5]:
        problems.append(f"delivery {event_id} was answered 200 but is not in the database")
    delivery_jobs = collections.Counter(stored.values())
    delivery_failed = oe.sql(
        """SELECT j.id, j.last_error FROM sync_job j WHERE j.store_id = %s AND j.state = 'failed'
              AND j.model_name = 'store.webhook.delivery'""", [store_id])
    for job_id, error in delivery_failed[:5]:
        problems.append(f"delivery job {job_id} failed: {(error or '').splitlines()[0][:200]}")

    counted = probe.count(oe, store_id)
    for job_id, error in counted.failures[:5]:
        problems.append(f"probe job {job_id} failed: {(error or '').splitlines()[0][:200]}")
    non_2xx = sum(v for (_name, status), v in statuses.items() if status != 200)
    answers_503 = sum(v for (_name, status), v in statuses.items() if status == 503)
    unsettled_deliveries = delivery_jobs.get("pending", 0) + delivery_jobs.get("processing", 0)
    requeue = "job lease" if lease else "stuck-job timeout (no lease on this branch: set to 1 minute)"
    return Row(
        fault=TITLE,
        load=(f"{len(generator.answers)} deliveries over 2 servers (prefork + threaded), "
              f"{len(probe_ids)} jobs of {PROBE_SLEEP:.0f} s, {t_up - t_stop:.0f} s down"),
        accepted=len(acknowledged) + counted.jobs,
        done=delivery_jobs.get("done", 0) + counted.done,
        retried=counted.retried,
        failed=len(delivery_failed) + counted.failed,
        lost=len(lost_deliveries) + unsettled_deliveries + counted.lost,
        run_twice=counted.run_twice,
        recovery_seconds=max(recovered.values()) if len(recovered) == len(servers) else None,
        problems=problems,
        note=(f"{non_2xx} deliveries refused while the database was away ({answers_503} answered 503 with "
              f"Retry-After), {len(acknowledged)} acknowledged; {running} jobs processing at the stop, "
              f"requeued by the {requeue} ({counted.retried} attempts counted); recovery per server "
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in recovered.items())
              + "; each runner alone ran a job in "
              + ", ".join(f"{name} {seconds:.1f} s" if seconds is not None else f"{name} never"
                          for name, seconds in alone.items())
              + (f"; queue settled {settle_seconds:.0f} s after the load stopped"
                 if settle_seconds is not None else "")),
    )
