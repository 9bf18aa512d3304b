"""API keys and WooCommerce's REST authentication (WC_REST_Authentication, woocommerce/woocommerce
plugins/woocommerce/includes/class-wc-rest-authentication.php).

* Over SSL (`is_ssl()`): `consumer_key`/`consumer_secret` query parameters first, else HTTP Basic;
  an unknown key is not an error by itself (the request stays anonymous and the endpoint answers
  its own 401), a wrong secret is "Consumer secret is invalid.".
* Otherwise (and when SSL found no key): OAuth 1.0a one-legged with the `oauth_*` parameters from
  the query, a form body or an `Authorization: OAuth` header; all five required (else
  `woocommerce_rest_authentication_missing_parameter`), signature checked exactly as
  `check_oauth_signature` (string to sign `METHOD&rawurlencode(home_url(path))&` + the sorted,
  normalized, doubly encoded `k=v` pairs joined by `%26`; HMAC-SHA1 or -SHA256 keyed with
  `consumer_secret&`), then the timestamp (±15 min) and the nonce (kept per key, by timestamp).
* Key permissions (`check_permissions`, rest_pre_dispatch): read keys may GET/HEAD, write keys
  POST/PUT/PATCH/DELETE, read_write both; OPTIONS always.
"""

import base64
import hashlib
import hmac
import secrets
import threading
import urllib.parse

from .util import RestError

VALID_WINDOW = 15 * 60
PERMISSIONS = ("read", "write", "read_write")
OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


def rfc3986(value):
    """wc_rest_urlencode_rfc3986: PHP rawurlencode (everything but A-Za-z0-9-_.~), lists element-wise."""
    if isinstance(value, list):
        return [rfc3986(item) for item in value]
    if isinstance(value, dict):
        return {key: rfc3986(item) for key, item in value.items()}
    return urllib.parse.quote(str(value), safe="~")


def _join_with_equals_sign(params, key_prefix=""):
    pairs = []
    for key, value in params.items():
        if key_prefix:
            key = f"{key_prefix}%5B{key}%5D"
        if isinstance(value, dict):
            pairs.extend(_join_with_equals_sign(value, key))
        else:
            pairs.append(rfc3986(f"{key}={value}"))
    return pairs


def string_to_sign(method, base_url, params):
    """The string WooCommerce signs (check_oauth_signature), `params` without oauth_signature,
    as PHP parsed them (see `php_params`)."""
    ordered = dict(sorted(params.items(), key=lambda item: item[0].encode()))  # uksort strcmp
    normalized = {rfc3986(key): rfc3986(value) for key, value in ordered.items()}
    query = "%26".join(_join_with_equals_sign(normalized))
    return f"{method.upper()}&{rfc3986(base_url)}&{query}"


def oauth_signature(method, base_url, params, consumer_secret, signature_method="HMAC-SHA256"):
    """base64 HMAC of `string_to_sign` keyed with `consumer_secret&` (what a client must send)."""
    digest = hashlib.sha256 if signature_method == "HMAC-SHA256" else hashlib.sha1
    text = string_to_sign(method, base_url, params)
    return base64.b64encode(hmac.new(f"{consumer_secret}&".encode(), text.encode(), digest).digest()).decode()


def php_params(query):
    """A query string parsed as PHP's $_GET: '+' is a space, `a[]=x` and `a[k]=x` build arrays
    (dicts keyed by index/name here), a repeated plain key keeps its last value."""
    out = {}
    for raw_key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if "[" in raw_key and raw_key.endswith("]"):
            base, _, rest = raw_key.partition("[")
            sub = rest[:-1]
            bucket = out.setdefault(base, {})
            if not isinstance(bucket, dict):
                bucket = out[base] = {}
            bucket[sub if sub else str(len(bucket))] = value
        else:
            out[raw_key] = value
    return out


class ApiKey:
    __slots__ = (
        "key_id",
        "user_id",
        "description",
        "permissions",
        "consumer_key",
        "consumer_secret",
        "nonces",
        "last_access",
    )

    def __init__(self, key_id, user_id, description, permissions, consumer_key, consumer_secret):
        self.key_id = key_id
        self.user_id = user_id
        self.description = description
        self.permissions = permissions
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.nonces = {}
        self.last_access = None


class KeyStore:
    """The woocommerce_api_keys table."""

    def __init__(self, clock):
        self.clock = clock
        self.keys = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def add(
        self,
        permissions="read_write",
        consumer_key=None,
        consumer_secret=None,
        user_id=1,
        description="Simulator key",
    ):
        if permissions not in PERMISSIONS:
            raise ValueError(f"permissions must be one of {PERMISSIONS}")
        consumer_key = consumer_key or "ck_" + secrets.token_hex(20)
        consumer_secret = consumer_secret or "cs_" + secrets.token_hex(20)
        with self._lock:
            key = ApiKey(self._next_id, user_id, description, permissions, consumer_key, consumer_secret)
            self._next_id += 1
            self.keys[consumer_key] = key
        return key

    def revoke(self, consumer_key):
        with self._lock:
            return self.keys.pop(consumer_key, None) is not None

    def get(self, consumer_key):
        return self.keys.get(consumer_key)

    # ------------------------------------------------------------------ authenticate

    def authenticate(self, method, path, query, form, headers, home_url, is_ssl):
        """(key or None, kind) for a request to a wc/ or wc-* route; raises RestError when
        WooCommerce would answer an authentication error. `kind` is "basic", "query", "oauth1" or None.
        """
        get = php_params(query)
        if is_ssl:
            key, kind = self._basic(get, headers)
            if key is not None:
                return key, kind
        params = {**get, **form}
        header = (headers.get("Authorization") or "").strip()
        if header.startswith("OAuth "):
            for name, value in _parse_oauth_header(header).items():
                params[name] = value
        present = [name for name in OAUTH_PARAMS if params.get(name)]
        if not present:
            return None, None
        missing = [name for name in OAUTH_PARAMS if not params.get(name)]
        if missing:
            word = "parameter" if len(missing) == 1 else "parameters"
            raise RestError(
                401,
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth {word} {', '.join(missing)}",
            )
        key = self.get(params["oauth_consumer_key"])
        if key is None:
            raise RestError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        self._check_signature(key, method, home_url.rstrip("/") + path, params)
        self._check_timestamp_and_nonce(key, params["oauth_timestamp"], params["oauth_nonce"])
        return key, "oauth1"

    def _basic(self, get, headers):
        consumer_key = consumer_secret = ""
        kind = None
        if get.get("consumer_key") and get.get("consumer_secret"):
            consumer_key, consumer_secret, kind = get["consumer_key"], get["consumer_secret"], "query"
        header = headers.get("Authorization") or ""
        if not consumer_key and header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:].strip()).decode()
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            consumer_key, _, consumer_secret = decoded.partition(":")
            kind = "basic"
        if not consumer_key or not consumer_secret:
            return None, None
        key = self.get(consumer_key)
        if key is None:
            return None, None
        if not hmac.compare_digest(key.consumer_secret, consumer_secret):
            raise RestError(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
        return key, kind

    def _check_signature(self, key, method, base_url, params):
        params = dict(params)
        received = urllib.parse.unquote(str(params.pop("oauth_signature")).replace(" ", "+"))
        signature_method = params.get("oauth_signature_method")
        if signature_method not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - signature method is invalid.",
            )
        expected = oauth_signature(method, base_url, params, key.consumer_secret, signature_method)
        if not hmac.compare_digest(expected, received):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )

    def _check_timestamp_and_nonce(self, key, timestamp, nonce):
        now = self.clock.time()
        try:
            stamp = int(timestamp)
        except ValueError:
            stamp = 0
        if stamp < now - VALID_WINDOW or stamp > now + VALID_WINDOW:
            raise RestError(401, "woocommerce_rest_authentication_error", "Invalid timestamp.")
        with self._lock:
            if nonce in key.nonces.values():
                raise RestError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "Invalid nonce - nonce has already been used.",
                )
            key.nonces[stamp] = nonce  # keyed by timestamp, as WooCommerce stores them
            for old in [t for t in key.nonces if t < now - VALID_WINDOW]:
                del key.nonces[old]


def check_permissions(key, method):
    """WC_REST_Authentication::check_permissions for an authenticated key."""
    permissions = key.permissions
    if method in ("HEAD", "GET"):
        if permissions not in ("read", "read_write"):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "The API key provided does not have read permissions.",
            )
    elif method in ("POST", "PUT", "PATCH", "DELETE"):
        if permissions not in ("write", "read_write"):
            raise RestError(
                401,
                "woocommerce_rest_authentication_error",
                "The API key provided does not have write permissions.",
            )
    elif method != "OPTIONS":
        raise RestError(401, "woocommerce_rest_authentication_error", "Unknown request method.")


def _parse_oauth_header(header):
    params = {}
    for part in header[6:].split(","):
        name, _, value = part.strip().partition("=")
        if name.startswith("oauth_"):
            params[name] = urllib.parse.unquote(value.strip().strip('"'))
    return params
