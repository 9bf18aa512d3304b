"""Looking for secrets where they must never be (issue #12, security checks): every text, JSON and
binary column of every table of the database, and everything logged at DEBUG level, including
`odoo.sql_db`'s log of every query with its parameters.

Why read the tables with SQL in the test's own transaction rather than `pg_dump` the database: a
TransactionCase never commits, so a dump (another connection) sees none of what the test wrote; a
committed fixture in a separate database would not run the code under test the way the suite does.
The same transaction sees every row the run wrote, in every table, as a dump of it would. Large
objects and the filestore hold no credentials (attachments are product images and exports).

Platform addons' tests use the mixin with their own stores and calls: see
tests/test_security_scale_out.py for the test platform.
"""

import base64
import contextlib
import logging
import secrets
from urllib.parse import quote, quote_plus

from odoo.tools import SQL

TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "bytea")


def recognisable_secret(key):
    """A random secret named after its credential key, easy to find and never found by chance."""
    return f"SCAN{key.replace('_', '').upper()[:10]}x{secrets.token_hex(12)}"


def secret_forms(values):
    """What to look for: each secret as is, URL-encoded, base64 (standard and URL-safe), and each
    pair in HTTP Basic form (base64 of "a:b"), the ways a secret travels in a request."""
    forms = {}
    values = [value for value in values if value]
    for value in values:
        forms[value] = value
        forms[quote(value, safe="")] = value
        forms[quote_plus(value)] = value
        encoded = base64.b64encode(value.encode()).decode()
        # A base64 text inside a longer one is shifted by its offset: its first characters change
        # with what precedes it, so look for the middle, which does not.
        forms[encoded.rstrip("=")[4:-4]] = value
        forms[base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")[4:-4]] = value
    for first in values:
        for second in values:
            if first != second:
                basic = base64.b64encode(f"{first}:{second}".encode()).decode()
                forms[basic.rstrip("=")[4:-4]] = f"{first}:{second}"
    return {form: value for form, value in forms.items() if len(form) >= 12}


class SecretScanMixin:
    """For TransactionCase/HttpCase classes: `capture_debug_log()` around the run, then
    `find_secrets_in_database(values)` and `find_secrets_in_text(text, values)`."""

    @contextlib.contextmanager
    def capture_debug_log(self):
        """Everything logged anywhere at DEBUG level while the block runs; yields the list of
        formatted records (messages with their arguments and tracebacks)."""
        records = []
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")

        class Collect(logging.Handler):
            def emit(self, record):
                try:
                    records.append(formatter.format(record))
                except Exception as exc:  # noqa: BLE001 - a record that cannot format is still kept
                    records.append(f"{record.name}: {record.msg!r} {record.args!r} ({exc})")

        handler = Collect(logging.DEBUG)
        root = logging.getLogger()
        loggers = [root] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
        levels = {logger: logger.level for logger in loggers}
        disabled = logging.root.manager.disable
        logging.disable(logging.NOTSET)
        for logger in loggers:
            logger.setLevel(logging.DEBUG)
        root.addHandler(handler)
        try:
            yield records
        finally:
            root.removeHandler(handler)
            for logger, level in levels.items():
                logger.setLevel(level)
            logging.disable(disabled)

    def find_secrets_in_text(self, text, values):
        """[(form, secret)] of the `values` found in `text` in any of their forms."""
        return [(form, value) for form, value in secret_forms(values).items() if form in (text or "")]

    def find_secrets_in_database(self, values):
        """[(table, column)] of every column of every table holding one of `values` in any of its
        forms, read in this test's transaction (see the module docstring)."""
        forms = secret_forms(values)
        patterns = ["%" + form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    for form in forms]
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("""
            SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position),
                   array_agg(c.data_type::text ORDER BY c.ordinal_position)
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type = ANY(%s)
             GROUP BY c.table_name
        """, [list(TEXT_TYPES)])
        found = []
        for table, columns, types in cr.fetchall():
            as_text = [
                SQL("encode(%s, 'escape')", SQL.identifier(column)) if data_type == "bytea"
                else SQL("%s::text", SQL.identifier(column))
                for column, data_type in zip(columns, types, strict=True)
            ]
            hits = [SQL("%s LIKE ANY(%s)", text, patterns) for text in as_text]
            cr.execute(SQL("SELECT %s FROM %s WHERE %s", SQL(", ").join(hits), SQL.identifier(table),
                           SQL(" OR ").join(hits)))
            for row in cr.fetchall():
                for column, hit in zip(columns, row, strict=True):
                    if hit:
                        found.append((table, column))
        return sorted(set(found))
