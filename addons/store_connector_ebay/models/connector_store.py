from odoo import api, fields, models

from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform
from odoo.addons.store_connector_base.services.http_transport import allow_private_urls

from .. import const
from .ebay_client import EbayClient
from .ebay_trading_client import EbayTradingClient


class ConnectorStore(models.Model):
    """An eBay store is one seller account on one marketplace, in eBay's sandbox or production."""

    _inherit = "connector.store"

    platform = fields.Selection(
        selection_add=[("ebay", "eBay")], ondelete={"ebay": keep_stores_of_removed_platform},
    )
    ebay_marketplace_id = fields.Selection(
        const.MARKETPLACE_SELECTION, string="eBay Marketplace", default=const.DEFAULT_MARKETPLACE,
        help="The eBay site this seller account sells on: every API call names it "
        "(X-EBAY-C-MARKETPLACE-ID), listings are made there, in its currency.",
    )
    ebay_environment = fields.Selection(
        const.ENVIRONMENTS, string="eBay Environment", default=const.DEFAULT_ENVIRONMENT,
        help="Sandbox: eBay's test site, with a sandbox keyset and test users (start there). "
        "Production: the real marketplace, with the production keyset.",
    )
    ebay_content_language = fields.Char(
        string="Content Language", compute="_compute_ebay_content_language", store=True, readonly=False,
        help="The language of the listings' text (Content-Language header, e.g. en-US), from the "
        "marketplace; change it for a marketplace with two languages (fr-CA, nl-BE).",
    )
    ebay_fulfillment_policy_id = fields.Char(
        string="Fulfillment Policy ID",
        help="The business policy for shipping of new listings (eBay Seller Hub > Account > Business "
        "policies). Test Connection fills it when the account has exactly one.",
    )
    ebay_payment_policy_id = fields.Char(
        string="Payment Policy ID",
        help="The business policy for payment of new listings. Test Connection fills it when the "
        "account has exactly one.",
    )
    ebay_return_policy_id = fields.Char(
        string="Return Policy ID",
        help="The business policy for returns of new listings. Test Connection fills it when the "
        "account has exactly one.",
    )
    ebay_merchant_location_key = fields.Char(
        string="Merchant Location Key",
        help="The inventory location listings ship from (the Inventory API's merchantLocationKey). "
        "Test Connection fills it when the account has exactly one.",
    )
    ebay_granted_scopes = fields.Char(
        string="eBay Granted Scopes", readonly=True, copy=False,
        help="The OAuth scopes the seller granted at the last Connect with eBay or token refresh.",
    )
    # Tests and demos point a store at a loopback simulator; honoured only where the server allows
    # private URLs (never in production), and only a system administrator may write it: the
    # store's tokens and keys go to this address.
    ebay_api_url = fields.Char(
        string="eBay API Root (simulator)", groups="base.group_system", copy=False,
        help="Technical: the root URL of an eBay simulator that serves the REST, OAuth and Trading "
        "APIs. Used only when the server option store_connector_allow_private_urls is on (tests, "
        "demos); otherwise eBay's own hosts are used.",
    )
    ebay_oauth_redirect_url = fields.Char(
        string="Auth Accepted URL", compute="_compute_ebay_oauth_redirect_url",
        help="Enter this address as the \"auth accepted URL\" of your RuName (eBay developer portal "
        "> User Tokens > Get a Token from eBay via Your Application): eBay sends the seller back to it "
        "after Connect with eBay.",
    )

    # ------------------------------------------------------------------ computes
    @api.depends("ebay_marketplace_id")
    def _compute_ebay_content_language(self):
        for store in self:
            store.ebay_content_language = const.MARKETPLACE_LANGUAGE.get(store.ebay_marketplace_id) or "en-US"

    @api.depends("platform")
    def _compute_ebay_oauth_redirect_url(self):
        for store in self:
            store.ebay_oauth_redirect_url = (
                store._oauth_callback_url() if store.platform == "ebay" and store.id else False)

    # ------------------------------------------------------------------ eBay
    def _ebay_api_root(self):
        """The root of eBay's API host for this store (REST, token, Trading): the environment's, or
        the simulator's where the server allows private URLs (tests, demos)."""
        self.ensure_one()
        if allow_private_urls():
            root = self.sudo().ebay_api_url
            if root:
                return root.rstrip("/")
        return const.API_HOSTS[self.ebay_environment or const.DEFAULT_ENVIRONMENT]

    def _ebay_finances_root(self):
        """The root of eBay's Finances API host (apiz.ebay.com, apiz.sandbox.ebay.com), or the
        simulator's, which serves every API on its one root."""
        self.ensure_one()
        if allow_private_urls() and self.sudo().ebay_api_url:
            return self._ebay_api_root()
        return const.FINANCES_HOSTS[self.ebay_environment or const.DEFAULT_ENVIRONMENT]

    def _ebay_auth_root(self):
        """The root of eBay's consent page host (the simulator serves it on its one host)."""
        self.ensure_one()
        if allow_private_urls() and self.sudo().ebay_api_url:
            return self._ebay_api_root()
        return const.AUTH_HOSTS[self.ebay_environment or const.DEFAULT_ENVIRONMENT]

    def _ebay_client(self, **kwargs):
        """The store's EbayClient (REST), in an environment that may read its credentials
        (`kwargs`: ApiClient's, e.g. a transport)."""
        self.ensure_one()
        return EbayClient(self.sudo(), **kwargs)

    def _ebay_trading(self, **kwargs):
        """The store's EbayTradingClient (Trading XML through ebaysdk), same environment."""
        self.ensure_one()
        return EbayTradingClient(self.sudo(), **kwargs)
