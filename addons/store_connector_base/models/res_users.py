from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def action_store_connector_sync_api_key(self):
        """Preferences > Account Security > New Sync API Key: the wizard, for the current user
        (keys are always made for the user who asks, whatever record the button is on)."""
        return self.env["store.sync.api.key.wizard"]._action_open()
