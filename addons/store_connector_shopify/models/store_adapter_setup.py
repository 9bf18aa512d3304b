from urllib.parse import urlsplit

from odoo import _, api, models

from .. import const


class StoreAdapterShopifySetup(models.AbstractModel):
    """Shopify in the base's setup assistant: the shop's address is its permanent domain
    (<name>.myshopify.com, the field shopify_shop_domain); Install with OAuth is offered to stores
    set to install through OAuth (a store with a pasted Admin API access token needs none)."""

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
        if store.shopify_auth_method != "oauth":
            return False
        return _("Install with OAuth")
