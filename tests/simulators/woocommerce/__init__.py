"""Loopback WooCommerce simulator: REST API v3 (keys, OAuth 1.0a, paging, batches), webhooks,
the Shipment Tracking extension and /wc-auth key generation.

See README.md in this directory for what is simulated, the source of each rule and the deviations.
"""

from .auth import oauth_signature, string_to_sign
from .simulator import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, WooCommerceSimulator
from .util import SimClock, wp_json
from .webhooks import sign as sign_webhook

__all__ = [
    "DEFAULT_CONSUMER_KEY",
    "DEFAULT_CONSUMER_SECRET",
    "SimClock",
    "WooCommerceSimulator",
    "oauth_signature",
    "sign_webhook",
    "string_to_sign",
    "wp_json",
]
