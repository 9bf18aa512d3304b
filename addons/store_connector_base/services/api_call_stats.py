"""Counting platform API calls per store and hour (the table of models/store_api_call_stat.py)."""

import logging

from odoo.sql_db import db_connect

_logger = logging.getLogger(__name__)

_UPSERT_SQL = """
INSERT INTO store_api_call_stat AS s
       (store_id, company_id, platform, bucket, call_count, error_count, throttled_count,
        total_ms, max_ms)
VALUES (%(store_id)s, %(company_id)s, %(platform)s,
        date_trunc('hour', (now() AT TIME ZONE 'UTC')), 1, %(error)s, %(throttled)s, %(ms)s, %(ms)s)
ON CONFLICT (store_id, bucket) DO UPDATE
   SET call_count = s.call_count + 1,
       error_count = s.error_count + EXCLUDED.error_count,
       throttled_count = s.throttled_count + EXCLUDED.throttled_count,
       total_ms = s.total_ms + EXCLUDED.total_ms,
       max_ms = GREATEST(s.max_ms, EXCLUDED.max_ms)
"""


def record_api_call(dbname, store_id, company_id, platform, status, elapsed):
    """Count one platform API call of store `store_id` in its current hour bucket.

    Never raises: a statistic must not fail a synchronisation (a failure is logged).

    :param dbname: the store's database.
    :param status: the HTTP status of the answer, or None when no answer came (timeout, refused
        connection): an error. Statuses from 400 up are errors; 429 is also counted as throttled.
    :param elapsed: seconds the exchange took.
    """
    params = {
        "store_id": store_id, "company_id": company_id, "platform": platform or None,
        "error": int(status is None or status >= 400), "throttled": int(status == 429),
        "ms": max(0, round(elapsed * 1000)),
    }
    try:
        with db_connect(dbname).cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(_UPSERT_SQL, params)
    except Exception:  # noqa: BLE001 - counting is best effort, the call itself went through
        _logger.warning("Could not count an API call of store %s.", store_id, exc_info=True)
