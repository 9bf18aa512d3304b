"""Keyset cursors for the paged imports (`store.adapter._import_orders`, `_import_products`,
`_import_customers`), for platforms whose API pages by page number or offset.

Why: a pull reads the records changed since a time, sorted by update time, page after page, while
the shop goes on. A record updated between two pages moves to the end of that order; with a page
number or an offset as the cursor, every record behind it shifts one place towards the start and
the one that crosses the page boundary is never read. The order pull then advances its
`order_import_cursor` past it, and it is lost for good.

A keyset cursor names the last record returned instead, by its update time and its id: the next
page is "the records after (time, id) in (time, id) order", which no update can shift. A record
updated during the pull comes back later (newer time) and is imported again, harmlessly: the
importers are idempotent (an unchanged record is ignored, a changed one updated).

Recipe for an adapter over a page-numbered API (WooCommerce ``modified_after`` + ``orderby=modified``,
eBay ``lastmodifieddate:[from..]`` + ``offset``): ask for the records modified at or after the
cursor's time (`cursor_time`, else `since`), oldest first, from the first page; drop those at or
before the cursor (`after_cursor`); return up to `limit` of them with the cursor of the last one
(`cursor_of`) as ``next_cursor`` when more may follow. When a whole page is dropped (more records
share the cursor's second than a page holds), read the next page number of the same request before
answering. The test platform addon (`store.adapter.test` `_import_orders`) is the worked example.
"""

import json

from odoo import _

from ..exceptions import PermanentJobError
from .normalized import to_datetime


def record_key(record, time_field="updated_at", id_field="id"):
    """The (update time, id) sort key of a normalized record: naive UTC datetime (None first) and id
    as text."""
    moment = to_datetime(record.get(time_field), time_field, required=False)
    return (moment is not None, moment or "", str(record.get(id_field) or ""))


def cursor_of(record, time_field="updated_at", id_field="id"):
    """The keyset cursor naming `record` (the last one of a page): a short JSON text."""
    moment = to_datetime(record.get(time_field), time_field, required=False)
    return json.dumps([moment.isoformat() if moment else None, str(record.get(id_field) or "")])


def parse_cursor(cursor):
    """(naive UTC datetime or None, id text) of a cursor made by `cursor_of`; None for no cursor.

    :raises PermanentJobError: the cursor was not made by `cursor_of` (a page number or offset
        queued before the adapter moved to keyset cursors: start the pull again).
    """
    if cursor in (None, ""):
        return None
    try:
        moment, record_id = json.loads(cursor)
        return (to_datetime(moment, "cursor", required=False), str(record_id))
    except (ValueError, TypeError):
        raise PermanentJobError(
            _("The page cursor %(cursor)s is not a keyset cursor (update time and id). Start the "
              "pull again: it reads from its first page.", cursor=cursor)
        ) from None


def cursor_time(cursor):
    """The update time a cursor names (the next request's "modified at or after"), or None."""
    parsed = parse_cursor(cursor)
    return parsed[0] if parsed else None


def after_cursor(records, cursor, time_field="updated_at", id_field="id"):
    """The records strictly after `cursor` in (update time, id) order, sorted in that order."""
    ordered = sorted(records, key=lambda r: record_key(r, time_field, id_field))
    parsed = parse_cursor(cursor)
    if parsed is None:
        return ordered
    moment, record_id = parsed
    last = (moment is not None, moment or "", record_id)
    return [r for r in ordered if record_key(r, time_field, id_field) > last]


def keyset_page(records, cursor, limit, time_field="updated_at", id_field="id"):
    """One page of `records` (all the platform would return for the request, any order) after
    `cursor`: ``{"records": [...], "next_cursor": cursor of the last one, or None at the end}``."""
    remaining = after_cursor(records, cursor, time_field, id_field)
    page = remaining[:limit]
    more = len(remaining) > limit
    return {"records": page, "next_cursor": cursor_of(page[-1], time_field, id_field) if more else None}
