from odoo import _, api, models

from .. import const


class StoreAdapterEbaySetup(models.AbstractModel):
    """eBay in the base's setup assistant: its OAuth install is called Connect with eBay (the
    seller signs in on eBay and approves the app once App ID, Cert ID and RuName are entered), the
    RuName's Auth Accepted URL is shown to copy, and the locations step reads the account's
    inventory locations (the merchantLocationKey listings ship from)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _setup_connect_label(self, store):
        return _("Connect with eBay")

    @api.model
    def _setup_redirect_url_hint(self, store):
        return {"label": _("Auth Accepted URL"),
                "help": _("Enter this address as the auth accepted URL of your RuName (eBay developer "
                          "portal › User Tokens › Get a Token from eBay via Your Application), so that "
                          "eBay sends you back to Odoo after Connect with eBay.")}

    @api.model
    def _setup_locations_note(self, store):
        return _("eBay listings ship from one inventory location of the seller account (its merchant "
                 "location key). Click Read eBay's Locations to list them; with exactly one, it is "
                 "chosen for you, otherwise enter the key of the one listings ship from below.")

    @api.model
    def _setup_read_locations_label(self, store):
        return _("Read eBay's Locations")

    @api.model
    def _setup_read_locations(self, store):
        """The account's inventory locations (Inventory API, a GET: read also in test mode); exactly
        one fills the store's merchant location key when it is empty."""
        locations = [location for location in store._ebay_client().iter_offset_pages(
            const.INVENTORY_PATH + "/location", "locations", api="inventory", limit=100)
            if location.get("merchantLocationKey")]
        if not locations:
            return _("The eBay account has no inventory location yet: add one in Seller Hub (the address "
                     "listings ship from), then click Read eBay's Locations again.")
        if len(locations) == 1 and not store.ebay_merchant_location_key:
            store.sudo().ebay_merchant_location_key = locations[0]["merchantLocationKey"]
        names = ", ".join(f"{location.get('name') or location['merchantLocationKey']} "
                          f"({location['merchantLocationKey']})" for location in locations)
        if len(locations) == 1:
            return _("1 eBay inventory location read: %(names)s. Listings ship from it.", names=names)
        return _("%(count)s eBay inventory locations read: %(names)s. Enter the key of the one listings "
                 "ship from below.", count=len(locations), names=names)
