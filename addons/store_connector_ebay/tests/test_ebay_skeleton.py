"""The eBay addon has a store now: its platform implements Test Connection, so an eBay store can be
created, with eBay's defaults (marketplace, sandbox first, order prefix, content language)."""

from odoo.tests import Form
from odoo.tests.common import TransactionCase


class TestEbayStoreDefaults(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Store = cls.env["connector.store"]

    def test_ebay_store_can_be_created_with_ebay_defaults(self):
        store = self.Store.create({"name": "eBay Shop", "platform": "ebay", "stock_baseline": "odoo"})
        self.assertTrue(store.platform_implemented)
        self.assertTrue(store.supports_test_connection)
        self.assertTrue(store.supports_oauth)
        self.assertEqual(store.ebay_marketplace_id, "EBAY_US")
        self.assertEqual(store.ebay_environment, "sandbox")
        self.assertEqual(store.ebay_content_language, "en-US")
        self.assertEqual(store.order_prefix, "EB-")

    def test_content_language_follows_the_marketplace_and_stays_editable(self):
        store = self.Store.create({"name": "eBay DE", "platform": "ebay", "ebay_marketplace_id": "EBAY_DE",
                                   "stock_baseline": "odoo"})
        self.assertEqual(store.ebay_content_language, "de-DE")
        store.ebay_marketplace_id = "EBAY_BE"
        self.assertEqual(store.ebay_content_language, "fr-BE")
        store.ebay_content_language = "nl-BE"
        self.assertEqual(store.ebay_content_language, "nl-BE")

    def test_credentials_are_declared_with_ebay_names(self):
        form = Form(self.Store)
        form.name = "eBay Shop"
        form.platform = "ebay"
        lines = []
        for index in range(len(form.credential_ids)):
            with form.credential_ids.edit(index) as line:
                lines.append((line.key, line.label, line.is_required))
        self.assertEqual(lines, [
            ("app_id", "App ID (Client ID)", True),
            ("cert_id", "Cert ID (Client Secret)", True),
            ("dev_id", "Dev ID", False),
            ("runame", "RuName (eBay Redirect URL name)", True),
        ])
        self.assertEqual(form.credential_missing,
                         "App ID (Client ID), Cert ID (Client Secret), RuName (eBay Redirect URL name)")

    def test_ebay_store_shows_its_features(self):
        store = self.Store.new({"name": "eBay Shop", "platform": "ebay"})
        self.assertTrue(store.platform_implemented)
        self.assertTrue(store.supports_orders_pull)
        self.assertTrue(store.supports_full_sync)

    def test_products_show_the_ebay_tab_only_once_there_is_an_ebay_store(self):
        self.Store.search([("platform", "=", "ebay")]).with_context(active_test=False).unlink()
        product = self.env["product.template"].create({"name": "Mug"})
        self.assertFalse(product.ebay_store_exists)
        arch = self.env["product.template"].get_view(view_type="form")["arch"]
        self.assertIn('invisible="not ebay_store_exists"', arch)
        self.Store.create({"name": "eBay Shop", "platform": "ebay", "stock_baseline": "odoo"})
        product.invalidate_recordset(["ebay_store_exists"])
        self.assertTrue(product.ebay_store_exists)
