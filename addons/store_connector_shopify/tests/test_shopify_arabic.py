"""The Shopify addon's Arabic translation (issue #13): its own labels read in Arabic."""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestShopifyArabic(TransactionCase):
    def test_shopify_labels_are_arabic(self):
        self.env["res.lang"]._activate_lang("ar_001")
        modules = self.env["ir.module.module"]
        modules._load_module_terms(["store_connector_shopify"], ["ar_001"], overwrite=True)
        stores = self.env["connector.store"].with_context(lang="ar_001")
        fields = stores.fields_get(["shopify_expiring_tokens"])
        self.assertEqual(fields["shopify_expiring_tokens"]["string"], "رموز منتهية الصلاحية")
