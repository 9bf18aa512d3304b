from odoo import _, api, models


class StoreAdapter(models.AbstractModel):
    """The setup assistant's hooks (store.setup.wizard): what a platform adds to the guided first
    set-up of its stores. Every default is safe: a platform that implements none of them gets the
    generic assistant (shop address, declared credentials, Test Connection, locations, webhooks,
    Full Sync, stock baseline)."""

    _inherit = "store.adapter"

    @api.model
    def _setup_store_values(self, values):
        """The values of the store the assistant creates or updates from its first step, where the
        merchant typed the shop's name and address. A platform whose address lives in a field of
        its own (Shopify's shop domain) moves it there.

        :param values: {"name", "platform", "shop_url"} as typed (shop_url may be False).
        :returns: the values to create or write the store with (default: `values` unchanged).
        """
        return values

    @api.model
    def _setup_connect_label(self, store):
        """The label of the platform's connect button in the assistant's credentials step (an
        OAuth install, a key-generation flow), or False when the merchant types the credentials.

        :returns: the translated label, or False. Default: "Install with OAuth" when the platform
            connects through OAuth (`_oauth_enabled`), else False.
        """
        return _("Install with OAuth") if self._oauth_enabled(store) else False

    @api.model
    def _setup_connect(self, store):
        """Run the platform's connect button for the assistant (called only when
        `_setup_connect_label` gives a label; the caller is a checked manager).

        :returns: the action the browser follows (the platform's consent page), whose callback
            brings the merchant back to the store's form, where Continue Setup goes on.
            Default: the base's OAuth install (`connector.store.action_oauth_install`).
        """
        return store.action_oauth_install()
