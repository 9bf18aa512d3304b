"""18.0.1.2.0 gives every store a stock baseline (connector.store.stock_baseline); until one is
chosen no stock is exported. The new column holds "Not chosen" for every existing store: a store
that already published stock (a binding with a publication time) keeps publishing, with the
baseline "Odoo's quantities published", dated from its first publication. The others wait for
their merchant's choice, as new stores do.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE connector_store AS store
              SET stock_baseline = 'odoo', stock_baseline_date = published.first_at
             FROM (SELECT store_id, MIN(inventory_synced_at) AS first_at
                     FROM store_product_binding
                    WHERE inventory_synced_at IS NOT NULL
                 GROUP BY store_id) AS published
            WHERE store.id = published.store_id AND store.stock_baseline = 'none'"""
    )
    _logger.info("stock baseline 'Odoo's quantities published' given to %s stores that published stock",
                 cr.rowcount)
