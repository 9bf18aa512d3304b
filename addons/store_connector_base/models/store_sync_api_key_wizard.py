from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.base.models.res_users import check_identity

from ..services.sync_api import API_KEY_SCOPE

USER_GROUP = "store_connector_base.group_store_connector_user"


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

    # Only to name the key after the store it is made from: a key opens every store its user may read.
    store_id = fields.Many2one("connector.store", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "name" in fields_list and not values.get("name"):
            store = self.env["connector.store"].browse(values.get("store_id"))
            values["name"] = (_("Sync API: %(store)s", store=store.name) if store
                              else _("Sync API"))
        return values

    def check_access_make_key(self):
        """Internal users with Store Connector rights only: a key of another user would open nothing.

        :raises AccessError: anyone else.
        """
        super().check_access_make_key()
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(_("Only Store Connector users can create sync API keys."))

    @check_identity
    def make_key(self):
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
            "views": [(self.env.ref("store_connector_base.store_sync_api_key_view_show").id, "form")],
            "target": "new",
            "context": {"default_key": key},
        }
