"""eBay's notification security, without Odoo: the endpoint challenge, the X-EBAY-SIGNATURE header,
the public key's PEM, the ECDSA check, and the cache of public keys by key id.

Facts (platform notes 3.6; eBay's event-notification SDKs, lib/validator.js and lib/helper.js):

* Challenge: ``GET <endpoint>?challenge_code=X`` is answered 200 with
  ``{"challengeResponse": hex(SHA-256(challengeCode + verificationToken + endpoint))}``, in that
  order, the endpoint exactly as registered with eBay (scheme, host, path, no trailing slash added).
* ``X-EBAY-SIGNATURE`` is base64 of the JSON ``{"alg": "ECDSA", "kid": ..., "signature": <base64
  DER signature>, "digest": "SHA1"}``; the public key comes from the Notification API
  (``GET /commerce/notification/v1/public_key/{kid}``, an application token) as ``{"algorithm":
  "ECDSA", "digest": "SHA1", "key": "-----BEGIN PUBLIC KEY-----<base64 without newlines>-----END
  PUBLIC KEY-----"}``; the SDK adds the newlines back and caches the key by kid.
* The SDK verifies the signature over ``JSON.stringify(message)``, eBay's compact serialisation of
  the body; the raw body as eBay sends it is that text, so the raw body is checked first and its
  compact re-serialisation second (a body re-indented on the way still passes).
"""

import base64
import binascii
import hashlib
import json
import re
import threading
import time

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

# eBay's verification token: 32 to 80 characters, letters, digits, underscore and hyphen (the
# Notification API's DeliveryConfig; the developer portal says the same).
VERIFICATION_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,80}")
# A challenge code longer than this is nobody's: refused before hashing.
CHALLENGE_CODE_MAX_LENGTH = 512
# How long a fetched public key is trusted before it is fetched again. eBay's SDK keeps keys for the
# process's life; an hour bounds the damage of a key eBay withdraws.
PUBLIC_KEY_TTL_SECONDS = 3600
PUBLIC_KEY_CACHE_SIZE = 64
_PEM_BODY_RE = re.compile(r"-----BEGIN PUBLIC KEY-----(?P<body>.*?)-----END PUBLIC KEY-----", re.S)
_KID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class SignatureError(ValueError):
    """The X-EBAY-SIGNATURE header is missing, malformed, or of an algorithm eBay does not use."""


def challenge_response(challenge_code, verification_token, endpoint):
    """hex(SHA-256(challenge code + verification token + endpoint)), as eBay computes it."""
    digest = hashlib.sha256()
    digest.update(challenge_code.encode())
    digest.update(verification_token.encode())
    digest.update(endpoint.encode())
    return digest.hexdigest()


def parse_signature_header(value):
    """The decoded X-EBAY-SIGNATURE header.

    :returns: {"kid": str, "signature": bytes (DER)}.
    :raises SignatureError: missing, not base64 JSON, not ECDSA/SHA1, no kid or signature.
    """
    if not value:
        raise SignatureError("no X-EBAY-SIGNATURE header")
    try:
        decoded = json.loads(base64.b64decode(value.strip(), validate=True))
    except (ValueError, binascii.Error):
        raise SignatureError("X-EBAY-SIGNATURE is not base64 JSON") from None
    if not isinstance(decoded, dict):
        raise SignatureError("X-EBAY-SIGNATURE is not a JSON object")
    alg = str(decoded.get("alg") or "").upper()
    digest = str(decoded.get("digest") or "").upper()
    if alg not in ("ECDSA", "ECDSA_SHA1", "ES1") or digest not in ("SHA1", "SHA-1"):
        raise SignatureError(f"unsupported signature algorithm {alg}/{digest}")
    kid = decoded.get("kid")
    if not isinstance(kid, str) or not _KID_RE.fullmatch(kid):
        raise SignatureError("X-EBAY-SIGNATURE names no usable key id")
    try:
        signature = base64.b64decode(str(decoded.get("signature") or ""), validate=True)
    except (ValueError, binascii.Error):
        raise SignatureError("the signature is not base64") from None
    if not signature:
        raise SignatureError("X-EBAY-SIGNATURE carries no signature")
    return {"kid": kid, "signature": signature}


def load_public_key(answer):
    """The EC public key of a ``getPublicKey`` answer, its PEM rewrapped (eBay sends it on one line).

    :raises SignatureError: not an ECDSA/SHA1 key, or an unreadable one.
    """
    if not isinstance(answer, dict):
        raise SignatureError("the public key answer is not a JSON object")
    if (
        str(answer.get("algorithm") or "").upper() != "ECDSA"
        or str(answer.get("digest") or "").upper() != "SHA1"
    ):
        raise SignatureError("the public key is not an ECDSA/SHA1 key")
    match = _PEM_BODY_RE.search(str(answer.get("key") or ""))
    if not match:
        raise SignatureError("the public key is not a PEM public key")
    body = re.sub(r"\s+", "", match["body"])
    lines = "\n".join(body[index : index + 64] for index in range(0, len(body), 64))
    pem = f"-----BEGIN PUBLIC KEY-----\n{lines}\n-----END PUBLIC KEY-----\n"
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, UnsupportedAlgorithm):
        raise SignatureError("the public key cannot be read") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise SignatureError("the public key is not an elliptic-curve key")
    return key


def signature_valid(public_key, signature, raw_body):
    """Whether `signature` (DER) is the ECDSA-SHA1 signature of the body under `public_key`: the raw
    body, or else its compact JSON serialisation (what eBay's SDK verifies)."""
    candidates = [raw_body]
    try:
        compact = json.dumps(json.loads(raw_body), separators=(",", ":"), ensure_ascii=False).encode()
    except ValueError:
        compact = None
    if compact and compact != raw_body:
        candidates.append(compact)
    for message in candidates:
        try:
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - eBay's algorithm
            return True
        except InvalidSignature:
            continue
    return False


class PublicKeyCache:
    """eBay's public keys by (API host, kid), each kept `ttl` seconds; shared by the threads of one
    process (every worker fetches a key once an hour at most)."""

    def __init__(self, ttl=PUBLIC_KEY_TTL_SECONDS, size=PUBLIC_KEY_CACHE_SIZE, clock=time.monotonic):
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._keys = {}
        self._lock = threading.Lock()

    def get(self, scope, kid):
        """The cached key, or None (never fetched, or expired)."""
        with self._lock:
            entry = self._keys.get((scope, kid))
            if entry is None:
                return None
            if entry[0] <= self.clock():
                del self._keys[(scope, kid)]
                return None
            return entry[1]

    def put(self, scope, kid, key):
        with self._lock:
            if len(self._keys) >= self.size:
                # Oldest expiry first: a flood of made-up kids cannot grow the cache (unknown kids
                # are never cached anyway: eBay answers 404 for them).
                for stale in sorted(self._keys, key=lambda item: self._keys[item][0])[
                    : len(self._keys) - self.size + 1
                ]:
                    del self._keys[stale]
            self._keys[(scope, kid)] = (self.clock() + self.ttl, key)

    def clear(self):
        with self._lock:
            self._keys.clear()


PUBLIC_KEYS = PublicKeyCache()
