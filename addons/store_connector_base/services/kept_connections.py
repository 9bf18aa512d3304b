"""Connections this process keeps to one database and never resets between uses.

Odoo's pool resets every connection it lends (psycopg2's ``reset()``: ``DISCARD ALL``). That
drops what PostgreSQL keeps per session to make the next statement cheap: the cached plans of
the foreign key checks, the sequences' state, prepared statements. For a statement run on every
request, replanning each time is a real share of its cost. The webhook intake measured about
0.45 ms of PostgreSQL CPU a delivery for the reset alone, about 0.35 ms more for parsing and
planning a statement it could have prepared once (see store.webhook.delivery `_insert_delivery`).

A kept connection is one more PostgreSQL session per process that uses it, outside Odoo's
`db_maxconn`: the connections are kept up to `keep` per database (more are opened while that many
are in use at once, then closed). Work done on one is its own transaction, apart from the
request's: it must be complete on its own and idempotent (see `KeptConnections.run`).
"""

import contextlib
import os
import threading

import psycopg2

import odoo.sql_db
from odoo.tools import SQL

from .logs import get_logger

_logger = get_logger(__name__)

# Errors after which a connection is not used again (and, when it is found broken, the work is
# run once more on a new one).
CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
# Errors after which the connection is rolled back and used again.
REUSABLE_AFTER = (psycopg2.IntegrityError, psycopg2.extensions.TransactionRollbackError)


class KeptConnection:
    """A connection and what its session holds: the statements prepared on it."""

    def __init__(self, connection):
        self.connection = connection
        self.prepared = set()

    def prepare(self, cursor, name, parameter_types, statement):
        """Prepare `statement` (SQL text with parameters $1, $2... of `parameter_types`) as `name`
        on this session, unless it was. (Not undone by a rollback: PREPARE is not transactional.)"""
        if name not in self.prepared:
            query = SQL("PREPARE %s (%s) AS %s", SQL.identifier(name),
                        SQL(", ").join(SQL(kind) for kind in parameter_types), SQL(statement))
            cursor.execute(query.code, query.params or None)
            self.prepared.add(name)


class KeptConnections:
    """Connections to databases kept by this process (one set per process: a prefork worker does
    not use its parent's, which stay open for the parent).

    :param autocommit: each statement commits on its own (no transaction around `run`'s work).
    :param keep: how many idle connections per database are kept.
    """

    def __init__(self, autocommit=False, keep=4):
        self.autocommit = autocommit
        self.keep = keep
        self._lock = threading.Lock()
        self._idle = {}  # dbname: [KeptConnection]
        self._pid = os.getpid()
        self._inherited = []  # kept referenced: freeing one would end the parent's session

    def run(self, dbname, work):
        """Run ``work(cursor, kept)`` on a kept connection to `dbname` and commit (unless in
        autocommit); roll back and raise what it raised.

        When the connection turns out to be broken (PostgreSQL restarted, the session killed, an
        idle connection closed by the server), the work runs once more on a new connection: it
        must be idempotent, because a connection lost during the commit may have committed.

        :param work: callable(psycopg2 cursor, KeptConnection) -> result.
        :returns: work's result.
        :raises psycopg2.OperationalError, psycopg2.InterfaceError: the database cannot be reached
            (after one new connection).
        """
        for attempt in (1, 2):
            kept = self._borrow(dbname)
            try:
                with kept.connection.cursor() as cursor:
                    result = work(cursor, kept)
                if not self.autocommit:
                    kept.connection.commit()
            except CONNECTION_ERRORS:
                broken = bool(kept.connection.closed)
                self._close(kept)
                if attempt == 2 or not broken:
                    raise
                _logger.info("a kept connection to %s was broken: the work runs again on a new one", dbname)
                continue
            except BaseException as exc:
                self._rollback_and_give_back(dbname, kept, exc)
                raise
            self._give_back(dbname, kept)
            return result
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ pool
    def _borrow(self, dbname):
        with self._lock:
            self._forget_inherited()
            idle = self._idle.get(dbname)
            if idle:
                return idle.pop()
        _dbname, params = odoo.sql_db.connection_info_for(dbname)
        connection = psycopg2.connect(connection_factory=odoo.sql_db.PsycoConnection, **params)
        connection.autocommit = self.autocommit
        return KeptConnection(connection)

    def _give_back(self, dbname, kept):
        with self._lock:
            if self._pid == os.getpid():
                idle = self._idle.setdefault(dbname, [])
                if len(idle) < self.keep:
                    idle.append(kept)
                    return
        self._close(kept)

    def _rollback_and_give_back(self, dbname, kept, exc):
        # A failure of the data (a constraint, a concurrent change) leaves the session as it was;
        # any other database error (a prepared statement that no longer fits its tables...) may
        # not, and the connection is not used again.
        if isinstance(exc, psycopg2.Error) and not isinstance(exc, REUSABLE_AFTER):
            self._close(kept)
            return
        try:
            if not self.autocommit:
                kept.connection.rollback()
        except psycopg2.Error:
            self._close(kept)
            return
        self._give_back(dbname, kept)

    def _forget_inherited(self):
        """In a process forked from the one that opened them (call with _lock held): the parent's
        connections are left open for it, never used nor closed from here."""
        if self._pid != os.getpid():
            self._inherited.extend(kept.connection for idle in self._idle.values() for kept in idle)
            self._idle = {}
            self._pid = os.getpid()

    @staticmethod
    def _close(kept):
        with contextlib.suppress(psycopg2.Error):
            kept.connection.close()

    def close_all(self):
        """Close this process's idle connections (tests; a database about to be dropped)."""
        with self._lock:
            self._forget_inherited()
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for kept in connections:
                self._close(kept)
