import json
import re
from datetime import UTC, datetime

import psycopg2.errors

import odoo.http
import odoo.sql_db
from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .. import const
from ..exceptions import OperationNotPermitted, PermanentJobError, WebhookRejected
from ..services import cron_wakeup
from ..services.kept_connections import KeptConnections
from ..services.logs import get_logger
from .sync_job import _RUNNING_LOCK_NAMESPACE as RUNNING_LOCK_NAMESPACE
from .sync_job import _WAKE_SQL as WAKE_SQL
from .sync_job import wake_values

_logger = get_logger(__name__)

# A delivery and its job in one statement. Their ids are drawn first, so that the delivery is
# written with its job_id (a CTE cannot update a row inserted by a sibling CTE); the job is only
# inserted when the delivery was (not a duplicate). The foreign keys are checked at the end of the
# statement, when both rows exist. NOW as in sync.job: the statement's clock, in UTC. No user in
# create_uid/write_uid (the platform made them, through no user): each of their foreign keys would
# lock the user's row, on every delivery of every store, as the queue's own writes lock it too.
# With `wake`, the runner's trigger is written by the same statement, only when the job was (see
# sync.job._WAKE_SQL: the first active runner lane not running, whose lock is shared until the
# commit; the first runner when all run): one round trip for the three rows, and one statement
# for PostgreSQL to parse and plan instead of two. In a request, it runs prepared, on a connection
# kept apart from Odoo's pool (see `_insert_delivery`).
_INSERT_SQL = """
WITH ids AS (
    SELECT nextval('store_webhook_delivery_id_seq') AS delivery_id, nextval('sync_job_id_seq') AS job_id
), delivery AS (
    INSERT INTO store_webhook_delivery
           (id, store_id, company_id, kind, topic, event_id, headers, body, received_at, job_id,
            create_date, write_date)
    SELECT ids.delivery_id, %(store)s, %(company)s, %(kind)s, %(topic)s, %(event)s, %(headers)s,
           %(body)s, (statement_timestamp() AT TIME ZONE 'UTC'), ids.job_id,
           (statement_timestamp() AT TIME ZONE 'UTC'), (statement_timestamp() AT TIME ZONE 'UTC')
      FROM ids
    ON CONFLICT (store_id, event_id) DO NOTHING
    RETURNING id, job_id
), job AS (
    INSERT INTO sync_job
           (id, store_id, company_id, operation, direction, model_name, res_ids, method_name, payload,
            state, priority, retry_count, max_retries, next_attempt_at, run_when_archived,
            create_date, write_date)
    SELECT delivery.job_id, %(store)s, %(company)s, %(operation)s, 'import', 'store.webhook.delivery',
           jsonb_build_array(delivery.id), %(method_name)s, NULL, 'pending', %(priority)s, 0,
           %(max_retries)s, (statement_timestamp() AT TIME ZONE 'UTC'), %(run_when_archived)s,
           (statement_timestamp() AT TIME ZONE 'UTC'), (statement_timestamp() AT TIME ZONE 'UTC')
      FROM delivery
    RETURNING id
), wake AS (
    INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
    SELECT COALESCE((SELECT r.cron FROM unnest(%(runner_numbers)s::int[], %(runner_crons)s::int[])
                                        AS r(number, cron)
                       JOIN ir_cron c ON c.id = r.cron AND c.active
                      WHERE pg_try_advisory_xact_lock_shared(%(lock_namespace)s, r.number)
                      ORDER BY r.number LIMIT 1), %(first_runner)s),
           clock_timestamp() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
      FROM job
     WHERE %(wake)s
    RETURNING cron_id
)
SELECT delivery.id, job.id, (SELECT count(*) FROM wake) FROM delivery, job
"""

# _INSERT_SQL in the caller's own transaction: in a savepoint taken in the same round trip (see
# `_insert_delivery`).
_INSERT_IN_SAVEPOINT_SQL = "SAVEPOINT store_connector_intake;\n" + _INSERT_SQL

# _INSERT_SQL's parameters and their types, in the order of the prepared statement's $1, $2...
_INSERT_PARAMETERS = (
    ("store", "int4"), ("company", "int4"), ("kind", "varchar"), ("topic", "varchar"),
    ("event", "varchar"), ("headers", "jsonb"), ("body", "text"), ("operation", "varchar"),
    ("method_name", "varchar"), ("priority", "int4"), ("max_retries", "int4"),
    ("run_when_archived", "bool"), ("wake", "bool"), ("runner_numbers", "int4[]"),
    ("runner_crons", "int4[]"), ("lock_namespace", "int4"), ("first_runner", "int4"),
)
_PREPARED_INSERT_NAME = "store_connector_intake_insert"
_PREPARED_INSERT_SQL = re.sub(
    r"%\((\w+)\)s",
    lambda match: f"${[name for name, _kind in _INSERT_PARAMETERS].index(match.group(1)) + 1}",
    _INSERT_SQL,
)
# Static text built once at import from the constants above; the values stay parameters.
_EXECUTE_INSERT_SQL = "EXECUTE {name} ({params})".format(
    name=_PREPARED_INSERT_NAME, params=", ".join(f"%({name})s" for name, _kind in _INSERT_PARAMETERS),
)

# The connections the intake writes on, kept by each process (see `_insert_delivery`).
_kept_connections = KeptConnections()

# A delivery whose parse gave an identity key (all the events of one order...): the delivery alone,
# its job written by _KEYED_JOB_SQL next. Same clock as _INSERT_SQL.
_INSERT_KEYED_DELIVERY_SQL = """
SAVEPOINT store_connector_intake;
INSERT INTO store_webhook_delivery
       (id, store_id, company_id, kind, topic, event_id, headers, body, received_at, job_id,
        create_date, write_date)
VALUES (nextval('store_webhook_delivery_id_seq'), %(store)s, %(company)s, %(kind)s, %(topic)s, %(event)s,
        %(headers)s, %(body)s, (statement_timestamp() AT TIME ZONE 'UTC'), NULL,
        (statement_timestamp() AT TIME ZONE 'UTC'), (statement_timestamp() AT TIME ZONE 'UTC'))
ON CONFLICT (store_id, event_id) DO NOTHING
RETURNING id
"""

# The job of a keyed delivery: the delivery joins the store's pending job of that key, or else its
# failed one (which runs again, with a fresh retry budget, now that a newer event came), or else a
# new job with the key. The delivery then names its job. Without `merge`, a new job with the key;
# without a key, a new job without one (the fallbacks of `_insert_delivery`). In a savepoint of its
# own, taken in the same round trip, that a concurrent change of the job rolls back alone.
_KEYED_JOB_SQL = """
SAVEPOINT store_connector_intake_job;
WITH existing AS (
    SELECT id FROM sync_job
     WHERE %(merge)s AND store_id = %(store)s AND identity_key = %(key)s
       AND state IN ('pending', 'failed')
       AND model_name = 'store.webhook.delivery' AND method_name = %(method_name)s
     ORDER BY state = 'pending' DESC, id DESC
     LIMIT 1
       FOR NO KEY UPDATE
), merged AS (
    UPDATE sync_job j
       SET res_ids = COALESCE(j.res_ids, '[]'::jsonb) || jsonb_build_array(%(delivery)s::int),
           retry_count = CASE WHEN j.state = 'failed' THEN 0 ELSE j.retry_count END,
           next_attempt_at = CASE WHEN j.state = 'failed' THEN (statement_timestamp() AT TIME ZONE 'UTC')
                                  ELSE j.next_attempt_at END,
           state = 'pending', worker = NULL, operation = %(operation)s,
           priority = LEAST(j.priority, %(priority)s),
           run_when_archived = j.run_when_archived OR %(run_when_archived)s,
           write_uid = NULL, write_date = (statement_timestamp() AT TIME ZONE 'UTC')
      FROM existing
     WHERE j.id = existing.id
    RETURNING j.id
), job AS (
    INSERT INTO sync_job
           (store_id, company_id, operation, direction, model_name, res_ids, method_name, payload,
            state, priority, retry_count, max_retries, next_attempt_at, run_when_archived, identity_key,
            create_date, write_date)
    SELECT %(store)s, %(company)s, %(operation)s, 'import', 'store.webhook.delivery',
           jsonb_build_array(%(delivery)s::int), %(method_name)s, NULL, 'pending', %(priority)s, 0,
           %(max_retries)s, (statement_timestamp() AT TIME ZONE 'UTC'), %(run_when_archived)s,
           %(key)s, (statement_timestamp() AT TIME ZONE 'UTC'), (statement_timestamp() AT TIME ZONE 'UTC')
     WHERE %(key)s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM existing)
    RETURNING id
), plain AS (
    INSERT INTO sync_job
           (store_id, company_id, operation, direction, model_name, res_ids, method_name, payload,
            state, priority, retry_count, max_retries, next_attempt_at, run_when_archived,
            create_date, write_date)
    SELECT %(store)s, %(company)s, %(operation)s, 'import', 'store.webhook.delivery',
           jsonb_build_array(%(delivery)s::int), %(method_name)s, NULL, 'pending', %(priority)s, 0,
           %(max_retries)s, (statement_timestamp() AT TIME ZONE 'UTC'), %(run_when_archived)s,
           (statement_timestamp() AT TIME ZONE 'UTC'), (statement_timestamp() AT TIME ZONE 'UTC')
     WHERE %(key)s IS NULL
    RETURNING id
)
UPDATE store_webhook_delivery
   SET job_id = (SELECT id FROM merged UNION ALL SELECT id FROM job UNION ALL SELECT id FROM plain LIMIT 1)
 WHERE id = %(delivery)s
RETURNING job_id
"""

# Identity keys of delivery jobs are namespaced, so that they never merge with another job's key.
WEBHOOK_IDENTITY_PREFIX = "webhook:"

# Request headers never stored with a delivery: they may carry someone's credentials.
UNSTORED_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization"})
# Nor signatures (see store.adapter._webhook_signature_headers).
SIGNATURE_HEADER_RE = re.compile(const.WEBHOOK_SIGNATURE_HEADER_PATTERN, re.IGNORECASE)
# The platform endpoint (one URL per platform and app, see `_platform_delivery_store`), and what
# may name a platform in it.
PLATFORM_WEBHOOK_PATH = "/store_connector/webhook"
PLATFORM_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
# Managers only: what a platform sent (customers' names and addresses, the shop's data).
MANAGER_GROUP = "store_connector_base.group_store_connector_manager"


def _execute(cursor, query, params):
    """Run `query` on an Odoo cursor or a psycopg2 one. Failures are not logged as errors by
    Odoo's cursor: the intake expects some (a concurrent duplicate) and handles them."""
    if isinstance(cursor, odoo.sql_db.BaseCursor):
        cursor.execute(query, params, log_exceptions=False)
    else:
        cursor.execute(query, params)


def storable_headers(headers, unstored=()):
    """The request headers a delivery keeps: all but credentials and signatures.

    :param unstored: more header names to leave out (the adapter's signature headers).
    :returns: a dict.
    """
    dropped = UNSTORED_HEADERS | {name.lower() for name in unstored}
    return {
        key: value for key, value in headers.items()
        if key.lower() not in dropped and not SIGNATURE_HEADER_RE.search(key)
    }


class StoreWebhookDelivery(models.Model):
    """One webhook delivery as received: raw body and headers, and the job that processes it.

    Unique per (store, event id): a platform's duplicate delivery is stored once and processed once.
    Rows are written by `_receive` with plain SQL (it runs in the webhook request, which must answer
    fast); they are read and processed through the ORM. The body and headers are for Store
    Connector Managers; Users see the metadata (store, topic, event id, when, processing state).
    Signature headers are never stored.

    Nobody writes a delivery but the intake: its body is what a job processes as superuser, so a
    body changed by hand (then retried) would run as if the platform had sent it. No access rule
    grants create, write or unlink, and `create`/`write` refuse any caller but superuser code.
    Processed deliveries are deleted after a retention (`_cron_purge_processed`).
    """

    _name = "store.webhook.delivery"
    _inherit = ["store.owned.mixin"]
    _description = "Store Webhook Delivery"
    _order = "id desc"
    _rec_name = "event_id"
    # sync.job runs consecutive deliveries of one store together (see sync.job._batch_handler_name).
    _job_batch_handlers = {"_job_process": "_job_process_batch"}
    # A job holds all the deliveries of its key; superseded, it hands them over (sync.job._hand_over).
    _sync_job_accumulates_targets = True

    # store_id and topic need no index of their own: the unique (store_id, event_id) index and
    # the (store_id, topic, received_at) index of `init` serve those lookups, and every index
    # costs the intake insert.
    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    kind = fields.Char(required=True, help="The intake route kind it was posted to (orders, products...).")
    topic = fields.Char(help="The platform's topic, e.g. orders/create.")
    event_id = fields.Char(required=True, string="Event ID", help="The platform's delivery or event id.")
    headers = fields.Json(groups=MANAGER_GROUP, help="The request headers (never signatures or credentials).")
    body = fields.Text(groups=MANAGER_GROUP, help="The raw body, exactly as signed by the platform.")
    received_at = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    job_id = fields.Many2one("sync.job", index="btree_not_null", ondelete="set null", check_company=True)
    job_state = fields.Selection(related="job_id.state", string="Processing")

    _sql_constraints = [
        ("store_event_unique", "unique(store_id, event_id)", "This delivery was already received."),
    ]

    def init(self):
        # store.webhook.last_received_at reads max(received_at) per (store, topic).
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS store_webhook_delivery_store_topic_received_idx
                ON store_webhook_delivery (store_id, topic, received_at)
        """)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        """Deliveries are received, never made by hand. :raises AccessError: any caller but
        superuser code."""
        if not self.env.su:
            raise AccessError(_("Webhook deliveries are written by the webhook intake only."))
        return super().create(vals_list)

    def write(self, vals):
        """A delivery stays as received. :raises AccessError: any caller but superuser code."""
        if not self.env.su:
            raise AccessError(_("Webhook deliveries are kept as received: they cannot be changed."))
        return super().write(vals)

    # ------------------------------------------------------------------ intake
    @api.model
    def _receive(self, store, kind, headers, raw_body):
        """Intake of one delivery: verify, store, enqueue. Runs in the webhook request.

        An archived store receives only what its adapter declares it must still receive
        (`store.adapter._webhook_archived_store_topics`, e.g. requests to erase customers' data
        sent after an uninstall); their jobs run although the store is archived
        (`sync.job.run_when_archived`). Anything else for an archived store is answered 404, as
        for no store at all.

        :param store: a connector.store (sudo), active or archived.
        :param kind: the kind named in the URL.
        :param headers: request headers (case-insensitive mapping).
        :param raw_body: bytes as received.
        :returns: (status, message): 200 for a new ("queued"), duplicate ("duplicate"), ignored or
            ping ("ignored") delivery, for one older than the platform's retry window ("stale",
            neither stored nor queued), and for the echo of the connector's own export ("echo",
            see `store.adapter._webhook_is_echo`: neither stored nor queued).
        :raises WebhookRejected: 404 unknown kind, or a kind or topic an archived store does not
            receive; 401 bad signature, or a body naming another shop; 400 malformed body, a body
            that does not fit its topic, a timestamp missing (where the platform always sends
            one) or in the future.
        """
        adapter = store._get_adapter()
        if kind not in adapter._webhook_kinds(store):
            raise WebhookRejected(404, "unknown webhook kind")
        archived = not store.active
        # Before the signature: to anyone else, an archived store's address is no store at all.
        if archived and not self._archived_store_receives(adapter, store, kind):
            raise WebhookRejected(404, f"store archived: kind {kind} not received")
        if adapter._webhook_is_ping(store, kind, headers, raw_body):
            return 200, "ignored"
        adapter._verify_webhook(store, kind, headers, raw_body)
        if self._is_stale(adapter, store, kind, headers):
            # Not one of the platform's retries (they stop by then): its body posted again, or a
            # rare late delivery, which the scheduled pulls make up for.
            _logger.warning("webhook %s for store %s dropped: older than the platform's retry window",
                            kind, store.id)
            return 200, "stale"
        parsed = adapter._parse_webhook(store, kind, headers, raw_body)
        if parsed.get("ignore"):
            return 200, "ignored"
        topic = parsed.get("topic") or kind
        # Decided now, whatever the store's state: a store archived before the job runs (an
        # uninstall processed first) must still do it.
        run_when_archived = self._archived_store_receives(adapter, store, kind, topic)
        if archived and not run_when_archived:
            raise WebhookRejected(404, f"store archived: topic {topic[:100]} not received")
        adapter._webhook_check_payload(store, kind, headers, parsed)
        event_id = parsed.get("event_id")
        if not event_id:
            raise WebhookRejected(400, "delivery has no event id")
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            # Stored as text: an altered body could no longer be checked against its signature.
            raise WebhookRejected(400, "body is not UTF-8") from None
        if "\x00" in body:
            raise WebhookRejected(400, "body contains a NUL character")
        operation = parsed.get("operation") or f"webhook.{kind}"
        try:
            store._check_operation_allowed(operation)
        except OperationNotPermitted:
            # The merchant switched this off: answering an error would only make the platform
            # retry, then disable the subscription.
            _logger.info("webhook %s for store %s dropped: %s not permitted", kind, store.id, operation)
            return 200, "ignored"
        if adapter._webhook_is_echo(store, kind, topic, headers, parsed):
            # What the platform says back after our own export: storing it would only queue a job
            # that finds nothing to do.
            _logger.debug("webhook %s (%s) for store %s dropped: echo of our own export",
                          kind, topic, store.id)
            return 200, "echo"

        method_name = parsed.get("method") or "_job_process"
        if not method_name.startswith("_job_") or not callable(getattr(self, method_name, None)):
            raise ValueError(f"{self._name} has no job handler {method_name!r} (handlers are named _job_*)")
        kept_headers = storable_headers(headers, adapter._webhook_signature_headers(store))
        identity_key = parsed.get("identity_key")
        delivery_id = self._insert_delivery(
            store, kind, topic, str(event_id), kept_headers, body,
            operation=operation, method_name=method_name, priority=parsed.get("priority", 5),
            run_when_archived=run_when_archived,
            identity_key=f"{WEBHOOK_IDENTITY_PREFIX}{identity_key}"[:255] if identity_key else None,
            wake=True, apart=self._writes_apart(),
        )
        if not delivery_id:
            return 200, "duplicate"
        return 200, "queued"

    # ------------------------------------------------------------------ platform endpoint
    @api.model
    def _platform_adapter(self, platform):
        """The adapter of an installed platform named in the platform endpoint's URL, or None."""
        if not isinstance(platform, str) or not PLATFORM_NAME_RE.fullmatch(platform):
            return None
        if platform not in self.env["connector.store"]._fields["platform"].get_values(self.env):
            return None
        model_name = f"store.adapter.{platform}"
        return self.env[model_name] if model_name in self.env else None

    @api.model
    def _platform_webhook_url(self, platform):
        """The platform endpoint's URL, as registered with the platform (one per app)."""
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        return f"{base_url}{PLATFORM_WEBHOOK_PATH}/{platform}"

    @api.model
    def _platform_challenge(self, platform, params):
        """The answer to a verification challenge at the platform endpoint
        (`store.adapter._webhook_challenge_response`).

        :returns: a dict (answered 200 as JSON).
        :raises WebhookRejected(404): unknown platform, or one that uses no challenge.
        """
        adapter = self._platform_adapter(platform)
        if adapter is None:
            raise WebhookRejected(404, "unknown platform")
        answer = adapter._webhook_challenge_response(dict(params), self._platform_webhook_url(platform))
        if answer is None:
            raise WebhookRejected(404, f"platform {platform} answers no challenge")
        return answer

    @api.model
    def _platform_delivery_store(self, platform, headers, raw_body):
        """The store and kind of a delivery posted to the platform endpoint
        (`store.adapter._webhook_resolve_store`), for the same intake as the store's own route.

        :returns: (store code, kind).
        :raises WebhookRejected(404): unknown platform, a platform without a platform endpoint,
            or no store of this database (nothing is stored); another status as the adapter says.
        """
        adapter = self._platform_adapter(platform)
        if adapter is None:
            raise WebhookRejected(404, "unknown platform")
        resolved = adapter._webhook_resolve_store(platform, headers, raw_body)
        if resolved is None:
            raise WebhookRejected(404, f"platform {platform} has no platform webhook endpoint")
        store, kind = resolved
        if not store or len(store) != 1 or store.platform != platform or not store.code:
            raise WebhookRejected(404, "the delivery names no store of this database")
        return store.code, kind

    @api.model
    def _archived_store_receives(self, adapter, store, kind, topic=None):
        """Whether an archived store still receives deliveries of `kind` (and `topic`, when
        given), as its adapter declares (`_webhook_archived_store_topics`)."""
        declared = adapter._webhook_archived_store_topics(store) or {}
        if kind not in declared:
            return False
        return topic is None or topic in (declared[kind] or ())

    @api.model
    def _is_stale(self, adapter, store, kind, headers):
        """Whether a delivery is older than the platform's retry window (`_webhook_max_age`).

        :returns: bool (False when the platform sends no timestamp or declares no window).
        :raises WebhookRejected(400): its timestamp is later than now plus the allowed clock skew.
        """
        sent_at = adapter._webhook_timestamp(store, kind, headers)
        if sent_at is None:
            return False
        if sent_at.tzinfo is None:
            raise ValueError("_webhook_timestamp must return a timezone-aware datetime")
        now = datetime.now(UTC)
        if sent_at > now + adapter._webhook_clock_skew(store):
            raise WebhookRejected(400, f"delivery timestamp {sent_at.isoformat()} is in the future")
        max_age = adapter._webhook_max_age(store)
        return max_age is not None and sent_at < now - max_age

    @api.model
    def _writes_apart(self):
        """Whether this request's delivery is written on a connection kept apart from Odoo's pool
        (see `_insert_delivery`): in a request served on a cursor of the pool. Not on a cursor
        that shares another transaction (Odoo's TestCursor): a connection apart would not see
        what that transaction wrote, and would commit what it must roll back."""
        request = odoo.http.request
        return bool(request) and request.env.cr is self.env.cr and type(self.env.cr) is odoo.sql_db.Cursor

    @api.model
    def _insert_delivery(self, store, kind, topic, event_id, headers, body, operation, method_name,
                         priority=5, run_when_archived=False, identity_key=None, wake=False, apart=False):
        """Store a delivery and queue its job, unless this store already has its event id.

        One statement decides and writes both rows, so two copies of a delivery arriving together
        cannot both be kept, and a delivery is never kept without its job. The job is the one
        `sync.job._enqueue(store, operation, method_name, records=delivery, priority=priority)`
        makes (the caller checks the handler and the permission, and wakes the runner); it is
        written in SQL like `_enqueue`'s keyed jobs, because this runs on every delivery.
        `run_when_archived` marks the job to run even once the store is archived or paused.

        With an `identity_key` (the deliveries of one order...), the delivery joins the store's
        pending job of that key, else its failed one (run again now), else a new job with the key
        (see `_insert_keyed_delivery`): the job then works on several deliveries.

        With `wake`, a stored delivery wakes a queue runner once committed, as
        `sync.job._trigger_runner` does: its trigger is written in the delivery's own transaction
        (without an identity key, by the delivery's own statement), and the runners' NOTIFY
        follows the commit.

        With `apart` (the intake's requests, see `_writes_apart`), the rows are written and
        committed on a connection this process keeps (services.kept_connections), in a
        transaction of their own, before this method returns; the request's transaction has
        only read. Odoo's pool resets every connection it lends (DISCARD ALL): PostgreSQL would
        plan the statement and its foreign key checks again on every delivery, and could keep no
        prepared statement. On a kept connection the delivery's statement is prepared once.
        Otherwise they are written in this environment's transaction.

        :returns: the new delivery's id, or None for a duplicate.
        """
        runners = self.env["sync.job"]._runner_cron_ids() if wake else []
        params = {
            "runners": runners,
            "store": store.id, "company": store.company_id.id, "kind": kind,
            "topic": topic, "event": event_id, "headers": json.dumps(storable_headers(headers)),
            "body": body, "operation": operation,
            "method_name": method_name, "priority": priority,
            "max_retries": const.DEFAULT_MAX_RETRIES, "run_when_archived": bool(run_when_archived),
            "wake": bool(runners), "runner_numbers": [number for number, _cron in runners],
            "runner_crons": [cron for _number, cron in runners], "lock_namespace": RUNNING_LOCK_NAMESPACE,
            "first_runner": runners[0][1] if runners else None,
        }
        dbname = self.env.cr.dbname
        if apart:
            try:
                delivery_id, woken = _kept_connections.run(
                    dbname, lambda cursor, kept: self._write_delivery(cursor, kept, params, identity_key))
            except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure,
                    psycopg2.errors.ForeignKeyViolation) as exc:
                self._raise_unless_stored(store, event_id, exc)
                return None
            if woken:
                cron_wakeup.wake_cron_workers(dbname)
            return delivery_id
        # In this transaction, in a savepoint sent with the statement (one round trip): a
        # duplicate committed by a concurrent request after this transaction's snapshot was taken
        # makes ON CONFLICT fail (Odoo runs in REPEATABLE READ): roll back to it and answer
        # "duplicate" at once, rather than let Odoo retry the whole request after a random sleep.
        # Not released: the commit ends it.
        cr = self.env.cr
        try:
            delivery_id, woken = self._write_delivery(cr, None, params, identity_key)
        except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure) as exc:
            cr.execute("ROLLBACK TO SAVEPOINT store_connector_intake")
            self._raise_unless_stored(store, event_id, exc)
            return None
        if woken:
            cr.postcommit.add(lambda: cron_wakeup.wake_cron_workers(dbname))
        return delivery_id

    @api.model
    def _write_delivery(self, cursor, kept, params, identity_key):
        """The statements of `_insert_delivery`, on `cursor` (an Odoo cursor, or a psycopg2 one of
        the kept connection `kept`, which the statement is prepared on).

        Deliberately not `SET LOCAL synchronous_commit = off`, though the commit's WAL flush is a
        good part of the request's time: the platform stops retrying once it reads our 200, so a
        delivery acknowledged must be durable when the answer leaves; a crash in the window
        asynchronous commit opens would lose it with nobody left to send it again.

        :returns: (the new delivery's id or None for a duplicate, whether a runner was woken).
        """
        if identity_key:
            delivery_id = self._insert_keyed_delivery(cursor, dict(params, key=identity_key))
            if delivery_id and params["wake"]:
                _execute(cursor, WAKE_SQL, wake_values(params["runners"]))
            return delivery_id, bool(delivery_id and params["wake"])
        if kept is not None:
            kept.prepare(cursor, _PREPARED_INSERT_NAME, [kind for _name, kind in _INSERT_PARAMETERS],
                         _PREPARED_INSERT_SQL)
            _execute(cursor, _EXECUTE_INSERT_SQL, params)
        else:
            _execute(cursor, _INSERT_IN_SAVEPOINT_SQL, params)
        row = cursor.fetchone()
        return (row[0], bool(row[2])) if row else (None, False)

    @api.model
    def _raise_unless_stored(self, store, event_id, exc):
        """After the intake's insert failed on a concurrency error: answer "duplicate" only if the
        delivery really is stored, committed by a concurrent request this transaction's snapshot
        cannot see; else raise the error again, so that Odoo runs the request again (a new
        snapshot) or answers 503. A serialization failure is not always a duplicate: the insert's
        foreign key checks fail so too when the store's row was locked and changed meanwhile, and
        a 200 then would acknowledge a delivery that was never stored.

        :raises WebhookRejected(404): the store was deleted meanwhile.
        """
        with self.env.registry.cursor() as fresh:
            fresh.execute("""
                SELECT EXISTS(SELECT 1 FROM store_webhook_delivery WHERE store_id = %s AND event_id = %s),
                       EXISTS(SELECT 1 FROM connector_store WHERE id = %s)
            """, [store.id, event_id, store.id])
            stored, store_exists = fresh.fetchone()
        if stored:
            return
        if not store_exists:
            raise WebhookRejected(404, "unknown store") from exc
        _logger.info("webhook delivery %s of store %s met a concurrent change: the request runs again",
                     event_id, store.id)
        raise exc

    @api.model
    def _insert_keyed_delivery(self, cursor, params):
        """`_write_delivery` for a delivery with an identity key (`params["key"]`): two
        statements, the delivery (a duplicate is answered as in `_insert_delivery`), then its job
        (`_KEYED_JOB_SQL`).

        The job's statement may meet a concurrent change it cannot see (Odoo runs in REPEATABLE
        READ): the job of the key claimed by a worker since this request began, or another delivery
        of the key that just queued a job. Then it falls back, in this same request (a retry of
        the whole request would sleep up to seconds while the platform waits for the answer), to a
        new job with the key, then to a job without a key: the delivery is always queued; only
        the merge is missed, and sync.job keeps one failed job per key anyway (see
        `sync.job._supersede_failed`).

        :returns: the new delivery's id, or None for a duplicate.
        """
        _execute(cursor, _INSERT_KEYED_DELIVERY_SQL, params)
        row = cursor.fetchone()
        if not row:
            return None
        params = dict(params, delivery=row[0])
        identity_key = params["key"]
        attempts = ((True, identity_key), (False, identity_key), (False, None))
        for number, (merge, key) in enumerate(attempts, start=1):
            try:
                _execute(cursor, _KEYED_JOB_SQL, dict(params, merge=merge, key=key))
                cursor.fetchone()
                return params["delivery"]
            except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure):
                if number == len(attempts):
                    raise
                cursor.execute("ROLLBACK TO SAVEPOINT store_connector_intake_job")
                _logger.info("webhook delivery %s of store %s: job of %s changed concurrently, attempt %s",
                             params["delivery"], params["store"], identity_key, number + 1)
        return params["delivery"]

    @api.model
    def _forget_stored_signatures(self):
        """Remove the signature headers from the deliveries already stored (those received before
        signatures stopped being kept): the ones each store's adapter declares and those named
        like a signature. Run by the migration to 18.0.1.1.0, once every addon is loaded.

        :returns: the number of deliveries changed.
        """
        cr = self.env.cr
        self.flush_model(["headers"])
        cr.execute("SELECT DISTINCT store_id FROM store_webhook_delivery")
        stores = self.env["connector.store"].with_context(active_test=False).browse(
            [row[0] for row in cr.fetchall()]).exists()
        by_names = {}
        for store in stores:
            names = sorted({name.lower() for name in store._get_adapter()._webhook_signature_headers(store)})
            by_names.setdefault(tuple(names), []).append(store.id)
        changed = 0
        for names, store_ids in by_names.items():
            # One statement per set of names; the key test in SQL, like SIGNATURE_HEADER_RE.
            cr.execute("""
                UPDATE store_webhook_delivery d
                   SET headers = (SELECT COALESCE(jsonb_object_agg(h.key, h.value), '{}'::jsonb)
                                    FROM jsonb_each(d.headers) h
                                   WHERE NOT (lower(h.key) = ANY(%(names)s) OR h.key ~* %(pattern)s))
                 WHERE d.store_id = ANY(%(stores)s)
                   AND jsonb_typeof(d.headers) = 'object'
                   AND EXISTS (SELECT 1 FROM jsonb_object_keys(d.headers) k
                                WHERE lower(k) = ANY(%(names)s) OR k ~* %(pattern)s)
            """, {"names": list(names), "pattern": const.WEBHOOK_SIGNATURE_HEADER_PATTERN,
                  "stores": store_ids})
            changed += cr.rowcount
        self.invalidate_model(["headers"])
        return changed

    @api.model
    def _cron_purge_processed(self, limit=10000):
        """Delete up to `limit` deliveries received longer ago than the retention (System Parameter
        store_connector.webhook_delivery_retention_days) whose job is done, cancelled or gone
        (purged with the done jobs); those still pending or failed are kept. Reports what is left
        to Odoo's cron progress, which calls again while some remain.

        A purged delivery's event id is forgotten: keep the retention longer than the platforms'
        retry windows, so that a retry is still recognised as a duplicate.

        :returns: the number of deliveries deleted.
        """
        days = self.env["sync.job"]._int_param(const.PARAM_WEBHOOK_DELIVERY_RETENTION_DAYS,
                                               const.DEFAULT_WEBHOOK_DELIVERY_RETENTION_DAYS, 1)
        return self.env["sync.job"]._purge_batch(
            self, SQL("""SELECT d.id FROM store_webhook_delivery d
                           LEFT JOIN sync_job j ON j.id = d.job_id
                          WHERE d.received_at < (statement_timestamp() AT TIME ZONE 'UTC')
                                                - %s * interval '1 day'
                            AND (j.id IS NULL OR j.state IN ('done', 'cancelled'))""", days),
            days, limit, "webhook deliveries")

    # ------------------------------------------------------------------ processing
    def _payload(self):
        """The delivery's body, parsed as JSON (an empty dict for an empty body)."""
        self.ensure_one()
        return json.loads(self.body) if self.body else {}

    @api.model
    def _sync_job_handed_over(self, heirs):
        """The deliveries of superseded jobs now belong to their heirs (sync.job._hand_over).
        :param heirs: {superseded job id: heir job id}."""
        self.env.cr.execute(
            """UPDATE store_webhook_delivery d SET job_id = p.heir_id
                 FROM unnest(%s::int[], %s::int[]) AS p(gone_id, heir_id)
                WHERE d.job_id = p.gone_id""",
            [list(heirs), list(heirs.values())],
        )
        self.invalidate_model(["job_id"])

    def _sync_job_store_records(self, store):
        """Jobs of a store process the deliveries it received (see sync.job._target_records)."""
        return self.filtered(lambda record: record.store_id.id == store.id)

    def _acted_on(self):
        """The delivery a job of several deliveries (of one identity key) acts on: the newest by
        the platform's account (`store.adapter._webhook_latest_delivery`); the others are older
        news of the same thing. :returns: one delivery."""
        if len(self) <= 1:
            return self
        store = self.store_id
        if len(store) != 1:
            raise PermanentJobError(_("The deliveries of this job belong to several stores: it was not run."))
        latest = store._get_adapter()._webhook_latest_delivery(store, self)
        if len(latest) != 1 or latest not in self:
            raise ValueError("_webhook_latest_delivery must return one of the deliveries it was given")
        return latest

    def _job_result(self, acted_on, result):
        """A job's result, naming the deliveries it covered without acting on them."""
        covered = (self - acted_on).ids
        if not covered:
            return result
        return {"result": result, "delivery": acted_on.id, "covered_deliveries": covered}

    def _job_process(self, job):
        """Queue handler: hand the delivery to its platform addon (`store.adapter._process_webhook`).

        A job of several deliveries (one identity key: the events of one order) acts on the
        newest of them (`_acted_on`); the others are covered by it."""
        acted_on = self._acted_on()
        store = acted_on.store_id
        return self._job_result(acted_on, store._get_adapter()._process_webhook(store, acted_on))

    def _job_process_batch(self, jobs):
        """Batch queue handler of `_job_process` (deliveries of one store): hand the delivery each
        job acts on (`_acted_on`) to `store.adapter._process_webhook_batch`.
        :returns: {job id: result} of the jobs completed."""
        store = self.store_id
        if len(store) != 1 or any(job.store_id != store for job in jobs):
            return {}
        by_delivery, job_deliveries = {}, {}
        # One pass over the deliveries, not one per job: a batch holds up to 200 jobs.
        mine = set(self.ids)
        for job in jobs:
            deliveries = self.browse([delivery for delivery in job.res_ids or () if delivery in mine])
            if not deliveries:
                continue
            acted_on = deliveries._acted_on()
            by_delivery[acted_on.id] = job
            job_deliveries[job.id] = (deliveries, acted_on)
        acted = self.browse(list(by_delivery))
        if not acted:
            return {}
        results = store._get_adapter()._process_webhook_batch(store, acted)
        done = {}
        for delivery_id, result in results.items():
            job = by_delivery.get(delivery_id)
            if job:
                deliveries, acted_on = job_deliveries[job.id]
                done[job.id] = deliveries._job_result(acted_on, result)
        return done
