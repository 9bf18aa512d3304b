"""Connect with WooCommerce: WooCommerce generates the store's REST keys and sends them to Odoo
(WooCommerce REST API docs, "Authentication" > "Generating API keys programmatically"; WC_Auth in
includes/class-wc-auth.php).

    Button "Connect with WooCommerce" (action_woocommerce_connect, a manager's call_kw)
        -> a new single-use state (the base's connector.store._oauth_new_state)
        -> the browser goes to <shop>/wc-auth/v1/authorize?app_name&scope=read_write
           &user_id=<state>&return_url=<the store's form>
           &callback_url=<Odoo>/store_connector/woocommerce/keys/<store id>
    The merchant logs into WordPress and approves
        -> WooCommerce's server POSTs {key_id, user_id, consumer_key, consumer_secret, key_permissions}
           as JSON to the callback (controllers/main.py -> _woocommerce_receive_keys)
        -> state checked and spent (known, of this store, not lapsed; no browser cookie: the server
           calls, the state itself is the secret), Read/Write checked, keys saved as credentials
        -> any answer but 200 and WooCommerce deletes the key it made and shows the merchant an error
        -> WooCommerce sends the browser to return_url?success=1&user_id=<state>

WooCommerce only posts keys to an https callback (`make_validation`: "The callback_url needs to be
over SSL"); Odoo's address must therefore be https, except where the server allows private URLs
(tests and the demo against the loopback simulator).
"""

from urllib.parse import urlencode, urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base import const as base_const
from odoo.addons.store_connector_base.exceptions import OAuthStateError
from odoo.addons.store_connector_base.labels import count_text
from odoo.addons.store_connector_base.services import http_transport

from .. import const

MANAGER_GROUP = "store_connector_base.group_store_connector_manager"


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    # What Connect with WooCommerce received (never the key itself): Test Connection says the key is
    # Read/Write while the store still uses that key (its ending matches).
    woocommerce_key_permissions = fields.Selection(
        const.KEY_PERMISSIONS, string="Connected Key Permissions", readonly=True, copy=False,
        groups=MANAGER_GROUP,
        help="The permissions of the key WooCommerce generated through Connect with WooCommerce.",
    )
    woocommerce_key_ending = fields.Char(
        string="Connected Key", readonly=True, copy=False, groups=MANAGER_GROUP,
        help="The end of the consumer key Connect with WooCommerce received, as WooCommerce shows it "
        "in its list of keys (WooCommerce > Settings > Advanced > REST API).",
    )

    # ------------------------------------------------------------------ actions
    def action_woocommerce_connect(self):
        """Connect with WooCommerce (button): send the manager's browser to the shop's wc-auth
        approval page; WooCommerce then posts a new Read/Write key to Odoo.

        :returns: an act_url action to ``<shop>/wc-auth/v1/authorize``.
        :raises AccessError: the caller is not a Store Connector Manager of the store's company.
        :raises UserError: not a WooCommerce store, no shop URL, or Odoo's address is not https.
        """
        self._check_store_manager()
        self.ensure_one()
        if self.platform != "woocommerce":
            raise UserError(_("Store %(store)s is not a WooCommerce store.", store=self.name))
        if not self.shop_url:
            raise UserError(_("Enter the shop's URL (the WordPress address, https://...) of store %(store)s "
                              "first, then connect it.", store=self.name))
        callback_url = self._woocommerce_keys_callback_url()
        if urlsplit(callback_url).scheme != "https" and not http_transport.allow_private_urls():
            raise UserError(_(
                "WooCommerce sends the keys only to an https address, and Odoo's address is %(url)s. Serve "
                "Odoo over https (and set the System Parameter web.base.url to that address), or paste a "
                "key generated in WooCommerce > Settings > Advanced > REST API on the Credentials tab.",
                url=self.get_base_url()))
        state, _nonce = self._oauth_new_state()
        query = urlencode({
            "app_name": f"{const.WC_AUTH_APP_NAME} ({self.name})"[:170],
            "scope": const.WC_AUTH_SCOPE,
            "user_id": state,
            "return_url": self.get_base_url() + base_const.STORE_FORM_PATH % self.id,
            "callback_url": callback_url,
        })
        duration = count_text(base_const.OAUTH_STATE_TTL // 60, _("1 minute"), _("%(count)s minutes"),
                              env=self.env)
        self._log_activity("auth", "info", message=_(
            "Connect with WooCommerce started by %(user)s: approve it in WooCommerce within %(duration)s.",
            user=self.env.user.name, duration=duration))
        return {
            "type": "ir.actions.act_url",
            "url": self.shop_url.rstrip("/") + const.WC_AUTH_AUTHORIZE_PATH + "?" + query,
            "target": "self",
        }

    # ------------------------------------------------------------------ business
    def _woocommerce_keys_callback_url(self):
        """Where WooCommerce posts the keys: Odoo's address, the route, the store's id."""
        self.ensure_one()
        return f"{self.get_base_url()}{const.KEYS_CALLBACK_ROUTE}/{self.id}"

    @api.model
    def _woocommerce_receive_keys(self, store_id, payload):
        """The keys WooCommerce posted to the callback of store `store_id` (superuser code: the
        callback carries no Odoo user; the single-use state in ``user_id`` is what authorizes it).

        :param store_id: the store named by the callback URL.
        :param payload: the JSON body, ``{key_id, user_id, consumer_key, consumer_secret,
            key_permissions}``.
        :returns: the store, its keys saved.
        :raises OAuthStateError: nothing saved; `status` is the HTTP status to answer (WooCommerce
            deletes the key it generated on any answer but 200): 400 for a body that is not the
            keys, or a state unknown, used, lapsed or of another store; 403 for a key that is not
            Read/Write (logged on the store, whose state is then spent: connect again).
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("user_id"), str):
            raise OAuthStateError(_("This is not a key from WooCommerce."), status=400)
        store = self.sudo().browse(store_id).exists() if isinstance(store_id, int) else self.browse()
        if not store or store.platform != "woocommerce":
            # No such store: refused as the base refuses an unknown authorization.
            raise OAuthStateError(_("Unknown or already used authorization: start the installation again "
                                    "from the store's form in Odoo."), status=400)
        store = self.sudo()._oauth_take_state(
            payload["user_id"], route=const.KEYS_CALLBACK_ROUTE, store=store, check_nonce=False)
        consumer_key, consumer_secret = payload.get("consumer_key"), payload.get("consumer_secret")
        if not (_is_key(consumer_key, "ck_") and _is_key(consumer_secret, "cs_")):
            message = _("WooCommerce sent no valid consumer key and secret to store %(store)s: nothing was "
                        "saved. Click Connect with WooCommerce again.", store=store.name)
            store._log_activity("auth", "failed", message=message)
            raise OAuthStateError(message, status=400)
        permissions = payload.get("key_permissions")
        if permissions != const.WC_AUTH_SCOPE:
            labels = dict(const.KEY_PERMISSIONS)
            message = _(
                "WooCommerce generated a key with %(permissions)s permissions for store %(store)s, and the "
                "connector needs Read/Write: the key was refused and WooCommerce deletes it. Click Connect "
                "with WooCommerce again and approve Read/Write access.",
                permissions=labels.get(permissions, str(permissions)[:30]), store=store.name)
            store._log_activity("auth", "failed", message=message)
            raise OAuthStateError(message, status=403)
        Credential = self.env["integration.credential"].sudo()
        Credential._set_value(store, const.CRED_CONSUMER_KEY, consumer_key)
        Credential._set_value(store, const.CRED_CONSUMER_SECRET, consumer_secret)
        ending = consumer_key[-const.KEY_ENDING_LENGTH:]
        store.write({"woocommerce_key_permissions": permissions, "woocommerce_key_ending": ending})
        store._log_activity("auth", "done", message=_(
            "Connected with WooCommerce: a Read/Write key (ending in %(ending)s) was generated and saved "
            "as the store's consumer key and secret.", ending=ending))
        return store


def _is_key(value, prefix):
    """A WooCommerce consumer key or secret: ``ck_``/``cs_`` and 40 hex digits (wc_rand_hash);
    any printable ASCII of a sane length is accepted, as filters may change the hash."""
    return (isinstance(value, str) and value.startswith(prefix) and 8 <= len(value) <= 200
            and value.isascii() and value.isprintable() and " " not in value)
