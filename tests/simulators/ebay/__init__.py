"""Loopback eBay simulator (issue 11): OAuth, the Sell REST APIs, quotas, faults; see README.md."""

from .simulator import (
    DEFAULT_APP_ID,
    DEFAULT_CERT_ID,
    DEFAULT_DEV_ID,
    DEFAULT_RUNAME,
    EbaySimulator,
)

__all__ = ["DEFAULT_APP_ID", "DEFAULT_CERT_ID", "DEFAULT_DEV_ID", "DEFAULT_RUNAME", "EbaySimulator"]
