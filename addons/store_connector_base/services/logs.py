"""The suite's log: one logger namespace for the four addons, and its own file if asked.

Every module of the suite logs under ``odoo.store_connector`` (`get_logger`): the base under
``odoo.store_connector.base.<module>``, each platform addon under ``odoo.store_connector.<platform>.
<module>``, and two areas a person follows on their own:

* ``odoo.store_connector.jobs``: one INFO line per job outcome (job id, store, operation, state,
  duration, summary), written by the queue (`sync.job._log_outcome`);
* ``odoo.store_connector.api``: one INFO line per API error (store, platform, method, path, HTTP
  status, error), written by the platform clients' choke point (`services/api_client.py`). The
  path has no query string and the error is redacted of the store's secrets: a line never holds one.

Why under ``odoo.``: Odoo's ``--log-level`` presets (``warn``, ``debug``...) set the level of the
``odoo`` logger; a namespace of its own would log INFO lines whatever a server asks.
``--log-handler=odoo.store_connector:DEBUG`` (or ``odoo.store_connector.jobs:WARNING``...) sets
the level of the suite, or of one area.

Odoo's ``--log-handler`` sets levels only; to put the suite's lines in a file of their own as well,
set the server option ``store_connector_log_file = /var/log/odoo/store_connector.log`` (read once,
when the base addon is loaded; see odoo.conf.example): a handler with Odoo's line format is added to
``odoo.store_connector``. The lines still reach Odoo's own log too.
"""

import logging
import os
from logging.handlers import WatchedFileHandler

from odoo.netsvc import DBFormatter
from odoo.tools import config

ROOT_LOGGER = "odoo.store_connector"
JOB_LOGGER = ROOT_LOGGER + ".jobs"
API_LOGGER = ROOT_LOGGER + ".api"
CONFIG_LOG_FILE = "store_connector_log_file"
# Odoo's own line format (odoo/netsvc.py init_logger), so that both files read alike.
LOG_FORMAT = "%(asctime)s %(pid)s %(levelname)s %(dbname)s %(name)s: %(message)s"
_ADDON_PREFIX = "odoo.addons.store_connector_"

_logger = logging.getLogger(ROOT_LOGGER + ".base.services.logs")


def get_logger(module_name):
    """The logger of a module of the suite, in the suite's namespace.

    :param module_name: the module's ``__name__`` (``odoo.addons.store_connector_shopify.models.x``).
    :returns: logging.Logger ``odoo.store_connector.shopify.models.x``; a module outside the suite
        keeps its own name.
    """
    if module_name.startswith(_ADDON_PREFIX):
        return logging.getLogger(f"{ROOT_LOGGER}.{module_name[len(_ADDON_PREFIX):]}")
    return logging.getLogger(module_name)


class SuiteFileHandler(WatchedFileHandler):
    """The handler of ``store_connector_log_file`` (one per process; a WatchedFileHandler so that
    logrotate may move the file)."""


def install_file_handler(path=None):
    """Add the file handler of ``store_connector_log_file`` to the suite's logger, once per process.

    :param path: the file (default: the server option; nothing is done without one).
    :returns: the handler, or None.
    """
    path = path or config.get(CONFIG_LOG_FILE)
    if not path:
        return None
    logger = logging.getLogger(ROOT_LOGGER)
    for handler in logger.handlers:
        if isinstance(handler, SuiteFileHandler) and handler.baseFilename == os.path.abspath(path):
            return handler
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        handler = SuiteFileHandler(path)
    except OSError as exc:
        _logger.error("Cannot write the Store Connector log file %s (%s): its lines go to Odoo's log only.",
                      path, exc)
        return None
    handler.setFormatter(DBFormatter(LOG_FORMAT))
    logger.addHandler(handler)
    return handler
