"""The OAuth token lifecycle of a store, the same for every platform; the platform's specifics come
through the `store.adapter` hooks of models/store_adapter_oauth.py.

    "Install with OAuth" (action_oauth_install, a call_kw of the manager's web client)
        -> a new single-use state, and a nonce cookie binding it to that browser
        -> the platform's authorize page (adapter._oauth_authorize_url)
    GET <callback>?code&state  (controllers/oauth.py, or the platform's own route)
        -> _oauth_take_state: known, of this store and route, not lapsed, same browser; then spent
        -> _oauth_exchange_code: tokens saved as credentials (access_token, refresh_token)
    Every use of the token (_oauth_access_token)
        -> refreshed first when it lapses within OAUTH_TOKEN_REFRESH_MARGIN (or the platform
           refused it): in a transaction of its own, under a row lock (_oauth_refresh)
    Cron every 10 minutes (_cron_oauth_refresh_tokens)
        -> refreshes the tokens lapsing within OAUTH_TOKEN_CRON_HORIZON; a revoked grant pauses
           the store; a refresh token ending soon is announced to the managers

Code never tests whether it runs in a test: a TransactionCase whose code refreshes a token puts the
registry in test mode (tests/common.py `registry_test_mode`), so the refresh's own cursor shares the
test's transaction, as in an HttpCase.
"""

import base64
import hashlib
import hmac
import secrets
import time
from datetime import timedelta

import psycopg2.errors
import requests

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request

from .. import const, labels
from ..exceptions import OAuthStateError, PermanentJobError, RetryableJobError, StoreAuthError
from ..services.http_transport import HttpTransport
from ..services.logs import get_logger
from ..services.redact import safe_message

_logger = get_logger(__name__)

# (dbname, store id) -> (access token, expires_at): tokens this process refreshed and committed in
# a cursor of their own, newer than what the caller's transaction can still read.
_fresh_tokens = {}
# A refresh waits for another worker's lock (LockNotAvailable) or, having waited, finds the row
# changed after its snapshot (SerializationFailure): it looks again in a new transaction.
_LOCK_ERRORS = (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure)


def _nonce_hash(nonce):
    return hashlib.sha256(nonce.encode()).hexdigest()


class ConnectorStore(models.Model):
    """OAuth of a store: the open authorization (state, browser nonce), the tokens' lifecycle."""

    _inherit = "connector.store"

    # The open authorization (see `_oauth_new_state`): the `state` sent to the platform, the hash
    # of the nonce cookie of the browser that started it, and when it lapses. Never shown.
    oauth_state = fields.Char(copy=False, groups="base.group_system")
    oauth_nonce_hash = fields.Char(copy=False, groups="base.group_system")
    oauth_state_expires_at = fields.Datetime(copy=False, groups="base.group_system")
    oauth_token_expires_at = fields.Datetime(
        string="Token Expires At", compute="_compute_oauth_token_expires_at",
        help="When the platform stops accepting the current access token; it is refreshed before.",
    )
    # The refresh token expiry the managers were last warned about (once per refresh token).
    oauth_refresh_expiry_warned = fields.Datetime(readonly=True, copy=False)

    # ------------------------------------------------------------------ computes
    def _compute_oauth_token_expires_at(self):
        # The credential holds the expiry (one place); shown to whoever sees the store's form.
        credentials = self.env["integration.credential"].sudo().search(
            [("store_id", "in", self.ids), ("key", "=", const.CRED_OAUTH_ACCESS_TOKEN)])
        expiry = {cred.store_id.id: cred.expires_at for cred in credentials}
        for store in self:
            store.oauth_token_expires_at = expiry.get(store.id) or False

    # ------------------------------------------------------------------ actions
    def action_oauth_install(self):
        """Start the OAuth install (button "Install with OAuth"): open a new authorization, bind
        it to the manager's browser with the nonce cookie set on this answer, and send the browser
        to the platform's authorize page.

        It runs in the web client's call_kw request (a JSON POST under Odoo's session cookie),
        which another site cannot make a manager's browser send; a GET route starting installs
        could be, and would replace the install in progress.

        :returns: an act_url action to the platform's authorize page.
        :raises AccessError: the caller is not a Store Connector Manager of the store's company.
        :raises UserError: the platform has no OAuth install, something is missing (client id or
            secret), or the call does not come from a browser.
        """
        self._check_store_manager()
        self.ensure_one()
        adapter = self._get_adapter()
        if not adapter._oauth_enabled(self):
            raise UserError(_("Store %(store)s does not connect through OAuth: enter its credentials "
                              "on the Credentials tab instead.", store=self.name))
        adapter._oauth_check_install(self)
        if not request:
            raise UserError(_("Start the installation from the store's form, in a browser."))
        state, nonce = self._oauth_new_state()
        self._oauth_set_nonce_cookie(request.future_response, nonce)
        return {"type": "ir.actions.act_url", "url": adapter._oauth_authorize_url(self, state),
                "target": "self"}

    # ------------------------------------------------------------------ authorization (state, callback)
    def _oauth_new_state(self):
        """Open a new authorization for this store, replacing any other: a `state` for the
        platform's authorize page (or WooCommerce's callback URL) and a nonce for the cookie of
        the browser that starts it, both good once, for const.OAUTH_STATE_TTL seconds. Only the
        nonce's hash is kept, so the database alone does not let anyone finish an install.

        Callers check who may start it (`action_oauth_install`: a manager).

        :returns: (state, nonce).
        """
        self.ensure_one()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.sudo().write({
            "oauth_state": state,
            "oauth_nonce_hash": _nonce_hash(nonce),
            "oauth_state_expires_at": fields.Datetime.now() + timedelta(seconds=const.OAUTH_STATE_TTL),
        })
        return state, nonce

    def _oauth_callback_url(self):
        """The redirect URI: Odoo's base URL and the platform's callback path."""
        self.ensure_one()
        return self.get_base_url() + self._get_adapter()._oauth_callback_path(self)

    def _oauth_cookie_name(self):
        self.ensure_one()
        return const.OAUTH_NONCE_COOKIE.format(store_id=self.id)

    def _oauth_set_nonce_cookie(self, response, nonce):
        """Give the browser the authorization's nonce: HttpOnly, only sent to the callback route,
        SameSite=Lax (sent on the top-level redirect back from the platform, not on other sites'
        subrequests), Secure when Odoo is served over https, gone when the authorization lapses.

        :param response: the answer to the browser (a werkzeug response or `request.future_response`).
        """
        self.ensure_one()
        secure = self.get_base_url().startswith("https://") or (
            bool(request) and request.httprequest.scheme == "https")
        response.set_cookie(
            self._oauth_cookie_name(), nonce, max_age=const.OAUTH_STATE_TTL, expires=None,
            path=self._get_adapter()._oauth_callback_path(self), secure=secure, httponly=True, samesite="Lax",
        )

    def _oauth_delete_nonce_cookie(self, response):
        """Remove the nonce cookie from the browser (the authorization is over)."""
        self.ensure_one()
        response.delete_cookie(self._oauth_cookie_name(), path=self._get_adapter()._oauth_callback_path(self))

    def _oauth_in_progress(self):
        """Whether an authorization of this store is open (started, not used, not lapsed)."""
        self.ensure_one()
        store = self.sudo()
        return bool(store.oauth_state and store.oauth_state_expires_at
                    and store.oauth_state_expires_at > fields.Datetime.now())

    def _oauth_nonce_matches(self, nonce):
        """Whether `nonce` (the callback's cookie) is the one of the browser that opened the
        authorization (constant-time comparison of the hashes)."""
        self.ensure_one()
        stored = self.sudo().oauth_nonce_hash
        return bool(nonce and stored and hmac.compare_digest(_nonce_hash(nonce), stored))

    def _oauth_close(self):
        """Forget the open authorization (used, or replaced): its state and nonce are good once."""
        self.sudo().write({"oauth_state": False, "oauth_nonce_hash": False, "oauth_state_expires_at": False})

    @api.model
    def _oauth_store_of_state(self, state):
        """The store whose open authorization has this `state` (lapsed or not), or no record.
        For a platform route that checks the callback's signature with the store's secret before
        `_oauth_take_state`."""
        if not state or not isinstance(state, str):
            return self.browse()
        return self.sudo().search([("oauth_state", "=", state)], limit=1)

    @api.model
    def _oauth_take_state(self, state, cookies=None, route=None, store=None, check_nonce=True):
        """Check the `state` a callback brings and spend it: it is good once.

        :param state: the callback's state parameter.
        :param cookies: the callback request's cookies (the browser's nonce cookie is read there).
        :param route: the path of the route serving the callback: a state of a store whose platform
            calls back elsewhere (with checks of its own) is refused here.
        :param store: the store the caller already knows the callback is for (e.g. from a signed
            parameter): a state of another store is refused.
        :param check_nonce: whether the callback comes from the browser that started the
            authorization (False for a server-to-server callback, such as WooCommerce's keys,
            where the state itself is the single-use secret).
        :returns: the store (superuser), its authorization closed.
        :raises OAuthStateError: unknown or used, of another store or route, lapsed (the state is
            spent), or opened in another browser (the state is kept: the browser that started the
            install can still finish it).
        """
        found = self._oauth_store_of_state(state)
        if found and route and found._get_adapter()._oauth_callback_path(found) != route:
            found = self.browse()
        if not found:
            raise OAuthStateError(_("Unknown or already used authorization: start the installation again "
                                    "from the store's form in Odoo."))
        if store is not None and found.id != store.id:
            raise OAuthStateError(_("This authorization was started for another store: start the "
                                    "installation again from the form of store %(store)s in Odoo.",
                                    store=store.name))
        if not found._oauth_in_progress():
            found._oauth_close()
            duration = labels.count_text(const.OAUTH_STATE_TTL // 60, _("1 minute"), _("%(count)s minutes"),
                                         env=self.env)
            raise OAuthStateError(_("This installation expired (after %(duration)s): start it again "
                                    "from the store's form in Odoo.", duration=duration))
        if check_nonce and not found._oauth_nonce_matches((cookies or {}).get(found._oauth_cookie_name())):
            raise OAuthStateError(_(
                "This installation was started in another browser (or this browser did not keep its "
                "cookie): start it again from the store's form in Odoo, in this browser."), status=403)
        found._oauth_close()
        return found

    # ------------------------------------------------------------------ tokens
    def _oauth_credential(self, key):
        """The credential record `key` of this store (superuser; its value stays encrypted)."""
        self.ensure_one()
        return self.env["integration.credential"].sudo().search(
            [("store_id", "=", self.id), ("key", "=", key)], limit=1)

    def _oauth_safe_message(self, text, sent=(), limit=None):
        """`text` safe to store, log or show: the store's secrets and the values a request sent
        (`sent`) redacted from the whole text, then cut to `limit` (services/redact.py)."""
        self.ensure_one()
        return safe_message(text, list(sent) + self.env["integration.credential"]._store_secrets(self),
                            limit=limit)

    def _oauth_platform_label(self):
        self.ensure_one()
        labels = dict(self._fields["platform"]._description_selection(self.env))
        return labels.get(self.platform) or self.platform

    def _oauth_token_request(self, grant_type, values):
        """POST a token request to the platform's token endpoint (form body, JSON answer), through
        the base's HttpTransport (checked address, no redirect followed, a timeout).

        Error texts quote the platform's answer redacted first (the store's secrets and every
        secret this request sent: the client secret, the code, the refresh token; a token endpoint
        may echo its input), then cut: they are safe to show, log and store as they are.

        :param grant_type: "authorization_code" or "refresh_token".
        :param values: see `store.adapter._oauth_token_params`.
        :returns: the tokens (`store.adapter._oauth_parse_token_response`).
        :raises StoreAuthError: the platform refused, and the refusal means the grant is gone
            (`_oauth_token_revoked`); the client secret is missing.
        :raises PermanentJobError: any other refusal; the address is refused or answered a redirect.
        :raises RetryableJobError: the platform is unreachable, answered 429 or 5xx.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        platform = self._oauth_platform_label()
        client_id = adapter._oauth_client_id(self)
        client_secret = adapter._oauth_client_secret(self)
        params = adapter._oauth_token_params(self, grant_type, values)
        headers = {"Accept": "application/json"}
        sent = [client_secret] + [values[key] for key in ("code", "refresh_token") if values.get(key)]
        if adapter._oauth_client_auth(self) == "basic":
            basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
            sent.append(basic)
        else:
            params = {"client_id": client_id, "client_secret": client_secret, **params}
        transport = HttpTransport(timeout=const.OAUTH_HTTP_TIMEOUT)
        try:
            response = transport.post(adapter._oauth_token_url(self), data=params, headers=headers,
                                      secrets=sent)
        except requests.RequestException as exc:
            raise RetryableJobError(_("%(platform)s's token endpoint is unreachable: %(error)s",
                                      platform=platform, error=exc.__class__.__name__)) from None
        except PermanentJobError as exc:
            raise PermanentJobError(self._oauth_safe_message(exc, sent)) from None
        finally:
            transport.close()
        status = response.status_code
        if status >= 500 or status == 429:
            raise RetryableJobError(_("%(platform)s's token endpoint answered HTTP %(status)s",
                                      platform=platform, status=status))
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if status == 200 and body.get("access_token"):
            return adapter._oauth_parse_token_response(self, body)
        message = _(
            "%(platform)s refused to issue a token for store %(store)s: %(error)s",
            platform=platform, store=self.name,
            error=self._oauth_safe_message(adapter._oauth_error_text(self, status, body), sent,
                                           limit=const.OAUTH_ERROR_QUOTE_LIMIT),
        )
        if status != 200 and adapter._oauth_token_revoked(self, status, body):
            raise StoreAuthError(message)
        raise PermanentJobError(message)

    def _oauth_save_tokens(self, tokens, grant_type="refresh_token"):
        """Save the tokens of a token answer as the store's credentials (with their expiry) and let
        the platform record the rest (`store.adapter._oauth_tokens_saved`).

        :param tokens: see `store.adapter._oauth_parse_token_response`; a missing refresh token
            keeps the current one (eBay's refresh answers carry none).
        """
        self.ensure_one()
        now = fields.Datetime.now()
        Credential = self.env["integration.credential"].sudo()
        expires_at = now + timedelta(seconds=int(tokens["expires_in"])) if tokens.get("expires_in") else None
        Credential._set_value(self, const.CRED_OAUTH_ACCESS_TOKEN, tokens["access_token"],
                              expires_at=expires_at)
        if tokens.get("refresh_token"):
            refresh_expires = (now + timedelta(seconds=int(tokens["refresh_token_expires_in"]))
                               if tokens.get("refresh_token_expires_in") else None)
            Credential._set_value(self, const.CRED_OAUTH_REFRESH_TOKEN, tokens["refresh_token"],
                                  expires_at=refresh_expires)
        _fresh_tokens.pop((self.env.cr.dbname, self.id), None)
        self.invalidate_recordset(["oauth_token_expires_at"])
        self._get_adapter()._oauth_tokens_saved(self, tokens, grant_type)

    def _oauth_exchange_code(self, code):
        """Exchange the authorization code of a callback for the store's tokens, saved as its
        credentials. The activity log says what happened; a failure's message is safe to show on
        the public callback page.

        :param code: the callback's code.
        :returns: the tokens.
        :raises StoreAuthError, PermanentJobError, RetryableJobError: see `_oauth_token_request`.
        """
        self.ensure_one()
        try:
            tokens = self._oauth_token_request(
                "authorization_code", {"code": code or "", "redirect_uri": self._oauth_callback_url()})
        except (StoreAuthError, PermanentJobError, RetryableJobError) as exc:
            message = self._oauth_safe_message(exc, [code], limit=const.OAUTH_ERROR_QUOTE_LIMIT * 2)
            self._log_activity("auth", "failed", message=message)
            raise type(exc)(message) from None
        self._oauth_save_tokens(tokens, grant_type="authorization_code")
        self._log_activity("auth", "done", message=_("Installed through OAuth (scopes: %(scopes)s)",
                                                     scopes=tokens.get("scope") or _("none named")))
        return tokens

    def _oauth_can_refresh(self):
        """Whether the store's platform uses OAuth and the store has a refresh token."""
        self.ensure_one()
        return bool(self._get_adapter()._oauth_enabled(self)
                    and self._oauth_credential(const.CRED_OAUTH_REFRESH_TOKEN).value_encrypted)

    def _oauth_access_token(self, force_refresh=False):
        """The access token to send, refreshed first when it lapses within
        const.OAUTH_TOKEN_REFRESH_MARGIN seconds or when forced (the platform refused it).

        Checks the caller first, as the credential accessor does: neither the token this process
        keeps after a refresh nor a refresh (which runs as superuser) may serve someone who could
        not read the stored token.

        :param force_refresh: the platform refused the token just sent (HTTP 401): get another,
            unless another worker already did.
        :raises AccessError: the caller is neither superuser code nor a Store Connector Manager of
            the store's company.
        :raises StoreAuthError: no token, or it expired and cannot be refreshed, or the platform
            revoked the grant (a job pauses the store).
        :raises RetryableJobError: the token endpoint is unreachable or another worker holds the
            refresh too long.
        """
        self.ensure_one()
        self.env["integration.credential"]._check_secret_access(self)
        margin = timedelta(seconds=const.OAUTH_TOKEN_REFRESH_MARGIN)
        now = fields.Datetime.now()
        fresh = _fresh_tokens.get((self.env.cr.dbname, self.id))
        if fresh and fresh[1] - margin > now:
            if not force_refresh:
                return fresh[0]  # refreshed and committed by this process after our snapshot
            seen = fresh[0]
        else:
            seen = self._get_credential(const.CRED_OAUTH_ACCESS_TOKEN, required=False)
        access = self._oauth_credential(const.CRED_OAUTH_ACCESS_TOKEN)
        lapsing = access.expires_at and access.expires_at - margin <= now
        if (force_refresh or lapsing) and self._oauth_can_refresh():
            return self._oauth_refresh(seen_token=seen)
        return self._get_credential(const.CRED_OAUTH_ACCESS_TOKEN)

    def _oauth_refresh(self, seen_token=None):
        """Exchange the refresh token for a new access token (and, on platforms that rotate it, a
        new refresh token), unless another worker did it since the caller read `seen_token`.

        A rotated refresh token is retired by the platform once the new pair is used, so the new
        pair must survive whatever happens to the caller's transaction: it is saved and committed
        in a cursor of its own, and remembered in this process for the rest of the caller's
        transaction, whose snapshot predates it. In that cursor the refresh token's row is locked
        (FOR UPDATE NOWAIT) and the tokens read again after the lock: a worker that finds the row
        locked waits (up to const.OAUTH_REFRESH_LOCK_WAIT seconds) and then uses the token the
        other worker got, instead of refreshing it again.

        :param seen_token: the access token the caller has (the one the platform refused, or the
            one lapsing); a different, fresh one found after the lock is used as is.
        :returns: the access token to use.
        :raises StoreAuthError: no refresh token, it expired, or the platform revoked the grant.
        :raises PermanentJobError: the platform refused the request for another reason.
        :raises RetryableJobError: the token endpoint is unreachable, or another worker still
            holds the lock after the wait.
        """
        self.ensure_one()
        self.env.flush_all()  # a cursor sharing this transaction (registry test mode) reads our writes
        deadline = time.monotonic() + const.OAUTH_REFRESH_LOCK_WAIT
        while True:
            try:
                with self.env.registry.cursor() as cr:
                    store = self.with_env(api.Environment(cr, SUPERUSER_ID, {}))
                    token, expires_at = store._oauth_refresh_locked(seen_token)
                break
            except _LOCK_ERRORS:
                if time.monotonic() >= deadline:
                    raise RetryableJobError(_(
                        "The access token of store %(store)s is being refreshed by another worker: "
                        "the job is tried again shortly.", store=self.name)) from None
                time.sleep(const.OAUTH_REFRESH_LOCK_POLL)
        if expires_at:
            _fresh_tokens[(self.env.cr.dbname, self.id)] = (token, expires_at)
        self.env["integration.credential"].invalidate_model()
        self.invalidate_recordset()
        return token

    def _oauth_refresh_locked(self, seen_token):
        """`_oauth_refresh`'s work, in the cursor it commits: lock, read again, refresh.

        :returns: (access token, its expiry or None).
        """
        self.env.cr.execute(
            "SELECT id FROM integration_credential WHERE store_id = %s AND key = %s FOR UPDATE NOWAIT",
            [self.id, const.CRED_OAUTH_REFRESH_TOKEN], log_exceptions=False,
        )
        if not self.env.cr.fetchone():
            raise StoreAuthError(_("Store %(store)s has no refresh token: install it again (Install with "
                                   "OAuth on its form).", store=self.name))
        access = self._oauth_credential(const.CRED_OAUTH_ACCESS_TOKEN)
        stored = self._get_credential(const.CRED_OAUTH_ACCESS_TOKEN, required=False)
        margin = timedelta(seconds=const.OAUTH_TOKEN_REFRESH_MARGIN)
        if stored and stored != seen_token and (
                not access.expires_at or access.expires_at - margin > fields.Datetime.now()):
            return stored, access.expires_at  # another worker refreshed it
        refresh = self._oauth_credential(const.CRED_OAUTH_REFRESH_TOKEN)
        if refresh.expires_at and refresh.expires_at <= fields.Datetime.now():
            raise StoreAuthError(_(
                "The refresh token of store %(store)s expired on %(date)s: install it again (Install "
                "with OAuth on its form).", store=self.name, date=refresh.expires_at))
        tokens = self._oauth_token_request(
            "refresh_token", {"refresh_token": self._get_credential(const.CRED_OAUTH_REFRESH_TOKEN)})
        self._oauth_save_tokens(tokens, grant_type="refresh_token")
        # The locked row changes with every refresh, also when the platform keeps the refresh token
        # (eBay): a worker whose snapshot predates this commit and that takes the lock after it
        # (another server, between the two) gets a serialization failure and reads again in a new
        # transaction, instead of finding the old access token in its snapshot and refreshing twice.
        self.env.cr.execute(
            "UPDATE integration_credential SET write_date = now() AT TIME ZONE 'UTC'"
            " WHERE store_id = %s AND key = %s",
            [self.id, const.CRED_OAUTH_REFRESH_TOKEN],
        )
        self._log_activity("auth", "done", message=_("Access token refreshed"))
        return tokens["access_token"], self._oauth_credential(const.CRED_OAUTH_ACCESS_TOKEN).expires_at

    # ------------------------------------------------------------------ cron
    @api.model
    def _cron_oauth_refresh_tokens(self):
        """Cron: refresh the access tokens that lapse within const.OAUTH_TOKEN_CRON_HORIZON
        seconds, so that a token never lapses between two jobs (a store idle for an hour would
        otherwise find it expired, and a refresh token that is never used expires in turn), and
        warn the managers of refresh tokens about to end (`_oauth_warn_refresh_expiry`).

        A store whose grant was revoked is paused with the platform's reason; any other failure
        is written in its activity log; the other stores go on.

        :returns: the stores whose token was refreshed.
        """
        self._oauth_warn_refresh_expiry()
        horizon = fields.Datetime.now() + timedelta(seconds=const.OAUTH_TOKEN_CRON_HORIZON)
        lapsing = self.env["integration.credential"].sudo().search([
            ("key", "=", const.CRED_OAUTH_ACCESS_TOKEN),
            ("expires_at", "!=", False),
            ("expires_at", "<=", horizon),
            ("store_id.active", "=", True),
        ])
        refreshed = self.browse()
        for store in lapsing.store_id.sudo():
            if not store._oauth_can_refresh():
                continue
            try:
                store._oauth_refresh(seen_token=store._get_credential(const.CRED_OAUTH_ACCESS_TOKEN,
                                                                      required=False))
                refreshed |= store
            except (StoreAuthError, RetryableJobError, PermanentJobError) as exc:
                # Already redacted by the token request; again here, as every path out does.
                error = store._oauth_safe_message(exc)
                _logger.warning("access token refresh of store %s failed: %s", store.id, error)
                store._log_activity("auth", "failed", message=_(
                    "The access token could not be refreshed: %(error)s", error=error))
                if isinstance(exc, StoreAuthError):
                    store._pause_for_auth(error)
        return refreshed

    @api.model
    def _oauth_warn_refresh_expiry(self):
        """Tell the managers of each active store whose refresh token ends within
        const.OAUTH_REFRESH_TOKEN_WARNING_DAYS days (once per refresh token): after that date only
        a new install gives the store a token, and its jobs stop.

        :returns: the stores warned now.
        """
        horizon = fields.Datetime.now() + timedelta(days=const.OAUTH_REFRESH_TOKEN_WARNING_DAYS)
        ending = self.env["integration.credential"].sudo().search([
            ("key", "=", const.CRED_OAUTH_REFRESH_TOKEN),
            ("expires_at", "!=", False),
            ("expires_at", "<=", horizon),
            ("store_id.active", "=", True),
        ])
        warned = self.browse()
        for credential in ending:
            store = credential.store_id.sudo()
            if store.oauth_refresh_expiry_warned == credential.expires_at:
                continue
            message = _(
                "The authorization of store %(store)s on %(platform)s ends on %(date)s (UTC). Install it "
                "again before then (Install with OAuth on the store's form), or its jobs stop.",
                store=store.name, platform=store._oauth_platform_label(), date=credential.expires_at,
            )
            store._log_activity("auth", "info", message=message)
            store._notify_managers(message)
            store.oauth_refresh_expiry_warned = credential.expires_at
            warned |= store
        return warned
