"""18.0.1.4.0 adds the setup assistant and the stores' set-up state (connector.store.setup_state):
a store says which step of its first set-up is missing (credentials, Test Connection, webhooks,
Full Sync, stock baseline) until `setup_completed_on` is set. The stores that exist already were
set up the way there was before the assistant, and their merchants know them: they count as set up
from their creation, so that no banner asks them to test a connection that has worked for months.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE connector_store SET setup_completed_on = create_date WHERE setup_completed_on IS NULL")
    _logger.info("%s existing stores count as set up (setup assistant added)", cr.rowcount)
