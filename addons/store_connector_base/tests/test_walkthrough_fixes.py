"""What a merchant's walk through the WooCommerce and eBay demos found (issue #13): each fix with the
test that would have caught it."""

from odoo.tests import tagged

from .test_full_sync_progress import FullSyncCase

ADDONS = ["store_connector_base", "store_connector_shopify", "store_connector_woocommerce",
          "store_connector_ebay"]


@tagged("post_install", "-at_install")
class TestFullSyncSummaryInTheReadersLanguage(FullSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ar_001")
        installed = cls.env["ir.module.module"].search([("name", "in", ADDONS), ("state", "=", "installed")])
        cls.env["ir.module.module"]._load_module_terms(installed.mapped("name"), ["ar_001"], overwrite=True)

    def test_the_summary_on_the_store_reads_in_the_readers_language(self):
        """The run ends in a job (the summary stored in its language); an Arabic reader of the store
        read that English sentence, its full stop thrown to the wrong end by the right-to-left page."""
        self.store.action_full_sync()
        self.run_until_settled()
        run = self.store.full_sync_run_id
        run.invalidate_recordset()
        self.assertTrue(run.summary.startswith("5 products, 3 customers, 2 orders imported; 1 failed."))
        self.env.invalidate_all()  # a new request: nothing computed in English kept
        store_ar = self.store.with_context(lang="ar_001")
        html = str(store_ar.full_sync_progress_html)
        self.assertIn("تم استيراد", html)
        self.assertNotIn("imported", html)
        # a sentence in another script keeps its own direction inside the right-to-left page
        self.assertIn('o_sc_full_sync_summary" dir="auto"', html)
        # the English reader reads the stored sentence, unchanged
        self.env.invalidate_all()
        self.assertIn(run.summary, str(self.store.full_sync_progress_html))
