"""OAuth authorization code grant, expiring offline tokens with rotating refresh tokens.

shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant:
- /admin/oauth/authorize?client_id&scope&redirect_uri&state -> (merchant approves) redirect to
  redirect_uri with code, hmac, host, shop, state, timestamp; `hmac` is the hex HMAC-SHA256, keyed with
  the client secret, of the other parameters sorted and joined as k=v with '&';
- POST /admin/oauth/access_token with client_id, client_secret, code -> {access_token, scope}; with
  expiring=1 also expires_in (3600), refresh_token and refresh_token_expires_in (changelog "Offline access
  tokens now support expiry and refresh", Dec 2025);
- grant_type=refresh_token rotates: a new access and refresh token; since 2026-08 the previous refresh
  token stays valid until the new access token is first used (changelog "More resilient refreshes").
- grant_type=client_credentials (own-organisation apps): a ~24 h token, no refresh token.
"""

import base64
import hashlib
import hmac
import secrets
import urllib.parse
from dataclasses import dataclass, field

ACCESS_TTL = 3600
REFRESH_TTL = 90 * 24 * 3600
CLIENT_CREDENTIALS_TTL = 86399
CODE_TTL = 600


def calculate_hmac(secret, params):
    """Shopify's OAuth/install HMAC: hex HMAC-SHA256 over sorted 'k=v' pairs joined by '&' (no hmac)."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("hmac", "signature"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


@dataclass
class Token:
    value: str
    scopes: list
    expires_at: float | None = None
    revoked: bool = False
    used: bool = False
    refresh_token: str | None = None


@dataclass
class RefreshToken:
    value: str
    expires_at: float
    access_token: str
    superseded_by: str | None = None  # the access token issued when this refresh token was used
    revoked: bool = False
    extra: dict = field(default_factory=dict)


class OAuthServer:
    def __init__(self, sim):
        self.sim = sim
        self.codes = {}
        self.tokens = {}
        self.refresh_tokens = {}

    # ------------------------------------------------------------------ helpers

    def sign(self, params):
        return calculate_hmac(self.sim.client_secret, params)

    def install_params(self, **extra):
        """Parameters of the install hit Shopify sends to the app (shop, timestamp, host, hmac)."""
        params = {
            "shop": self.sim.shop,
            "timestamp": str(int(self.sim.clock.time())),
            "host": base64.b64encode(f"admin.shopify.com/store/{self.sim.shop.split('.')[0]}".encode())
            .decode()
            .rstrip("="),
            **{k: str(v) for k, v in extra.items()},
        }
        params["hmac"] = self.sign(params)
        return params

    def _issue(self, scopes, expiring, ttl=ACCESS_TTL):
        now = self.sim.clock.time()
        token = Token(
            value="shpat_" + secrets.token_hex(16),
            scopes=list(scopes),
            expires_at=now + ttl if expiring else None,
        )
        self.tokens[token.value] = token
        body = {"access_token": token.value, "scope": ",".join(scopes)}
        if expiring and ttl == ACCESS_TTL:
            refresh = RefreshToken(
                value="shprt_" + secrets.token_hex(16), expires_at=now + REFRESH_TTL, access_token=token.value
            )
            self.refresh_tokens[refresh.value] = refresh
            token.refresh_token = refresh.value
            body.update(
                {"expires_in": ttl, "refresh_token": refresh.value, "refresh_token_expires_in": REFRESH_TTL}
            )
        elif expiring:
            body["expires_in"] = ttl
        return body

    # ------------------------------------------------------------------ endpoints

    def authorize(self, query):
        """GET /admin/oauth/authorize -> (status, headers, body)."""
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        if params.get("client_id") != self.sim.client_id:
            return (
                400,
                {"Content-Type": "text/plain"},
                (
                    "Oauth error invalid_request: Could not find Shopify API application with api_key "
                    f"{params.get('client_id')}"
                ).encode(),
            )
        redirect = params.get("redirect_uri", "")
        allowed = self.sim.redirect_uris
        if not redirect.startswith(("http://", "https://")) or (
            allowed and redirect.split("?")[0] not in allowed
        ):
            return (
                400,
                {"Content-Type": "text/plain"},
                (b"Oauth error invalid_request: The redirect_uri is not whitelisted"),
            )
        scopes = [s.strip() for s in params.get("scope", "").split(",") if s.strip()] or list(self.sim.scopes)
        code = secrets.token_hex(16)
        self.codes[code] = {"scopes": scopes, "expires_at": self.sim.clock.time() + CODE_TTL, "used": False}
        back = {
            "code": code,
            "shop": self.sim.shop,
            "state": params.get("state", ""),
            "timestamp": str(int(self.sim.clock.time())),
            "host": base64.b64encode(f"admin.shopify.com/store/{self.sim.shop.split('.')[0]}".encode())
            .decode()
            .rstrip("="),
        }
        back["hmac"] = self.sign(back)
        location = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(back)
        return (
            302,
            {"Location": location, "Content-Type": "text/html"},
            b"<html><body>Redirecting</body></html>",
        )

    def access_token(self, params):
        """POST /admin/oauth/access_token -> (status, json body)."""
        if params.get("client_id") != self.sim.client_id or not hmac.compare_digest(
            str(params.get("client_secret", "")), self.sim.client_secret
        ):
            return 400, {
                "error": "invalid_client",
                "error_description": "Client authentication failed: wrong client_id or client_secret.",
            }
        grant = params.get("grant_type") or "authorization_code"
        expiring = str(params.get("expiring", "0")) in ("1", "true")
        now = self.sim.clock.time()
        if grant == "authorization_code":
            entry = self.codes.get(params.get("code", ""))
            if entry is None or entry["used"] or entry["expires_at"] < now:
                return 400, {
                    "error": "invalid_request",
                    "error_description": "The authorization code was not found or was already used",
                }
            entry["used"] = True
            return 200, self._issue(entry["scopes"], expiring)
        if grant == "refresh_token":
            refresh = self.refresh_tokens.get(params.get("refresh_token", ""))
            valid = refresh is not None and not refresh.revoked and refresh.expires_at > now
            if valid and refresh.superseded_by is not None:
                successor = self.tokens.get(refresh.superseded_by)
                valid = successor is not None and not successor.used
            if not valid:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "The refresh token is invalid, expired or already used.",
                }
            for older in self.refresh_tokens.values():  # using the replacement retires its predecessor
                successor = self.tokens.get(older.superseded_by) if older.superseded_by else None
                if successor is not None and successor.refresh_token == refresh.value:
                    older.revoked = True
            previous = self.tokens.get(refresh.access_token)
            body = self._issue(previous.scopes if previous else list(self.sim.scopes), True)
            refresh.superseded_by = body["access_token"]
            return 200, body
        if grant == "client_credentials":
            return 200, self._issue(list(self.sim.scopes), True, ttl=CLIENT_CREDENTIALS_TTL)
        return 400, {
            "error": "unsupported_grant_type",
            "error_description": f"Unsupported grant type {grant}",
        }

    # ------------------------------------------------------------------ API authentication

    def authenticate(self, value):
        """Scopes of a valid access token, or None (unknown, expired, revoked)."""
        if not value:
            return None
        if self.sim.installed and hmac.compare_digest(value, self.sim.access_token):
            return list(self.sim.scopes)
        token = self.tokens.get(value)
        if token is None or token.revoked or not self.sim.installed:
            return None
        if token.expires_at is not None and token.expires_at <= self.sim.clock.time():
            return None
        if not token.used:
            token.used = True
            for refresh in self.refresh_tokens.values():  # the old refresh token retires on first use
                if refresh.superseded_by == value:
                    refresh.revoked = True
        return token.scopes

    def revoke_all(self):
        for token in self.tokens.values():
            token.revoked = True
        for refresh in self.refresh_tokens.values():
            refresh.revoked = True
