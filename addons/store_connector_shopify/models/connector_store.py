import hashlib
import hmac
import logging
import secrets
import threading
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import psycopg2.errors
import requests

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform
from odoo.addons.store_connector_base.services.http_transport import HttpTransport, allow_private_urls
from odoo.addons.store_connector_base.services.redact import safe_message

from .. import const
from .shopify_client import ShopifyClient

_logger = logging.getLogger(__name__)

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# (dbname, store id) -> (access token, expires_at): tokens this process refreshed and committed in
# a cursor of their own, newer than what the caller's transaction can still read.
_fresh_tokens = {}


def _oauth_nonce_hash(nonce):
    return hashlib.sha256(nonce.encode()).hexdigest()


class ConnectorStore(models.Model):
    """Shopify settings of a store: shop domain, API version, authentication (Admin API access
    token, or the OAuth install with expiring offline tokens), default location and the mapping of
    Shopify locations to Odoo locations. Secrets are integration.credential records
    (const.CRED_*)."""

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
        string="Requested Scopes", default=lambda self: ",".join(const.SHOPIFY_REQUIRED_SCOPES),
        help="Comma-separated access scopes asked for at install.",
    )
    shopify_expiring_tokens = fields.Boolean(
        string="Expiring Tokens", default=True,
        help="Ask for an expiring offline token (1 h, with a rotating refresh token) at install; "
             "mandatory for public apps from 2027.",
    )
    # The open OAuth authorization (see `_shopify_oauth_new_state`): the `state` sent to Shopify,
    # the hash of the nonce cookie of the browser that started it, and when it lapses.
    shopify_oauth_state = fields.Char(copy=False, groups="base.group_system")
    shopify_oauth_nonce_hash = fields.Char(copy=False, groups="base.group_system")
    shopify_oauth_expires_at = fields.Datetime(copy=False, groups="base.group_system")
    shopify_token_expires_at = fields.Datetime(string="Token Expires At", readonly=True, copy=False)
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
        self.ensure_one()
        return bool(self._shopify_credential_record(const.CRED_REFRESH_TOKEN).value_encrypted)

    def _shopify_access_token(self, force_refresh=False):
        """The access token to send, refreshed first when it lapses within
        const.SHOPIFY_TOKEN_REFRESH_MARGIN seconds (expiring offline tokens) or when forced.

        Checks the caller first, as the credential accessor does: neither the token this process
        keeps after a refresh nor a refresh (which runs as superuser) may serve someone who could
        not read the stored token.

        :raises AccessError: the caller is neither superuser code nor a Store Connector Manager of
            the store's company.
        :raises StoreAuthError: no token, or it expired and cannot be refreshed.
        """
        self.ensure_one()
        self.env["integration.credential"]._check_secret_access(self)
        margin = timedelta(seconds=const.SHOPIFY_TOKEN_REFRESH_MARGIN)
        now = fields.Datetime.now()
        fresh = _fresh_tokens.get((self.env.cr.dbname, self.id))
        if fresh and not force_refresh and fresh[1] - margin > now:
            return fresh[0]  # refreshed and committed by this process after our snapshot
        token = self._shopify_credential_record(const.CRED_ACCESS_TOKEN)
        lapsing = token.expires_at and token.expires_at - margin <= now
        if (force_refresh or lapsing) and self._shopify_can_refresh():
            return self._shopify_refresh_token(force=force_refresh)
        return self._get_credential(const.CRED_ACCESS_TOKEN)

    def _shopify_token_request(self, params):
        """POST /admin/oauth/access_token (form), through the base's HttpTransport (checked address,
        no redirect followed, a timeout). :returns: the JSON answer.

        ShopifyAPI's `Session.request_token` has no timeout, follows redirects and never asks for
        expiring tokens, so this is our own request.

        Error texts quote Shopify's answer redacted first (the store's secrets and every value this
        request sent: the OAuth code, the client secret, the refresh token; a token endpoint may
        echo its input), then cut.

        :param params: the form: client_id, client_secret and code, or grant_type and refresh_token.
        :raises StoreAuthError: Shopify refused to issue a token (the message is safe to show).
        :raises RetryableJobError: Shopify is unreachable, 429 or 5xx.
        :raises PermanentJobError: the address is refused or Shopify answered a redirect.
        """
        url = self._shopify_api_base_url() + const.SHOPIFY_TOKEN_PATH
        sent = [value for key, value in params.items() if key in const.SHOPIFY_TOKEN_REQUEST_SECRETS]
        transport = HttpTransport(timeout=const.SHOPIFY_HTTP_TIMEOUT)
        try:
            response = transport.post(url, data=params, headers={"Accept": "application/json"},
                                      secrets=sent)
        except requests.RequestException as exc:
            raise RetryableJobError(f"Shopify is unreachable: {exc.__class__.__name__}") from None
        finally:
            transport.close()
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryableJobError(f"Shopify token endpoint answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code != 200 or not body.get("access_token"):
            error = body.get("error_description") or body.get("error") or response.status_code
            raise StoreAuthError(_(
                "Shopify refused to issue a token for store %(store)s: %(error)s",
                store=self.name,
                error=self._shopify_safe_message(error, sent, limit=const.SHOPIFY_ERROR_QUOTE_LIMIT),
            ))
        return body

    def _shopify_safe_message(self, text, sent=(), limit=None):
        """`text` safe to store, log or show: the store's secrets and the values a request sent
        (`sent`) redacted from the whole text, then cut to `limit` (services/redact.py)."""
        self.ensure_one()
        secrets = list(sent) + self.env["integration.credential"]._store_secrets(self)
        return safe_message(text, secrets, limit=limit)

    def _shopify_save_tokens(self, body):
        """Store the tokens of an OAuth answer ({access_token, scope, expires_in, refresh_token,
        refresh_token_expires_in}) as credentials; record the granted scopes."""
        self.ensure_one()
        now = fields.Datetime.now()
        Credential = self.env["integration.credential"].sudo()
        expires_at = now + timedelta(seconds=int(body["expires_in"])) if body.get("expires_in") else None
        Credential._set_value(self, const.CRED_ACCESS_TOKEN, body["access_token"], expires_at=expires_at)
        if body.get("refresh_token"):
            refresh_expires = (now + timedelta(seconds=int(body["refresh_token_expires_in"]))
                               if body.get("refresh_token_expires_in") else None)
            Credential._set_value(self, const.CRED_REFRESH_TOKEN, body["refresh_token"],
                                  expires_at=refresh_expires)
        _fresh_tokens.pop((self.env.cr.dbname, self.id), None)
        vals = {"shopify_token_expires_at": expires_at or False}
        if body.get("scope"):
            vals["shopify_granted_scopes"] = body["scope"]
        self.sudo().write(vals)

    # ------------------------------------------------------------------ OAuth authorization
    def _shopify_oauth_new_state(self):
        """Open a new OAuth authorization for this store, replacing any other: a `state` for
        Shopify's authorize page and a nonce for the cookie of the browser that starts it, both
        good once, for `SHOPIFY_OAUTH_STATE_TTL` seconds. Only the nonce's hash is kept, so the
        database alone does not let anyone finish an install.

        Callers check who may start it: a manager (`action_shopify_oauth_install`) or Shopify's
        signed install hit when no authorization is open (the install route).

        :returns: (state, nonce).
        """
        self.ensure_one()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.sudo().write({
            "shopify_oauth_state": state,
            "shopify_oauth_nonce_hash": _oauth_nonce_hash(nonce),
            "shopify_oauth_expires_at": fields.Datetime.now()
            + timedelta(seconds=const.SHOPIFY_OAUTH_STATE_TTL),
        })
        return state, nonce

    def _shopify_oauth_authorize_url(self, state):
        """Shopify's authorize page for this store's app, coming back to our callback with `state`."""
        self.ensure_one()
        params = {
            "client_id": self.shopify_client_id or "",
            "scope": self.shopify_scopes or ",".join(const.SHOPIFY_REQUIRED_SCOPES),
            "redirect_uri": self.get_base_url() + const.SHOPIFY_OAUTH_CALLBACK_ROUTE,
            "state": state,
        }
        return self._shopify_api_base_url() + const.SHOPIFY_AUTHORIZE_PATH + "?" + urlencode(params)

    def _shopify_oauth_cookie_name(self):
        self.ensure_one()
        return const.SHOPIFY_OAUTH_NONCE_COOKIE.format(store_id=self.id)

    def _shopify_oauth_set_nonce_cookie(self, response, nonce):
        """Give the browser the authorization's nonce: HttpOnly, only sent to the callback route,
        SameSite=Lax (sent on the top-level redirect back from Shopify, not on other sites'
        subrequests), Secure when Odoo is served over https, gone after the authorization lapses.

        :param response: the answer to the browser (a werkzeug response or `request.future_response`).
        """
        secure = self.get_base_url().startswith("https://") or (
            bool(request) and request.httprequest.scheme == "https")
        response.set_cookie(
            self._shopify_oauth_cookie_name(), nonce, max_age=const.SHOPIFY_OAUTH_STATE_TTL, expires=None,
            path=const.SHOPIFY_OAUTH_CALLBACK_ROUTE, secure=secure, httponly=True, samesite="Lax",
        )

    def _shopify_oauth_in_progress(self):
        """Whether an authorization of this store is open (started, not used, not lapsed)."""
        self.ensure_one()
        store = self.sudo()
        return bool(store.shopify_oauth_state and store.shopify_oauth_expires_at
                    and store.shopify_oauth_expires_at > fields.Datetime.now())

    def _shopify_oauth_nonce_matches(self, nonce):
        """Whether `nonce` (the callback's cookie) is the one of the browser that opened the
        authorization (constant-time comparison of the hashes)."""
        self.ensure_one()
        stored = self.sudo().shopify_oauth_nonce_hash
        return bool(nonce and stored and hmac.compare_digest(_oauth_nonce_hash(nonce), stored))

    def _shopify_oauth_close(self):
        """Forget the open authorization (used, or replaced): its state and nonce are good once."""
        self.sudo().write({"shopify_oauth_state": False, "shopify_oauth_nonce_hash": False,
                           "shopify_oauth_expires_at": False})

    def _shopify_refresh_token(self, force=False):
        """Exchange the rotating refresh token for a new access token (and a new refresh token).

        Shopify retires the old refresh token once the new access token is used, so the new pair
        must survive whatever happens to the job that asked: it is saved and committed in a
        cursor of its own (in tests, the test cursor), and remembered in this process for the
        rest of the caller's transaction, whose snapshot predates it. The refresh token row is
        locked there, so two workers do not both rotate it: the second one finds the token fresh.

        :param force: refresh even if the stored token does not lapse yet (Shopify said 401).
        :returns: the new access token.
        :raises StoreAuthError: the refresh token is missing, expired or refused.
        :raises RetryableJobError: another worker is refreshing it right now.
        """
        self.ensure_one()
        registry = self.env.registry
        testing = getattr(threading.current_thread(), "testing", False)
        if testing and not registry.in_test_mode():
            # A TransactionCase: no second cursor can see this test's uncommitted store.
            return self._shopify_refresh_token_in(self.sudo(), force)
        self.env.flush_all()  # a test cursor shares this transaction: let it read our writes
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                token = self.with_env(env)._shopify_refresh_token_in(self.with_env(env), force)
        except psycopg2.errors.SerializationFailure:
            raise RetryableJobError(_("The Shopify token of store %(store)s is being refreshed by "
                                      "another worker.", store=self.name)) from None
        self.env["integration.credential"].invalidate_model()
        self.invalidate_recordset()
        return token

    def _shopify_refresh_token_in(self, store, force):
        refresh_cred = store._shopify_credential_record(const.CRED_REFRESH_TOKEN)
        store.env.cr.execute("SELECT id FROM integration_credential WHERE id = %s FOR UPDATE",
                             [refresh_cred.id])
        access = store._shopify_credential_record(const.CRED_ACCESS_TOKEN)
        margin = timedelta(seconds=const.SHOPIFY_TOKEN_REFRESH_MARGIN)
        if not force and access.expires_at and access.expires_at - margin > fields.Datetime.now():
            return store._get_credential(const.CRED_ACCESS_TOKEN)  # another worker refreshed it
        body = store._shopify_token_request({
            "client_id": store.shopify_client_id or "",
            "client_secret": store._get_credential(const.CRED_CLIENT_SECRET),
            "grant_type": "refresh_token",
            "refresh_token": store._get_credential(const.CRED_REFRESH_TOKEN),
        })
        store._shopify_save_tokens(body)
        store._log_activity("auth", "done", message=_("Shopify access token refreshed"))
        if body.get("expires_in"):
            expires_at = fields.Datetime.now() + timedelta(seconds=int(body["expires_in"]))
            _fresh_tokens[(store.env.cr.dbname, store.id)] = (body["access_token"], expires_at)
        return body["access_token"]

    @api.model
    def _cron_shopify_refresh_tokens(self):
        """Cron: refresh the expiring offline tokens that lapse within
        const.SHOPIFY_TOKEN_CRON_HORIZON seconds, so that a token never lapses between two jobs
        (a store idle for an hour would otherwise find its token expired, and an expired refresh
        token means a new install). A store whose refresh fails says so in its activity log; the
        others go on."""
        horizon = fields.Datetime.now() + timedelta(seconds=const.SHOPIFY_TOKEN_CRON_HORIZON)
        stores = self.sudo().search([
            ("platform", "=", "shopify"),
            ("shopify_token_expires_at", "!=", False),
            ("shopify_token_expires_at", "<=", horizon),
        ])
        refreshed = self.browse()
        for store in stores:
            if not store._shopify_can_refresh():
                continue
            try:
                store._shopify_refresh_token(force=True)
                refreshed |= store
            except (StoreAuthError, RetryableJobError, PermanentJobError) as exc:
                # Already redacted by the token request; again here, as every path out does.
                error = store._shopify_safe_message(exc)
                _logger.warning("Shopify token refresh of store %s failed: %s", store.id, error)
                store._log_activity("auth", "failed", message=_(
                    "The Shopify access token could not be refreshed: %(error)s", error=error))
        return refreshed

    # ------------------------------------------------------------------ actions
    def action_shopify_fetch_locations(self):
        """Read the shop's locations into the mapping table (new ones added, names updated)."""
        self._check_store_manager()
        self.ensure_one()
        self._get_adapter()._shopify_sync_locations(self)
        return True

    def _job_shopify_sync_locations(self, job):
        """Queue handler: read the shop's locations (see `_shopify_sync_locations`)."""
        locations = self._get_adapter()._shopify_sync_locations(self)
        return {"locations": len(locations)}

    def action_shopify_oauth_install(self):
        """Start the OAuth install (button "Install with OAuth"): open a new authorization, bind it
        to the manager's browser with the nonce cookie set on this answer, and send the browser to
        Shopify's authorize page.

        It runs in the web client's call_kw request (a JSON POST under Odoo's session cookie), which
        another site cannot make a manager's browser send; the GET route that used to start the
        install could be, and replaced the install in progress.

        :returns: an act_url action to Shopify's authorize page.
        :raises AccessError: the caller is not a Store Connector Manager of the store's company.
        :raises UserError: not a Shopify store, no client id or client secret, or no browser request.
        """
        self._check_store_manager()
        self.ensure_one()
        if self.platform != "shopify":
            raise UserError(_("%(store)s is not a Shopify store.", store=self.name))
        if not self.shopify_client_id:
            raise UserError(_("Enter the app's client id on the store %(store)s first.", store=self.name))
        if not self._get_credential(const.CRED_CLIENT_SECRET, required=False):
            raise UserError(_(
                "Save the app's client secret as credential %(key)s of the store %(store)s first.",
                key=const.CRED_CLIENT_SECRET, store=self.name,
            ))
        if not request:
            raise UserError(_("Start the Shopify installation from the store's form, in a browser."))
        state, nonce = self._shopify_oauth_new_state()
        self._shopify_oauth_set_nonce_cookie(request.future_response, nonce)
        return {
            "type": "ir.actions.act_url",
            "url": self._shopify_oauth_authorize_url(state),
            "target": "self",
        }
