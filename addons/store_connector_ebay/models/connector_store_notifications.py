import secrets
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..ebay_notification import VERIFICATION_TOKEN_RE

# The platform endpoint's path (the base's /store_connector/webhook/<platform>).
ENDPOINT_PLATFORM = "ebay"


class ConnectorStore(models.Model):
    """eBay's notification endpoint on the store: the address eBay delivers account deletions and
    Notification API messages to, and the verification token that proves the address is ours.

    eBay registers ONE endpoint and token per application keyset (the deletion endpoint in the
    developer portal; the Notification API's destination, also per application), and the challenge
    eBay sends (``GET ?challenge_code=``) names neither the keyset nor the seller. So every eBay
    store of this database shares one endpoint (the base's platform route) and, by default, one
    token: a new eBay store takes the token of the eBay stores already delivering to the same
    address, and only the first one generates it. The address is kept as registered (behind a
    proxy it is not what the request shows Odoo), since eBay hashes it into the challenge.
    """

    _inherit = "connector.store"

    ebay_verification_token = fields.Char(
        string="eBay Verification Token",
        copy=False,
        groups="store_connector_base.group_store_connector_manager",
        help="Enter it in the eBay developer portal (Alerts & Notifications > Marketplace account "
        "deletion) with the notification endpoint. Generated for the first eBay store; the other eBay "
        "stores of this database share it, since eBay sends every store's notifications to one address. "
        "32 to 80 letters, digits, '_' or '-'.",
    )
    ebay_notification_endpoint = fields.Char(
        string="eBay Notification Endpoint",
        copy=False,
        help="The address eBay delivers account deletions and notifications to, exactly as entered in the "
        "developer portal: eBay hashes it into its verification challenge. Change it only when Odoo is "
        "reached through another address than its own (a proxy); Register Webhooks gives it to eBay's "
        "Notification API.",
    )
    ebay_notification_destination_id = fields.Char(
        string="eBay Notification Destination",
        readonly=True,
        copy=False,
        help="The Notification API destination Register Webhooks created for the endpoint.",
    )
    ebay_notification_endpoint_warning = fields.Char(
        compute="_compute_ebay_notification_endpoint_warning",
        help="Why eBay would refuse the endpoint as it is (empty: nothing known against it).",
    )
    # Who the store's seller is, as eBay names a user in its notifications: an authorization
    # revocation (and an order notification) must find the store of the seller it names.
    ebay_seller_username = fields.Char(
        string="eBay Seller",
        readonly=True,
        copy=False,
        help="The eBay user id of the connected seller account (Trading GetUser's UserID: the username, "
        "or eBay's immutable user id where eBay no longer gives usernames). Recorded by Connect with eBay "
        "and Test Connection.",
    )
    ebay_seller_eias_token = fields.Char(
        string="eBay Seller EIAS Token",
        readonly=True,
        copy=False,
        groups="store_connector_base.group_store_connector_manager",
        help="eBay's immutable identifier of the connected seller account (GetUser's EIASToken): it stays "
        "the same when the seller changes username. Recorded by Connect with eBay and Test Connection.",
    )

    @api.depends("ebay_notification_endpoint")
    def _compute_ebay_notification_endpoint_warning(self):
        for store in self:
            parts = urlsplit((store.ebay_notification_endpoint or "").strip())
            host = (parts.hostname or "").lower()
            if not store.ebay_notification_endpoint or store.platform != "ebay":
                store.ebay_notification_endpoint_warning = False
            elif parts.scheme != "https":
                store.ebay_notification_endpoint_warning = _(
                    "eBay only delivers to an https address: serve Odoo over https (System Parameter "
                    "web.base.url) or enter the public https address Odoo is reached at as the endpoint."
                )
            elif host in ("localhost", "127.0.0.1", "::1") or host.endswith(".local"):
                store.ebay_notification_endpoint_warning = _(
                    "eBay cannot reach %(host)s from the internet: enter the public address Odoo is reached "
                    "at as the endpoint.",
                    host=host,
                )
            else:
                store.ebay_notification_endpoint_warning = False

    @api.constrains("ebay_verification_token")
    def _check_ebay_verification_token(self):
        for store in self.sudo():
            token = store.ebay_verification_token
            if token and not VERIFICATION_TOKEN_RE.fullmatch(token):
                raise ValidationError(
                    _(
                        "The eBay verification token of store %(store)s must be 32 to 80 letters, "
                        "digits, '_' or '-' (eBay refuses any other). Leave it empty to have one generated.",
                        store=store.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        stores.filtered(lambda store: store.platform == "ebay")._ebay_ensure_notification_endpoint()
        return stores

    def write(self, vals):
        result = super().write(vals)
        if (
            vals.get("platform") == "ebay"
            or "ebay_verification_token" in vals
            or "ebay_notification_endpoint" in vals
        ):
            self.filtered(lambda store: store.platform == "ebay")._ebay_ensure_notification_endpoint()
        return result

    def _ebay_default_notification_endpoint(self):
        """The platform endpoint's URL from this database's base URL."""
        return self.env["store.webhook.delivery"]._platform_webhook_url(ENDPOINT_PLATFORM)

    def _ebay_ensure_notification_endpoint(self):
        """Give eBay stores without them the endpoint (this database's) and the verification token
        (the one the eBay stores at the same endpoint already use, else a new one)."""
        for store in self.sudo():
            values = {}
            endpoint = (store.ebay_notification_endpoint or "").strip()
            if not endpoint:
                endpoint = values["ebay_notification_endpoint"] = store._ebay_default_notification_endpoint()
            if not store.ebay_verification_token:
                values["ebay_verification_token"] = store._ebay_shared_verification_token(endpoint) or (
                    secrets.token_urlsafe(48)
                )  # 64 characters of [A-Za-z0-9_-]
            if values:
                # Plain super().write: no recursion into this method's trigger, no extra checks.
                super(ConnectorStore, store).write(values)

    def _ebay_shared_verification_token(self, endpoint):
        """The token of another eBay store delivering to `endpoint` (the oldest), or False."""
        other = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("platform", "=", "ebay"),
                    ("id", "not in", self.ids),
                    ("ebay_notification_endpoint", "=", endpoint),
                    ("ebay_verification_token", "!=", False),
                ],
                order="id",
                limit=1,
            )
        )
        return other.ebay_verification_token
