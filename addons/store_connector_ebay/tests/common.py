"""Helpers of the eBay addon's tests."""

import base64
import io
from datetime import timedelta

from PIL import Image

from odoo import fields

from odoo.addons.store_connector_base.tests.common import registry_test_mode  # noqa: F401 - re-exported

APP_ID = "AcmeSell-Connecto-SBX-1a2b3c4d5-6e7f8a9b"
CERT_ID = "SBX-1a2b3c4d5e6f-7a8b-9c0d-1e2f-3a4b"
DEV_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
RUNAME = "Acme_Sell-AcmeSell-Connec-abcdefgh"
USER_TOKEN = "v^1.1#i^1#p^3#r^1#I^3#f^0#t^Ul4xMF8xOjEyMzQ1Njc4OTBBQkNERUY="
REFRESH_TOKEN = "v^1.1#i^1#p^3#r^1#f^0#I^3#t^Ul4xMF8yOjk4NzY1NDMyMTBGRURDQkE="


def create_ebay_store(env, api_url=None, name="eBay Shop", company=None, app_id=APP_ID, cert_id=CERT_ID,
                      dev_id=DEV_ID, runame=RUNAME, access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN,
                      **values):
    """An eBay store with its keyset and a valid user token (2 h left) and refresh token (18 months),
    each skipped when None; pointing at `api_url` (a simulator or RecordingServer root, honoured
    because the test server allows private URLs); stock baseline chosen ("odoo") unless `values`
    say otherwise."""
    store = env["connector.store"].create({
        "name": name,
        "platform": "ebay",
        "company_id": (company or env.company).id,
        "stock_baseline": "odoo",
        **values,
    })
    if api_url:
        store.sudo().ebay_api_url = api_url
    now = fields.Datetime.now()
    Credential = env["integration.credential"]
    for key, value, expires_at in (
        ("app_id", app_id, None), ("cert_id", cert_id, None), ("dev_id", dev_id, None),
        ("runame", runame, None),
        ("access_token", access_token, now + timedelta(hours=2)),
        ("refresh_token", refresh_token, now + timedelta(days=547)),
    ):
        if value:
            Credential._set_value(store, key, value, expires_at=expires_at)
    return store


def png(color="red"):
    """A small PNG, base64-encoded as Odoo's image fields take it (eBay lists nothing without a picture)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())
