"""Secrets stay out of Odoo's call log.

With debug logging on (``--log-level=debug``, ``debug_rpc``, ``debug_rpc_answer``, or
``--log-handler=odoo.api:DEBUG``), Odoo logs every call of its external API (XML-RPC and JSON-RPC
``execute_kw``) and of the web client (``/web/dataset/call_kw``) with its arguments, on the logger
``odoo.api`` (``odoo.api.call_kw``: ``call <records>.<method>(<arguments>)``). A credential typed in
a form or sent by a script travels there in the values of create, write, web_save, onchange...

`SecretArgumentsFilter`, installed on that logger when the addon is loaded, masks the values of
secret fields in those arguments before any handler sees them: the fields a model lists in
``_store_connector_secret_fields`` (integration.credential's ``value``), at the top level and inside
the x2many commands of other models (a store form's credential lines). It costs nothing unless
debug logging is on (Odoo builds the log record only then); arguments it cannot read are hidden
whole. The secret never reaches SQL in clear (it is encrypted before any query), so the query log
(``odoo.sql_db`` at DEBUG) holds only ciphertext.

Why a filter rather than a dedicated method setting the secret: any method called over RPC is
logged with its arguments by the same line, and the credential forms must keep working; a filter
on Odoo's one call log covers every path a secret can take to the server.
"""

import logging

from odoo.api import Params

from .. import const

CALL_LOGGER = "odoo.api"
CALL_LOG_MESSAGE = "call %s.%s(%s)"
HIDDEN = "<arguments hidden: they may hold secrets>"
SECRET_FIELDS_ATTRIBUTE = "_store_connector_secret_fields"
_X2MANY = ("one2many", "many2many")


def _secret_fields(model):
    return getattr(model, SECRET_FIELDS_ATTRIBUTE, ())


def mask_values(model, values):
    """A copy of `values` (field values of `model`) with the values of secret fields masked, in
    x2many commands too."""
    secrets = _secret_fields(model)
    masked = {}
    for name, value in values.items():
        field = model._fields.get(name) if isinstance(name, str) else None
        if name in secrets and value:
            masked[name] = const.MASK
        elif field is not None and field.type in _X2MANY and isinstance(value, (list, tuple)):
            comodel = model.env[field.comodel_name]
            masked[name] = [_mask_command(comodel, command) for command in value]
        else:
            masked[name] = value
    return masked


def _mask_command(comodel, command):
    # (CREATE / UPDATE, id, values): the only commands that carry values.
    if isinstance(command, (list, tuple)) and len(command) == 3 and isinstance(command[2], dict):
        return [command[0], command[1], mask_values(comodel, command[2])]
    return command


def _mask_argument(model, argument):
    if isinstance(argument, dict):
        return mask_values(model, argument)
    if isinstance(argument, (list, tuple)):  # create's list of values
        return [mask_values(model, item) if isinstance(item, dict) else item for item in argument]
    return argument


class SecretArgumentsFilter(logging.Filter):
    """Masks secret field values in the arguments of Odoo's call log lines (see the module)."""

    def filter(self, record):
        if record.msg != CALL_LOG_MESSAGE or not isinstance(record.args, tuple) or len(record.args) != 3:
            return True
        records, method, params = record.args
        try:
            masked = Params(
                [_mask_argument(records, argument) for argument in params.args],
                {name: _mask_argument(records, value) for name, value in params.kwargs.items()},
            )
        except Exception:  # noqa: BLE001 - a log filter must not fail the call; hide rather than leak
            masked = HIDDEN
        record.args = (records, method, masked)
        return True


def install():
    """Put the filter on Odoo's call logger, once per process."""
    logger = logging.getLogger(CALL_LOGGER)
    if not any(isinstance(existing, SecretArgumentsFilter) for existing in logger.filters):
        logger.addFilter(SecretArgumentsFilter())
