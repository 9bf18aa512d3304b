"""Platform API call statistics: calls, errors and response times per store and hour.

Every platform client's request goes through `ApiClient._send` (services/api_client.py), which
counts its outcome here with `record_api_call` (services/api_call_stats.py): one UPSERT of the
(store, hour) row, in a short transaction of its own on a separate connection, committed at once. So:

* a job that fails and rolls back still counts the calls it made (those are the ones people look
  for on the dashboard);
* the row is locked only for that one statement, never for a whole job; workers calling the same
  store's platform take turns for a few microseconds;
* the table stays small: one row per store and hour with traffic, and rows older than
  `API_CALL_STAT_RETENTION_DAYS` days (or of deleted stores) are deleted by the daily purge cron
  (`_purge_old_buckets`, called by sync.job `_cron_purge_done`).

The table has no foreign key to the store (`_auto = False`, created by `init`), as the rate limiter's
buckets: the separate transaction must never wait on (nor need) the transaction that created the
store. It carries the store's company and platform so that the record rule and the per-platform
figures need no join.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# Hour buckets older than this are deleted by the daily purge (the dashboard shows 30 days at most).
API_CALL_STAT_RETENTION_DAYS = 35


class StoreApiCallStat(models.Model):
    """One store's platform API calls of one hour: how many, how many failed, how long they took.
    Read-only for everyone (written by `record_api_call` only); see the module docstring."""

    _name = "store.api.call.stat"
    _inherit = ["store.owned.mixin"]
    _description = "Platform API Calls per Hour"
    _auto = False
    _log_access = False
    _order = "bucket desc, id desc"
    _rec_name = "bucket"

    _check_company_auto = True

    store_id = fields.Many2one("connector.store", string="Store", required=True, readonly=True,
                               check_company=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    platform = fields.Char(readonly=True, help="The store's platform (technical code).")
    bucket = fields.Datetime(string="Hour", required=True, readonly=True)
    call_count = fields.Integer(string="Calls", readonly=True, aggregator="sum")
    error_count = fields.Integer(
        string="Errors", readonly=True, aggregator="sum",
        help="Calls that got no answer (timeout, connection refused) or an HTTP error (400 and up).")
    throttled_count = fields.Integer(
        string="Throttled", readonly=True, aggregator="sum",
        help="Calls the platform refused because too many were sent (HTTP 429).")
    total_ms = fields.Integer(string="Total Time (ms)", readonly=True, aggregator="sum")
    max_ms = fields.Integer(string="Slowest (ms)", readonly=True, aggregator="max")
    avg_ms = fields.Float(
        string="Average Time (ms)", compute="_compute_avg_ms", digits=(16, 0),
        help="The average response time of the hour's calls.")

    def init(self):
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS store_api_call_stat (
                id serial PRIMARY KEY,
                store_id integer NOT NULL,
                company_id integer,
                platform varchar,
                bucket timestamp NOT NULL,
                call_count integer NOT NULL DEFAULT 0,
                error_count integer NOT NULL DEFAULT 0,
                throttled_count integer NOT NULL DEFAULT 0,
                total_ms bigint NOT NULL DEFAULT 0,
                max_ms integer NOT NULL DEFAULT 0
            );
            -- The UPSERT's conflict target, and the dashboard's lookups by store and time.
            CREATE UNIQUE INDEX IF NOT EXISTS store_api_call_stat_store_bucket_uniq
                ON store_api_call_stat (store_id, bucket);
            CREATE INDEX IF NOT EXISTS store_api_call_stat_company_bucket_idx
                ON store_api_call_stat (company_id, bucket)
        """)

    @api.depends("call_count", "total_ms")
    def _compute_avg_ms(self):
        for stat in self:
            stat.avg_ms = stat.total_ms / stat.call_count if stat.call_count else 0.0

    @api.model
    def _purge_old_buckets(self, days=API_CALL_STAT_RETENTION_DAYS):
        """Delete the hour buckets older than `days` days and those of deleted stores (the table has
        no foreign key). Called by the daily purge cron. :returns: the rows deleted."""
        self.env.cr.execute(SQL(
            """DELETE FROM store_api_call_stat c
                WHERE c.bucket < %(start)s
                   OR NOT EXISTS (SELECT 1 FROM connector_store s WHERE s.id = c.store_id)""",
            start=fields.Datetime.now() - timedelta(days=days),
        ))
        return self.env.cr.rowcount
