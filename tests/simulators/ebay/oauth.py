"""eBay's OAuth 2.0: the consent page (`GET /oauth2/authorize`, on auth.ebay.com for real) and the token
endpoint (`POST /identity/v1/oauth2/token`): authorization code, refresh token and client credentials
grants; the tokens the front checks.

Sources: developer.ebay.com/api-docs/static/oauth-consent-request.html, oauth-auth-code-grant-request.html,
oauth-refresh-token-request.html, oauth-client-credentials-grant.html (notes in shared/platforms/ebay.md 3.2).
"""

import base64
import secrets
import threading
import time
import urllib.parse

from .api import SimApi, SimResponse

SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope"
#: The scopes a seller application's keyset holds (what a consent may ask for).
USER_SCOPES = (
    SCOPE_ROOT,
    f"{SCOPE_ROOT}/sell.inventory",
    f"{SCOPE_ROOT}/sell.inventory.readonly",
    f"{SCOPE_ROOT}/sell.fulfillment",
    f"{SCOPE_ROOT}/sell.fulfillment.readonly",
    f"{SCOPE_ROOT}/sell.account",
    f"{SCOPE_ROOT}/sell.account.readonly",
    f"{SCOPE_ROOT}/sell.finances",
    f"{SCOPE_ROOT}/sell.analytics.readonly",
    f"{SCOPE_ROOT}/commerce.notification.subscription",
    f"{SCOPE_ROOT}/commerce.notification.subscription.readonly",
    f"{SCOPE_ROOT}/commerce.identity.readonly",
)
APP_SCOPES = (SCOPE_ROOT,)
ACCESS_TOKEN_LIFETIME = 7200
REFRESH_TOKEN_LIFETIME = 47304000  # 18 months
CODE_LIFETIME = 299  # the consent redirect's expires_in


def _token(kind):
    # eBay's tokens look like "v^1.1#i^1#p^3#I^3#r^0#f^0#t^H4sIAAAA..." (r^1 for refresh tokens)
    return f"v^1.1#i^1#p^3#I^3#r^{1 if kind == 'refresh' else 0}#f^0#t^{secrets.token_urlsafe(48)}"


def oauth_error(status, error, description):
    return SimResponse(status, {"error": error, "error_description": description})


class OAuthApi(SimApi):
    """Consent and token endpoints; holds the tokens (`sim.oauth`)."""

    prefix = ""
    quota_name = ""
    #: the front checks no bearer token for this API
    public = True

    def __init__(self, sim):
        super().__init__(sim)
        self.lock = threading.Lock()
        self.access_tokens = {}  # token -> {"kind", "scopes", "user", "expires"}
        self.refresh_tokens = {}  # token -> {"scopes", "user", "expires", "revoked"}
        self.codes = {}  # code -> {"scopes", "user", "expires", "redirect_uri"}
        self.runame_url = None
        self.declined_url = None
        self.decline_next = 0
        self.counts = {"authorization_code": 0, "refresh_token": 0, "client_credentials": 0}
        self.log = []  # every token call: {"grant_type", "status", "error"}
        #: Seconds the token endpoint takes to answer (tests of workers refreshing at the same time).
        self.token_delay = 0.0

    # ------------------------------------------------------------------ tokens

    def issue_user_tokens(self, scopes=None, user=None, access_token=None, refresh_token=None):
        """A user's access and refresh tokens (as a consent + code exchange would make them)."""
        scopes = set(scopes or USER_SCOPES)
        user = user or self.sim.seller_username
        now = self.sim.clock.time()
        access_token = access_token or _token("access")
        refresh_token = refresh_token or _token("refresh")
        with self.lock:
            self.refresh_tokens[refresh_token] = {
                "scopes": scopes,
                "user": user,
                "expires": now + REFRESH_TOKEN_LIFETIME,
                "revoked": False,
            }
            self.access_tokens[access_token] = {
                "kind": "user",
                "scopes": set(scopes),
                "user": user,
                "expires": now + ACCESS_TOKEN_LIFETIME,
                "refresh_token": refresh_token,
            }
        return {"access_token": access_token, "refresh_token": refresh_token}

    def issue_app_token(self, access_token=None):
        access_token = access_token or _token("access")
        with self.lock:
            self.access_tokens[access_token] = {
                "kind": "app",
                "scopes": set(APP_SCOPES),
                "user": None,
                "expires": self.sim.clock.time() + ACCESS_TOKEN_LIFETIME,
            }
        return access_token

    def expired(self, token):
        """True when `token` was a valid access token that has expired (Trading tells it apart)."""
        with self.lock:
            info = self.access_tokens.get(token)
            return info is not None and info["expires"] <= self.sim.clock.time()

    def check(self, token):
        """The token's {"kind", "scopes", "user"}, or None when unknown, expired or revoked."""
        with self.lock:
            info = self.access_tokens.get(token)
            if info is None or info["expires"] <= self.sim.clock.time():
                return None
            refresh = self.refresh_tokens.get(info.get("refresh_token"))
            if refresh is not None and refresh["revoked"]:
                return None
            return {"kind": info["kind"], "scopes": set(info["scopes"]), "user": info["user"]}

    def revoke_user(self, user=None):
        """The seller revokes the application's access (or eBay does): every user token stops working."""
        with self.lock:
            for info in self.refresh_tokens.values():
                if user is None or info["user"] == user:
                    info["revoked"] = True

    def expire_access_tokens(self):
        with self.lock:
            for info in self.access_tokens.values():
                info["expires"] = 0

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        if request.path == "/oauth2/authorize" and request.method == "GET":
            return self.authorize(request)
        if request.path == "/identity/v1/oauth2/token":
            if request.method != "POST":
                return SimResponse(405, b"", {"Allow": "POST"})
            if self.token_delay:
                time.sleep(self.token_delay)
            return self.token(request)
        return None

    def authorize(self, request):
        """The consent page: the seller signs in and agrees at once (or declines: `decline_next`)."""
        sim = self.sim
        client_id, redirect_uri = request.arg("client_id"), request.arg("redirect_uri")
        scopes = (request.arg("scope") or "").split()
        problems = []
        if client_id != sim.app_id:
            problems.append("unauthorized_client: the client_id is not a known application")
        if redirect_uri != sim.runame:
            problems.append("invalid_request: redirect_uri must be the application's RuName")
        if request.arg("response_type") != "code":
            problems.append("unsupported_response_type: response_type must be code")
        unknown = [s for s in scopes if s not in USER_SCOPES]
        if not scopes or unknown:
            problems.append(f"invalid_scope: {' '.join(unknown) or 'no scope'}")
        if problems:
            return SimResponse(
                400,
                "<html><body><h1>Error</h1><p>" + "<br>".join(problems) + "</p></body></html>",
                {"Content-Type": "text/html"},
            )
        if not self.runame_url:
            return SimResponse(
                500,
                "<html><body>The RuName has no auth accepted URL (sim.set_runame_url).</body></html>",
                {"Content-Type": "text/html"},
            )
        state = request.arg("state")
        with self.lock:
            declined = self.decline_next > 0
            if declined:
                self.decline_next -= 1
        params = {}
        if declined:
            target = self.declined_url or self.runame_url
            params["error"] = "access_denied"
            params["error_description"] = "The user declined the consent."
        else:
            target = self.runame_url
            code = "v^1.1#i^1#f^0#p^3#I^3#r^1#t^" + secrets.token_urlsafe(96)
            with self.lock:
                self.codes[code] = {
                    "scopes": set(scopes),
                    "user": sim.seller_username,
                    "expires": sim.clock.time() + CODE_LIFETIME,
                    "redirect_uri": redirect_uri,
                }
            params["code"] = code
            params["expires_in"] = str(CODE_LIFETIME)
        if state is not None:
            params["state"] = state
        separator = "&" if "?" in target else "?"
        return SimResponse(302, b"", {"Location": target + separator + urllib.parse.urlencode(params)})

    def _client_ok(self, request):
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return False
        return decoded == f"{self.sim.app_id}:{self.sim.cert_id}"

    def token(self, request):
        form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        grant = form.get("grant_type", "")
        response = self._token(request, form, grant)
        body = response.body if isinstance(response.body, dict) else {}
        with self.lock:
            self.log.append({"grant_type": grant, "status": response.status, "error": body.get("error")})
            if response.status == 200 and grant in self.counts:
                self.counts[grant] += 1
        return response

    def _token(self, request, form, grant):
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return oauth_error(
                400, "invalid_request", "request is missing a required parameter or malformed."
            )
        if not self._client_ok(request):
            return oauth_error(401, "invalid_client", "client authentication failed")
        now = self.sim.clock.time()
        if grant == "authorization_code":
            with self.lock:
                code = self.codes.pop(form.get("code", ""), None)  # single use
            if code is None or code["expires"] <= now:
                return oauth_error(
                    400,
                    "invalid_grant",
                    "the provided authorization grant code is invalid or was issued to another client",
                )
            if form.get("redirect_uri") != code["redirect_uri"]:
                return oauth_error(
                    400,
                    "invalid_grant",
                    "the provided authorization grant code is invalid or was issued to another client",
                )
            tokens = self.issue_user_tokens(code["scopes"], code["user"])
            return SimResponse(
                200,
                {
                    "access_token": tokens["access_token"],
                    "expires_in": ACCESS_TOKEN_LIFETIME,
                    "refresh_token": tokens["refresh_token"],
                    "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME,
                    "token_type": "User Access Token",
                },
            )
        if grant == "refresh_token":
            refresh_token = form.get("refresh_token", "")
            with self.lock:
                info = self.refresh_tokens.get(refresh_token)
            if info is None or info["revoked"] or info["expires"] <= now:
                return oauth_error(
                    400,
                    "invalid_grant",
                    "the provided authorization grant code is invalid or was issued to another client",
                )
            scopes = set((form.get("scope") or "").split()) or set(info["scopes"])
            if not scopes <= info["scopes"]:
                return oauth_error(
                    400,
                    "invalid_scope",
                    "the requested scope is invalid, unknown, malformed, "
                    "or exceeds the scope granted to the client",
                )
            access_token = _token("access")
            with self.lock:
                self.access_tokens[access_token] = {
                    "kind": "user",
                    "scopes": scopes,
                    "user": info["user"],
                    "expires": now + ACCESS_TOKEN_LIFETIME,
                    "refresh_token": refresh_token,
                }
            # the refresh token is not rotated: the answer carries none
            return SimResponse(
                200,
                {
                    "access_token": access_token,
                    "expires_in": ACCESS_TOKEN_LIFETIME,
                    "token_type": "User Access Token",
                },
            )
        if grant == "client_credentials":
            scopes = set((form.get("scope") or "").split())
            if not scopes or not scopes <= set(APP_SCOPES):
                return oauth_error(
                    400,
                    "invalid_scope",
                    "the requested scope is invalid, unknown, malformed, "
                    "or exceeds the scope granted to the client",
                )
            return SimResponse(
                200,
                {
                    "access_token": self.issue_app_token(),
                    "expires_in": ACCESS_TOKEN_LIFETIME,
                    "token_type": "Application Access Token",
                },
            )
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant type in request is not supported by the authorization server",
        )
