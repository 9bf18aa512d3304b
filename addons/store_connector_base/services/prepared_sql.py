"""Statements prepared once per database connection (PREPARE / EXECUTE), for the few that run on
every webhook delivery: PostgreSQL then parses and plans them once per connection instead of once
per request (measured on the intake's statement: about 0.4 ms of PostgreSQL CPU per delivery, a
third of what the delivery adds to a refused request's).

Which statements a connection holds is tracked on the psycopg2 connection object itself, so a
connection Odoo opens again (PostgreSQL restarted, a broken connection dropped from the pool)
starts with none. Should a connection have lost one anyway (`DISCARD ALL`, a pooler between Odoo
and PostgreSQL), the statement is prepared again and run once more, rolled back to a savepoint the
caller names; and if that fails too (a pooler in transaction mode, where a session's prepared
statements are not its own), the statement's plain text is run from then on.
"""

import hashlib
import re

import psycopg2.errors

from .logs import get_logger

_logger = get_logger(__name__)

_PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
_LOST_OR_UNTRACKED = (psycopg2.errors.InvalidSqlStatementName, psycopg2.errors.DuplicatePreparedStatement)
# Set on a psycopg2 connection: the names of the statements prepared on it.
_PREPARED_ATTR = "_store_connector_prepared"


class PreparedStatement:
    """One statement with named parameters (`%(name)s`), run as a prepared statement.

    :param prefix: the statement's name prefix (a PostgreSQL identifier); the text's hash is
        appended, so that two versions of a statement never share a name on one connection.
    :param sql: the statement, one statement, its parameters written `%(name)s`.
    """

    def __init__(self, prefix, sql):
        self.sql = sql
        self.params = []
        for name in _PLACEHOLDER_RE.findall(sql):
            if name not in self.params:
                self.params.append(name)
        # `%%` stays: the PREPARE goes through psycopg2's interpolation with the EXECUTE's parameters.
        body = _PLACEHOLDER_RE.sub(lambda m: f"${self.params.index(m.group(1)) + 1}", sql)
        self.name = f"{prefix}_{hashlib.sha1(sql.encode()).hexdigest()[:10]}"
        self.prepare_sql = f"PREPARE {self.name} AS {body}"
        self.execute_sql = f"EXECUTE {self.name} ({', '.join(f'%({name})s' for name in self.params)})"
        self.disabled = False  # a connection refused to keep it: plain text from then on

    def execute(self, cr, params, savepoint, log_exceptions=True):
        """Run the statement on `cr` with `params`, preparing it first on this connection if needed.

        :param savepoint: the name of a savepoint this method takes before the statement, in the
            same round trip (the caller rolls back to it on its own errors); an EXECUTE of a
            statement the connection no longer holds is rolled back to it, then run again.
        """
        if self.disabled:
            cr.execute(f"SAVEPOINT {savepoint}; {self.sql}", params, log_exceptions=log_exceptions)
            return
        connection = cr._cnx
        prepared = getattr(connection, _PREPARED_ATTR, None)
        if prepared is None:
            prepared = set()
            setattr(connection, _PREPARED_ATTR, prepared)
        for attempt in (1, 2):
            statement = self.execute_sql
            if self.name not in prepared:
                statement = f"{self.prepare_sql}; {statement}"
                # Counted as held from now: a PREPARE is not transactional, it stays on the connection
                # when the EXECUTE after it fails (a duplicate delivery) and the transaction rolls back.
                prepared.add(self.name)
            try:
                cr.execute(f"SAVEPOINT {savepoint}; {statement}", params, log_exceptions=log_exceptions)
                return
            except _LOST_OR_UNTRACKED as exc:
                cr.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                if attempt == 2:
                    _logger.warning("the database connection does not keep prepared statements (a pooler "
                                    "in transaction mode?): %s runs as plain text", self.name)
                    self.disabled = True
                    cr.execute(f"SAVEPOINT {savepoint}; {self.sql}", params, log_exceptions=log_exceptions)
                    return
                # Lost since it was prepared (DISCARD ALL...): prepare it again. Or held though not
                # tracked here: the name carries the text's hash, so it is this very statement.
                if isinstance(exc, psycopg2.errors.InvalidSqlStatementName):
                    prepared.discard(self.name)
