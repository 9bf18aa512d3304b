"""The probe jobs of the test platform (`connector.store._job_fault_probe`, see
tests/addons/store_connector_test_platform/models/fault_probe.py) as the fault modules use them:
enqueue many at once, and count what happened to them from the job table and the probe's record of
every start (`fault_probe_run`, committed apart from the job, so a rolled back or killed start is seen)
and of every finish (`fault_probe_finish`, committed with the job's outcome)."""

from dataclasses import dataclass, field

# fault_probe_run with its finish time (NULL: not finished), as "runs".
RUNS = """(SELECT r.*, f.finished_at FROM fault_probe_run r
             LEFT JOIN fault_probe_finish f ON f.run_id = r.id) runs"""

OPERATION = "fault.probe"
HANDLER = "_job_fault_probe"


def create_store(odoo_env, name):
    """A committed store of the test platform; returns its id."""
    with odoo_env.env() as env:
        return env["connector.store"].create({"name": name, "platform": "test"}).id


def enqueue(odoo_env, store_id, payloads, prefix):
    """Queue one probe job per payload (keyed `prefix:<n>`, written in one statement); returns their ids."""
    with odoo_env.env() as env:
        store = env["connector.store"].browse(store_id)
        items = [(store, f"{prefix}:{n}", payload) for n, payload in enumerate(payloads)]
        jobs = env["sync.job"]._enqueue_many(store, OPERATION, HANDLER, items)
        return jobs.ids


@dataclass
class ProbeCount:
    """What happened to the probe jobs of a store."""

    jobs: int = 0
    done: int = 0
    failed: int = 0
    pending: int = 0
    processing: int = 0
    retried: int = 0            # attempts counted again (retry_count summed)
    crashes: int = 0            # jobs whose last error is a lost worker
    starts: int = 0             # starts recorded by the probe
    run_twice: int = 0          # jobs started more often than their attempts allow, or finished twice
    unfinished_done: int = 0    # done jobs whose run never finished (their effect was not committed)
    by_worker: dict = field(default_factory=dict)   # finished runs per "host:pid"
    failures: list = field(default_factory=list)    # (job id, error) of failed jobs

    @property
    def lost(self):
        """Queued and neither done nor failed with a reason (still pending or processing), or done
        without its effect."""
        return self.pending + self.processing + self.unfinished_done


def count(odoo_env, store_id, job_ids=None):
    rows = odoo_env.sql(
        """SELECT j.id, j.state, COALESCE(j.retry_count, 0), j.error_kind, j.last_error,
                  (SELECT count(*) FROM fault_probe_run r WHERE r.job_id = j.id),
                  (SELECT count(*) FROM fault_probe_run r JOIN fault_probe_finish f ON f.run_id = r.id
                    WHERE r.job_id = j.id)
             FROM sync_job j
            WHERE j.store_id = %s AND j.method_name = %s AND (%s::int[] IS NULL OR j.id = ANY(%s::int[]))""",
        [store_id, HANDLER, job_ids, job_ids])
    result = ProbeCount(jobs=len(rows))
    for _job_id, state, retries, kind, error, starts, finished in rows:
        if state in ("done", "failed", "pending", "processing"):
            setattr(result, state, getattr(result, state) + 1)
        result.retried += retries
        result.crashes += kind == "crash"
        result.starts += starts
        # Each recorded attempt (a crash or a retry) allows one more start; a second finished run is a
        # committed effect doubled.
        if starts > 1 + retries or finished > 1:
            result.run_twice += 1
        if state == "done" and finished != 1:
            result.unfinished_done += 1
        if state == "failed":
            result.failures.append((_job_id, error))
    for worker, runs in odoo_env.sql(
            """SELECT split_part(r.worker, ':', 1) || ':' || r.pid, count(*) FROM fault_probe_run r
                 JOIN fault_probe_finish f ON f.run_id = r.id
                 JOIN sync_job j ON j.id = r.job_id
                WHERE j.store_id = %s GROUP BY 1""", [store_id]):
        result.by_worker[worker] = runs
    return result


def starts_of(odoo_env, job_id):
    """[(attempt, worker, pid, started_at, finished_at)] of one job, in order."""
    return odoo_env.sql(
        f"""SELECT attempt, worker, pid, started_at, finished_at FROM {RUNS}
            WHERE job_id = %s ORDER BY id""", [job_id])
