from odoo import _, api, models
from odoo.exceptions import AccessError

from odoo.addons.base.models.res_users import check_identity

from ..services.sync_api import API_KEY_SCOPE

USER_GROUP = "store_connector_base.group_store_connector_user"
SHOW_VIEW = "store_connector_base.res_users_apikeys_show_view_form_sync"


class StoreSyncApiKeyWizard(models.TransientModel):
    """Make a sync API key for the current user and show it once.

    Odoo's own "New API Key" (Preferences > Account Security) makes global keys, which open the
    whole external API (XML-RPC, JSON-RPC) as the user. This wizard makes a key of the sync API's
    own scope instead: it opens the sync API only (see controllers/sync_api.py), and Odoo's
    external API refuses it. Same name, duration and identity check (the password asked again) as
    Odoo's wizard, whose fields this one copies.
    """

    _name = "store.sync.api.key.wizard"
    _inherit = "res.users.apikeys.description"
    _description = "New Sync API Key"

    @api.model
    def _action_open(self, store=None):
        """The action opening this wizard, from the preferences or from `store`: the key is then
        named after the store (it still opens every store its user may read)."""
        name = _("Sync API: %(store)s", store=store.name) if store else _("Sync API")
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "name": _("New Sync API Key"),
            "views": [(self.env.ref("store_connector_base.store_sync_api_key_wizard_view_form").id, "form")],
            "target": "new",
            "context": {"default_name": name},
        }

    def check_access_make_key(self):
        """Internal users with Store Connector rights only: a key of another user would open nothing.

        :raises AccessError: anyone else.
        """
        super().check_access_make_key()
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(_("Only Store Connector users can create sync API keys."))

    def make_key(self):
        """Odoo's wizard's button, inherited: here it makes a sync API key too, never a global one."""
        return self.action_make_key()

    @check_identity
    def action_make_key(self):
        """Generate the key (sync API scope, the current user's), then show it once."""
        self.ensure_one()
        self.check_access_make_key()
        wizard = self.sudo()
        key = self.env["res.users.apikeys"]._generate(API_KEY_SCOPE, wizard.name, wizard.expiration_date)
        wizard.unlink()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.users.apikeys.show",
            "name": _("Sync API Key Ready"),
            "views": [(self.env.ref(SHOW_VIEW).id, "form")],
            "target": "new",
            "context": {"default_key": key},
        }
