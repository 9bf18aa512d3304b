"""The store form shows no empty eBay line (issue #13): the granted scopes and the token's end are
filled by Connect with eBay; before it ran, they are no line rather than an empty one."""

from lxml import etree

from odoo.tests.common import TransactionCase


class TestEbayStoreFormLines(TransactionCase):
    def test_facts_filled_by_the_connect_button_are_hidden_while_empty(self):
        arch = etree.fromstring(self.env["connector.store"].get_view(
            self.env.ref("store_connector_base.connector_store_view_form").id, "form")["arch"])
        for name in ("ebay_granted_scopes", "oauth_token_expires_at"):
            [field] = arch.xpath(f"//group[@name='ebay_credentials']/field[@name='{name}']")
            self.assertIn(f"not {name}", field.get("invisible") or "", name)
