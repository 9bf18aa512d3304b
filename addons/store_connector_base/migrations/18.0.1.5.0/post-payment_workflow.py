"""18.0.1.5.0 adds the payment workflow (issue #14): with `connector.store.payment_workflow` on, the
platform's transactions confirm, invoice and pay the imported orders. New stores have it on. The stores
that exist already keep what they did before (orders imported, accounting by hand): switching it on
would post invoices and payments into books their merchants keep another way, for every old order the
platform updates. Their payment journal is filled (the company's first bank journal), so that the
merchant only switches the workflow on in the store's Payments tab.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE connector_store SET payment_workflow = FALSE WHERE payment_workflow")
    _logger.info("%s existing stores keep the payment workflow off until it is switched on", cr.rowcount)
