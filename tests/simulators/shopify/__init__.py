"""Loopback Shopify simulator: GraphQL Admin API (cost, throttling, versions), OAuth and webhooks.

See README.md in this directory for what is simulated, the sources of each rule and the known gaps.
"""

from .oauth import calculate_hmac
from .simulator import DEFAULT_SCOPES, SUPPORTED_VERSIONS, ShopifySimulator
from .util import SimClock
from .webhooks import sign as sign_webhook

__all__ = [
    "DEFAULT_SCOPES",
    "SUPPORTED_VERSIONS",
    "ShopifySimulator",
    "SimClock",
    "calculate_hmac",
    "sign_webhook",
]
