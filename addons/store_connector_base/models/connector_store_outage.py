"""A store's platform outage: the queue's circuit breaker (see sync.job `_on_exception`, `_claim_rows`).

When a store's platform fails PLATFORM_OUTAGE_THRESHOLD jobs in a row for a transient cause (no
answer in time, connection refused, HTTP 5xx, HTTP 429 from the platform), the store is marked
unavailable since then. From that moment its jobs stop spending their retries on the outage: they wait,
pending, while the runner sends ONE job at a time as a probe (the first due one), at growing intervals
(PLATFORM_OUTAGE_PROBE_BASE_SECONDS doubling up to PLATFORM_OUTAGE_PROBE_MAX_SECONDS, or later when the
platform's Retry-After says so). The first job of the store that succeeds ends the outage and every
waiting job runs again at once, so that the store recovers within a probe interval of the platform's
return, however long the outage lasted (an outage no longer spends the 5 retries x backoff, about five
minutes, that each job has).

The state is a few columns of the store, written in SQL by the queue's bookkeeping transactions
(`sync.job._record_store_outcome`), never by a job's own transaction.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, format_datetime

from .. import const
from ..labels import number as lang_number
from ..services.redact import safe_message

# The database clock, as the queue uses it (sync_job.NOW).
_NOW = SQL("(statement_timestamp() AT TIME ZONE 'UTC')")
_ERROR_LIMIT = 500
# The outage columns the queue writes in SQL (dropped from the cache after each write).
_OUTAGE_FIELDS = [
    "platform_error_streak", "platform_outage_since", "platform_outage_error", "platform_outage_probe_at",
    "platform_outage_probes", "platform_outage_probe_job_id",
]


class ConnectorStore(models.Model):
    """The platform outage state of a store (circuit breaker of its jobs); see the module docstring."""

    _inherit = "connector.store"

    platform_error_streak = fields.Integer(
        readonly=True, copy=False,
        help="Jobs of this store that failed in a row because its platform did not answer (time-outs, "
             "refused connections, server errors, HTTP 429).",
    )
    platform_outage_since = fields.Datetime(
        string="Platform Unavailable Since", readonly=True, copy=False,
        help="Since when the platform does not answer: the store's jobs wait (their retries untouched) "
             "and one job at a time checks whether the platform is back.",
    )
    platform_outage_error = fields.Char(
        string="Last Platform Error", readonly=True, copy=False,
        help="The last transient error of the platform (a time-out, a refused connection, a server error).",
    )
    platform_outage_probe_at = fields.Datetime(
        string="Next Platform Check", readonly=True, copy=False,
        help="When the next job is sent to check whether the platform answers again.",
    )
    platform_outage_probes = fields.Integer(readonly=True, copy=False)
    # The id of the job checking right now whether the platform answers again (a plain id: the queue
    # writes it in SQL while claiming, and a purged job must not hold anything up).
    platform_outage_probe_job_id = fields.Integer(readonly=True, copy=False)
    platform_outage_message = fields.Char(
        string="Platform Outage", compute="_compute_platform_outage_message",
        help="What the merchant reads on the store while its platform does not answer.",
    )

    @api.depends("platform_outage_since", "platform_outage_error", "platform_outage_probe_at")
    def _compute_platform_outage_message(self):
        outages = self.filtered("platform_outage_since")
        counts = {}
        if outages:
            counts = {
                store.id: count
                for store, count in self.env["sync.job"].sudo()._read_group(
                    [("store_id", "in", outages.ids), ("state", "=", "pending")], ["store_id"], ["__count"])
            }
        labels = dict(self._fields["platform"]._description_selection(self.env))
        for store in self:
            if not store.platform_outage_since:
                store.platform_outage_message = False
                continue
            count = counts.get(store.id, 0)
            platform = labels.get(store.platform) or _("The platform")
            since = format_datetime(self.env, store.platform_outage_since, dt_format="short")
            if count:
                message = _(
                    "%(platform)s is not answering since %(since)s; %(count)s jobs wait and will resume by "
                    "themselves once it answers again.",
                    platform=platform, since=since, count=lang_number(self.env, count),
                ) if count > 1 else _(
                    "%(platform)s is not answering since %(since)s; 1 job waits and will resume by itself "
                    "once it answers again.",
                    platform=platform, since=since,
                )
            else:
                message = _(
                    "%(platform)s is not answering since %(since)s; new jobs will wait and resume by "
                    "themselves once it answers again.",
                    platform=platform, since=since,
                )
            if store.platform_outage_probe_at:
                message += " " + _(
                    "Next check: %(when)s.",
                    when=format_datetime(self.env, store.platform_outage_probe_at, dt_format="short"),
                )
            if store.platform_outage_error:
                message += " " + _("Last error: %(error)s", error=store.platform_outage_error)
            store.platform_outage_message = message

    # ------------------------------------------------------------------ business (the queue calls these)
    @api.model
    def _platform_probe_delay(self, probes, retry_after=None):
        """Seconds until the next probe of an outage, after `probes` failed probes: growing from
        PLATFORM_OUTAGE_PROBE_BASE_SECONDS to PLATFORM_OUTAGE_PROBE_MAX_SECONDS, never earlier than the
        platform's Retry-After."""
        delay = min(const.PLATFORM_OUTAGE_PROBE_BASE_SECONDS * 2 ** min(probes, 16),
                    const.PLATFORM_OUTAGE_PROBE_MAX_SECONDS)
        return max(float(delay), float(retry_after or 0))

    def _platform_outage_holds_retries(self):
        """Whether a transient platform failure of a job of this store spends no retry: the store is in
        an outage (for less than PLATFORM_OUTAGE_HOLD_SECONDS: after that, failures spend retries
        again, so that a job that fails every time still ends failed), or this failure starts one.
        Read from the database, whatever the cache holds."""
        self.ensure_one()
        self.env.cr.execute(SQL(
            """SELECT platform_outage_since IS NOT NULL
                      AND platform_outage_since > %(now)s - %(hold)s * interval '1 second',
                      COALESCE(platform_error_streak, 0) + 1 >= %(threshold)s
                      AND platform_outage_since IS NULL
                 FROM connector_store WHERE id = %(id)s""",
            now=_NOW, hold=const.PLATFORM_OUTAGE_HOLD_SECONDS, threshold=const.PLATFORM_OUTAGE_THRESHOLD,
            id=self.id,
        ))
        row = self.env.cr.fetchone()
        return bool(row and (row[0] or row[1]))

    def _record_platform_unavailable(self, job_id, message, retry_after=None):
        """A job of this store failed because its platform did not answer: count it; at
        PLATFORM_OUTAGE_THRESHOLD in a row the outage starts (activity log, managers told, the runner
        woken for the first probe); a failed probe schedules the next one. Atomic SQL: concurrent
        workers count every failure, and only the failure that reaches the threshold starts the outage.

        :param job_id: the failed job (the outage's probe, or a job that was running when it began).
        :param message: the job's error (already redacted), kept as the store's last platform error.
        :param retry_after: seconds the platform asked to wait, if it said so.
        :returns: the store's platform failure streak.
        """
        self.ensure_one()
        cr = self.env.cr
        error = safe_message(message or "", (), limit=_ERROR_LIMIT)
        cr.execute(SQL(
            """UPDATE connector_store
                  SET platform_error_streak = COALESCE(platform_error_streak, 0) + 1,
                      platform_outage_error = %(error)s
                WHERE id = %(id)s
            RETURNING platform_error_streak, platform_outage_since, platform_outage_probe_job_id,
                      COALESCE(platform_outage_probes, 0)""",
            error=error, id=self.id,
        ))
        streak, since, probe_job_id, probes = cr.fetchone()
        starts = since is None and streak >= const.PLATFORM_OUTAGE_THRESHOLD
        if starts or (since is not None and probe_job_id and probe_job_id == job_id):
            probes = 0 if starts else probes + 1
            delay = self._platform_probe_delay(probes, retry_after)
            cr.execute(SQL(
                """UPDATE connector_store
                      SET platform_outage_since = COALESCE(platform_outage_since, %(now)s),
                          platform_outage_probe_at = %(now)s + %(delay)s * interval '1 second',
                          platform_outage_probes = %(probes)s, platform_outage_probe_job_id = NULL
                    WHERE id = %(id)s
                RETURNING platform_outage_probe_at""",
                now=_NOW, delay=delay, probes=probes, id=self.id,
            ))
            probe_at = cr.fetchone()[0]
            self.env["sync.job"]._trigger_runner(probe_at)
        self.invalidate_recordset(_OUTAGE_FIELDS)
        if starts:
            self._log_activity("platform_outage", "failed", message=_(
                "The platform does not answer (a job failed for a transient cause): the store's jobs "
                "wait, their retries untouched, and one job at a time checks whether it is back. Last "
                "error: %(error)s", error=error,
            ) if streak == 1 else _(
                "The platform does not answer (%(count)s jobs in a row failed for a transient cause): the "
                "store's jobs wait, their retries untouched, and one job at a time checks whether it is "
                "back. Last error: %(error)s", count=lang_number(self.env, streak), error=error,
            ))
        return streak

    def _release_platform_probe(self, job_id):
        """The probe `job_id` of this store's outage ended neither in success nor in a platform failure
        (a job error of its own, the connector's own rate limit): the next due job probes at once."""
        self.ensure_one()
        self.env.cr.execute(SQL(
            """UPDATE connector_store SET platform_outage_probe_job_id = NULL, platform_outage_probe_at = %s
                WHERE id = %s AND platform_outage_probe_job_id = %s""",
            _NOW, self.id, job_id,
        ))
        if self.env.cr.rowcount:
            self.invalidate_recordset(["platform_outage_probe_job_id", "platform_outage_probe_at"])
            self.env["sync.job"]._trigger_runner()

    def _end_platform_outage(self):
        """The platform answered (a job of the store succeeded, or its credentials were refused, which
        takes an answer): end the failure streak and the outage; every waiting job runs again now.

        :returns: whether an outage ended.
        """
        self.ensure_one()
        cr = self.env.cr
        # FOR NO KEY UPDATE, not FOR UPDATE: the row is changed, not its key, and a FOR UPDATE lock
        # makes every concurrent insert referring to the store (a webhook delivery, a job) fail its
        # foreign key check with a serialization failure once this commits (REPEATABLE READ).
        cr.execute(SQL(
            """UPDATE connector_store AS store
                  SET platform_error_streak = 0, platform_outage_since = NULL,
                      platform_outage_probe_at = NULL, platform_outage_probes = 0,
                      platform_outage_probe_job_id = NULL
                 FROM (SELECT id, platform_outage_since FROM connector_store WHERE id = %(id)s
                         FOR NO KEY UPDATE) old
                WHERE store.id = old.id
                  AND (store.platform_error_streak <> 0 OR store.platform_outage_since IS NOT NULL)
            RETURNING old.platform_outage_since, %(now)s""",
            id=self.id, now=_NOW,
        ))
        row = cr.fetchone()
        if not row:
            return False
        since, now = row
        self.invalidate_recordset(_OUTAGE_FIELDS)
        if since is None:
            return False
        minutes = max(1, round((now - since) / timedelta(minutes=1)))
        self._log_activity("platform_outage", "done", message=_(
            "The platform answers again after about a minute without answering: the store's waiting "
            "jobs run again.",
        ) if minutes == 1 else _(
            "The platform answers again after about %(minutes)s minutes without answering: the store's "
            "waiting jobs run again.", minutes=minutes,
        ))
        self.env["sync.job"]._trigger_runner()
        return True

    def _record_job_outcome(self, failed):
        """A success also ends the platform failure streak and any outage (see `_end_platform_outage`)."""
        if not failed:
            self._end_platform_outage()
        return super()._record_job_outcome(failed)

    def _pause_for_auth(self, message):
        """A refusal of the credentials is an answer: the platform is up, whatever outage was recorded."""
        super()._pause_for_auth(message)
        for store in self:
            store._end_platform_outage()
