from odoo import _, api, models
from odoo.exceptions import UserError


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

    @api.model
    def _setup_redirect_url_hint(self, store):
        """What the assistant's credentials step says about the address the platform sends the
        browser back to after the connect button (the store's OAuth callback URL), which the
        merchant enters in the platform's app settings; shown with a copy button.

        :returns: {"label": the platform's name for that setting, "help": where to enter it}, or
            an empty dict when the platform needs no such address. Default: a generic "Redirect
            URL" when the platform connects through OAuth (`_oauth_enabled`), else {}.
        """
        if not self._oauth_enabled(store):
            return {}
        return {"label": _("Redirect URL"),
                "help": _("Enter this address as the redirect URL of your app on the platform, so that "
                          "the platform sends you back to Odoo after you approve it.")}

    @api.model
    def _setup_locations_note(self, store):
        """What the assistant's locations step says about the platform's own locations, besides
        Odoo's warehouse and published locations (e.g. "WooCommerce keeps one quantity per
        product: there is no location to choose on the shop").

        :returns: the translated sentences, or False (default: nothing to say).
        """
        return False

    @api.model
    def _setup_read_locations_label(self, store):
        """The label of the locations step's button that reads the platform's locations (Shopify:
        Fetch Locations), or False when the platform has no locations to read (default).

        :returns: the translated label, or False.
        """
        return False

    @api.model
    def _setup_read_locations(self, store):
        """Read the platform's locations for the locations step (called only when
        `_setup_read_locations_label` gives a label; the caller is a checked manager). It only
        reads from the platform; it may record what it read on the store (the mapping table, a
        location key when there is exactly one).

        :returns: a sentence saying what was read and what to choose next, shown in the step.
        :raises UserError: the platform could not be read, saying why and what to do.
        """
        raise UserError(_("The platform of store %(store)s has no locations to read.", store=store.name))
