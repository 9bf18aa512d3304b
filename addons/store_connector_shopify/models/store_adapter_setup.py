from urllib.parse import urlsplit

from odoo import _, api, models

from .. import const


class StoreAdapterShopifySetup(models.AbstractModel):
    """Shopify in the base's setup assistant: the shop's address is its permanent domain
    (<name>.myshopify.com, the field shopify_shop_domain); the credentials step offers the two ways
    in (paste an Admin API access token, or Install with OAuth with the app's client id and secret,
    views/store_setup_wizard_views.xml); the locations step reads the shop's locations (Fetch
    Locations) and maps each one to an Odoo location."""

    _inherit = "store.adapter.shopify"

    @api.model
    def _setup_store_values(self, values):
        """An address https://<name>.myshopify.com (or the bare domain) becomes the shop domain;
        another address (the simulator's loopback URL in tests and the demo) stays the shop URL."""
        values = dict(values)
        address = (values.get("shop_url") or "").strip()
        host = (urlsplit(address if "//" in address else f"https://{address}").hostname or "").lower()
        if const.SHOPIFY_SHOP_DOMAIN_RE.match(host):
            values.update(shopify_shop_domain=host, shop_url=False)
        return values

    @api.model
    def _setup_connect_label(self, store):
        """Install with OAuth, which the credentials step shows once the merchant chooses OAuth
        rather than a pasted token (the choice is the store's shopify_auth_method)."""
        return _("Install with OAuth")

    @api.model
    def _setup_redirect_url_hint(self, store):
        """Shown under the OAuth choice only (views/store_setup_wizard_views.xml)."""
        return {"label": _("Redirect URL of the App"),
                "help": _("With OAuth: add this address to the app's allowed redirection URLs (Shopify "
                          "Dev Dashboard, the app's configuration), so that Shopify sends you back to "
                          "Odoo after you approve the app.")}

    @api.model
    def _setup_locations_note(self, store):
        return _("Shopify keeps stock per location. Click Fetch Locations to list the shop's locations, "
                 "then choose below the Odoo location whose stock each one publishes. A Shopify location "
                 "without an Odoo location gets nothing; the default Shopify location receives the "
                 "stock of the locations above when none is mapped.")

    @api.model
    def _setup_read_locations_label(self, store):
        return _("Fetch Locations")

    @api.model
    def _setup_read_locations(self, store):
        """Fetch Locations (a GraphQL query: read also in test mode) into the mapping table."""
        locations = self._shopify_sync_locations(store)
        if not locations:
            return _("Shopify reported no location for %(store)s: add one in Shopify (Settings > "
                     "Locations), then click Fetch Locations again.", store=store.name)
        if len(locations) == 1:
            return _("1 Shopify location read: %(names)s. Choose its Odoo location below.",
                     names=locations.name)
        return _("%(count)s Shopify locations read: %(names)s. Choose the Odoo location of each below.",
                 count=len(locations), names=", ".join(locations.mapped("name")))
