import json
import logging
import os
import random
import socket
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg2.errorcodes
import psycopg2.errors
import requests
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INERROR

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, config

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB

from .. import const, labels
from ..exceptions import (
    PermanentJobError,
    PlatformUnavailable,
    RetryableJobError,
    StoreAuthError,
    StoreCredentialMissing,
    TestModeNotSent,
)
from ..services import cron_wakeup, rate_limiter
from ..services.logs import JOB_LOGGER, get_logger
from ..services.redact import safe_message

_logger = get_logger(__name__)
# One line per job outcome, for people following the queue (services/logs.py).
_job_logger = logging.getLogger(JOB_LOGGER)
# Longest summary a job outcome line quotes.
OUTCOME_SUMMARY_LIMIT = 300

RUNNER_CRON_XMLID = "store_connector_base.ir_cron_sync_job_runner"
# The lanes of the runner made at install, the first included (data/ir_cron_runner_lanes_data.xml): Odoo
# runs a cron record in one worker at a time across all servers, so the queue runs in as many workers at
# once as there are active lanes. System Parameter store_connector.runner_count makes more or archives
# some (`SyncJob._sync_runner_crons`).
RUNNER_LANE_XMLIDS = (
    RUNNER_CRON_XMLID,
    "store_connector_base.ir_cron_sync_job_runner_lane_2",
    "store_connector_base.ir_cron_sync_job_runner_lane_3",
)
_TRIGGER_KEY = "store_connector.runner_trigger_at"
_TRIGGER_JOBS_KEY = "store_connector.runner_trigger_jobs"
# The runners after the first (System Parameter store_connector.runner_count): ir.cron records of
# the same method, made and archived by `SyncJob._sync_runner_crons`, with the XML ids
# store_connector_base.ir_cron_sync_job_runner_lane_<n> (n = 2, 3...).
RUNNER_MODULE = "store_connector_base"
HELPER_RUNNER_NAME = "ir_cron_sync_job_runner_lane_"
# Behind the first runner and Odoo's own crons (priority 5) in a cron worker's round.
HELPER_RUNNER_PRIORITY = 10

# Whether a cron other than the runners is due (its next call passed, or a trigger): a helper runner
# then ends its chain of calls, so that its worker runs that cron next. A cron that another worker
# is running counts too (it stays due until it ends): the helper still does one call each round.
_OTHER_CRONS_DUE_SQL = """
SELECT EXISTS (
    SELECT 1 FROM ir_cron c
     WHERE c.active AND NOT c.id = ANY(%(runners)s)
       AND (c.nextcall <= (statement_timestamp() AT TIME ZONE 'UTC')
            OR EXISTS (SELECT 1 FROM ir_cron_trigger t
                        WHERE t.cron_id = c.id AND t.call_at <= (statement_timestamp() AT TIME ZONE 'UTC'))))
"""

# Waking helper runners: a trigger for each of the given crons that has none due yet (one already due
# wakes it as well). Their ids come in runner order; only active ones are woken.
_WAKE_HELPERS_SQL = """
INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
SELECT c.id, clock_timestamp() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
  FROM ir_cron c
 WHERE c.id = ANY(%(crons)s) AND c.active
   AND NOT EXISTS (SELECT 1 FROM ir_cron_trigger t
                    WHERE t.cron_id = c.id AND t.call_at <= clock_timestamp() AT TIME ZONE 'UTC')
RETURNING cron_id
"""

# Which runners are running a call: each holds the session-level advisory lock
# (_RUNNING_LOCK_NAMESPACE, its runner number) for the whole call (`_take_runner_lock`). A transaction
# that queued due jobs wakes the first active runner whose lock it can share (one not running: see
# `_trigger_runner`), so that a job queued while the first runner works through a long job is run by
# another worker at once, and one delivery never wakes every runner. Nothing is written: a probe costs
# no row, no WAL, and the lock dies with the runner's connection.
_RUNNING_LOCK_NAMESPACE = 731_540_039
# The wake-up's trigger (`_trigger_runner`): for the first active runner not running, in runner order.
_WAKE_SQL = """
INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
SELECT COALESCE((SELECT r.cron FROM unnest(%(numbers)s::int[], %(crons)s::int[]) AS r(number, cron)
                   JOIN ir_cron c ON c.id = r.cron AND c.active
                  WHERE %(due)s AND pg_try_advisory_xact_lock_shared(%(namespace)s, r.number)
                  ORDER BY r.number LIMIT 1), %(first)s),
       GREATEST(%(when)s, clock_timestamp() AT TIME ZONE 'UTC'),
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
RETURNING cron_id
"""



def wake_values(runners, due=True, when=None):
    """The parameters of _WAKE_SQL for `runners` ([(runner number, ir.cron id)], the first runner
    first; see `SyncJob._runner_cron_ids`): a trigger due now (or at `when`, UTC)."""
    return {"numbers": [number for number, _cron in runners], "crons": [cron for _number, cron in runners],
            "due": due, "namespace": _RUNNING_LOCK_NAMESPACE, "first": runners[0][1], "when": when}


# The database clock at the time of the statement, in UTC like every Datetime column. Not now():
# that is the start of the transaction, which in a long transaction (a button, a test) is older
# than the times the ORM writes.
NOW = "(statement_timestamp() AT TIME ZONE 'UTC')"
_NOW = SQL(NOW)

# Columns a claim returns and puts in the ORM cache, so that running a job reads nothing back.
_CLAIM_COLUMNS = (
    "store_id", "company_id", "operation", "direction", "model_name", "res_ids", "method_name",
    "payload", "state", "priority", "retry_count", "max_retries", "next_attempt_at", "identity_key",
    "started_at", "worker", "lease_key",
)

# Claiming. The due pending jobs of each runnable store are read per (store, priority) "lane" from
# the index (store_id, priority, next_attempt_at, id) WHERE state = 'pending': inside a lane the
# due jobs are one contiguous index range, so the cost of a claim depends on the batch size and
# the number of lanes, never on how many jobs wait (not yet due, or of a paused store). The
# priorities present in a store are found by skipping through the same index (a loose index scan).
# SKIP LOCKED inside each lane lets concurrent workers take disjoint batches without waiting.
#
# A store with `max_parallel_jobs` (its cap) has at most that many workers running its jobs at
# once: a worker runs the jobs it claimed one after another, so the jobs of a store running at the
# same time are those of the distinct workers holding its processing jobs. A claim takes jobs of a
# capped store only while fewer other workers hold some (`_FREE_SLOT`); the store's other jobs stay
# pending for a later claim, and the other stores' jobs fill the batch. Counting those workers and
# claiming must not race with another worker's claim of the same store (both would see the same
# free slot): `_CAPPED_STORES_SQL` first takes a transaction advisory lock per capped store, in a
# statement of its own, so that the claim's snapshot is taken after any other claim of those stores
# committed; a capped store whose lock another claim holds right now is left to that claim (never
# waited for: a button's claim may hold it for a while).
_FREE_SLOT = """(COALESCE({store}.max_parallel_jobs, 0) = 0 OR (
        {store}.id = ANY(%(capped)s::int[])
        AND {store}.max_parallel_jobs > (
            SELECT count(DISTINCT w.worker) FROM sync_job w
             WHERE w.state = 'processing' AND w.store_id = {store}.id
               AND w.worker IS DISTINCT FROM %(worker)s)))"""
_CLAIM_SQL = f"""
WITH RECURSIVE runnable AS (
    SELECT id FROM connector_store s
     WHERE active AND paused IS NOT TRUE
       AND (%(stores)s::int[] IS NULL OR id = ANY(%(stores)s::int[]))
       AND {_FREE_SLOT.format(store="s")}
       -- A store whose platform does not answer runs only its probe (see _PROBE_STORES_SQL).
       AND (s.platform_outage_since IS NULL OR s.id = ANY(%(probing)s::int[]))
), lanes AS (
    SELECT r.id AS store_id,
           (SELECT min(p.priority) FROM sync_job p
             WHERE p.state = 'pending' AND p.store_id = r.id) AS priority
      FROM runnable r
    UNION ALL
    SELECT l.store_id,
           (SELECT min(p.priority) FROM sync_job p
             WHERE p.state = 'pending' AND p.store_id = l.store_id AND p.priority > l.priority)
      FROM lanes l
     WHERE l.priority IS NOT NULL AND NOT l.store_id = ANY(%(probing)s::int[])
), candidates AS (
    SELECT c.id, c.priority, c.next_attempt_at
      FROM lanes l
     CROSS JOIN LATERAL (
            SELECT j.id, j.priority, j.next_attempt_at
              FROM sync_job j
             WHERE j.state = 'pending' AND j.store_id = l.store_id AND j.priority = l.priority
               AND j.next_attempt_at <= {NOW}
             ORDER BY j.next_attempt_at, j.id
             LIMIT CASE WHEN l.store_id = ANY(%(probing)s::int[]) THEN 1 ELSE %(limit)s END
               FOR UPDATE SKIP LOCKED) c
     WHERE l.priority IS NOT NULL
), closed_candidates AS (
    -- Jobs that run whatever their store's state (SyncJob.run_when_archived), from the stores the
    -- lanes leave out (archived or paused); their own small index. On a paused store, a job that
    -- the platform refused waits for new credentials like the others, rather than run again and
    -- again.
    SELECT j.id, j.priority, j.next_attempt_at
      FROM sync_job j
      JOIN connector_store s ON s.id = j.store_id
     WHERE j.state = 'pending' AND j.run_when_archived AND j.next_attempt_at <= {NOW}
       AND NOT (s.active AND s.paused IS NOT TRUE)
       AND NOT (s.paused IS TRUE AND j.error_kind IS NOT DISTINCT FROM 'auth')
       AND (%(stores)s::int[] IS NULL OR s.id = ANY(%(stores)s::int[]))
       AND {_FREE_SLOT.format(store="s")}
     ORDER BY j.priority, j.next_attempt_at, j.id
     LIMIT %(limit)s
       FOR UPDATE OF j SKIP LOCKED
), picked AS (
    SELECT id FROM (SELECT * FROM candidates UNION ALL SELECT * FROM closed_candidates) c
     ORDER BY priority, next_attempt_at, id LIMIT %(limit)s
)
UPDATE sync_job j
   SET state = 'processing', worker = %(worker)s, lease_key = %(lease)s, started_at = {NOW},
       finished_at = NULL
  FROM picked
 WHERE j.id = picked.id
RETURNING j.id, {", ".join(f"j.{c}" for c in _CLAIM_COLUMNS)},
          (SELECT COALESCE(s.consecutive_failures, 0) + COALESCE(s.platform_error_streak, 0)
             FROM connector_store s WHERE s.id = j.store_id) AS store_streak,
          (SELECT s.platform FROM connector_store s WHERE s.id = j.store_id) AS store_platform
"""

# Claiming named jobs (Run Now): due or not, whatever their store's pause; not those of a store
# whose cap other workers fill (they stay pending for the runner).
_CLAIM_IDS_SQL = f"""
UPDATE sync_job j
   SET state = 'processing', worker = %(worker)s, lease_key = %(lease)s, started_at = {NOW},
       finished_at = NULL
  FROM (SELECT n.id FROM sync_job n JOIN connector_store s ON s.id = n.store_id
         WHERE n.id = ANY(%(ids)s) AND n.state = 'pending' AND {_FREE_SLOT.format(store="s")}
         ORDER BY n.id FOR UPDATE OF n SKIP LOCKED) picked
 WHERE j.id = picked.id
RETURNING j.id, {", ".join(f"j.{c}" for c in _CLAIM_COLUMNS)},
          (SELECT COALESCE(s.consecutive_failures, 0) + COALESCE(s.platform_error_streak, 0)
             FROM connector_store s WHERE s.id = j.store_id) AS store_streak,
          (SELECT s.platform FROM connector_store s WHERE s.id = j.store_id) AS store_platform
"""

# The capped stores a claim may take jobs of (see _CLAIM_SQL): those of the claim's scope whose
# advisory lock this transaction gets. Its own statement, before the claim's.
_CAPPED_STORES_SQL = """
SELECT s.id, pg_try_advisory_xact_lock(%(namespace)s, s.id) AS locked FROM connector_store s
 WHERE s.max_parallel_jobs > 0
   AND (%(stores)s::int[] IS NULL OR s.id = ANY(%(stores)s::int[]))
   AND (%(ids)s::int[] IS NULL OR s.id IN (SELECT store_id FROM sync_job WHERE id = ANY(%(ids)s::int[])))
 ORDER BY s.id
"""
# The stores in a platform outage (connector_store_outage.py) whose next probe is due and that have a due
# job: their probe time moves a lease ahead, in this claim's transaction, so that of concurrent claims
# only one takes the probe (READ COMMITTED: a second claim waits for the first's row lock, then sees the
# new time and skips the store). The claim then takes one job of each (the first due one of its most
# urgent lane); `_claim_rows` records it as the probe, or gives the probe back when none was taken.
# Its own statement, before the claim's.
_PROBE_STORES_SQL = f"""
UPDATE connector_store s
   SET platform_outage_probe_at = {NOW} + %(lease)s * interval '1 second'
 WHERE s.platform_outage_since IS NOT NULL AND COALESCE(s.platform_outage_probe_at, {NOW}) <= {NOW}
   AND s.active AND s.paused IS NOT TRUE
   AND (%(stores)s::int[] IS NULL OR s.id = ANY(%(stores)s::int[]))
   AND EXISTS (SELECT 1 FROM sync_job j
                WHERE j.state = 'pending' AND j.store_id = s.id AND j.next_attempt_at <= {NOW})
RETURNING s.id
"""

# First key of the two-int advisory lock of a capped store's claims (the second is the store id);
# an arbitrary constant that no other lock of the suite uses.
_CLAIM_LOCK_NAMESPACE = 731_540_037

# Liveness. A worker that claims with its own commits (the runner) first takes a session-level
# advisory lock, its lease: (_LEASE_LOCK_NAMESPACE, key), the key drawn from _LEASE_SEQUENCE for
# this runner call alone, and writes the key on every job it claims (lease_key). The lock is taken
# before any claim commits and released after the last of its jobs' final states committed (or
# those it did not start were given back), so a processing job whose lease nobody holds was left
# by a worker that is gone: PostgreSQL drops a session's locks when its connection closes, whether
# the process exited, was killed or lost the network. `_requeue_stuck` reads pg_locks (no lock of
# its own, no side effect) and requeues exactly those jobs, whatever their age; a job whose lease
# is held is never requeued, however long it runs. A claim inside a request takes no lease: its
# jobs' processing state commits only with their outcome. Jobs left processing without a lease (by
# a version before leases) keep the old rule: requeued after store_connector.job_timeout_minutes.
_LEASE_LOCK_NAMESPACE = 731_540_038
_LEASE_SEQUENCE = "sync_job_lease_seq"
# Keys are int4 (the two-int form of the advisory lock functions), so the sequence cycles: a key
# comes back only after 2^31 more runner calls, and it is only compared with the leases alive now.
_TAKE_LEASE_SQL = """
SELECT key FROM (SELECT nextval(%(sequence)s)::int AS key) k
 WHERE pg_try_advisory_lock(%(namespace)s, key)
"""
# The processing jobs of dead workers: leased jobs whose lease no session holds, and lease-less
# jobs older than the timeout. Read first (the `stuck` snapshot), then locked with their lease
# rechecked: should another requeuer give a job back and a worker claim it again meanwhile, the
# lock's recheck sees the new lease key (or the new start time) and leaves the job alone.
_STUCK_SQL = """
WITH held AS (
    SELECT objid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND classid = %(namespace)s AND objsubid = 2
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
), stuck AS (
    SELECT j.id, j.lease_key FROM sync_job j
     WHERE j.state = 'processing'
       AND CASE WHEN j.lease_key IS NULL
                THEN j.started_at < %(now)s - %(minutes)s * interval '1 minute'
                ELSE j.lease_key::oid NOT IN (SELECT objid FROM held) END
)
SELECT j.id, j.store_id, COALESCE(j.retry_count, 0) >= j.max_retries, j.lease_key IS NOT NULL
  FROM sync_job j
  JOIN stuck ON stuck.id = j.id
 WHERE j.state = 'processing' AND j.lease_key IS NOT DISTINCT FROM stuck.lease_key
   AND (j.lease_key IS NOT NULL OR j.started_at < %(now)s - %(minutes)s * interval '1 minute')
 ORDER BY j.id
   FOR UPDATE OF j SKIP LOCKED
"""

# Back to pending. A job whose identity key already has a pending job (queued while this one ran,
# or another job of the same batch) is cancelled instead: the pending one is newer and carries the
# latest payload, and the unique index allows one pending job per key.
_REOPEN_SQL = """
WITH target AS (
    SELECT j.id,
           j.identity_key IS NOT NULL AND (
               row_number() OVER (PARTITION BY j.store_id, j.identity_key ORDER BY j.id DESC) > 1
               OR EXISTS (SELECT 1 FROM sync_job d
                           WHERE d.store_id = j.store_id AND d.identity_key = j.identity_key
                             AND d.state = 'pending' AND NOT d.id = ANY(%(ids)s))
           ) AS superseded
      FROM sync_job j
     WHERE j.id = ANY(%(ids)s)
)
UPDATE sync_job
   SET state = CASE WHEN target.superseded THEN 'cancelled' ELSE 'pending' END,
       result = CASE WHEN target.superseded THEN %(superseded)s ELSE sync_job.result END,
       %(assignments)s
  FROM target
 WHERE sync_job.id = target.id
RETURNING sync_job.id, sync_job.state
"""

# A superseded job whose model accumulates its targets (a webhook delivery job holds all the
# deliveries of its key, see store.webhook.delivery) hands them to the job that supersedes it, its
# heir: the heir acts on the newest of all of them, none is dropped. One row per (superseded, heir).
_HAND_OVER_SQL = """
WITH pairs AS (
    SELECT * FROM unnest(%(gone)s::int[], %(heirs)s::int[]) AS p(gone_id, heir_id)
), targets AS (
    SELECT p.heir_id, e.value AS target
      FROM pairs p JOIN sync_job g ON g.id = p.gone_id,
           jsonb_array_elements(COALESCE(g.res_ids, '[]'::jsonb)) AS e(value)
     UNION
    SELECT h.id, e.value
      FROM sync_job h, jsonb_array_elements(COALESCE(h.res_ids, '[]'::jsonb)) AS e(value)
     WHERE h.id IN (SELECT heir_id FROM pairs)
)
UPDATE sync_job h
   SET res_ids = (SELECT jsonb_agg(t.target ORDER BY t.target) FROM targets t WHERE t.heir_id = h.id)
 WHERE h.id IN (SELECT heir_id FROM pairs)
RETURNING h.id
"""

# The pending heir of each superseded job of an accumulating model (see _HAND_OVER_SQL).
_PENDING_HEIRS_SQL = """
SELECT g.id, h.id
  FROM sync_job g
  JOIN sync_job h ON h.store_id = g.store_id AND h.identity_key = g.identity_key AND h.state = 'pending'
                 AND h.model_name = g.model_name AND h.method_name = g.method_name AND h.id <> g.id
 WHERE g.id = ANY(%(ids)s) AND g.state = 'cancelled' AND g.model_name = ANY(%(models)s)
"""

# Enqueueing keyed jobs: one statement for all the keys of a call, each inserted or merged into the
# pending job of its store and key (the partial unique index). Concurrent enqueues of the same key
# cannot both insert: the later one waits for the earlier to commit, then (Odoo's transactions are
# REPEATABLE READ) fails with a serialization error that Odoo's request and job retries run again.
_UPSERT_SQL = """
INSERT INTO sync_job (store_id, company_id, operation, direction, model_name, res_ids, method_name,
                      payload, state, priority, retry_count, max_retries, next_attempt_at,
                      identity_key, create_uid, create_date, write_uid, write_date)
SELECT %(store_id)s, %(company_id)s, %(operation)s, %(direction)s, v.model_name, v.res_ids::jsonb,
       %(method_name)s, v.payload::jsonb, 'pending', %(priority)s, 0, %(max_retries)s,
       %(next_attempt_at)s, v.identity_key, %(uid)s, %(now)s, %(uid)s, %(now)s
  FROM unnest(%(keys)s::varchar[], %(models)s::varchar[], %(res_ids)s::text[], %(payloads)s::text[])
       AS v(identity_key, model_name, res_ids, payload)
ON CONFLICT (store_id, identity_key) WHERE state = 'pending' AND identity_key IS NOT NULL
DO UPDATE SET payload = EXCLUDED.payload,
              res_ids = EXCLUDED.res_ids,
              model_name = EXCLUDED.model_name,
              method_name = EXCLUDED.method_name,
              operation = EXCLUDED.operation,
              direction = EXCLUDED.direction,
              priority = LEAST(sync_job.priority, EXCLUDED.priority),
              next_attempt_at = GREATEST(sync_job.next_attempt_at, EXCLUDED.next_attempt_at),
              write_uid = EXCLUDED.write_uid,
              write_date = EXCLUDED.write_date
RETURNING id
"""

_worker_host = socket.gethostname()

# What a job retries as a race with another worker, not a fault of its own: Odoo's concurrency errors
# (serialization failure, deadlock, lock timeout), and a unique violation: two workers running jobs
# about the same platform record at once (two deliveries of one order, queued while the first one's
# job already ran) both create it; the first commits, the second is refused by the unique index,
# and its retry finds the record and updates it.
_CONCURRENCY_EXCEPTIONS = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, psycopg2.errors.UniqueViolation)


class HeirNotVisible(psycopg2.errors.SerializationFailure):
    """A concurrent update this transaction cannot see, found by the queue itself rather than by
    PostgreSQL: retried as one. It carries PostgreSQL's code, which Odoo's request retry reads."""

    pgcode = psycopg2.errorcodes.SERIALIZATION_FAILURE

# Managers only: a payload may carry an order or a customer (personal data), like a delivery's body.
MANAGER_GROUP = "store_connector_base.group_store_connector_manager"

# The fields of a job a caller may still change (through the job form, or over RPC, given the
# write access): when it runs and how often it is retried. Everything else says what the job runs,
# as superuser, and is written by the enqueue API alone (see SyncJob.create and SyncJob.write).
_CALLER_WRITABLE_FIELDS = frozenset({"priority", "max_retries", "next_attempt_at"})


def _utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


class SyncJob(models.Model):
    """A unit of synchronisation work, run by the queue runner cron.

    Lifecycle: pending -> processing -> done | failed (| cancelled by hand). Workers claim due
    pending jobs with ``FOR UPDATE SKIP LOCKED`` so two workers never run the same job, and never
    more workers at once on a store than its `max_parallel_jobs` (see _CLAIM_SQL); each job
    runs in its own savepoint and its effects commit with its new state; a retryable failure goes
    back to pending with exponential backoff and jitter (or the platform's Retry-After); a
    permanent one fails at once with a message the merchant can act on; an authentication failure
    pauses the store until new credentials are saved.

    Liveness is a fact of the database, not a guess from the clock: the runner holds a
    session-level advisory lock (its lease) for as long as it runs the jobs it claimed, and writes
    the lease's key on them; PostgreSQL drops the lock when the worker's connection closes (exit,
    kill -9, lost network). A processing job whose lease no session holds is put back to pending
    by the next runner call (within a minute), whatever its age, and one whose lease is held is
    never touched, however long it runs (see _LEASE_LOCK_NAMESPACE). The lost attempt counts as a
    retry, so a job that kills its worker every time ends failed. Jobs left processing without a
    lease (by a version before leases) are put back after a timeout, as before.

    A job calls ``env[model_name].browse(res_ids).<method_name>(job)`` as superuser, in the company
    of its store (whoever runs the queue), with ``sync_job_id`` in the context; handler names start
    with ``_job_`` so that no other method can be reached through a job. What the handler returns
    is stored in ``result``. Its payload, which may hold customers' data, is for Managers.

    Since whoever decides what a job runs runs code as superuser, only the enqueue API
    (`_enqueue`, `_enqueue_many`, and the webhook intake's insert) sets it: no caller creates a
    job, and a caller with write access may only reschedule one (_CALLER_WRITABLE_FIELDS).
    Before a handler runs, the runner asks the target model which of the records belong to the
    job's store (`_sync_job_store_records`, a hook every model with job handlers declares); a job
    naming any other record fails without running.

    State changes are raw SQL on purpose: the queue must run hundreds of jobs a second per worker.
    """

    _name = "sync.job"
    _description = "Store Sync Job"
    _order = "id desc"
    _rec_name = "operation"

    # Every index of this table is paid by each delivery the intake stores (its job is inserted with
    # it) and twice more by the runner (a job's state changes are never HOT updates: the state is in
    # the partial indexes' predicates). So the columns that queries look up with the store (state,
    # operation, identity key) have partial indexes of their own in `init`, none of which holds the
    # done jobs; company_id and operation have none (a company or an operation matches most rows).
    store_id = fields.Many2one(
        "connector.store", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    operation = fields.Char(
        required=True, readonly=True, help="What the job does, e.g. orders.import."
    )
    direction = fields.Selection(const.JOB_DIRECTIONS, required=True, default="import", readonly=True)
    model_name = fields.Char(string="Target Model", required=True, readonly=True)
    res_ids = fields.Json(string="Target Records", readonly=True)
    method_name = fields.Char(string="Handler", required=True, readonly=True)
    payload = fields.Json(copy=False, readonly=True, groups=MANAGER_GROUP)
    state = fields.Selection(const.JOB_STATES, required=True, default="pending", copy=False, readonly=True)
    priority = fields.Integer(required=True, default=10, help="Lower runs first.")
    retry_count = fields.Integer(default=0, copy=False, readonly=True)
    max_retries = fields.Integer(required=True, default=const.DEFAULT_MAX_RETRIES)
    next_attempt_at = fields.Datetime(
        string="Next Attempt", required=True, default=fields.Datetime.now, copy=False,
        help="The job does not run before this time.",
    )
    last_error = fields.Text(copy=False, readonly=True)
    error_kind = fields.Selection(
        [("retryable", "Temporary"), ("permanent", "Permanent"), ("auth", "Authentication"),
         ("crash", "Worker lost")],
        copy=False, readonly=True,
    )
    identity_key = fields.Char(
        index="btree_not_null", copy=False, readonly=True,
        help="Jobs with the same key and store are merged while pending: the latest payload wins.",
    )
    started_at = fields.Datetime(copy=False, readonly=True)
    finished_at = fields.Datetime(copy=False, readonly=True)
    duration = fields.Float(copy=False, readonly=True, help="Seconds spent in the last run.")
    worker = fields.Char(copy=False, readonly=True)
    lease_key = fields.Integer(
        copy=False, readonly=True,
        help="While the job is processing: the key of the advisory lock its worker holds. When no "
             "session holds it any more, the worker is gone and the job is put back to the queue.",
    )
    result = fields.Text(copy=False, readonly=True)
    run_when_archived = fields.Boolean(
        string="Runs for Archived Stores", copy=False, readonly=True,
        help="Work the platform still asks of an archived (or paused) store, such as a request to erase "
             "customers' data: it runs whatever the state of the store. Set by the webhook intake.",
    )

    def init(self):
        cr = self.env.cr
        # Dedupe: one pending job per (store, identity key); enqueueing upserts against it.
        cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS sync_job_identity_pending_uniq
                ON sync_job (store_id, identity_key)
             WHERE state = 'pending' AND identity_key IS NOT NULL
        """)
        # The claim index (see _CLAIM_SQL). It only holds pending jobs, so its size does not grow
        # with the history of done jobs. It replaces the first version's (priority, id) index,
        # which made claims walk every job not yet due or of a paused store.
        cr.execute("DROP INDEX IF EXISTS sync_job_claim_idx")
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_pending_lane_idx
                ON sync_job (store_id, priority, next_attempt_at, id) WHERE state = 'pending'
        """)
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_run_when_archived_idx
                ON sync_job (next_attempt_at) WHERE state = 'pending' AND run_when_archived
        """)
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_processing_idx
                ON sync_job (started_at) WHERE state = 'processing'
        """)
        # The first versions' indexes on every job's state, operation and company, and on every
        # job's identity key (NULL for most): Odoo keeps an index a field no longer asks for.
        cr.execute("DROP INDEX IF EXISTS sync_job__state_index, sync_job__operation_index, "
                   "sync_job__company_id_index")
        cr.execute("""SELECT 1 FROM pg_indexes WHERE indexname = 'sync_job__identity_key_index'
                       AND indexdef NOT LIKE '%% WHERE %%'""")
        if cr.fetchone():
            cr.execute("DROP INDEX sync_job__identity_key_index")
            cr.execute("""CREATE INDEX sync_job__identity_key_index ON sync_job (identity_key)
                           WHERE identity_key IS NOT NULL""")
        # A store's open jobs by state (the store's counters and dashboard, the checks for a job
        # under way), in place of an index on the state of every job, history included.
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_open_state_idx
                ON sync_job (store_id, state) WHERE state IN ('pending', 'processing', 'failed')
        """)
        # The jobs of a sync API order pull (connector.store._api_request_order_pull), in place of an
        # index on the operation of every job; a job without the key (all the others) is not in it.
        cr.execute("""
            CREATE INDEX IF NOT EXISTS sync_job_api_pull_idx
                ON sync_job (store_id, (payload ->> 'api_pull_id'))
             WHERE (payload ->> 'api_pull_id') IS NOT NULL
        """)
        # The runners' lease keys (see _LEASE_LOCK_NAMESPACE).
        cr.execute(SQL("CREATE SEQUENCE IF NOT EXISTS %s AS integer CYCLE", SQL.identifier(_LEASE_SEQUENCE)))

    @api.depends("operation", "store_id")
    def _compute_display_name(self):
        for job in self:
            job.display_name = f"{job.store_id.name or ''} / {job.operation} #{job.id}"

    # ================================================================ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        """Jobs are created by the enqueue API only (as superuser): a job says what runs as
        superuser, so no caller may create one, whatever their access rights.

        :raises AccessError: for any caller but superuser code.
        """
        if not self.env.su:
            raise AccessError(_(
                "Sync jobs are queued by the connector itself (a synchronisation button, a webhook, "
                "the scheduler); they cannot be created by hand."
            ))
        return super().create(vals_list)

    def write(self, vals):
        """A caller (with write access) may reschedule a job (_CALLER_WRITABLE_FIELDS); what it
        runs, on which records and its state are written by the queue alone.

        :raises AccessError: another field, unless superuser code writes it.
        """
        if not self.env.su:
            refused = sorted(set(vals) - _CALLER_WRITABLE_FIELDS)
            if refused:
                raise AccessError(_(
                    "What a sync job runs cannot be changed (%(fields)s): only its priority, its "
                    "retries and its next attempt can.",
                    fields=", ".join(refused),
                ))
        return super().write(vals)

    # ================================================================ enqueueing
    @api.model
    def _enqueue(self, store, operation, method_name, records=None, payload=None, identity_key=None,
                 priority=10, eta=None, direction="import", max_retries=None):
        """Queue `records.<method_name>(job)` for `store`, and wake the runner when this commits.

        :param store: connector.store record.
        :param operation: job label; a permission key (const.STORE_PERMISSIONS) is checked now.
        :param method_name: the handler, a method named ``_job_*`` of the records' model.
        :param records: recordset the handler runs on (default: the store).
        :param payload: JSON-serialisable data for the handler (``job.payload``).
        :param identity_key: merge with the pending job of this store that has the same key: its
            payload, records and handler are replaced, its priority becomes the more urgent of the
            two and it does not run before the later of the two times. A job already processing
            is never merged into: a new job is queued. Under concurrency, an enqueue racing with
            another one of the same key that committed first raises a serialization failure, which
            Odoo's request and job retry logic handle by running the transaction again.
            Merged jobs are written in SQL, so fields that other modules add to sync.job keep the
            value they had.
        :param priority: lower runs first.
        :param eta: datetime (UTC) before which the job does not run.
        :param max_retries: retries of temporary failures before the job fails (default 5).
        :returns: the sync.job (new or merged), as superuser.
        :raises OperationNotPermitted: the store forbids the operation.
        :raises ValueError: `method_name` is not a ``_job_*`` method of the records' model.
        """
        store.ensure_one()
        records = store if records is None else records
        return self._enqueue_many(store, operation, method_name, [(records, identity_key, payload)],
                                  priority=priority, eta=eta, direction=direction, max_retries=max_retries)

    @api.model
    def _enqueue_many(self, store, operation, method_name, items, priority=10, eta=None, direction="import",
                      max_retries=None):
        """Queue many jobs of one store, operation and handler at once, with `_enqueue`'s semantics:
        a job with an identity key merges into the pending job of the store with the same key (its
        records and payload replaced, the more urgent priority and the later time kept).

        The keyed jobs are written in one INSERT ... ON CONFLICT statement (10,000 jobs in a couple of
        seconds), the others in one batch create. Merged jobs are written in SQL, so fields other
        modules add to sync.job keep their values.

        :param items: iterable of (records, identity_key or None, payload or None); of two items with
            the same key, the later wins.
        :returns: the sync.job records (merged and created), as superuser.
        :raises OperationNotPermitted: the store forbids the operation.
        :raises ValueError: `method_name` is not a ``_job_*`` method of the records' models.
        """
        store.ensure_one()
        store._check_operation_allowed(operation)
        when = eta or fields.Datetime.now()
        max_retries = const.DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        keyed, unkeyed = {}, []
        for records, key, payload in items:
            if key:
                keyed.pop(key, None)  # re-inserted: the latest item of a key wins, in its position
                keyed[key] = (records, payload)
            else:
                unkeyed.append((records, payload))
        for model_name in {records._name for records, _payload in [*keyed.values(), *unkeyed]}:
            handler = getattr(self.env[model_name], method_name, None)
            if not method_name.startswith("_job_") or not callable(handler):
                raise ValueError(
                    f"{model_name} has no job handler {method_name!r} (handlers are named _job_*)"
                )
        Job = self.sudo()
        jobs = Job.browse()
        if keyed:
            self.flush_model()
            self.env.cr.execute(SQL(
                _UPSERT_SQL,
                now=_NOW,
                store_id=store.id,
                company_id=store.company_id.id,
                operation=operation,
                direction=direction,
                method_name=method_name,
                priority=priority,
                max_retries=max_retries,
                next_attempt_at=when,
                uid=self.env.uid,
                keys=list(keyed),
                models=[records._name for records, _payload in keyed.values()],
                res_ids=[json.dumps(records.ids) for records, _payload in keyed.values()],
                payloads=[None if payload is None else json.dumps(payload) for _r, payload in keyed.values()],
            ))
            jobs = Job.browse([row[0] for row in self.env.cr.fetchall()])
            jobs.invalidate_recordset()
        if unkeyed:
            jobs |= Job.create([
                {
                    "store_id": store.id,
                    "operation": operation,
                    "direction": direction,
                    "model_name": records._name,
                    "res_ids": records.ids,
                    "method_name": method_name,
                    "payload": payload,
                    "priority": priority,
                    "next_attempt_at": when,
                    "max_retries": max_retries,
                    "retry_count": 0,
                }
                for records, payload in unkeyed
            ])
        if jobs:
            self._trigger_runner(eta, jobs=len(jobs))
        return jobs

    @api.model
    def _trigger_runner(self, at=None, jobs=1):
        """Wake one runner cron, when this transaction commits: the first active lane that no worker
        is running (see _RUNNING_LOCK_NAMESPACE), or the first runner when all are busy. Several
        enqueues in one transaction make one trigger, at the earliest time asked for. When the
        transaction queues more jobs due now than one runner claims at once (System Parameter
        store_connector.runner_batch_size), the lanes they need are woken too
        (`_wake_helper_runners`); a single delivery never wakes every lane.

        :param at: datetime (UTC) from which there is something to run; default now.
        :param jobs: how many jobs were queued.
        """
        cr = self.env.cr
        now = fields.Datetime.now()
        if not at or at <= now:
            cr.precommit.data[_TRIGGER_JOBS_KEY] = cr.precommit.data.get(_TRIGGER_JOBS_KEY, 0) + jobs
        at = max(at, now) if at else now
        earliest = cr.precommit.data.get(_TRIGGER_KEY)
        if earliest is not None:
            cr.precommit.data[_TRIGGER_KEY] = min(earliest, at)
            return
        cr.precommit.data[_TRIGGER_KEY] = at
        env = self.env

        @cr.precommit.add
        def _trigger():
            when = cr.precommit.data.pop(_TRIGGER_KEY, None) or fields.Datetime.now()
            due_jobs = cr.precommit.data.pop(_TRIGGER_JOBS_KEY, 0)
            Job = env["sync.job"].sudo()
            if due_jobs > 1:
                Job._wake_helper_runners(due_jobs)
            runners = Job._runner_cron_ids()
            if not runners:
                return
            due = when <= fields.Datetime.now()
            # Not ir.cron._trigger(): it stamps call_at to the second, and when a run of the runner
            # ends, Odoo deletes the triggers older than that run's start. A trigger made while a run
            # is under way, stamped before its start, would vanish with it, and a job committed after
            # the run's last claim would wait for the next poll (a minute). Stamped with the database
            # clock at full precision, it survives every run that began before it. Nor is a trigger
            # skipped when one is already due: that one may belong to the run about to end.
            # One trigger, to the first active runner that is not running a call now (its lock, see
            # _RUNNING_LOCK_NAMESPACE): a job queued while the first runner works through a long job
            # is taken by another worker at once; the first runner when all are busy. For a later
            # time, the first runner. No user: its foreign keys would lock the user's row.
            cr.execute(SQL(_WAKE_SQL, **wake_values(runners, due, when)))
            if due:
                dbname = cr.dbname
                cr.postcommit.add(lambda: cron_wakeup.wake_cron_workers(dbname))

    # ================================================================ running
    @api.model
    def _cron_process_queue(self, runner=1):
        """Cron entry point of every runner: requeue jobs of dead workers, then run due jobs for a
        bounded time.

        Progress goes to Odoo's cron progress API: when due jobs remain, Odoo calls this again at
        once. Each call stays well under the cron worker's real-time limit, because Odoo may chain
        up to MAX_BATCH_PER_CRON_JOB calls in one worker run. While more due jobs remain than this
        runner claims at once, the helper runners the backlog needs are woken.

        A helper runner (`runner` > 1, see `_sync_runner_crons`) works at most
        HELPER_RUNNER_TIME_LIMIT seconds a call, and ends its chain of calls when another cron is
        due, so that its cron worker runs that one next: helpers add throughput, never hold a
        worker that Odoo's other crons wait for. A helper beyond the runner count (the setting was
        lowered while it ran) archives itself.

        :param runner: the runner's number (1 for the first runner).
        :returns: the number of jobs run.
        """
        self = self.sudo()
        Cron = self.env["ir.cron"]
        if runner > 1 and runner > self._runner_count():
            Cron._notify_progress(done=0, remaining=0, deactivate=True)
            return 0
        # Every call, not only the minutely one: Odoo calls again at once while jobs remain, and a
        # trigger calls too, so a dead worker's jobs are back in the queue within a minute.
        self._in_bookkeeping_transaction(self._requeue_stuck, commit=True)
        time_limit = self._cron_time_limit()
        if runner > 1:
            time_limit = min(time_limit, const.HELPER_RUNNER_TIME_LIMIT)
        running = self._take_runner_lock(runner)
        try:
            done = self._process_queue(commit=True, report_progress=True, time_limit=time_limit,
                                       wake_helpers=True)
        finally:
            if running:
                self._drop_runner_lock(runner)
        if runner > 1 and self._other_crons_due():
            # Nothing remains as far as Odoo knows: the chain ends, the worker moves on.
            Cron._notify_progress(done=done, remaining=0)
        return done

    @api.model
    def _take_runner_lock(self, runner):
        """Take the running lock of runner `runner` on this connection for its call (see
        _RUNNING_LOCK_NAMESPACE), committed. It waits for the transactions probing it to commit
        (milliseconds); one held by another session (the same runner run by hand) is not waited for.

        :returns: whether it is held (then `_drop_runner_lock` must follow).
        """
        cr = self.env.cr
        cr.commit()
        try:
            cr.execute("SET LOCAL lock_timeout = '5s'; SELECT pg_advisory_lock(%s, %s)",
                       [_RUNNING_LOCK_NAMESPACE, runner], log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            cr.rollback()
            return False
        cr.commit()
        return True

    @api.model
    def _drop_runner_lock(self, runner):
        """Release the running lock of runner `runner` (see `_take_runner_lock`); should that fail,
        close the connection, which releases it too (see `_drop_lease`)."""
        cr = self.env.cr
        try:
            if cr._cnx.info.transaction_status == TRANSACTION_STATUS_INERROR:
                cr.rollback()
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", [_RUNNING_LOCK_NAMESPACE, runner])
            cr.commit()
        except Exception:  # noqa: BLE001 - the lock must not outlive the call
            _logger.warning("could not release the lock of runner %s: closing the connection", runner,
                            exc_info=True)
            if not cr._cnx.closed:
                cr._cnx.close()

    # ================================================================ runners
    @api.model
    def _runner_count(self):
        """How many runner crons run the queue (System Parameter store_connector.runner_count,
        1 to MAX_RUNNER_COUNT)."""
        count = self._int_param(const.PARAM_RUNNER_COUNT, const.DEFAULT_RUNNER_COUNT, 1)
        return min(count, const.MAX_RUNNER_COUNT)

    @api.model
    def _runner_cron_ids(self):
        """The runner crons in runner order, the first runner first, up to the runner count, as
        far as their XML ids say (cached: no query); `_trigger_runner` checks they are active.

        :returns: [(runner number, ir.cron id)].
        """
        IrModelData = self.env["ir.model.data"]
        runners = []
        for number in range(1, self._runner_count() + 1):
            xmlid = RUNNER_CRON_XMLID if number == 1 else f"{RUNNER_MODULE}.{HELPER_RUNNER_NAME}{number}"
            cron_id = IrModelData._xmlid_to_res_id(xmlid, raise_if_not_found=False)
            if cron_id:
                runners.append((number, cron_id))
        return runners

    @api.model
    def _helper_runner_crons(self):
        """The helper runner crons made so far, active or archived.

        :returns: {runner number: ir.cron id}.
        """
        self.env.cr.execute(
            """SELECT name, res_id FROM ir_model_data
                WHERE module = %s AND model = 'ir.cron' AND name LIKE %s""",
            [RUNNER_MODULE, HELPER_RUNNER_NAME.replace("_", "\\_") + "%"],
        )
        helpers = {}
        for name, res_id in self.env.cr.fetchall():
            number = name[len(HELPER_RUNNER_NAME):]
            if number.isdigit():
                helpers[int(number)] = res_id
        return helpers

    @api.model
    def _sync_runner_crons(self):
        """Make the runner crons match System Parameter store_connector.runner_count: helper
        runners 2..count exist and are active (made like the first runner, same method, behind
        Odoo's own crons in priority), the others are archived. Called when the parameter changes
        and at every install or update of the module. A helper running right now cannot be
        written: it archives itself at its next call (see `_cron_process_queue`).

        :returns: the ids of the active helper runner crons.
        """
        runner = self.env.ref(RUNNER_CRON_XMLID, raise_if_not_found=False)
        if not runner:
            return []
        runner = runner.sudo()
        count = self._runner_count()
        Cron = self.env["ir.cron"].sudo().with_context(active_test=False)
        helpers = self._helper_runner_crons()
        active = []
        for number in range(2, max(count, max(helpers, default=1)) + 1):
            cron = Cron.browse(helpers.get(number)).exists()
            wanted = number <= count
            if not cron:
                if not wanted:
                    continue
                cron = Cron.create({
                    "name": _("Store Connector: run the sync queue (lane %(number)s)", number=number),
                    "model_id": runner.model_id.id,
                    "state": "code",
                    "code": f"model._cron_process_queue(runner={number})",
                    "user_id": runner.user_id.id,
                    "interval_number": 1,
                    "interval_type": "minutes",
                    "priority": HELPER_RUNNER_PRIORITY,
                    "active": True,
                })
                self.env["ir.model.data"].sudo().create({
                    "module": RUNNER_MODULE, "name": f"{HELPER_RUNNER_NAME}{number}", "model": "ir.cron",
                    "res_id": cron.id, "noupdate": True,
                })
            else:
                values = {"code": f"model._cron_process_queue(runner={number})",
                          "priority": HELPER_RUNNER_PRIORITY, "active": wanted}
                values = {key: value for key, value in values.items()
                          if (cron[key].strip() if key == "code" else cron[key]) != value}
                if values and not cron.try_write(values):
                    _logger.info("runner cron %s is running: changed at its next call (a runner "
                                 "beyond the count archives itself)", cron.id)
            if wanted:
                active.append(cron.id)
        return active

    @api.model
    def _other_crons_due(self):
        """Whether a cron other than the queue runners is due (see _OTHER_CRONS_DUE_SQL)."""
        runner = self.env["ir.model.data"]._xmlid_to_res_id(RUNNER_CRON_XMLID, raise_if_not_found=False)
        runners = [runner or 0, *self._helper_runner_crons().values()]
        self.env.cr.execute(_OTHER_CRONS_DUE_SQL, {"runners": runners})
        return self.env.cr.fetchone()[0]

    @api.model
    def _wake_helper_runners(self, backlog):
        """Wake the helper runners that `backlog` due jobs need, besides the first runner: one
        runner per batch of store_connector.runner_batch_size jobs, at most runner_count in all.
        A helper whose wake-up is already due is not woken again. The trigger is written in this
        transaction, the cron workers are told after it commits.

        :param backlog: the number of due jobs waiting (or just queued).
        :returns: the ids of the helper crons woken now.
        """
        batch = self._int_param(const.PARAM_RUNNER_BATCH, const.DEFAULT_RUNNER_BATCH, 1)
        wanted = min(-(-backlog // batch), self._runner_count()) - 1
        if wanted <= 0:
            return []
        helpers = self._helper_runner_crons()
        crons = [helpers[number] for number in sorted(helpers) if number <= self._runner_count()][:wanted]
        if not crons:
            return []
        cr = self.env.cr
        cr.execute(_WAKE_HELPERS_SQL, {"crons": crons})
        woken = [row[0] for row in cr.fetchall()]
        if woken:
            dbname = cr.dbname
            cr.postcommit.add(lambda: cron_wakeup.wake_cron_workers(dbname))
        return woken

    @api.model
    def _cron_time_limit(self):
        """Seconds one call of the runner cron may claim jobs for.

        Odoo kills a cron worker whose run lasts longer than its real-time limit, and one run may
        chain MAX_BATCH_PER_CRON_JOB calls. The calls share half of the limit; the other half is for
        the one job that overruns its call (a platform that hangs until its timeout, a long wait for
        the rate limiter): a call that overran its time ends the chain (`_process_queue`), and a
        platform request never lasts longer than a quarter of the limit (services/api_client.py
        `capped_timeout`).
        """
        limit = self._int_param(const.PARAM_RUNNER_TIME_LIMIT, const.DEFAULT_RUNNER_TIME_LIMIT)
        worker_limit = config.get("limit_time_real_cron")
        if worker_limit is None or worker_limit == -1:
            worker_limit = config.get("limit_time_real")
        if worker_limit and worker_limit > 0:
            limit = min(limit, worker_limit / (2 * (MAX_BATCH_PER_CRON_JOB + 2)))
        return limit

    @api.model
    def _int_param(self, key, default, minimum=0):
        """System parameter `key` as an int; the default when unset or invalid (with a warning)."""
        raw = self.env["ir.config_parameter"].sudo().get_param(key)
        if raw in (None, False, ""):
            return default
        try:
            value = int(float(raw))
        except ValueError:
            value = None
        if value is None or value < minimum:
            _logger.warning("System parameter %s = %r is not a number >= %s; using %s",
                            key, raw, minimum, default)
            return default
        return value

    @api.model
    def _process_queue(self, store_ids=None, commit=True, report_progress=False, time_limit=None,
                       batch_size=None, wake_helpers=False):
        """Claim and run due jobs in batches until none is left or the time is up.

        Each call runs at least one job when one is due; after the time limit, claimed jobs not
        started yet go back to pending untouched.

        :param store_ids: only these stores (None: every store); the jobs of inactive and paused
            stores do not run, but those marked `run_when_archived`.
        :param commit: commit after each claim and each job (the cron, benchmarks), holding a lease
            for the whole call (see `_hold_lease`): should this worker die, its jobs go back to the
            queue at the next runner call. Without it (buttons, tests) everything stays in the
            caller's transaction, still one savepoint a job, and no job is seen processing.
        :param report_progress: report done/remaining to the cron progress record in the context.
        :param time_limit: seconds (default: System Parameter store_connector.runner_time_limit_seconds).
        :param batch_size: jobs claimed at once (default: store_connector.runner_batch_size).
        :param wake_helpers: with `report_progress`, wake the helper runners that the jobs still
            due need (`_wake_helper_runners`) after each batch (the runner crons).
        :returns: the number of jobs run.
        """
        self = self.sudo()
        batch_size = batch_size or self._int_param(const.PARAM_RUNNER_BATCH, const.DEFAULT_RUNNER_BATCH, 1)
        if time_limit is None:
            time_limit = self._int_param(const.PARAM_RUNNER_TIME_LIMIT, const.DEFAULT_RUNNER_TIME_LIMIT)
        started = time.monotonic()
        deadline = started + time_limit
        done = 0
        with self._hold_lease(commit) as lease:
            while True:
                rows = self._claim_rows(batch_size, store_ids=store_ids, commit=commit, lease=lease)
                if not rows:
                    break
                done += self._run_claimed(rows, commit=commit, deadline=deadline, started=done)
                if report_progress:
                    remaining = self._count_due(store_ids)
                    if remaining and time.monotonic() - started > time_limit + 1:
                        # A job overran this call's time (a platform hanging until its timeout, a long
                        # wait for the rate limiter): Odoo would chain another call in this worker run,
                        # which could outlast the worker's real-time limit (Odoo then kills it, with
                        # its claimed jobs). End the chain here; the trigger runs the rest at once, in
                        # a run of its own (see _cron_time_limit).
                        self._trigger_runner()
                        remaining = 0
                    self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                    if wake_helpers and remaining > batch_size:
                        self._wake_helper_runners(remaining)
                    if commit:
                        self.env.cr.commit()
                if time.monotonic() >= deadline:
                    break
        return done

    @api.model
    @contextmanager
    def _hold_lease(self, commit=True):
        """Hold a lease for the jobs this worker claims in the block (see _LEASE_LOCK_NAMESPACE):
        a session-level advisory lock on this cursor's connection, under a key of its own.

        Released on every way out of the block, an exception included: the connection goes back
        to Odoo's pool afterwards, and a lease left held there would make this worker's dead jobs
        look alive. Should the release fail, the connection is closed, which releases it too.

        :param commit: without it (a claim inside the caller's transaction, whose jobs are never
            seen processing by anyone else) no lease is taken.
        :returns: (as the context value) the lease key to write on the claimed jobs, or None.
        """
        if not commit:
            yield None
            return
        key = self._take_lease()
        try:
            yield key
        finally:
            self._drop_lease(key)

    @api.model
    def _take_lease(self):
        """Take a new lease on this cursor's connection (see `_hold_lease`, which releases it).

        :returns: its key.
        """
        cr = self.env.cr
        for _attempt in range(5):
            # A key still locked can only be one the sequence gave before it cycled: take the next.
            cr.execute(_TAKE_LEASE_SQL, {"namespace": _LEASE_LOCK_NAMESPACE, "sequence": _LEASE_SEQUENCE})
            row = cr.fetchone()
            if row:
                return row[0]
        raise RuntimeError("No free sync job lease key: the queue runner cannot claim jobs.")

    @api.model
    def _drop_lease(self, key):
        """Release the lease `key` this connection holds (see `_hold_lease`)."""
        cr = self.env.cr
        try:
            if cr._cnx.info.transaction_status == TRANSACTION_STATUS_INERROR:
                # An exception left the transaction failed: no statement runs before a rollback,
                # and a failed transaction has nothing left to commit.
                cr.rollback()
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", [_LEASE_LOCK_NAMESPACE, key])
            if not cr.fetchone()[0]:
                _logger.warning("sync job lease %s was not held by this connection any more", key)
        except Exception:  # noqa: BLE001 - whatever failed, the lease must not outlive the worker
            _logger.warning("could not release sync job lease %s: closing the connection", key,
                            exc_info=True)
            if not cr._cnx.closed:
                cr._cnx.close()

    @api.model
    def _count_due(self, store_ids=None):
        """Due pending jobs that `_claim` would take (of all stores, or `store_ids`)."""
        self.env.cr.execute(SQL(
            """SELECT count(*) FROM sync_job j
                 JOIN connector_store s ON s.id = j.store_id
                WHERE j.state = 'pending' AND j.next_attempt_at <= %(now)s
                  AND ((s.active AND s.paused IS NOT TRUE
                        AND (s.platform_outage_since IS NULL
                             OR COALESCE(s.platform_outage_probe_at, %(now)s) <= %(now)s))
                       OR (j.run_when_archived
                           AND NOT (s.paused IS TRUE AND j.error_kind IS NOT DISTINCT FROM 'auth')))
                  AND (%(stores)s::int[] IS NULL OR s.id = ANY(%(stores)s::int[]))""",
            now=_NOW, stores=None if store_ids is None else list(store_ids),
        ))
        return self.env.cr.fetchone()[0]

    @api.model
    def _worker_name(self):
        return f"{_worker_host}:{os.getpid()}:{threading.get_ident()}"

    @api.model
    def _claim(self, limit, store_ids=None, commit=True, worker=None, job_ids=None, lease=None):
        """Mark up to `limit` due pending jobs as processing for this worker and return them.

        :param store_ids: only jobs of these stores; the jobs of inactive or paused stores do not
            run, but those marked `run_when_archived` (see _CLAIM_SQL).
        :param commit: claim in a transaction of its own, committed at once, so that the
            processing state is visible (and a worker that dies leaves its jobs to
            `_requeue_stuck`). Without it, the claim is part of the caller's transaction.
        :param job_ids: claim these pending jobs, due or not (Run Now).
        :param lease: the key of the lease this worker holds (`_hold_lease`), written on the
            claimed jobs; without one they are requeued by the timeout rule only.
        :returns: the claimed jobs, in run order.
        """
        rows = self._claim_rows(limit, store_ids=store_ids, commit=commit, worker=worker, job_ids=job_ids,
                                lease=lease)
        return self._prime(rows)

    @api.model
    def _claim_rows(self, limit, store_ids=None, commit=True, worker=None, job_ids=None, lease=None):
        """The claim itself; :returns: the claimed rows (dicts of _CLAIM_COLUMNS), in run order.

        With `commit`, the claim runs alone in a READ COMMITTED transaction. Under Odoo's
        REPEATABLE READ, locking a row that another worker claimed and committed after this
        transaction's snapshot raises a serialization failure, and retrying in the same
        transaction cannot help (the snapshot stays); READ COMMITTED rechecks such a row instead
        and skips it, so concurrent workers never fail nor stop early. Without `commit` (inside
        a request), that serialization failure propagates and Odoo retries the request.

        `lease` (see `_claim`) must be held before the claim commits: a requeuer that sees the
        jobs processing then also sees their lease held.
        """
        cr = self.env.cr
        params = {"worker": worker or self._worker_name(), "limit": limit, "lease": lease,
                  "stores": None if store_ids is None else list(store_ids),
                  "ids": None if job_ids is None else list(job_ids)}
        query = _CLAIM_IDS_SQL if job_ids is not None else _CLAIM_SQL
        # The planner's guesses for the recursive lanes easily pass jit_above_cost, and compiling
        # the plan costs tens of milliseconds for a query that runs in one: no JIT for the claim.
        if not commit:
            self.env.flush_all()
            cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
            jit = cr.fetchone()[0]
            params["capped"] = self._lock_capped_stores(params)
            params["probing"] = self._take_platform_probes(params)
            cr.execute(query, params)
            rows = cr.dictfetchall()
            self._assign_platform_probes(params["probing"], rows)
            cr.execute("SELECT set_config('jit', %s, true)", [jit])
        else:
            for attempt in range(5):
                try:
                    cr.commit()
                    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET LOCAL jit = off")
                    params["capped"] = self._lock_capped_stores(params)
                    params["probing"] = self._take_platform_probes(params)
                    cr.execute(query, params)
                    rows = cr.dictfetchall()
                    self._assign_platform_probes(params["probing"], rows)
                    cr.commit()
                    break
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    # SKIP LOCKED never waits on a job, so this is only a safety net (a lock
                    # timeout, a deadlock on an index page): nothing was claimed, try again.
                    cr.rollback()
                    time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
            else:
                rows = []
        rows.sort(key=lambda row: (row["priority"], row["next_attempt_at"], row["id"]))
        if rows:
            self.sudo().browse([row["id"] for row in rows]).invalidate_recordset(flush=False)
        return rows

    @api.model
    def _lock_capped_stores(self, params):
        """Lock the capped stores (`max_parallel_jobs`) in the scope of a claim for the rest of this
        transaction, those no other claim holds now (see _CLAIM_SQL).

        :param params: the claim's parameters ("stores": store ids or None, "ids": job ids or None).
        :returns: the ids of the capped stores this claim may take jobs of.
        """
        self.env.cr.execute(_CAPPED_STORES_SQL, dict(params, namespace=_CLAIM_LOCK_NAMESPACE))
        return [store_id for store_id, locked in self.env.cr.fetchall() if locked]

    @api.model
    def _take_platform_probes(self, params):
        """The stores in a platform outage whose probe this claim takes (see _PROBE_STORES_SQL); none
        for a claim of named jobs (Run Now runs what it is asked, outage or not).

        :returns: their ids.
        """
        if params.get("ids") is not None:
            return []
        self.env.cr.execute(_PROBE_STORES_SQL, dict(params, lease=const.PLATFORM_OUTAGE_PROBE_LEASE_SECONDS))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _assign_platform_probes(self, probing, rows):
        """Record the job this claim took as the probe of each store of `probing`; a store of which it
        took none (another worker holds its due jobs) gets its probe time back, in this transaction."""
        if not probing:
            return
        probes = {}
        for row in rows:
            if row["store_id"] in probing:
                probes.setdefault(row["store_id"], row["id"])
        self.env.cr.execute(SQL(
            """UPDATE connector_store s
                  SET platform_outage_probe_job_id = p.job_id,
                      platform_outage_probe_at = CASE WHEN p.job_id IS NULL THEN %s
                                                      ELSE s.platform_outage_probe_at END
                 FROM (SELECT UNNEST(%s::int[]) AS store_id, UNNEST(%s::int[]) AS job_id) p
                WHERE s.id = p.store_id""",
            _NOW, list(probing), [probes.get(store_id) for store_id in probing],
        ))
        self.env["connector.store"].browse(probing).invalidate_recordset(
            ["platform_outage_probe_job_id", "platform_outage_probe_at"])

    @api.model
    def _prime(self, rows):
        """The claimed jobs of `rows`, their columns put in the ORM cache as a read would."""
        jobs = self.sudo().browse([row["id"] for row in rows])
        cache = self.env.cache
        for name in _CLAIM_COLUMNS:
            cache.insert_missing(jobs, self._fields[name], [row[name] for row in rows])
        # The store's platform too: every handler that talks to the platform looks up its adapter
        # (connector.store._get_adapter), which would otherwise read it for each job.
        Store = self.env["connector.store"]
        platform = Store._fields["platform"]
        for row in rows:
            if row.get("store_platform"):
                cache.insert_missing(Store.browse(row["store_id"]), platform, [row["store_platform"]])
        return jobs

    @api.model
    def _run_claimed(self, rows, commit, deadline=None, started=0):
        """Run claimed jobs in order; release those not started. :returns: the number run.

        Jobs of a store that gets paused or whose platform stops answering during the batch (a
        platform outage: see connector_store_outage.py), and all jobs once the deadline has
        passed (after at least one job of the call, `started` counting earlier batches), go back
        to pending untouched.
        """
        streaks = {row["store_id"]: row["store_streak"] for row in rows}
        paused = set()
        release = []
        ran = 0
        index = 0
        singles = []
        while index < len(rows) or singles:
            if singles:
                row = singles.pop(0)
            else:
                row = rows[index]
                index += 1
                # Consecutive jobs of one store and one batchable handler run together.
                if row["store_id"] not in paused and self._batch_handler_name(row):
                    group = [row]
                    while (index < len(rows) and len(group) < const.RUNNER_MAX_JOB_BATCH
                           and self._same_batch(row, rows[index])):
                        group.append(rows[index])
                        index += 1
                    if len(group) > 1 and not (
                        deadline is not None and (started or ran) and time.monotonic() >= deadline
                    ):
                        done_ids = self._run_batch(group, commit=commit, streaks=streaks)
                        ran += len(done_ids)
                        singles = [r for r in group if r["id"] not in done_ids]
                        continue
                    singles = group[1:]
            if row["store_id"] in paused or (
                deadline is not None and (started or ran) and time.monotonic() >= deadline
            ):
                release.append(row["id"])
                continue
            # Primed one by one: each commit empties the cache.
            outcome = self._prime([row])._run(commit=commit, streaks=streaks)
            ran += 1
            if outcome in ("auth", "waiting"):
                # Paused, or its platform does not answer: the store's other claimed jobs wait too.
                paused.add(row["store_id"])
        if release:
            self._release(release, commit=commit)
        return ran

    @api.model
    def _batch_handler_name(self, row):
        """The batch handler of a claimed job's handler, or None when it runs alone.

        A model declares batchable handlers in its class attribute ``_job_batch_handlers``
        ({handler name: batch handler name}). The batch handler is called once on the records of
        several jobs (same store, model and handler), as ``records.<batch handler>(jobs)``, and
        returns {job id: result} for the jobs it completed; the jobs it leaves out must have no
        effect (they then run one by one, as any job). If it raises, nothing of it is kept and
        every job of the batch runs one by one.
        """
        model_name, method_name = row["model_name"], row["method_name"]
        if not method_name or not method_name.startswith("_job_") or model_name not in self.env:
            return None
        name = (getattr(type(self.env[model_name]), "_job_batch_handlers", None) or {}).get(method_name)
        return name if name and name.startswith("_job_") else None

    @api.model
    def _same_batch(self, row, other):
        return (other["store_id"] == row["store_id"] and other["model_name"] == row["model_name"]
                and other["method_name"] == row["method_name"])

    @api.model
    def _run_batch(self, rows, commit, streaks):
        """Run claimed jobs of one batch handler together (see `_batch_handler_name`): the batch
        and the new states of the jobs it completed commit together. :returns: the ids of the
        jobs completed (the others did not run)."""
        jobs = self._prime(rows)
        store = jobs[0].store_id
        store_id = store.id
        started_at = _utcnow()
        started = time.monotonic()
        alone = commit and self.env.cr._cnx.info.transaction_status == TRANSACTION_STATUS_IDLE
        done = {}
        try:
            if alone:
                done = jobs._call_batch_handler(started, started_at)
                # The handler's pending ORM writes are sent here, inside the try, so that a
                # concurrent update they meet runs the jobs one by one instead of failing the commit.
                self.env.flush_all()
            else:
                with self.env.cr.savepoint():
                    done = jobs._call_batch_handler(started, started_at)
        except Exception as exc:  # noqa: BLE001 - the jobs run one by one and record their own errors
            # Two runners numbering invoices at once, an order that does not add up: expected, and
            # each job records its own error when it runs alone. Anything else keeps its traceback.
            expected = isinstance(exc, (*_CONCURRENCY_EXCEPTIONS, RetryableJobError, PermanentJobError,
                                        UserError, ValidationError))
            _logger.info("sync.job batch %s failed (%s): running its jobs one by one", jobs.ids,
                         type(exc).__name__, exc_info=not expected)
            if alone:
                self.env.cr.rollback()
            done = {}
        if commit:
            self.env.cr.commit()
        if done:
            self._record_store_outcome(store_id, "done", None, commit, streaks)
        return set(done)

    def _call_batch_handler(self, started, started_at):
        """Check the jobs as `_call_handler` does, call their batch handler, record the completed
        ones done. :returns: {job id: result} of the completed jobs."""
        first = self[0]
        runnable = self.browse()
        for job in self:
            try:
                job.store_id._check_operation_allowed(job.operation)
            except Exception:  # noqa: BLE001 - it fails on its own, one by one
                continue
            runnable |= job
        ids = [res_id for job in runnable for res_id in (job.res_ids or [])]
        if not runnable or not all(job.res_ids for job in runnable):
            return {}
        target = self.env[first.model_name].sudo().browse(ids).exists()
        if len(target) != len(set(ids)):
            return {}
        # The store check of `_target_records`, for the whole batch in one go: a job naming a
        # record of another store is left out, to fail on its own.
        foreign = set((target - target._sync_job_store_records(first.store_id.sudo())).ids)
        if foreign:
            runnable = runnable.filtered(lambda job: not foreign.intersection(job.res_ids))
            ids = [res_id for job in runnable for res_id in job.res_ids]
            if not runnable:
                return {}
            target = target.browse(ids)
        target = first._in_store_company(target)
        results = getattr(target, self._batch_handler_name(
            {"model_name": first.model_name, "method_name": first.method_name}))(runnable)
        done = {}
        duration = (time.monotonic() - started) / max(len(results), 1)
        for job in runnable:
            if job.id in results:
                operation = job.operation
                done[job.id] = job._on_success(results[job.id], duration, started_at)
                job._log_outcome(done[job.id], duration, results[job.id], store_id=first.store_id.id,
                                 operation=operation)
        return done

    @api.model
    def _release(self, ids, commit):
        """Give claimed jobs that did not start back to the queue, as they were."""
        def release():
            self._sql_reopen(ids, SQL("worker = NULL, lease_key = NULL, started_at = NULL"))
        if commit:
            self._in_bookkeeping_transaction(release, commit=True)
        else:
            release()

    def _run(self, commit=True, streaks=None):
        """Run this claimed job: its handler in a savepoint, then its new state; both commit
        together. The store's failure streak and pause are recorded afterwards, in a short
        transaction of their own, so that concurrent workers of one store never make a job's
        own transaction fail.

        :param commit: commit the job (the runner); without it, stay in the caller's transaction.
        :param streaks: {store id: failures in a row} known by the caller, to skip resetting a
            streak that is already 0; updated.
        :returns: "done", "retry", "throttled", "failed", "auth", or for a transient failure of the
            platform (see `_platform_unavailable`) "unavailable" (a retry spent), "platform_throttled"
            (its HTTP 429: no retry spent) or "waiting" (the store's platform outage holds the job, no
            retry spent).
        """
        self.ensure_one()
        store_id = self.store_id.id
        operation = self.operation  # primed by the claim: read before the commit empties the cache
        started_at = _utcnow()
        started = time.monotonic()
        # A job that starts with no transaction open (the runner: the claim and the previous job
        # committed) gets one of its own: a failure rolls all of it back, which is what a
        # savepoint would undo, without the flush and two statements a savepoint costs on every
        # job. Checked on the connection, not by committing: a commit would empty the cache the
        # claim primed.
        alone = commit and self.env.cr._cnx.info.transaction_status == TRANSACTION_STATUS_IDLE
        try:
            if alone:
                result = self._call_handler()
                # The handler's pending ORM writes (a store's cursor, say) are sent here, inside the
                # try: a concurrent update they meet is then the job's retryable error, not a
                # failure of the commit below that would stop the runner (a savepoint flushes too).
                self.env.flush_all()
            else:
                with self.env.cr.savepoint():
                    result = self._call_handler()
        except TestModeNotSent as exc:
            # Test mode: the job's work is rolled back (nothing marked as synced), the request it
            # would have sent is recorded on it, and it is done.
            if alone:
                self.env.cr.rollback()
            # The job's log line says what was not sent (the message carries no secret).
            result = str(exc)
            outcome, message, retry_after = self._on_test_mode_not_sent(exc, time.monotonic() - started,
                                                                        started_at), None, None
        except Exception as exc:  # noqa: BLE001 - classified below; a handler bug must not stop the queue
            if alone:
                self.env.cr.rollback()
            outcome, message = self._on_exception(exc, time.monotonic() - started, started_at)
            retry_after = getattr(exc, "retry_after", None)
        else:
            outcome, message = self._on_success(result, time.monotonic() - started, started_at), None
            retry_after = None
        if commit:
            try:
                self.env.cr.commit()
            except _CONCURRENCY_EXCEPTIONS as exc:
                # Whatever still met a concurrent update at the commit: the job's work is undone and
                # it is retried, recorded in a transaction of its own, and the runner goes on.
                self.env.cr.rollback()
                outcome, message = self._on_exception(exc, time.monotonic() - started, started_at)
                retry_after = None
                self.env.cr.commit()
        self._log_outcome(outcome, time.monotonic() - started, result if outcome == "done" else message,
                          store_id, operation)
        self._record_store_outcome(store_id, outcome, message, commit, streaks, job_id=self.id,
                                   retry_after=retry_after)
        return outcome

    def _log_outcome(self, outcome, duration, summary, store_id, operation):
        """The job's line on the suite's job log (services/logs.py, ``odoo.store_connector.jobs``):
        job id, store id, operation, outcome, duration and a summary (its result, or its error's
        first line, already redacted of the store's secrets). Reads nothing from the database: the
        caller passes what it read before committing.

        :param outcome: what `_run` returns ("done", "retry", "failed", ...).
        :param summary: the handler's result (dict, str or None) or the error message.
        :param store_id: the job's store id; :param operation: the job's operation code.
        """
        if not _job_logger.isEnabledFor(logging.INFO):
            return
        if summary is not None and not isinstance(summary, str):
            summary = json.dumps(summary, default=str)
        summary = (summary or "").strip().splitlines()[0] if summary and summary.strip() else "-"
        if len(summary) > OUTCOME_SUMMARY_LIMIT:
            summary = summary[:OUTCOME_SUMMARY_LIMIT - 3] + "..."
        _job_logger.info("job %s store %s %s %s in %.2fs: %s", self.id, store_id, operation, outcome,
                         duration, summary)

    def _call_handler(self):
        self.store_id._check_operation_allowed(self.operation)
        if not self.method_name.startswith("_job_"):
            raise PermanentJobError(_("Job handler %(name)s is not allowed.", name=self.method_name))
        target = self._in_store_company(self._target_records())
        handler = getattr(target.with_context(sync_job_id=self.id), self.method_name, None)
        if handler is None:
            raise PermanentJobError(
                _("%(model)s has no handler %(name)s.", model=self.model_name, name=self.method_name)
            )
        return handler(self)

    def _in_store_company(self, target):
        """`target` in the company of this job's store, and in it alone (still as superuser).

        The runner runs as the cron's user, whose company is any: company-dependent values (costs,
        default taxes, accounts, properties) and `env.company` must be the store's. Not a plain
        `with_company`: Run Now keeps the clicking user's companies in the context, which
        `env.companies` (default taxes of new products...) would still include.
        """
        # The job's own company column (its store's, which never changes): the claim primed it,
        # where reading the store's would load the whole store row for every job.
        company = self.sudo().company_id
        return target.with_context(allowed_company_ids=company.ids) if company else target

    def _target_records(self):
        """The records this job works on, as superuser, once checked to belong to its store.

        Every target model says which of its records a job of a store may work on
        (`_sync_job_store_records`); a job naming any other record, or none, is refused, so that
        a job written by mistake or by a forged insert never reaches another store's (or
        company's) records.

        :returns: the existing target records (those deleted since the job was queued left out).
        :raises PermanentJobError: no target, a model not installed, all targets deleted, or a
            target that does not belong to the job's store.
        """
        self.ensure_one()
        if self.model_name not in self.env:
            raise PermanentJobError(
                _("Model %(model)s is not installed: cannot run this job.", model=self.model_name)
            )
        res_ids = self.res_ids
        if not res_ids or not isinstance(res_ids, list) or not all(
            isinstance(res_id, int) and not isinstance(res_id, bool) and res_id > 0 for res_id in res_ids
        ):
            raise PermanentJobError(_("This job names no valid records to work on: it was not run."))
        store = self.store_id.sudo()
        target = self.env[self.model_name].sudo().browse(res_ids)
        # A job on its own store needs no existence check: the store's deletion deletes its jobs.
        if not (self.model_name == "connector.store" and res_ids == [store.id]):
            target = target.exists()
            if not target:
                raise PermanentJobError(_("The records this job works on were deleted."))
        foreign = target - target._sync_job_store_records(store)
        if foreign:
            raise PermanentJobError(self._foreign_targets_message(foreign))
        return target

    def _foreign_targets_message(self, foreign):
        return _(
            "Records %(ids)s of %(model)s do not belong to store %(store)s: this job was not run. "
            "A job only works on its own store's records.",
            model=foreign._description, ids=", ".join(str(res_id) for res_id in foreign.ids[:20]),
            store=self.store_id.sudo().name,
        )

    def _on_success(self, result, duration, started_at):
        if result is not None and not isinstance(result, str):
            result = json.dumps(result, default=str)
        self.env.cr.execute(SQL(
            """UPDATE sync_job SET state = 'done', started_at = %(started_at)s, finished_at = %(now)s,
                      duration = %(duration)s, result = %(result)s, error_kind = NULL
                WHERE id = %(id)s""",
            started_at=started_at, now=_NOW, duration=duration, result=result, id=self.id,
        ))
        self.invalidate_recordset()
        return "done"

    def _on_test_mode_not_sent(self, exc, duration, started_at):
        """End this job done after its store's test mode held a write back (TestModeNotSent, see
        connector_store_test_mode.py): the request is recorded on the job. :returns: "done"."""
        request = self.store_id._record_test_request(exc, job=self)
        return self._on_success(_(
            "Test mode: not sent. %(operation)s was recorded on this job instead of being sent to "
            "%(platform)s: nothing changed on the platform and nothing is marked as synced.",
            operation=request.operation or request.method, platform=request.platform_name,
        ), duration, started_at)

    @api.model
    def _classify(self, exc):
        """What to do about a handler's exception.

        :returns: (kind, retryable, retry_after) where kind is "auth", "retryable", "permanent"
            or "crash" (an unexpected exception: a bug, logged with its traceback).
        """
        if isinstance(exc, StoreCredentialMissing):
            # Nothing was refused: pausing would stop the store's webhooks too, for a credential
            # that only some operations need. The job fails saying what to enter.
            return "permanent", False, None
        if isinstance(exc, StoreAuthError):
            return "auth", False, None
        if isinstance(exc, RetryableJobError):
            return "retryable", True, exc.retry_after
        if isinstance(exc, (*_CONCURRENCY_EXCEPTIONS, requests.ConnectionError, requests.Timeout)):
            return "retryable", True, None
        if isinstance(exc, (PermanentJobError, UserError, ValidationError)):
            return "permanent", False, None
        return "crash", False, None

    @api.model
    def _platform_unavailable(self, exc):
        """Whether an exception says that the store's platform does not answer (counted towards a
        platform outage, connector_store_outage.py): no answer in time, a connection refused or cut,
        HTTP 5xx, HTTP 429 from the platform: a PlatformUnavailable (raised by the client core), or
        requests' own connection errors and time-outs. Not a database conflict, another job holding a
        lock, nor the connector's own rate limiter asking to wait."""
        return isinstance(exc, (PlatformUnavailable, requests.ConnectionError, requests.Timeout))

    def _error_message(self, exc, kind):
        """What the merchant reads in last_error (and the log, the pause reason, the activity log
        and the managers' notice quote): the error, never a secret of the store, redacted whole
        before anything is cut (services/redact.py `safe_message`)."""
        if isinstance(exc, (UserError, ValidationError)) and exc.args:
            text = str(exc.args[0])
        else:
            text = str(exc) or exc.__class__.__name__
        if isinstance(exc, requests.Timeout):
            text = _("The platform did not answer in time: %(error)s", error=text)
        elif isinstance(exc, requests.ConnectionError):
            text = _("Could not reach the platform: %(error)s", error=text)
        elif isinstance(exc, _CONCURRENCY_EXCEPTIONS):
            text = _("Another process changed the same records at the same time: %(error)s", error=text)
        elif kind == "crash":
            text = "".join(traceback.format_exception(exc)).strip()
        secrets = self.env["integration.credential"]._store_secrets(self.store_id)
        return safe_message(text, secrets)

    def _on_exception(self, exc, duration, started_at):
        """Record a failed attempt. :returns: (outcome, message)."""
        kind, retryable, retry_after = self._classify(exc)
        message = self._error_message(exc, kind)
        common = {"duration": duration, "started_at": started_at, "message": message}
        if kind == "crash":
            _logger.error("sync.job %s (%s) crashed: %s", self.id, self.operation, message)
        if kind == "auth":
            # Not the job's fault: it waits, its retries untouched, for new credentials.
            self._sql_reopen(self.ids, SQL(
                """last_error = %(message)s, error_kind = 'auth', duration = %(duration)s,
                   started_at = %(started_at)s, finished_at = %(now)s, worker = NULL""",
                now=_NOW, **common,
            ))
            self.invalidate_recordset()
            _logger.warning("sync.job %s (%s) refused credentials: %s", self.id, self.operation, message)
            return "auth", message
        # The limiter's own "wait longer than allowed" is no failure: it does not use a retry.
        throttled = bool(getattr(exc, "throttled", False))
        # Nor is a platform outage (connector_store_outage.py): the job waits for the platform's return
        # (the claim holds the store's jobs back but one probe), however long it lasts.
        unavailable = retryable and self._platform_unavailable(exc)
        held = unavailable and self.store_id._platform_outage_holds_retries()
        if retryable and (throttled or held or self.retry_count < self.max_retries):
            if held:
                delay = max(1.0, float(retry_after or 0))
            else:
                delay = self._retry_delay(self.retry_count, retry_after)
            self._sql_reopen(self.ids, SQL(
                """retry_count = COALESCE(sync_job.retry_count, 0) + %(increment)s,
                   next_attempt_at = %(now)s + %(delay)s * interval '1 second',
                   last_error = %(message)s, error_kind = 'retryable', duration = %(duration)s,
                   started_at = %(started_at)s, finished_at = %(now)s, worker = NULL""",
                now=_NOW, increment=0 if (throttled or held) else 1, delay=delay, **common,
            ))
            self.invalidate_recordset()
            if held:
                _logger.info("sync.job %s (%s) waits for its platform to answer again: %s",
                             self.id, self.operation, message)
                return "waiting", message
            _logger.info("sync.job %s (%s) will retry in %.0fs: %s", self.id, self.operation, delay, message)
            if unavailable:
                # The platform's 429 uses no retry and is no failure of the store either.
                return ("platform_throttled" if throttled else "unavailable"), message
            return ("throttled" if throttled else "retry"), message
        if retryable:
            message = (
                _("Gave up after 1 retry: %(error)s", error=message) if self.retry_count == 1
                else _("Gave up after %(count)s retries: %(error)s", count=self.retry_count, error=message)
            )
        self.env.cr.execute(SQL(
            """UPDATE sync_job
                  SET state = 'failed', duration = %(duration)s, last_error = %(message)s,
                      error_kind = %(kind)s, started_at = %(started_at)s, finished_at = %(now)s
                WHERE id = %(id)s""",
            duration=duration, message=message, kind="permanent" if kind == "crash" else kind,
            started_at=started_at, now=_NOW, id=self.id,
        ))
        if self.identity_key:
            self._supersede_failed()
        self.invalidate_recordset()
        _logger.warning("sync.job %s (%s) failed: %s", self.id, self.operation, message.splitlines()[0])
        return "failed", message

    def _supersede_failed(self):
        """Keep one failed job per store and identity key: the newest (it holds the latest payload,
        or the latest deliveries), the older failed ones of the key are cancelled, saying which job
        to retry. So that one thing that cannot be synced (an order whose import fails on each of
        its events, or at each pull) shows as one failed job, not one per attempt.

        Housekeeping in a savepoint: a concurrent change (someone retrying one of them) skips it.
        :returns: the ids of the jobs cancelled.
        """
        self.ensure_one()
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    """SELECT id FROM sync_job
                        WHERE store_id = %s AND identity_key = %s AND state = 'failed'
                        ORDER BY id DESC FOR NO KEY UPDATE""",
                    [self.store_id.id, self.identity_key],
                )
                ids = [row[0] for row in cr.fetchall()]
                if len(ids) < 2:
                    return []
                cr.execute(SQL(
                    """UPDATE sync_job SET state = 'cancelled', finished_at = %s, result = %s
                        WHERE id = ANY(%s) AND state = 'failed'""",
                    _NOW,
                    _("Superseded by job %(job)s, a later failure of the same %(key)s: see or retry "
                      "that one.", job=ids[0], key=self.identity_key),
                    ids[1:],
                ))
                if self.model_name in self._accumulating_models():
                    self._hand_over(dict.fromkeys(ids[1:], ids[0]))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
            _logger.info("older failed jobs of %s left as they are after a concurrent update: %s",
                         self.identity_key, exc)
            return []
        self.browse(ids[1:]).invalidate_recordset()
        return ids[1:]

    @api.model
    def _retry_delay(self, retry_count, retry_after=None):
        """Seconds before the next attempt.

        With a Retry-After from the platform: that, plus up to 10% (at most
        RETRY_AFTER_JITTER_MAX_SECONDS) so that the retries of many jobs do not arrive together (never
        less than asked). Otherwise exponential backoff:
        BACKOFF_BASE_SECONDS * 2**retry_count, capped at BACKOFF_MAX_SECONDS, then jittered by
        +/- BACKOFF_JITTER (also at the cap, where a platform outage lines many jobs up).
        Never under one second.
        """
        if retry_after:
            retry_after = float(retry_after)
            spread = min(retry_after * 0.1, const.RETRY_AFTER_JITTER_MAX_SECONDS)
            return max(1.0, retry_after + random.uniform(0.0, spread))
        nominal = min(const.BACKOFF_BASE_SECONDS * 2.0 ** min(retry_count, 32), const.BACKOFF_MAX_SECONDS)
        return max(1.0, nominal * random.uniform(1 - const.BACKOFF_JITTER, 1 + const.BACKOFF_JITTER))

    @api.model
    def _sql_reopen(self, ids, assignments):
        """Put jobs back to pending (see _REOPEN_SQL).

        :param assignments: odoo.tools.SQL, the other columns to set (``SQL("worker = %s", ...)``)
        :returns: {job id: new state} ("pending", or "cancelled" when superseded).
        """
        if not isinstance(assignments, SQL):
            raise TypeError("_sql_reopen takes its assignments as odoo.tools.SQL")
        cr = self.env.cr
        superseded = _("Superseded by a newer pending job with the same identity key.")

        def reopen(job_ids):
            return SQL(_REOPEN_SQL, ids=list(job_ids), superseded=superseded, assignments=assignments)

        try:
            with cr.savepoint(flush=False):
                cr.execute(reopen(ids))
                states = dict(cr.fetchall())
            self._hand_over_superseded(states)
            return states
        except psycopg2.errors.UniqueViolation:
            pass
        # A pending job of the same key committed after this transaction's snapshot: the query
        # cannot see it but the unique index does. Reopen one by one; the ones it blocks are
        # superseded by it.
        states = {}
        for job_id in ids:
            try:
                with cr.savepoint(flush=False):
                    cr.execute(reopen([job_id]))
                    states.update(cr.fetchall())
            except psycopg2.errors.UniqueViolation:
                cr.execute(SQL(
                    "UPDATE sync_job SET state = 'cancelled', result = %s, %s "
                    "WHERE id = %s RETURNING id, state",
                    superseded, assignments, job_id,
                ))
                states.update(cr.fetchall())
        self._hand_over_superseded(states)
        return states

    @api.model
    def _accumulating_models(self):
        """The job target models whose jobs accumulate their targets (class attribute
        `_sync_job_accumulates_targets`): a superseded job of theirs hands its targets over."""
        return [name for name, model in self.env.registry.items()
                if getattr(model, "_sync_job_accumulates_targets", False)]

    @api.model
    def _hand_over_superseded(self, states):
        """After a reopen: the superseded jobs of accumulating models (`_accumulating_models`)
        hand their targets to the pending job that superseded them (_HAND_OVER_SQL).

        A retried delivery job is superseded when a newer delivery of its order queued a new job
        meanwhile; dropping its deliveries would let an older event that arrived later win.
        :param states: {job id: state} as `_sql_reopen` returns it.
        """
        cancelled = [job_id for job_id, state in states.items() if state == "cancelled"]
        models = self._accumulating_models()
        if not cancelled or not models:
            return {}
        cr = self.env.cr
        cr.execute(SQL(_PENDING_HEIRS_SQL, ids=cancelled, models=models))
        heirs = dict(cr.fetchall())
        orphans = set(cancelled) - set(heirs)
        if orphans:
            # The heir committed after this transaction's snapshot (REPEATABLE READ): it cannot be
            # seen, so the targets cannot be handed over. Fail the transaction as a concurrent
            # update: callers retry or skip the bookkeeping, and the job is requeued later.
            cr.execute(SQL("SELECT id FROM sync_job WHERE id = ANY(%s) AND model_name = ANY(%s)",
                           list(orphans), models))
            if cr.fetchall():
                raise HeirNotVisible("a superseded job's targets have no visible heir: retry")
        return self._hand_over(heirs)

    @api.model
    def _hand_over(self, heirs):
        """Give superseded jobs' targets to their heirs (_HAND_OVER_SQL) and tell the target
        models (`_sync_job_handed_over`, e.g. deliveries name their job).
        :param heirs: {superseded job id: heir job id}. :returns: `heirs`."""
        if not heirs:
            return heirs
        cr = self.env.cr
        cr.execute(SQL(_HAND_OVER_SQL, gone=list(heirs), heirs=list(heirs.values())))
        cr.execute(SQL(
            """UPDATE sync_job g SET result = format(%(result)s, p.heir_id)
                 FROM unnest(%(gone)s::int[], %(heirs)s::int[]) AS p(gone_id, heir_id)
                WHERE g.id = p.gone_id RETURNING g.model_name""",
            # PostgreSQL's format() puts the heir's id in place of %s.
            result=_("Superseded by job %s, a newer job of the same identity key, which took over its "
                     "records: see that one."),
            gone=list(heirs), heirs=list(heirs.values()),
        ))
        for model_name in {row[0] for row in cr.fetchall()}:
            self.env[model_name]._sync_job_handed_over(heirs)
        self.browse(list(heirs) + list(heirs.values())).invalidate_recordset(["res_ids", "result"])
        return heirs

    def _record_store_outcome(self, store_id, outcome, message, commit, streaks, job_id=None,
                              retry_after=None):
        """Update the store after a job: failure streak (and alert), authentication pause, or its
        platform outage (connector_store_outage.py: a transient failure of the platform counts towards
        one, a failed probe schedules the next, a success ends it).

        :param job_id: the job (to tell the outage's probe from the jobs that ran when it began).
        :param retry_after: seconds the platform asked to wait, if it said so.
        """
        store = self.env["connector.store"].sudo().browse(store_id)
        if outcome in ("unavailable", "waiting", "platform_throttled"):
            def record():
                store._record_platform_unavailable(job_id, message, retry_after)
                # A spent retry is a failure of the store, as any other.
                return store._record_job_outcome(failed=True) if outcome == "unavailable" else None
            result = self._in_bookkeeping_transaction(record, commit)
            if streaks is not None:
                streaks[store_id] = result
            return
        if job_id and outcome in ("throttled", "retry", "failed") and (
            streaks is None or streaks.get(store_id) != 0
        ):
            # Neither a success nor the platform's failure: a probe of the store's outage (a store
            # with no failure streak at the claim has none) lets the next job probe.
            self._in_bookkeeping_transaction(lambda: store._release_platform_probe(job_id), commit)
        if outcome == "throttled":
            return
        if outcome == "done":
            if streaks is not None and streaks.get(store_id) == 0:
                return
            result = self._in_bookkeeping_transaction(lambda: store._record_job_outcome(failed=False), commit)
        elif outcome == "auth":
            self._in_bookkeeping_transaction(lambda: store._pause_for_auth(message), commit)
            return
        else:
            result = self._in_bookkeeping_transaction(lambda: store._record_job_outcome(failed=True), commit)
        if streaks is not None:
            # Unknown (the update lost a race): check again next time.
            streaks[store_id] = result

    @api.model
    def _in_bookkeeping_transaction(self, func, commit):
        """Run `func` (queue bookkeeping: requeue, release, store streak or pause) so that a
        concurrent worker cannot make it fail the caller.

        With `commit`: in its own READ COMMITTED transaction, committed (the caller's work is
        committed first), retried on deadlock. Without: in a savepoint of the caller's
        transaction; a concurrency error skips it. :returns: what `func` returns, or None.
        """
        cr = self.env.cr
        if not commit:
            try:
                with cr.savepoint():
                    return func()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
                _logger.info("queue bookkeeping skipped after a concurrent update: %s", exc)
                return None
        for attempt in range(3):
            try:
                cr.commit()
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                result = func()
                cr.commit()
                return result
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
                cr.rollback()
                _logger.info("queue bookkeeping retried after a concurrent update: %s", exc)
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        return None

    @api.model
    def _requeue_stuck(self):
        """Put back to pending the jobs a dead worker left in processing.

        A job claimed under a lease (the runner) is requeued as soon as no session holds its
        lease any more, whatever its age, and never while one does, however long it runs (see
        _LEASE_LOCK_NAMESPACE). A job claimed without one (inside a request, or before leases
        existed) is requeued after the timeout (System Parameter
        store_connector.job_timeout_minutes). The lost attempt counts as a retry and as a failure
        of the store, so a job that kills its worker every time ends failed after max_retries.

        :returns: the ids of the jobs handled.
        """
        minutes = self._int_param(const.PARAM_JOB_TIMEOUT_MINUTES, const.DEFAULT_JOB_TIMEOUT_MINUTES, 1)
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL(_STUCK_SQL, namespace=_LEASE_LOCK_NAMESPACE, minutes=minutes, now=_NOW))
        rows = cr.fetchall()
        if not rows:
            return []
        duration = labels.count_text(minutes, _("1 minute"), _("%(count)s minutes"), env=self.env)
        lost = {
            True: _("The worker running this job stopped (its database connection closed) before the "
                    "job finished."),
            False: _("The worker running this job stopped before it finished (no news for %(duration)s).",
                     duration=duration),
        }
        for leased in (True, False):
            exhausted = [job_id for job_id, _store, spent, has_lease in rows if spent and has_lease is leased]
            if exhausted:
                cr.execute(SQL(
                    """UPDATE sync_job SET state = 'failed', error_kind = 'crash', worker = NULL,
                              lease_key = NULL, last_error = %s, finished_at = %s
                        WHERE id = ANY(%s)""",
                    _("Gave up: %(error)s This happened on every attempt; the job itself may be what "
                      "stops the worker (a memory or time limit of the server, see its log). Retry it "
                      "once the cause is fixed.", error=lost[leased]),
                    _NOW, exhausted,
                ))
            retry = [job_id for job_id, _store, spent, has_lease in rows if not spent and has_lease is leased]
            if retry:
                self._sql_reopen(retry, SQL(
                    """retry_count = COALESCE(sync_job.retry_count, 0) + 1, error_kind = 'crash',
                       worker = NULL, lease_key = NULL, last_error = %s, next_attempt_at = %s""",
                    _("%(error)s It was put back in the queue to run again.", error=lost[leased]), _NOW,
                ))
        ids = [row[0] for row in rows]
        self.browse(ids).invalidate_recordset()
        _logger.warning("requeued %s sync jobs whose worker stopped: %s", len(ids), ids[:20])
        Store = self.env["connector.store"].sudo()
        for _job_id, store_id, _spent, _leased in rows:
            Store.browse(store_id)._record_job_outcome(failed=True)
        return ids

    @api.model
    def _cron_purge_done(self, limit=10000):
        """Delete up to `limit` done and cancelled jobs older than the retention (System
        Parameter store_connector.job_retention_days); failed and pending jobs are kept. Reports
        what is left to Odoo's cron progress, which calls again while some remain.

        :returns: the number of jobs deleted.
        """
        days = self._int_param(const.PARAM_JOB_RETENTION_DAYS, const.DEFAULT_JOB_RETENTION_DAYS)
        # The shared rate limit buckets of deleted stores, while at it (a few rows).
        rate_limiter.purge_stale_buckets(self.env.cr)
        self.env["store.api.request"]._purge_windows()
        self.env["store.api.call.stat"]._purge_old_buckets()
        return self._purge_batch(
            self, SQL("""SELECT id FROM sync_job
                          WHERE state IN ('done', 'cancelled')
                            AND COALESCE(finished_at, write_date) < %s - %s * interval '1 day'""",
                      _NOW, days),
            days, limit, "sync jobs")

    @api.model
    def _purge_batch(self, model, old_ids, days, limit, label):
        """Delete up to `limit` rows of `model` whose ids the query `old_ids` (odoo.tools.SQL)
        selects, the ones older than `days` days, report what is left to Odoo's cron progress
        (which calls again while some remain) and log it. The one purge of the suite's crons.

        :returns: the number of rows deleted.
        """
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL("DELETE FROM %s WHERE id IN (%s LIMIT %s)",
                       SQL.identifier(model._table), old_ids, limit))
        deleted = cr.rowcount
        cr.execute(SQL("SELECT count(*) FROM (%s) old", old_ids))
        remaining = cr.fetchone()[0]
        model.invalidate_model()
        self.env["ir.cron"]._notify_progress(done=deleted, remaining=remaining)
        if deleted:
            _logger.info("purged %s %s older than %s days (%s left)", deleted, label, days, remaining)
        return deleted

    # ================================================================ buttons
    def _check_queue_access(self):
        """The gate of the job buttons (Retry, Cancel, Run Now): a Store Connector User (see
        connector.store._check_store_user) who may read these jobs and their stores in the
        companies of the request. Superuser code passes.

        :raises AccessError: anyone else.
        """
        if self.env.su:
            return
        self.env["connector.store"]._check_store_user()
        self.check_access("read")
        self.sudo().store_id.with_env(self.env).check_access("read")

    def action_retry(self):
        """Run failed (or cancelled) jobs again, with a fresh retry budget; payload and error kept.

        A job whose identity key has a newer pending job is cancelled instead: that one runs.
        """
        self._check_queue_access()
        jobs = self.filtered(lambda j: j.state in ("failed", "cancelled"))
        if not jobs:
            raise UserError(_("Only failed or cancelled jobs can be retried."))
        self.env.flush_all()
        jobs._sql_reopen(jobs.ids, SQL("retry_count = 0, next_attempt_at = %s, worker = NULL", _NOW))
        jobs.invalidate_recordset()
        self._trigger_runner()
        return True

    def action_cancel(self):
        """Do not run the selected pending or failed jobs (again); a running job cannot be cancelled."""
        self._check_queue_access()
        jobs = self.filtered(lambda j: j.state in ("pending", "failed"))
        if not jobs:
            raise UserError(_("Only pending or failed jobs can be cancelled."))
        self.env.flush_all()
        # The state test in SQL, not only above: a worker may have claimed a job meanwhile.
        self.env.cr.execute(SQL(
            """UPDATE sync_job SET state = 'cancelled', finished_at = %s
                WHERE id = ANY(%s) AND state IN ('pending', 'failed')""",
            _NOW, jobs.ids,
        ))
        jobs.invalidate_recordset()
        return True

    @api.model
    def action_process_queue(self):
        """Process Queue button: run the due jobs now, in this request, of the stores the caller
        may read in the companies of the request (every store for superuser code).

        :raises AccessError: the caller is not a Store Connector User.
        """
        Store = self.env["connector.store"]
        Store._check_store_user()
        stores = Store.search([])
        count = self._process_queue(store_ids=stores.ids, commit=False, time_limit=60)
        return Store._notify_user(self._processed_text(count), kind="info", reload=True)

    @api.model
    def _processed_text(self, count):
        """Process Queue's answer: how many jobs ran, in a sentence (singular and plural apart)."""
        if not count:
            return _("No job was due: nothing ran. Jobs waiting for a retry run at their time.")
        if count == 1:
            return _("1 job ran: its result is on the Jobs list.")
        return _("%(count)s jobs ran: their results are on the Jobs list.", count=count)

    def action_run_now(self):
        """Run exactly the selected pending or failed jobs, now, in this request (a failed job
        gets a fresh retry budget). Other jobs of the queue are left to the runner.

        :raises AccessError: see `_check_queue_access`.
        :raises UserError: nothing selected can run, or a selected job's store is paused.
        """
        self._check_queue_access()
        jobs = self.filtered(lambda j: j.state in ("pending", "failed"))
        if not jobs:
            raise UserError(_("Only pending or failed jobs can be run."))
        paused = jobs.store_id.filtered("paused")
        if paused:
            raise UserError(_(
                "Store %(store)s is paused because the platform refused its credentials. "
                "Save new credentials (or click Resume on the store) first.",
                store=paused[0].name,
            ))
        self.env.flush_all()
        failed = jobs.filtered(lambda j: j.state == "failed")
        if failed:
            self._sql_reopen(failed.ids, SQL("retry_count = 0, worker = NULL"))
        Job = self.sudo()
        rows = Job._claim_rows(len(jobs), commit=False, job_ids=jobs.ids)
        ran = Job._run_claimed(rows, commit=False)
        jobs.invalidate_recordset()
        states = jobs.mapped("state")
        counts = {state: states.count(state) for state in ("done", "failed", "pending")}
        message = (
            _("1 job run: %(done)s done, %(failed)s failed, %(pending)s to retry.", **counts) if ran == 1
            else _("%(count)s jobs run: %(done)s done, %(failed)s failed, %(pending)s to retry.",
                   count=ran, **counts)
        )
        left = len(jobs) - len(rows)
        if left:
            # Not claimed: another worker runs them, or their store is at its parallel jobs limit.
            message += " " + (_(
                "1 job was left to the queue runner: another worker is running it or its store's jobs "
                "up to its Parallel Jobs Limit.") if left == 1 else _(
                "%(left)s jobs were left to the queue runner: other workers are running them or "
                "their store's jobs up to its Parallel Jobs Limit.", left=left))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success" if not counts["failed"] else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


class Base(models.AbstractModel):
    """The runner's store check, declared on every model (see `sync.job._target_records`)."""

    _inherit = "base"

    def _sync_job_store_records(self, store):
        """Which of these records a job of `store` may work on: the runner refuses a job whose
        target records are not all returned, before its handler runs.

        Every model with job handlers (``_job_*`` methods) overrides this with its own rule, the
        strictest that its handlers allow: a connector.store target is the job's store; a record
        with a store is one of the job's store; an Odoo record (sale order, delivery...) is tied
        to the store, or at least to its company. The default refuses everything, so that a model
        which declares nothing can never be the target of a job.

        Runs as superuser, once per job (or once per batch of jobs of one store), in the runner's
        hot path: read what the handler reads anyway.

        :param store: the job's connector.store (as superuser).
        :returns: the subset of `self` that belongs to `store`.
        """
        return self.browse()
