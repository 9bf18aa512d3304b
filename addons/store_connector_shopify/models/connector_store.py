from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform
from odoo.addons.store_connector_base.services.http_transport import allow_private_urls

from .. import const
from .shopify_client import ShopifyClient

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class ConnectorStore(models.Model):
    """Shopify settings of a store: shop domain, API version, authentication (Admin API access
    token, or the OAuth install with expiring offline tokens: the base's token lifecycle, see
    models/store_adapter_oauth.py for Shopify's part), default location and the mapping of Shopify
    locations to Odoo locations. Secrets are integration.credential records (const.CRED_*)."""

    _inherit = "connector.store"

    platform = fields.Selection(
        selection_add=[("shopify", "Shopify")], ondelete={"shopify": keep_stores_of_removed_platform},
    )
    shopify_shop_domain = fields.Char(
        string="Shop Domain", tracking=True, help="The shop's permanent domain, e.g. my-shop.myshopify.com."
    )
    shopify_api_version = fields.Selection(
        const.SHOPIFY_API_VERSIONS, string="Shopify API Version", default=const.SHOPIFY_DEFAULT_API_VERSION,
        help="Admin API version the connector requests. Only supported versions are offered.",
    )
    shopify_auth_method = fields.Selection(
        [("token", "Admin API access token"), ("oauth", "OAuth install (client id and secret)")],
        string="Authentication", default="token",
    )
    shopify_client_id = fields.Char(string="Client ID", help="The app's client id (Dev Dashboard).")
    shopify_scopes = fields.Char(
        string="Requested Scopes", default=lambda self: ",".join(const.SHOPIFY_REQUESTED_SCOPES),
        help="Comma-separated access scopes asked for at install.",
    )
    shopify_expiring_tokens = fields.Boolean(
        string="Expiring Tokens", default=True,
        help="Ask for an expiring offline token (1 h, with a rotating refresh token) at install; "
             "mandatory for public apps from 2027.",
    )
    shopify_shop_name = fields.Char(string="Shopify Shop Name", readonly=True, copy=False)
    shopify_plan = fields.Char(string="Shopify Plan", readonly=True, copy=False)
    shopify_granted_scopes = fields.Char(string="Granted Scopes", readonly=True, copy=False)
    # Recorded by Test Connection; the webhook intake compares the shop id a body names with it.
    # Computed only to be forgotten when the shop domain changes (then recorded again).
    shopify_shop_id = fields.Char(
        string="Shopify Shop ID", compute="_compute_shopify_shop_id", store=True, readonly=True, copy=False,
    )
    shopify_location_ids = fields.One2many(
        "shopify.location", "store_id", string="Shopify Locations", copy=False
    )
    shopify_location_id = fields.Many2one(
        "shopify.location", string="Default Shopify Location",
        domain="[('store_id', '=', id)]", copy=False, check_company=True,
        help="Where inventory is exported when a Shopify location has no Odoo location of its own.",
    )

    shopify_import_inventory = fields.Boolean(
        string="Import Stock Changes from Shopify",
        help="Off (default): Odoo is the master of the stock; inventory_levels/update webhooks are "
             "ignored and Odoo's quantities overwrite Shopify's at the next export. On: a quantity "
             "changed on Shopify (count, adjustment in the Shopify admin) sets the quantity of the "
             "mapped Odoo location (an inventory adjustment); the echoes of Odoo's own exports are "
             "ignored.",
    )
    shopify_push_native_orders = fields.Boolean(
        string="Create Odoo Orders in Shopify",
        help="Sale orders made in Odoo (not imported from Shopify) for this store's sales team and "
             "company are created in Shopify when confirmed (orderCreate), and linked to the Shopify "
             "order. Needs the store's 'Push orders' permission.",
    )

    # ------------------------------------------------------------------ computes
    @api.depends("shopify_shop_domain")
    def _compute_shopify_shop_id(self):
        self.shopify_shop_id = False

    # ------------------------------------------------------------------ constraints
    @api.constrains("platform", "shopify_shop_domain", "shop_url")
    def _check_shopify_shop_domain(self):
        for store in self.filtered(lambda s: s.platform == "shopify"):
            domain = (store.shopify_shop_domain or "").strip().lower()
            if domain and not const.SHOPIFY_SHOP_DOMAIN_RE.match(domain):
                raise ValidationError(_(
                    "The shop domain %(domain)s is not valid: enter the shop's permanent domain, "
                    "<name>.myshopify.com (shown in Shopify under Settings > Domains).", domain=domain,
                ))
            if store.shop_url:
                parts = urlsplit(store.shop_url)
                loopback = (parts.hostname or "") in _LOOPBACK_HOSTS and allow_private_urls()
                if not loopback and (parts.hostname or "").lower() != domain:
                    raise ValidationError(_(
                        "The shop URL of a Shopify store must be https://%(domain)s (leave it empty to "
                        "use the shop domain).", domain=domain or "<name>.myshopify.com",
                    ))

    @api.onchange("shopify_shop_domain")
    def _onchange_shopify_shop_domain(self):
        if self.shopify_shop_domain:
            domain = self.shopify_shop_domain.strip().lower()
            for prefix in ("https://", "http://"):
                domain = domain.removeprefix(prefix)
            self.shopify_shop_domain = domain.rstrip("/")

    # ------------------------------------------------------------------ client and tokens
    def _shopify_client(self, **kwargs):
        """The Shopify GraphQL client of this store (models/shopify_client.py)."""
        self.ensure_one()
        return ShopifyClient(self, **kwargs)

    def _shopify_api_base_url(self):
        """https://<shop>.myshopify.com, or the simulator's loopback URL in shop_url (tests, demo).

        :raises UserError: no shop domain.
        """
        self.ensure_one()
        if self.shop_url:
            return self.shop_url.rstrip("/")
        if not self.shopify_shop_domain:
            raise UserError(_("Store %(store)s has no Shopify shop domain.", store=self.name))
        return f"https://{self.shopify_shop_domain.strip().lower()}"

    def _shopify_credential_record(self, key):
        return self.env["integration.credential"].sudo().search(
            [("store_id", "=", self.id), ("key", "=", key)], limit=1
        )

    def _shopify_can_refresh(self):
        """Whether the store has a refresh token (expiring offline tokens; see `_oauth_can_refresh`)."""
        return self._oauth_can_refresh()

    def _shopify_access_token(self, force_refresh=False):
        """The access token the Shopify client sends: the base's `_oauth_access_token` (refreshed
        first when it lapses within const.OAUTH_TOKEN_REFRESH_MARGIN seconds, or when forced
        after a 401; checks the caller first).

        :raises AccessError: the caller is neither superuser code nor a Store Connector Manager of
            the store's company.
        :raises StoreAuthError: no token, or it expired and cannot be refreshed.
        """
        return self._oauth_access_token(force_refresh=force_refresh)

    # ------------------------------------------------------------------ actions
    def action_shopify_fetch_locations(self):
        """Read the shop's locations into the mapping table (new ones added, names updated)."""
        self._check_store_manager()
        self.ensure_one()
        locations = self._get_adapter()._shopify_sync_locations(self)
        if not locations:
            return self._notify_user(_("Shopify reported no location for %(store)s.", store=self.name),
                                     kind="warning")
        return self._notify_user(
            _("1 Shopify location read: map it to an Odoo location below.") if len(locations) == 1
            else _("%(count)s Shopify locations read: map them to Odoo locations below.",
                   count=len(locations)),
            reload=True)

    def _job_shopify_sync_locations(self, job):
        """Queue handler: read the shop's locations (see `_shopify_sync_locations`)."""
        locations = self._get_adapter()._shopify_sync_locations(self)
        return {"locations": len(locations)}
