from datetime import timedelta

from odoo import api, fields, models
from odoo.sql_db import db_connect
from odoo.tools import SQL

from ..services.sync_api import retry_after_seconds

# ir.config_parameter holding the sync API's allowance per store and window (requests).
PARAM_API_RATE_LIMIT = "store_connector.api_rate_limit"
DEFAULT_API_RATE_LIMIT = 60
API_RATE_WINDOW_SECONDS = 60
# First key of the two-int advisory lock that serialises the counting of one store's requests
# (the second key is the store id); an arbitrary constant that no other lock of the suite uses.
_ADVISORY_LOCK_NAMESPACE = 731_540_021
# The same for the requests of one user to the routes that name no store (GET and POST
# /api/v1/stores), counted in their own table: keyed by user, not by store.
_USER_ADVISORY_LOCK_NAMESPACE = 731_540_022
USER_WINDOW_TABLE = "store_api_user_request"


class StoreApiRequest(models.Model):
    """The sync API requests of the last minute, per store: the rate limiter's sliding window.

    A sliding log rather than a counter per clock minute: a fixed minute lets a client send 60
    requests at 12:00:59 and 60 more at 12:01:00; the log refuses the 61st request of any
    60-second span. It stays small: at most `limit` rows a store, older rows are deleted
    by the next request of that store.

    Counting happens in its own short transaction on a separate connection to the primary
    database (never the request's cursor), under an advisory lock per store, in READ COMMITTED:
    every worker of every server sees the same count at once, a request that fails later (and
    rolls back) still counts, the routes that only read can run on a read-only replica cursor
    (`readonly=True`), and API requests of one store wait on each other only for those few
    statements, never for the whole request.

    The table is created by `init`, without a foreign key to the store (`_auto = False`): the
    separate connection must never wait on (nor need) the transaction that created the store, as
    the shared rate buckets of services/rate_limiter.py. Rows of deleted stores are deleted by
    `_purge_windows` (the daily purge cron).
    """

    _name = "store.api.request"
    _inherit = ["store.owned.mixin"]
    _description = "Sync API Request (rate limit window)"
    _auto = False
    _log_access = False
    _order = "requested_at desc, id desc"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", readonly=True)
    requested_at = fields.Datetime(required=True, readonly=True)

    def init(self):
        self.env.cr.execute("""
            CREATE TABLE IF NOT EXISTS store_api_request (
                id serial PRIMARY KEY,
                store_id integer NOT NULL,
                requested_at timestamp NOT NULL
            );
            -- Databases of earlier versions: the ORM made a foreign key to the store.
            ALTER TABLE store_api_request DROP CONSTRAINT IF EXISTS store_api_request_store_id_fkey;
            CREATE INDEX IF NOT EXISTS store_api_request_store_time_idx
                ON store_api_request (store_id, requested_at)
        """)
        # The window of the routes that name no store, per user: a plain table (no model, never
        # read through the ORM), written only by `_hit_user` on its own cursor.
        self.env.cr.execute(SQL(
            """CREATE TABLE IF NOT EXISTS %(table)s (
                   user_id integer NOT NULL,
                   requested_at timestamp NOT NULL
               );
               CREATE INDEX IF NOT EXISTS %(index)s ON %(table)s (user_id, requested_at)""",
            table=SQL.identifier(USER_WINDOW_TABLE),
            index=SQL.identifier(f"{USER_WINDOW_TABLE}_user_time_idx"),
        ))

    @api.model
    def _get_rate_limit(self):
        """Requests a store may receive per window (System Parameter `store_connector.api_rate_limit`)."""
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_API_RATE_LIMIT)
        try:
            return max(1, int(value)) if value else DEFAULT_API_RATE_LIMIT
        except ValueError:
            return DEFAULT_API_RATE_LIMIT

    @api.model
    def _hit(self, store_id, limit=None, window=API_RATE_WINDOW_SECONDS, now=None):
        """Count one request for `store_id` unless the store's window is full.

        :param limit: allowance per window; default the System Parameter (60).
        :param now: the request's time (naive UTC); default now. Taken from Python, not from
            PostgreSQL, so that tests can move it with freezegun.
        :returns: 0 when the request is allowed (and counted), else the seconds until the oldest
            request of the window leaves it (the Retry-After to answer, at least 1).
        """
        return self._hit_window(self._table, "store_id", _ADVISORY_LOCK_NAMESPACE, store_id,
                                limit=limit, window=window, now=now)

    @api.model
    def _hit_user(self, user_id, limit=None, window=API_RATE_WINDOW_SECONDS, now=None):
        """Count one request of `user_id` to a route that names no store (listing or creating
        stores), with the same allowance as a store's and the same sliding window.

        :returns: as `_hit`.
        """
        return self._hit_window(USER_WINDOW_TABLE, "user_id", _USER_ADVISORY_LOCK_NAMESPACE, user_id,
                                limit=limit, window=window, now=now)

    @api.model
    def _hit_window(self, table, key_column, lock_namespace, key, limit=None, window=API_RATE_WINDOW_SECONDS,
                    now=None):
        """The sliding log of `_hit` over `table`, whose rows are (`key_column`, requested_at)."""
        return hit_window(self.env.cr.dbname, table, key_column, lock_namespace, key,
                          limit=limit or self._get_rate_limit(), window=window,
                          now=now or fields.Datetime.now())

    @api.model
    def _purge_windows(self):
        """Delete the rows that left every window, and those of deleted stores (they have no
        foreign key, see the class). Called by the daily purge cron. :returns: the rows deleted."""
        self.env.cr.execute(SQL(
            """DELETE FROM store_api_request r
                WHERE r.requested_at < %(start)s
                   OR NOT EXISTS (SELECT 1 FROM connector_store s WHERE s.id = r.store_id)""",
            start=fields.Datetime.now() - timedelta(seconds=API_RATE_WINDOW_SECONDS),
        ))
        deleted = self.env.cr.rowcount
        self.env.cr.execute(SQL("DELETE FROM %s WHERE requested_at < %s", SQL.identifier(USER_WINDOW_TABLE),
                                fields.Datetime.now() - timedelta(seconds=API_RATE_WINDOW_SECONDS)))
        return deleted + self.env.cr.rowcount


def hit_window(dbname, table, key_column, lock_namespace, key, limit, window, now):
    """Count one request of `key` in the sliding log `table` unless `limit` requests of the last
    `window` seconds before `now` are already there.

    One short transaction on a connection of its own to the primary database of `dbname`, committed
    at once: the caller's cursor may be read-only (a replica), and the count holds for every worker
    and server of the database. READ COMMITTED, not Odoo's REPEATABLE READ: the snapshot of a
    statement that waited for the advisory lock would predate the rows the holder committed, and
    two requests would count the same 59 and both pass (and the DELETE would fail to serialize).

    :returns: 0 when the request is allowed (and counted), else the seconds until the oldest
        request of the window leaves it (at least 1).
    """
    start = now - timedelta(seconds=window)
    table_sql, column_sql = SQL.identifier(table), SQL.identifier(key_column)
    with db_connect(dbname).cursor() as cr:
        cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", lock_namespace, key))
        cr.execute(SQL("DELETE FROM %s WHERE %s = %s AND requested_at <= %s",
                       table_sql, column_sql, key, start))
        cr.execute(SQL("SELECT count(*), min(requested_at) FROM %s WHERE %s = %s",
                       table_sql, column_sql, key))
        count, oldest = cr.fetchone()
        if count >= limit:
            return retry_after_seconds((oldest - start).total_seconds())  # committed on leaving
        cr.execute(SQL("INSERT INTO %s (%s, requested_at) VALUES (%s, %s)",
                       table_sql, column_sql, key, now))
    return 0


def forget_windows(dbname):
    """Delete every count of the sync API's windows (tests: the counts are committed on connections
    of their own, as in production, so a test's rollback does not take them back)."""
    with db_connect(dbname).cursor() as cr:
        cr.execute(SQL("DELETE FROM store_api_request; DELETE FROM %s", SQL.identifier(USER_WINDOW_TABLE)))
