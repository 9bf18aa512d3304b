"""The store form shows no empty Shopify line (issue #13): the shop's name, plan and granted scopes are
filled by Test Connection; before it ran, they are no line rather than an empty one."""

from lxml import etree

from odoo.tests.common import TransactionCase


class TestShopifyStoreFormLines(TransactionCase):
    def test_facts_filled_by_test_connection_are_hidden_while_empty(self):
        arch = etree.fromstring(self.env["connector.store"].get_view(
            self.env.ref("store_connector_base.connector_store_view_form").id, "form")["arch"])
        for name in ("shopify_shop_name", "shopify_plan", "shopify_granted_scopes"):
            [field] = arch.xpath(f"//group[@name='shopify_shop']/field[@name='{name}']")
            self.assertIn(f"not {name}", field.get("invisible") or "", name)
        [version] = arch.xpath("//group[@name='connection']/field[@name='api_version']")
        self.assertIn("not api_version", version.get("invisible"))
