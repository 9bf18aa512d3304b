"""18.0.1.3.0 keeps a platform's own ids of a product binding in its external data instead of one
column per platform: the values of external_inventory_item_id (Shopify), external_listing_id and
external_offer_id (eBay) move into store_product_binding.external_data under the keys the adapters
give them ("inventory_item_id", "listing_id", "offer_id"; a column's value wins over a key already
there), then the columns are dropped. Lookups by these ids go through the GIN index the model
creates on external_data (store.product.binding.init).
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)

# column -> key in external_data (store.product.binding._external_ids_values)
MOVED_COLUMNS = {
    "external_inventory_item_id": "inventory_item_id",
    "external_listing_id": "listing_id",
    "external_offer_id": "offer_id",
}


def migrate(cr, version):
    if not version:
        return
    present = {
        column: key for column, key in MOVED_COLUMNS.items()
        if column_exists(cr, "store_product_binding", column)
    }
    if not present:
        return
    # jsonb_strip_nulls: an empty column adds no key; NULLIF: nor does an empty string.
    ids = SQL(", ").join(
        SQL("%s, NULLIF(%s, '')", key, SQL.identifier(column)) for column, key in present.items()
    )
    any_set = SQL(" OR ").join(
        SQL("COALESCE(%s, '') != ''", SQL.identifier(column)) for column in present
    )
    cr.execute(SQL(
        """UPDATE store_product_binding
              SET external_data = COALESCE(external_data, '{}'::jsonb)
                                  || jsonb_strip_nulls(jsonb_build_object(%s))
            WHERE %s""",
        ids, any_set,
    ))
    _logger.info("platform ids of %s product bindings moved into their external data", cr.rowcount)
    for column in present:
        cr.execute(SQL("ALTER TABLE store_product_binding DROP COLUMN %s", SQL.identifier(column)))
