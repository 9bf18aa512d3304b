"""The OAuth token lifecycle moved to store_connector_base (connector.store `oauth_*` fields, one
refresh cron for every platform: store_connector_base.ir_cron_oauth_refresh_tokens).

* Shopify's own refresh cron (a noupdate record, which a module update keeps) would call a method
  that no longer exists: deleted.
* The columns of the removed fields: the open authorizations (good for 10 minutes; one in progress
  during the update is started again) and the token expiry, which the access token credential
  already holds (its `expires_at`, which the base's cron reads). Dropped, so that no stale state
  stays in the table.
"""

from odoo import SUPERUSER_ID, api

_OLD_COLUMNS = ("shopify_oauth_state", "shopify_oauth_nonce_hash", "shopify_oauth_expires_at",
                "shopify_token_expires_at")


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("store_connector_shopify.ir_cron_shopify_refresh_tokens", raise_if_not_found=False)
    if cron:
        cron.unlink()
    for column in _OLD_COLUMNS:
        cr.execute(f"ALTER TABLE connector_store DROP COLUMN IF EXISTS {column}")  # noqa: S608 - constant names
