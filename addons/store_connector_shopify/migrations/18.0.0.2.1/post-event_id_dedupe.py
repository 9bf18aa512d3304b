"""Shopify deliveries were deduplicated on X-Shopify-Webhook-Id (one per delivery); they are now on
X-Shopify-Event-Id (one per event, Shopify's documented duplicate key). The deliveries already
stored take their event id from their stored headers, so that a retry of a delivery received before
the upgrade (Shopify retries for about four hours) is still recognised as a duplicate rather than
processed twice. Of several stored deliveries of one event (the redeliveries this upgrade stops
keeping), the first takes the event id; the others keep theirs.
"""

import logging

_logger = logging.getLogger(__name__)

EVENT_HEADER = "X-Shopify-Event-Id"


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        WITH candidates AS (
            SELECT d.id, d.store_id, d.headers->>%(header)s AS event,
                   row_number() OVER (PARTITION BY d.store_id, d.headers->>%(header)s ORDER BY d.id) AS n
              FROM store_webhook_delivery d
              JOIN connector_store s ON s.id = d.store_id
             WHERE s.platform = 'shopify' AND jsonb_typeof(d.headers) = 'object'
               AND COALESCE(d.headers->>%(header)s, '') <> ''
        )
        UPDATE store_webhook_delivery d
           SET event_id = c.event
          FROM candidates c
         WHERE d.id = c.id AND c.n = 1 AND d.event_id <> c.event
           AND NOT EXISTS (SELECT 1 FROM store_webhook_delivery x
                            WHERE x.store_id = c.store_id AND x.event_id = c.event)
    """, {"header": EVENT_HEADER})
    _logger.info("%s Shopify webhook deliveries now keyed on their event id", cr.rowcount)
