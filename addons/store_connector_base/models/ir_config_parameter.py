from odoo import api, models

from .. import const


class IrConfigParameter(models.Model):
    """Keeps the queue's runner crons in line with System Parameter store_connector.runner_count
    (see sync.job._sync_runner_crons), whichever way the parameter is set, created or deleted."""

    _inherit = "ir.config_parameter"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if any(vals.get("key") == const.PARAM_RUNNER_COUNT for vals in vals_list):
            self._sync_runner_crons()
        return records

    def write(self, vals):
        touched = const.PARAM_RUNNER_COUNT in (vals.get("key"), *self.mapped("key"))
        result = super().write(vals)
        if touched:
            self._sync_runner_crons()
        return result

    def unlink(self):
        touched = const.PARAM_RUNNER_COUNT in self.mapped("key")
        result = super().unlink()
        if touched:
            self._sync_runner_crons()
        return result

    def _sync_runner_crons(self):
        # The parameter is read through its cache: the write above cleared it.
        self.env["sync.job"].sudo()._sync_runner_crons()
