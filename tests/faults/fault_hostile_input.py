"""Fault 8: hostile input at the intake and the sync API, at load, across two servers.

Two servers on one database (one prefork, one threaded, each with a cron runner) receive, in parallel
and shuffled together, signed good deliveries (which must all be stored once and processed) and a
battery of hostile requests, each with the status it must get:

* webhook route of store A: signed bodies that are malformed, truncated, not UTF-8, nested too deep
  for a parser (as an array, an object, cut short), empty (400); the same unsigned (401); store B's
  valid signature (401); a garbage signature (401); an unknown kind or store (404); a body over the
  size limit with a Content-Length or chunked (413); broken chunked framing (400); a body with
  neither framing header (no body: 400/401/411); 60 KB of headers (431); wrong content types (401);
* the platform endpoint (the store found from the delivery before any signature): deep bodies (400);
* the sync API with store A's user's key: malformed bodies (422), wrong content types (415), a body
  over the limit (413), 60 KB of headers (431), no key or a wrong one (401), store B of another
  company (404).

Problems: every hostile request not answered with its status (counted per case), a good delivery not
answered 2xx, anything stored that is not a good delivery (a delivery, or a job other than the good
deliveries' own), a job failed, a traceback or ERROR in a server's log. Accepted = good deliveries
answered 2xx; done/failed = their jobs; lost = a 2xx delivery missing from the database or its job
never done; run twice = a delivery in more than one job.
"""

import base64
import collections
import hashlib
import hmac
import importlib.util
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.faults.harness import SC_ROOT, Row

TITLE = "8. hostile input at the intake and sync API"
# The test platform's webhook headers (tests/addons/store_connector_test_platform/models/store_adapter.py:
# the fault suite does not import Odoo addons' modules).
SIGNATURE_HEADER = "X-Test-Signature"
EVENT_HEADER = "X-Test-Event-Id"
SHOP_HEADER = "X-Test-Shop"
API_KEY_SCOPE = "store_connector_sync"
# A smaller body limit than the default 2 MB, so that oversize bodies are cheap to send at load; the
# deep bodies below stay under it (they must be refused for their nesting, not their size).
MAX_BODY_BYTES = 128 * 1024
DEEP = 10_000  # levels: far past what Python's json parses (about a thousand); 20-70 KB


def _hostile_module():
    """The battery's helpers (addons/store_connector_base/tests/common_hostile.py), loaded from its
    file: importing the addon's tests package would load Odoo's test framework."""
    path = os.path.join(SC_ROOT, "addons", "store_connector_base", "tests", "common_hostile.py")
    spec = importlib.util.spec_from_file_location("store_connector_common_hostile", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hostile = _hostile_module()


def sign(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def malformed_bodies():
    """name -> body, all under MAX_BODY_BYTES."""
    return {
        "malformed JSON": b'{"id": 1,, "order": }',
        "truncated JSON": b'{"id": 1, "order": {"id": "77", "lines": [{"sku": "A"',
        "invalid UTF-8": b'{"id": 1, "name": "\xff\xfe\xc3\x28"}',
        "deeply nested array": b"[" * DEEP + b"]" * DEEP,
        "deeply nested object": b'{"id": 1, "o": ' + b'{"a": ' * DEEP + b"1" + b"}" * DEEP + b"}",
        "deeply nested, cut short": b'{"id": 1, "o": ' + b"[" * DEEP,
        "valid JSON nested too deep": hostile.deep_json(DEEP),
    }


def setup(oe):
    """Stores A (company A) and B (company B) with webhook secrets, a Store Connector User of
    company A and their sync API key. Returns a dict of what the requests need."""
    secrets = {"a": "whsec-fault-a-" + os.urandom(8).hex(), "b": "whsec-fault-b-" + os.urandom(8).hex()}
    with oe.env() as env:
        env["ir.config_parameter"].set_param("store_connector.api_rate_limit", "1000000")
        company_a = env.company
        company_b = env["res.company"].create({"name": "Fault Company B"})
        Store = env["connector.store"]
        store_a = Store.create({"name": "Hostile A", "platform": "test", "company_id": company_a.id})
        store_b = Store.create({"name": "Hostile B", "platform": "test", "company_id": company_b.id})
        for store, secret in ((store_a, secrets["a"]), (store_b, secrets["b"])):
            env["integration.credential"].create({"store_id": store.id, "key": "webhook_secret",
                                                  "value": secret})
        user = env["res.users"].create({
            "name": "Hostile API user", "login": "hostile_api_user", "company_id": company_a.id,
            "company_ids": [(6, 0, company_a.ids)],
            "groups_id": [(6, 0, [env.ref("base.group_user").id,
                                  env.ref("store_connector_base.group_store_connector_user").id])],
        })
        key = env["res.users.apikeys"].with_user(user).sudo()._generate(API_KEY_SCOPE, "fault 8", None)
        return {"a": store_a.id, "b": store_b.id, "code_a": store_a.code, "code_b": store_b.code,
                "secrets": secrets, "key": key}


def cases(facts):
    """The hostile requests: (case name, expected statuses, request spec) where a spec is
    ("http", method, path, headers, body) or ("raw", raw request bytes)."""
    secret_a, secret_b = facts["secrets"]["a"], facts["secrets"]["b"]
    hook = f"/api/v1/stores/{facts['code_a']}/webhooks/orders"
    api = f"/api/v1/stores/{facts['code_a']}/sync/products"
    bearer = {"Authorization": f"Bearer {facts['key']}"}
    counter = iter(range(10**9))

    def signed(body, secret=secret_a, **extra):
        return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
                EVENT_HEADER: f"bad-{next(counter)}", **extra}

    result = []
    for name, body in {**malformed_bodies(), "empty": b""}.items():
        result.append((f"webhook, signed: {name}", {400},
                       lambda b=body: ("http", "POST", hook, signed(b), b)))
        result.append((f"webhook, unsigned: {name}", {401}, lambda b=body: (
            "http", "POST", hook,
            {"Content-Type": "application/json", EVENT_HEADER: f"bad-{next(counter)}"}, b)))
    good_looking = json.dumps({"id": 1, "order": {"id": "x"}}).encode()
    big = hostile.padded_json(MAX_BODY_BYTES + 1)
    bigger = hostile.padded_json(MAX_BODY_BYTES * 2)
    result += [
        ("webhook: store B's signature on store A's route", {401},
         lambda: ("http", "POST", hook, signed(good_looking, secret_b), good_looking)),
        ("webhook: garbage signature", {401}, lambda: ("http", "POST", hook, {
            "Content-Type": "application/json", SIGNATURE_HEADER: "not-a-signature!" * 5,
            EVENT_HEADER: f"bad-{next(counter)}"}, good_looking)),
        ("webhook: unknown kind", {404}, lambda: (
            "http", "POST", f"/api/v1/stores/{facts['code_a']}/webhooks/refunds-and-more",
            signed(good_looking), good_looking)),
        ("webhook: unknown store", {404}, lambda: (
            "http", "POST", "/api/v1/stores/no-such-store-code/webhooks/orders", signed(good_looking),
            good_looking)),
        ("webhook: 60 KB of headers", {431}, lambda: (
            "http", "POST", hook, signed(good_looking, **{"X-Padding": hostile.huge_header_value()}),
            good_looking)),
        ("webhook: wrong content type, unsigned", {401}, lambda: (
            "http", "POST", hook, {"Content-Type": "text/xml", EVENT_HEADER: f"bad-{next(counter)}"},
            b"<order id='1'/>")),
        ("webhook: over the limit, Content-Length", {413}, lambda: (
            "http", "POST", hook, signed(big), big)),
        ("webhook: over the limit, chunked", {413}, lambda: (
            "raw", hostile.http_request("POST", hook, signed(bigger), bigger, chunked=True))),
        ("webhook: broken chunked framing", {400}, lambda: (
            "raw", hostile.http_request("POST", hook, signed(good_looking), chunked=True)[:-5]
            + b"zz\r\n" + good_looking + b"\r\n0\r\n\r\n")),
        ("webhook: a body with neither Content-Length nor chunks", {400, 401, 411}, lambda: (
            "raw", hostile.http_request("POST", hook, signed(good_looking), good_looking,
                                        content_length=False))),
    ]
    for name in ("deeply nested array", "deeply nested object", "valid JSON nested too deep"):
        body = malformed_bodies()[name]
        result.append((f"platform endpoint: {name}", {400}, lambda b=body: (
            "http", "POST", "/store_connector/webhook/test",
            signed(b, **{SHOP_HEADER: facts["code_a"]}), b)))
    for name, body in malformed_bodies().items():
        result.append((f"sync API: {name}", {422}, lambda b=body: (
            "http", "POST", api, {**bearer, "Content-Type": "application/json"}, b)))
    skus = json.dumps({"skus": ["SKU-A"]}).encode()
    result += [
        ("sync API: form-encoded body", {415}, lambda: (
            "http", "POST", api, {**bearer, "Content-Type": "application/x-www-form-urlencoded"}, b"skus=A")),
        ("sync API: text/plain body", {415}, lambda: (
            "http", "POST", api, {**bearer, "Content-Type": "text/plain"}, skus)),
        ("sync API: over the limit", {413}, lambda: (
            "http", "POST", api, {**bearer, "Content-Type": "application/json"}, big)),
        ("sync API: over the limit, chunked", {413}, lambda: (
            "raw", hostile.http_request("POST", api, {**bearer, "Content-Type": "application/json"},
                                        bigger, chunked=True))),
        ("sync API: 60 KB of headers", {431}, lambda: (
            "http", "POST", api, {**bearer, "Content-Type": "application/json",
                                  "X-Padding": hostile.huge_header_value()}, skus)),
        ("sync API: no key", {401},
         lambda: ("http", "POST", api, {"Content-Type": "application/json"}, skus)),
        ("sync API: a wrong key", {401}, lambda: (
            "http", "POST", api, {"Authorization": "Bearer " + "0" * 40, "Content-Type": "application/json"},
            skus)),
        ("sync API: another company's store", {404}, lambda: (
            "http", "POST", f"/api/v1/stores/{facts['code_b']}/sync/products",
            {**bearer, "Content-Type": "application/json"}, skus)),
    ]
    return result


class Sender:
    """Sends requests from many threads, one HTTP session per thread."""

    def __init__(self):
        self.local = threading.local()

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def send(self, base_url, spec):
        """:returns: the status (None when the server answered nothing)."""
        if spec[0] == "raw":
            status, _answer = hostile.raw_request(base_url, spec[1], read_seconds=20)
            return status
        _kind, method, path, headers, body = spec
        try:
            response = self.session().request(method, base_url + path, data=body, headers=headers, timeout=60)
        except requests.RequestException:
            return None
        return response.status_code


def run(ctx):
    rounds = 2 if ctx.short else 20
    good_count = 300 if ctx.short else 3000
    threads = 8 if ctx.short else 16
    db = ctx.database()
    oe = ctx.env(db)
    facts = setup(oe)
    options = {"store_connector_webhook_max_bytes": MAX_BODY_BYTES}
    servers = [ctx.server(db, workers=2, max_cron_threads=1, options=options),
               ctx.server(db, workers=0, max_cron_threads=1, options=options)]

    battery = cases(facts)
    # Good deliveries go to the "products" kind: the test platform records them (its order kind
    # wants a normalized order).
    hook = f"/api/v1/stores/{facts['code_a']}/webhooks/products"
    tasks = [("hostile", name, expected, make)
             for _round in range(rounds) for name, expected, make in battery]
    for n in range(good_count):
        body = json.dumps({"id": n, "note": "a good delivery between hostile ones"}).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(facts["secrets"]["a"], body),
                   EVENT_HEADER: f"good-{n}"}
        tasks.append(("good", f"good-{n}", {200}, lambda h=headers, b=body: ("http", "POST", hook, h, b)))
    random.Random(8).shuffle(tasks)
    ctx.log(f"{len(tasks) - good_count} hostile requests ({len(battery)} cases x {rounds}) and {good_count} "
            f"good deliveries, {threads} at a time, over {len(servers)} servers")

    sender = Sender()
    outcomes = collections.defaultdict(collections.Counter)  # case -> Counter(status)
    good_ok = []
    lock = threading.Lock()

    def one(index_task):
        index, (kind, name, expected, make) = index_task
        status = sender.send(servers[index % len(servers)].url, make())
        with lock:
            if kind == "good":
                if status in expected:
                    good_ok.append(name)
                else:
                    outcomes["good delivery"][status] += 1
            else:
                outcomes[name][status] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, enumerate(tasks)))
    sent_seconds = time.monotonic() - started

    problems = []
    expected_of = {name: expected for name, expected, _make in battery}
    for name, statuses in sorted(outcomes.items()):
        if name == "good delivery":
            problems.append(f"{sum(statuses.values())} good deliveries were not answered 200: "
                            + ", ".join(f"{count} x {status}" for status, count in statuses.items()))
            continue
        wrong = {status: count for status, count in statuses.items() if status not in expected_of[name]}
        if wrong:
            problems.append(f"{name}: {sum(wrong.values())} of {sum(statuses.values())} answered "
                            + ", ".join(f"{count} x {status}" for status, count in wrong.items())
                            + f" (expected {'/'.join(map(str, sorted(expected_of[name])))})")

    def queue_drained():
        return not oe.sql("""SELECT count(*) FROM sync_job WHERE store_id IN %s
                              AND state IN ('pending', 'processing')""", [(facts["a"], facts["b"])])[0][0]

    recovery = None
    try:
        recovery = ctx.wait_until(queue_drained, 300 if not ctx.short else 180)
    except TimeoutError:
        problems.append("good deliveries' jobs were still pending or processing after the wait")

    stored = dict(oe.sql("SELECT event_id, store_id FROM store_webhook_delivery WHERE store_id IN %s",
                         [(facts["a"], facts["b"])]))
    garbage = sorted(event for event in stored if not event.startswith("good-"))
    if garbage:
        problems.append(f"{len(garbage)} hostile deliveries were stored: {', '.join(garbage[:5])}")
    if any(store == facts["b"] for store in stored.values()):
        problems.append("store B received deliveries although nothing good was sent to it")
    missing = sorted(set(good_ok) - set(stored))
    if missing:
        problems.append(f"{len(missing)} good deliveries answered 200 are not in the database: "
                        f"{', '.join(missing[:5])}")
    jobs = oe.sql("""SELECT j.id, j.operation, j.state, j.last_error, j.res_ids, COALESCE(j.retry_count, 0)
                       FROM sync_job j
                      WHERE j.store_id IN %s""", [(facts["a"], facts["b"])])
    foreign = [job for job in jobs if job[1] != "webhook.products"]
    if foreign:
        problems.append(f"{len(foreign)} jobs were queued by hostile requests: "
                        + ", ".join(f"{job_id} ({operation})" for job_id, operation, *_rest in foreign[:5]))
    state = collections.Counter(job[2] for job in jobs)
    for job_id, _operation, job_state, error, _res, _retries in jobs:
        if job_state == "failed":
            problems.append(f"job {job_id} of a good delivery failed: {(error or '')[:200]}")
    in_jobs = collections.Counter(delivery for job in jobs for delivery in (job[4] or []))
    run_twice = sum(1 for count in in_jobs.values() if count > 1)
    undone = oe.sql("""SELECT count(*) FROM store_webhook_delivery d LEFT JOIN sync_job j ON j.id = d.job_id
                        WHERE d.store_id = %s AND (j.id IS NULL OR j.state <> 'done')""", [facts["a"]])[0][0]
    for server in servers:
        for line in server.log_problems()[:5]:
            problems.append(f"{server.name} logged: {line}")
    hostile_sent = len(tasks) - good_count
    return Row(
        fault=TITLE,
        load=f"{hostile_sent} hostile requests ({len(battery)} kinds) + {good_count} good deliveries, "
             f"{threads} parallel, 2 servers",
        accepted=len(good_ok),
        done=state.get("done", 0),
        retried=sum(job[5] for job in jobs),
        failed=state.get("failed", 0),
        lost=len(missing) + undone,
        run_twice=run_twice,
        recovery_seconds=recovery,
        problems=problems,
        note=f"sent in {sent_seconds:.0f} s; jobs done: {state.get('done', 0)} for {len(stored)} deliveries "
             "(a job may hold several)",
    )
