from odoo import _, api, models

from .. import const


class StoreAdapterEbay(models.AbstractModel):
    """eBay implementation of the platform interface (see store.adapter in the base addon and its
    guide, readme/PLATFORMS.md). The REST client is models/ebay_client.py, the Trading client
    models/ebay_trading_client.py; OAuth is models/store_adapter_oauth.py, Test Connection
    models/store_adapter_connect.py. Each part of the connector adds its hooks in a file of its own
    (`models/store_adapter_<part>.py`) extending this model."""

    _name = "store.adapter.ebay"
    _inherit = "store.adapter"
    _description = "eBay Adapter"

    # ---------------------------------------------------------------- features and credentials
    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"test_connection"}

    @api.model
    def _credential_keys(self, store):
        """The keyset of the seller's app (eBay developer portal > Application Keys, of the store's
        environment) and its RuName. The tokens Connect with eBay saves (access_token,
        refresh_token) and the cached application token are not declared: nobody types them."""
        return [
            {"key": const.CRED_APP_ID, "label": _("App ID (Client ID)"), "secret": False, "required": True,
             "help": _("eBay developer portal > Application Keys: the App ID of the keyset of the "
                       "store's environment (Sandbox or Production).")},
            {"key": const.CRED_CERT_ID, "label": _("Cert ID (Client Secret)"), "required": True,
             "help": _("eBay developer portal > Application Keys: the Cert ID next to the App ID.")},
            {"key": const.CRED_DEV_ID, "label": _("Dev ID"), "secret": False,
             "help": _("eBay developer portal > Application Keys: the Dev ID (sent with Trading API "
                       "calls, for listings made outside the Inventory API).")},
            {"key": const.CRED_RUNAME, "label": _("RuName (eBay Redirect URL name)"), "secret": False,
             "required": True,
             "help": _("eBay developer portal > User Tokens > Get a Token from eBay via Your Application: "
                       "the RuName (e.g. Acme-AcmeShop-PRD-1a2b3c-...), whose auth accepted URL is the "
                       "store's Auth Accepted URL.")},
        ]

    @api.model
    def _api_credentials_missing(self, store):
        """The keyset's App ID and Cert ID not entered, by their declared labels (the setup assistant
        lists them once, with the declared credentials), and the user token Connect with eBay saves."""
        sudo_store = store.sudo()
        labels = {declared["key"]: declared["label"] for declared in self._credential_keys(store)}
        missing = [labels[key] for key in (const.CRED_APP_ID, const.CRED_CERT_ID)
                   if not sudo_store._get_credential(key, required=False)]
        if not sudo_store._get_credential("access_token", required=False):
            missing.append(_("a user token (Connect with eBay)"))
        return missing

    @api.model
    def _api_store_option_fields(self, store):
        return ("ebay_marketplace_id", "ebay_environment", "ebay_content_language")

    # ---------------------------------------------------------------- store defaults
    @api.model
    def _default_order_prefix(self, store):
        """eBay order ids look like 12-34567-89012: "EB-12-34567-89012" says where a sale order comes from."""
        return const.DEFAULT_ORDER_PREFIX

    # ---------------------------------------------------------------- daily quotas (per API)
    @api.model
    def _rate_limit_quotas(self, store):
        return [(name, label) for name, label, _calls in const.QUOTAS]

    @api.model
    def _rate_limit_daily_quota(self, store, api=None):
        """eBay's daily quota of `api` (const.QUOTAS). A call naming no API is paced only."""
        return const.DEFAULT_QUOTAS.get(api) if api else None

    @api.model
    def _rate_limit_quota_timezone(self, store):
        return const.QUOTA_TIMEZONE
