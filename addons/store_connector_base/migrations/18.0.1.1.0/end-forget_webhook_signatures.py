"""Deliveries stored before 18.0.1.1.0 kept the platform's signature header next to the body it
signs, which let whoever read them post them again: remove those headers.

An "end" script: it runs once every addon is loaded, so that each store's platform adapter can
name its signature headers (store.adapter._webhook_signature_headers).
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    changed = env["store.webhook.delivery"]._forget_stored_signatures()
    _logger.info("signature headers removed from %s stored webhook deliveries", changed)
